import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';

import { GroupCommitter } from '../queue/group-commit.js';
import { SqliteStore } from '../queue/sqlite-store.js';
import { createApiKeyResolver } from './api-keys.js';
import { INGEST_BODY_LIMIT, SHUTDOWN_RETRY_AFTER_SECONDS, ingestRoutes } from './routes.js';
import type { IngestDeps, IngestTenant } from './routes.js';

const NOW = Date.UTC(2026, 0, 15, 12);
const KEY = 'relay-key-shop-a-5c1e7d90b2';
const TENANT: IngestTenant = {
  name: 'shop-a',
  adAccountId: '549755885175',
  prepare: { partnerName: 'ss-acme', defaultCountry: 'US' },
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function event(eventId: string, userData: Record<string, unknown> = { em: 'buyer@example.com' }) {
  return {
    event_name: 'checkout',
    event_id: eventId,
    event_time: NOW / 1000 - 60,
    user_data: userData,
  };
}

interface Harness {
  app: FastifyInstance;
  store: SqliteStore;
  wakes: [string, number][];
  logs: string[];
}

async function startApp(overrides: Partial<IngestDeps> = {}): Promise<Harness> {
  const store = SqliteStore.open({ path: ':memory:' });
  const committer = new GroupCommitter(store);
  const wakes: [string, number][] = [];
  const logs: string[] = [];
  const app = Fastify({ logger: { level: 'trace', stream: { write: (line) => logs.push(line) } } });
  await app.register(
    ingestRoutes({
      authenticate: createApiKeyResolver([{ key: KEY, tenant: TENANT }]),
      enqueue: (events) => committer.enqueue(events),
      onStored: (adAccountId, accepted) => wakes.push([adAccountId, accepted]),
      now: () => NOW,
      ...overrides,
    }),
  );
  onTestFinished(async () => {
    await app.close();
    await store.close();
  });
  return { app, store, wakes, logs };
}

/** Posts `body` (JSON unless a string) with the tenant's key; `undefined` drops a header. */
function post(
  app: FastifyInstance,
  url: string,
  body: unknown,
  headers: Record<string, string | undefined> = {},
) {
  const merged: Record<string, string | undefined> = {
    authorization: `Bearer ${KEY}`,
    'content-type': 'application/json',
    ...headers,
  };
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries(merged)) {
    if (value !== undefined) sent[name] = value;
  }

  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return app.inject({ method: 'POST', url, headers: sent, payload });
}

async function storedEvents(store: SqliteStore) {
  const claim = { adAccountId: TENANT.adAccountId, limit: 100, now: NOW, leaseMs: 1000 };
  return (await store.claim({ ...claim, owner: 'test' })).map((claimed) => claimed.event);
}

