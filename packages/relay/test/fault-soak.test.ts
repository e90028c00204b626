/**
 * A fault soak: an in-process relay delivering to a sandbox that, for a stretch, answers 30% of
 * calls with 500, two bursts with 429 and `Retry-After`, holds some calls past the relay's
 * timeout, drops connections, and answers some only after the relay gave up (processed,
 * unanswered). Then the sandbox recovers and the relay drains. The call budget is smaller than
 * the calls the soak needs, so the relay has to wait for the rolling minute: the test takes a
 * little over a minute. Real HTTP, a real SQLite file, real clocks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CONVERSION_TOKEN,
  startSandbox,
} from '@pinterest-capi/sandbox';
import type { RunningSandbox } from '@pinterest-capi/sandbox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config/config.js';
import type { RelayConfig } from '../src/config/config.js';
import { createLogger } from '../src/log-events.js';
import { createRelay } from '../src/relay.js';
import type { Relay } from '../src/relay.js';
import { busiestWindow, findResends } from './support/delivery-audit.js';
import type { RecordedCall } from './support/delivery-audit.js';
import {
  clearFaults,
  getJson,
  injectFault,
  makeCheckouts,
  postCheckouts,
  sandboxEvents,
  waitFor,
} from './support/relay-http.js';

const KEY = 'fault-soak-key-2c81';
/**
 * The ad account's calls per rolling minute, for the relay and the sandbox alike. Lower than the
 * calls the soak needs, so the relay must hold calls back until the oldest leaves the window:
 * the test lasts a little over a minute, and the budget assertions below can fail.
 */
const BUDGET = 20;
const WINDOW_MS = 60_000;
/** The relay's call timeout is half its lease: 1 s. */
const LEASE_MS = 2000;
const STRETCH_MS = 8000;
const REQUESTS = 100;
const PER_REQUEST = 30;
const TOTAL = REQUESTS * PER_REQUEST;

let sandbox: RunningSandbox;
let dir: string;
let relay: Relay | undefined;

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0, config: { callsPerMinute: BUDGET } });
  dir = await mkdtemp(join(tmpdir(), 'capi-fault-soak-'));
});

