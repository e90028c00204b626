/**
 * The dashboard in a real browser (Debian's Chromium, driven by playwright-core) against a relay
 * in sandbox mode, as `npm start` runs it: checkouts go through, one is dead-lettered by a 400
 * the sandbox injects once, and the page must show what the relay's metrics and event API say,
 * replay the dead letter, find an order and send a sample checkout. A screenshot is saved to
 * `test-results/dashboard.png` (and the dead letter before its replay in `dashboard-dead-letter.png`).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CLIENT_ID,
  DEFAULT_CONVERSION_TOKEN,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_TAG_ID,
} from '@pinterest-capi/sandbox';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SANDBOX_API_KEY, loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log-events.js';
import { createRelay } from '../src/relay.js';
import type { Relay } from '../src/relay.js';
import { launchChromium } from './support/browser.js';

const SCREENSHOT = fileURLToPath(new URL('../../../test-results/dashboard.png', import.meta.url));

let dir: string;
let relay: Relay;
let relayUrl: string;
let sandboxUrl: string;
let browser: Browser;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capi-dashboard-'));
  const config = await loadConfig({
    env: { DATABASE_URL: `file:${join(dir, 'relay.sqlite')}`, HOST: '127.0.0.1' },
    cwd: dir,
    port: 0,
  });
  relay = await createRelay({
    config: { ...config, delivery: { ...config.delivery, lingerMs: 10 } },
    logger: createLogger({ level: 'silent' }),
  });
  relayUrl = await relay.listen();
  sandboxUrl = relay.sandboxUrl ?? '';
  browser = await launchChromium();
});

afterAll(async () => {
  await browser.close();
  await relay.close();
  await rm(dir, { recursive: true, force: true });
});

async function post(url: string, body: unknown, key?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

async function checkout(orderId: string, identifiers: Record<string, string>): Promise<void> {
  const body = { order_id: orderId, event_id: orderId, value: '72.39', currency: 'USD' };
  const response = await post(
    `${relayUrl}/v1/checkout`,
    { ...body, ...identifiers },
    SANDBOX_API_KEY,
  );
  expect(response.status).toBe(202);
}

async function eventState(eventId: string): Promise<string> {
  const response = await fetch(`${relayUrl}/v1/events/${eventId}`, {
    headers: { authorization: `Bearer ${SANDBOX_API_KEY}` },
  });
  const body = (await response.json()) as { state?: string };
  return body.state ?? `HTTP ${response.status}`;
}

async function waitForState(eventId: string, state: string): Promise<void> {
  await expect.poll(() => eventState(eventId), { timeout: 10_000, interval: 25 }).toBe(state);
}

/** One sample of a Prometheus metric, by name and labels as written (`{state="dead"}`). */
async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${relayUrl}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

