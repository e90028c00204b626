import { describe, expect, it } from 'vitest';

import { divideDecimal, minorUnitsToDecimal, stripeExponent, subtractDecimals } from './money.js';

describe('stripeExponent', () => {
  it.each([
    ['usd', 2],
    ['JPY', 0],
    ['krw', 0],
    ['kwd', 3],
    ['BHD', 3],
    ['isk', 2],
    ['huf', 2],
  ])('gives %s %i decimal places', (currency, exponent) => {
    expect(stripeExponent(currency)).toBe(exponent);
  });
});

describe('minorUnitsToDecimal', () => {
  it.each([
    [1999, 2, '19.99'],
    [5, 2, '0.05'],
    [0, 2, '0.00'],
    [500, 0, '500'],
    [12345, 3, '12.345'],
    [7, 3, '0.007'],
  ])('turns %i with exponent %i into %s', (amount, exponent, decimal) => {
    expect(minorUnitsToDecimal(amount, exponent)).toBe(decimal);
  });

  it.each([[12.5], ['1999'], [null], [Number.MAX_SAFE_INTEGER + 2]])(
    'reads nothing from %s, which is not a safe integer',
    (amount) => {
      expect(minorUnitsToDecimal(amount, 2)).toBeUndefined();
    },
  );
});

describe('subtractDecimals', () => {
  it('subtracts exactly where floating point would not', () => {
    expect(19.99 - 5.33).not.toBe(14.66);

    expect(subtractDecimals('19.99', '5.33')).toBe('14.66');
  });

  it('keeps the largest scale and counts an empty amount as zero', () => {
    expect(subtractDecimals('89.37', '14.27', '4.90')).toBe('70.20');
    expect(subtractDecimals('10', '', null, '0.005')).toBe('9.995');
  });

  it('reads numbers as well as strings', () => {
    expect(subtractDecimals(44.1, 4.1)).toBe('40.0');
  });

  it('gives a negative result as such, for the SDK to refuse', () => {
    expect(subtractDecimals('1.00', '2.50')).toBe('-1.50');
  });

  it('reads nothing when the minuend is not a plain decimal', () => {
    expect(subtractDecimals('1,000.00', '1')).toBeUndefined();
    expect(subtractDecimals(undefined)).toBeUndefined();
  });
});

describe('divideDecimal', () => {
  it.each([
    ['29.00', 2, '14.50'],
    ['10.00', 3, '3.33'],
    ['20.00', 3, '6.67'],
    ['5', 2, '2.50'],
    ['1.005', 1, '1.005'],
  ])('divides %s by %i into %s, rounding half up', (total, divisor, result) => {
    expect(divideDecimal(total, divisor)).toBe(result);
  });

  it('reads nothing for a quantity below one', () => {
    expect(divideDecimal('10.00', 0)).toBeUndefined();
  });
});
