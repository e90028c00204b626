/**
 * @module dashboard/aggregates
 * The dashboard's figures for a window: the funnel, identifier coverage and the timeline, built
 * from the store's per-minute aggregates.
 *
 * A minute that ended a while ago never changes: its events arrived then and its deliveries were
 * settled then. Those minutes are kept in memory once read, so a page refreshing every few seconds
 * costs only the last minutes, and a wide window is read once in short slices, letting ingest and
 * delivery run in between (the SQLite store answers synchronously). Windows of a day or more are
 * kept per hour rather than per minute, which bounds the memory to about 1,600 entries per account.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';

import { DELAY_BIN_COUNT, LATE_BIN, MINUTE_MS, delayQuantile, emptyMinute } from './queries.js';
import type {
  DashboardQueries,
  IdentifierCounts,
  MinuteStats,
  UndeliveredCounts,
} from './queries.js';

const HOUR_MS = 60 * MINUTE_MS;
const MINUTE_RETAIN_MS = 26 * HOUR_MS;

/** Where the events received in the window are now, for one ad account. */
export interface FunnelRow extends UndeliveredCounts {
  received: number;
  delivered: number;
}

/** One point of the timeline. Delays are seconds from `event_time` to delivery. */
export interface TimelinePoint {
  /** Epoch ms when the bucket starts. */
  start: number;
  received: number;
  delivered: number;
  delayP50: number | null;
  delayP95: number | null;
  delayMax: number | null;
  /** Delivered an hour or more after `event_time`. */
  late: number;
}

/** Delays over the whole window, seconds from `event_time` to delivery. */
export interface DelaySummary {
  delivered: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
  late: number;
}

export interface WindowSummary {
  since: number;
  until: number;
  bucketMs: number;
  funnel: FunnelRow[];
  coverage: IdentifierCounts & { events: number };
  delays: DelaySummary;
  timeline: TimelinePoint[];
}

export interface WindowQuery {
  adAccountIds: readonly string[];
  /** Epoch ms; rounded down to a whole minute. */
  since: number;
  /** Epoch ms; rounded up to a whole minute. */
  until: number;
  /** A whole number of minutes. */
  bucketMs: number;
}

export interface DashboardDataOptions {
  queries: DashboardQueries;
  /** @default Date.now */
  now?: () => number;
  /**
   * How long after a minute ends its figures are taken as final: a delivery is written a moment
   * after the time it records. @default 120000
   */
  settleMs?: number;
  /** Hourly figures older than this are forgotten (minutes go after 26 hours). @default 8 days */
  retainMs?: number;
}

/** One account's cached slots of one size: the figures, or null for a slot with no activity. */
type SlotCache = Map<number, MinuteStats | null>;

/**
 * Builds {@link WindowSummary}s from a store's {@link DashboardQueries}, caching final minutes.
 *
 * @example
 * const data = new DashboardData({ queries: store.dashboardQueries() });
 * const summary = await data.summary({ adAccountIds, since, until: Date.now(), bucketMs: 60_000 });
 */
export class DashboardData {
  readonly #queries: DashboardQueries;
  readonly #now: () => number;
  readonly #settleMs: number;
  readonly #retainMs: number;
  /** Per slot size (a minute or an hour), per ad account. */
  readonly #caches = new Map<number, Map<string, SlotCache>>();

  constructor(options: DashboardDataOptions) {
    this.#queries = options.queries;
    this.#now = options.now ?? Date.now;
    this.#settleMs = options.settleMs ?? 2 * MINUTE_MS;
    this.#retainMs = options.retainMs ?? 8 * 24 * HOUR_MS;
  }

  /**
   * The funnel, coverage and timeline of a window.
   *
   * @throws RangeError when `bucketMs` is not a whole number of minutes or the window is empty.
   */
  async summary(query: WindowQuery): Promise<WindowSummary> {
    const { bucketMs } = query;
    if (!Number.isInteger(bucketMs / MINUTE_MS) || bucketMs <= 0) {
      throw new RangeError('bucketMs must be a whole number of minutes');
    }

    // Buckets start on multiples of their width, so a chart's points fall on round times.
    const since = Math.floor(query.since / bucketMs) * bucketMs;
    const until = Math.ceil(query.until / MINUTE_MS) * MINUTE_MS;
    if (until <= since) throw new RangeError('the window must end after it starts');
    const range = { adAccountIds: query.adAccountIds, since, until };
    this.#forget(this.#now());
    const slots = await this.#slots(range, bucketMs % HOUR_MS === 0 ? HOUR_MS : MINUTE_MS);
    const undelivered = await this.#queries.undelivered(range);
    return {
      since,
      until,
      bucketMs,
      funnel: funnelOf(undelivered, slots),
      coverage: coverageOf(slots),
      delays: delaysOf(slots),
      timeline: timelineOf(slots, { since, until, bucketMs }),
    };
  }

