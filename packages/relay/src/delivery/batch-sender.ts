/**
 * @module delivery/batch-sender
 * Sends one claimed set of events to Pinterest and records what became of each: delivered, dead,
 * due again later, or given back. The SDK client makes exactly one attempt per call; retries are
 * written to the store (`failed` with `nextAttemptAt`), so a retry survives a crash and holds no
 * lease meanwhile.
 */
import { CallPacer, ConversionsClient, nextDelayMs } from '@pinterest-capi/sdk';
import type { EventOutcome, WireEvent } from '@pinterest-capi/sdk';

import type { ClaimedEvent, Settlement } from '../queue/store.js';
import type { AccountLane } from './account-lane.js';
import { classifyAnswer } from './answer-kinds.js';
import type { DeliveryEvents } from './events.js';
import { classifyFailure } from './failure-kind.js';
import type { FailureKind } from './failure-kind.js';
import type { ResolvedDeliveryOptions } from './options.js';
import { planAnswered, planExpired, planRetry } from './settlements.js';
import type { AnsweredOutcome, DeadEvent } from './settlements.js';

/** How the sender reaches back into the worker. */
export interface SenderHooks {
  emit: <K extends keyof DeliveryEvents>(name: K, ...args: DeliveryEvents[K]) => void;
  /** Pinterest refused the lane's credentials (401/403); its events were given back. */
  onAuthFailure: (lane: AccountLane, failure: FailureKind & { kind: 'auth' }) => void;
  /** A call that started at `startedAt` got per-event answers, so the credentials work. */
  onAnswered: (lane: AccountLane, startedAt: number) => void;
  /** Pinterest asked the ad account to slow down until `until` (epoch ms). */
  onHold: (lane: AccountLane, until: number) => void;
  /** Some of the lane's events are due again at `at`. */
  onDueAt: (lane: AccountLane, at: number) => void;
  /** A store call failed; the sender retries it a few times. */
  onStoreError: (lane: AccountLane, operation: string, err: unknown) => void;
}

/** Where one claimed set stands. */
interface SendContext {
  /** When its lease began (epoch ms). */
  claimedAt: number;
  /** A probe of a paused ad account may call while the account is paused. */
  probe: boolean;
  /** A call slot of the lane's pacer is already taken for the next call. */
  slotHeld: boolean;
}

/** One call's result, split into events Pinterest answered and events it never judged. */
interface CallResult {
  batchId: string;
  startedAt: number;
  durationMs: number;
  status: number | undefined;
  answered: { events: ClaimedEvent[]; answers: AnsweredOutcome[] };
  notSent: { events: ClaimedEvent[]; error: unknown } | undefined;
}

/** Waits between tries of a failed store write: a settle lost means a resend after the lease. */
const STORE_RETRY_DELAYS_MS = [100, 400, 1600];

/** Sends claimed events for the worker; see the module comment. */
export class BatchSender {
  readonly #options: ResolvedDeliveryOptions;
  readonly #hooks: SenderHooks;
  /** Aborted when the worker stops: no new call starts. */
  readonly #stopSignal: AbortSignal;
  /** Aborted when the worker gives up waiting: calls in flight are cancelled. */
  readonly #callSignal: AbortSignal;
  /** Calls are paced per lane before claiming; the client's own pacer must never hold them. */
  readonly #unpaced = new CallPacer({ callsPerMinute: Number.MAX_SAFE_INTEGER });
  /**
   * Pinterest's answers not yet written to the store, by row id. A settle that keeps failing can
   * outlast the lease; should this process claim such an event again, the answer is written
   * instead of the event being sent a second time: an event Pinterest processed is never resent.
   */
  readonly #unsettled = new Map<number, Settlement>();
  #calls = 0;

  constructor(
    options: ResolvedDeliveryOptions,
    hooks: SenderHooks,
    signals: { stop: AbortSignal; calls: AbortSignal },
  ) {
    this.#options = options;
    this.#hooks = hooks;
    this.#stopSignal = signals.stop;
    this.#callSignal = signals.calls;
  }

