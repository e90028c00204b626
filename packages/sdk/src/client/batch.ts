/**
 * @module client/batch
 * Splitting events into request-sized batches.
 */

import { MAX_EVENTS_PER_REQUEST } from '../wire.js';

/**
 * Splits `events` into consecutive batches of at most `size`, filling each batch before starting
 * the next, so 2,500 events become 1,000 + 1,000 + 500. The input is not modified.
 *
 * @param size - Events per batch, an integer from 1.
 * @default size `MAX_EVENTS_PER_REQUEST` (1,000, Pinterest's limit per request)
 * @throws RangeError when `size` is not a positive integer.
 * @example
 * chunkEvents([1, 2, 3, 4, 5], 2); // [[1, 2], [3, 4], [5]]
 */
export function chunkEvents<T>(events: readonly T[], size = MAX_EVENTS_PER_REQUEST): T[][] {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`chunkEvents: size must be a positive integer, got ${String(size)}`);
  }

  const batches: T[][] = [];
  for (let start = 0; start < events.length; start += size) {
    batches.push(events.slice(start, start + size));
  }

  return batches;
}
