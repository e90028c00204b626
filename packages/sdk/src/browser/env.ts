/**
 * @module browser/env
 * The few parts of a page the browser helper touches: `document.cookie`, `location.search`, a
 * key-value storage, `window.pintrk`, the clock and random bytes. They are typed structurally
 * (no DOM lib), so the helper type-checks beside Node code and tests can pass plain objects.
 */

/** `localStorage`, `sessionStorage`, or any object with the same three methods. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The Pinterest Tag's global function, as its base code defines it. */
export type Pintrk = (command: string, ...args: unknown[]) => unknown;

/** What the helper reads and writes; every function accepts overrides of any part. */
export interface BrowserEnv {
  /** Read and written through its `cookie` property, like `document`. */
  document: { cookie: string };
  /** The page address: `search` holds the query string, `protocol` decides `Secure` cookies. */
  location: { search: string; protocol: string };
  /** Where checkout ids are kept. @default localStorage, else first-party cookies */
  storage: KeyValueStorage;
  /** @default window.pintrk, looked up when called (the Tag may load later) */
  pintrk: Pintrk | undefined;
  /** Unix milliseconds. @default Date.now */
  now: () => number;
  /** Fills the array with random bytes. @default crypto.getRandomValues */
  randomBytes: (bytes: Uint8Array) => Uint8Array;
}

/** The options every function of the helper takes. */
export interface EnvOptions {
  /** Replaces parts of the page environment, for tests and for pages that use an iframe's. */
  env?: Partial<BrowserEnv>;
}

interface PageGlobals {
  document?: { cookie: string };
  location?: { search: string; protocol: string };
  localStorage?: KeyValueStorage;
  pintrk?: Pintrk;
  crypto?: { getRandomValues(bytes: Uint8Array): Uint8Array };
}

const page = globalThis as unknown as PageGlobals;

/** Fills in every part not overridden from the page's globals. */
export function resolveEnv(overrides: Partial<BrowserEnv> = {}): BrowserEnv {
  const document = overrides.document ?? page.document ?? { cookie: '' };
  const location = overrides.location ?? page.location ?? { search: '', protocol: 'https:' };
  return {
    document,
    location,
    storage: overrides.storage ?? pageStorage(document, location),
    pintrk: 'pintrk' in overrides ? overrides.pintrk : page.pintrk,
    now: overrides.now ?? Date.now,
    randomBytes: overrides.randomBytes ?? randomBytesOfPage,
  };
}

function randomBytesOfPage(bytes: Uint8Array): Uint8Array {
  if (page.crypto) return page.crypto.getRandomValues(bytes);
  // Only very old browsers lack crypto; an event id needs uniqueness, not secrecy.
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return bytes;
}

const PROBE_KEY = 'pinterest_capi.probe';

/**
 * `localStorage` when it works; Safari's private mode and blocked storage throw on access or on
 * write, and then first-party cookies keep the ids instead.
 */
function pageStorage(
  document: BrowserEnv['document'],
  location: BrowserEnv['location'],
): KeyValueStorage {
  try {
    const storage = page.localStorage;

    if (storage) {
      storage.setItem(PROBE_KEY, '1');
      storage.removeItem(PROBE_KEY);
      return storage;
    }
  } catch {
    // Fall through to cookies.
  }

  return cookieStorage(document, { secure: location.protocol === 'https:' });
}

/** Storage entries kept as cookies live this long; checkout ids expire sooner by their own date. */
const COOKIE_STORAGE_MAX_AGE_SECONDS = 30 * 86_400;

/** A `KeyValueStorage` over first-party cookies, one cookie per key. */
export function cookieStorage(
  document: BrowserEnv['document'],
  options: { secure: boolean },
): KeyValueStorage {
  const nameOf = (key: string) => `pcapi_${encodeURIComponent(key)}`;
  return {
    getItem(key) {
      const raw = readCookie(document, nameOf(key));
      if (raw === undefined) return null;

      try {
        return decodeURIComponent(raw);
      } catch {
        return null;
      }
    },
    setItem(key, value) {
      writeCookie(document, nameOf(key), encodeURIComponent(value), {
        maxAgeSeconds: COOKIE_STORAGE_MAX_AGE_SECONDS,
        secure: options.secure,
      });
    },
    removeItem(key) {
      writeCookie(document, nameOf(key), '', { maxAgeSeconds: 0, secure: options.secure });
    },
  };
}

/** The value of the first cookie with that name, as stored (not decoded). */
export function readCookie(document: BrowserEnv['document'], name: string): string | undefined {
  for (const pair of document.cookie.split(';')) {
    const at = pair.indexOf('=');
    if (at !== -1 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }

  return undefined;
}

/** How {@link writeCookie} scopes and ages a cookie. */
export interface CookieAttributes {
  /** 0 deletes the cookie. */
  maxAgeSeconds: number;
  secure: boolean;
  /** e.g. `example.com`, so `shop.example.com` and `checkout.example.com` share the cookie. */
  domain?: string | undefined;
}

/** Writes a first-party cookie for the whole site with `SameSite=Lax`. */
export function writeCookie(
  document: BrowserEnv['document'],
  name: string,
  value: string,
  attributes: CookieAttributes,
): void {
  let cookie = `${name}=${value}; Max-Age=${attributes.maxAgeSeconds}; Path=/; SameSite=Lax`;
  if (attributes.domain !== undefined) cookie += `; Domain=${attributes.domain}`;
  if (attributes.secure) cookie += '; Secure';
  document.cookie = cookie;
}
