/**
 * @module errors
 * One base class to catch, a subclass wherever callers act differently, and a stable
 * `CAPI_ERR_<AREA>_<WHAT>` code on each so logs and alerts can be grepped. Every code is listed in
 * `docs/errors.md`; a retired code is never reused.
 */

export const ERROR_CODES = {
  /** An event or field broke a rule; `issues` says which. Never retried. */
  CAPI_ERR_VALIDATION: 'CAPI_ERR_VALIDATION',
  /** A phone number could not be placed in a country, so it cannot be hashed as E.164. */
  CAPI_ERR_NORMALIZE_PHONE: 'CAPI_ERR_NORMALIZE_PHONE',
  /** A `user_data` value could not be normalized by its key's rule. */
  CAPI_ERR_NORMALIZE_VALUE: 'CAPI_ERR_NORMALIZE_VALUE',
  /** The client was built with missing or malformed options. */
  CAPI_ERR_CLIENT_OPTIONS: 'CAPI_ERR_CLIENT_OPTIONS',
  /** Pinterest answered 401 (code 2): the token is unknown, expired or revoked. */
  CAPI_ERR_API_AUTHENTICATION: 'CAPI_ERR_API_AUTHENTICATION',
  /** Pinterest answered 403 (code 29): the token's user has no access to the ad account. */
  CAPI_ERR_API_PERMISSION: 'CAPI_ERR_API_PERMISSION',
  /** Pinterest answered 400: the body was malformed (schema, extra property). */
  CAPI_ERR_API_BAD_REQUEST: 'CAPI_ERR_API_BAD_REQUEST',
  /** Pinterest answered 429 (code 8) and retries ran out. */
  CAPI_ERR_API_RATE_LIMITED: 'CAPI_ERR_API_RATE_LIMITED',
  /** Pinterest answered 5xx (503 code 4197: ramped down) and retries ran out. */
  CAPI_ERR_API_SERVER: 'CAPI_ERR_API_SERVER',
  /** Pinterest answered another status the SDK does not expect. */
  CAPI_ERR_API_UNEXPECTED: 'CAPI_ERR_API_UNEXPECTED',
  /** The connection failed or was reset before an answer came. */
  CAPI_ERR_NETWORK: 'CAPI_ERR_NETWORK',
  /** No answer within the request timeout; Pinterest may or may not have processed the batch. */
  CAPI_ERR_TIMEOUT: 'CAPI_ERR_TIMEOUT',
  /** The caller aborted the send through its `AbortSignal`. */
  CAPI_ERR_ABORTED: 'CAPI_ERR_ABORTED',
  /** A webhook's signature did not verify against the raw body. */
  CAPI_ERR_WEBHOOK_SIGNATURE: 'CAPI_ERR_WEBHOOK_SIGNATURE',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface CapiErrorOptions {
  retryable?: boolean | undefined;
  statusCode?: number | undefined;
  requestId?: string | undefined;
  cause?: unknown;
}

const CAPI_ERROR_MARK = Symbol.for('pinterest-capi.error');

/** Base of every error the SDK throws. Branch on the subclass or on `code`. */
export class CapiError extends Error {
  override name: string = 'CapiError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly statusCode: number | undefined;
  readonly requestId: string | undefined;
  readonly [CAPI_ERROR_MARK] = true;

  constructor(code: ErrorCode, message: string, options: CapiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.statusCode = options.statusCode;
    this.requestId = options.requestId;
  }
}

/** True for any error of this SDK, including one from another copy of the package. */
export function isCapiError(error: unknown): error is CapiError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[CAPI_ERROR_MARK] === true
  );
}

/** One broken rule: where (a path like `data[3].user_data.em[0]`), which rule, and a message. */
export interface ValidationIssue {
  path: string;
  rule: string;
  message: string;
}

/** Input broke one or more rules. Messages name fields and rules, never the values (PII). */
export class ValidationError extends CapiError {
  override name = 'ValidationError';
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], context = 'event') {
    const first = issues[0];
    const summary = first ? `${first.path}: ${first.message}` : 'no issues';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super('CAPI_ERR_VALIDATION', `invalid ${context}: ${summary}${more}`);
    this.issues = issues;
  }
}

