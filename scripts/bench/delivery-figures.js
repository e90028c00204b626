// Figures 3, 4 and 5: events per upstream call under a backlog, the drain rate of a large
// backlog, and the delay from ingest to Pinterest at half the ingest capacity.
import { join } from 'node:path';

import { fillBacklog } from './backlog.js';
import { runLoad } from './load.js';
import {
  AD_ACCOUNT_ID,
  AUTH,
  SqliteStore,
  benchConfig,
  createRelay,
  deliveryWorker,
  discardingLogger,
} from './relay-parts.js';
import { fmtCount, progress } from './report.js';

/** Resolves when `done()` is true, checking every 50 ms; rejects after `timeoutMs`. */
function until(done, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (done()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(check, 50);
    };

    check();
  });
}

/**
 * Delivers a store's backlog of `count` events to the sandbox with a delivery worker set up as the
 * relay sets it up, and reports how fast and in how many calls. With `maxSeconds`, stops counting
 * there and reports the rate so far (`complete: false`). With `stores` (several connections to
 * one database), one worker per store drains the one backlog, as several relay instances would.
 */
export async function drain({ store, stores = [store], sandbox, count, maxSeconds = Infinity }) {
  await sandbox.reset();
  const workers = stores.map((each, i) =>
    deliveryWorker({ store: each, apiBaseUrl: sandbox.apiBaseUrl, owner: `bench-worker-${i}` }),
  );
  const seen = { processed: 0, failed: 0, dead: 0, retries: 0, errors: 0 };
  for (const worker of workers) {
    worker.on('batch', (batch) => {
      seen.processed += batch.processed;
      seen.failed += batch.failed;
    });
    worker.on('dead', () => seen.dead++);
    worker.on('retry', () => seen.retries++);
    worker.on('error', () => seen.errors++);
  }

  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  let lastReport = 0;
  for (const worker of workers) worker.start();
  await until(
    () => {
      if (elapsed() - lastReport >= 5) {
        lastReport = elapsed();
        progress(`  drained ${fmtCount(seen.processed)} of ${fmtCount(count)}`);
      }

      return seen.processed + seen.dead >= count || elapsed() >= maxSeconds;
    },
    Math.min(maxSeconds * 1000, Math.max(120_000, count / 2)) + 1000,
    'the backlog to drain',
  );
  const seconds = elapsed();
  const delivered = seen.processed;
  await Promise.all(workers.map((worker) => worker.stop()));

  const calls = (await sandbox.calls()).filter(
    (call) => call.status === 200 || call.status === 422,
  );
  const events = calls.reduce((sum, call) => sum + call.num_events, 0);
  if (seen.dead + seen.retries + seen.errors > 0) progress(`  drain: ${JSON.stringify(seen)}`);
  return {
    count,
    complete: delivered + seen.dead >= count,
    delivered,
    seconds,
    eventsPerSecond: delivered / seconds,
    eventsPerCall: events / Math.max(1, calls.length),
    calls: calls.length,
    ...seen,
  };
}

/** Opens a SQLite backlog file and drains whatever it holds that is not yet delivered. */
export async function drainFile({ path, sandbox, maxSeconds }) {
  const store = SqliteStore.open({ path });
  try {
    const { byState } = await store.stats();
    const count = byState.pending + byState.failed + byState.in_flight;
    progress(`draining ${fmtCount(count)} events into the sandbox`);
    return await drain({ store, sandbox, count, maxSeconds });
  } finally {
    await store.close();
  }
}

/** A SQLite file holding `count` undelivered events. */
export async function backlogFile({ path, count, prefix }) {
  progress(`filling a ${fmtCount(count)}-event backlog`);
  const store = SqliteStore.open({ path });
  try {
    return await fillBacklog(store, { count, adAccountId: AD_ACCOUNT_ID, prefix });
  } finally {
    await store.close();
  }
}

/** Figure 3, from a drain of a backlog that was whole when delivery started. */
export function batchingFigure(results, drained) {
  results.add({
    name: `events per upstream call, ${fmtCount(drained.count)}-event backlog`,
    value: drained.eventsPerCall,
    unit: 'events/call',
    baseline: { name: "Pinterest's maximum per call", value: 1000 },
    aim: { value: 950, at: 'least' },
    note: `${drained.calls} calls`,
  });
}

/**
 * Figure 4: the drain rate against the ingest capacity of figure 1, taken as the larger of its
 * two loads (a relay that catches up faster than its best intake also beats any lighter one).
 */
export function drainFigure(results, { drained, capacity = {} }) {
  const [shape, best] = Object.entries(capacity).sort((a, b) => b[1] - a[1])[0] ?? [];
  const part = drained.complete
    ? `whole ${fmtCount(drained.count)}-event backlog`
    : `first ${Math.round(drained.seconds)} s of a ${fmtCount(drained.count)}-event backlog`;
  const others = Object.entries(capacity)
    .filter(([other]) => other !== shape)
    .map(([other, rate]) => `${(drained.eventsPerSecond / rate).toFixed(2)}× ingest of ${other}`);
  const delivered = `${fmtCount(drained.delivered)} delivered in ${drained.seconds.toFixed(1)} s`;
  results.add({
    name: `drain rate, ${part}`,
    value: drained.eventsPerSecond,
    unit: 'events/s',
    ...(shape ? { baseline: { name: `durable ingest capacity, ${shape}`, value: best } } : {}),
    aim: { ratio: 3, at: 'least' },
    note: [`${delivered}, ${drained.calls} calls`, ...others].join('; '),
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/**
 * Figure 5: a whole relay (ingest and delivery in one process, as `npm start` runs it) under a
 * steady load of single events at half the measured capacity; the delay of each event from the
 * relay receiving it to Pinterest (the sandbox) having processed it.
 */
export async function latencyFigure(results, { dir, sandbox, capacityPerSecond, timing }) {
  await sandbox.reset();
  const config = benchConfig({
    databaseUrl: `file:${join(dir, 'latency.sqlite')}`,
    apiBaseUrl: sandbox.apiBaseUrl,
  });
  const relay = await createRelay({ config, logger: discardingLogger() });
  const delays = [];
  relay.worker.on('delivered', ({ at, events }) => {
    for (const event of events) delays.push(at - event.receivedAt);
  });
  const url = await relay.listen();
  const rate = Math.max(1, Math.floor(capacityPerSecond / 2));

  try {
    progress(`ingest to Pinterest: ${rate} single events/s for ${timing.latencySeconds} s`);
    const summary = await runLoad({
      url,
      path: '/v1/checkout',
      headers: AUTH,
      // An even stream, not autocannon's burst at the start of every second (see load-child.js).
      paced: true,
      connections: 100,
      itemsPerRequest: 1,
      overallRate: rate,
      durationSeconds: timing.latencySeconds,
      prefix: `latency${process.pid}`,
    });
    await until(() => delays.length >= summary.ok, 60_000, 'every accepted event to be delivered');
    delays.sort((a, b) => a - b);
    // Named by the rate actually sent: on a busy machine the paced load may fall short of it.
    const sent = Math.round(summary.okPerSecond);
    for (const p of [50, 99]) {
      results.add({
        name: `ingest to Pinterest p${p}, ${sent} single events/s (half capacity: ${rate}/s)`,
        value: percentile(delays, p),
        unit: 'ms',
        baseline: {
          name: "delivery's lingerMs, the designed wait for a fuller batch",
          value: config.delivery.lingerMs,
        },
        note: `${fmtCount(delays.length)} events delivered`,
      });
    }
  } finally {
    await relay.close();
  }
}
