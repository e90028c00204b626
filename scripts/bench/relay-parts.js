// The relay's own parts, imported from its build (the package exports only `main`), and the
// small apps the figures compare: the relay's ingest with or without group commit, and a bare
// fastify route that does the same per-event work but stores nothing.
import { fastify } from 'fastify';
import { pino } from 'pino';
import { buildCheckoutEvent, ValidationError } from '@pinterest-capi/sdk';
import { DEFAULT_AD_ACCOUNT_ID, DEFAULT_CONVERSION_TOKEN } from '@pinterest-capi/sandbox';

import { DEFAULT_DELIVERY } from '../../packages/relay/dist/config/config.js';
import { DeliveryWorker } from '../../packages/relay/dist/delivery/worker.js';
import { createApiKeyResolver } from '../../packages/relay/dist/ingest/api-keys.js';
import {
  INGEST_BODY_SCHEMA,
  INGEST_RESPONSE_SCHEMA,
  bodyItems,
} from '../../packages/relay/dist/ingest/envelope.js';
import { ingestRoutes } from '../../packages/relay/dist/ingest/routes.js';
import { createLogger } from '../../packages/relay/dist/log-events.js';
import { GroupCommitter } from '../../packages/relay/dist/queue/group-commit.js';
import { SqliteStore } from '../../packages/relay/dist/queue/sqlite-store.js';

export { createRelay } from '../../packages/relay/dist/relay.js';
export { DeliveryWorker, SqliteStore };

export const API_KEY = 'bench-relay-key';
export const AD_ACCOUNT_ID = DEFAULT_AD_ACCOUNT_ID;
export const AUTH = { authorization: `Bearer ${API_KEY}` };

/** An address nothing listens on, for relays whose delivery is never started. */
export const UNUSED_API_BASE_URL = 'http://127.0.0.1:9/v5';

/** A one-tenant live configuration, as `loadConfig` would build it from the environment. */
export function benchConfig({ databaseUrl, apiBaseUrl, accessToken = DEFAULT_CONVERSION_TOKEN }) {
  return {
    mode: 'live',
    port: 0,
    host: '127.0.0.1',
    apiBaseUrl,
    databaseUrl,
    tenants: [
      {
        name: 'bench',
        adAccountId: AD_ACCOUNT_ID,
        accessToken,
        tagId: undefined,
        apiKeys: [API_KEY],
        partnerName: undefined,
        callsPerMinute: 5000,
        defaultCountry: undefined,
        webhookSecrets: {},
      },
    ],
    delivery: { ...DEFAULT_DELIVERY },
    retentionDays: 30,
    oauth: { oauthUrl: 'http://127.0.0.1:9/oauth/' },
  };
}

/**
 * The relay's logger at its default level (info: fastify logs every request), writing to
 * /dev/null synchronously as pino writes to stdout: the cost of logging stays in the figure
 * without the lines filling the terminal.
 */
export function discardingLogger() {
  return createLogger({
    level: 'info',
    destination: pino.destination({ dest: '/dev/null', sync: true }),
  });
}

/**
 * A delivery worker configured as `createRelay` configures it, for any store: on a store that
 * keeps a shared call budget (PostgreSQL), its pacer comes from the store, as in the relay.
 */
export function deliveryWorker({ store, apiBaseUrl, owner = 'bench-worker' }) {
  const delivery = DEFAULT_DELIVERY;
  const sharedPacing =
    typeof store.createPacer === 'function'
      ? { pacerFor: (_adAccountId, callsPerMinute) => store.createPacer({ callsPerMinute }) }
      : {};
  return new DeliveryWorker({
    ...sharedPacing,
    store,
    owner,
    accounts: [
      {
        adAccountId: AD_ACCOUNT_ID,
        accessToken: DEFAULT_CONVERSION_TOKEN,
        baseUrl: apiBaseUrl,
        callsPerMinute: 5000,
      },
    ],
    lingerMs: delivery.lingerMs,
    leaseMs: delivery.leaseMs,
    concurrency: delivery.concurrency,
    retryBudgetMs: delivery.retryBudgetMs,
    maxEventAgeSeconds: delivery.maxEventAgeSeconds,
  });
}

/**
 * The relay's ingest routes on `store`, either through a group committer (as the relay runs) or
 * with one `store.enqueue` (one commit) per request. No logger, no metrics: only the difference
 * between the two ways of committing.
 */
export async function ingestApp({ store, grouped }) {
  const committer = new GroupCommitter(store);
  const tenant = {
    name: 'bench',
    adAccountId: AD_ACCOUNT_ID,
    prepare: { maxEventAgeSeconds: DEFAULT_DELIVERY.maxEventAgeSeconds },
  };
  const app = fastify();
  await app.register(
    ingestRoutes({
      authenticate: createApiKeyResolver([{ key: API_KEY, tenant }]),
      enqueue: grouped ? (events) => committer.enqueue(events) : (events) => store.enqueue(events),
    }),
  );
  return listening(app, { committer });
}

/**
 * The baseline for ingest: fastify's own JSON parsing, the relay's body schema (one item or 1 to
 * 1,000), the same `buildCheckoutEvent` per item, a per-item answer through the relay's response
 * serializer, 202, and nothing stored: no auth, no log lines, no commit.
 */
export async function bareApp() {
  const app = fastify({ bodyLimit: 5 * 1024 * 1024 });
  const schema = { body: INGEST_BODY_SCHEMA, response: { 202: INGEST_RESPONSE_SCHEMA } };
  app.post('/v1/checkout', { schema }, (request, reply) => {
    const items = bodyItems(request.body);
    const now = Date.now();
    const results = items.map((item, index) => {
      try {
        const event = buildCheckoutEvent(item, { now });
        return { index, event_id: event.event_id, status: 'accepted' };
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return { index, event_id: null, status: 'rejected', issues: error.issues };
      }
    });
    const accepted = results.filter((result) => result.status === 'accepted').length;
    return reply
      .code(202)
      .send({ accepted, duplicates: 0, rejected: results.length - accepted, results });
  });
  return listening(app, {});
}

async function listening(app, extra) {
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { ...extra, url, close: () => app.close() };
}
