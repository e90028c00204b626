/**
 * The contract every queue store passes: the SQLite store runs it on a temporary file, the
 * PostgreSQL store on its own schema. Everything is observed through the `EventStore` interface
 * alone, and time is only ever the `now` and `at` values the tests pass in.
 */
import { createHash } from 'node:crypto';

import type { WireEvent } from '@pinterest-capi/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { ClaimOptions, EventStore, NewEvent } from '../src/queue/store.js';

/** What a store's test file hands the contract for each test: a fresh, migrated, empty store. */
export interface StoreHarness {
  store: EventStore;
  /** Closes the current store and opens a new one on the same database, as a restart would. */
  reopen(): Promise<EventStore>;
  /** Closes whichever store is current and deletes the database. */
  cleanup(): Promise<void>;
  /**
   * Reads one event's raw IP address and user agent columns straight from the database, past the
   * store, since no store method shows them once they are gone. Undefined when there is no row.
   */
  rawColumns(adAccountId: string, eventId: string): Promise<RawColumns | undefined>;
}

/** The two columns that hold an event's raw personal data, as the database holds them. */
export interface RawColumns {
  clientIpAddress: string | null;
  clientUserAgent: string | null;
}

export const ACCOUNT = '549755885175';
export const OTHER_ACCOUNT = '549755885176';
/** 2026-01-01T00:00:00Z, in epoch milliseconds. */
export const T0 = 1_767_225_600_000;
export const IP = '203.0.113.42';
export const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) StoreContract/1.0';
const LEASE_MS = 30_000;

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A checkout as ingest would store it: identifiers hashed, IP and user agent raw. */
export function wireEvent(eventId: string, overrides: Partial<WireEvent> = {}): WireEvent {
  return {
    event_name: 'checkout',
    action_source: 'web',
    event_time: T0 / 1000,
    event_id: eventId,
    user_data: {
      em: [sha256('shopper@example.com')],
      ph: [sha256('15551234567')],
      client_ip_address: IP,
      client_user_agent: USER_AGENT,
      click_id: 'dj0yJnU9abc',
    },
    custom_data: { currency: 'USD', value: '72.39', order_id: `order-${eventId}` },
    event_source_url: 'https://shop.example/thanks',
    ...overrides,
  };
}

export function newEvent(
  eventId: string,
  options: { adAccountId?: string; receivedAt?: number; event?: WireEvent } = {},
): NewEvent {
  return {
    adAccountId: options.adAccountId ?? ACCOUNT,
    event: options.event ?? wireEvent(eventId),
    source: 'events',
    receivedAt: options.receivedAt ?? T0,
  };
}

function claimOptions(overrides: Partial<ClaimOptions> = {}): ClaimOptions {
  return {
    adAccountId: ACCOUNT,
    limit: 100,
    now: T0,
    leaseMs: LEASE_MS,
    owner: 'worker-a',
    ...overrides,
  };
}

/** Runs the store contract against fresh stores made by `factory`, one per test. */
export function describeStoreContract(name: string, factory: () => Promise<StoreHarness>): void {
  describe(`${name} (store contract)`, () => {
    const ctx = {} as { harness: StoreHarness; store: EventStore };

    beforeEach(async () => {
      ctx.harness = await factory();
      ctx.store = ctx.harness.store;
    });

    afterEach(async () => {
      await ctx.harness.cleanup();
    });

    describeEnqueue(ctx);
    describeClaim(ctx);
    describeSettle(ctx);
    describeRelease(ctx);
    describeQueries(ctx);
    describeReplayAndPrune(ctx);
    describePrivacy(ctx);
  });
}

interface Ctx {
  harness: StoreHarness;
  store: EventStore;
}

