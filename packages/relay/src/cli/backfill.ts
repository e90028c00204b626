/**
 * @module cli/backfill
 * `pinterest-capi send --offline`: a CSV export of past orders sent as offline `checkout` events,
 * with a results file that records every row and makes the run resumable (see
 * {@link module:cli/backfill-results}). Rows older than the offline window are skipped, never sent.
 */
import { chunkEvents } from '@pinterest-capi/sdk';
import type { ConversionsClient, EventOutcome, PrepareOptions } from '@pinterest-capi/sdk';

import { resolveColumns } from './backfill-columns.js';
import { planRows, readCsvRows } from './backfill-plan.js';
import type { PlannedRow } from './backfill-plan.js';
import { ResultsWriter, readJournal, readResults, safeReason } from './backfill-results.js';
import type { RowResult, RowStatus } from './backfill-results.js';
import type { CommandIo } from './io.js';
import { startProgress } from './progress.js';
import { EXIT, UsageError } from './usage-error.js';

/** What `send --offline` was asked to do. */
export interface BackfillOptions {
  file: string;
  /** The results file; resumed when it exists. */
  results: string;
  /** `--map COLUMN=FIELD` entries. */
  maps: readonly string[];
  /** Offset for creation times written without one, e.g. `+02:00`. */
  utcOffset: string | undefined;
  batchSize: number;
  resendUnconfirmed: boolean;
  dryRun: boolean;
  json: boolean;
  prepare: PrepareOptions;
  /** Built only when something is sent, so a dry run needs no token. */
  client: () => Promise<ConversionsClient>;
}

/** Row counts of the whole file, as the results file stands after the run. */
export interface BackfillSummary {
  rows: number;
  sent: number;
  failed: number;
  skipped: number;
  notSent: number;
  unconfirmed: number;
  /** Rows found already done in the results file when the run started. */
  resumed: number;
  /** Skipped rows by reason code (`too_old`, `invalid`, ...). */
  skippedBy: Record<string, number>;
  results: string;
}

/**
 * Runs a backfill; resolves to the exit code: 0 when every row is sent or skipped, 1 when a row
 * failed, was not sent, is unconfirmed or was not reached (the run stopped early).
 *
 * @throws UsageError when the file cannot be read or parsed, a column is missing, or the results
 * file belongs to another input.
 */
export async function runBackfill(options: BackfillOptions, io: CommandIo): Promise<number> {
  const { headers, rows } = await readCsvRows(options.file);
  const columns = resolveColumns(headers, options.maps);
  const planned = planRows(rows, columns, options);

  if (options.dryRun) return printDryRun(planned, options, io);

  const previous = await readResults(options.results);
  checkSameInput(planned, previous, options.results);
  const writer = await ResultsWriter.open(options.results);
  try {
    const interrupted = await recordInterrupted(writer, previous, {
      planned,
      resultsPath: options.results,
    });
    const done = doneRows(previous, interrupted, options.resendUnconfirmed);
    const todo = planned.filter(({ row }) => !done.has(row));
    await sendPlanned(todo, writer, options, io);
    await writer.compact();
  } finally {
    writer.close();
  }

  const summary = summarize(planned.length, await readResults(options.results), options);
  summary.resumed = countResumed(previous, options.resendUnconfirmed);
  if (options.json) io.out.write(`${JSON.stringify(summary, null, 2)}\n`);
  io.err.write(describeSummary(summary));
  const settled = summary.sent + summary.skipped === summary.rows;
  return settled ? EXIT.ok : EXIT.failure;
}

function printDryRun(planned: readonly PlannedRow[], options: BackfillOptions, io: CommandIo) {
  const events = planned.flatMap((row) => (row.action === 'send' ? [row.event] : []));
  for (const batch of chunkEvents(events, options.batchSize)) {
    io.out.write(`${JSON.stringify({ data: batch })}\n`);
  }

  const skipped = planned.length - events.length;
  io.err.write(`dry run: ${events.length} rows would be sent, ${skipped} skipped; nothing sent\n`);
  return EXIT.ok;
}

/** A results file written for another CSV would mark the wrong rows done: refuse it. */
function checkSameInput(
  planned: readonly PlannedRow[],
  previous: ReadonlyMap<number, RowResult>,
  resultsPath: string,
): void {
  for (const result of previous.values()) {
    const row = planned[result.row - 1];
    if (row !== undefined && row.orderId === result.orderId) continue;
    throw new UsageError(
      `${resultsPath} does not belong to this file: its row ${result.row} is order ` +
        `"${result.orderId}", the file's is "${row?.orderId ?? 'absent'}"; pass another --results`,
    );
  }
}

/** Rows of a batch whose answer was lost when the last run was killed: recorded `unconfirmed`. */
async function recordInterrupted(
  writer: ResultsWriter,
  previous: Map<number, RowResult>,
  context: { planned: readonly PlannedRow[]; resultsPath: string },
): Promise<Set<number>> {
  const interrupted: RowResult[] = [];
  for (const row of await readJournal(context.resultsPath)) {
    const status = previous.get(row)?.status;
    const planned = context.planned[row - 1];
    if (status === 'sent' || status === 'failed' || planned === undefined) continue;
    interrupted.push({
      row,
      orderId: planned.orderId,
      eventId: planned.eventId,
      status: 'unconfirmed',
      reason: 'interrupted while Pinterest was answering; it may have processed this row',
    });
  }

  writer.record(interrupted);
  await writer.endBatch();
  for (const result of interrupted) previous.set(result.row, result);
  return new Set(interrupted.map(({ row }) => row));
}

