/**
 * Ingest end to end over real HTTP: a fastify server on 127.0.0.1 with the ingest routes, a
 * GroupCommitter and a SqliteStore on a temporary file, as `pinterest-capi serve` wires them.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

import { createApiKeyResolver } from '../src/ingest/api-keys.js';
import type { IngestResponse } from '../src/ingest/batch.js';
import type { IngestErrorBody } from '../src/ingest/errors.js';
import { INGEST_BODY_LIMIT, ingestRoutes } from '../src/ingest/routes.js';
import type { IngestTenant } from '../src/ingest/routes.js';
import { GroupCommitter } from '../src/queue/group-commit.js';
import { SqliteStore } from '../src/queue/sqlite-store.js';

const NOW = Date.UTC(2026, 0, 15, 12);
const KEY = 'relay-key-http-test-9b41c2e8d7';
const TENANT: IngestTenant = { name: 'shop', adAccountId: '549755885175', prepare: {} };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let dir: string;
let relayCount = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capi-ingest-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Relay {
  url: string;
  path: string;
  store: SqliteStore;
  committer: GroupCommitter;
  accepting: boolean;
}

async function startRelay(): Promise<Relay> {
  relayCount += 1;
  const path = join(dir, `relay-${relayCount}.db`);
  const store = SqliteStore.open({ path });
  const committer = new GroupCommitter(store);
  const app = Fastify();
  const relay: Relay = { url: '', path, store, committer, accepting: true };
  await app.register(
    ingestRoutes({
      authenticate: createApiKeyResolver([{ key: KEY, tenant: TENANT }]),
      enqueue: (events) => committer.enqueue(events),
      now: () => NOW,
      isAccepting: () => relay.accepting,
    }),
  );
  relay.url = await app.listen({ port: 0, host: '127.0.0.1' });
  onTestFinished(async () => {
    await app.close();
    await store.close();
  });
  return relay;
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function post(
  relay: Relay,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${relay.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const results = (answer: Answer) => (answer.body as IngestResponse).results;
const errorCode = (answer: Answer) => (answer.body as IngestErrorBody).error.code;

function event(eventId: string, email = 'buyer@example.com') {
  return {
    event_name: 'checkout',
    event_id: eventId,
    event_time: NOW / 1000 - 60,
    user_data: { em: email, client_ip_address: '203.0.113.7', client_user_agent: 'Mozilla/5.0' },
    custom_data: { value: 72.39, currency: 'USD' },
  };
}

describe('POST /v1/events over HTTP', () => {
  it('acknowledges an event only once it can be read back from the store', async () => {
    const relay = await startRelay();

    const answer = await post(relay, '/v1/events', { data: [event('e-1')] });

    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: 0,
      results: [{ index: 0, event_id: 'e-1', status: 'accepted' }],
    });
    expect(await relay.store.get(TENANT.adAccountId, 'e-1')).toMatchObject({
      eventName: 'checkout',
      source: 'events',
      state: 'pending',
      receivedAt: NOW,
    });
  });

  it('answers duplicate when the same event is posted again', async () => {
    const relay = await startRelay();
    await post(relay, '/v1/events', event('e-1'));

    const again = await post(relay, '/v1/events', event('e-1'));

    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 1, rejected: 0 });
    expect((await relay.store.stats()).byState.pending).toBe(1);
  });

  it('stores the good of a mixed batch and names index, path and rule of the bad', async () => {
    const relay = await startRelay();
    const badValue = { ...event('e-2'), custom_data: { value: 'lots', currency: 'USD' } };

    const answer = await post(relay, '/v1/events', [event('e-1'), badValue, event('e-3')]);

    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ accepted: 2, rejected: 1 });
    expect(results(answer)[1]).toMatchObject({ index: 1, event_id: 'e-2', status: 'rejected' });
    expect(results(answer)[1]?.issues).toContainEqual(
      expect.objectContaining({ path: 'event.custom_data.value', rule: 'decimal_string' }),
    );
    expect(await relay.store.get(TENANT.adAccountId, 'e-3')).toBeDefined();
    expect(await relay.store.get(TENANT.adAccountId, 'e-2')).toBeUndefined();
  });

  it('answers 422 when every event is rejected', async () => {
    const relay = await startRelay();

    const answer = await post(relay, '/v1/events', [{ ...event('e-1'), event_time: 'yesterday' }]);

    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ accepted: 0, duplicates: 0, rejected: 1 });
    expect(results(answer)[0]?.issues?.[0]).toMatchObject({ path: 'event.event_time' });
  });

  it('refuses a missing key and an unknown key with 401', async () => {
    const relay = await startRelay();

    const missing = await fetch(`${relay.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event('e-1')),
    });
    const unknown = await post(relay, '/v1/events', event('e-1'), { authorization: 'Bearer nope' });

    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(unknown.status).toBe(401);
    expect(errorCode(unknown)).toBe('RELAY_ERR_INVALID_API_KEY');
    expect(await relay.store.get(TENANT.adAccountId, 'e-1')).toBeUndefined();
  });

  it('answers 415 for a body that is not labelled JSON', async () => {
    const relay = await startRelay();

    const answer = await post(relay, '/v1/events', JSON.stringify(event('e-1')), {
      'content-type': 'text/plain',
    });

    expect(answer.status).toBe(415);
    expect(errorCode(answer)).toBe('RELAY_ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 400 for malformed JSON', async () => {
    const relay = await startRelay();

    const answer = await post(relay, '/v1/events', '{"data": [');

    expect(answer.status).toBe(400);
    expect(errorCode(answer)).toBe('RELAY_ERR_MALFORMED_JSON');
  });

  it('answers 413 for a body over the byte limit', async () => {
    const relay = await startRelay();
    const body = JSON.stringify({ ...event('e-1'), padding: 'x'.repeat(INGEST_BODY_LIMIT) });

    const answer = await post(relay, '/v1/events', body);

    expect(answer.status).toBe(413);
    expect(errorCode(answer)).toBe('RELAY_ERR_BODY_TOO_LARGE');
  });

  it('refuses 1,001 events with 413 and stores none of them', async () => {
    const relay = await startRelay();
    const events = Array.from({ length: 1001 }, (_, index) => event(`e-${index}`));

    const answer = await post(relay, '/v1/events', { data: events });

    expect(answer.status).toBe(413);
    expect(errorCode(answer)).toBe('RELAY_ERR_TOO_MANY_EVENTS');
    expect((await relay.store.stats()).byState.pending).toBe(0);
  });
});

describe('POST /v1/checkout over HTTP', () => {
  const checkout = {
    order_id: 'A-1001',
    value: '72.39',
    currency: 'USD',
    email: 'buyer@example.com',
    items: [{ id: 'sku-1', price: 72.39, quantity: 1 }],
  };

  it('stores a single checkout as a checkout event', async () => {
    const relay = await startRelay();

    const answer = await post(relay, '/v1/checkout', checkout);

    expect(answer.status).toBe(202);
    expect(results(answer)).toEqual([
      { index: 0, event_id: 'order-A-1001-checkout', status: 'accepted' },
    ]);
    expect(await relay.store.get(TENANT.adAccountId, 'order-A-1001-checkout')).toMatchObject({
      eventName: 'checkout',
      source: 'checkout',
    });
  });

  it('stores an array of checkouts, one event per order', async () => {
    const relay = await startRelay();
    const orders = [checkout, { ...checkout, order_id: 'A-1002' }, { ...checkout, order_id: 3 }];

    const answer = await post(relay, '/v1/checkout', orders);

    expect(answer.body).toMatchObject({ accepted: 3, rejected: 0 });
    expect((await relay.store.stats()).byState.pending).toBe(3);
  });
});

describe('durability and privacy', () => {
  it('keeps raw emails and phones off the disk, where only their SHA-256 is', async () => {
    const relay = await startRelay();
    const raw = { ...event('e-1', 'Raw.Person@Example.org') };
    raw.user_data = { ...raw.user_data, ...{ ph: '+1 (415) 555-2671' } };

    await post(relay, '/v1/events', raw);
    await post(relay, '/v1/checkout', {
      order_id: 9,
      value: 5,
      email: 'Checkout.Buyer@Example.org',
    });
    expect(relay.store.checkpoint()).toBe(true);
    const wal = `${relay.path}-wal`;
    const files = [relay.path, ...(existsSync(wal) ? [wal] : [])];
    const bytes = (await Promise.all(files.map((file) => readFile(file, 'latin1')))).join('');

    expect(bytes.toLowerCase()).not.toContain('raw.person@example.org');
    expect(bytes.toLowerCase()).not.toContain('checkout.buyer@example.org');
    expect(bytes).not.toContain('4155552671');
    expect(bytes).toContain(sha256('raw.person@example.org'));
    expect(bytes).toContain(sha256('checkout.buyer@example.org'));
    expect(bytes).toContain(sha256('14155552671'));
  });

  it('acknowledges and stores 50 concurrent requests in fewer commits than requests', async () => {
    const relay = await startRelay();
    const ids = Array.from({ length: 50 }, (_, index) => `c-${index}`);
    // Open the 50 connections first, as a busy relay has them, so the requests below reach the
    // server together instead of one per new connection.
    await Promise.all(ids.map(() => post(relay, '/v1/events', {}, { authorization: 'Bearer no' })));

    const answers = await Promise.all(ids.map((id) => post(relay, '/v1/events', event(id))));

    expect(answers.map((answer) => answer.status)).toEqual(ids.map(() => 202));
    expect(answers.every((answer) => results(answer)[0]?.status === 'accepted')).toBe(true);
    const stored = await Promise.all(ids.map((id) => relay.store.get(TENANT.adAccountId, id)));
    expect(stored.every((record) => record?.state === 'pending')).toBe(true);
    expect(relay.committer.eventsCommitted).toBe(50);
    expect(relay.committer.commits).toBeLessThan(50);
  });

  it('answers 503 with Retry-After while the relay is not accepting', async () => {
    const relay = await startRelay();
    relay.accepting = false;

    const answer = await post(relay, '/v1/events', event('e-1'));

    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(errorCode(answer)).toBe('RELAY_ERR_SHUTTING_DOWN');
    expect(relay.committer.commits).toBe(0);
  });

  it('answers 503 and acknowledges nothing when the store fails', async () => {
    const relay = await startRelay();
    await relay.store.close();

    const answer = await post(relay, '/v1/events', [event('e-1'), event('e-2')]);

    expect(answer.status).toBe(503);
    expect(errorCode(answer)).toBe('RELAY_ERR_STORE_UNAVAILABLE');
    expect(answer.body).not.toHaveProperty('results');
    const reopened = SqliteStore.open({ path: relay.path });
    onTestFinished(() => reopened.close());
    expect(await reopened.get(TENANT.adAccountId, 'e-1')).toBeUndefined();
  });
});
