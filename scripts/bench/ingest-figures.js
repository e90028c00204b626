// Figures 1 and 2: durable ingest against a bare fastify route doing the same validation, and
// group commit against one commit per request.
import { join } from 'node:path';

import { runLoad } from './load.js';
import {
  AUTH,
  UNUSED_API_BASE_URL,
  SqliteStore,
  bareApp,
  benchConfig,
  createRelay,
  discardingLogger,
  ingestApp,
} from './relay-parts.js';
import { progress } from './report.js';

/** The two loads of figure 1: many shops sending one event each, and batch senders. */
export const SHAPES = [
  { label: 'single events', itemsPerRequest: 1, connections: 64 },
  { label: 'batches of 100', itemsPerRequest: 100, connections: 16 },
];

let runs = 0;

/** Events per second a server took (2xx only) under one load. */
export async function eventsPerSecond(url, shape, timing) {
  const summary = await runLoad({
    url,
    path: '/v1/checkout',
    headers: AUTH,
    connections: shape.connections,
    itemsPerRequest: shape.itemsPerRequest,
    durationSeconds: timing.seconds,
    warmupSeconds: timing.warmupSeconds,
    prefix: `load${process.pid}-${++runs}`,
  });
  const failed = summary.non2xx + summary.errors + summary.timeouts;
  if (failed > 0)
    progress(`  ${failed} requests failed or were refused: ${JSON.stringify(summary.statusCodes)}`);
  return { eventsPerSecond: summary.okPerSecond * shape.itemsPerRequest, summary };
}

/**
 * Measures each named server under the same load, alternating between them for `rounds` rounds,
 * and keeps each one's best round: on a shared machine, a slow round says more about the
 * neighbours than about the server.
 */
export async function bestOf(servers, shape, timing) {
  const best = Object.fromEntries(Object.keys(servers).map((name) => [name, 0]));

  for (let round = 1; round <= timing.rounds; round += 1) {
    for (const [name, url] of Object.entries(servers)) {
      progress(`  ${shape.label}, ${name}, round ${round}/${timing.rounds}`);
      const before = process.cpuUsage();
      const since = process.hrtime.bigint();
      const { eventsPerSecond: rate } = await eventsPerSecond(url, shape, timing);
      // A server that is the bottleneck keeps a core busy; far less means it waited for the CPU
      // (other processes) or for the disk.
      const used = process.cpuUsage(before);
      const busy =
        (used.user + used.system) / 1000 / (Number(process.hrtime.bigint() - since) / 1e6);
      progress(
        `    ${Math.round(rate)} events/s, server busy ${Math.round(busy * 100)}% of a core`,
      );
      best[name] = Math.max(best[name], rate);
    }
  }

  return best;
}

/** Figure 1. Returns the relay's ingest capacity per load (by label), in events per second. */
export async function ingestFigure(results, { dir, timing }) {
  progress('durable ingest: starting the relay (delivery not started) and the bare route');
  const config = benchConfig({
    databaseUrl: `file:${join(dir, 'ingest.sqlite')}`,
    apiBaseUrl: UNUSED_API_BASE_URL,
  });
  const relay = await createRelay({ config, logger: discardingLogger() });
  const relayUrl = await relay.app.listen({ port: 0, host: '127.0.0.1' });
  const bare = await bareApp();
  const capacity = {};

  try {
    for (const shape of SHAPES) {
      const best = await bestOf({ relay: relayUrl, bare: bare.url }, shape, timing);
      capacity[shape.label] = best.relay;
      results.add({
        name: `durable ingest, ${shape.label} (POST /v1/checkout, ${shape.connections} connections)`,
        value: best.relay,
        unit: 'events/s',
        baseline: {
          name: 'bare fastify route, same buildCheckoutEvent, nothing stored',
          value: best.bare,
        },
        aim: { ratio: 0.6, at: 'least' },
      });
    }
  } finally {
    await bare.close();
    await relay.close();
  }

  return capacity;
}

/** Figure 2: the relay's ingest routes with group commit vs one `store.enqueue` per request. */
export async function groupCommitFigure(results, { dir, timing }) {
  const shape = SHAPES[0];
  progress('group commit: two ingest apps on two SQLite files, single events');
  const groupedStore = SqliteStore.open({ path: join(dir, 'grouped.sqlite') });
  const directStore = SqliteStore.open({ path: join(dir, 'direct.sqlite') });
  const grouped = await ingestApp({ store: groupedStore, grouped: true });
  const direct = await ingestApp({ store: directStore, grouped: false });

  try {
    const best = await bestOf(
      { 'group commit': grouped.url, 'commit per request': direct.url },
      shape,
      timing,
    );
    const perCommit = grouped.committer.eventsCommitted / Math.max(1, grouped.committer.commits);
    results.add({
      name: `group commit, single events (${shape.connections} connections)`,
      value: best['group commit'],
      unit: 'events/s',
      baseline: {
        name: 'one store.enqueue (one fsync) per request',
        value: best['commit per request'],
      },
      aim: { ratio: 5, at: 'least' },
      note: `${perCommit.toFixed(1)} events per commit on average`,
    });
  } finally {
    await grouped.close();
    await direct.close();
    await groupedStore.close();
    await directStore.close();
  }
}
