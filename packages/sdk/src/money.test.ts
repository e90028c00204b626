import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { checkDecimal, formatDecimal } from './money.js';

function issueOf(run: () => unknown): { path: string; rule: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const [first] = (error as ValidationError).issues;
    return first!;
  }

  throw new Error('expected a ValidationError');
}

describe('formatDecimal', () => {
  it.each([
    [0.1 + 0.2, '0.3'],
    [19.99, '19.99'],
    [19.999, '19.999'],
    [72.39, '72.39'],
    [10, '10'],
    [0, '0'],
    [-0, '0'],
    [1.005 * 100, '100.5'],
    [0.0000001, '0.0000001'],
    [123456789.12, '123456789.12'],
    [1e20, '100000000000000000000'],
    [123456789012345680, '123456789012346000'],
    [999999999999999868928, '1000000000000000000000'],
    [5e-324, '0'],
  ])('formats the number %s as "%s"', (value, expected) => {
    const formatted = formatDecimal(value, 'custom_data.value');

    expect(formatted).toBe(expected);
  });

  it('never writes exponent notation for tiny or huge numbers', () => {
    const values = [1e-7, 5e-10, 1.5e20, 123e18];

    const formatted = values.map((value) => formatDecimal(value, 'custom_data.value'));

    for (const text of formatted) expect(text).toMatch(/^\d+(\.\d+)?$/);
  });

  it.each(['72.39', '10', '0.5', '007.50'])('passes the decimal string "%s" through', (value) => {
    expect(formatDecimal(value, 'custom_data.value')).toBe(value);
  });

  it.each([
    [Number.NaN, 'decimal_finite'],
    [Number.POSITIVE_INFINITY, 'decimal_finite'],
    [Number.NEGATIVE_INFINITY, 'decimal_finite'],
    [-0.01, 'decimal_negative'],
    [1e21, 'decimal_too_large'],
    [5e300, 'decimal_too_large'],
  ])('rejects the number %s with rule %s and names the path', (value, rule) => {
    const found = issueOf(() => formatDecimal(value, 'data[3].custom_data.value'));

    expect(found).toMatchObject({ path: 'data[3].custom_data.value', rule });
  });

  it('explains that refunds are not conversions when a value is negative', () => {
    const found = issueOf(() => formatDecimal(-5, 'custom_data.value'));

    expect(found.message).toMatch(/refunds are not conversions/);
  });

  it.each([
    ['+72.39', /"\+"/],
    ['1,234.50', /thousands separators/],
    ["1'234.50", /thousands separators/],
    ['1 234.50', /thousands separators/],
    ['72,39', /decimal comma/],
    ['$72.39', /currency symbol/],
    ['72.39 EUR', /currency symbol/],
    ['€5', /currency symbol/],
    ['1e3', /exponent/],
    ['', /empty/],
    ['   ', /empty/],
    ['.5', /digits and at most one dot/],
    ['5.', /digits and at most one dot/],
    ['1.2.3', /digits and at most one dot/],
    [' 72.39', /digits and at most one dot/],
  ])('rejects the string "%s" with rule decimal_string', (value, message) => {
    const found = issueOf(() => formatDecimal(value, 'custom_data.value'));

    expect(found.rule).toBe('decimal_string');
    expect(found.message).toMatch(message);
  });

  it('rejects a negative decimal string with rule decimal_negative', () => {
    const found = issueOf(() => formatDecimal('-10.00', 'contents[0].item_price'));

    expect(found).toMatchObject({ path: 'contents[0].item_price', rule: 'decimal_negative' });
  });

  it('throws an error whose message names the path and the problem', () => {
    expect(() => formatDecimal('$5', 'custom_data.value')).toThrow(
      /custom_data\.value: must not contain a currency symbol/,
    );
  });
});

describe('checkDecimal', () => {
  it('returns undefined for a valid amount', () => {
    expect(checkDecimal('19.99', 'value')).toBeUndefined();
  });

  it('reports a value that is neither a number nor a string', () => {
    expect(checkDecimal(true, 'value')).toMatchObject({ path: 'value', rule: 'decimal_string' });
  });
});
