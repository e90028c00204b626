/**
 * @module constants
 * The sandbox's seeds, Pinterest's error codes and the limits it enforces. Values that Pinterest
 * publishes cite the facts file; values Pinterest does not publish are marked as the sandbox's own.
 */

/** The ad account every sandbox knows out of the box. */
export const DEFAULT_AD_ACCOUNT_ID = '549755885175';

/** The Pinterest Tag of the default ad account. */
export const DEFAULT_TAG_ID = '2612345678901';

/** A conversion access token for the default ad account, as Ads Manager would issue one. */
export const DEFAULT_CONVERSION_TOKEN = 'pina_sandbox_conversion_token';

/** The OAuth client (app id) every sandbox knows out of the box. */
export const DEFAULT_CLIENT_ID = '1234567';

/** The secret of {@link DEFAULT_CLIENT_ID}. */
export const DEFAULT_CLIENT_SECRET = 'sandbox_client_secret';

/** The user who owns the seeded ad account and approves every OAuth request. */
export const DEFAULT_USERNAME = 'sandbox_user';

/** Pinterest error codes, as the spec's examples and observed answers give them (facts §1.4). */
export const API_CODES = {
  authenticationFailed: 2,
  /** Observed for a token without the needed scope (pinterest/api-quickstart#97, HTTP 401). */
  insufficientScope: 3,
  rateLimited: 8,
  /** Pinterest's generic "something went wrong on our end". */
  serverError: 12,
  notPermitted: 29,
  /** Observed on a 422 where some events failed (facts §1.3). */
  someEventsFailed: 953,
  invalidRequest: 4196,
  rampedDown: 4197,
  /**
   * Sandbox's choice for a bad query or form parameter outside the events endpoint: the spec
   * answers those with `Pinterest.Lib.Error` and gives no code.
   */
  invalidParameters: 1,
  /** Sandbox's choice for an unknown path or object: the spec gives no code for 404. */
  notFound: 404,
} as const;

/** Spec 5.23.0 and every version since 5.6.0 (facts §1.1). */
export const MAX_EVENTS_PER_REQUEST = 1000;

/** The spec's "5,000 calls per minute per ad account" (facts §1.2). */
export const DEFAULT_CALLS_PER_MINUTE = 5000;

/**
 * Pinterest publishes no maximum event age (facts §4.1); seven days is the sandbox's assumption,
 * the window partners such as Amperity keep to.
 */
export const DEFAULT_MAX_EVENT_AGE_SECONDS = 7 * 24 * 60 * 60;

/**
 * How far in the future an `event_time` may lie. Pinterest says "not later than received"; a
 * minute absorbs ordinary clock drift between the sender and the sandbox (sandbox's choice).
 */
export const MAX_CLOCK_SKEW_SECONDS = 60;

/** `expires_in` of every OAuth access token: 30 days, as Pinterest's quickstart fixtures show. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 2_592_000;

/** Continuous refresh tokens live 60 days (facts §5). */
export const REFRESH_TOKEN_LIFETIME_SECONDS = 60 * 24 * 60 * 60;

/** How long an authorization code stays redeemable (sandbox's choice; Pinterest publishes none). */
export const AUTHORIZATION_CODE_LIFETIME_SECONDS = 600;

/**
 * Request body limit. Pinterest documents none (facts §1.1); 32 MiB fits 1,000 events of any
 * realistic size, so the sandbox never rejects a batch Pinterest would take.
 */
export const BODY_LIMIT_BYTES = 32 * 1024 * 1024;

/**
 * Events and calls kept for inspection. Past this the oldest are forgotten (the totals in
 * `/__sandbox/stats` keep counting), so a long benchmark cannot exhaust memory.
 */
export const DEFAULT_MAX_STORED_EVENTS = 1_000_000;

/** The OAuth scopes Pinterest's spec lists (securitySchemes.pinterest_oauth2). */
export const KNOWN_SCOPES: ReadonlySet<string> = new Set([
  'ads:read',
  'ads:write',
  'billing:read',
  'billing:write',
  'biz_access:read',
  'biz_access:write',
  'boards:read',
  'boards:read_secret',
  'boards:write',
  'boards:write_secret',
  'catalogs:read',
  'catalogs:write',
  'msot:write',
  'pins:read',
  'pins:read_secret',
  'pins:write',
  'pins:write_secret',
  'user_accounts:read',
  'user_accounts:write',
]);

/** Scopes an OAuth token from the config gets when the config names none. */
export const DEFAULT_OAUTH_SCOPES: readonly string[] = [
  'ads:read',
  'ads:write',
  'user_accounts:read',
];