function describeEnqueue(ctx: Ctx): void {
  describe('enqueue', () => {
    it('accepts new events and answers in input order', async () => {
      const results = await ctx.store.enqueue([newEvent('e-1'), newEvent('e-2'), newEvent('e-3')]);

      expect(results).toEqual([
        { eventId: 'e-1', status: 'accepted' },
        { eventId: 'e-2', status: 'accepted' },
        { eventId: 'e-3', status: 'accepted' },
      ]);
    });

    it('answers a repeated event_id as duplicate and keeps the first version', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);
      const changed = wireEvent('e-1', { custom_data: { value: '1.00', currency: 'EUR' } });

      const results = await ctx.store.enqueue([
        newEvent('e-1', { event: changed }),
        newEvent('e-2'),
      ]);
      const claimed = await ctx.store.claim(claimOptions());

      expect(results.map((r) => r.status)).toEqual(['duplicate', 'accepted']);
      expect(claimed.map((c) => c.eventId)).toEqual(['e-1', 'e-2']);
      expect(claimed[0]!.event.custom_data).toEqual(wireEvent('e-1').custom_data);
    });

    it('answers the second copy within one call as duplicate', async () => {
      const results = await ctx.store.enqueue([newEvent('e-1'), newEvent('e-1')]);

      expect(results).toEqual([
        { eventId: 'e-1', status: 'accepted' },
        { eventId: 'e-1', status: 'duplicate' },
      ]);
      expect((await ctx.store.stats()).byState.pending).toBe(1);
    });

    it('treats one event_id in two ad accounts as two events', async () => {
      const results = await ctx.store.enqueue([
        newEvent('e-1'),
        newEvent('e-1', { adAccountId: OTHER_ACCOUNT }),
      ]);

      expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    });

    it('stays idempotent across a reopen', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);

      ctx.store = await ctx.harness.reopen();
      const results = await ctx.store.enqueue([newEvent('e-1')]);

      expect(results).toEqual([{ eventId: 'e-1', status: 'duplicate' }]);
    });

    it('resolves an empty enqueue with no results', async () => {
      await expect(ctx.store.enqueue([])).resolves.toEqual([]);
    });

    it('rejects unhashed user_data without storing any event of the call', async () => {
      const raw = wireEvent('e-2', { user_data: { em: ['shopper@example.com'] } });

      const attempt = ctx.store.enqueue([newEvent('e-1'), newEvent('e-2', { event: raw })]);

      await expect(attempt).rejects.toThrow(/events\[1\]\.user_data\.em\[0\]/);
      await expect(attempt).rejects.not.toThrow(/shopper@example\.com/);
      expect(await ctx.store.get(ACCOUNT, 'e-1')).toBeUndefined();
    });

    it('keeps its data when migrate runs again', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);

      await ctx.store.migrate();
      await ctx.store.migrate();

      expect((await ctx.store.get(ACCOUNT, 'e-1'))?.state).toBe('pending');
    });
  });
}

function describeClaim(ctx: Ctx): void {
  describe('claim', () => {
    it('claims due events oldest first up to the limit', async () => {
      const ids = ['e-1', 'e-2', 'e-3', 'e-4', 'e-5'];
      await ctx.store.enqueue(ids.map((id, i) => newEvent(id, { receivedAt: T0 + i })));

      const first = await ctx.store.claim(claimOptions({ limit: 3, now: T0 + 10 }));
      const second = await ctx.store.claim(claimOptions({ limit: 3, now: T0 + 10 }));

      expect(first.map((c) => c.eventId)).toEqual(['e-1', 'e-2', 'e-3']);
      expect(second.map((c) => c.eventId)).toEqual(['e-4', 'e-5']);
      expect([...first, ...second].map((c) => c.id)).toEqual(
        [...first, ...second].map((c) => c.id).sort((a, b) => a - b),
      );
    });

    it('claims only the given ad account', async () => {
      await ctx.store.enqueue([
        newEvent('a-1'),
        newEvent('b-1', { adAccountId: OTHER_ACCOUNT }),
        newEvent('a-2'),
      ]);

      const mine = await ctx.store.claim(claimOptions());
      const theirs = await ctx.store.claim(claimOptions({ adAccountId: OTHER_ACCOUNT }));

      expect(mine.map((c) => c.eventId)).toEqual(['a-1', 'a-2']);
      expect(mine.every((c) => c.adAccountId === ACCOUNT)).toBe(true);
      expect(theirs.map((c) => [c.adAccountId, c.eventId])).toEqual([[OTHER_ACCOUNT, 'b-1']]);
    });

    it('hands out the full wire event with its raw IP and user agent', async () => {
      await ctx.store.enqueue([newEvent('e-1', { receivedAt: T0 - 5 })]);

      const [claimed] = await ctx.store.claim(claimOptions());

      expect(claimed).toMatchObject({ adAccountId: ACCOUNT, eventId: 'e-1', attempts: 1 });
      expect(claimed!.receivedAt).toBe(T0 - 5);
      expect(claimed!.event).toEqual(wireEvent('e-1'));
    });

    it('leaves an event received after now unclaimed', async () => {
      await ctx.store.enqueue([newEvent('e-1', { receivedAt: T0 + 1 })]);

      expect(await ctx.store.claim(claimOptions({ now: T0 }))).toEqual([]);
      expect(await ctx.store.claim(claimOptions({ now: T0 + 1 }))).toHaveLength(1);
    });

    it('claims an event again once its lease expires, with the same event_id', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);
      const [first] = await ctx.store.claim(claimOptions({ leaseMs: 1000 }));

      const during = await ctx.store.claim(claimOptions({ now: T0 + 999, owner: 'worker-b' }));
      const after = await ctx.store.claim(claimOptions({ now: T0 + 1000, owner: 'worker-b' }));

      expect(during).toEqual([]);
      expect(after).toHaveLength(1);
      expect(after[0]!.id).toBe(first!.id);
      expect(after[0]!.attempts).toBe(2);
      expect(after[0]!.event.event_id).toBe('e-1');
      expect(after[0]!.event).toEqual(wireEvent('e-1'));
    });

    it('never hands one event to two concurrent claims', async () => {
      const ids = Array.from({ length: 60 }, (_, i) => `e-${i}`);
      await ctx.store.enqueue(ids.map((id) => newEvent(id)));

      const [a, b] = await Promise.all([
        ctx.store.claim(claimOptions({ limit: 40, owner: 'worker-a' })),
        ctx.store.claim(claimOptions({ limit: 40, owner: 'worker-b' })),
      ]);

      const claimedIds = [...a, ...b].map((c) => c.eventId);
      expect(claimedIds).toHaveLength(60);
      expect(new Set(claimedIds).size).toBe(60);
    });

    it('claims nothing from an empty queue', async () => {
      expect(await ctx.store.claim(claimOptions())).toEqual([]);
    });
  });
}

