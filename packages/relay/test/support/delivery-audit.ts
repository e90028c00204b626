/**
 * Auditing what a sandbox received against the relay's delivery promises: an event the relay
 * knows Pinterest processed is never sent again, and no rolling minute holds more calls than the
 * ad account's budget.
 */

/** One processing of an event, as `GET /__sandbox/events` lists it. */
export interface RecordedProcessing {
  received_at: string;
  event: { event_id: string };
}

/** An event processed again after the relay had settled it as delivered. */
export interface Resend {
  eventId: string;
  /** Arrival times of every processing of the event, in order. */
  processings: string[];
}

/**
 * The events the sandbox processed again after the relay had heard Pinterest's answer for them
 * and settled them as delivered (`settledAt`, epoch ms per event id, from the worker's
 * `delivered` reports). Processing again before that is the documented at-least-once case: the
 * relay gave up on a call the sandbox went on to process.
 *
 * The sandbox's own log cannot tell the two apart. It records the status it sent, and a call can
 * be sent a 200 and still go unheard: the relay and the sandbox share one event loop in the
 * soak, and after a stall the loop runs the relay's timeout before it reads an answer already
 * waiting on the socket. Judging by what the relay settled keeps the check to the promise the
 * relay makes: what it knows Pinterest processed, it never sends again.
 */
export function findResends(
  processings: readonly RecordedProcessing[],
  settledAt: ReadonlyMap<string, number>,
): Resend[] {
  const byEvent = new Map<string, string[]>();
  for (const processing of processings) {
    const times = byEvent.get(processing.event.event_id) ?? [];
    times.push(processing.received_at);
    byEvent.set(processing.event.event_id, times);
  }

  const resends: Resend[] = [];
  for (const [eventId, times] of byEvent) {
    const settled = settledAt.get(eventId);
    if (settled === undefined) continue;
    if (times.some((time) => Date.parse(time) > settled)) {
      resends.push({ eventId, processings: [...times].sort() });
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
