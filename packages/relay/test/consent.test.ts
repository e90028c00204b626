/**
 * Consent and Limited Data Processing end to end: a relay in this process (`createRelay`) with its
 * own SQLite file, real HTTP on 127.0.0.1, and a sandbox standing in for Pinterest. What the
 * sandbox received (`/__sandbox/events`) is what Pinterest would have; `GET /v1/events/{id}` is
 * the audit trail a merchant reads. Webhooks are driven through their routes with a fixed clock,
 * because the platform fixtures carry fixed order times.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';

import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CONVERSION_TOKEN,
  startSandbox,
} from '@pinterest-capi/sandbox';
import type { RunningSandbox } from '@pinterest-capi/sandbox';
import { sha256Hex } from '@pinterest-capi/sdk';
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log-events.js';
import { GroupCommitter } from '../src/queue/group-commit.js';
import { SqliteStore } from '../src/queue/sqlite-store.js';
import { createRelay } from '../src/relay.js';
import type { Relay } from '../src/relay.js';
import { webhookRoutes } from '../src/webhooks/routes.js';
import type { WebhookTenant } from '../src/webhooks/routes.js';
import { signWebhook } from '../src/webhooks/signature.js';
import {
  getEventState,
  makeCheckout,
  postCheckouts,
  sandboxEvents,
  waitForEventState,
} from './support/relay-http.js';
import type { SandboxEvent } from './support/relay-http.js';

const KEY = 'relay-consent-key-3b7e1d';

let sandbox: RunningSandbox;
let dir: string;
let relays: Relay[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'capi-consent-'));
});

afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
});

afterEach(async () => {
  await Promise.all(relays.map((relay) => relay.close()));
  relays = [];
});

let relayCount = 0;

/** A live relay on the sandbox's default ad account, configured by environment variables. */
async function startRelay(env: Record<string, string> = {}): Promise<string> {
  relayCount += 1;
  const config = await loadConfig({
    env: {
      PINTEREST_ACCESS_TOKEN: DEFAULT_CONVERSION_TOKEN,
      PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID,
      PINTEREST_API_BASE_URL: sandbox.apiBaseUrl,
      RELAY_API_KEYS: KEY,
      DATABASE_URL: `file:${join(dir, `relay-${relayCount}.sqlite`)}`,
      ...env,
    },
    cwd: dir,
    port: 0,
  });
  const relay = await createRelay({ config, logger: createLogger({ level: 'silent' }) });
  relays.push(relay);
  return relay.listen();
}

/** The event the sandbox received with this id; fails the test if it received none. */
async function received(eventId: string): Promise<SandboxEvent['event']> {
  const found = (await sandboxEvents(sandbox.url)).find((e) => e.event.event_id === eventId);
  if (found === undefined) throw new Error(`the sandbox received no event ${eventId}`);
  return found.event;
}

async function sentIds(): Promise<string[]> {
  return (await sandboxEvents(sandbox.url)).map(({ event }) => event.event_id);
}

