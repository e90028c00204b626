/**
 * @module queue/postgres-statements
 * Every SQL statement the PostgreSQL store runs, built once per store for its schema. Kept apart
 * from the store class so the queries, and the index each relies on (see
 * `postgres-migrations.ts`), can be read in one place.
 *
 * Batches travel as arrays: `unnest($1::text[], ...)` turns them into rows and `= ANY($1)` matches
 * a list, so one statement with a fixed text handles any batch size and can stay prepared.
 */

import { EVENT_RECORD_COLUMNS } from './stored-event.js';

/** The store's statements; each is a SQL text for the store's schema. */
export interface PostgresStatements {
  insert: string;
  claim: string;
  settle: string;
  release: string;
  nextDueAt: string;
  accountsWithWork: string;
  get: string;
  findByEventId: string;
  countByState: string;
  oldestPending: string;
  deliveredSince: string;
  replay: string;
  prune: string;
  erase: string;
}

// Repeats the WHERE of the partial index `events_due` word for word, so the planner can use it.
const UNDELIVERED = `state IN ('pending', 'in_flight', 'failed')`;

/** Builds the statements for one schema, given already quoted (`escapeIdentifier`). */
export function postgresStatements(s: string): PostgresStatements {
  const events = `${s}.events`;
  return {
    insert: insertSql(events),
    claim: claimSql(events),
    settle: settleSql(events),
    release: releaseSql(events),
    nextDueAt: `SELECT min(due_at) AS due FROM ${events}
      WHERE ad_account_id = $1 AND ${UNDELIVERED}`,
    accountsWithWork: accountsWithWorkSql(events),
    get: `SELECT ${EVENT_RECORD_COLUMNS} FROM ${events} WHERE ad_account_id = $1 AND event_id = $2`,
    findByEventId: `SELECT ${EVENT_RECORD_COLUMNS} FROM ${events} WHERE event_id = $1
      ORDER BY received_at DESC, id DESC`,
    countByState: `SELECT state, count(*) AS count FROM ${events} GROUP BY state`,
    // One probe of events_state per state; a single min over `state IN (...)` would scan them.
    oldestPending: `SELECT least(
        (SELECT min(received_at) FROM ${events} WHERE state = 'pending'),
        (SELECT min(received_at) FROM ${events} WHERE state = 'in_flight'),
        (SELECT min(received_at) FROM ${events} WHERE state = 'failed')
      ) AS oldest`,
    deliveredSince: `SELECT count(*) AS count FROM ${events} WHERE delivered_at >= $1`,
    replay: replaySql(events),
    prune: pruneSql(events),
    erase: eraseSql(events, `${s}.erasures`),
  };
}

// Duplicates within one call are removed by the store before this runs; RETURNING then names
// exactly the rows this statement inserted, and a key it does not return was already stored.
function insertSql(events: string): string {
  return `
INSERT INTO ${events} (ad_account_id, event_id, event_name, event_time, source, received_at,
  payload, client_ip_address, client_user_agent, order_id,
  has_em, has_ph, has_ip_ua, has_click_id, has_external_id,
  state, next_attempt_at, last_error, consent, consent_action, ldp_rule)
SELECT account, event_id, event_name, event_time, source, received_at,
  payload, ip, user_agent, order_id,
  has_em, has_ph, has_ip_ua, has_click_id, has_external_id,
  state, next_attempt_at, last_error, consent, consent_action, ldp_rule
FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[],
  $7::text[], $8::text[], $9::text[], $10::text[],
  $11::smallint[], $12::smallint[], $13::smallint[], $14::smallint[], $15::smallint[],
  $16::text[], $17::bigint[], $18::text[], $19::text[], $20::text[], $21::text[])
  AS batch(account, event_id, event_name, event_time, source, received_at, payload, ip, user_agent,
    order_id, has_em, has_ph, has_ip_ua, has_click_id, has_external_id,
    state, next_attempt_at, last_error, consent, consent_action, ldp_rule)
ON CONFLICT (ad_account_id, event_id) DO NOTHING
RETURNING ad_account_id, event_id`;
}

// The due rows of one account in due order, read from events_due, which stops after `limit`.
// SKIP LOCKED passes over rows another claim is taking right now instead of waiting for it, and
// READ COMMITTED rechecks each locked row, so a row another instance just claimed (its due_at
// now in the future) is left out: two claims never return the same event.
function claimSql(events: string): string {
  return `
WITH due AS (
  SELECT id FROM ${events}
  WHERE ad_account_id = $1 AND ${UNDELIVERED} AND due_at <= $2
  ORDER BY due_at, id
  LIMIT $3
  FOR UPDATE SKIP LOCKED
)
UPDATE ${events} AS e
SET state = 'in_flight', attempts = e.attempts + 1, lease_owner = $4, lease_expires_at = $5
FROM due
WHERE e.id = due.id
RETURNING e.id, e.ad_account_id, e.event_id, e.payload, e.client_ip_address,
  e.client_user_agent, e.attempts, e.received_at`;
}

