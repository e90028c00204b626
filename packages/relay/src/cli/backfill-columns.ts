/**
 * @module cli/backfill-columns
 * Which column of an order export feeds which checkout field in `send --offline`: defaults that
 * recognise the usual Shopify and WooCommerce export headers, overridden by `--map COLUMN=FIELD`,
 * and the reading of one row (order id, amount, creation time) into a plain checkout.
 */
import type { CheckoutInput, CheckoutItem } from '@pinterest-capi/sdk';

import { UsageError } from './usage-error.js';

/** Fields whose cell goes into the checkout as it is, under the same name. */
const PLAIN_FIELDS = [
  'currency',
  'email',
  'phone',
  'first_name',
  'last_name',
  'city',
  'state',
  'zip',
  'country',
  'external_id',
  'ip',
  'user_agent',
  'click_id',
  'event_id',
] as const;

/** Checkout fields a column can feed; `item_*` columns build one line item per row. */
export const BACKFILL_FIELDS = [
  'order_id',
  'value',
  'event_time',
  ...PLAIN_FIELDS,
  'item_id',
  'item_name',
  'item_price',
  'item_quantity',
] as const;

export type BackfillField = (typeof BACKFILL_FIELDS)[number];

/** Fields without which no row can be sent. */
const REQUIRED_FIELDS: readonly BackfillField[] = ['order_id', 'value', 'event_time'];

/**
 * Headers recognised for each field, best first, compared after {@link headerKey}. The amount
 * prefers the subtotal: Pinterest recommends the value before tax and shipping (facts §2.3).
 */
const DEFAULT_HEADERS: Readonly<Record<BackfillField, readonly string[]>> = {
  order_id: ['order id', 'order number', 'order no', 'name'],
  value: ['value', 'subtotal', 'order subtotal amount', 'order subtotal', 'total', 'order total'],
  currency: ['currency', 'order currency'],
  event_time: ['event time', 'created at', 'order date', 'date created', 'paid at'],
  email: ['email', 'billing email', 'customer email', 'billing email address', 'email address'],
  phone: ['phone', 'billing phone', 'customer phone', 'shipping phone'],
  first_name: ['first name', 'billing first name'],
  last_name: ['last name', 'billing last name'],
  city: ['city', 'billing city'],
  state: ['state', 'billing province', 'billing state', 'billing state code'],
  zip: ['zip', 'billing zip', 'billing postcode', 'postcode', 'postal code', 'billing postal code'],
  country: ['country', 'billing country', 'billing country code'],
  external_id: ['external id', 'customer id', 'customer user id'],
  ip: ['ip', 'ip address', 'customer ip address', 'browser ip'],
  user_agent: ['user agent', 'customer user agent'],
  click_id: ['click id', 'pinterest click id'],
  event_id: ['event id', 'pinterest event id'],
  item_id: ['lineitem sku', 'item sku', 'sku'],
  item_name: ['lineitem name', 'item name'],
  item_price: ['lineitem price', 'item price', 'item cost'],
  item_quantity: ['lineitem quantity', 'item quantity', 'quantity', 'qty'],
};

/** The column each field reads, by its header as written in the file. */
export type ColumnMap = Partial<Record<BackfillField, string>>;

