/**
 * @module queue/store
 * The durable queue every relay instance shares: the interface that the SQLite store and the
 * PostgreSQL store both implement and that `test/store-contract.ts` checks, so the delivery worker
 * and ingest never know which one they run on.
 *
 * An event's life: `pending` (stored, due at `nextAttemptAt`) → `in_flight` (claimed by one worker
 * under a lease) → `delivered` (Pinterest processed it) or `failed` (an attempt failed for a
 * reason worth retrying; due again at `nextAttemptAt`) or `dead` (Pinterest rejected it, or the
 * retry budget or maximum age ran out; `lastError` says why). A lease that expires (the worker
 * crashed) makes the event claimable again, with its original `event_id`.
 */
import type { WireEvent } from '@pinterest-capi/sdk';

export const EVENT_STATES = ['pending', 'in_flight', 'failed', 'delivered', 'dead'] as const;
export type EventState = (typeof EVENT_STATES)[number];

/** Where an event came from: the relay API or a store's webhook. */
export type EventSource = 'events' | 'checkout' | 'shopify' | 'stripe' | 'woocommerce' | 'replay';

/** An event ready to be stored: already hashed and validated, ready for the wire. */
export interface NewEvent {
  adAccountId: string;
  event: WireEvent;
  source: EventSource;
  /** Epoch milliseconds when the relay received it. */
  receivedAt: number;
}

export interface EnqueueResult {
  eventId: string;
  /** `duplicate`: an event with this (ad account, event_id) is already stored; nothing changed. */
  status: 'accepted' | 'duplicate';
}

/** An event claimed for delivery. `event` is the full wire event, raw IP and user agent included. */
export interface ClaimedEvent {
  /** The store's own row id. */
  id: number;
  adAccountId: string;
  eventId: string;
  event: WireEvent;
  attempts: number;
  receivedAt: number;
}

export interface ClaimOptions {
  adAccountId: string;
  /** At most this many events (Pinterest takes 1,000 per call). */
  limit: number;
  /** Epoch ms. Events due at or before it, and in-flight events whose lease ended, are claimed. */
  now: number;
  /** The claim holds for this long; if the worker dies, the events are claimable again after. */
  leaseMs: number;
  /** Who holds the lease (instance id), for inspection. */
  owner: string;
}

/** What happened to one claimed event. */
export type Settlement =
  | { id: number; state: 'delivered'; at: number; warning?: string | undefined }
  | {
      id: number;
      state: 'failed';
      at: number;
      nextAttemptAt: number;
      error: string;
      status?: number | undefined;
    }
  | { id: number; state: 'dead'; at: number; error: string; status?: number | undefined };

/** Where one event is, for `GET /v1/events/{event_id}`. */
export interface EventRecord {
  adAccountId: string;
  eventId: string;
  eventName: string;
  eventTime: number;
  source: EventSource;
  state: EventState;
  attempts: number;
  receivedAt: number;
  nextAttemptAt: number | undefined;
  deliveredAt: number | undefined;
  lastError: string | undefined;
  lastStatus: number | undefined;
  warning: string | undefined;
}

export interface QueueStats {
  byState: Record<EventState, number>;
  /** Receive time (epoch ms) of the oldest event not yet delivered or dead, if any. */
  oldestPendingReceivedAt: number | undefined;
}

export interface ReplayFilter {
  adAccountId?: string;
  eventIds?: readonly string[];
  /** Only dead events whose last error contains this text. */
  errorContains?: string;
  /** Only events received at or after this epoch ms. */
  since?: number;
}

/** The queue's contract. Every method is atomic; `enqueue` commits before it resolves. */
export interface EventStore {
  /** Creates or upgrades the schema. Safe to call on every start and from several instances. */
  migrate(): Promise<void>;
  /**
   * Stores events in one durable commit, idempotent on (ad account, event_id): a repeat is answered
   * `duplicate` and leaves the stored event as it was. Results are in input order.
   */
  enqueue(events: readonly NewEvent[]): Promise<EnqueueResult[]>;
  /** Claims due events of one ad account, oldest first, under a lease. */
  claim(options: ClaimOptions): Promise<ClaimedEvent[]>;
  /**
   * Records what happened to claimed events. `delivered` and `dead` purge the raw IP address and
   * user agent, which are kept only until delivery.
   */
  settle(settlements: readonly Settlement[]): Promise<void>;
  /** Gives claimed events back without counting an attempt (graceful shutdown). */
  release(ids: readonly number[]): Promise<void>;
  /** Earliest `nextAttemptAt` (or lease end) among this account's undelivered events. */
  nextDueAt(adAccountId: string): Promise<number | undefined>;
  /** Ad accounts that have undelivered events. */
  accountsWithWork(): Promise<string[]>;
  get(adAccountId: string, eventId: string): Promise<EventRecord | undefined>;
  /** Finds an event by id across ad accounts (most recent first). */
  findByEventId(eventId: string): Promise<EventRecord[]>;
  stats(): Promise<QueueStats>;
  /** How many events Pinterest processed at or after `since` (epoch ms), for delivery rates. */
  deliveredSince(since: number): Promise<number>;
  /** Moves matching dead events back to pending; returns how many. */
  replay(filter: ReplayFilter, now: number): Promise<number>;
  /** Deletes delivered and dead events received before `before` (epoch ms); returns how many. */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}
