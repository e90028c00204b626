/**
 * @module dashboard/api-routes
 * The dashboard's JSON endpoints, registered under `/dashboard/api`. Each one is scoped to the ad
 * account of the presented relay API key, and answers errors as `{ error: { code, message } }`
 * like the rest of the relay, with fixed messages that never repeat the request.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { readBearerToken } from '../ingest/api-keys.js';
import type { ConsentAction, EventStore, LdpRule } from '../queue/store.js';
import type { DeliveryActivity } from './activity.js';
import type { DashboardData } from './aggregates.js';
import type { AnswerTally } from './answer-tally.js';
import type { EqsReader } from './eqs.js';
import { EqsError } from './eqs.js';
import { describePath } from './event-path.js';
import { MINUTE_MS } from './queries.js';
import type { DashboardQueries } from './queries.js';

/** Who a key belongs to. */
export interface DashboardTenant {
  adAccountId: string;
  name: string;
}

export interface DashboardApiDeps {
  authenticate(apiKey: string): DashboardTenant | undefined;
  mode: 'live' | 'sandbox';
  store: EventStore;
  /** Absent when the store does not serve dashboard queries. */
  data: DashboardData | undefined;
  queries: DashboardQueries | undefined;
  activity: DeliveryActivity;
  /** Pinterest's warnings and unexpected answers by kind, shown in the summary. */
  answers?: AnswerTally;
  /** Absent when no OAuth app with `ads:read` is configured. */
  eqs: EqsReader | undefined;
  /** Wakes delivery for replayed events. */
  notify(adAccountId: string, count: number): void;
  now(): number;
}

/** The windows the page offers, with the width of a chart bucket in each. */
export const DASHBOARD_WINDOWS = {
  '15m': { windowMs: 15 * MINUTE_MS, bucketMs: MINUTE_MS },
  '1h': { windowMs: 60 * MINUTE_MS, bucketMs: MINUTE_MS },
  '6h': { windowMs: 360 * MINUTE_MS, bucketMs: 5 * MINUTE_MS },
  '24h': { windowMs: 1440 * MINUTE_MS, bucketMs: 15 * MINUTE_MS },
  '7d': { windowMs: 7 * 1440 * MINUTE_MS, bucketMs: 120 * MINUTE_MS },
} as const;

export type DashboardWindow = keyof typeof DASHBOARD_WINDOWS;

/** HTTP status of each dashboard error code. */
export const DASHBOARD_ERROR_STATUS = {
  RELAY_ERR_MISSING_API_KEY: 401,
  RELAY_ERR_INVALID_API_KEY: 401,
  /** A query parameter is missing or not one of the allowed values. */
  RELAY_ERR_INVALID_QUERY: 400,
  RELAY_ERR_INVALID_BODY: 400,
  /** The store does not serve the dashboard's queries (yet). */
  RELAY_ERR_DASHBOARD_UNAVAILABLE: 501,
  RELAY_ERR_INTERNAL: 500,
} as const;

type DashboardErrorCode = keyof typeof DASHBOARD_ERROR_STATUS;

class DashboardHttpError extends Error {
  readonly code: DashboardErrorCode;

  constructor(code: DashboardErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

const LOOKUP_LIMIT = 20;
const MAX_REPLAY = 1000;

/** Registers the endpoints on an encapsulated instance (its hook and error handler stay inside). */
export function registerDashboardApi(app: FastifyInstance, deps: DashboardApiDeps): void {
  const tenants = new WeakMap<FastifyRequest, DashboardTenant>();
  app.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    tenants.set(request, admit(request, deps));
  });
  app.setErrorHandler(answerError);
  const tenantOf = (request: FastifyRequest): DashboardTenant => {
    const tenant = tenants.get(request);
    if (!tenant) throw new DashboardHttpError('RELAY_ERR_INVALID_API_KEY', 'unknown key');
    return tenant;
  };

  app.get('/session', (request) => ({ ...tenantOf(request), mode: deps.mode }));
  registerSummary(app, deps, tenantOf);
  registerDeadLetters(app, deps, tenantOf);
  registerLookup(app, deps, tenantOf);
  registerEqs(app, deps, tenantOf);
}

type TenantOf = (request: FastifyRequest) => DashboardTenant;

/** `GET /api/dead-letters`: a reason filter, and the consent action or LDP rule to keep. */
interface DeadLetterQuerystring {
  reason?: string;
  limit?: number;
  consent_action?: ConsentAction;
  ldp?: LdpRule;
}

function registerSummary(app: FastifyInstance, deps: DashboardApiDeps, tenantOf: TenantOf): void {
  const schema = {
    querystring: {
      type: 'object',
      properties: { window: { type: 'string', enum: Object.keys(DASHBOARD_WINDOWS) } },
      additionalProperties: false,
    },
  };
  app.get<{ Querystring: { window?: DashboardWindow } }>(
    '/summary',
    { schema },
    async (request) => {
      const tenant = tenantOf(request);
      const name = request.query.window ?? '1h';
      const { windowMs, bucketMs } = DASHBOARD_WINDOWS[name];
      const until = deps.now();
      const adAccountIds = [tenant.adAccountId];
      const summary = await dataOf(deps).summary({
        adAccountIds,
        since: until - windowMs,
        until,
        bucketMs,
      });
      const activity = deps.activity.series({
        adAccountIds,
        since: summary.since,
        until: summary.until,
        bucketMs,
      });
      const answers = deps.answers?.of(tenant.adAccountId);
      return { account: tenant, mode: deps.mode, window: name, ...summary, activity, answers };
    },
  );
}

