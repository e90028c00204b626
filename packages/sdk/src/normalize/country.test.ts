import { describe, expect, it } from 'vitest';
import { normalizeCountry } from './country.js';
import { ALPHA_CODES, COUNTRY_ALIASES } from './country-codes.js';

const PAIRS = ALPHA_CODES.trim()
  .split(/\s+/)
  .map((pair) => [pair.slice(0, 2), pair.slice(3)] as const);

describe('normalizeCountry', () => {
  it.each([
    ['US', 'us'],
    ['us', 'us'],
    [' Gb ', 'gb'],
    ['U.S.', 'us'],
  ])('keeps the alpha-2 code %j as %j', (raw, expected) => {
    expect(normalizeCountry(raw)).toBe(expected);
  });

  it.each([
    ['USA', 'us'],
    ['deu', 'de'],
    ['GBR', 'gb'],
    ['U.S.A.', 'us'],
  ])('maps the alpha-3 code %j to %j', (raw, expected) => {
    expect(normalizeCountry(raw)).toBe(expected);
  });

  it.each([
    ['United States', 'us'],
    ['United States of America', 'us'],
    ['the united states', 'us'],
    ['United Kingdom', 'gb'],
    ['UK', 'gb'],
    ['Great Britain', 'gb'],
    ['England', 'gb'],
    ['Germany', 'de'],
    ['Deutschland', 'de'],
    ['The Netherlands', 'nl'],
    ['Holland', 'nl'],
    ['South Korea', 'kr'],
    ['North Korea', 'kp'],
    ["C\u00f4te d'Ivoire", 'ci'],
    ['Cote dIvoire', 'ci'],
    ['Ivory Coast', 'ci'],
    ['Bosnia and Herzegovina', 'ba'],
    ['Bosnia & Herzegovina', 'ba'],
    ['Saint Vincent and the Grenadines', 'vc'],
    ['St. Kitts & Nevis', 'kn'],
    ['Congo', 'cg'],
    ['Democratic Republic of the Congo', 'cd'],
    ['Turkey', 'tr'],
    ['T\u00fcrkiye', 'tr'],
    ['Czech Republic', 'cz'],
    ['Russia', 'ru'],
    ['Kosovo', 'xk'],
  ])('maps the name %j to %j', (raw, expected) => {
    expect(normalizeCountry(raw)).toBe(expected);
  });

  it('knows the 249 ISO codes and Kosovo, each alpha-2 and alpha-3 once', () => {
    expect(PAIRS).toHaveLength(250);
    expect(new Set(PAIRS.map(([alpha2]) => alpha2)).size).toBe(250);
    expect(new Set(PAIRS.map(([, alpha3]) => alpha3)).size).toBe(250);
  });

  it('maps every alpha-2 code, alpha-3 code and English display name back to the alpha-2', () => {
    const display = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    const wrong: string[] = [];

    for (const [alpha2, alpha3] of PAIRS) {
      const expected = alpha2.toLowerCase();
      const name = display.of(alpha2) ?? alpha2;
      for (const raw of [alpha2, alpha3, name]) {
        if (normalizeCountry(raw) !== expected) wrong.push(`${raw} -> ${normalizeCountry(raw)}`);
      }
    }

    expect(wrong).toEqual([]);
  });

  it('maps every alias to its own country', () => {
    const wrong = Object.entries(COUNTRY_ALIASES).flatMap(([code, aliases]) =>
      aliases.filter((alias) => normalizeCountry(alias) !== code.toLowerCase()),
    );

    expect(wrong).toEqual([]);
  });

  it.each(['XX', 'ZZ', 'EU', 'Atlantis', 'USAA', 'America the Beautiful'])(
    'rejects %j as country_value',
    (raw) => {
      expect(() => normalizeCountry(raw)).toThrow(
        expect.objectContaining({ field: 'country', rule: 'country_value' }),
      );
    },
  );

  it('rejects a blank value as empty', () => {
    expect(() => normalizeCountry('  ')).toThrow(expect.objectContaining({ rule: 'empty' }));
  });
});
