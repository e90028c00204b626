/**
 * @module wire
 * The Pinterest v5 Conversions API wire format (`POST /v5/ad_accounts/{id}/events`), field for
 * field as spec 5.23.0 defines it. Snake_case lives here and in the builders that produce it; every
 * other name in the SDK is camelCase.
 */

/** The 15 event names of the published spec 5.23.0. */
export const SPEC_EVENT_NAMES = [
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
] as const;

/**
 * Event names that Pinterest's current documentation lists but spec 5.23.0 (the vendored schema)
 * does not. They are accepted; the schema types `event_name` as a plain string, so they validate.
 */
export const NEWER_EVENT_NAMES = [
  'app_open',
  'contact',
  'customize_product',
  'find_location',
  'schedule',
  'start_trial',
  'submit_application',
] as const;

export type SpecEventName = (typeof SPEC_EVENT_NAMES)[number];
export type NewerEventName = (typeof NEWER_EVENT_NAMES)[number];
export type EventName = SpecEventName | NewerEventName;

export const EVENT_NAMES: readonly EventName[] = [...SPEC_EVENT_NAMES, ...NEWER_EVENT_NAMES];

/** Documented in prose, not as an enum, in the spec. */
export const ACTION_SOURCES = ['web', 'app_android', 'app_ios', 'offline'] as const;
export type ActionSource = (typeof ACTION_SOURCES)[number];

/** `user_data` keys whose values are SHA-256 hex digests, each an array. */
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
export type HashedUserDataKey = (typeof HASHED_USER_DATA_KEYS)[number];

/** `user_data` keys sent as they are. */
export const RAW_USER_DATA_KEYS = [
  'client_ip_address',
  'client_user_agent',
  'click_id',
  'partner_id',
] as const;
export type RawUserDataKey = (typeof RAW_USER_DATA_KEYS)[number];

/**
 * `user_data` as it goes on the wire: hashed keys are arrays of lowercase SHA-256 hex; the rest raw.
 * Identifier rule: `em`, or `hashed_maids`, or `client_ip_address` and `client_user_agent` together.
 */
export interface WireUserData {
  em?: string[];
  hashed_maids?: string[];
  ph?: string[];
  fn?: string[];
  ln?: string[];
  ge?: string[];
  db?: string[];
  ct?: string[];
  st?: string[];
  zp?: string[];
  country?: string[];
  external_id?: string[];
  client_ip_address?: string;
  client_user_agent?: string;
  click_id?: string | null;
  partner_id?: string | null;
}

/** One line item of `custom_data.contents`. Prices are decimal strings. */
export interface WireContent {
  id?: string;
  item_price?: string;
  quantity?: number;
  item_name?: string;
  item_category?: string;
  item_brand?: string;
}

export interface WireCustomData {
  /** Decimal string, e.g. `"72.39"`; Pinterest recommends pre-tax, pre-shipping. */
  value?: string | null;
  /** ISO 4217; absent means the ad account's currency. */
  currency?: string | null;
  content_ids?: string[];
  contents?: WireContent[];
  /** Total units. The Tag calls this `order_quantity`; the API does not. */
  num_items?: number;
  order_id?: string | null;
  content_name?: string | null;
  content_category?: string | null;
  content_brand?: string | null;
  search_string?: string | null;
  /** Comma-separated privacy flags; only `LDP` is processed. */
  opt_out_type?: string | null;
  /** Decimal string (since 5.22). */
  predicted_ltv?: string | null;
  /** Pinterest-internal "named partner"; set only when Pinterest asks. */
  np?: string | null;
  external_measurement_id?: string | null;
  external_measurement_vendor_id?: number | null;
}

/** Structured app fields (since 5.16), an alternative to the flat `app_*` fields. */
export interface WireAppInfo {
  app_id?: string;
  app_name?: string;
  app_package_name?: string;
  app_store?: string;
  app_version?: string;
  install_time?: number;
  user_agent?: string;
  window_height?: number;
  window_width?: number;
}

