import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startSandbox } from '@pinterest-capi/sandbox';
import { CallPacer, ConversionsClient, sha256Hex } from '@pinterest-capi/sdk';
import type {
  ClientEvents,
  ClientOptions,
  EventInput,
  EventOutcome,
  WireEvent,
} from '@pinterest-capi/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const AD_ACCOUNT = '549755885175';
const TOKEN = 'pina_sandbox_conversion_token';

let sandbox: Awaited<ReturnType<typeof startSandbox>>;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(async () => {
  await control('DELETE', '/__sandbox/faults');
  await control('POST', '/__sandbox/reset');
});

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const init: RequestInit =
    body === undefined
      ? { method }
      : { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  const response = await fetch(`${sandbox.url}${path}`, init);
  expect(response.ok, `${method} ${path} answered ${response.status}`).toBe(true);
  const text = await response.text();
  return text === '' ? undefined : JSON.parse(text);
}

interface RecordedCall {
  ad_account_id: string;
  status: number;
  num_events: number;
}

async function recordedCalls(): Promise<RecordedCall[]> {
  const body = (await control('GET', '/__sandbox/calls')) as { calls: RecordedCall[] };
  return body.calls;
}

async function recordedEvents(): Promise<unknown[]> {
  const body = (await control('GET', '/__sandbox/events')) as { events: unknown[] };
  return body.events;
}

async function injectFault(fault: Record<string, unknown>): Promise<void> {
  await control('POST', '/__sandbox/faults', fault);
}

/** Options for the sandbox with short retry waits, and no pacer: each test picks its own. */
function baseOptions(): ClientOptions {
  return {
    adAccountId: AD_ACCOUNT,
    accessToken: TOKEN,
    baseUrl: sandbox.apiBaseUrl,
    retryBaseMs: 1,
    retryMaxMs: 5,
  };
}

function makeClient(overrides: Partial<ClientOptions> = {}): ConversionsClient {
  return new ConversionsClient({ ...baseOptions(), pacer: new CallPacer(), ...overrides });
}

/** Collects every event a client emits, by name. */
function record(client: ConversionsClient) {
  const seen: { [K in keyof ClientEvents]: ClientEvents[K][0][] } = {
    request: [],
    response: [],
    retry: [],
    error: [],
  };
  client.on('request', (event) => seen.request.push(event));
  client.on('response', (event) => seen.response.push(event));
  client.on('retry', (event) => seen.retry.push(event));
  client.on('error', (event) => seen.error.push(event));
  return seen;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function rawEvent(i: number, overrides: Partial<EventInput> = {}): EventInput {
  return {
    event_name: 'checkout',
    action_source: 'web',
    event_time: nowSeconds() - 60,
    event_id: `order-${i}-checkout`,
    user_data: { em: `buyer${i}@example.com`, client_ip_address: '203.0.113.7' },
    custom_data: { currency: 'USD', value: 19.99, order_id: String(i) },
    ...overrides,
  };
}

function wireEvent(i: number, overrides: Partial<WireEvent> = {}): WireEvent {
  return {
    event_name: 'checkout',
    action_source: 'web',
    event_time: nowSeconds() - 60,
    event_id: `wire-${i}`,
    user_data: { em: [sha256Hex(`buyer${i}@example.com`)] },
    custom_data: { currency: 'USD', value: '19.99' },
    ...overrides,
  };
}

const range = (count: number) => Array.from({ length: count }, (_, i) => i);

function errorOf(outcome: EventOutcome | undefined) {
  if (outcome?.status !== 'not_sent') throw new Error(`expected not_sent, got ${outcome?.status}`);
  return outcome.error;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once `check` holds, polling the event loop; fails the test after a few seconds. */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }

  throw new Error('condition not reached');
}

