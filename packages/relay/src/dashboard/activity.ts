/**
 * @module dashboard/activity
 * Calls to Pinterest per minute: how many, how many events each carried, the status codes, the
 * retries and the dead letters, from the delivery worker's reports.
 *
 * Kept in this process's memory, not in the store: these are facts about this instance's calls,
 * already exported to Prometheus (the durable, fleet-wide record), and writing them to the queue's
 * database would add a write per call to the delivery path. So the charts start empty when the
 * relay restarts, and with several relays each dashboard shows the calls of the instance that
 * serves it; the event figures (funnel, delays, coverage) come from the shared store and are
 * complete.
 */
import type { BatchReport, DeadReport, RetryReport } from '../delivery/events.js';
import { MINUTE_MS } from './queries.js';

/** One bucket of call activity. */
export interface ActivityPoint {
  /** Epoch ms when the bucket starts. */
  start: number;
  calls: number;
  /** Events in those calls. */
  events: number;
  /** The largest call, in events; 0 when no call was made. */
  maxBatch: number;
  /** Calls by HTTP status; `0` counts calls that got no answer (timeout, reset). */
  statuses: Record<string, number>;
  /** Calls that failed as a whole and were scheduled again. */
  retries: number;
  /** Events dead-lettered. */
  dead: number;
}

interface MinuteActivity {
  calls: number;
  events: number;
  maxBatch: number;
  statuses: Map<number, number>;
  retries: number;
  dead: number;
}

/** The worker events the activity listens to (a `DeliveryWorker` is one). */
export interface ActivitySource {
  on(event: 'batch', listener: (report: BatchReport) => void): unknown;
  on(event: 'retry', listener: (report: RetryReport) => void): unknown;
  on(event: 'dead', listener: (report: DeadReport) => void): unknown;
  off(event: 'batch', listener: (report: BatchReport) => void): unknown;
  off(event: 'retry', listener: (report: RetryReport) => void): unknown;
  off(event: 'dead', listener: (report: DeadReport) => void): unknown;
}

export interface DeliveryActivityOptions {
  /** @default Date.now */
  now?: () => number;
  /** Minutes older than this are forgotten. @default 8 days */
  retainMs?: number;
}

/**
 * Counts the delivery worker's calls per ad account and minute.
 *
 * @example
 * const activity = new DeliveryActivity();
 * const stop = activity.listen(worker);
 * activity.series({ adAccountIds: ['549755885175'], since, until, bucketMs: 60_000 });
 */
export class DeliveryActivity {
  readonly #now: () => number;
  readonly #retainMs: number;
  readonly #accounts = new Map<string, Map<number, MinuteActivity>>();
  #lastPrune = 0;

  constructor(options: DeliveryActivityOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#retainMs = options.retainMs ?? 8 * 24 * 60 * MINUTE_MS;
  }

  /** Subscribes to a worker's reports; returns the function that unsubscribes. */
  listen(source: ActivitySource): () => void {
    const onBatch = (report: BatchReport) => {
      this.recordBatch(report);
    };

    const onRetry = (report: RetryReport) => {
      this.recordRetry(report);
    };

    const onDead = (report: DeadReport) => {
      this.recordDead(report);
    };

    source.on('batch', onBatch);
    source.on('retry', onRetry);
    source.on('dead', onDead);
    return () => {
      source.off('batch', onBatch);
      source.off('retry', onRetry);
      source.off('dead', onDead);
    };
  }

  recordBatch(report: BatchReport): void {
    const minute = this.#minute(report.adAccountId);
    minute.calls += 1;
    minute.events += report.events;
    minute.maxBatch = Math.max(minute.maxBatch, report.events);
    const status = report.status ?? 0;
    minute.statuses.set(status, (minute.statuses.get(status) ?? 0) + 1);
  }

  recordRetry(report: RetryReport): void {
    this.#minute(report.adAccountId).retries += 1;
  }

  recordDead(report: DeadReport): void {
    this.#minute(report.adAccountId).dead += 1;
  }

  /** The activity of some accounts in buckets of `bucketMs` (a whole number of minutes). */
  series(query: {
    adAccountIds: readonly string[];
    since: number;
    until: number;
    bucketMs: number;
  }): ActivityPoint[] {
    const { since, until, bucketMs } = query;
    const points = Array.from({ length: Math.ceil((until - since) / bucketMs) }, (_, i) =>
      emptyPoint(since + i * bucketMs),
    );
    for (const adAccountId of query.adAccountIds) {
      for (const [minute, activity] of this.#accounts.get(adAccountId) ?? []) {
        if (minute < since || minute >= until) continue;
        const point = points[Math.floor((minute - since) / bucketMs)];
        if (point) addToPoint(point, activity);
      }
    }

    return points;
  }

  #minute(adAccountId: string): MinuteActivity {
    const now = this.#now();
    this.#prune(now);
    const minutes = this.#accounts.get(adAccountId) ?? new Map<number, MinuteActivity>();
    this.#accounts.set(adAccountId, minutes);
    const key = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const found = minutes.get(key);
    if (found) return found;
    const fresh = { calls: 0, events: 0, maxBatch: 0, statuses: new Map(), retries: 0, dead: 0 };
    minutes.set(key, fresh);
    return fresh;
  }

  /** Drops old minutes, at most once a minute. */
  #prune(now: number): void {
    if (now - this.#lastPrune < MINUTE_MS) return;
    this.#lastPrune = now;
    const oldest = now - this.#retainMs;
    for (const minutes of this.#accounts.values()) {
      for (const minute of minutes.keys()) if (minute < oldest) minutes.delete(minute);
    }
  }
}

function emptyPoint(start: number): ActivityPoint {
  return { start, calls: 0, events: 0, maxBatch: 0, statuses: {}, retries: 0, dead: 0 };
}

function addToPoint(point: ActivityPoint, activity: MinuteActivity): void {
  point.calls += activity.calls;
  point.events += activity.events;
  point.maxBatch = Math.max(point.maxBatch, activity.maxBatch);
  point.retries += activity.retries;
  point.dead += activity.dead;
  for (const [status, count] of activity.statuses) {
    point.statuses[status] = (point.statuses[status] ?? 0) + count;
  }
}
