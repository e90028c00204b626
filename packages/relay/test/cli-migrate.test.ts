import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Pool } from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { main } from '../src/cli/run.js';
import { POSTGRES_MIGRATIONS, readPostgresVersion } from '../src/queue/postgres-migrations.js';
import { SQLITE_SCHEMA_VERSION } from '../src/queue/sqlite-migrations.js';
import { captureIo } from './support/cli-io.js';
import { adminPool, dropSchema, uniqueSchema, urlWithSchema } from './support/postgres.js';

describe('pinterest-capi migrate', () => {
  let admin: Pool;
  let schema: string;
  let dir: string;

  beforeEach(async () => {
    admin = adminPool();
    schema = uniqueSchema();
    dir = await mkdtemp(join(tmpdir(), 'capi-migrate-'));
  });

  afterEach(async () => {
    await dropSchema(admin, schema);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies the PostgreSQL migrations to the schema the URL names and lists them', async () => {
    const io = captureIo();

    const code = await main(['migrate', '--database-url', urlWithSchema(schema)], io);

    expect(code).toBe(0);
    expect(io.stdout()).toContain(`(schema ${schema}): applied ${POSTGRES_MIGRATIONS.length}`);
    for (const migration of POSTGRES_MIGRATIONS) {
      expect(io.stdout()).toContain(`  ${migration.version}  ${migration.description}`);
    }

    expect(await readPostgresVersion(admin, schema)).toBe(POSTGRES_MIGRATIONS.length);
  });

  it('reports a current schema as up to date, reading DATABASE_URL', async () => {
    await main(['migrate', '--database-url', urlWithSchema(schema)], captureIo());
    const io = captureIo({ env: { DATABASE_URL: urlWithSchema(schema) } });

    const code = await main(['migrate', '--json'], io);

    expect(code).toBe(0);
    expect(JSON.parse(io.stdout())).toEqual({
      database: urlWithSchema(schema),
      store: 'postgres',
      schema,
      version: POSTGRES_MIGRATIONS.length,
      applied: [],
    });
  });

  it('migrates a SQLite file, creating it, and finds nothing left the second time', async () => {
    const url = `file:${join(dir, 'data', 'queue.db')}`;
    const first = captureIo();
    const second = captureIo();

    await main(['migrate', '--database-url', url, '--json'], first);
    await main(['migrate', '--database-url', url, '--json'], second);

    const applied = (JSON.parse(first.stdout()) as { applied: unknown[] }).applied;
    expect(applied).toHaveLength(SQLITE_SCHEMA_VERSION);
    expect(JSON.parse(second.stdout())).toMatchObject({
      store: 'sqlite',
      version: SQLITE_SCHEMA_VERSION,
      applied: [],
    });
  });
});
