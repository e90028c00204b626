/**
 * @module normalize/rule-helpers
 * Small pieces shared by the per-key rules: the error they throw and the text clean-ups that
 * several keys apply in the same way.
 */

import { NormalizationError } from '../errors.js';
import type { HashedUserDataKey } from '../wire.js';
import { toNfc } from './hash.js';

const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{M}\p{N}]+/gu;
const COMBINING_MARKS = /\p{M}+/gu;
const WORD_BREAKS = /[^\p{L}\p{N}]+/u;
const AMPERSANDS = /&/g;

/** A rule failure. The message describes the rule, never the value (which is personal data). */
export function valueError(
  field: HashedUserDataKey,
  rule: string,
  message: string,
): NormalizationError {
  return new NormalizationError('CAPI_ERR_NORMALIZE_VALUE', field, rule, message);
}

/**
 * Trims, applies NFC and lowercases, the start of almost every rule.
 * @throws {NormalizationError} rule `empty` when nothing is left after trimming.
 */
export function cleanText(field: HashedUserDataKey, raw: string): string {
  const trimmed = raw.trim();
  if (trimmed === '') throw valueError(field, 'empty', 'is empty');
  return toNfc(trimmed).toLowerCase();
}

/** Drops everything but letters (with their accents) and digits: spaces, punctuation, symbols. */
export function keepLettersAndDigits(value: string): string {
  return value.replace(NOT_LETTER_OR_DIGIT, '');
}

/**
 * A loose lookup key for names of places: accents folded, `&` read as `and`, `the` dropped,
 * `saint` read as `st`, then only letters and digits. `St. Vincent & the Grenadines` and
 * `Saint Vincent and Grenadines` give the same key.
 */
export function placeKey(name: string): string {
  const folded = name.normalize('NFD').replace(COMBINING_MARKS, '').toLowerCase();
  let key = '';
  for (const word of folded.replace(AMPERSANDS, ' and ').split(WORD_BREAKS)) {
    if (word === 'the') continue;
    key += word === 'saint' ? 'st' : word;
  }

  return key;
}
