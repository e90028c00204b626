/**
 * @module browser/carriers
 * How the checkout's `event_id` and click id travel from the page to the server event, under the
 * fixed names the relay's webhooks read (DESIGN.md): Shopify cart attributes, Stripe Checkout
 * Session metadata, WooCommerce order meta (posted as checkout form fields), or a plain checkout.
 * The page's advertising consent, when it is given, travels the same way (`browser/consent`).
 */
import { getClickId } from './click-id.js';
import type { ClickIdOptions } from './click-id.js';
import { CONSENT_KEYS, carriedConsent } from './consent.js';
import type { ConsentSignal } from './consent.js';
import { getCheckoutEventId } from './event-id.js';
import type { CheckoutEventIdOptions } from './event-id.js';

/** The two ids, named as a plain checkout (`POST /v1/checkout`) names them. */
export interface CheckoutIds {
  event_id: string;
  /** Absent when the visit did not come from a Pinterest ad click. */
  click_id?: string;
  /** Advertising consent; absent when unknown (the relay then applies its rule for unknown). */
  consent?: 'granted' | 'denied';
}

/** The names each platform carries the ids under; the relay's webhooks read the same. */
export const CARRIER_KEYS = {
  shopify: { eventId: 'pinterest_event_id', clickId: 'pinterest_click_id' },
  stripe: { eventId: 'pinterest_event_id', clickId: 'pinterest_click_id' },
  woocommerce: { eventId: '_pinterest_event_id', clickId: '_pinterest_click_id' },
} as const;

type Platform = keyof typeof CARRIER_KEYS;

/** Options of {@link checkoutIds}. */
export type CheckoutIdsOptions = CheckoutEventIdOptions &
  ClickIdOptions & {
    /**
     * The banner's advertising consent, read by `advertisingConsent` (e.g. Google Consent
     * Mode's `ad_storage`). Carried as `consent` when granted or denied, left out when unknown.
     * @default unknown
     */
    consent?: ConsentSignal;
  };

/**
 * The checkout's event id ({@link getCheckoutEventId}), the visit's click id
 * ({@link getClickId}) and, when the `consent` option says granted or denied, the advertising
 * consent: ready to spread into a plain checkout.
 *
 * @example
 * const ids = checkoutIds({ consent: { ad_storage: 'granted' } });
 * await fetch('/api/orders', { method: 'POST', body: JSON.stringify({ ...order, ...ids }) });
 */
export function checkoutIds(options: CheckoutIdsOptions = {}): CheckoutIds {
  const ids: CheckoutIds = { event_id: getCheckoutEventId(options) };
  const clickId = getClickId(options);
  const consent = carriedConsent(options.consent);
  if (clickId !== undefined) ids.click_id = clickId;
  if (consent !== undefined) ids.consent = consent;
  return ids;
}

function carried(platform: Platform, ids: CheckoutIds): Record<string, string> {
  const keys = CARRIER_KEYS[platform];
  const fields: Record<string, string> = { [keys.eventId]: ids.event_id };
  if (ids.click_id !== undefined) fields[keys.clickId] = ids.click_id;
  if (ids.consent !== undefined) fields[CONSENT_KEYS[platform]] = ids.consent;
  return fields;
}

/**
 * The JSON body for Shopify's `POST /cart/update.js` that sets the cart attributes
 * `pinterest_event_id`, `pinterest_click_id` and `pinterest_consent`; Shopify copies them to the
 * order's note attributes, which the relay's Shopify webhook reads.
 */
export function shopifyCartAttributes(ids: CheckoutIds): { attributes: Record<string, string> } {
  return { attributes: carried('shopify', ids) };
}

/**
 * The metadata to put on the Stripe Checkout Session your server creates:
 * `{ pinterest_event_id, pinterest_click_id, pinterest_consent }`, read back by the relay's Stripe
 * webhook.
 */
export function stripeMetadata(ids: CheckoutIds): Record<string, string> {
  return carried('stripe', ids);
}

/**
 * The WooCommerce checkout form fields `_pinterest_event_id`, `_pinterest_click_id` and
 * `_pinterest_consent`; a few lines of PHP save them as order meta under the same names (see the
 * README).
 */
export function wooFormFields(ids: CheckoutIds): Record<string, string> {
  return carried('woocommerce', ids);
}

/** A hidden `<input>`, or anything with the same three properties. */
export interface HiddenInputLike {
  type: string;
  name: string;
  value: string;
}

/** The parts of an `HTMLFormElement` that {@link fillHiddenFields} uses. */
export interface FormLike {
  readonly elements: { namedItem(name: string): unknown };
  readonly ownerDocument: { createElement(tagName: 'input'): HiddenInputLike };
  // `never` accepts the DOM's `appendChild<T extends Node>` without naming DOM types here.
  appendChild(node: never): unknown;
}

/**
 * Sets each field on the form: an existing control of that name gets the value, otherwise a
 * hidden input is added. Submitting the form then posts the ids with the order.
 *
 * @example
 * fillHiddenFields(document.querySelector('form.checkout'), wooFormFields(checkoutIds()));
 */
export function fillHiddenFields(form: FormLike, fields: Record<string, string>): void {
  for (const [name, value] of Object.entries(fields)) {
    const existing = form.elements.namedItem(name);

    if (typeof existing === 'object' && existing !== null && 'value' in existing) {
      (existing as { value: string }).value = value;
      continue;
    }

    const input = form.ownerDocument.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.appendChild(input as never);
  }
}
