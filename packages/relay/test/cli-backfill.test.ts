/**
 * `pinterest-capi send --offline`: an order export backfilled against the in-process sandbox, with
 * its results file read back, a built CLI killed mid-run and resumed, and the column mapping.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WireEvent } from '@pinterest-capi/sdk';
import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CONVERSION_TOKEN,
  startSandbox,
} from '@pinterest-capi/sandbox';

import { resolveColumns } from '../src/cli/backfill-columns.js';
import { main } from '../src/cli/run.js';
import { captureIo } from './support/cli-io.js';
import { RELAY_BIN } from './support/relay-process.js';

const DAY_MS = 86_400_000;
const ROWS = 5000;

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  // Pinterest publishes no maximum event age; a sandbox stricter than the 7-day guard (3 days)
  // fails the rows 5 days old, so the export has rows Pinterest itself refuses.
  sandbox = await startSandbox({ port: 0, config: { maxEventAgeSeconds: 3 * 86_400 } });
  dir = await mkdtemp(join(tmpdir(), 'capi-backfill-'));
  env = {
    PINTEREST_API_BASE_URL: sandbox.apiBaseUrl,
    PINTEREST_ACCESS_TOKEN: DEFAULT_CONVERSION_TOKEN,
    PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID,
  };
});

afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
  await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'DELETE' });
});

/** Shopify's `2026-01-15 10:23:45 -0500`, in UTC. */
function shopifyTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' +0000');
}

/** What each row of the generated export is, by its 1-based row number. */
function kindOf(row: number): 'too_old' | 'refused' | 'no_identifier' | 'good' {
  if (row % 50 === 0) return 'too_old';
  if (row % 50 === 1) return 'refused';
  if (row % 50 === 2) return 'no_identifier';
  return 'good';
}

