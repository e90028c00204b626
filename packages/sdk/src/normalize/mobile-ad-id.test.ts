import { describe, expect, it } from 'vitest';
import { normalizeMobileAdId } from './mobile-ad-id.js';

describe('normalizeMobileAdId', () => {
  it('lowercases an IDFA and keeps its hyphens', () => {
    expect(normalizeMobileAdId(' 6D92078A-8246-4BA4-AE5B-76104861E7DC ')).toBe(
      '6d92078a-8246-4ba4-ae5b-76104861e7dc',
    );
  });

  it('leaves a lowercase GAID as it is', () => {
    const gaid = '38400000-8cf0-11bd-b23e-10b96e40000d';

    expect(normalizeMobileAdId(gaid)).toBe(gaid);
  });

  it('rejects a blank id as empty', () => {
    expect(() => normalizeMobileAdId('')).toThrow(
      expect.objectContaining({ field: 'hashed_maids', rule: 'empty' }),
    );
  });
});
