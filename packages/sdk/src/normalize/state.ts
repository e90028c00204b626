/**
 * @module normalize/state
 * The `st` rule: two-letter codes, with US and Canadian names mapped to their postal codes.
 */

import { cleanText, keepLettersAndDigits, placeKey, valueError } from './rule-helpers.js';

// USPS codes: 50 states, DC, the inhabited territories, the freely associated states that use
// US addresses, and the military "states". Canadian provinces and territories follow; none of
// their codes collide with a US code.
const REGION_NAMES: readonly (readonly [code: string, ...names: string[]])[] = [
  ['al', 'Alabama'],
  ['ak', 'Alaska'],
  ['az', 'Arizona'],
  ['ar', 'Arkansas'],
  ['ca', 'California'],
  ['co', 'Colorado'],
  ['ct', 'Connecticut'],
  ['de', 'Delaware'],
  ['fl', 'Florida'],
  ['ga', 'Georgia'],
  ['hi', 'Hawaii', "Hawai'i"],
  ['id', 'Idaho'],
  ['il', 'Illinois'],
  ['in', 'Indiana'],
  ['ia', 'Iowa'],
  ['ks', 'Kansas'],
  ['ky', 'Kentucky'],
  ['la', 'Louisiana'],
  ['me', 'Maine'],
  ['md', 'Maryland'],
  ['ma', 'Massachusetts'],
  ['mi', 'Michigan'],
  ['mn', 'Minnesota'],
  ['ms', 'Mississippi'],
  ['mo', 'Missouri'],
  ['mt', 'Montana'],
  ['ne', 'Nebraska'],
  ['nv', 'Nevada'],
  ['nh', 'New Hampshire'],
  ['nj', 'New Jersey'],
  ['nm', 'New Mexico'],
  ['ny', 'New York'],
  ['nc', 'North Carolina'],
  ['nd', 'North Dakota'],
  ['oh', 'Ohio'],
  ['ok', 'Oklahoma'],
  ['or', 'Oregon'],
  ['pa', 'Pennsylvania'],
  ['ri', 'Rhode Island'],
  ['sc', 'South Carolina'],
  ['sd', 'South Dakota'],
  ['tn', 'Tennessee'],
  ['tx', 'Texas'],
  ['ut', 'Utah'],
  ['vt', 'Vermont'],
  ['va', 'Virginia'],
  ['wa', 'Washington', 'Washington State'],
  ['wv', 'West Virginia'],
  ['wi', 'Wisconsin'],
  ['wy', 'Wyoming'],
  ['dc', 'District of Columbia', 'Washington DC', 'Washington D.C.'],
  ['as', 'American Samoa'],
  ['gu', 'Guam'],
  ['mp', 'Northern Mariana Islands', 'Northern Marianas'],
  ['pr', 'Puerto Rico'],
  ['vi', 'U.S. Virgin Islands', 'US Virgin Islands', 'United States Virgin Islands'],
  ['um', 'United States Minor Outlying Islands', 'U.S. Minor Outlying Islands'],
  ['fm', 'Federated States of Micronesia', 'Micronesia'],
  ['mh', 'Marshall Islands'],
  ['pw', 'Palau'],
  ['aa', 'Armed Forces Americas'],
  ['ae', 'Armed Forces Europe'],
  ['ap', 'Armed Forces Pacific'],
  ['ab', 'Alberta'],
  ['bc', 'British Columbia'],
  ['mb', 'Manitoba'],
  ['nb', 'New Brunswick'],
  ['nl', 'Newfoundland and Labrador', 'Newfoundland'],
  ['ns', 'Nova Scotia'],
  ['nt', 'Northwest Territories'],
  ['nu', 'Nunavut'],
  ['on', 'Ontario'],
  ['pe', 'Prince Edward Island'],
  ['qc', 'Quebec', 'Québec'],
  ['sk', 'Saskatchewan'],
  ['yt', 'Yukon', 'Yukon Territory'],
];

const CODE_BY_NAME: ReadonlyMap<string, string> = new Map(
  REGION_NAMES.flatMap(([code, ...names]) => names.map((name) => [placeKey(name), code])),
);

// ISO 3166-2 subdivision codes such as `US-CA` or `GB-ENG`: the part after the hyphen is the code.
const ISO_SUBDIVISION = /^[a-z]{2}-([a-z0-9]{1,3})$/;

/**
 * Normalizes a state or region for `st` to a lowercase code.
 *
 * Two-letter input is kept (`CA` gives `ca`, `N.Y.` gives `ny`). Full names of US states, DC,
 * US territories and Canadian provinces map to their postal code, ignoring case, accents and
 * punctuation (`California` gives `ca`, `new york` gives `ny`, `Québec` gives `qc`). An ISO
 * 3166-2 code keeps its subdivision part (`US-CA` gives `ca`). Any other region (outside the US
 * and Canada) is lowercased with spaces and punctuation removed (`Bavaria` gives `bavaria`):
 * Pinterest asks for a two-letter code but names none for other countries, and a stable spelling
 * still matches itself.
 *
 * @throws {NormalizationError} rule `empty` when no letter or digit is left.
 * @example
 * normalizeState('New York'); // 'ny'
 */
export function normalizeState(raw: string): string {
  const text = cleanText('st', raw);
  const subdivision = ISO_SUBDIVISION.exec(text);
  if (subdivision?.[1] !== undefined) return subdivision[1];
  const compact = keepLettersAndDigits(text);
  if (compact === '') throw valueError('st', 'empty', 'has no letters or digits');
  if (compact.length === 2) return compact;
  return CODE_BY_NAME.get(placeKey(text)) ?? compact;
}
