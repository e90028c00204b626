/**
 * @module delivery/events
 * What the delivery worker reports. The worker never logs: the composition root turns these
 * events into log lines and metrics, so the worker stays testable and the log format lives in one
 * place.
 */
import type { AnswerKinds } from './answer-kinds.js';

/** Why a call is made again later. */
export type RetryReason =
  'rate_limited' | 'server_error' | 'timeout' | 'network' | 'unexpected_status' | 'store_error';

/**
 * One call to Pinterest, whatever came of it. `processed` and `failed` count Pinterest's
 * per-event answers (a 200 or a 422); both are 0 when the call failed as a whole.
 */
export interface BatchReport {
  /** Names the call in logs: the worker's owner id and a sequence number. */
  batchId: string;
  adAccountId: string;
  /** Events in the call. */
  events: number;
  processed: number;
  failed: number;
  durationMs: number;
  /** The HTTP status; undefined when no answer came (timeout, reset, cancelled). */
  status: number | undefined;
  /** The answer's warnings and unexpected parts, by kind (see `answer-kinds.ts`). */
  answers?: AnswerKinds;
}

/** A call failed as a whole and its events are due again after `delayMs`. */
export interface RetryReport {
  adAccountId: string;
  /** Events of the call that will be tried again (the ones out of budget went dead). */
  events: number;
  /** The attempt that failed, counting from 1; the highest among the call's events. */
  attempt: number;
  delayMs: number;
  reason: RetryReason;
  status?: number;
  /**
   * The failed call may have reached Pinterest (a timeout, a reset, a 5xx), so the retry may
   * deliver some events twice (facts §4.4). They keep their `event_id`, so Pinterest can tell.
   */
  possibleDuplicate: boolean;
  /** What went wrong, without tokens or personal data. */
  error: string;
}

/** Events Pinterest processed in one call, with the times the delay metrics need. */
export interface DeliveredReport {
  adAccountId: string;
  /** Epoch ms when the answer was settled. */
  at: number;
  events: { eventId: string; eventTime: number; receivedAt: number }[];
}

/** An event will never be sent again; `reason` is Pinterest's message or the budget that ran out. */
export interface DeadReport {
  adAccountId: string;
  eventId: string;
  reason: string;
  status?: number;
}

/** An ad account stopped sending because Pinterest refused its credentials (401 or 403). */
export interface PausedReport {
  adAccountId: string;
  reason: string;
  status: number | undefined;
}

/** A paused ad account sends again: a probe went through or new credentials were given. */
export interface ResumedReport {
  adAccountId: string;
  /** How long it was paused. */
  pausedMs: number;
}

/**
 * An event reached Pinterest more than an hour after its `event_time`: it counts as an offline
 * conversion and no longer deduplicates with the Pinterest Tag (facts §4.1, §4.2).
 */
export interface LateReport {
  adAccountId: string;
  eventId: string;
  /** Seconds between `event_time` and the moment Pinterest processed the event. */
  lateBySeconds: number;
}

/** A store call failed; the worker backs off and tries again. */
export interface ErrorReport {
  err: unknown;
  adAccountId?: string;
  /**
   * What the worker was doing: `claim`, `settle`, `release`, `poll`, or `deliver` (an
   * event listener threw while a batch was being handled).
   */
  operation: string;
}

/** The events a `DeliveryWorker` emits. */
export interface DeliveryEvents {
  batch: [BatchReport];
  delivered: [DeliveredReport];
  retry: [RetryReport];
  dead: [DeadReport];
  paused: [PausedReport];
  resumed: [ResumedReport];
  late: [LateReport];
  error: [ErrorReport];
}