async function claimOne(ctx: Ctx, overrides: Partial<ClaimOptions> = {}) {
  const [claimed] = await ctx.store.claim(claimOptions(overrides));
  if (claimed === undefined) throw new Error('expected an event to claim');
  return claimed;
}

function describeSettle(ctx: Ctx): void {
  describe('settle', () => {
    it('records a delivery with its time and warning and stops claiming the event', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);
      const claimed = await claimOne(ctx);

      await ctx.store.settle([
        { id: claimed.id, state: 'delivered', at: T0 + 50, warning: 'event_time is late' },
      ]);

      expect(await ctx.store.get(ACCOUNT, 'e-1')).toMatchObject({
        state: 'delivered',
        deliveredAt: T0 + 50,
        warning: 'event_time is late',
        attempts: 1,
        nextAttemptAt: undefined,
      });
      expect(await ctx.store.claim(claimOptions({ now: T0 + 10 * LEASE_MS }))).toEqual([]);
    });

    it('records the call that last settled an event, and keeps it when a settlement names none', async () => {
      await ctx.store.enqueue([newEvent('e-1'), newEvent('e-2')]);
      const [first, second] = await ctx.store.claim(claimOptions());
      if (first === undefined || second === undefined) throw new Error('expected two events');

      await ctx.store.settle([
        {
          id: first.id,
          state: 'failed',
          at: T0,
          nextAttemptAt: T0 + 1,
          error: 'HTTP 503',
          batchId: 'r-1',
        },
        { id: second.id, state: 'dead', at: T0, error: 'bad value', batchId: 'r-1' },
      ]);
      const [again] = await ctx.store.claim(claimOptions({ now: T0 + 10 }));
      if (again === undefined) throw new Error('expected the failed event again');
      const afterRetry = await ctx.store.get(ACCOUNT, 'e-1');
      await ctx.store.settle([{ id: again.id, state: 'delivered', at: T0 + 20, batchId: 'r-2' }]);
      const delivered = await ctx.store.get(ACCOUNT, 'e-1');
      await ctx.store.replay({ eventIds: ['e-2'] }, T0 + 30);
      const [replayed] = await ctx.store.claim(claimOptions({ now: T0 + 40 }));
      if (replayed === undefined) throw new Error('expected the replayed event');
      await ctx.store.settle([{ id: replayed.id, state: 'delivered', at: T0 + 50 }]);

      expect(afterRetry?.lastBatchId).toBe('r-1');
      expect(delivered?.lastBatchId).toBe('r-2');
      expect((await ctx.store.get(ACCOUNT, 'e-2'))?.lastBatchId).toBe('r-1');
    });

    it('retries a failed event when due, still with its IP and user agent', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);
      const claimed = await claimOne(ctx);

      await ctx.store.settle([
        {
          id: claimed.id,
          state: 'failed',
          at: T0 + 10,
          nextAttemptAt: T0 + 5000,
          error: 'HTTP 503',
          status: 503,
        },
      ]);
      const early = await ctx.store.claim(claimOptions({ now: T0 + 4999 }));
      const due = await ctx.store.claim(claimOptions({ now: T0 + 5000 }));

      expect(early).toEqual([]);
      expect(due).toHaveLength(1);
      expect(due[0]!.attempts).toBe(2);
      expect(due[0]!.event).toEqual(wireEvent('e-1'));
      expect(await ctx.store.get(ACCOUNT, 'e-1')).toMatchObject({
        state: 'in_flight',
        lastError: 'HTTP 503',
        lastStatus: 503,
      });
    });

    it('shows a failed event with its next attempt and last error', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);
      const claimed = await claimOne(ctx);

      await ctx.store.settle([
        { id: claimed.id, state: 'failed', at: T0, nextAttemptAt: T0 + 7000, error: 'timeout' },
      ]);

      expect(await ctx.store.get(ACCOUNT, 'e-1')).toMatchObject({
        state: 'failed',
        attempts: 1,
        nextAttemptAt: T0 + 7000,
        lastError: 'timeout',
        lastStatus: undefined,
      });
    });

    it('records a dead event with its reason and purges its IP and user agent', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);
      const claimed = await claimOne(ctx);

      await ctx.store.settle([
        { id: claimed.id, state: 'dead', at: T0, error: 'event_time too old', status: 422 },
      ]);
      const record = await ctx.store.get(ACCOUNT, 'e-1');
      await ctx.store.replay({ eventIds: ['e-1'] }, T0 + 1);
      const replayed = await claimOne(ctx, { now: T0 + 1 });

      expect(record).toMatchObject({
        state: 'dead',
        lastError: 'event_time too old',
        lastStatus: 422,
      });
      const { client_ip_address, client_user_agent, ...rest } = wireEvent('e-1').user_data;
      expect([client_ip_address, client_user_agent]).toEqual([IP, USER_AGENT]);
      expect(replayed.event).toEqual({ ...wireEvent('e-1'), user_data: rest });
    });

    it('keeps a delivery when a late failure arrives from an expired lease', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);
      const stale = await claimOne(ctx, { leaseMs: 1000, owner: 'worker-a' });
      const fresh = await claimOne(ctx, { now: T0 + 1000, owner: 'worker-b' });

      await ctx.store.settle([{ id: fresh.id, state: 'delivered', at: T0 + 1100 }]);
      await ctx.store.settle([
        { id: stale.id, state: 'failed', at: T0 + 1200, nextAttemptAt: T0 + 2000, error: 'x' },
      ]);
      await ctx.store.settle([{ id: stale.id, state: 'dead', at: T0 + 1300, error: 'y' }]);

      expect(await ctx.store.get(ACCOUNT, 'e-1')).toMatchObject({
        state: 'delivered',
        deliveredAt: T0 + 1100,
        lastError: undefined,
      });
      expect(await ctx.store.claim(claimOptions({ now: T0 + 10_000 }))).toEqual([]);
    });

    it('records a late delivery over a failure, so the event is not sent again', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);
      const stale = await claimOne(ctx, { leaseMs: 1000 });
      const fresh = await claimOne(ctx, { now: T0 + 1000, owner: 'worker-b' });

      await ctx.store.settle([
        { id: fresh.id, state: 'failed', at: T0 + 1100, nextAttemptAt: T0 + 2000, error: 'x' },
      ]);
      await ctx.store.settle([{ id: stale.id, state: 'delivered', at: T0 + 1200 }]);

      expect((await ctx.store.get(ACCOUNT, 'e-1'))?.state).toBe('delivered');
      expect(await ctx.store.claim(claimOptions({ now: T0 + 10_000 }))).toEqual([]);
    });

    it('does not revive a dead event with a late failure', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);
      const claimed = await claimOne(ctx);

      await ctx.store.settle([{ id: claimed.id, state: 'dead', at: T0, error: 'rejected' }]);
      await ctx.store.settle([
        { id: claimed.id, state: 'failed', at: T0, nextAttemptAt: T0 + 1, error: 'timeout' },
      ]);

      expect(await ctx.store.get(ACCOUNT, 'e-1')).toMatchObject({
        state: 'dead',
        lastError: 'rejected',
      });
    });

    it('settles several events in one call', async () => {
      await ctx.store.enqueue([newEvent('e-1'), newEvent('e-2'), newEvent('e-3')]);
      const [a, b, c] = await ctx.store.claim(claimOptions());

      await ctx.store.settle([
        { id: a!.id, state: 'delivered', at: T0 },
        { id: b!.id, state: 'failed', at: T0, nextAttemptAt: T0 + 1, error: 'HTTP 500' },
        { id: c!.id, state: 'dead', at: T0, error: 'rejected' },
      ]);

      const states = await Promise.all(
        ['e-1', 'e-2', 'e-3'].map(async (id) => (await ctx.store.get(ACCOUNT, id))?.state),
      );
      expect(states).toEqual(['delivered', 'failed', 'dead']);
    });
  });
}