/** A Shopify-style export: 100 rows 10 days old, 100 rows 5 days old, 100 without an email. */
async function writeExport(name: string): Promise<string> {
  const now = Date.now();
  const lines = ['Name,Email,Financial Status,Currency,Subtotal,Total,Created at,Billing Zip'];
  for (let row = 1; row <= ROWS; row++) {
    const kind = kindOf(row);
    const ageMs = kind === 'too_old' ? 10 * DAY_MS : kind === 'refused' ? 5 * DAY_MS : DAY_MS;
    const email = kind === 'no_identifier' ? '' : `buyer${row}@example.com`;
    const created = shopifyTime(now - ageMs);
    lines.push(`#${1000 + row},${email},paid,USD,"1,0${row % 10}0.50",1100.00,${created},94107`);
  }

  const path = join(dir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

interface ResultLine {
  row: string;
  order_id: string;
  event_id: string;
  status: string;
  reason: string;
}

async function readResultsFile(path: string): Promise<ResultLine[]> {
  return parseCsv<ResultLine>(await readFile(path, 'utf8'), { columns: true });
}

async function sandboxEventIds(): Promise<string[]> {
  const response = await fetch(`${sandbox.url}/__sandbox/events`);
  const body = (await response.json()) as { events: { event: { event_id: string } }[] };
  return body.events.map(({ event }) => event.event_id);
}

function countBy(lines: readonly ResultLine[], status: string): number {
  return lines.filter((line) => line.status === status).length;
}

describe('pinterest-capi send --offline', () => {
  it('reports every row of a 5,000-row export and never sends rows past the 7-day window', async () => {
    const file = await writeExport('orders.csv');
    const io = captureIo({ env });

    const code = await main(['send', '--offline', file, '--json'], io);

    expect(code).toBe(1);
    const lines = await readResultsFile(`${file}.results.csv`);
    expect(lines.map((line) => Number(line.row))).toEqual(
      Array.from({ length: ROWS }, (_, index) => index + 1),
    );
    for (const line of lines) {
      const expected = {
        too_old: 'skipped',
        refused: 'failed',
        no_identifier: 'skipped',
        good: 'sent',
      }[kindOf(Number(line.row))];
      expect(line.status, `row ${line.row}`).toBe(expected);
      expect(line.event_id).toBe(`order-${1000 + Number(line.row)}-checkout`);
    }

    const summary = JSON.parse(io.stdout()) as Record<string, unknown>;
    expect(summary).toMatchObject({
      rows: ROWS,
      sent: 4700,
      failed: 100,
      skipped: 200,
      notSent: 0,
      unconfirmed: 0,
      skippedBy: { too_old: 100, invalid: 100 },
    });
    expect(lines.find((line) => line.status === 'failed')?.reason).toContain('event_time');
    const received = await sandboxEventIds();
    // The sandbox records the events it processed: exactly the rows reported sent.
    expect(received.sort()).toEqual(
      lines
        .filter((line) => line.status === 'sent')
        .map((line) => line.event_id)
        .sort(),
    );
    const tooOld = lines.filter((line) => line.reason.startsWith('too_old'));
    expect(tooOld.some((line) => received.includes(line.event_id))).toBe(false);
    const text = await readFile(`${file}.results.csv`, 'utf8');
    expect(text).not.toMatch(/@example\.com/);
    expect(io.stderr()).toContain('4700 sent, 100 failed, 200 skipped');
  });

  it('resumes a run killed with SIGKILL without sending any row twice', async () => {
    const file = await writeExport('killed.csv');
    const results = `${file}.results.csv`;
    // Slow calls of 100 rows each, so the kill lands while batches are still going out.
    await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 40 }),
    });
    const child = spawn(
      process.execPath,
      [RELAY_BIN, 'send', '--offline', file, '--batch-size', '100'],
      { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor(
      async () => countBy(await readResultsFile(results).catch(() => []), 'sent') >= 1000,
    );

    child.kill('SIGKILL');
    await exited;
    const killedAt = await readResultsFile(results);
    expect(killedAt.length).toBeLessThan(ROWS);
    await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'DELETE' });
    const io = captureIo({ env });

    await main(['send', '--offline', file, '--batch-size', '100'], io);

    const lines = await readResultsFile(results);
    expect(lines.map((line) => Number(line.row))).toEqual(
      Array.from({ length: ROWS }, (_, index) => index + 1),
    );
    const received = await sandboxEventIds();
    expect(new Set(received).size).toBe(received.length);
    const sent = lines.filter((line) => line.status === 'sent');
    const unconfirmed = lines.filter((line) => line.status === 'unconfirmed');
    for (const line of sent) expect(received).toContain(line.event_id);
    const extra = received.filter((id) => !sent.some((line) => line.event_id === id));
    const unconfirmedIds = new Set(unconfirmed.map((line) => line.event_id));
    expect(extra.every((id) => unconfirmedIds.has(id))).toBe(true);
    expect(countBy(lines, 'skipped')).toBe(200);
    expect(sent.length + countBy(lines, 'failed') + unconfirmed.length).toBe(4800);
    expect(existsSync(`${results}.inflight`)).toBe(false);
  });

  it('stops after the batch in flight on Ctrl-C, leaving no row unconfirmed', async () => {
    const file = await writeExport('interrupted.csv');
    const results = `${file}.results.csv`;
    await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 40 }),
    });
    const child = spawn(
      process.execPath,
      [RELAY_BIN, 'send', '--offline', file, '--batch-size', '100'],
      {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await waitFor(
      async () => countBy(await readResultsFile(results).catch(() => []), 'sent') >= 500,
    );

    child.kill('SIGINT');

    expect(await exited).toBe(1);
    expect(stderr).toContain('stopping after the batch in flight');
    expect(stderr).toMatch(/\d+ not reached \(run again to resume\)/);
    const stopped = await readResultsFile(results);
    expect(stopped.length).toBeLessThan(ROWS);
    expect(countBy(stopped, 'unconfirmed')).toBe(0);
    expect(existsSync(`${results}.inflight`)).toBe(false);
    const received = await sandboxEventIds();
    expect(received.sort()).toEqual(
      stopped
        .filter((line) => line.status === 'sent')
        .map((line) => line.event_id)
        .sort(),
    );
  });

  it('records the rows of a batch whose answer was lost as unconfirmed, and resends them only when asked', async () => {
    const file = join(dir, 'lost.csv');
    const created = shopifyTime(Date.now() - DAY_MS);
    const rows = [1, 2, 3].map((n) => `#${n},b${n}@example.com,10.00,${created}`);
    await writeFile(file, `Name,Email,Subtotal,Created at\n${rows.join('\n')}\n`);
    const results = `${file}.results.csv`;
    // As a kill leaves it: row 1 recorded, rows 2 and 3 POSTed but their answer never recorded.
    await writeFile(results, 'row,order_id,event_id,status,reason\n1,1,order-1-checkout,sent,\n');
    await writeFile(`${results}.inflight`, '2\n3\n');

    const first = captureIo({ env });
    const firstCode = await main(['send', '--offline', file], first);
    const afterFirst = await sandboxEventIds();
    const second = captureIo({ env });
    const secondCode = await main(['send', '--offline', file, '--resend-unconfirmed'], second);

    expect(firstCode).toBe(1);
    expect(afterFirst).toEqual([]);
    expect(first.stderr()).toContain(
      '3 rows: 1 sent, 0 failed, 0 skipped, 0 not sent, 2 unconfirmed',
    );
    expect(secondCode).toBe(0);
    expect((await sandboxEventIds()).sort()).toEqual(['order-2-checkout', 'order-3-checkout']);
    const lines = await readResultsFile(results);
    expect(lines.map((line) => `${line.row} ${line.status}`)).toEqual([
      '1 sent',
      '2 sent',
      '3 sent',
    ]);
  });

  it('refuses a results file written for another export', async () => {
    const other = join(dir, 'other.csv');
    await writeFile(
      other,
      'Name,Email,Subtotal,Created at\n#9,a@example.com,1.00,2026-01-01T00:00:00Z\n',
    );
    await writeFile(
      `${other}.results.csv`,
      'row,order_id,event_id,status,reason\n1,5,order-5-checkout,sent,\n',
    );
    const io = captureIo({ env });

    const code = await main(['send', '--offline', other], io);

    expect(code).toBe(2);
    expect(io.stderr()).toContain('does not belong to this file: its row 1 is order "5"');
  });
});

