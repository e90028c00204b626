/**
 * @module client/options
 * The options of {@link ConversionsClient}, checked once in its constructor so that a typo fails
 * at start-up rather than on the first batch.
 */

import type { PrepareOptions } from '../build/prepare-event.js';
import { CapiError } from '../errors.js';
import { CallPacer, DEFAULT_CALLS_PER_MINUTE } from './pacer.js';
import type { Pacer } from './pacer.js';

/** How a {@link ConversionsClient} reaches Pinterest and how hard it tries. */
export interface ClientOptions {
  /** The ad account that receives the events: digits only, at most 18. */
  adAccountId: string;
  /** A conversion access token from Ads Manager, or an OAuth token with `ads:write`. */
  accessToken: string;
  /**
   * API root, with or without a trailing slash; point it at a sandbox in tests.
   * @default 'https://api.pinterest.com/v5'
   */
  baseUrl?: string;
  /** `partner_name` (`ss-<partner>`) for events that do not set one. */
  partnerName?: string;
  /**
   * Adds `?test=true` to every call: Pinterest validates but does not record the events.
   * @default false
   */
  test?: boolean;
  /**
   * Calls per rolling minute per ad account, when no `pacer` is given.
   * @default 5000
   */
  callsPerMinute?: number;
  /**
   * The pacer to count calls with: a {@link CallPacer}, or any object with the same `acquire`.
   * Share one between clients to share a budget.
   * @default one pacer per `callsPerMinute` value for the whole process, so clients of one ad
   * account share its budget without being told to
   */
  pacer?: Pacer;
  /**
   * Calls in flight at once for one `send`.
   * @default 4
   */
  concurrency?: number;
  /**
   * Calls made for one batch before giving up, the first one included.
   * @default 6
   */
  maxAttempts?: number;
  /**
   * Ceiling of the first retry's wait, doubling per attempt (full jitter).
   * @default 500
   */
  retryBaseMs?: number;
  /**
   * Longest computed wait between attempts. A server's `Retry-After` may exceed it.
   * @default 60000
   */
  retryMaxMs?: number;
  /**
   * Time allowed for one attempt, answer body included; at most 2,147,483,647 (Node's longest
   * timer). An answer already waiting on the socket when it runs out is still read.
   * @default 15000
   */
  timeoutMs?: number;
  /** The fetch implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** `User-Agent` header. @default '@pinterest-capi/sdk node/<version>' */
  userAgent?: string;
  /** Source of jitter, a number in [0, 1). @default Math.random */
  random?: () => number;
  /** How `send` prepares events (clock, age limits, default country...). */
  prepare?: PrepareOptions;
}

/** {@link ClientOptions} with every default filled in and every value checked. */
export interface ResolvedClientOptions {
  adAccountId: string;
  accessToken: string;
  baseUrl: string;
  test: boolean;
  pacer: Pacer;
  concurrency: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
  fetch: typeof fetch;
  userAgent: string;
  random: () => number;
  prepare: PrepareOptions;
}

export const DEFAULT_BASE_URL = 'https://api.pinterest.com/v5';
const AD_ACCOUNT_ID = /^\d{1,18}$/;

// One pacer per budget for the whole process: two clients built for the same ad account share
// its calls without the caller having to pass a pacer around.
const sharedPacers = new Map<number, CallPacer>();

function sharedPacer(callsPerMinute: number): CallPacer {
  let pacer = sharedPacers.get(callsPerMinute);
  if (pacer === undefined) {
    pacer = new CallPacer({ callsPerMinute });
    sharedPacers.set(callsPerMinute, pacer);
  }

  return pacer;
}

function optionsError(option: string, rule: string): CapiError {
  return new CapiError('CAPI_ERR_CLIENT_OPTIONS', `ConversionsClient: ${option} ${rule}`);
}

/** An integer option's default and the range it must fall in (`max` defaults to unbounded). */
interface IntegerRange {
  fallback: number;
  min: number;
  max?: number;
}

function integerOption(name: string, value: unknown, range: IntegerRange): number {
  const { fallback, min, max = Number.MAX_SAFE_INTEGER } = range;
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const span = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw optionsError(name, `must be an integer ${span}`);
  }

  return value;
}

/** The longest delay Node's timers take; a longer one fires at once, with a warning. */
const MAX_TIMER_MS = 2_147_483_647;

function functionOption<F>(name: string, value: unknown, fallback: F): F {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw optionsError(name, 'must be a function');
  return value as F;
}