/** Event Quality Score read straight from the sandbox, as Pinterest would answer it. */
async function sandboxEqs(): Promise<{ overall_status: string; overlap: number }> {
  const basic = Buffer.from(`${DEFAULT_CLIENT_ID}:${DEFAULT_CLIENT_SECRET}`).toString('base64');
  const tokenResponse = await fetch(`${sandboxUrl}/v5/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=ads:read',
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const url = `${sandboxUrl}/v5/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/conversion_eqs?lookback_period=1d`;
  const items = (await (
    await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  ).json()) as {
    overall_status: string;
    ingestion_source: string;
    quality_components: { external_event_id: { checkout: { overlap: number } } };
  }[];
  const api = items.find((item) => item.ingestion_source === 'CONVERSIONS_API')!;
  return {
    overall_status: api.overall_status,
    overlap: api.quality_components.external_event_id.checkout.overlap,
  };
}

const figure = (page: Page, name: string) => page.locator(`[data-figure="${name}"]`).first();
const coverage = (page: Page, key: string) =>
  page.locator(`[data-coverage="${key}"] .coverage-value`);

describe('the dashboard', () => {
  it("asks a live relay's visitor for an API key and opens that key's ad account", async () => {
    const liveConfig = await loadConfig({
      env: {
        PINTEREST_ACCESS_TOKEN: DEFAULT_CONVERSION_TOKEN,
        PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID,
        PINTEREST_API_BASE_URL: `${sandboxUrl}/v5`,
        RELAY_API_KEYS: 'live-key-1',
        DATABASE_URL: `file:${join(dir, 'live.sqlite')}`,
        HOST: '127.0.0.1',
      },
      cwd: dir,
      port: 0,
    });
    const live = await createRelay({
      config: liveConfig,
      logger: createLogger({ level: 'silent' }),
    });
    const liveUrl = await live.listen();
    const page = await browser.newPage();

    try {
      await page.goto(liveUrl);
      await page.locator('#key').fill('not-the-key');
      await page.locator('.login button').click();
      const refusal = await page.locator('.login [role="alert"]').textContent();
      await page.locator('#key').fill('live-key-1');
      await page.locator('.login button').click();
      await expect.poll(() => figure(page, 'received').textContent()).toBe('0');

      expect(refusal).toBe('the API key is not valid');
      expect(await page.locator('.account').textContent()).toBe(
        `default · ${DEFAULT_AD_ACCOUNT_ID}`,
      );
      expect(await page.locator('#sample').count()).toBe(0);
      expect(await page.evaluate<number>('sessionStorage.length')).toBe(1);
    } finally {
      await page.close();
      await live.close();
    }
  });

  it('serves the page without a key but its data only to a relay API key', async () => {
    const page = await fetch(`${relayUrl}/`);
    const noKey = await fetch(`${relayUrl}/dashboard/api/summary`);
    const wrongKey = await fetch(`${relayUrl}/dashboard/api/summary`, {
      headers: { authorization: 'Bearer not-a-relay-key' },
    });
    const script = await fetch(`${relayUrl}/dashboard/app.js`);

    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).not.toContain('<script>');
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ error: { code: 'RELAY_ERR_MISSING_API_KEY' } });
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toMatchObject({ error: { code: 'RELAY_ERR_INVALID_API_KEY' } });
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await script.text()).length).toBeGreaterThan(40_000);
  });

  it('shows the relay figures, replays a dead letter, finds an order and sends a sample', async () => {
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) dashboard-test';
    await checkout('dash-a', {
      email: 'a@example.com',
      phone: '+1 415 555 0101',
      ip: '203.0.113.7',
      user_agent: ua,
      click_id: 'dj0yJnU9b2JqZWN0',
      external_id: 'customer-a',
    });
    await checkout('dash-b', { email: 'b@example.com', ip: '203.0.113.8', user_agent: ua });
    await checkout('dash-c', { email: 'c@example.com' });
    await Promise.all(['dash-a', 'dash-b', 'dash-c'].map((id) => waitForState(id, 'delivered')));
    // The Pinterest Tag saw dash-a too: EQS reports one of the three received event_ids paired.
    await post(`${sandboxUrl}/__sandbox/tag_events`, {
      event_name: 'checkout',
      event_id: 'dash-a',
      tag_id: DEFAULT_TAG_ID,
    });
    await post(`${sandboxUrl}/__sandbox/faults`, { status: 400, calls: 1 });
    await checkout('dash-dead', { email: 'd@example.com', ip: '203.0.113.9', user_agent: ua });
    await waitForState('dash-dead', 'dead');

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(relayUrl);

    await expect.poll(() => figure(page, 'received').textContent()).toBe('4');
    expect(await figure(page, 'delivered').textContent()).toBe(
      String(await metric('pinterest_capi_queue_events{state="delivered"}')),
    );
    expect(await figure(page, 'dead').textContent()).toBe(
      String(await metric('pinterest_capi_queue_events{state="dead"}')),
    );
    expect(await figure(page, 'queued').textContent()).toBe('0');
    expect(await figure(page, 'retrying').textContent()).toBe('0');
    expect(await figure(page, 'delay-p50').textContent()).toMatch(/\d/);
    expect(await coverage(page, 'email').textContent()).toBe('100% (4)');
    expect(await coverage(page, 'phone').textContent()).toBe('25% (1)');
    expect(await coverage(page, 'ipAndUserAgent').textContent()).toBe('75% (3)');
    expect(await coverage(page, 'clickId').textContent()).toBe('25% (1)');
    expect(await coverage(page, 'externalId').textContent()).toBe('25% (1)');
    const calls = await metric('pinterest_capi_batch_size_events_count');
    const sent = await metric('pinterest_capi_batch_size_events_sum');
    await expect
      .poll(() => page.locator('.chart-note').nth(2).textContent())
      .toContain(`${calls} call(s), ${sent} event(s)`);
    const ok = await metric('pinterest_capi_upstream_responses_total{status="200"}');
    const rejected = await metric('pinterest_capi_upstream_responses_total{status="400"}');
    expect(await page.locator('.chart-note').nth(3).textContent()).toBe(
      `200: ${ok} · 400: ${rejected}`,
    );
    const eqs = await sandboxEqs();
    await expect.poll(() => figure(page, 'eqs').textContent()).toBe(eqs.overall_status);
    expect(await figure(page, 'tag-overlap').textContent()).toBe(`${eqs.overlap}%`);
    expect(eqs.overlap).toBeCloseTo(100 / 3, 1);

    const deadRow = page.locator('tr[data-event-id="dash-dead"]');
    expect(await deadRow.locator('.reason').textContent()).not.toBe('');
    expect(await deadRow.locator('td').nth(5).textContent()).toBe('400');
    expect(await deadRow.locator('.privacy').textContent()).toBe('unknown → send');
    await deadRow.locator('input[type="checkbox"]').check();
    await mkdir(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-dead-letter.png'), fullPage: true });
    await page.locator('#replay').click();
    await waitForState('dash-dead', 'delivered');
    await expect.poll(() => figure(page, 'dead').textContent(), { timeout: 8000 }).toBe('0');
    await expect.poll(() => figure(page, 'delivered').textContent(), { timeout: 8000 }).toBe('4');
    expect(await figure(page, 'dead-total').textContent()).toBe('No dead letters.');

    await page.locator('#lookup-text').fill('dash-dead');
    await page.locator('.lookup-form button').click();
    const path = page.locator('article.path[data-event-id="dash-dead"]');
    expect(await path.locator('.state').textContent()).toBe('delivered');
    expect(await path.locator('.step-replayed').textContent()).toContain('HTTP 400');
    expect(await path.locator('.step-delivered').textContent()).toContain('Processed by Pinterest');
    expect(await path.locator('[data-figure="path-delay"]').textContent()).toMatch(/^delay \d/);

    await page.locator('#sample').click();
    await expect.poll(() => figure(page, 'received').textContent(), { timeout: 8000 }).toBe('5');
    await expect.poll(() => figure(page, 'delivered').textContent(), { timeout: 8000 }).toBe('5');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(problems).toEqual([]);
  });
});
