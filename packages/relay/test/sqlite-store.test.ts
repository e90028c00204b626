import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import {
  SQLITE_SCHEMA_VERSION,
  readUserVersion,
  runSqliteMigrations,
} from '../src/queue/sqlite-migrations.js';
import { SQLITE_DELIVERY_READS } from '../src/queue/sqlite-statements.js';
import { SqliteStore } from '../src/queue/sqlite-store.js';
import type { SqliteStoreOptions } from '../src/queue/sqlite-store.js';
import type { NewEvent } from '../src/queue/store.js';
import {
  ACCOUNT,
  T0,
  describeStoreContract,
  newEvent,
  sha256,
  wireEvent,
} from './store-contract.js';
import type { RawColumns } from './store-contract.js';

describeStoreContract('SqliteStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relay-sqlite-contract-'));
  const path = join(dir, 'queue.db');
  let store = SqliteStore.open({ path });
  return {
    store,
    reopen: async () => {
      await store.close();
      store = SqliteStore.open({ path });
      return store;
    },
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
    rawColumns: (adAccountId, eventId) => {
      const db = new Database(path, { readonly: true });
      try {
        const row = db
          .prepare<[string, string], RawColumns>(
            `SELECT client_ip_address AS clientIpAddress, client_user_agent AS clientUserAgent
             FROM events WHERE ad_account_id = ? AND event_id = ?`,
          )
          .get(adAccountId, eventId);
        return Promise.resolve(row);
      } finally {
        db.close();
      }
    },
  };
});

/** Everything SQLite keeps on disk for one database: the file, its WAL and its shared memory. */
function diskBytes(path: string): Buffer {
  const files = [path, `${path}-wal`, `${path}-shm`].filter((file) => existsSync(file));
  return Buffer.concat(files.map((file) => readFileSync(file)));
}

function walSize(path: string): number {
  return existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
}

const PROBE_IP = '198.51.100.173';
const PROBE_UA = 'PurgeProbe/7.3 (distinctive-ua-5b1c9e)';

function probeEvents(count: number): NewEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const event = wireEvent(`probe-${i}`);
    event.user_data = {
      em: [sha256(`buyer${i}@example.com`)],
      ph: [sha256('15551234567')],
      client_ip_address: PROBE_IP,
      client_user_agent: PROBE_UA,
    };
    return newEvent(`probe-${i}`, { event });
  });
}