function registerDeadLetters(
  app: FastifyInstance,
  deps: DashboardApiDeps,
  tenantOf: TenantOf,
): void {
  const schema = {
    querystring: {
      type: 'object',
      properties: {
        reason: { type: 'string', maxLength: 200 },
        limit: { type: 'integer', minimum: 1, maximum: 500 },
        consent_action: { enum: ['send', 'opt_out', 'drop'] },
        ldp: { enum: ['event', 'tenant_state', 'tenant_all_us'] },
      },
      additionalProperties: false,
    },
  };
  app.get<{ Querystring: DeadLetterQuerystring }>('/dead-letters', { schema }, async (request) => {
    const tenant = tenantOf(request);
    return queriesOf(deps).deadLetters({
      adAccountIds: [tenant.adAccountId],
      reasonContains: request.query.reason?.trim() || undefined,
      consentAction: request.query.consent_action,
      ldpRule: request.query.ldp,
      limit: request.query.limit ?? 100,
    });
  });

  const body = {
    type: 'object',
    required: ['eventIds'],
    properties: {
      eventIds: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_REPLAY,
        items: { type: 'string', minLength: 1, maxLength: 256 },
      },
    },
    additionalProperties: false,
  };
  app.post<{ Body: { eventIds: string[] } }>('/replay', { schema: { body } }, async (request) => {
    const { adAccountId } = tenantOf(request);
    const replayed = await deps.store.replay(
      { adAccountId, eventIds: request.body.eventIds },
      deps.now(),
    );
    if (replayed > 0) deps.notify(adAccountId, replayed);
    return { replayed };
  });
}

function registerLookup(app: FastifyInstance, deps: DashboardApiDeps, tenantOf: TenantOf): void {
  const schema = {
    querystring: {
      type: 'object',
      required: ['q'],
      properties: { q: { type: 'string', minLength: 1, maxLength: 256 } },
      additionalProperties: false,
    },
  };
  app.get<{ Querystring: { q: string } }>('/lookup', { schema }, async (request) => {
    const tenant = tenantOf(request);
    const matches = await queriesOf(deps).lookup({
      adAccountIds: [tenant.adAccountId],
      text: request.query.q.trim(),
      limit: LOOKUP_LIMIT,
    });
    return { matches: matches.map(describePath) };
  });
}

function registerEqs(app: FastifyInstance, deps: DashboardApiDeps, tenantOf: TenantOf): void {
  app.get('/eqs', async (request) => {
    const tenant = tenantOf(request);
    if (!deps.eqs) {
      return {
        configured: false,
        hint:
          'run pinterest-capi auth login, or set PINTEREST_CLIENT_ID and ' +
          'PINTEREST_CLIENT_SECRET (an app with ads:read)',
      };
    }

    try {
      return { configured: true, summary: await deps.eqs.read(tenant.adAccountId) };
    } catch (error) {
      if (!(error instanceof EqsError)) throw error;
      return { configured: true, error: error.message };
    }
  });
}

function dataOf(deps: DashboardApiDeps): DashboardData {
  if (!deps.data) throw unavailable();
  return deps.data;
}

function queriesOf(deps: DashboardApiDeps): DashboardQueries {
  if (!deps.queries) throw unavailable();
  return deps.queries;
}

function unavailable(): DashboardHttpError {
  return new DashboardHttpError(
    'RELAY_ERR_DASHBOARD_UNAVAILABLE',
    'this store does not serve the dashboard yet',
  );
}

function admit(request: FastifyRequest, deps: DashboardApiDeps): DashboardTenant {
  const key = readBearerToken(request.headers.authorization);
  if (key === undefined) {
    throw new DashboardHttpError(
      'RELAY_ERR_MISSING_API_KEY',
      'send a relay API key as Authorization: Bearer <key>',
    );
  }

  const tenant = deps.authenticate(key);
  if (!tenant) {
    throw new DashboardHttpError('RELAY_ERR_INVALID_API_KEY', 'the API key is not valid');
  }

  return tenant;
}

function answerError(
  error: FastifyError | DashboardHttpError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const known = toDashboardError(error);
  if (known.code === 'RELAY_ERR_INTERNAL') {
    request.log.error({ err: error }, 'dashboard request failed');
  }

  if (DASHBOARD_ERROR_STATUS[known.code] === 401) {
    void reply.header('www-authenticate', 'Bearer realm="pinterest-capi"');
  }

  return reply
    .code(DASHBOARD_ERROR_STATUS[known.code])
    .send({ error: { code: known.code, message: known.message } });
}

function toDashboardError(error: FastifyError | DashboardHttpError): DashboardHttpError {
  if (error instanceof DashboardHttpError) return error;
  if (error.validation) {
    const body = error.validationContext === 'body';
    // Ajv's messages name the rule, not the value, so they are safe to pass on.
    const first = error.validation[0];
    const where = `${error.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
    return new DashboardHttpError(
      body ? 'RELAY_ERR_INVALID_BODY' : 'RELAY_ERR_INVALID_QUERY',
      `${where} ${first?.message ?? 'is invalid'}`,
    );
  }

  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new DashboardHttpError('RELAY_ERR_INVALID_BODY', 'the request is malformed');
  }

  return new DashboardHttpError('RELAY_ERR_INTERNAL', 'the dashboard could not answer');
}
