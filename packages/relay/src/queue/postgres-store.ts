/**
 * @module queue/postgres-store
 * The shared queue: PostgreSQL through a node-postgres pool, for several relays on one database.
 * Everything the store keeps lives in one schema (default `pinterest_capi`), named in every
 * statement, so it needs no `search_path` and several relays or test runs can share a database
 * on different schemas.
 *
 * Every method is a single statement (prune: a few), so no call holds a connection across round
 * trips: enqueue is one multi-row INSERT, claim one UPDATE over a `FOR UPDATE SKIP LOCKED`
 * selection, settle one statement for the whole batch.
 */
import { Pool, TypeOverrides, escapeIdentifier, types } from 'pg';
import type { QueryConfig, QueryResultRow } from 'pg';

import { PostgresDashboardQueries } from '../dashboard/postgres-queries.js';
import type { DashboardQueries, DashboardSource } from '../dashboard/queries.js';
import { PostgresPacer } from './postgres-pacer.js';
import {
  DEFAULT_POSTGRES_SCHEMA,
  checkSchemaName,
  runPostgresMigrations,
} from './postgres-migrations.js';
import type { PostgresMigration } from './postgres-migrations.js';
import { postgresStatements } from './postgres-statements.js';
import type { PostgresStatements } from './postgres-statements.js';
import { checkErasure } from './erasure.js';
import { EVENT_STATES } from './store.js';
import type {
  ErasureRequest,
  ErasureResult,
  ClaimOptions,
  ClaimedEvent,
  EnqueueResult,
  EventRecord,
  EventState,
  EventStore,
  NewEvent,
  QueueStats,
  ReplayFilter,
  Settlement,
} from './store.js';
import {
  assertHashedOnly,
  checkClaimOptions,
  newEventRow,
  toClaimedEvent,
  toEventRecord,
} from './stored-event.js';
import type { ClaimRow, EventRecordRow } from './stored-event.js';

export interface PostgresStoreOptions {
  /**
   * A `postgres://` (or `postgresql://`) URL. A `schema` query parameter
   * (`postgres://host/db?schema=relay_eu`) names the schema when the `schema` option does not;
   * it is taken out before the URL reaches node-postgres.
   */
  connectionString: string;
  /**
   * The schema holding the store's tables, created by the migrations if missing.
   * @default the URL's `?schema=`, else 'pinterest_capi'
   */
  schema?: string;
  /**
   * Connections in the pool. Ingest, claims, settles and the pacer share them; each statement
   * holds one only while it runs.
   * @default 10
   */
  poolSize?: number;
}

const DEFAULT_POOL_SIZE = 10;
/** Rows deleted per statement by `prune`. */
const PRUNE_CHUNK = 5000;
/** SQLSTATEs worth running a statement again for: deadlock_detected, serialization_failure. */
const TRANSIENT_CODES = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;

// node-postgres returns bigint columns as strings, since they may exceed 2^53. Every bigint here
// is an epoch millisecond time, a row id or a count, all far below that, so this pool (and only
// it: the overrides are not global) reads them as numbers.
const PG_TYPES = new TypeOverrides();
PG_TYPES.setTypeParser(types.builtins.INT8, (value: string) => Number(value));

/** Whether a `DATABASE_URL` names PostgreSQL. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * Splits the store's own `schema` query parameter off a PostgreSQL URL.
 *
 * @throws RangeError when the schema is not a plain identifier.
 * @example
 * parsePostgresUrl('postgres://relay@db/capi?schema=eu&sslmode=require');
 * // { connectionString: 'postgres://relay@db/capi?sslmode=require', schema: 'eu' }
 */
export function parsePostgresUrl(url: string): {
  connectionString: string;
  schema: string | undefined;
} {
  const queryAt = url.indexOf('?');
  if (queryAt === -1) return { connectionString: url, schema: undefined };
  const params = new URLSearchParams(url.slice(queryAt + 1));
  const schema = params.get('schema');
  if (schema === null) return { connectionString: url, schema: undefined };
  params.delete('schema');
  const rest = params.toString();
  const connectionString = url.slice(0, queryAt) + (rest === '' ? '' : `?${rest}`);
  return { connectionString, schema: checkSchemaName(schema) };
}

