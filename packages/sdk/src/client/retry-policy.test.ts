import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, nextDelayMs, parseRetryAfter, shouldRetry } from './retry-policy.js';

/** A small deterministic generator (mulberry32) so jitter bounds are checked on fixed draws. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('shouldRetry', () => {
  it('retries network errors and timeouts while attempts remain', () => {
    expect(shouldRetry({ kind: 'network' }, 1, 6)).toBe(true);
    expect(shouldRetry({ kind: 'timeout' }, 5, 6)).toBe(true);
  });

  it('retries 429 and every 5xx, 503 included', () => {
    for (const status of [429, 500, 502, 503, 504]) {
      expect(shouldRetry({ kind: 'status', status }, 1, 6)).toBe(true);
    }
  });

  it('treats 4xx as final, 422 included', () => {
    for (const status of [400, 401, 403, 404, 409, 422]) {
      expect(shouldRetry({ kind: 'status', status }, 1, 6)).toBe(false);
    }
  });

  it('stops at the attempt limit whatever the failure', () => {
    expect(shouldRetry({ kind: 'timeout' }, 6, 6)).toBe(false);
    expect(shouldRetry({ kind: 'status', status: 429 }, 3, 3)).toBe(false);
    expect(shouldRetry({ kind: 'network' }, 1, 1)).toBe(false);
  });
});

describe('nextDelayMs', () => {
  it('stays within the doubling ceiling for every draw', () => {
    const random = seededRandom(42);

    for (let attempt = 1; attempt <= 10; attempt++) {
      const ceiling = Math.min(60_000, 500 * 2 ** (attempt - 1));
      for (let draw = 0; draw < 200; draw++) {
        const delay = nextDelayMs(attempt, { baseMs: 500, maxMs: 60_000, random });
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
        expect(Number.isInteger(delay)).toBe(true);
      }
    }
  });

  it('spreads delays over the whole range (full jitter)', () => {
    const random = seededRandom(7);

    const delays = Array.from({ length: 500 }, () =>
      nextDelayMs(4, { baseMs: 100, maxMs: 10_000, random }),
    );

    expect(Math.min(...delays)).toBeLessThan(100);
    expect(Math.max(...delays)).toBeGreaterThan(700);
  });

  it('doubles the ceiling with each attempt up to the cap', () => {
    const top = () => 0.999_999;

    expect(nextDelayMs(1, { baseMs: 500, maxMs: 60_000, random: top })).toBe(499);
    expect(nextDelayMs(3, { baseMs: 500, maxMs: 60_000, random: top })).toBe(1999);
    expect(nextDelayMs(20, { baseMs: 500, maxMs: 60_000, random: top })).toBe(59_999);
  });

  it('stays a number for huge attempt counts and a zero base', () => {
    expect(nextDelayMs(5000, { baseMs: 0, maxMs: 1000, random: () => 0.5 })).toBe(0);
    expect(nextDelayMs(5000, { baseMs: 10, maxMs: 1000, random: () => 0.5 })).toBe(500);
  });

  it('lets the server hint win over the computed delay, even above maxMs', () => {
    const delay = nextDelayMs(1, { baseMs: 1, maxMs: 10, retryAfterMs: 7000, random: () => 0 });

    expect(delay).toBe(7000);
  });

  it('caps a server hint at MAX_RETRY_AFTER_MS', () => {
    const delay = nextDelayMs(1, { baseMs: 1, maxMs: 10, retryAfterMs: 3_600_000 });

    expect(delay).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });

  it('reads an HTTP-date relative to now', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
  });

  it('gives 0 for an HTTP-date already past', () => {
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });

  it('returns undefined for a missing or unreadable header', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
