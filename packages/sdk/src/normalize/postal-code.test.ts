import { describe, expect, it } from 'vitest';
import { normalizePostalCode } from './postal-code.js';

describe('normalizePostalCode', () => {
  it.each([
    ['94107', '94107'],
    [' 94107 ', '94107'],
    ['94107-1234', '94107'],
    ['94107 1234', '94107'],
    ['941071234', '94107'],
    ['02139', '02139'],
  ])('reads the US ZIP %j as %j', (raw, expected) => {
    expect(normalizePostalCode(raw)).toBe(expected);
  });

  it.each([
    ['SW1A 1AA', 'sw1a1aa'],
    ['K1A 0B6', 'k1a0b6'],
    ['75008', '75008'],
    ['100-0001', '1000001'],
    ['D02 X285', 'd02x285'],
  ])('keeps letters and digits of the postcode %j', (raw, expected) => {
    expect(normalizePostalCode(raw)).toBe(expected);
  });

  it('writes a JavaScript number in decimal', () => {
    expect(normalizePostalCode(94107)).toBe('94107');
    expect(normalizePostalCode(941071234)).toBe('94107');
  });

  it.each([
    ['negative', -94107],
    ['fractional', 941.07],
  ])('rejects a %s number as type', (_, raw) => {
    expect(() => normalizePostalCode(raw)).toThrow(
      expect.objectContaining({ field: 'zp', rule: 'type' }),
    );
  });

  it('rejects punctuation alone as empty', () => {
    expect(() => normalizePostalCode(' - ')).toThrow(expect.objectContaining({ rule: 'empty' }));
  });
});
