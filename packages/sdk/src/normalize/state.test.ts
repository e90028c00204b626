import { describe, expect, it } from 'vitest';
import { normalizeState } from './state.js';

describe('normalizeState', () => {
  it.each([
    ['CA', 'ca'],
    [' ny ', 'ny'],
    ['N.Y.', 'ny'],
    ['by', 'by'],
  ])('keeps the two-letter code %j as %j', (raw, expected) => {
    expect(normalizeState(raw)).toBe(expected);
  });

  it.each([
    ['California', 'ca'],
    ['new york', 'ny'],
    ['NORTH CAROLINA', 'nc'],
    ['Rhode-Island', 'ri'],
    ['Washington', 'wa'],
    ['Washington, D.C.', 'dc'],
    ['District of Columbia', 'dc'],
    ['Puerto Rico', 'pr'],
    ['U.S. Virgin Islands', 'vi'],
    ['Guam', 'gu'],
    ['American Samoa', 'as'],
    ['Northern Mariana Islands', 'mp'],
    ["Hawai'i", 'hi'],
  ])('maps the US name %j to %j', (raw, expected) => {
    expect(normalizeState(raw)).toBe(expected);
  });

  it.each([
    ['Ontario', 'on'],
    ['Qu\u00e9bec', 'qc'],
    ['Quebec', 'qc'],
    ['British Columbia', 'bc'],
  ])('maps the Canadian name %j to %j', (raw, expected) => {
    expect(normalizeState(raw)).toBe(expected);
  });

  it.each([
    ['US-CA', 'ca'],
    ['gb-eng', 'eng'],
  ])('keeps the subdivision part of the ISO 3166-2 code %j', (raw, expected) => {
    expect(normalizeState(raw)).toBe(expected);
  });

  it.each([
    ['Bavaria', 'bavaria'],
    ['\u00cele-de-France', '\u00eeledefrance'],
    ['New South Wales', 'newsouthwales'],
    ['NSW', 'nsw'],
  ])('lowercases and compacts the other region %j', (raw, expected) => {
    expect(normalizeState(raw)).toBe(expected);
  });

  it('maps all 50 states and DC', () => {
    const names = [
      'Alabama',
      'Alaska',
      'Arizona',
      'Arkansas',
      'California',
      'Colorado',
      'Connecticut',
      'Delaware',
      'Florida',
      'Georgia',
      'Hawaii',
      'Idaho',
      'Illinois',
      'Indiana',
      'Iowa',
      'Kansas',
      'Kentucky',
      'Louisiana',
      'Maine',
      'Maryland',
      'Massachusetts',
      'Michigan',
      'Minnesota',
      'Mississippi',
      'Missouri',
      'Montana',
      'Nebraska',
      'Nevada',
      'New Hampshire',
      'New Jersey',
      'New Mexico',
      'New York',
      'North Carolina',
      'North Dakota',
      'Ohio',
      'Oklahoma',
      'Oregon',
      'Pennsylvania',
      'Rhode Island',
      'South Carolina',
      'South Dakota',
      'Tennessee',
      'Texas',
      'Utah',
      'Vermont',
      'Virginia',
      'Washington',
      'West Virginia',
      'Wisconsin',
      'Wyoming',
      'District of Columbia',
    ];

    const codes = names.map((name) => normalizeState(name));

    expect(codes.every((code) => /^[a-z]{2}$/.test(code))).toBe(true);
    expect(new Set(codes).size).toBe(51);
  });

  it('rejects punctuation alone as empty', () => {
    expect(() => normalizeState('..')).toThrow(
      expect.objectContaining({ field: 'st', rule: 'empty' }),
    );
  });
});
