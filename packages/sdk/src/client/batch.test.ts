import { describe, expect, it } from 'vitest';
import { chunkEvents } from './batch.js';

describe('chunkEvents', () => {
  it('fills full batches of 1,000 before starting the next', () => {
    const events = Array.from({ length: 2500 }, (_, i) => i);

    const batches = chunkEvents(events);

    expect(batches.map((batch) => batch.length)).toEqual([1000, 1000, 500]);
    expect(batches.flat()).toEqual(events);
  });

  it('keeps an exact multiple without an empty trailing batch', () => {
    const batches = chunkEvents([1, 2, 3, 4], 2);

    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('returns no batch for no events', () => {
    expect(chunkEvents([])).toEqual([]);
  });

  it('leaves the input array untouched', () => {
    const events = Object.freeze([1, 2, 3]);

    const batches = chunkEvents(events, 2);

    expect(batches).toEqual([[1, 2], [3]]);
    expect(events).toEqual([1, 2, 3]);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => chunkEvents([1], 0)).toThrow(RangeError);
    expect(() => chunkEvents([1], 1.5)).toThrow(RangeError);
  });
});
