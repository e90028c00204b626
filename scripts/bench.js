// `npm run bench`: measures what the project claims about speed, each figure beside a baseline
// measured in the same run on the same machine, so the ratio means something anywhere.
// Usage: npm run bench [-- --json FILE] [-- --quick]
//
// Processes: this one runs the servers under test (the relay's parts, imported from its build);
// autocannon runs in a child process, and so does the sandbox that stands in for Pinterest, so
// neither shares an event loop with what it measures. The memory figure spawns the built
// `pinterest-capi serve` itself. Every file lives in a temporary directory removed at the end.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import {
  backlogFile,
  batchingFigure,
  drainFigure,
  drainFile,
  latencyFigure,
} from './bench/delivery-figures.js';
import { SHAPES, groupCommitFigure, ingestFigure } from './bench/ingest-figures.js';
import { memoryFigure } from './bench/memory-figure.js';
import { postgresFigures } from './bench/postgres-figures.js';
import { SqliteStore } from './bench/relay-parts.js';
import { Results, machine, progress } from './bench/report.js';
import { startSandboxProcess } from './bench/sandbox.js';
import { sdkFigure } from './bench/sdk-figure.js';

const { values } = parseArgs({
  options: { json: { type: 'string' }, quick: { type: 'boolean', default: false } },
});
const { quick } = values;

/**
 * Seconds per load run and rounds per comparison; backlog sizes. Quick mode measures memory on
 * figure 3's 50,000-event backlog and skips the large one. The large backlog is drained whole
 * unless that takes longer than `largeDrainSeconds` (a slow or busy machine); the figure then
 * reports the rate over the part drained and says so in its name.
 */
const PLAN = quick
  ? {
      timing: {
        seconds: 1.2,
        warmupSeconds: 0.5,
        rounds: 1,
        latencySeconds: 2,
        memoryWarmupSeconds: 0.5,
        memorySettleMs: 600,
      },
      batchingBacklog: 50_000,
      largeBacklog: undefined,
      postgresDrain: 10_000,
    }
  : {
      timing: {
        seconds: 3,
        warmupSeconds: 1,
        rounds: 3,
        latencySeconds: 10,
        memoryWarmupSeconds: 3,
        memorySettleMs: 2000,
      },
      batchingBacklog: 50_000,
      largeBacklog: 1_000_000,
      largeDrainSeconds: 240,
      postgresDrain: 50_000,
    };
const { timing } = PLAN;

const host = machine();
const results = new Results();
const dir = mkdtempSync(join(os.tmpdir(), 'pinterest-capi-bench-'));
const sandbox = await startSandboxProcess();
const started = Date.now();

let failures = 0;

try {
  await attempt('the SDK figure', () => sdkFigure(results, { quick }));
  const capacity = await attempt('the durable ingest figures', () =>
    ingestFigure(results, { dir, timing }),
  );
  await attempt('the group commit figure', () => groupCommitFigure(results, { dir, timing }));
  const batching = await attempt('the backlog figures', () => backlogFigures({ capacity }));
  if (capacity) {
    const capacityPerSecond = capacity['single events'];
    await attempt('the ingest-to-Pinterest figures', () =>
      latencyFigure(results, { dir, sandbox, capacityPerSecond, timing }),
    );
  }

  await attempt('the PostgreSQL figures', () =>
    postgresFigures(results, {
      sqlite: { capacity, drained: batching },
      sandbox,
      timing,
      dir,
      drainCount: PLAN.postgresDrain,
      ...(quick ? { shapes: SHAPES.slice(0, 1) } : {}),
    }),
  );
} finally {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
}

progress(`done in ${Math.round((Date.now() - started) / 1000)} s`);
results.print(host);
if (values.json) results.writeJson(values.json, host);
// The table is printed either way; a figure that could not be measured still fails the command.
if (failures > 0) process.exitCode = 1;

/** Runs one group of figures; a failure is noted under the table and the next group runs. */
async function attempt(what, measure) {
  try {
    return await measure();
  } catch (error) {
    failures++;
    results.note(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/**
 * Figures 3, 6 and 4. Each backlog is filled through the store, held by relay processes for the
 * memory figure where it is the one measured, then drained by a delivery worker in this process.
 * Returns the drain of figure 3's backlog.
 */
async function backlogFigures({ capacity }) {
  const emptyPath = join(dir, 'empty.sqlite');
  await SqliteStore.open({ path: emptyPath }).close();
  const batchingPath = join(dir, 'batching.sqlite');
  await backlogFile({ path: batchingPath, count: PLAN.batchingBacklog, prefix: 'batching' });
  const memory = { emptyPath, sandbox, timing };
  if (!PLAN.largeBacklog) {
    // A copy: the relays' warm-up requests add events, and figure 3 wants its backlog exact.
    const copyPath = join(dir, 'memory.sqlite');
    copyFileSync(batchingPath, copyPath);
    await memoryFigure(results, {
      ...memory,
      backlogPath: copyPath,
      backlogCount: PLAN.batchingBacklog,
    });
  }

  const batching = await drainFile({ path: batchingPath, sandbox });
  batchingFigure(results, batching);
  drainFigure(results, { drained: batching, capacity });
  if (!PLAN.largeBacklog) return batching;

  const largePath = join(dir, 'large.sqlite');
  await backlogFile({ path: largePath, count: PLAN.largeBacklog, prefix: 'large' });
  await memoryFigure(results, {
    ...memory,
    backlogPath: largePath,
    backlogCount: PLAN.largeBacklog,
  });
  const large = await drainFile({ path: largePath, sandbox, maxSeconds: PLAN.largeDrainSeconds });
  drainFigure(results, { drained: large, capacity });
  return batching;
}