  /**
   * Delivers a claimed set whose first call slot is already taken. Events past the maximum age
   * go dead unsent; the rest are sent. Never rejects: store failures are reported as hooks.
   */
  async deliver(
    lane: AccountLane,
    claimed: readonly ClaimedEvent[],
    context: { claimedAt: number; probe: boolean },
  ): Promise<void> {
    // Decided before settling: a remembered answer is dropped from the map once written.
    const unanswered = claimed.filter((event) => !this.#unsettled.has(event.id));
    await this.#settleRemembered(lane, claimed);
    const plan = planExpired(unanswered, {
      now: this.#options.now(),
      maxEventAgeSeconds: this.#options.maxEventAgeSeconds,
    });
    if (plan.dead.length > 0 && (await this.#settle(lane, plan.settlements))) {
      this.#emitDead(lane, plan.dead);
    }

    if (plan.fresh.length > 0) await this.#send(lane, plan.fresh, { ...context, slotHeld: true });
  }

  async #settleRemembered(lane: AccountLane, claimed: readonly ClaimedEvent[]): Promise<void> {
    const remembered = claimed.flatMap((event) => {
      const settlement = this.#unsettled.get(event.id);
      return settlement === undefined ? [] : [{ event, settlement }];
    });
    const settlements = remembered.map((entry) => entry.settlement);
    if (remembered.length === 0 || !(await this.#settle(lane, settlements))) return;
    for (const { settlement } of remembered) this.#unsettled.delete(settlement.id);
    const dead = remembered.flatMap(({ event, settlement }) =>
      settlement.state === 'dead'
        ? [{ event, reason: settlement.error, ...optionalStatus(settlement.status) }]
        : [],
    );
    this.#emitDead(lane, dead);
  }

  async #send(lane: AccountLane, events: ClaimedEvent[], context: SendContext): Promise<void> {
    if (!context.slotHeld && !(await this.#acquire(lane))) {
      await this.#release(lane, events);
      return;
    }

    if (this.#mustGiveBack(lane, context)) {
      await this.#release(lane, events);
      return;
    }

    const call = await this.#call(lane, events);
    this.#emitBatch(lane, call);
    if (call.answered.events.length > 0) await this.#settleAnswered(lane, call);
    if (call.notSent !== undefined) {
      await this.#handleFailure(lane, call.notSent, {
        ...context,
        slotHeld: false,
        batchId: call.batchId,
      });
    }
  }

  async #acquire(lane: AccountLane): Promise<boolean> {
    try {
      await lane.pacer.acquire(lane.adAccountId, this.#stopSignal);
      return true;
    } catch {
      return false;
    }
  }

  /** True when a call must not start: stopping, paused, or it could outlive the lease. */
  #mustGiveBack(lane: AccountLane, context: SendContext): boolean {
    if (this.#stopSignal.aborted) return true;
    if (lane.paused !== undefined && !context.probe) return true;
    const { leaseMs, timeoutMs, now } = this.#options;
    return now() + timeoutMs > context.claimedAt + leaseMs;
  }

  async #call(lane: AccountLane, events: ClaimedEvent[]): Promise<CallResult> {
    const batchId = `${this.#options.owner}-${++this.#calls}`;
    const startedAt = this.#options.now();
    const started = performance.now();
    let status: number | undefined;
    let split: Pick<CallResult, 'answered' | 'notSent'>;
    try {
      const client = this.#client(lane);
      client.on('response', (response) => {
        status = response.status;
      });
      const wire = events.map((claimed) =>
        withPartnerName(claimed.event, lane.account.partnerName),
      );
      const result = await client.sendPrepared(wire, { signal: this.#callSignal });
      split = splitOutcomes(events, result.outcomes);
    } catch (error) {
      // Only a client that cannot be built throws; its events wait for a fixed configuration.
      split = { answered: { events: [], answers: [] }, notSent: { events, error } };
    }

    const durationMs = Math.round(performance.now() - started);
    return { batchId, startedAt, durationMs, status, ...split };
  }

  #client(lane: AccountLane): ConversionsClient {
    const { adAccountId, accessToken, baseUrl, test } = lane.account;
    return new ConversionsClient({
      adAccountId,
      accessToken,
      baseUrl,
      ...(test === undefined ? {} : { test }),
      pacer: this.#unpaced,
      maxAttempts: 1,
      timeoutMs: this.#options.timeoutMs,
      random: this.#options.random,
    });
  }

  async #settleAnswered(lane: AccountLane, call: CallResult): Promise<void> {
    const { events, answers } = call.answered;
    const plan = planAnswered(events, answers, { now: this.#options.now(), status: call.status });
    plan.settlements = plan.settlements.map((settlement) => ({
      ...settlement,
      batchId: call.batchId,
    }));
    this.#hooks.onAnswered(lane, call.startedAt);
    for (const settlement of plan.settlements) this.#unsettled.set(settlement.id, settlement);
    if (!(await this.#settle(lane, plan.settlements))) return;
    for (const settlement of plan.settlements) this.#unsettled.delete(settlement.id);
    this.#emitDelivered(lane, events, plan.settlements);

    for (const { event, lateBySeconds } of plan.late) {
      this.#hooks.emit('late', {
        adAccountId: lane.adAccountId,
        eventId: event.eventId,
        lateBySeconds,
      });
    }

    this.#emitDead(lane, plan.dead);
  }

  async #handleFailure(
    lane: AccountLane,
    notSent: { events: ClaimedEvent[]; error: unknown },
    context: SendContext & { batchId: string },
  ): Promise<void> {
    const failure = classifyFailure(notSent.error);
    switch (failure.kind) {
      case 'aborted':
        await this.#release(lane, notSent.events);
        return;
      case 'auth':
        await this.#release(lane, notSent.events);
        this.#hooks.onAuthFailure(lane, failure);
        return;
      case 'bad_request':
        await this.#bisect(lane, notSent.events, failure, context);
        return;
      case 'retry':
        await this.#retry(lane, notSent.events, failure, context.batchId);
    }
  }

  /**
   * A 400 rejects the whole body for what may be one event. Halving the set until each bad event
   * stands alone lets the good ones through and dead-letters only the bad, with Pinterest's
   * message: about 2·log2(n) extra calls per bad event.
   */
  async #bisect(
    lane: AccountLane,
    events: ClaimedEvent[],
    failure: FailureKind & { kind: 'bad_request' },
    context: SendContext & { batchId: string },
  ): Promise<void> {
    const [only] = events;
    if (events.length === 1 && only !== undefined) {
      const dead: DeadEvent = { event: only, reason: failure.message, status: failure.status };
      const settlement: Settlement = {
        id: only.id,
        state: 'dead',
        at: this.#options.now(),
        error: dead.reason,
        status: dead.status,
        batchId: context.batchId,
      };
      if (await this.#settle(lane, [settlement])) this.#emitDead(lane, [dead]);
      return;
    }

    const middle = Math.ceil(events.length / 2);
    await this.#send(lane, events.slice(0, middle), context);
    await this.#send(lane, events.slice(middle), context);
  }

  async #retry(
    lane: AccountLane,
    events: ClaimedEvent[],
    failure: FailureKind & { kind: 'retry' },
    batchId: string,
  ): Promise<void> {
    const { retryBaseMs, retryMaxMs, random, retryBudgetMs, maxEventAgeSeconds } = this.#options;
    const attempt = Math.max(...events.map((event) => event.attempts));
    const { retryAfterMs, message: error, status } = failure;
    const delayMs = nextDelayMs(attempt, {
      baseMs: retryBaseMs,
      maxMs: retryMaxMs,
      retryAfterMs,
      random,
    });
    const now = this.#options.now();
    const limits = { retryBudgetMs, maxEventAgeSeconds };
    const plan = planRetry(events, { now, delayMs, error, status, ...limits });
    // A 429 is about the account's budget, not these events: every call of the account waits.
    if (failure.reason === 'rate_limited') this.#hooks.onHold(lane, plan.nextAttemptAt);
    const settlements = plan.settlements.map((settlement) => ({ ...settlement, batchId }));
    if (!(await this.#settle(lane, settlements))) return;
    if (plan.retried.length > 0) {
      this.#hooks.emit('retry', {
        adAccountId: lane.adAccountId,
        events: plan.retried.length,
        attempt,
        delayMs,
        reason: failure.reason,
        ...optionalStatus(status),
        possibleDuplicate: failure.possibleDuplicate,
        error,
      });
      this.#hooks.onDueAt(lane, plan.nextAttemptAt);
    }

    this.#emitDead(lane, plan.dead);
  }

