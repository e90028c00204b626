/**
 * @module ops/event-state
 * An event's state as people see it: `GET /v1/events/{event_id}` and the dashboard's event path
 * name it the same way, from the queue's state and the consent rules that applied at ingest.
 */
import type { EventRecord, EventState } from '../queue/store.js';

/** The queue's states in plain words, plus `suppressed` for an event dropped by consent. */
export type ShownEventState =
  'queued' | 'sending' | 'retrying' | 'delivered' | 'dead' | 'suppressed';

const SHOWN_STATES = {
  pending: 'queued',
  in_flight: 'sending',
  failed: 'retrying',
  delivered: 'delivered',
  dead: 'dead',
} as const satisfies Record<EventState, ShownEventState>;

/**
 * Names an event's state as shown. An event its tenant's consent policy dropped is stored dead,
 * but is shown as `suppressed`: it was never sent, and nothing failed.
 *
 * @example
 * shownStateOf({ state: 'failed', privacy: undefined }); // 'retrying'
 * shownStateOf({ state: 'dead', privacy: { consent: 'denied', consentAction: 'drop' } }); // 'suppressed'
 */
export function shownStateOf(record: Pick<EventRecord, 'state' | 'privacy'>): ShownEventState {
  if (record.state === 'dead' && record.privacy?.consentAction === 'drop') return 'suppressed';
  return SHOWN_STATES[record.state];
}
