import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { SqliteStore } from '../queue/sqlite-store.js';
import type { Settlement } from '../queue/store.js';
import { ACCOUNT, OTHER_ACCOUNT, T0, newEvent, wireEvent } from '../../test/store-contract.js';
import { DashboardData } from './aggregates.js';
import { DELAY_BIN_COUNT, delayBinOf, delayQuantile } from './queries.js';
import type { DashboardQueries, DashboardRange } from './queries.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let dir: string;
let store: SqliteStore;
/** Every range the aggregator asked the store for, in order. */
let asked: DashboardRange[];
let queries: DashboardQueries;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-aggregates-'));
  store = SqliteStore.open({ path: join(dir, 'queue.db') });
  await store.migrate();
  const real = store.dashboardQueries();
  asked = [];
  queries = {
    minuteStats: (range) => {
      asked.push(range);
      return real.minuteStats(range);
    },
    undelivered: (range) => real.undelivered(range),
    deadLetters: (query) => real.deadLetters(query),
    lookup: (query) => real.lookup(query),
    fieldCoverage: (range) => real.fieldCoverage(range),
  };
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function deliverAll(adAccountId: string, at: number, dead: string[] = []): Promise<void> {
  const claimed = await store.claim({ adAccountId, limit: 100, now: at, leaseMs: 1, owner: 't' });
  await store.settle(
    claimed.map((event): Settlement =>
      dead.includes(event.eventId)
        ? { id: event.id, state: 'dead', at, error: 'rejected' }
        : { id: event.id, state: 'delivered', at },
    ),
  );
}

describe('DashboardData', () => {
  it('counts as delivered what was received in the window and is neither queued, retrying nor dead', async () => {
    await store.enqueue([
      newEvent('a', { receivedAt: T0 + 1000 }),
      newEvent('b', { receivedAt: T0 + 2000 }),
      newEvent('c', { receivedAt: T0 + 3000 }),
      newEvent('x', { adAccountId: OTHER_ACCOUNT, receivedAt: T0 + 1000 }),
    ]);
    await deliverAll(ACCOUNT, T0 + 5000, ['c']);
    await store.enqueue([newEvent('d', { receivedAt: T0 + 6000 })]);
    const data = new DashboardData({ queries, now: () => T0 + 10_000 });

    const summary = await data.summary({
      adAccountIds: [ACCOUNT],
      since: T0,
      until: T0 + 10_000,
      bucketMs: MINUTE,
    });

    expect(summary.funnel).toEqual([
      { adAccountId: ACCOUNT, received: 4, queued: 1, delivered: 2, retrying: 0, dead: 1 },
    ]);
    expect(summary.coverage).toMatchObject({ events: 4, email: 4, clickId: 4, externalId: 0 });
    expect(summary.timeline).toHaveLength(1);
    expect(summary.timeline[0]).toMatchObject({ start: T0, received: 4, delivered: 2 });
  });

  it('reads a final minute from the store once and the last minutes on every refresh', async () => {
    await store.enqueue([newEvent('a', { receivedAt: T0 + 5 * MINUTE })]);
    const now = T0 + 30 * MINUTE;
    const data = new DashboardData({ queries, now: () => now, settleMs: 2 * MINUTE });
    const window = { adAccountIds: [ACCOUNT], since: T0, until: now, bucketMs: MINUTE };

    const first = await data.summary(window);
    const askedFirst = asked.splice(0);
    const second = await data.summary(window);

    expect(second).toEqual(first);
    expect(first.funnel[0]?.received).toBe(1);
    expect(askedFirst.map((r) => [r.since - T0, r.until - T0])).toEqual([
      [0, 28 * MINUTE],
      [28 * MINUTE, 30 * MINUTE],
    ]);
    expect(asked.map((r) => [r.since - T0, r.until - T0])).toEqual([[28 * MINUTE, 30 * MINUTE]]);
  });

  it('reads a wide window in slices and keeps whole hours for windows with hourly buckets', async () => {
    await store.enqueue([
      newEvent('early', { receivedAt: T0 + 10 * MINUTE }),
      newEvent('late', { receivedAt: T0 + 5 * HOUR + 10 * MINUTE }),
    ]);
    const now = T0 + 5 * HOUR + 20 * MINUTE;
    const data = new DashboardData({ queries, now: () => now });

    const summary = await data.summary({
      adAccountIds: [ACCOUNT],
      since: T0,
      until: now,
      bucketMs: 2 * HOUR,
    });

    expect(summary.timeline.map((p) => [p.start - T0, p.received])).toEqual([
      [0, 1],
      [2 * HOUR, 0],
      [4 * HOUR, 1],
    ]);
    // Five final hours one query each, then the current hour's final minutes, then the rest.
    expect(asked.map((r) => (r.until - r.since) / MINUTE)).toEqual([60, 60, 60, 60, 60, 18, 2]);
  });

  it('gives each bucket the quantiles of its delays and counts those over an hour', async () => {
    const eventTime = T0 / 1000;
    await store.enqueue([
      newEvent('a', { event: wireEvent('a', { event_time: eventTime - 3 }) }),
      newEvent('b', { event: wireEvent('b', { event_time: eventTime - 4 }) }),
      newEvent('c', { event: wireEvent('c', { event_time: eventTime - 7200 }) }),
    ]);
    await deliverAll(ACCOUNT, T0);
    const data = new DashboardData({ queries, now: () => T0 + HOUR });

    const summary = await data.summary({
      adAccountIds: [ACCOUNT],
      since: T0,
      until: T0 + HOUR,
      bucketMs: 15 * MINUTE,
    });

    const [bucket] = summary.timeline;
    expect(bucket?.delivered).toBe(3);
    expect(bucket?.late).toBe(1);
    expect(bucket?.delayMax).toBe(7200);
    expect(bucket?.delayP50).toBeGreaterThanOrEqual(2);
    expect(bucket?.delayP50).toBeLessThanOrEqual(5);
    expect(summary.delays).toMatchObject({ delivered: 3, late: 1, max: 7200 });
  });

  it('refuses buckets that are not a whole number of minutes', async () => {
    const data = new DashboardData({ queries });

    const attempt = data.summary({
      adAccountIds: [ACCOUNT],
      since: T0,
      until: T0 + HOUR,
      bucketMs: 90_000,
    });

    await expect(attempt).rejects.toThrow(RangeError);
  });
});

describe('delayQuantile', () => {
  function bins(delaysMs: number[]): number[] {
    const counts = new Array<number>(DELAY_BIN_COUNT).fill(0);
    for (const delay of delaysMs) counts[delayBinOf(delay)] = (counts[delayBinOf(delay)] ?? 0) + 1;
    return counts;
  }

  it('interpolates inside the bin that holds the quantile', () => {
    const quantile = delayQuantile(bins([12_000, 13_000, 14_000, 400_000]), 0.5, 400);

    expect(quantile).toBeGreaterThanOrEqual(10);
    expect(quantile).toBeLessThan(20);
  });

  it('never answers more than the longest delay', () => {
    expect(delayQuantile(bins([90_000_000]), 0.95, 90_000)).toBeLessThanOrEqual(90_000);
    expect(delayQuantile(bins([1500]), 0.99, 1.5)).toBeLessThanOrEqual(1.5);
  });

  it('has no quantile without deliveries', () => {
    expect(delayQuantile(bins([]), 0.5, 0)).toBeNull();
  });
});
