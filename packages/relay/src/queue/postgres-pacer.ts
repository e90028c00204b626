/**
 * @module queue/postgres-pacer
 * A call budget shared by every relay on one PostgreSQL database. The SDK's `CallPacer` counts
 * calls in one process, so N relays sending for one ad account would together make N times its
 * budget; this pacer keeps the rolling window in the database instead (the `call_slots` table),
 * so the budget holds for the fleet.
 *
 * Each acquire runs one short transaction: a per-key advisory lock, then one statement that drops
 * slots older than the window, counts the rest and takes a slot if the count is under the budget.
 * The lock makes count-then-insert atomic across instances; the time is the database's clock, so
 * relays whose clocks disagree still share one window. When the budget is spent, the caller sleeps
 * (holding no connection) until the oldest slot leaves the window, then tries again.
 */
import type { Pacer } from '@pinterest-capi/sdk';
import { CapiError, PACER_WINDOW_MS } from '@pinterest-capi/sdk';
import type { Pool } from 'pg';

export interface PostgresPacerOptions {
  /** The pool of the store whose schema holds `call_slots` (migration 2). */
  pool: Pool;
  /** The schema, already quoted with `escapeIdentifier`. */
  quotedSchema: string;
  /** Calls allowed per key in any window, across every relay on the database. */
  callsPerMinute: number;
  /**
   * The window's length. Only tests shorten it.
   * @default PACER_WINDOW_MS (61000: a minute, and a second for the call to reach Pinterest)
   */
  windowMs?: number;
}

/** One row: whether a slot was granted, and when the window's oldest slot was taken. */
interface SlotRow {
  granted: boolean;
  oldest: number | null;
  now: number;
}

// Keeps the pacer's advisory locks apart from the migrations' (see postgres-migrations.ts).
const PACER_LOCK_CLASS = 0x70_63_61_70; // 'pcap'

/**
 * A {@link Pacer} whose rolling window lives in PostgreSQL: at most `callsPerMinute` acquisitions
 * per key in any `windowMs`, counted across every process that paces with the same schema. Callers
 * in one process are served one at a time per key, in arrival order.
 *
 * @throws RangeError from the constructor when `callsPerMinute` or `windowMs` is not a positive
 *   integer.
 * @example
 * const store = await PostgresStore.open({ connectionString: process.env.DATABASE_URL });
 * const pacer = store.createPacer({ callsPerMinute: 5000 });
 * await pacer.acquire('549755885175');
 * // ...make one call for that ad account
 */
export class PostgresPacer implements Pacer {
  readonly callsPerMinute: number;
  readonly windowMs: number;
  readonly #pool: Pool;
  readonly #sql: string;
  readonly #quotedSchema: string;
  /** Per key, the end of the line of callers in this process. */
  readonly #lines = new Map<string, Promise<void>>();

  constructor(options: PostgresPacerOptions) {
    this.callsPerMinute = positiveInteger('callsPerMinute', options.callsPerMinute);
    this.windowMs = positiveInteger('windowMs', options.windowMs ?? PACER_WINDOW_MS);
    this.#pool = options.pool;
    this.#quotedSchema = options.quotedSchema;
    this.#sql = takeSlotSql(`${options.quotedSchema}.call_slots`);
  }

  /**
   * Resolves once a call for `key` may be made, and counts that call for every relay on the
   * database. Rejects with CapiError `CAPI_ERR_ABORTED` if `signal` aborts first (a slot taken in
   * the same moment stays counted: the budget errs on the safe side), or with the database's
   * error if it cannot be reached.
   */
  acquire(key: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(abortError(signal));
    const previous = this.#lines.get(key) ?? Promise.resolve();
    const turn = previous.then(() => this.#takeSlot(key, signal));
    // The next caller waits for this one to settle, whether it got a slot, failed or gave up.
    const settled = turn.catch(() => undefined);
    this.#lines.set(key, settled);
    void settled.then(() => {
      if (this.#lines.get(key) === settled) this.#lines.delete(key);
    });
    return withAbort(turn, signal);
  }

  /** Calls counted for `key` in the current window, across every relay. */
  async used(key: string): Promise<number> {
    const { rows } = await this.#pool.query<{ used: number }>(
      `SELECT count(*)::integer AS used FROM ${this.#quotedSchema}.call_slots
       WHERE pacer_key = $1 AND granted_at > ${DB_NOW_MS} - $2`,
      [key, this.windowMs],
    );
    return rows[0]?.used ?? 0;
  }

  async #takeSlot(key: string, signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      if (signal?.aborted === true) throw abortError(signal);
      const row = await this.#tryOnce(key);
      if (row.granted) return;
      // The oldest slot leaves the window at oldest + windowMs; nothing frees a slot sooner.
      const wait = row.oldest === null ? 1 : row.oldest + this.windowMs - row.now + 1;
      await sleep(Math.min(Math.max(wait, 1), this.windowMs), signal);
    }
  }

  async #tryOnce(key: string): Promise<SlotRow> {
    const client = await this.#pool.connect();
    let rows: SlotRow[];
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
        PACER_LOCK_CLASS,
        `${this.#quotedSchema}:${key}`,
      ]);
      // A statement of its own after the lock: its snapshot then sees every slot committed by
      // whoever held the lock before.
      ({ rows } = await client.query<SlotRow>(this.#sql, [
        key,
        this.callsPerMinute,
        this.windowMs,
      ]));
      await client.query('COMMIT');
    } catch (error) {
      // A connection left mid-transaction must not go back to the pool.
      client.release(error instanceof Error ? error : true);
      throw error;
    }

    client.release();
    const [row] = rows;
    if (row === undefined) throw new Error('call_slots statement returned no row');
    return row;
  }
}

// clock_timestamp(), not now(): now() is the transaction's start, before the lock wait.
const DB_NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

function takeSlotSql(table: string): string {
  return `
WITH clock AS (SELECT ${DB_NOW_MS} AS now),
expired AS (
  DELETE FROM ${table} AS c USING clock
  WHERE c.pacer_key = $1 AND c.granted_at <= clock.now - $3::bigint
),
live AS (
  SELECT count(*) AS used, min(c.granted_at) AS oldest
  FROM ${table} AS c, clock
  WHERE c.pacer_key = $1 AND c.granted_at > clock.now - $3::bigint
),
taken AS (
  INSERT INTO ${table} (pacer_key, granted_at)
  SELECT $1, clock.now FROM clock, live WHERE live.used < $2::bigint
  RETURNING granted_at
)
SELECT EXISTS (SELECT 1 FROM taken) AS granted, live.oldest, clock.now FROM live, clock`;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`PostgresPacer: ${name} must be a positive integer`);
  }

  return value;
}

function abortError(signal: AbortSignal | undefined): CapiError {
  return new CapiError('CAPI_ERR_ABORTED', 'waiting for a call slot was aborted', {
    cause: signal?.reason,
  });
}

/** Rejects as soon as `signal` aborts, even while waiting in line behind other callers. */
function withAbort(turn: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return turn;
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      reject(abortError(signal));
    };

    signal.addEventListener('abort', onAbort, { once: true });
    turn.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        // A slot granted as the signal aborted: the caller asked to stop, so it does not call.
        if (signal.aborted) reject(abortError(signal));
        else resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? abortError(signal) : (error as Error));
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      reject(abortError(signal));
    }

    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
