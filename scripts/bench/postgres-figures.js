// PostgreSQL mode: the relay's ingest and a backlog's drain on the PostgreSQL store, each against
// the same figure on SQLite in this run. Runs only when PostgreSQL answers (127.0.0.1:5432,
// database `test`, or BENCH_POSTGRES_URL) and the relay's build has `queue/postgres-store.js`;
// otherwise a note under the table says why it was skipped. Everything runs in a schema of its
// own, dropped at the end.
import { connect } from 'node:net';
import { join } from 'node:path';

import { fillBacklog } from './backlog.js';
import { backlogFile, drain, drainFile } from './delivery-figures.js';
import { SHAPES, bestOf } from './ingest-figures.js';
import {
  AD_ACCOUNT_ID,
  UNUSED_API_BASE_URL,
  benchConfig,
  createRelay,
  discardingLogger,
} from './relay-parts.js';
import { fmtCount, progress } from './report.js';

const CONNECTION_STRING =
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function reachable({ host, port }) {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    const done = (answer) => {
      socket.destroy();
      resolve(answer);
    };

    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

async function loadPostgresStore() {
  try {
    const module = await import('../../packages/relay/dist/queue/postgres-store.js');
    return module.PostgresStore;
  } catch (error) {
    progress(`  PostgresStore did not load: ${error.message}`);
    return undefined;
  }
}

async function dropSchema(schema) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: CONNECTION_STRING });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * `sqlite` holds this run's SQLite figures: the relay's ingest capacity per load (figure 1) and a
 * whole-backlog drain (figure 3). The PostgreSQL drain uses a backlog of `drainCount` events and
 * is compared with a SQLite drain of the same size, measured here if figure 3's was of another.
 */
export async function postgresFigures(results, options) {
  const { sqlite, sandbox, timing, dir, drainCount, shapes = SHAPES } = options;
  const url = new URL(CONNECTION_STRING);
  const port = Number(url.port || 5432);
  if (!(await reachable({ host: url.hostname, port }))) {
    results.note(`PostgreSQL figures skipped: nothing answers at ${url.hostname}:${port}`);
    return;
  }

  const PostgresStore = await loadPostgresStore();
  if (!PostgresStore) {
    results.note('PostgreSQL figures skipped: the relay build has no usable PostgreSQL store');
    return;
  }

  const schema = `bench_${process.pid}_${Date.now()}`;
  progress(`PostgreSQL: relay and store in schema ${schema}`);

  try {
    if (sqlite.capacity) {
      await postgresIngest(results, { schema, capacity: sqlite.capacity, timing, shapes });
    }

    const sqliteDrain =
      sqlite.drained?.count === drainCount
        ? sqlite.drained
        : await sqliteDrainOf(drainCount, { dir, sandbox });
    const store = await PostgresStore.open({ connectionString: CONNECTION_STRING, schema });
    const second = await PostgresStore.open({ connectionString: CONNECTION_STRING, schema });
    try {
      const one = await postgresDrain(results, { store, sqliteDrain, sandbox });
      await twoInstancesDrain(results, { stores: [store, second], one, sandbox });
    } finally {
      await store.close();
      await second.close();
    }
  } finally {
    await dropSchema(schema);
  }
}

/** The whole relay with `DATABASE_URL=postgres://…`, under figure 1's loads. */
async function postgresIngest(results, { schema, capacity, timing, shapes }) {
  const databaseUrl = `${CONNECTION_STRING}?schema=${schema}`;
  const config = benchConfig({ databaseUrl, apiBaseUrl: UNUSED_API_BASE_URL });
  const relay = await createRelay({ config, logger: discardingLogger() });
  const url = await relay.app.listen({ port: 0, host: '127.0.0.1' });

  try {
    for (const shape of shapes) {
      // Two rounds at most: there is no other server to alternate with here.
      const rounds = Math.min(2, timing.rounds);
      const best = await bestOf({ 'relay on PostgreSQL': url }, shape, { ...timing, rounds });
      results.add({
        name: `PostgreSQL mode: durable ingest, ${shape.label}`,
        value: best['relay on PostgreSQL'],
        unit: 'events/s',
        baseline: { name: 'the same relay on SQLite (above)', value: capacity[shape.label] },
        aim: { ratio: 0.5, at: 'least' },
      });
    }
  } finally {
    await relay.close();
  }
}

async function sqliteDrainOf(count, { dir, sandbox }) {
  const path = join(dir, 'postgres-baseline.sqlite');
  await backlogFile({ path, count, prefix: 'sqlite-baseline' });
  return drainFile({ path, sandbox });
}

async function postgresDrain(results, { store, sqliteDrain, sandbox }) {
  const count = sqliteDrain.count;
  progress(`PostgreSQL drain: filling a ${fmtCount(count)}-event backlog`);
  await fillBacklog(store, { count, adAccountId: AD_ACCOUNT_ID, prefix: 'pg-drain' });
  const drained = await drain({ store, sandbox, count });
  results.add({
    name: `PostgreSQL mode: drain rate, whole ${fmtCount(count)}-event backlog`,
    value: drained.eventsPerSecond,
    unit: 'events/s',
    baseline: { name: 'the same drain on SQLite', value: sqliteDrain.eventsPerSecond },
    aim: { ratio: 0.5, at: 'least' },
    note: `${drained.eventsPerCall.toFixed(1)} events per call`,
  });
  return drained;
}

/**
 * Two instances (each its own pool and delivery worker, claiming with SKIP LOCKED) drain a backlog
 * of the same size from one database, against the one instance above. Both run in this process on
 * the same cores as the sandbox and PostgreSQL, so this shows that claims do not collide, not what
 * a second machine would add.
 */
async function twoInstancesDrain(results, { stores, one, sandbox }) {
  const count = one.count;
  progress(`PostgreSQL drain, two instances: filling a ${fmtCount(count)}-event backlog`);
  await fillBacklog(stores[0], { count, adAccountId: AD_ACCOUNT_ID, prefix: 'pg-drain-two' });
  const drained = await drain({ stores, sandbox, count });
  results.add({
    name: `PostgreSQL mode: drain rate, two instances on one database`,
    value: drained.eventsPerSecond,
    unit: 'events/s',
    baseline: { name: 'one instance (above)', value: one.eventsPerSecond },
    note: `${drained.eventsPerCall.toFixed(1)} events per call, ${drained.calls} calls`,
  });
}
