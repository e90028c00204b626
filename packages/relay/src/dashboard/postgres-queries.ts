/**
 * @module dashboard/postgres-queries
 * The dashboard's aggregates on the PostgreSQL queue, run on the store's pool. Each query reads
 * one indexed range (see migration 3 in `postgres-migrations.ts`) and groups in SQL, so the
 * answers are the SQLite store's (`sqlite-queries.ts`) row for row.
 *
 * Ad accounts travel as one `text[]` parameter matched with `= ANY`, which PostgreSQL turns into
 * one index probe per account, so one statement text serves any number of accounts.
 */
import type { Pool, QueryResultRow } from 'pg';

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

const ACCOUNTS = `ad_account_id = ANY($1::text[])`;

/** The delay bin of a delivered row, from the shared bounds (our own constants, not input). */
const DELAY_BIN = `CASE ${DELAY_BOUNDS_SECONDS.map(
  (bound, i) => `WHEN delivered_at - event_time * 1000 < ${bound * 1000} THEN ${i}`,
).join(' ')} ELSE ${DELAY_BOUNDS_SECONDS.length} END`;

// `strpos` on both sides lowered, as SQLite's `instr(lower(..))`: a plain substring, so `%` or
// `_` in the filter are not wildcards as they would be in ILIKE.
const DEAD_MATCHING = `state = 'dead' AND ${ACCOUNTS}
  AND ($2::text IS NULL OR strpos(lower(last_error), lower($2::text)) > 0)
  AND ($3::text IS NULL OR consent_action = $3::text)
  AND ($4::text IS NULL OR ldp_rule = $4::text)`;

// The payload is stored as text; only the few matched rows are parsed for value and currency.
const LOOKUP_COLUMNS = `id, ${EVENT_RECORD_COLUMNS},
  order_id, payload::json #>> '{custom_data,value}' AS value,
  payload::json #>> '{custom_data,currency}' AS currency,
  has_em, has_ph, has_ip_ua, has_click_id, has_external_id`;

// A minute is a bigint time divided by an integer literal: integer division, which for epoch
// times (never negative) is floor(t / 60000), the SQLite store's minute.
//
// The dead reasons are ordered byte-wise (COLLATE "C") with NULL first, as SQLite orders them,
// so both stores suggest the same reasons whatever the database's locale.
function dashboardSql(s: string) {
  const events = `${s}.events`;
  return {
    receivedPerMinute: `
      SELECT ad_account_id AS account, received_at / ${MINUTE_MS} AS minute, count(*) AS n,
        sum(has_em) AS email, sum(has_ph) AS phone, sum(has_ip_ua) AS ip_ua,
        sum(has_click_id) AS click_id, sum(has_external_id) AS external_id
      FROM ${events}
      WHERE ${ACCOUNTS} AND received_at >= $2 AND received_at < $3
      GROUP BY 1, 2`,
    deliveredPerMinute: `
      SELECT ad_account_id AS account, delivered_at / ${MINUTE_MS} AS minute, ${DELAY_BIN} AS bin,
        count(*) AS n, max(delivered_at - event_time * 1000) AS max_delay
      FROM ${events}
      WHERE delivered_at >= $2 AND delivered_at < $3 AND ${ACCOUNTS}
      GROUP BY 1, 2, 3`,
    undelivered: `
      SELECT ad_account_id AS account, state, count(*) AS n FROM ${events}
      WHERE state IN ('pending', 'in_flight', 'failed', 'dead')
        AND coalesce(consent_action, '') <> 'drop'
        AND received_at >= $2 AND received_at < $3 AND ${ACCOUNTS}
      GROUP BY 1, 2`,
    deadRows: `
      SELECT ad_account_id, event_id, event_name, order_id, event_time, received_at, attempts,
        last_error, last_status, consent, consent_action, ldp_rule
      FROM ${events} WHERE ${DEAD_MATCHING}
      ORDER BY received_at DESC, id DESC LIMIT $5`,
    deadCount: `SELECT count(*) AS n FROM ${events} WHERE ${DEAD_MATCHING}`,
    deadReasons: `
      SELECT last_error AS reason, count(*) AS n FROM ${events}
      WHERE state = 'dead' AND ${ACCOUNTS}
      GROUP BY last_error ORDER BY n DESC, last_error COLLATE "C" NULLS FIRST LIMIT 8`,
    lookup: `
      SELECT ${LOOKUP_COLUMNS} FROM ${events} WHERE ${ACCOUNTS} AND event_id = $2
      UNION
      SELECT ${LOOKUP_COLUMNS} FROM ${events} WHERE ${ACCOUNTS} AND order_id = $2
      ORDER BY received_at DESC, id DESC LIMIT $3`,
    fieldCoverage: `
      SELECT ad_account_id AS account, count(*) AS n, count(order_id) AS order_id,
        count(*) FILTER (
          WHERE coalesce(payload::json #>> '{custom_data,value}', '') <> '') AS value,
        count(*) FILTER (
          WHERE event_id <> 'order-' || coalesce(order_id, '') || '-checkout') AS paired
      FROM ${events}
      WHERE ${ACCOUNTS} AND received_at >= $2 AND received_at < $3
      GROUP BY 1`,
  } as const;
}

