/**
 * @module cli/backfill-plan
 * What `send --offline` will do with each row of an order export: read it through the column map,
 * group the line items of one order, apply the 7-day age guard, and build the offline checkout,
 * or say why the row is skipped.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { ValidationError, buildCheckoutEvent, deriveEventId } from '@pinterest-capi/sdk';
import type { CheckoutInput, CheckoutItem, PrepareOptions, WireEvent } from '@pinterest-capi/sdk';

import { mapRow } from './backfill-columns.js';
import type { ColumnMap, MappedRow } from './backfill-columns.js';
import { readInputText } from './input.js';
import { UsageError } from './usage-error.js';

/**
 * How far back an order may be sent. Pinterest publishes no maximum age; it rejects old events
 * (one 570 days old was seen) and partners send at most the last 7 days (facts §4.1), which is also
 * the SDK's default maximum age.
 */
const OFFLINE_WINDOW_DAYS = 7;
const OFFLINE_WINDOW_SECONDS = OFFLINE_WINDOW_DAYS * 86_400;
/** Clock skew tolerated for a creation time slightly ahead of this machine's clock. */
const FUTURE_SKEW_SECONDS = 60;

/** One input row and what to do with it. */
export type PlannedRow = { row: number; orderId: string; eventId: string } & (
  { action: 'send'; event: WireEvent } | { action: 'skip'; reason: string }
);

/** Reads a CSV export: its headers as written, and its rows keyed by them. */
export async function readCsvRows(
  file: string,
): Promise<{ headers: string[]; rows: Record<string, string>[] }> {
  const text = await readInputText(file);

  let headers: string[] = [];
  try {
    const rows = parseCsv<Record<string, string>>(text, {
      columns: (header: string[]) => (headers = header.map((name) => name.trim())),
      skip_empty_lines: true,
      bom: true,
    });
    return { headers, rows };
  } catch (error) {
    throw new UsageError(`${file} is not valid CSV: ${(error as Error).message}`);
  }
}

/** Reads every row, groups line items of one order, applies the age guard, builds the events. */
export function planRows(
  rows: readonly Record<string, string>[],
  columns: ColumnMap,
  options: { utcOffset: string | undefined; prepare: PrepareOptions },
): PlannedRow[] {
  const mapped = rows.map((row) => mapRow(row, columns, { utcOffset: options.utcOffset }));
  const groups = groupOrders(mapped);
  const nowSeconds = Math.floor(Date.now() / 1000);

  return mapped.map((row, index): PlannedRow => {
    const number = index + 1;
    const orderId = row.orderId ?? '';
    const eventId = row.checkout.event_id ?? (orderId === '' ? '' : deriveEventId(orderId));
    const base = { row: number, orderId, eventId };
    const group = groups.get(number);
    if (group === undefined)
      return { ...base, action: 'skip', reason: 'no_order_id: the order id cell is empty' };
    if (group.first !== number) return { ...base, action: 'skip', reason: group.why };
    const tooOld = checkAge(row.eventTime, nowSeconds);
    if (tooOld !== undefined) return { ...base, action: 'skip', reason: tooOld };
    return buildEvent(base, row, group.items, options.prepare);
  });
}

interface OrderGroup {
  first: number;
  items: CheckoutItem[];
  /** Why a row other than the first is skipped. */
  why: string;
}

/**
 * Rows of one order: consecutive rows with the same order id are its line items (Shopify writes
 * one row per item, the order's fields on the first); a later repeat is a duplicate.
 */
function groupOrders(rows: readonly MappedRow[]): Map<number, OrderGroup> {
  const byRow = new Map<number, OrderGroup>();
  const byOrder = new Map<string, OrderGroup>();
  let previous: string | undefined;

  rows.forEach((row, index) => {
    const number = index + 1;
    const { orderId } = row;
    if (orderId === undefined) return;
    const known = byOrder.get(orderId);
    if (known !== undefined && previous === orderId) {
      if (row.item !== undefined) known.items.push(row.item);
      byRow.set(number, {
        ...known,
        why: `merged: a line item of the order on row ${known.first}`,
      });
    } else if (known !== undefined) {
      byRow.set(number, { ...known, why: `duplicate_order: the same order as row ${known.first}` });
    } else {
      const group: OrderGroup = {
        first: number,
        items: row.item === undefined ? [] : [row.item],
        why: '',
      };
      byOrder.set(orderId, group);
      byRow.set(number, group);
    }

    previous = orderId;
  });

  return byRow;
}

function checkAge(eventTime: MappedRow['eventTime'], nowSeconds: number): string | undefined {
  if (typeof eventTime !== 'number') return eventTime.reason;
  const age = nowSeconds - eventTime;
  if (age > OFFLINE_WINDOW_SECONDS) {
    const days = (age / 86_400).toFixed(1);
    return `too_old: created ${days} days ago, beyond the ${OFFLINE_WINDOW_DAYS}-day offline window`;
  }

  if (-age > FUTURE_SKEW_SECONDS) return 'in_future: the creation time is ahead of this clock';
  return undefined;
}

function buildEvent(
  base: { row: number; orderId: string; eventId: string },
  row: MappedRow,
  items: CheckoutItem[],
  prepare: PrepareOptions,
): PlannedRow {
  const checkout = {
    ...row.checkout,
    order_id: base.orderId,
    event_id: base.eventId,
    event_time: row.eventTime as number,
    action_source: 'offline',
    ...(items.length > 0 ? { items } : {}),
  } as CheckoutInput;

  try {
    return { ...base, action: 'send', event: buildCheckoutEvent(checkout, prepare) };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const issues = error.issues.map((issue) => `${issue.path} (${issue.rule}) ${issue.message}`);
    return { ...base, action: 'skip', reason: `invalid: ${issues.join('; ')}` };
  }
}