// The SQLite store's settle guards, one UPDATE per outcome over the whole batch:
// - delivered wins over anything but an earlier delivery: Pinterest processed it, that is final;
// - failed applies only to an event still in flight, so it never undoes a delivery or a death;
// - dead never overrides a delivery (or repeats itself).
// The three id lists are disjoint (the store keeps one settlement per id), which a statement
// with several data-modifying CTEs needs: they cannot update one row twice.
function settleSql(events: string): string {
  return `
WITH delivered AS (
  UPDATE ${events} AS e
  SET state = 'delivered', delivered_at = s.at, warning = s.warning,
      last_batch_id = coalesce(s.batch_id, e.last_batch_id),
      client_ip_address = NULL, client_user_agent = NULL,
      next_attempt_at = NULL, lease_owner = NULL, lease_expires_at = NULL
  FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS s(id, at, warning, batch_id)
  WHERE e.id = s.id AND e.state <> 'delivered'
), failed AS (
  UPDATE ${events} AS e
  SET state = 'failed', next_attempt_at = s.next_attempt_at, last_error = s.error,
      last_status = s.status, last_batch_id = coalesce(s.batch_id, e.last_batch_id),
      lease_owner = NULL, lease_expires_at = NULL
  FROM unnest($5::bigint[], $6::bigint[], $7::text[], $8::integer[], $9::text[])
    AS s(id, next_attempt_at, error, status, batch_id)
  WHERE e.id = s.id AND e.state = 'in_flight'
), dead AS (
  UPDATE ${events} AS e
  SET state = 'dead', last_error = s.error, last_status = s.status,
      last_batch_id = coalesce(s.batch_id, e.last_batch_id),
      client_ip_address = NULL, client_user_agent = NULL,
      next_attempt_at = NULL, lease_owner = NULL, lease_expires_at = NULL
  FROM unnest($10::bigint[], $11::text[], $12::integer[], $13::text[])
    AS s(id, error, status, batch_id)
  WHERE e.id = s.id AND e.state NOT IN ('delivered', 'dead')
)
SELECT 1`;
}

// A released event goes back to the state it was claimed from, which `last_error` tells apart:
// only an event that has failed before carries one. Its `next_attempt_at` was kept all along.
function releaseSql(events: string): string {
  return `
UPDATE ${events}
SET state = CASE WHEN last_error IS NULL THEN 'pending' ELSE 'failed' END,
    attempts = greatest(attempts - 1, 0), lease_owner = NULL, lease_expires_at = NULL
WHERE id = ANY($1::bigint[]) AND state = 'in_flight'`;
}

// A loose index scan: one probe of events_due per account with work, however deep its backlog,
// instead of reading every undelivered row to find the distinct accounts. Ordering by events_due's
// own leading columns keeps the planner on it rather than on an index that also holds history.
function accountsWithWorkSql(events: string): string {
  return `
WITH RECURSIVE accounts(ad_account_id) AS (
  (SELECT ad_account_id FROM ${events} WHERE ${UNDELIVERED}
   ORDER BY ad_account_id, due_at LIMIT 1)
  UNION ALL
  SELECT (
    SELECT e.ad_account_id FROM ${events} AS e
    WHERE e.state IN ('pending', 'in_flight', 'failed')
      AND e.ad_account_id > accounts.ad_account_id
    ORDER BY e.ad_account_id, e.due_at LIMIT 1
  )
  FROM accounts WHERE accounts.ad_account_id IS NOT NULL
)
SELECT ad_account_id FROM accounts WHERE ad_account_id IS NOT NULL`;
}

// A replayed event starts a fresh retry budget; its last error stays for the record.
function replaySql(events: string): string {
  return `
UPDATE ${events}
SET state = 'pending', attempts = 0, next_attempt_at = $5,
    lease_owner = NULL, lease_expires_at = NULL
WHERE state = 'dead' AND coalesce(consent_action, '') <> 'drop'
  AND ($1::text IS NULL OR ad_account_id = $1)
  AND ($2::text[] IS NULL OR event_id = ANY($2::text[]))
  AND ($3::text IS NULL OR strpos(last_error, $3) > 0)
  AND ($4::bigint IS NULL OR received_at >= $4)`;
}

// One chunk of a prune: a bounded set of rows per statement, so pruning a large history never
// holds one long transaction, and SKIP LOCKED lets two instances prune side by side.
function pruneSql(events: string): string {
  return `
WITH doomed AS (
  SELECT id FROM ${events}
  WHERE state IN ('delivered', 'dead') AND received_at < $1
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
DELETE FROM ${events} AS e USING doomed WHERE e.id = doomed.id`;
}

// Every stored event of the person, whatever its state, and the audit row in the same statement.
// `lower()` because a pre-hashed value is stored in the case it came in.
function eraseSql(events: string, erasures: string): string {
  const hashIn = (key: string, param: string) => `EXISTS (
    SELECT 1 FROM jsonb_array_elements_text(
      coalesce(payload::jsonb -> 'user_data' -> '${key}', '[]'::jsonb)) AS v(hash)
    WHERE lower(v.hash) = ANY(${param}::text[]))`;
  return `
WITH gone AS (
  DELETE FROM ${events}
  WHERE ($1::text IS NULL OR ad_account_id = $1)
    AND (${hashIn('em', '$2')} OR ${hashIn('ph', '$3')} OR ${hashIn('external_id', '$4')})
  RETURNING 1
)
INSERT INTO ${erasures} (requested_at, requester, ad_account_id, identifier_kinds, deleted)
SELECT $5, $6, $1, $7, count(*) FROM gone
RETURNING deleted`;
}
