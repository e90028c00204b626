/**
 * @module dashboard/queries
 * What the dashboard asks of the store. Every figure is aggregated by the database over indexed
 * ranges, per minute, and comes back as a few rows per minute with activity, so the page never
 * handles events one by one. `DashboardData` (`aggregates.ts`) caches the minutes that can no
 * longer change and asks only for the rest.
 *
 * A store serves the dashboard by offering `dashboardQueries()`; both stores do
 * (`sqlite-queries.ts`, `postgres-queries.ts`). A store without it still runs the relay, and the
 * dashboard's data endpoints answer 501.
 */
import type {
  ConsentAction,
  EventPrivacy,
  EventRecord,
  EventStore,
  LdpRule,
} from '../queue/store.js';

/** One minute, the grain of every aggregate the store returns. */
export const MINUTE_MS = 60_000;

/**
 * Upper bounds (seconds, exclusive) of the delay histogram's bins, from `event_time` to delivery;
 * one more bin takes everything from the last bound on. 3600 is a bound so that events delivered
 * an hour or more late (no Tag deduplication, facts §4.1) are counted exactly.
 */
export const DELAY_BOUNDS_SECONDS: readonly number[] = [
  1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 21_600, 86_400,
];

/** Bins of a delay histogram: one per bound, and one past the last. */
export const DELAY_BIN_COUNT = DELAY_BOUNDS_SECONDS.length + 1;

/** The first bin at or past one hour. */
export const LATE_BIN = DELAY_BOUNDS_SECONDS.indexOf(3600) + 1;

/**
 * A time range of one or more ad accounts. Times are epoch milliseconds, `until` excluded; both
 * are whole minutes when `DashboardData` asks.
 */
export interface DashboardRange {
  adAccountIds: readonly string[];
  since: number;
  until: number;
}

/** How many events carry each identifier, as recorded when they were stored. */
export interface IdentifierCounts {
  email: number;
  phone: number;
  /** Both the IP address and the user agent. */
  ipAndUserAgent: number;
  clickId: number;
  externalId: number;
}

/**
 * One minute of one ad account. `received` and `identifiers` count events that arrived in the
 * minute; `delivered` and the delays count events Pinterest processed in it.
 */
export interface MinuteStats {
  adAccountId: string;
  /** Epoch ms when the minute starts. */
  minute: number;
  received: number;
  identifiers: IdentifierCounts;
  delivered: number;
  /** Delivered events per delay bin (see {@link DELAY_BOUNDS_SECONDS}), {@link DELAY_BIN_COUNT} long. */
  delayBins: number[];
  /** The longest delay from `event_time` to delivery, ms; null when nothing was delivered. */
  maxDelayMs: number | null;
}

/** Events received in a range that are not delivered, by where they are now. */
export interface UndeliveredCounts {
  adAccountId: string;
  /** Stored, not yet answered: pending or in flight. */
  queued: number;
  /** Failed once or more for a reason worth retrying, due again later. */
  retrying: number;
  dead: number;
}

export interface DeadLetterQuery {
  adAccountIds: readonly string[];
  /** Only dead letters whose reason contains this text, ignoring case. */
  reasonContains?: string | undefined;
  /** Only events whose consent policy did this (`drop`: the ones suppressed by consent). */
  consentAction?: ConsentAction | undefined;
  /** Only events flagged for Limited Data Processing by this rule. */
  ldpRule?: LdpRule | undefined;
  /** At most this many rows, newest first. */
  limit: number;
}

export interface DeadLetter {
  adAccountId: string;
  eventId: string;
  eventName: string;
  orderId: string | null;
  /** Unix seconds, as on the wire. */
  eventTime: number;
  receivedAt: number;
  attempts: number;
  /** Pinterest's message, or the budget that ran out. */
  reason: string;
  status: number | null;
  /** The consent and LDP rules applied at ingest; undefined for events stored without them. */
  privacy?: EventPrivacy | undefined;
}

export interface DeadLetterPage {
  /** Every dead letter matching the query, not only the rows returned. */
  total: number;
  rows: DeadLetter[];
  /** The commonest reasons among all dead letters of the accounts, as filter suggestions. */
  reasons: { reason: string; count: number }[];
}

export interface LookupQuery {
  adAccountIds: readonly string[];
  /** An `event_id` or an order id, matched exactly. */
  text: string;
  limit: number;
}

/** One stored event found by its `event_id` or order id, with what the dashboard shows of it. */
export interface LookupMatch extends EventRecord {
  orderId: string | null;
  /** `custom_data.value` and `currency`, when present. */
  value: string | null;
  currency: string | null;
  identifiers: {
    email: boolean;
    phone: boolean;
    ipAndUserAgent: boolean;
    clickId: boolean;
    externalId: boolean;
  };
}

