/**
 * @module browser/event-id
 * One `event_id` per checkout, shared by the Pinterest Tag and the server event so Pinterest counts
 * the conversion once. Two ways to get one:
 *
 * - stored: a random id is made the first time a checkout asks for it and kept in storage under
 *   the checkout's key, so reloads, back/forward and cached pages reuse it. The page hands it to
 *   the server (cart attributes, Stripe metadata, form fields) before the order is placed.
 * - order: on a page that knows the order id, `order-<order_id>-checkout`, which is the id the
 *   server derives itself when the order reaches it without one. Nothing has to be handed over.
 */
import { resolveEnv } from './env.js';
import type { BrowserEnv, EnvOptions } from './env.js';

/** Options of {@link getCheckoutEventId}. */
export interface CheckoutEventIdOptions extends EnvOptions {
  /**
   * Names the checkout, so a new cart gets a new id: a cart token, a checkout or session id.
   * @default 'checkout'
   */
  key?: string;
  /** Days a stored id is reused; after that the checkout gets a new one. @default 7 */
  maxAgeDays?: number;
}

interface StoredId {
  id: string;
  /** Unix milliseconds when the id was made. */
  at: number;
}

const STORAGE_PREFIX = 'pinterest_capi.checkout.';
const DEFAULT_KEY = 'checkout';
const DEFAULT_MAX_AGE_DAYS = 7;
const DAY_MS = 86_400_000;

/** Ids made elsewhere (a cart attribute, a server) are accepted if they look like ids. */
const EVENT_ID_PATTERN = /^[\w.:-]{1,128}$/;

/**
 * The checkout's event id: the stored one while it is younger than `maxAgeDays`, else a new random
 * id, stored before it is returned. Call it on every page of the checkout; each call returns the
 * same id until {@link forgetCheckoutEventId} or {@link trackCheckout} ends the checkout.
 *
 * @example
 * const eventId = getCheckoutEventId({ key: cart.token });
 */
export function getCheckoutEventId(options: CheckoutEventIdOptions = {}): string {
  const env = resolveEnv(options.env);
  const key = storageKey(options.key);
  const maxAgeMs = (options.maxAgeDays ?? DEFAULT_MAX_AGE_DAYS) * DAY_MS;
  const stored = readStoredId(env, key);
  if (stored && env.now() - stored.at < maxAgeMs) return stored.id;

  const id = randomEventId(env);
  writeStoredId(env, key, { id, at: env.now() });
  return id;
}

/**
 * Keeps an id that came from elsewhere (say, a cart attribute set on another device) as the
 * checkout's id, so the Tag fires with what the server already has.
 * @throws TypeError when the id is not 1 to 128 letters, digits or `_ . : -`.
 */
export function setCheckoutEventId(
  eventId: string,
  options: Omit<CheckoutEventIdOptions, 'maxAgeDays'> = {},
): void {
  if (!EVENT_ID_PATTERN.test(eventId)) {
    throw new TypeError('eventId must be 1 to 128 letters, digits or _ . : -');
  }

  const env = resolveEnv(options.env);
  writeStoredId(env, storageKey(options.key), { id: eventId, at: env.now() });
}

/** Ends the checkout: the next {@link getCheckoutEventId} with this key makes a new id. */
export function forgetCheckoutEventId(options: Omit<CheckoutEventIdOptions, 'maxAgeDays'> = {}) {
  const env = resolveEnv(options.env);
  env.storage.removeItem(storageKey(options.key));
}

/**
 * The id the server gives an order that arrives without one (`deriveEventId` of the SDK). Use it on
 * a page that knows the order id when nothing was handed to the server before the order.
 *
 * @example
 * orderEventId(1001); // 'order-1001-checkout'
 */
export function orderEventId(orderId: string | number): string {
  // The server trims the order id before deriving its event id; so must the page.
  return `order-${String(orderId).trim()}-checkout`;
}

function storageKey(key: string | undefined): string {
  return STORAGE_PREFIX + (key ?? DEFAULT_KEY);
}

function readStoredId(env: BrowserEnv, key: string): StoredId | undefined {
  const raw = env.storage.getItem(key);
  if (raw === null) return undefined;

  try {
    const value = JSON.parse(raw) as Partial<StoredId> | null;
    if (typeof value?.id === 'string' && EVENT_ID_PATTERN.test(value.id)) {
      return { id: value.id, at: typeof value.at === 'number' ? value.at : 0 };
    }
  } catch {
    // Written by something else: replaced below with a fresh id.
  }

  return undefined;
}

function writeStoredId(env: BrowserEnv, key: string, stored: StoredId): void {
  try {
    env.storage.setItem(key, JSON.stringify(stored));
  } catch {
    // A full or blocked storage must not break the checkout; this page still gets the id.
  }
}

/** A random UUID (version 4) from the page's random source. */
export function randomEventId(env: Pick<BrowserEnv, 'randomBytes'>): string {
  const bytes = env.randomBytes(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
