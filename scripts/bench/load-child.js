// The load generator, in a process of its own so that it does not share an event loop (or, on a
// two-core machine, a core) with the server it measures. Receives one job from its parent, runs
// autocannon over keep-alive connections (or, for a paced job, an even stream of requests) and
// answers with a summary.
import { setTimeout as sleep } from 'node:timers/promises';

import autocannon from 'autocannon';

import { bodySource } from './checkouts.js';

function run(options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => {
      if (error) reject(error);
      else resolve(result);
    });
    // autocannon installs no handler of its own; without one an error event would crash the child.
    instance.on('error', () => {});
  });
}

async function load(job) {
  const nextBody = bodySource({ prefix: job.prefix, itemsPerRequest: job.itemsPerRequest });
  const base = {
    url: job.url,
    connections: job.connections,
    pipelining: 1,
    timeout: 30,
    ...(job.overallRate ? { overallRate: job.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path: job.path,
        headers: { 'content-type': 'application/json', ...job.headers },
        setupRequest: (request) => ({ ...request, body: nextBody() }),
      },
    ],
  };
  if (job.warmupSeconds > 0) await run({ ...base, duration: job.warmupSeconds });
  const started = Date.now();
  const result = await run({ ...base, duration: job.durationSeconds });
  return {
    started,
    seconds: result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    okPerSecond: result['2xx'] / result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
    statusCodes: result.statusCodeStats,
  };
}

/** How often a paced job sends the requests that have come due. */
const PACING_TICK_MS = 5;

/**
 * A steady load: `overallRate` requests a second spread evenly over time (those due every 5 ms),
 * each on Node's fetch (undici, keep-alive connections). autocannon's own rate limit lets each
 * connection send its quota for the second back to back as the second starts, so a paced
 * autocannon run measures the queue behind that burst rather than the delay at the stated rate.
 */
async function paced(job) {
  const nextBody = bodySource({ prefix: job.prefix, itemsPerRequest: job.itemsPerRequest });
  const url = new URL(job.path, job.url);
  const headers = { 'content-type': 'application/json', ...job.headers };
  const counts = { ok: 0, non2xx: 0, errors: 0 };
  const statusCodes = {};
  const latencies = [];
  const open = new Set();
  const send = async () => {
    const sentAt = performance.now();
    try {
      const response = await fetch(url, { method: 'POST', headers, body: nextBody() });
      await response.arrayBuffer();
      latencies.push(performance.now() - sentAt);
      statusCodes[response.status] = { count: (statusCodes[response.status]?.count ?? 0) + 1 };
      if (response.ok) counts.ok++;
      else counts.non2xx++;
    } catch {
      counts.errors++;
    }
  };

  const started = Date.now();
  const startedAt = performance.now();
  let sent = 0;
  for (;;) {
    const elapsedMs = performance.now() - startedAt;
    if (elapsedMs >= job.durationSeconds * 1000) break;
    const due = Math.floor((elapsedMs / 1000) * job.overallRate);
    for (; sent < due; sent++) {
      const request = send();
      open.add(request);
      void request.finally(() => open.delete(request));
    }

    await sleep(PACING_TICK_MS);
  }

  await Promise.all(open);
  latencies.sort((a, b) => a - b);
  const at = (p) =>
    latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))];
  return {
    started,
    seconds: job.durationSeconds,
    ...counts,
    timeouts: 0,
    okPerSecond: counts.ok / job.durationSeconds,
    latencyMs: { p50: at(50), p99: at(99) },
    statusCodes,
  };
}

process.once('message', (job) => {
  (job.paced ? paced(job) : load(job)).then(
    (summary) => {
      process.send({ summary }, () => process.exit(0));
    },
    (error) => {
      process.send({ error: String(error?.stack ?? error) }, () => process.exit(1));
    },
  );
});
