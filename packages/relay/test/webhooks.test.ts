/**
 * Store webhooks over real HTTP, as Shopify, Stripe and WooCommerce deliver them: bodies written
 * from each platform's documentation (test/fixtures/webhooks), signed as the platform signs them
 * (Stripe's with the official `stripe` package too), posted to a fastify server on 127.0.0.1 with
 * a SqliteStore on a temporary file; and end to end through `createRelay` to a sandbox.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CONVERSION_TOKEN,
  startSandbox,
} from '@pinterest-capi/sandbox';
import { sha256Hex } from '@pinterest-capi/sdk';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import Stripe from 'stripe';

import { SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRETS, loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log-events.js';
import { createRelay } from '../src/relay.js';
import { GroupCommitter } from '../src/queue/group-commit.js';
import { SqliteStore } from '../src/queue/sqlite-store.js';
import { webhookRoutes } from '../src/webhooks/routes.js';
import type { WebhookDeps, WebhookTenant } from '../src/webhooks/routes.js';
import { signWebhook } from '../src/webhooks/signature.js';
import type { WebhookPlatform } from '../src/webhooks/signature.js';
import { sandboxEvents, waitFor, waitForEventState } from './support/relay-http.js';
import type { SandboxEvent } from './support/relay-http.js';

/** After every fixture's order time, within the SDK's window for each. */
const NOW = Date.parse('2026-01-15T12:06:00Z');
const NOW_SECONDS = NOW / 1000;

