/**
 * @module @pinterest-capi/sdk
 * Pinterest Conversions API v5 for Node: wire types, normalization and SHA-256 hashing of
 * `user_data`, validation with precise errors, a `checkout` builder, and a client that batches,
 * paces, retries and reports per event.
 */

export * from './wire.js';
export {
  ERROR_CODES,
  CapiError,
  ValidationError,
  NormalizationError,
  PinterestApiError,
  RateLimitError,
  AuthenticationError,
  NetworkError,
  TimeoutError,
  WebhookSignatureError,
  isCapiError,
  errorFromResponse,
} from './errors.js';
export type { ErrorCode, ValidationIssue, CapiErrorOptions } from './errors.js';

export { sha256Hex, isSha256Hex } from './normalize/hash.js';
export { hashUserData, normalizeUserDataValue } from './normalize/user-data.js';
export type { RawUserData, NormalizeOptions } from './normalize/user-data.js';

export { formatDecimal } from './money.js';
export { validateEvent, validateRequestBody } from './validate/validate-event.js';
export type { ValidateOptions } from './validate/validate-event.js';
export { prepareEvent } from './build/prepare-event.js';
export type { EventInput, PrepareOptions } from './build/prepare-event.js';
export { buildCheckoutEvent, deriveEventId } from './build/checkout.js';
export type { CheckoutInput, CheckoutItem } from './build/checkout.js';

export { ConversionsClient } from './client/client.js';
export type {
  ClientOptions,
  SendOptions,
  SendResult,
  EventOutcome,
  ClientEvents,
  RequestEvent,
  ResponseEvent,
  RetryEvent,
  RetryReason,
  BatchErrorEvent,
} from './client/client.js';
export { shouldRetry, nextDelayMs, parseRetryAfter } from './client/retry-policy.js';
export { CallPacer, PACER_WINDOW_MS } from './client/pacer.js';
export type { Pacer, CallPacerOptions } from './client/pacer.js';
export { chunkEvents } from './client/batch.js';