function describeRelease(ctx: Ctx): void {
  describe('release', () => {
    it('gives a claimed event back without counting the attempt', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);
      const claimed = await claimOne(ctx);

      await ctx.store.release([claimed.id]);
      const record = await ctx.store.get(ACCOUNT, 'e-1');
      const again = await claimOne(ctx, { owner: 'worker-b' });

      expect(record).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: T0 });
      expect(again.attempts).toBe(1);
    });

    it('gives a retried event back as failed, keeping its attempts so far', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);
      const first = await claimOne(ctx);
      await ctx.store.settle([
        { id: first.id, state: 'failed', at: T0, nextAttemptAt: T0 + 100, error: 'HTTP 503' },
      ]);
      const second = await claimOne(ctx, { now: T0 + 100 });

      await ctx.store.release([second.id]);

      expect(await ctx.store.get(ACCOUNT, 'e-1')).toMatchObject({
        state: 'failed',
        attempts: 1,
        nextAttemptAt: T0 + 100,
        lastError: 'HTTP 503',
      });
    });

    it('leaves a settled event alone', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);
      const claimed = await claimOne(ctx);
      await ctx.store.settle([{ id: claimed.id, state: 'delivered', at: T0 }]);

      await ctx.store.release([claimed.id]);

      expect(await ctx.store.get(ACCOUNT, 'e-1')).toMatchObject({
        state: 'delivered',
        attempts: 1,
      });
    });
  });
}