describe('ConversionsClient against the sandbox', () => {
  it('delivers 2,500 events in exactly three calls of 1,000, 1,000 and 500', async () => {
    const client = makeClient();

    const result = await client.send(range(2500).map((i) => rawEvent(i)));

    expect(result).toMatchObject({ processed: 2500, failed: 0, rejected: 0, notSent: 0, calls: 3 });
    expect(result.outcomes.map((outcome) => outcome.index)).toEqual(range(2500));
    const calls = await recordedCalls();
    expect(calls.map((call) => call.num_events).sort((a, b) => b - a)).toEqual([1000, 1000, 500]);
    expect(calls.every((call) => call.status === 200 && call.ad_account_id === AD_ACCOUNT)).toBe(
      true,
    );
    expect(await recordedEvents()).toHaveLength(2500);
  });

  it('sends hashed user_data, never the raw email', async () => {
    const client = makeClient();

    await client.send([rawEvent(1)]);

    const [stored] = (await recordedEvents()) as { event: WireEvent }[];
    expect(stored?.event.user_data.em).toEqual([sha256Hex('buyer1@example.com')]);
    expect(JSON.stringify(stored)).not.toContain('buyer1@example.com');
  });

  it('reports the event Pinterest rejects with its message, the rest processed, in one call', async () => {
    const client = makeClient();
    const events = range(5).map((i) => wireEvent(i));
    events[2] = wireEvent(2, { user_data: { em: ['not-a-sha256-hex-digest'] } });

    const result = await client.sendPrepared(events);

    expect(result).toMatchObject({ processed: 4, failed: 1, calls: 1 });
    const failed = result.outcomes[2];
    expect(failed).toMatchObject({
      index: 2,
      eventId: 'wire-2',
      status: 'failed',
      error: expect.stringContaining('user_data.em[0]'),
    });
    expect(await recordedCalls()).toHaveLength(1);
    expect(await recordedEvents()).toHaveLength(4);
  });

  it('passes on the reason Pinterest gives for an event_time 30 days old', async () => {
    const client = makeClient();
    const old = wireEvent(1, { event_time: nowSeconds() - 30 * 86_400 });

    const result = await client.sendPrepared([wireEvent(0), old]);

    expect(result.outcomes[0]).toMatchObject({ status: 'processed' });
    expect(result.outcomes[1]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/event_time|timestamp/i),
    });
    expect(result.calls).toBe(1);
  });

  it('rejects an invalid event locally and sends the others', async () => {
    const client = makeClient();
    const events = [rawEvent(0), rawEvent(1, { user_data: {} }), rawEvent(2)];

    const result = await client.send(events);

    expect(result).toMatchObject({ processed: 2, rejected: 1, calls: 1 });
    const rejected = result.outcomes[1];
    expect(rejected).toMatchObject({ index: 1, eventId: 'order-1-checkout', status: 'rejected' });
    expect(rejected?.status === 'rejected' && rejected.issues.length).toBeGreaterThan(0);
    expect((await recordedCalls())[0]?.num_events).toBe(2);
  });

  it('retries two 500s and delivers on the third call', async () => {
    await injectFault({ status: 500, calls: 2 });
    const client = makeClient();
    const seen = record(client);

    const result = await client.send([rawEvent(1), rawEvent(2)]);

    expect(result).toMatchObject({ processed: 2, notSent: 0, calls: 3 });
    expect(seen.retry.map(({ attempt, status, reason }) => ({ attempt, status, reason }))).toEqual([
      { attempt: 1, status: 500, reason: 'server_error' },
      { attempt: 2, status: 500, reason: 'server_error' },
    ]);
    expect(seen.request.map((request) => request.attempt)).toEqual([1, 2, 3]);
    expect(seen.response.map((response) => response.status)).toEqual([500, 500, 200]);
    expect(await recordedEvents()).toHaveLength(2);
  });

  it('waits exactly the Retry-After of a 429 before retrying', async () => {
    // Retry-After: 0 keeps the test fast; without it the backoff would be 9.9 s.
    await injectFault({ status: 429, calls: 1, retryAfterSeconds: 0 });
    const client = makeClient({ retryBaseMs: 10_000, retryMaxMs: 10_000, random: () => 0.99 });
    const seen = record(client);

    const result = await client.sendPrepared([wireEvent(1)]);

    expect(result).toMatchObject({ processed: 1, calls: 2 });
    expect(seen.retry).toEqual([
      {
        adAccountId: AD_ACCOUNT,
        attempt: 1,
        delayMs: 0,
        reason: 'rate_limited',
        status: 429,
        possibleDuplicate: false,
      },
    ]);
  });

  it('gives up on a 401 without retrying and keeps the token out of every message', async () => {
    const token = 'pina_revoked_token_0123456789';
    const client = makeClient({ accessToken: token });
    const seen = record(client);

    const result = await client.sendPrepared([wireEvent(1), wireEvent(2)]);

    expect(result).toMatchObject({ notSent: 2, calls: 1 });
    const error = errorOf(result.outcomes[0]);
    expect(error).toMatchObject({
      name: 'AuthenticationError',
      code: 'CAPI_ERR_API_AUTHENTICATION',
    });
    expect(error.message).toContain(`POST ${sandbox.apiBaseUrl}/ad_accounts/${AD_ACCOUNT}/events`);
    expect(error.message).toContain('(2 events)');
    expect(error.message).not.toContain(token);
    expect(error.requestId).toEqual(expect.any(String));
    expect(seen.retry).toEqual([]);
    expect(seen.error).toHaveLength(1);
    expect(JSON.stringify(seen)).not.toContain(token);
    expect(await recordedCalls()).toHaveLength(1);
  });

  it('gives up on a 403 for an ad account the token cannot reach', async () => {
    const client = makeClient({ adAccountId: '123456789012' });

    const result = await client.sendPrepared([wireEvent(1)]);

    expect(errorOf(result.outcomes[0])).toMatchObject({ code: 'CAPI_ERR_API_PERMISSION' });
    expect(result.calls).toBe(1);
  });

  it('retries a dropped connection as a possible duplicate', async () => {
    await injectFault({ drop: true, calls: 1 });
    const client = makeClient();
    const seen = record(client);

    const result = await client.sendPrepared([wireEvent(1)]);

    expect(result).toMatchObject({ processed: 1, calls: 2 });
    expect(seen.retry).toMatchObject([{ reason: 'network', possibleDuplicate: true }]);
  });

  it('retries a call that gets no answer within timeoutMs', async () => {
    await injectFault({ timeout: true, calls: 1 });
    const client = makeClient({ timeoutMs: 300 });
    const seen = record(client);

    const result = await client.sendPrepared([wireEvent(1)]);

    expect(result).toMatchObject({ processed: 1, calls: 2 });
    expect(seen.retry).toMatchObject([{ attempt: 1, reason: 'timeout', possibleDuplicate: true }]);
  });

  it('reads an answer that arrived while the event loop was busy past timeoutMs', async () => {
    // Once the sandbox has handed its answer to the socket, the loop is kept busy past the
    // client's deadline: both the deadline and the answer are then due in the same turn.
    const busyAfterAnswer = (_request: unknown, response: NodeJS.EventEmitter) => {
      response.once('finish', () => {
        const until = Date.now() + 1500;
        while (Date.now() < until);
      });
    };

    sandbox.app.server.once('request', busyAfterAnswer);
    // A second is ample for the sandbox to answer, however busy the machine running the suite.
    const client = makeClient({ timeoutMs: 1000 });
    const seen = record(client);

    const result = await client.sendPrepared([wireEvent(1)]);

    expect(result).toMatchObject({ processed: 1, calls: 1 });
    expect(seen.retry).toEqual([]);
    expect(await recordedEvents()).toHaveLength(1);
  });

  it('marks a batch not_sent with the last error once attempts run out', async () => {
    await injectFault({ status: 503, calls: 10 });
    const client = makeClient({ maxAttempts: 3 });
    const seen = record(client);

    const result = await client.sendPrepared([wireEvent(1)]);

    expect(result).toMatchObject({ notSent: 1, calls: 3 });
    expect(errorOf(result.outcomes[0])).toMatchObject({
      code: 'CAPI_ERR_API_SERVER',
      statusCode: 503,
    });
    expect(seen.retry).toHaveLength(2);
    expect(seen.error).toMatchObject([{ attempts: 3, events: 1 }]);
  });

  it.each([
    [
      'an explicit pacer',
      () => ({ ...baseOptions(), pacer: new CallPacer({ callsPerMinute: 3 }) }),
    ],
    ['the default pacer of their budget', () => ({ ...baseOptions(), callsPerMinute: 3 })],
  ])('keeps two clients of one ad account within one budget with %s', async (_, options) => {
    const shared = options();
    const first = new ConversionsClient(shared);
    const second = new ConversionsClient(shared);
    const responses = [record(first).response, record(second).response];
    const controller = new AbortController();
    // Two full batches each: four calls against a budget of three.
    const events = range(2000).map((i) => wireEvent(i));
    const send = { signal: controller.signal };

    const sending = Promise.all([
      first.sendPrepared(events, send),
      second.sendPrepared(events, send),
    ]);
    await until(() => responses.flat().length === 3);
    const callsWithinWindow = (await recordedCalls()).length;
    controller.abort();
    const results = await sending;

    expect(callsWithinWindow).toBe(3);
    expect(results.reduce((sum, result) => sum + result.calls, 0)).toBe(3);
    const notSent = results
      .flatMap((result) => result.outcomes)
      .filter((o) => o.status === 'not_sent');
    expect(notSent).toHaveLength(1000);
    expect(errorOf(notSent[0])).toMatchObject({ code: 'CAPI_ERR_ABORTED' });
    expect(await recordedCalls()).toHaveLength(3);
  });

  it('adds ?test=true in test mode and Pinterest records nothing', async () => {
    const urls: string[] = [];
    const client = makeClient({
      test: true,
      fetch: (input, init) => {
        urls.push(input instanceof Request ? input.url : input.toString());
        return fetch(input, init);
      },
    });
    const seen = record(client);

    const result = await client.send([rawEvent(1)]);

    expect(result.processed).toBe(1);
    expect(urls).toEqual([`${sandbox.apiBaseUrl}/ad_accounts/${AD_ACCOUNT}/events?test=true`]);
    expect(seen.request).toMatchObject([{ test: true }]);
    expect(await recordedEvents()).toEqual([]);
  });

  it('lets one send override the client test mode', async () => {
    const client = makeClient({ test: true });

    await client.send([rawEvent(1)], { test: false });

    expect(await recordedEvents()).toHaveLength(1);
  });

  it('makes no call on a dry run and returns the exact bodies a real send POSTs', async () => {
    const client = makeClient({ concurrency: 1 });
    const events = range(1500).map((i) => rawEvent(i));

    const result = await client.send(events, { dryRun: true });

    expect(result.calls).toBe(0);
    expect(result.outcomes.every((outcome) => outcome.status === 'dry_run')).toBe(true);
    expect(result.bodies?.map((body) => body.data.length)).toEqual([1000, 500]);
    expect(await recordedCalls()).toEqual([]);

    await client.send(events);

    const sent = (await recordedEvents()) as { event: WireEvent }[];
    expect(sent.map(({ event }) => event)).toEqual(result.bodies?.flatMap((body) => body.data));
  });

  it('keeps at most concurrency calls in flight', async () => {
    await injectFault({ latencyMs: 50 });
    const client = makeClient({ concurrency: 2 });
    let inFlight = 0;
    let most = 0;
    client.on('request', () => (most = Math.max(most, ++inFlight)));
    client.on('response', () => inFlight--);

    const result = await client.sendPrepared(range(5000).map((i) => wireEvent(i)));

    expect(result).toMatchObject({ processed: 5000, calls: 5 });
    expect(most).toBe(2);
  });

  it('retries a refused connection without flagging a possible duplicate', async () => {
    const baseUrl = `http://127.0.0.1:${await closedPort()}/v5`;
    const client = makeClient({ baseUrl, maxAttempts: 2 });
    const seen = record(client);

    const result = await client.sendPrepared([wireEvent(1)]);

    expect(result).toMatchObject({ notSent: 1, calls: 2 });
    expect(errorOf(result.outcomes[0])).toMatchObject({ code: 'CAPI_ERR_NETWORK' });
    expect(errorOf(result.outcomes[0]).message).toContain('ECONNREFUSED');
    expect(seen.retry).toMatchObject([{ reason: 'network', possibleDuplicate: false }]);
  });

  it('stops a call in flight when the signal aborts and does not retry it', async () => {
    await injectFault({ latencyMs: 5000, calls: 1 });
    const client = makeClient();
    const seen = record(client);
    const controller = new AbortController();
    client.on('request', () => {
      controller.abort();
    });

    const result = await client.sendPrepared([wireEvent(1)], { signal: controller.signal });

    expect(result).toMatchObject({ notSent: 1, calls: 1 });
    expect(errorOf(result.outcomes[0])).toMatchObject({ code: 'CAPI_ERR_ABORTED' });
    expect(seen.retry).toEqual([]);
  });

  it('reports a batch not_sent when a custom pacer fails', async () => {
    const pacer = { acquire: () => Promise.reject(new Error('pacer store unreachable')) };
    const client = makeClient({ pacer });

    const result = await client.sendPrepared([wireEvent(1)]);

    expect(result).toMatchObject({ notSent: 1, calls: 0 });
    expect(errorOf(result.outcomes[0]).message).toContain('pacer store unreachable');
    expect(await recordedCalls()).toEqual([]);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const client = makeClient();

    const result = await client.sendPrepared([wireEvent(1)], { signal: AbortSignal.abort() });

    expect(result).toMatchObject({ notSent: 1, calls: 0 });
    expect(errorOf(result.outcomes[0])).toMatchObject({ code: 'CAPI_ERR_ABORTED' });
    expect(await recordedCalls()).toEqual([]);
  });
});