/** Rows not to touch again: sent, failed, and (unless asked) unconfirmed. */
function doneRows(
  previous: ReadonlyMap<number, RowResult>,
  interrupted: ReadonlySet<number>,
  resendUnconfirmed: boolean,
): Set<number> {
  const done = new Set<number>();
  for (const { row, status } of previous.values()) {
    if (status === 'sent' || status === 'failed') done.add(row);
    if (status === 'unconfirmed' && !resendUnconfirmed) done.add(row);
  }

  if (!resendUnconfirmed) for (const row of interrupted) done.add(row);
  return done;
}

function countResumed(previous: ReadonlyMap<number, RowResult>, resendUnconfirmed: boolean) {
  return doneRows(previous, new Set(), resendUnconfirmed).size;
}

/** Records skipped rows, then sends the others batch by batch, each answer recorded at once. */
async function sendPlanned(
  todo: readonly PlannedRow[],
  writer: ResultsWriter,
  options: BackfillOptions,
  io: CommandIo,
): Promise<void> {
  const progress = startProgress(io, todo.length, 'backfill');
  const interrupt = watchInterrupt(io);
  try {
    const skipped = todo.flatMap((row) => (row.action === 'skip' ? [skipResult(row)] : []));
    writer.record(skipped);
    progress.increment(skipped.length);

    const sendable = todo.filter((row) => row.action === 'send');
    if (sendable.length === 0) return;
    const client = await options.client();
    for (const batch of chunkEvents(sendable, options.batchSize)) {
      if (interrupt.requested) return;
      await writer.beginBatch(batch.map(({ row }) => row));
      const sent = await client.sendPrepared(batch.map((row) => row.event));
      const results = sent.outcomes.map((outcome) => outcomeResult(batch, outcome));
      writer.record(results);
      await writer.endBatch();
      progress.increment(batch.length);
      // A batch that got no answer at all (bad token, ad account refused, retries used up) would
      // fare no better than the next: stop, and let a later run pick these rows up.
      if (results.every(({ status }) => status === 'not_sent')) return;
    }
  } finally {
    interrupt.dispose();
    progress.stop();
  }
}

/**
 * Ctrl-C (or SIGTERM) stops the run once the batch in flight is answered and recorded, so its rows
 * are not left `unconfirmed`. The handler is removed after the first signal: a second one ends the
 * process at once, and the journal then covers the batch.
 */
function watchInterrupt(io: CommandIo): { readonly requested: boolean; dispose: () => void } {
  let requested = false;
  const dispose = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };

  function onSignal() {
    requested = true;
    dispose();
    io.err.write('\nstopping after the batch in flight (press Ctrl-C again to quit now)\n');
  }

  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    get requested() {
      return requested;
    },
    dispose,
  };
}

function skipResult(row: PlannedRow & { action: 'skip' }): RowResult {
  const { row: number, orderId, eventId, reason } = row;
  return { row: number, orderId, eventId, status: 'skipped', reason: safeReason(reason) };
}

function outcomeResult(
  batch: readonly (PlannedRow & { action: 'send' })[],
  outcome: EventOutcome,
): RowResult {
  const planned = batch[outcome.index];
  if (planned === undefined) throw new Error(`no row for outcome ${outcome.index}`);
  const { row, orderId, eventId } = planned;
  const result = (status: RowStatus, reason: string): RowResult => ({
    row,
    orderId,
    eventId,
    status,
    reason: safeReason(reason),
  });

  switch (outcome.status) {
    case 'processed':
      return result('sent', outcome.warning === undefined ? '' : `warning: ${outcome.warning}`);
    case 'failed':
      return result('failed', outcome.error);
    case 'not_sent':
      return result('not_sent', `${outcome.error.code}: ${outcome.error.message}`);
    default:
      return result('not_sent', `unexpected outcome ${outcome.status}`);
  }
}

function summarize(
  rows: number,
  results: ReadonlyMap<number, RowResult>,
  options: BackfillOptions,
): BackfillSummary {
  const summary: BackfillSummary = {
    rows,
    sent: 0,
    failed: 0,
    skipped: 0,
    notSent: 0,
    unconfirmed: 0,
    resumed: 0,
    skippedBy: {},
    results: options.results,
  };
  for (const { status, reason } of results.values()) {
    if (status === 'not_sent') summary.notSent += 1;
    else summary[status] += 1;
    if (status !== 'skipped') continue;
    const code = /^[a-z_]+(?=:)/.exec(reason)?.[0] ?? 'other';
    summary.skippedBy[code] = (summary.skippedBy[code] ?? 0) + 1;
  }

  return summary;
}

function describeSummary(summary: BackfillSummary): string {
  const reasons = Object.entries(summary.skippedBy)
    .map(([code, count]) => `${code} ${count}`)
    .join(', ');
  const unrecorded =
    summary.rows -
    summary.sent -
    summary.failed -
    summary.skipped -
    summary.notSent -
    summary.unconfirmed;
  return (
    `backfill: ${summary.rows} rows: ${summary.sent} sent, ${summary.failed} failed, ` +
    `${summary.skipped} skipped${reasons === '' ? '' : ` (${reasons})`}, ` +
    `${summary.notSent} not sent, ${summary.unconfirmed} unconfirmed` +
    (unrecorded > 0 ? `, ${unrecorded} not reached (run again to resume)` : '') +
    `\n  ${summary.resumed} rows were already done; results in ${summary.results}\n`
  );
}
