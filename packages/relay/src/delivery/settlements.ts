/**
 * @module delivery/settlements
 * Pure functions that turn what happened to a call into store settlements and the reports the
 * worker emits: per-event answers, a retry (or death once the budget is spent), an event too old
 * to send. Kept apart from the worker so each rule can be tested without a clock or a network.
 */
import type { EventOutcome } from '@pinterest-capi/sdk';

import type { ClaimedEvent, Settlement } from '../queue/store.js';

/**
 * Past this many seconds after its `event_time`, Pinterest reports an event as an offline
 * conversion, which no longer deduplicates with the Tag (facts §4.1).
 */
export const LATE_AFTER_SECONDS = 3600;

/** An event that will never be sent again, and why. */
export interface DeadEvent {
  event: ClaimedEvent;
  reason: string;
  status?: number;
}

/** An event that reached Pinterest more than {@link LATE_AFTER_SECONDS} after it happened. */
export interface LateEvent {
  event: ClaimedEvent;
  lateBySeconds: number;
}

/** Store writes for one call, plus what to report about them. */
export interface Plan {
  settlements: Settlement[];
  dead: DeadEvent[];
}

/** Limits an event's retries, from the worker's options. */
export interface RetryLimits {
  retryBudgetMs: number;
  maxEventAgeSeconds: number;
}

/** Formats a span of milliseconds for a message: `24 h`, `7 d`, `90 s`. */
export function describeMs(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  const unit = units.find(([size]) => ms >= size && ms % size === 0);
  return unit === undefined ? `${ms} ms` : `${ms / unit[0]} ${unit[1]}`;
}

/** The last moment (epoch ms) an event may still be sent, by its `event_time`. */
export function maxAgeDeadline(event: ClaimedEvent, maxEventAgeSeconds: number): number {
  return (event.event.event_time + maxEventAgeSeconds) * 1000;
}

function deadSettlement(dead: DeadEvent, at: number): Settlement {
  return { id: dead.event.id, state: 'dead', at, error: dead.reason, status: dead.status };
}

/**
 * Splits claimed events into those still young enough to send and those whose `event_time` is
 * already beyond the maximum age, which go dead without a call: Pinterest would reject them, and
 * the relay never rewrites `event_time` to make an event look fresh.
 */
export function planExpired(
  events: readonly ClaimedEvent[],
  context: { now: number; maxEventAgeSeconds: number },
): Plan & { fresh: ClaimedEvent[] } {
  const fresh: ClaimedEvent[] = [];
  const dead: DeadEvent[] = [];
  const limit = describeMs(context.maxEventAgeSeconds * 1000);
  for (const event of events) {
    if (maxAgeDeadline(event, context.maxEventAgeSeconds) >= context.now) fresh.push(event);
    else dead.push({ event, reason: `event_time is older than the maximum event age of ${limit}` });
  }

  return { fresh, dead, settlements: dead.map((entry) => deadSettlement(entry, context.now)) };
}

/** One event's answer from Pinterest. */
export type AnsweredOutcome = EventOutcome & { status: 'processed' | 'failed' };

/**
 * Maps Pinterest's per-event answers (a 200 or a 422) onto the claimed events: processed →
 * delivered (its warning kept), failed → dead with Pinterest's message. `answers[i]` belongs to
 * `events[i]`.
 */
export function planAnswered(
  events: readonly ClaimedEvent[],
  answers: readonly AnsweredOutcome[],
  context: { now: number; status: number | undefined },
): Plan & { late: LateEvent[]; processed: number } {
  const plan: Plan & { late: LateEvent[]; processed: number } = {
    settlements: [],
    dead: [],
    late: [],
    processed: 0,
  };
  const nowSeconds = Math.floor(context.now / 1000);
  events.forEach((event, i) => {
    const answer = answers[i];
    if (answer === undefined) return;
    if (answer.status === 'processed') {
      plan.processed++;
      plan.settlements.push({ id: event.id, state: 'delivered', at: context.now, ...warn(answer) });
      const lateBySeconds = nowSeconds - event.event.event_time;
      if (lateBySeconds > LATE_AFTER_SECONDS) plan.late.push({ event, lateBySeconds });
      return;
    }

    const dead: DeadEvent = { event, reason: answer.error, ...optionalStatus(context.status) };
    plan.dead.push(dead);
    plan.settlements.push(deadSettlement(dead, context.now));
  });
  return plan;
}

function warn(answer: AnsweredOutcome): { warning?: string } {
  return answer.warning === undefined ? {} : { warning: answer.warning };
}

function optionalStatus(status: number | undefined): { status?: number } {
  return status === undefined ? {} : { status };
}

/** What went wrong with a call that is to be made again. */
export interface RetryInput extends RetryLimits {
  now: number;
  /** Wait before the next attempt, from `nextDelayMs` or the server's `Retry-After`. */
  delayMs: number;
  error: string;
  status: number | undefined;
}

/**
 * Schedules every event of a failed call for `now + delayMs`, except those for which that would
 * pass their retry budget (received + `retryBudgetMs`) or their maximum age (`event_time` +
 * `maxEventAgeSeconds`): those go dead, with the last error in the reason.
 */
export function planRetry(
  events: readonly ClaimedEvent[],
  input: RetryInput,
): Plan & { retried: ClaimedEvent[]; nextAttemptAt: number } {
  const nextAttemptAt = input.now + input.delayMs;
  const plan: Plan & { retried: ClaimedEvent[]; nextAttemptAt: number } = {
    settlements: [],
    dead: [],
    retried: [],
    nextAttemptAt,
  };
  const { error, status } = input;
  for (const event of events) {
    const reason = exhaustedReason(event, nextAttemptAt, input);
    if (reason === undefined) {
      plan.retried.push(event);
      plan.settlements.push({
        id: event.id,
        state: 'failed',
        at: input.now,
        nextAttemptAt,
        error,
        status,
      });
      continue;
    }

    const dead: DeadEvent = { event, reason, ...optionalStatus(status) };
    plan.dead.push(dead);
    plan.settlements.push(deadSettlement(dead, input.now));
  }

  return plan;
}

function exhaustedReason(
  event: ClaimedEvent,
  nextAttemptAt: number,
  input: RetryInput,
): string | undefined {
  const tries = `${event.attempts} attempt${event.attempts === 1 ? '' : 's'}`;
  if (nextAttemptAt > event.receivedAt + input.retryBudgetMs) {
    const budget = describeMs(input.retryBudgetMs);
    return `retry budget of ${budget} used up after ${tries}; last error: ${input.error}`;
  }

  if (nextAttemptAt > maxAgeDeadline(event, input.maxEventAgeSeconds)) {
    const age = describeMs(input.maxEventAgeSeconds * 1000);
    return `the next attempt would pass the maximum event age of ${age} (after ${tries}); last error: ${input.error}`;
  }

  return undefined;
}
