import { describe, expect, it } from 'vitest';
import { normalizeEmail } from './email.js';

describe('normalizeEmail', () => {
  it('trims and lowercases', () => {
    expect(normalizeEmail('  John.Doe@Example.COM \n')).toBe('john.doe@example.com');
  });

  it('keeps Gmail dots and plus tags', () => {
    expect(normalizeEmail('First.Last+Promo@Gmail.com')).toBe('first.last+promo@gmail.com');
  });

  it('keeps an internationalized domain in NFC Unicode', () => {
    expect(normalizeEmail('Anna@Bu\u0308cher.DE')).toBe('anna@b\u00fccher.de');
  });

  it('accepts a multi-label domain', () => {
    expect(normalizeEmail('a@mail.example.co.uk')).toBe('a@mail.example.co.uk');
  });

  it.each([
    ['no @', 'john.example.com'],
    ['two @', 'john@doe@example.com'],
    ['an empty local part', '@example.com'],
    ['a domain without a dot', 'john@localhost'],
    ['a domain ending in a dot', 'john@example.'],
    ['an empty domain label', 'john@example..com'],
    ['a space inside', 'john doe@example.com'],
  ])('rejects an address with %s as email_format', (_, raw) => {
    expect(() => normalizeEmail(raw)).toThrow(
      expect.objectContaining({
        code: 'CAPI_ERR_NORMALIZE_VALUE',
        field: 'em',
        rule: 'email_format',
      }),
    );
  });

  it('rejects a blank value as empty', () => {
    expect(() => normalizeEmail('   ')).toThrow(expect.objectContaining({ rule: 'empty' }));
  });

  it('names the field and rule but not the value in the message', () => {
    let message = '';

    try {
      normalizeEmail('secret.person@nowhere');
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toMatch(/^em: /);
    expect(message).not.toContain('secret.person');
  });
});
