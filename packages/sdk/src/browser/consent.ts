/**
 * @module browser/consent
 * The page's advertising consent, read from whatever the consent banner exposes and carried to
 * the server with the checkout, so the relay can apply the merchant's policy to the server event
 * (send, send with `opt_out: true`, or drop). The helper never decides anything itself: an
 * unknown signal is carried as nothing, and the relay's rule for unknown consent applies.
 */

/** Whether the visitor allowed advertising storage/tracking. */
export type AdvertisingConsent = 'granted' | 'denied' | 'unknown';

/** What {@link advertisingConsent} reads: the words, a boolean, or a Consent Mode state. */
export type ConsentSignal =
  AdvertisingConsent | boolean | { readonly ad_storage?: string | undefined } | null | undefined;

/**
 * Where each carrier puts the consent: the plain checkout's field, Shopify cart (order note)
 * attribute, Stripe Checkout Session metadata key, WooCommerce order meta key. The relay's
 * webhooks read the same names.
 */
export const CONSENT_KEYS = {
  checkout: 'consent',
  shopify: 'pinterest_consent',
  stripe: 'pinterest_consent',
  woocommerce: '_pinterest_consent',
} as const;

const WORDS: ReadonlySet<string> = new Set<AdvertisingConsent>(['granted', 'denied', 'unknown']);

/**
 * Reads a consent signal as one of `granted`, `denied` or `unknown`. Takes the words themselves
 * (any case; Google Consent Mode's `ad_storage` values are these words), a boolean (`true` is
 * granted, as a banner's "marketing allowed" answer), or an object with an `ad_storage` field (a
 * Consent Mode state). Anything else is `unknown`: a page should not break over a banner's shape.
 *
 * @example
 * advertisingConsent({ ad_storage: 'denied', analytics_storage: 'granted' }); // 'denied'
 * advertisingConsent(window.Cookiebot?.consent?.marketing); // 'granted', 'denied' or 'unknown'
 */
export function advertisingConsent(signal: unknown): AdvertisingConsent {
  if (typeof signal === 'boolean') return signal ? 'granted' : 'denied';
  if (typeof signal === 'string') {
    const word = signal.trim().toLowerCase();
    return WORDS.has(word) ? (word as AdvertisingConsent) : 'unknown';
  }

  if (typeof signal === 'object' && signal !== null && 'ad_storage' in signal) {
    return advertisingConsent(signal.ad_storage);
  }

  return 'unknown';
}

/**
 * The consent as a plain checkout carries it: `granted` or `denied`, and absent (undefined) when
 * unknown, which the relay and the SDK read as unknown.
 */
export function carriedConsent(signal: unknown): 'granted' | 'denied' | undefined {
  const consent = advertisingConsent(signal);
  return consent === 'unknown' ? undefined : consent;
}