async function postEvents(url: string, body: unknown) {
  const response = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('consent on POST /v1/checkout', () => {
  it('suppresses a denied checkout by default: never sent, and the lookup says why', async () => {
    const url = await startRelay();
    const denied = makeCheckout('consent-denied', { consent: 'denied' });
    const granted = makeCheckout('consent-granted', { consent: 'granted' });

    const answer = await postCheckouts(url, KEY, [denied, granted]);
    await waitForEventState(url, 'consent-granted', { apiKey: KEY, state: 'delivered' });

    expect(answer.body.accepted).toBe(2);
    expect(await sentIds()).toEqual(['consent-granted']);
    const { status, body } = await getEventState(url, 'consent-denied', KEY);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      state: 'suppressed',
      reason: 'suppressed by consent',
      attempts: 0,
      privacy: { consent: 'denied', action: 'drop', ldp: null },
    });
    const sent = await getEventState(url, 'consent-granted', KEY);
    expect(sent.body['privacy']).toEqual({ consent: 'granted', action: 'send', ldp: null });
  });

  it('lets the dashboard filter dead letters by consent action and shows the rules on lookup', async () => {
    const url = await startRelay({ RELAY_LDP_STATES: 'CA' });
    const get = async (path: string) => {
      const headers = { authorization: `Bearer ${KEY}` };
      const response = await fetch(`${url}/dashboard/api/${path}`, { headers });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    await postCheckouts(url, KEY, [
      makeCheckout('dash-denied', { consent: 'denied', state: 'CA', country: 'US' }),
      makeCheckout('dash-granted', { consent: 'granted' }),
    ]);
    await waitForEventState(url, 'dash-granted', { apiKey: KEY, state: 'delivered' });

    const dropped = await get('dead-letters?consent_action=drop');
    const byLdp = await get('dead-letters?ldp=event');
    const lookup = await get('lookup?q=dash-denied');
    const invalid = await get('dead-letters?consent_action=maybe');

    expect(dropped.body['rows']).toEqual([
      expect.objectContaining({
        eventId: 'dash-denied',
        reason: 'suppressed by consent',
        privacy: { consent: 'denied', consentAction: 'drop', ldpRule: 'tenant_state' },
      }),
    ]);
    expect(byLdp.body['total']).toBe(0);
    expect(lookup.body['matches']).toEqual([
      expect.objectContaining({
        state: 'suppressed',
        privacy: { consent: 'denied', action: 'drop', ldp: 'tenant_state' },
      }),
    ]);
    expect(invalid.status).toBe(400);
  });

  it('sends a denied checkout with opt_out true when the policy says opt_out', async () => {
    const url = await startRelay({ RELAY_CONSENT_DENIED: 'opt_out' });

    await postCheckouts(url, KEY, makeCheckout('consent-opt-out', { consent: 'denied' }));
    const state = await waitForEventState(url, 'consent-opt-out', {
      apiKey: KEY,
      state: 'delivered',
    });

    expect((await received('consent-opt-out'))['opt_out']).toBe(true);
    expect(state['privacy']).toEqual({ consent: 'denied', action: 'opt_out', ldp: null });
  });

  it('sends a checkout without consent as it came under the default policy', async () => {
    const url = await startRelay();

    await postCheckouts(url, KEY, makeCheckout('consent-absent'));
    const state = await waitForEventState(url, 'consent-absent', {
      apiKey: KEY,
      state: 'delivered',
    });

    expect((await received('consent-absent'))['opt_out']).toBeUndefined();
    expect(state['privacy']).toEqual({ consent: 'unknown', action: 'send', ldp: null });
  });

  it('applies the tenant rule for unknown consent to absent and explicit unknown alike', async () => {
    const url = await startRelay({ RELAY_CONSENT_UNKNOWN: 'drop' });
    const absent = makeCheckout('unknown-absent');
    const explicit = makeCheckout('unknown-explicit', { consent: 'unknown' });
    const granted = makeCheckout('unknown-granted', { consent: 'granted' });

    await postCheckouts(url, KEY, [absent, explicit, granted]);
    await waitForEventState(url, 'unknown-granted', { apiKey: KEY, state: 'delivered' });

    expect(await sentIds()).toEqual(['unknown-granted']);
    for (const id of ['unknown-absent', 'unknown-explicit']) {
      const { body } = await getEventState(url, id, KEY);
      expect(body).toMatchObject({
        state: 'suppressed',
        privacy: { consent: 'unknown', action: 'drop' },
      });
    }
  });

  it('rejects a checkout whose consent is not granted, denied or unknown, naming consent', async () => {
    const url = await startRelay();

    const answer = await postCheckouts(url, KEY, makeCheckout('consent-bad', { consent: 'yes' }));

    expect(answer.status).toBe(422);
    expect(answer.body.results[0]).toMatchObject({
      status: 'rejected',
      issues: [{ path: 'consent', rule: 'enum' }],
    });
    expect((await getEventState(url, 'consent-bad', KEY)).status).toBe(404);
  });

  it('reads consent on a Pinterest-shaped event of POST /v1/events', async () => {
    const url = await startRelay({ RELAY_CONSENT_DENIED: 'opt_out' });
    const event = {
      event_name: 'checkout',
      action_source: 'web',
      event_time: Math.floor(Date.now() / 1000) - 5,
      event_id: 'events-denied',
      user_data: { em: ['shopper@example.com'] },
      consent: 'denied',
    };

    const answer = await postEvents(url, { data: [event] });
    await waitForEventState(url, 'events-denied', { apiKey: KEY, state: 'delivered' });

    expect(answer.status).toBe(202);
    const sent = await received('events-denied');
    expect(sent['opt_out']).toBe(true);
    expect(sent).not.toHaveProperty('consent');
  });
});

