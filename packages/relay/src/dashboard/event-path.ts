/**
 * @module dashboard/event-path
 * One event's whole path, as the dashboard's lookup shows it: when it happened, when the relay
 * stored it, how many calls it took, what Pinterest answered, and where it is now.
 */
import { shownStateOf } from '../ops/event-state.js';
import type { ShownEventState } from '../ops/event-state.js';
import type { LookupMatch } from './queries.js';

export type PathStepKind =
  | 'event_time'
  | 'received'
  | 'retried'
  | 'replayed'
  | 'delivered'
  | 'dead'
  | 'retrying'
  | 'queued'
  | 'sending';

/** One step; `at` is epoch ms when the step has a time of its own. */
export interface PathStep {
  kind: PathStepKind;
  at: number | null;
  text: string;
}

/** What the page shows of one event found by the lookup. */
export interface EventPath {
  eventId: string;
  orderId: string | null;
  adAccountId: string;
  eventName: string;
  /** The state as `GET /v1/events/{event_id}` names it. */
  state: ShownEventState;
  value: string | null;
  currency: string | null;
  attempts: number;
  /** Seconds from `event_time` to delivery. */
  delaySeconds: number | null;
  identifiers: LookupMatch['identifiers'];
  /**
   * The consent received, what the tenant's policy did with it, and the LDP rule that flagged
   * it, as `GET /v1/events/{event_id}` shows them; null for events stored without them.
   */
  privacy: { consent: string; action: string; ldp: string | null } | null;
  steps: PathStep[];
}

/** Describes a stored event's path, oldest step first. */
export function describePath(match: LookupMatch): EventPath {
  const delayMs =
    match.deliveredAt === undefined ? undefined : match.deliveredAt - match.eventTime * 1000;
  return {
    eventId: match.eventId,
    orderId: match.orderId,
    adAccountId: match.adAccountId,
    eventName: match.eventName,
    state: shownStateOf(match),
    value: match.value,
    currency: match.currency,
    attempts: match.attempts,
    delaySeconds: delayMs === undefined ? null : delayMs / 1000,
    identifiers: match.identifiers,
    privacy: match.privacy
      ? {
          consent: match.privacy.consent,
          action: match.privacy.consentAction,
          ldp: match.privacy.ldpRule ?? null,
        }
      : null,
    steps: [
      {
        kind: 'event_time',
        at: match.eventTime * 1000,
        text: `The ${match.eventName} happened (event_time)`,
      },
      { kind: 'received', at: match.receivedAt, text: `Stored by the relay (${match.source})` },
      ...earlierStep(match),
      outcomeStep(match, delayMs),
    ],
  };
}

/**
 * An error on an event that is neither retrying nor dead is left from an earlier call. Replay
 * restarts the count of calls, so one with at most one call since was dead-lettered and replayed.
 */
function earlierStep(match: LookupMatch): PathStep[] {
  const settledOrWaiting = match.state !== 'failed' && match.state !== 'dead';
  if (!settledOrWaiting || match.lastError === undefined) return [];
  const replayed = match.attempts <= 1;
  return [
    {
      kind: replayed ? 'replayed' : 'retried',
      at: null,
      text: replayed
        ? `Dead-lettered before (${withStatus(match)}), then replayed`
        : `An earlier call failed (${withStatus(match)}) and was retried`,
    },
  ];
}

function outcomeStep(match: LookupMatch, delayMs: number | undefined): PathStep {
  // The last call is named as the delivery log lines name it (`batchId`), to find it there.
  const last = match.lastBatchId === undefined ? '' : `, the last in batch ${match.lastBatchId}`;
  const calls = `after ${match.attempts} call(s)${last}`;
  switch (match.state) {
    case 'delivered': {
      const late = delayMs !== undefined && delayMs >= 3_600_000 ? ' (over an hour: offline)' : '';
      const warning = match.warning === undefined ? '' : `; warning: ${match.warning}`;
      return {
        kind: 'delivered',
        at: match.deliveredAt ?? null,
        text: `Processed by Pinterest ${calls}${late}${warning}`,
      };
    }

    case 'dead':
      return { kind: 'dead', at: null, text: `Dead-lettered ${calls}: ${withStatus(match)}` };
    case 'failed':
      return {
        kind: 'retrying',
        at: match.nextAttemptAt ?? null,
        text: `Retrying: the last call${inBatch(match)} failed (${withStatus(match)}); next try at this time`,
      };
    case 'in_flight':
      return { kind: 'sending', at: null, text: 'Being sent to Pinterest now' };
    case 'pending':
      return { kind: 'queued', at: match.nextAttemptAt ?? null, text: 'Queued, due at this time' };
  }
}

function withStatus(match: LookupMatch): string {
  const reason = match.lastError ?? 'unknown reason';
  return match.lastStatus === undefined ? reason : `HTTP ${match.lastStatus}, ${reason}`;
}

function inBatch(match: LookupMatch): string {
  return match.lastBatchId === undefined ? '' : ` (batch ${match.lastBatchId})`;
}
