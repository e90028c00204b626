import { describe, expect, it } from 'vitest';
import { CapiError } from '../errors.js';
import { notSent, outcomesFromAnswer, summarize } from './outcomes.js';
import type { PendingEvent } from './outcomes.js';

function pending(count: number): PendingEvent<unknown>[] {
  return Array.from({ length: count }, (_, i) => ({ index: i * 10, eventId: `e${i}`, event: {} }));
}

describe('outcomesFromAnswer', () => {
  it('maps each result of a 200 to the event at the same position', () => {
    const body = {
      num_events_received: 2,
      num_events_processed: 1,
      events: [
        { status: 'processed', error_message: '', warning_message: 'unknown field ignored' },
        { status: 'failed', error_message: 'Invalid event_timestamp', warning_message: '' },
      ],
    };

    const outcomes = outcomesFromAnswer(200, body, pending(2));

    expect(outcomes).toEqual([
      { index: 0, eventId: 'e0', status: 'processed', warning: 'unknown field ignored' },
      { index: 10, eventId: 'e1', status: 'failed', error: 'Invalid event_timestamp' },
    ]);
  });

  it('reads the per-event results of a 422 from details', () => {
    const body = {
      code: 953,
      message: 'Some events failed',
      details: {
        num_events_received: 2,
        num_events_processed: 1,
        events: [{ status: 'failed', error_message: 'bad hash' }, { status: 'processed' }],
      },
    };

    const outcomes = outcomesFromAnswer(422, body, pending(2));

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['failed', 'processed']);
    expect(outcomes[0]).toMatchObject({ error: 'bad hash' });
  });

  it('marks every event processed when the list is missing but the counters say all were', () => {
    const body = { num_events_received: 3, num_events_processed: 3 };

    const outcomes = outcomesFromAnswer(200, body, pending(3));

    expect(outcomes.every((outcome) => outcome.status === 'processed')).toBe(true);
  });

  it('marks every event failed, never unsent, when results cannot be matched', () => {
    const body = {
      num_events_received: 3,
      num_events_processed: 2,
      events: [{ status: 'processed' }],
    };

    const outcomes = outcomesFromAnswer(200, body, pending(3));

    expect(outcomes).toHaveLength(3);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ status: 'failed', error: expect.stringMatching(/unknown/) });
    }
  });

  it('treats an unreadable body like an unmatched answer', () => {
    const outcomes = outcomesFromAnswer(200, '<html>proxy error</html>', pending(2));

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['failed', 'failed']);
  });

  it('reports a failed event without a reason and an unknown status as failed', () => {
    const body = { events: [{ status: 'failed', error_message: null }, { status: 'queued' }] };

    const outcomes = outcomesFromAnswer(200, body, pending(2));

    expect(outcomes[0]).toMatchObject({ status: 'failed', error: 'Pinterest gave no reason' });
    expect(outcomes[1]).toMatchObject({ status: 'failed', error: expect.stringMatching(/queued/) });
  });
});

describe('summarize', () => {
  it('sorts outcomes into input order and counts each status', () => {
    const error = new CapiError('CAPI_ERR_ABORTED', 'aborted');
    const outcomes = [
      ...notSent([{ index: 2, eventId: 'c', event: {} }], error),
      { index: 0, eventId: 'a', status: 'processed' as const },
      { index: 1, eventId: undefined, status: 'rejected' as const, issues: [] },
      { index: 3, eventId: 'd', status: 'failed' as const, error: 'no' },
    ];

    const result = summarize(outcomes, 4);

    expect(result.outcomes.map((outcome) => outcome.index)).toEqual([0, 1, 2, 3]);
    expect(result).toMatchObject({ processed: 1, failed: 1, rejected: 1, notSent: 1, calls: 4 });
  });
});
