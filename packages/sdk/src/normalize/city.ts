/**
 * @module normalize/city
 * The `ct` rule.
 */

import { cleanText, keepLettersAndDigits, valueError } from './rule-helpers.js';

/**
 * Normalizes a city for `ct` as Pinterest states it: lowercase, without spaces or punctuation.
 * Letters keep their accents (NFC) and digits are kept: `San Francisco` gives `sanfrancisco`,
 * `Saint-Étienne` gives `saintétienne`.
 *
 * @throws {NormalizationError} rule `empty` when no letter or digit is left.
 * @example
 * normalizeCity(' San Francisco '); // 'sanfrancisco'
 */
export function normalizeCity(raw: string): string {
  const city = keepLettersAndDigits(cleanText('ct', raw));
  if (city === '') throw valueError('ct', 'empty', 'has no letters or digits');
  return city;
}
