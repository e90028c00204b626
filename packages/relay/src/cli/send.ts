/**
 * @module cli/send
 * `pinterest-capi send`: events or plain checkouts from a file or stdin, through the SDK, to
 * Pinterest (or the sandbox `PINTEREST_API_BASE_URL` points at).
 */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import {
  ConversionsClient,
  MAX_EVENTS_PER_REQUEST,
  ValidationError,
  buildCheckoutEvent,
  chunkEvents,
  deriveEventId,
  prepareEvent,
} from '@pinterest-capi/sdk';
import type {
  CheckoutInput,
  EventInput,
  EventOutcome,
  PrepareOptions,
  SendResult,
  ValidationIssue,
  WireEvent,
} from '@pinterest-capi/sdk';

import { runBackfill } from './backfill.js';
import type { BackfillOptions } from './backfill.js';
import { UTC_OFFSET } from './backfill-columns.js';
import { resolveCredentials } from '../setup/credentials.js';
import type { CommandIo } from './io.js';
import { INPUT_FORMATS, readRecords } from './input.js';
import type { InputFormat } from './input.js';
import { EXIT, UsageError } from './usage-error.js';

export const SEND_HELP = `Usage: pinterest-capi send [FILE|-] [options]

Sends Pinterest-shaped events, or plain checkouts with --checkout, from FILE (JSON array, JSON
lines or CSV with a header row) or stdin. Identifiers are normalized and hashed before anything
leaves the machine; events go out in batches of up to 1,000.

Options:
  --checkout              records are plain checkouts (order_id, value, email, ...), not events
  --format FORMAT         json, jsonl or csv (default: from the extension, then the content)
  --test                  Pinterest's test mode (?test=true): validated, answered, not recorded
  --dry-run               print each JSON body that would be POSTed, one per line; send nothing
  --json                  print the per-event result as JSON on stdout
  --ad-account ID         ad account (default: PINTEREST_AD_ACCOUNT_ID)
  --default-country CC    country for phone numbers written without one (e.g. US)
  --partner-name NAME     partner_name for every event, lowercase ss-<partner>
  -h, --help              show this help

Backfill (a CSV export of past orders, sent as offline checkouts):
  --offline               FILE is an order export; send each order as an offline checkout
  --map COLUMN=FIELD      read FIELD from COLUMN (repeatable), e.g. --map "Billing Email=email";
                          fields: order_id value currency event_time email phone first_name
                          last_name city state zip country external_id ip user_agent click_id
                          event_id item_id item_name item_price item_quantity
  --results FILE          one line per row: sent, failed or skipped with the reason
                          (default: FILE.results.csv); an existing one is resumed
  --utc-offset OFFSET     offset of creation times written without one, e.g. +02:00
  --batch-size N          rows per call, 1-1000 (default 1000)
  --resend-unconfirmed    also send rows a killed run left unconfirmed

Environment:
  PINTEREST_ACCESS_TOKEN   conversion access token (or OAuth token with ads:write); without it,
                           the token stored by "pinterest-capi auth" is used
  PINTEREST_AD_ACCOUNT_ID  ad account id, digits
  PINTEREST_API_BASE_URL   API base (default https://api.pinterest.com/v5; a sandbox's /v5)

Exit codes: 0 every event processed, 1 any event failed or was not sent, 2 usage error.
With --offline: 0 every row sent or skipped, 1 a row failed, was not sent or is unconfirmed.

Examples:
  pinterest-capi send --checkout orders.csv --dry-run
  pinterest-capi send events.jsonl --test
  cat orders.json | pinterest-capi send --checkout - --json
  pinterest-capi send --offline orders_export.csv --map "Order ID=order_id"
`;

interface SendArgs {
  file: string;
  checkout: boolean;
  format: InputFormat | undefined;
  test: boolean;
  dryRun: boolean;
  json: boolean;
  adAccount: string | undefined;
  prepare: PrepareOptions;
  backfill: BackfillArgs | undefined;
}

/** The `--offline` options; see {@link runBackfill}. */
type BackfillArgs = Pick<
  BackfillOptions,
  'results' | 'maps' | 'utcOffset' | 'batchSize' | 'resendUnconfirmed'
>;

