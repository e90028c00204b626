/**
 * @module normalize/postal-code
 * The `zp` rule.
 */

import { cleanText, keepLettersAndDigits, valueError } from './rule-helpers.js';

// A US ZIP+4 once spaces and punctuation are gone: five digits, then four. US address systems
// also store it as nine bare digits, which this reads the same way.
const ZIP_PLUS_FOUR = /^(\d{5})\d{4}$/;

/**
 * Normalizes a postal code for `zp`: lowercased, spaces and punctuation removed; a US ZIP+4 is cut
 * to its five-digit ZIP (`94107-1234` gives `94107`).
 *
 * Pinterest says "digits only", which fits US ZIP codes but would destroy alphanumeric postcodes:
 * UK `SW1A 1AA` would become `11` and Canadian `K1A 0B6` would become `106`, values shared by
 * thousands of unrelated areas. Letters are therefore kept (`sw1a1aa`, `k1a0b6`). A JavaScript
 * number is written in decimal; it cannot carry leading zeros, so pass US ZIPs such as `02139`
 * as strings.
 *
 * @throws {NormalizationError} rule `empty` when no letter or digit is left, or `type` for a
 *   number that is not a non-negative whole number.
 * @example
 * normalizePostalCode('94107-1234'); // '94107'
 * normalizePostalCode('SW1A 1AA'); // 'sw1a1aa'
 */
export function normalizePostalCode(raw: string | number): string {
  const code =
    typeof raw === 'number' ? numberText(raw) : keepLettersAndDigits(cleanText('zp', raw));
  if (code === '') throw valueError('zp', 'empty', 'has no letters or digits');
  return ZIP_PLUS_FOUR.exec(code)?.[1] ?? code;
}

function numberText(raw: number): string {
  if (!Number.isSafeInteger(raw) || raw < 0) {
    throw valueError('zp', 'type', 'must be a non-negative whole number when not a string');
  }

  return String(raw);
}
