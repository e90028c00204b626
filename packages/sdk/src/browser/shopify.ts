/**
 * @module browser/shopify
 * Keeps a Shopify cart's `pinterest_event_id` and `pinterest_click_id` attributes in step with the
 * page, through the storefront's Ajax cart API.
 */
import { CARRIER_KEYS, checkoutIds, shopifyCartAttributes } from './carriers.js';
import type { CheckoutIds, CheckoutIdsOptions } from './carriers.js';
import { resolveEnv } from './env.js';
import { setCheckoutEventId } from './event-id.js';

/** The parts of `fetch` used here, so the helper needs no DOM types. */
export type FetchLike = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/** Options of {@link syncShopifyCart}. */
export interface SyncShopifyCartOptions extends Omit<CheckoutIdsOptions, 'key'> {
  /** The storefront's root path, `window.Shopify.routes.root` on translated stores. @default '/' */
  root?: string;
  /** @default the page's fetch */
  fetch?: FetchLike;
}

interface ShopifyCart {
  token: string;
  attributes: Record<string, unknown>;
}

/**
 * Reads the cart (`GET /cart.js`), keys the event id by the cart's token, adopts an id the cart
 * already carries (set on another device or tab), and writes both ids to the cart attributes
 * (`POST /cart/update.js`) when they differ. Call it on cart and product pages; a new cart gets a
 * new id.
 *
 * @throws Error when the cart API answers with an error or without a cart token.
 * @example
 * const { event_id } = await syncShopifyCart({ root: window.Shopify.routes.root });
 */
export async function syncShopifyCart(options: SyncShopifyCartOptions = {}): Promise<CheckoutIds> {
  const root = options.root ?? '/';
  const fetch = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
  if (!fetch) throw new Error('syncShopifyCart needs fetch');

  const cart = await readCart(fetch, `${root}cart.js`);
  const env = resolveEnv(options.env);
  const key = `shopify:${cart.token}`;
  const onCart = cart.attributes[CARRIER_KEYS.shopify.eventId];

  if (typeof onCart === 'string') {
    try {
      setCheckoutEventId(onCart, { key, env });
    } catch {
      // Not an id we could have made: replaced on the cart below.
    }
  }

  const ids = checkoutIds({ ...options, key, env });
  const body = shopifyCartAttributes(ids);
  const stale = Object.entries(body.attributes).some(
    ([name, value]) => cart.attributes[name] !== value,
  );

  if (stale) {
    const response = await fetch(`${root}cart/update.js`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`POST ${root}cart/update.js answered ${response.status}`);
  }

  return ids;
}

async function readCart(fetch: FetchLike, url: string): Promise<ShopifyCart> {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  const cart = (await response.json()) as Partial<ShopifyCart> | null;
  if (typeof cart?.token !== 'string' || cart.token === '') {
    throw new Error(`GET ${url} answered without a cart token`);
  }

  const attributes = typeof cart.attributes === 'object' ? cart.attributes : {};
  return { token: cart.token, attributes };
}