function describeQueries(ctx: Ctx): void {
  describe('queries', () => {
    it('reports the earliest due time of an account, lease ends included', async () => {
      const before = await ctx.store.nextDueAt(ACCOUNT);
      await ctx.store.enqueue([newEvent('e-1', { receivedAt: T0 }), newEvent('e-2')]);
      const [a, b] = await ctx.store.claim(claimOptions({ leaseMs: 9000 }));
      const leased = await ctx.store.nextDueAt(ACCOUNT);

      await ctx.store.settle([
        { id: a!.id, state: 'failed', at: T0, nextAttemptAt: T0 + 4000, error: 'HTTP 503' },
      ]);
      const retrying = await ctx.store.nextDueAt(ACCOUNT);
      await ctx.store.settle([
        { id: a!.id, state: 'dead', at: T0, error: 'gave up' },
        { id: b!.id, state: 'delivered', at: T0 },
      ]);

      expect(before).toBeUndefined();
      expect(leased).toBe(T0 + 9000);
      expect(retrying).toBe(T0 + 4000);
      expect(await ctx.store.nextDueAt(ACCOUNT)).toBeUndefined();
    });

    it('lists the ad accounts with undelivered events', async () => {
      await ctx.store.enqueue([newEvent('a-1'), newEvent('b-1', { adAccountId: OTHER_ACCOUNT })]);
      const both = await ctx.store.accountsWithWork();
      const claimed = await claimOne(ctx);

      await ctx.store.settle([{ id: claimed.id, state: 'delivered', at: T0 }]);

      expect([...both].sort()).toEqual([ACCOUNT, OTHER_ACCOUNT]);
      expect(await ctx.store.accountsWithWork()).toEqual([OTHER_ACCOUNT]);
    });

    it('describes a stored event and nothing for an unknown one', async () => {
      await ctx.store.enqueue([newEvent('e-1', { receivedAt: T0 + 3 })]);

      expect(await ctx.store.get(ACCOUNT, 'e-1')).toEqual({
        adAccountId: ACCOUNT,
        eventId: 'e-1',
        eventName: 'checkout',
        eventTime: T0 / 1000,
        source: 'events',
        state: 'pending',
        attempts: 0,
        receivedAt: T0 + 3,
        nextAttemptAt: T0 + 3,
        deliveredAt: undefined,
        lastError: undefined,
        lastStatus: undefined,
        warning: undefined,
      });
      expect(await ctx.store.get(ACCOUNT, 'e-2')).toBeUndefined();
      expect(await ctx.store.get(OTHER_ACCOUNT, 'e-1')).toBeUndefined();
    });

    it('shows an event in flight as due again at its lease end', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);

      await ctx.store.claim(claimOptions({ leaseMs: 2500 }));

      expect(await ctx.store.get(ACCOUNT, 'e-1')).toMatchObject({
        state: 'in_flight',
        attempts: 1,
        nextAttemptAt: T0 + 2500,
      });
    });

    it('finds an event_id across ad accounts, most recent first', async () => {
      await ctx.store.enqueue([
        newEvent('e-1', { receivedAt: T0 }),
        newEvent('e-1', { adAccountId: OTHER_ACCOUNT, receivedAt: T0 + 1 }),
        newEvent('e-2'),
      ]);

      const found = await ctx.store.findByEventId('e-1');

      expect(found.map((r) => r.adAccountId)).toEqual([OTHER_ACCOUNT, ACCOUNT]);
      expect(await ctx.store.findByEventId('missing')).toEqual([]);
    });

    it('counts events by state and reports the oldest undelivered one', async () => {
      const empty = await ctx.store.stats();
      const ids = ['e-1', 'e-2', 'e-3', 'e-4', 'e-5'];
      await ctx.store.enqueue(ids.map((id, i) => newEvent(id, { receivedAt: T0 + i })));
      const [a, b, c] = await ctx.store.claim(claimOptions({ limit: 4, now: T0 + 10 }));

      await ctx.store.settle([
        { id: a!.id, state: 'delivered', at: T0 },
        { id: b!.id, state: 'dead', at: T0, error: 'rejected' },
        { id: c!.id, state: 'failed', at: T0, nextAttemptAt: T0 + 99, error: 'HTTP 500' },
      ]);
      const stats = await ctx.store.stats();

      expect(empty).toEqual({
        byState: { pending: 0, in_flight: 0, failed: 0, delivered: 0, dead: 0 },
        oldestPendingReceivedAt: undefined,
      });
      expect(stats).toEqual({
        byState: { pending: 1, in_flight: 1, failed: 1, delivered: 1, dead: 1 },
        oldestPendingReceivedAt: T0 + 2,
      });
    });

    it('counts deliveries at or after a time, for delivery rates', async () => {
      await ctx.store.enqueue(['e-1', 'e-2', 'e-3'].map((id) => newEvent(id)));
      const [a, b, c] = await ctx.store.claim(claimOptions({ limit: 3, now: T0 + 10 }));

      await ctx.store.settle([
        { id: a!.id, state: 'delivered', at: T0 + 100 },
        { id: b!.id, state: 'delivered', at: T0 + 200 },
        { id: c!.id, state: 'dead', at: T0 + 300, error: 'rejected' },
      ]);

      expect(await ctx.store.deliveredSince(T0 + 100)).toBe(2);
      expect(await ctx.store.deliveredSince(T0 + 101)).toBe(1);
      expect(await ctx.store.deliveredSince(T0 + 201)).toBe(0);
    });
  });
}

