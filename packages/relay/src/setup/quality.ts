/**
 * @module setup/quality
 * What `pinterest-capi quality` compares: Pinterest's Event Quality Score (1 and 14 days, per
 * ingestion source and event type, facts §6) beside the relay's own share of events carrying each
 * signal, and the advice for every signal below its target.
 *
 * The targets are this project's, not Pinterest's (Pinterest publishes none): near-complete IP
 * and user agent, order id and value; most events with an email; at least half with a click id,
 * an external id and a Tag-paired `event_id`.
 */
import type { ApiTarget } from './api.js';
import { describeEqsFailure, fetchEqs, requestEqsAppToken } from './eqs.js';
import type { EqsItem, EqsLookback } from './eqs.js';
import type { OAuthClient } from './oauth.js';

/** The signals compared, in the order they are printed. */
export const QUALITY_SIGNALS = [
  'email',
  'phone',
  'ipAndUserAgent',
  'clickId',
  'externalId',
  'orderId',
  'value',
  'pairedEventId',
] as const;
export type QualitySignal = (typeof QUALITY_SIGNALS)[number];

interface SignalRule {
  label: string;
  /** The EQS components it is read from (the lowest wins); none for phone, which EQS omits. */
  eqs: readonly string[];
  /** For the event id: Pinterest's Tag/API overlap rather than coverage. */
  eqsField: 'coverage' | 'overlap';
  /** Percent below which the signal is weak. */
  target: number;
  advice: string;
}

export const SIGNAL_RULES: Record<QualitySignal, SignalRule> = {
  email: {
    label: 'email',
    eqs: ['hashed_email'],
    eqsField: 'coverage',
    target: 80,
    advice:
      "send the shopper's email with every checkout (`email`; the relay hashes it), guest " +
      'checkouts included: it is the strongest match key.',
  },
  phone: {
    label: 'phone',
    eqs: [],
    eqsField: 'coverage',
    target: 50,
    advice:
      'send `phone` with its country code (+1 415 555 0100), or set PINTEREST_DEFAULT_COUNTRY ' +
      '(`defaultCountry` per tenant) so national numbers can be read.',
  },
  ipAndUserAgent: {
    label: 'IP + user agent',
    eqs: ['ip_address', 'user_agent'],
    eqsField: 'coverage',
    target: 90,
    advice:
      "send the shopper's `ip` and `user_agent` from the checkout request (not your server's); " +
      'behind a proxy read X-Forwarded-For. Shopify and WooCommerce webhooks carry them.',
  },
  clickId: {
    label: 'click id (_epik)',
    eqs: ['click_id_epik'],
    eqsField: 'coverage',
    target: 50,
    advice:
      'load the browser helper (`/tag.js` or `@pinterest-capi/sdk/browser`) on landing pages: ' +
      'it keeps the `_epik` click id and hands it to the order as `click_id` ' +
      '(`pinterest_click_id` for Shopify, Stripe and WooCommerce).',
  },
  externalId: {
    label: 'external id',
    eqs: ['advertiser_external_id'],
    eqsField: 'coverage',
    target: 50,
    advice: 'send your own customer id as `external_id` for signed-in shoppers (it is hashed).',
  },
  orderId: {
    label: 'order id',
    eqs: ['order_id'],
    eqsField: 'coverage',
    target: 90,
    advice: 'send `order_id` with every checkout; Pinterest uses it to deduplicate and report.',
  },
  value: {
    label: 'value',
    eqs: ['order_value'],
    eqsField: 'coverage',
    target: 90,
    advice: 'send `value` and `currency` with every checkout, so Pinterest can report ROAS.',
  },
  pairedEventId: {
    label: 'Tag-paired event_id',
    eqs: ['external_event_id'],
    eqsField: 'overlap',
    target: 50,
    advice:
      "fire the Tag's checkout with the same `event_id` the server sends: `getCheckoutEventId()` " +
      'of the browser helper, carried as `event_id` (or `pinterest_event_id`), or ' +
      '`order-<order_id>-checkout` on the thank-you page. EQS shows the Tag/API overlap.',
  },
};

/** One ingestion source × platform of Pinterest's answer, by event type and signal (percent). */
export interface EqsSource {
  ingestionSource: string;
  sourcePlatform: string;
  overallStatus: string;
  byEventType: Record<string, Partial<Record<QualitySignal, number>>>;
}

/** Pinterest's answer for one lookback period, or why it could not be read. */
export type EqsReading = { sources: EqsSource[] } | { error: string };

/** The relay's own figures over a window: events received, and percent carrying each signal. */
export interface LocalCoverage {
  since: number;
  until: number;
  events: number;
  /** Null when no event arrived in the window. */
  percent: Record<QualitySignal, number | null>;
}

/** One signal's figures side by side, and whether it is weak. */
export interface SignalComparison {
  signal: QualitySignal;
  label: string;
  target: number;
  /** Pinterest's CONVERSIONS_API figure per lookback and event type. */
  eqs: { '1d': Record<string, number>; '14d': Record<string, number> };
  relay: number | null;
  weak: boolean;
  /** Set when weak. */
  advice?: string | undefined;
}

