import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startSandbox,
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CONVERSION_TOKEN,
} from '@pinterest-capi/sandbox';

import { main } from '../src/cli/run.js';
import { assertMatchesPinterestSchema } from '../../sdk/test/support/schema.js';
import { captureIo } from './support/cli-io.js';

const NOW = Math.floor(Date.now() / 1000);
const DAY = 86_400;

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  // Pinterest publishes no maximum event age; this sandbox is stricter than the SDK's 7-day
  // default so that an event can pass local validation and still be failed by "Pinterest".
  sandbox = await startSandbox({ port: 0, config: { maxEventAgeSeconds: 3 * DAY } });
  dir = await mkdtemp(join(tmpdir(), 'capi-send-'));
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
});

async function sandboxCalls(): Promise<{ status: number; num_events: number }[]> {
  const response = await fetch(`${sandbox.url}/__sandbox/calls`);
  const body = (await response.json()) as { calls: { status: number; num_events: number }[] };
  return body.calls;
}

function pageVisit(
  index: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    event_name: 'page_visit',
    action_source: 'web',
    event_time: NOW - 60,
    event_id: `visit-${index}`,
    user_data: { em: `shopper${index}@example.com` },
    ...overrides,
  };
}

const messyOrder = {
  order_id: '1001',
  value: 72.39,
  currency: 'USD',
  email: '  John.Doe@Example.COM ',
  phone: '+44 (0)20 7946 0958',
  city: 'San Francisco',
  state: 'CA',
  zip: '94107-1234',
  country: 'US',
  ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
  line_items: [
    { product_id: 'sku-1', product_price: '14.99', product_quantity: 2 },
    { product_id: 'sku-2', product_price: 42.41, product_quantity: 1 },
  ],
};

