/**
 * @module ingest/batch
 * One request's items to stored events: each item is hashed and validated in memory by the SDK,
 * the good ones go to the store in a single `enqueue` (one durable commit), and the answer lists
 * every item in request order. Raw `user_data` never leaves this function: only wire events, with
 * identifiers already hashed, reach the store.
 */
import { ValidationError, buildCheckoutEvent, prepareEvent } from '@pinterest-capi/sdk';
import type {
  CheckoutInput,
  EventInput,
  PrepareOptions,
  ValidationIssue,
  WireEvent,
} from '@pinterest-capi/sdk';

import { buildWithPrivacy, splitConsent } from '../privacy/policy.js';
import type { PrivacyOutcome, PrivacyPolicy } from '../privacy/policy.js';
import type { EnqueueResult, NewEvent } from '../queue/store.js';
import { RelayHttpError } from './errors.js';

/** Which route the items came from, and so how they are read. */
export type IngestSource = 'events' | 'checkout';

export type IngestStatus = 'accepted' | 'duplicate' | 'rejected';

/** The outcome of one item. `event_id` is `null` for a rejected item that named none. */
export interface IngestResult {
  index: number;
  event_id: string | null;
  status: IngestStatus;
  /** Why a rejected item was refused: field path, rule and message, never the value. */
  issues?: readonly ValidationIssue[];
}

/** The body of a 202 (or 422) ingest answer. */
export interface IngestResponse {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: IngestResult[];
}

export interface BatchOptions {
  adAccountId: string;
  source: IngestSource;
  /** Passed to the SDK for every item; `now` should be set so all items share one clock. */
  prepare: PrepareOptions;
  /** Epoch ms, stored as each event's `receivedAt`. */
  receivedAt: number;
  /** Where the good events go, in one call (the relay passes its group committer). */
  queue: EventQueue;
  /**
   * The tenant's consent and LDP rules.
   * @default `DEFAULT_PRIVACY_POLICY` (denied consent dropped, no LDP by state)
   */
  privacy?: PrivacyPolicy | undefined;
}

/** The one store method ingest needs. */
export interface EventQueue {
  enqueue(events: readonly NewEvent[]): Promise<EnqueueResult[]>;
}

type Builder = (item: unknown, options: PrepareOptions) => WireEvent;

const BUILDERS: Readonly<Record<IngestSource, Builder>> = {
  events: (item, options) => prepareEvent(item as EventInput, options),
  checkout: (item, options) => buildCheckoutEvent(item as CheckoutInput, options),
};

/** Longest client `event_id` echoed back on a rejection; longer ones are invalid anyway. */
const MAX_ECHOED_EVENT_ID = 256;

/**
 * Prepares every item, stores the good ones in one commit, and reports each item in order.
 *
 * @throws {RelayHttpError} `RELAY_ERR_STORE_UNAVAILABLE` when the store fails: nothing of the
 *   request may be acknowledged then, since nothing is known to be durable.
 */
export async function ingestBatch(
  items: readonly unknown[],
  options: BatchOptions,
): Promise<IngestResponse> {
  const build = BUILDERS[options.source];
  const results: IngestResult[] = [];
  const pending: NewEvent[] = [];
  const pendingResults: IngestResult[] = [];
  for (const [index, item] of items.entries()) {
    const prepared = prepareItem(build, item, options);
    if (prepared instanceof ValidationError) {
      const issues = prepared.issues;
      results.push({ index, event_id: echoedEventId(item), status: 'rejected', issues });
      continue;
    }

    const result: IngestResult = { index, event_id: prepared.event.event_id, status: 'accepted' };
    results.push(result);
    pendingResults.push(result);
    pending.push(storedEvent(prepared, options));
  }

  if (pending.length > 0) applyStored(pendingResults, await store(pending, options));
  return summarize(results);
}

/**
 * Takes the relay-level consent out of the item, then builds the wire event with the SDK under
 * the tenant's privacy rules; any broken rule becomes the item's rejection.
 */
function prepareItem(
  build: Builder,
  item: unknown,
  options: BatchOptions,
): PrivacyOutcome | ValidationError {
  const { consent, item: input } = splitConsent(item);
  return buildWithPrivacy({
    consent,
    build: () => build(input, options.prepare),
    policy: options.privacy,
  });
}

function storedEvent(prepared: PrivacyOutcome, options: BatchOptions): NewEvent {
  return {
    adAccountId: options.adAccountId,
    event: prepared.event,
    source: options.source,
    receivedAt: options.receivedAt,
    privacy: prepared.privacy,
  };
}

async function store(events: NewEvent[], options: BatchOptions): Promise<EnqueueResult[]> {
  let stored: EnqueueResult[];
  try {
    stored = await options.queue.enqueue(events);
  } catch (error) {
    const message = 'the event store did not commit; nothing was stored, retry the request';
    throw new RelayHttpError('RELAY_ERR_STORE_UNAVAILABLE', message, {
      headers: { 'retry-after': '1' },
      cause: error,
    });
  }

  if (stored.length !== events.length) {
    throw new Error(`store answered ${stored.length} results for ${events.length} events`);
  }

  return stored;
}

function applyStored(results: readonly IngestResult[], stored: readonly EnqueueResult[]): void {
  for (const [position, outcome] of stored.entries()) {
    const result = results[position];
    if (result) result.status = outcome.status;
  }
}

function summarize(results: IngestResult[]): IngestResponse {
  let accepted = 0;
  let duplicates = 0;
  for (const result of results) {
    if (result.status === 'accepted') accepted += 1;
    else if (result.status === 'duplicate') duplicates += 1;
  }

  return { accepted, duplicates, rejected: results.length - accepted - duplicates, results };
}

/** The caller's own id for a rejected item, so it can match the answer to its record. */
function echoedEventId(item: unknown): string | null {
  if (typeof item !== 'object' || item === null) return null;
  const record = item as { event_id?: unknown; dedup_key?: unknown };
  const id = record.event_id ?? record.dedup_key;
  return typeof id === 'string' && id.length <= MAX_ECHOED_EVENT_ID ? id : null;
}
