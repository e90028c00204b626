/**
 * @module money
 * Decimal strings for `value`, `contents[].item_price` and `predicted_ltv`, which Pinterest takes
 * as JSON strings and parses into doubles.
 */

import { ValidationError } from './errors.js';
import type { ValidationIssue } from './errors.js';

/**
 * `toString()` switches to exponent notation from 1e21 on, and Pinterest's decimal fields take
 * plain digits only; nothing priced that high is a real conversion anyway.
 */
const MAX_DECIMAL = 1e21;

/**
 * A double holds 15 significant decimal digits exactly; digits past that are float noise from
 * arithmetic (0.1 + 0.2 = 0.30000000000000004), never information the caller meant to send.
 */
const SIGNIFICANT_DIGITS = 15;

/** Digits, optionally a dot and more digits: `"72.39"`, `"10"`, `"0.5"`. */
const PLAIN_DECIMAL = /^\d+(?:\.\d+)?$/;

/**
 * Returns the issue a decimal field breaks, or `undefined` when it is a plain, non-negative decimal
 * (a finite number below 1e21, or a string such as `"72.39"`). Rules: `decimal_string`,
 * `decimal_finite`, `decimal_negative`, `decimal_too_large`.
 */
export function checkDecimal(value: unknown, path: string): ValidationIssue | undefined {
  if (typeof value === 'number') return checkDecimalNumber(value, path);
  if (typeof value !== 'string') {
    return issue(path, 'decimal_string', 'must be a decimal string such as "19.99"');
  }

  if (PLAIN_DECIMAL.test(value)) return undefined;
  const { rule, message } = describeBadDecimalString(value);
  return issue(path, rule, message);
}

/**
 * Formats a money amount as the decimal string Pinterest expects: numbers lose their float noise
 * (`0.1 + 0.2` gives `"0.3"`, `19.99` gives `"19.99"`) and never use exponent notation; strings
 * are checked and passed through unchanged.
 *
 * Negative amounts are rejected: refunds and chargebacks are not conversions, and Pinterest has no
 * event for them, so a negative value would only lower the reported revenue of a real purchase.
 *
 * @param value - A finite non-negative number below 1e21, or a plain decimal string (`"72.39"`,
 *   `"10"`). A leading `+`, thousands separators, decimal commas, currency symbols, spaces and
 *   exponents are rejected.
 * @param path - Where the value sits (e.g. `event.custom_data.value`); issues name it.
 * @throws {ValidationError} With one issue, rule `decimal_string`, `decimal_finite`,
 *   `decimal_negative` or `decimal_too_large`.
 * @example
 * formatDecimal(0.1 + 0.2, 'custom_data.value'); // "0.3"
 * formatDecimal('72.39', 'custom_data.value'); // "72.39"
 */
export function formatDecimal(value: number | string, path: string): string {
  const broken = checkDecimal(value, path);
  if (broken) throw new ValidationError([broken], 'amount');
  if (typeof value === 'string') return value;
  return formatNumber(value);
}

function checkDecimalNumber(value: number, path: string): ValidationIssue | undefined {
  if (!Number.isFinite(value)) {
    return issue(path, 'decimal_finite', 'must be a finite number (got NaN or Infinity)');
  }

  if (value < 0) {
    return issue(
      path,
      'decimal_negative',
      'must not be negative: refunds are not conversions, send only the purchase',
    );
  }

  if (value >= MAX_DECIMAL) {
    return issue(path, 'decimal_too_large', 'must be below 1e21 (larger numbers need exponents)');
  }

  return undefined;
}

function formatNumber(value: number): string {
  const rounded = Number(value.toPrecision(SIGNIFICANT_DIGITS));
  const shortest = rounded.toString();
  if (!shortest.includes('e')) return shortest;
  // Rounding can carry a value just under 1e21 up to it; it is an integer there.
  if (rounded >= 1) return BigInt(rounded).toString();
  // Below 1e-6 `toString` switches to exponents; fixed notation with the same digits does not.
  const integerDigits = Math.floor(Math.log10(rounded)) + 1;
  const fixed = rounded.toFixed(Math.min(100, SIGNIFICANT_DIGITS - integerDigits));
  return fixed.replace(/\.?0+$/, '');
}

function describeBadDecimalString(value: string): { rule: string; message: string } {
  const rule = 'decimal_string';
  const example = 'a plain decimal such as "1234.50"';
  if (value.trim() === '') return { rule, message: `must not be empty; use ${example}` };

  if (value.startsWith('-') && PLAIN_DECIMAL.test(value.slice(1))) {
    return {
      rule: 'decimal_negative',
      message: 'must not be negative: refunds are not conversions, send only the purchase',
    };
  }

  if (value.startsWith('+')) return { rule, message: `must not start with "+"; use ${example}` };
  if (/^\d+(?:\.\d+)?e[+-]?\d+$/i.test(value)) {
    return { rule, message: `must not use exponent notation; use ${example}` };
  }

  if (/[^\d.,\s']/.test(value)) {
    return { rule, message: `must not contain a currency symbol or letters; use ${example}` };
  }

  if (value.includes(',') || /\d['\s]\d/.test(value)) {
    return {
      rule,
      message: `must not contain thousands separators or a decimal comma; use ${example}`,
    };
  }

  return { rule, message: `must be ${example}: digits and at most one dot, no spaces` };
}

function issue(path: string, rule: string, message: string): ValidationIssue {
  return { path, rule, message };
}
