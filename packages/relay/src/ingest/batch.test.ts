import { onTestFinished, describe, expect, it } from 'vitest';

import { GroupCommitter } from '../queue/group-commit.js';
import { SqliteStore } from '../queue/sqlite-store.js';
import { ingestBatch } from './batch.js';
import type { BatchOptions } from './batch.js';
import { RelayHttpError } from './errors.js';

const NOW = Date.UTC(2026, 0, 15, 12);
const AD_ACCOUNT = '549755885175';

function event(eventId: string, email = 'buyer@example.com') {
  return {
    event_name: 'checkout',
    event_id: eventId,
    event_time: NOW / 1000 - 60,
    user_data: { em: email },
  };
}

function openQueue() {
  const store = SqliteStore.open({ path: ':memory:' });
  onTestFinished(() => store.close());
  const committer = new GroupCommitter(store);
  const options: BatchOptions = {
    adAccountId: AD_ACCOUNT,
    source: 'events',
    prepare: { now: NOW },
    receivedAt: NOW,
    queue: committer,
  };
  return { store, committer, options };
}

describe('ingestBatch', () => {
  it('answers every item in request order, with the store outcome of the good ones', async () => {
    const { options } = openQueue();
    const items = [event('a'), { event_id: 'b' }, event('c'), event('a')];

    const response = await ingestBatch(items, options);

    expect(
      response.results.map(({ index, event_id, status }) => [index, event_id, status]),
    ).toEqual([
      [0, 'a', 'accepted'],
      [1, 'b', 'rejected'],
      [2, 'c', 'accepted'],
      [3, 'a', 'duplicate'],
    ]);
    expect(response).toMatchObject({ accepted: 2, duplicates: 1, rejected: 1 });
  });

  it('commits nothing when every item is rejected', async () => {
    const { committer, options, store } = openQueue();

    const response = await ingestBatch([{ event_id: 'x' }, 'not an event'], options);

    expect(response.rejected).toBe(2);
    expect(committer.commits).toBe(0);
    expect((await store.stats()).byState.pending).toBe(0);
  });

  it('stores the good events of a request in one commit', async () => {
    const { committer, options } = openQueue();

    await ingestBatch([event('a'), event('b'), event('c')], options);

    expect(committer.commits).toBe(1);
    expect(committer.eventsCommitted).toBe(3);
  });

  it("echoes a rejected checkout's dedup_key as its event_id", async () => {
    const { options } = openQueue();
    const checkout = {
      order_id: '1001',
      value: 'twelve',
      email: 'a@example.com',
      dedup_key: 'k-1',
    };

    const response = await ingestBatch([checkout], { ...options, source: 'checkout' });

    expect(response.results[0]).toMatchObject({ event_id: 'k-1', status: 'rejected' });
    expect(response.results[0]?.issues).toContainEqual(
      expect.objectContaining({ path: 'checkout.value' }),
    );
  });

  it('does not echo an event_id that is not a string of at most 256 characters', async () => {
    const { options } = openQueue();

    const response = await ingestBatch(
      [
        { ...event('x'.repeat(257)), event_name: 'nope' },
        { ...event('y'), event_id: 42 },
      ],
      options,
    );

    expect(response.results.map((result) => result.event_id)).toEqual([null, null]);
  });

  it('throws a 503 refusal, keeping the cause, when the store fails', async () => {
    const { options, store } = openQueue();
    await store.close();

    const failure = await ingestBatch([event('a')], options).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(RelayHttpError);
    expect(failure).toMatchObject({ code: 'RELAY_ERR_STORE_UNAVAILABLE', statusCode: 503 });
    expect((failure as RelayHttpError).cause).toBeInstanceOf(Error);
  });
});
