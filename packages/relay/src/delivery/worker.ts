/**
 * @module delivery/worker
 * The delivery stage: takes due events out of the queue, per ad account, in batches of up to
 * 1,000, sends them to Pinterest under the account's call budget, and settles each event with
 * what Pinterest answered. Several relay instances may share one store: every claim is leased,
 * and the store is polled for work other instances stored.
 */
import { EventEmitter } from 'node:events';

import type { ClaimedEvent } from '../queue/store.js';
import { checkAccount, createLane, isPaused, laneStatus } from './account-lane.js';
import type { AccountLane, AccountStatus } from './account-lane.js';
import { BatchSender } from './batch-sender.js';
import type { DeliveryEvents } from './events.js';
import type { FailureKind } from './failure-kind.js';
import { resolveDeliveryOptions } from './options.js';
import type { DeliveryWorkerOptions, ResolvedDeliveryOptions } from './options.js';

export type { AccountStatus } from './account-lane.js';
export type * from './events.js';
export type { DeliveryAccount, DeliveryWorkerOptions } from './options.js';

/** Node's timers hold at most 2^31 - 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** Longest wait after repeated store failures before the next claim. */
const MAX_STORE_BACKOFF_MS = 30_000;

/**
 * Delivers stored events to Pinterest. It never logs: listen to its events (`batch`, `retry`,
 * `dead`, `paused`, `resumed`, `late`, `error`) and log or count them.
 *
 * - A batch leaves when `batchSize` events are due, or when the oldest due event has waited
 *   `lingerMs`; up to `concurrency` calls per ad account are in flight, each on its own claim.
 * - Per-event answers settle each event: processed → delivered (warning kept), failed → dead
 *   with Pinterest's message. An event Pinterest processed is never sent again.
 * - 429, 5xx, timeouts and resets → due again after a backoff, until the retry budget or the
 *   maximum event age would be passed, then dead. A 429 holds the whole account.
 * - 400 for the whole batch → the batch is halved until the bad events stand alone.
 * - 401/403 → the events are given back and the account pauses, probing every `authProbeMs`.
 *
 * @throws RangeError from the constructor when an option is invalid; CapiError
 *   `CAPI_ERR_CLIENT_OPTIONS` when an account's id, token or base URL is malformed.
 * @example
 * const worker = new DeliveryWorker({ store, owner: 'relay-1', accounts: [{ adAccountId,
 *   accessToken, baseUrl: 'https://api.pinterest.com/v5' }] });
 * worker.on('dead', (dead) => log.error(dead, 'event dead-lettered'));
 * worker.start();
 * // after ingest stored 3 events: worker.notify(adAccountId, 3);
 * process.on('SIGTERM', () => void worker.stop({ timeoutMs: 10_000 }));
 */
export class DeliveryWorker extends EventEmitter<DeliveryEvents> {
  readonly #options: ResolvedDeliveryOptions;
  readonly #lanes = new Map<string, AccountLane>();
  readonly #sender: BatchSender;
  readonly #stopClaims = new AbortController();
  readonly #abortCalls = new AbortController();
  readonly #tasks = new Set<Promise<void>>();
  #started = false;
  #stopping: Promise<void> | undefined;
  #pollTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: DeliveryWorkerOptions) {
    super();
    this.#options = resolveDeliveryOptions(options);
    for (const account of this.#options.accounts) {
      const lane = createLane(account, this.#options);
      checkAccount(lane);
      this.#lanes.set(account.adAccountId, lane);
    }

    this.#sender = new BatchSender(
      this.#options,
      {
        emit: (name, ...args) => {
          this.#emit(name, ...args);
        },
        onAuthFailure: (lane, failure) => {
          this.#pause(lane, failure);
        },
        onAnswered: (lane, startedAt) => {
          if (lane.paused !== undefined && startedAt >= lane.paused.since) this.#resume(lane);
        },
        onHold: (lane, until) => {
          lane.due.hold(until);
        },
        onDueAt: (lane, at) => {
          lane.due.observeDue(at);
        },
        onStoreError: (lane, operation, err) => {
          this.#emit('error', { err, adAccountId: lane.adAccountId, operation });
        },
      },
      { stop: this.#stopClaims.signal, calls: this.#abortCalls.signal },
    );
  }

