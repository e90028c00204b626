/**
 * @module validate/event-time
 * `event_time` is Unix seconds. Milliseconds are the usual mistake (`Date.now()`): they land about
 * 50,000 years ahead, so they get their own rule rather than a generic "in the future".
 */

import type { ValidationIssue } from '../errors.js';
import { issue } from './checks.js';

/** Seconds above this are milliseconds: 1e11 s is the year 5138, 1e11 ms is March 1973. */
export const MILLISECONDS_THRESHOLD = 1e11;

/** Partners send at most a week back; Pinterest rejects much older events (seen: 570 days). */
export const DEFAULT_MAX_EVENT_AGE_SECONDS = 7 * 24 * 60 * 60;

/** Clock skew allowed between the sender's host and Pinterest's. */
export const DEFAULT_FUTURE_SKEW_SECONDS = 60;

interface TimeWindow {
  now?: number;
  maxEventAgeSeconds?: number;
  futureSkewSeconds?: number;
}

/**
 * Checks `event_time` at `path`: an integer number of seconds, not milliseconds, not in the future
 * beyond the skew, not older than the maximum age. Absent values are left to the `required` rule.
 */
export function checkEventTime(
  value: unknown,
  path: string,
  window: TimeWindow,
): ValidationIssue | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') {
    return issue(path, 'type', 'must be an integer number of Unix seconds');
  }

  if (!Number.isInteger(value)) {
    return issue(path, 'integer', 'must be whole Unix seconds; round down with Math.floor');
  }

  if (value > MILLISECONDS_THRESHOLD) {
    const message = 'looks like milliseconds; Pinterest needs Unix seconds (divide by 1000)';
    return issue(path, 'event_time_milliseconds', message);
  }

  return checkWindow(value, path, window);
}

function checkWindow(
  seconds: number,
  path: string,
  window: TimeWindow,
): ValidationIssue | undefined {
  const nowSeconds = Math.floor((window.now ?? Date.now()) / 1000);
  const skew = window.futureSkewSeconds ?? DEFAULT_FUTURE_SKEW_SECONDS;
  const maxAge = window.maxEventAgeSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS;
  if (seconds > nowSeconds + skew) {
    const ahead = seconds - nowSeconds;
    const message = `is ${ahead} s in the future (allowed skew: ${skew} s); check the clock`;
    return issue(path, 'event_time_future', message);
  }

  if (seconds < nowSeconds - maxAge) {
    const message = `is older than the maximum age of ${maxAge} s; Pinterest rejects stale events`;
    return issue(path, 'event_time_too_old', message);
  }

  return undefined;
}
