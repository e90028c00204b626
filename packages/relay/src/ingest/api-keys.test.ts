import { describe, expect, it } from 'vitest';

import { createApiKeyResolver, readBearerToken } from './api-keys.js';

describe('createApiKeyResolver', () => {
  const resolve = createApiKeyResolver([
    { key: 'key-for-shop-a-7f3c9e1b', tenant: 'shop-a' },
    { key: 'key-for-shop-b-02d4a8f6', tenant: 'shop-b' },
  ]);

  it('resolves each configured key to its own tenant', () => {
    expect(resolve('key-for-shop-a-7f3c9e1b')).toBe('shop-a');
    expect(resolve('key-for-shop-b-02d4a8f6')).toBe('shop-b');
  });

  it('refuses a key nobody configured, including a prefix or an extension of a real one', () => {
    expect(resolve('key-for-shop-c-00000000')).toBeUndefined();
    expect(resolve('key-for-shop-a')).toBeUndefined();
    expect(resolve('key-for-shop-a-7f3c9e1b ')).toBeUndefined();
    expect(resolve('')).toBeUndefined();
  });

  it('compares keys case-sensitively', () => {
    expect(resolve('KEY-FOR-SHOP-A-7F3C9E1B')).toBeUndefined();
  });

  it('throws at start for an empty key, naming its position only', () => {
    const build = () => createApiKeyResolver([{ key: '', tenant: 1 }]);

    expect(build).toThrow('relay API key #1 is empty');
  });

  it('throws at start for a key listed twice, without repeating the key', () => {
    const entries = [
      { key: 'same-secret-key', tenant: 1 },
      { key: 'same-secret-key', tenant: 2 },
    ];

    expect(() => createApiKeyResolver(entries)).toThrow(
      /^relay API key #2 is listed more than once$/,
    );
  });
});

describe('readBearerToken', () => {
  it('reads the key of a Bearer header, whatever the case of the scheme', () => {
    expect(readBearerToken('Bearer abc.DEF-123')).toBe('abc.DEF-123');
    expect(readBearerToken('bearer abc')).toBe('abc');
    expect(readBearerToken('BEARER   abc  ')).toBe('abc');
  });

  it('finds no key in an absent header, another scheme, or a header without a key', () => {
    expect(readBearerToken(undefined)).toBeUndefined();
    expect(readBearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(readBearerToken('Bearer')).toBeUndefined();
    expect(readBearerToken('Bearer ')).toBeUndefined();
    expect(readBearerToken('abc')).toBeUndefined();
  });

  it('finds no key when the header holds two words after the scheme', () => {
    expect(readBearerToken('Bearer abc def')).toBeUndefined();
  });
});
