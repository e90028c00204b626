/**
 * @module validate/custom-data
 * Checks a wire `custom_data` object and its `contents[]`: money fields are decimal strings,
 * counts are non-negative integers, the currency is a circulating ISO 4217 code.
 */

import type { ValidationIssue } from '../errors.js';
import { checkDecimal } from '../money.js';
import { checkObjectFields, issue, isPlainObject, joinPath } from './checks.js';
import type { ObjectSpec, PlainObject } from './checks.js';
import { describeCurrencyProblem, isCurrencyCode } from './currency.js';

const NULLABLE_STRING = { kind: 'string', nullable: true } as const;

const CUSTOM_DATA_SPEC: ObjectSpec = {
  value: { kind: 'custom' },
  currency: { kind: 'custom' },
  content_ids: { kind: 'string_array' },
  contents: { kind: 'custom' },
  num_items: { kind: 'integer', min: 0 },
  order_id: NULLABLE_STRING,
  content_name: NULLABLE_STRING,
  content_category: NULLABLE_STRING,
  content_brand: NULLABLE_STRING,
  search_string: NULLABLE_STRING,
  opt_out_type: NULLABLE_STRING,
  predicted_ltv: { kind: 'custom' },
  np: NULLABLE_STRING,
  external_measurement_id: NULLABLE_STRING,
  external_measurement_vendor_id: { kind: 'integer', nullable: true },
};

const CONTENT_SPEC: ObjectSpec = {
  id: { kind: 'string' },
  item_price: { kind: 'custom' },
  quantity: { kind: 'integer', min: 0 },
  item_name: { kind: 'string' },
  item_category: { kind: 'string' },
  item_brand: { kind: 'string' },
};

/** Checks `custom_data` at `path` (e.g. `data[0].custom_data`). */
export function checkCustomData(value: unknown, path: string): ValidationIssue[] {
  if (!isPlainObject(value)) return [issue(path, 'type', 'must be an object')];
  const issues = checkObjectFields(value, CUSTOM_DATA_SPEC, { path, level: 'custom_data' });
  for (const key of ['value', 'predicted_ltv']) {
    const broken = checkWireDecimal(value[key], joinPath(path, key), true);
    if (broken) issues.push(broken);
  }

  const currency = checkCurrency(value['currency'], joinPath(path, 'currency'));
  if (currency) issues.push(currency);
  issues.push(...checkContents(value, joinPath(path, 'contents')));
  return issues;
}

/**
 * A money field on the wire: a decimal string (`null` where the schema allows it). A number is an
 * issue, not converted: Pinterest's schema rejects it, and `formatDecimal` is the fix.
 */
function checkWireDecimal(
  value: unknown,
  path: string,
  nullable: boolean,
): ValidationIssue | undefined {
  if (value === undefined || (value === null && nullable)) return undefined;
  if (typeof value === 'number') {
    return issue(path, 'decimal_string', 'must be a string such as "19.99", not a number');
  }

  return checkDecimal(value, path);
}

function checkCurrency(value: unknown, path: string): ValidationIssue | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return issue(path, 'type', 'must be a string or null');
  if (isCurrencyCode(value)) return undefined;
  return issue(path, 'currency', describeCurrencyProblem(value));
}

function checkContents(customData: PlainObject, path: string): ValidationIssue[] {
  const contents = customData['contents'];
  if (contents === undefined) return [];
  if (!Array.isArray(contents)) return [issue(path, 'type', 'must be an array of objects')];
  return contents.flatMap((item: unknown, index) => checkContent(item, `${path}[${index}]`));
}

function checkContent(item: unknown, path: string): ValidationIssue[] {
  if (!isPlainObject(item)) return [issue(path, 'type', 'must be an object')];
  const issues = checkObjectFields(item, CONTENT_SPEC, { path, level: 'contents' });
  const price = checkWireDecimal(item['item_price'], joinPath(path, 'item_price'), false);
  if (price) issues.push(price);
  return issues;
}
