/**
 * @module build/checkout
 * The plain checkout of DESIGN.md (what `POST /v1/checkout` and `send --checkout` take) mapped to a
 * Pinterest `checkout` event. Only `order_id`, `value` and one identifier are needed; the Pinterest
 * Tag's own names (`order_quantity`, `line_items`) are understood so one object can feed both.
 */

import { ValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { normalizeUserDataValue } from '../normalize/user-data.js';
import type { RawUserData } from '../normalize/user-data.js';
import { checkObjectFields, issue, isPlainObject } from '../validate/checks.js';
import type { ObjectSpec, PlainObject } from '../validate/checks.js';
import type { ActionSource, WireEvent } from '../wire.js';
import {
  ITEM_NAMES,
  TAG_ITEM_NAMES,
  mapItems,
  present,
  readCount,
  toIdString,
  withoutUndefined,
} from './checkout-items.js';
import type { CheckoutItem, ItemSource, TagLineItem } from './checkout-items.js';
import { toCheckoutIssue } from './checkout-paths.js';
import type { PathContext } from './checkout-paths.js';
import { prepareEvent } from './prepare-event.js';
import type { CustomDataInput, EventInput, PrepareOptions } from './prepare-event.js';

export type { CheckoutItem, TagLineItem } from './checkout-items.js';

type Maybe<T> = T | null | undefined;

/**
 * An order in plain terms, snake_case like Pinterest's API. `null` and blank strings count as
 * absent, so webhook payloads and CSV rows can be passed without cleaning.
 */
export interface CheckoutInput {
  /** The store's order id; numbers are turned into strings, strings are trimmed. */
  order_id: string | number;
  /** Order total: a number or a decimal string. Pinterest recommends pre-tax, pre-shipping. */
  value: number | string;
  /** ISO 4217, any case (`usd` is sent as `USD`). @default the ad account's currency */
  currency?: Maybe<string>;
  items?: Maybe<readonly CheckoutItem[]>;
  /** The Tag's name for `items`. Give one of the two. */
  line_items?: Maybe<readonly TagLineItem[]>;
  /** The Tag's name for the total units; without it, the sum of item quantities is sent. */
  order_quantity?: Maybe<number | string>;
  email?: Maybe<RawUserData['em']>;
  phone?: Maybe<RawUserData['ph']>;
  first_name?: Maybe<RawUserData['fn']>;
  last_name?: Maybe<RawUserData['ln']>;
  gender?: Maybe<RawUserData['ge']>;
  date_of_birth?: Maybe<RawUserData['db']>;
  city?: Maybe<RawUserData['ct']>;
  state?: Maybe<RawUserData['st']>;
  zip?: Maybe<RawUserData['zp'] | number>;
  country?: Maybe<RawUserData['country']>;
  external_id?: Maybe<RawUserData['external_id'] | number>;
  /** The buyer's IP address as seen by the store (not the server's). */
  ip?: Maybe<string>;
  user_agent?: Maybe<string>;
  /** The `_epik` cookie or `epik` URL parameter left by a Pinterest ad click. */
  click_id?: Maybe<string>;
  /** The id the Pinterest Tag sent for this order. @default `deriveEventId(order_id)` */
  event_id?: Maybe<string>;
  /** Another name for `event_id`; giving both with different values is an issue. */
  dedup_key?: Maybe<string>;
  /** Unix seconds, a `Date`, or ISO 8601 with an offset. @default now */
  event_time?: Maybe<number | Date | string>;
  /** The page the order was placed on (`event_source_url`). */
  source_url?: Maybe<string>;
  /** @default 'web' */
  action_source?: Maybe<ActionSource>;
  opt_out?: Maybe<boolean>;
  /** `LDP` for limited data processing; also send `state` and `country`. */
  opt_out_type?: Maybe<string>;
  /** ISO 639-1, e.g. `en`. */
  language?: Maybe<string>;
  /**
   * Advertising consent. `denied` sends `opt_out: true`; `unknown` or absent leaves `opt_out` as
   * given. (The relay reads this field itself and applies the tenant's consent policy instead.)
   */
  consent?: Maybe<'granted' | 'denied' | 'unknown'>;
}

/** Checkout fields mapped one to one onto `user_data`. */
const USER_FIELDS = {
  email: 'em',
  phone: 'ph',
  first_name: 'fn',
  last_name: 'ln',
  gender: 'ge',
  date_of_birth: 'db',
  city: 'ct',
  state: 'st',
  zip: 'zp',
  country: 'country',
  external_id: 'external_id',
  ip: 'client_ip_address',
  user_agent: 'client_user_agent',
  click_id: 'click_id',
} as const satisfies Record<string, keyof RawUserData>;

/** The pairs of {@link USER_FIELDS}, listed once rather than for every checkout. */
const USER_FIELD_PAIRS = Object.entries(USER_FIELDS);
const USER_FIELD_NAMES = Object.keys(USER_FIELDS);

const OTHER_FIELDS = [
  'order_id',
  'value',
  'currency',
  'items',
  'line_items',
  'order_quantity',
  'event_id',
  'dedup_key',
  'event_time',
  'source_url',
  'action_source',
  'opt_out',
  'opt_out_type',
  'language',
  'consent',
];

const CHECKOUT_SPEC: ObjectSpec = Object.fromEntries(
  [...USER_FIELD_NAMES, ...OTHER_FIELDS].map((key) => [key, { kind: 'custom' } as const]),
);

/**
 * The event id for an order's checkout: `order-<order_id>-checkout`.
 *
 * It is derived, not random, so that every sender of the same order agrees on it without talking
 * to each other: a webhook retried by the store, the relay replaying it, and the Pinterest Tag on
 * the thank-you page (even a Liquid template on Shopify: `order-{{ order.id }}-checkout`) all
 * produce the same id, and Pinterest deduplicates them.
 *
 * @example
 * deriveEventId('1001'); // 'order-1001-checkout'
 */
export function deriveEventId(orderId: string): string {
  return `order-${orderId}-checkout`;
}

/**
 * Maps a plain checkout to a Pinterest `checkout` wire event: `user_data` is normalized and hashed,
 * `custom_data` gets `value`, `currency`, `order_id`, `num_items` (`order_quantity`, else the sum
 * of quantities), `content_ids` and `contents`. Without `event_id` (or `dedup_key`) the id is
 * {@link deriveEventId}. `consent: 'denied'` sends `opt_out: true`, whatever `opt_out` says.
 * A phone number without an international prefix is read in the checkout's `country` when it has
 * one, else in `options.defaultCountry`.
 *
 * @throws {ValidationError} With every issue, each named after the checkout field
 *   (`checkout.email`, `checkout.items[2].price`), never the wire field.
 * @example
 * const event = buildCheckoutEvent(
 *   { order_id: 1001, value: '72.39', currency: 'USD', email: 'buyer@example.com' },
 *   { partnerName: 'ss-acme' },
 * );
 * // event.event_id === 'order-1001-checkout'
 */
export function buildCheckoutEvent(
  checkout: CheckoutInput,
  options: PrepareOptions = {},
): WireEvent {
  if (!isPlainObject(checkout)) {
    throw new ValidationError([issue('checkout', 'type', 'must be an object')], 'checkout');
  }

  const input = checkout as unknown as PlainObject;
  const issues = checkObjectFields(input, CHECKOUT_SPEC, { path: 'checkout', level: 'checkout' });
  const { event, context } = toEventInput(input, issues);
  try {
    const wire = prepareEvent(event, withPhoneCountry(input, options));
    if (issues.length === 0) return wire;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    addNew(
      issues,
      error.issues.map((found) => toCheckoutIssue(found, context)),
    );
  }

  throw new ValidationError(issues, 'checkout');
}

/**
 * Phone numbers without an international prefix are read in the buyer's country when the checkout
 * names one (a WooCommerce billing phone is usually local), else in `options.defaultCountry`.
 */
function withPhoneCountry(input: PlainObject, options: PrepareOptions): PrepareOptions {
  const country = present(input['country']);
  if (typeof country !== 'string') return options;
  try {
    const code = normalizeUserDataValue('country', country).toUpperCase();
    return isSupportedCountry(code) ? { ...options, defaultCountry: code } : options;
  } catch {
    // An unreadable country is reported by the hashing step, under checkout.country.
    return options;
  }
}

function toEventInput(
  input: PlainObject,
  issues: ValidationIssue[],
): { event: EventInput; context: PathContext } {
  const orderId = readOrderId(input, issues);
  const { eventId, eventIdField } = readEventId(input, orderId, issues);
  const { customData, unitsField, items } = readCustomData(input, orderId, issues);
  const userData = readUserData(input, issues);
  const event: PlainObject = {
    event_name: 'checkout',
    action_source: present(input['action_source']),
    event_time: present(input['event_time']),
    event_id: eventId,
    user_data: userData,
    custom_data: customData,
    event_source_url: present(input['source_url']),
    opt_out: readOptOut(input, issues),
    language: present(input['language']),
  };
  const arrayFields = new Set(USER_FIELD_NAMES.filter((key) => Array.isArray(input[key])));
  const context: PathContext = { eventIdField, unitsField, items, arrayFields };
  return { event: withoutUndefined(event) as unknown as EventInput, context };
}

function readOrderId(input: PlainObject, issues: ValidationIssue[]): string | undefined {
  const value = present(toIdString(input['order_id']));
  if (value === undefined) {
    issues.push(issue('checkout.order_id', 'required', 'is required'));
    return undefined;
  }

  if (typeof value === 'string') return value.trim();
  issues.push(issue('checkout.order_id', 'type', 'must be a string or a number'));
  return undefined;
}

function readEventId(
  input: PlainObject,
  orderId: string | undefined,
  issues: ValidationIssue[],
): { eventId: unknown; eventIdField: PathContext['eventIdField'] } {
  const eventId = present(input['event_id']);
  const dedupKey = present(input['dedup_key']);
  if (eventId !== undefined && dedupKey !== undefined && eventId !== dedupKey) {
    const message = 'is another name for event_id, and the two differ: give one of them';
    issues.push(issue('checkout.dedup_key', 'conflict', message));
  }

  if (eventId !== undefined) return { eventId, eventIdField: 'event_id' };
  if (dedupKey !== undefined) return { eventId: dedupKey, eventIdField: 'dedup_key' };
  const derived = orderId === undefined ? undefined : deriveEventId(orderId);
  return { eventId: derived, eventIdField: 'order_id' };
}

function readCustomData(
  input: PlainObject,
  orderId: string | undefined,
  issues: ValidationIssue[],
): { customData: CustomDataInput; unitsField: PathContext['unitsField']; items?: ItemSource } {
  const value = present(input['value']);
  if (value === undefined) issues.push(issue('checkout.value', 'required', 'is required'));
  const lines = readLines(input, issues);
  const mapped = lines ? mapItems(lines.list, lines.source) : undefined;
  if (mapped) issues.push(...mapped.issues);
  const quantity = readCount(present(input['order_quantity']), 'checkout.order_quantity', issues);
  const currency = present(input['currency']);
  const customData: PlainObject = {
    value,
    currency: typeof currency === 'string' ? currency.trim().toUpperCase() : currency,
    order_id: orderId,
    num_items: quantity ?? mapped?.units,
    content_ids: mapped && mapped.contentIds.length > 0 ? mapped.contentIds : undefined,
    contents: mapped?.contents,
    opt_out_type: present(input['opt_out_type']),
  };
  const unitsField: PathContext['unitsField'] =
    quantity === undefined ? (lines?.source.field ?? 'items') : 'order_quantity';
  const defined = withoutUndefined(customData) as CustomDataInput;
  if (!lines) return { customData: defined, unitsField };
  return { customData: defined, unitsField, items: lines.source };
}

function readLines(
  input: PlainObject,
  issues: ValidationIssue[],
): { list: readonly unknown[]; source: ItemSource } | undefined {
  const items = present(input['items']);
  const lineItems = present(input['line_items']);
  for (const [field, value] of [
    ['items', items],
    ['line_items', lineItems],
  ] as const) {
    if (value !== undefined && !Array.isArray(value)) {
      issues.push(issue(`checkout.${field}`, 'type', 'must be an array of objects'));
    }
  }

  const list = (value: unknown) => (Array.isArray(value) && value.length > 0 ? value : undefined);
  if (list(items) && list(lineItems)) {
    const message = "give items or the Tag's line_items, not both";
    issues.push(issue('checkout.line_items', 'conflict', message));
  }

  const fromItems = list(items);
  if (fromItems) return { list: fromItems, source: { field: 'items', names: ITEM_NAMES } };
  const fromTag = list(lineItems);
  if (fromTag) return { list: fromTag, source: { field: 'line_items', names: TAG_ITEM_NAMES } };
  return undefined;
}

function readUserData(input: PlainObject, issues: ValidationIssue[]): RawUserData {
  const userData: PlainObject = {};
  for (const [field, key] of USER_FIELD_PAIRS) {
    const value = present(input[field]);
    if (value === undefined) continue;
    // Zip codes and customer ids arrive as numbers from JSON stores; they are hashed as text.
    const asText = (field === 'zip' || field === 'external_id') && typeof value === 'number';
    userData[key] = asText ? String(value) : value;
  }

  const has = (key: string) => userData[key] !== undefined;
  if (!has('em') && !(has('client_ip_address') && has('client_user_agent'))) {
    issues.push(issue('checkout.email', 'identifier', identifierMessage(has)));
  }

  return userData;
}

function identifierMessage(has: (key: string) => boolean): string {
  const base = 'a checkout needs email, or ip together with user_agent';
  if (has('client_ip_address')) return `${base} (user_agent is missing)`;
  if (has('client_user_agent')) return `${base} (ip is missing)`;
  return base;
}

function readOptOut(input: PlainObject, issues: ValidationIssue[]): unknown {
  const consent = present(input['consent']);
  if (consent === 'denied') return true;
  if (consent !== undefined && consent !== 'granted' && consent !== 'unknown') {
    issues.push(issue('checkout.consent', 'enum', 'must be "granted", "denied" or "unknown"'));
  }

  return present(input['opt_out']);
}

/** One issue per checkout field: a wire issue at a field already reported is a consequence. */
function addNew(issues: ValidationIssue[], found: readonly ValidationIssue[]): void {
  const reported = new Set(issues.map((known) => known.path));
  for (const candidate of found) {
    if (!reported.has(candidate.path)) issues.push(candidate);
    reported.add(candidate.path);
  }
}
