/**
 * @module normalize/date-of-birth
 * The `db` rule: common date forms to `YYYYMMDD`.
 */

import { valueError } from './rule-helpers.js';

interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** Date options, validated (see `NormalizeOptions.dateOrder`). */
export interface DateOptions {
  dateOrder?: 'mdy' | 'dmy' | undefined;
}

const YEAR_FIRST = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/;
const YEAR_FIRST_COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
// Read on lowercased text, so `t` and `z` stand for `T` and `Z` as well.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}(?::?\d{2})?)?$/;
const DAY_FIRST_DOTS = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;
const YEAR_LAST = /^(\d{1,2})([-/])(\d{1,2})\2(\d{4})$/;

// Nobody alive was born earlier; older years are placeholders such as 0001-01-01.
const MIN_YEAR = 1900;
const DAY_MS = 86_400_000;
// The calendar date is one day ahead in the easternmost time zone (UTC+14) for part of each day.
const EARTH_LEAD_MS = 14 * 3_600_000;
const DATE_FORMS = 'must be a date like 1990-01-31, 19900131, 31.01.1990 or 01/31/1990';

/**
 * Normalizes a date of birth for `db` to `YYYYMMDD`, e.g. `19900131`.
 *
 * Accepted strings: `1990-01-31`, `1990/01/31`, `1990.01.31`, `19900131`; an ISO date-time such
 * as `1990-01-31T00:00:00Z`, whose date is taken as written (a birthday is a calendar date, so
 * the time and offset are ignored); `31.01.1990` (dots: always day first); and `01/31/1990` or
 * `01-31-1990` with the year last. For the last form, a first part above 12 must be the day and a
 * second part above 12 must be the day; when both are 12 or less, `dateOrder` decides: `'mdy'`
 * (US, the default) or `'dmy'`. Two-digit years are rejected: their century would be a guess.
 *
 * A `Date` is read in UTC, unless it sits at local midnight and not UTC midnight, which is what
 * `new Date(1990, 0, 31)` builds in a time zone other than UTC; `new Date('1990-01-31')` is UTC
 * midnight. The date must exist (no 31 April), not be before 1900, and not be later than today
 * anywhere on Earth.
 *
 * @throws {NormalizationError} rule `date_format` for an unrecognised form, `date_invalid` for a
 *   date that does not exist or is out of range, or `empty`.
 * @example
 * normalizeDateOfBirth('31.01.1990'); // '19900131'
 * normalizeDateOfBirth('02/01/1990', { dateOrder: 'dmy' }); // '19900102'
 */
export function normalizeDateOfBirth(raw: string | Date, options: DateOptions = {}): string {
  const date = typeof raw === 'string' ? parseDateText(raw, options) : fromDateObject(raw);
  checkDate(date);
  const month = date.month < 10 ? `0${date.month}` : `${date.month}`;
  const day = date.day < 10 ? `0${date.day}` : `${date.day}`;
  return `${date.year}${month}${day}`;
}

function parseDateText(raw: string, options: DateOptions): CalendarDate {
  const text = raw.trim().toLowerCase();
  if (text === '') throw valueError('db', 'empty', 'is empty');
  let match = YEAR_FIRST.exec(text);
  if (match) return { year: Number(match[1]), month: Number(match[3]), day: Number(match[4]) };
  match = YEAR_FIRST_COMPACT.exec(text) ?? ISO_DATE_TIME.exec(text);
  if (match) return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  match = DAY_FIRST_DOTS.exec(text);
  if (match) return { year: Number(match[3]), month: Number(match[2]), day: Number(match[1]) };
  match = YEAR_LAST.exec(text);
  if (!match) throw valueError('db', 'date_format', DATE_FORMS);
  const first = Number(match[1]);
  const second = Number(match[3]);
  const dayFirst = first > 12 || (second <= 12 && options.dateOrder === 'dmy');
  return dayFirst
    ? { year: Number(match[4]), month: second, day: first }
    : { year: Number(match[4]), month: first, day: second };
}

function fromDateObject(date: Date): CalendarDate {
  const time = date.getTime();
  if (Number.isNaN(time)) throw valueError('db', 'date_invalid', 'is an invalid Date');
  const localMidnight =
    date.getHours() === 0 &&
    date.getMinutes() === 0 &&
    date.getSeconds() === 0 &&
    date.getMilliseconds() === 0;
  if (localMidnight && time % DAY_MS !== 0) {
    return { year: date.getFullYear(), month: date.getMonth() + 1, day: date.getDate() };
  }

  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

function checkDate({ year, month, day }: CalendarDate): void {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw valueError('db', 'date_invalid', 'is not a real calendar date');
  }

  if (year < MIN_YEAR) throw valueError('db', 'date_invalid', `is before ${MIN_YEAR}`);
  const latest = new Date(Date.now() + EARTH_LEAD_MS);
  const latestKey =
    latest.getUTCFullYear() * 10_000 + (latest.getUTCMonth() + 1) * 100 + latest.getUTCDate();
  if (year * 10_000 + month * 100 + day > latestKey) {
    throw valueError('db', 'date_invalid', 'is in the future');
  }
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
