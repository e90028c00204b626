import { describe, expect, it } from 'vitest';
import { NormalizationError } from '../errors.js';
import { normalizePhone } from './phone.js';

function phoneError(run: () => unknown): NormalizationError {
  try {
    run();
  } catch (error) {
    if (error instanceof NormalizationError) return error;
    throw error;
  }

  throw new Error('expected a NormalizationError');
}

describe('normalizePhone', () => {
  it.each([
    ['+1 (415) 555-2671', '14155552671'],
    ['+14155552671', '14155552671'],
    ['+44 20 7946 0958', '442079460958'],
    ['+44 (0)20 7946 0958', '442079460958'],
    ['+4402079460958', '442079460958'],
    ['0044 20 7946 0958', '442079460958'],
    ['0044 (0)20 7946 0958', '442079460958'],
    ['(0033) 6 12 34 56 78', '33612345678'],
    ['+49 (0) 30 12345678', '493012345678'],
    ['tel:+1-415-555-2671', '14155552671'],
    ['+1 415 555 2671 ext. 12', '14155552671'],
  ])('reads the international number %j without a default country', (raw, expected) => {
    expect(normalizePhone(raw)).toBe(expected);
  });

  it.each([
    ['(415) 555-2671', 'US', '14155552671'],
    ['1-415-555-2671', 'US', '14155552671'],
    ['020 7946 0958', 'GB', '442079460958'],
    ['07911 123456', 'GB', '447911123456'],
    ['011 44 20 7946 0958', 'US', '442079460958'],
    ['0011 44 20 7946 0958', 'AU', '442079460958'],
    ['+33 6 12 34 56 78', 'US', '33612345678'],
  ] as const)('reads %j in the default country %s', (raw, defaultCountry, expected) => {
    expect(normalizePhone(raw, { defaultCountry })).toBe(expected);
  });

  it('reads a JavaScript number like its digits in the default country', () => {
    expect(normalizePhone(4155552671, { defaultCountry: 'US' })).toBe('14155552671');
    expect(normalizePhone(14155552671, { defaultCountry: 'US' })).toBe('14155552671');
  });

  it('refuses a national number without a default country instead of guessing', () => {
    const error = phoneError(() => normalizePhone('(415) 555-2671'));

    expect(error.code).toBe('CAPI_ERR_NORMALIZE_PHONE');
    expect(error.rule).toBe('phone_country');
    expect(error.field).toBe('ph');
  });

  it('refuses a JavaScript number without a default country', () => {
    const error = phoneError(() => normalizePhone(14155552671));

    expect(error.rule).toBe('phone_country');
  });

  it.each([
    ['a digit short', '+1 415 555 267'],
    ['an unallocated range', '+1 555 555 5555'],
    ['an unknown country code', '+999 1234 5678'],
    ['letters only', '+ call me'],
    ['two numbers', '+1 415 555 2671 / +1 415 555 2672'],
  ])('rejects %s as phone_invalid', (_, raw) => {
    const error = phoneError(() => normalizePhone(raw));

    expect(error.code).toBe('CAPI_ERR_NORMALIZE_VALUE');
    expect(error.rule).toBe('phone_invalid');
  });

  it('rejects an invalid national number in the default country', () => {
    const error = phoneError(() => normalizePhone('555 0100', { defaultCountry: 'US' }));

    expect(error.rule).toBe('phone_invalid');
  });

  it('rejects a 00 number that no reading makes valid', () => {
    const error = phoneError(() => normalizePhone('00 12', { defaultCountry: 'DE' }));

    expect(error.rule).toBe('phone_invalid');
  });

  it.each([
    ['negative', -4155552671],
    ['fractional', 4155552671.5],
    ['not finite', Number.NaN],
  ])('rejects a %s JavaScript number', (_, raw) => {
    expect(phoneError(() => normalizePhone(raw, { defaultCountry: 'US' })).rule).toBe(
      'phone_invalid',
    );
  });

  it('rejects a blank string as empty', () => {
    expect(phoneError(() => normalizePhone(' \t ')).rule).toBe('empty');
  });

  it('keeps the digits out of the error message', () => {
    const error = phoneError(() => normalizePhone('415 555 2671'));

    expect(error.message).not.toMatch(/415|555|2671/);
  });
});