/**
 * How many events of one ad account carry the order and deduplication fields that EQS scores
 * beside the identifiers: `quality` prints them next to Pinterest's figures.
 */
export interface FieldCoverage {
  adAccountId: string;
  events: number;
  /** `custom_data.order_id`. */
  orderId: number;
  /** `custom_data.value`. */
  value: number;
  /**
   * An `event_id` that came with the event (from the page: the Tag's id, a cart attribute, order
   * metadata) rather than the relay's own `order-<order_id>-checkout`. Such ids are the ones a Tag
   * can share; a derived id pairs only when the page derives the same one.
   */
  pairedEventId: number;
}

/** The store's side of the dashboard. Each method is a few indexed, grouped queries. */
export interface DashboardQueries {
  /** Per-minute figures of the range; minutes without any activity are left out. */
  minuteStats(range: DashboardRange): Promise<MinuteStats[]>;
  /** Events received in the range that are queued, retrying or dead, per ad account. */
  undelivered(range: DashboardRange): Promise<UndeliveredCounts[]>;
  /** Dead letters, newest first. */
  deadLetters(query: DeadLetterQuery): Promise<DeadLetterPage>;
  /** Events whose `event_id` or order id is the text, newest first. */
  lookup(query: LookupQuery): Promise<LookupMatch[]>;
  /**
   * Order id, value and page-given `event_id` counts of the events received in the range, one row
   * per ad account asked for (zeros when it received none). Reads the payload of each event in the
   * range, so it serves a command (`quality`), not the page's refresh loop.
   */
  fieldCoverage(range: DashboardRange): Promise<FieldCoverage[]>;
}

/** A store that serves the dashboard. */
export interface DashboardSource {
  dashboardQueries(): DashboardQueries;
}

/** The store's dashboard queries, or undefined when the store does not offer them. */
export function dashboardQueriesOf(store: EventStore): DashboardQueries | undefined {
  const source = store as EventStore & Partial<DashboardSource>;
  return typeof source.dashboardQueries === 'function' ? source.dashboardQueries() : undefined;
}

/** A row of both stores' field coverage query, grouped by ad account. */
export interface FieldCoverageRow {
  account: string;
  n: number;
  order_id: number;
  value: number;
  paired: number;
}

/** One {@link FieldCoverage} per account asked for, in that order, zeros where none arrived. */
export function fieldCoverageOf(
  range: DashboardRange,
  rows: readonly FieldCoverageRow[],
): FieldCoverage[] {
  const byAccount = new Map(rows.map((row) => [row.account, row]));
  return range.adAccountIds.map((adAccountId) => {
    const row = byAccount.get(adAccountId);
    return {
      adAccountId,
      events: row?.n ?? 0,
      orderId: row?.order_id ?? 0,
      value: row?.value ?? 0,
      pairedEventId: row?.paired ?? 0,
    };
  });
}

/** A minute with nothing in it, for adding rows into. */
export function emptyMinute(adAccountId: string, minute: number): MinuteStats {
  return {
    adAccountId,
    minute,
    received: 0,
    identifiers: { email: 0, phone: 0, ipAndUserAgent: 0, clickId: 0, externalId: 0 },
    delivered: 0,
    delayBins: new Array<number>(DELAY_BIN_COUNT).fill(0),
    maxDelayMs: null,
  };
}

/** The delay bin of a delay in milliseconds, as the stores' SQL computes it. */
export function delayBinOf(delayMs: number): number {
  const index = DELAY_BOUNDS_SECONDS.findIndex((bound) => delayMs < bound * 1000);
  return index === -1 ? DELAY_BOUNDS_SECONDS.length : index;
}

/**
 * The delay at quantile `q` (0..1) of a histogram over {@link DELAY_BOUNDS_SECONDS}, in seconds,
 * interpolated within its bin on a log scale (the bins grow geometrically), and never above
 * `maxSeconds` (the true maximum, which also bounds the open last bin; at least 0); null when
 * empty.
 *
 * @example
 * delayQuantile(bins, 0.95, maxDelayMs / 1000); // p95 in seconds
 */
export function delayQuantile(
  bins: readonly number[],
  q: number,
  maxSeconds: number,
): number | null {
  const total = bins.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(q * total, Number.MIN_VALUE);
  let seen = 0;
  for (const [index, count] of bins.entries()) {
    if (seen + count < rank) {
      seen += count;
      continue;
    }

    const lower = index === 0 ? 0 : (DELAY_BOUNDS_SECONDS[index - 1] ?? 0);
    const upper = Math.min(DELAY_BOUNDS_SECONDS[index] ?? maxSeconds, maxSeconds);
    const within = (rank - seen) / count;
    if (upper <= lower) return upper;
    // The first bin starts at 0, where a log scale cannot: it is read linearly.
    return lower === 0 ? upper * within : lower * (upper / lower) ** within;
  }

  return maxSeconds;
}
