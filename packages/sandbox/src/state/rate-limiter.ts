/**
 * @module state/rate-limiter
 * A sliding-window call limiter keyed by ad account: at most `limit` calls in any `windowMs`.
 */

export type AcquireResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Window {
  times: number[];
  /** Index of the oldest call still in the window; compacting the array lazily keeps calls O(1). */
  head: number;
}

export class SlidingWindowLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #windows = new Map<string, Window>();

  constructor(options: { limit: number; windowMs: number }) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
  }

  /**
   * Counts one call for `key` if the window has room. A refused call is not counted, so a client
   * that backs off regains its quota as its earlier calls age out.
   */
  tryAcquire(key: string, nowMs: number): AcquireResult {
    const window = this.#windowFor(key, nowMs);
    const inWindow = window.times.length - window.head;

    if (inWindow >= this.#limit) {
      const oldest = window.times[window.head] ?? nowMs;
      const waitMs = oldest + this.#windowMs - nowMs;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }

    window.times.push(nowMs);
    return { allowed: true };
  }

  /** Forgets every window. */
  reset(): void {
    this.#windows.clear();
  }

  #windowFor(key: string, nowMs: number): Window {
    let window = this.#windows.get(key);
    if (!window) {
      window = { times: [], head: 0 };
      this.#windows.set(key, window);
    }

    const cutoff = nowMs - this.#windowMs;
    while (window.head < window.times.length && (window.times[window.head] ?? 0) <= cutoff) {
      window.head += 1;
    }

    if (window.head > 1024 && window.head * 2 > window.times.length) {
      window.times = window.times.slice(window.head);
      window.head = 0;
    }

    return window;
  }
}
