/**
 * @module ops/routes
 * Operations endpoints: liveness, readiness, Prometheus metrics, and where one event is.
 */
import type { FastifyInstance } from 'fastify';

import { readBearerToken } from '../ingest/api-keys.js';
import type { RelayMetrics } from '../metrics.js';
import type { EventRecord, EventStore } from '../queue/store.js';
import { shownStateOf } from './event-state.js';

export interface AccountHealth {
  adAccountId: string;
  paused: false | { reason: string; since: number };
}

export interface OpsDeps {
  store: EventStore;
  metrics: RelayMetrics;
  mode: 'live' | 'sandbox';
  storeKind: 'sqlite' | 'postgres';
  accounts(): AccountHealth[];
  /** Resolves an API key to the ad account it may read; undefined rejects. */
  authenticate(apiKey: string): { adAccountId: string } | undefined;
}

/** Registers `/healthz`, `/readyz`, `/metrics` and `GET /v1/events/:event_id`. */
export function registerOpsRoutes(app: FastifyInstance, deps: OpsDeps): void {
  app.get('/healthz', () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const accounts = deps.accounts();
    const paused = accounts.filter((account) => account.paused !== false);
    let storeOk = true;

    try {
      await deps.store.stats();
    } catch {
      storeOk = false;
    }

    // A paused account does not make the relay unready: ingest still stores its events safely, and
    // taking the relay out of a load balancer would lose them. It is reported as degraded instead.
    const status = !storeOk ? 'unavailable' : paused.length > 0 ? 'degraded' : 'ready';
    return reply.code(storeOk ? 200 : 503).send({
      status,
      mode: deps.mode,
      store: { kind: deps.storeKind, reachable: storeOk },
      credentials: deps.mode === 'sandbox' ? 'sandbox' : 'configured',
      accounts,
    });
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });

  app.get<{ Params: { event_id: string } }>('/v1/events/:event_id', async (request, reply) => {
    const key = readBearerToken(request.headers.authorization);
    const tenant = key === undefined ? undefined : deps.authenticate(key);

    if (!tenant) {
      const code = key === undefined ? 'RELAY_ERR_MISSING_API_KEY' : 'RELAY_ERR_INVALID_API_KEY';
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({
          error: { code, message: 'a valid relay API key is required (Authorization: Bearer …)' },
        });
    }

    const record = await deps.store.get(tenant.adAccountId, request.params.event_id);

    if (!record) {
      return reply.code(404).send({
        error: {
          code: 'RELAY_ERR_EVENT_NOT_FOUND',
          message: 'no event with that event_id for this ad account',
        },
      });
    }

    return describeRecord(record);
  });
}

/** The public view of a stored event: where it is and what Pinterest said. */
export function describeRecord(record: EventRecord): Record<string, unknown> {
  const iso = (ms: number | undefined) =>
    ms === undefined ? undefined : new Date(ms).toISOString();
  const base = {
    event_id: record.eventId,
    ad_account_id: record.adAccountId,
    event_name: record.eventName,
    source: record.source,
    received_at: iso(record.receivedAt),
    attempts: record.attempts,
    // The call that last settled it, as the delivery log lines name it (`batchId`).
    ...(record.lastBatchId === undefined ? {} : { last_batch_id: record.lastBatchId }),
    ...privacyView(record),
  };

  const state = shownStateOf(record);
  switch (state) {
    case 'delivered':
      return {
        ...base,
        state,
        delivered_at: iso(record.deliveredAt),
        pinterest: { status: 'processed', warning_message: record.warning ?? null },
      };
    case 'suppressed':
      return { ...base, state, reason: record.lastError };
    case 'dead':
      return { ...base, state, reason: record.lastError, last_status: record.lastStatus };
    case 'retrying':
      return {
        ...base,
        state,
        next_attempt_at: iso(record.nextAttemptAt),
        last_error: record.lastError,
        last_status: record.lastStatus,
      };
    case 'sending':
    case 'queued':
      return { ...base, state };
  }
}

/**
 * Which consent and LDP rules applied at ingest: `consent` (the value received), `action`
 * (`send`, `opt_out`, `drop`) and `ldp` (`event`, `tenant_state`, `tenant_all_us` or null).
 * Absent for events stored without them (before the relay recorded them).
 */
function privacyView(record: EventRecord): { privacy?: Record<string, string | null> } {
  if (record.privacy === undefined) return {};
  const { consent, consentAction, ldpRule } = record.privacy;
  return { privacy: { consent, action: consentAction, ldp: ldpRule ?? null } };
}