/** What `quality --json` prints. */
export interface QualityReport {
  adAccountId: string;
  /** The relay's window as given, e.g. `14d`. */
  window: string;
  eqs: { '1d': EqsReading; '14d': EqsReading };
  relay: LocalCoverage;
  signals: SignalComparison[];
}

/**
 * Reads EQS for one lookback period. Never throws: a refusal comes back as `{ error }` naming the
 * status and Pinterest's message.
 * @example
 * const reading = await readEqs(target, { token, adAccountId, lookback: '14d' });
 */
export async function readEqs(
  target: ApiTarget,
  request: { token: string; adAccountId: string; lookback: EqsLookback },
): Promise<EqsReading> {
  const answer = await fetchEqs(target, request);
  if (answer.body === undefined) return { error: describeEqsFailure(answer) };
  return { sources: answer.body.map(toEqsSource) };
}

function toEqsSource(item: EqsItem): EqsSource {
  const components = item.quality_components ?? {};
  const types = new Set(Object.values(components).flatMap((byType) => Object.keys(byType)));
  const byEventType: EqsSource['byEventType'] = {};
  for (const type of types) {
    const figures: Partial<Record<QualitySignal, number>> = {};
    for (const signal of QUALITY_SIGNALS) {
      const value = eqsFigure(components, type, SIGNAL_RULES[signal]);
      if (value !== undefined) figures[signal] = value;
    }

    byEventType[type] = figures;
  }

  return {
    ingestionSource: item.ingestion_source ?? 'UNKNOWN',
    sourcePlatform: item.source_platform ?? 'UNKNOWN',
    overallStatus: item.overall_status ?? 'UNKNOWN',
    byEventType,
  };
}

function eqsFigure(
  components: NonNullable<EqsItem['quality_components']>,
  type: string,
  rule: SignalRule,
): number | undefined {
  const values = rule.eqs
    .map((component) => components[component]?.[type]?.[rule.eqsField])
    .filter((value): value is number => typeof value === 'number');
  return values.length === 0 || values.length < rule.eqs.length ? undefined : Math.min(...values);
}

/**
 * Gets a token that may read EQS: the stored OAuth token when there is one, else a
 * client-credentials token of the app (`ads:read`, facts §5).
 * @throws Error naming what to set when neither is available or Pinterest refuses the app.
 */
export async function eqsReadToken(
  target: ApiTarget,
  sources: { storedToken?: string | undefined; client?: OAuthClient | undefined },
): Promise<string> {
  if (sources.storedToken !== undefined) return sources.storedToken;
  if (!sources.client) {
    throw new Error(
      'no OAuth token to read EQS with: run pinterest-capi auth login, or set ' +
        'PINTEREST_CLIENT_ID and PINTEREST_CLIENT_SECRET',
    );
  }

  const answer = await requestEqsAppToken(target, sources.client);
  if (answer.body === undefined) {
    throw new Error(
      `Pinterest refused the app's client credentials (${describeEqsFailure(answer)})`,
    );
  }

  return answer.body.access_token;
}

/**
 * Puts Pinterest's CONVERSIONS_API figures (by lookback and event type) beside the relay's, and
 * marks each signal weak when any of them is under its target.
 */
export function compareSignals(
  eqs: QualityReport['eqs'],
  relay: LocalCoverage,
): SignalComparison[] {
  return QUALITY_SIGNALS.map((signal) => {
    const rule = SIGNAL_RULES[signal];
    const figures = { '1d': apiFigures(eqs['1d'], signal), '14d': apiFigures(eqs['14d'], signal) };
    const shown = [
      ...Object.values(figures['1d']),
      ...Object.values(figures['14d']),
      ...(relay.percent[signal] === null ? [] : [relay.percent[signal]]),
    ];
    const weak = shown.some((value) => value < rule.target);
    return {
      signal,
      label: rule.label,
      target: rule.target,
      eqs: figures,
      relay: relay.percent[signal],
      weak,
      ...(weak ? { advice: rule.advice } : {}),
    };
  });
}

function apiFigures(reading: EqsReading, signal: QualitySignal): Record<string, number> {
  const figures: Record<string, number> = {};
  if ('error' in reading) return figures;
  for (const source of reading.sources) {
    if (source.ingestionSource !== 'CONVERSIONS_API') continue;
    for (const [type, values] of Object.entries(source.byEventType)) {
      const value = values[signal];
      // Several platforms (web, offline) may report one type: the weakest is the one to fix.
      if (value !== undefined) figures[type] = Math.min(figures[type] ?? value, value);
    }
  }

  return figures;
}

/** A share as a percent with two decimals, as EQS gives them; null for no events. */
export function percentOf(count: number, total: number): number | null {
  return total === 0 ? null : Math.round((count / total) * 10_000) / 100;
}
