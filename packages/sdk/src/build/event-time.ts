/**
 * @module build/event-time
 * Reads the `event_time` forms callers have (seconds, `Date`, ISO 8601, digits from a CSV cell) as
 * Unix seconds. Milliseconds are passed on unchanged so the validator reports them: guessing the
 * unit would hide the bug that produced them.
 */

import type { ValidationIssue } from '../errors.js';
import { issue } from '../validate/checks.js';

/** A date-time with an explicit UTC offset; without one, JavaScript reads it in local time. */
const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * Returns Unix seconds for `value`, or the issue that prevents it. `undefined` means now. Numbers
 * and digit strings are taken as seconds as they are; a `Date` or ISO 8601 string is floored to
 * whole seconds.
 */
export function toEventSeconds(
  value: unknown,
  nowMs: number,
  path: string,
): number | ValidationIssue {
  if (value === undefined) return Math.floor(nowMs / 1000);
  if (typeof value === 'number') return value;
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? issue(path, 'date', 'is an invalid Date') : Math.floor(ms / 1000);
  }

  if (typeof value !== 'string') {
    return issue(path, 'type', 'must be Unix seconds, a Date, or an ISO 8601 string');
  }

  if (/^\d+$/.test(value)) return Number(value);
  const ms = ISO_DATE_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    const message = 'must be an ISO 8601 date-time with a UTC offset, e.g. "2026-01-01T12:00:00Z"';
    return issue(path, 'iso_8601', message);
  }

  return Math.floor(ms / 1000);
}
