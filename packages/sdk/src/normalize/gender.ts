/**
 * @module normalize/gender
 * The `ge` rule.
 */

import { cleanText, keepLettersAndDigits, valueError } from './rule-helpers.js';

type Gender = 'f' | 'm' | 'n';

// Keys are compared after lowercasing and dropping spaces, hyphens and other punctuation, so
// `Non-Binary`, `non binary` and `non_binary` all read as `nonbinary`.
const GENDER_WORDS: ReadonlyMap<string, Gender> = new Map<string, Gender>([
  ['f', 'f'],
  ['female', 'f'],
  ['woman', 'f'],
  ['w', 'f'],
  ['girl', 'f'],
  ['m', 'm'],
  ['male', 'm'],
  ['man', 'm'],
  ['boy', 'm'],
  ['n', 'n'],
  ['nonbinary', 'n'],
  ['nb', 'n'],
  ['enby', 'n'],
  ['x', 'n'],
  ['other', 'n'],
  ['genderqueer', 'n'],
  ['genderfluid', 'n'],
  ['agender', 'n'],
]);

/**
 * Normalizes a gender for `ge` to Pinterest's `f`, `m` or `n` (non-binary).
 *
 * Read case-insensitively, ignoring spaces and punctuation: `f`, `female`, `woman`, `w`, `girl`
 * give `f`; `m`, `male`, `man`, `boy` give `m`; `n`, `non-binary`, `nonbinary`, `non binary`, `nb`,
 * `enby`, `x` (the passport marker), `other`, `genderqueer`, `genderfluid`, `agender` give `n`.
 * Anything else, including "unknown" or "prefer not to say", is an error rather than a guess:
 * leave `ge` out when the gender is not known.
 *
 * @throws {NormalizationError} rule `gender_value` for an unknown word, or `empty`.
 * @example
 * normalizeGender('Female'); // 'f'
 */
export function normalizeGender(raw: string): string {
  const gender = GENDER_WORDS.get(keepLettersAndDigits(cleanText('ge', raw)));
  if (gender === undefined) {
    throw valueError('ge', 'gender_value', 'must be female, male or non-binary (or f, m, n)');
  }

  return gender;
}