async function storeDeadEvents(ctx: Ctx, events: NewEvent[], error: (i: number) => string) {
  await ctx.store.enqueue(events);
  for (const account of [ACCOUNT, OTHER_ACCOUNT]) {
    const claimed = await ctx.store.claim(claimOptions({ adAccountId: account, now: T0 + 100 }));
    await ctx.store.settle(
      claimed.map((c) => ({
        id: c.id,
        state: 'dead' as const,
        at: T0,
        error: error(Number(c.eventId.split('-')[1])),
      })),
    );
  }
}

function describeReplayAndPrune(ctx: Ctx): void {
  describe('replay and prune', () => {
    it('moves dead events matching every filter back to pending with a fresh budget', async () => {
      await storeDeadEvents(
        ctx,
        [
          newEvent('e-1', { receivedAt: T0 }),
          newEvent('e-2', { receivedAt: T0 + 10 }),
          newEvent('e-3', { receivedAt: T0 + 20 }),
          newEvent('e-4', { adAccountId: OTHER_ACCOUNT, receivedAt: T0 + 30 }),
        ],
        (i) => (i === 3 ? 'HTTP 401 token expired' : 'HTTP 422 invalid event'),
      );

      const bySince = await ctx.store.replay({ adAccountId: ACCOUNT, since: T0 + 10 }, T0 + 500);
      const byText = await ctx.store.replay({ errorContains: '422' }, T0 + 600);
      const none = await ctx.store.replay({ eventIds: ['e-1'], errorContains: 'token' }, T0);

      expect(bySince).toBe(2);
      expect(byText).toBe(2);
      expect(none).toBe(0);
      expect(await ctx.store.get(ACCOUNT, 'e-2')).toMatchObject({
        state: 'pending',
        attempts: 0,
        nextAttemptAt: T0 + 500,
        lastError: 'HTTP 422 invalid event',
      });
      expect((await ctx.store.stats()).byState).toMatchObject({ pending: 4, dead: 0 });
    });

    it('replays dead events by event_id only', async () => {
      await storeDeadEvents(
        ctx,
        [newEvent('e-1'), newEvent('e-2'), newEvent('e-3')],
        () => 'HTTP 422',
      );

      const replayed = await ctx.store.replay({ eventIds: ['e-1', 'e-3', 'e-9'] }, T0 + 1);
      const claimed = await ctx.store.claim(claimOptions({ now: T0 + 1 }));

      expect(replayed).toBe(2);
      expect(claimed.map((c) => [c.eventId, c.attempts])).toEqual([
        ['e-1', 1],
        ['e-3', 1],
      ]);
    });

    it('replays only dead events', async () => {
      await ctx.store.enqueue([newEvent('e-1'), newEvent('e-2')]);
      const [a] = await ctx.store.claim(claimOptions({ limit: 1 }));
      await ctx.store.settle([{ id: a!.id, state: 'delivered', at: T0 }]);

      const replayed = await ctx.store.replay({}, T0 + 1);

      expect(replayed).toBe(0);
      expect((await ctx.store.get(ACCOUNT, 'e-1'))?.state).toBe('delivered');
      expect((await ctx.store.get(ACCOUNT, 'e-2'))?.state).toBe('pending');
    });

    it('prunes delivered and dead events received before the cutoff only', async () => {
      const ids = ['e-1', 'e-2', 'e-3', 'e-4'];
      await ctx.store.enqueue(ids.map((id, i) => newEvent(id, { receivedAt: T0 + i * 100 })));
      const [a, b, c] = await ctx.store.claim(claimOptions({ limit: 3, now: T0 + 1000 }));
      await ctx.store.settle([
        { id: a!.id, state: 'delivered', at: T0 },
        { id: b!.id, state: 'dead', at: T0, error: 'rejected' },
        { id: c!.id, state: 'delivered', at: T0 },
      ]);

      const pruned = await ctx.store.prune(T0 + 200);
      const remaining = await Promise.all(ids.map((id) => ctx.store.get(ACCOUNT, id)));

      expect(pruned).toBe(2);
      expect(remaining.map((r) => r?.state)).toEqual([
        undefined,
        undefined,
        'delivered',
        'pending',
      ]);
    });

    it('accepts an event_id again once its record was pruned', async () => {
      await ctx.store.enqueue([newEvent('e-1')]);
      const claimed = await claimOne(ctx);
      await ctx.store.settle([{ id: claimed.id, state: 'delivered', at: T0 }]);
      await ctx.store.prune(T0 + 1);

      const results = await ctx.store.enqueue([newEvent('e-1', { receivedAt: T0 + 2 })]);

      expect(results).toEqual([{ eventId: 'e-1', status: 'accepted' }]);
    });
  });
}