type DashboardSql = ReturnType<typeof dashboardSql>;

/**
 * {@link DashboardQueries} over a migrated PostgreSQL queue. The store hands one out from
 * `dashboardQueries()`, on its own pool, which reads bigint columns as numbers; it needs no
 * closing of its own. Every method runs its statements on pooled connections, one at a time, so
 * the dashboard never holds more than one connection that ingest or delivery could use.
 */
export class PostgresDashboardQueries implements DashboardQueries {
  readonly #pool: Pool;
  readonly #sql: DashboardSql;

  /** `quotedSchema` is the store's schema, already quoted (`escapeIdentifier`). */
  constructor(pool: Pool, quotedSchema: string) {
    this.#pool = pool;
    this.#sql = dashboardSql(quotedSchema);
  }

  async minuteStats(range: DashboardRange): Promise<MinuteStats[]> {
    const params = [range.adAccountIds, range.since, range.until];
    return minuteStatsOf(
      await this.#rows<ReceivedRow>(this.#sql.receivedPerMinute, params),
      await this.#rows<DeliveredRow>(this.#sql.deliveredPerMinute, params),
    );
  }

  async undelivered(range: DashboardRange): Promise<UndeliveredCounts[]> {
    const params = [range.adAccountIds, range.since, range.until];
    return undeliveredOf(range, await this.#rows<UndeliveredRow>(this.#sql.undelivered, params));
  }

  async deadLetters(query: DeadLetterQuery): Promise<DeadLetterPage> {
    const matching = [
      query.adAccountIds,
      query.reasonContains || null,
      query.consentAction ?? null,
      query.ldpRule ?? null,
    ];
    const count = await this.#rows<{ n: number }>(this.#sql.deadCount, matching);
    const rows = await this.#rows<DeadRow>(this.#sql.deadRows, [...matching, query.limit]);
    const reasons = await this.#rows<ReasonRow>(this.#sql.deadReasons, [query.adAccountIds]);
    return deadLetterPageOf(count[0]?.n ?? 0, rows, reasons);
  }

  async lookup(query: LookupQuery): Promise<LookupMatch[]> {
    const rows = await this.#rows<LookupRow>(this.#sql.lookup, [
      query.adAccountIds,
      query.text,
      query.limit,
    ]);
    return rows.map(toLookupMatch);
  }

  async fieldCoverage(range: DashboardRange): Promise<FieldCoverage[]> {
    const params = [range.adAccountIds, range.since, range.until];
    return fieldCoverageOf(
      range,
      await this.#rows<FieldCoverageRow>(this.#sql.fieldCoverage, params),
    );
  }

  async #rows<R extends QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    const { rows } = await this.#pool.query<R>({ text, values });
    return rows;
  }
}
