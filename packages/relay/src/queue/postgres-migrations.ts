/**
 * @module queue/postgres-migrations
 * The PostgreSQL queue's schema, as an ordered list of migrations recorded in a
 * `schema_migrations` table of the store's own schema. Several relays may start at once on one
 * database: whoever finds the schema behind takes a transaction-scoped advisory lock, reads the
 * version again under it, and applies what is still missing, so each migration runs exactly once.
 *
 * Rules for adding one: append, never edit or reorder an applied migration. All missing
 * migrations run in one transaction with their `schema_migrations` rows, so a failure leaves the
 * schema as it was. (A future migration that cannot run in a transaction, such as
 * `CREATE INDEX CONCURRENTLY`, will need a path of its own.)
 */
import { escapeIdentifier } from 'pg';
import type { Pool, PoolClient } from 'pg';

export interface PostgresMigration {
  /** The schema version once this migration is applied (1, 2, 3, ...). */
  version: number;
  /** What it changes and why, for people reading the history (and `pinterest-capi migrate`). */
  description: string;
  /** The DDL, given the quoted schema name. */
  sql: (schema: string) => string;
}

/**
 * Migration 1, the queue table. The same columns as the SQLite store (see `sqlite-migrations.ts`
 * for what each holds), with PostgreSQL types, plus:
 *
 * - `due_at`, generated from the state: the lease end for an event in flight, `next_attempt_at`
 *   otherwise, NULL once delivered or dead. One column to index means a claim reads only due rows.
 * - `events_due` on (ad_account_id, due_at, id), partial on the undelivered states: a claim walks
 *   the due rows of one account in due order and stops after `limit`, so neither the backlog of
 *   rows not yet due nor delivered history is read. `nextDueAt` is its first entry, and
 *   `accountsWithWork` skips from one account to the next on it.
 * - `events_state` for counts, the oldest pending event and `prune`; `events_event_id` for
 *   lookups without an ad account; `events_delivered_at` for delivery rates.
 * - What the dashboard counts, fixed at ingest as in the SQLite store's migration 3 (see
 *   `storedEventFacts`): `order_id` and a 0/1 flag per identifier, recorded now because the raw
 *   IP address and user agent are purged on delivery and could not be counted later. The
 *   indexes the dashboard's queries need are left to the migration that brings those queries:
 *   each claim and settle writes a new row version into every index, and two more indexes cost
 *   a fifth of the drain rate.
 * - A queue table is updated two or three times per row and then deleted by `prune`, so
 *   autovacuum is told to visit it after 2% of its rows change instead of the default 20%: dead
 *   index entries are what would otherwise slow claims down.
 */
const CREATE_EVENTS = (s: string) => `
CREATE TABLE ${s}.events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ad_account_id text NOT NULL,
  event_id text NOT NULL,
  event_name text NOT NULL,
  event_time bigint NOT NULL,
  source text NOT NULL,
  received_at bigint NOT NULL,
  payload text NOT NULL,
  client_ip_address text,
  client_user_agent text,
  state text NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'in_flight', 'failed', 'delivered', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint,
  lease_owner text,
  lease_expires_at bigint,
  due_at bigint GENERATED ALWAYS AS (
    CASE WHEN state = 'in_flight' THEN lease_expires_at ELSE next_attempt_at END
  ) STORED,
  last_error text,
  last_status integer,
  delivered_at bigint,
  warning text,
  order_id text,
  has_em smallint NOT NULL DEFAULT 0,
  has_ph smallint NOT NULL DEFAULT 0,
  has_ip_ua smallint NOT NULL DEFAULT 0,
  has_click_id smallint NOT NULL DEFAULT 0,
  has_external_id smallint NOT NULL DEFAULT 0,
  CONSTRAINT events_account_event_id UNIQUE (ad_account_id, event_id)
) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);

CREATE INDEX events_due ON ${s}.events (ad_account_id, due_at, id)
  WHERE state IN ('pending', 'in_flight', 'failed');

CREATE INDEX events_state ON ${s}.events (state, received_at);

CREATE INDEX events_event_id ON ${s}.events (event_id);

CREATE INDEX events_delivered_at ON ${s}.events (delivered_at) WHERE delivered_at IS NOT NULL;
`;

/**
 * Migration 2, the shared call budget (`postgres-pacer.ts`): one row per call granted in the
 * last window, per pacer key (an ad account id). Rows older than the window are deleted by the
 * next acquire of the same key, so the table holds at most one budget's worth per account.
 */
const CREATE_CALL_SLOTS = (s: string) => `
CREATE TABLE ${s}.call_slots (
  pacer_key text NOT NULL,
  granted_at bigint NOT NULL
);

CREATE INDEX call_slots_key ON ${s}.call_slots (pacer_key, granted_at);
`;

/**
 * Migration 3, the indexes of the dashboard's queries (`dashboard/postgres-queries.ts`), as the
 * SQLite store's migration 3 has them; the columns they read came with migration 1.
 *
 * - `events_account_received` on (ad_account_id, received_at), carrying the five flags: events in
 *   and identifier coverage per minute are read from the index alone, over the window's entries.
 * - `events_delivered` replaces `events_delivered_at` with (delivered_at, ad_account_id,
 *   event_time): deliveries and their delays per minute come from the index alone, and delivery
 *   rates (`deliveredSince`) still use it, so this one costs no more index writes than before.
 * - `events_order_id`, partial: an order is looked up without scanning the table.
 *
 * Dead letters and the undelivered part of the funnel read `events_state` (state, received_at),
 * and a lookup by event_id the unique (ad_account_id, event_id) key. Claims and settles change
 * indexed columns, so every one writes an entry into each index: the two new indexes are what
 * this migration costs the drain rate.
 */
