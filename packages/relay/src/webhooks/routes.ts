/**
 * @module webhooks/routes
 * `POST /webhooks/shopify`, `/webhooks/stripe` and `/webhooks/woocommerce` (and the same paths
 * followed by `/<tenant name>`): the raw body is verified against the platform's signature, then
 * parsed, read as a checkout by the platform's adapter, hashed and validated by the SDK, and
 * stored in one durable commit before the platform gets its 200.
 *
 * Which tenant: the bare path tries every tenant that has a secret for the platform and takes the
 * one whose secret produced the signature. When one secret belongs to several tenants (a public
 * Shopify app signs every shop's webhooks with the same client secret), the platform must post to
 * `/webhooks/<platform>/<tenant name>` instead.
 *
 * Answers: anything that is not a checkout (another topic, a refund, a cancelled or unpaid order, a
 * test order) and a checkout the SDK rejects are answered 200, because a platform retries every
 * other status for hours and then disables the webhook, and no retry would change the answer.
 * A bad signature is 401 and a store failure 503 (the platform retries later), with nothing stored.
 */
import type {
  FastifyError,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import { ValidationError, WebhookSignatureError, buildCheckoutEvent } from '@pinterest-capi/sdk';
import type { ValidationIssue } from '@pinterest-capi/sdk';

import { RelayHttpError, toRelayHttpError } from '../ingest/errors.js';
import type { IngestCounts, IngestTenant } from '../ingest/routes.js';
import { SHUTDOWN_RETRY_AFTER_SECONDS } from '../ingest/routes.js';
import { buildWithPrivacy } from '../privacy/policy.js';
import type { PrivacyOutcome } from '../privacy/policy.js';
import type { EnqueueResult, NewEvent } from '../queue/store.js';
import { WebhookHttpError } from './errors.js';
import { objectAt } from './payload.js';
import type { CheckoutReading, JsonObject, WebhookReading } from './payload.js';
import { readShopifyWebhook } from './shopify.js';
import {
  SIGNATURE_HEADERS,
  WEBHOOK_PLATFORMS,
  checkFreshness,
  mismatchMessage,
  parseSignature,
  secretList,
  signedWith,
} from './signature.js';
import type { VerifyOptions, WebhookPlatform } from './signature.js';
import { readStripeEvent } from './stripe.js';
import { isWooCommercePing, readWooCommerceWebhook } from './woocommerce.js';

/** A tenant as the webhooks see it: ingest's tenant, plus its webhook secrets. */
export interface WebhookTenant extends IngestTenant {
  /** Per platform; Stripe and Shopify take a comma-separated list during a rotation. */
  webhookSecrets: Partial<Record<WebhookPlatform, string>>;
  /**
   * Store and deliver orders the platform marks as tests, as ordinary events. Off, they are
   * answered 200 `ignored`, so test orders never reach Pinterest's reporting.
   * @default false
   */
  acceptTestOrders?: boolean;
}

/** What the webhook routes need from the rest of the relay. */
export interface WebhookDeps {
  tenants: readonly WebhookTenant[];
  /** Stores events durably before resolving; the relay passes its group committer. */
  enqueue(events: readonly NewEvent[]): Promise<EnqueueResult[]>;
  /** Called after a commit that stored a new event, to wake the delivery worker. */
  onStored?(adAccountId: string, accepted: number): void;
  /** Called for every checkout that reached the SDK: stored, duplicate or rejected. */
  onResults?(source: WebhookPlatform, counts: IngestCounts): void;
  /** Epoch ms, the receive time and Stripe's clock. @default Date.now */
  now?: () => number;
  /** `false` while the relay shuts down: 503 with `Retry-After`. @default always accepting */
  isAccepting?(): boolean;
  /** How old a Stripe signature may be. @default 300 */
  stripeToleranceSeconds?: number;
}

/** The body of every 200 answer. */
export interface WebhookAnswer {
  status: 'accepted' | 'duplicate' | 'ignored' | 'rejected';
  event_id?: string;
  /** Why a webhook was ignored. */
  reason?: string;
  /** Why the SDK rejected the checkout: field path and rule, never the value. */
  issues?: readonly ValidationIssue[];
}

/**
 * Largest webhook body, in bytes: 5 MiB. A Shopify order with a few hundred line items weighs
 * well under 1 MB.
 */
export const WEBHOOK_BODY_LIMIT = 5 * 1024 * 1024;

/** The header naming each platform's topic; Stripe's type is inside the body. */
const TOPIC_HEADERS: Readonly<Record<WebhookPlatform, string | undefined>> = {
  shopify: 'x-shopify-topic',
  stripe: undefined,
  woocommerce: 'x-wc-webhook-topic',
};

const READERS: Readonly<
  Record<WebhookPlatform, (topic: string | undefined, body: JsonObject) => WebhookReading>
> = {
  shopify: readShopifyWebhook,
  stripe: (_topic, body) => readStripeEvent(body),
  woocommerce: readWooCommerceWebhook,
};

interface Candidate {
  tenant: WebhookTenant;
  secrets: string[];
}

type WebhookRequest = FastifyRequest<{ Params: { tenant?: string } }>;

/**
 * The webhook routes as a fastify plugin, with their own body parser (any content type, kept as
 * raw bytes for the signature) and error handler.
 *
 * @example
 * await app.register(
 *   webhookRoutes({
 *     tenants: [{ name: 'shop', adAccountId, prepare: {}, webhookSecrets: { shopify: secret } }],
 *     enqueue: (events) => committer.enqueue(events),
 *     onStored: (adAccountId, count) => worker.notify(adAccountId, count),
 *   }),
 * );
 */
export function webhookRoutes(deps: WebhookDeps): FastifyPluginAsync {
  return (app) => {
    registerWebhooks(app, deps);
    return Promise.resolve();
  };
}

function registerWebhooks(app: FastifyInstance, deps: WebhookDeps): void {
  // The signature covers the bytes as sent, so the body is kept as a Buffer and parsed only after
  // it verified. Any content type: WooCommerce's ping is form-encoded.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT },
    (_request, body, done) => {
      done(null, body);
    },
  );
  app.setErrorHandler(answerError);

  for (const platform of WEBHOOK_PLATFORMS) {
    const candidates = deps.tenants
      .map((tenant) => ({ tenant, secrets: secretList(platform, tenant.webhookSecrets[platform]) }))
      .filter((candidate) => candidate.secrets.length > 0);
    const options = {
      bodyLimit: WEBHOOK_BODY_LIMIT,
      onRequest: admit(platform, candidates, deps),
    };
    const handler = handle(platform, candidates, deps);
    app.post(`/webhooks/${platform}`, options, handler);
    app.post(`/webhooks/${platform}/:tenant`, options, handler);
  }
}

