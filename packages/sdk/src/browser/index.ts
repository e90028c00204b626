/**
 * @module @pinterest-capi/sdk/browser
 * The browser half of Tag/API pairing, with no dependencies: one `event_id` per checkout, kept
 * across reloads and cached pages; the `_epik` click id from the URL or cookie; the Tag's checkout
 * event fired with that id; and the ids, with the page's advertising consent, in the shape each
 * platform carries them to the server.
 * The relay serves the same code as a classic script at `/tag.js` (`window.pinterestCapi`).
 */

export {
  getCheckoutEventId,
  setCheckoutEventId,
  forgetCheckoutEventId,
  orderEventId,
} from './event-id.js';
export type { CheckoutEventIdOptions } from './event-id.js';
export { getClickId, CLICK_ID_COOKIE } from './click-id.js';
export type { ClickIdOptions } from './click-id.js';
export { trackCheckout } from './track.js';
export type { TagCheckoutData, TagLineItem, TrackCheckoutResult } from './track.js';
export {
  CARRIER_KEYS,
  checkoutIds,
  shopifyCartAttributes,
  stripeMetadata,
  wooFormFields,
  fillHiddenFields,
} from './carriers.js';
export type { CheckoutIds, CheckoutIdsOptions, FormLike, HiddenInputLike } from './carriers.js';
export { syncShopifyCart } from './shopify.js';
export { CONSENT_KEYS, advertisingConsent } from './consent.js';
export type { AdvertisingConsent, ConsentSignal } from './consent.js';
export type { FetchLike, SyncShopifyCartOptions } from './shopify.js';
export type { BrowserEnv, EnvOptions, KeyValueStorage, Pintrk } from './env.js';
