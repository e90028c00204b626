/**
 * @module client/events
 * The events a {@link ConversionsClient} emits, one per step of a call. The SDK never logs: a host
 * listens to these and logs, counts or alerts as it sees fit.
 */

import type { CapiError } from '../errors.js';

/** Emitted before each HTTP call, retries included. */
export interface RequestEvent {
  adAccountId: string;
  /** 1 for the first call of a batch. */
  attempt: number;
  events: number;
  test: boolean;
}

/** Emitted for each HTTP answer, whatever its status. */
export interface ResponseEvent {
  adAccountId: string;
  attempt: number;
  status: number;
  durationMs: number;
  /** Events of the batch Pinterest processed (0 unless the status is 200 or 422). */
  processed: number;
  failed: number;
}

/** Why a batch is being sent again. */
export type RetryReason = 'rate_limited' | 'server_error' | 'timeout' | 'network';

/** Emitted when a failed call will be made again after `delayMs`. */
export interface RetryEvent {
  adAccountId: string;
  /** The attempt that failed. */
  attempt: number;
  delayMs: number;
  reason: RetryReason;
  status?: number;
  /** The failed call may have been processed, so the retry may duplicate its events. */
  possibleDuplicate: boolean;
}

/** Emitted when a batch ends `not_sent`; only when someone listens, unlike Node's usual 'error'. */
export interface BatchErrorEvent {
  adAccountId: string;
  /** Calls made for the batch. */
  attempts: number;
  events: number;
  error: CapiError;
}

/** The events a {@link ConversionsClient} emits. The SDK never logs; listen to these instead. */
export interface ClientEvents {
  request: [RequestEvent];
  response: [ResponseEvent];
  retry: [RetryEvent];
  error: [BatchErrorEvent];
}
