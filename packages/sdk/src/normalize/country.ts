/**
 * @module normalize/country
 * The `country` rule: ISO 3166-1 alpha-2, lowercase, from codes or English names.
 */

import { ALPHA_CODES, COUNTRY_ALIASES } from './country-codes.js';
import { cleanText, keepLettersAndDigits, placeKey, valueError } from './rule-helpers.js';

const ALPHA_2 = new Set<string>();
const ALPHA_2_BY_ALPHA_3 = new Map<string, string>();
for (const pair of ALPHA_CODES.trim().split(/\s+/)) {
  const alpha2 = pair.slice(0, 2).toLowerCase();
  ALPHA_2.add(alpha2);
  ALPHA_2_BY_ALPHA_3.set(pair.slice(3).toLowerCase(), alpha2);
}

let alpha2ByName: Map<string, string> | undefined;

/**
 * Normalizes a country for `country` to its lowercase ISO 3166-1 alpha-2 code.
 *
 * Accepted: alpha-2 codes in any case (`US`), alpha-3 codes (`USA`, `DEU`), and English names,
 * short or long, as `Intl.DisplayNames` writes them (`Germany`, `Bosnia & Herzegovina`) or as
 * people commonly do (`United States of America`, `UK`, `Great Britain`, `South Korea`,
 * `Deutschland`, `Ivory Coast`). Names ignore case, accents, punctuation, `&`/`and`, `the` and
 * `saint`/`st`. `XK` (Kosovo), a user-assigned code in wide use, is accepted too.
 *
 * @throws {NormalizationError} rule `country_value` when no country is recognised, or `empty`.
 * @example
 * normalizeCountry('United Kingdom'); // 'gb'
 */
export function normalizeCountry(raw: string): string {
  const text = cleanText('country', raw);
  const letters = keepLettersAndDigits(text);
  if (letters.length === 2 && ALPHA_2.has(letters)) return letters;
  const code = ALPHA_2_BY_ALPHA_3.get(letters) ?? countryNames().get(placeKey(text));
  if (code === undefined) {
    throw valueError('country', 'country_value', 'must be an ISO-3166 country code or name');
  }

  return code;
}

// Built on first use: `Intl.DisplayNames` costs a few milliseconds that an import should not.
function countryNames(): ReadonlyMap<string, string> {
  if (alpha2ByName) return alpha2ByName;
  const names = new Map<string, string>();
  // Aliases go first so that an everyday meaning wins over a display name with the same key.
  for (const [code, aliases] of Object.entries(COUNTRY_ALIASES)) {
    for (const alias of aliases) names.set(placeKey(alias), code.toLowerCase());
  }

  const styles = ['long', 'short', 'narrow'] as const;
  const displays = styles.map(
    (style) => new Intl.DisplayNames(['en'], { type: 'region', style, fallback: 'none' }),
  );
  for (const code of ALPHA_2) {
    for (const display of displays) {
      const name = display.of(code.toUpperCase());
      const key = name === undefined ? '' : placeKey(name);
      if (key !== '' && !names.has(key)) names.set(key, code);
    }
  }

  alpha2ByName = names;
  return names;
}
