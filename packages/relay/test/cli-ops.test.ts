import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCheckoutEvent } from '@pinterest-capi/sdk';

import { main } from '../src/cli/run.js';
import { parseSince } from '../src/cli/replay.js';
import { formatAge } from '../src/cli/status.js';
import { SqliteStore } from '../src/queue/sqlite-store.js';
import { captureIo } from './support/cli-io.js';

const ACCOUNT = '549755885175';
let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capi-ops-'));
  path = join(dir, 'queue.sqlite');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Stores five checkouts: two delivered a moment ago, one dead, two still queued. */
async function seedQueue(): Promise<void> {
  const store = SqliteStore.open({ path });
  const now = Date.now();
  const events = ['1', '2', '3', '4', '5'].map((id) =>
    buildCheckoutEvent({ order_id: id, value: 10, email: `buyer${id}@example.com` }),
  );
  await store.enqueue(
    events.map((event) => ({
      adAccountId: ACCOUNT,
      event,
      source: 'checkout',
      receivedAt: now - 120_000,
    })),
  );
  const [a, b, c] = await store.claim({
    adAccountId: ACCOUNT,
    limit: 3,
    now,
    leaseMs: 60_000,
    owner: 'test',
  });
  await store.settle([
    { id: a!.id, state: 'delivered', at: now - 1000 },
    { id: b!.id, state: 'delivered', at: now - 1000 },
    { id: c!.id, state: 'dead', at: now, error: 'Invalid currency code', status: 422 },
  ]);
  await store.close();
}

describe('pinterest-capi status', () => {
  it('prints queue depth by state, recent deliveries and the oldest waiting event as JSON', async () => {
    await seedQueue();
    const io = captureIo();

    const code = await main(['status', '--database-url', `file:${path}`, '--json'], io);

    expect(code).toBe(0);
    const report = JSON.parse(io.stdout()) as Record<string, unknown>;
    expect(report['byState']).toEqual({
      pending: 2,
      in_flight: 0,
      failed: 0,
      delivered: 2,
      dead: 1,
    });
    expect(report['deliveredLastMinute']).toBe(2);
    expect(report['deliveredLastHour']).toBe(2);
    expect(report['oldestPendingAgeSeconds']).toBeGreaterThanOrEqual(119);
  });

  it('reads the database from DATABASE_URL and prints a table for people', async () => {
    await seedQueue();
    const io = captureIo({ env: { DATABASE_URL: `file:${path}` } });

    await main(['status'], io);

    expect(io.stdout()).toMatch(/queued\s+2/);
    expect(io.stdout()).toMatch(/dead\s+1/);
    expect(io.stdout()).toContain('2 in the last minute');
    expect(io.stdout()).toMatch(/oldest undelivered event: 2m \d+s old/);
  });

  it('takes the database from the config file named by --config', async () => {
    await seedQueue();
    const config = join(dir, 'relay.json');
    await writeFile(config, JSON.stringify({ databaseUrl: `file:${path}` }));
    const io = captureIo();

    await main(['status', '--config', config, '--json'], io);

    expect((JSON.parse(io.stdout()) as { byState: { dead: number } }).byState.dead).toBe(1);
  });
});

describe('pinterest-capi replay', () => {
  it('re-queues the dead events that match the filter', async () => {
    await seedQueue();
    const io = captureIo();

    const code = await main(
      ['replay', '--database-url', path, '--error', 'currency', '--json'],
      io,
    );

    expect(code).toBe(0);
    expect(JSON.parse(io.stdout())).toEqual({ replayed: 1 });
    const store = SqliteStore.open({ path });
    expect((await store.get(ACCOUNT, 'order-3-checkout'))?.state).toBe('pending');
    await store.close();
  });

  it('re-queues nothing when no dead event matches', async () => {
    await seedQueue();
    const io = captureIo();

    await main(['replay', '--database-url', path, '--event-id', 'order-1-checkout'], io);

    expect(io.stdout()).toBe('re-queued 0 dead events\n');
  });

  it('refuses to run without a filter or --all, with exit code 2', async () => {
    const io = captureIo();

    const code = await main(['replay', '--database-url', path], io);

    expect(code).toBe(2);
    expect(io.stderr()).toContain('--all');
  });

  it('reads --since as a duration before now or an ISO time, and refuses anything else', () => {
    const now = Date.parse('2026-12-03T12:00:00Z');

    expect(parseSince('2d', now)).toBe(Date.parse('2026-12-01T12:00:00Z'));
    expect(parseSince('30m', now)).toBe(Date.parse('2026-12-03T11:30:00Z'));
    expect(parseSince('2026-11-01T00:00:00Z', now)).toBe(Date.parse('2026-11-01T00:00:00Z'));
    expect(() => parseSince('yesterday', now)).toThrow(/--since/);
  });
});

describe('formatAge', () => {
  it('writes ages in the two largest units', () => {
    expect([45, 75, 7260, 90_000].map(formatAge)).toEqual(['45s', '1m 15s', '2h 1m', '1d 1h']);
  });
});
