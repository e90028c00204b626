import { describe, expect, it } from 'vitest';
import { hashUserData, normalizeUserDataValue } from './user-data.js';
import type { RawUserData } from './user-data.js';
import type { HashedUserDataKey } from '../wire.js';

// Every vector of the facts reference, §3.2 (computed with `printf %s <value> | sha256sum`).
const VECTORS: readonly [HashedUserDataKey, string, string, string][] = [
  [
    'em',
    '  John.Doe@Example.COM ',
    'john.doe@example.com',
    '836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f',
  ],
  [
    'em',
    'test@example.com',
    'test@example.com',
    '973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b',
  ],
  [
    'ph',
    '+1 (415) 555-2671',
    '14155552671',
    '758fbf68945f21c416814c539ab578876c8d98fb69e6da692def92cd52417fe0',
  ],
  [
    'ph',
    '0044 20 7946 0958',
    '442079460958',
    '35e206e5dec4c89b9e8b71b8c32724a5bb518483ac5a20c6617d738375b3b823',
  ],
  [
    'ph',
    '+44 (0)20 7946 0958',
    '442079460958',
    '35e206e5dec4c89b9e8b71b8c32724a5bb518483ac5a20c6617d738375b3b823',
  ],
  [
    'fn',
    '\u00c9lodie',
    '\u00e9lodie',
    '36bac2631d17463d569eaf1b869e7bf8d40e4636fd8b2b778ee93f504baf6691',
  ],
  [
    'ct',
    'San Francisco',
    'sanfrancisco',
    '1a6bd4d9d79dc0a79b53795c70d3349fa9e38968a3fbefbfe8783efb1d2b6aac',
  ],
  ['st', 'CA', 'ca', '6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126'],
  ['zp', '94107-1234', '94107', 'c884a209ebe08750a7d13db63bd02233b375bd79786cbe329ab11586cc35dead'],
  ['country', 'US', 'us', '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621'],
  ['ge', 'Female', 'f', '252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111'],
  [
    'db',
    '1990-01-31',
    '19900131',
    '267b39628557f31a6766b3d7f8823978c276759be4a5c9c52bf868d802ba5a0d',
  ],
];

describe('facts §3.2 test vectors', () => {
  it.each(VECTORS)('normalizes %s %j to %j', (key, raw, normalized) => {
    expect(normalizeUserDataValue(key, raw)).toBe(normalized);
  });

  it.each(VECTORS)('hashes %s %j to the reference digest', (key, raw, _, digest) => {
    const input: RawUserData = { [key]: raw };

    expect(hashUserData(input)).toEqual({ [key]: [digest] });
  });

  it('avoids the naive-digits hash of a trunk (0) phone', () => {
    const naive = '40f19965b0d0ebba641dbd9309c3ac18542d9ad976c47f8d35347daea67ee2c2';

    const wire = hashUserData({ ph: '+44 (0)20 7946 0958' });

    expect(wire.ph).not.toContain(naive);
  });

  it('hashes the decomposed form of a name like the precomposed one', () => {
    const nfd = 'E\u0301lodie';

    const wire = hashUserData({ fn: nfd });

    expect(wire.fn).toEqual(['36bac2631d17463d569eaf1b869e7bf8d40e4636fd8b2b778ee93f504baf6691']);
    expect(wire.fn).not.toContain(
      '42d173280614e126d67745d49148c19d9682fd92407442539b4f42ea1b89c73b',
    );
  });
});
