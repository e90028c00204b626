// Figure 6: resident memory of a relay process (the built `pinterest-capi serve`) holding a large
// backlog, against the same relay on an empty queue. Delivery is paused in both: the sandbox does
// not know their access token, so the first call is refused (401), its events are given back and
// the account pauses, and the backlog stays where it is.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { runLoad } from './load.js';
import { AD_ACCOUNT_ID, API_KEY, AUTH } from './relay-parts.js';
import { fmtCount, progress } from './report.js';

const MAIN = fileURLToPath(new URL('../../packages/relay/dist/cli/main.js', import.meta.url));

/** Starts `serve` on a queue file; resolves once it listens. */
async function spawnRelay({ databasePath, apiBaseUrl }) {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0'], {
    env: {
      ...process.env,
      DATABASE_URL: `file:${databasePath}`,
      PINTEREST_ACCESS_TOKEN: 'pina_bench_token_the_sandbox_does_not_know',
      PINTEREST_AD_ACCOUNT_ID: AD_ACCOUNT_ID,
      PINTEREST_API_BASE_URL: apiBaseUrl,
      RELAY_API_KEYS: API_KEY,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
    // Its own directory, so that no pinterest-capi.config.json of the caller's is read.
    cwd: dirname(databasePath),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const state = { url: undefined, paused: false };
  // Every log line is read (and dropped), so a full pipe never stalls the relay.
  createInterface({ input: child.stdout }).on('line', (line) => {
    const entry = parseLogLine(line);
    if (entry?.msg === 'relay listening') state.url = entry.url;
    if (entry?.msg === 'ad account paused: credentials rejected') state.paused = true;
  });

  await waitFor(child, () => state.url !== undefined, 'listen');
  return { child, state };
}

function parseLogLine(line) {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

async function waitFor(child, done, what) {
  const deadline = Date.now() + 60_000;
  while (!done()) {
    if (child.exitCode !== null) throw new Error(`relay exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`relay did not ${what} within 60 s`);
    await sleep(50);
  }
}

function residentKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of the file, 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * RSS in MiB after some ingest traffic and a pause: the median of five readings. Also the share of
 * a core the relay used meanwhile, with nothing to do but poll the queue.
 */
async function measureRelay({ label, databasePath, apiBaseUrl, timing }) {
  progress(`resident memory: relay on ${label}`);
  const { child, state } = await spawnRelay({ databasePath, apiBaseUrl });

  try {
    await runLoad({
      url: state.url,
      path: '/v1/checkout',
      headers: AUTH,
      connections: 16,
      itemsPerRequest: 1,
      durationSeconds: timing.memoryWarmupSeconds,
      prefix: `memory-${label.replaceAll(' ', '-')}`,
    });
    // Both relays now hold events, so both have tried once, been refused and paused.
    await waitFor(child, () => state.paused, 'pause delivery');
    await sleep(timing.memorySettleMs);
    const readings = [];
    const cpuBefore = cpuSeconds(child.pid);
    const since = Date.now();
    for (let i = 0; i < 5; i += 1) {
      await sleep(timing.memorySettleMs / 4);
      readings.push(residentKiB(child.pid));
    }

    const idleCpu = (cpuSeconds(child.pid) - cpuBefore) / ((Date.now() - since) / 1000);
    readings.sort((a, b) => a.rss - b.rss);
    const median = readings[2];
    progress(
      `  ${(median.rss / 1024).toFixed(1)} MiB resident, peak ${(median.peak / 1024).toFixed(1)} MiB, ${Math.round(idleCpu * 100)}% of a core while idle`,
    );
    return { rssMiB: median.rss / 1024, peakMiB: median.peak / 1024, idleCpu };
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

export async function memoryFigure(
  results,
  { backlogPath, emptyPath, backlogCount, sandbox, timing },
) {
  const apiBaseUrl = sandbox.apiBaseUrl;
  const empty = await measureRelay({
    label: 'an empty queue',
    databasePath: emptyPath,
    apiBaseUrl,
    timing,
  });
  const full = await measureRelay({
    label: `a ${fmtCount(backlogCount)}-event backlog`,
    databasePath: backlogPath,
    apiBaseUrl,
    timing,
  });
  const cpu = (m) => `${Math.round(m.idleCpu * 100)}%`;
  results.add({
    name: `resident memory of a relay process, ${fmtCount(backlogCount)}-event backlog`,
    value: full.rssMiB,
    unit: 'MiB',
    baseline: { name: 'the same relay on an empty queue', value: empty.rssMiB },
    aim: { ratio: 1.5, value: 256, at: 'most' },
    note:
      `peak ${full.peakMiB.toFixed(1)} MiB with the backlog, ${empty.peakMiB.toFixed(1)} MiB empty; ` +
      `paused and idle, the relay used ${cpu(full)} of a core with the backlog, ${cpu(empty)} empty`,
  });
}
