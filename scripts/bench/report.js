// Collects the figures, prints them as one markdown table (figure | value | baseline | ratio | aim)
// and writes them as JSON. Progress goes to stderr so that stdout holds only the result.
import { writeFileSync } from 'node:fs';
import os from 'node:os';

const START = Date.now();

/** One line on stderr, stamped with the seconds since the bench started. */
export function progress(message) {
  const seconds = ((Date.now() - START) / 1000).toFixed(1).padStart(5);
  process.stderr.write(`bench ${seconds}s: ${message}\n`);
}

/** The machine the figures were measured on, when, and how busy it was when the run started. */
export function machine() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model.trim() ?? 'unknown cpu',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: os.loadavg().map((load) => Number(load.toFixed(2))),
  };
}

/**
 * One figure. `aim` is `{ ratio, at: 'least' | 'most' }` and optionally `value` (an absolute bound
 * in the figure's unit, same direction); `met` is computed from it.
 */
export class Results {
  #rows = [];
  #notes = [];

  add({ name, value, unit, baseline, aim, note }) {
    const ratio = baseline && baseline.value > 0 ? value / baseline.value : undefined;
    const row = { name, value, unit, baseline, ratio, aim, met: meets(value, ratio, aim) };
    if (note) row.note = note;
    this.#rows.push(row);
    return row;
  }

  /** A line printed under the table, for a figure that was skipped or sized down. */
  note(text) {
    this.#notes.push(text);
    progress(text);
  }

  get rows() {
    return this.#rows;
  }

  print(host) {
    const out = [
      '',
      `machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, node ${host.node}, ` +
        `started ${host.date}, load average at start ${host.loadAverage.join(' ')}`,
      '',
      '| figure | value | baseline | ratio | aim |',
      '|---|---|---|---|---|',
      ...this.#rows.map(formatRow),
    ];
    const notes = [
      ...this.#rows.filter((row) => row.note).map((row) => `${row.name}: ${row.note}`),
      ...this.#notes,
    ];
    if (notes.length > 0) out.push('', ...notes.map((text) => `- ${text}`));
    process.stdout.write(`${out.join('\n')}\n`);
  }

  writeJson(path, host) {
    writeFileSync(
      path,
      JSON.stringify({ machine: host, results: this.#rows, notes: this.#notes }, null, 2),
    );
    progress(`wrote ${path}`);
  }
}

function meets(value, ratio, aim) {
  if (!aim) return undefined;
  const checks = [];
  if (aim.ratio !== undefined && ratio !== undefined)
    checks.push(compare(ratio, aim.ratio, aim.at));
  if (aim.value !== undefined) checks.push(compare(value, aim.value, aim.at));
  return checks.length === 0 ? undefined : checks.every(Boolean);
}

function compare(actual, bound, at) {
  return at === 'most' ? actual <= bound : actual >= bound;
}

/** A count of things: always whole, with thousands separators. */
export function fmtCount(n) {
  return Math.round(n).toLocaleString('en-US');
}

export function fmt(n) {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function formatRow(row) {
  const value = `${fmt(row.value)} ${row.unit}`;
  const baseline = row.baseline
    ? `${fmt(row.baseline.value)} ${row.baseline.unit ?? row.unit} (${row.baseline.name})`
    : '';
  const ratio = row.ratio === undefined ? '' : row.ratio.toFixed(row.ratio >= 10 ? 1 : 2);
  return `| ${row.name} | ${value} | ${baseline} | ${ratio} | ${formatAim(row)} |`;
}

function formatAim(row) {
  const { aim } = row;
  if (!aim) return '';
  const sign = aim.at === 'most' ? '≤' : '≥';
  const parts = [];
  if (aim.ratio !== undefined) parts.push(`${sign} ${aim.ratio}`);
  if (aim.value !== undefined) parts.push(`${sign} ${fmt(aim.value)} ${row.unit}`);
  const verdict = row.met === undefined ? '' : row.met ? ': met' : ': missed';
  return `${parts.join(' and ')}${verdict}`;
}
