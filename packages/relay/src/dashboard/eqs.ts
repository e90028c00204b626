/**
 * @module dashboard/eqs
 * Pinterest's Event Quality Score for the dashboard's match-quality panel: the OAuth token stored
 * by `pinterest-capi auth login` when there is one (refreshed before it expires), else a
 * client-credentials token with `ads:read` (the conversion token cannot read EQS, facts §6), then
 * the last day's score, both cached briefly so a page that refreshes every few seconds calls
 * Pinterest about once a minute. The calls themselves and the wire format are `setup/eqs`'s.
 */
import type { ApiTarget } from '../setup/api.js';
import { describeEqsFailure, fetchEqs, requestEqsAppToken } from '../setup/eqs.js';
import type { EqsItem } from '../setup/eqs.js';
import type { OAuthClient } from '../setup/oauth.js';

/** The identifiers and signals EQS reports coverage for, in the order the page shows them. */
export const EQS_COMPONENTS = [
  'hashed_email',
  'ip_address',
  'user_agent',
  'click_id_epik',
  'advertiser_external_id',
  'external_event_id',
  'order_id',
] as const;

/** What the page shows of Pinterest's answer, for the Conversions API's events. */
export interface EqsSummary {
  lookbackPeriod: '1d';
  /** `GOOD`, `FAIR` or `NEEDS_IMPROVEMENT`; null when Pinterest has no events for the period. */
  overallStatus: string | null;
  /** The event type the figures are for: `checkout` when present, else the first reported. */
  eventType: string | null;
  /** Percent of events carrying each component. */
  coverage: Partial<Record<(typeof EQS_COMPONENTS)[number], number>>;
  /** Percent of `event_id`s also sent by the Pinterest Tag: how well Tag and API dedupe. */
  tagOverlap: number | null;
  issues: { name: string; reason: string }[];
}

export interface EqsReaderOptions {
  /** Pinterest's v5 base URL, e.g. `https://api.pinterest.com/v5`. */
  apiBaseUrl: string;
  /** The app, for client-credentials tokens; without it only `storedToken` is tried. */
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /**
   * The stored OAuth access token, fresh, or undefined when none is stored; asked before every
   * read, ahead of client credentials. A rejection falls back to client credentials.
   */
  storedToken?: (() => Promise<string | undefined>) | undefined;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default Date.now */
  now?: () => number;
  /** How long an answer is reused. @default 60000 */
  cacheMs?: number;
  /** @default 10000 */
  timeoutMs?: number;
}

/** Pinterest refused or failed; the message names the step and status, never a secret. */
export class EqsError extends Error {
  override name = 'EqsError';
}

/**
 * Reads Event Quality Score with the stored OAuth token, else with the app's client credentials.
 *
 * @example
 * const eqs = new EqsReader({ apiBaseUrl, clientId, clientSecret });
 * const summary = await eqs.read('549755885175');
 */
export class EqsReader {
  readonly #target: ApiTarget;
  readonly #client: OAuthClient | undefined;
  readonly #storedToken: (() => Promise<string | undefined>) | undefined;
  readonly #now: () => number;
  readonly #cacheMs: number;
  #token: { value: string; expiresAt: number } | undefined;
  readonly #answers = new Map<string, { at: number; summary: EqsSummary }>();

  constructor(options: EqsReaderOptions) {
    this.#target = {
      baseUrl: options.apiBaseUrl.replace(/\/+$/, ''),
      fetch: options.fetch,
      timeoutMs: options.timeoutMs ?? 10_000,
    };
    const { clientId, clientSecret } = options;
    this.#client = clientId && clientSecret ? { clientId, clientSecret } : undefined;
    this.#storedToken = options.storedToken;
    this.#now = options.now ?? Date.now;
    this.#cacheMs = options.cacheMs ?? 60_000;
  }

  /**
   * The score of one ad account over the last day.
   *
   * @throws EqsError when the token or the score cannot be had.
   */
  async read(adAccountId: string): Promise<EqsSummary> {
    const now = this.#now();
    const cached = this.#answers.get(adAccountId);
    if (cached && now - cached.at < this.#cacheMs) return cached.summary;
    const token = await this.#accessToken(now);
    const answer = await fetchEqs(this.#target, { token, adAccountId, lookback: '1d' });
    if (answer.body === undefined) {
      // A refused app token is dropped, so the next read asks for a new one.
      if (answer.status === 401) this.#token = undefined;
      throw new EqsError(`reading the score: ${describeEqsFailure(answer)}`);
    }

    const summary = summarize(answer.body);
    this.#answers.set(adAccountId, { at: now, summary });
    return summary;
  }

  async #accessToken(now: number): Promise<string> {
    let storedProblem = '';
    const stored = await this.#storedToken?.().catch((error: unknown) => {
      storedProblem = ` (stored tokens set aside: ${(error as Error).message})`;
      return undefined;
    });
    if (stored !== undefined) return stored;
    if (this.#token && this.#token.expiresAt > now) return this.#token.value;
    if (!this.#client) {
      throw new EqsError(
        'no OAuth token: run pinterest-capi auth login, or set PINTEREST_CLIENT_ID and ' +
          `PINTEREST_CLIENT_SECRET${storedProblem}`,
      );
    }

    const answer = await requestEqsAppToken(this.#target, this.#client);
    if (answer.body === undefined) {
      throw new EqsError(`getting an ads:read token: ${describeEqsFailure(answer)}`);
    }

    const { access_token: value, expires_in: lifetime } = answer.body;
    const lifetimeMs = Number.isFinite(lifetime) ? lifetime * 1000 : 3_600_000;
    // Renewed a minute early, so a token never expires between the check and the call.
    this.#token = { value, expiresAt: now + lifetimeMs - 60_000 };
    return value;
  }
}

/** Picks the Conversions API's web score (else the first API one) and its checkout figures. */
export function summarize(items: readonly EqsItem[]): EqsSummary {
  const api = items.filter((item) => item.ingestion_source === 'CONVERSIONS_API');
  const item = api.find((candidate) => candidate.source_platform === 'WEB') ?? api[0];
  const components = item?.quality_components ?? {};
  const types = Object.keys(components['external_event_id'] ?? components['hashed_email'] ?? {});
  const eventType = types.includes('checkout') ? 'checkout' : (types[0] ?? null);
  const coverage: EqsSummary['coverage'] = {};
  const issues: EqsSummary['issues'] = [];
  for (const name of EQS_COMPONENTS) {
    const details = eventType === null ? undefined : components[name]?.[eventType];
    if (typeof details?.coverage === 'number') coverage[name] = details.coverage;
    for (const issue of details?.issues ?? []) {
      issues.push({ name: issue.name ?? name, reason: issue.reason ?? '' });
    }
  }

  const overlap =
    eventType === null ? undefined : components['external_event_id']?.[eventType]?.overlap;
  return {
    lookbackPeriod: '1d',
    overallStatus: item?.overall_status ?? null,
    eventType,
    coverage,
    tagOverlap: typeof overlap === 'number' ? overlap : null,
    issues,
  };
}
