/**
 * @module ingest/routes
 * `POST /v1/events` and `POST /v1/checkout`: authenticated with relay API keys, one JSON body of
 * 1 to 1,000 items, each hashed and validated in memory, the good ones stored in one durable
 * commit, and a per-item answer (accepted, duplicate, rejected with path and rule) sent only after
 * that commit. Registered as an encapsulated plugin, so its body parser, auth hook and error
 * handler apply to these two routes only.
 */
import type {
  FastifyError,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteShorthandOptions,
} from 'fastify';
import type { PrepareOptions } from '@pinterest-capi/sdk';

import type { PrivacyPolicy } from '../privacy/policy.js';
import type { EnqueueResult, NewEvent } from '../queue/store.js';
import { readBearerToken } from './api-keys.js';
import { ingestBatch } from './batch.js';
import type { IngestResponse, IngestSource } from './batch.js';
import {
  INGEST_BODY_SCHEMA,
  INGEST_RESPONSE_SCHEMA,
  MAX_EVENTS_PER_INGEST,
  bodyItems,
} from './envelope.js';
import { RelayHttpError, toRelayHttpError, unsupportedMediaType } from './errors.js';

/** How many items of one request ended each way. */
export interface IngestCounts {
  accepted: number;
  duplicates: number;
  rejected: number;
}

/** Who an API key belongs to: the ad account its events go to, and how they are prepared. */
export interface IngestTenant {
  name: string;
  adAccountId: string;
  /** SDK options for every event of this tenant: `partnerName`, `defaultCountry`, time window. */
  prepare: PrepareOptions;
  /**
   * Consent and LDP rules for this tenant's events.
   * @default `DEFAULT_PRIVACY_POLICY` (denied consent dropped, unknown sent, no LDP by state)
   */
  privacy?: PrivacyPolicy | undefined;
}

/** What the ingest routes need from the rest of the relay. */
export interface IngestDeps {
  /** Resolves a presented API key to its tenant (constant-time comparison inside). */
  authenticate(apiKey: string): IngestTenant | undefined;
  /** Stores events durably before resolving; the relay passes its group committer. */
  enqueue(events: readonly NewEvent[]): Promise<EnqueueResult[]>;
  /** Called after a commit that stored new events, to wake the delivery worker. */
  onStored?(adAccountId: string, accepted: number): void;
  /** Called after every request that reached the store step (202 or 422), e.g. for metrics. */
  onResults?(source: IngestSource, counts: IngestCounts): void;
  /**
   * Epoch ms, the receive time of every event of a request.
   * @default Date.now
   */
  now?: () => number;
  /**
   * `false` while the relay shuts down: requests are refused with 503 and `Retry-After`.
   * @default always accepting
   */
  isAccepting?(): boolean;
}

/**
 * Largest body accepted, in bytes: 5 MiB. A full request of 1,000 events with carts and raw
 * identifiers weighs about 1 to 2 MB, so 5 MiB leaves room for large carts while bounding what
 * one request can make the relay buffer. Pinterest documents no byte limit of its own.
 */
export const INGEST_BODY_LIMIT = 5 * 1024 * 1024;

/** Seconds a caller is asked to wait when the relay is shutting down. */
export const SHUTDOWN_RETRY_AFTER_SECONDS = 5;

const LIMITS = { bodyLimit: INGEST_BODY_LIMIT, maxEvents: MAX_EVENTS_PER_INGEST };

const ROUTE_OPTIONS = {
  bodyLimit: INGEST_BODY_LIMIT,
  schema: {
    body: INGEST_BODY_SCHEMA,
    response: { 202: INGEST_RESPONSE_SCHEMA, 422: INGEST_RESPONSE_SCHEMA },
  },
} satisfies RouteShorthandOptions;

/**
 * The ingest routes as a fastify plugin. Bodies are parsed as JSON only (anything else is 415),
 * and the keys `__proto__` and `constructor.prototype` are removed while parsing: the caller sees
 * its event processed as if the key were absent, and nothing downstream ever reads it.
 *
 * @example
 * const committer = new GroupCommitter(store);
 * await app.register(
 *   ingestRoutes({
 *     authenticate: createApiKeyResolver([{ key: process.env.RELAY_KEY!, tenant }]),
 *     enqueue: (events) => committer.enqueue(events),
 *     onStored: (adAccountId) => worker.wake(adAccountId),
 *   }),
 * );
 */
export function ingestRoutes(deps: IngestDeps): FastifyPluginAsync {
  return (app) => {
    registerIngest(app, deps);
    return Promise.resolve();
  };
}

