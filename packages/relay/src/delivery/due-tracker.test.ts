import { describe, expect, it } from 'vitest';

import { DueTracker } from './due-tracker.js';

function tracker(): DueTracker {
  return new DueTracker({ batchSize: 1000, lingerMs: 250 });
}

describe('DueTracker', () => {
  it('knows of nothing due before any notification or observation', () => {
    const due = tracker();

    expect(due.readyAt()).toBeUndefined();
  });

  it('lets a partial batch leave once its oldest event has waited the linger time', () => {
    const due = tracker();

    due.notify(3, 10_000);
    due.notify(4, 10_100);

    expect(due.readyAt()).toBe(10_250);
    expect(due.dueCount).toBe(7);
  });

  it('is ready at once when a full batch is due', () => {
    const due = tracker();

    due.notify(1000, 10_000);

    expect(due.readyAt()).toBe(0);
  });

  it('takes the earliest due time the store reports', () => {
    const due = tracker();
    due.notify(1, 10_000);

    due.observeDue(9_000);
    due.observeDue(12_000);

    expect(due.readyAt()).toBe(9_250);
  });

  it('holds claims until the hold ends, even with a full batch due', () => {
    const due = tracker();
    due.notify(1000, 10_000);

    due.hold(15_000);
    due.hold(12_000);

    expect(due.readyAt()).toBe(15_000);
  });

  it('after a short claim counts only what was notified while it ran', () => {
    const due = tracker();
    due.notify(10, 10_000);

    due.startClaim();
    due.notify(2, 10_300);
    due.finishClaim({ limit: 1000, claimed: 12, now: 10_310 });

    expect(due.dueCount).toBe(2);
    expect(due.readyAt()).toBe(10_550);
  });

  it('forgets everything after a short claim when nothing arrived meanwhile', () => {
    const due = tracker();
    due.notify(10, 10_000);

    due.startClaim();
    due.finishClaim({ limit: 1000, claimed: 4, now: 10_300 });

    expect(due.dueCount).toBe(0);
    expect(due.readyAt()).toBeUndefined();
  });

  it('after a full claim keeps counting what is left behind', () => {
    const due = tracker();
    due.notify(2500, 10_000);

    due.startClaim();
    due.finishClaim({ limit: 1000, claimed: 1000, now: 10_050 });
    const afterFirst = due.readyAt();
    due.startClaim();
    due.finishClaim({ limit: 1000, claimed: 1000, now: 10_100 });

    expect(afterFirst).toBe(0);
    expect(due.dueCount).toBe(500);
    expect(due.readyAt()).toBe(10_350);
  });

  it('keeps what was due when a claim fails', () => {
    const due = tracker();
    due.notify(5, 10_000);

    due.startClaim();
    due.abandonClaim();

    expect(due.dueCount).toBe(5);
    expect(due.readyAt()).toBe(10_250);
  });

  it('ignores a notification of zero events', () => {
    const due = tracker();

    due.notify(0, 10_000);

    expect(due.readyAt()).toBeUndefined();
  });
});