describe('consent from the browser helper', () => {
  /** Runs the relay's `/tag.js` as a page would and returns `window.pinterestCapi`. */
  async function loadTagJs(url: string) {
    const items = new Map<string, string>();
    const page: Record<string, unknown> = {
      document: { cookie: '' },
      location: { search: '', protocol: 'https:' },
      localStorage: {
        getItem: (key: string) => items.get(key) ?? null,
        setItem: (key: string, value: string) => items.set(key, value),
        removeItem: (key: string) => items.delete(key),
      },
      crypto: { getRandomValues: (bytes: Uint8Array) => bytes.fill(9) },
    };
    runInNewContext(await (await fetch(`${url}/tag.js`)).text(), page);
    return page['pinterestCapi'] as {
      checkoutIds(options: unknown): Record<string, string>;
      advertisingConsent(signal: unknown): string;
    };
  }

  it("carries the page's Consent Mode signal from /tag.js to a checkout the relay suppresses", async () => {
    const url = await startRelay();
    const pinterestCapi = await loadTagJs(url);

    const ids = pinterestCapi.checkoutIds({ consent: { ad_storage: 'denied' } });
    await postCheckouts(url, KEY, { ...makeCheckout('tag-js-denied'), ...ids });
    const { body } = await getEventState(url, ids['event_id'] ?? '', KEY);

    expect(ids['consent']).toBe('denied');
    expect(pinterestCapi.advertisingConsent({ ad_storage: 'granted' })).toBe('granted');
    expect(body).toMatchObject({
      state: 'suppressed',
      privacy: { consent: 'denied', action: 'drop' },
    });
  });
});

describe('Limited Data Processing', () => {
  it('sends a checkout from a configured state with LDP and the hashed state and country', async () => {
    const url = await startRelay({ RELAY_LDP_STATES: 'CA,CO' });
    const california = makeCheckout('ldp-ca', { state: 'CA', country: 'US' });
    const newYork = makeCheckout('ldp-ny', { state: 'NY', country: 'US' });

    await postCheckouts(url, KEY, [california, newYork]);
    const state = await waitForEventState(url, 'ldp-ca', { apiKey: KEY, state: 'delivered' });
    await waitForEventState(url, 'ldp-ny', { apiKey: KEY, state: 'delivered' });

    const sent = await received('ldp-ca');
    expect(sent['custom_data']).toMatchObject({ opt_out_type: 'LDP' });
    expect(sent.user_data['st']).toEqual([sha256Hex('ca')]);
    expect(sent.user_data['country']).toEqual([sha256Hex('us')]);
    expect(state['privacy']).toEqual({ consent: 'unknown', action: 'send', ldp: 'tenant_state' });
    expect((await received('ldp-ny'))['custom_data']).not.toHaveProperty('opt_out_type');
  });

  it('flags every US checkout for a tenant configured with all_us in its config file', async () => {
    const configPath = join(dir, 'all-us.config.json');
    await writeFile(
      configPath,
      JSON.stringify({
        databaseUrl: `file:${join(dir, 'all-us.sqlite')}`,
        apiBaseUrl: sandbox.apiBaseUrl,
        tenants: [
          {
            name: 'shop',
            adAccountId: DEFAULT_AD_ACCOUNT_ID,
            accessToken: DEFAULT_CONVERSION_TOKEN,
            apiKeys: [KEY],
            ldp: { states: 'all_us' },
          },
        ],
      }),
    );
    const config = await loadConfig({ env: {}, cwd: dir, port: 0, configPath });
    const relay = await createRelay({ config, logger: createLogger({ level: 'silent' }) });
    relays.push(relay);
    const url = await relay.listen();

    await postCheckouts(url, KEY, makeCheckout('all-us-ny', { state: 'NY', country: 'US' }));
    const state = await waitForEventState(url, 'all-us-ny', { apiKey: KEY, state: 'delivered' });

    expect((await received('all-us-ny'))['custom_data']).toMatchObject({ opt_out_type: 'LDP' });
    expect(state['privacy']).toMatchObject({ ldp: 'tenant_all_us' });
  });

  it('sends a checkout that asks for LDP itself, rule event', async () => {
    const url = await startRelay();
    const checkout = makeCheckout('ldp-event', { opt_out_type: 'LDP', state: 'TX', country: 'US' });

    await postCheckouts(url, KEY, checkout);
    const state = await waitForEventState(url, 'ldp-event', { apiKey: KEY, state: 'delivered' });

    const sent = await received('ldp-event');
    expect(sent['custom_data']).toMatchObject({ opt_out_type: 'LDP' });
    expect(sent.user_data['st']).toEqual([sha256Hex('tx')]);
    expect(state['privacy']).toMatchObject({ ldp: 'event' });
  });

  it('rejects a checkout asking for LDP without state or country, naming the field and rule', async () => {
    const url = await startRelay();
    const noState = makeCheckout('ldp-no-state', { opt_out_type: 'LDP', country: 'US' });
    const noCountry = makeCheckout('ldp-no-country', { opt_out_type: 'LDP', state: 'CA' });

    const answer = await postCheckouts(url, KEY, [noState, noCountry]);

    expect(answer.status).toBe(422);
    expect(answer.body.results.map((result) => result.issues)).toEqual([
      [expect.objectContaining({ path: 'user_data.st', rule: 'ldp_requires_state_and_country' })],
      [
        expect.objectContaining({
          path: 'user_data.country',
          rule: 'ldp_requires_state_and_country',
        }),
      ],
    ]);
    expect((await getEventState(url, 'ldp-no-state', KEY)).status).toBe(404);
  });

  it('rejects a US checkout without a state when the tenant applies LDP by state', async () => {
    const url = await startRelay({ RELAY_LDP_STATES: 'all_us' });

    const answer = await postCheckouts(url, KEY, makeCheckout('ldp-half', { country: 'US' }));

    expect(answer.body.results[0]?.issues).toEqual([
      expect.objectContaining({ path: 'user_data.st', rule: 'ldp_requires_state_and_country' }),
    ]);
  });
});

