/**
 * Auditing what a sandbox received against the relay's delivery promises: an event Pinterest
 * processed and answered is never sent again, and no rolling minute holds more calls than the
 * ad account's budget.
 */

/** One processing of an event, as `GET /__sandbox/events` lists it. */
export interface RecordedProcessing {
  received_at: string;
  event: { event_id: string };
}

/** One call, as `GET /__sandbox/calls` lists it (status 0: no answer was sent). */
export interface RecordedCall {
  status: number;
  received_at: string;
}

/** An event processed again after Pinterest had answered for an earlier processing of it. */
export interface Resend {
  eventId: string;
  /** Arrival times of every processing of the event, in order. */
  processings: string[];
}

/**
 * The events processed again after an answered processing. A processing is answered when a call
 * that arrived at the same instant got a 200 or 422; a processing whose call the relay gave up on
 * (a timeout while the sandbox was still working) has no answered call, so processing it again is
 * the documented at-least-once case, not a resend. Two calls arriving in the same millisecond can
 * only hide a resend, never invent one.
 */
export function findResends(
  processings: readonly RecordedProcessing[],
  calls: readonly RecordedCall[],
): Resend[] {
  const answered = new Set(
    calls.filter((call) => call.status === 200 || call.status === 422).map((c) => c.received_at),
  );
  const byEvent = new Map<string, string[]>();
  for (const processing of processings) {
    const times = byEvent.get(processing.event.event_id) ?? [];
    times.push(processing.received_at);
    byEvent.set(processing.event.event_id, times);
  }

  const resends: Resend[] = [];
  for (const [eventId, times] of byEvent) {
    const ordered = [...times].sort();
    const firstAnswered = ordered.findIndex((time) => answered.has(time));
    if (firstAnswered !== -1 && firstAnswered < ordered.length - 1) {
      resends.push({ eventId, processings: ordered });
    }
  }

  return resends;
}

/** The most instants (epoch ms) that fall within any window of `windowMs`. */
export function busiestWindow(instants: readonly number[], windowMs: number): number {
  const sorted = [...instants].sort((a, b) => a - b);
  let busiest = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start += 1;
    busiest = Math.max(busiest, end - start + 1);
  }

  return busiest;
}
