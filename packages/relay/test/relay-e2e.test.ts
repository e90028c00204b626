/**
 * The relay end to end, as a merchant runs it: the built `pinterest-capi serve` bin in its own
 * process (or `createRelay` in-process for the ops endpoints), real HTTP on 127.0.0.1, real SQLite
 * files in temporary directories, and a sandbox this file starts standing in for Pinterest.
 * The bin is `dist/cli/main.js`: `npm test` builds it first; after changing sources outside
 * `npm test`, run `npm run build`.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CONVERSION_TOKEN,
  startSandbox,
} from '@pinterest-capi/sandbox';
import type { RunningSandbox } from '@pinterest-capi/sandbox';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { main } from '../src/cli/run.js';
import { SANDBOX_API_KEY, loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log-events.js';
import { createRelay } from '../src/relay.js';
import type { Relay } from '../src/relay.js';
import {
  clearFaults,
  getEventState,
  getJson,
  injectFault,
  makeCheckout,
  makeCheckouts,
  metricValue,
  postCheckouts,
  sandboxCalls,
  sandboxEvents,
  waitFor,
  waitForEventState,
} from './support/relay-http.js';
import { captureIo } from './support/cli-io.js';
import { killRelayProcesses, runRelayCommand, startRelayProcess } from './support/relay-process.js';

const KEY = 'relay-e2e-key-5f0c9a1b';
const TENANT_B_ACCOUNT = '123456789012';
const TENANT_B_TOKEN = 'pina_tenant_b_conversion_token';
/** The sandbox refuses events older than this, so a 2-hour-old checkout dies there, not at ingest. */
const SANDBOX_MAX_EVENT_AGE_SECONDS = 3600;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let sandbox: RunningSandbox;
let dirs: string[] = [];
let relays: Relay[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    config: {
      adAccounts: [{ id: TENANT_B_ACCOUNT, name: 'Tenant B', currency: 'GBP', country: 'GB' }],
      tokens: [{ token: TENANT_B_TOKEN, kind: 'conversion', adAccountIds: [TENANT_B_ACCOUNT] }],
      maxEventAgeSeconds: SANDBOX_MAX_EVENT_AGE_SECONDS,
    },
  });
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(async () => {
  await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
});

afterEach(async () => {
  await killRelayProcesses();
  await Promise.all(relays.map((relay) => relay.close()));
  relays = [];
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  dirs = [];
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'capi-relay-e2e-'));
  dirs.push(dir);
  return dir;
}

/** The environment of a live relay with one ad account: the sandbox's default one. */
function liveEnv(dir: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PINTEREST_ACCESS_TOKEN: DEFAULT_CONVERSION_TOKEN,
    PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID,
    PINTEREST_API_BASE_URL: sandbox.apiBaseUrl,
    RELAY_API_KEYS: KEY,
    DATABASE_URL: `file:${join(dir, 'queue.sqlite')}`,
    HOST: '127.0.0.1',
    ...overrides,
  };
}

/** A relay in this process, listening on 127.0.0.1, closed after the test. */
async function startInProcess(
  env: Record<string, string>,
  options: { configPath?: string } = {},
): Promise<{ relay: Relay; url: string }> {
  const dir = await tempDir();
  const config = await loadConfig({ env, cwd: dir, port: 0, configPath: options.configPath });
  const relay = await createRelay({ config, logger: createLogger({ level: 'silent' }) });
  relays.push(relay);
  return { relay, url: await relay.listen() };
}

