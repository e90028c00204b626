/**
 * @module client/retry-policy
 * When to send a failed call again, and how long to wait first. Pure functions: the client asks
 * them for a yes/no and a number of milliseconds, and keeps the clock and the network to itself.
 */

/** What went wrong with one call: an HTTP status, or no answer at all. */
export type CallFailure =
  { kind: 'status'; status: number } | { kind: 'network' } | { kind: 'timeout' };

/**
 * The longest wait a server's `Retry-After` can impose: 5 minutes. A longer hint (or a date far
 * ahead) would hold a `send()` promise open for as long; past this cap the caller is better served
 * by seeing the failure and scheduling the batch itself.
 */
export const MAX_RETRY_AFTER_MS = 300_000;

/**
 * Decides whether a call that failed on its `attempt`-th try (counting from 1) is tried again.
 * Retries network errors, timeouts, 429 and 5xx while fewer than `maxAttempts` calls were made;
 * every other status, 422 included, is final.
 *
 * @example
 * shouldRetry({ kind: 'status', status: 503 }, 1, 6); // true
 * shouldRetry({ kind: 'status', status: 422 }, 1, 6); // false
 */
export function shouldRetry(failure: CallFailure, attempt: number, maxAttempts: number): boolean {
  // 1. The limit comes first: no rule below may extend it.
  if (attempt >= maxAttempts) return false;

  // 2. No answer. A timed-out or reset call may have been processed, so sending it again can
  // duplicate events; Pinterest offers no idempotency key. Losing a sale is worse than a duplicate
  // that shares its event_id with the first copy, so it is retried (facts §4.4) and the client
  // flags the retry as a possible duplicate.
  if (failure.kind === 'network' || failure.kind === 'timeout') return true;

  const { status } = failure;

  // 3. Throttled (code 8): the same batch will pass once the window has room.
  if (status === 429) return true;

  // 4. Server faults, 503 "ramped down" (code 4197) included, are usually short-lived.
  if (status >= 500 && status <= 599) return true;

  // 5. Everything else is final. 400/401/403 will fail the same way until the body or the token
  // is fixed. A 422 carries per-event results: some events were processed, so the batch is never
  // resent as a whole.
  return false;
}

/** Inputs of {@link nextDelayMs}. */
export interface DelayOptions {
  /** Ceiling of the first retry's wait; it doubles with each attempt. */
  baseMs: number;
  /** No computed wait exceeds this. */
  maxMs: number;
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  retryAfterMs?: number | undefined;
  /** A number in [0, 1). @default Math.random */
  random?: (() => number) | undefined;
}

/**
 * Milliseconds to wait before the retry that follows the `attempt`-th failed call. A server hint
 * wins, capped at {@link MAX_RETRY_AFTER_MS}; otherwise full jitter over an exponential ceiling:
 * `random() * min(maxMs, baseMs * 2^(attempt - 1))`, so concurrent senders spread out.
 *
 * @example
 * nextDelayMs(3, { baseMs: 500, maxMs: 60_000 }); // somewhere in [0, 2000)
 * nextDelayMs(3, { baseMs: 500, maxMs: 60_000, retryAfterMs: 7000 }); // 7000
 */
export function nextDelayMs(attempt: number, options: DelayOptions): number {
  const { retryAfterMs } = options;
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    return Math.min(Math.ceil(retryAfterMs), MAX_RETRY_AFTER_MS);
  }

  // The exponent is bounded so that a large attempt number cannot turn 0 * Infinity into NaN.
  const exponent = Math.min(Math.max(attempt, 1) - 1, 40);
  const ceiling = Math.max(0, Math.min(options.maxMs, options.baseMs * 2 ** exponent));
  const random = options.random ?? Math.random;
  return Math.floor(random() * ceiling);
}

const DELTA_SECONDS = /^\d+(?:\.\d+)?$/;
// HTTP-dates in all three RFC 9110 forms start with a day name; requiring it keeps Date.parse,
// which is lenient, from reading arbitrary text as a date.
const HTTP_DATE = /^[A-Za-z]{3}/;

/**
 * Reads a `Retry-After` header as milliseconds from `nowMs`: delta-seconds (`"120"`) or an
 * HTTP-date (`"Wed, 21 Oct 2015 07:28:00 GMT"`; a date already past gives 0). Returns undefined
 * when the header is absent or unreadable.
 *
 * @example
 * parseRetryAfter('2', Date.now()); // 2000
 */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  const value = header?.trim();
  if (value === undefined || value === '') return undefined;
  if (DELTA_SECONDS.test(value)) return Math.round(Number(value) * 1000);
  if (!HTTP_DATE.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
