import type { WireEvent } from '@pinterest-capi/sdk';
import { describe, expect, it } from 'vitest';

import type { ClaimedEvent } from '../queue/store.js';
import { describeMs, planAnswered, planExpired, planRetry } from './settlements.js';

const NOW = 1_767_225_600_000;
const NOW_SECONDS = NOW / 1000;
const DAY_MS = 86_400_000;
const LIMITS = { retryBudgetMs: DAY_MS, maxEventAgeSeconds: 7 * 86_400 };

function claimed(id: number, overrides: Partial<ClaimedEvent> & { eventTime?: number } = {}) {
  const { eventTime = NOW_SECONDS - 60, ...rest } = overrides;
  const event: WireEvent = {
    event_name: 'checkout',
    action_source: 'web',
    event_time: eventTime,
    event_id: `order-${id}`,
    user_data: { client_ip_address: '203.0.113.7', client_user_agent: 'test' },
  };
  return {
    id,
    adAccountId: '549755885175',
    eventId: `order-${id}`,
    event,
    attempts: 1,
    receivedAt: NOW - 1000,
    ...rest,
  } satisfies ClaimedEvent;
}

describe('planAnswered', () => {
  it('marks processed events delivered and keeps their warning', () => {
    const plan = planAnswered(
      [claimed(1), claimed(2)],
      [
        { index: 0, eventId: 'order-1', status: 'processed' },
        { index: 1, eventId: 'order-2', status: 'processed', warning: 'currency is lowercase' },
      ],
      { now: NOW, status: 200 },
    );

    expect(plan.settlements).toEqual([
      { id: 1, state: 'delivered', at: NOW },
      { id: 2, state: 'delivered', at: NOW, warning: 'currency is lowercase' },
    ]);
    expect(plan.processed).toBe(2);
    expect(plan.dead).toEqual([]);
  });

  it("dead-letters failed events with Pinterest's message and the call's status", () => {
    const event = claimed(1);

    const plan = planAnswered(
      [event],
      [{ index: 0, eventId: 'order-1', status: 'failed', error: 'user_data.em[0] is not a hash' }],
      { now: NOW, status: 422 },
    );

    expect(plan.settlements).toEqual([
      { id: 1, state: 'dead', at: NOW, error: 'user_data.em[0] is not a hash', status: 422 },
    ]);
    expect(plan.dead).toEqual([{ event, reason: 'user_data.em[0] is not a hash', status: 422 }]);
  });

  it('flags an event processed more than an hour after its event_time as late', () => {
    const late = claimed(1, { eventTime: NOW_SECONDS - 3601 });
    const edge = claimed(2, { eventTime: NOW_SECONDS - 3600 });

    const plan = planAnswered(
      [late, edge],
      [
        { index: 0, eventId: 'order-1', status: 'processed' },
        { index: 1, eventId: 'order-2', status: 'processed' },
      ],
      { now: NOW, status: 200 },
    );

    expect(plan.late).toEqual([{ event: late, lateBySeconds: 3601 }]);
  });
});

describe('planRetry', () => {
  it('schedules events within their budget for now plus the delay', () => {
    const plan = planRetry([claimed(1)], {
      ...LIMITS,
      now: NOW,
      delayMs: 2000,
      error: 'Pinterest answered 503 (code 4197): ramped down',
      status: 503,
    });

    expect(plan.settlements).toEqual([
      {
        id: 1,
        state: 'failed',
        at: NOW,
        nextAttemptAt: NOW + 2000,
        error: 'Pinterest answered 503 (code 4197): ramped down',
        status: 503,
      },
    ]);
    expect(plan.retried).toHaveLength(1);
    expect(plan.nextAttemptAt).toBe(NOW + 2000);
  });

  it('dead-letters an event whose next attempt would pass its retry budget', () => {
    const spent = claimed(1, { receivedAt: NOW - DAY_MS + 1000, attempts: 3 });

    const plan = planRetry([spent, claimed(2)], {
      ...LIMITS,
      now: NOW,
      delayMs: 1001,
      error: 'no answer',
      status: undefined,
    });

    expect(plan.dead).toEqual([
      {
        event: spent,
        reason: 'retry budget of 1 d used up after 3 attempts; last error: no answer',
      },
    ]);
    expect(plan.settlements.map((s) => s.state)).toEqual(['dead', 'failed']);
    expect(plan.retried.map((e) => e.id)).toEqual([2]);
  });

  it('dead-letters an event whose next attempt would pass its maximum age', () => {
    const old = claimed(1, { eventTime: NOW_SECONDS - 7 * 86_400 + 1 });

    const plan = planRetry([old], {
      ...LIMITS,
      now: NOW,
      delayMs: 5000,
      error: 'no answer',
      status: 500,
    });

    expect(plan.dead[0]?.reason).toBe(
      'the next attempt would pass the maximum event age of 7 d (after 1 attempt); last error: no answer',
    );
    expect(plan.dead[0]?.status).toBe(500);
  });
});

describe('planExpired', () => {
  it('dead-letters events already older than the maximum age and keeps the rest', () => {
    const old = claimed(1, { eventTime: NOW_SECONDS - 8 * 86_400 });
    const young = claimed(2);

    const plan = planExpired([old, young], { now: NOW, maxEventAgeSeconds: 7 * 86_400 });

    expect(plan.fresh).toEqual([young]);
    expect(plan.settlements).toEqual([
      {
        id: 1,
        state: 'dead',
        at: NOW,
        error: 'event_time is older than the maximum event age of 7 d',
        status: undefined,
      },
    ]);
  });
});

describe('describeMs', () => {
  it('names a span in the largest unit that divides it', () => {
    expect([
      describeMs(86_400_000),
      describeMs(7_200_000),
      describeMs(90_000),
      describeMs(300),
    ]).toEqual(['1 d', '2 h', '90 s', '300 ms']);
  });
});
