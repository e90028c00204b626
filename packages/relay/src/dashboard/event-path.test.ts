import { describe, expect, it } from 'vitest';

import { describePath } from './event-path.js';
import type { LookupMatch } from './queries.js';

const T0 = 1_767_225_600_000;

function match(overrides: Partial<LookupMatch>): LookupMatch {
  return {
    adAccountId: '549755885175',
    eventId: 'order-1001-checkout',
    eventName: 'checkout',
    eventTime: T0 / 1000,
    source: 'checkout',
    state: 'pending',
    attempts: 0,
    receivedAt: T0 + 2000,
    nextAttemptAt: T0 + 2000,
    deliveredAt: undefined,
    lastError: undefined,
    lastStatus: undefined,
    warning: undefined,
    orderId: '1001',
    value: '72.39',
    currency: 'USD',
    identifiers: {
      email: true,
      phone: false,
      ipAndUserAgent: true,
      clickId: false,
      externalId: false,
    },
    ...overrides,
  };
}

describe('describePath', () => {
  it('tells a delivered event from its event_time to Pinterest processing it, with its delay', () => {
    const path = describePath(
      match({ state: 'delivered', attempts: 1, deliveredAt: T0 + 4500, nextAttemptAt: undefined }),
    );

    expect(path.state).toBe('delivered');
    expect(path.delaySeconds).toBe(4.5);
    expect(path.steps.map((step) => [step.kind, step.at])).toEqual([
      ['event_time', T0],
      ['received', T0 + 2000],
      ['delivered', T0 + 4500],
    ]);
  });

  it('names the batch of the call that settled the event, as the delivery logs name it', () => {
    const delivered = describePath(
      match({
        state: 'delivered',
        attempts: 2,
        deliveredAt: T0 + 4500,
        lastBatchId: 'relay-1a2b-7',
      }),
    );
    const retrying = describePath(
      match({ state: 'failed', attempts: 1, lastError: 'HTTP 503', lastBatchId: 'relay-1a2b-3' }),
    );

    expect(delivered.steps.at(-1)?.text).toBe(
      'Processed by Pinterest after 2 call(s), the last in batch relay-1a2b-7',
    );
    expect(retrying.steps.at(-1)?.text).toContain('the last call (batch relay-1a2b-3) failed');
  });

  it('shows the earlier failures of an event delivered on a retry', () => {
    const path = describePath(
      match({
        state: 'delivered',
        attempts: 3,
        deliveredAt: T0 + 60_000,
        lastError: 'Pinterest answered 503',
        lastStatus: 503,
      }),
    );

    expect(path.steps.find((step) => step.kind === 'retried')?.text).toContain('HTTP 503');
  });

  it('shows a replayed dead letter as such', () => {
    const path = describePath(
      match({
        state: 'pending',
        attempts: 0,
        lastError: 'The request was invalid.',
        lastStatus: 400,
      }),
    );

    expect(path.state).toBe('queued');
    expect(path.steps.map((step) => step.kind)).toEqual([
      'event_time',
      'received',
      'replayed',
      'queued',
    ]);
  });

  it("gives a dead letter Pinterest's reason and status", () => {
    const path = describePath(
      match({ state: 'dead', attempts: 1, lastError: 'Invalid currency', lastStatus: 422 }),
    );

    expect(path.steps.at(-1)).toEqual({
      kind: 'dead',
      at: null,
      text: 'Dead-lettered after 1 call(s): HTTP 422, Invalid currency',
    });
  });
});
