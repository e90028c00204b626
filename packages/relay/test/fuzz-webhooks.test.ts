/**
 * Fuzzing the three webhook endpoints with fast-check, over real HTTP: the webhook routes on a
 * fastify server with a GroupCommitter and a SqliteStore, as the relay wires them. Each body
 * starts from a platform's documented payload (test/fixtures/webhooks), gets fields changed to
 * any JSON, removed, or replaced by a hostile value (nested thousands deep, past the body limit,
 * invalid UTF-8, `__proto__` and `constructor` keys), and is signed correctly over the exact bytes
 * sent, so it passes the signature check and reaches the platform's mapper and the SDK. Every
 * answer is checked: never a 5xx, a 200 says what became of the checkout (a rejection names a
 * field and a rule), a refusal is a 4xx with a `RELAY_ERR_` code, and the store grows by one
 * exactly when the answer is `accepted`.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GroupCommitter } from '../src/queue/group-commit.js';
import { SqliteStore } from '../src/queue/sqlite-store.js';
import { webhookRoutes } from '../src/webhooks/routes.js';
import type { WebhookTenant } from '../src/webhooks/routes.js';
import { signWebhook } from '../src/webhooks/signature.js';
import type { WebhookPlatform } from '../src/webhooks/signature.js';
import {
  FUZZ_SEED,
  anyJson,
  hostileValue,
  pathsOf,
  prototypePolluted,
  renderBody,
  updateAt,
  withSlot,
} from './support/fuzz-inputs.js';
import type { HostileValue } from './support/fuzz-inputs.js';

/** After every fixture's order time, within the SDK's window for each. */
const NOW = Date.parse('2026-01-15T12:06:00Z');
/** Runs per property, sized so that this file stays well under 20 s on a two-core machine. */
const RUNS = { mutated: 450, hostile: 150 };

