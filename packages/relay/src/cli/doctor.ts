/**
 * @module cli/doctor
 * `pinterest-capi doctor`: the setup checklist of `setup/doctor.ts` printed with the fix for
 * each failure, or as JSON. Exit code 0 only when no check failed.
 */
import { parseArgs } from 'node:util';

import { runDoctor } from '../setup/doctor.js';
import type { DoctorCheck, DoctorReport } from '../setup/doctor.js';
import type { CommandIo } from './io.js';
import { EXIT, UsageError } from './usage-error.js';

/** The relay port when `PORT` is unset, as `serve` uses it. */
const DEFAULT_RELAY_PORT = 8787;

export const DOCTOR_HELP = `Usage: pinterest-capi doctor [options]

Checks the setup, one line per check, each passed or failed with the fix:
  1. OAuth token valid and its scopes (ads:read, ads:write, user_accounts:read)
  2. ad account visible with a role that may send conversions (lists them when none is set)
  3. the ad account's conversion Tag: its id and the snippet that loads it
  4. a checkout sent with ?test=true is accepted (Pinterest records nothing)
  5. Event Quality Score readable
  6. the relay reachable, serving the ad account, its queue not stuck

A check that needs an earlier one fails with "fix the checks above first". Only the relay check
can be skipped, with --no-relay; every other check must pass for exit code 0.

Options:
  --ad-account ID   ad account to check (default PINTEREST_AD_ACCOUNT_ID)
  --relay URL       relay to check (default http://127.0.0.1:$PORT, PORT defaulting to ${DEFAULT_RELAY_PORT})
  --no-relay        skip the relay check (a relay running elsewhere, or none yet)
  --json            print the report as JSON
  -h, --help        show this help

Environment:
  PINTEREST_ACCESS_TOKEN    token for the test checkout (else the stored conversion or OAuth token)
  PINTEREST_AD_ACCOUNT_ID, PINTEREST_TAG_ID, PINTEREST_API_BASE_URL, PORT
  PINTEREST_CLIENT_ID, PINTEREST_CLIENT_SECRET   to refresh the stored OAuth token when due
  PINTEREST_CAPI_TOKEN_FILE token file of auth login (default ~/.config/pinterest-capi/tokens.json)

Exit codes: 0 every check passed (or was skipped), 1 a check failed, 2 a usage error.
`;

/** Runs `doctor`; resolves to the exit code. */
export async function runDoctorCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'ad-account': { type: 'string' },
      relay: { type: 'string' },
      'no-relay': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

  if (values.help) {
    io.out.write(DOCTOR_HELP);
    return EXIT.ok;
  }

  const adAccountId = values['ad-account'];
  if (adAccountId !== undefined && !/^\d{1,18}$/.test(adAccountId)) {
    throw new UsageError('--ad-account must be 1 to 18 digits');
  }

  if (values['no-relay'] && values.relay !== undefined) {
    throw new UsageError('--relay and --no-relay exclude each other');
  }

  const report = await runDoctor({
    env: io.env,
    adAccountId,
    relayUrl: values['no-relay'] ? undefined : relayUrlOf(values.relay, io.env),
  });
  io.out.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.ok ? EXIT.ok : EXIT.failure;
}

function relayUrlOf(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag === undefined) {
    return `http://127.0.0.1:${env['PORT'] || String(DEFAULT_RELAY_PORT)}`;
  }

  let url: URL;

  try {
    url = new URL(flag);
  } catch {
    throw new UsageError('--relay must be an http(s) URL, e.g. http://127.0.0.1:8787');
  }

  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError('--relay must be an http(s) URL, e.g. http://127.0.0.1:8787');
  }

  return url.origin;
}

const MARKS: Record<DoctorCheck['status'], string> = {
  pass: 'PASS',
  fail: 'FAIL',
  skip: 'SKIP',
};

/** The checklist for people: a mark, the check, what was found, and the fix under a failure. */
export function formatReport(report: DoctorReport): string {
  const lines = [`pinterest-capi doctor (Pinterest API spec v${report.specVersion})`];
  lines.push(`API: ${report.apiBaseUrl}`, '');
  for (const check of report.checks) {
    lines.push(`${MARKS[check.status]}  ${check.name}: ${check.detail}`);
    if (check.fix !== undefined) lines.push(`      fix: ${check.fix}`);
  }

  if (report.tagId !== null) {
    lines.push('', `Load Tag ${report.tagId} on every page of the store (before </head>):`);
    lines.push(
      report.tagSnippet ?? 'copy its base code from Ads Manager: Conversions > Tag manager',
    );
  }

  const failed = report.checks.filter((check) => check.status === 'fail').length;
  lines.push('', failed === 0 ? 'All checks passed.' : `${failed} check(s) failed.`);
  return `${lines.join('\n')}\n`;
}
