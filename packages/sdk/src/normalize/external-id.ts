/**
 * @module normalize/external-id
 * The `external_id` rule.
 */

import { toNfc } from './hash.js';
import { valueError } from './rule-helpers.js';

/**
 * Normalizes an advertiser's own user id for `external_id`: trimmed and NFC, nothing else.
 *
 * Case is kept on purpose: ids such as `Ab12` and `ab12` can be different users, and the hash must
 * equal the one the Pinterest Tag (or any other channel) sends for the same user, which hashes the
 * id as it is. Pinterest states no normalization for this key.
 *
 * @throws {NormalizationError} rule `empty`.
 * @example
 * normalizeExternalId('  user-8812 '); // 'user-8812'
 */
export function normalizeExternalId(raw: string): string {
  const id = raw.trim();
  if (id === '') throw valueError('external_id', 'empty', 'is empty');
  return toNfc(id);
}
