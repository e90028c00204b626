/**
 * @module normalize/options
 * Options that change how raw `user_data` values are read, and their validation.
 */

import { isSupportedCountry } from 'libphonenumber-js/max';
import type { CountryCode } from 'libphonenumber-js/max';
import { ValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';

/** How raw `user_data` values are read before hashing. */
export interface NormalizeOptions {
  /**
   * ISO-3166 alpha-2 country (any case) in which phone numbers without an international prefix
   * are read, e.g. `'US'` reads `(415) 555-2671` as `+1 415 555 2671`. Without it such numbers are
   * rejected rather than guessed.
   * @default undefined
   */
  defaultCountry?: string;
  /**
   * How an all-numeric date with the year last and both other parts ≤ 12 is read: `'mdy'`
   * (US, `01/02/1990` is 2 January) or `'dmy'` (`01/02/1990` is 1 February). Dotted dates
   * (`31.01.1990`) are always day first.
   * @default 'mdy'
   */
  dateOrder?: 'mdy' | 'dmy';
}

/** Options after validation, in the shape the rules use. */
export interface ResolvedOptions {
  defaultCountry: CountryCode | undefined;
  dateOrder: 'mdy' | 'dmy';
}

const DEFAULT_OPTIONS: ResolvedOptions = { defaultCountry: undefined, dateOrder: 'mdy' };

/**
 * Validates options once per call so a misconfiguration fails loudly even when no value needs it.
 * @throws {ValidationError} `options.defaultCountry` or `options.dateOrder` is not supported.
 */
export function resolveOptions(options: NormalizeOptions | undefined): ResolvedOptions {
  if (options === undefined) return DEFAULT_OPTIONS;
  // Read as `unknown`: a JavaScript caller can pass anything, and the types do not stop it.
  const defaultCountry: unknown = options.defaultCountry;
  const dateOrder: unknown = options.dateOrder ?? 'mdy';
  const issues: ValidationIssue[] = [];
  const country = typeof defaultCountry === 'string' ? defaultCountry.trim().toUpperCase() : '';
  const countryOk = defaultCountry === undefined || isSupportedCountry(country);
  if (!countryOk) {
    const message = 'must be an ISO-3166 alpha-2 country code known to the phone metadata';
    issues.push({ path: 'options.defaultCountry', rule: 'option_value', message });
  }

  const orderOk = dateOrder === 'mdy' || dateOrder === 'dmy';
  if (!orderOk) {
    const message = "must be 'mdy' or 'dmy'";
    issues.push({ path: 'options.dateOrder', rule: 'option_value', message });
  }

  if (!countryOk || !orderOk) throw new ValidationError(issues, 'normalize options');
  return {
    defaultCountry: defaultCountry === undefined ? undefined : (country as CountryCode),
    dateOrder,
  };
}
