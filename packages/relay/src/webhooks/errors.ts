/**
 * @module webhooks/errors
 * The webhook routes' own refusals, in the same `{ error: { code, message } }` shape as ingest's
 * (`RelayHttpError`, which the webhook routes use for everything they share with ingest: bodies,
 * the store, shutdown). Messages never repeat a secret, a signature or anything from the body.
 */

/** HTTP status of each webhook error code. A retired code is never reused. */
export const WEBHOOK_ERROR_STATUS = {
  /** No tenant has a secret for this platform (or the tenant named in the path has none). */
  RELAY_ERR_WEBHOOK_NOT_CONFIGURED: 404,
  /** The signature header is missing or malformed, matches no secret, or (Stripe) is stale. */
  RELAY_ERR_WEBHOOK_SIGNATURE: 401,
  /** The secret that verified belongs to several tenants: the path must name the tenant. */
  RELAY_ERR_WEBHOOK_AMBIGUOUS_TENANT: 409,
} as const;

export type WebhookErrorCode = keyof typeof WEBHOOK_ERROR_STATUS;

export interface WebhookErrorBody {
  error: { code: WebhookErrorCode; message: string };
}

/** A webhook refusal with its code and status; the webhook error handler answers it as JSON. */
export class WebhookHttpError extends Error {
  override name = 'WebhookHttpError';
  readonly code: WebhookErrorCode;
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>> = {};

  constructor(code: WebhookErrorCode, message: string) {
    super(message);
    this.code = code;
    this.statusCode = WEBHOOK_ERROR_STATUS[code];
  }

  /** The JSON body the platform receives (and shows in its delivery log). */
  toBody(): WebhookErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}
