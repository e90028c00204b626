/**
 * The dashboard on the PostgreSQL store: the dashboard queries contract on a fresh schema per
 * test, a schema upgraded from version 2, and a live relay on a postgres `DATABASE_URL` whose
 * dashboard API answers with the figures of what it delivered to a sandbox.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CONVERSION_TOKEN,
  startSandbox,
} from '@pinterest-capi/sandbox';
import type { RunningSandbox } from '@pinterest-capi/sandbox';
import { escapeIdentifier } from 'pg';
import type { Pool } from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config/config.js';
import type { WindowSummary } from '../src/dashboard/aggregates.js';
import { createLogger } from '../src/log-events.js';
import { POSTGRES_MIGRATIONS } from '../src/queue/postgres-migrations.js';
import { PostgresStore } from '../src/queue/postgres-store.js';
import { createRelay } from '../src/relay.js';
import type { Relay } from '../src/relay.js';
import { describeDashboardQueriesContract } from './support/dashboard-queries-contract.js';
import { adminPool, dropSchema, uniqueSchema, urlWithSchema } from './support/postgres.js';
import { getEventState, makeCheckout, postCheckouts, waitFor } from './support/relay-http.js';
import { ACCOUNT, T0 } from './store-contract.js';

let admin: Pool;

beforeAll(() => {
  admin = adminPool();
});

afterAll(async () => {
  await admin.end();
});

describeDashboardQueriesContract('PostgresStore', async () => {
  const schema = uniqueSchema();
  const store = await PostgresStore.open({ connectionString: urlWithSchema(schema) });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dropSchema(admin, schema);
    },
  };
});

describe('PostgreSQL migration 3', () => {
  let schema: string;

  beforeEach(() => {
    schema = uniqueSchema();
  });

  afterEach(async () => {
    await dropSchema(admin, schema);
  });

  it('serves the dashboard over events stored by a version 2 schema', async () => {
    const s = escapeIdentifier(schema);
    await admin.query(`CREATE SCHEMA ${s}`);
    await admin.query(`CREATE TABLE ${s}.schema_migrations (
      version integer PRIMARY KEY, description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const migration of POSTGRES_MIGRATIONS.slice(0, 2)) {
      await admin.query(migration.sql(s));
      await admin.query(`INSERT INTO ${s}.schema_migrations VALUES ($1, $2)`, [
        migration.version,
        migration.description,
      ]);
    }

    await admin.query(
      `INSERT INTO ${s}.events (ad_account_id, event_id, event_name, event_time, source,
        received_at, payload, state, delivered_at, order_id, has_em, has_click_id)
       VALUES ($1, 'old-1', 'checkout', $2, 'events', $3, '{}', 'delivered', $4, 'order-old-1',
        1, 1)`,
      [ACCOUNT, T0 / 1000, T0, T0 + 1500],
    );

    const store = await PostgresStore.open({ connectionString: urlWithSchema(schema) });
    const queries = store.dashboardQueries();
    const minutes = await queries.minuteStats({
      adAccountIds: [ACCOUNT],
      since: T0,
      until: T0 + 60_000,
    });
    const [match] = await queries.lookup({
      adAccountIds: [ACCOUNT],
      text: 'order-old-1',
      limit: 1,
    });
    await store.close();

    expect(minutes).toHaveLength(1);
    expect(minutes[0]).toMatchObject({ received: 1, delivered: 1, maxDelayMs: 1500 });
    expect(minutes[0]?.identifiers).toMatchObject({ email: 1, clickId: 1, phone: 0 });
    expect(match).toMatchObject({ eventId: 'old-1', state: 'delivered', deliveredAt: T0 + 1500 });
  });
});

describe('the dashboard API on PostgreSQL', () => {
  const apiKey = 'pg-dashboard-key';
  let sandbox: RunningSandbox;
  let dir: string;
  let schema: string;
  let relay: Relay;
  let relayUrl: string;

  beforeEach(async () => {
    sandbox = await startSandbox({ port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'capi-pg-dashboard-'));
    schema = uniqueSchema();
    const config = await loadConfig({
      env: {
        PINTEREST_ACCESS_TOKEN: DEFAULT_CONVERSION_TOKEN,
        PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID,
        PINTEREST_API_BASE_URL: sandbox.apiBaseUrl,
        RELAY_API_KEYS: apiKey,
        DATABASE_URL: urlWithSchema(schema),
        HOST: '127.0.0.1',
      },
      cwd: dir,
      port: 0,
    });
    relay = await createRelay({
      config: { ...config, delivery: { ...config.delivery, lingerMs: 10 } },
      logger: createLogger({ level: 'silent' }),
    });
    relayUrl = await relay.listen();
  });

  afterEach(async () => {
    await relay.close();
    await sandbox.close();
    await dropSchema(admin, schema);
    await rm(dir, { recursive: true, force: true });
  });

  function getApi(path: string): Promise<Response> {
    return fetch(`${relayUrl}/dashboard/api${path}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
  }

  it('answers the summary, dead letters and lookup with what the relay delivered', async () => {
    const posted = await postCheckouts(relayUrl, apiKey, [
      makeCheckout('pg-order-1'),
      makeCheckout('pg-order-2', { event_id: 'pg-event-2' }),
    ]);
    expect(posted.status).toBe(202);
    await waitFor('both checkouts delivered', async () => {
      const states = await Promise.all(
        ['pg-order-1', 'pg-event-2'].map(async (id) => {
          const { body } = await getEventState(relayUrl, id, apiKey);
          return body['state'];
        }),
      );
      return states.every((state) => state === 'delivered') ? true : undefined;
    });

    const summary = await getApi('/summary?window=15m');
    const dead = await getApi('/dead-letters');
    const lookup = await getApi('/lookup?q=pg-order-2');

    expect(summary.status).toBe(200);
    const figures = (await summary.json()) as WindowSummary;
    expect(figures.funnel).toEqual([
      expect.objectContaining({ received: 2, delivered: 2, queued: 0, retrying: 0, dead: 0 }),
    ]);
    expect(figures.coverage).toMatchObject({ events: 2, email: 2, ipAndUserAgent: 2 });
    expect(figures.delays.delivered).toBe(2);
    expect(dead.status).toBe(200);
    expect(await dead.json()).toMatchObject({ total: 0, rows: [] });
    expect(lookup.status).toBe(200);
    const { matches } = (await lookup.json()) as { matches: { eventId: string }[] };
    expect(matches.map((match) => match.eventId)).toEqual(['pg-event-2']);
  });
});