/**
 * Brings a PostgreSQL schema up to date on a connection of its own, without opening a store, and
 * answers which migrations it applied: what `pinterest-capi migrate` runs.
 *
 * @throws as {@link PostgresStore.open} does.
 */
export async function migratePostgres(
  options: Omit<PostgresStoreOptions, 'poolSize'>,
): Promise<{ schema: string; applied: PostgresMigration[] }> {
  const { pool, schema } = openPool({ ...options, poolSize: 1 });
  try {
    return { schema, applied: await runPostgresMigrations(pool, schema) };
  } finally {
    await pool.end();
  }
}

/**
 * An {@link EventStore} on PostgreSQL, shared by any number of relay instances.
 *
 * @example
 * const store = await PostgresStore.open({ connectionString: 'postgres://relay@db/capi' });
 * const [result] = await store.enqueue([{ adAccountId, event, source: 'events', receivedAt }]);
 */
export class PostgresStore implements EventStore, DashboardSource {
  /** The schema holding the store's tables (unquoted). */
  readonly schema: string;
  readonly #pool: Pool;
  readonly #quotedSchema: string;
  readonly #sql: PostgresStatements;
  #dashboard: PostgresDashboardQueries | undefined;
  #closed = false;

  private constructor(pool: Pool, schema: string) {
    this.#pool = pool;
    this.schema = schema;
    this.#quotedSchema = escapeIdentifier(schema);
    this.#sql = postgresStatements(this.#quotedSchema);
  }

  /**
   * Opens a pool on the database and brings the schema up to date (see {@link migrate}).
   *
   * @throws RangeError for an invalid option; the database's error when it cannot be reached or
   *   a migration fails; Error when the schema is newer than this relay.
   */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const { pool, schema } = openPool(options);
    const store = new PostgresStore(pool, schema);
    try {
      await store.migrate();
      return store;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  /**
   * Creates or upgrades the schema. Safe from several instances at once: an advisory lock lets
   * one apply each migration while the others wait, then find nothing left to do.
   */
  async migrate(): Promise<void> {
    await this.applyMigrations();
  }

  /** Like {@link migrate}, and answers which migrations this call applied. */
  applyMigrations(): Promise<PostgresMigration[]> {
    return runPostgresMigrations(this.#pool, this.schema);
  }

  /** The dashboard's aggregate queries on this database, on the store's pool. */
  dashboardQueries(): DashboardQueries {
    this.#dashboard ??= new PostgresDashboardQueries(this.#pool, this.#quotedSchema);
    return this.#dashboard;
  }

  /**
   * A call budget kept in this store's database, shared by every relay using the same schema.
   *
   * @throws RangeError when `callsPerMinute` or `windowMs` is not a positive integer.
   */
  createPacer(options: { callsPerMinute: number; windowMs?: number }): PostgresPacer {
    return new PostgresPacer({ ...options, pool: this.#pool, quotedSchema: this.#quotedSchema });
  }

  async enqueue(events: readonly NewEvent[]): Promise<EnqueueResult[]> {
    assertHashedOnly(events);
    if (events.length === 0) return [];
    // The first copy of a key within the call is the one stored; later copies are duplicates
    // even when the first is new, as they would be had they come in a later call.
    const seen = new Set<string>();
    const unique: NewEvent[] = [];
    const entries = events.map((event) => {
      const key = keyOf(event.adAccountId, event.event.event_id);
      const first = !seen.has(key);
      seen.add(key);
      if (first) unique.push(event);
      return { key, first, eventId: event.event.event_id };
    });
    // Rows go in in key order, so two instances inserting overlapping keys wait for each other
    // in one direction only; in input order each could hold a row the other waits for, a
    // deadlock PostgreSQL breaks only after a second. Claims follow due time, not row id.
    unique.sort((a, b) => compareKeys(a, b));
    const { rows } = await this.#query<{ ad_account_id: string; event_id: string }>({
      name: 'capi_enqueue',
      text: this.#sql.insert,
      values: insertColumns(unique),
    });
    const inserted = new Set(rows.map((row) => keyOf(row.ad_account_id, row.event_id)));
    return entries.map(({ key, first, eventId }) => ({
      eventId,
      status: first && inserted.has(key) ? 'accepted' : 'duplicate',
    }));
  }

  async claim(options: ClaimOptions): Promise<ClaimedEvent[]> {
    checkClaimOptions(options);
    if (options.limit === 0) return [];
    const { adAccountId, now, limit, owner, leaseMs } = options;
    const { rows } = await this.#query<ClaimRow>({
      name: 'capi_claim',
      text: this.#sql.claim,
      values: [adAccountId, now, limit, owner, now + leaseMs],
    });
    // RETURNING gives no order guarantee; arrival order is part of the contract.
    return rows.sort((a, b) => a.id - b.id).map(toClaimedEvent);
  }

