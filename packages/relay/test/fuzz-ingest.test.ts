/**
 * Fuzzing `POST /v1/events` and `POST /v1/checkout` with fast-check, over real HTTP against a
 * relay built by `createRelay` (delivery not started, so the SQLite file holds exactly what
 * ingest stored). Bodies are well-formed, wrong-typed and hostile: nested thousands deep, larger
 * than the body limit, invalid UTF-8 inside strings, `__proto__` and `constructor` keys, 1,001
 * items. Every answer is checked: never a 5xx, each rejection names a field and a rule, and the
 * store grows by exactly the items acknowledged, so a refused request stores nothing and a mixed
 * one stores only its accepted items. The seed is fixed, so a failure replays exactly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEFAULT_AD_ACCOUNT_ID, DEFAULT_CONVERSION_TOKEN } from '@pinterest-capi/sandbox';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log-events.js';
import { createRelay } from '../src/relay.js';
import type { Relay } from '../src/relay.js';
import {
  FUZZ_SEED,
  expectIngestAnswer,
  expectStoredExactly,
  hostileIngestBodies,
  ingestBodies,
  prototypePolluted,
  rawCheckout,
  rawEvent,
} from './support/fuzz-inputs.js';
import type { ItemResult } from './support/fuzz-inputs.js';

const KEY = 'fuzz-ingest-key-7d21e0';
/** Runs per property, sized so that this file stays well under 20 s on a two-core machine. */
const RUNS = { wellFormed: 300, hostile: 100 };

let dir: string;
let relay: Relay;
let url: string;
/** Every event id any request got stored, so a later rejection of the same id is expected. */
const storedIds = new Set<string>();
/** What the properties met, to show they exercised every outcome and not only the easy one. */
const seen = { accepted: 0, rejected: 0, mixed: 0, refused: 0, hostile: new Set<string>() };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capi-fuzz-ingest-'));
  const env = {
    PINTEREST_ACCESS_TOKEN: DEFAULT_CONVERSION_TOKEN,
    PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID,
    // Nothing listens there; delivery is never started in this file.
    PINTEREST_API_BASE_URL: 'http://127.0.0.1:9/v5',
    RELAY_API_KEYS: KEY,
    DATABASE_URL: `file:${join(dir, 'queue.sqlite')}`,
    HOST: '127.0.0.1',
  };
  const config = await loadConfig({ env, cwd: dir, port: 0 });
  relay = await createRelay({ config, logger: createLogger({ level: 'silent' }) });
  url = await relay.app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await relay.close();
  await rm(dir, { recursive: true, force: true });
});

async function storedCount(): Promise<number> {
  const { byState } = await relay.store.stats();
  return Object.values(byState).reduce((sum, count) => sum + count, 0);
}

/** Posts the bytes as sent; the answer's status and parsed body. */
async function post(
  path: string,
  body: string | Buffer,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, body: await response.json() };
}

/**
 * Sends one body and checks everything a caller relies on: the answer's shape, and that the store
 * grew by exactly the accepted items and holds every acknowledged one.
 */
async function sendAndCheck(path: string, body: string | Buffer): Promise<ItemResult[]> {
  const before = await storedCount();
  const answer = await post(path, body);
  const results = expectIngestAnswer(answer.status, answer.body);
  const accepted = results.filter((result) => result.status === 'accepted').length;

  expect(await storedCount(), 'events stored by this request').toBe(before + accepted);
  await expectStoredExactly({
    store: relay.store,
    adAccountId: DEFAULT_AD_ACCOUNT_ID,
    results,
    storedBefore: storedIds,
  });
  expect(prototypePolluted()).toBe(false);

  for (const result of results) {
    if (result.status !== 'rejected' && result.event_id !== null) storedIds.add(result.event_id);
  }

  const rejected = results.length - results.filter((r) => r.status !== 'rejected').length;
  if (results.length === 0) seen.refused++;
  if (accepted > 0) seen.accepted++;
  if (rejected > 0) seen.rejected++;
  if (accepted > 0 && rejected > 0) seen.mixed++;
  return results;
}

const ROUTES = [
  {
    path: '/v1/events',
    item: rawEvent,
    // Where a hostile value goes: top-level fields and the nested ones the SDK reads.
    slots: [
      ['event_name'],
      ['event_id'],
      ['event_time'],
      ['user_data'],
      ['user_data', 'em'],
      ['user_data', 'ph'],
      ['custom_data'],
      ['custom_data', 'contents'],
      ['custom_data', 'value'],
    ],
  },
  {
    path: '/v1/checkout',
    item: rawCheckout,
    slots: [['order_id'], ['value'], ['email'], ['phone'], ['items'], ['event_id'], ['currency']],
  },
] as const;

describe.each(ROUTES)('fuzzing POST $path', ({ path, item, slots }) => {
  it('answers any body, well-formed or wrong-typed, without a 5xx and stores exactly what it acknowledged', async () => {
    await fc.assert(
      fc.asyncProperty(ingestBodies(item), async (body) => {
        await sendAndCheck(path, body);
      }),
      { seed: FUZZ_SEED, numRuns: RUNS.wellFormed },
    );
  }, 30_000);

  it('survives hostile bodies (deep, huge, invalid UTF-8, prototype keys, 1,001 items) and stores nothing half-way', async () => {
    await fc.assert(
      fc.asyncProperty(hostileIngestBodies(item, slots), async ({ body, hostile }) => {
        seen.hostile.add(hostile);
        await sendAndCheck(path, body);
      }),
      { seed: FUZZ_SEED, numRuns: RUNS.hostile },
    );
  }, 30_000);
});

describe('the fuzzing itself', () => {
  it('met accepted, rejected, mixed and refused requests and every kind of hostile value', () => {
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.rejected).toBeGreaterThan(0);
    expect(seen.mixed).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
    expect([...seen.hostile].sort()).toEqual(
      ['deep', 'huge', 'invalid-utf8', 'numbers', 'poison', 'too-many', 'wide'].sort(),
    );
  });
});
