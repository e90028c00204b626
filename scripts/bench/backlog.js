// Fills a store with a backlog of distinct, deliverable events, as fast as the store takes them:
// a thousand checkouts are built by the SDK once and then stamped with fresh event ids.
import { buildCheckoutEvent } from '@pinterest-capi/sdk';

import { makeCheckouts } from './checkouts.js';
import { progress } from './report.js';

const CHUNK = 5000;

/**
 * Enqueues `count` events for `adAccountId` in commits of 5,000. Checkpoints the WAL now and
 * then when the store can (SQLite), so it does not grow to the size of the whole backlog.
 */
export async function fillBacklog(store, { count, adAccountId, prefix }) {
  const templates = makeCheckouts(1000, prefix).map((checkout) => buildCheckoutEvent(checkout));
  const receivedAt = Date.now();
  const started = Date.now();
  let reported = 0;

  for (let offset = 0; offset < count; offset += CHUNK) {
    const size = Math.min(CHUNK, count - offset);
    const events = Array.from({ length: size }, (_, i) => {
      const n = offset + i;
      const event = { ...templates[n % templates.length], event_id: `${prefix}-${n}` };
      return { adAccountId, event, source: 'checkout', receivedAt };
    });
    await store.enqueue(events);
    if (typeof store.checkpoint === 'function' && (offset / CHUNK) % 20 === 19) store.checkpoint();

    if (offset + size - reported >= 200_000 || offset + size === count) {
      reported = offset + size;
      progress(
        `  backlog: ${reported.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} stored`,
      );
    }
  }

  if (typeof store.checkpoint === 'function') store.checkpoint();
  return { seconds: (Date.now() - started) / 1000 };
}
