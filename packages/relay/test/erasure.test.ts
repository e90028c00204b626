/**
 * `POST /v1/erasure` end to end: a relay in this process with two tenants, real HTTP on 127.0.0.1,
 * a sandbox standing in for Pinterest, and a real SQLite file (then a PostgreSQL schema) whose raw
 * contents are read afterwards: no trace of the person's hashes may be left in them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startSandbox } from '@pinterest-capi/sandbox';
import type { RunningSandbox } from '@pinterest-capi/sandbox';
import { sha256Hex } from '@pinterest-capi/sdk';
import Database from 'better-sqlite3';
import { escapeIdentifier } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log-events.js';
import { createRelay } from '../src/relay.js';
import type { Relay } from '../src/relay.js';
import { adminPool, dropSchema, uniqueSchema, urlWithSchema } from './support/postgres.js';
import {
  getEventState,
  makeCheckout,
  postCheckouts,
  waitForEventState,
} from './support/relay-http.js';

const SHOP = { name: 'shop-a', account: '549755885175', key: 'relay-erasure-key-shop-a' };
const BRAND = { name: 'brand-b', account: '123456789012', key: 'relay-erasure-key-brand-b' };
const BRAND_TOKEN = 'pina_erasure_brand_token';
const SHOP_TOKEN = 'pina_erasure_shop_token';

const ERASED_EMAIL = 'Erase.Me@Example.com';
const ERASED_HASH = sha256Hex('erase.me@example.com');
const KEPT_EMAIL = 'keep.me@example.com';
const KEPT_HASH = sha256Hex(KEPT_EMAIL);

let sandbox: RunningSandbox;
let dir: string;
let relays: Relay[] = [];
let count = 0;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    config: {
      adAccounts: [
        { id: SHOP.account, name: 'Shop', currency: 'USD', country: 'US' },
        { id: BRAND.account, name: 'Brand', currency: 'USD', country: 'US' },
      ],
      tokens: [
        { token: SHOP_TOKEN, kind: 'conversion', adAccountIds: [SHOP.account] },
        { token: BRAND_TOKEN, kind: 'conversion', adAccountIds: [BRAND.account] },
      ],
    },
  });
  dir = await mkdtemp(join(tmpdir(), 'capi-erasure-'));
});

afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await Promise.all(relays.map((relay) => relay.close()));
  relays = [];
});

/** A relay with the two tenants, on the given database. */
async function startRelay(databaseUrl: string): Promise<{ url: string; relay: Relay }> {
  const configPath = join(dir, `config-${++count}.json`);
  const tenant = (t: typeof SHOP, token: string) => ({
    name: t.name,
    adAccountId: t.account,
    accessToken: token,
    apiKeys: [t.key],
  });
  await writeFile(
    configPath,
    JSON.stringify({
      databaseUrl,
      apiBaseUrl: sandbox.apiBaseUrl,
      tenants: [tenant(SHOP, SHOP_TOKEN), tenant(BRAND, BRAND_TOKEN)],
    }),
  );
  const config = await loadConfig({ env: {}, cwd: dir, port: 0, configPath });
  const relay = await createRelay({ config, logger: createLogger({ level: 'silent' }) });
  relays.push(relay);
  return { url: await relay.listen(), relay };
}

