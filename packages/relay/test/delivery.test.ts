import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { WireEvent } from '@pinterest-capi/sdk';
import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CONVERSION_TOKEN,
  startSandbox,
} from '@pinterest-capi/sandbox';
import type { FaultSpec, RunningSandbox, SandboxConfig } from '@pinterest-capi/sandbox';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { DeliveryWorker } from '../src/delivery/worker.js';
import type { DeliveryEvents } from '../src/delivery/events.js';
import type { DeliveryWorkerOptions } from '../src/delivery/options.js';
import { SqliteStore } from '../src/queue/sqlite-store.js';

const ACCOUNT = DEFAULT_AD_ACCOUNT_ID;
const HOUR = 3600;

interface SandboxCall {
  ad_account_id: string;
  status: number;
  num_events: number;
  received_at: string;
}

let sandbox: RunningSandbox;
let dir: string;
let store: SqliteStore;
let workers: DeliveryWorker[] = [];
let eventSerial = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'capi-delivery-'));
});

afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
  await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'DELETE' });
  store = SqliteStore.open({ path: join(dir, `queue-${++eventSerial}.db`) });
});

afterEach(async () => {
  await Promise.all(workers.map((worker) => worker.stop({ timeoutMs: 0 })));
  workers = [];
  await store.close();
});

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function checkout(id: string, overrides: Partial<WireEvent> = {}): WireEvent {
  return {
    event_name: 'checkout',
    action_source: 'web',
    event_time: Math.floor(Date.now() / 1000) - 30,
    event_id: id,
    user_data: {
      em: [sha256(`${id}@example.com`)],
      client_ip_address: '203.0.113.7',
      client_user_agent: 'Mozilla/5.0 (test)',
    },
    custom_data: { currency: 'USD', value: '72.39', order_id: id },
    ...overrides,
  };
}

async function enqueue(events: WireEvent[], adAccountId = ACCOUNT): Promise<void> {
  const receivedAt = Date.now();
  await store.enqueue(
    events.map((event) => ({ adAccountId, event, source: 'events', receivedAt })),
  );
}

function orders(count: number, prefix = 'order'): WireEvent[] {
  return Array.from({ length: count }, (_, i) => checkout(`${prefix}-${i}`));
}

function startWorker(
  options: Partial<DeliveryWorkerOptions> = {},
  target: { sandbox?: RunningSandbox; token?: string } = {},
): DeliveryWorker {
  const worker = new DeliveryWorker({
    store,
    owner: `test-${workers.length}`,
    accounts: [
      {
        adAccountId: ACCOUNT,
        accessToken: target.token ?? DEFAULT_CONVERSION_TOKEN,
        baseUrl: (target.sandbox ?? sandbox).apiBaseUrl,
      },
    ],
    lingerMs: 20,
    pollMs: 50,
    retryBaseMs: 20,
    retryMaxMs: 100,
    ...options,
  });
  workers.push(worker);
  worker.start();
  return worker;
}

/** Collects every event a worker emits, by name. */
function record(worker: DeliveryWorker) {
  const seen: { [K in keyof DeliveryEvents]: DeliveryEvents[K][0][] } = {
    batch: [],
    delivered: [],
    retry: [],
    dead: [],
    paused: [],
    resumed: [],
    late: [],
    error: [],
  };
  worker.on('batch', (report) => seen.batch.push(report));
  worker.on('delivered', (report) => seen.delivered.push(report));
  worker.on('retry', (report) => seen.retry.push(report));
  worker.on('dead', (report) => seen.dead.push(report));
  worker.on('paused', (report) => seen.paused.push(report));
  worker.on('resumed', (report) => seen.resumed.push(report));
  worker.on('late', (report) => seen.late.push(report));
  worker.on('error', (report) => seen.error.push(report));
  return seen;
}

/** Waits until `count` events are delivered. */
async function untilDelivered(count: number, timeout = 5000): Promise<void> {
  await vi.waitFor(
    async () => {
      expect((await store.stats()).byState.delivered).toBe(count);
    },
    { timeout },
  );
}

async function calls(from: RunningSandbox = sandbox): Promise<SandboxCall[]> {
  const response = await fetch(`${from.url}/__sandbox/calls`);
  return ((await response.json()) as { calls: SandboxCall[] }).calls;
}