/** `"Billing  Zip"`, `billing_zip` and `BillingZip`? The first two match: case and separators. */
function headerKey(header: string): string {
  return header
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * Resolves the column of every field: `--map` entries first, then the default headers found.
 *
 * @throws UsageError when a `--map` entry is malformed, names an unknown field or a column the
 * file lacks, or when a required field (order id, value, creation time) has no column.
 * @example
 * resolveColumns(['Name', 'Email', 'Subtotal', 'Created at'], ['Email=email']);
 * // { order_id: 'Name', email: 'Email', value: 'Subtotal', event_time: 'Created at' }
 */
export function resolveColumns(headers: readonly string[], maps: readonly string[]): ColumnMap {
  const byKey = new Map(headers.map((header) => [headerKey(header), header]));
  const columns: ColumnMap = {};

  for (const entry of maps) {
    const { column, field } = parseMapEntry(entry, headers);
    columns[field] = column;
  }

  const taken = new Set(Object.values(columns));
  for (const field of BACKFILL_FIELDS) {
    if (columns[field] !== undefined) continue;
    const found = DEFAULT_HEADERS[field]
      .map((key) => byKey.get(key))
      .find((header) => header !== undefined && !taken.has(header));
    if (found === undefined) continue;
    columns[field] = found;
    taken.add(found);
  }

  const missing = REQUIRED_FIELDS.filter((field) => columns[field] === undefined);
  if (missing.length > 0) {
    const list = missing.join(', ');
    throw new UsageError(
      `no column for ${list}: map one with --map "COLUMN=${missing[0] ?? ''}" ` +
        `(columns in the file: ${headers.join(', ')})`,
    );
  }

  return columns;
}

function parseMapEntry(entry: string, headers: readonly string[]): BackfillColumn {
  const at = entry.lastIndexOf('=');
  if (at <= 0) throw new UsageError(`--map "${entry}": expected COLUMN=FIELD, e.g. "Email=email"`);
  const column = entry.slice(0, at).trim();
  const field = entry.slice(at + 1).trim();

  if (!isBackfillField(field)) {
    throw new UsageError(
      `--map "${entry}": "${field}" is not a backfill field; use one of ${BACKFILL_FIELDS.join(', ')}`,
    );
  }

  const header =
    headers.find((candidate) => candidate === column) ??
    headers.find((candidate) => headerKey(candidate) === headerKey(column));
  if (header === undefined) {
    throw new UsageError(
      `--map "${entry}": the file has no column "${column}" (columns: ${headers.join(', ')})`,
    );
  }

  return { column: header, field };
}

interface BackfillColumn {
  column: string;
  field: BackfillField;
}

function isBackfillField(field: string): field is BackfillField {
  return (BACKFILL_FIELDS as readonly string[]).includes(field);
}

/** One row read through the column map: what the grouping and the age guard need. */
export interface MappedRow {
  orderId: string | undefined;
  /** Unix seconds, or why the creation time cannot be used. */
  eventTime: number | { reason: string };
  checkout: Omit<CheckoutInput, 'order_id' | 'value'> & { value?: string };
  item: CheckoutItem | undefined;
}

/**
 * Reads one CSV row through the column map. Blank cells count as absent; a Shopify order name's
 * `#` is dropped (`#1001` → `1001`); amounts lose currency signs and thousands separators.
 */
export function mapRow(
  row: Readonly<Record<string, string>>,
  columns: ColumnMap,
  options: { utcOffset: string | undefined },
): MappedRow {
  const cell = (field: BackfillField): string | undefined => {
    const column = columns[field];
    const value = column === undefined ? undefined : row[column]?.trim();
    return value === '' ? undefined : value;
  };

  const checkout: MappedRow['checkout'] = {};
  for (const field of PLAIN_FIELDS) {
    const value = cell(field);
    if (value !== undefined) checkout[field] = value;
  }

  const value = cell('value');
  if (value !== undefined) checkout.value = cleanAmount(value);

  return {
    orderId: cell('order_id')?.replace(/^#/, ''),
    eventTime: readEventTime(cell('event_time'), options.utcOffset),
    checkout,
    item: readItem(cell),
  };
}

function readItem(cell: (field: BackfillField) => string | undefined): CheckoutItem | undefined {
  const id = cell('item_id') ?? cell('item_name');
  if (id === undefined) return undefined;
  const name = cell('item_name');
  const price = cell('item_price');
  const quantity = cell('item_quantity');
  return {
    id,
    ...(name === undefined ? {} : { name }),
    ...(price === undefined ? {} : { price: cleanAmount(price) }),
    ...(quantity !== undefined && /^\d+$/.test(quantity) ? { quantity: Number(quantity) } : {}),
  };
}

/** `$1,234.50` → `1234.50`; anything else is left for the SDK to judge. */
function cleanAmount(text: string): string {
  const bare = text.replace(/^[^\d.-]+/, '').replace(/[^\d.]+$/, '');
  return /^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(bare) ? bare.replace(/,/g, '') : bare;
}

/** ISO 8601 or Shopify's `2026-01-15 10:23:45 -0500`, with or without seconds and offset. */
const DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?)?\s*([Zz]|[+-]\d{2}:?\d{2})?$/;

/** `+02:00`, `-0500`, `Z`. */
export const UTC_OFFSET = /^(?:[Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * Unix seconds of an order's creation time. A time without a UTC offset takes `--utc-offset`;
 * without one it is refused rather than guessed, as a wrong zone moves every order by hours.
 */
function readEventTime(
  text: string | undefined,
  utcOffset: string | undefined,
): number | { reason: string } {
  if (text === undefined) return { reason: 'no_time: the creation time cell is empty' };
  if (/^\d{9,10}$/.test(text)) return Number(text);
  const match = DATE_TIME.exec(text);
  if (match === null) {
    return { reason: 'bad_time: the creation time is not ISO 8601 nor Unix seconds' };
  }

  const [, date, clock = '00:00', seconds = ':00', written] = match;
  const offset = written ?? utcOffset;
  if (offset === undefined) {
    return { reason: 'no_utc_offset: the creation time has no UTC offset; pass --utc-offset' };
  }

  const ms = Date.parse(`${date ?? ''}T${clock}${seconds}${normalizeOffset(offset)}`);
  if (Number.isNaN(ms)) return { reason: 'bad_time: the creation time is not a real date' };
  return Math.floor(ms / 1000);
}

function normalizeOffset(offset: string): string {
  if (offset === 'Z' || offset === 'z') return 'Z';
  return offset.includes(':') ? offset : `${offset.slice(0, 3)}:${offset.slice(3)}`;
}