/** A `user_data` value could not be normalized. The message names the key, never the value. */
export class NormalizationError extends CapiError {
  override name = 'NormalizationError';
  readonly field: string;
  readonly rule: string;

  constructor(
    code: 'CAPI_ERR_NORMALIZE_PHONE' | 'CAPI_ERR_NORMALIZE_VALUE',
    field: string,
    rule: string,
    message: string,
  ) {
    super(code, `${field}: ${message}`);
    this.field = field;
    this.rule = rule;
  }
}

export interface PinterestApiErrorOptions extends CapiErrorOptions {
  statusCode: number;
  /** Pinterest's own error code from the body (`2`, `29`, `4196`, `8`, `4197`…). */
  apiCode?: number | undefined;
  /** The parsed error body as Pinterest sent it. */
  response?: unknown;
}

/** Pinterest answered with an error status. `response` holds the body as sent. */
export class PinterestApiError extends CapiError {
  override name = 'PinterestApiError';
  readonly apiCode: number | undefined;
  readonly response: unknown;
  declare readonly statusCode: number;

  constructor(code: ErrorCode, message: string, options: PinterestApiErrorOptions) {
    super(code, message, options);
    this.apiCode = options.apiCode;
    this.response = options.response;
  }
}

/** 429: retried by the client; thrown only once retries ran out. */
export class RateLimitError extends PinterestApiError {
  override name = 'RateLimitError';
  /** The server's `Retry-After`, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: PinterestApiErrorOptions & { retryAfterMs?: number | undefined },
  ) {
    super('CAPI_ERR_API_RATE_LIMITED', message, { ...options, retryable: true });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** 401 or 403: the credentials, not the events, are wrong. Pause sending until they are fixed. */
export class AuthenticationError extends PinterestApiError {
  override name = 'AuthenticationError';
}

/** The connection failed or was reset. */
export class NetworkError extends CapiError {
  override name = 'NetworkError';

  constructor(message: string, cause?: unknown) {
    super('CAPI_ERR_NETWORK', message, { retryable: true, cause });
  }
}

/** No answer in time. The batch may have been processed: a resend can duplicate. */
export class TimeoutError extends CapiError {
  override name = 'TimeoutError';

  constructor(message: string, cause?: unknown) {
    super('CAPI_ERR_TIMEOUT', message, { retryable: true, cause });
  }
}

/** A webhook's signature did not verify. */
export class WebhookSignatureError extends CapiError {
  override name = 'WebhookSignatureError';

  constructor(message: string) {
    super('CAPI_ERR_WEBHOOK_SIGNATURE', message);
  }
}

interface ErrorBody {
  code?: unknown;
  message?: unknown;
}

/**
 * Turns a non-2xx answer from Pinterest into the right error class. `what` names the operation
 * and target for the message, e.g. `POST /ad_accounts/549755885175/events (1000 events)`.
 */
export function errorFromResponse(
  status: number,
  body: unknown,
  context: { what: string; requestId?: string | undefined; retryAfterMs?: number | undefined },
): PinterestApiError {
  const parsed = (typeof body === 'object' && body !== null ? body : {}) as ErrorBody;
  const apiCode = typeof parsed.code === 'number' ? parsed.code : undefined;
  const apiMessage = typeof parsed.message === 'string' ? parsed.message : 'no message';
  const message = `${context.what} failed with ${status}${apiCode === undefined ? '' : ` (code ${apiCode})`}: ${apiMessage}`;
  const options: PinterestApiErrorOptions = {
    statusCode: status,
    apiCode,
    response: body,
    requestId: context.requestId,
  };

  if (status === 429) {
    return new RateLimitError(message, { ...options, retryAfterMs: context.retryAfterMs });
  }

  if (status === 401)
    return new AuthenticationError('CAPI_ERR_API_AUTHENTICATION', message, options);
  if (status === 403) return new AuthenticationError('CAPI_ERR_API_PERMISSION', message, options);
  if (status === 400) return new PinterestApiError('CAPI_ERR_API_BAD_REQUEST', message, options);

  if (status >= 500) {
    return new PinterestApiError('CAPI_ERR_API_SERVER', message, { ...options, retryable: true });
  }

  return new PinterestApiError('CAPI_ERR_API_UNEXPECTED', message, options);
}