  /** Starts polling the store and delivering. Calling it again does nothing. */
  start(): void {
    if (this.#started || this.#stopping !== undefined) return;
    this.#started = true;
    this.#run(this.#poll());
  }

  /**
   * Tells the worker that ingest just stored `count` events for an ad account, so they leave
   * without waiting for the next poll. Counts for an account the worker does not serve are
   * ignored (the store keeps those events).
   */
  notify(adAccountId: string, count: number): void {
    const lane = this.#lanes.get(adAccountId);
    if (lane === undefined || this.#stopping !== undefined) return;
    lane.due.notify(count, this.#options.now());
    if (this.#started) this.#wake(lane);
  }

  /**
   * Replaces an ad account's access token (after `auth login`, or a rotated secret). A paused
   * account probes at once with the new token; if it has no event to probe with, it resumes and
   * the next batch tells.
   *
   * @throws RangeError when the worker does not serve that ad account; CapiError
   *   `CAPI_ERR_CLIENT_OPTIONS` when the token is malformed (the old one stays).
   */
  updateCredentials(adAccountId: string, accessToken: string): void {
    const lane = this.#lanes.get(adAccountId);
    if (lane === undefined) {
      throw new RangeError(`DeliveryWorker: ad account ${adAccountId} is not configured`);
    }

    const previous = lane.account;
    lane.account = { ...previous, accessToken };
    try {
      checkAccount(lane);
    } catch (error) {
      lane.account = previous;
      throw error;
    }

    if (lane.paused === undefined || !this.#started || this.#stopping !== undefined) return;
    clearTimeout(lane.probeTimer);
    lane.probeTimer = undefined;
    this.#run(this.#probe(lane, true));
  }

  /** Each ad account's state: paused (and why) or sending, and its calls in flight. */
  accountStatus(): AccountStatus[] {
    return [...this.#lanes.values()].map(laneStatus);
  }

  /**
   * Stops claiming at once, waits up to `timeoutMs` for calls in flight to be answered and
   * settled, then cancels the rest and gives their events back to the queue (not counting the
   * attempt), so another instance or the next start sends them.
   *
   * @default timeoutMs 10000
   */
  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#stopping ??= this.#shutdown(options.timeoutMs ?? 10_000);
    return this.#stopping;
  }

  async #shutdown(timeoutMs: number): Promise<void> {
    this.#stopClaims.abort();
    clearTimeout(this.#pollTimer);
    for (const lane of this.#lanes.values()) {
      clearTimeout(lane.timer);
      clearTimeout(lane.probeTimer);
    }

    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, timeoutMs);
    });
    const result = await Promise.race([this.#drain(), timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') this.#abortCalls.abort();
    await this.#drain();
  }

  /** Resolves once no task runs, including tasks started by the ones it waited for. */
  async #drain(): Promise<'drained'> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
    return 'drained';
  }

  #emit<K extends keyof DeliveryEvents>(name: K, ...args: DeliveryEvents[K]): void {
    // An unheard 'error' would throw; a store failure is already handled by backing off.
    if (name === 'error' && this.listenerCount('error') === 0) return;
    // EventEmitter's typing cannot follow K through the rest parameter.
    (this.emit as (event: K, ...rest: DeliveryEvents[K]) => boolean)(name, ...args);
  }

  /** Keeps a task's promise until it ends, so `stop` can wait for it. Tasks never reject. */
  #run(task: Promise<void>): void {
    // Only a listener that throws can make a task reject; report it rather than crash delivery.
    const kept = task.catch((err: unknown) => {
      this.#emit('error', { err, operation: 'deliver' });
    });
    this.#tasks.add(kept);
    void kept.finally(() => this.#tasks.delete(kept));
  }

  async #poll(): Promise<void> {
    try {
      for (const adAccountId of await this.#options.store.accountsWithWork()) {
        const lane = this.#lanes.get(adAccountId);
        if (lane === undefined || this.#stopping !== undefined) continue;
        const dueAt = await this.#options.store.nextDueAt(adAccountId);
        if (dueAt !== undefined) lane.due.observeDue(dueAt);
        this.#wake(lane);
      }
    } catch (err) {
      this.#emit('error', { err, operation: 'poll' });
    }

    if (this.#stopping !== undefined) return;
    this.#pollTimer = setTimeout(() => {
      this.#run(this.#poll());
    }, this.#options.pollMs);
    this.#pollTimer.unref();
  }

  /** Claims now if a batch is ready, or sets the lane's timer for when it will be. */
  #wake(lane: AccountLane): void {
    const at = lane.due.readyAt();
    if (at === undefined || this.#stopping !== undefined) return;
    if (at <= this.#options.now()) {
      this.#run(this.#pump(lane));
      return;
    }

    if (lane.timer !== undefined && lane.timerAt !== undefined && lane.timerAt <= at) return;
    clearTimeout(lane.timer);
    lane.timerAt = at;
    lane.timer = setTimeout(
      () => {
        lane.timer = undefined;
        lane.timerAt = undefined;
        this.#wake(lane);
      },
      // A longer delay overflows Node's timer and fires at once; the poll wakes the lane anyway.
      Math.min(at - this.#options.now(), MAX_TIMER_MS),
    );
    lane.timer.unref();
  }

  /** Claims and launches batches while the lane has room, one claim at a time. */
  async #pump(lane: AccountLane): Promise<void> {
    if (lane.pumping) return;
    lane.pumping = true;
    try {
      while (this.#canClaim(lane)) {
        const at = lane.due.readyAt();
        if (at === undefined) break;
        if (at > this.#options.now()) {
          this.#wake(lane);
          break;
        }

        const claim = await this.#claim(lane, this.#options.batchSize);
        if (claim === undefined) break;
        // Tracked by #launch itself; the loop goes on to fill the lane's other call slots.
        if (claim.events.length > 0) void this.#launch(lane, claim, false);
      }
    } finally {
      lane.pumping = false;
    }
  }

  #canClaim(lane: AccountLane): boolean {
    return (
      this.#stopping === undefined &&
      lane.paused === undefined &&
      lane.inFlight < this.#options.concurrency
    );
  }

  /**
   * Takes a call slot, then claims. The slot comes first so that a claimed batch never waits for
   * the budget while its lease runs. Undefined when stopping or when the store failed.
   */
  async #claim(
    lane: AccountLane,
    limit: number,
  ): Promise<{ events: ClaimedEvent[]; claimedAt: number } | undefined> {
    try {
      await lane.pacer.acquire(lane.adAccountId, this.#stopClaims.signal);
    } catch {
      return undefined;
    }

    const { store, leaseMs, owner } = this.#options;
    const now = this.#options.now();
    let events: ClaimedEvent[];
    lane.due.startClaim();
    try {
      events = await store.claim({ adAccountId: lane.adAccountId, limit, now, leaseMs, owner });
    } catch (err) {
      lane.due.abandonClaim();
      this.#storeFailed(lane, err);
      return undefined;
    }

    lane.storeErrors = 0;
    lane.due.finishClaim({ limit, claimed: events.length, now: this.#options.now() });
    // A full claim may have left more behind; the store knows when the oldest of it is due.
    if (events.length === limit) await this.#observeNextDue(lane);
    return { events, claimedAt: now };
  }

  async #observeNextDue(lane: AccountLane): Promise<void> {
    try {
      const dueAt = await this.#options.store.nextDueAt(lane.adAccountId);
      if (dueAt !== undefined) lane.due.observeDue(dueAt);
    } catch (err) {
      // Not fatal: the next poll asks again.
      this.#emit('error', { err, adAccountId: lane.adAccountId, operation: 'poll' });
    }
  }

  #storeFailed(lane: AccountLane, err: unknown): void {
    this.#emit('error', { err, adAccountId: lane.adAccountId, operation: 'claim' });
    lane.storeErrors++;
    const backoff = Math.min(
      this.#options.pollMs * 2 ** (lane.storeErrors - 1),
      MAX_STORE_BACKOFF_MS,
    );
    lane.due.hold(this.#options.now() + backoff);
    this.#wake(lane);
  }

  /** Delivers a claimed set in the background; the lane pumps again when it is settled. */
  #launch(
    lane: AccountLane,
    claim: { events: ClaimedEvent[]; claimedAt: number },
    probe: boolean,
  ): Promise<void> {
    lane.inFlight++;
    const task = this.#sender.deliver(lane, claim.events, { claimedAt: claim.claimedAt, probe });
    this.#run(
      task.finally(() => {
        lane.inFlight--;
        this.#wake(lane);
      }),
    );
    return task;
  }

