/**
 * Pinterest's warnings and unexpected answers, counted by kind: a relay delivering to the sandbox
 * (which warns about non-standard event names) and to a stand-in that answers oddly, read back
 * through `/metrics`, the dashboard summary and `pinterest-capi status --relay-url`.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { classifyWarning } from '../src/delivery/answer-kinds.js';
import { main } from '../src/cli/run.js';
import { SANDBOX_API_KEY, loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log-events.js';
import { createRelay } from '../src/relay.js';
import type { Relay } from '../src/relay.js';
import { captureIo } from './support/cli-io.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capi-answers-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function startRelay(name: string, env: Record<string, string> = {}): Promise<Relay> {
  const config = await loadConfig({
    env: { DATABASE_URL: `file:${join(dir, `${name}.sqlite`)}`, HOST: '127.0.0.1', ...env },
    cwd: dir,
    port: 0,
  });
  return createRelay({
    config: { ...config, delivery: { ...config.delivery, lingerMs: 10 } },
    logger: createLogger({ level: 'silent' }),
  });
}

function event(id: string, eventName: string): Record<string, unknown> {
  return {
    event_name: eventName,
    action_source: 'web',
    event_time: Math.floor(Date.now() / 1000) - 5,
    event_id: id,
    user_data: { em: `${id}@example.com` },
  };
}

async function postEvents(url: string, key: string, events: unknown[]): Promise<void> {
  const response = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ data: events }),
  });
  expect(response.status).toBe(202);
}

/** The `kind` values of one counter in Prometheus text, e.g. `{ event_name: 3 }`. */
async function counter(url: string, name: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const [, kind, value] of text.matchAll(
    new RegExp(`^${name}\\{kind="(\\w+)"\\} (\\d+)$`, 'gm'),
  )) {
    counts[kind ?? ''] = Number(value);
  }

  return counts;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('warning counters', () => {
  it('counts the sandbox warnings by kind in /metrics, the dashboard summary and status', async () => {
    const relay = await startRelay('warnings');
    const url = await relay.listen();
    try {
      // Pinterest processes only the LDP privacy flag (facts §8.1): the sandbox warns about others.
      const otherFlag = { custom_data: { opt_out_type: 'CCPA' } };
      const events = [
        { ...event('w-1', 'checkout'), ...otherFlag },
        { ...event('w-2', 'checkout'), ...otherFlag },
        event('w-3', 'checkout'),
      ];

      await postEvents(url, SANDBOX_API_KEY, events);

      await waitFor(async () => (await relay.store.stats()).byState.delivered === 3);
      const warnings = await counter(url, 'pinterest_capi_upstream_warnings_total');
      expect(warnings).toEqual({ opt_out_type: 2 });
      const summary = (await (
        await fetch(`${url}/dashboard/api/summary`, {
          headers: { authorization: `Bearer ${SANDBOX_API_KEY}` },
        })
      ).json()) as { answers: { warnings: Record<string, number>; unexpected: object } };
      expect(summary.answers.warnings).toEqual({ opt_out_type: 2 });
      expect(summary.answers.unexpected).toEqual({});
      const io = captureIo();
      const code = await main(
        ['status', '--database-url', relay.config.databaseUrl, '--relay-url', url],
        io,
      );
      expect(code).toBe(0);
      expect(io.stdout()).toContain('warnings:   opt_out_type 2');
      expect(io.stdout()).toContain('unexpected: none');
    } finally {
      await relay.close();
    }
  });

  it('sorts warning messages by the field they name, without keeping their text', () => {
    expect(classifyWarning("custom_data.currency 'usd' should be uppercase ISO 4217")).toEqual([
      'currency',
    ]);
    expect(
      classifyWarning(
        'event_id is longer than 256 characters; accepted on the assumption that Pinterest takes it',
      ),
    ).toEqual(['event_id']);
    expect(
      classifyWarning(
        'custom_data.contents[0].item_price is not a decimal string; language is not a two-letter code',
      ),
    ).toEqual(['value', 'language']);
    expect(classifyWarning('Something new happened')).toEqual(['other']);
  });
});

describe('unexpected answer counters', () => {
  let server: Server;
  type Answer = (batch: number) => { status: number; body: unknown };
  let answers: Answer[];
  let fallback: Answer = (batch) => ({ status: 200, body: ok(batch) });

  beforeAll(async () => {
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        const batch = (JSON.parse(text) as { data: unknown[] }).data.length;
        const answer = (answers.shift() ?? fallback)(batch);
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  function ok(batch: number) {
    const events = Array.from({ length: batch }, () => ({ status: 'processed' }));
    return { num_events_received: batch, num_events_processed: batch, events };
  }

  it('counts a short events[], an unknown event status, a shapeless body and an unknown status', async () => {
    const address = server.address() as { port: number };
    answers = [
      (batch) => ({
        status: 200,
        body: { ...ok(batch), num_events_processed: 0, events: [{ status: 'processed' }] },
      }),
      (batch) => ({ status: 200, body: { ...ok(batch), events: [{ status: 'queued' }] } }),
      () => ({ status: 200, body: { message: 'ok' } }),
      () => ({ status: 418, body: { code: 1, message: 'teapot' } }),
    ];
    // The event answered 418 is retried later; the stand-in answers 418 again.
    const teapot = () => ({ status: 418, body: { code: 1, message: 'teapot' } });
    fallback = teapot;
    const relay = await startRelay('unexpected', {
      PINTEREST_API_BASE_URL: `http://127.0.0.1:${address.port}/v5`,
      PINTEREST_ACCESS_TOKEN: 'pina_test_token',
      PINTEREST_AD_ACCOUNT_ID: '549755885175',
      RELAY_API_KEYS: 'key-1',
    });
    const url = await relay.listen();
    try {
      for (const [index, size] of [2, 1, 1, 1].entries()) {
        const batch = Array.from({ length: size }, (_, i) => event(`u-${index}-${i}`, 'checkout'));
        await postEvents(url, 'key-1', batch);
        await waitFor(async () => {
          const stats = (await relay.store.stats()).byState;
          return stats.pending === 0 && stats.in_flight === 0;
        });
      }

      const unexpected = await counter(url, 'pinterest_capi_upstream_unexpected_answers_total');
      expect(unexpected).toMatchObject({
        events_length_mismatch: 1,
        unknown_event_status: 1,
        body_shape: 1,
      });
      expect(unexpected['unknown_status']).toBeGreaterThanOrEqual(1);
      expect(Object.keys(unexpected)).toHaveLength(4);
    } finally {
      await relay.close();
    }
  });
});