describe('pinterest-capi send', () => {
  it('prints a dry-run checkout body with hand-computed hashes that the published schema accepts', async () => {
    const io = captureIo({ stdin: JSON.stringify(messyOrder) });

    const code = await main(['send', '--checkout', '--dry-run', '-'], io);

    expect(code).toBe(0);
    const lines = io.stdout().trim().split('\n');
    expect(lines).toHaveLength(1);
    const body = JSON.parse(lines[0]!);
    assertMatchesPinterestSchema(body);
    const [event] = body.data;
    expect(event.event_name).toBe('checkout');
    expect(event.event_id).toBe('order-1001-checkout');
    expect(event.user_data.em).toEqual([
      '836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f',
    ]);
    expect(event.user_data.ph).toEqual([
      '35e206e5dec4c89b9e8b71b8c32724a5bb518483ac5a20c6617d738375b3b823',
    ]);
    expect(event.user_data.ct).toEqual([
      '1a6bd4d9d79dc0a79b53795c70d3349fa9e38968a3fbefbfe8783efb1d2b6aac',
    ]);
    expect(event.user_data.st).toEqual([
      '6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126',
    ]);
    expect(event.user_data.zp).toEqual([
      'c884a209ebe08750a7d13db63bd02233b375bd79786cbe329ab11586cc35dead',
    ]);
    expect(event.user_data.country).toEqual([
      '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621',
    ]);
    expect(event.user_data.client_ip_address).toBe('203.0.113.7');
    expect(event.custom_data).toMatchObject({
      value: '72.39',
      currency: 'USD',
      order_id: '1001',
      num_items: 3,
      content_ids: ['sku-1', 'sku-2'],
    });
    expect(await sandboxCalls()).toEqual([]);
  });

  it('sends a 2,500-event JSON lines file in 3 calls of 1000, 1000 and 500', async () => {
    const file = join(dir, 'events.jsonl');
    const lines = Array.from({ length: 2500 }, (_, index) => JSON.stringify(pageVisit(index)));
    await writeFile(file, `${lines.join('\n')}\n`);
    const io = captureIo({ env });

    const code = await main(['send', file], io);

    expect(io.stderr()).toContain('2500 processed');
    expect(code).toBe(0);
    const calls = await sandboxCalls();
    expect(calls.map((call) => call.num_events)).toEqual([1000, 1000, 500]);
    expect(calls.every((call) => call.status === 200)).toBe(true);
  });

  it('marks exactly the event Pinterest failed and processes the rest of its batch', async () => {
    const events = Array.from({ length: 5 }, (_, index) =>
      pageVisit(index, index === 2 ? { event_time: NOW - 5 * DAY } : {}),
    );
    const io = captureIo({ env, stdin: JSON.stringify(events) });

    const code = await main(['send', '--json', '-'], io);

    expect(code).toBe(1);
    const result = JSON.parse(io.stdout()) as {
      calls: number;
      outcomes: { status: string; eventId: string; error: string }[];
    };
    expect(result.calls).toBe(1);
    expect(result.outcomes.map((outcome) => outcome.status)).toEqual([
      'processed',
      'processed',
      'failed',
      'processed',
      'processed',
    ]);
    expect(result.outcomes[2]!.eventId).toBe('visit-2');
    expect(result.outcomes[2]!.error).toMatch(/past|old/i);
    expect(io.stderr()).toContain('#2 visit-2 failed');
  });

  it('reads plain checkouts from CSV with a header row', async () => {
    const file = join(dir, 'orders.csv');
    await writeFile(
      file,
      'order_id,value,currency,email,items\n' +
        `A-1,19.99,USD,a@example.com,"[{""id"":""sku-9"",""price"":19.99,""quantity"":1}]"\n` +
        'A-2,5,EUR,b@example.com,\n',
    );
    const io = captureIo({ env });

    const code = await main(['send', '--checkout', file], io);

    expect(code).toBe(0);
    const response = await fetch(`${sandbox.url}/__sandbox/events`);
    const { events } = (await response.json()) as {
      events: { event: { event_id: string; custom_data: { contents: unknown; value: string } } }[];
    };
    expect(events.map(({ event }) => event.event_id)).toEqual([
      'order-A-1-checkout',
      'order-A-2-checkout',
    ]);
    expect(events[0]!.event.custom_data.contents).toEqual([
      { id: 'sku-9', item_price: '19.99', quantity: 1 },
    ]);
    expect(events[1]!.event.custom_data.value).toBe('5');
  });

  it('sets a rejected record aside with its field and rule, sends the others, and exits 1', async () => {
    const records = [
      { order_id: 'B-1', value: 10, email: 'c@example.com' },
      { order_id: 'B-2', email: 'd@example.com' },
    ];
    const io = captureIo({ env, stdin: JSON.stringify(records) });

    const code = await main(['send', '--checkout', '-'], io);

    expect(code).toBe(1);
    expect(io.stderr()).toMatch(/#1 order-B-2-checkout rejected: checkout\.value/);
    expect((await sandboxCalls()).map((call) => call.num_events)).toEqual([1]);
  });

  it('never prints the raw email of a rejected record', async () => {
    const io = captureIo({
      stdin: JSON.stringify({ order_id: 'C-1', email: 'secret.person@example.com' }),
    });

    await main(['send', '--checkout', '--dry-run', '-'], io);

    expect(io.stderr()).toContain('rejected');
    expect(io.stderr() + io.stdout()).not.toContain('secret.person');
  });

  it('uses Pinterest test mode with --test, so nothing is recorded', async () => {
    const io = captureIo({ env, stdin: JSON.stringify([pageVisit(1)]) });

    const code = await main(['send', '--test', '-'], io);

    expect(code).toBe(0);
    const response = await fetch(`${sandbox.url}/__sandbox/events`);
    expect(((await response.json()) as { events: unknown[] }).events).toEqual([]);
    expect(await sandboxCalls()).toHaveLength(1);
  });

  it('draws a progress bar for a file when stderr is a terminal', async () => {
    const file = join(dir, 'few.json');
    await writeFile(file, JSON.stringify([pageVisit(1), pageVisit(2)]));
    const io = captureIo({ env, tty: true });

    await main(['send', file], io);

    expect(io.stderr()).toContain('2/2 events');
  });

  it('exits 2 naming the missing variable when no token is set', async () => {
    const io = captureIo({ env: { PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID }, stdin: '[]' });

    const code = await main(['send', '-'], io);

    expect(code).toBe(2);
    expect(io.stderr()).toContain('PINTEREST_ACCESS_TOKEN');
  });

  it('exits 2 on an unknown option and on malformed JSON lines', async () => {
    const unknown = captureIo();
    const file = join(dir, 'broken.jsonl');
    await writeFile(file, '{"a":1}\n{oops\n');
    const broken = captureIo({ env });

    expect(await main(['send', '--bogus'], unknown)).toBe(2);
    expect(await main(['send', file], broken)).toBe(2);
    expect(broken.stderr()).toContain('line 2');
  });

  it('runs as the installed bin from the built package', async () => {
    const bin = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

    const { stdout } = await promisify(execFile)(process.execPath, [bin, '--help']);

    expect(stdout).toContain('Usage: pinterest-capi <command>');
    expect(stdout).toContain('send');
  });
});
