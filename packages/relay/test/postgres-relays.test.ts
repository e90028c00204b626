/**
 * Two relay processes on one PostgreSQL schema, as a platform team scales out: both take
 * checkouts and deliver to one sandbox, one is SIGKILLed while it holds claimed batches, and the
 * other finishes its work once the dead one's leases end. Needs `npm run build` (the bin) and the
 * test database (see `support/postgres.ts`).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CONVERSION_TOKEN,
  startSandbox,
} from '@pinterest-capi/sandbox';
import type { RunningSandbox } from '@pinterest-capi/sandbox';
import { escapeIdentifier } from 'pg';
import type { Pool } from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { adminPool, dropSchema, uniqueSchema, urlWithSchema } from './support/postgres.js';
import {
  getJson,
  injectFault,
  makeCheckouts,
  postCheckouts,
  sandboxCalls,
  sandboxEvents,
  waitFor,
} from './support/relay-http.js';
import type { Checkout } from './support/relay-http.js';
import { killRelayProcesses, startRelayProcess } from './support/relay-process.js';
import type { RelayProcess } from './support/relay-process.js';

const API_KEY = 'relay-scale-out-key';
/** Calls per minute for the one ad account, shared by both relays. */
const BUDGET = 10;
const LEASE_MS = 4000;
const WINDOW_MS = 60_000;

interface RecordedCall {
  status: number;
  num_events: number;
  received_at: string;
}

let admin: Pool;
let sandbox: RunningSandbox;
let dir: string;
let schema: string;

beforeEach(async () => {
  admin = adminPool();
  sandbox = await startSandbox({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'capi-pg-relays-'));
  schema = uniqueSchema();
});

afterEach(async () => {
  await killRelayProcesses();
  await sandbox.close();
  await dropSchema(admin, schema);
  await admin.end();
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(): Promise<string> {
  const path = join(dir, 'pinterest-capi.config.json');
  const config = {
    databaseUrl: urlWithSchema(schema),
    apiBaseUrl: sandbox.apiBaseUrl,
    host: '127.0.0.1',
    delivery: { lingerMs: 100, concurrency: 4, leaseMs: LEASE_MS },
    tenants: [
      {
        name: 'shop',
        adAccountId: DEFAULT_AD_ACCOUNT_ID,
        accessToken: DEFAULT_CONVERSION_TOKEN,
        apiKeys: [API_KEY],
        callsPerMinute: BUDGET,
      },
    ],
  };
  await writeFile(path, JSON.stringify(config));
  return path;
}

/**
 * Posts checkouts in batches of 10 from `clients` concurrent senders, each pausing `pauseMs`
 * between requests so the load lasts while delivery runs; resolves to the acknowledged ids.
 */
async function load(options: {
  checkouts: Checkout[];
  clients: number;
  pauseMs: number;
  target: (request: number) => RelayProcess;
}): Promise<Set<string>> {
  const acknowledged = new Set<string>();
  const batches: Checkout[][] = [];
  for (let i = 0; i < options.checkouts.length; i += 10) {
    batches.push(options.checkouts.slice(i, i + 10));
  }

  let next = 0;
  const client = async () => {
    while (next < batches.length) {
      const request = next++;
      const batch = batches[request] ?? [];
      await delay(options.pauseMs);
      try {
        const answer = await postCheckouts(options.target(request).url, API_KEY, batch);
        if (answer.status !== 202) continue;
        for (const result of answer.body.results) {
          const stored = result.status === 'accepted' || result.status === 'duplicate';
          if (stored && result.event_id !== null) acknowledged.add(result.event_id);
        }
      } catch {
        // The relay was killed under this request: nothing was acknowledged.
      }
    }
  };

  await Promise.all(Array.from({ length: options.clients }, client));
  return acknowledged;
}

/** Lease owners holding claimed events right now. */
async function owners(): Promise<string[]> {
  const { rows } = await admin.query<{ lease_owner: string }>(
    `SELECT DISTINCT lease_owner FROM ${escapeIdentifier(schema)}.events
     WHERE state = 'in_flight'`,
  );
  return rows.map((row) => row.lease_owner);
}

/** Time from the first call's arrival to the last's. */
function spanMs(calls: RecordedCall[]): number {
  const times = calls.map((call) => Date.parse(call.received_at));
  return Math.max(...times) - Math.min(...times);
}

/** The most calls that arrived within any window of `windowMs`. */
function busiestWindow(calls: RecordedCall[], windowMs: number): number {
  const times = calls.map((call) => Date.parse(call.received_at)).sort((a, b) => a - b);
  let busiest = 0;
  let start = 0;
  times.forEach((time, end) => {
    while (time - (times[start] ?? time) >= windowMs) start++;
    busiest = Math.max(busiest, end - start + 1);
  });
  return busiest;
}

describe('two relays on one PostgreSQL schema', () => {
  it('deliver every acknowledged checkout within the shared call budget when one is killed', async () => {
    const configPath = await writeConfig();
    const start = () =>
      startRelayProcess({ cwd: dir, args: ['--config', configPath, '--port', '0'] });
    // Both start at once, so both run the migrations at once.
    const [survivor, victim] = await Promise.all([start(), start()]);
    // Calls stay in flight long enough for a kill to catch some.
    await injectFault(sandbox.url, { latencyMs: 800, durationMs: 20_000 });
    let killed = false;

    const loading = load({
      checkouts: makeCheckouts('scale', 4000),
      clients: 6,
      pauseMs: 60,
      target: (request) => (killed || request % 2 === 0 ? survivor : victim),
    });
    // Once calls have begun and both relays hold claimed batches: the victim dies holding some,
    // and the slots both took stay in the shared window, so per-process budgets would add up.
    await waitFor(
      'calls under way, then both relays holding claimed batches',
      async () =>
        (await sandboxCalls(sandbox.url)).length >= 2 && (await owners()).length === 2
          ? true
          : undefined,
      { intervalMs: 20 },
    );
    await victim.kill();
    killed = true;
    const acknowledged = await loading;

    const delivered = await waitFor(
      'every acknowledged checkout to reach the sandbox',
      async () => {
        const ids = new Set((await sandboxEvents(sandbox.url)).map((e) => e.event.event_id));
        return [...acknowledged].every((id) => ids.has(id)) ? ids : undefined;
      },
      { timeoutMs: 2 * WINDOW_MS + 15_000, intervalMs: 500 },
    );
    const { calls } = await getJson<{ calls: RecordedCall[] }>(`${sandbox.url}/__sandbox/calls`);
    // Nothing failed (latency stays under the call timeout), so an event claimed twice was one
    // the killed relay held until its lease ended.
    const { rows } = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${escapeIdentifier(schema)}.events WHERE attempts >= 2`,
    );

    expect(acknowledged.size).toBeGreaterThan(1000);
    expect(Number(rows[0]?.n)).toBeGreaterThan(0);
    expect([...acknowledged].filter((id) => !delivered.has(id))).toEqual([]);
    // The budget held calls back into a second window: all would have left in seconds otherwise.
    expect(spanMs(calls)).toBeGreaterThan(WINDOW_MS);
    // Whole minutes, as Pinterest counts calls on arrival (slots are held a second longer).
    expect(busiestWindow(calls, WINDOW_MS)).toBeLessThanOrEqual(BUDGET);
    expect(survivor.child.exitCode).toBeNull();
  }, 180_000);
});