/** Refuses before the body is read: during shutdown, and for a platform nobody configured. */
function admit(platform: WebhookPlatform, candidates: readonly Candidate[], deps: WebhookDeps) {
  return (request: WebhookRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (deps.isAccepting?.() === false) {
      done(
        new RelayHttpError('RELAY_ERR_SHUTTING_DOWN', 'the relay is shutting down; retry', {
          headers: { 'retry-after': String(SHUTDOWN_RETRY_AFTER_SECONDS), connection: 'close' },
        }),
      );
      return;
    }

    if (forTenant(candidates, request.params.tenant).length === 0) {
      done(notConfigured(platform, request.params.tenant));
      return;
    }

    done();
  };
}

function handle(platform: WebhookPlatform, candidates: readonly Candidate[], deps: WebhookDeps) {
  const clock = deps.now ?? (() => Date.now());
  return async (request: WebhookRequest, reply: FastifyReply) => {
    const now = clock();
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const header = headerValue(request, SIGNATURE_HEADERS[platform]);
    if (platform === 'woocommerce' && header === undefined && isWooCommercePing(body)) {
      return reply.code(200).send(pong());
    }

    const verify: VerifyOptions = { body, header, now };
    if (deps.stripeToleranceSeconds !== undefined)
      verify.toleranceSeconds = deps.stripeToleranceSeconds;
    const tenant = identifyTenant(platform, forTenant(candidates, request.params.tenant), verify);
    const topicHeader = TOPIC_HEADERS[platform];
    const topic = topicHeader === undefined ? undefined : headerValue(request, topicHeader);
    const reading = READERS[platform](topic, parseBody(body));
    const answer = await settle(reading, { platform, tenant, now, deps });
    logAnswer(request, answer, { platform, tenant: tenant.name, topic });
    return reply.code(200).send(answer);
  };
}

