import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_AD_ACCOUNT_ID, startSandbox, type RunningSandbox } from '@pinterest-capi/sandbox';
import { NOW_MS, postJson, request, validEvent } from './support/helpers.js';

const SECOND_ACCOUNT = '549755885199';
const SECOND_TOKEN = 'pina_second_account';

let sandbox: RunningSandbox;
let clock = NOW_MS;
let eventsUrl: string;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    now: () => clock,
    config: {
      callsPerMinute: 5,
      adAccounts: [{ id: SECOND_ACCOUNT, name: 'Second', currency: 'USD', country: 'US' }],
      tokens: [{ token: SECOND_TOKEN, kind: 'conversion', adAccountIds: [SECOND_ACCOUNT] }],
    },
  });
  eventsUrl = `${sandbox.apiBaseUrl}/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/events`;
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(async () => {
  clock = NOW_MS;
  await request(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
});

function sendOne(signal?: AbortSignal) {
  return postJson(eventsUrl, { data: [validEvent()] }, signal ? { signal } : {});
}

function injectFault(fault: Record<string, unknown>) {
  return postJson(`${sandbox.url}/__sandbox/faults`, fault, { token: null });
}

async function callStatuses(): Promise<number[]> {
  const response = await request(`${sandbox.url}/__sandbox/calls`);
  const calls: { status: number }[] = response.body.calls;
  return calls.map((call) => call.status);
}

describe('rate limiting', () => {
  it('answers 429 code 8 with Retry-After once the configured calls per minute are used', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await sendOne()).status);

    const limited = await sendOne();

    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe(8);
    expect(limited.headers.get('retry-after')).toBe('60');
  });

  it('counts calls in a sliding 60-second window', async () => {
    for (let i = 0; i < 5; i += 1) await sendOne();
    clock += 30_000;
    const stillLimited = await sendOne();

    clock += 30_001;
    const allowedAgain = await sendOne();

    expect(stillLimited.status).toBe(429);
    expect(stillLimited.headers.get('retry-after')).toBe('30');
    expect(allowedAgain.status).toBe(200);
  });

  it('keeps a separate window per ad account', async () => {
    for (let i = 0; i < 6; i += 1) await sendOne();
    const secondUrl = `${sandbox.apiBaseUrl}/ad_accounts/${SECOND_ACCOUNT}/events`;

    const response = await postJson(secondUrl, { data: [validEvent()] }, { token: SECOND_TOKEN });

    expect(response.status).toBe(200);
  });
});

describe('ramp-down', () => {
  it('answers 503 code 4197 while ramped down and recovers when switched back', async () => {
    await postJson(`${sandbox.url}/__sandbox/ramp_down`, { on: true }, { token: null });
    const during = await sendOne();

    await postJson(`${sandbox.url}/__sandbox/ramp_down`, { on: false }, { token: null });
    const after = await sendOne();

    expect(during.status).toBe(503);
    expect(during.body.code).toBe(4197);
    expect(after.status).toBe(200);
  });
});

describe('injected faults', () => {
  it('answers 500 for the next two calls at rate 1, then normally', async () => {
    const injected = await injectFault({ status: 500, rate: 1, calls: 2 });

    const statuses = [(await sendOne()).status, (await sendOne()).status];
    const third = await sendOne();

    expect(injected.status).toBe(201);
    expect(statuses).toEqual([500, 500]);
    expect(third.status).toBe(200);
    expect(await callStatuses()).toEqual([500, 500, 200]);
  });

  it('gives a 500 fault the Pinterest error body', async () => {
    await injectFault({ status: 500, calls: 1 });

    const response = await sendOne();

    expect(response.body.code).toBe(12);
    expect(typeof response.body.message).toBe('string');
  });

  it('never fires a fault at rate 0', async () => {
    await injectFault({ status: 500, rate: 0, calls: 3 });

    const statuses = [(await sendOne()).status, (await sendOne()).status];

    expect(statuses).toEqual([200, 200]);
  });

  it('sends the requested Retry-After on an injected 429', async () => {
    await injectFault({ status: 429, calls: 1, retryAfterSeconds: 7 });

    const response = await sendOne();

    expect(response.status).toBe(429);
    expect(response.body.code).toBe(8);
    expect(response.headers.get('retry-after')).toBe('7');
  });

  it('ends a fault after its duration on the sandbox clock', async () => {
    await injectFault({ status: 503, durationMs: 1000 });
    const during = await sendOne();

    clock += 1001;
    const after = await sendOne();

    expect(during.status).toBe(503);
    expect(after.status).toBe(200);
  });

  it('holds a call for the injected latency, longer than a short client timeout', async () => {
    await injectFault({ latencyMs: 60_000, calls: 1 });

    const attempt = sendOne(AbortSignal.timeout(200));

    await expect(attempt).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('logs a call whose client gave up during the latency as unanswered, and still processes it', async () => {
    await injectFault({ latencyMs: 400, calls: 1 });

    const abandoned = sendOne(AbortSignal.timeout(100));

    await expect(abandoned).rejects.toMatchObject({ name: 'TimeoutError' });
    let processed = 0;
    for (let waited = 0; processed === 0 && waited < 5000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      processed = (await request(`${sandbox.url}/__sandbox/events`)).body.events.length;
    }

    expect(processed).toBe(1);
    expect(await callStatuses()).toEqual([0]);
  });

  it('answers normally after a short injected latency', async () => {
    await injectFault({ latencyMs: 20, calls: 1 });

    const response = await sendOne(AbortSignal.timeout(10_000));

    expect(response.status).toBe(200);
  });

  it('applies several active faults together: latency and then a status', async () => {
    await injectFault({ latencyMs: 10, calls: 1 });
    await injectFault({ status: 502, calls: 1 });

    const response = await sendOne(AbortSignal.timeout(10_000));

    expect(response.status).toBe(502);
  });

  it('destroys the connection on a drop fault, so fetch rejects', async () => {
    await injectFault({ drop: true, calls: 1 });

    const dropped = sendOne();

    await expect(dropped).rejects.toThrow(TypeError);
    expect((await sendOne()).status).toBe(200);
    expect(await callStatuses()).toEqual([0, 200]);
  });

  it('never answers on a timeout fault until the client gives up', async () => {
    await injectFault({ timeout: true, calls: 1 });

    const held = sendOne(AbortSignal.timeout(300));

    await expect(held).rejects.toMatchObject({ name: 'TimeoutError' });
    expect((await sendOne()).status).toBe(200);
  });

  it('lists active faults and clears them all on DELETE', async () => {
    await injectFault({ status: 500 });
    await injectFault({ status: 503, calls: 4 });
    const listed = await request(`${sandbox.url}/__sandbox/faults`);

    await request(`${sandbox.url}/__sandbox/faults`, { method: 'DELETE' });

    expect(listed.body.faults).toHaveLength(2);
    expect(listed.body.faults[1]).toMatchObject({ status: 503, remaining_calls: 4 });
    expect((await sendOne()).status).toBe(200);
  });

  it('rejects a fault that does nothing or has a bad field', async () => {
    const empty = await injectFault({ rate: 0.5 });
    const badStatus = await injectFault({ status: 200 });
    const unknown = await injectFault({ status: 500, delay: 5 });

    expect(empty.status).toBe(400);
    expect(badStatus.status).toBe(400);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain('delay');
  });

  it('clears faults and ramp-down on reset', async () => {
    await injectFault({ status: 500 });
    await postJson(`${sandbox.url}/__sandbox/ramp_down`, { on: true }, { token: null });

    await request(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });

    expect((await sendOne()).status).toBe(200);
  });
});