  #emitDelivered(
    lane: AccountLane,
    events: readonly ClaimedEvent[],
    settlements: readonly Settlement[],
  ): void {
    const delivered = new Set(settlements.filter((s) => s.state === 'delivered').map((s) => s.id));
    if (delivered.size === 0) return;
    this.#hooks.emit('delivered', {
      adAccountId: lane.adAccountId,
      at: this.#options.now(),
      events: events
        .filter((event) => delivered.has(event.id))
        .map((event) => ({
          eventId: event.eventId,
          eventTime: event.event.event_time,
          receivedAt: event.receivedAt,
        })),
    });
  }

  #emitBatch(lane: AccountLane, call: CallResult): void {
    const processed = call.answered.answers.filter((a) => a.status === 'processed').length;
    this.#hooks.emit('batch', {
      batchId: call.batchId,
      adAccountId: lane.adAccountId,
      events: call.answered.events.length + (call.notSent?.events.length ?? 0),
      processed,
      failed: call.answered.answers.length - processed,
      durationMs: call.durationMs,
      status: call.status,
      answers: classifyAnswer(call.status, call.answered.answers),
    });
  }

  #emitDead(lane: AccountLane, dead: readonly DeadEvent[]): void {
    for (const { event, reason, status } of dead) {
      this.#hooks.emit('dead', {
        adAccountId: lane.adAccountId,
        eventId: event.eventId,
        reason,
        ...(status === undefined ? {} : { status }),
      });
    }
  }

  #settle(lane: AccountLane, settlements: readonly Settlement[]): Promise<boolean> {
    return this.#write(lane, 'settle', () => this.#options.store.settle(settlements));
  }

  #release(lane: AccountLane, events: readonly ClaimedEvent[]): Promise<boolean> {
    const ids = events.map((event) => event.id);
    return this.#write(lane, 'release', () => this.#options.store.release(ids));
  }

  async #write(lane: AccountLane, operation: string, write: () => Promise<void>): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await write();
        return true;
      } catch (err) {
        this.#hooks.onStoreError(lane, operation, err);
        const delay = STORE_RETRY_DELAYS_MS[attempt];
        // Given up: the events stay in flight until their lease ends, then are claimed again.
        if (delay === undefined) return false;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}

function optionalStatus(status: number | undefined): { status?: number } {
  return status === undefined ? {} : { status };
}

function withPartnerName(event: WireEvent, partnerName: string | undefined): WireEvent {
  if (partnerName === undefined || (event.partner_name ?? '') !== '') return event;
  return { ...event, partner_name: partnerName };
}

/** Pairs each outcome with its claimed event (`outcome.index` is the position in `events`). */
function splitOutcomes(
  events: readonly ClaimedEvent[],
  outcomes: readonly EventOutcome[],
): Pick<CallResult, 'answered' | 'notSent'> {
  const answered: CallResult['answered'] = { events: [], answers: [] };
  let notSent: CallResult['notSent'];
  for (const outcome of outcomes) {
    const event = events[outcome.index];
    if (event === undefined) continue;
    if (outcome.status === 'processed' || outcome.status === 'failed') {
      answered.events.push(event);
      answered.answers.push(outcome);
      continue;
    }

    const error = outcome.status === 'not_sent' ? outcome.error : new Error('no answer');
    notSent ??= { events: [], error };
    notSent.events.push(event);
  }

  return { answered, notSent };
}
