/**
 * @module normalize/name
 * The `fn` and `ln` rules, which are the same rule applied to two keys.
 */

import type { HashedUserDataKey } from '../wire.js';
import { cleanText } from './rule-helpers.js';

const WHITESPACE_RUNS = /\s+/gu;

/**
 * Normalizes a first name for `fn`: trimmed, NFC, lowercased, and each run of inner whitespace
 * made one space. Letters keep their accents and punctuation is kept (`o'brien`, `jean-luc`,
 * `mary ann`).
 *
 * Why this choice: Pinterest's stated rule for names is only "lowercase", while for cities it
 * explicitly adds "no spaces, no punctuation". Following the stated rule literally hashes the same
 * string as a matcher that applies Pinterest's own rule to a well-typed profile name; collapsing
 * whitespace only removes typing noise (double spaces, tabs) that no profile name contains.
 * Single-word names, the large majority, hash the same under every reading.
 *
 * @throws {NormalizationError} rule `empty`.
 * @example
 * normalizeFirstName(' Élodie '); // 'élodie'
 */
export function normalizeFirstName(raw: string): string {
  return normalizePersonName('fn', raw);
}

/**
 * Normalizes a last name for `ln` with the same rule as {@link normalizeFirstName}.
 * @throws {NormalizationError} rule `empty`.
 * @example
 * normalizeLastName("O'Brien  Smith"); // "o'brien smith"
 */
export function normalizeLastName(raw: string): string {
  return normalizePersonName('ln', raw);
}

function normalizePersonName(field: HashedUserDataKey, raw: string): string {
  return cleanText(field, raw).replace(WHITESPACE_RUNS, ' ');
}