const DASHBOARD_INDEXES = (s: string) => `
CREATE INDEX events_account_received ON ${s}.events (ad_account_id, received_at)
  INCLUDE (has_em, has_ph, has_ip_ua, has_click_id, has_external_id);

DROP INDEX ${s}.events_delivered_at;
CREATE INDEX events_delivered ON ${s}.events (delivered_at, ad_account_id, event_time)
  WHERE delivered_at IS NOT NULL;

CREATE INDEX events_order_id ON ${s}.events (order_id) WHERE order_id IS NOT NULL;
`;

/**
 * Migration 4, consent and privacy: the same columns and `erasures` audit table as the SQLite
 * store's migration 4 (see `sqlite-migrations.ts`). An erasure reads `payload` as jsonb over the
 * rows of one account (or all), with no index of its own: erasures are rare, and an index on the
 * hashes would be one more copy of them to forget.
 */
const PRIVACY = (s: string) => `
ALTER TABLE ${s}.events ADD COLUMN consent text;
ALTER TABLE ${s}.events ADD COLUMN consent_action text;
ALTER TABLE ${s}.events ADD COLUMN ldp_rule text;

CREATE TABLE ${s}.erasures (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  requested_at bigint NOT NULL,
  requester text NOT NULL,
  ad_account_id text,
  identifier_kinds text NOT NULL,
  deleted integer NOT NULL
);
`;

/** Migration 5, the same `last_batch_id` column as the SQLite store's migration 5. */
const LAST_BATCH = (s: string) => `ALTER TABLE ${s}.events ADD COLUMN last_batch_id text;`;

/** Every migration, oldest first. `version` equals position + 1. */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: 'the events table with its idempotency key and the indexes for claiming and stats',
    sql: CREATE_EVENTS,
  },
  {
    version: 2,
    description: 'the call_slots table, so relays sharing an ad account share its call budget',
    sql: CREATE_CALL_SLOTS,
  },
  {
    version: 3,
    description: 'indexes for the dashboard: events in and deliveries per minute, order lookup',
    sql: DASHBOARD_INDEXES,
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
];

/** The schema version this code writes and expects. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;

/** The store's schema when none is given. */
export const DEFAULT_POSTGRES_SCHEMA = 'pinterest_capi';

// Advisory lock keys are (class, object) pairs shared by every application on the database; this
// class keeps ours apart from theirs, and the object is the schema, so two stores on different
// schemas never wait for each other.
const MIGRATION_LOCK_CLASS = 0x70_63_61_6d; // 'pcam'

/**
 * Checks a schema name: letters, digits and underscores, starting with a letter or underscore, at
 * most 63 characters (PostgreSQL's identifier limit, past which names are silently cut).
 *
 * @throws RangeError when the name is not of that form.
 */
export function checkSchemaName(schema: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new RangeError(
      'PostgreSQL schema must be 1 to 63 letters, digits or underscores, not starting with a digit',
    );
  }

  return schema;
}

/**
 * Brings `schema` up to {@link POSTGRES_SCHEMA_VERSION}, creating it if needed, and returns the
 * migrations it applied (none when already current). A current schema is recognised with one
 * read and no lock or DDL, so relays whose database role may not change the schema start fine
 * once `pinterest-capi migrate` has run.
 *
 * @throws Error when the schema was written by a newer relay; the database's error when a
 *   migration fails (nothing of it is kept).
 */
export async function runPostgresMigrations(
  pool: Pool,
  schema: string,
): Promise<PostgresMigration[]> {
  checkSchemaName(schema);
  const current = await readPostgresVersion(pool, schema);
  if (current !== undefined && checkVersion(current) === POSTGRES_SCHEMA_VERSION) return [];

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const applied = await migrateLocked(client, schema);
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * The schema's version: the highest applied migration, 0 when the migrations table is empty, or
 * undefined when the schema or its migrations table does not exist.
 */
export async function readPostgresVersion(
  pool: Pool | PoolClient,
  schema: string,
): Promise<number | undefined> {
  const table = `${escapeIdentifier(checkSchemaName(schema))}.schema_migrations`;
  const { rows } = await pool.query<{ exists: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS exists',
    [table],
  );
  if (rows[0]?.exists !== true) return undefined;
  const version = await pool.query<{ version: number | null }>(
    `SELECT max(version) AS version FROM ${table}`,
  );
  return version.rows[0]?.version ?? 0;
}

async function migrateLocked(client: PoolClient, schema: string): Promise<PostgresMigration[]> {
  const s = escapeIdentifier(schema);
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
    MIGRATION_LOCK_CLASS,
    schema,
  ]);
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  await client.query(`
    CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
      version integer PRIMARY KEY,
      description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  // Read again under the lock: another instance may have migrated while this one waited.
  const current = checkVersion((await readPostgresVersion(client, schema)) ?? 0);
  const missing = POSTGRES_MIGRATIONS.filter((migration) => migration.version > current);
  for (const migration of missing) {
    await client.query(migration.sql(s));
    await client.query(
      `INSERT INTO ${s}.schema_migrations (version, description) VALUES ($1, $2)`,
      [migration.version, migration.description],
    );
  }

  return missing;
}

function checkVersion(version: number): number {
  if (version > POSTGRES_SCHEMA_VERSION) {
    throw new Error(
      `queue schema is version ${version}, newer than this relay's ${POSTGRES_SCHEMA_VERSION}: ` +
        'upgrade the relay or point it at another schema',
    );
  }

  return version;
}
