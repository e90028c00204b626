/**
 * @module dashboard/sqlite-queries
 * The dashboard's aggregates on the SQLite queue, run on the store's own connection. Each query
 * reads one indexed range (see migration 3 in `sqlite-migrations.ts`) and groups in SQL; the two
 * per-minute queries are answered from their index alone, without touching the table.
 *
 * Ad accounts are passed as a JSON array and read with `json_each`, so one prepared statement
 * serves any number of accounts while SQLite still looks each one up in the index.
 */
import type Database from 'better-sqlite3';

import { EVENT_RECORD_COLUMNS } from '../queue/stored-event.js';
import { DELAY_BOUNDS_SECONDS, MINUTE_MS, fieldCoverageOf } from './queries.js';
import type {
  DashboardQueries,
  DashboardRange,
  DeadLetterPage,
  DeadLetterQuery,
  FieldCoverage,
  FieldCoverageRow,
  LookupMatch,
  LookupQuery,
  MinuteStats,
  UndeliveredCounts,
} from './queries.js';
import { deadLetterPageOf, minuteStatsOf, toLookupMatch, undeliveredOf } from './query-rows.js';
import type {
  DeadRow,
  DeliveredRow,
  LookupRow,
  ReasonRow,
  ReceivedRow,
  UndeliveredRow,
} from './query-rows.js';

const ACCOUNTS = `ad_account_id IN (SELECT value FROM json_each(@accounts))`;

/** The delay bin of a delivered row, from the shared bounds (our own constants, not input). */
const DELAY_BIN = `CASE ${DELAY_BOUNDS_SECONDS.map(
  (bound, i) => `WHEN delivered_at - event_time * 1000 < ${bound * 1000} THEN ${i}`,
).join(' ')} ELSE ${DELAY_BOUNDS_SECONDS.length} END`;

const DEAD_MATCHING = `state = 'dead' AND ${ACCOUNTS}
  AND (@contains IS NULL OR instr(lower(last_error), lower(@contains)) > 0)
  AND (@consentAction IS NULL OR consent_action = @consentAction)
  AND (@ldpRule IS NULL OR ldp_rule = @ldpRule)`;

const LOOKUP_COLUMNS = `${EVENT_RECORD_COLUMNS},
  order_id, json_extract(payload, '$.custom_data.value') AS value,
  json_extract(payload, '$.custom_data.currency') AS currency,
  has_em, has_ph, has_ip_ua, has_click_id, has_external_id`;

// Minutes are computed from the integer columns and an integer literal, so `/` divides as
// integers (a bound JS number would arrive as REAL and make it a float division).
//
// In `deliveredPerMinute` the unary `+` keeps SQLite from walking the account's whole history in
// `events_account_received`: without statistics it rates the account equality above the time
// range, but the range on `events_delivered` is what bounds the rows read.
const SQL = {
  receivedPerMinute: `
    SELECT ad_account_id AS account, received_at / ${MINUTE_MS} AS minute, count(*) AS n,
      sum(has_em) AS email, sum(has_ph) AS phone, sum(has_ip_ua) AS ip_ua,
      sum(has_click_id) AS click_id, sum(has_external_id) AS external_id
    FROM events
    WHERE ${ACCOUNTS} AND received_at >= @since AND received_at < @until
    GROUP BY ad_account_id, minute`,
  deliveredPerMinute: `
    SELECT ad_account_id AS account, delivered_at / ${MINUTE_MS} AS minute, ${DELAY_BIN} AS bin,
      count(*) AS n, max(delivered_at - event_time * 1000) AS max_delay
    FROM events
    WHERE delivered_at >= @since AND delivered_at < @until AND +${ACCOUNTS}
    GROUP BY ad_account_id, minute, bin`,
  undelivered: `
    SELECT ad_account_id AS account, state, count(*) AS n FROM events
    WHERE state IN ('pending', 'in_flight', 'failed', 'dead')
      AND coalesce(consent_action, '') <> 'drop'
      AND received_at >= @since AND received_at < @until AND ${ACCOUNTS}
    GROUP BY ad_account_id, state`,
  deadRows: `
    SELECT ad_account_id, event_id, event_name, order_id, event_time, received_at, attempts,
      last_error, last_status, consent, consent_action, ldp_rule
    FROM events WHERE ${DEAD_MATCHING}
    ORDER BY received_at DESC, id DESC LIMIT @limit`,
  deadCount: `SELECT count(*) AS n FROM events WHERE ${DEAD_MATCHING}`,
  deadReasons: `
    SELECT last_error AS reason, count(*) AS n FROM events
    WHERE state = 'dead' AND ${ACCOUNTS}
    GROUP BY last_error ORDER BY n DESC, last_error LIMIT 8`,
  lookup: `
    SELECT ${LOOKUP_COLUMNS} FROM events WHERE ${ACCOUNTS} AND event_id = @text
    UNION
    SELECT ${LOOKUP_COLUMNS} FROM events WHERE ${ACCOUNTS} AND order_id = @text
    ORDER BY received_at DESC LIMIT @limit`,
  fieldCoverage: `
    SELECT ad_account_id AS account, count(*) AS n, count(order_id) AS order_id,
      sum(coalesce(json_extract(payload, '$.custom_data.value'), '') <> '') AS value,
      sum(event_id <> 'order-' || coalesce(order_id, '') || '-checkout') AS paired
    FROM events
    WHERE ${ACCOUNTS} AND received_at >= @since AND received_at < @until
    GROUP BY ad_account_id`,
} as const;