function parseSendArgs(argv: string[], io: CommandIo): SendArgs | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      checkout: { type: 'boolean', default: false },
      format: { type: 'string' },
      test: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'ad-account': { type: 'string' },
      'default-country': { type: 'string' },
      'partner-name': { type: 'string' },
      offline: { type: 'boolean', default: false },
      map: { type: 'string', multiple: true, default: [] },
      results: { type: 'string' },
      'utc-offset': { type: 'string' },
      'batch-size': { type: 'string' },
      'resend-unconfirmed': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 1) throw new UsageError('send takes one FILE (or - for stdin)');
  if (!values.offline) rejectBackfillOnly(values);

  const format = values.format;
  if (format !== undefined && !INPUT_FORMATS.includes(format as InputFormat)) {
    throw new UsageError(`--format must be one of ${INPUT_FORMATS.join(', ')}`);
  }

  const prepare: PrepareOptions = {};
  if (values['default-country'] !== undefined) prepare.defaultCountry = values['default-country'];
  if (values['partner-name'] !== undefined) prepare.partnerName = values['partner-name'];

  return {
    file: positionals[0] ?? '-',
    checkout: values.checkout,
    format: format as InputFormat | undefined,
    test: values.test,
    dryRun: values['dry-run'],
    json: values.json,
    adAccount: values['ad-account'] ?? io.env['PINTEREST_AD_ACCOUNT_ID'],
    prepare,
    backfill: values.offline ? parseBackfillArgs(values, positionals[0]) : undefined,
  };
}

function parseBackfillArgs(
  values: {
    checkout: boolean;
    map: string[];
    results?: string | undefined;
    'utc-offset'?: string | undefined;
    'batch-size'?: string | undefined;
    'resend-unconfirmed': boolean;
  },
  file: string | undefined,
): BackfillArgs {
  if (file === undefined || file === '-') {
    throw new UsageError(
      '--offline reads a CSV file (not stdin): its results file makes it resumable',
    );
  }

  if (values.checkout) throw new UsageError('--offline already reads orders; drop --checkout');
  const utcOffset = values['utc-offset'];
  if (utcOffset !== undefined && !UTC_OFFSET.test(utcOffset)) {
    throw new UsageError(`--utc-offset must look like +02:00, -0500 or Z, got "${utcOffset}"`);
  }

  const batchSize = Number(values['batch-size'] ?? MAX_EVENTS_PER_REQUEST);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_EVENTS_PER_REQUEST) {
    throw new UsageError(`--batch-size must be a whole number from 1 to ${MAX_EVENTS_PER_REQUEST}`);
  }

  return {
    results: values.results ?? `${file}.results.csv`,
    maps: values.map,
    utcOffset,
    batchSize,
    resendUnconfirmed: values['resend-unconfirmed'],
  };
}

/** Pinterest's limit of events per request. */

function rejectBackfillOnly(values: Record<string, unknown>): void {
  const only = ['map', 'results', 'utc-offset', 'batch-size', 'resend-unconfirmed'].filter(
    (name) => {
      const value = values[name];
      return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== false;
    },
  );
  if (only.length > 0) throw new UsageError(`--${only[0] ?? ''} goes with --offline`);
}

interface Prepared {
  /** Events that passed validation, with their index in the input. */
  events: { index: number; event: WireEvent }[];
  rejected: EventOutcome[];
}

/** Hashes and validates every record; a bad record is set aside with its issues, never sent. */
function prepareRecords(records: unknown[], args: SendArgs): Prepared {
  const prepared: Prepared = { events: [], rejected: [] };

  for (const [index, record] of records.entries()) {
    try {
      const event = args.checkout
        ? buildCheckoutEvent(record as CheckoutInput, args.prepare)
        : prepareEvent(record as EventInput, args.prepare);
      prepared.events.push({ index, event });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      prepared.rejected.push({
        index,
        eventId: recordEventId(record, args.checkout),
        status: 'rejected',
        issues: error.issues,
      });
    }
  }

  return prepared;
}

/** The id a rejected record would have had, so the summary can name it. */
function recordEventId(record: unknown, checkout: boolean): string | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  const { event_id: id, dedup_key: alias, order_id: orderId } = record as Record<string, unknown>;
  if (typeof id === 'string') return id;
  if (!checkout) return undefined;
  if (typeof alias === 'string') return alias;
  return typeof orderId === 'string' || typeof orderId === 'number'
    ? deriveEventId(String(orderId))
    : undefined;
}

/** Runs `send`; resolves to the exit code. */
export async function runSend(argv: string[], io: CommandIo): Promise<number> {
  const args = parseSendArgs(argv, io);

  if (args === 'help') {
    io.out.write(SEND_HELP);
    return EXIT.ok;
  }

  if (args.backfill !== undefined) {
    return runBackfill(
      {
        ...args.backfill,
        file: args.file,
        dryRun: args.dryRun,
        json: args.json,
        prepare: args.prepare,
        client: () => buildClient(args, io),
      },
      io,
    );
  }

  const records = await readRecords(args.file, { format: args.format, stdin: io.stdin });
  const prepared = prepareRecords(records, args);

  if (args.dryRun) {
    for (const batch of chunkEvents(prepared.events.map(({ event }) => event))) {
      io.out.write(`${JSON.stringify({ data: batch })}\n`);
    }

    writeIssues(io, prepared.rejected);
    return prepared.rejected.length === 0 ? EXIT.ok : EXIT.failure;
  }

  const result = await sendPrepared(prepared, args, io);
  if (args.json) io.out.write(`${JSON.stringify(resultToJson(result), null, 2)}\n`);
  writeSummary(io, result);
  return result.outcomes.every((outcome) => outcome.status === 'processed')
    ? EXIT.ok
    : EXIT.failure;
}

