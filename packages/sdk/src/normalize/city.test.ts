import { describe, expect, it } from 'vitest';
import { normalizeCity } from './city.js';

describe('normalizeCity', () => {
  it.each([
    ['San Francisco', 'sanfrancisco'],
    ['  NEW YORK ', 'newyork'],
    ['Saint-\u00c9tienne', 'saint\u00e9tienne'],
    ['Saint-E\u0301tienne', 'saint\u00e9tienne'],
    ["Coeur d'Alene", 'coeurdalene'],
    ['St. Louis', 'stlouis'],
    ['Winston\u2013Salem', 'winstonsalem'],
    ['29 Palms', '29palms'],
    ['M\u00fcnchen', 'm\u00fcnchen'],
    ['\u6771\u4eac', '\u6771\u4eac'],
  ])('normalizes %j to %j', (raw, expected) => {
    expect(normalizeCity(raw)).toBe(expected);
  });

  it('rejects punctuation alone as empty', () => {
    expect(() => normalizeCity(' - . ')).toThrow(
      expect.objectContaining({ field: 'ct', rule: 'empty' }),
    );
  });
});