function describePrivacy(ctx: Ctx): void {
  describe('consent and erasure', () => {
    const dropped: NewEvent['privacy'] = { consent: 'denied', consentAction: 'drop' };

    it('stores an event suppressed by consent as dead, never claimed, without IP or user agent', async () => {
      await ctx.store.enqueue([{ ...newEvent('e-1'), privacy: dropped }]);

      const claimed = await ctx.store.claim(claimOptions({ now: T0 + 86_400_000 }));
      const record = await ctx.store.get(ACCOUNT, 'e-1');

      expect(claimed).toEqual([]);
      expect(record?.state).toBe('dead');
      expect(record?.lastError).toBe('suppressed by consent');
      expect(record?.privacy).toEqual({ consent: 'denied', consentAction: 'drop' });
      expect(await ctx.store.accountsWithWork()).toEqual([]);
      expect(await ctx.harness.rawColumns(ACCOUNT, 'e-1')).toEqual({
        clientIpAddress: null,
        clientUserAgent: null,
      });
    });

    it('never replays an event suppressed by consent', async () => {
      await ctx.store.enqueue([{ ...newEvent('e-1'), privacy: dropped }]);

      const replayed = await ctx.store.replay({}, T0);

      expect(replayed).toBe(0);
      expect((await ctx.store.get(ACCOUNT, 'e-1'))?.state).toBe('dead');
    });

    it('records the consent and LDP rules that applied to an event', async () => {
      const privacy = {
        consent: 'granted',
        consentAction: 'send',
        ldpRule: 'tenant_state',
      } as const;

      await ctx.store.enqueue([{ ...newEvent('e-1'), privacy }, newEvent('e-2')]);

      expect((await ctx.store.get(ACCOUNT, 'e-1'))?.privacy).toEqual(privacy);
      expect((await ctx.store.get(ACCOUNT, 'e-2'))?.privacy).toBeUndefined();
    });

    it('erases every event holding the hash, in every state, and only those', async () => {
      const other = wireEvent('e-3', { user_data: { em: [sha256('other@example.com')] } });
      await ctx.store.enqueue([
        newEvent('e-1'),
        newEvent('e-2'),
        newEvent('e-3', { event: other }),
      ]);
      const [first] = await ctx.store.claim(claimOptions({ limit: 1 }));
      await ctx.store.settle([{ id: first!.id, state: 'delivered', at: T0 }]);

      const result = await ctx.store.erase({
        emHashes: [sha256('shopper@example.com')],
        requester: 'test',
        at: T0,
      });

      expect(result).toEqual({ deleted: 2 });
      expect(await ctx.store.get(ACCOUNT, 'e-1')).toBeUndefined();
      expect(await ctx.store.get(ACCOUNT, 'e-2')).toBeUndefined();
      expect((await ctx.store.get(ACCOUNT, 'e-3'))?.state).toBe('pending');
    });

    it('matches phone and external id hashes, and an uppercase stored hash', async () => {
      const upper = sha256('loyalty-7').toUpperCase();
      const byId = wireEvent('e-2', { user_data: { external_id: [upper] } });
      await ctx.store.enqueue([newEvent('e-1'), newEvent('e-2', { event: byId })]);

      const byPhone = await ctx.store.erase({
        phHashes: [sha256('15551234567')],
        requester: 'test',
        at: T0,
      });
      const byExternalId = await ctx.store.erase({
        externalIdHashes: [sha256('loyalty-7')],
        requester: 'test',
        at: T0,
      });

      expect([byPhone.deleted, byExternalId.deleted]).toEqual([1, 1]);
      expect((await ctx.store.stats()).byState.pending).toBe(0);
    });

    it('erases only within the given ad account', async () => {
      await ctx.store.enqueue([newEvent('e-1'), newEvent('e-1', { adAccountId: OTHER_ACCOUNT })]);

      const result = await ctx.store.erase({
        emHashes: [sha256('shopper@example.com')],
        adAccountId: OTHER_ACCOUNT,
        requester: 'test',
        at: T0,
      });

      expect(result.deleted).toBe(1);
      expect(await ctx.store.get(ACCOUNT, 'e-1')).toBeDefined();
      expect(await ctx.store.get(OTHER_ACCOUNT, 'e-1')).toBeUndefined();
    });

    it('refuses an erasure without any hash', async () => {
      await expect(ctx.store.erase({ requester: 'test', at: T0 })).rejects.toThrow(RangeError);
    });
  });
}
