/**
 * @module eqs
 * Event Quality Score computed from what the sandbox actually received. Pinterest publishes the
 * response shape but no formula or thresholds (facts §6); the score below is the sandbox's own,
 * documented in docs/sandbox.md:
 *
 *   score = 35 × share with hashed email or MAID + 25 × share with IP and user agent
 *         + 15 × share with click id + 25 × dedup
 *
 * where dedup is the overlap of event ids with the other ingestion source (CAPI vs Tag) when that
 * source reported events in the period, else the share carrying an event id. GOOD from 80, FAIR
 * from 50, NEEDS_IMPROVEMENT below.
 */
import type { CheckedEvent } from './rules/event-shape.js';
import { STANDARD_EVENT_NAMES } from './rules/standards.js';
import type { RecordedTagEvent } from './state/recorder.js';

export const LOOKBACK_SECONDS = { '1d': 86_400, '14d': 1_209_600 } as const;
export type LookbackPeriod = keyof typeof LOOKBACK_SECONDS;

const COMPONENTS = [
  'hashed_email',
  'hashed_maid',
  'ip_address',
  'user_agent',
  'click_id_epik',
  'advertiser_external_id',
  'external_event_id',
  'order_id',
  'order_value',
  'product_id',
  'source_url',
] as const;
type Component = (typeof COMPONENTS)[number];

type Source = 'CONVERSIONS_API' | 'TAG';

interface Observation {
  source: Source;
  platform: 'WEB' | 'MOBILE' | 'OFFLINE';
  type: string;
  eventId: string;
  has: Record<Component, boolean>;
}

interface Details {
  coverage: number;
  overlap?: number;
  issues?: { id: string; name: string; reason: string }[];
}

export interface EqsInput {
  capiEvents: readonly CheckedEvent[];
  tagEvents: readonly RecordedTagEvent[];
  lookback: LookbackPeriod;
  sourcePlatform?: string | undefined;
  ingestionSource?: string | undefined;
}

/** One `EventQualityScore` per ingestion source × platform that received events in the period. */
export function computeEqs(input: EqsInput) {
  const observations = [
    ...input.capiEvents.map(observeCapiEvent),
    ...input.tagEvents.map(observeTagEvent),
  ];
  const idsBySource = collectIds(observations);
  const groups = groupBy(
    observations,
    (observation) => `${observation.source} ${observation.platform}`,
  );
  return [...groups.values()]
    .filter((group) => matches(group[0], input))
    .map((group) => scoreGroup(group, idsBySource, input.lookback));
}

function matches(first: Observation | undefined, input: EqsInput): boolean {
  if (!first) return false;
  if (input.ingestionSource !== undefined && input.ingestionSource !== first.source) return false;
  return input.sourcePlatform === undefined || input.sourcePlatform === first.platform;
}

function scoreGroup(
  group: Observation[],
  idsBySource: Map<Source, Map<string, Set<string>>>,
  lookback: LookbackPeriod,
) {
  const first = group[0] as Observation;
  const other: Source = first.source === 'TAG' ? 'CONVERSIONS_API' : 'TAG';
  const otherIds = idsBySource.get(other);
  const overlapOf = (events: Observation[]) =>
    share(events, (event) => otherIds?.get(event.type)?.has(event.eventId) === true);

  const qualityComponents: Record<string, Record<string, Details>> = {};
  for (const component of COMPONENTS) qualityComponents[component] = {};
  for (const [type, events] of groupBy(group, (observation) => observation.type)) {
    for (const component of COMPONENTS) {
      const details: Details = {
        coverage: percent(share(events, (event) => event.has[component])),
      };
      if (component === 'external_event_id') details.overlap = percent(overlapOf(events));
      const issues = findIssues(component, details, otherIds !== undefined);
      if (issues.length > 0) details.issues = issues;
      (qualityComponents[component] as Record<string, Details>)[type] = details;
    }
  }

  const dedup = otherIds ? overlapOf(group) : share(group, (event) => event.has.external_event_id);
  return {
    overall_status: rate(group, dedup),
    quality_components: qualityComponents,
    ingestion_source: first.source,
    source_platform: first.platform,
    lookback_period: lookback,
  };
}

function rate(group: Observation[], dedup: number): 'GOOD' | 'FAIR' | 'NEEDS_IMPROVEMENT' {
  const identity = share(group, (event) => event.has.hashed_email || event.has.hashed_maid);
  const network = share(group, (event) => event.has.ip_address && event.has.user_agent);
  const clickId = share(group, (event) => event.has.click_id_epik);
  const score = 35 * identity + 25 * network + 15 * clickId + 25 * dedup;
  if (score >= 80) return 'GOOD';
  if (score >= 50) return 'FAIR';
  return 'NEEDS_IMPROVEMENT';
}