  async settle(settlements: readonly Settlement[]): Promise<void> {
    if (settlements.length === 0) return;
    await this.#query({
      name: 'capi_settle',
      text: this.#sql.settle,
      values: settleColumns(settlements),
    });
  }

  async release(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#query({ name: 'capi_release', text: this.#sql.release, values: [ids] });
  }

  async nextDueAt(adAccountId: string): Promise<number | undefined> {
    const { rows } = await this.#query<{ due: number | null }>({
      name: 'capi_next_due',
      text: this.#sql.nextDueAt,
      values: [adAccountId],
    });
    return rows[0]?.due ?? undefined;
  }

  async accountsWithWork(): Promise<string[]> {
    const { rows } = await this.#query<{ ad_account_id: string }>({
      name: 'capi_accounts_with_work',
      text: this.#sql.accountsWithWork,
    });
    return rows.map((row) => row.ad_account_id);
  }

  async get(adAccountId: string, eventId: string): Promise<EventRecord | undefined> {
    const { rows } = await this.#query<EventRecordRow>({
      text: this.#sql.get,
      values: [adAccountId, eventId],
    });
    return rows[0] === undefined ? undefined : toEventRecord(rows[0]);
  }

  async findByEventId(eventId: string): Promise<EventRecord[]> {
    const { rows } = await this.#query<EventRecordRow>({
      text: this.#sql.findByEventId,
      values: [eventId],
    });
    return rows.map(toEventRecord);
  }

  async stats(): Promise<QueueStats> {
    const [counts, oldest] = await Promise.all([
      this.#query<{ state: string; count: number }>({ text: this.#sql.countByState }),
      this.#query<{ oldest: number | null }>({ text: this.#sql.oldestPending }),
    ]);
    const byState = Object.fromEntries(EVENT_STATES.map((s) => [s, 0])) as QueueStats['byState'];
    for (const { state, count } of counts.rows) byState[state as EventState] = count;
    return { byState, oldestPendingReceivedAt: oldest.rows[0]?.oldest ?? undefined };
  }

  async deliveredSince(since: number): Promise<number> {
    const { rows } = await this.#query<{ count: number }>({
      text: this.#sql.deliveredSince,
      values: [since],
    });
    return rows[0]?.count ?? 0;
  }

  async replay(filter: ReplayFilter, now: number): Promise<number> {
    const { rowCount } = await this.#query({
      text: this.#sql.replay,
      values: [
        filter.adAccountId ?? null,
        filter.eventIds ?? null,
        filter.errorContains ?? null,
        filter.since ?? null,
        now,
      ],
    });
    return rowCount ?? 0;
  }

  /** Deletes in chunks of a few thousand rows, each its own statement, until none is left. */
  async prune(before: number): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await this.#query({
        name: 'capi_prune',
        text: this.#sql.prune,
        values: [before, PRUNE_CHUNK],
      });
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < PRUNE_CHUNK) return total;
    }
  }

  /** Deletes the person's events and writes the audit row in one statement. */
  async erase(request: ErasureRequest): Promise<ErasureResult> {
    const checked = checkErasure(request);
    const { rows } = await this.#query<{ deleted: number | string }>({
      text: this.#sql.erase,
      values: [
        request.adAccountId ?? null,
        checked.em,
        checked.ph,
        checked.externalId,
        request.at,
        request.requester,
        checked.kinds,
      ],
    });
    return { deleted: Number(rows[0]?.deleted ?? 0) };
  }

  /** Ends the pool once its statements in progress finish. Calling it again does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  /** Runs one statement, again after a deadlock or serialization failure (it changed nothing). */
  async #query<R extends QueryResultRow = QueryResultRow>(config: QueryConfig) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#pool.query<R>(config);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isTransient(error)) throw error;
      }
    }
  }
}

