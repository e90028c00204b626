// The load generator, in a process of its own so that it does not share an event loop (or, on a
// two-core machine, a core) with the server it measures. Receives one job from its parent, runs
// autocannon over keep-alive connections and answers with a summary.
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

process.once('message', (job) => {
  load(job).then(
    (summary) => {
      process.send({ summary }, () => process.exit(0));
    },
    (error) => {
      process.send({ error: String(error?.stack ?? error) }, () => process.exit(1));
    },
  );
});
