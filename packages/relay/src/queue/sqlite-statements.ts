/**
 * @module queue/sqlite-statements
 * Every SQL statement the SQLite store runs, prepared once per connection. Kept apart from the
 * store class so the queries (and the index each one relies on, see `sqlite-migrations.ts`) can
 * be read in one place.
 */
import type Database from 'better-sqlite3';

import { EVENT_RECORD_COLUMNS } from './stored-event.js';
import type { ClaimRow, EventRecordRow as RecordRow, NewEventRow } from './stored-event.js';

export interface EraseParams {
  adAccountId: string | null;
  /** JSON arrays of lowercase SHA-256 hex digests. */
  em: string;
  ph: string;
  externalId: string;
}

export interface ClaimParams {
  adAccountId: string;
  now: number;
  limit: number;
  owner: string;
  leaseExpiresAt: number;
}

export interface ReplayParams {
  adAccountId: string | null;
  /** JSON array of event ids, or null for any. */
  eventIds: string | null;
  errorContains: string | null;
  since: number | null;
  now: number;
}

// The literal `state IN ('pending', 'in_flight', 'failed')` repeats the WHERE of the partial index
// `events_work` word for word: SQLite uses a partial index only when the query states its
// condition, so these queries walk undelivered rows only.
const UNDELIVERED = `state IN ('pending', 'in_flight', 'failed')`;

// When an undelivered event is due, as the index `events_due` (migration 6) has it, word for word.
const DUE_AT = `CASE state WHEN 'in_flight' THEN lease_expires_at ELSE next_attempt_at END`;

// A due row is pending or failed with its time come, or in flight with its lease run out (the
// worker that held it is presumed dead). Oldest first, so arrival order is kept per account.
// `events_work` walks the account's rows in id order and stops at the limit; left to choose,
// SQLite would take `events_due` for the time range and sort the whole due backlog by id.
const CLAIM = `
UPDATE events
SET state = 'in_flight', attempts = attempts + 1,
    lease_owner = @owner, lease_expires_at = @leaseExpiresAt
WHERE id IN (
  SELECT id FROM events INDEXED BY events_work
  WHERE ad_account_id = @adAccountId AND ${UNDELIVERED}
    AND ${DUE_AT} <= @now
  ORDER BY id
  LIMIT @limit
)
RETURNING id, ad_account_id, event_id, payload, client_ip_address, client_user_agent, attempts,
  received_at`;

// Both name their index: without statistics SQLite may take `events_state` for the state list
// and walk every undelivered row, which on a deep backlog costs more than the claim it serves.
const NEXT_DUE_AT = `
SELECT min(${DUE_AT}) AS due FROM events INDEXED BY events_due
WHERE ad_account_id = ? AND ${UNDELIVERED}`;

// A loose index scan over events_due: one seek per account with work, however deep its backlog,
// instead of reading every undelivered row to find the distinct accounts.
const ACCOUNTS_WITH_WORK = `
WITH RECURSIVE accounts(id) AS (
  SELECT (SELECT min(ad_account_id) FROM events INDEXED BY events_due WHERE ${UNDELIVERED})
  UNION ALL
  SELECT (SELECT min(ad_account_id) FROM events INDEXED BY events_due
          WHERE ${UNDELIVERED} AND ad_account_id > accounts.id)
  FROM accounts WHERE accounts.id IS NOT NULL
)
SELECT id AS ad_account_id FROM accounts WHERE id IS NOT NULL`;

/** The statements delivery runs on every turn, for tests of their query plans. */
export const SQLITE_DELIVERY_READS = {
  claim: CLAIM,
  nextDueAt: NEXT_DUE_AT,
  accountsWithWork: ACCOUNTS_WITH_WORK,
} as const;

// Settle guards. Without an owner on the settlement, the state decides what a late report from a
// worker whose lease was taken over may still change:
// - delivered wins over anything but an earlier delivery: Pinterest processed it, that is final;
// - failed applies only to an event still in flight, so it never undoes a delivery or a death;
// - dead never overrides a delivery (or repeats itself).
const SETTLE_DELIVERED = `
UPDATE events
SET state = 'delivered', delivered_at = @at, warning = @warning,
    last_batch_id = coalesce(@batchId, last_batch_id), client_ip_address = NULL, client_user_agent = NULL,
    next_attempt_at = NULL, lease_owner = NULL, lease_expires_at = NULL
WHERE id = @id AND state <> 'delivered'`;

const SETTLE_FAILED = `
UPDATE events
SET state = 'failed', next_attempt_at = @nextAttemptAt, last_error = @error, last_status = @status,
    last_batch_id = coalesce(@batchId, last_batch_id), lease_owner = NULL, lease_expires_at = NULL
WHERE id = @id AND state = 'in_flight'`;

const SETTLE_DEAD = `
UPDATE events
SET state = 'dead', last_error = @error, last_status = @status,
    last_batch_id = coalesce(@batchId, last_batch_id), client_ip_address = NULL, client_user_agent = NULL,
    next_attempt_at = NULL, lease_owner = NULL, lease_expires_at = NULL
WHERE id = @id AND state NOT IN ('delivered', 'dead')`;

// A released event goes back to the state it was claimed from, which `last_error` tells apart:
// only an event that has failed before carries one.
const RELEASE = `
UPDATE events
SET state = CASE WHEN last_error IS NULL THEN 'pending' ELSE 'failed' END,
    attempts = max(attempts - 1, 0), lease_owner = NULL, lease_expires_at = NULL
WHERE id = ? AND state = 'in_flight'`;

