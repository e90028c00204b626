import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fastify } from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DEFAULT_DELIVERY } from '../config/config.js';
import type { RelayConfig, TenantConfig } from '../config/config.js';
import { DeliveryWorker } from '../delivery/worker.js';
import { SqliteStore } from '../queue/sqlite-store.js';
import type { EventStore } from '../queue/store.js';
import { ACCOUNT, OTHER_ACCOUNT, newEvent } from '../../test/store-contract.js';
import { dashboardRoutes } from './routes.js';

const KEY_A = 'key-for-account-a';
const KEY_B = 'key-for-account-b';

function tenant(name: string, adAccountId: string, apiKey: string): TenantConfig {
  return {
    name,
    adAccountId,
    accessToken: 'pina_test_token',
    tagId: undefined,
    apiKeys: [apiKey],
    partnerName: undefined,
    callsPerMinute: 5000,
    defaultCountry: undefined,
    webhookSecrets: {},
  };
}

const config: RelayConfig = {
  mode: 'live',
  port: 0,
  host: '127.0.0.1',
  apiBaseUrl: 'http://127.0.0.1:9/v5',
  databaseUrl: ':memory:',
  tenants: [tenant('shop-a', ACCOUNT, KEY_A), tenant('shop-b', OTHER_ACCOUNT, KEY_B)],
  delivery: DEFAULT_DELIVERY,
  retentionDays: 30,
  oauth: { oauthUrl: 'https://www.pinterest.com/oauth/' },
};

let dir: string;
let store: SqliteStore;
let app: FastifyInstance;
let url: string;

async function start(storeForRoutes: EventStore = store): Promise<void> {
  const worker = new DeliveryWorker({
    store,
    owner: 'test',
    accounts: config.tenants.map((t) => ({
      adAccountId: t.adAccountId,
      accessToken: t.accessToken,
      baseUrl: config.apiBaseUrl,
    })),
  });
  app = fastify();
  await app.register(dashboardRoutes({ config, store: storeForRoutes, worker }));
  url = await app.listen({ port: 0, host: '127.0.0.1' });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-dashboard-api-'));
  store = SqliteStore.open({ path: join(dir, 'queue.db') });
  await store.migrate();
});

afterEach(async () => {
  await app.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

interface Answer<T> {
  status: number;
  body: T;
}

interface ErrorBody {
  error: { code: string };
}

async function get<T>(path: string, key: string): Promise<Answer<T>> {
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: (await response.json()) as T };
}

async function post<T>(path: string, key: string, body: unknown): Promise<Answer<T>> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** Stores one event per account, received now, and dead-letters both. */
async function seedDeadLetters(): Promise<void> {
  const now = Date.now();
  await store.enqueue([
    newEvent('a-1', { receivedAt: now }),
    newEvent('b-1', { adAccountId: OTHER_ACCOUNT, receivedAt: now }),
  ]);
  for (const adAccountId of [ACCOUNT, OTHER_ACCOUNT]) {
    const [claimed] = await store.claim({ adAccountId, limit: 1, now, leaseMs: 1000, owner: 't' });
    await store.settle([
      { id: claimed!.id, state: 'dead', at: now, error: 'rejected', status: 400 },
    ]);
  }
}

describe('the dashboard API', () => {
  it("shows a key its own ad account's figures, dead letters and events only", async () => {
    await start();
    await seedDeadLetters();

    const session = await get<object>('/dashboard/api/session', KEY_A);
    const summary = await get<{ funnel: object[]; timeline: object[] }>(
      '/dashboard/api/summary?window=15m',
      KEY_A,
    );
    const dead = await get<{ rows: { eventId: string }[] }>('/dashboard/api/dead-letters', KEY_A);
    const own = await get<{ matches: object[] }>('/dashboard/api/lookup?q=order-a-1', KEY_A);
    const foreign = await get<{ matches: object[] }>('/dashboard/api/lookup?q=b-1', KEY_A);

    expect(session.body).toEqual({ adAccountId: ACCOUNT, name: 'shop-a', mode: 'live' });
    expect(summary.body.funnel).toEqual([
      { adAccountId: ACCOUNT, received: 1, queued: 0, delivered: 0, retrying: 0, dead: 1 },
    ]);
    // One-minute buckets from the minute 15 minutes ago to the current one, both included.
    expect(summary.body.timeline.length).toBeGreaterThanOrEqual(15);
    expect(summary.body.timeline.length).toBeLessThanOrEqual(16);
    expect(dead.body.rows.map((row) => row.eventId)).toEqual(['a-1']);
    expect(own.body.matches).toHaveLength(1);
    expect(own.body.matches[0]).toMatchObject({ eventId: 'a-1', state: 'dead' });
    expect(foreign.body.matches).toEqual([]);
  });

  it("replays a key's own dead letters and leaves other accounts' alone", async () => {
    await start();
    await seedDeadLetters();

    const foreign = await post<object>('/dashboard/api/replay', KEY_A, { eventIds: ['b-1'] });
    const own = await post<object>('/dashboard/api/replay', KEY_B, { eventIds: ['b-1'] });

    expect(foreign.body).toEqual({ replayed: 0 });
    expect(own.body).toEqual({ replayed: 1 });
    expect((await store.get(OTHER_ACCOUNT, 'b-1'))?.state).toBe('pending');
    expect((await store.get(ACCOUNT, 'a-1'))?.state).toBe('dead');
  });

  it('refuses a window it does not offer and a replay without event ids', async () => {
    await start();

    const window = await get<ErrorBody>('/dashboard/api/summary?window=90d', KEY_A);
    const replay = await post<ErrorBody>('/dashboard/api/replay', KEY_A, { eventIds: [] });

    expect(window.status).toBe(400);
    expect(window.body.error.code).toBe('RELAY_ERR_INVALID_QUERY');
    expect(replay.status).toBe(400);
    expect(replay.body.error.code).toBe('RELAY_ERR_INVALID_BODY');
  });

  it('says Event Quality Score is not configured when no OAuth app is', async () => {
    await start();

    const eqs = await get<{ configured: boolean; hint: string }>('/dashboard/api/eqs', KEY_A);

    expect(eqs.body).toMatchObject({ configured: false });
    expect(eqs.body.hint).toContain('PINTEREST_CLIENT_ID');
  });

  it('answers 501 for figures when the store does not serve the dashboard', async () => {
    const withoutQueries = new Proxy(store, {
      get: (target, property) => {
        if (property === 'dashboardQueries') return undefined;
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function'
          ? (value as (...args: unknown[]) => unknown).bind(target)
          : value;
      },
    });
    await start(withoutQueries);

    const summary = await get<ErrorBody>('/dashboard/api/summary', KEY_A);
    const page = await fetch(`${url}/`);

    expect(summary.status).toBe(501);
    expect(summary.body.error.code).toBe('RELAY_ERR_DASHBOARD_UNAVAILABLE');
    expect(page.status).toBe(200);
  });
});
