/**
 * @module dashboard/query-rows
 * The rows the dashboard's SQL answers with, and how they become its figures. Both stores run
 * their own dialect of the same queries (`sqlite-queries.ts`, `postgres-queries.ts`) and hand the
 * rows here, so the two agree row for row by construction rather than by care.
 */
import { privacyOf, toEventRecord } from '../queue/stored-event.js';
import type { EventRecordRow } from '../queue/stored-event.js';
import { MINUTE_MS, emptyMinute } from './queries.js';
import type {
  DashboardRange,
  DeadLetter,
  DeadLetterPage,
  LookupMatch,
  MinuteStats,
  UndeliveredCounts,
} from './queries.js';

/** Events received in one minute of one account, with the identifiers they carried. */
export interface ReceivedRow {
  account: string;
  minute: number;
  n: number;
  email: number;
  phone: number;
  ip_ua: number;
  click_id: number;
  external_id: number;
}

/** Events delivered in one minute of one account whose delay fell in one bin. */
export interface DeliveredRow {
  account: string;
  minute: number;
  bin: number;
  n: number;
  max_delay: number;
}

/** Undelivered events of one account in one state. */
export interface UndeliveredRow {
  account: string;
  state: string;
  n: number;
}

export interface DeadRow {
  ad_account_id: string;
  event_id: string;
  event_name: string;
  order_id: string | null;
  event_time: number;
  received_at: number;
  attempts: number;
  last_error: string | null;
  last_status: number | null;
  consent: string | null;
  consent_action: string | null;
  ldp_rule: string | null;
}

export interface ReasonRow {
  reason: string | null;
  n: number;
}

/** An event's record row with what the lookup shows besides. */
export interface LookupRow extends EventRecordRow {
  order_id: string | null;
  /** SQLite's `json_extract` answers a number for a numeric JSON value. */
  value: string | number | null;
  currency: string | null;
  has_em: number;
  has_ph: number;
  has_ip_ua: number;
  has_click_id: number;
  has_external_id: number;
}

/** Merges the per-minute received and delivered rows into one entry per account and minute. */
export function minuteStatsOf(
  received: Iterable<ReceivedRow>,
  delivered: Iterable<DeliveredRow>,
): MinuteStats[] {
  const minutes = new Map<string, MinuteStats>();
  const at = (account: string, minute: number) => {
    const key = `${account} ${minute}`;
    const found = minutes.get(key) ?? emptyMinute(account, minute * MINUTE_MS);
    minutes.set(key, found);
    return found;
  };

  for (const row of received) {
    const stats = at(row.account, row.minute);
    stats.received = row.n;
    stats.identifiers = {
      email: row.email,
      phone: row.phone,
      ipAndUserAgent: row.ip_ua,
      clickId: row.click_id,
      externalId: row.external_id,
    };
  }

  for (const row of delivered) {
    const stats = at(row.account, row.minute);
    stats.delivered += row.n;
    stats.delayBins[row.bin] = (stats.delayBins[row.bin] ?? 0) + row.n;
    stats.maxDelayMs = Math.max(stats.maxDelayMs ?? row.max_delay, row.max_delay);
  }

  return [...minutes.values()].sort((a, b) => a.minute - b.minute);
}

/** Queued, retrying and dead counts for every account of the range, zero where none. */
export function undeliveredOf(
  range: DashboardRange,
  rows: Iterable<UndeliveredRow>,
): UndeliveredCounts[] {
  const counts = new Map(
    range.adAccountIds.map((adAccountId) => [
      adAccountId,
      { adAccountId, queued: 0, retrying: 0, dead: 0 },
    ]),
  );
  for (const { account, state, n } of rows) {
    const row = counts.get(account);
    if (!row) continue;
    if (state === 'failed') row.retrying += n;
    else if (state === 'dead') row.dead += n;
    else row.queued += n;
  }

  return [...counts.values()];
}

/** One page of dead letters from the count, the page's rows and the commonest reasons. */
export function deadLetterPageOf(
  total: number,
  rows: readonly DeadRow[],
  reasons: readonly ReasonRow[],
): DeadLetterPage {
  return {
    total,
    rows: rows.map(toDeadLetter),
    reasons: reasons.map(({ reason, n }) => ({ reason: reason ?? '', count: n })),
  };
}

function toDeadLetter(row: DeadRow): DeadLetter {
  return {
    adAccountId: row.ad_account_id,
    eventId: row.event_id,
    eventName: row.event_name,
    orderId: row.order_id,
    eventTime: row.event_time,
    receivedAt: row.received_at,
    attempts: row.attempts,
    reason: row.last_error ?? '',
    status: row.last_status,
    privacy: privacyOf(row),
  };
}

export function toLookupMatch(row: LookupRow): LookupMatch {
  return {
    ...toEventRecord(row),
    orderId: row.order_id,
    value: row.value === null ? null : String(row.value),
    currency: row.currency,
    identifiers: {
      email: row.has_em === 1,
      phone: row.has_ph === 1,
      ipAndUserAgent: row.has_ip_ua === 1,
      clickId: row.has_click_id === 1,
      externalId: row.has_external_id === 1,
    },
  };
}
