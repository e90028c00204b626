import { escapeIdentifier } from 'pg';
import type { Pool } from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  POSTGRES_MIGRATIONS,
  POSTGRES_SCHEMA_VERSION,
  readPostgresVersion,
  runPostgresMigrations,
} from '../src/queue/postgres-migrations.js';
import { PostgresStore, parsePostgresUrl } from '../src/queue/postgres-store.js';
import { postgresStatements } from '../src/queue/postgres-statements.js';
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
import {
  TEST_DATABASE_URL,
  adminPool,
  dropSchema,
  uniqueSchema,
  urlWithSchema,
} from './support/postgres.js';

let admin: Pool;

beforeAll(() => {
  admin = adminPool();
});

afterAll(async () => {
  await admin.end();
});

describeStoreContract('PostgresStore', async () => {
  const schema = uniqueSchema();
  let store = await PostgresStore.open({ connectionString: TEST_DATABASE_URL, schema });
  return {
    store,
    reopen: async () => {
      await store.close();
      store = await PostgresStore.open({ connectionString: TEST_DATABASE_URL, schema });
      return store;
    },
    cleanup: async () => {
      await store.close();
      await dropSchema(admin, schema);
    },
    rawColumns: async (adAccountId, eventId) => {
      const { rows } = await admin.query<RawColumns>(
        `SELECT client_ip_address AS "clientIpAddress", client_user_agent AS "clientUserAgent"
         FROM ${escapeIdentifier(schema)}.events WHERE ad_account_id = $1 AND event_id = $2`,
        [adAccountId, eventId],
      );
      return rows[0];
    },
  };
});

const PROBE_IP = '198.51.100.173';
const PROBE_UA = 'PurgeProbe/7.3 (distinctive-ua-5b1c9e)';

function probeEvents(count: number, prefix = 'probe'): NewEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const event = wireEvent(`${prefix}-${i}`);
    event.user_data = {
      em: [sha256(`buyer${i}@example.com`)],
      client_ip_address: PROBE_IP,
      client_user_agent: PROBE_UA,
    };
    return newEvent(`${prefix}-${i}`, { event });
  });
}

function claimAll(store: PostgresStore, owner: string, limit = 1000) {
  return store.claim({ adAccountId: ACCOUNT, limit, now: T0, leaseMs: 60_000, owner });
}

