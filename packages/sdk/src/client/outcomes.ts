/**
 * @module client/outcomes
 * What became of each event of a send, and how Pinterest's per-event answer maps onto it.
 */

import type { CapiError, ValidationIssue } from '../errors.js';
import type { WireEventResult, WireEventsRequest } from '../wire.js';

/**
 * The fate of one input event, at its position (`index`) in the array given to `send`:
 * - `processed`: Pinterest accepted it (a `warning` names non-fatal problems);
 * - `failed`: Pinterest rejected it; fix it before sending it again, never resend it as it is;
 * - `rejected`: local validation failed, so it was never sent;
 * - `not_sent`: its batch failed as a whole (401/403/400, retries used up, aborted);
 * - `dry_run`: a dry run built its body and sent nothing.
 */
export type EventOutcome = { index: number; eventId: string | undefined } & (
  | { status: 'processed'; warning?: string }
  | { status: 'failed'; error: string; warning?: string }
  | { status: 'rejected'; issues: readonly ValidationIssue[] }
  | { status: 'not_sent'; error: CapiError }
  | { status: 'dry_run' }
);

/** Every outcome of one send, plus the tallies a caller usually wants. */
export interface SendResult {
  /** One per input event, in input order. */
  outcomes: EventOutcome[];
  processed: number;
  failed: number;
  rejected: number;
  notSent: number;
  /** HTTP calls made, retries included. */
  calls: number;
  /** Dry run only: the exact bodies that would have been POSTed, one per batch. */
  bodies?: WireEventsRequest[];
}

/** An event on its way out, with its position in the caller's input. */
export interface PendingEvent<E> {
  index: number;
  eventId: string | undefined;
  event: E;
}

/** Counts outcomes by status and wraps them, sorted into input order, in a {@link SendResult}. */
export function summarize(outcomes: EventOutcome[], calls: number): SendResult {
  const sorted = [...outcomes].sort((a, b) => a.index - b.index);
  const count = (status: EventOutcome['status']) =>
    sorted.filter((outcome) => outcome.status === status).length;
  return {
    outcomes: sorted,
    processed: count('processed'),
    failed: count('failed'),
    rejected: count('rejected'),
    notSent: count('not_sent'),
    calls,
  };
}

/** Marks every event of a batch `not_sent` with the error that ended it. */
export function notSent(batch: readonly PendingEvent<unknown>[], error: CapiError): EventOutcome[] {
  return batch.map(({ index, eventId }) => ({ index, eventId, status: 'not_sent', error }));
}

/** The events part of a 200 body, or of a 422 body's `details`. */
interface EventsAnswer {
  numProcessed: number | undefined;
  events: readonly unknown[] | undefined;
}

function readAnswer(status: number, body: unknown): EventsAnswer {
  const root = asRecord(status === 422 ? asRecord(body)?.['details'] : body);
  const processed = root?.['num_events_processed'];
  const events = root?.['events'];
  return {
    numProcessed: typeof processed === 'number' ? processed : undefined,
    events: Array.isArray(events) ? events : undefined,
  };
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)
    : undefined;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function describeStatus(status: unknown): string {
  return typeof status === 'string' ? JSON.stringify(status) : 'none';
}

function fromResult(pending: PendingEvent<unknown>, result: unknown): EventOutcome {
  const { index, eventId } = pending;
  const entry = (asRecord(result) ?? {}) as Partial<Record<keyof WireEventResult, unknown>>;
  const warning = nonEmpty(entry.warning_message);
  const withWarning = warning === undefined ? {} : { warning };
  if (entry.status === 'processed') return { index, eventId, status: 'processed', ...withWarning };
  const error =
    entry.status === 'failed'
      ? (nonEmpty(entry.error_message) ?? 'Pinterest gave no reason')
      : `Pinterest answered an unknown event status (${describeStatus(entry.status)})`;
  return { index, eventId, status: 'failed', error, ...withWarning };
}

/**
 * Maps a 200 or 422 answer onto the batch it answers: `events[i]` belongs to the batch's i-th
 * event, as Pinterest answers in request order.
 *
 * When the answer cannot be matched (no `events`, or not one per event) the mapping is
 * conservative: Pinterest did answer, so some events may have been processed, and a processed
 * event must never be sent again. If the counters say every event was processed, all are
 * `processed`; otherwise all are `failed` with an explanation, which tells callers not to resend
 * them as they are. Either way nothing of the batch is retried automatically.
 */
export function outcomesFromAnswer(
  status: number,
  body: unknown,
  batch: readonly PendingEvent<unknown>[],
): EventOutcome[] {
  const answer = readAnswer(status, body);
  const { events } = answer;
  if (events?.length === batch.length) {
    return batch.map((pending, i) => fromResult(pending, events[i]));
  }

  if (answer.numProcessed === batch.length && status === 200) {
    return batch.map(({ index, eventId }) => ({ index, eventId, status: 'processed' }));
  }

  const listed = events === undefined ? 'no per-event results' : `${events.length} results`;
  const error =
    `Pinterest answered ${status} with ${listed} for ${batch.length} events ` +
    `(${answer.numProcessed ?? 'unknown'} processed); which ones failed is unknown, ` +
    'so none is sent again automatically';
  return batch.map(({ index, eventId }) => ({ index, eventId, status: 'failed', error }));
}