/** One line per webhook: what it was and what became of it; never a customer's details. */
function logAnswer(
  request: FastifyRequest,
  answer: WebhookAnswer,
  fields: Record<string, unknown>,
) {
  const line = { ...fields, status: answer.status, eventId: answer.event_id };
  if (answer.status === 'rejected') {
    request.log.warn({ ...line, issues: answer.issues }, 'webhook checkout rejected');
  } else if (answer.status === 'ignored') {
    request.log.info({ ...line, reason: answer.reason }, 'webhook ignored');
  } else {
    request.log.info(line, 'webhook stored');
  }
}

function forTenant(candidates: readonly Candidate[], name: string | undefined): Candidate[] {
  return name === undefined ? [...candidates] : candidates.filter((c) => c.tenant.name === name);
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The tenant whose secret produced the signature. Every secret of every candidate is tried (each
 * comparison in constant time), so the time taken does not depend on which one matched.
 *
 * @throws {WebhookSignatureError} Missing, malformed, unmatched or (Stripe) stale signature.
 * @throws {WebhookHttpError} `RELAY_ERR_WEBHOOK_AMBIGUOUS_TENANT` when several tenants match.
 */
function identifyTenant(
  platform: WebhookPlatform,
  candidates: readonly Candidate[],
  verify: VerifyOptions,
): WebhookTenant {
  const parsed = parseSignature(platform, verify);
  const matches = candidates.filter(({ secrets }) =>
    secrets.map((secret) => signedWith(parsed, secret)).includes(true),
  );
  const [match, ...others] = matches;
  if (match === undefined) throw new WebhookSignatureError(mismatchMessage(platform));
  if (others.length > 0) {
    const names = matches.map(({ tenant }) => tenant.name).join(', ');
    throw new WebhookHttpError(
      'RELAY_ERR_WEBHOOK_AMBIGUOUS_TENANT',
      `this ${platform} secret is configured for several tenants (${names}): ` +
        `post the webhook to /webhooks/${platform}/<tenant name> instead`,
    );
  }

  checkFreshness(parsed, verify);
  return match.tenant;
}

/**
 * The verified body as a JSON object. Only named fields are ever read from it, and nothing is
 * merged into other objects, so keys such as `__proto__` are inert here.
 */
function parseBody(body: Buffer): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RelayHttpError('RELAY_ERR_MALFORMED_JSON', 'the body is not valid JSON');
  }

  const object = objectAt(parsed);
  if (object === undefined) {
    throw new RelayHttpError('RELAY_ERR_INVALID_BODY', 'the webhook body must be a JSON object');
  }

  return object;
}

interface SettleContext {
  platform: WebhookPlatform;
  tenant: WebhookTenant;
  now: number;
  deps: WebhookDeps;
}

