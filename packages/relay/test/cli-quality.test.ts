/**
 * `pinterest-capi quality` after checkouts went through a live-mode relay to an in-process
 * sandbox: Pinterest's Event Quality Score (computed by the sandbox from what it received) beside
 * the relay's own figures read from its SQLite store, weak signals marked with their advice.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_CONVERSION_TOKEN,
  startSandbox,
} from '@pinterest-capi/sandbox';
import type { RunningSandbox } from '@pinterest-capi/sandbox';
import { buildCheckoutEvent } from '@pinterest-capi/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { main } from '../src/cli/run.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log-events.js';
import { createRelay } from '../src/relay.js';
import type { Relay } from '../src/relay.js';
import type { QualityReport } from '../src/setup/quality.js';
import { SqliteStore } from '../src/queue/sqlite-store.js';
import { captureIo } from './support/cli-io.js';
import { getEventState, makeCheckout, postCheckouts, waitFor } from './support/relay-http.js';

const API_KEY = 'quality-key';
const HOUR_MS = 3_600_000;

let sandbox: RunningSandbox;
let relay: Relay;
let relayUrl: string;
let dir: string;
let databaseUrl: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'capi-quality-'));
  databaseUrl = `file:${join(dir, 'queue.db')}`;
  env = {
    PINTEREST_API_BASE_URL: sandbox.apiBaseUrl,
    PINTEREST_OAUTH_URL: `${sandbox.url}/oauth/`,
    PINTEREST_CLIENT_ID: DEFAULT_CLIENT_ID,
    PINTEREST_CLIENT_SECRET: DEFAULT_CLIENT_SECRET,
    PINTEREST_CAPI_TOKEN_FILE: join(dir, 'tokens.json'),
    PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID,
    DATABASE_URL: databaseUrl,
  };
  const config = await loadConfig({
    env: { ...env, PINTEREST_ACCESS_TOKEN: DEFAULT_CONVERSION_TOKEN, RELAY_API_KEYS: API_KEY },
    cwd: dir,
    port: 0,
  });
  relay = await createRelay({
    config: { ...config, host: '127.0.0.1', delivery: { ...config.delivery, lingerMs: 10 } },
    logger: createLogger({ level: 'silent' }),
  });
  relayUrl = await relay.listen();
});

afterEach(async () => {
  await relay.close();
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

async function login(): Promise<void> {
  const io = captureIo({ env });
  const running = main(['auth', 'login', '--no-open', '--port', '0', '--timeout', '30'], io);
  await fetch(await waitFor('the URL', () => /^http\S+$/m.exec(io.stdout())?.[0]));
  expect(await running).toBe(0);
}

/**
 * Four checkouts through the relay, all delivered: every one with IP, user agent, order id and
 * value; three with an email; one with a click id; three with an event_id from the page (the
 * fourth gets the relay's `order-<id>-checkout`).
 */
async function sendCheckouts(): Promise<void> {
  const withoutEventId = makeCheckout('q-c', { click_id: 'dj0yJnU9quality' });
  delete withoutEventId.event_id;
  const checkouts = [
    makeCheckout('q-a'),
    makeCheckout('q-b', { email: undefined }),
    withoutEventId,
    makeCheckout('q-d'),
  ];
  expect((await postCheckouts(relayUrl, API_KEY, checkouts)).status).toBe(202);
  await waitFor('the checkouts delivered', async () => {
    const ids = ['q-a', 'q-b', 'order-q-c-checkout', 'q-d'];
    const states = await Promise.all(
      ids.map(async (id) => (await getEventState(relayUrl, id, API_KEY)).body['state']),
    );
    return states.every((state) => state === 'delivered') ? true : undefined;
  });
}

