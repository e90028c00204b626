import { describe, expect, it } from 'vitest';
import { normalizeExternalId } from './external-id.js';

describe('normalizeExternalId', () => {
  it('trims and keeps case', () => {
    expect(normalizeExternalId('  User-8812AbC \n')).toBe('User-8812AbC');
  });

  it('keeps inner spaces and punctuation', () => {
    expect(normalizeExternalId('loyalty #12 34')).toBe('loyalty #12 34');
  });

  it('rejects a blank id as empty', () => {
    expect(() => normalizeExternalId('   ')).toThrow(
      expect.objectContaining({ field: 'external_id', rule: 'empty' }),
    );
  });
});
