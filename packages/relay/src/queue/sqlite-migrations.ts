/**
 * @module queue/sqlite-migrations
 * The SQLite queue's schema, as an ordered list of migrations. The database records how many it
 * has applied in `PRAGMA user_version`, so a start applies only the ones it lacks, and a relay
 * that finds a schema newer than it knows refuses to touch it.
 *
 * Rules for adding one: append, never edit or reorder an applied migration; each runs in the same
 * transaction as the `user_version` bump, so a crash leaves either the old schema or the new one.
 */
import type Database from 'better-sqlite3';

export interface SqliteMigration {
  /** The `user_version` the database has once this migration is applied (1, 2, 3, ...). */
  version: number;
  /** What it changes and why, for people reading the history. */
  description: string;
  sql: string;
}

/**
 * Migration 1, the queue table.
 *
 * - One row per (ad account, event_id): the UNIQUE constraint is what makes ingest idempotent,
 *   and a row lives until `prune` removes it, which sets the deduplication window.
 * - `payload` is the wire event as compact JSON *without* `user_data.client_ip_address` and
 *   `client_user_agent`: those two are the only raw personal data the relay holds (everything
 *   else in `user_data` is SHA-256 hex), so they get their own columns and can be set to NULL
 *   the moment the event is delivered or dead, without rewriting the JSON.
 * - Times are epoch milliseconds, except `event_time` (Unix seconds, as on the wire).
 * - `next_attempt_at` is when a pending or failed event is due; `lease_expires_at` is when an
 *   in-flight event becomes claimable again because its worker went silent.
 * - STRICT makes SQLite reject a value of the wrong type instead of storing it as text.
 *
 * Indexes, each for a query the relay runs often:
 * - `events_work`: claiming, `nextDueAt` and `accountsWithWork` walk only undelivered rows of one
 *   account in id (arrival) order. Partial, so delivered history does not slow the hot path.
 * - `events_state`: counts by state, the oldest pending event, `prune` and `replay`.
 * - `events_event_id`: `GET /v1/events/{event_id}` when the ad account is not given.
 */
const CREATE_EVENTS = `
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  ad_account_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_name TEXT NOT NULL,
  event_time INTEGER NOT NULL,
  source TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  client_ip_address TEXT,
  client_user_agent TEXT,
  state TEXT NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'in_flight', 'failed', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  last_error TEXT,
  last_status INTEGER,
  delivered_at INTEGER,
  warning TEXT,
  UNIQUE (ad_account_id, event_id)
) STRICT;

CREATE INDEX events_work ON events (ad_account_id, id)
  WHERE state IN ('pending', 'in_flight', 'failed');

CREATE INDEX events_state ON events (state, received_at);

CREATE INDEX events_event_id ON events (event_id);
`;

/**
 * Migration 3, what the dashboard counts (`dashboard/sqlite-queries.ts`).
 *
 * - `order_id` (`custom_data.order_id`) and one 0/1 flag per identifier, set on insert and never
 *   changed: the raw IP address and user agent are purged on delivery, so coverage must be
 *   recorded before. Rows stored before this migration get their flags from the payload;
 *   `has_ip_ua` is 1 only where the IP address and user agent are still held (not yet delivered).
 * - `events_account_received` on (ad_account_id, received_at) and the five flags: events in and
 *   identifier coverage per minute are read from the index alone, and only the window's entries.
 *   The flags never change, so the wider index costs nothing on claim or settle.
 * - `events_delivered` replaces `events_delivered_at` with (delivered_at, ad_account_id,
 *   event_time): deliveries and their delays per minute are read from the index alone. Still
 *   partial and led by `delivered_at`, so delivery rates (`status`) use it as before.
 * - `events_order_id`, partial: looking an order up without scanning the table.
 *
 * Dead letters and the undelivered part of the funnel need no index of their own: `events_state`
 * (state, received_at) reads only the rows in those states.
 */
const DASHBOARD_COLUMNS = `
ALTER TABLE events ADD COLUMN order_id TEXT;
ALTER TABLE events ADD COLUMN has_em INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN has_ph INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN has_ip_ua INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN has_click_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN has_external_id INTEGER NOT NULL DEFAULT 0;

UPDATE events SET
  order_id = nullif(json_extract(payload, '$.custom_data.order_id'), ''),
  has_em = coalesce(json_array_length(payload, '$.user_data.em'), 0) > 0,
  has_ph = coalesce(json_array_length(payload, '$.user_data.ph'), 0) > 0,
  has_ip_ua = client_ip_address IS NOT NULL AND client_user_agent IS NOT NULL,
  has_click_id = coalesce(json_extract(payload, '$.user_data.click_id'), '') <> '',
  has_external_id = coalesce(json_array_length(payload, '$.user_data.external_id'), 0) > 0;

CREATE INDEX events_account_received ON events (ad_account_id, received_at,
  has_em, has_ph, has_ip_ua, has_click_id, has_external_id);

DROP INDEX events_delivered_at;
CREATE INDEX events_delivered ON events (delivered_at, ad_account_id, event_time)
  WHERE delivered_at IS NOT NULL;

CREATE INDEX events_order_id ON events (order_id) WHERE order_id IS NOT NULL;
`;

