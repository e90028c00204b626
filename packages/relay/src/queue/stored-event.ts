/**
 * @module queue/stored-event
 * How a wire event is laid out in a store row, the same for every store: the event as compact
 * JSON without its raw IP address and user agent, and those two apart so they can be purged on
 * delivery. Also the last guard that keeps unhashed identifiers off the disk.
 */
import type { WireEvent, WireUserData } from '@pinterest-capi/sdk';

import { SUPPRESSED_BY_CONSENT } from './store.js';
import type {
  ClaimOptions,
  ClaimedEvent,
  ConsentAction,
  ConsentValue,
  EventPrivacy,
  EventRecord,
  EventSource,
  EventState,
  LdpRule,
  NewEvent,
} from './store.js';

/** A wire event split for storage. */
export interface StoredEventParts {
  /** The wire event as compact JSON, without `client_ip_address` and `client_user_agent`. */
  payload: string;
  clientIpAddress: string | null;
  clientUserAgent: string | null;
}

/**
 * `user_data` keys Pinterest takes unhashed. Every other key holds SHA-256 hex digests (the
 * `HASHED_USER_DATA_KEYS` of the SDK's wire types); listing the raw ones instead of the hashed
 * ones means a key nobody planned for is refused rather than written to disk as it came.
 */
const RAW_USER_DATA_KEYS: ReadonlySet<string> = new Set([
  'client_ip_address',
  'client_user_agent',
  'click_id',
  'partner_id',
]);

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** Splits a wire event into its stored parts, leaving the caller's object as it was. */
export function splitEvent(event: WireEvent): StoredEventParts {
  const { client_ip_address: ip, client_user_agent: userAgent, ...userData } = event.user_data;
  return {
    payload: JSON.stringify({ ...event, user_data: userData }),
    clientIpAddress: ip ?? null,
    clientUserAgent: userAgent ?? null,
  };
}

/**
 * What the dashboard counts about an event, fixed when the event is stored: which identifiers it
 * carries and its order id. Kept in columns of their own because the raw IP address and user agent
 * are purged on delivery, after which the payload no longer shows that they were there. Flags are
 * 0 or 1 so that `sum()` counts them in SQLite and PostgreSQL alike.
 */
export interface StoredEventFacts {
  /** `custom_data.order_id`, for looking an order up; null when absent or empty. */
  orderId: string | null;
  hasEm: 0 | 1;
  hasPh: 0 | 1;
  /** Both the IP address and the user agent: Pinterest matches on the pair. */
  hasIpUa: 0 | 1;
  hasClickId: 0 | 1;
  hasExternalId: 0 | 1;
}

/** Reads the {@link StoredEventFacts} of a wire event, before its IP address is purged. */
export function storedEventFacts(event: WireEvent): StoredEventFacts {
  const user = event.user_data;
  const flag = (present: boolean): 0 | 1 => (present ? 1 : 0);
  const orderId = event.custom_data?.order_id;
  return {
    orderId: orderId === undefined || orderId === null || orderId === '' ? null : orderId,
    hasEm: flag((user.em?.length ?? 0) > 0),
    hasPh: flag((user.ph?.length ?? 0) > 0),
    hasIpUa: flag(Boolean(user.client_ip_address) && Boolean(user.client_user_agent)),
    hasClickId: flag(Boolean(user.click_id)),
    hasExternalId: flag((user.external_id?.length ?? 0) > 0),
  };
}

/** Every column a store writes for a new event, named as the SQLite store's parameters are. */
export interface NewEventRow extends StoredEventParts, StoredEventFacts {
  adAccountId: string;
  eventId: string;
  eventName: string;
  eventTime: number;
  source: EventSource;
  receivedAt: number;
  /** `pending`, or `dead` for an event suppressed by consent. */
  state: 'pending' | 'dead';
  /** When it is first due: on receipt, or never for an event suppressed by consent. */
  nextAttemptAt: number | null;
  lastError: string | null;
  consent: ConsentValue | null;
  consentAction: ConsentAction | null;
  ldpRule: LdpRule | null;
}

/**
 * Lays a new event out as the row both stores insert. An event its tenant's consent policy
 * dropped is stored suppressed: dead from the start with the reason {@link SUPPRESSED_BY_CONSENT},
 * never due, and without its raw IP address and user agent, since it will never be sent. Its facts
 * still record which identifiers it came with.
 */
export function newEventRow(newEvent: NewEvent): NewEventRow {
  const { adAccountId, event, source, receivedAt, privacy } = newEvent;
  const suppressed = privacy?.consentAction === 'drop';
  const parts = splitEvent(event);
  return {
    adAccountId,
    eventId: event.event_id,
    eventName: event.event_name,
    eventTime: event.event_time,
    source,
    receivedAt,
    payload: parts.payload,
    clientIpAddress: suppressed ? null : parts.clientIpAddress,
    clientUserAgent: suppressed ? null : parts.clientUserAgent,
    ...storedEventFacts(event),
    state: suppressed ? 'dead' : 'pending',
    nextAttemptAt: suppressed ? null : receivedAt,
    lastError: suppressed ? SUPPRESSED_BY_CONSENT : null,
    consent: privacy?.consent ?? null,
    consentAction: privacy?.consentAction ?? null,
    ldpRule: privacy?.ldpRule ?? null,
  };
}