export const FORM_FACTORS = [
  'desktop',
  'laptop',
  'cellphone',
  'tablet',
  'smartwatch',
  'tv',
  'vr',
  'console',
  'other',
] as const;
export const NETWORK_TYPES = [
  'wifi',
  'cellular_2g',
  'cellular_3g',
  'cellular_4g',
  'cellular_5g',
  'cellular_6g',
  'ethernet',
  'unknown',
] as const;
export const OS_FAMILIES = ['ios', 'android', 'macos', 'windows', 'linux', 'bsd', 'other'] as const;

/** Structured device fields (since 5.16), an alternative to the flat `device_*` fields. */
export interface WireDeviceInfo {
  battery_level?: number;
  brand?: string;
  carrier?: string;
  cpu_cores?: number;
  external_storage_free_space?: number;
  external_storage_size?: number;
  form_factor?: (typeof FORM_FACTORS)[number];
  kernel_version?: string;
  languages?: string[];
  locale?: string;
  model?: string;
  network_type?: (typeof NETWORK_TYPES)[number];
  os_family?: (typeof OS_FAMILIES)[number];
  os_name?: string;
  os_release_name?: string;
  os_version?: string;
  screen_density?: number;
  screen_height?: number;
  screen_width?: number;
  storage_free_space?: number;
  storage_size?: number;
  timezone?: string;
  timezone_abbr?: string;
  type?: string;
}

/** One event of the request body, exactly as Pinterest receives it. */
export interface WireEvent {
  event_name: EventName;
  action_source: ActionSource;
  /** Unix seconds, never milliseconds. */
  event_time: number;
  /** Must equal the Pinterest Tag's `event_id` for the same action, so the two deduplicate. */
  event_id: string;
  user_data: WireUserData;
  custom_data?: WireCustomData;
  event_source_url?: string | null;
  opt_out?: boolean;
  /** Third-party sender id, lowercase `ss-<partner>`. */
  partner_name?: string | null;
  /** ISO 639-1. */
  language?: string | null;
  wifi?: boolean;
  app_id?: string | null;
  app_name?: string | null;
  app_version?: string | null;
  device_brand?: string | null;
  device_carrier?: string | null;
  device_model?: string | null;
  device_type?: string | null;
  os_version?: string | null;
  app_info?: WireAppInfo;
  device_info?: WireDeviceInfo;
}

/** The request body. 1 to 1,000 events. */
export interface WireEventsRequest {
  data: WireEvent[];
}

/** Pinterest's answer for one event, in request order. */
export interface WireEventResult {
  status: 'processed' | 'failed';
  error_message?: string | null;
  warning_message?: string | null;
}

/** The 200 body, also nested as `details` in a 422. */
export interface WireEventsResponse {
  num_events_received: number;
  num_events_processed: number;
  events: WireEventResult[];
}

/** Error body of every non-2xx answer; a 422 adds `details`. */
export interface WireError {
  code: number;
  message: string;
  details?: unknown;
}

/** Maximum events in one request, fixed by the spec since 5.6.0. */
export const MAX_EVENTS_PER_REQUEST = 1000;

/** Field lists used to reject unknown properties the way Pinterest does. */
export const EVENT_FIELDS: readonly (keyof WireEvent)[] = [
  'event_name',
  'action_source',
  'event_time',
  'event_id',
  'user_data',
  'custom_data',
  'event_source_url',
  'opt_out',
  'partner_name',
  'language',
  'wifi',
  'app_id',
  'app_name',
  'app_version',
  'device_brand',
  'device_carrier',
  'device_model',
  'device_type',
  'os_version',
  'app_info',
  'device_info',
];
export const CUSTOM_DATA_FIELDS: readonly (keyof WireCustomData)[] = [
  'value',
  'currency',
  'content_ids',
  'contents',
  'num_items',
  'order_id',
  'content_name',
  'content_category',
  'content_brand',
  'search_string',
  'opt_out_type',
  'predicted_ltv',
  'np',
  'external_measurement_id',
  'external_measurement_vendor_id',
];
export const CONTENT_FIELDS: readonly (keyof WireContent)[] = [
  'id',
  'item_price',
  'quantity',
  'item_name',
  'item_category',
  'item_brand',
];