async function erase(url: string, body: unknown, key: string | null = SHOP.key) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  const response = await fetch(`${url}/v1/erasure`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Every byte of the SQLite database: the main file, and its WAL and shared memory if any. */
function databaseBytes(path: string): Buffer {
  const files = [path, `${path}-wal`, `${path}-shm`].filter((file) => existsSync(file));
  return Buffer.concat(files.map((file) => readFileSync(file)));
}

/** Two checkouts of the erased person (one delivered, one suppressed) and one of another. */
async function seed(url: string): Promise<void> {
  await postCheckouts(url, SHOP.key, [
    makeCheckout('erase-delivered', { email: ERASED_EMAIL }),
    makeCheckout('erase-suppressed', { email: ERASED_EMAIL, consent: 'denied' }),
    makeCheckout('keep-shop', { email: KEPT_EMAIL }),
  ]);
  await postCheckouts(url, BRAND.key, makeCheckout('erase-other-tenant', { email: ERASED_EMAIL }));
  await waitForEventState(url, 'erase-delivered', { apiKey: SHOP.key, state: 'delivered' });
}

describe('POST /v1/erasure', () => {
  it('refuses a request without a valid relay API key with 401, erasing nothing', async () => {
    const path = join(dir, 'unauthorized.sqlite');
    const { url } = await startRelay(`file:${path}`);
    await postCheckouts(url, SHOP.key, makeCheckout('unauth-kept', { email: ERASED_EMAIL }));

    const missing = await erase(url, { email: ERASED_EMAIL }, null);
    const wrong = await erase(url, { email: ERASED_EMAIL }, 'not-a-relay-key');

    expect(missing).toMatchObject({
      status: 401,
      body: { error: { code: 'RELAY_ERR_MISSING_API_KEY' } },
    });
    expect(wrong).toMatchObject({
      status: 401,
      body: { error: { code: 'RELAY_ERR_INVALID_API_KEY' } },
    });
    expect((await getEventState(url, 'unauth-kept', SHOP.key)).status).toBe(200);
  });

  it.each([
    [{}, '(body)', 'required'],
    [{ mail: ERASED_EMAIL }, 'mail', 'unknown_field'],
    [{ email: 42 }, 'email', 'type'],
    [['shopper@example.com'], '(body)', 'type'],
  ])('answers 400 naming the field and rule for %j', async (body, path, rule) => {
    const { url } = await startRelay(`file:${join(dir, `bad-${++count}.sqlite`)}`);

    const answer = await erase(url, body);

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'RELAY_ERR_INVALID_ERASURE' } });
    const issues = (answer.body['error'] as { issues: { path: string; rule: string }[] }).issues;
    expect(issues[0]?.path.startsWith(path)).toBe(true);
    expect(issues[0]?.rule).toBe(rule);
  });

  it('never echoes the identifier in a 400 answer', async () => {
    const { url } = await startRelay(`file:${join(dir, 'echo.sqlite')}`);

    const answer = await erase(url, { email: 'not an email at all' });

    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).not.toContain('not an email at all');
    expect(JSON.stringify(answer.body)).toContain('email');
  });

  it("erases every event of the person in the key's own ad account and answers how many", async () => {
    const path = join(dir, 'erase.sqlite');
    const { url, relay } = await startRelay(`file:${path}`);
    await seed(url);

    const answer = await erase(url, { email: ERASED_EMAIL });
    const again = await erase(url, { email: ERASED_EMAIL });

    expect(answer).toEqual({ status: 200, body: { erased: 2 } });
    expect(again).toEqual({ status: 200, body: { erased: 0 } });
    expect((await getEventState(url, 'erase-delivered', SHOP.key)).status).toBe(404);
    expect((await getEventState(url, 'erase-suppressed', SHOP.key)).status).toBe(404);
    expect((await getEventState(url, 'keep-shop', SHOP.key)).status).toBe(200);
    expect((await getEventState(url, 'erase-other-tenant', BRAND.key)).status).toBe(200);
    await relay.close();
    relays = [];
  });

  it('leaves no trace of the hash in the SQLite files, and an audit row without it', async () => {
    const path = join(dir, 'bytes.sqlite');
    const { url, relay } = await startRelay(`file:${path}`);
    await seed(url);
    const before = databaseBytes(path).toString('latin1');

    await erase(url, { email: ERASED_EMAIL });
    await erase(url, { email: ERASED_EMAIL }, BRAND.key);
    await relay.close();
    relays = [];

    expect(before).toContain(ERASED_HASH);
    const after = databaseBytes(path).toString('latin1');
    expect(after).not.toContain(ERASED_HASH);
    expect(after.toLowerCase()).not.toContain('erase.me@example.com');
    expect(after).toContain(KEPT_HASH);
    const db = new Database(path, { readonly: true });
    const audit = db.prepare('SELECT * FROM erasures ORDER BY id').all();
    db.close();
    expect(audit).toEqual([
      expect.objectContaining({
        requester: `api:${SHOP.name}`,
        ad_account_id: SHOP.account,
        identifier_kinds: 'em',
        deleted: 2,
      }),
      expect.objectContaining({
        requester: `api:${BRAND.name}`,
        ad_account_id: BRAND.account,
        deleted: 1,
      }),
    ]);
    expect(JSON.stringify(audit)).not.toContain(ERASED_HASH);
  });

  it('erases by phone and external id with the hashing ingest uses', async () => {
    const { url } = await startRelay(`file:${join(dir, 'phone.sqlite')}`);
    await postCheckouts(url, SHOP.key, [
      makeCheckout('by-phone', { phone: '+1 (415) 555-0134' }),
      makeCheckout('by-external-id', { external_id: 'customer-7' }),
    ]);

    const byPhone = await erase(url, { phone: '+14155550134' });
    const byExternalId = await erase(url, { external_id: ['customer-7'] });

    expect(byPhone.body).toEqual({ erased: 1 });
    expect(byExternalId.body).toEqual({ erased: 1 });
  });
});

describe('POST /v1/erasure on PostgreSQL', () => {
  it('leaves no row holding the hash in the events table, and an audit row without it', async () => {
    const schema = uniqueSchema();
    const pool = adminPool();
    try {
      const { url, relay } = await startRelay(urlWithSchema(schema));
      await seed(url);

      const answer = await erase(url, { email: ERASED_EMAIL });
      const otherTenant = await erase(url, { email: ERASED_EMAIL }, BRAND.key);
      await relay.close();
      relays = [];

      expect(answer.body).toEqual({ erased: 2 });
      expect(otherTenant.body).toEqual({ erased: 1 });
      const table = (name: string) => `${escapeIdentifier(schema)}.${name}`;
      const events = await pool.query<{ row: string }>(
        `SELECT e::text AS row FROM ${table('events')} e`,
      );
      const rows = events.rows.map(({ row }) => row).join('\n');
      expect(rows).not.toContain(ERASED_HASH);
      expect(rows).toContain(KEPT_HASH);
      expect(events.rows).toHaveLength(1);
      const audit = await pool.query(`SELECT * FROM ${table('erasures')} ORDER BY id`);
      expect(audit.rows).toEqual([
        expect.objectContaining({
          requester: `api:${SHOP.name}`,
          identifier_kinds: 'em',
          deleted: 2,
        }),
        expect.objectContaining({
          requester: `api:${BRAND.name}`,
          identifier_kinds: 'em',
          deleted: 1,
        }),
      ]);
      expect(JSON.stringify(audit.rows)).not.toContain(ERASED_HASH);
    } finally {
      await dropSchema(pool, schema);
      await pool.end();
    }
  });
});
