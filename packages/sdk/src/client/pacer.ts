/**
 * @module client/pacer
 * A per-key limit on calls in a rolling window, shared by every client that sends for one ad
 * account.
 *
 * Written here rather than taken from npm: it is about a hundred lines, and the usual packages do
 * not fit. bottleneck has had no release since 2019; limiter is a token bucket, which lets a burst
 * through after a quiet spell; p-queue counts per fixed interval on one queue, not per key.
 * Pinterest states "5,000 calls per minute per ad account", and a rolling window per key is the
 * reading that can never exceed it. The SDK keeps its dependencies few (DESIGN.md).
 */

import { CapiError } from '../errors.js';

/** Options of {@link CallPacer}. */
export interface CallPacerOptions {
  /**
   * Calls allowed per key in any 60-second window.
   * @default 5000 (the spec's limit per ad account)
   */
  callsPerMinute?: number;
  /** Clock in milliseconds; tests inject one. @default Date.now */
  now?: () => number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface KeyState {
  /** When each call of the last window was let through, oldest first. */
  granted: number[];
  /** Callers waiting for a slot, first come first served. */
  waiters: Waiter[];
  /** The one timer per key, set while someone waits, firing when the oldest call leaves. */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * How long a call keeps its slot: Pinterest's minute plus a second. Pinterest counts a call when
 * it arrives, a little after the slot was taken here (building the body, the network), so a slot
 * held for exactly a minute could let the last call of one window land in the next one's minute
 * together with its successor. Holding it a second longer costs under 2% of the budget.
 */
export const PACER_WINDOW_MS = 61_000;

/** Calls per minute per ad account that the spec allows (facts §1.2). */
export const DEFAULT_CALLS_PER_MINUTE = 5000;

/**
 * What a client needs from a pacer. {@link CallPacer} counts in one process; a fleet of relays
 * sharing one ad account can pass their own (backed by a shared store) with the same contract.
 */
export interface Pacer {
  /** Resolves when one call for `key` may be made; rejects if `signal` aborts first. */
  acquire(key: string, signal?: AbortSignal): Promise<void>;
}

/**
 * Lets at most `callsPerMinute` calls per key (an ad account id) through in any rolling window
 * of {@link PACER_WINDOW_MS} (a minute, and a second for the call to arrive). Callers beyond the
 * budget wait in arrival order; one timer per key wakes them when the oldest call leaves the
 * window, so waiting costs no CPU.
 *
 * @throws CapiError `CAPI_ERR_CLIENT_OPTIONS` when `callsPerMinute` is not a positive integer.
 * @example
 * const pacer = new CallPacer({ callsPerMinute: 5000 });
 * await pacer.acquire('549755885175');
 * // ...make one call for that ad account
 */
export class CallPacer implements Pacer {
  readonly callsPerMinute: number;
  readonly #now: () => number;
  readonly #keys = new Map<string, KeyState>();

  constructor(options: CallPacerOptions = {}) {
    const limit = options.callsPerMinute ?? DEFAULT_CALLS_PER_MINUTE;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new CapiError('CAPI_ERR_CLIENT_OPTIONS', 'callsPerMinute must be a positive integer');
    }

    this.callsPerMinute = limit;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Resolves once a call for `key` may be made, and counts that call. Rejects with a CapiError
   * `CAPI_ERR_ABORTED` if `signal` aborts first; the slot then goes to the next waiter.
   */
  acquire(key: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(abortError(signal));
    const state = this.#state(key);
    this.#expire(state);

    if (state.waiters.length === 0 && state.granted.length < this.callsPerMinute) {
      state.granted.push(this.#now());
      return Promise.resolve();
    }

    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.#leave(key, waiter);
        };

        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }

      state.waiters.push(waiter);
      this.#schedule(key, state);
    });
  }

  /** Calls counted for `key` in the current window (waiting callers not included). */
  used(key: string): number {
    const state = this.#keys.get(key);
    if (state === undefined) return 0;
    this.#expire(state);
    return state.granted.length;
  }

  /** Callers waiting for a slot for `key`. */
  waiting(key: string): number {
    return this.#keys.get(key)?.waiters.length ?? 0;
  }

  #state(key: string): KeyState {
    let state = this.#keys.get(key);
    if (state === undefined) {
      state = { granted: [], waiters: [], timer: undefined };
      this.#keys.set(key, state);
    }

    return state;
  }

  #expire(state: KeyState): void {
    const horizon = this.#now() - PACER_WINDOW_MS;
    const firstLive = state.granted.findIndex((at) => at > horizon);
    state.granted.splice(0, firstLive === -1 ? state.granted.length : firstLive);
  }

  /** Lets waiters through while there is room, then sets the timer for the next free slot. */
  #schedule(key: string, state: KeyState): void {
    this.#expire(state);
    while (state.waiters.length > 0 && state.granted.length < this.callsPerMinute) {
      const waiter = state.waiters.shift();
      if (waiter === undefined) break;
      state.granted.push(this.#now());
      if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }

    const oldest = state.granted[0];
    if (state.waiters.length === 0 || state.timer !== undefined || oldest === undefined) {
      this.#forgetIfIdle(key, state);
      return;
    }

    const delay = Math.max(0, oldest + PACER_WINDOW_MS - this.#now());
    state.timer = setTimeout(() => {
      state.timer = undefined;
      this.#schedule(key, state);
    }, delay);
  }

  #leave(key: string, waiter: Waiter): void {
    const state = this.#keys.get(key);
    const position = state?.waiters.indexOf(waiter) ?? -1;
    if (state === undefined || position === -1) return;
    state.waiters.splice(position, 1);
    waiter.reject(abortError(waiter.signal));

    if (state.waiters.length === 0 && state.timer !== undefined) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }

    this.#forgetIfIdle(key, state);
  }

  // Keys come and go (one per ad account); drop a key's state once nothing refers to it.
  #forgetIfIdle(key: string, state: KeyState): void {
    if (state.waiters.length > 0 || state.timer !== undefined) return;
    this.#expire(state);
    if (state.granted.length === 0) this.#keys.delete(key);
  }
}

function abortError(signal: AbortSignal | undefined): CapiError {
  return new CapiError('CAPI_ERR_ABORTED', 'waiting for a call slot was aborted', {
    cause: signal?.reason,
  });
}