  /**
   * The window's figures per slot: cached where final; the hours not yet final are taken minute by
   * minute, and the minutes not yet final are read fresh.
   */
  async #slots(
    range: { adAccountIds: readonly string[]; since: number; until: number },
    slotMs: number,
  ): Promise<MinuteStats[]> {
    const lastFinal = Math.floor((this.#now() - this.#settleMs) / slotMs) * slotMs;
    const finalUntil = Math.max(range.since, Math.min(range.until, lastFinal));
    const result: MinuteStats[] = [];
    for (const adAccountId of range.adAccountIds) {
      const cache = this.#cache(slotMs, adAccountId);
      await this.#fill(cache, { adAccountId, since: range.since, until: finalUntil, slotMs });
      for (let slot = range.since; slot < finalUntil; slot += slotMs) {
        const stats = cache.get(slot);
        if (stats) result.push(stats);
      }
    }

    if (finalUntil < range.until) {
      const rest = { ...range, since: finalUntil };
      result.push(
        ...(slotMs > MINUTE_MS
          ? await this.#slots(rest, MINUTE_MS)
          : await this.#queries.minuteStats(rest)),
      );
    }

    return result;
  }

  /** Reads the final slots missing from the cache, one slice at a time. */
  async #fill(
    cache: SlotCache,
    span: { adAccountId: string; since: number; until: number; slotMs: number },
  ): Promise<void> {
    const { adAccountId, slotMs } = span;
    // Half an hour of minutes, or one hour, per query: short enough not to hold up ingest.
    const sliceMs = Math.max(slotMs, 30 * MINUTE_MS);
    let start = span.since;
    while (start < span.until) {
      while (start < span.until && cache.has(start)) start += slotMs;
      let end = start;
      while (end < span.until && end - start < sliceMs && !cache.has(end)) end += slotMs;
      if (end === start) break;
      const minutes = await this.#queries.minuteStats({
        adAccountIds: [adAccountId],
        since: start,
        until: end,
      });
      for (let slot = start; slot < end; slot += slotMs) cache.set(slot, null);
      for (const minute of minutes) addToSlot(cache, minute, slotMs);
      start = end;
      if (start < span.until) await yieldToLoop();
    }
  }

  #cache(slotMs: number, adAccountId: string): SlotCache {
    const bySize = this.#caches.get(slotMs) ?? new Map<string, SlotCache>();
    this.#caches.set(slotMs, bySize);
    const cache = bySize.get(adAccountId) ?? new Map<number, MinuteStats | null>();
    bySize.set(adAccountId, cache);
    return cache;
  }

  #forget(now: number): void {
    for (const [slotMs, bySize] of this.#caches) {
      // Minutes serve windows of up to a day and the hours not yet final; hours serve the rest.
      const oldest = now - (slotMs === MINUTE_MS ? MINUTE_RETAIN_MS : this.#retainMs);
      for (const cache of bySize.values()) {
        for (const slot of cache.keys()) if (slot < oldest) cache.delete(slot);
      }
    }
  }
}

function addToSlot(cache: SlotCache, minute: MinuteStats, slotMs: number): void {
  const slot = Math.floor(minute.minute / slotMs) * slotMs;
  const target = cache.get(slot) ?? emptyMinute(minute.adAccountId, slot);
  cache.set(slot, target);
  mergeInto(target, minute);
}

/** Adds one minute's figures to another's (same account or not). */
function mergeInto(target: MinuteStats, source: MinuteStats): void {
  target.received += source.received;
  target.delivered += source.delivered;
  const ids = target.identifiers;
  ids.email += source.identifiers.email;
  ids.phone += source.identifiers.phone;
  ids.ipAndUserAgent += source.identifiers.ipAndUserAgent;
  ids.clickId += source.identifiers.clickId;
  ids.externalId += source.identifiers.externalId;
  for (let bin = 0; bin < DELAY_BIN_COUNT; bin++) {
    target.delayBins[bin] = (target.delayBins[bin] ?? 0) + (source.delayBins[bin] ?? 0);
  }

  if (source.maxDelayMs !== null) {
    target.maxDelayMs = Math.max(target.maxDelayMs ?? source.maxDelayMs, source.maxDelayMs);
  }
}

function funnelOf(undelivered: UndeliveredCounts[], slots: MinuteStats[]): FunnelRow[] {
  return undelivered.map((counts) => {
    const received = slots
      .filter((slot) => slot.adAccountId === counts.adAccountId)
      .reduce((sum, slot) => sum + slot.received, 0);
    // The states partition the events received in the window, so what is neither queued,
    // retrying nor dead was delivered; counting it apart would read every delivered row.
    const open = counts.queued + counts.retrying + counts.dead;
    return { ...counts, received, delivered: Math.max(0, received - open) };
  });
}

function coverageOf(slots: MinuteStats[]): IdentifierCounts & { events: number } {
  const total = emptyMinute('', 0);
  for (const slot of slots) mergeInto(total, slot);
  return { events: total.received, ...total.identifiers };
}

function delaysOf(slots: MinuteStats[]): DelaySummary {
  const total = emptyMinute('', 0);
  for (const slot of slots) mergeInto(total, slot);
  const { p50, p95, max, late } = pointOf(total);
  return { delivered: total.delivered, p50, p95, max, late };
}

/** A bucket's delivered count turned into delay quantiles. */
function pointOf(bucket: MinuteStats): Omit<DelaySummary, 'delivered'> {
  const max = bucket.maxDelayMs === null ? null : Math.max(0, bucket.maxDelayMs / 1000);
  const quantile = (q: number) => (max === null ? null : delayQuantile(bucket.delayBins, q, max));
  return {
    p50: quantile(0.5),
    p95: quantile(0.95),
    max,
    late: bucket.delayBins.slice(LATE_BIN).reduce((sum, n) => sum + n, 0),
  };
}

function timelineOf(
  slots: MinuteStats[],
  window: { since: number; until: number; bucketMs: number },
): TimelinePoint[] {
  const { since, until, bucketMs } = window;
  const buckets = Array.from({ length: Math.ceil((until - since) / bucketMs) }, (_, i) =>
    emptyMinute('', since + i * bucketMs),
  );
  for (const slot of slots) {
    const bucket = buckets[Math.floor((slot.minute - since) / bucketMs)];
    if (bucket) mergeInto(bucket, slot);
  }

  return buckets.map((bucket) => {
    const { p50, p95, max, late } = pointOf(bucket);
    return {
      start: bucket.minute,
      received: bucket.received,
      delivered: bucket.delivered,
      delayP50: p50,
      delayP95: p95,
      delayMax: max,
      late,
    };
  });
}