async function metricsText(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** Waits until the relay has claimed a batch and not settled it yet. */
async function waitForBatchInFlight(url: string): Promise<void> {
  await waitFor('a batch in flight', async () => {
    const text = await metricsText(url);
    const inFlight = metricValue(text, 'pinterest_capi_queue_events', 'state="in_flight"');
    return inFlight !== undefined && inFlight > 0 ? true : undefined;
  });
}

describe('pinterest-capi serve', () => {
  it('runs in sandbox mode without credentials, says so loudly and delivers a checkout', async () => {
    const cwd = await tempDir();

    const relay = await startRelayProcess({ cwd });
    const answer = await postCheckouts(relay.url, SANDBOX_API_KEY, makeCheckout('sandbox-1'));
    const delivered = await waitForEventState(relay.url, 'sandbox-1', {
      apiKey: SANDBOX_API_KEY,
      state: 'delivered',
    });
    const ready = await getJson(`${relay.url}/readyz`);
    const exit = await relay.stop();

    expect(relay.stderr()).toContain('SANDBOX MODE');
    const warning = relay.logs().find((line) => line.msg.startsWith('SANDBOX MODE'));
    expect(warning?.level).toBe(40);
    expect(relay.logs().find((line) => line.msg === 'relay listening')?.['mode']).toBe('sandbox');
    expect(answer.status).toBe(202);
    expect(answer.body.accepted).toBe(1);
    expect(delivered['pinterest']).toMatchObject({ status: 'processed' });
    expect(ready).toMatchObject({ status: 'ready', mode: 'sandbox', credentials: 'sandbox' });
    expect(existsSync(join(cwd, 'data', 'pinterest-capi.sqlite'))).toBe(true);
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('refuses to start in production without credentials and names both variables', async () => {
    const cwd = await tempDir();

    const result = await runRelayCommand({
      cwd,
      args: ['serve', '--port', '0'],
      env: { NODE_ENV: 'production' },
    });

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('PINTEREST_ACCESS_TOKEN');
    expect(result.stderr).toContain('PINTEREST_AD_ACCOUNT_ID');
    expect(result.stdout).not.toContain('relay listening');
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });

  it('refuses to start with credentials but no RELAY_API_KEYS, without echoing the token', async () => {
    const cwd = await tempDir();
    const token = 'pina_production_token_never_echoed';

    const result = await runRelayCommand({
      cwd,
      args: ['serve', '--port', '0'],
      env: {
        NODE_ENV: 'production',
        PINTEREST_ACCESS_TOKEN: token,
        PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID,
      },
    });

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('RELAY_API_KEYS');
    expect(result.stderr + result.stdout).not.toContain(token);
  });

  it('refuses a --port that is not a decimal port number, as a usage error', async () => {
    const answers: [number, string][] = [];

    for (const port of ['0x50', '1e3', '65536']) {
      const io = captureIo({ env: {} });
      answers.push([await main(['serve', '--port', port], io), io.stderr()]);
    }

    const refusal = 'pinterest-capi: --port must be an integer from 0 to 65535\n';
    expect(answers).toEqual([
      [2, refusal],
      [2, refusal],
      [2, refusal],
    ]);
  });

  it('delivers 10,000 concurrently posted checkouts in at most 20 calls, each event once', async () => {
    const dir = await tempDir();
    const relay = await startRelayProcess({ cwd: dir, env: liveEnv(dir) });
    const requests = Array.from({ length: 100 }, (_, r) => makeCheckouts(`bulk-${r}`, 100));

    const answers = await Promise.all(requests.map((body) => postCheckouts(relay.url, KEY, body)));
    await waitFor(
      'the sandbox to receive 10,000 events',
      async () => {
        const calls = await sandboxCalls(sandbox.url);
        const received = calls.reduce((sum, call) => sum + call.num_events, 0);
        return received >= 10_000 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const calls = await sandboxCalls(sandbox.url);
    const ids = (await sandboxEvents(sandbox.url)).map((recorded) => recorded.event.event_id);

    expect(answers.every((answer) => answer.status === 202)).toBe(true);
    expect(answers.reduce((sum, answer) => sum + answer.body.accepted, 0)).toBe(10_000);
    expect(calls.length).toBeLessThanOrEqual(20);
    expect(calls.every((call) => call.status === 200)).toBe(true);
    expect(ids).toHaveLength(10_000);
    expect(new Set(ids).size).toBe(10_000);
  }, 90_000);

  it('keeps raw emails, phones and names out of its database, its WAL and its logs', async () => {
    const cwd = await tempDir();
    const dataDir = join(cwd, 'data');
    const env = liveEnv(cwd, {
      LOG_LEVEL: 'debug',
      DATABASE_URL: `file:${join(dataDir, 'queue.sqlite')}`,
    });
    const pii = await startRelayProcess({ cwd, env });

    const outcomes = await sendPersonalData(pii.url);
    // Read at once, while the relay runs: the new rows are in the WAL, not yet checkpointed.
    const walAfterIngest = await readWal(dataDir);
    await waitForEventState(pii.url, 'pii-checkout', { apiKey: KEY, state: 'delivered' });
    await waitForEventState(pii.url, 'pii-event', { apiKey: KEY, state: 'delivered' });
    // Once writes pause the relay checkpoints and truncates the WAL, purging delivered IPs.
    await waitFor('the idle checkpoint', async () =>
      (await readWal(dataDir)).length === 0 ? true : undefined,
    );
    const deliveredWhileRunning = await readDatabaseFiles(dataDir);
    const exit = await pii.stop();
    const database = await readDatabaseFiles(join(cwd, 'data'));
    const logs = pii.stdout() + pii.stderr();

    expect(outcomes).toEqual(['checkout 202 accepted 1 rejected 1', 'event 202', 'malformed 400']);
    expect(exit.code).toBe(0);
    // The WAL read did hold the stored events: their hashed identifiers are there.
    expect(walAfterIngest).toContain(sha256('quintessa.marblewood@example.com'));
    expect(walAfterIngest).toContain(sha256('ophelia.grindlethorpe@example.org'));
    for (const secret of PERSONAL_DATA) {
      const needle = secret.toLowerCase();
      expect(walAfterIngest.includes(needle), `WAL holds ${secret}`).toBe(false);
      expect(deliveredWhileRunning.includes(needle), `running database holds ${secret}`).toBe(
        false,
      );
      expect(database.includes(needle), `database holds ${secret}`).toBe(false);
      expect(logs.toLowerCase().includes(needle), `logs hold ${secret}`).toBe(false);
    }

    // The raw IP and user agent are Pinterest fields sent unhashed, kept only until delivery.
    expect(walAfterIngest).toContain('203.0.113.7');
    expect(deliveredWhileRunning).not.toContain('203.0.113.7');
    expect(database).not.toContain('203.0.113.7');
    expect(database).not.toContain('pii-rejected');
    expect(database).toContain(sha256('quintessa.marblewood@example.com'));
    expect(database).toContain(sha256('16465550187'));
    expect(database).toContain(sha256('ophelia.grindlethorpe@example.org'));
  });

  it('stops intake on SIGTERM, finishes the batch in flight, and a restart delivers the rest', async () => {
    const dir = await tempDir();
    const configPath = await writeRelayConfig(dir, { delivery: { concurrency: 1 } });
    const args = ['--port', '0', '--config', configPath];
    const env = { SHOP_TOKEN: DEFAULT_CONVERSION_TOKEN };
    await injectFault(sandbox.url, { latencyMs: 1500 });
    const first = await startRelayProcess({ cwd: dir, args, env });
    const answers = await Promise.all(
      [0, 1, 2].map((r) => postCheckouts(first.url, KEY, makeCheckouts(`term-${r}`, 1000))),
    );
    await waitForBatchInFlight(first.url);

    first.child.kill('SIGTERM');
    await first.waitForLog('relay stopping');
    const during = await postCheckouts(first.url, KEY, makeCheckout('term-late')).then(
      (answer) => answer.status,
      () => 'connection refused',
    );
    const firstExit = await first.exited;
    const deliveredBeforeRestart = (await sandboxEvents(sandbox.url)).length;
    await clearFaults(sandbox.url);
    const second = await startRelayProcess({ cwd: dir, args, env });
    await waitFor('the rest to be delivered', async () =>
      (await sandboxEvents(sandbox.url)).length >= 3000 ? true : undefined,
    );
    const secondExit = await second.stop();
    const ids = (await sandboxEvents(sandbox.url)).map((recorded) => recorded.event.event_id);

    expect(answers.map((answer) => answer.body.accepted)).toEqual([1000, 1000, 1000]);
    expect([503, 'connection refused']).toContain(during);
    expect(firstExit).toEqual({ code: 0, signal: null });
    expect(deliveredBeforeRestart).toBeGreaterThan(0);
    expect(deliveredBeforeRestart).toBeLessThan(3000);
    expect(ids).toHaveLength(3000);
    expect(new Set(ids).size).toBe(3000);
    expect(ids).not.toContain('term-late');
    expect(secondExit).toEqual({ code: 0, signal: null });
  }, 60_000);
});

/** Distinctive raw identifiers (and their normalized forms) that must never be stored or logged. */
const PERSONAL_DATA = [
  'Quintessa.Marblewood@Example.com',
  'quintessa.marblewood@example.com',
  '+1 (646) 555-0187',
  '6465550187',
  'Zebedaiah',
  'Frostwhistle',
  'Ophelia.Grindlethorpe@Example.org',
  '+44 20 7946 0137',
  '2079460137',
  'Barnabus.Quillfeather@example.net',
  'Cornelius.Wobblesworth@example.net',
];

/** Posts the identifiers above through each ingest path: checkout, raw event, rejected, malformed. */
async function sendPersonalData(relayUrl: string): Promise<string[]> {
  const checkout = makeCheckout('pii-checkout', {
    email: '  Quintessa.Marblewood@Example.com ',
    phone: '+1 (646) 555-0187',
    first_name: 'Zebedaiah',
    last_name: 'Frostwhistle',
  });
  const rejected = makeCheckout('pii-rejected', {
    email: 'Barnabus.Quillfeather@example.net',
    value: 'not a number',
  });
  const event = {
    event_name: 'checkout',
    action_source: 'web',
    event_time: Math.floor(Date.now() / 1000) - 5,
    event_id: 'pii-event',
    user_data: { em: ['Ophelia.Grindlethorpe@Example.org'], ph: ['+44 20 7946 0137'] },
    custom_data: { currency: 'GBP', value: '10.00' },
  };
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

  const checkouts = await postCheckouts(relayUrl, KEY, [checkout, rejected]);
  const raw = await fetch(`${relayUrl}/v1/events`, {
    method: 'POST',
    headers,
    body: JSON.stringify(event),
  });
  const malformed = await fetch(`${relayUrl}/v1/checkout`, {
    method: 'POST',
    headers,
    body: '{"order_id": "pii-broken", "email": Cornelius.Wobblesworth@example.net}',
  });

  return [
    `checkout ${checkouts.status} accepted ${checkouts.body.accepted} rejected ${checkouts.body.rejected}`,
    `event ${raw.status}`,
    `malformed ${malformed.status}`,
  ];
}

/** Every file SQLite keeps for the queue (the database, its -wal and -shm), as one string. */
async function readDatabaseFiles(dataDir: string): Promise<string> {
  const names = await readdir(dataDir);
  const contents = await Promise.all(names.map((name) => readFile(join(dataDir, name))));
  expect(names.some((name) => name.endsWith('.sqlite'))).toBe(true);
  // latin1 keeps every byte, so an ASCII needle matches wherever its bytes are.
  return contents
    .map((bytes) => bytes.toString('latin1'))
    .join('\n')
    .toLowerCase();
}

/** The queue's write-ahead log (`queue.sqlite-wal`) as it is on disk now, lowercased. */
async function readWal(dataDir: string): Promise<string> {
  const bytes = await readFile(join(dataDir, 'queue.sqlite-wal'));
  return bytes.toString('latin1').toLowerCase();
}

/** A config file with one tenant on the sandbox's default account; its token comes from env. */
async function writeRelayConfig(dir: string, extra: Record<string, unknown> = {}): Promise<string> {
  const path = join(dir, 'pinterest-capi.config.json');
  const config = {
    host: '127.0.0.1',
    apiBaseUrl: sandbox.apiBaseUrl,
    databaseUrl: `file:${join(dir, 'queue.sqlite')}`,
    tenants: [
      {
        name: 'shop',
        adAccountId: DEFAULT_AD_ACCOUNT_ID,
        accessToken: '${SHOP_TOKEN}',
        apiKeys: [KEY],
      },
    ],
    ...extra,
  };
  await writeFile(path, JSON.stringify(config));
  return path;
}

describe('relay ops endpoints', () => {
  it('describes a delivered event with Pinterest answer and an unknown event_id as 404', async () => {
    const { url } = await startInProcess(liveEnv(await tempDir()));

    await postCheckouts(url, KEY, makeCheckout('ops-delivered'));
    const delivered = await waitForEventState(url, 'ops-delivered', {
      apiKey: KEY,
      state: 'delivered',
    });
    const unknown = await getEventState(url, 'ops-never-sent', KEY);

    expect(delivered).toMatchObject({
      event_id: 'ops-delivered',
      ad_account_id: DEFAULT_AD_ACCOUNT_ID,
      event_name: 'checkout',
      source: 'checkout',
      attempts: 1,
      pinterest: { status: 'processed' },
    });
    expect(Date.parse(String(delivered['delivered_at']))).not.toBeNaN();
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'RELAY_ERR_EVENT_NOT_FOUND' } });
  });

  it('refuses to describe an event without a valid API key', async () => {
    const { url } = await startInProcess(liveEnv(await tempDir()));
    await postCheckouts(url, KEY, makeCheckout('ops-private'));

    const missing = await getEventState(url, 'ops-private', undefined);
    const wrong = await getEventState(url, 'ops-private', 'not-a-relay-key');

    expect(missing.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(missing.body).toMatchObject({ error: { code: 'RELAY_ERR_MISSING_API_KEY' } });
    expect(wrong.body).toMatchObject({ error: { code: 'RELAY_ERR_INVALID_API_KEY' } });
  });

  it('reports an event Pinterest refused as dead with Pinterest message', async () => {
    const { url } = await startInProcess(liveEnv(await tempDir()));
    const twoHoursAgo = Math.floor(Date.now() / 1000) - 2 * SANDBOX_MAX_EVENT_AGE_SECONDS;

    const answer = await postCheckouts(
      url,
      KEY,
      makeCheckout('ops-too-old', { event_time: twoHoursAgo }),
    );
    const dead = await waitForEventState(url, 'ops-too-old', { apiKey: KEY, state: 'dead' });

    expect(answer.body.accepted).toBe(1);
    expect(dead['last_status']).toBe(422);
    expect(dead['reason']).toContain('event_time is in the past');
  });

  it('reports an event whose call failed with a 503 as retrying, then delivers it', async () => {
    const { url } = await startInProcess(liveEnv(await tempDir()));
    await injectFault(sandbox.url, { status: 503 });

    await postCheckouts(url, KEY, makeCheckout('ops-retrying'));
    const retrying = await waitForEventState(url, 'ops-retrying', {
      apiKey: KEY,
      state: 'retrying',
    });
    await clearFaults(sandbox.url);
    const delivered = await waitForEventState(url, 'ops-retrying', {
      apiKey: KEY,
      state: 'delivered',
    });

    expect(retrying['last_status']).toBe(503);
    expect(Date.parse(String(retrying['next_attempt_at']))).not.toBeNaN();
    expect(delivered['attempts']).toBeGreaterThan(1);
  });

  it('reports degraded readiness with the reason, and keeps events queued, when a token is refused', async () => {
    const env = liveEnv(await tempDir(), { PINTEREST_ACCESS_TOKEN: 'pina_revoked_token' });
    const { url } = await startInProcess(env);

    await postCheckouts(url, KEY, makeCheckout('ops-paused'));
    const ready = await waitFor('the account to pause', async () => {
      const body = await getJson<{ status: string; accounts: unknown[] }>(`${url}/readyz`);
      return body.status === 'degraded' ? body : undefined;
    });
    const queued = await waitForEventState(url, 'ops-paused', { apiKey: KEY, state: 'queued' });

    expect(ready.accounts).toMatchObject([
      {
        adAccountId: DEFAULT_AD_ACCOUNT_ID,
        paused: { reason: expect.stringContaining('Authentication failed') },
      },
    ]);
    expect(queued['attempts']).toBe(0);
    expect(await sandboxEvents(sandbox.url)).toEqual([]);
  });

  it('exposes ingest, queue, batch, upstream, retry, age and delay metrics', async () => {
    const { url } = await startInProcess(liveEnv(await tempDir()));
    await injectFault(sandbox.url, { status: 503, calls: 1 });

    await postCheckouts(url, KEY, [makeCheckout('ops-m1'), makeCheckout('ops-m2')]);
    await postCheckouts(url, KEY, [makeCheckout('ops-m1'), { order_id: 'ops-bad', value: 'x' }]);
    await waitForEventState(url, 'ops-m2', { apiKey: KEY, state: 'delivered' });
    const text = await metricsText(url);
    const value = (name: string, labels?: string) =>
      metricValue(text, `pinterest_capi_${name}`, labels);

    expect(value('ingest_events_total', 'outcome="accepted",source="checkout"')).toBe(2);
    expect(value('ingest_events_total', 'outcome="duplicate",source="checkout"')).toBe(1);
    expect(value('ingest_events_total', 'outcome="rejected",source="checkout"')).toBe(1);
    expect(value('queue_events', 'state="delivered"')).toBe(2);
    expect(value('queue_events', 'state="pending"')).toBe(0);
    expect(value('batch_size_events_count')).toBeGreaterThanOrEqual(2);
    expect(value('upstream_responses_total', 'status="503"')).toBe(1);
    expect(value('upstream_responses_total', 'status="200"')).toBeGreaterThanOrEqual(1);
    expect(value('retries_total')).toBe(1);
    expect(value('oldest_pending_age_seconds')).toBe(0);
    expect(value('event_time_to_delivery_seconds_count')).toBe(2);
    expect(value('ingest_to_delivery_seconds_count')).toBe(2);
  });
});

describe('relay shutdown', () => {
  it('gives a batch Pinterest has not answered back to the queue when the shutdown timeout passes', async () => {
    const dir = await tempDir();
    const config = await loadConfig({ env: liveEnv(dir), cwd: dir, port: 0 });
    const logger = createLogger({ level: 'silent' });
    await injectFault(sandbox.url, { timeout: true });
    const first = await createRelay({ config, logger, shutdownTimeoutMs: 100 });
    const firstUrl = await first.listen();

    await postCheckouts(firstUrl, KEY, makeCheckout('held-at-shutdown'));
    await waitForBatchInFlight(firstUrl);
    await first.close();
    await clearFaults(sandbox.url);
    const second = await createRelay({ config, logger });
    relays.push(second);
    const released = await second.store.get(DEFAULT_AD_ACCOUNT_ID, 'held-at-shutdown');
    const url = await second.listen();
    await waitForEventState(url, 'held-at-shutdown', { apiKey: KEY, state: 'delivered' });

    expect(released).toMatchObject({ state: 'pending', attempts: 0 });
    expect((await sandboxEvents(sandbox.url)).map((recorded) => recorded.event.event_id)).toEqual([
      'held-at-shutdown',
    ]);
  });
});

describe('relay with a multi-tenant config file', () => {
  it('sends each API key events to its own ad account with its own token', async () => {
    const dir = await tempDir();
    const configPath = await writeRelayConfig(dir, {
      tenants: [
        {
          name: 'shop-a',
          adAccountId: DEFAULT_AD_ACCOUNT_ID,
          accessToken: '${A_TOKEN}',
          apiKeys: [KEY],
        },
        {
          name: 'shop-b',
          adAccountId: TENANT_B_ACCOUNT,
          accessToken: '${B_TOKEN}',
          apiKeys: ['${B_KEY}'],
        },
      ],
    });
    const keyB = 'relay-e2e-key-tenant-b-77c1';
    const env = { A_TOKEN: DEFAULT_CONVERSION_TOKEN, B_TOKEN: TENANT_B_TOKEN, B_KEY: keyB };
    const { url } = await startInProcess(env, { configPath });

    await postCheckouts(url, KEY, makeCheckouts('tenant-a', 3));
    await postCheckouts(url, keyB, makeCheckouts('tenant-b', 2));
    await waitFor('both tenants delivered', async () =>
      (await sandboxEvents(sandbox.url)).length >= 5 ? true : undefined,
    );
    const idsOf = async (account: string) =>
      (await sandboxEvents(sandbox.url, account)).map((recorded) => recorded.event.event_id).sort();
    const crossTenant = await getEventState(url, 'tenant-a-0', keyB);

    expect(await idsOf(DEFAULT_AD_ACCOUNT_ID)).toEqual(['tenant-a-0', 'tenant-a-1', 'tenant-a-2']);
    expect(await idsOf(TENANT_B_ACCOUNT)).toEqual(['tenant-b-0', 'tenant-b-1']);
    expect(crossTenant.status).toBe(404);
    expect((await getEventState(url, 'tenant-b-0', keyB)).body['state']).toBe('delivered');
  });
});