describe('consent on webhooks', () => {
  /** After the Shopify fixture's order time, within the SDK's window. */
  const NOW = Date.parse('2026-01-15T12:06:00Z');
  const SECRET = 'shpss_consent_5e3c1a9f7d';
  const ORDER = JSON.parse(
    readFileSync(new URL('./fixtures/webhooks/shopify-order.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;

  /** The Shopify fixture with its `pinterest_consent` note attribute set, or without one. */
  function order(id: number, consent?: string): Record<string, unknown> {
    const attributes = [{ name: 'pinterest_event_id', value: `shopify-consent-${id}` }];
    if (consent !== undefined) attributes.push({ name: 'pinterest_consent', value: consent });
    return { ...ORDER, id, note_attributes: attributes };
  }

  async function start(tenant: Partial<WebhookTenant>) {
    const store = SqliteStore.open({ path: join(dir, `webhooks-${++relayCount}.sqlite`) });
    await store.migrate();
    const committer = new GroupCommitter(store);
    const app = Fastify();
    await app.register(
      webhookRoutes({
        tenants: [
          {
            name: 'shop',
            adAccountId: DEFAULT_AD_ACCOUNT_ID,
            prepare: {},
            webhookSecrets: { shopify: SECRET },
            ...tenant,
          },
        ],
        enqueue: (events) => committer.enqueue(events),
        now: () => NOW,
      }),
    );
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const post = async (body: Record<string, unknown>) => {
      const text = JSON.stringify(body);
      const response = await fetch(`${url}/webhooks/shopify`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-shopify-topic': 'orders/paid',
          ...signWebhook('shopify', text, SECRET),
        },
        body: text,
      });
      return (await response.json()) as Record<string, unknown>;
    };

    const close = async () => {
      await app.close();
      await store.close();
    };

    return { store, post, close };
  }

  it('applies the tenant rule for unknown consent to an order that carries none', async () => {
    const relay = await start({ privacy: { consent: { denied: 'drop', unknown: 'opt_out' } } });

    const answer = await relay.post(order(1));
    const [claimed] = await relay.store.claim({
      adAccountId: DEFAULT_AD_ACCOUNT_ID,
      limit: 10,
      now: NOW,
      leaseMs: 1000,
      owner: 'test',
    });
    await relay.close();

    expect(answer).toMatchObject({ status: 'accepted', event_id: 'shopify-consent-1' });
    expect(claimed?.event.opt_out).toBe(true);
  });

  it('suppresses an order whose page left pinterest_consent denied', async () => {
    const relay = await start({});

    await relay.post(order(2, 'denied'));
    const record = await relay.store.get(DEFAULT_AD_ACCOUNT_ID, 'shopify-consent-2');
    const claimable = await relay.store.claim({
      adAccountId: DEFAULT_AD_ACCOUNT_ID,
      limit: 10,
      now: NOW,
      leaseMs: 1000,
      owner: 'test',
    });
    await relay.close();

    expect(record).toMatchObject({
      state: 'dead',
      lastError: 'suppressed by consent',
      privacy: { consent: 'denied', consentAction: 'drop' },
    });
    expect(claimable).toEqual([]);
  });

  it('flags an order from a configured state with LDP, as ingest does', async () => {
    const relay = await start({
      privacy: { consent: { denied: 'drop', unknown: 'send' }, ldp: { states: ['NY'] } },
    });

    await relay.post(order(3, 'granted'));
    const record = await relay.store.get(DEFAULT_AD_ACCOUNT_ID, 'shopify-consent-3');
    await relay.close();

    expect(record?.privacy).toEqual({
      consent: 'granted',
      consentAction: 'send',
      ldpRule: 'tenant_state',
    });
  });

  it('rejects an order whose pinterest_consent is not a consent value, naming consent', async () => {
    const relay = await start({});

    const answer = await relay.post(order(4, 'sure'));
    const record = await relay.store.get(DEFAULT_AD_ACCOUNT_ID, 'shopify-consent-4');
    await relay.close();

    expect(answer).toMatchObject({
      status: 'rejected',
      issues: [{ path: 'consent', rule: 'enum' }],
    });
    expect(record).toBeUndefined();
  });
});
