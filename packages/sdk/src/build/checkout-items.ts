/**
 * @module build/checkout-items
 * Line items of a plain checkout, in our names (`items[].id/price/quantity`) or the Pinterest Tag's
 * (`line_items[].product_id/product_price/product_quantity`), mapped to `custom_data.contents`,
 * `content_ids` and `num_items`.
 */

import type { ValidationIssue } from '../errors.js';
import { checkObjectFields, issue, isPlainObject } from '../validate/checks.js';
import type { ObjectSpec, PlainObject } from '../validate/checks.js';
import type { ContentInput } from './prepare-event.js';

/** One line of a checkout, in the SDK's names. */
export interface CheckoutItem {
  /** Product id; should match the catalog id. Numbers are turned into strings. */
  id?: string | number | null;
  /** Unit price before discounts: a number or a decimal string. */
  price?: number | string | null;
  /** Units bought; a digit string (from a CSV cell) is read as a number. @default 1 for num_items */
  quantity?: number | string | null;
  name?: string | null;
  category?: string | null;
  brand?: string | null;
}

/** One line of a checkout, in the Pinterest Tag's names (`pintrk('track', 'checkout', …)`). */
export interface TagLineItem {
  product_id?: string | number | null;
  product_price?: number | string | null;
  product_quantity?: number | string | null;
  product_name?: string | null;
  product_category?: string | null;
  product_brand?: string | null;
}

/** Which list the items came from, and the names its fields have there. */
export interface ItemSource {
  field: 'items' | 'line_items';
  names: Readonly<Record<keyof ContentInput, string>>;
}

export const ITEM_NAMES: ItemSource['names'] = {
  id: 'id',
  item_price: 'price',
  quantity: 'quantity',
  item_name: 'name',
  item_category: 'category',
  item_brand: 'brand',
};

export const TAG_ITEM_NAMES: ItemSource['names'] = {
  id: 'product_id',
  item_price: 'product_price',
  quantity: 'product_quantity',
  item_name: 'product_name',
  item_category: 'product_category',
  item_brand: 'product_brand',
};

const ANY: ObjectSpec[string] = { kind: 'custom' };

/** The field spec of each item source's names, built once rather than for every checkout. */
const SPEC_BY_NAMES = new WeakMap<ItemSource['names'], ObjectSpec>();

function itemSpec(names: ItemSource['names']): ObjectSpec {
  let spec = SPEC_BY_NAMES.get(names);
  if (spec === undefined) {
    spec = Object.fromEntries(Object.values(names).map((name) => [name, ANY]));
    SPEC_BY_NAMES.set(names, spec);
  }

  return spec;
}

export interface MappedItems {
  contents: ContentInput[];
  contentIds: string[];
  /** Sum of quantities, a missing quantity counting as one unit. */
  units: number;
  issues: ValidationIssue[];
}

/** Maps checkout lines to contents, reporting unknown fields and unreadable quantities. */
export function mapItems(lines: readonly unknown[], source: ItemSource): MappedItems {
  const spec = itemSpec(source.names);
  const mapped: MappedItems = { contents: [], contentIds: [], units: 0, issues: [] };
  lines.forEach((line, index) => {
    const path = `checkout.${source.field}[${index}]`;
    if (!isPlainObject(line)) {
      mapped.issues.push(issue(path, 'type', 'must be an object'));
      mapped.contents.push({});
      return;
    }

    mapped.issues.push(...checkObjectFields(line, spec, { path, level: 'checkout_item' }));
    const content = mapLine(line, source, path, mapped.issues);
    mapped.contents.push(content);
    if (content.id !== undefined) mapped.contentIds.push(content.id);
    // A quantity that is not a count is reported on its line; num_items must not repeat it.
    const quantity = content.quantity;
    mapped.units += typeof quantity === 'number' && Number.isInteger(quantity) ? quantity : 1;
  });
  return mapped;
}

function mapLine(
  line: PlainObject,
  source: ItemSource,
  path: string,
  issues: ValidationIssue[],
): ContentInput {
  const read = (key: keyof ContentInput) => present(line[source.names[key]]);
  // Types are checked after mapping, by the event validator, against the wire field.
  return withoutUndefined({
    id: toIdString(read('id')),
    item_price: read('item_price'),
    quantity: readCount(read('quantity'), `${path}.${source.names.quantity}`, issues),
    item_name: read('item_name'),
    item_category: read('item_category'),
    item_brand: read('item_brand'),
  });
}

/**
 * Reads a count: an integer, or a digit string such as a CSV cell holds. Other numbers are passed
 * on for the validator to report; anything else is reported here with rule `integer`.
 */
export function readCount(
  value: unknown,
  path: string,
  issues: ValidationIssue[],
): number | undefined {
  if (value === undefined || typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
  issues.push(issue(path, 'integer', 'must be a whole number of units'));
  return undefined;
}

/** `null` and blank strings count as absent: webhooks and CSV cells use both for "no value". */
export function present(value: unknown): unknown {
  if (value === null) return undefined;
  if (typeof value === 'string' && value.trim() === '') return undefined;
  return value;
}

/** Shopify and WooCommerce send numeric ids; Pinterest takes strings. */
export function toIdString(value: unknown): unknown {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
}

/** A copy without `undefined` fields, which `exactOptionalPropertyTypes` and `toEqual` both mind. */
export function withoutUndefined(value: PlainObject): PlainObject {
  const defined: PlainObject = {};
  for (const key of Object.keys(value)) {
    const field = value[key];
    if (field !== undefined) defined[key] = field;
  }

  return defined;
}
