/**
 * @module browser/track
 * Fires the Pinterest Tag's checkout event with the checkout's `event_id`, once per order.
 */
import { resolveEnv } from './env.js';
import type { BrowserEnv } from './env.js';
import { forgetCheckoutEventId, getCheckoutEventId } from './event-id.js';
import type { CheckoutEventIdOptions } from './event-id.js';

/** A line item under the Tag's own names (facts §4.3). */
export interface TagLineItem {
  product_id?: string | number;
  product_name?: string;
  product_price?: number | string;
  product_quantity?: number;
  product_category?: string;
  product_brand?: string;
  [field: string]: unknown;
}

/**
 * The Tag's checkout data. The same object can be posted to the relay's `POST /v1/checkout`, which
 * understands these names too.
 */
export interface TagCheckoutData {
  /** @default the checkout's stored id ({@link getCheckoutEventId}) */
  event_id?: string;
  value?: number | string;
  currency?: string;
  order_id?: string | number;
  order_quantity?: number;
  line_items?: readonly TagLineItem[];
  [field: string]: unknown;
}

/** What {@link trackCheckout} did. */
export interface TrackCheckoutResult {
  /** The id the Tag event carries; the server event must carry the same. */
  event_id: string;
  /** `false` when this order was tracked before (a reload of the thank-you page). */
  fired: boolean;
}

const TRACKED_KEY = 'pinterest_capi.tracked';
/** Enough to recognise reloads of recent thank-you pages without growing forever. */
const TRACKED_LIMIT = 20;

/**
 * Calls `pintrk('track', 'checkout', { ...data, event_id })` and ends the checkout, so the next
 * one gets a new id. With an `order_id`, a second call for the same order (a reload of the
 * thank-you page) fires nothing and returns the first call's id; without one, a reload fires again
 * with a new id, so give the order id whenever the page has it.
 *
 * @throws Error when the Pinterest Tag's base code has not defined `window.pintrk`.
 * @example
 * trackCheckout({ order_id: '1001', value: 72.39, currency: 'USD', order_quantity: 2 });
 */
export function trackCheckout(
  data: TagCheckoutData,
  options: CheckoutEventIdOptions = {},
): TrackCheckoutResult {
  const env = resolveEnv(options.env);
  const shared = { ...options, env };
  const orderId = data.order_id === undefined ? undefined : String(data.order_id).trim();
  const earlier = orderId === undefined ? undefined : trackedOrders(env).get(orderId);
  if (earlier !== undefined) return { event_id: earlier, fired: false };

  const pintrk = env.pintrk;
  if (typeof pintrk !== 'function') {
    throw new Error(
      'window.pintrk is not defined: add the Pinterest Tag base code before calling trackCheckout',
    );
  }

  const eventId = data.event_id ?? getCheckoutEventId(shared);
  pintrk('track', 'checkout', { ...data, event_id: eventId });
  if (orderId !== undefined) rememberOrder(env, orderId, eventId);
  forgetCheckoutEventId(shared);
  return { event_id: eventId, fired: true };
}

function trackedOrders(env: BrowserEnv): Map<string, string> {
  try {
    const value = JSON.parse(env.storage.getItem(TRACKED_KEY) ?? '[]') as unknown;
    if (!Array.isArray(value)) return new Map();
    return new Map(
      value.filter(
        (entry): entry is [string, string] =>
          Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'string',
      ),
    );
  } catch {
    return new Map();
  }
}

function rememberOrder(env: BrowserEnv, orderId: string, eventId: string): void {
  const entries = [...trackedOrders(env)].filter(([id]) => id !== orderId);
  entries.push([orderId, eventId]);

  try {
    env.storage.setItem(TRACKED_KEY, JSON.stringify(entries.slice(-TRACKED_LIMIT)));
  } catch {
    // Blocked storage: the Tag event was sent; only reload protection is lost.
  }
}