interface RangeParams {
  accounts: string;
  since: number;
  until: number;
}

interface DeadParams {
  accounts: string;
  contains: string | null;
  consentAction: string | null;
  ldpRule: string | null;
}

type Statement<P extends object, R> = Database.Statement<[P], R>;

interface Statements {
  receivedPerMinute: Statement<RangeParams, ReceivedRow>;
  deliveredPerMinute: Statement<RangeParams, DeliveredRow>;
  undelivered: Statement<RangeParams, UndeliveredRow>;
  deadRows: Statement<DeadParams & { limit: number }, DeadRow>;
  deadCount: Statement<DeadParams, { n: number }>;
  deadReasons: Statement<{ accounts: string }, ReasonRow>;
  lookup: Statement<{ accounts: string; text: string; limit: number }, LookupRow>;
  fieldCoverage: Statement<RangeParams, FieldCoverageRow>;
}

/**
 * {@link DashboardQueries} over an open, migrated SQLite queue. The store hands one out from
 * `dashboardQueries()`; it shares the store's connection, so it needs no closing of its own.
 */
export class SqliteDashboardQueries implements DashboardQueries {
  readonly #sql: Statements;

  constructor(db: Database.Database) {
    this.#sql = {
      receivedPerMinute: db.prepare(SQL.receivedPerMinute),
      deliveredPerMinute: db.prepare(SQL.deliveredPerMinute),
      undelivered: db.prepare(SQL.undelivered),
      deadRows: db.prepare(SQL.deadRows),
      deadCount: db.prepare(SQL.deadCount),
      deadReasons: db.prepare(SQL.deadReasons),
      lookup: db.prepare(SQL.lookup),
      fieldCoverage: db.prepare(SQL.fieldCoverage),
    };
  }

  minuteStats(range: DashboardRange): Promise<MinuteStats[]> {
    return run(() => {
      const params = rangeParams(range);
      return minuteStatsOf(
        this.#sql.receivedPerMinute.all(params),
        this.#sql.deliveredPerMinute.all(params),
      );
    });
  }

  undelivered(range: DashboardRange): Promise<UndeliveredCounts[]> {
    return run(() => undeliveredOf(range, this.#sql.undelivered.all(rangeParams(range))));
  }

  deadLetters(query: DeadLetterQuery): Promise<DeadLetterPage> {
    return run(() => {
      const accounts = JSON.stringify(query.adAccountIds);
      const params = {
        accounts,
        contains: query.reasonContains || null,
        consentAction: query.consentAction ?? null,
        ldpRule: query.ldpRule ?? null,
      };
      return deadLetterPageOf(
        this.#sql.deadCount.get(params)?.n ?? 0,
        this.#sql.deadRows.all({ ...params, limit: query.limit }),
        this.#sql.deadReasons.all({ accounts }),
      );
    });
  }

  lookup(query: LookupQuery): Promise<LookupMatch[]> {
    return run(() => {
      const params = {
        accounts: JSON.stringify(query.adAccountIds),
        text: query.text,
        limit: query.limit,
      };
      return this.#sql.lookup.all(params).map(toLookupMatch);
    });
  }

  fieldCoverage(range: DashboardRange): Promise<FieldCoverage[]> {
    return run(() => fieldCoverageOf(range, this.#sql.fieldCoverage.all(rangeParams(range))));
  }
}

function rangeParams(range: DashboardRange): RangeParams {
  return { accounts: JSON.stringify(range.adAccountIds), since: range.since, until: range.until };
}

/** The store's convention: a synchronous call as a promise, a throw as a rejection. */
function run<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    resolve(work());
  });
}
