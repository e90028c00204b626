/**
 * @module webhooks/signature
 * The three platforms' webhook signatures, verified over the raw body bytes in constant time, and
 * produced for tests. Shopify and WooCommerce send a base64 HMAC-SHA256 of the body; Stripe sends
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">` (several `v1` while a secret is rolled) and
 * the timestamp must be recent, so a captured request cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookSignatureError } from '@pinterest-capi/sdk';

export const WEBHOOK_PLATFORMS = ['shopify', 'stripe', 'woocommerce'] as const;
export type WebhookPlatform = (typeof WEBHOOK_PLATFORMS)[number];

/** The header that carries each platform's signature, lowercase as Node presents it. */
export const SIGNATURE_HEADERS: Readonly<Record<WebhookPlatform, string>> = {
  shopify: 'x-shopify-hmac-sha256',
  stripe: 'stripe-signature',
  woocommerce: 'x-wc-webhook-signature',
};

/** How far Stripe's signed timestamp may be from the relay's clock: 5 minutes, Stripe's default. */
export const STRIPE_TOLERANCE_SECONDS = 300;

export interface SignWebhookOptions {
  /** Unix seconds for Stripe's `t=`; ignored by the other platforms. @default now */
  timestamp?: number;
}

/**
 * Signs a webhook body as the platform would, for tests and for checking a relay's setup by hand.
 * Returns the signature header, ready to spread into a request's headers; send `body` byte for
 * byte as signed.
 *
 * @example
 * const body = JSON.stringify(order);
 * await fetch(`${relayUrl}/webhooks/shopify`, {
 *   method: 'POST',
 *   headers: {
 *     'content-type': 'application/json',
 *     'x-shopify-topic': 'orders/paid',
 *     ...signWebhook('shopify', body, process.env.SHOPIFY_WEBHOOK_SECRET!),
 *   },
 *   body,
 * });
 */
export function signWebhook(
  platform: WebhookPlatform,
  body: string | Uint8Array,
  secret: string,
  options: SignWebhookOptions = {},
): Record<string, string> {
  const header = SIGNATURE_HEADERS[platform];
  if (platform !== 'stripe') return { [header]: hmac(secret, [body]).toString('base64') };
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = hmac(secret, [`${timestamp}.`, body]).toString('hex');
  return { [header]: `t=${timestamp},v1=${signature}` };
}

export interface VerifyOptions {
  /** The request body exactly as received. */
  body: Uint8Array;
  /** The signature header's value, if the request had one. */
  header: string | undefined;
  /** Epoch milliseconds, for Stripe's tolerance. */
  now: number;
  /** @default STRIPE_TOLERANCE_SECONDS */
  toleranceSeconds?: number;
}

/** A parsed signature header: what each secret's digest is compared with. */
export interface ParsedSignature {
  platform: WebhookPlatform;
  /** What was signed: the body, or for Stripe `t.` then the body. */
  signed: readonly (string | Uint8Array)[];
  /** The signatures offered, in the header's encoding (base64 or lowercase hex). */
  offered: readonly Buffer[];
  /** Stripe's `t=`, in Unix seconds. */
  timestamp?: number;
}

/**
 * Reads the platform's signature header.
 *
 * @throws {WebhookSignatureError} When the header is missing or malformed.
 */
export function parseSignature(platform: WebhookPlatform, options: VerifyOptions): ParsedSignature {
  const name = SIGNATURE_HEADERS[platform];
  const header = options.header?.trim();
  if (header === undefined || header === '') {
    throw new WebhookSignatureError(
      `the ${name} header is missing: is the request from ${platform}?`,
    );
  }

  if (platform !== 'stripe') {
    return { platform, signed: [options.body], offered: [Buffer.from(header, 'utf8')] };
  }

  const fields = header.split(',').map((field) => field.trim().split('='));
  const t = fields.find(([key]) => key === 't')?.[1];
  const offered = fields.filter(([key]) => key === 'v1').map(([, value]) => value ?? '');
  if (t === undefined || !/^\d{1,12}$/.test(t) || offered.length === 0) {
    throw new WebhookSignatureError(`the ${name} header has no t= timestamp or no v1= signature`);
  }

  const signed = [`${t}.`, options.body];
  return { platform, signed, offered: offered.map((v) => Buffer.from(v, 'utf8')), timestamp: +t };
}

/**
 * True when `secret` produced one of the offered signatures. Each comparison takes the same time
 * whatever the bytes: `timingSafeEqual` on buffers of the digest's fixed length.
 */
export function signedWith(parsed: ParsedSignature, secret: string): boolean {
  const digest = hmac(secret, parsed.signed);
  const expected = Buffer.from(
    parsed.platform === 'stripe' ? digest.toString('hex') : digest.toString('base64'),
    'utf8',
  );
  let matched = false;
  for (const offered of parsed.offered) {
    // A length differing from the digest's (public) length says nothing about the secret.
    if (offered.length === expected.length && timingSafeEqual(offered, expected)) matched = true;
  }

  return matched;
}

/**
 * Checks Stripe's timestamp once a signature matched: a stale one is a replay or a clock that is
 * off, and is refused even though the signature is genuine.
 *
 * @throws {WebhookSignatureError} When the timestamp is outside the tolerance.
 */
export function checkFreshness(parsed: ParsedSignature, options: VerifyOptions): void {
  if (parsed.timestamp === undefined) return;
  const tolerance = options.toleranceSeconds ?? STRIPE_TOLERANCE_SECONDS;
  const skew = Math.abs(Math.floor(options.now / 1000) - parsed.timestamp);
  if (skew <= tolerance) return;
  throw new WebhookSignatureError(
    `the Stripe-Signature timestamp is ${skew} s away from this server's clock (at most ` +
      `${tolerance} s allowed): a replayed request, or a clock out of sync (check NTP)`,
  );
}

/** The message for a signature no configured secret produced, naming the usual mistakes. */
export function mismatchMessage(platform: WebhookPlatform): string {
  const header = SIGNATURE_HEADERS[platform];
  const secret = {
    shopify: "the app's client secret (or the secret shown under Settings > Notifications)",
    stripe: "the endpoint's signing secret (whsec_...; test and live mode differ)",
    woocommerce: "the webhook's Secret field",
  }[platform];
  return (
    `the ${header} signature does not match the body: the body must be verified byte for byte ` +
    `as sent (a proxy that re-serializes JSON breaks it), and the relay's secret must be ${secret}`
  );
}

/**
 * Verifies a webhook against one or more secrets (several during a rotation).
 *
 * @returns The index of the first secret that produced the signature.
 * @throws {WebhookSignatureError} When the header is missing or malformed, no secret matches, or
 *   (Stripe) the timestamp is stale.
 */
export function verifyWebhookSignature(
  platform: WebhookPlatform,
  secrets: readonly string[],
  options: VerifyOptions,
): number {
  const parsed = parseSignature(platform, options);
  const index = secrets.findIndex((secret) => signedWith(parsed, secret));
  if (index === -1) throw new WebhookSignatureError(mismatchMessage(platform));
  checkFreshness(parsed, options);
  return index;
}

/**
 * The secrets one configured value holds. Stripe and Shopify secrets never contain commas, so a
 * comma-separated list carries the old and new secret during a rotation (or Stripe's test-mode
 * and live-mode endpoints). A WooCommerce secret is taken whole: the secrets WooCommerce
 * generates may contain commas.
 */
export function secretList(platform: WebhookPlatform, value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  if (platform === 'woocommerce') return [value];
  return value
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
}

function hmac(secret: string, parts: readonly (string | Uint8Array)[]): Buffer {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}