function checkBaseUrl(value: unknown): string {
  if (value === undefined) return DEFAULT_BASE_URL;
  if (typeof value !== 'string') throw optionsError('baseUrl', 'must be a string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw optionsError('baseUrl', 'must be an absolute http(s) URL');
  }

  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw optionsError('baseUrl', 'must be an absolute http(s) URL');
  }

  if (url.search !== '' || url.hash !== '') {
    throw optionsError('baseUrl', 'must not carry a query or a fragment');
  }

  // fetch refuses such a URL on every call, and quotes it, password and all, in its error.
  if (url.username !== '' || url.password !== '') {
    throw optionsError('baseUrl', 'must not carry a user name or password');
  }

  return url.href.replace(/\/+$/, '');
}

function checkCredentials(options: ClientOptions): void {
  const { adAccountId, accessToken } = options as unknown as Partial<Record<string, unknown>>;
  if (typeof adAccountId !== 'string' || !AD_ACCOUNT_ID.test(adAccountId)) {
    throw optionsError('adAccountId', 'must be a string of 1 to 18 digits');
  }

  // The token itself never appears in a message, only what is wrong with it.
  if (typeof accessToken !== 'string' || accessToken.trim() === '') {
    throw optionsError('accessToken', 'must be a non-empty string');
  }

  if (/\s/.test(accessToken)) throw optionsError('accessToken', 'must not contain whitespace');
}

// Checked at run time too: JavaScript callers and parsed config bypass the type.
function isPacer(value: unknown): value is Pacer {
  if (typeof value !== 'object' || value === null || !('acquire' in value)) return false;
  return typeof value.acquire === 'function';
}

function checkPacer(options: ClientOptions): Pacer {
  const callsPerMinute = integerOption('callsPerMinute', options.callsPerMinute, {
    fallback: DEFAULT_CALLS_PER_MINUTE,
    min: 1,
  });
  const { pacer } = options;
  if (pacer === undefined) return sharedPacer(callsPerMinute);
  if (!isPacer(pacer)) {
    throw optionsError('pacer', 'must have an acquire(key, signal) method, like CallPacer');
  }

  return pacer;
}

function checkStrings(options: ClientOptions): void {
  for (const name of ['partnerName', 'userAgent'] as const) {
    const value: unknown = options[name];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw optionsError(name, 'must be a non-empty string');
    }
  }

  if (options.test !== undefined && typeof options.test !== 'boolean') {
    throw optionsError('test', 'must be a boolean');
  }
}

/**
 * Checks `options` and fills in defaults.
 *
 * @throws CapiError `CAPI_ERR_CLIENT_OPTIONS`, its message naming the option at fault.
 */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  checkCredentials(options);
  checkStrings(options);
  const retryBaseMs = integerOption('retryBaseMs', options.retryBaseMs, {
    fallback: 500,
    min: 0,
    max: MAX_TIMER_MS,
  });
  const fallbackFetch = globalThis.fetch as typeof fetch | undefined;
  const fetchImpl = functionOption<typeof fetch | undefined>('fetch', options.fetch, fallbackFetch);
  if (fetchImpl === undefined) throw optionsError('fetch', 'is required where fetch is missing');

  return {
    adAccountId: options.adAccountId,
    accessToken: options.accessToken,
    baseUrl: checkBaseUrl(options.baseUrl),
    test: options.test ?? false,
    pacer: checkPacer(options),
    concurrency: integerOption('concurrency', options.concurrency, { fallback: 4, min: 1 }),
    maxAttempts: integerOption('maxAttempts', options.maxAttempts, { fallback: 6, min: 1 }),
    retryBaseMs,
    retryMaxMs: integerOption('retryMaxMs', options.retryMaxMs, {
      fallback: 60_000,
      min: retryBaseMs,
      max: MAX_TIMER_MS,
    }),
    timeoutMs: integerOption('timeoutMs', options.timeoutMs, {
      fallback: 15_000,
      min: 1,
      max: MAX_TIMER_MS,
    }),
    fetch: fetchImpl,
    userAgent: options.userAgent ?? `@pinterest-capi/sdk node/${process.versions.node}`,
    random: functionOption('random', options.random, Math.random),
    prepare: resolvePrepare(options),
  };
}

// partnerName is a client-wide default for prepared events; an explicit prepare.partnerName wins.
function resolvePrepare(options: ClientOptions): PrepareOptions {
  const prepare = options.prepare ?? {};
  if (typeof prepare !== 'object') throw optionsError('prepare', 'must be an object');
  if (options.partnerName === undefined || prepare.partnerName !== undefined) return prepare;
  return { ...prepare, partnerName: options.partnerName };
}
