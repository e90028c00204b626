/**
 * @module delivery/failure-kind
 * What the worker does with a call that failed as a whole. The SDK makes one attempt per call
 * (retries live in the store, so they survive a crash); this module turns the SDK's error into
 * the worker's next step.
 */
import { isCapiError } from '@pinterest-capi/sdk';

import type { RetryReason } from './events.js';

/** The worker's next step after a call that got no per-event answer. */
export type FailureKind =
  /** The worker is stopping and cancelled the call: give the events back untouched. */
  | { kind: 'aborted' }
  /** 401 or 403: the credentials are at fault, not the events. Pause the ad account. */
  | { kind: 'auth'; status: number | undefined; message: string }
  /** 400 or 413 for the whole body: some event in it is at fault. Split the batch to find it. */
  | { kind: 'bad_request'; status: number; message: string }
  /** Worth another try later. */
  | {
      kind: 'retry';
      reason: RetryReason;
      status: number | undefined;
      retryAfterMs: number | undefined;
      possibleDuplicate: boolean;
      message: string;
    };

// Failures while connecting mean the request never left; anything else (a reset, the other side
// closing) may come after Pinterest read and processed the batch.
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH']);

/** Reads the first `code` string on the error's `cause` chain, e.g. `ECONNREFUSED`. */
function systemCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && code.startsWith('E') && !code.startsWith('CAPI_')) {
      return code;
    }

    current = cause;
  }

  return undefined;
}

/**
 * Pinterest's own words when it answered (`400 (code 4196): Additional properties are not
 * allowed ...`), or the SDK's message (which names the method and URL, never the token).
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { statusCode, apiCode, response } = error as {
    statusCode?: unknown;
    apiCode?: unknown;
    response?: unknown;
  };
  const apiMessage = (response as { message?: unknown } | null | undefined)?.message;
  if (typeof statusCode !== 'number' || typeof apiMessage !== 'string') return error.message;
  const code = typeof apiCode === 'number' ? ` (code ${apiCode})` : '';
  return `Pinterest answered ${statusCode}${code}: ${apiMessage}`;
}

function retryAfterOf(error: object): number | undefined {
  const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function retry(
  reason: RetryReason,
  message: string,
  extra: { status?: number | undefined; retryAfterMs?: number; possibleDuplicate: boolean },
): FailureKind {
  return {
    kind: 'retry',
    reason,
    status: extra.status,
    retryAfterMs: extra.retryAfterMs,
    possibleDuplicate: extra.possibleDuplicate,
    message,
  };
}

/**
 * Classifies the error a `not_sent` outcome carries. Rules, in order:
 * 1. aborted by the worker → give back; 2. 401/403 → pause; 3. 400/413 → split the batch;
 * 4. 429 → retry after `Retry-After`; 5. 5xx → retry (a 503 "ramped down" refused the work, any
 * other 5xx may have done it); 6. timeout or reset → retry, flagged as a possible duplicate;
 * 7. anything else (an unexpected status) → retry, so a misconfiguration does not lose events
 * before the retry budget runs out.
 */
export function classifyFailure(error: unknown): FailureKind {
  const message = describeError(error);
  if (!isCapiError(error)) return retry('network', message, { possibleDuplicate: true });
  const status = error.statusCode;

  switch (error.code) {
    case 'CAPI_ERR_ABORTED':
      return { kind: 'aborted' };
    case 'CAPI_ERR_API_AUTHENTICATION':
    case 'CAPI_ERR_API_PERMISSION':
      return { kind: 'auth', status, message };
    case 'CAPI_ERR_API_BAD_REQUEST':
      return { kind: 'bad_request', status: status ?? 400, message };
    case 'CAPI_ERR_API_RATE_LIMITED':
      return retry('rate_limited', message, {
        status,
        possibleDuplicate: false,
        ...optionalRetryAfter(retryAfterOf(error)),
      });
    case 'CAPI_ERR_API_SERVER':
      return retry('server_error', message, { status, possibleDuplicate: status !== 503 });
    case 'CAPI_ERR_TIMEOUT':
      return retry('timeout', message, { possibleDuplicate: true });
    case 'CAPI_ERR_NETWORK': {
      const code = systemCode(error.cause);
      const neverSent = code !== undefined && NEVER_SENT_CODES.has(code);
      return retry('network', message, { possibleDuplicate: !neverSent });
    }

    default:
      if (status === 413) return { kind: 'bad_request', status, message };
      return retry('unexpected_status', message, { status, possibleDuplicate: false });
  }
}

function optionalRetryAfter(value: number | undefined): { retryAfterMs?: number } {
  return value === undefined ? {} : { retryAfterMs: value };
}