async function settle(reading: WebhookReading, context: SettleContext): Promise<WebhookAnswer> {
  if (reading.kind === 'ignored') return { status: 'ignored', reason: reading.reason };
  if (reading.test && context.tenant.acceptTestOrders !== true) {
    const reason = 'the platform marks this as a test order, and test orders are not sent';
    return { status: 'ignored', reason };
  }

  const built = buildEvent(reading, context);
  if (built instanceof ValidationError) {
    report(context, { accepted: 0, duplicates: 0, rejected: 1 });
    return { status: 'rejected', issues: built.issues };
  }

  const status = await store(built, context);
  const accepted = status === 'accepted' ? 1 : 0;
  report(context, { accepted, duplicates: 1 - accepted, rejected: 0 });
  return { status, event_id: built.event.event_id };
}

/**
 * Builds the checkout event, then applies the tenant's consent and LDP rules as ingest does. The
 * consent is the one the page left on the order (`pinterest_consent`); without it, unknown.
 */
function buildEvent(
  reading: CheckoutReading,
  context: SettleContext,
): PrivacyOutcome | ValidationError {
  const prepare = { ...context.tenant.prepare, now: context.now };
  return buildWithPrivacy({
    consent: reading.consent,
    build: () => buildCheckoutEvent(reading.checkout, prepare),
    policy: context.tenant.privacy,
  });
}

async function store(
  { event, privacy }: PrivacyOutcome,
  context: SettleContext,
): Promise<EnqueueResult['status']> {
  const { platform, tenant, now, deps } = context;
  let results: EnqueueResult[];
  try {
    results = await deps.enqueue([
      { adAccountId: tenant.adAccountId, event, source: platform, receivedAt: now, privacy },
    ]);
  } catch (error) {
    const message = 'the event store did not commit; nothing was stored, the platform will retry';
    throw new RelayHttpError('RELAY_ERR_STORE_UNAVAILABLE', message, {
      headers: { 'retry-after': '1' },
      cause: error,
    });
  }

  const status = results[0]?.status;
  if (status === undefined) throw new Error('the store answered no result for one event');
  if (status === 'accepted') notify(() => deps.onStored?.(tenant.adAccountId, 1));
  return status;
}

function report(context: SettleContext, counts: IngestCounts): void {
  notify(() => context.deps.onResults?.(context.platform, counts));
}

/** The event is already durable: a failing listener must not make the platform resend it. */
function notify(listener: () => void): void {
  try {
    listener();
  } catch {
    // Metrics and wake-ups are best effort; the worker also polls on its own schedule.
  }
}

function pong(): WebhookAnswer {
  return { status: 'ignored', reason: 'WooCommerce ping: this endpoint is reachable' };
}

function notConfigured(platform: WebhookPlatform, tenant: string | undefined): WebhookHttpError {
  const variable = `${platform.toUpperCase()}_WEBHOOK_SECRET`;
  const message =
    tenant === undefined
      ? `no tenant has a ${platform} webhook secret: set ${variable} or webhookSecrets.${platform}`
      : `no tenant of that name has a ${platform} webhook secret (webhookSecrets.${platform})`;
  return new WebhookHttpError('RELAY_ERR_WEBHOOK_NOT_CONFIGURED', message);
}

function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const refusal = toRefusal(error);
  if (refusal.statusCode >= 500) {
    request.log.error({ err: refusal.cause ?? refusal, code: refusal.code }, 'webhook failed');
  } else {
    // Headers and body are never logged: they hold signatures and customers' details.
    request.log.warn({ code: refusal.code }, 'webhook refused');
  }

  return reply.code(refusal.statusCode).headers(refusal.headers).send(refusal.toBody());
}

function toRefusal(error: FastifyError): WebhookHttpError | RelayHttpError {
  if (error instanceof WebhookHttpError) return error;
  if (error instanceof WebhookSignatureError) {
    return new WebhookHttpError('RELAY_ERR_WEBHOOK_SIGNATURE', error.message);
  }

  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const message = `the webhook body exceeds ${WEBHOOK_BODY_LIMIT} bytes`;
    return new RelayHttpError('RELAY_ERR_BODY_TOO_LARGE', message);
  }

  return toRelayHttpError(error, { bodyLimit: WEBHOOK_BODY_LIMIT, maxEvents: 1 });
}
