import { setTimeout as delay } from 'node:timers/promises';

import { isCapiError } from '@pinterest-capi/sdk';
import type { Pool } from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { PostgresStore } from '../src/queue/postgres-store.js';
import { TEST_DATABASE_URL, adminPool, dropSchema, uniqueSchema } from './support/postgres.js';

const ACCOUNT = '549755885175';
const OTHER_ACCOUNT = '549755885176';

let admin: Pool;

beforeAll(() => {
  admin = adminPool();
});

afterAll(async () => {
  await admin.end();
});

/** Tracks how a set of acquisitions ended. */
function track(promises: Promise<void>[]) {
  const outcome = { granted: 0, aborted: 0, failed: 0 };
  const settled = promises.map((promise) =>
    promise.then(
      () => {
        outcome.granted++;
      },
      (error: unknown) => {
        if (isCapiError(error) && error.code === 'CAPI_ERR_ABORTED') outcome.aborted++;
        else outcome.failed++;
      },
    ),
  );
  return { outcome, all: () => Promise.all(settled) };
}

/** Resolves once `check` holds, looking every 10 ms. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await delay(10);
}

describe('PostgresPacer', () => {
  let schema: string;
  const stores: PostgresStore[] = [];

  async function open(): Promise<PostgresStore> {
    const store = await PostgresStore.open({ connectionString: TEST_DATABASE_URL, schema });
    stores.push(store);
    return store;
  }

  beforeEach(() => {
    schema = uniqueSchema();
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await dropSchema(admin, schema);
  });

  it('lets two relays on one database take exactly the budget between them', async () => {
    const [a, b] = [await open(), await open()];
    const pacers = [a.createPacer({ callsPerMinute: 5 }), b.createPacer({ callsPerMinute: 5 })];
    const callers = Array.from({ length: 12 }, () => new AbortController());

    const calls = track(callers.map((c, i) => pacers[i % 2]!.acquire(ACCOUNT, c.signal)));
    await until(() => calls.outcome.granted === 5);
    // Time for a sixth grant to show, were the budget not shared.
    await delay(300);
    for (const caller of callers) caller.abort();
    await calls.all();

    expect(calls.outcome).toEqual({ granted: 5, aborted: 7, failed: 0 });
    expect(await pacers[0]!.used(ACCOUNT)).toBe(5);
  });

  it('keeps a separate budget per ad account', async () => {
    const pacer = (await open()).createPacer({ callsPerMinute: 1 });

    await pacer.acquire(ACCOUNT);
    await pacer.acquire(OTHER_ACCOUNT);

    expect(await pacer.used(ACCOUNT)).toBe(1);
    expect(await pacer.used(OTHER_ACCOUNT)).toBe(1);
  });

  it('grants a waiting caller once the oldest slot leaves the window', async () => {
    const [a, b] = [await open(), await open()];
    const first = a.createPacer({ callsPerMinute: 2, windowMs: 400 });
    const second = b.createPacer({ callsPerMinute: 2, windowMs: 400 });
    await first.acquire(ACCOUNT);
    await second.acquire(ACCOUNT);

    await second.acquire(ACCOUNT);

    expect(await first.used(ACCOUNT)).toBeLessThanOrEqual(2);
  });

  it('rejects at once when the signal has already aborted, taking no slot', async () => {
    const pacer = (await open()).createPacer({ callsPerMinute: 3 });

    const attempt = pacer.acquire(ACCOUNT, AbortSignal.abort());

    await expect(attempt).rejects.toMatchObject({ code: 'CAPI_ERR_ABORTED' });
    expect(await pacer.used(ACCOUNT)).toBe(0);
  });

  it('serves a caller behind an aborted one in the same process', async () => {
    const pacer = (await open()).createPacer({ callsPerMinute: 1, windowMs: 300 });
    await pacer.acquire(ACCOUNT);
    const gaveUp = new AbortController();

    const waiting = pacer.acquire(ACCOUNT, gaveUp.signal);
    const next = pacer.acquire(ACCOUNT);
    gaveUp.abort();

    await expect(waiting).rejects.toMatchObject({ code: 'CAPI_ERR_ABORTED' });
    await expect(next).resolves.toBeUndefined();
  });

  it('rejects a budget or window that is not a positive integer', async () => {
    const store = await open();

    expect(() => store.createPacer({ callsPerMinute: 0 })).toThrow(/callsPerMinute/);
    expect(() => store.createPacer({ callsPerMinute: 5, windowMs: 1.5 })).toThrow(/windowMs/);
  });
});