function openPool(options: PostgresStoreOptions): { pool: Pool; schema: string } {
  if (typeof options.connectionString !== 'string' || !isPostgresUrl(options.connectionString)) {
    throw new RangeError('PostgresStore option connectionString must be a postgres:// URL');
  }

  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isSafeInteger(poolSize) || poolSize < 1) {
    throw new RangeError('PostgresStore option poolSize must be a positive integer');
  }

  const parsed = parsePostgresUrl(options.connectionString);
  const schema = checkSchemaName(options.schema ?? parsed.schema ?? DEFAULT_POSTGRES_SCHEMA);
  const pool = new Pool({
    connectionString: parsed.connectionString,
    max: poolSize,
    types: PG_TYPES,
    // A pool with every connection busy queues requests; a database that cannot be reached
    // should fail them rather than leave ingest hanging.
    connectionTimeoutMillis: 10_000,
    // Shows in pg_stat_activity; an application_name in the URL takes precedence.
    application_name: 'pinterest-capi',
  });
  // An idle connection that dies (a database restart) is dropped by the pool and emitted here;
  // without a listener it would crash the process. The next statement opens a new connection,
  // and reports the error itself if the database is still away.
  pool.on('error', () => undefined);
  return { pool, schema };
}

function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

function compareKeys(a: NewEvent, b: NewEvent): number {
  if (a.adAccountId !== b.adAccountId) return a.adAccountId < b.adAccountId ? -1 : 1;
  if (a.event.event_id === b.event.event_id) return 0;
  return a.event.event_id < b.event.event_id ? -1 : 1;
}

function keyOf(adAccountId: string, eventId: string): string {
  return `${adAccountId}\u0000${eventId}`;
}

/** The INSERT's twenty-one arrays, one element per event, in the order of its `unnest`. */
function insertColumns(events: readonly NewEvent[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 21 }, () => []);
  for (const newEvent of events) {
    const row = newEventRow(newEvent);
    const values = [
      row.adAccountId,
      row.eventId,
      row.eventName,
      row.eventTime,
      row.source,
      row.receivedAt,
      row.payload,
      row.clientIpAddress,
      row.clientUserAgent,
      row.orderId,
      row.hasEm,
      row.hasPh,
      row.hasIpUa,
      row.hasClickId,
      row.hasExternalId,
      row.state,
      row.nextAttemptAt,
      row.lastError,
      row.consent,
      row.consentAction,
      row.ldpRule,
    ];
    values.forEach((value, i) => columns[i]?.push(value));
  }

  return columns;
}

/** Which outcome wins when one call settles an id twice: the one that is final soonest. */
const PRECEDENCE = { delivered: 3, dead: 2, failed: 1 } as const;

/** The settle statement's thirteen arrays: delivered (4), failed (5) and dead (4) columns. */
function settleColumns(settlements: readonly Settlement[]): unknown[][] {
  const byId = new Map<number, Settlement>();
  for (const settlement of settlements) {
    const kept = byId.get(settlement.id);
    if (kept === undefined || PRECEDENCE[settlement.state] >= PRECEDENCE[kept.state]) {
      byId.set(settlement.id, settlement);
    }
  }

  const columns: unknown[][] = Array.from({ length: 13 }, () => []);
  const push = (offset: number, values: unknown[]) => {
    values.forEach((value, i) => columns[offset + i]?.push(value));
  };

  for (const s of byId.values()) {
    const batchId = s.batchId ?? null;
    if (s.state === 'delivered') push(0, [s.id, s.at, s.warning ?? null, batchId]);
    else if (s.state === 'failed') {
      push(4, [s.id, s.nextAttemptAt, s.error, s.status ?? null, batchId]);
    } else push(9, [s.id, s.error, s.status ?? null, batchId]);
  }

  return columns;
}
