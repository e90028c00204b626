import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSha256Hex, sha256Hex } from './hash.js';

const NFC_ELODIE = '\u00e9lodie';
const NFD_ELODIE = 'e\u0301lodie';

describe('sha256Hex', () => {
  it('hashes the UTF-8 bytes as 64 lowercase hex characters', () => {
    const digest = sha256Hex('test@example.com');

    expect(digest).toBe('973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b');
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes the empty string to the well-known empty digest', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('gives precomposed and decomposed text the NFC hash', () => {
    const nfc = '36bac2631d17463d569eaf1b869e7bf8d40e4636fd8b2b778ee93f504baf6691';

    expect(sha256Hex(NFC_ELODIE)).toBe(nfc);
    expect(sha256Hex(NFD_ELODIE)).toBe(nfc);
  });

  it('differs from a plain hash of the decomposed bytes', () => {
    const plain = createHash('sha256').update(NFD_ELODIE, 'utf8').digest('hex');

    expect(plain).toBe('42d173280614e126d67745d49148c19d9682fd92407442539b4f42ea1b89c73b');
    expect(sha256Hex(NFD_ELODIE)).not.toBe(plain);
  });

  it('encodes characters outside the BMP as UTF-8', () => {
    const text = 'ok \u{1F600}';
    const expected = createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');

    expect(sha256Hex(text)).toBe(expected);
  });
});

describe('isSha256Hex', () => {
  const lower = '973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b';

  it.each([
    ['lowercase', lower],
    ['uppercase', lower.toUpperCase()],
    ['mixed case', `${lower.slice(0, 32).toUpperCase()}${lower.slice(32)}`],
  ])('accepts a %s digest', (_, value) => {
    expect(isSha256Hex(value)).toBe(true);
  });

  it.each([
    ['63 characters', lower.slice(1)],
    ['65 characters', `${lower}0`],
    ['a non-hex letter', `g${lower.slice(1)}`],
    ['surrounding spaces', ` ${lower} `],
    ['an email', 'test@example.com'],
    ['an empty string', ''],
  ])('rejects %s', (_, value) => {
    expect(isSha256Hex(value)).toBe(false);
  });
});