/**
 * A client with the first token found: `PINTEREST_ACCESS_TOKEN`, then the conversion token or the
 * OAuth token stored by `pinterest-capi auth` (refreshed first when it is close to expiring).
 */
async function buildClient(args: SendArgs, io: CommandIo): Promise<ConversionsClient> {
  // The environment's token wins without touching the token file (no read, lock or refresh).
  const fromEnv = io.env['PINTEREST_ACCESS_TOKEN'];
  const { send, problem } = fromEnv
    ? { send: { token: fromEnv }, problem: undefined }
    : await resolveCredentials(io.env);
  if (!send) {
    const why = problem ? ` (stored tokens set aside: ${problem})` : '';
    throw new UsageError(
      `no token: set PINTEREST_ACCESS_TOKEN or run \`pinterest-capi auth login\`${why} (use --dry-run to send nothing)`,
    );
  }

  const accessToken = send.token;
  if (!args.adAccount)
    throw new UsageError('no ad account: set PINTEREST_AD_ACCOUNT_ID or pass --ad-account');

  const baseUrl = io.env['PINTEREST_API_BASE_URL'];
  return new ConversionsClient({
    adAccountId: args.adAccount,
    accessToken,
    ...(baseUrl ? { baseUrl } : {}),
    test: args.test,
  });
}

async function sendPrepared(
  prepared: Prepared,
  args: SendArgs,
  io: CommandIo,
): Promise<SendResult> {
  const client = await buildClient(args, io);
  const total = prepared.events.length;
  const bar =
    io.err.isTTY === true && args.file !== '-' && total > 0 ? startBar(io, total) : undefined;
  client.on('response', ({ processed, failed }) => bar?.increment(processed + failed));

  const sent = await client.sendPrepared(prepared.events.map(({ event }) => event));
  bar?.stop();

  // The client numbers outcomes by position among the events it was given; map back to the input.
  const outcomes: EventOutcome[] = [...prepared.rejected];
  for (const outcome of sent.outcomes) {
    const original = prepared.events[outcome.index];
    outcomes.push({ ...outcome, index: original?.index ?? outcome.index });
  }

  outcomes.sort((a, b) => a.index - b.index);
  return { ...sent, outcomes, rejected: sent.rejected + prepared.rejected.length };
}

function startBar(io: CommandIo, total: number): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar(
    {
      stream: io.err,
      format: 'sending [{bar}] {value}/{total} events | {eta_formatted} left',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}

const MAX_LISTED = 20;

function writeSummary(io: CommandIo, result: SendResult): void {
  io.err.write(
    `sent in ${result.calls} call${result.calls === 1 ? '' : 's'}: ${result.processed} processed, ` +
      `${result.failed} failed, ${result.rejected} rejected, ${result.notSent} not sent\n`,
  );
  const problems = result.outcomes.filter((outcome) => outcome.status !== 'processed');

  for (const outcome of problems.slice(0, MAX_LISTED)) {
    io.err.write(`  ${describeOutcome(outcome)}\n`);
  }

  if (problems.length > MAX_LISTED) {
    io.err.write(`  … and ${problems.length - MAX_LISTED} more (use --json for all)\n`);
  }
}

function writeIssues(io: CommandIo, rejected: EventOutcome[]): void {
  for (const outcome of rejected.slice(0, MAX_LISTED))
    io.err.write(`  ${describeOutcome(outcome)}\n`);

  if (rejected.length > MAX_LISTED) io.err.write(`  … and ${rejected.length - MAX_LISTED} more\n`);
}

function describeOutcome(outcome: EventOutcome): string {
  const who = `#${outcome.index}${outcome.eventId === undefined ? '' : ` ${outcome.eventId}`}`;

  switch (outcome.status) {
    case 'failed':
      return `${who} failed: ${outcome.error}`;
    case 'rejected':
      return `${who} rejected: ${outcome.issues.map(formatIssue).join('; ')}`;
    case 'not_sent':
      return `${who} not sent: ${outcome.error.message}`;
    default:
      return `${who} ${outcome.status}`;
  }
}

function formatIssue(issue: ValidationIssue): string {
  return `${issue.path} (${issue.rule}) ${issue.message}`;
}

function resultToJson(result: SendResult): unknown {
  return {
    processed: result.processed,
    failed: result.failed,
    rejected: result.rejected,
    notSent: result.notSent,
    calls: result.calls,
    outcomes: result.outcomes.map((outcome) =>
      outcome.status === 'not_sent'
        ? { ...outcome, error: { code: outcome.error.code, message: outcome.error.message } }
        : outcome,
    ),
  };
}
