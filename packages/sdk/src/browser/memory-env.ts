/**
 * @module browser/memory-env
 * A page environment in memory, for tests run in Node: a cookie jar with `document.cookie`'s
 * read/write semantics (attributes parsed, `Max-Age` honoured), a Map-backed storage, a settable
 * clock and URL, and a `pintrk` that records its calls. Not part of the public entry.
 */
import type { BrowserEnv, KeyValueStorage } from './env.js';

/** A cookie as the jar keeps it, with the attributes it was written with. */
export interface JarCookie {
  value: string;
  expiresAt: number;
  attributes: Record<string, string>;
}

export interface MemoryEnv extends BrowserEnv {
  /** Cookies by name, expired ones included until overwritten. */
  readonly jar: Map<string, JarCookie>;
  readonly items: Map<string, string>;
  /** Every `pintrk(...)` call's arguments. */
  readonly pintrkCalls: unknown[][];
  /** Moves the clock. */
  advance(ms: number): void;
  /** Sets `location.search` and `location.protocol` from a URL. */
  visit(url: string): void;
}

/** A fresh environment at `url`, with its clock at `startMs`. */
export function createMemoryEnv(
  url = 'https://shop.example/checkout',
  startMs = 1.7e12,
): MemoryEnv {
  let nowMs = startMs;
  const jar = new Map<string, JarCookie>();
  const items = new Map<string, string>();
  const pintrkCalls: unknown[][] = [];
  const location = { search: '', protocol: 'https:' };
  const live = () => [...jar].filter(([, cookie]) => cookie.expiresAt > nowMs);

  const document = {
    get cookie() {
      return live()
        .map(([name, cookie]) => `${name}=${cookie.value}`)
        .join('; ');
    },
    set cookie(text: string) {
      const [pair = '', ...parts] = text.split(';');
      const at = pair.indexOf('=');
      const attributes = Object.fromEntries(
        parts.map((part) => {
          const [name = '', ...rest] = part.trim().split('=');
          return [name.toLowerCase(), rest.join('=')];
        }),
      );
      const maxAge = attributes['max-age'];
      const expiresAt = maxAge === undefined ? Infinity : nowMs + Number(maxAge) * 1000;
      jar.set(pair.slice(0, at).trim(), {
        value: pair.slice(at + 1).trim(),
        expiresAt,
        attributes,
      });
    },
  };

  const storage: KeyValueStorage = {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      items.set(key, value);
    },
    removeItem: (key) => {
      items.delete(key);
    },
  };

  const env: MemoryEnv = {
    document,
    location,
    storage,
    pintrk: (...args: unknown[]) => {
      pintrkCalls.push(args);
    },
    now: () => nowMs,
    randomBytes: (bytes) => {
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
      return bytes;
    },
    jar,
    items,
    pintrkCalls,
    advance: (ms) => {
      nowMs += ms;
    },
    visit: (next) => {
      const parsed = new URL(next);
      location.search = parsed.search;
      location.protocol = parsed.protocol;
    },
  };
  env.visit(url);
  return env;
}
