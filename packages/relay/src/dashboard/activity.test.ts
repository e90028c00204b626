import { EventEmitter } from 'node:events';

import { describe, expect, it } from 'vitest';

import type { BatchReport, DeliveryEvents } from '../delivery/events.js';
import { DeliveryActivity } from './activity.js';

const ACCOUNT = '549755885175';
const T0 = 1_767_225_600_000;
const MINUTE = 60_000;

function batch(events: number, status: number | undefined, adAccountId = ACCOUNT): BatchReport {
  return { batchId: 'b', adAccountId, events, processed: events, failed: 0, durationMs: 5, status };
}

describe('DeliveryActivity', () => {
  it('counts calls, their sizes, statuses, retries and dead letters per bucket', () => {
    let now = T0;
    const activity = new DeliveryActivity({ now: () => now });
    activity.recordBatch(batch(900, 200));
    activity.recordBatch(batch(100, 200));
    now = T0 + MINUTE;
    activity.recordBatch(batch(10, undefined));
    activity.recordRetry({
      adAccountId: ACCOUNT,
      events: 10,
      attempt: 1,
      delayMs: 1000,
      reason: 'timeout',
      possibleDuplicate: true,
      error: 'timed out',
    });
    now = T0 + 2 * MINUTE;
    activity.recordDead({ adAccountId: ACCOUNT, eventId: 'e', reason: 'bad', status: 400 });
    activity.recordBatch(batch(5, 429, 'another-account'));

    const points = activity.series({
      adAccountIds: [ACCOUNT],
      since: T0,
      until: T0 + 4 * MINUTE,
      bucketMs: 2 * MINUTE,
    });

    expect(points).toEqual([
      {
        start: T0,
        calls: 3,
        events: 1010,
        maxBatch: 900,
        statuses: { 200: 2, 0: 1 },
        retries: 1,
        dead: 0,
      },
      {
        start: T0 + 2 * MINUTE,
        calls: 0,
        events: 0,
        maxBatch: 0,
        statuses: {},
        retries: 0,
        dead: 1,
      },
    ]);
  });

  it('follows a worker until told to stop', () => {
    const worker = new EventEmitter<DeliveryEvents>();
    const activity = new DeliveryActivity({ now: () => T0 });
    const stop = activity.listen(worker);

    worker.emit('batch', batch(3, 200));
    stop();
    worker.emit('batch', batch(4, 200));

    const [point] = activity.series({
      adAccountIds: [ACCOUNT],
      since: T0,
      until: T0 + MINUTE,
      bucketMs: MINUTE,
    });
    expect(point?.events).toBe(3);
  });

  it('forgets minutes older than it keeps', () => {
    let now = T0;
    const activity = new DeliveryActivity({ now: () => now, retainMs: 10 * MINUTE });
    activity.recordBatch(batch(1, 200));
    now = T0 + 20 * MINUTE;
    activity.recordBatch(batch(1, 200));

    const points = activity.series({
      adAccountIds: [ACCOUNT],
      since: T0,
      until: T0 + 21 * MINUTE,
      bucketMs: 21 * MINUTE,
    });

    expect(points[0]?.calls).toBe(1);
  });
});