const SHOP: WebhookTenant = {
  name: 'shop',
  adAccountId: '549755885175',
  prepare: {},
  webhookSecrets: {
    shopify: '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',
    stripe: 'whsec_old_R2d4F6h8J0k2L4n6, whsec_new_Q1w3E5r7T9y1U3i5',
    woocommerce: 'wc_sec,ret;with [odd] chars',
  },
};
const BRAND: WebhookTenant = {
  name: 'brand',
  adAccountId: '123456789012',
  prepare: {},
  webhookSecrets: { shopify: 'shpss_brand_8e6c4a2f0d9b7e5c3a1f' },
};
const SHOPIFY_SECRET = SHOP.webhookSecrets.shopify ?? '';
const WOO_SECRET = SHOP.webhookSecrets.woocommerce ?? '';
const STRIPE_OLD = 'whsec_old_R2d4F6h8J0k2L4n6';
const STRIPE_NEW = 'whsec_new_Q1w3E5r7T9y1U3i5';

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  const url = new URL(`./fixtures/webhooks/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Json;
}

const SHOPIFY_ORDER = fixture('shopify-order');
const STRIPE_EVENT = fixture('stripe-checkout-session-completed');
const WOO_ORDER = fixture('woocommerce-order');

function stripeEvent(session: Json, changes: Json = {}): Json {
  const base = (STRIPE_EVENT['data'] as { object: Json }).object;
  return { ...STRIPE_EVENT, ...changes, data: { object: { ...base, ...session } } };
}

let dir: string;
let count = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capi-webhooks-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface TestRelay {
  url: string;
  store: SqliteStore;
  stored: string[];
  accepting: boolean;
}

async function startRelay(
  tenants: readonly WebhookTenant[] = [SHOP, BRAND],
  extra: Partial<WebhookDeps> = {},
): Promise<TestRelay> {
  count += 1;
  const store = SqliteStore.open({ path: join(dir, `webhooks-${count}.db`) });
  await store.migrate();
  const committer = new GroupCommitter(store);
  const app = Fastify();
  const relay: TestRelay = { url: '', store, stored: [], accepting: true };
  await app.register(
    webhookRoutes({
      tenants,
      enqueue: (events) => committer.enqueue(events),
      onStored: (adAccountId) => relay.stored.push(adAccountId),
      now: () => NOW,
      isAccepting: () => relay.accepting,
      ...extra,
    }),
  );
  relay.url = await app.listen({ port: 0, host: '127.0.0.1' });
  onTestFinished(async () => {
    await app.close();
    await store.close().catch(() => undefined);
  });
  return relay;
}

interface Delivery {
  /** Signs with this secret; `undefined` sends no signature header. */
  secret?: string | undefined;
  /** Extra or overriding headers (topic, a forged signature). */
  headers?: Record<string, string>;
  /** Stripe's signing time, Unix seconds. */
  timestamp?: number;
  /** Send these bytes instead of the ones signed. */
  sendBody?: string;
  path?: string;
  contentType?: string;
}

interface Answer {
  status: number;
  body: Json;
}

async function deliver(
  url: string,
  platform: WebhookPlatform,
  payload: Json | string,
  delivery: Delivery = {},
): Promise<Answer> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const signature =
    delivery.secret === undefined
      ? {}
      : signWebhook(platform, body, delivery.secret, {
          timestamp: delivery.timestamp ?? NOW_SECONDS,
        });
  const response = await fetch(`${url}${delivery.path ?? `/webhooks/${platform}`}`, {
    method: 'POST',
    headers: {
      'content-type': delivery.contentType ?? 'application/json',
      ...signature,
      ...delivery.headers,
    },
    body: delivery.sendBody ?? body,
  });
  return { status: response.status, body: (await response.json()) as Json };
}

function shopify(
  url: string,
  order: Json | string,
  topic = 'orders/paid',
  delivery: Delivery = {},
) {
  return deliver(url, 'shopify', order, {
    secret: SHOPIFY_SECRET,
    ...delivery,
    headers: { 'x-shopify-topic': topic, ...delivery.headers },
  });
}

function woo(url: string, order: Json, topic = 'order.updated', delivery: Delivery = {}) {
  return deliver(url, 'woocommerce', order, {
    secret: WOO_SECRET,
    ...delivery,
    headers: { 'x-wc-webhook-topic': topic, 'x-wc-webhook-resource': 'order', ...delivery.headers },
  });
}

async function storedCount(store: SqliteStore): Promise<number> {
  const { byState } = await store.stats();
  return Object.values(byState).reduce((sum, n) => sum + n, 0);
}

describe('POST /webhooks/shopify', () => {
  it('stores a signed paid order as one checkout of the tenant whose secret signed it', async () => {
    const relay = await startRelay();

    const answer = await shopify(relay.url, SHOPIFY_ORDER);

    expect(answer).toEqual({
      status: 200,
      body: { status: 'accepted', event_id: 'b3c1f0d2-6a4e-4f8b-9c7d-2e5a1f0b3c4d' },
    });
    expect(
      await relay.store.get(SHOP.adAccountId, 'b3c1f0d2-6a4e-4f8b-9c7d-2e5a1f0b3c4d'),
    ).toMatchObject({
      source: 'shopify',
      eventName: 'checkout',
      state: 'pending',
      receivedAt: NOW,
    });
    expect(relay.stored).toEqual([SHOP.adAccountId]);
  });

  it('answers duplicate to a redelivery and stores nothing more', async () => {
    const relay = await startRelay();
    await shopify(relay.url, SHOPIFY_ORDER);

    const again = await shopify(relay.url, SHOPIFY_ORDER);

    expect(again.body).toEqual({
      status: 'duplicate',
      event_id: 'b3c1f0d2-6a4e-4f8b-9c7d-2e5a1f0b3c4d',
    });
    expect(await storedCount(relay.store)).toBe(1);
  });

  it('collapses orders/create and orders/paid of one order into one event', async () => {
    const relay = await startRelay();
    const order = { ...SHOPIFY_ORDER, note_attributes: [] };

    const created = await shopify(
      relay.url,
      { ...order, financial_status: 'pending' },
      'orders/create',
    );
    const paid = await shopify(relay.url, order, 'orders/paid');

    expect(created.body).toEqual({ status: 'accepted', event_id: 'order-6143082987621-checkout' });
    expect(paid.body).toEqual({ status: 'duplicate', event_id: 'order-6143082987621-checkout' });
    expect(await storedCount(relay.store)).toBe(1);
  });

  it('refuses a body changed after signing with 401, and stores nothing', async () => {
    const relay = await startRelay();
    const body = JSON.stringify(SHOPIFY_ORDER);

    const answer = await shopify(relay.url, SHOPIFY_ORDER, 'orders/paid', {
      sendBody: body.replace('"subtotal_price":"118.00"', '"subtotal_price":"1180.00"'),
    });

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      error: {
        code: 'RELAY_ERR_WEBHOOK_SIGNATURE',
        message: expect.stringContaining('byte for byte') as unknown,
      },
    });
    expect(JSON.stringify(answer.body)).not.toContain(SHOPIFY_SECRET);
    expect(await storedCount(relay.store)).toBe(0);
  });

  it('refuses a body re-serialised with other whitespace, as a proxy might', async () => {
    const relay = await startRelay();

    const answer = await shopify(relay.url, SHOPIFY_ORDER, 'orders/paid', {
      sendBody: JSON.stringify(SHOPIFY_ORDER, null, 2),
    });

    expect(answer.status).toBe(401);
    expect(await storedCount(relay.store)).toBe(0);
  });

  it('refuses an unsigned request with 401 naming the missing header', async () => {
    const relay = await startRelay();

    const answer = await shopify(relay.url, SHOPIFY_ORDER, 'orders/paid', { secret: undefined });

    expect(answer.status).toBe(401);
    expect((answer.body['error'] as Json)['message']).toContain(
      'x-shopify-hmac-sha256 header is missing',
    );
    expect(await storedCount(relay.store)).toBe(0);
  });

  it('routes each order to the ad account of the tenant whose secret signed it', async () => {
    const relay = await startRelay();

    await shopify(relay.url, SHOPIFY_ORDER, 'orders/paid', {
      secret: BRAND.webhookSecrets.shopify ?? '',
    });

    const eventId = 'b3c1f0d2-6a4e-4f8b-9c7d-2e5a1f0b3c4d';
    expect(await relay.store.get(BRAND.adAccountId, eventId)).toBeDefined();
    expect(await relay.store.get(SHOP.adAccountId, eventId)).toBeUndefined();
  });

  it('tries only the named tenant on /webhooks/shopify/<tenant>', async () => {
    const relay = await startRelay();

    const wrong = await shopify(relay.url, SHOPIFY_ORDER, 'orders/paid', {
      path: '/webhooks/shopify/brand',
    });
    const right = await shopify(relay.url, SHOPIFY_ORDER, 'orders/paid', {
      path: '/webhooks/shopify/shop',
    });

    expect(wrong.status).toBe(401);
    expect(right.body['status']).toBe('accepted');
  });

  it('asks for the tenant in the path when one secret belongs to several tenants', async () => {
    const twin: WebhookTenant = { ...BRAND, webhookSecrets: { shopify: SHOPIFY_SECRET } };
    const relay = await startRelay([SHOP, twin]);

    const bare = await shopify(relay.url, SHOPIFY_ORDER);
    const named = await shopify(relay.url, SHOPIFY_ORDER, 'orders/paid', {
      path: '/webhooks/shopify/brand',
    });

    expect(bare.status).toBe(409);
    expect(bare.body['error']).toEqual({
      code: 'RELAY_ERR_WEBHOOK_AMBIGUOUS_TENANT',
      message: expect.stringContaining('/webhooks/shopify/<tenant name>') as unknown,
    });
    expect(named.body['status']).toBe('accepted');
    expect(
      await relay.store.get(BRAND.adAccountId, 'b3c1f0d2-6a4e-4f8b-9c7d-2e5a1f0b3c4d'),
    ).toBeDefined();
  });

  it.each([
    ['refunds/create', {}],
    ['orders/cancelled', { cancelled_at: '2026-01-15T07:30:00-05:00' }],
    ['orders/paid', { financial_status: 'refunded' }],
  ])('acknowledges %s with 200 ignored and stores nothing', async (topic, changes) => {
    const relay = await startRelay();

    const answer = await shopify(relay.url, { ...SHOPIFY_ORDER, ...changes }, topic);

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ignored', reason: expect.any(String) as unknown });
    expect(await storedCount(relay.store)).toBe(0);
  });

  it('acknowledges a test order without storing it', async () => {
    const relay = await startRelay();

    const answer = await shopify(relay.url, { ...SHOPIFY_ORDER, test: true });

    expect(answer.body).toEqual({
      status: 'ignored',
      reason: 'the platform marks this as a test order, and test orders are not sent',
    });
    expect(await storedCount(relay.store)).toBe(0);
  });

  it('stores a test order for a tenant that accepts them', async () => {
    const relay = await startRelay([{ ...SHOP, acceptTestOrders: true }]);

    const answer = await shopify(relay.url, { ...SHOPIFY_ORDER, test: true });

    expect(answer.body['status']).toBe('accepted');
  });

  it('answers 200 rejected, naming the checkout field, for an order Pinterest could not match', async () => {
    const relay = await startRelay();
    const anonymous = {
      ...SHOPIFY_ORDER,
      email: null,
      contact_email: null,
      customer: null,
      browser_ip: null,
      client_details: null,
    };

    const answer = await shopify(relay.url, anonymous);

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      status: 'rejected',
      issues: [
        {
          path: 'checkout.email',
          rule: 'identifier',
          message: 'a checkout needs email, or ip together with user_agent',
        },
      ],
    });
    expect(await storedCount(relay.store)).toBe(0);
  });

  it('refuses a signed body that is not JSON with 400', async () => {
    const relay = await startRelay();

    const answer = await shopify(relay.url, '{"id": 1,', 'orders/paid');

    expect(answer.status).toBe(400);
    expect((answer.body['error'] as Json)['code']).toBe('RELAY_ERR_MALFORMED_JSON');
  });
});

describe('POST /webhooks/stripe', () => {
  const EVENT_ID = '5e0c7a9b-3d21-4f6e-8a1b-c2d3e4f5a6b7';

  it('stores a completed Checkout Session signed by the official stripe package', async () => {
    const relay = await startRelay();
    const payload = JSON.stringify(STRIPE_EVENT);
    const header = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: STRIPE_NEW,
      timestamp: NOW_SECONDS - 20,
    });

    const answer = await deliver(relay.url, 'stripe', payload, {
      headers: { 'stripe-signature': header },
    });

    expect(answer.body).toEqual({ status: 'accepted', event_id: EVENT_ID });
    expect(await relay.store.get(SHOP.adAccountId, EVENT_ID)).toMatchObject({ source: 'stripe' });
  });

  it('accepts the old secret and the new one during a rotation', async () => {
    const relay = await startRelay();
    const second = stripeEvent({ id: 'cs_live_second', metadata: {} });

    const old = await deliver(relay.url, 'stripe', STRIPE_EVENT, { secret: STRIPE_OLD });
    const renewed = await deliver(relay.url, 'stripe', second, { secret: STRIPE_NEW });

    expect(old.body['status']).toBe('accepted');
    expect(renewed.body).toEqual({ status: 'accepted', event_id: 'order-cs_live_second-checkout' });
  });

  it('refuses a genuine signature older than five minutes with 401, and stores nothing', async () => {
    const relay = await startRelay();

    const answer = await deliver(relay.url, 'stripe', STRIPE_EVENT, {
      secret: STRIPE_NEW,
      timestamp: NOW_SECONDS - 301,
    });

    expect(answer.status).toBe(401);
    expect((answer.body['error'] as Json)['message']).toContain('clock');
    expect(await storedCount(relay.store)).toBe(0);
  });

  it('refuses a body changed after signing', async () => {
    const relay = await startRelay();
    const body = JSON.stringify(STRIPE_EVENT);

    const answer = await deliver(relay.url, 'stripe', STRIPE_EVENT, {
      secret: STRIPE_NEW,
      sendBody: body.replace('"amount_total":8371', '"amount_total":837100'),
    });

    expect(answer.status).toBe(401);
    expect(await storedCount(relay.store)).toBe(0);
  });

  it('answers duplicate when Stripe redelivers the event', async () => {
    const relay = await startRelay();
    await deliver(relay.url, 'stripe', STRIPE_EVENT, { secret: STRIPE_NEW });

    const again = await deliver(relay.url, 'stripe', STRIPE_EVENT, {
      secret: STRIPE_NEW,
      timestamp: NOW_SECONDS - 60,
    });

    expect(again.body).toEqual({ status: 'duplicate', event_id: EVENT_ID });
  });

  it('ignores an unpaid session, then stores it once its delayed payment succeeds', async () => {
    const relay = await startRelay();
    const unpaid = stripeEvent({ payment_status: 'unpaid' });
    const paid = stripeEvent(
      { payment_status: 'paid' },
      { id: 'evt_async', type: 'checkout.session.async_payment_succeeded' },
    );

    const first = await deliver(relay.url, 'stripe', unpaid, { secret: STRIPE_NEW });
    const second = await deliver(relay.url, 'stripe', paid, { secret: STRIPE_NEW });

    expect(first.body['status']).toBe('ignored');
    expect(second.body).toEqual({ status: 'accepted', event_id: EVENT_ID });
  });

  it.each(['charge.refunded', 'checkout.session.expired', 'payment_intent.succeeded'])(
    'acknowledges %s with 200 ignored',
    async (type) => {
      const relay = await startRelay();

      const answer = await deliver(
        relay.url,
        'stripe',
        { ...STRIPE_EVENT, type },
        {
          secret: STRIPE_NEW,
        },
      );

      expect(answer.body['status']).toBe('ignored');
      expect(await storedCount(relay.store)).toBe(0);
    },
  );

  it('acknowledges a test-mode event without storing it', async () => {
    const relay = await startRelay();

    const answer = await deliver(
      relay.url,
      'stripe',
      stripeEvent({ livemode: false }, { livemode: false }),
      {
        secret: STRIPE_NEW,
      },
    );

    expect(answer.body['status']).toBe('ignored');
    expect(await storedCount(relay.store)).toBe(0);
  });

  it('answers 404 with a clear code when no tenant has a Stripe secret', async () => {
    const relay = await startRelay([BRAND]);

    const answer = await deliver(relay.url, 'stripe', STRIPE_EVENT, { secret: STRIPE_NEW });

    expect(answer).toEqual({
      status: 404,
      body: {
        error: {
          code: 'RELAY_ERR_WEBHOOK_NOT_CONFIGURED',
          message:
            'no tenant has a stripe webhook secret: set STRIPE_WEBHOOK_SECRET or webhookSecrets.stripe',
        },
      },
    });
  });
});

describe('POST /webhooks/woocommerce', () => {
  const EVENT_ID = 'c9a8b7d6-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

  it('answers the unsigned ping WooCommerce sends when a webhook is saved with 200', async () => {
    const relay = await startRelay();

    const answer = await deliver(relay.url, 'woocommerce', 'webhook_id=31', {
      contentType: 'application/x-www-form-urlencoded',
    });

    expect(answer).toEqual({
      status: 200,
      body: { status: 'ignored', reason: 'WooCommerce ping: this endpoint is reachable' },
    });
    expect(await storedCount(relay.store)).toBe(0);
  });

  it('answers the ping with 404 when WooCommerce is not configured, so saving the webhook fails', async () => {
    const relay = await startRelay([BRAND]);

    const answer = await deliver(relay.url, 'woocommerce', 'webhook_id=31', {
      contentType: 'application/x-www-form-urlencoded',
    });

    expect(answer.status).toBe(404);
  });

  it('ignores an unpaid order until an update shows it paid, then stores it once', async () => {
    const relay = await startRelay();

    const created = await woo(relay.url, { ...WOO_ORDER, status: 'pending' }, 'order.created');
    const paid = await woo(relay.url, WOO_ORDER, 'order.updated');
    const completed = await woo(relay.url, { ...WOO_ORDER, status: 'completed' }, 'order.updated');

    expect(created.body['status']).toBe('ignored');
    expect(paid.body).toEqual({ status: 'accepted', event_id: EVENT_ID });
    expect(completed.body).toEqual({ status: 'duplicate', event_id: EVENT_ID });
    expect(await relay.store.get(SHOP.adAccountId, EVENT_ID)).toMatchObject({
      source: 'woocommerce',
    });
  });

  it('verifies with a secret containing commas and punctuation, taken whole', async () => {
    const relay = await startRelay();

    const answer = await woo(relay.url, WOO_ORDER);

    expect(answer.body['status']).toBe('accepted');
  });

  it('refuses a tampered order with 401 and stores nothing', async () => {
    const relay = await startRelay();

    const answer = await woo(relay.url, WOO_ORDER, 'order.updated', {
      sendBody: JSON.stringify({ ...WOO_ORDER, total: '8.37' }),
    });

    expect(answer.status).toBe(401);
    expect(await storedCount(relay.store)).toBe(0);
  });

  it.each(['cancelled', 'refunded'])('acknowledges a %s order with 200 ignored', async (status) => {
    const relay = await startRelay();

    const answer = await woo(relay.url, { ...WOO_ORDER, status });

    expect(answer.body['status']).toBe('ignored');
  });
});

describe('webhook availability', () => {
  it('answers 503 with Retry-After while the relay shuts down', async () => {
    const relay = await startRelay();
    relay.accepting = false;

    const response = await fetch(`${relay.url}/webhooks/shopify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/paid' },
      body: '{}',
    });

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
  });

  it('answers 503 when the store cannot commit, so the platform delivers again', async () => {
    const relay = await startRelay();
    await relay.store.close();

    const answer = await shopify(relay.url, SHOPIFY_ORDER);

    expect(answer.status).toBe(503);
    expect((answer.body['error'] as Json)['code']).toBe('RELAY_ERR_STORE_UNAVAILABLE');
  });

  it('answers 404 for a tenant name that has no secret for the platform', async () => {
    const relay = await startRelay();

    const answer = await woo(relay.url, WOO_ORDER, 'order.updated', {
      path: '/webhooks/woocommerce/brand',
    });

    expect(answer.status).toBe(404);
    expect((answer.body['error'] as Json)['code']).toBe('RELAY_ERR_WEBHOOK_NOT_CONFIGURED');
  });
});