afterEach(async () => {
  await relay?.close();
  relay = undefined;
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

async function soakConfig(): Promise<RelayConfig> {
  const env = {
    PINTEREST_ACCESS_TOKEN: DEFAULT_CONVERSION_TOKEN,
    PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID,
    PINTEREST_API_BASE_URL: sandbox.apiBaseUrl,
    RELAY_API_KEYS: KEY,
    DATABASE_URL: `file:${join(dir, 'queue.sqlite')}`,
    HOST: '127.0.0.1',
  };
  const config = await loadConfig({ env, cwd: dir, port: 0 });
  return {
    ...config,
    delivery: { ...config.delivery, lingerMs: 20, leaseMs: LEASE_MS, concurrency: 4 },
    tenants: config.tenants.map((tenant) => ({ ...tenant, callsPerMinute: BUDGET })),
  };
}

/** The stretch of bad weather; the first terminal fault drawn decides each call. */
async function injectStretch(): Promise<void> {
  const during = { durationMs: STRETCH_MS };
  await injectFault(sandbox.url, { status: 429, calls: 4, retryAfterSeconds: 1 });
  await injectFault(sandbox.url, { status: 500, rate: 0.3, ...during });
  await injectFault(sandbox.url, { timeout: true, rate: 0.08, ...during });
  await injectFault(sandbox.url, { drop: true, rate: 0.08, ...during });
  // Longer than the relay's 1 s timeout: processed after the relay gave up on the answer.
  await injectFault(sandbox.url, { latencyMs: 1500, rate: 0.08, ...during });
}

/** Posts the checkouts spread over most of the stretch; returns the acknowledged event ids. */
async function ingestDuringStretch(url: string): Promise<string[]> {
  const acknowledged: string[] = [];
  const pause = Math.floor((STRETCH_MS * 0.8) / REQUESTS);
  for (let r = 0; r < REQUESTS; r++) {
    const answer = await postCheckouts(url, KEY, makeCheckouts(`soak-${r}`, PER_REQUEST));
    expect(answer.status).toBe(202);
    for (const result of answer.body.results) {
      if (result.status === 'accepted' && result.event_id !== null) {
        acknowledged.push(result.event_id);
      }
    }

    // A second burst of 429s a quarter in; midway, a few calls are certain to be processed after
    // the relay gave up on them.
    if (r === REQUESTS / 4) {
      await injectFault(sandbox.url, { status: 429, calls: 3, retryAfterSeconds: 1 });
    }

    if (r === REQUESTS / 2) await injectFault(sandbox.url, { latencyMs: 1500, calls: 6 });
    await sleep(pause);
  }

  return acknowledged;
}

async function drained(running: Relay): Promise<true | undefined> {
  const { byState } = await running.store.stats();
  const open = byState.pending + byState.in_flight + byState.failed;
  return open === 0 ? true : undefined;
}

describe('delivery through a stretch of faults', () => {
  it('delivers every acknowledged event, never resends an answered one and keeps to the budget', async () => {
    relay = await createRelay({
      config: await soakConfig(),
      logger: createLogger({ level: 'silent' }),
      shutdownTimeoutMs: 2000,
    });
    const callStarts: number[] = [];
    relay.worker.on('batch', (batch) => callStarts.push(Date.now() - batch.durationMs));
    // Every call as it reaches the sandbox's HTTP server, including those a fault holds or drops
    // and those the relay gave up on, which the sandbox's own call log leaves out.
    const arrivals: number[] = [];
    sandbox.app.server.on('request', (request: { method?: string; url?: string }) => {
      if (request.method === 'POST' && request.url?.startsWith('/v5/ad_accounts/') === true) {
        arrivals.push(Date.now());
      }
    });
    const url = await relay.listen();
    await injectStretch();

    const acknowledged = await ingestDuringStretch(url);
    await waitFor('the stretch to end', async () => {
      const body = await getJson<{ faults: unknown[] }>(`${sandbox.url}/__sandbox/faults`);
      return body.faults.length === 0 ? true : undefined;
    });
    await clearFaults(sandbox.url);
    const running = relay;
    await waitFor('the queue to drain', () => drained(running), { timeoutMs: 100_000 });
    const processings = await sandboxEvents(sandbox.url);
    const calls = (await getJson<{ calls: RecordedCall[] }>(`${sandbox.url}/__sandbox/calls`))
      .calls;
    const { byState } = await relay.store.stats();
    const statuses = new Set(calls.map((call) => call.status));

    expect(acknowledged).toHaveLength(TOTAL);
    expect(byState.dead).toBe(0);
    expect(byState.delivered).toBe(TOTAL);
    expect(new Set(processings.map((p) => p.event.event_id))).toEqual(new Set(acknowledged));
    // Processed again only where the sandbox's answer never reached the relay.
    expect(processings.length).toBeGreaterThan(TOTAL);
    expect(findResends(processings, calls)).toEqual([]);
    expect([0, 429, 500].every((status) => statuses.has(status))).toBe(true);
    // More calls than one minute allows: the budget bound the relay, so the checks below bite.
    expect(arrivals.length).toBeGreaterThan(BUDGET);
    // Whole minutes, as Pinterest counts them on arrival: the pacer holds each slot a second
    // longer than the minute, for the call to get there (PACER_WINDOW_MS).
    expect(busiestWindow(callStarts, WINDOW_MS)).toBeLessThanOrEqual(BUDGET);
    expect(busiestWindow(arrivals, WINDOW_MS)).toBeLessThanOrEqual(BUDGET);
  }, 150_000);
});

describe('the delivery audit the soak relies on', () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 0, 15, 12) + ms).toISOString();
  const processing = (eventId: string, ms: number) => ({
    received_at: at(ms),
    event: { event_id: eventId },
  });

  it('flags an event processed again after Pinterest answered for it, and nothing else', () => {
    const processings = [
      processing('answered-then-resent', 0),
      processing('answered-then-resent', 5000),
      processing('unanswered-then-resent', 1000),
      processing('unanswered-then-resent', 6000),
    ];
    const calls = [
      { status: 200, received_at: at(0) },
      { status: 0, received_at: at(1000) },
      { status: 200, received_at: at(5000) },
      { status: 200, received_at: at(6000) },
    ];

    expect(findResends(processings, calls)).toEqual([
      { eventId: 'answered-then-resent', processings: [at(0), at(5000)] },
    ]);
  });

  it('counts the busiest rolling window, with instants a full window apart in different ones', () => {
    expect(busiestWindow([0, 10, 59_999, 60_000, 60_010], WINDOW_MS)).toBe(3);
    expect(busiestWindow([], WINDOW_MS)).toBe(0);
  });
});
