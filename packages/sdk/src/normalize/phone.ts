/**
 * @module normalize/phone
 * The `ph` rule: E.164 through libphonenumber, without the `+`.
 */

// The `max` metadata carries each country's number patterns, so `isValid()` rejects numbers
// that have a plausible length but no allocated range (typos, a digit too few in the area
// code). The smaller `min` metadata checks length only, and a mistyped number hashed anyway can
// never match. Parsing costs the same with either set; only the bundle is larger, which a
// server-side SDK can afford.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { CountryCode, PhoneNumber } from 'libphonenumber-js/max';
import { NormalizationError } from '../errors.js';
import { valueError } from './rule-helpers.js';

// Characters people put between digits; ignored when looking for the `+` or `00` prefix.
const SEPARATORS = /[\s().\-/]+/g;
const TEL_URI = /^tel:/i;

/** Phone options, validated (see `NormalizeOptions.defaultCountry`). */
export interface PhoneOptions {
  defaultCountry?: CountryCode | undefined;
}

/**
 * Normalizes a phone number for `ph` to E.164 digits without the `+`, e.g. `14155552671`.
 *
 * Accepted: `+` followed by the country code (`+1 (415) 555-2671`); the `00` international prefix
 * (`0044 20 7946 0958`); with `defaultCountry`, also national numbers (`(415) 555-2671`) and that
 * country's own international prefix (`011 44 …` for `US`). A trunk `(0)` after the country code
 * is dropped as dialing requires: `+44 (0)20 7946 0958` gives `442079460958`, not the naive
 * `4402079460958`. Extensions are dropped. A JavaScript number is read like its digit string,
 * so it needs `defaultCountry` too (a number cannot hold a `+` or a leading zero).
 *
 * @throws {NormalizationError} code `CAPI_ERR_NORMALIZE_PHONE` rule `phone_country` when the
 *   number has no international prefix and no `defaultCountry` is given (never guessed); code
 *   `CAPI_ERR_NORMALIZE_VALUE` rule `phone_invalid` when it is not a valid number of its country;
 *   rule `empty`.
 * @example
 * normalizePhone('+44 (0)20 7946 0958'); // '442079460958'
 * normalizePhone('(415) 555-2671', { defaultCountry: 'US' }); // '14155552671'
 */
export function normalizePhone(raw: string | number, options: PhoneOptions = {}): string {
  const text = phoneText(raw);
  const compact = text.replace(SEPARATORS, '');
  const { defaultCountry } = options;
  let phone: PhoneNumber | undefined;
  if (compact.startsWith('+')) {
    phone = parseValid(text, undefined);
  } else if (compact.startsWith('00')) {
    phone = parseValid(`+${compact.slice(2)}`, undefined);
    // `00` is the international prefix in most of the world; where it is not (`0011` in
    // Australia), the default country's own dialing rule reads it on this second try.
    if (!phone && defaultCountry) phone = parseValid(text, defaultCountry);
  } else if (defaultCountry) {
    phone = parseValid(text, defaultCountry);
  } else {
    throw new NormalizationError(
      'CAPI_ERR_NORMALIZE_PHONE',
      'ph',
      'phone_country',
      'has no international prefix (+ or 00) and no defaultCountry option places it in a country',
    );
  }

  if (!phone) throw valueError('ph', 'phone_invalid', 'is not a valid phone number');
  return phone.number.slice(1);
}

function phoneText(raw: string | number): string {
  if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw) || raw <= 0) {
      throw valueError('ph', 'phone_invalid', 'must be a positive whole number when not a string');
    }

    return String(raw);
  }

  const text = raw.trim().replace(TEL_URI, '');
  if (text === '') throw valueError('ph', 'empty', 'is empty');
  return text;
}

function parseValid(text: string, country: CountryCode | undefined): PhoneNumber | undefined {
  const phone = parsePhoneNumberFromString(
    text,
    country === undefined ? {} : { defaultCountry: country },
  );
  return phone?.isValid() ? phone : undefined;
}
