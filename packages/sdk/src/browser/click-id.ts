/**
 * @module browser/click-id
 * The Pinterest click id: the `epik` parameter a Pinterest ad click adds to the landing page's URL,
 * kept by the Tag as the first-party `_epik` cookie. The server event carries it as
 * `user_data.click_id`, which lets Pinterest attribute a conversion to the click.
 */
import { readCookie, resolveEnv, writeCookie } from './env.js';
import type { EnvOptions } from './env.js';

/** Options of {@link getClickId}. */
export interface ClickIdOptions extends EnvOptions {
  /**
   * Days the `_epik` cookie lives when it is set from the URL; Pinterest's default click
   * attribution window is 30 days.
   * @default 30
   */
  clickIdMaxAgeDays?: number;
  /**
   * The cookie's `Domain`, e.g. `example.com` when the store and its checkout are on different
   * subdomains. @default the page's host only
   */
  cookieDomain?: string;
}

export const CLICK_ID_COOKIE = '_epik';
const CLICK_ID_PARAM = 'epik';
const DEFAULT_MAX_AGE_DAYS = 30;

/** Base64-like text; anything else (spaces, `;`, markup) is not a click id and is ignored. */
const CLICK_ID_PATTERN = /^[\w.~+/=-]{1,1024}$/;
const DOMAIN_PATTERN = /^\.?[a-z0-9-]+(\.[a-z0-9-]+)*$/i;

/**
 * The click id of this visit: the URL's `epik` parameter when present (and then also stored as the
 * `_epik` cookie, `SameSite=Lax`, so later pages and the thank-you page still have it), else the
 * `_epik` cookie, else `undefined`.
 *
 * @throws TypeError when `cookieDomain` is not a domain name.
 * @example
 * const clickId = getClickId(); // 'dj0yJnU9…' after a Pinterest ad click, else undefined
 */
export function getClickId(options: ClickIdOptions = {}): string | undefined {
  const { cookieDomain } = options;
  if (cookieDomain !== undefined && !DOMAIN_PATTERN.test(cookieDomain)) {
    throw new TypeError('cookieDomain must be a domain name such as example.com');
  }

  const env = resolveEnv(options.env);
  const fromUrl = readQueryParam(env.location.search, CLICK_ID_PARAM);

  if (fromUrl !== undefined && CLICK_ID_PATTERN.test(fromUrl)) {
    const days = options.clickIdMaxAgeDays ?? DEFAULT_MAX_AGE_DAYS;
    writeCookie(env.document, CLICK_ID_COOKIE, fromUrl, {
      maxAgeSeconds: Math.round(days * 86_400),
      secure: env.location.protocol === 'https:',
      domain: cookieDomain,
    });
    return fromUrl;
  }

  const fromCookie = readCookie(env.document, CLICK_ID_COOKIE);
  return fromCookie !== undefined && CLICK_ID_PATTERN.test(fromCookie) ? fromCookie : undefined;
}

/**
 * A query parameter, percent-decoded but with `+` kept as `+`: click ids are base64, where `+` is a
 * character, not the space `URLSearchParams` would make of it.
 */
function readQueryParam(search: string, name: string): string | undefined {
  for (const pair of search.replace(/^\?/, '').split('&')) {
    const at = pair.indexOf('=');
    if (at === -1 || pair.slice(0, at) !== name) continue;

    try {
      return decodeURIComponent(pair.slice(at + 1));
    } catch {
      return undefined;
    }
  }

  return undefined;
}
