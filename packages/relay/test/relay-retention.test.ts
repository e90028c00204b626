import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCheckoutEvent } from '@pinterest-capi/sdk';
import { pino } from 'pino';

import { DEFAULT_DELIVERY } from '../src/config/config.js';
import type { RelayConfig } from '../src/config/config.js';
import { createRelay } from '../src/relay.js';
import { SqliteStore } from '../src/queue/sqlite-store.js';

const ACCOUNT = '549755885175';
const DAY = 86_400_000;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capi-retention-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function config(path: string): RelayConfig {
  return {
    mode: 'sandbox',
    port: 0,
    host: '127.0.0.1',
    apiBaseUrl: 'http://127.0.0.1:1/v5',
    databaseUrl: `file:${path}`,
    tenants: [],
    delivery: DEFAULT_DELIVERY,
    retentionDays: 30,
    oauth: { oauthUrl: 'http://127.0.0.1:1/oauth/' },
  };
}

describe('retention', () => {
  it('deletes delivered events older than the retention window when the relay starts', async () => {
    const path = join(dir, 'queue.sqlite');
    const store = SqliteStore.open({ path });
    const now = Date.now();
    const events = ['old', 'recent'].map((id) =>
      buildCheckoutEvent({ order_id: id, value: 1, email: 'a@example.com' }),
    );
    await store.enqueue([
      { adAccountId: ACCOUNT, event: events[0]!, source: 'checkout', receivedAt: now - 31 * DAY },
      { adAccountId: ACCOUNT, event: events[1]!, source: 'checkout', receivedAt: now - 29 * DAY },
    ]);
    const claimed = await store.claim({
      adAccountId: ACCOUNT,
      limit: 2,
      now,
      leaseMs: 1000,
      owner: 't',
    });
    await store.settle(claimed.map(({ id }) => ({ id, state: 'delivered' as const, at: now })));
    await store.close();

    const relay = await createRelay({ config: config(path), logger: pino({ level: 'silent' }) });
    await relay.listen();
    await relay.close();

    const reopened = SqliteStore.open({ path });
    expect(await reopened.get(ACCOUNT, 'order-old-checkout')).toBeUndefined();
    expect((await reopened.get(ACCOUNT, 'order-recent-checkout'))?.state).toBe('delivered');
    await reopened.close();
  });
});
