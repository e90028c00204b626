import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { SQLITE_MIGRATIONS, runSqliteMigrations } from '../queue/sqlite-migrations.js';
import { SqliteStore } from '../queue/sqlite-store.js';
import { describeDashboardQueriesContract } from '../../test/support/dashboard-queries-contract.js';
import { ACCOUNT, T0, sha256 } from '../../test/store-contract.js';

describeDashboardQueriesContract('SqliteStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relay-dashboard-queries-'));
  const store = SqliteStore.open({ path: join(dir, 'queue.db') });
  await store.migrate();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite migration 3', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-migration-3-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fills the order id and identifier flags of events stored before it', async () => {
    const path = join(dir, 'queue.db');
    const db = new Database(path);
    for (const migration of SQLITE_MIGRATIONS.slice(0, 2)) db.exec(migration.sql);
    db.pragma('user_version = 2');
    const payload = {
      event_name: 'checkout',
      action_source: 'web',
      event_time: T0 / 1000,
      event_id: 'old-1',
      user_data: { em: [sha256('old@example.com')], click_id: 'dj0yJnU9abc' },
      custom_data: { order_id: 'order-old-1', value: '10.00', currency: 'USD' },
    };
    db.prepare(
      `INSERT INTO events (ad_account_id, event_id, event_name, event_time, source, received_at,
        payload, client_ip_address, client_user_agent, next_attempt_at)
       VALUES (?, 'old-1', 'checkout', ?, 'events', ?, ?, '203.0.113.7', 'UA', ?)`,
    ).run(ACCOUNT, T0 / 1000, T0, JSON.stringify(payload), T0);

    runSqliteMigrations(db);
    db.close();
    const store = SqliteStore.open({ path });
    const [match] = await store.dashboardQueries().lookup({
      adAccountIds: [ACCOUNT],
      text: 'order-old-1',
      limit: 1,
    });
    await store.close();

    expect(match?.identifiers).toEqual({
      email: true,
      phone: false,
      ipAndUserAgent: true,
      clickId: true,
      externalId: false,
    });
  });
});