async function quality(args: string[], overrides: NodeJS.ProcessEnv = {}) {
  const io = captureIo({ env: { ...env, ...overrides } });
  const code = await main(['quality', ...args], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('pinterest-capi quality', () => {
  it("puts Pinterest's EQS beside the relay's own figures, per signal", async () => {
    await sendCheckouts();
    await login();

    const { code, stdout } = await quality(['--json', '--window', '24h']);

    expect(code).toBe(0);
    const report = JSON.parse(stdout) as QualityReport;
    expect(report.relay.events).toBe(4);
    expect(report.relay.percent).toEqual({
      email: 75,
      phone: 0,
      ipAndUserAgent: 100,
      clickId: 25,
      externalId: 0,
      orderId: 100,
      value: 100,
      pairedEventId: 75,
    });
    expect(report.eqs['14d']).toEqual({
      sources: [
        expect.objectContaining({
          ingestionSource: 'CONVERSIONS_API',
          sourcePlatform: 'WEB',
          overallStatus: 'GOOD',
        }),
      ],
    });
    const bySignal = new Map(report.signals.map((signal) => [signal.signal, signal]));
    expect(bySignal.get('email')).toMatchObject({
      eqs: { '1d': { checkout: 75 }, '14d': { checkout: 75 } },
      relay: 75,
      weak: true,
    });
    expect(bySignal.get('ipAndUserAgent')).toMatchObject({
      eqs: { '1d': { checkout: 100 }, '14d': { checkout: 100 } },
      weak: false,
    });
    expect(bySignal.get('pairedEventId')).toMatchObject({
      eqs: { '14d': { checkout: 0 } },
      relay: 75,
      weak: true,
    });
    expect(bySignal.get('phone')).toMatchObject({ eqs: { '14d': {} }, relay: 0, weak: true });
  });

  it('prints a table per event type and advice for each weak signal only', async () => {
    await sendCheckouts();
    await login();

    const { code, stdout } = await quality(['--window', '24h']);

    expect(code).toBe(0);
    expect(stdout).toContain(`Event quality, ad account ${DEFAULT_AD_ACCOUNT_ID}`);
    expect(stdout).toContain('relay: 4 events in the last 24h');
    expect(stdout).toMatch(/^ {2}14d {2}CONVERSIONS_API\/WEB GOOD$/m);
    expect(stdout).toMatch(/^checkout +EQS 1d +EQS 14d +relay 24h +target$/m);
    expect(stdout).toMatch(/^ {2}email +75% +75% +75% +80% +weak$/m);
    expect(stdout).toMatch(/^ {2}IP \+ user agent +100% +100% +100% +90%$/m);
    expect(stdout).toMatch(/^ {2}phone +- +- +0% +50% +weak$/m);
    const advice = stdout.slice(stdout.indexOf('Advice:'));
    expect(advice).toContain('- click id (_epik): load the browser helper');
    expect(advice).toContain('- Tag-paired event_id:');
    expect(advice).not.toContain('- IP + user agent');
    expect(advice).not.toContain('- order id');
  });

  it('reads EQS with the app token when nobody logged in', async () => {
    await sendCheckouts();

    const { code, stdout } = await quality(['--json']);

    expect(code).toBe(0);
    const report = JSON.parse(stdout) as QualityReport;
    expect(report.eqs['1d']).toHaveProperty('sources');
  });

  it("still prints the relay's figures when EQS cannot be read, and exits 1 with the fix", async () => {
    await sendCheckouts();

    const { code, stdout, stderr } = await quality(['--json'], {
      PINTEREST_CLIENT_ID: '',
      PINTEREST_CLIENT_SECRET: '',
    });

    expect(code).toBe(1);
    const report = JSON.parse(stdout) as QualityReport;
    expect(report.relay.events).toBe(4);
    expect(report.eqs['1d']).toEqual({ error: expect.stringContaining('auth login') as string });
    expect(stderr).toContain('EQS unreadable: no OAuth token to read EQS with');
  });

  it('counts only the events received in the window', async () => {
    await sendCheckouts();
    await login();
    const store = SqliteStore.open({ path: join(dir, 'queue.db') });
    const event = buildCheckoutEvent({ order_id: 'old', value: 1, email: 'old@example.com' });
    await store.enqueue([
      {
        adAccountId: DEFAULT_AD_ACCOUNT_ID,
        event,
        source: 'checkout',
        receivedAt: Date.now() - 3 * HOUR_MS,
      },
    ]);
    await store.close();

    const [lastHour, lastDay] = await Promise.all(
      ['1h', '24h'].map(async (window) => {
        const { stdout } = await quality(['--json', '--window', window]);
        return JSON.parse(stdout) as QualityReport;
      }),
    );

    expect(lastHour?.relay.events).toBe(4);
    expect(lastHour?.relay.percent.email).toBe(75);
    expect(lastDay?.relay.events).toBe(5);
    expect(lastDay?.relay.percent.email).toBe(80);
  });

  it('refuses a window that is not a duration', async () => {
    const { code, stderr } = await quality(['--window', '2 weeks']);

    expect(code).toBe(2);
    expect(stderr).toContain('--window must be a duration like 30m, 24h or 14d');
  });
});