function registerIngest(app: FastifyInstance, deps: IngestDeps): void {
  const tenants = new WeakMap<FastifyRequest, IngestTenant>();
  const clock = deps.now ?? (() => Date.now());

  // Our own parser in this scope: JSON only (text/plain is 415 here) and poisoning keys removed,
  // whatever the server-wide settings are.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('remove', 'remove');
  const parserOptions = { parseAs: 'string', bodyLimit: INGEST_BODY_LIMIT } as const;
  app.addContentTypeParser('application/json', parserOptions, parseJson);
  app.setErrorHandler(answerError);

  // Auth runs before the body is read, so an unknown caller cannot make the relay parse 5 MiB.
  app.addHook('onRequest', (request, _reply, done: HookHandlerDoneFunction) => {
    const refusal = admit(request, deps);
    if (refusal instanceof RelayHttpError) {
      done(refusal);
      return;
    }

    tenants.set(request, refusal);
    done();
  });

  const handler =
    (source: IngestSource) => async (request: FastifyRequest, reply: FastifyReply) => {
      const tenant = tenants.get(request);
      if (!tenant) throw invalidKey(); // unreachable: the onRequest hook admitted this request
      const now = clock();
      const response = await ingestBatch(bodyItems(request.body), {
        adAccountId: tenant.adAccountId,
        source,
        prepare: { ...tenant.prepare, now },
        receivedAt: now,
        queue: deps,
        privacy: tenant.privacy,
      });
      notifyListeners(deps, request, { source, adAccountId: tenant.adAccountId, response });
      return reply.code(statusOf(response)).send(response);
    };

  app.post('/v1/events', ROUTE_OPTIONS, handler('events'));
  app.post('/v1/checkout', ROUTE_OPTIONS, handler('checkout'));
}

/**
 * 202 when anything was stored (or already was). When every item was rejected the answer is 422
 * with the same body: a caller that sent one bad event must see an error status, not a 2xx its
 * HTTP client would count as success.
 */
function statusOf(response: IngestResponse): 202 | 422 {
  return response.accepted + response.duplicates > 0 ? 202 : 422;
}

interface Outcome {
  source: IngestSource;
  adAccountId: string;
  response: IngestResponse;
}

/**
 * Wakes the delivery worker and reports the counts. The events are already durable, so a failing
 * listener must not turn the answer into an error that would make the caller resend them.
 */
function notifyListeners(deps: IngestDeps, request: FastifyRequest, outcome: Outcome): void {
  const { accepted, duplicates, rejected } = outcome.response;
  try {
    if (accepted > 0) deps.onStored?.(outcome.adAccountId, accepted);
    deps.onResults?.(outcome.source, { accepted, duplicates, rejected });
  } catch (error) {
    request.log.error({ err: error }, 'ingest listener failed');
  }
}

/** The tenant of a request, or the refusal to answer it with. */
function admit(request: FastifyRequest, deps: IngestDeps): IngestTenant | RelayHttpError {
  if (deps.isAccepting?.() === false) {
    return new RelayHttpError('RELAY_ERR_SHUTTING_DOWN', 'the relay is shutting down; retry', {
      headers: { 'retry-after': String(SHUTDOWN_RETRY_AFTER_SECONDS), connection: 'close' },
    });
  }

  const key = readBearerToken(request.headers.authorization);
  if (key === undefined) {
    const message = 'send a relay API key as Authorization: Bearer <key>';
    return new RelayHttpError('RELAY_ERR_MISSING_API_KEY', message, {
      headers: { 'www-authenticate': 'Bearer realm="pinterest-capi"' },
    });
  }

  const tenant = deps.authenticate(key);
  if (!tenant) return invalidKey();
  // Without a content type fastify would skip parsing and hand a missing body to the schema as
  // null; refusing here gives the caller the real reason instead of a per-event type error.
  if (request.headers['content-type'] === undefined) return unsupportedMediaType();
  return tenant;
}

function invalidKey(): RelayHttpError {
  return new RelayHttpError('RELAY_ERR_INVALID_API_KEY', 'the API key is not a relay API key', {
    headers: { 'www-authenticate': 'Bearer realm="pinterest-capi", error="invalid_token"' },
  });
}

function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const refusal = toRelayHttpError(error, LIMITS);
  // Bodies are never logged: they may hold raw emails and phone numbers.
  if (refusal.statusCode >= 500) {
    request.log.error({ err: refusal.cause ?? refusal, code: refusal.code }, 'ingest failed');
  } else {
    request.log.info({ code: refusal.code }, 'ingest request refused');
  }

  return reply.code(refusal.statusCode).headers(refusal.headers).send(refusal.toBody());
}
