/**
 * @module queue/sqlite-store
 * The embedded queue: one SQLite file (better-sqlite3) in WAL mode, fsynced on every commit. The
 * default store, needing nothing but a writable directory.
 *
 * better-sqlite3 is synchronous: every call runs to completion on the event loop. That is what
 * makes group commit work without a lock: requests that arrive while one commit is being fsynced
 * queue up in the OS and are written together by the next one (see `group-commit.ts`).
 */
import type Database from 'better-sqlite3';

import type { DashboardQueries, DashboardSource } from '../dashboard/queries.js';
import { SqliteDashboardQueries } from '../dashboard/sqlite-queries.js';
import { openSqliteConnection } from './sqlite-connection.js';
import type { CheckpointCadence, SqliteStoreOptions } from './sqlite-connection.js';
import { runSqliteMigrations } from './sqlite-migrations.js';
import { prepareStatements } from './sqlite-statements.js';
import type { SqliteStatements } from './sqlite-statements.js';
import { checkErasure } from './erasure.js';
import { EVENT_STATES } from './store.js';
import type {
  ClaimOptions,
  ErasureRequest,
  ErasureResult,
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
import type { ClaimRow } from './stored-event.js';

export type { SqliteStoreOptions } from './sqlite-connection.js';

/**
 * An {@link EventStore} on an embedded SQLite file.
 *
 * @example
 * const store = SqliteStore.open({ path: './data/relay.db' });
 * const [result] = await store.enqueue([{ adAccountId, event, source: 'events', receivedAt }]);
 */
export class SqliteStore implements EventStore, DashboardSource {
  readonly #db: Database.Database;
  readonly #statements: SqliteStatements;
  readonly #checkpointEvery: number;
  readonly #checkpointWhenIdleMs: number;
  #idleTimer: NodeJS.Timeout | undefined;
  // Transactions are built once, like the statements; each is run with `.immediate()`.
  readonly #enqueueTx: Database.Transaction<(events: readonly NewEvent[]) => EnqueueResult[]>;
  readonly #settleTx: Database.Transaction<(settlements: readonly Settlement[]) => void>;
  readonly #releaseTx: Database.Transaction<(ids: readonly number[]) => void>;
  readonly #claimTx: Database.Transaction<(options: ClaimOptions) => ClaimRow[]>;
  readonly #eraseTx: Database.Transaction<(request: ErasureRequest) => number>;
  #commitsSinceCheckpoint = 0;
  #dashboard: SqliteDashboardQueries | undefined;

  private constructor(db: Database.Database, cadence: CheckpointCadence) {
    this.#db = db;
    this.#checkpointEvery = cadence.everyCommits;
    this.#checkpointWhenIdleMs = cadence.whenIdleMs;
    this.#statements = prepareStatements(db);
    this.#enqueueTx = db.transaction((events: readonly NewEvent[]) => this.#insertAll(events));
    this.#settleTx = db.transaction((settlements: readonly Settlement[]) => {
      for (const settlement of settlements) this.#settleOne(settlement);
    });
    this.#releaseTx = db.transaction((ids: readonly number[]) => {
      for (const id of ids) this.#statements.release.run(id);
    });
    this.#claimTx = db.transaction((options: ClaimOptions) =>
      this.#statements.claim.all({
        adAccountId: options.adAccountId,
        now: options.now,
        limit: options.limit,
        owner: options.owner,
        leaseExpiresAt: options.now + options.leaseMs,
      }),
    );
    this.#eraseTx = db.transaction((request: ErasureRequest) => this.#eraseAll(request));
  }

  /**
   * Opens (or creates) the database, sets its pragmas and brings the schema up to date.
   *
   * @throws RangeError for an invalid option; Error when the file cannot be opened or its schema
   *   is newer than this relay.
   */
  static open(options: SqliteStoreOptions): SqliteStore {
    const { db, cadence } = openSqliteConnection(options);
    return new SqliteStore(db, cadence);
  }

  /** The dashboard's aggregate queries on this database, sharing its connection. */
  dashboardQueries(): DashboardQueries {
    this.#dashboard ??= new SqliteDashboardQueries(this.#db);
    return this.#dashboard;
  }

  /** The database file's path, or `':memory:'`. */
  get path(): string {
    return this.#db.name;
  }

  migrate(): Promise<void> {
    return this.#run(() => {
      runSqliteMigrations(this.#db);
    });
  }

  enqueue(events: readonly NewEvent[]): Promise<EnqueueResult[]> {
    return this.#run(() => {
      assertHashedOnly(events);
      if (events.length === 0) return [];
      return this.#write(() => this.#enqueueTx.immediate(events));
    });
  }

  claim(options: ClaimOptions): Promise<ClaimedEvent[]> {
    return this.#run(() => {
      checkClaimOptions(options);
      if (options.limit === 0) return [];
      // IMMEDIATE takes the write lock before the rows are chosen, so a relay in another process
      // cannot choose the same rows between our read and our update.
      const rows = this.#write(() => this.#claimTx.immediate(options));
      // RETURNING gives no order guarantee; arrival order is part of the contract.
      return rows.sort((a, b) => a.id - b.id).map(toClaimedEvent);
    });
  }

  settle(settlements: readonly Settlement[]): Promise<void> {
    return this.#run(() => {
      if (settlements.length === 0) return;
      this.#write(() => {
        this.#settleTx.immediate(settlements);
      });
    });
  }

  release(ids: readonly number[]): Promise<void> {
    return this.#run(() => {
      if (ids.length === 0) return;
      this.#write(() => {
        this.#releaseTx.immediate(ids);
      });
    });
  }

  nextDueAt(adAccountId: string): Promise<number | undefined> {
    return this.#run(() => this.#statements.nextDueAt.get(adAccountId)?.due ?? undefined);
  }

  accountsWithWork(): Promise<string[]> {
    return this.#run(() => this.#statements.accountsWithWork.all().map((r) => r.ad_account_id));
  }

  get(adAccountId: string, eventId: string): Promise<EventRecord | undefined> {
    return this.#run(() => {
      const row = this.#statements.get.get(adAccountId, eventId);
      return row === undefined ? undefined : toEventRecord(row);
    });
  }

  findByEventId(eventId: string): Promise<EventRecord[]> {
    return this.#run(() => this.#statements.findByEventId.all(eventId).map(toEventRecord));
  }

  stats(): Promise<QueueStats> {
    return this.#run(() => {
      const byState = Object.fromEntries(EVENT_STATES.map((s) => [s, 0])) as QueueStats['byState'];
      for (const { state, count } of this.#statements.countByState.all()) {
        byState[state as EventState] = count;
      }

      const oldest = this.#statements.oldestPending.get()?.oldest ?? undefined;
      return { byState, oldestPendingReceivedAt: oldest };
    });
  }

  deliveredSince(since: number): Promise<number> {
    return this.#run(() => this.#statements.deliveredSince.get(since)?.count ?? 0);
  }

  replay(filter: ReplayFilter, now: number): Promise<number> {
    return this.#run(() => {
      const params = {
        adAccountId: filter.adAccountId ?? null,
        eventIds: filter.eventIds === undefined ? null : JSON.stringify(filter.eventIds),
        errorContains: filter.errorContains ?? null,
        since: filter.since ?? null,
        now,
      };
      return this.#write(() => this.#statements.replay.run(params).changes);
    });
  }

  prune(before: number): Promise<number> {
    return this.#run(() => this.#write(() => this.#statements.prune.run(before).changes));
  }

  /**
   * Deletes the person's events and records the audit row in one transaction, then checkpoints:
   * with `secure_delete` on, the deleted rows are zeroed in the database file, and truncating
   * the WAL removes the copies of their pages it still held.
   */
  erase(request: ErasureRequest): Promise<ErasureResult> {
    return this.#run(() => {
      const deleted = this.#eraseTx.immediate(request);
      this.checkpoint();
      return { deleted };
    });
  }

  /**
   * Copies the WAL into the database file and truncates it to zero bytes. Runs by itself every
   * `checkpointEveryCommits` writes; call it when idle to purge delivered IP addresses sooner.
   * Returns false when another connection's reader kept part of the WAL in use.
   */
  checkpoint(): boolean {
    this.#commitsSinceCheckpoint = 0;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#db.memory) return true;
    const [result] = this.#db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    return result?.busy === 0;
  }

  /** The durability settings in force on this connection, for readiness checks and tests. */
  settings(): { journalMode: string; synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA' } {
    const journalMode = String(this.#db.pragma('journal_mode', { simple: true }));
    const level = Number(this.#db.pragma('synchronous', { simple: true }));
    const synchronous = (['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const)[level] ?? 'OFF';
    return { journalMode, synchronous };
  }

  close(): Promise<void> {
    return this.#run(() => {
      clearTimeout(this.#idleTimer);
      if (this.#db.open) this.#db.close();
    });
  }

  #eraseAll(request: ErasureRequest): number {
    const checked = checkErasure(request);
    const adAccountId = request.adAccountId ?? null;
    const { changes } = this.#statements.erase.run({
      adAccountId,
      em: JSON.stringify(checked.em),
      ph: JSON.stringify(checked.ph),
      externalId: JSON.stringify(checked.externalId),
    });
    this.#statements.auditErasure.run({
      at: request.at,
      requester: request.requester,
      adAccountId,
      kinds: checked.kinds,
      deleted: changes,
    });
    return changes;
  }

  #insertAll(events: readonly NewEvent[]): EnqueueResult[] {
    return events.map((newEvent) => {
      const { changes } = this.#statements.insert.run(newEventRow(newEvent));
      const eventId = newEvent.event.event_id;
      return { eventId, status: changes === 1 ? 'accepted' : 'duplicate' };
    });
  }

  #settleOne(settlement: Settlement): void {
    const { id } = settlement;
    const batchId = settlement.batchId ?? null;
    switch (settlement.state) {
      case 'delivered':
        this.#statements.settleDelivered.run({
          id,
          at: settlement.at,
          warning: settlement.warning ?? null,
          batchId,
        });
        break;
      case 'failed':
        this.#statements.settleFailed.run({
          id,
          nextAttemptAt: settlement.nextAttemptAt,
          error: settlement.error,
          status: settlement.status ?? null,
          batchId,
        });
        break;
      case 'dead':
        this.#statements.settleDead.run({
          id,
          error: settlement.error,
          status: settlement.status ?? null,
          batchId,
        });
    }
  }

  /** Runs one committed write, then checkpoints when its turn has come. */
  #write<T>(commit: () => T): T {
    const result = commit();
    this.#commitsSinceCheckpoint++;
    if (this.#commitsSinceCheckpoint >= this.#checkpointEvery) this.checkpoint();
    else this.#armIdleCheckpoint();
    return result;
  }

  /** (Re)starts the countdown to a checkpoint that runs once writes pause. */
  #armIdleCheckpoint(): void {
    if (this.#checkpointWhenIdleMs === 0 || this.#db.memory) return;
    if (this.#idleTimer !== undefined) {
      this.#idleTimer.refresh();
      return;
    }

    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      // A failure here is not lost: the next write's own checkpoint, or the write, reports it.
      // Thrown from a timer it would only crash the process.
      try {
        if (this.#db.open) this.checkpoint();
      } catch {
        this.#commitsSinceCheckpoint = this.#checkpointEvery;
      }
    }, this.#checkpointWhenIdleMs);
    // A pending checkpoint must not keep a finished process alive.
    this.#idleTimer.unref();
  }

  /** Turns a synchronous call into the interface's promise; a throw becomes a rejection. */
  #run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve) => {
      resolve(work());
    });
  }
}