describe('webhooks end to end', () => {
  const API_KEY = 'relay-webhooks-e2e-key-7c1d';

  /** The fixtures with their order times moved to a minute ago, within Pinterest's window. */
  function freshOrders(nowMs: number) {
    const minuteAgo = new Date(nowMs - 60_000).toISOString();
    const stripeSession = (STRIPE_EVENT['data'] as { object: Json }).object;
    return {
      shopify: { ...SHOPIFY_ORDER, processed_at: minuteAgo, created_at: minuteAgo },
      stripe: stripeEvent(stripeSession, { created: Math.floor(nowMs / 1000) - 60 }),
      woocommerce: { ...WOO_ORDER, date_created_gmt: minuteAgo.slice(0, 19) },
    };
  }

  async function startLiveRelay(sandboxApi: string) {
    const home = await mkdtemp(join(dir, 'e2e-'));
    const env = {
      PINTEREST_ACCESS_TOKEN: DEFAULT_CONVERSION_TOKEN,
      PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID,
      PINTEREST_API_BASE_URL: sandboxApi,
      RELAY_API_KEYS: API_KEY,
      DATABASE_URL: `file:${join(home, 'queue.sqlite')}`,
      HOST: '127.0.0.1',
      SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET,
      STRIPE_WEBHOOK_SECRET: `${STRIPE_OLD},${STRIPE_NEW}`,
      WOOCOMMERCE_WEBHOOK_SECRET: WOO_SECRET,
    };
    const config = await loadConfig({ env, cwd: home, port: 0 });
    const relay = await createRelay({ config, logger: createLogger({ level: 'silent' }) });
    const url = await relay.listen();
    onTestFinished(() => relay.close());
    return url;
  }

  it('delivers one correct checkout per platform to the sandbox, and no more on redelivery', async () => {
    const sandbox = await startSandbox({ port: 0 });
    onTestFinished(() => sandbox.close());
    const url = await startLiveRelay(sandbox.apiBaseUrl);
    const now = Date.now();
    const orders = freshOrders(now);
    const stripeAt = { timestamp: Math.floor(now / 1000) };

    const answers = [
      await shopify(url, orders.shopify),
      await deliver(url, 'stripe', orders.stripe, { secret: STRIPE_NEW, ...stripeAt }),
      await woo(url, orders.woocommerce),
      await shopify(url, orders.shopify, 'orders/create'),
      await shopify(url, orders.shopify, 'orders/paid', { sendBody: '{"tampered":true}' }),
    ];
    const ids = answers.slice(0, 3).map((answer) => String(answer.body['event_id']));
    for (const id of ids) {
      await waitForEventState(url, id, { apiKey: API_KEY, state: 'delivered' });
    }

    const events = await waitFor('three events at the sandbox', async () => {
      const received = await sandboxEvents(sandbox.url);
      return received.length >= 3 ? received : undefined;
    });
    expect(answers.map((answer) => answer.body['status'] ?? answer.status)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'duplicate',
      401,
    ]);
    expect(events).toHaveLength(3);
    const byId = new Map(events.map((event) => [event.event.event_id, event]));
    expectShopifyEvent(byId.get(ids[0] ?? ''));
    expectStripeEvent(byId.get(ids[1] ?? ''));
    expectWooEvent(byId.get(ids[2] ?? ''));
  });

  it('takes webhooks in sandbox mode with the demo secrets and the policy from the environment', async () => {
    const home = await mkdtemp(join(dir, 'sandbox-mode-'));
    const env = {
      DATABASE_URL: `file:${join(home, 'queue.sqlite')}`,
      RELAY_CONSENT_UNKNOWN: 'opt_out',
    };
    const config = await loadConfig({ env, cwd: home, port: 0 });
    const relay = await createRelay({ config, logger: createLogger({ level: 'silent' }) });
    const url = await relay.listen();
    onTestFinished(() => relay.close());
    const order = freshOrders(Date.now()).shopify;

    const answer = await shopify(url, order, 'orders/paid', {
      secret: SANDBOX_WEBHOOK_SECRETS.shopify,
    });
    const forged = await shopify(url, order, 'orders/paid', { secret: SHOPIFY_SECRET });
    const eventId = String(answer.body['event_id']);
    await waitForEventState(url, eventId, { apiKey: SANDBOX_API_KEY, state: 'delivered' });

    expect(config.mode).toBe('sandbox');
    expect(answer.body['status']).toBe('accepted');
    expect(forged.status).toBe(401);
    const [received] = await sandboxEvents(relay.sandboxUrl ?? '');
    expect(received?.event).toMatchObject({ event_id: eventId, opt_out: true });
  });
});

