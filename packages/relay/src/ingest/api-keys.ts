/**
 * @module ingest/api-keys
 * Relay API keys: who a presented `Authorization: Bearer <key>` belongs to. Keys are hashed once
 * at start and a presented key is compared digest against digest in constant time, against every
 * configured key, so neither a key's prefix nor its position in the list shows in response times.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** One configured key and what it unlocks. */
export interface ApiKeyEntry<T> {
  key: string;
  tenant: T;
}

/** Resolves a presented key to its tenant, or `undefined` for a key nobody configured. */
export type ApiKeyResolver<T> = (apiKey: string) => T | undefined;

interface StoredKey<T> {
  digest: Buffer;
  tenant: T;
}

function digestOf(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * Builds a resolver over `entries`. Comparing SHA-256 digests keeps every comparison the same
 * length, which `timingSafeEqual` needs, whatever the length of the presented key.
 *
 * @throws {Error} When a key is empty or listed twice: either is a configuration mistake that
 *   would make the relay accept the wrong caller or no caller.
 * @example
 * const resolve = createApiKeyResolver([{ key: process.env.RELAY_KEY!, tenant: shop }]);
 * resolve(presentedKey); // shop, or undefined
 */
export function createApiKeyResolver<T>(entries: readonly ApiKeyEntry<T>[]): ApiKeyResolver<T> {
  const stored: StoredKey<T>[] = [];
  for (const [index, entry] of entries.entries()) {
    if (entry.key.length === 0) throw new Error(`relay API key #${index + 1} is empty`);
    const digest = digestOf(entry.key);
    if (stored.some((other) => other.digest.equals(digest))) {
      throw new Error(`relay API key #${index + 1} is listed more than once`);
    }

    stored.push({ digest, tenant: entry.tenant });
  }

  return (apiKey) => {
    const presented = digestOf(apiKey);
    let found: T | undefined;
    // No early exit: every key is compared so the time taken does not depend on which one matched.
    for (const candidate of stored) {
      if (timingSafeEqual(presented, candidate.digest)) found = candidate.tenant;
    }

    return found;
  };
}

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/**
 * The key of an `Authorization: Bearer <key>` header; `undefined` when the header is absent, of
 * another scheme, or has no key. The scheme name is case-insensitive (RFC 9110).
 */
export function readBearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return BEARER.exec(header)?.[1];
}