describe('POST /v1/events', () => {
  it('stores each event of a data envelope hashed, with the tenant options applied', async () => {
    const { app, store } = await startApp();

    const response = await post(app, '/v1/events', { data: [event('e-1'), event('e-2')] });

    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: 0,
      results: [
        { index: 0, event_id: 'e-1', status: 'accepted' },
        { index: 1, event_id: 'e-2', status: 'accepted' },
      ],
    });
    const [first] = await storedEvents(store);
    expect(first?.user_data.em).toEqual([sha256('buyer@example.com')]);
    expect(first?.partner_name).toBe('ss-acme');
  });

  it('takes a bare array and a single event object as well', async () => {
    const { app, store } = await startApp();

    const array = await post(app, '/v1/events', [event('e-1'), event('e-2')]);
    const single = await post(app, '/v1/events', event('e-3'));

    expect(array.json()).toMatchObject({ accepted: 2 });
    expect(single.json()).toMatchObject({ accepted: 1, results: [{ index: 0, event_id: 'e-3' }] });
    expect(await storedEvents(store)).toHaveLength(3);
  });

  it('records the relay clock as receive time and events as the source', async () => {
    const { app, store } = await startApp();

    await post(app, '/v1/events', event('e-1'));

    expect(await store.get(TENANT.adAccountId, 'e-1')).toMatchObject({
      receivedAt: NOW,
      source: 'events',
      state: 'pending',
    });
  });

  it('answers duplicate for an event_id the store already holds', async () => {
    const { app } = await startApp();
    await post(app, '/v1/events', event('e-1'));

    const again = await post(app, '/v1/events', [event('e-1'), event('e-2')]);

    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({
      accepted: 1,
      duplicates: 1,
      results: [{ status: 'duplicate' }, { status: 'accepted' }],
    });
  });

  it('reports a mixed batch in order with the path and rule of each rejection', async () => {
    const { app, store } = await startApp();
    const bad = { ...event('e-2'), event_name: 'purchase' };

    const response = await post(app, '/v1/events', { data: [event('e-1'), bad, event('e-3')] });

    expect(response.statusCode).toBe(202);
    const body = response.json();
    expect(body).toMatchObject({ accepted: 2, duplicates: 0, rejected: 1 });
    expect(body.results[1]).toEqual({
      index: 1,
      event_id: 'e-2',
      status: 'rejected',
      issues: [expect.objectContaining({ path: 'event.event_name', rule: 'event_name' })],
    });
    expect(await store.get(TENANT.adAccountId, 'e-2')).toBeUndefined();
  });

  it('answers 422 with the per-event body when every event is rejected', async () => {
    const { app, wakes } = await startApp();

    const response = await post(app, '/v1/events', [{ event_id: 'e-1' }]);

    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      accepted: 0,
      rejected: 1,
      results: [{ index: 0, status: 'rejected' }],
    });
    expect(response.json().results[0].issues).toContainEqual(
      expect.objectContaining({ path: 'event.user_data', rule: 'required' }),
    );
    expect(wakes).toEqual([]);
  });

  it('never repeats a rejected identifier in the answer', async () => {
    const { app } = await startApp();
    const userData = { em: 'jane.doe-at-example.com', ph: 'call 555 0199 jane' };

    const response = await post(app, '/v1/events', event('e-1', userData));

    expect(response.statusCode).toBe(422);
    expect(response.body).not.toContain('jane');
    expect(response.body).not.toContain('555');
  });

  it('answers 413 naming the limit for 1,001 events, and stores none of them', async () => {
    const { app, store } = await startApp();
    const events = Array.from({ length: 1001 }, (_, index) => event(`e-${index}`));

    const response = await post(app, '/v1/events', { data: events });

    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('RELAY_ERR_TOO_MANY_EVENTS');
    expect(response.json().error.message).toContain('1000');
    expect(await store.get(TENANT.adAccountId, 'e-0')).toBeUndefined();
  });

  it('takes exactly 1,000 events in one request', async () => {
    const { app } = await startApp();
    const events = Array.from({ length: 1000 }, (_, index) => event(`e-${index}`));

    const response = await post(app, '/v1/events', events);

    expect(response.json()).toMatchObject({ accepted: 1000 });
  });

  it('answers 400 for an empty list or a data field that is not a list', async () => {
    const { app } = await startApp();

    const empty = await post(app, '/v1/events', { data: [] });
    const notList = await post(app, '/v1/events', { data: { event_id: 'e-1' } });

    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('RELAY_ERR_INVALID_BODY');
    expect(notList.statusCode).toBe(400);
  });

  it('acknowledges stored events even when the wake-up listener throws', async () => {
    const { app, store } = await startApp({
      onStored: () => {
        throw new Error('worker gone');
      },
    });

    const response = await post(app, '/v1/events', event('e-1'));

    expect(response.statusCode).toBe(202);
    expect(await store.get(TENANT.adAccountId, 'e-1')).toBeDefined();
  });

  it('reports the counts of every answered request by route', async () => {
    const counts: unknown[] = [];
    const { app } = await startApp({ onResults: (source, found) => counts.push([source, found]) });

    await post(app, '/v1/events', [event('e-1'), { event_id: 'bad' }]);
    await post(app, '/v1/checkout', { order_id: 1 });

    expect(counts).toEqual([
      ['events', { accepted: 1, duplicates: 0, rejected: 1 }],
      ['checkout', { accepted: 0, duplicates: 0, rejected: 1 }],
    ]);
  });

  it('wakes the delivery worker with the count of new events only', async () => {
    const { app, wakes } = await startApp();

    await post(app, '/v1/events', [event('e-1'), event('e-2')]);
    await post(app, '/v1/events', [event('e-1')]);

    expect(wakes).toEqual([[TENANT.adAccountId, 2]]);
  });
});

