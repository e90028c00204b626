/**
 * `pinterest-capi erase` as an operator runs it: the built bin (`dist/cli/main.js`, built by
 * `npm test` or `npx tsc -b packages/sdk packages/sandbox packages/relay`) spawned on a real
 * SQLite file, whose raw bytes are read afterwards. An event erased before it was sent is then
 * shown never to reach the sandbox once a relay runs on the same file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CONVERSION_TOKEN,
  startSandbox,
} from '@pinterest-capi/sandbox';
import type { RunningSandbox } from '@pinterest-capi/sandbox';
import { buildCheckoutEvent, sha256Hex } from '@pinterest-capi/sdk';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log-events.js';
import { SqliteStore } from '../src/queue/sqlite-store.js';
import { createRelay } from '../src/relay.js';
import { sandboxEvents, waitForEventState } from './support/relay-http.js';
import { killRelayProcesses, runRelayCommand } from './support/relay-process.js';

const OTHER_ACCOUNT = '123456789012';
const EMAIL = 'Forget.Me@Example.com';
const HASH = sha256Hex('forget.me@example.com');
const KEPT_HASH = sha256Hex('stay@example.com');

let sandbox: RunningSandbox;
let dir: string;
let files = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'capi-cli-erase-'));
});

afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await killRelayProcesses();
});

/** A queue file holding pending checkouts: `email`'s in two accounts, and someone else's. */
async function seededDatabase(): Promise<string> {
  const path = join(dir, `queue-${++files}.sqlite`);
  const store = SqliteStore.open({ path });
  const receivedAt = Date.now();
  const event = (id: string, email: string) =>
    buildCheckoutEvent({ order_id: id, event_id: id, value: '10.00', email });
  await store.enqueue([
    {
      adAccountId: DEFAULT_AD_ACCOUNT_ID,
      event: event('forget-1', EMAIL),
      source: 'checkout',
      receivedAt,
    },
    {
      adAccountId: DEFAULT_AD_ACCOUNT_ID,
      event: event('forget-2', EMAIL),
      source: 'checkout',
      receivedAt,
    },
    {
      adAccountId: OTHER_ACCOUNT,
      event: event('forget-other', EMAIL),
      source: 'checkout',
      receivedAt,
    },
    {
      adAccountId: DEFAULT_AD_ACCOUNT_ID,
      event: event('stay', 'stay@example.com'),
      source: 'checkout',
      receivedAt,
    },
  ]);
  await store.close();
  return path;
}

function databaseBytes(path: string): string {
  const parts = [path, `${path}-wal`, `${path}-shm`].filter((file) => existsSync(file));
  return Buffer.concat(parts.map((file) => readFileSync(file))).toString('latin1');
}

function eraseCommand(args: string[]) {
  return runRelayCommand({ cwd: dir, args: ['erase', ...args] });
}

describe('pinterest-capi erase', () => {
  it('erases every event of the person, prints the count, and leaves no hash in the files', async () => {
    const path = await seededDatabase();

    const result = await eraseCommand([
      '--email',
      EMAIL,
      '--database-url',
      `file:${path}`,
      '--json',
    ]);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ erased: 3 });
    const bytes = databaseBytes(path);
    expect(bytes).not.toContain(HASH);
    expect(bytes).toContain(KEPT_HASH);
    const db = new Database(path, { readonly: true });
    const audit = db
      .prepare('SELECT requester, ad_account_id, identifier_kinds, deleted FROM erasures')
      .all();
    db.close();
    expect(audit).toEqual([
      { requester: 'cli', ad_account_id: null, identifier_kinds: 'em', deleted: 3 },
    ]);
    expect(JSON.stringify(audit)).not.toContain(HASH);
  });

  it('erases only in the ad account given with --ad-account, in plain words', async () => {
    const path = await seededDatabase();

    const result = await eraseCommand([
      '--email',
      EMAIL,
      '--ad-account',
      OTHER_ACCOUNT,
      '--database-url',
      `file:${path}`,
    ]);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('erased 1 stored event\n');
    expect(databaseBytes(path)).toContain(HASH);
  });

  it('drops an event not yet sent: a relay started afterwards never sends it', async () => {
    const path = await seededDatabase();
    await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });

    const result = await eraseCommand(['--email', EMAIL, '--database-url', `file:${path}`]);
    const config = await loadConfig({
      env: {
        PINTEREST_ACCESS_TOKEN: DEFAULT_CONVERSION_TOKEN,
        PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID,
        PINTEREST_API_BASE_URL: sandbox.apiBaseUrl,
        RELAY_API_KEYS: 'relay-cli-erase-key',
        DATABASE_URL: `file:${path}`,
      },
      cwd: dir,
      port: 0,
    });
    const relay = await createRelay({ config, logger: createLogger({ level: 'silent' }) });
    try {
      const url = await relay.listen();
      await waitForEventState(url, 'stay', { apiKey: 'relay-cli-erase-key', state: 'delivered' });
    } finally {
      await relay.close();
    }

    expect(result.code).toBe(0);
    const sent = await sandboxEvents(sandbox.url);
    expect(sent.map(({ event }) => event.event_id)).toEqual(['stay']);
  });

  it('exits 2 naming the options when no identifier is given', async () => {
    const path = await seededDatabase();

    const result = await eraseCommand(['--database-url', `file:${path}`]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--email, --phone or --external-id');
    expect(databaseBytes(path)).toContain(HASH);
  });

  it('exits 1 naming the field of an identifier that cannot be normalized, without echoing it', async () => {
    const path = await seededDatabase();

    const result = await eraseCommand([
      '--phone',
      'call-me-maybe',
      '--database-url',
      `file:${path}`,
    ]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('phone');
    expect(result.stderr).not.toContain('call-me-maybe');
  });
});