const TENANT: WebhookTenant = {
  name: 'shop',
  adAccountId: '549755885175',
  prepare: {},
  webhookSecrets: {
    shopify: 'shpss_fuzz_5b2d4f6a8c0e1b3d',
    stripe: 'whsec_fuzz_R2d4F6h8J0k2L4n6',
    woocommerce: 'wc_fuzz_secret',
  },
};

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  const url = new URL(`./fixtures/webhooks/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Json;
}

interface PlatformCase {
  platform: WebhookPlatform;
  payload: Json;
  /** Where the payload carries the Pinterest event id, so runs can repeat or vary it. */
  eventIdPath: string[];
  /** The topic header and its values; checkout topics first and more often. */
  topicHeader?: string;
  topics: string[];
}

const PLATFORMS: readonly PlatformCase[] = [
  {
    platform: 'shopify',
    payload: fixture('shopify-order'),
    eventIdPath: ['note_attributes', '1', 'value'],
    topicHeader: 'x-shopify-topic',
    topics: ['orders/paid', 'orders/create', 'orders/updated', 'refunds/create'],
  },
  {
    platform: 'stripe',
    payload: fixture('stripe-checkout-session-completed'),
    eventIdPath: ['data', 'object', 'metadata', 'pinterest_event_id'],
    topics: [],
  },
  {
    platform: 'woocommerce',
    payload: fixture('woocommerce-order'),
    eventIdPath: ['meta_data', '1', 'value'],
    topicHeader: 'x-wc-webhook-topic',
    topics: ['order.created', 'order.updated', 'order.deleted'],
  },
];

/** One signed delivery; fast-check prints it by platform, topic and changes, not byte by byte. */
interface WebhookCase {
  platform: WebhookPlatform;
  topic: string | undefined;
  body: Buffer;
  changes: string[];
  hostile?: HostileValue['kind'];
}

function described(found: WebhookCase): WebhookCase {
  const size = `${String(found.body.length)} bytes`;
  const text = `${found.platform} ${found.topic ?? ''} (${size}): ${found.changes.join('; ')}`;
  return Object.defineProperty(found, fc.toStringMethod, { value: () => text });
}

type Change = { kind: 'set'; value: unknown } | { kind: 'delete' };

const change: fc.Arbitrary<Change> = fc.oneof(
  { weight: 3, arbitrary: anyJson.map((value) => ({ kind: 'set' as const, value })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'delete' as const }) },
);

/** A platform's payload with a few fields changed and an event id from a small pool. */
function mutatedPayload(platform: PlatformCase) {
  const paths = pathsOf(platform.payload);
  return fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom(...paths), change), { maxLength: 3 }),
      fc.integer({ min: 0, max: 120 }),
    )
    .map(([changes, id]) => {
      let payload: unknown = updateAt(platform.payload, platform.eventIdPath, () => `fuzz-${id}`);
      for (const [path, edit] of changes) {
        payload = updateAt(payload, path, () => (edit.kind === 'set' ? edit.value : undefined));
      }

      const described = changes.map(([path, { kind: what }]) => `${what} ${path.join('.')}`);
      return { payload, changes: described };
    });
}

function topicOf(platform: PlatformCase): fc.Arbitrary<string | undefined> {
  if (platform.topics.length === 0) return fc.constant(undefined);
  const [checkout = '', ...others] = platform.topics;
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(checkout) },
    { weight: 2, arbitrary: fc.constantFrom(...platform.topics) },
    { weight: 1, arbitrary: fc.constantFrom(...others, 'not/a-topic') },
  );
}

const mutatedCases: fc.Arbitrary<WebhookCase> = fc.constantFrom(...PLATFORMS).chain((platform) =>
  fc.tuple(mutatedPayload(platform), topicOf(platform)).map(([mutated, topic]) =>
    described({
      platform: platform.platform,
      topic,
      body: renderBody(mutated.payload),
      changes: mutated.changes,
    }),
  ),
);

/** Whole bodies that are no order at all: any JSON value, or text that is not JSON. */
const foreignBody = fc.oneof(
  anyJson.map((value) => ({ body: renderBody(value), changes: ['any JSON as the body'] })),
  fc.string({ maxLength: 40 }).map((text) => ({ body: Buffer.from(text), changes: ['text'] })),
);

const hostileCases: fc.Arbitrary<WebhookCase> = fc.constantFrom(...PLATFORMS).chain((platform) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.constantFrom(...pathsOf(platform.payload)), hostileValue, topicOf(platform))
        .map(([path, hostile, topic]) =>
          described({
            platform: platform.platform,
            topic,
            body: renderBody(withSlot(platform.payload, path), hostile),
            changes: [`${hostile.kind} at ${path.join('.')}`],
            hostile: hostile.kind,
          }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(foreignBody, topicOf(platform))
        .map(([foreign, topic]) => described({ platform: platform.platform, topic, ...foreign })),
    },
  ),
);

let dir: string;
let app: FastifyInstance;
let store: SqliteStore;
let url: string;
const seen = {
  statuses: new Set<string>(),
  acceptedBy: new Set<WebhookPlatform>(),
  hostile: new Set<string>(),
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capi-fuzz-webhooks-'));
  store = SqliteStore.open({ path: join(dir, 'queue.sqlite') });
  await store.migrate();
  const committer = new GroupCommitter(store);
  app = Fastify();
  await app.register(
    webhookRoutes({
      tenants: [TENANT],
      enqueue: (events) => committer.enqueue(events),
      now: () => NOW,
    }),
  );
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function storedCount(): Promise<number> {
  const { byState } = await store.stats();
  return Object.values(byState).reduce((sum, count) => sum + count, 0);
}

async function deliver(found: WebhookCase): Promise<{ status: number; body: Json }> {
  const platform = PLATFORMS.find((candidate) => candidate.platform === found.platform);
  const signature = signWebhook(
    found.platform,
    found.body,
    TENANT.webhookSecrets[found.platform] ?? '',
    {
      timestamp: NOW / 1000,
    },
  );
  const topic =
    platform?.topicHeader === undefined || found.topic === undefined
      ? {}
      : { [platform.topicHeader]: found.topic };
  const response = await fetch(`${url}/webhooks/${found.platform}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signature, ...topic },
    body: found.body,
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/** Delivers one case and checks the answer against what the store then holds. */
async function deliverAndCheck(found: WebhookCase): Promise<void> {
  const before = await storedCount();
  const { status, body } = await deliver(found);
  const after = await storedCount();

  expect(status).toBeLessThan(500);
  // Signed with the tenant's secret over the bytes sent: the signature is never what fails.
  expect(status).not.toBe(401);
  expect(prototypePolluted()).toBe(false);
  if (status !== 200) {
    expect(status).toBeGreaterThanOrEqual(400);
    expect(body).toMatchObject({ error: { code: expect.stringMatching(/^RELAY_ERR_[A-Z_]+$/) } });
    expect(after, 'events stored by a refused webhook').toBe(before);
    seen.statuses.add(`refused ${String(status)}`);
    return;
  }

  const answer = body as { status: string; event_id?: string; reason?: string; issues?: Json[] };
  seen.statuses.add(answer.status);
  expect(['accepted', 'duplicate', 'ignored', 'rejected']).toContain(answer.status);
  expect(after, `events stored by a webhook answered ${answer.status}`).toBe(
    before + (answer.status === 'accepted' ? 1 : 0),
  );
  if (answer.status === 'accepted' || answer.status === 'duplicate') {
    expect(answer.event_id).toEqual(expect.any(String));
    expect(await store.get(TENANT.adAccountId, answer.event_id ?? '')).toBeDefined();
    if (answer.status === 'accepted') seen.acceptedBy.add(found.platform);
  } else if (answer.status === 'ignored') {
    expect(answer.reason).toMatch(/\S/);
  } else {
    expect(answer.issues?.length).toBeGreaterThan(0);
    for (const issue of answer.issues ?? []) {
      expect(issue['path']).toMatch(/\S/);
      expect(issue['rule']).toMatch(/^[a-z][a-z0-9_]*$/i);
    }
  }
}

describe('fuzzing the webhook endpoints', () => {
  it('answers signed payloads with changed, missing and wrong-typed fields without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedCases, async (found) => {
        await deliverAndCheck(found);
      }),
      { seed: FUZZ_SEED, numRuns: RUNS.mutated },
    );
  }, 30_000);

  it('answers signed hostile payloads (deep, huge, invalid UTF-8, prototype keys) without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(hostileCases, async (found) => {
        if (found.hostile) seen.hostile.add(found.hostile);
        await deliverAndCheck(found);
      }),
      { seed: FUZZ_SEED, numRuns: RUNS.hostile },
    );
  }, 30_000);

  it('reached every outcome, every platform mapper and every kind of hostile value', () => {
    expect([...seen.acceptedBy].sort()).toEqual(['shopify', 'stripe', 'woocommerce']);
    for (const status of ['accepted', 'duplicate', 'ignored', 'rejected', 'refused 400']) {
      expect([...seen.statuses]).toContain(status);
    }

    expect([...seen.hostile].sort()).toEqual(
      ['deep', 'huge', 'invalid-utf8', 'numbers', 'poison', 'wide'].sort(),
    );
  });
});