describe('POST /v1/checkout', () => {
  const checkout = { order_id: 1001, value: '72.39', currency: 'USD', email: 'Buyer@Example.com' };

  it('maps one plain checkout to a stored checkout event', async () => {
    const { app, store } = await startApp();

    const response = await post(app, '/v1/checkout', checkout);

    expect(response.statusCode).toBe(202);
    expect(response.json().results).toEqual([
      { index: 0, event_id: 'order-1001-checkout', status: 'accepted' },
    ]);
    const [stored] = await storedEvents(store);
    expect(stored).toMatchObject({
      event_name: 'checkout',
      custom_data: { value: '72.39', currency: 'USD', order_id: '1001' },
      user_data: { em: [sha256('buyer@example.com')] },
    });
    expect(await store.get(TENANT.adAccountId, 'order-1001-checkout')).toMatchObject({
      source: 'checkout',
    });
  });

  it('takes an array and a data envelope of checkouts', async () => {
    const { app } = await startApp();

    const array = await post(app, '/v1/checkout', [checkout, { ...checkout, order_id: 1002 }]);
    const envelope = await post(app, '/v1/checkout', { data: [{ ...checkout, order_id: 1003 }] });

    expect(array.json()).toMatchObject({ accepted: 2 });
    expect(envelope.json()).toMatchObject({ accepted: 1 });
  });

  it('names the checkout field of a rejection', async () => {
    const { app } = await startApp();

    const response = await post(app, '/v1/checkout', { order_id: 7, value: '1.00' });

    expect(response.statusCode).toBe(422);
    expect(response.json().results[0].issues).toContainEqual(
      expect.objectContaining({ path: 'checkout.email', rule: 'identifier' }),
    );
  });
});

describe('authentication', () => {
  it('answers 401 with a Bearer challenge when no key is sent', async () => {
    const { app } = await startApp();

    const response = await post(app, '/v1/events', event('e-1'), { authorization: undefined });

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="pinterest-capi"');
    expect(response.json().error.code).toBe('RELAY_ERR_MISSING_API_KEY');
  });

  it('answers 401 for credentials of another scheme', async () => {
    const { app } = await startApp();

    const response = await post(app, '/v1/events', event('e-1'), {
      authorization: `Basic ${Buffer.from(`user:${KEY}`).toString('base64')}`,
    });

    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('RELAY_ERR_MISSING_API_KEY');
  });

  it('answers 401 invalid_token for an unknown key, storing nothing', async () => {
    const { app, store } = await startApp();

    const response = await post(app, '/v1/events', event('e-1'), {
      authorization: 'Bearer not-a-relay-key',
    });

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(response.json().error.code).toBe('RELAY_ERR_INVALID_API_KEY');
    expect(await store.get(TENANT.adAccountId, 'e-1')).toBeUndefined();
  });

  it('checks the key before reading the body', async () => {
    const { app } = await startApp();

    const response = await post(app, '/v1/events', '{not json', { authorization: 'Bearer x' });

    expect(response.statusCode).toBe(401);
  });
});