  #pause(lane: AccountLane, failure: FailureKind & { kind: 'auth' }): void {
    if (lane.paused !== undefined) return;
    lane.paused = { reason: failure.message, since: this.#options.now(), status: failure.status };
    this.#emit('paused', {
      adAccountId: lane.adAccountId,
      reason: failure.message,
      status: failure.status,
    });
    this.#scheduleProbe(lane);
  }

  #resume(lane: AccountLane): void {
    const { paused } = lane;
    if (paused === undefined) return;
    lane.paused = undefined;
    clearTimeout(lane.probeTimer);
    lane.probeTimer = undefined;
    this.#emit('resumed', {
      adAccountId: lane.adAccountId,
      pausedMs: this.#options.now() - paused.since,
    });
    this.#wake(lane);
  }

  #scheduleProbe(lane: AccountLane): void {
    if (this.#stopping !== undefined || lane.probeTimer !== undefined) return;
    lane.probeTimer = setTimeout(() => {
      lane.probeTimer = undefined;
      this.#run(this.#probe(lane, false));
    }, this.#options.authProbeMs);
    lane.probeTimer.unref();
  }

  /**
   * Sends one small batch for a paused account. Answered → resumed (by the sender's hook);
   * refused again → still paused, next probe later. With nothing to send, `resumeIfIdle` resumes
   * (new credentials were given and nothing contradicts them).
   */
  async #probe(lane: AccountLane, resumeIfIdle: boolean): Promise<void> {
    if (lane.paused === undefined || lane.probing || this.#stopping !== undefined) return;
    lane.probing = true;
    try {
      const claim = await this.#claim(lane, this.#options.probeSize);
      if (claim !== undefined && claim.events.length > 0) {
        await this.#launch(lane, claim, true);
      } else if (claim !== undefined && resumeIfIdle) {
        this.#resume(lane);
      }
    } finally {
      lane.probing = false;
    }

    // Read through a function: the narrowing above does not see the pause change across awaits.
    if (isPaused(lane)) this.#scheduleProbe(lane);
  }
}