/**
 * Migration 4, consent and privacy (`privacy/`).
 *
 * - `consent`, `consent_action` and `ldp_rule`: which consent value an event came with, what the
 *   tenant's policy did with it and which LDP rule applied, set on insert for the audit trail
 *   (`GET /v1/events/{event_id}`). NULL for events stored before.
 * - `erasures`: one audit row per erasure request (time, requester, ad account, which kinds of
 *   identifier, how many events were deleted). It never holds an identifier or its hash.
 *
 * An erasure matches inside `payload` with `json_each`, a full scan: erasures are rare, and an
 * index on the hashes would be one more copy of them to forget.
 */
const PRIVACY = `
ALTER TABLE events ADD COLUMN consent TEXT;
ALTER TABLE events ADD COLUMN consent_action TEXT;
ALTER TABLE events ADD COLUMN ldp_rule TEXT;

CREATE TABLE erasures (
  id INTEGER PRIMARY KEY,
  requested_at INTEGER NOT NULL,
  requester TEXT NOT NULL,
  ad_account_id TEXT,
  identifier_kinds TEXT NOT NULL,
  deleted INTEGER NOT NULL
) STRICT;
`;

/**
 * Migration 6: `events_due`, the undelivered events of each account by the time they are due
 * (the lease's end for one in flight). `nextDueAt` reads its first entry for the account, and
 * `accountsWithWork` skips from one account to the next through it, instead of walking the whole
 * backlog: on a 1M-event queue that walk took more time than the claim and send it served. The
 * expression is repeated word for word by the statements (`DUE_AT` in `sqlite-statements.ts`).
 */
const DUE_INDEX = `
CREATE INDEX events_due ON events (ad_account_id,
  CASE state WHEN 'in_flight' THEN lease_expires_at ELSE next_attempt_at END)
  WHERE state IN ('pending', 'in_flight', 'failed');
`;

/**
 * Migration 5: `last_batch_id`, the call (`<relay owner>-<sequence>`, as the delivery log lines
 * name it as `batchId`) whose answer last settled the event, so the dashboard's lookup can show
 * which call took an event and find it in the logs. No index: it is read with its row only.
 */
const LAST_BATCH = `ALTER TABLE events ADD COLUMN last_batch_id TEXT;`;

/** Every migration, oldest first. `version` equals position + 1. */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    description: 'the events table with its idempotency key and the indexes for claiming and stats',
    sql: CREATE_EVENTS,
  },
  {
    version: 2,
    description:
      'an index on delivered_at, so delivery rates (`status`, the dashboard) read no history',
    sql: 'CREATE INDEX events_delivered_at ON events (delivered_at) WHERE delivered_at IS NOT NULL;',
  },
  {
    version: 3,
    description: 'order id and identifier flags recorded at ingest, and indexes for the dashboard',
    sql: DASHBOARD_COLUMNS,
  },
  {
    version: 4,
    description: 'the consent and LDP rules applied to each event, and an audit table of erasures',
    sql: PRIVACY,
  },
  {
    version: 5,
    description: 'the call that last settled each event, for its path on the dashboard',
    sql: LAST_BATCH,
  },
  {
    version: 6,
    description: "an index of each undelivered event's due time per account",
    sql: DUE_INDEX,
  },
];

/** The schema version this code writes and expects. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS.length;

/**
 * Brings the database up to {@link SQLITE_SCHEMA_VERSION}, applying each missing migration in its
 * own write transaction, and returns how many it applied (0 when already current).
 *
 * The version is read inside an IMMEDIATE transaction, which holds the write lock, so two relays
 * starting together on one file cannot both apply the same migration.
 *
 * @throws Error when the database was written by a newer relay (its version is higher).
 */
export function runSqliteMigrations(db: Database.Database): number {
  let applied = 0;
  for (const migration of SQLITE_MIGRATIONS) {
    const step = db.transaction(() => {
      const current = readUserVersion(db);
      if (current > SQLITE_SCHEMA_VERSION) {
        throw new Error(
          `queue database schema is version ${current}, newer than this relay's ` +
            `${SQLITE_SCHEMA_VERSION}: upgrade the relay or point it at another database`,
        );
      }

      if (current >= migration.version) return false;
      db.exec(migration.sql);
      // PRAGMA takes no bound parameters; the value is our own integer, never input.
      db.pragma(`user_version = ${migration.version}`);
      return true;
    });
    if (step.immediate()) applied++;
  }

  return applied;
}

/** The `PRAGMA user_version` of the database: how many migrations it has. */
export function readUserVersion(db: Database.Database): number {
  const version: unknown = db.pragma('user_version', { simple: true });
  return typeof version === 'number' ? version : 0;
}
