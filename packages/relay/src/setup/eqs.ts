/**
 * @module setup/eqs
 * Pinterest's Event Quality Score over the wire: the one request
 * (`GET /ad_accounts/{id}/conversion_eqs?lookback_period=1d|14d`), the shape of its items, the app
 * token that may read it, and a failure of either in words. `quality`, `doctor` and the
 * dashboard each build their own view of the items.
 */
import { callApi } from './api.js';
import type { ApiAnswer, ApiTarget } from './api.js';
import { requestToken } from './oauth.js';
import type { OAuthClient, TokenAnswer } from './oauth.js';

/** The periods Pinterest reports EQS over. */
export type EqsLookback = '1d' | '14d';

/** One component's figures for one event type, in percent (wire format). */
export interface EqsComponentFigures {
  coverage?: number;
  /** For `external_event_id`: share of `event_id`s the Pinterest Tag sent too. */
  overlap?: number;
  issues?: { name?: string; reason?: string }[];
}

/** One item of Pinterest's EQS answer: one ingestion source on one platform (wire format). */
export interface EqsItem {
  /** `GOOD`, `FAIR` or `NEEDS_IMPROVEMENT`. */
  overall_status?: string;
  /** `CONVERSIONS_API`, `TAG`, … */
  ingestion_source?: string;
  /** `WEB`, `OFFLINE`, … */
  source_platform?: string;
  /** Figures by component (`hashed_email`, `external_event_id`, …), then by event type. */
  quality_components?: Record<string, Record<string, EqsComponentFigures>>;
}

/**
 * Reads the EQS of one ad account over one lookback period. Never throws: on success the body is
 * the list of items; any other answer, a 200 whose body is not a list included, comes back with
 * no body and with `error` set.
 * @example
 * const answer = await fetchEqs(target, { token, adAccountId, lookback: '14d' });
 * if (answer.body === undefined) console.error(describeEqsFailure(answer));
 */
export async function fetchEqs(
  target: ApiTarget,
  request: { token: string; adAccountId: string; lookback: EqsLookback },
): Promise<ApiAnswer<EqsItem[]>> {
  const path =
    `/ad_accounts/${encodeURIComponent(request.adAccountId)}/conversion_eqs` +
    `?lookback_period=${request.lookback}`;
  const answer = await callApi<unknown>(target, { path, token: request.token });
  if (answer.error !== undefined) {
    return { status: answer.status, body: undefined, error: answer.error };
  }

  if (!Array.isArray(answer.body)) {
    return { status: answer.status, body: undefined, error: 'the answer is not a list' };
  }

  return { status: answer.status, body: answer.body as EqsItem[] };
}

/**
 * Asks for a client-credentials token of the app with `ads:read`, the scope EQS needs (facts §5);
 * the conversion token cannot read EQS. Never throws: an answer without an `access_token` comes
 * back with no body and with `error` set.
 */
export async function requestEqsAppToken(
  target: ApiTarget,
  client: OAuthClient,
): Promise<ApiAnswer<TokenAnswer>> {
  const answer = await requestToken(target, {
    client,
    form: { grant_type: 'client_credentials', scope: 'ads:read' },
  });
  if (typeof answer.body?.access_token === 'string' || answer.error !== undefined) return answer;
  return { status: answer.status, body: undefined, error: 'the answer has no access_token' };
}

/**
 * A failed answer of {@link fetchEqs} or {@link requestEqsAppToken} in words:
 * `Pinterest did not answer (…)`, `HTTP 403: <Pinterest's message>`, or what is wrong with a
 * successful answer. Pinterest's message is cut at 200 characters; no answer holds a secret.
 */
export function describeEqsFailure(answer: ApiAnswer): string {
  if (answer.status === 0) return `Pinterest did not answer (${answer.error ?? 'network error'})`;
  const detail = answer.error?.slice(0, 200);
  if (answer.status >= 200 && answer.status < 300) return detail ?? `HTTP ${answer.status}`;
  const status = `HTTP ${answer.status}`;
  // Without a message of Pinterest's, the answer's error is the bare status already.
  return detail === undefined || detail === status ? status : `${status}: ${detail}`;
}
