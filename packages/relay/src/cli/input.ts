/**
 * @module cli/input
 * Reads the records `pinterest-capi send` takes: a JSON array (or `{"data":[...]}`, or one object),
 * JSON lines, or CSV with a header row whose columns are field paths (`user_data.em`,
 * `custom_data.value`) or plain checkout fields (`order_id`, `email`).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';

import { UsageError } from './usage-error.js';

export type InputFormat = 'json' | 'jsonl' | 'csv';

export const INPUT_FORMATS: readonly InputFormat[] = ['json', 'jsonl', 'csv'];

/** Fields that are numbers on the wire; CSV cells for them are converted when they are numeric. */
const NUMERIC_FIELDS = new Set([
  'event_time',
  'num_items',
  'quantity',
  'order_quantity',
  'product_quantity',
  'install_time',
  'external_measurement_vendor_id',
]);

const BOOLEAN_FIELDS = new Set(['opt_out', 'wifi']);

/** Reads all of a stream as UTF-8 text. */
export async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];

  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }

  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads a file as UTF-8 text, or stdin when `path` is `-` and a stream is given.
 *
 * @throws UsageError naming the file and the system's reason (`ENOENT`, `EACCES`…).
 */
export async function readInputText(path: string, stdin?: NodeJS.ReadableStream): Promise<string> {
  const fromStdin = path === '-' && stdin !== undefined;
  try {
    return fromStdin ? await readStream(stdin) : await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read ${fromStdin ? 'stdin' : path}: ${reason}`);
  }
}

/** Reads a file (or stdin when `path` is `-`) into records. */
export async function readRecords(
  path: string,
  options: { format?: InputFormat | undefined; stdin: NodeJS.ReadableStream },
): Promise<unknown[]> {
  const text = await readInputText(path, options.stdin);
  return parseRecords(text, options.format ?? detectFormat(path, text));
}

/** Picks a format from the file extension, then from the first character of the text. */
export function detectFormat(path: string, text: string): InputFormat {
  const extension = extname(path).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  if (extension === '.json') return 'json';

  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) return 'json';
  if (trimmed.startsWith('{')) return looksLikeJsonLines(trimmed) ? 'jsonl' : 'json';
  return 'csv';
}

function looksLikeJsonLines(text: string): boolean {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length < 2) return false;

  try {
    JSON.parse(lines[0] ?? '');
    return true;
  } catch {
    return false;
  }
}

/** Parses text in the given format into a list of records. */
export function parseRecords(text: string, format: InputFormat): unknown[] {
  if (format === 'json') return parseJson(text);
  if (format === 'jsonl') return parseJsonLines(text);
  return parseCsvRecords(text);
}

function parseJson(text: string): unknown[] {
  let parsed: unknown;

  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`input is not valid JSON: ${(error as Error).message}`);
  }

  if (Array.isArray(parsed)) return parsed as unknown[];

  if (typeof parsed === 'object' && parsed !== null && 'data' in parsed) {
    const { data } = parsed;
    if (Array.isArray(data)) return data;
  }

  return [parsed];
}

function parseJsonLines(text: string): unknown[] {
  const records: unknown[] = [];
  const lines = text.split('\n');

  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;

    try {
      records.push(JSON.parse(line));
    } catch (error) {
      throw new UsageError(`line ${index + 1} is not valid JSON: ${(error as Error).message}`);
    }
  }

  return records;
}

function parseCsvRecords(text: string): unknown[] {
  let rows: Record<string, string>[];

  try {
    rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    throw new UsageError(`input is not valid CSV: ${(error as Error).message}`);
  }

  return rows.map((row, index) => csvRowToRecord(row, index + 2));
}

/** Turns `{ 'user_data.em': 'a@b.c' }` into `{ user_data: { em: 'a@b.c' } }`. */
function csvRowToRecord(row: Record<string, string>, line: number): Record<string, unknown> {
  const record: Record<string, unknown> = {};

  for (const [column, cell] of Object.entries(row)) {
    if (cell === '') continue;
    const path = column.split('.');
    const leaf = path.at(-1) ?? column;
    let target = record;

    for (const key of path.slice(0, -1)) {
      const next = target[key];
      const child = typeof next === 'object' && next !== null ? next : {};
      target[key] = child;
      target = child as Record<string, unknown>;
    }

    target[leaf] = csvCellValue(leaf, cell, line);
  }

  return record;
}

function csvCellValue(field: string, cell: string, line: number): unknown {
  if (cell.startsWith('[') || cell.startsWith('{')) {
    try {
      return JSON.parse(cell);
    } catch {
      throw new UsageError(
        `line ${line}, column ${field}: a cell starting with [ or { must be JSON`,
      );
    }
  }

  if (NUMERIC_FIELDS.has(field) && /^\d+$/.test(cell)) return Number(cell);
  if (BOOLEAN_FIELDS.has(field) && (cell === 'true' || cell === 'false')) return cell === 'true';
  return cell;
}
