/**
 * @module cli/migrate
 * `pinterest-capi migrate`: brings the queue database's schema up to date and says what it
 * applied. `serve` migrates on start too; this is for teams that upgrade the schema as a step of
 * its own, before rolling out relays whose database role may not change it.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';

import Database from 'better-sqlite3';

import { POSTGRES_SCHEMA_VERSION } from '../queue/postgres-migrations.js';
import { isPostgresUrl, migratePostgres } from '../queue/postgres-store.js';
import {
  SQLITE_MIGRATIONS,
  SQLITE_SCHEMA_VERSION,
  readUserVersion,
} from '../queue/sqlite-migrations.js';
import { SqliteStore } from '../queue/sqlite-store.js';
import { sqlitePath } from '../relay.js';
import { describeDatabaseUrl, resolveDatabaseUrl } from './database.js';
import type { CommandIo } from './io.js';
import { EXIT } from './usage-error.js';

export const MIGRATE_HELP = `Usage: pinterest-capi migrate [options]

Creates or upgrades the queue's schema and prints each migration it applied. Safe to run while
relays are up, and from several places at once: on PostgreSQL an advisory lock lets one apply
each migration while the others wait. \`serve\` does the same on start; run this first when the
relays' database role may only read and write rows.

Options:
  --database-url URL   database to migrate (default: the config file's, DATABASE_URL, or ./data/)
                       PostgreSQL: postgres://user@host:5432/db?schema=NAME (default schema
                       pinterest_capi); anything else is a SQLite file
  --config FILE        config file to take databaseUrl from
  --json               print {"database", "store", "schema", "version", "applied": [...]}
  -h, --help           show this help
`;

/** What a migration run did. */
export interface MigrationReport {
  /** The database URL, password hidden. */
  database: string;
  store: 'sqlite' | 'postgres';
  /** The PostgreSQL schema; undefined for SQLite. */
  schema: string | undefined;
  /** The schema version after the run. */
  version: number;
  applied: { version: number; description: string }[];
}

/** Migrates the database; resolves to the exit code. */
export async function runMigrate(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'database-url': { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

  if (values.help) {
    io.out.write(MIGRATE_HELP);
    return EXIT.ok;
  }

  const url = await resolveDatabaseUrl(io, {
    databaseUrl: values['database-url'],
    config: values.config,
  });
  const report = await migrateDatabase(url);
  io.out.write(values.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  return EXIT.ok;
}

/**
 * Applies the missing migrations of the store a database URL names.
 *
 * @throws Error when the schema is newer than this relay; the database's error when it cannot
 *   be reached or a migration fails.
 */
export async function migrateDatabase(url: string): Promise<MigrationReport> {
  const database = describeDatabaseUrl(url);
  if (isPostgresUrl(url)) {
    const { schema, applied } = await migratePostgres({ connectionString: url });
    return {
      database,
      store: 'postgres',
      schema,
      version: POSTGRES_SCHEMA_VERSION,
      applied: applied.map(({ version, description }) => ({ version, description })),
    };
  }

  const path = sqlitePath(url);
  const before = sqliteVersion(path);
  // Opening the store migrates it, with the same pragmas and file permissions as `serve`.
  await SqliteStore.open({ path }).close();
  return {
    database,
    store: 'sqlite',
    schema: undefined,
    version: SQLITE_SCHEMA_VERSION,
    applied: SQLITE_MIGRATIONS.filter((m) => m.version > before).map(
      ({ version, description }) => ({ version, description }),
    ),
  };
}

function sqliteVersion(path: string): number {
  if (path === ':memory:' || !existsSync(path)) return 0;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return readUserVersion(db);
  } finally {
    db.close();
  }
}

function formatReport(report: MigrationReport): string {
  const where =
    report.schema === undefined ? report.database : `${report.database} (schema ${report.schema})`;
  if (report.applied.length === 0) {
    return `${where}: up to date at version ${report.version}, nothing to apply\n`;
  }

  const count = report.applied.length;
  const lines = report.applied.map(({ version, description }) => `  ${version}  ${description}`);
  return (
    `${where}: applied ${count} migration${count === 1 ? '' : 's'}, ` +
    `now at version ${report.version}\n${lines.join('\n')}\n`
  );
}