describe('backfill column mapping', () => {
  it('reads Shopify export headers by default, preferring the subtotal to the total', () => {
    const headers = [
      'Name',
      'Email',
      'Currency',
      'Subtotal',
      'Total',
      'Created at',
      'Phone',
      'Billing Zip',
      'Billing Province',
      'Billing Country',
      'Lineitem sku',
      'Lineitem quantity',
      'Lineitem price',
      'Id',
    ];

    const columns = resolveColumns(headers, []);

    expect(columns).toMatchObject({
      order_id: 'Name',
      email: 'Email',
      currency: 'Currency',
      value: 'Subtotal',
      event_time: 'Created at',
      phone: 'Phone',
      zip: 'Billing Zip',
      state: 'Billing Province',
      country: 'Billing Country',
      item_id: 'Lineitem sku',
      item_quantity: 'Lineitem quantity',
      item_price: 'Lineitem price',
    });
  });

  it('reads WooCommerce export headers by default', () => {
    const headers = [
      'Order ID',
      'Order Date',
      'Order Total',
      'Order Currency',
      'Billing Email',
      'Billing Phone',
      'Billing Postcode',
      'Billing First Name',
    ];

    const columns = resolveColumns(headers, []);

    expect(columns).toMatchObject({
      order_id: 'Order ID',
      event_time: 'Order Date',
      value: 'Order Total',
      currency: 'Order Currency',
      email: 'Billing Email',
      phone: 'Billing Phone',
      zip: 'Billing Postcode',
      first_name: 'Billing First Name',
    });
  });

  it('lets --map override a default and read a column no default knows', () => {
    const headers = ['Name', 'Subtotal', 'Total', 'Created at', 'Contact'];

    const columns = resolveColumns(headers, ['Total=value', 'contact=email']);

    expect(columns).toMatchObject({ value: 'Total', email: 'Contact', order_id: 'Name' });
  });

  it.each([
    [['Total=amount'], '"amount" is not a backfill field'],
    [['Missing=email'], 'the file has no column "Missing"'],
    [['Total'], 'expected COLUMN=FIELD'],
  ])('rejects --map %j with a message naming the problem', (maps, message) => {
    expect(() => resolveColumns(['Name', 'Total', 'Created at'], maps)).toThrow(message);
  });

  it('names the required field no column feeds', () => {
    expect(() => resolveColumns(['Name', 'Total'], [])).toThrow(/no column for event_time/);
  });

  it('sends the mapped, offline checkout: Shopify time and order name, merged line items', async () => {
    const file = join(dir, 'mapped.csv');
    const created = Date.now() - DAY_MS;
    await writeFile(
      file,
      'Name,Contact,Subtotal,Created at,Lineitem sku,Lineitem quantity\n' +
        `#1001,Buyer@Example.com,"$1,234.50",${shopifyTime(created)},A,2\n` +
        '#1001,,,,B,1\n',
    );
    const io = captureIo({ env });

    const code = await main(['send', '--offline', file, '--map', 'Contact=email', '--dry-run'], io);

    expect(code).toBe(0);
    const [event] = (JSON.parse(io.stdout()) as { data: WireEvent[] }).data;
    expect(event).toMatchObject({
      event_name: 'checkout',
      action_source: 'offline',
      event_id: 'order-1001-checkout',
      custom_data: { order_id: '1001', value: '1234.50', num_items: 3, content_ids: ['A', 'B'] },
    });
    expect(event?.event_time).toBe(Math.floor(created / 1000));
    expect(event?.user_data.em).toEqual([
      // printf %s 'buyer@example.com' | sha256sum
      '6a6c26195c3682faa816966af789717c3bfa834eee6c599d667d2b3429c27cfd',
    ]);
  });

  it('refuses creation times without an offset unless --utc-offset says which', async () => {
    const file = join(dir, 'woo.csv');
    const local = new Date(Date.now() - DAY_MS).toISOString().slice(0, 19).replace('T', ' ');
    await writeFile(
      file,
      `Order ID,Order Date,Order Total,Billing Email\n77,${local},9.99,a@example.com\n`,
    );

    const without = captureIo({ env });
    await main(['send', '--offline', file, '--dry-run'], without);
    const withOffset = captureIo({ env });
    await main(['send', '--offline', file, '--dry-run', '--utc-offset', '+00:00'], withOffset);

    expect(without.stdout()).toBe('');
    expect(without.stderr()).toContain('0 rows would be sent, 1 skipped');
    const [event] = (JSON.parse(withOffset.stdout()) as { data: { event_time: number }[] }).data;
    expect(event?.event_time).toBe(Math.floor(Date.parse(`${local.replace(' ', 'T')}Z`) / 1000));
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
