/**
 * @module cli/quality
 * `pinterest-capi quality`: Pinterest's Event Quality Score beside the relay's own figures from
 * its store (read through the dashboard's queries, as `status` opens the store), with advice for
 * each weak signal.
 */
import { parseArgs } from 'node:util';

import { DashboardData } from '../dashboard/aggregates.js';
import { dashboardQueriesOf, MINUTE_MS } from '../dashboard/queries.js';
import { openStore } from '../relay.js';
import { apiBaseUrl } from '../setup/api.js';
import { resolveCredentials } from '../setup/credentials.js';
import { oauthClientFromEnv } from '../setup/oauth.js';
import {
  compareSignals,
  eqsReadToken,
  percentOf,
  QUALITY_SIGNALS,
  readEqs,
} from '../setup/quality.js';
import type { EqsReading, LocalCoverage, QualityReport } from '../setup/quality.js';
import { describeDatabaseUrl, resolveDatabaseUrl } from './database.js';
import type { CommandIo } from './io.js';
import { EXIT, UsageError } from './usage-error.js';

const HOUR_MS = 60 * MINUTE_MS;

export const QUALITY_HELP = `Usage: pinterest-capi quality [options]

Pinterest's Event Quality Score (last 1 and 14 days: overall status per source, and each signal's
coverage per event type) beside the relay's own share of events carrying each signal, read from
its database, with advice for every weak signal.

Signals: email, phone, IP + user agent, click id, external id, order id, value, Tag-paired
event_id (Pinterest: Tag/API overlap; relay: event_id given with the event, not derived from the
order id).

Options:
  --ad-account ID      ad account (default PINTEREST_AD_ACCOUNT_ID)
  --window DURATION    the relay's figures over this window: 30m, 24h, 14d (default 14d)
  --database-url URL   database to read (default: the config file's, DATABASE_URL, or ./data/)
  --config FILE        config file to take databaseUrl from
  --json               print JSON
  -h, --help           show this help

EQS needs an OAuth token with ads:read: pinterest-capi auth login, or PINTEREST_CLIENT_ID and
PINTEREST_CLIENT_SECRET (an app token). A conversion token cannot read it.

Exit codes: 0 both sides read, 1 EQS could not be read (the relay's figures are still printed),
2 a usage error.
`;