function expectShopifyEvent(received: SandboxEvent | undefined): void {
  expect(received?.ad_account_id).toBe(DEFAULT_AD_ACCOUNT_ID);
  expect(received?.test).toBe(false);
  expect(received?.event).toMatchObject({
    event_name: 'checkout',
    action_source: 'web',
    event_id: 'b3c1f0d2-6a4e-4f8b-9c7d-2e5a1f0b3c4d',
    custom_data: {
      value: '118.00',
      currency: 'USD',
      order_id: '6143082987621',
      num_items: 3,
      content_ids: ['8123456789012', '8123456789034'],
    },
    user_data: {
      em: [sha256Hex('maya.okafor@example.com')],
      ph: [sha256Hex('12125550147')],
      fn: [sha256Hex('maya')],
      ln: [sha256Hex('okafor')],
      ct: [sha256Hex('brooklyn')],
      st: [sha256Hex('ny')],
      zp: [sha256Hex('11217')],
      country: [sha256Hex('us')],
      external_id: [sha256Hex('7390128475237')],
      client_ip_address: '198.51.100.23',
      click_id: 'dj0yJnU9ZXhhbXBsZV9jbGlja19pZCZuPTE',
    },
  });
}

function expectStripeEvent(received: SandboxEvent | undefined): void {
  expect(received?.event).toMatchObject({
    event_id: '5e0c7a9b-3d21-4f6e-8a1b-c2d3e4f5a6b7',
    custom_data: {
      value: '72.00',
      currency: 'USD',
      order_id: 'cs_live_a1Kq9ZbX3cT7vN2mP5rS8uW0yB4dF6hJ9kL1nQ3sV5xZ7',
    },
    user_data: {
      em: [sha256Hex('dan.whitaker@example.org')],
      ph: [sha256Hex('15035550188')],
      external_id: [sha256Hex('cus_RkT2mB8vQ1nZ4x')],
      click_id: 'dj0yJnU9c3RyaXBlX2V4YW1wbGVfY2xpY2s',
    },
  });
}

function expectWooEvent(received: SandboxEvent | undefined): void {
  expect(received?.event).toMatchObject({
    event_id: 'c9a8b7d6-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    custom_data: { value: '70.20', currency: 'EUR', order_id: '4817', num_items: 3 },
    user_data: {
      em: [sha256Hex('lena.schaefer@example.de')],
      ph: [sha256Hex('493055572210')],
      external_id: [sha256Hex('212')],
      client_ip_address: '203.0.113.54',
      click_id: 'dj0yJnU9d29vX2V4YW1wbGVfY2xpY2tfaWQ',
    },
  });
}