async function receivedIds(): Promise<string[]> {
  const response = await fetch(`${sandbox.url}/__sandbox/events`);
  const body = (await response.json()) as { events: { event: { event_id: string } }[] };
  return body.events.map((entry) => entry.event.event_id);
}

async function injectFault(spec: FaultSpec): Promise<void> {
  await fetch(`${sandbox.url}/__sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
}

async function delivered(): Promise<number> {
  return (await store.stats()).byState.delivered;
}

async function stateOf(eventId: string) {
  const record = await store.get(ACCOUNT, eventId);
  if (record === undefined) throw new Error(`${eventId} is not stored`);
  return record;
}

async function withSandbox<T>(
  config: SandboxConfig,
  body: (other: RunningSandbox) => Promise<T>,
): Promise<T> {
  const other = await startSandbox({ port: 0, config });
  try {
    return await body(other);
  } finally {
    await other.close();
  }
}

describe('DeliveryWorker batching', () => {
  it('delivers 10,000 events stored concurrently in at most 20 calls, each event once', async () => {
    const worker = startWorker({ lingerMs: 250 });
    const chunks = Array.from({ length: 100 }, (_, c) => orders(100, `bulk-${c}`));

    await Promise.all(
      chunks.map(async (chunk) => {
        await enqueue(chunk);
        worker.notify(ACCOUNT, chunk.length);
      }),
    );
    await untilDelivered(10_000, 15_000);

    const made = await calls();
    expect(made.length).toBeLessThanOrEqual(20);
    expect(Math.max(...made.map((call) => call.num_events))).toBeLessThanOrEqual(1000);
    const ids = await receivedIds();
    expect(ids).toHaveLength(10_000);
    expect(new Set(ids).size).toBe(10_000);
  });

  it('waits the linger time for a fuller batch, then sends what is due', async () => {
    const worker = startWorker({ lingerMs: 400 });
    const seen = record(worker);

    await enqueue([checkout('first')]);
    worker.notify(ACCOUNT, 1);
    await enqueue(orders(4, 'later'));
    worker.notify(ACCOUNT, 4);
    await untilDelivered(5);

    expect(await calls()).toHaveLength(1);
    expect(seen.batch).toEqual([
      expect.objectContaining({ adAccountId: ACCOUNT, events: 5, processed: 5, status: 200 }),
    ]);
  });

  it('keeps several calls in flight for one ad account', async () => {
    await enqueue(orders(3000));
    await injectFault({ latencyMs: 400, calls: 3 });
    const worker = startWorker({ concurrency: 3 });
    let most = 0;
    worker.on('batch', () => {
      most = Math.max(most, worker.accountStatus()[0]?.inFlight ?? 0);
    });

    await untilDelivered(3000);

    expect(most).toBe(3);
  });

  it('finds stored events by polling when nobody notifies', async () => {
    await enqueue(orders(7));

    startWorker();
    await untilDelivered(7);

    expect((await receivedIds()).sort()).toEqual(
      orders(7)
        .map((e) => e.event_id)
        .sort(),
    );
  });
  it("sends each ad account's events with its own token and leaves unserved ones stored", async () => {
    const second = { id: '549755885176', name: 'Second', currency: 'USD', country: 'US' };
    const token = {
      token: 'pina_second_token',
      kind: 'conversion' as const,
      adAccountIds: [second.id],
    };
    await withSandbox({ adAccounts: [second], tokens: [token] }, async (multi) => {
      await enqueue(orders(3, 'one'));
      await enqueue(orders(2, 'two'), second.id);
      await enqueue(orders(1, 'nobody'), '549755885177');
      const worker = new DeliveryWorker({
        store,
        owner: 'multi',
        pollMs: 50,
        lingerMs: 0,
        accounts: [
          {
            adAccountId: ACCOUNT,
            accessToken: DEFAULT_CONVERSION_TOKEN,
            baseUrl: multi.apiBaseUrl,
          },
          { adAccountId: second.id, accessToken: token.token, baseUrl: multi.apiBaseUrl },
        ],
      });
      workers.push(worker);

      worker.start();
      await untilDelivered(5);

      const made = (await calls(multi)).map((call) => [call.ad_account_id, call.num_events]);
      expect(made.sort()).toEqual([
        [ACCOUNT, 3],
        [second.id, 2],
      ]);
      expect((await store.stats()).byState.pending).toBe(1);
    });
  });

  it('keeps going after a store failure and reports it', async () => {
    await enqueue(orders(2));
    let failures = 1;
    const flaky = new Proxy(store, {
      get(target, name, receiver) {
        if (name === 'claim' && failures-- > 0) {
          return () => Promise.reject(new Error('SQLITE_BUSY: database is locked'));
        }

        const value: unknown = Reflect.get(target, name, receiver);
        // SqliteStore keeps #private state, so its methods must run on the real instance.
        return typeof value === 'function'
          ? (value as (...args: unknown[]) => unknown).bind(target)
          : value;
      },
    });
    const worker = startWorker({ store: flaky });
    const seen = record(worker);

    await untilDelivered(2);

    expect(seen.error[0]).toMatchObject({ adAccountId: ACCOUNT, operation: 'claim' });
  });
});

describe('DeliveryWorker per-event answers', () => {
  it('dead-letters an event Pinterest fails, with its message, and delivers the rest', async () => {
    await withSandbox({ maxEventAgeSeconds: HOUR }, async (strict) => {
      const old = checkout('too-old', { event_time: Math.floor(Date.now() / 1000) - 2 * HOUR });
      await enqueue([...orders(4), old]);
      const worker = startWorker({}, { sandbox: strict });
      const seen = record(worker);

      await untilDelivered(4);

      const dead = await stateOf('too-old');
      expect(dead.state).toBe('dead');
      expect(dead.lastError).toMatch(/maximum event age/);
      expect(seen.dead).toEqual([
        expect.objectContaining({ eventId: 'too-old', reason: dead.lastError }),
      ]);
      expect(seen.batch[0]).toMatchObject({ events: 5, processed: 4, failed: 1, status: 422 });
      // Both outcomes name the call that decided them, as the batch report (and log line) does.
      expect(dead.lastBatchId).toBe(seen.batch[0]?.batchId);
      expect((await stateOf('order-0')).lastBatchId).toBe(seen.batch[0]?.batchId);
      const delivered = seen.delivered.flatMap((report) => report.events);
      expect(delivered.map((event) => event.eventId).sort()).toEqual([
        'order-0',
        'order-1',
        'order-2',
        'order-3',
      ]);
      expect(delivered.every((event) => event.receivedAt > 0 && event.eventTime > 0)).toBe(true);
    });
  });

  it('reports an event that reaches Pinterest more than an hour after its event_time', async () => {
    const eventTime = Math.floor(Date.now() / 1000) - 2 * HOUR;
    await enqueue([checkout('late-1', { event_time: eventTime }), checkout('on-time')]);
    const worker = startWorker();
    const seen = record(worker);

    await untilDelivered(2);

    expect(seen.late).toEqual([
      { adAccountId: ACCOUNT, eventId: 'late-1', lateBySeconds: expect.any(Number) as number },
    ]);
    expect(seen.late[0]?.lateBySeconds).toBeGreaterThanOrEqual(2 * HOUR);
  });

  it('halves a batch Pinterest rejects with 400 until the bad event stands alone', async () => {
    const bad = { ...checkout('bad-1'), dedup_key: 'not-a-pinterest-field' } as WireEvent;
    await enqueue([...orders(6, 'good'), bad, ...orders(2, 'after')]);
    const worker = startWorker();
    const seen = record(worker);

    await untilDelivered(8);

    const dead = await stateOf('bad-1');
    expect(dead).toMatchObject({ state: 'dead', lastStatus: 400 });
    expect(dead.lastError).toMatch(/Pinterest answered 400 \(code 4196\).*dedup_key/);
    expect(seen.dead.map((d) => d.eventId)).toEqual(['bad-1']);
    expect((await receivedIds()).sort()).not.toContain('bad-1');
    expect(new Set(await receivedIds()).size).toBe(8);
  });

  it('dead-letters an event already past the maximum age without sending it', async () => {
    const stale = checkout('stale', { event_time: Math.floor(Date.now() / 1000) - 8 * 24 * HOUR });
    await enqueue([stale, checkout('fresh')]);
    const worker = startWorker();
    const seen = record(worker);

    await untilDelivered(1);

    expect(await stateOf('stale')).toMatchObject({
      state: 'dead',
      lastError: 'event_time is older than the maximum event age of 7 d',
    });
    expect(seen.dead.map((dead) => dead.eventId)).toEqual(['stale']);
    expect((await calls()).map((call) => call.num_events)).toEqual([1]);
  });

  it('sends the partner name to events that carry none', async () => {
    await enqueue([checkout('partnered')]);
    const worker = new DeliveryWorker({
      store,
      owner: 'partner',
      lingerMs: 0,
      pollMs: 50,
      accounts: [
        {
          adAccountId: ACCOUNT,
          accessToken: DEFAULT_CONVERSION_TOKEN,
          baseUrl: sandbox.apiBaseUrl,
          partnerName: 'ss-relaytest',
        },
      ],
    });
    workers.push(worker);

    worker.start();
    await untilDelivered(1);

    const response = await fetch(`${sandbox.url}/__sandbox/events`);
    const body = (await response.json()) as { events: { event: WireEvent }[] };
    expect(body.events[0]?.event.partner_name).toBe('ss-relaytest');
  });
});

describe('DeliveryWorker retries', () => {
  it('retries a batch after two 500s and records every attempt', async () => {
    await enqueue(orders(3));
    await injectFault({ status: 500, calls: 2 });
    const worker = startWorker();
    const seen = record(worker);

    await untilDelivered(3);

    expect((await stateOf('order-0')).attempts).toBe(3);
    expect((await stateOf('order-0')).lastBatchId).toBe(seen.batch[2]?.batchId);
    expect(seen.retry).toHaveLength(2);
    expect(seen.retry[0]).toMatchObject({
      events: 3,
      attempt: 1,
      reason: 'server_error',
      status: 500,
      possibleDuplicate: true,
    });
    expect(seen.retry[1]).toMatchObject({ attempt: 2 });
    expect((await calls()).map((call) => call.status)).toEqual([500, 500, 200]);
  });

  it("holds the whole ad account for a 429's Retry-After", async () => {
    await enqueue(orders(2, 'first'));
    await injectFault({ status: 429, calls: 1, retryAfterSeconds: 1 });
    const worker = startWorker();
    const seen = record(worker);
    await vi.waitFor(() => {
      expect(seen.retry).toHaveLength(1);
    });

    await enqueue(orders(2, 'second'));
    worker.notify(ACCOUNT, 2);
    await untilDelivered(4, 5000);

    expect(seen.retry[0]).toMatchObject({ reason: 'rate_limited', status: 429, delayMs: 1000 });
    const [limited, ...later] = await calls();
    expect(limited?.status).toBe(429);
    const heldUntil = Date.parse(limited?.received_at ?? '') + 1000;
    const sentAfter = later.map((call) => Date.parse(call.received_at));
    expect(sentAfter.length).toBeGreaterThan(0);
    expect(Math.min(...sentAfter)).toBeGreaterThanOrEqual(heldUntil);
  });

  it('dead-letters events whose retry budget runs out', async () => {
    await enqueue(orders(2));
    await injectFault({ status: 503 });
    const worker = startWorker({ retryBudgetMs: 300, retryBaseMs: 50, random: () => 0.99 });
    const seen = record(worker);

    await vi.waitFor(() => {
      expect(seen.dead).toHaveLength(2);
    });

    const dead = await stateOf('order-0');
    expect(dead).toMatchObject({ state: 'dead', lastStatus: 503 });
    expect(dead.lastError).toMatch(/^retry budget of 300 ms used up after \d+ attempts/);
    expect(seen.retry[0]).toMatchObject({ reason: 'server_error', possibleDuplicate: false });
    expect((await calls()).length).toBeGreaterThanOrEqual(2);
  });

  it('retries a call that timed out and flags it as a possible duplicate', async () => {
    await enqueue(orders(2));
    await injectFault({ timeout: true, calls: 1 });
    const worker = startWorker({ timeoutMs: 200, leaseMs: 1000 });
    const seen = record(worker);

    await untilDelivered(2);

    expect(seen.retry[0]).toMatchObject({ reason: 'timeout', possibleDuplicate: true });
    expect(seen.batch[0]).toMatchObject({ status: undefined, processed: 0 });
  });
});

describe('DeliveryWorker credentials', () => {
  it('pauses on 401 without dead-lettering, then resumes with a working token', async () => {
    await enqueue(orders(3));
    const worker = startWorker({ authProbeMs: 50 }, { token: 'pina_revoked_token' });
    const seen = record(worker);
    await vi.waitFor(async () => {
      expect((await calls()).length).toBeGreaterThanOrEqual(3);
    });

    // Between probes the events sit in the queue as they were stored.
    await vi.waitFor(async () => {
      expect(await stateOf('order-0')).toMatchObject({ state: 'pending', attempts: 0 });
    });
    const status = worker.accountStatus()[0];
    const stats = await store.stats();
    worker.updateCredentials(ACCOUNT, DEFAULT_CONVERSION_TOKEN);
    await untilDelivered(3);

    expect(seen.paused).toEqual([expect.objectContaining({ adAccountId: ACCOUNT, status: 401 })]);
    expect(status?.paused).toMatchObject({
      reason: expect.stringMatching(/401 \(code 2\)/) as string,
    });
    expect(stats.byState.dead).toBe(0);
    expect(seen.dead).toEqual([]);
    expect(seen.resumed).toEqual([expect.objectContaining({ adAccountId: ACCOUNT })]);
    expect(worker.accountStatus()[0]?.paused).toBe(false);
  });

  it('resumes a paused account with no events once new credentials are given', async () => {
    await enqueue(orders(1));
    const worker = startWorker({ authProbeMs: 60_000 }, { token: 'pina_revoked_token' });
    const seen = record(worker);
    await vi.waitFor(() => {
      expect(seen.paused).toHaveLength(1);
    });
    await store.settle([{ id: 1, state: 'dead', at: Date.now(), error: 'removed by the test' }]);

    worker.updateCredentials(ACCOUNT, DEFAULT_CONVERSION_TOKEN);
    await vi.waitFor(() => {
      expect(seen.resumed).toHaveLength(1);
    });

    expect(worker.accountStatus()[0]?.paused).toBe(false);
  });
});

describe('DeliveryWorker leases and shutdown', () => {
  it('delivers events a crashed process had claimed once their lease ends', async () => {
    await enqueue(orders(4));
    const crashed = SqliteStore.open({ path: store.path });
    const claimed = await crashed.claim({
      adAccountId: ACCOUNT,
      limit: 10,
      now: Date.now(),
      leaseMs: 300,
      owner: 'crashed',
    });
    await crashed.close();

    startWorker();
    await untilDelivered(4);

    expect(claimed).toHaveLength(4);
    expect((await receivedIds()).sort()).toEqual(claimed.map((e) => e.eventId).sort());
    expect((await stateOf('order-0')).attempts).toBe(2);
  });

  it('never resends an event Pinterest processed, even when its settle outlasts the lease', async () => {
    await enqueue(orders(2));
    let failures = 4;
    const stubborn = new Proxy(store, {
      get(target, name, receiver) {
        if (name === 'settle' && failures > 0) {
          return () => {
            failures--;
            return Promise.reject(new Error('SQLITE_IOERR: disk I/O error'));
          };
        }

        const value: unknown = Reflect.get(target, name, receiver);
        return typeof value === 'function'
          ? (value as (...args: unknown[]) => unknown).bind(target)
          : value;
      },
    });
    const worker = startWorker({ store: stubborn, leaseMs: 600 });
    const seen = record(worker);

    await untilDelivered(2, 10_000);

    expect(await calls()).toHaveLength(1);
    expect(seen.error.filter((e) => e.operation === 'settle')).toHaveLength(4);
  });

  it('gives claimed events back untouched when stop cancels the call in flight', async () => {
    await enqueue(orders(3));
    await injectFault({ timeout: true });
    const worker = startWorker();
    await vi.waitFor(() => {
      expect(worker.accountStatus()[0]?.inFlight).toBe(1);
    });

    await worker.stop({ timeoutMs: 50 });

    expect(await stateOf('order-0')).toMatchObject({ state: 'pending', attempts: 0 });
    expect((await store.stats()).byState.in_flight).toBe(0);
  });

  it('finishes the call in flight before stop resolves', async () => {
    await enqueue(orders(3));
    await injectFault({ latencyMs: 300, calls: 1 });
    const worker = startWorker();
    await vi.waitFor(() => {
      expect(worker.accountStatus()[0]?.inFlight).toBe(1);
    });

    await worker.stop({ timeoutMs: 10_000 });

    expect(await delivered()).toBe(3);
  });
});
