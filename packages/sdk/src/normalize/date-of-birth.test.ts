import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { normalizeDateOfBirth } from './date-of-birth.js';

describe('normalizeDateOfBirth', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-06-15T12:00:00Z'));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    ['1990-01-31', '19900131'],
    ['1990/01/31', '19900131'],
    ['1990.01.31', '19900131'],
    ['1990-1-5', '19900105'],
    ['19900131', '19900131'],
    [' 1990-01-31 ', '19900131'],
    ['31.01.1990', '19900131'],
    ['5.1.1990', '19900105'],
    ['1990-01-31T00:00:00Z', '19900131'],
    ['1990-01-31t23:30:00.000-05:00', '19900131'],
    ['1990-01-31 08:15', '19900131'],
    ['1990-01-31T00:00:00+0100', '19900131'],
  ])('reads %j as %j', (raw, expected) => {
    expect(normalizeDateOfBirth(raw)).toBe(expected);
  });

  it.each([
    ['01/31/1990', '19900131'],
    ['1/5/1990', '19900105'],
    ['02/01/1990', '19900201'],
    ['02-01-1990', '19900201'],
  ])('reads the slash date %j month first by default', (raw, expected) => {
    expect(normalizeDateOfBirth(raw)).toBe(expected);
  });

  it.each([
    ['02/01/1990', '19900102'],
    ['02-01-1990', '19900102'],
    ['1/5/1990', '19900501'],
  ])('reads the slash date %j day first with dateOrder dmy', (raw, expected) => {
    expect(normalizeDateOfBirth(raw, { dateOrder: 'dmy' })).toBe(expected);
  });

  it('reads a first part above 12 as the day whatever the order', () => {
    expect(normalizeDateOfBirth('31/01/1990')).toBe('19900131');
    expect(normalizeDateOfBirth('31/01/1990', { dateOrder: 'mdy' })).toBe('19900131');
  });

  it('reads a second part above 12 as the day whatever the order', () => {
    expect(normalizeDateOfBirth('01/31/1990', { dateOrder: 'dmy' })).toBe('19900131');
  });

  it('keeps dotted dates day first even with dateOrder mdy', () => {
    expect(normalizeDateOfBirth('02.01.1990', { dateOrder: 'mdy' })).toBe('19900102');
  });

  it('reads a Date at UTC midnight in UTC', () => {
    expect(normalizeDateOfBirth(new Date('1990-01-31'))).toBe('19900131');
    expect(normalizeDateOfBirth(new Date('1960-07-04T00:00:00Z'))).toBe('19600704');
  });

  it('reads a Date with a time of day in UTC', () => {
    expect(normalizeDateOfBirth(new Date('1990-01-31T23:59:00Z'))).toBe('19900131');
  });

  describe('in a time zone west of UTC', () => {
    const savedZone = process.env['TZ'];

    beforeEach(() => {
      process.env['TZ'] = 'America/New_York';
    });

    afterEach(() => {
      if (savedZone === undefined) delete process.env['TZ'];
      else process.env['TZ'] = savedZone;
    });

    it('reads a Date built from local parts in local time', () => {
      const local = new Date(1990, 0, 31);

      expect(local.getUTCHours()).toBe(5);
      expect(normalizeDateOfBirth(local)).toBe('19900131');
    });

    it('reads a Date parsed from an ISO date in UTC', () => {
      expect(normalizeDateOfBirth(new Date('1990-01-31'))).toBe('19900131');
    });
  });

  it.each([
    ['a two-digit year', '01/31/90'],
    ['month names', 'January 31, 1990'],
    ['a bare year', '1990'],
    ['seven digits', '1990131'],
    ['mixed separators', '1990-01/31'],
    ['a time without a date', '12:00'],
    ['words', 'unknown'],
  ])('rejects %s as date_format', (_, raw) => {
    expect(() => normalizeDateOfBirth(raw)).toThrow(
      expect.objectContaining({ field: 'db', rule: 'date_format' }),
    );
  });

  it.each([
    ['31 April', '1990-04-31'],
    ['29 February in a common year', '1990-02-29'],
    ['29 February 1900', '1900-02-29'],
    ['month 13', '1990-13-01'],
    ['day 0', '1990-01-00'],
    ['month 13 with the day first', '01.13.1990'],
    ['a year before 1900', '1899-12-31'],
    ['a placeholder year', '0001-01-01'],
    ['tomorrow everywhere on Earth', '2026-06-17'],
  ])('rejects %s as date_invalid', (_, raw) => {
    expect(() => normalizeDateOfBirth(raw)).toThrow(
      expect.objectContaining({ field: 'db', rule: 'date_invalid' }),
    );
  });

  it('accepts 29 February in a leap year', () => {
    expect(normalizeDateOfBirth('2000-02-29')).toBe('20000229');
    expect(normalizeDateOfBirth('1996-02-29')).toBe('19960229');
  });

  it('accepts today in the easternmost time zone', () => {
    expect(normalizeDateOfBirth('2026-06-16')).toBe('20260616');
  });

  it('rejects an invalid Date object as date_invalid', () => {
    expect(() => normalizeDateOfBirth(new Date('not a date'))).toThrow(
      expect.objectContaining({ rule: 'date_invalid' }),
    );
  });

  it('rejects a blank value as empty', () => {
    expect(() => normalizeDateOfBirth('  ')).toThrow(expect.objectContaining({ rule: 'empty' }));
  });
});
