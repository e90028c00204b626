/**
 * Test access to the PostgreSQL the suite runs against (`TEST_DATABASE_URL`, default the local
 * server's `test` database). Every test works in a schema of its own, dropped afterwards, so
 * tests never see each other's rows and may run while other suites use the same database.
 */
import { randomBytes } from 'node:crypto';

import { Pool, escapeIdentifier } from 'pg';

export const TEST_DATABASE_URL =
  process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name no other test uses: `capi_test_` and 12 random hex digits. */
export function uniqueSchema(): string {
  return `capi_test_${randomBytes(6).toString('hex')}`;
}

/** The test database's URL with the store's `?schema=` parameter. */
export function urlWithSchema(schema: string): string {
  const separator = TEST_DATABASE_URL.includes('?') ? '&' : '?';
  return `${TEST_DATABASE_URL}${separator}schema=${schema}`;
}

/** A small pool for reading tables directly and dropping schemas. */
export function adminPool(): Pool {
  const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  pool.on('error', () => undefined);
  return pool;
}

export async function dropSchema(pool: Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
}
