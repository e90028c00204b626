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
import {
  clearFaults,
  getJson,
  injectFault,
  makeCheckouts,
  postCheckouts,
  sandboxCalls,
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
/**
 * The relay's call timeout is half its lease: 2 s. The other half is how long the event loop may
 * stall before a call's expired lease lets its events be claimed again while its answer waits.
 */
const LEASE_MS = 4000;
/** Longer than the relay's timeout: processed after the relay gave up on the answer. */
const HELD_MS = 2500;
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

/**
 * The stretch of bad weather; the first terminal fault drawn decides each call, and every fault
 * counts every call. So the first four calls are 429s, the fifth is dropped and the sixth and
 * seventh are 500s whatever the random faults after them draw (a latency fault drawn on both
 * would leave them unanswered; the random 500s cover that case). The statuses the test expects
 * do not hang on chance.
 */
async function injectStretch(): Promise<void> {
  const during = { durationMs: STRETCH_MS };
  await injectFault(sandbox.url, { status: 429, calls: 4, retryAfterSeconds: 1 });
  await injectFault(sandbox.url, { drop: true, calls: 5 });
  await injectFault(sandbox.url, { status: 500, calls: 7 });
  await injectFault(sandbox.url, { status: 500, rate: 0.3, ...during });
  await injectFault(sandbox.url, { timeout: true, rate: 0.08, ...during });
  await injectFault(sandbox.url, { drop: true, rate: 0.08, ...during });
  await injectFault(sandbox.url, { latencyMs: HELD_MS, rate: 0.08, ...during });
}

/**
 * Posts the checkouts spread over most of the stretch; returns the acknowledged event ids.
 * `callsSeen` counts the calls that reached the sandbox.
 */
async function ingestDuringStretch(url: string, callsSeen: () => number): Promise<string[]> {
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

    // A second burst of 429s a quarter in (listed after the others, it decides only the calls no
    // earlier fault does); midway, a few calls are certain to be processed after the relay gave
    // up on them.
    if (r === REQUESTS / 4) {
      await injectFault(sandbox.url, { status: 429, calls: 3, retryAfterSeconds: 1 });
    }

    if (r === REQUESTS / 2) {
      // Not before the forced faults are drawn: held past the timeout, their calls would go
      // unanswered instead of answering 500.
      await waitFor('the first seven calls', () => (callsSeen() >= 7 ? true : undefined), {
        timeoutMs: 60_000,
      });
      await injectFault(sandbox.url, { latencyMs: HELD_MS, calls: 6 });
    }

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
  it('delivers every acknowledged event, never resends one it settled and keeps to the budget', async () => {
    relay = await createRelay({
      config: await soakConfig(),
      logger: createLogger({ level: 'silent' }),
      shutdownTimeoutMs: 2000,
    });
    const callStarts: number[] = [];
    relay.worker.on('batch', (batch) => callStarts.push(Date.now() - batch.durationMs));
    // When the relay settled each event as delivered, and any it settled twice.
    const settledAt = new Map<string, number>();
    const settledTwice: string[] = [];
    relay.worker.on('delivered', (report) => {
      for (const { eventId } of report.events) {
        if (settledAt.has(eventId)) settledTwice.push(eventId);
        settledAt.set(eventId, report.at);
      }
    });
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

    const acknowledged = await ingestDuringStretch(url, () => arrivals.length);
    // Until every fault has run out: the stretch's time, and the calls the counted ones need.
    const stretchEnded = async () => {
      const body = await getJson<{ faults: unknown[] }>(`${sandbox.url}/__sandbox/faults`);
      return body.faults.length === 0 ? true : undefined;
    };

    await waitFor('the stretch to end', stretchEnded, { timeoutMs: 60_000 });
    await clearFaults(sandbox.url);
    const running = relay;
    await waitFor('the queue to drain', () => drained(running), { timeoutMs: 100_000 });
    const processings = await sandboxEvents(sandbox.url);
    const calls = await sandboxCalls(sandbox.url);
    const { byState } = await relay.store.stats();
    const statuses = new Set(calls.map((call) => call.status));

    expect(acknowledged).toHaveLength(TOTAL);
    expect(byState.dead).toBe(0);
    expect(byState.delivered).toBe(TOTAL);
    expect(new Set(processings.map((p) => p.event.event_id))).toEqual(new Set(acknowledged));
    // Processed again only where the sandbox's answer never reached the relay.
    expect(processings.length).toBeGreaterThan(TOTAL);
    expect(settledAt.size).toBe(TOTAL);
    expect(settledTwice).toEqual([]);
    expect(findResends(processings, settledAt)).toEqual([]);
    expect([...statuses]).toEqual(expect.arrayContaining([0, 429, 500]));
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

  it('flags an event processed again after the relay settled it, and nothing else', () => {
    const epoch = (ms: number) => Date.parse(at(ms));
    const processings = [
      processing('settled-then-resent', 0),
      processing('settled-then-resent', 5000),
      // The relay gave up on the first call and settled the event only after the second.
      processing('unheard-then-resent', 1000),
      processing('unheard-then-resent', 6000),
      processing('never-settled', 2000),
    ];
    const settledAt = new Map([
      ['settled-then-resent', epoch(40)],
      ['unheard-then-resent', epoch(6040)],
    ]);

    expect(findResends(processings, settledAt)).toEqual([
      { eventId: 'settled-then-resent', processings: [at(0), at(5000)] },
    ]);
  });

  it('counts the busiest rolling window, with instants a full window apart in different ones', () => {
    expect(busiestWindow([0, 10, 59_999, 60_000, 60_010], WINDOW_MS)).toBe(3);
    expect(busiestWindow([], WINDOW_MS)).toBe(0);
  });
});
