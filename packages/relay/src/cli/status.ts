/**
 * @module cli/status
 * `pinterest-capi status`: queue depth by state, delivery rates and the oldest pending event's age,
 * read from the database (so it works whether or not a relay is running).
 */
import { parseArgs } from 'node:util';

import { openStore } from '../relay.js';
import type { QueueStats } from '../queue/store.js';
import { describeDatabaseUrl, resolveDatabaseUrl } from './database.js';
import type { CommandIo } from './io.js';
import { formatAnswers, readRelayAnswers } from './relay-answers.js';
import type { RelayAnswers } from './relay-answers.js';
import { EXIT } from './usage-error.js';

export const STATUS_HELP = `Usage: pinterest-capi status [options]

Prints the queue: events by state, deliveries in the last minute and hour, and the age of the
oldest event not yet delivered.

Options:
  --database-url URL   database to read (default: the config file's, DATABASE_URL, or ./data/)
  --config FILE        config file to take databaseUrl from
  --relay-url URL      also show the warnings and unexpected answers Pinterest gave a running
                       relay (read from its /metrics), e.g. http://127.0.0.1:8787
  --json               print JSON
  -h, --help           show this help
`;

export interface StatusReport {
  database: string;
  byState: QueueStats['byState'];
  deliveredLastMinute: number;
  deliveredLastHour: number;
  oldestPendingAgeSeconds: number | null;
  /** With `--relay-url`: that relay's counts since it started. */
  answers?: RelayAnswers;
}

/** Prints the queue's state; resolves to the exit code. */
export async function runStatus(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'database-url': { type: 'string' },
      config: { type: 'string' },
      'relay-url': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

  if (values.help) {
    io.out.write(STATUS_HELP);
    return EXIT.ok;
  }

  const url = await resolveDatabaseUrl(io, {
    databaseUrl: values['database-url'],
    config: values.config,
  });
  const { store } = await openStore(url);

  try {
    const now = Date.now();
    const stats = await store.stats();
    const report: StatusReport = {
      database: describeDatabaseUrl(url),
      byState: stats.byState,
      deliveredLastMinute: await store.deliveredSince(now - 60_000),
      deliveredLastHour: await store.deliveredSince(now - 3_600_000),
      oldestPendingAgeSeconds:
        stats.oldestPendingReceivedAt === undefined
          ? null
          : Math.max(0, Math.round((now - stats.oldestPendingReceivedAt) / 1000)),
    };
    const relayUrl = values['relay-url'];
    if (relayUrl !== undefined) report.answers = await readRelayAnswers(relayUrl);
    io.out.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
    if (report.answers !== undefined) {
      if (!values.json) io.out.write(formatAnswers(report.answers));
      if ('error' in report.answers) return EXIT.failure;
    }
  } finally {
    await store.close();
  }

  return EXIT.ok;
}

const STATE_LABELS: [keyof QueueStats['byState'], string][] = [
  ['pending', 'queued'],
  ['in_flight', 'sending'],
  ['failed', 'retrying'],
  ['delivered', 'delivered'],
  ['dead', 'dead'],
];

function formatStatus(report: StatusReport): string {
  const number = (n: number) => n.toLocaleString('en-US');
  const width = Math.max(...Object.values(report.byState).map((n) => number(n).length));
  const rows = STATE_LABELS.map(
    ([state, label]) => `  ${label.padEnd(10)} ${number(report.byState[state]).padStart(width)}`,
  );
  const oldest =
    report.oldestPendingAgeSeconds === null
      ? 'none waiting'
      : `${formatAge(report.oldestPendingAgeSeconds)} old`;

  return (
    `queue (${report.database})\n${rows.join('\n')}\n` +
    `delivered: ${number(report.deliveredLastMinute)} in the last minute, ` +
    `${number(report.deliveredLastHour)} in the last hour\n` +
    `oldest undelivered event: ${oldest}\n`
  );
}

/** `75` → `1m 15s`; `7260` → `2h 1m`; `90000` → `1d 1h`. */
export function formatAge(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}
