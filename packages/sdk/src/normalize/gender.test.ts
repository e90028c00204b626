import { describe, expect, it } from 'vitest';
import { normalizeGender } from './gender.js';

describe('normalizeGender', () => {
  it.each(['f', 'F', 'Female', ' FEMALE ', 'woman', 'W', 'girl'])('reads %j as f', (raw) => {
    expect(normalizeGender(raw)).toBe('f');
  });

  it.each(['m', 'M', 'Male', 'man', 'boy'])('reads %j as m', (raw) => {
    expect(normalizeGender(raw)).toBe('m');
  });

  it.each([
    'n',
    'Non-Binary',
    'nonbinary',
    'non binary',
    'non_binary',
    'NB',
    'enby',
    'X',
    'Other',
    'genderqueer',
    'agender',
  ])('reads %j as n', (raw) => {
    expect(normalizeGender(raw)).toBe('n');
  });

  it.each(['unknown', 'prefer not to say', 'u', 'fm', 'femal'])(
    'rejects %j as gender_value',
    (raw) => {
      expect(() => normalizeGender(raw)).toThrow(
        expect.objectContaining({ field: 'ge', rule: 'gender_value' }),
      );
    },
  );

  it('rejects a blank value as empty', () => {
    expect(() => normalizeGender(' ')).toThrow(expect.objectContaining({ rule: 'empty' }));
  });
});
