import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isCapiError } from '../errors.js';
import { CallPacer, PACER_WINDOW_MS as WINDOW } from './pacer.js';

const ACCOUNT = '549755885175';

/** Starts `count` acquisitions and records the order in which they are granted. */
function acquireMany(pacer: CallPacer, count: number, key = ACCOUNT): number[] {
  const granted: number[] = [];
  for (let i = 0; i < count; i++) {
    void pacer.acquire(key).then(() => granted.push(i));
  }

  return granted;
}

describe('CallPacer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets 5,000 calls through at once and holds the 5,001st for the window', async () => {
    const pacer = new CallPacer();
    await Promise.all(Array.from({ length: 5000 }, () => pacer.acquire(ACCOUNT)));
    let released = false;

    void pacer.acquire(ACCOUNT).then(() => (released = true));
    await vi.advanceTimersByTimeAsync(WINDOW - 1);

    expect(released).toBe(false);
    expect(pacer.waiting(ACCOUNT)).toBe(1);

    await vi.advanceTimersByTimeAsync(1);

    expect(released).toBe(true);
    expect(pacer.used(ACCOUNT)).toBe(1);
  });

  it('holds a slot a second past the minute, so a late-arriving call cannot crowd the next one', async () => {
    const pacer = new CallPacer({ callsPerMinute: 1 });
    await pacer.acquire(ACCOUNT);
    const granted = acquireMany(pacer, 1);

    await vi.advanceTimersByTimeAsync(60_000);

    expect(granted).toEqual([]);

    await vi.advanceTimersByTimeAsync(1000);

    expect(granted).toEqual([0]);
  });

  it('frees slots as each call leaves the rolling window, not all at once', async () => {
    const pacer = new CallPacer({ callsPerMinute: 2 });
    await pacer.acquire(ACCOUNT);
    await vi.advanceTimersByTimeAsync(30_000);
    await pacer.acquire(ACCOUNT);

    const granted = acquireMany(pacer, 2);
    await vi.advanceTimersByTimeAsync(WINDOW - 30_000);

    expect(granted).toEqual([0]);

    await vi.advanceTimersByTimeAsync(29_999);

    expect(granted).toEqual([0]);

    await vi.advanceTimersByTimeAsync(1);

    expect(granted).toEqual([0, 1]);
  });

  it('grants waiting callers in arrival order', async () => {
    const pacer = new CallPacer({ callsPerMinute: 3 });

    const granted = acquireMany(pacer, 9);
    await vi.advanceTimersByTimeAsync(0);

    expect(granted).toEqual([0, 1, 2]);

    await vi.advanceTimersByTimeAsync(WINDOW);

    expect(granted).toEqual([0, 1, 2, 3, 4, 5]);

    await vi.advanceTimersByTimeAsync(WINDOW);

    expect(granted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('gives a newcomer no slot ahead of callers already waiting', async () => {
    const pacer = new CallPacer({ callsPerMinute: 1 });
    await pacer.acquire(ACCOUNT);
    const order: string[] = [];
    void pacer.acquire(ACCOUNT).then(() => order.push('first waiter'));
    await vi.advanceTimersByTimeAsync(WINDOW);
    await vi.advanceTimersByTimeAsync(WINDOW);

    void pacer.acquire(ACCOUNT).then(() => order.push('newcomer'));
    await vi.advanceTimersByTimeAsync(0);

    expect(order).toEqual(['first waiter', 'newcomer']);
  });

  it('keeps one budget per key', async () => {
    const pacer = new CallPacer({ callsPerMinute: 1 });
    await pacer.acquire('1');

    const other = acquireMany(pacer, 1, '2');
    const same = acquireMany(pacer, 1, '1');
    await vi.advanceTimersByTimeAsync(0);

    expect(other).toEqual([0]);
    expect(same).toEqual([]);
  });

  it('waits on a single timer however many callers wait', async () => {
    const pacer = new CallPacer({ callsPerMinute: 1 });
    await pacer.acquire(ACCOUNT);

    acquireMany(pacer, 50);

    expect(vi.getTimerCount()).toBe(1);
  });

  it('rejects an aborted waiter with CAPI_ERR_ABORTED and moves the queue on', async () => {
    const pacer = new CallPacer({ callsPerMinute: 1 });
    await pacer.acquire(ACCOUNT);
    const controller = new AbortController();
    const aborted = pacer.acquire(ACCOUNT, controller.signal);
    const granted = acquireMany(pacer, 1);

    controller.abort();

    await expect(aborted).rejects.toSatisfy(
      (error) => isCapiError(error) && error.code === 'CAPI_ERR_ABORTED',
    );
    expect(pacer.waiting(ACCOUNT)).toBe(1);

    await vi.advanceTimersByTimeAsync(WINDOW);

    expect(granted).toEqual([0]);
  });

  it('rejects at once when the signal is already aborted, using no slot', async () => {
    const pacer = new CallPacer({ callsPerMinute: 1 });

    const attempt = pacer.acquire(ACCOUNT, AbortSignal.abort());

    await expect(attempt).rejects.toMatchObject({ code: 'CAPI_ERR_ABORTED' });
    expect(pacer.used(ACCOUNT)).toBe(0);
  });

  it('clears its timer when the last waiter aborts', async () => {
    const pacer = new CallPacer({ callsPerMinute: 1 });
    await pacer.acquire(ACCOUNT);
    const controller = new AbortController();
    const waiting = pacer.acquire(ACCOUNT, controller.signal).catch(() => 'aborted');

    controller.abort();

    await expect(waiting).resolves.toBe('aborted');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts with an injected clock', async () => {
    let clock = 1_000_000;
    const pacer = new CallPacer({ callsPerMinute: 2, now: () => clock });
    await pacer.acquire(ACCOUNT);
    await pacer.acquire(ACCOUNT);

    clock += WINDOW;

    expect(pacer.used(ACCOUNT)).toBe(0);
    await expect(pacer.acquire(ACCOUNT)).resolves.toBeUndefined();
  });

  it('refuses a budget that is not a positive integer', () => {
    expect(() => new CallPacer({ callsPerMinute: 0 })).toThrow(/callsPerMinute/);
    expect(() => new CallPacer({ callsPerMinute: 2.5 })).toThrow(/callsPerMinute/);
  });
});
