/**
 * @module queue/sqlite-connection
 * Opening the SQLite queue file: the options, the pragmas (each with its reason) and the schema
 * migration, so that the store class only deals with the queue itself.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';

import { runSqliteMigrations } from './sqlite-migrations.js';

export interface SqliteStoreOptions {
  /** The database file (created with its directory if missing), or `':memory:'` for tests. */
  path: string;
  /**
   * `FULL` fsyncs the WAL on every commit, so an acknowledged event survives a power cut.
   * `NORMAL` survives a crash of the relay but may lose the last commits on power loss.
   * @default 'FULL'
   */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * After this many write transactions the WAL is checkpointed and truncated to zero bytes, so it
   * cannot grow without bound and purged IP addresses do not linger in old WAL frames.
   * @default 1000
   */
  checkpointEveryCommits?: number;
  /**
   * Also checkpoint once no write has come for this long, so that at low traffic a delivered
   * event's IP address is gone from the WAL within seconds, not after a thousand commits. 0 turns
   * it off.
   * @default 2000
   */
  checkpointWhenIdleMs?: number;
  /**
   * How long a write waits for another process (say `pinterest-capi replay`) to release the lock.
   * @default 5000
   */
  busyTimeoutMs?: number;
}

const DEFAULT_CHECKPOINT_EVERY_COMMITS = 1000;
const DEFAULT_CHECKPOINT_WHEN_IDLE_MS = 2000;
const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/** The WAL is cut back to this size whenever SQLite restarts it, between our checkpoints too. */
const JOURNAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Checks the options, opens the database, sets its pragmas and migrates its schema; closes it
 * again if any step fails.
 *
 * @throws RangeError for an invalid option; Error when the file cannot be opened or its schema
 *   is newer than this relay.
 */
export function openSqliteConnection(options: SqliteStoreOptions): {
  db: Database.Database;
  cadence: CheckpointCadence;
} {
  const cadence = checkOptions(options);
  const db = openDatabase(options.path);
  try {
    configure(db, options);
    runSqliteMigrations(db);
    return { db, cadence };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** When the store checkpoints the WAL by itself. */
export interface CheckpointCadence {
  everyCommits: number;
  whenIdleMs: number;
}

function checkOptions(options: SqliteStoreOptions): CheckpointCadence {
  if (typeof options.path !== 'string' || options.path === '') {
    throw new RangeError('SqliteStore option path must be a file path or ":memory:"');
  }

  // Typed as a plain string: the option may come from a config file, not from checked code.
  const sync: string = options.synchronous ?? 'FULL';
  if (sync !== 'FULL' && sync !== 'NORMAL') {
    throw new RangeError('SqliteStore option synchronous must be "FULL" or "NORMAL"');
  }

  const everyCommits = options.checkpointEveryCommits ?? DEFAULT_CHECKPOINT_EVERY_COMMITS;
  if (!Number.isInteger(everyCommits) || everyCommits < 1) {
    throw new RangeError('SqliteStore option checkpointEveryCommits must be a positive integer');
  }

  const whenIdleMs = options.checkpointWhenIdleMs ?? DEFAULT_CHECKPOINT_WHEN_IDLE_MS;
  checkNonNegativeInteger('checkpointWhenIdleMs', whenIdleMs);
  checkNonNegativeInteger('busyTimeoutMs', options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  return { everyCommits, whenIdleMs };
}

function checkNonNegativeInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`SqliteStore option ${name} must be a non-negative integer`);
  }
}

/** Opens the file; a new file (and directory) is made owner-only, since it holds raw IPs. */
function openDatabase(path: string): Database.Database {
  const isFile = path !== ':memory:' && !path.startsWith('file:');
  const created = isFile && !existsSync(path);
  if (created) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  // SQLite gives the -wal and -shm files the main file's permissions.
  if (created) chmodSync(path, 0o600);
  return db;
}

function configure(db: Database.Database, options: SqliteStoreOptions): void {
  // WAL: a commit is one append to the log (one fsync) instead of journal + database writes, and
  // readers (status, the dashboard, a CLI in another process) never block the writer.
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal' && !db.memory) {
    throw new Error(`SQLite refused WAL mode (journal_mode is ${String(mode)}) for the queue file`);
  }

  // FULL: the WAL is fsynced at every commit, so an event acknowledged to a client survives a
  // power cut, not only a crash of the relay. It must be set *after* journal_mode: this build of
  // SQLite (DEFAULT_WAL_SYNCHRONOUS=1) silently drops to NORMAL on entering WAL.
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  // Another process holding the write lock makes us wait this long instead of failing at once.
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
  // No foreign keys yet; on so that a later migration adding one is enforced from the start.
  db.pragma('foreign_keys = ON');
  // Freed space is zeroed: purging an IP or pruning a row must not leave its bytes in the file.
  db.pragma('secure_delete = ON');
  // A WAL that was once large is cut back when SQLite restarts it, not only at our checkpoints.
  db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
}