describe('PostgresStore', () => {
  let schema: string;
  const opened: PostgresStore[] = [];

  async function open(): Promise<PostgresStore> {
    const store = await PostgresStore.open({ connectionString: TEST_DATABASE_URL, schema });
    opened.push(store);
    return store;
  }

  async function rawCount(where: string): Promise<number> {
    const { rows } = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${escapeIdentifier(schema)}.events WHERE ${where}`,
    );
    return Number(rows[0]?.n);
  }

  beforeEach(() => {
    schema = uniqueSchema();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await dropSchema(admin, schema);
  });

  describe('migrations', () => {
    it('applies each migration once when four instances start at once', async () => {
      const pools = Array.from({ length: 4 }, () => adminPool());

      const applied = await Promise.all(pools.map((pool) => runPostgresMigrations(pool, schema)));
      await Promise.all(pools.map((pool) => pool.end()));
      const { rows } = await admin.query<{ version: number }>(
        `SELECT version FROM ${escapeIdentifier(schema)}.schema_migrations ORDER BY version`,
      );

      expect(applied.flat().map((m) => m.version)).toEqual(
        POSTGRES_MIGRATIONS.map((m) => m.version),
      );
      expect(rows.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
    });

    it('finds a current schema with nothing to apply and keeps its rows', async () => {
      const store = await open();
      await store.enqueue([newEvent('e-1')]);

      const again = await store.applyMigrations();

      expect(again).toEqual([]);
      expect(await readPostgresVersion(admin, schema)).toBe(POSTGRES_SCHEMA_VERSION);
      expect((await store.get(ACCOUNT, 'e-1'))?.state).toBe('pending');
    });

    it('refuses a schema written by a newer relay', async () => {
      await open();
      await admin.query(
        `INSERT INTO ${escapeIdentifier(schema)}.schema_migrations (version, description)
         VALUES ($1, 'from the future')`,
        [POSTGRES_SCHEMA_VERSION + 1],
      );

      await expect(open()).rejects.toThrow(/newer than this relay/);
    });

    it('creates its tables in the schema the URL names', async () => {
      const store = await PostgresStore.open({ connectionString: urlWithSchema(schema) });
      opened.push(store);

      await store.enqueue([newEvent('e-1')]);

      expect(store.schema).toBe(schema);
      expect(await rawCount('true')).toBe(1);
    });
  });

  describe('claims across instances', () => {
    it('gives two instances claiming at once disjoint batches that cover the queue', async () => {
      const [a, b] = [await open(), await open()];
      const ids = Array.from({ length: 3000 }, (_, i) => `e-${i}`);
      await a.enqueue(ids.map((id) => newEvent(id)));
      const seen: string[] = [];

      const drain = async (store: PostgresStore, owner: string) => {
        for (;;) {
          const batch = await claimAll(store, owner, 97);
          if (batch.length === 0) return;
          seen.push(...batch.map((c) => c.eventId));
        }
      };

      await Promise.all([drain(a, 'a'), drain(b, 'b'), drain(a, 'a2'), drain(b, 'b2')]);

      expect(seen).toHaveLength(3000);
      expect(new Set(seen).size).toBe(3000);
    });

    it("returns a dead instance's claims to the queue once their lease ends", async () => {
      const dying = await open();
      const survivor = await open();
      await dying.enqueue(probeEvents(5));
      const lost = await dying.claim({
        adAccountId: ACCOUNT,
        limit: 10,
        now: T0,
        leaseMs: 5000,
        owner: 'dying',
      });
      await dying.close();

      const early = await survivor.claim({
        adAccountId: ACCOUNT,
        limit: 10,
        now: T0 + 4999,
        leaseMs: 5000,
        owner: 'survivor',
      });
      const late = await survivor.claim({
        adAccountId: ACCOUNT,
        limit: 10,
        now: T0 + 5000,
        leaseMs: 5000,
        owner: 'survivor',
      });

      expect(lost).toHaveLength(5);
      expect(early).toEqual([]);
      expect(late.map((c) => c.eventId)).toEqual(lost.map((c) => c.eventId));
      expect(late.every((c) => c.attempts === 2)).toBe(true);
      expect(late[0]!.event.user_data.client_ip_address).toBe(PROBE_IP);
    });

    it('reads only due rows of one account to claim, however deep the backlog', async () => {
      const store = await open();
      await store.enqueue(
        Array.from({ length: 5000 }, (_, i) => newEvent(`later-${i}`, { receivedAt: T0 + 1e6 })),
      );
      await store.enqueue(Array.from({ length: 5000 }, (_, i) => newEvent(`due-${i}`)));
      await admin.query(`ANALYZE ${escapeIdentifier(schema)}.events`);

      const plan = await explainClaim(admin, schema, { limit: 50, now: T0 });

      expect(plan.scans).toContain('events_due');
      expect(plan.scans).not.toContain('Seq Scan');
      expect(plan.dueRows).toBe(50);
      expect(plan.removedByFilter).toBe(0);
    });

    it('stores an event sent to two instances at once exactly once', async () => {
      const [a, b] = [await open(), await open()];
      const events = Array.from({ length: 400 }, (_, i) => newEvent(`e-${i}`));

      const [fromA, fromB] = await Promise.all([
        a.enqueue(events),
        b.enqueue([...events].reverse()),
      ]);

      const accepted = [...fromA, ...fromB].filter((r) => r.status === 'accepted');
      expect(accepted).toHaveLength(400);
      expect(new Set(accepted.map((r) => r.eventId)).size).toBe(400);
      expect(await rawCount('true')).toBe(400);
    });
  });

  describe('personal data and pruning', () => {
    it('keeps no raw IP address or user agent in any row once delivered or dead', async () => {
      const store = await open();
      await store.enqueue(probeEvents(300));
      const stored = await rawCount(
        'client_ip_address IS NOT NULL OR client_user_agent IS NOT NULL',
      );
      const claimed = await claimAll(store, 'w');

      await store.settle(
        claimed.map((c, i) =>
          i % 3 === 0
            ? { id: c.id, state: 'dead' as const, at: T0, error: 'rejected' }
            : { id: c.id, state: 'delivered' as const, at: T0 },
        ),
      );

      expect(stored).toBe(300);
      expect(await rawCount('client_ip_address IS NOT NULL OR client_user_agent IS NOT NULL')).toBe(
        0,
      );
      expect(await rawCount(`strpos(payload, '${PROBE_IP}') > 0`)).toBe(0);
      expect(await rawCount(`strpos(payload, '${sha256('buyer7@example.com')}') > 0`)).toBe(1);
    });

    it('prunes a history larger than one chunk and keeps the rest', async () => {
      const store = await open();
      await store.enqueue(probeEvents(12_000, 'old'));
      await store.enqueue(probeEvents(10, 'new').map((e) => ({ ...e, receivedAt: T0 + 10 })));
      for (;;) {
        const batch = await store.claim({
          adAccountId: ACCOUNT,
          limit: 1000,
          now: T0 + 10,
          leaseMs: 60_000,
          owner: 'w',
        });
        if (batch.length === 0) break;
        await store.settle(batch.map((c) => ({ id: c.id, state: 'delivered' as const, at: T0 })));
      }

      const pruned = await store.prune(T0 + 1);

      expect(pruned).toBe(12_000);
      expect(await rawCount('true')).toBe(10);
      expect((await store.stats()).byState.delivered).toBe(10);
    });
  });

  it('rejects invalid options before connecting', async () => {
    await expect(PostgresStore.open({ connectionString: 'file:./x.db' })).rejects.toThrow(
      /postgres:\/\//,
    );
    await expect(
      PostgresStore.open({ connectionString: TEST_DATABASE_URL, schema: 'drop table;' }),
    ).rejects.toThrow(RangeError);
    await expect(
      PostgresStore.open({ connectionString: TEST_DATABASE_URL, poolSize: 0 }),
    ).rejects.toThrow(/poolSize/);
  });
});

describe('parsePostgresUrl', () => {
  it('takes the schema parameter out and keeps the others', () => {
    expect(parsePostgresUrl('postgres://relay:pw@db:5432/capi?schema=eu&sslmode=require')).toEqual({
      connectionString: 'postgres://relay:pw@db:5432/capi?sslmode=require',
      schema: 'eu',
    });
    expect(parsePostgresUrl('postgresql://db/capi?schema=relay_1')).toEqual({
      connectionString: 'postgresql://db/capi',
      schema: 'relay_1',
    });
  });

  it('leaves a URL without a schema parameter untouched', () => {
    const url = 'postgres://db/capi?application_name=x';

    expect(parsePostgresUrl(url)).toEqual({ connectionString: url, schema: undefined });
  });

  it('rejects a schema that is not a plain identifier', () => {
    expect(() => parsePostgresUrl('postgres://db/capi?schema=a"b')).toThrow(RangeError);
    expect(() => parsePostgresUrl('postgres://db/capi?schema=1abc')).toThrow(RangeError);
  });
});

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/**
 * Runs the store's own claim statement under EXPLAIN ANALYZE in a transaction it rolls back:
 * the scans of the events table it made, by index name ('Seq Scan' for none), and what the scan
 * of `events_due` read.
 */
async function explainClaim(
  pool: Pool,
  schema: string,
  options: { limit: number; now: number },
): Promise<{ scans: string[]; dueRows: number; removedByFilter: number }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const claim = postgresStatements(escapeIdentifier(schema)).claim;
    const { rows } = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${claim}`,
      [ACCOUNT, options.now, options.limit, 'explain', options.now + 1000],
    );
    const scans: PlanNode[] = [];
    const walk = (node: PlanNode) => {
      if (node['Node Type'].endsWith('Scan') && node['Node Type'] !== 'CTE Scan') scans.push(node);
      node.Plans?.forEach(walk);
    };

    walk(rows[0]!['QUERY PLAN'][0]!.Plan);
    const due = scans.find((scan) => scan['Index Name'] === 'events_due');
    return {
      scans: scans.map((scan) => scan['Index Name'] ?? scan['Node Type']),
      dueRows: due?.['Actual Rows'] ?? Number.NaN,
      removedByFilter: due?.['Rows Removed by Filter'] ?? 0,
    };
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}
