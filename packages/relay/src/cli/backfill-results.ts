/**
 * @module cli/backfill-results
 * The results file of `send --offline`: one CSV line per input row (`row,order_id,event_id,status,
 * reason`), appended and fsynced as each batch is answered, so that a run killed at any point can
 * be resumed without sending a row twice.
 *
 * Before a batch is POSTed its row numbers go to a small journal beside the results file
 * (`<results>.inflight`), fsynced; once the answer is recorded the journal is emptied. A journal
 * found at start therefore names the rows whose answer was lost: Pinterest may have processed them,
 * so they are recorded `unconfirmed` and not sent again unless asked (`--resend-unconfirmed`).
 * Offline events are not deduplicated by Pinterest (facts §4.2), so this file is the only guard.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse/sync';

import { UsageError } from './usage-error.js';

/**
 * What became of a row: `sent` (Pinterest processed it), `failed` (Pinterest refused it, with its
 * reason), `skipped` (never sent, with the reason), `not_sent` (its batch got no usable answer;
 * tried again on resume), `unconfirmed` (interrupted while Pinterest was answering).
 */
export type RowStatus = 'sent' | 'failed' | 'skipped' | 'not_sent' | 'unconfirmed';

/** One line of the results file. */
export interface RowResult {
  /** 1 for the first row after the header. */
  row: number;
  orderId: string;
  eventId: string;
  status: RowStatus;
  reason: string;
}

const HEADER = 'row,order_id,event_id,status,reason';
const STATUSES: readonly RowStatus[] = ['sent', 'failed', 'skipped', 'not_sent', 'unconfirmed'];

/**
 * Personal data that could ride in a reason (an echo of a value by Pinterest or a validator):
 * e-mail addresses, IPv4 addresses, and runs of 7+ digits that may be phone numbers.
 */
const PII_PATTERNS = [
  /[^\s@,;'"()]+@[^\s@,;'"()]+/g,
  /\b\d{1,3}(?:\.\d{1,3}){3}\b/g,
  /\+?\d[\d ().-]{5,}\d/g,
];

/** A reason fit for disk: one line, personal data replaced by `[redacted]`, at most 300 chars. */
export function safeReason(reason: string): string {
  let text = reason.replace(/\s+/g, ' ').trim();
  for (const pattern of PII_PATTERNS) text = text.replace(pattern, '[redacted]');
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function formatLine(result: RowResult): string {
  const { row, orderId, eventId, status, reason } = result;
  return `${[row, orderId, eventId, status, reason].map(csvCell).join(',')}\n`;
}

/**
 * Reads a results file: the last line of each row wins. A final line cut short by a crash (no
 * newline) is ignored; that row's fate is then known from the journal.
 *
 * @throws UsageError when the file exists but is not a results file.
 */
export async function readResults(path: string): Promise<Map<number, RowResult>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }

  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  if (complete !== '' && !complete.startsWith(HEADER)) {
    throw new UsageError(`${path} is not a results file (its first line is not "${HEADER}")`);
  }

  const rows: string[][] = parseCsv(complete, { from_line: 2, relax_column_count: true });
  const results = new Map<number, RowResult>();
  for (const [row, orderId, eventId, status, reason] of rows) {
    const number = Number(row);
    if (!Number.isInteger(number) || !STATUSES.includes(status as RowStatus)) continue;
    const result: RowResult = {
      row: number,
      orderId: orderId ?? '',
      eventId: eventId ?? '',
      status: status as RowStatus,
      reason: reason ?? '',
    };
    results.set(number, result);
  }

  return results;
}

/** Appends result lines durably; see the module comment for the journal. */
export class ResultsWriter {
  readonly #path: string;
  readonly #journalPath: string;
  #fd: number;

  private constructor(path: string, fd: number) {
    this.#path = path;
    this.#journalPath = journalPath(path);
    this.#fd = fd;
  }

  /** Opens (or creates, with its header) the results file for appending. */
  static async open(path: string): Promise<ResultsWriter> {
    const existing = await readFile(path, 'utf8').catch(() => '');
    const fd = openSync(path, 'a', 0o600);
    const writer = new ResultsWriter(path, fd);
    if (existing === '') writer.#append(`${HEADER}\n`);
    // A line cut short by a crash would glue itself to the next one: end it first.
    else if (!existing.endsWith('\n')) writer.#append('\n');
    return writer;
  }

  /** Records results and fsyncs them before returning. */
  record(results: readonly RowResult[]): void {
    if (results.length === 0) return;
    this.#append(results.map(formatLine).join(''));
  }

  /** Notes the rows of a batch about to be POSTed, fsynced. */
  async beginBatch(rows: readonly number[]): Promise<void> {
    await writeDurably(this.#journalPath, `${rows.join('\n')}\n`);
  }

  /** The batch's results are recorded: forget its rows. */
  async endBatch(): Promise<void> {
    await rm(this.#journalPath, { force: true });
  }

  /**
   * Rewrites the file with exactly one line per row, in row order, through a temporary file and a
   * rename, so a crash leaves either the old file or the new one.
   */
  async compact(): Promise<void> {
    const results = [...(await readResults(this.#path)).values()].sort((a, b) => a.row - b.row);
    this.close();
    const temporary = `${this.#path}.tmp`;
    await writeDurably(temporary, `${HEADER}\n${results.map(formatLine).join('')}`);
    await rename(temporary, this.#path);
    this.#fd = openSync(this.#path, 'a', 0o600);
  }

  close(): void {
    if (this.#fd < 0) return;
    closeSync(this.#fd);
    this.#fd = -1;
  }

  #append(text: string): void {
    writeSync(this.#fd, text);
    fsyncSync(this.#fd);
  }
}

/** The journal of the batch in flight, beside the results file. */
function journalPath(resultsPath: string): string {
  return `${resultsPath}.inflight`;
}

/** Rows named by a journal left by an interrupted run (empty when there is none). */
export async function readJournal(resultsPath: string): Promise<number[]> {
  const text = await readFile(journalPath(resultsPath), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => /^\d+$/.test(line))
    .map(Number);
}

async function writeDurably(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600, flush: true });
}
