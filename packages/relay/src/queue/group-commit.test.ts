import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { WireEvent } from '@pinterest-capi/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { GroupCommitter } from './group-commit.js';
import { SqliteStore } from './sqlite-store.js';
import type { EnqueueResult, EventStore, NewEvent } from './store.js';

const ACCOUNT = '549755885175';
const T0 = 1_767_225_600_000;

function event(eventId: string, overrides: Partial<WireEvent> = {}): NewEvent {
  return {
    adAccountId: ACCOUNT,
    source: 'checkout',
    receivedAt: T0,
    event: {
      event_name: 'checkout',
      action_source: 'web',
      event_time: T0 / 1000,
      event_id: eventId,
      user_data: {
        em: [createHash('sha256').update(`${eventId}@example.com`).digest('hex')],
        client_ip_address: '203.0.113.9',
        client_user_agent: 'Mozilla/5.0 GroupCommitTest',
      },
      ...overrides,
    },
  };
}

function events(prefix: string, count: number): NewEvent[] {
  return Array.from({ length: count }, (_, i) => event(`${prefix}-${i}`));
}

/** An event the schema refuses (a fractional `event_time`), so its commit fails in SQLite. */
function unstorable(eventId: string): NewEvent {
  return event(eventId, { event_time: 1.5 });
}

/** Delegates to a real store, holding each enqueue until `open()`: a store with a slow disk. */
function gatedStore(store: EventStore) {
  const gates: (() => void)[] = [];
  const calls: number[] = [];
  return {
    calls,
    open: () => {
      for (const release of gates.splice(0)) release();
    },
    waiting: () => gates.length,
    enqueue: async (batch: readonly NewEvent[]): Promise<EnqueueResult[]> => {
      calls.push(batch.length);
      await new Promise<void>((resolve) => gates.push(resolve));
      return store.enqueue(batch);
    },
  };
}

/** Resolves after pending I/O and immediates have run, so queued work has moved on. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('GroupCommitter', () => {
  let dir: string;
  let store: SqliteStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-group-commit-'));
    store = SqliteStore.open({ path: join(dir, 'queue.db') });
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('shares one store commit among 50 concurrent callers', async () => {
    const committer = new GroupCommitter(store);

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => committer.enqueue([event(`e-${i}`)])),
    );

    expect(results.flat().every((r) => r.status === 'accepted')).toBe(true);
    expect(committer.commits).toBe(1);
    expect(committer.eventsCommitted).toBe(50);
    expect((await store.stats()).byState.pending).toBe(50);
  });

  it('answers each caller with its own results in its own order', async () => {
    const committer = new GroupCommitter(store);

    const [a, b, c] = await Promise.all([
      committer.enqueue(events('a', 3)),
      committer.enqueue(events('b', 1)),
      committer.enqueue([event('c-1'), event('c-0')]),
    ]);

    expect(a.map((r) => r.eventId)).toEqual(['a-0', 'a-1', 'a-2']);
    expect(b.map((r) => r.eventId)).toEqual(['b-0']);
    expect(c.map((r) => r.eventId)).toEqual(['c-1', 'c-0']);
  });

  it('accepts the first of two callers sending one event_id and answers the second duplicate', async () => {
    const committer = new GroupCommitter(store);

    const [first, second] = await Promise.all([
      committer.enqueue([event('shared'), event('only-first')]),
      committer.enqueue([event('only-second'), event('shared')]),
    ]);

    expect(committer.commits).toBe(1);
    expect(first.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(second.map((r) => r.status)).toEqual(['accepted', 'duplicate']);
  });

  it('rejects every caller of a failing commit, stores none of it and spares the next group', async () => {
    const committer = new GroupCommitter(store, { maxBatchEvents: 2 });

    const outcomes = await Promise.allSettled([
      committer.enqueue([event('g1-ok')]),
      committer.enqueue([unstorable('g1-bad')]),
      committer.enqueue([event('g2-a')]),
      committer.enqueue([event('g2-b')]),
    ]);

    expect(outcomes.map((o) => o.status)).toEqual([
      'rejected',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(await store.get(ACCOUNT, 'g1-ok')).toBeUndefined();
    expect((await store.get(ACCOUNT, 'g2-b'))?.state).toBe('pending');
    expect(committer.commits).toBe(1);
  });

  it('joins calls made during a commit into the next commit', async () => {
    const gated = gatedStore(store);
    const committer = new GroupCommitter(gated);
    const first = committer.enqueue(events('first', 2));
    await nextTurn();

    const later = [1, 2, 3].map((i) => committer.enqueue(events(`later${i}`, 1)));
    gated.open();
    await first;
    await nextTurn();
    gated.open();
    const laterResults = await Promise.all(later);

    expect(gated.calls).toEqual([2, 3]);
    expect(committer.commits).toBe(2);
    expect(laterResults.map((r) => r[0]?.eventId)).toEqual(['later1-0', 'later2-0', 'later3-0']);
  });

  it('answers no caller before its commit is done', async () => {
    const gated = gatedStore(store);
    const committer = new GroupCommitter(gated);
    let answered = false;

    const pending = committer.enqueue(events('e', 1)).then(() => (answered = true));
    await nextTurn();
    await nextTurn();

    expect(gated.waiting()).toBe(1);
    expect(answered).toBe(false);
    gated.open();
    await pending;
    expect(answered).toBe(true);
  });

  it('closes a group at maxBatchEvents and commits a larger caller whole', async () => {
    const committer = new GroupCommitter(store, { maxBatchEvents: 6 });

    await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => committer.enqueue(events(`small${i}`, 3))),
      committer.enqueue(events('big', 9)),
    ]);

    expect(committer.commits).toBe(3);
    expect(committer.eventsCommitted).toBe(21);
    expect((await store.stats()).byState.pending).toBe(21);
  });

  it('rejects a caller with an unhashed email alone, before it joins a group', async () => {
    const committer = new GroupCommitter(store);
    const raw = event('raw', { user_data: { em: ['someone@example.com'] } });

    const outcomes = await Promise.allSettled([
      committer.enqueue([event('fine')]),
      committer.enqueue([raw]),
    ]);

    expect(outcomes[0].status).toBe('fulfilled');
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: expect.any(TypeError) });
    expect(committer.commits).toBe(1);
  });

  it('resolves an empty call at once without a commit', async () => {
    const committer = new GroupCommitter(store);

    const results = await committer.enqueue([]);

    expect(results).toEqual([]);
    expect(committer.commits).toBe(0);
  });

  it('flushes once every call so far is committed', async () => {
    const committer = new GroupCommitter(store);
    const calls = [committer.enqueue(events('a', 2)), committer.enqueue(events('b', 2))];

    await committer.flush();

    expect(committer.eventsCommitted).toBe(4);
    await expect(Promise.all(calls)).resolves.toHaveLength(2);
    await expect(committer.flush()).resolves.toBeUndefined();
  });

  it('refuses a maxBatchEvents that is not a positive integer', () => {
    expect(() => new GroupCommitter(store, { maxBatchEvents: 0 })).toThrow(RangeError);
    expect(() => new GroupCommitter(store, { maxBatchEvents: 2.5 })).toThrow(RangeError);
  });
});
