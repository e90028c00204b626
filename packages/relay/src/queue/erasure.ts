/**
 * @module queue/erasure
 * What both stores do alike before an erasure: check the request and bring its hashes to one
 * form. Identifier hashes are compared in lowercase hex because a pre-hashed `user_data` value may
 * arrive in uppercase and is stored as it came.
 */
import type { ErasureRequest } from './store.js';

/** An erasure request checked and ready for a store's statement. */
export interface CheckedErasure {
  em: string[];
  ph: string[];
  externalId: string[];
  /** Which kinds of identifier were given, e.g. `em,external_id`: the audit record's only trace. */
  kinds: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Lowercases and checks every hash of the request.
 *
 * @throws RangeError when no hash is given or one is not a SHA-256 hex digest (never echoed).
 */
export function checkErasure(request: ErasureRequest): CheckedErasure {
  const lists = {
    em: normalized(request.emHashes, 'emHashes'),
    ph: normalized(request.phHashes, 'phHashes'),
    external_id: normalized(request.externalIdHashes, 'externalIdHashes'),
  };
  const kinds = Object.entries(lists)
    .filter(([, hashes]) => hashes.length > 0)
    .map(([kind]) => kind);
  if (kinds.length === 0) {
    throw new RangeError('erasure needs at least one em, ph or external_id hash');
  }

  return { em: lists.em, ph: lists.ph, externalId: lists.external_id, kinds: kinds.join(',') };
}

function normalized(hashes: readonly string[] | undefined, field: string): string[] {
  const result = (hashes ?? []).map((hash) => hash.toLowerCase());
  if (result.some((hash) => !SHA256_HEX.test(hash))) {
    throw new RangeError(`erasure ${field} must hold SHA-256 hex digests`);
  }

  return [...new Set(result)];
}