// A replayed event starts a fresh retry budget; its last error stays for the record.
const REPLAY = `
UPDATE events
SET state = 'pending', attempts = 0, next_attempt_at = @now,
    lease_owner = NULL, lease_expires_at = NULL
WHERE state = 'dead' AND coalesce(consent_action, '') <> 'drop'
  AND (@adAccountId IS NULL OR ad_account_id = @adAccountId)
  AND (@eventIds IS NULL OR event_id IN (SELECT value FROM json_each(@eventIds)))
  AND (@errorContains IS NULL OR instr(last_error, @errorContains) > 0)
  AND (@since IS NULL OR received_at >= @since)`;

// Every stored event of the person, whatever its state; `lower()` because a pre-hashed value is
// stored in the case it came in.
const hashIn = (key: string, param: string) => `EXISTS (
    SELECT 1 FROM json_each(payload, '$.user_data.${key}')
    WHERE lower(value) IN (SELECT value FROM json_each(@${param})))`;

const ERASE = `
DELETE FROM events
WHERE (@adAccountId IS NULL OR ad_account_id = @adAccountId)
  AND (${hashIn('em', 'em')} OR ${hashIn('ph', 'ph')} OR ${hashIn('external_id', 'externalId')})`;

/** Prepares every statement of the store on an open, migrated connection. */
type Statement<P extends unknown[] | object, R = unknown> = Database.Statement<P, R>;

/** The store's prepared statements (named explicitly so declaration files can name the type). */
export interface SqliteStatements {
  insert: Statement<NewEventRow>;
  claim: Statement<ClaimParams, ClaimRow>;
  settleDelivered: Statement<{
    id: number;
    at: number;
    warning: string | null;
    batchId: string | null;
  }>;
  settleFailed: Statement<{
    id: number;
    nextAttemptAt: number;
    error: string;
    status: number | null;
    batchId: string | null;
  }>;
  settleDead: Statement<{
    id: number;
    error: string;
    status: number | null;
    batchId: string | null;
  }>;
  release: Statement<[number]>;
  nextDueAt: Statement<[string], { due: number | null }>;
  accountsWithWork: Statement<[], { ad_account_id: string }>;
  get: Statement<[string, string], RecordRow>;
  findByEventId: Statement<[string], RecordRow>;
  countByState: Statement<[], { state: string; count: number }>;
  oldestPending: Statement<[], { oldest: number | null }>;
  deliveredSince: Statement<[number], { count: number }>;
  replay: Statement<ReplayParams>;
  prune: Statement<[number]>;
  erase: Statement<EraseParams>;
  auditErasure: Statement<{
    at: number;
    requester: string;
    adAccountId: string | null;
    kinds: string;
    deleted: number;
  }>;
}

export function prepareStatements(db: Database.Database): SqliteStatements {
  return {
    insert: db.prepare<NewEventRow>(`
      INSERT INTO events (ad_account_id, event_id, event_name, event_time, source, received_at,
        payload, client_ip_address, client_user_agent, state, next_attempt_at, order_id,
        has_em, has_ph, has_ip_ua, has_click_id, has_external_id, last_error,
        consent, consent_action, ldp_rule)
      VALUES (@adAccountId, @eventId, @eventName, @eventTime, @source, @receivedAt,
        @payload, @clientIpAddress, @clientUserAgent, @state, @nextAttemptAt, @orderId,
        @hasEm, @hasPh, @hasIpUa, @hasClickId, @hasExternalId, @lastError,
        @consent, @consentAction, @ldpRule)
      ON CONFLICT (ad_account_id, event_id) DO NOTHING`),
    claim: db.prepare<ClaimParams, ClaimRow>(CLAIM),
    settleDelivered: db.prepare<{ id: number; at: number; warning: string | null }>(
      SETTLE_DELIVERED,
    ),
    settleFailed: db.prepare<{
      id: number;
      nextAttemptAt: number;
      error: string;
      status: number | null;
    }>(SETTLE_FAILED),
    settleDead: db.prepare<{ id: number; error: string; status: number | null }>(SETTLE_DEAD),
    release: db.prepare<[number]>(RELEASE),
    nextDueAt: db.prepare<[string], { due: number | null }>(NEXT_DUE_AT),
    accountsWithWork: db.prepare<[], { ad_account_id: string }>(ACCOUNTS_WITH_WORK),
    get: db.prepare<[string, string], RecordRow>(`
      SELECT ${EVENT_RECORD_COLUMNS} FROM events WHERE ad_account_id = ? AND event_id = ?`),
    findByEventId: db.prepare<[string], RecordRow>(`
      SELECT ${EVENT_RECORD_COLUMNS} FROM events WHERE event_id = ?
      ORDER BY received_at DESC, id DESC`),
    countByState: db.prepare<[], { state: string; count: number }>(`
      SELECT state, count(*) AS count FROM events GROUP BY state`),
    deliveredSince: db.prepare<[number], { count: number }>(
      'SELECT count(*) AS count FROM events WHERE delivered_at >= ?',
    ),
    oldestPending: db.prepare<[], { oldest: number | null }>(`
      SELECT min(received_at) AS oldest FROM events WHERE ${UNDELIVERED}`),
    replay: db.prepare<ReplayParams>(REPLAY),
    prune: db.prepare<[number]>(`
      DELETE FROM events WHERE state IN ('delivered', 'dead') AND received_at < ?`),
    erase: db.prepare<EraseParams>(ERASE),
    auditErasure: db.prepare(`
      INSERT INTO erasures (requested_at, requester, ad_account_id, identifier_kinds, deleted)
      VALUES (@at, @requester, @adAccountId, @kinds, @deleted)`),
  };
}
