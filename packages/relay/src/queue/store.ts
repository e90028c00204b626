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

/** The advertising-storage consent an event came with; `unknown` when the caller gave none. */
export type ConsentValue = 'granted' | 'denied' | 'unknown';

/**
 * What a tenant's consent policy did with an event: sent as it came, sent with `opt_out: true`,
 * or dropped (stored as dead with {@link SUPPRESSED_BY_CONSENT}, never sent nor replayed).
 */
export type ConsentAction = 'send' | 'opt_out' | 'drop';

/**
 * Which Limited Data Processing rule set `custom_data.opt_out_type: "LDP"`: the event asked for
 * it (`event`), or the tenant's configured states (`tenant_state`) or all of the US
 * (`tenant_all_us`).
 */
export type LdpRule = 'event' | 'tenant_state' | 'tenant_all_us';

/** The privacy rules that applied to an event at ingest, kept for its audit trail. */
export interface EventPrivacy {
  consent: ConsentValue;
  consentAction: ConsentAction;
  /** Undefined when LDP does not apply. */
  ldpRule?: LdpRule | undefined;
}

/** The `lastError` of an event dropped by its tenant's consent policy. */
export const SUPPRESSED_BY_CONSENT = 'suppressed by consent';

/** An event ready to be stored: already hashed and validated, ready for the wire. */
export interface NewEvent {
  adAccountId: string;
  event: WireEvent;
  source: EventSource;
  /** Epoch milliseconds when the relay received it. */
  receivedAt: number;
  /**
   * The consent and LDP rules applied at ingest. With `consentAction: 'drop'` the event is stored
   * as `dead` (reason {@link SUPPRESSED_BY_CONSENT}, no IP address or user agent) and never
   * claimed; absent means it was sent as it came (callers that apply no policy).
   */
  privacy?: EventPrivacy | undefined;
}

/**
 * Who to forget: SHA-256 hex digests of the normalized identifiers, matched against the stored
 * `user_data.em`, `ph` and `external_id`. At least one list must be non-empty.
 */
export interface ErasureRequest {
  emHashes?: readonly string[];
  phHashes?: readonly string[];
  externalIdHashes?: readonly string[];
  /** Limits the erasure to one ad account (an API key's own); all accounts when absent. */
  adAccountId?: string | undefined;
  /** Who asked (tenant name, `cli`), for the audit record. Never an identifier. */
  requester: string;
  /** Epoch ms, the audit record's time. */
  at: number;
}

/** What an erasure did. */
export interface ErasureResult {
  /** Stored events deleted, whatever their state (an unsent one is thereby never sent). */
  deleted: number;
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
export type Settlement = SettlementCall &
  (
    | { id: number; state: 'delivered'; at: number; warning?: string | undefined }
    | {
        id: number;
        state: 'failed';
        at: number;
        nextAttemptAt: number;
        error: string;
        status?: number | undefined;
      }
    | { id: number; state: 'dead'; at: number; error: string; status?: number | undefined }
  );

/** The call whose answer (or failure) settled an event; absent when no call decided it. */
export interface SettlementCall {
  /** As the delivery log lines name it (`batchId`): the relay's owner id and a sequence number. */
  batchId?: string | undefined;
}

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
  /** The consent rules applied at ingest; undefined for events stored without them. */
  privacy?: EventPrivacy | undefined;
  /** The call that last settled the event (delivered, failed or dead), if one did. */
  lastBatchId?: string | undefined;
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
  /**
   * Moves matching dead events back to pending; returns how many. Events suppressed by consent
   * are never replayed.
   */
  replay(filter: ReplayFilter, now: number): Promise<number>;
  /** Deletes delivered and dead events received before `before` (epoch ms); returns how many. */
  prune(before: number): Promise<number>;
  /**
   * Deletes every stored event whose `user_data` holds one of the given hashes, in every state,
   * and records an audit row (time, requester, ad account, which kinds of identifier, count) that
   * holds neither the identifiers nor their hashes.
   *
   * @throws RangeError when no hash is given.
   */
  erase(request: ErasureRequest): Promise<ErasureResult>;
  close(): Promise<void>;
}