/** Prints the comparison; resolves to the exit code. */
export async function runQuality(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'ad-account': { type: 'string' },
      window: { type: 'string', default: '14d' },
      'database-url': { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

  if (values.help) {
    io.out.write(QUALITY_HELP);
    return EXIT.ok;
  }

  const adAccountId = values['ad-account'] ?? io.env['PINTEREST_AD_ACCOUNT_ID'];
  if (adAccountId === undefined || !/^\d{1,18}$/.test(adAccountId)) {
    throw new UsageError('--ad-account (or PINTEREST_AD_ACCOUNT_ID) must be 1 to 18 digits');
  }

  const windowMs = parseWindow(values.window);
  const url = await resolveDatabaseUrl(io, {
    databaseUrl: values['database-url'],
    config: values.config,
  });
  const relay = await readLocalCoverage(url, { adAccountId, windowMs });
  const eqs = await readBothLookbacks(io.env, adAccountId);
  const report: QualityReport = {
    adAccountId,
    window: values.window,
    eqs,
    relay,
    signals: compareSignals(eqs, relay),
  };

  io.out.write(
    values.json
      ? `${JSON.stringify(report, null, 2)}\n`
      : formatQuality(report, describeDatabaseUrl(url)),
  );
  const failed = [eqs['1d'], eqs['14d']].find((reading) => 'error' in reading);
  if (failed && 'error' in failed)
    io.err.write(`pinterest-capi: EQS unreadable: ${failed.error}\n`);
  return failed ? EXIT.failure : EXIT.ok;
}

const WINDOW_UNITS: Record<string, number> = { m: MINUTE_MS, h: HOUR_MS, d: 24 * HOUR_MS };

/** `30m`, `24h`, `14d` → milliseconds. */
export function parseWindow(value: string): number {
  const match = /^([1-9]\d{0,4})([mhd])$/.exec(value);
  if (!match) throw new UsageError('--window must be a duration like 30m, 24h or 14d');
  return Number(match[1]) * (WINDOW_UNITS[match[2] ?? 'm'] ?? MINUTE_MS);
}

async function readLocalCoverage(
  databaseUrl: string,
  request: { adAccountId: string; windowMs: number },
): Promise<LocalCoverage> {
  const { store } = await openStore(databaseUrl);

  try {
    const queries = dashboardQueriesOf(store);
    if (!queries) throw new Error('this store offers no dashboard queries to read coverage from');
    const now = Date.now();
    // Past a day, hourly slots keep the read small; the window then starts on the hour before,
    // under an hour more than asked. Up to a day it starts on the minute.
    const hourly = request.windowMs > 24 * HOUR_MS && request.windowMs % HOUR_MS === 0;
    const bucketMs = hourly ? HOUR_MS : MINUTE_MS;
    const summary = await new DashboardData({ queries }).summary({
      adAccountIds: [request.adAccountId],
      since: now - request.windowMs,
      until: now,
      bucketMs,
    });
    const range = {
      adAccountIds: [request.adAccountId],
      since: summary.since,
      until: summary.until,
    };
    const [fields] = await queries.fieldCoverage(range);
    const { events, ...identifiers } = summary.coverage;
    const counts = { ...identifiers, ...fields };
    const percent = Object.fromEntries(
      QUALITY_SIGNALS.map((signal) => [signal, percentOf(counts[signal] ?? 0, events)]),
    ) as LocalCoverage['percent'];
    return { since: summary.since, until: summary.until, events, percent };
  } finally {
    await store.close();
  }
}

async function readBothLookbacks(
  env: NodeJS.ProcessEnv,
  adAccountId: string,
): Promise<QualityReport['eqs']> {
  const target = { baseUrl: apiBaseUrl(env) };
  const credentials = await resolveCredentials(env);
  let token: string;

  try {
    token = await eqsReadToken(target, {
      storedToken: credentials.oauth?.accessToken,
      client: oauthClientFromEnv(env),
    });
  } catch (error) {
    const why = credentials.problem ? ` (stored tokens set aside: ${credentials.problem})` : '';
    const reading: EqsReading = { error: `${(error as Error).message}${why}` };
    return { '1d': reading, '14d': reading };
  }

  return {
    '1d': await readEqs(target, { token, adAccountId, lookback: '1d' }),
    '14d': await readEqs(target, { token, adAccountId, lookback: '14d' }),
  };
}

/** The comparison for people: overall status, one table per event type, then the advice. */
export function formatQuality(report: QualityReport, database: string): string {
  const lines = [
    `Event quality, ad account ${report.adAccountId}`,
    `relay: ${report.relay.events} events in the last ${report.window} (${database})`,
    '',
    ...overallLines(report),
  ];
  const types = eventTypesOf(report);
  for (const type of types.length > 0 ? types : [undefined]) {
    lines.push('', ...signalTable(report, type));
  }

  const weak = report.signals.filter((signal) => signal.weak);
  lines.push('', weak.length === 0 ? 'No weak signal.' : 'Advice:');
  for (const signal of weak) lines.push(`  - ${signal.label}: ${signal.advice ?? ''}`);
  return `${lines.join('\n')}\n`;
}

function overallLines(report: QualityReport): string[] {
  const lines = ['Pinterest EQS, overall:'];
  for (const lookback of ['1d', '14d'] as const) {
    const reading = report.eqs[lookback];
    if ('error' in reading) {
      lines.push(`  ${lookback.padEnd(4)} unreadable: ${reading.error}`);
      continue;
    }

    const statuses = reading.sources.map(
      (source) => `${source.ingestionSource}/${source.sourcePlatform} ${source.overallStatus}`,
    );
    lines.push(`  ${lookback.padEnd(4)} ${statuses.join(', ') || 'no events reported'}`);
  }

  return lines;
}

function eventTypesOf(report: QualityReport): string[] {
  const types = new Set<string>();
  for (const signal of report.signals) {
    for (const type of Object.keys(signal.eqs['1d'])) types.add(type);
    for (const type of Object.keys(signal.eqs['14d'])) types.add(type);
  }

  return [...types].sort();
}

function signalTable(report: QualityReport, type: string | undefined): string[] {
  const cell = (value: number | null | undefined) =>
    (value === null || value === undefined ? '-' : `${String(value)}%`).padStart(9);
  const heading =
    `${(type ?? 'no EQS figures').padEnd(22)}${'EQS 1d'.padStart(9)}` +
    `${'EQS 14d'.padStart(9)}${`relay ${report.window}`.padStart(12)}  target`;
  const rows = report.signals.map((signal) => {
    const eqs1d = type === undefined ? undefined : signal.eqs['1d'][type];
    const eqs14d = type === undefined ? undefined : signal.eqs['14d'][type];
    const mark = signal.weak ? '  weak' : '';
    return (
      `  ${signal.label.padEnd(20)}${cell(eqs1d)}${cell(eqs14d)}${cell(signal.relay).padStart(12)}` +
      `  ${String(signal.target)}%${mark}`
    );
  });
  return [heading, ...rows];
}
