/**
 * @module dashboard/eqs
 * Pinterest's Event Quality Score for the dashboard's match-quality panel: the OAuth token stored
 * by `pinterest-capi auth login` when there is one (refreshed before it expires), else a
 * client-credentials token with `ads:read` (the conversion token cannot read EQS, facts §6), then
 * `GET /ad_accounts/{id}/conversion_eqs?lookback_period=1d`, both cached briefly so a page that
 * refreshes every few seconds calls Pinterest about once a minute.
 */

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

interface EqsItem {
  overall_status?: string;
  ingestion_source?: string;
  source_platform?: string;
  quality_components?: Record<
    string,
    Record<
      string,
      { coverage?: number; overlap?: number; issues?: { name?: string; reason?: string }[] }
    >
  >;
}

/**
 * Reads Event Quality Score with an app's client credentials.
 *
 * @example
 * const eqs = new EqsReader({ apiBaseUrl, clientId, clientSecret });
 * const summary = await eqs.read('549755885175');
 */
export class EqsReader {
  readonly #options: Required<
    Omit<EqsReaderOptions, 'fetch' | 'clientId' | 'clientSecret' | 'storedToken'>
  > &
    Pick<EqsReaderOptions, 'clientId' | 'clientSecret' | 'storedToken'> & { fetch: typeof fetch };
  #token: { value: string; expiresAt: number } | undefined;
  readonly #answers = new Map<string, { at: number; summary: EqsSummary }>();

  constructor(options: EqsReaderOptions) {
    this.#options = {
      fetch: options.fetch ?? globalThis.fetch,
      now: options.now ?? Date.now,
      cacheMs: options.cacheMs ?? 60_000,
      timeoutMs: options.timeoutMs ?? 10_000,
      apiBaseUrl: options.apiBaseUrl.replace(/\/+$/, ''),
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      storedToken: options.storedToken,
    };
  }

  /**
   * The score of one ad account over the last day.
   *
   * @throws EqsError when the token or the score cannot be had.
   */
  async read(adAccountId: string): Promise<EqsSummary> {
    const now = this.#options.now();
    const cached = this.#answers.get(adAccountId);
    if (cached && now - cached.at < this.#options.cacheMs) return cached.summary;
    const token = await this.#accessToken(now);
    const url =
      `${this.#options.apiBaseUrl}/ad_accounts/${encodeURIComponent(adAccountId)}` +
      '/conversion_eqs?lookback_period=1d';
    const body = await this.#call('reading the score', url, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!Array.isArray(body)) throw new EqsError('reading the score: the answer is not a list');
    const summary = summarize(body as EqsItem[]);
    this.#answers.set(adAccountId, { at: now, summary });
    return summary;
  }

  async #accessToken(now: number): Promise<string> {
    let storedProblem = '';
    const stored = await this.#options.storedToken?.().catch((error: unknown) => {
      storedProblem = ` (stored tokens set aside: ${(error as Error).message})`;
      return undefined;
    });
    if (stored !== undefined) return stored;
    if (this.#token && this.#token.expiresAt > now) return this.#token.value;
    const { clientId, clientSecret, apiBaseUrl } = this.#options;
    if (!clientId || !clientSecret) {
      throw new EqsError(
        'no OAuth token: run pinterest-capi auth login, or set PINTEREST_CLIENT_ID and ' +
          `PINTEREST_CLIENT_SECRET${storedProblem}`,
      );
    }

    const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
    const body = (await this.#call('getting an ads:read token', `${apiBaseUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'ads:read' }).toString(),
    })) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string') {
      throw new EqsError('getting an ads:read token: the answer has no access_token');
    }

    const lifetimeMs = typeof body.expires_in === 'number' ? body.expires_in * 1000 : 3_600_000;
    // Renewed a minute early, so a token never expires between the check and the call.
    this.#token = { value: body.access_token, expiresAt: now + lifetimeMs - 60_000 };
    return body.access_token;
  }

  async #call(step: string, url: string, init: RequestInit): Promise<unknown> {
    let response: Response;
    try {
      response = await this.#options.fetch(url, {
        ...init,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (error) {
      const cause = error instanceof Error ? error.name : 'error';
      throw new EqsError(`${step}: Pinterest did not answer (${cause})`);
    }

    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      if (response.status === 401) this.#token = undefined;
      const message = (body as { message?: unknown } | undefined)?.message;
      const detail = typeof message === 'string' ? `: ${message.slice(0, 200)}` : '';
      throw new EqsError(`${step}: HTTP ${response.status}${detail}`);
    }

    return body;
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