describe('request bodies', () => {
  it('answers 415 for a body that is not JSON', async () => {
    const { app } = await startApp();

    const response = await post(app, '/v1/events', 'event_id=e-1', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    const text = await post(app, '/v1/events', JSON.stringify(event('e-1')), {
      'content-type': 'text/plain',
    });

    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe('RELAY_ERR_UNSUPPORTED_MEDIA_TYPE');
    expect(text.statusCode).toBe(415);
  });

  it('answers 415 for a request without a content type or body', async () => {
    const { app } = await startApp();

    const response = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${KEY}` },
    });

    expect(response.statusCode).toBe(415);
  });

  it('takes application/json with a charset parameter', async () => {
    const { app } = await startApp();

    const response = await post(app, '/v1/events', event('e-1'), {
      'content-type': 'application/json; charset=utf-8',
    });

    expect(response.statusCode).toBe(202);
  });

  it('answers 400 for malformed JSON without repeating any of it', async () => {
    const { app } = await startApp();

    const response = await post(app, '/v1/events', '{"user_data": {"em": "jane@example.com"');

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: { code: 'RELAY_ERR_MALFORMED_JSON', message: 'the body is not valid JSON' },
    });
  });

  it('answers 400 for an empty JSON body', async () => {
    const { app } = await startApp();

    const response = await post(app, '/v1/events', '');

    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('RELAY_ERR_EMPTY_BODY');
  });

  it('answers 413 for a body over the byte limit', async () => {
    const { app } = await startApp();
    const body = JSON.stringify({ ...event('e-1'), padding: 'x'.repeat(INGEST_BODY_LIMIT) });

    const response = await post(app, '/v1/events', body);

    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('RELAY_ERR_BODY_TOO_LARGE');
    expect(response.json().error.message).toContain(String(INGEST_BODY_LIMIT));
  });

  it('answers a JSON scalar as one rejected event that is not an object', async () => {
    const { app } = await startApp();

    const response = await post(app, '/v1/events', '"hello"');

    expect(response.statusCode).toBe(422);
    expect(response.json().results[0].issues).toEqual([
      { path: 'event', rule: 'type', message: 'must be an object' },
    ]);
  });

  it('drops prototype-poisoning keys before anything reads the body', async () => {
    const { app, store } = await startApp();
    const body = JSON.stringify(event('e-1')).replace(
      /^\{/,
      '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}},',
    );

    const response = await post(app, '/v1/events', body);

    expect(response.statusCode).toBe(202);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const [stored] = await storedEvents(store);
    expect(Object.keys(stored!)).not.toContain('constructor');
    expect((stored as unknown as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('leaves the body parsers of routes outside the plugin alone', async () => {
    const { app } = await startApp();
    app.post('/webhooks/echo', (request) => ({ received: request.body }));

    const response = await app.inject({
      method: 'POST',
      url: '/webhooks/echo',
      headers: { 'content-type': 'text/plain' },
      payload: 'raw text',
    });

    expect(response.json()).toEqual({ received: 'raw text' });
  });

  it('logs no part of the body, accepted or refused', async () => {
    const { app, logs } = await startApp();

    await post(app, '/v1/events', event('e-1', { em: 'jane@example.com' }));
    await post(app, '/v1/events', '{"user_data": {"em": "jane@example.com"');

    expect(logs.join('\n')).toContain('RELAY_ERR_MALFORMED_JSON');
    expect(logs.join('\n')).not.toContain('jane');
  });
});

describe('availability', () => {
  it('answers 503 with Retry-After while shutting down, before checking the key', async () => {
    const { app, store } = await startApp({ isAccepting: () => false });

    const response = await post(app, '/v1/events', event('e-1'), { authorization: undefined });

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe(String(SHUTDOWN_RETRY_AFTER_SECONDS));
    expect(response.json().error.code).toBe('RELAY_ERR_SHUTTING_DOWN');
    expect(await store.get(TENANT.adAccountId, 'e-1')).toBeUndefined();
  });

  it('answers 503 and acknowledges nothing when the store fails', async () => {
    const { app, store, wakes, logs } = await startApp();
    await store.close();

    const response = await post(app, '/v1/events', [event('e-1'), event('e-2')]);

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json().error.code).toBe('RELAY_ERR_STORE_UNAVAILABLE');
    expect(response.body).not.toContain('accepted');
    expect(wakes).toEqual([]);
    expect(logs.some((line) => line.includes('"level":50'))).toBe(true);
  });
});