describe('SqliteStore', () => {
  let dir: string;
  let path: string;
  const opened: SqliteStore[] = [];

  function open(options: Partial<SqliteStoreOptions> = {}): SqliteStore {
    const store = SqliteStore.open({ path, ...options });
    opened.push(store);
    return store;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-sqlite-'));
    path = join(dir, 'queue.db');
  });

  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps acknowledged events across close and reopen', async () => {
    const first = open();
    await first.enqueue([newEvent('e-1'), newEvent('e-2')]);
    await first.close();

    const second = open();
    const claimed = await second.claim({
      adAccountId: ACCOUNT,
      limit: 10,
      now: T0,
      leaseMs: 1000,
      owner: 'after-restart',
    });

    expect(claimed.map((c) => c.eventId)).toEqual(['e-1', 'e-2']);
    expect(claimed[0]!.event).toEqual(wireEvent('e-1'));
  });

  it('runs in WAL mode with synchronous FULL unless NORMAL is asked for', () => {
    const full = open();
    const normal = SqliteStore.open({ path: join(dir, 'normal.db'), synchronous: 'NORMAL' });
    opened.push(normal);

    expect(full.settings()).toEqual({ journalMode: 'wal', synchronous: 'FULL' });
    expect(normal.settings()).toEqual({ journalMode: 'wal', synchronous: 'NORMAL' });
  });

  it('keeps the WAL file bounded over many commits', async () => {
    const store = open({ synchronous: 'NORMAL', checkpointEveryCommits: 10 });
    let largest = 0;

    for (let commit = 0; commit < 400; commit++) {
      const ids = Array.from({ length: 10 }, (_, i) => `c${commit}-${i}`);
      await store.enqueue(ids.map((id) => newEvent(id)));
      largest = Math.max(largest, walSize(path));
    }

    expect((await store.stats()).byState.pending).toBe(4000);
    expect(largest).toBeLessThan(1024 * 1024);
  });

  it('truncates the WAL to zero bytes on checkpoint', async () => {
    const store = open();
    await store.enqueue(probeEvents(50));
    const before = walSize(path);

    const complete = store.checkpoint();

    expect(before).toBeGreaterThan(0);
    expect(complete).toBe(true);
    expect(walSize(path)).toBe(0);
  });

  it('checkpoints the WAL once writes pause', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const store = open({ checkpointWhenIdleMs: 1000 });
    await store.enqueue([newEvent('e-1')]);
    vi.advanceTimersByTime(600);
    await store.enqueue([newEvent('e-2')]);

    vi.advanceTimersByTime(999);
    const beforeIdle = walSize(path);
    vi.advanceTimersByTime(1);

    expect(beforeIdle).toBeGreaterThan(0);
    expect(walSize(path)).toBe(0);
  });

  it('purges raw IP and user agent from every file once events are delivered', async () => {
    const store = open();
    await store.enqueue(probeEvents(200));
    store.checkpoint();
    const stored = diskBytes(path);
    const claimed = await store.claim({
      adAccountId: ACCOUNT,
      limit: 1000,
      now: T0,
      leaseMs: 1000,
      owner: 'w',
    });

    await store.settle(claimed.map((c) => ({ id: c.id, state: 'delivered' as const, at: T0 })));
    store.checkpoint();
    const purged = diskBytes(path);

    expect(stored.includes(PROBE_IP)).toBe(true);
    expect(stored.includes(PROBE_UA)).toBe(true);
    expect(purged.includes(PROBE_IP)).toBe(false);
    expect(purged.includes(PROBE_UA)).toBe(false);
    expect(purged.includes(sha256('buyer7@example.com'))).toBe(true);
  });

  it('purges raw IP and user agent from every file once events are dead', async () => {
    const store = open();
    await store.enqueue(probeEvents(20));
    const claimed = await store.claim({
      adAccountId: ACCOUNT,
      limit: 1000,
      now: T0,
      leaseMs: 1000,
      owner: 'w',
    });

    await store.settle(
      claimed.map((c) => ({ id: c.id, state: 'dead' as const, at: T0, error: 'rejected' })),
    );
    store.checkpoint();

    expect(diskBytes(path).includes(PROBE_IP)).toBe(false);
    expect(diskBytes(path).includes(PROBE_UA)).toBe(false);
  });

  it('keeps a raw email and phone number off the disk when a caller forgot to hash them', async () => {
    const store = open();
    const event = wireEvent('raw-1');
    event.user_data = { em: ['forgot.to.hash@example.com'], ph: ['+1 555 010 9999'] };

    const attempt = store.enqueue([newEvent('ok-1'), newEvent('raw-1', { event })]);

    await expect(attempt).rejects.toThrow(TypeError);
    store.checkpoint();
    expect(diskBytes(path).includes('forgot.to.hash@example.com')).toBe(false);
    expect(diskBytes(path).includes('555 010 9999')).toBe(false);
  });

  it.each([
    ['without statistics', false],
    ['after ANALYZE', true],
  ])(
    'claims, finds the next due time and the accounts with work by index, %s',
    async (_label, analyze) => {
      const store = open();
      await store.enqueue(Array.from({ length: 3000 }, (_, i) => newEvent(`e-${i}`)));
      await store.close();
      const db = new Database(path);
      if (analyze) db.exec('ANALYZE');
      const plan = (sql: string, ...params: unknown[]) =>
        db
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all(...params)
          .map((row) => (row as { detail: string }).detail);
      const claimParams = {
        adAccountId: ACCOUNT,
        now: T0,
        limit: 10,
        owner: 'o',
        leaseExpiresAt: 1,
      };

      const claim = plan(SQLITE_DELIVERY_READS.claim, claimParams);
      const nextDue = plan(SQLITE_DELIVERY_READS.nextDueAt, ACCOUNT);
      const accounts = plan(SQLITE_DELIVERY_READS.accountsWithWork);
      db.close();

      // In id order through the account's entries, stopping at the limit: no sort of the backlog.
      expect(claim).toContainEqual(
        expect.stringMatching(/USING INDEX events_work \(ad_account_id=\?\)/),
      );
      expect(claim.join('\n')).not.toMatch(/TEMP B-TREE|SCAN events/);
      // One seek for the smallest due time, one per account: never a walk of the backlog.
      expect(nextDue).toEqual([
        expect.stringMatching(/SEARCH events USING INDEX events_due \(ad_account_id=\?\)/),
      ]);
      expect(accounts.filter((step) => step.includes('events'))).toEqual([
        expect.stringMatching(/^SEARCH events USING INDEX events_due$/),
        expect.stringMatching(/^SEARCH events USING INDEX events_due \(ad_account_id>\?\)/),
      ]);
    },
  );

  it('creates the schema in an empty file', () => {
    open();

    const db = new Database(path, { readonly: true });
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all();
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all();
    const version = readUserVersion(db);
    db.close();

    expect(tables).toEqual([{ name: 'erasures' }, { name: 'events' }]);
    expect(indexes).toEqual(
      expect.arrayContaining([
        { name: 'events_work' },
        { name: 'events_state' },
        { name: 'events_event_id' },
      ]),
    );
    expect(version).toBe(SQLITE_SCHEMA_VERSION);
  });

  it('migrates a current database again without changing it', async () => {
    const store = open();
    await store.enqueue([newEvent('e-1')]);
    await store.close();

    const db = new Database(path);
    const applied = runSqliteMigrations(db);
    const version = readUserVersion(db);
    const rows = db.prepare('SELECT event_id FROM events').all();
    db.close();

    expect(applied).toBe(0);
    expect(version).toBe(SQLITE_SCHEMA_VERSION);
    expect(rows).toEqual([{ event_id: 'e-1' }]);
  });

  it('refuses a database written by a newer schema', () => {
    const db = new Database(path);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    db.close();

    expect(() => open()).toThrow(/newer than this relay/);
  });

  it('creates a missing directory and an owner-only database file', async () => {
    path = join(dir, 'data', 'nested', 'queue.db');

    const store = open();
    await store.enqueue([newEvent('e-1')]);

    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
  });

  it('leaves the permissions of an existing file as they were', async () => {
    await writeFile(path, '', { mode: 0o640 });

    open();

    expect(statSync(path).mode & 0o777).toBe(0o640);
  });

  it('shares one file between two stores without handing an event to both', async () => {
    const a = open();
    const b = open();
    await a.enqueue(Array.from({ length: 30 }, (_, i) => newEvent(`e-${i}`)));
    const claims = [];

    for (let round = 0; round < 4; round++) {
      const store = round % 2 === 0 ? a : b;
      claims.push(
        ...(await store.claim({
          adAccountId: ACCOUNT,
          limit: 8,
          now: T0,
          leaseMs: 60_000,
          owner: `store-${round % 2}`,
        })),
      );
    }

    expect(claims.map((c) => c.eventId)).toEqual(Array.from({ length: 30 }, (_, i) => `e-${i}`));
    expect((await b.stats()).byState.in_flight).toBe(30);
  });

  it('works in memory', async () => {
    const store = SqliteStore.open({ path: ':memory:' });
    opened.push(store);

    await store.enqueue([newEvent('e-1')]);

    expect((await store.get(ACCOUNT, 'e-1'))?.state).toBe('pending');
    expect(store.checkpoint()).toBe(true);
  });

  it('rejects invalid options', () => {
    expect(() => SqliteStore.open({ path: '' })).toThrow(RangeError);
    expect(() => open({ checkpointEveryCommits: 0 })).toThrow(/checkpointEveryCommits/);
    expect(() => open({ busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/);
    expect(() => open({ checkpointWhenIdleMs: 1.5 })).toThrow(/checkpointWhenIdleMs/);
    const synchronous = 'OFF' as unknown as 'FULL';
    expect(() => open({ synchronous })).toThrow(/synchronous/);
  });

  it('rejects a negative claim limit instead of claiming everything', async () => {
    const store = open();
    await store.enqueue([newEvent('e-1')]);

    const claim = store.claim({ adAccountId: ACCOUNT, limit: -1, now: T0, leaseMs: 1, owner: 'w' });

    await expect(claim).rejects.toThrow(RangeError);
    expect((await store.get(ACCOUNT, 'e-1'))?.state).toBe('pending');
  });

  it('rejects calls once closed', async () => {
    const store = open();
    await store.close();

    await expect(store.enqueue([newEvent('e-1')])).rejects.toThrow();
    await expect(store.close()).resolves.toBeUndefined();
  });
});
