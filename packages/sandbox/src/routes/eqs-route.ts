/**
 * @module routes/eqs-route
 * `GET /v5/ad_accounts/:ad_account_id/conversion_eqs`: Event Quality Score over the events this
 * sandbox recorded (test-mode events excluded) and the Tag events reported to it. CAPI events
 * count by their `event_time`, Tag events by when they were reported.
 */
import type { FastifyInstance } from 'fastify';
import { API_CODES } from '../constants.js';
import { computeEqs, LOOKBACK_SECONDS, type LookbackPeriod } from '../eqs.js';
import { sendError } from '../http/replies.js';
import type { CheckedEvent } from '../rules/event-shape.js';
import type { SandboxState } from '../state/sandbox-state.js';
import { readableAccount } from './account-routes.js';

interface EqsRequest {
  Params: { ad_account_id: string };
  Querystring: { lookback_period?: string; source_platform?: string; ingestion_source?: string };
}

/** The spec's enums for the two optional filters. */
const SOURCE_PLATFORMS = new Set([
  'WEB',
  'MOBILE',
  'MOBILE_ANDROID',
  'MOBILE_IOS',
  'OFFLINE',
  'PINTEREST_WEB',
  'PINTEREST_ANDROID',
  'PINTEREST_IOS',
  'POINT_OF_SALE',
]);
const INGESTION_SOURCES = new Set(['TAG', 'MMP', 'FILE_UPLOAD', 'CONVERSIONS_API', 'NATIVE']);

/** Serves Event Quality Score computed from the events received. */
export function registerEqsRoute(app: FastifyInstance, state: SandboxState): void {
  app.get<EqsRequest>('/v5/ad_accounts/:ad_account_id/conversion_eqs', (request, reply) => {
    const found = readableAccount(state, request, reply);
    if (!found) return reply;
    const query = request.query;
    const problem = findQueryProblem(query);
    if (problem !== undefined) {
      return sendError(reply, 400, { code: API_CODES.invalidParameters, message: problem });
    }

    const lookback = query.lookback_period as LookbackPeriod;
    const nowMs = state.now();
    const sinceSeconds = Math.floor(nowMs / 1000) - LOOKBACK_SECONDS[lookback];
    const accountId = found.account.id;
    const capiEvents = state.recorder.events
      .filter((entry) => entry.ad_account_id === accountId && !entry.test)
      .map((entry) => entry.event as CheckedEvent)
      .filter((event) => event.event_time >= sinceSeconds);
    const tagEvents = state.recorder.tagEvents.filter(
      (entry) => entry.ad_account_id === accountId && entry.receivedAtMs >= sinceSeconds * 1000,
    );

    return reply.send(
      computeEqs({
        capiEvents,
        tagEvents,
        lookback,
        sourcePlatform: query.source_platform,
        ingestionSource: query.ingestion_source,
      }),
    );
  });
}

function findQueryProblem(query: EqsRequest['Querystring']): string | undefined {
  const lookback = query.lookback_period;
  if (lookback === undefined) return 'lookback_period is required: 1d or 14d';
  if (!Object.hasOwn(LOOKBACK_SECONDS, lookback)) return 'lookback_period must be 1d or 14d';
  if (query.source_platform !== undefined && !SOURCE_PLATFORMS.has(query.source_platform)) {
    return `source_platform must be one of: ${[...SOURCE_PLATFORMS].join(', ')}`;
  }

  if (query.ingestion_source !== undefined && !INGESTION_SOURCES.has(query.ingestion_source)) {
    return `ingestion_source must be one of: ${[...INGESTION_SOURCES].join(', ')}`;
  }

  return undefined;
}
