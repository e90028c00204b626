/**
 * @module build/checkout-paths
 * Issues found on the wire event are reported under the checkout field the caller wrote
 * (`event.user_data.em[0]` becomes `checkout.email`), so the fix is obvious without knowing the
 * wire format.
 */

import type { ValidationIssue } from '../errors.js';
import type { ItemSource } from './checkout-items.js';

/** Checkout field for each wire path prefix; longer prefixes are tried first. */
const FIELD_FOR_PREFIX: readonly (readonly [string, string])[] = [
  ['event.user_data.em', 'email'],
  ['event.user_data.ph', 'phone'],
  ['event.user_data.fn', 'first_name'],
  ['event.user_data.ln', 'last_name'],
  ['event.user_data.ge', 'gender'],
  ['event.user_data.db', 'date_of_birth'],
  ['event.user_data.ct', 'city'],
  ['event.user_data.st', 'state'],
  ['event.user_data.zp', 'zip'],
  ['event.user_data.country', 'country'],
  ['event.user_data.external_id', 'external_id'],
  ['event.user_data.client_ip_address', 'ip'],
  ['event.user_data.client_user_agent', 'user_agent'],
  ['event.user_data.click_id', 'click_id'],
  // The identifier rule is reported on user_data as a whole; email is the field to add.
  ['event.user_data', 'email'],
  ['event.custom_data.value', 'value'],
  ['event.custom_data.currency', 'currency'],
  ['event.custom_data.order_id', 'order_id'],
  ['event.custom_data.opt_out_type', 'opt_out_type'],
  ['event.event_time', 'event_time'],
  ['event.event_source_url', 'source_url'],
  ['event.action_source', 'action_source'],
  ['event.opt_out', 'opt_out'],
  ['event.language', 'language'],
];

const CONTENT_PATH = /^event\.custom_data\.contents\[(\d+)\]\.?(\w*)(.*)$/;

/** What the path mapping needs to know about the checkout it maps to. */
export interface PathContext {
  /** The checkout field that gave `event_id`: itself, `dedup_key`, or `order_id` (derived). */
  eventIdField: 'event_id' | 'dedup_key' | 'order_id';
  /** Where `num_items` came from. */
  unitsField: 'order_quantity' | 'items' | 'line_items';
  items: ItemSource | undefined;
  /** Checkout fields given as arrays, whose issue paths keep their `[i]`. */
  arrayFields: ReadonlySet<string>;
}

/** Re-roots a wire issue under the checkout field it came from. */
export function toCheckoutIssue(found: ValidationIssue, context: PathContext): ValidationIssue {
  return { ...found, path: toCheckoutPath(found.path, context) };
}

function toCheckoutPath(path: string, context: PathContext): string {
  if (!path.startsWith('event')) return path;
  const content = CONTENT_PATH.exec(path);
  if (content && context.items) {
    const [, index = '0', field = '', rest = ''] = content;
    const names = context.items.names as Readonly<Record<string, string>>;
    const name = Object.hasOwn(names, field) ? names[field] : field;
    const suffix = name === '' || name === undefined ? '' : `.${name}${rest}`;
    return `checkout.${context.items.field}[${index}]${suffix}`;
  }

  if (isAt(path, 'event.event_id')) return `checkout.${context.eventIdField}`;
  if (isAt(path, 'event.custom_data.num_items')) return `checkout.${context.unitsField}`;
  if (isAt(path, 'event.custom_data.content_ids'))
    return `checkout.${context.items?.field ?? 'items'}`;
  for (const [prefix, field] of FIELD_FOR_PREFIX) {
    if (isAt(path, prefix))
      return `checkout.${field}${keptIndex(path.slice(prefix.length), field, context)}`;
  }

  return path;
}

function keptIndex(rest: string, field: string, context: PathContext): string {
  if (context.arrayFields.has(field)) return rest;
  return rest.replace(/^\[\d+\]/, '');
}

function isAt(path: string, prefix: string): boolean {
  if (!path.startsWith(prefix)) return false;
  const next = path.charAt(prefix.length);
  return next === '' || next === '.' || next === '[';
}
