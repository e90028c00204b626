import { describe, expect, it } from 'vitest';
import { normalizeFirstName, normalizeLastName } from './name.js';

describe('normalizeFirstName', () => {
  it('trims, lowercases and keeps accents', () => {
    expect(normalizeFirstName('  \u00c9lodie ')).toBe('\u00e9lodie');
  });

  it('composes decomposed accents', () => {
    expect(normalizeFirstName('E\u0301lodie')).toBe('\u00e9lodie');
  });

  it('collapses inner whitespace to one space', () => {
    expect(normalizeFirstName('Mary \t  Ann')).toBe('mary ann');
  });

  it('keeps hyphens and apostrophes', () => {
    expect(normalizeFirstName("Jean-Luc D'Arcy")).toBe("jean-luc d'arcy");
  });

  it('reports a blank name as empty on fn', () => {
    expect(() => normalizeFirstName('  ')).toThrow(
      expect.objectContaining({ field: 'fn', rule: 'empty' }),
    );
  });
});

describe('normalizeLastName', () => {
  it('applies the first-name rule', () => {
    expect(normalizeLastName("  O'Brien   Smith ")).toBe("o'brien smith");
  });

  it('lowercases non-Latin scripts that have case', () => {
    expect(normalizeLastName('\u041f\u0435\u0442\u0440\u043e\u0432')).toBe(
      '\u043f\u0435\u0442\u0440\u043e\u0432',
    );
  });

  it('reports a blank name as empty on ln', () => {
    expect(() => normalizeLastName('')).toThrow(
      expect.objectContaining({ field: 'ln', rule: 'empty' }),
    );
  });
});
