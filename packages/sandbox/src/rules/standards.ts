/**
 * @module rules/standards
 * The value lists the events endpoint judges against. Written out here rather than imported from
 * the SDK, so the sandbox stays an independent check on it.
 */

/** The 15 `event_name` values of spec 5.23.0 and the 7 that Pinterest's docs added since. */
export const STANDARD_EVENT_NAMES: ReadonlySet<string> = new Set([
  'add_payment_info',
  'add_to_cart',
  'add_to_wishlist',
  'app_install',
  'checkout',
  'custom',
  'initiate_checkout',
  'lead',
  'page_visit',
  'search',
  'signup',
  'subscribe',
  'view_category',
  'view_content',
  'watch_video',
  'app_open',
  'contact',
  'customize_product',
  'find_location',
  'schedule',
  'start_trial',
  'submit_application',
]);

/** `action_source` values the spec describes in prose (it is not an enum in the schema). */
export const ACTION_SOURCES: ReadonlySet<string> = new Set([
  'web',
  'app_android',
  'app_ios',
  'offline',
]);

/** `user_data` keys that carry SHA-256 digests. */
export const HASHED_USER_DATA_KEYS = [
  'em',
  'hashed_maids',
  'ph',
  'fn',
  'ln',
  'ge',
  'db',
  'ct',
  'st',
  'zp',
  'country',
  'external_id',
] as const;

/**
 * ISO 4217 alphabetic codes in current use, including funds and precious-metal codes, which
 * ISO lists too. Currencies withdrawn before 2023 are left out.
 */
export const ISO_4217_CODES: ReadonlySet<string> = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD ' +
    'BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD ' +
    'EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD ' +
    'IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL ' +
    'MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN ' +
    'PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP ' +
    'STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED ' +
    'VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX ' +
    'YER ZAR ZMW ZWG ZWL'
  ).split(' '),
);