function findIssues(component: Component, details: Details, hasCounterpart: boolean) {
  if (component === 'external_event_id' && hasCounterpart && (details.overlap ?? 0) < 50) {
    return [
      {
        id: 'LOW_EVENT_ID_OVERLAP',
        name: 'Low event id overlap',
        reason: `Only ${details.overlap ?? 0}% of these events share an event_id with the other source, so Tag and API events cannot be deduplicated.`,
      },
    ];
  }

  if (component === 'hashed_email' && details.coverage < 50) {
    return [
      {
        id: 'LOW_EMAIL_COVERAGE',
        name: 'Low hashed email coverage',
        reason: `Only ${details.coverage}% of these events carry a hashed email.`,
      },
    ];
  }

  return [];
}

function observeCapiEvent(event: CheckedEvent): Observation {
  const user = event.user_data;
  const custom = event.custom_data;
  return {
    source: 'CONVERSIONS_API',
    platform: platformOf(event.action_source),
    type: event.event_name,
    eventId: event.event_id,
    has: {
      hashed_email: (user.em?.length ?? 0) > 0,
      hashed_maid: (user.hashed_maids?.length ?? 0) > 0,
      ip_address: Boolean(user.client_ip_address),
      user_agent: Boolean(user.client_user_agent),
      click_id_epik: Boolean(user.click_id),
      advertiser_external_id: (user.external_id?.length ?? 0) > 0,
      external_event_id: event.event_id !== '',
      order_id: Boolean(custom?.order_id),
      order_value: Boolean(custom?.value),
      product_id:
        (custom?.content_ids?.length ?? 0) > 0 ||
        (custom?.contents ?? []).some((item) => Boolean(item.id)),
      source_url: Boolean(event.event_source_url),
    },
  };
}

function observeTagEvent(record: RecordedTagEvent): Observation {
  const event = record.event;
  const present = (key: string) => isPresent(event[key]);
  const lineItems = Array.isArray(event['line_items']) ? (event['line_items'] as unknown[]) : [];
  return {
    source: 'TAG',
    platform: 'WEB',
    type: tagTypeToApiName(String(event['event_name'])),
    eventId: String(event['event_id']),
    has: {
      hashed_email: present('em'),
      hashed_maid: false,
      ip_address: record.client_ip_address !== '',
      user_agent: record.client_user_agent !== '',
      click_id_epik: present('epik') || present('click_id'),
      advertiser_external_id: present('external_id'),
      external_event_id: present('event_id'),
      order_id: present('order_id'),
      order_value: present('value'),
      product_id:
        present('product_ids') ||
        present('content_ids') ||
        lineItems.some((item) => isPresent((item as Record<string, unknown>)['product_id'])),
      source_url: record.page_url !== null,
    },
  };
}

const COMPACT_EVENT_NAMES = new Map(
  [...STANDARD_EVENT_NAMES].map((name) => [name.replace(/_/g, ''), name]),
);

/** The Tag's `Checkout`, `AddToCart` or `addtocart` become the API's `checkout`, `add_to_cart`. */
export function tagTypeToApiName(name: string): string {
  const compact = name.toLowerCase().replace(/[\s_-]/g, '');
  return COMPACT_EVENT_NAMES.get(compact) ?? name.toLowerCase();
}

function platformOf(actionSource: string): Observation['platform'] {
  if (actionSource === 'app_android' || actionSource === 'app_ios') return 'MOBILE';
  if (actionSource === 'offline') return 'OFFLINE';
  return 'WEB';
}

function collectIds(observations: Observation[]): Map<Source, Map<string, Set<string>>> {
  const ids = new Map<Source, Map<string, Set<string>>>();
  for (const observation of observations) {
    const byType = ids.get(observation.source) ?? new Map<string, Set<string>>();
    ids.set(observation.source, byType);
    const set = byType.get(observation.type) ?? new Set<string>();
    byType.set(observation.type, set);
    set.add(observation.eventId);
  }

  return ids;
}

function groupBy(
  observations: Observation[],
  keyOf: (observation: Observation) => string,
): Map<string, Observation[]> {
  const groups = new Map<string, Observation[]>();
  for (const observation of observations) {
    const key = keyOf(observation);
    const members = groups.get(key);
    if (members) members.push(observation);
    else groups.set(key, [observation]);
  }

  return groups;
}

function share(events: Observation[], test: (event: Observation) => boolean): number {
  if (events.length === 0) return 0;
  return events.filter(test).length / events.length;
}

function percent(fraction: number): number {
  return Math.round(fraction * 10_000) / 100;
}

function isPresent(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return value !== undefined && value !== null && value !== '';
}