/** Puts a stored event back together: the full wire event, raw IP and user agent included. */
export function joinEvent(parts: StoredEventParts): WireEvent {
  const event = JSON.parse(parts.payload) as WireEvent;
  const userData: WireUserData = { ...event.user_data };
  if (parts.clientIpAddress !== null) userData.client_ip_address = parts.clientIpAddress;
  if (parts.clientUserAgent !== null) userData.client_user_agent = parts.clientUserAgent;
  return { ...event, user_data: userData };
}

/** A row as a claim hands it out, in either store. */
export interface ClaimRow {
  id: number;
  ad_account_id: string;
  event_id: string;
  payload: string;
  client_ip_address: string | null;
  client_user_agent: string | null;
  attempts: number;
  received_at: number;
}

/**
 * Refuses claim options the SQL would misread: SQLite takes a negative LIMIT as "no limit" (it
 * would claim the whole queue) and PostgreSQL as an error.
 *
 * @throws RangeError naming the option.
 */
export function checkClaimOptions(options: ClaimOptions): void {
  if (!Number.isInteger(options.limit) || options.limit < 0) {
    throw new RangeError('claim option limit must be a non-negative integer');
  }

  if (!(options.leaseMs > 0)) throw new RangeError('claim option leaseMs must be positive');
}

/** A claimed row as the delivery worker takes it: the wire event whole again. */
export function toClaimedEvent(row: ClaimRow): ClaimedEvent {
  return {
    id: row.id,
    adAccountId: row.ad_account_id,
    eventId: row.event_id,
    event: joinEvent({
      payload: row.payload,
      clientIpAddress: row.client_ip_address,
      clientUserAgent: row.client_user_agent,
    }),
    attempts: row.attempts,
    receivedAt: row.received_at,
  };
}

/**
 * Checks that every event's `user_data` carries only SHA-256 hex digests outside the four keys
 * Pinterest takes raw, so a raw email or phone number can never reach the queue's files even if
 * a caller skipped hashing. Stores run it before writing anything.
 *
 * @throws TypeError naming the first offending path (never its value), e.g.
 *   `events[2].user_data.em[0]`.
 */
export function assertHashedOnly(events: readonly NewEvent[]): void {
  events.forEach((newEvent, index) => {
    const userData = newEvent.event.user_data as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(userData)) {
      if (RAW_USER_DATA_KEYS.has(key) || value === undefined) continue;
      const path = `events[${index}].user_data.${key}`;
      if (!Array.isArray(value)) throw unhashed(path, 'must be an array of SHA-256 hex digests');
      value.forEach((item: unknown, i) => {
        if (typeof item !== 'string' || !SHA256_HEX.test(item)) {
          throw unhashed(`${path}[${i}]`, 'must be a SHA-256 hex digest');
        }
      });
    }
  });
}

function unhashed(path: string, rule: string): TypeError {
  return new TypeError(`${path} ${rule}: the queue stores hashed identifiers only`);
}

/** The privacy columns of a row as the record shows them; undefined when none was recorded. */
export function privacyOf(row: {
  consent: string | null;
  consent_action: string | null;
  ldp_rule: string | null;
}): EventPrivacy | undefined {
  if (row.consent === null || row.consent_action === null) return undefined;
  return {
    consent: row.consent as ConsentValue,
    consentAction: row.consent_action as ConsentAction,
    ldpRule: (row.ldp_rule ?? undefined) as LdpRule | undefined,
  };
}

/** The columns of {@link EventRecordRow}, for both stores' SELECTs. */
export const EVENT_RECORD_COLUMNS = `ad_account_id, event_id, event_name, event_time, source, state,
  attempts, received_at, next_attempt_at, lease_expires_at, delivered_at, last_error, last_status,
  warning, consent, consent_action, ldp_rule, last_batch_id`;

/** An event's row as both stores read it for `get`, `findByEventId` and the dashboard's lookup. */
export interface EventRecordRow {
  ad_account_id: string;
  event_id: string;
  event_name: string;
  event_time: number;
  source: string;
  state: string;
  attempts: number;
  received_at: number;
  next_attempt_at: number | null;
  lease_expires_at: number | null;
  delivered_at: number | null;
  last_error: string | null;
  last_status: number | null;
  warning: string | null;
  consent: string | null;
  consent_action: string | null;
  ldp_rule: string | null;
  last_batch_id: string | null;
}

/** The record `GET /v1/events/{event_id}` describes, from its row. */
export function toEventRecord(row: EventRecordRow): EventRecord {
  const state = row.state as EventState;
  return {
    adAccountId: row.ad_account_id,
    eventId: row.event_id,
    eventName: row.event_name,
    eventTime: row.event_time,
    source: row.source as EventSource,
    state,
    attempts: row.attempts,
    receivedAt: row.received_at,
    nextAttemptAt: nextAttemptOf(state, row),
    deliveredAt: row.delivered_at ?? undefined,
    lastError: row.last_error ?? undefined,
    lastStatus: row.last_status ?? undefined,
    warning: row.warning ?? undefined,
    privacy: privacyOf(row),
    lastBatchId: row.last_batch_id ?? undefined,
  };
}

/** When the next attempt may start: the due time, or for an event in flight, its lease end. */
function nextAttemptOf(state: EventState, row: EventRecordRow): number | undefined {
  if (state === 'pending' || state === 'failed') return row.next_attempt_at ?? undefined;
  if (state === 'in_flight') return row.lease_expires_at ?? undefined;
  return undefined;
}
