/**
 * Tag/API pairing in a real browser. A test store's pages load the relay's `/tag.js`; a stub
 * `pintrk` reports Tag events to the sandbox; the store's backend forwards each order to the
 * relay, which delivers it to the same sandbox. The Tag's checkout event and the server event must
 * arrive with one event_id and the ad click's id, and the sandbox's Event Quality read-out must
 * show full Tag/API overlap.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CONVERSION_TOKEN,
  DEFAULT_TAG_ID,
  startSandbox,
} from '@pinterest-capi/sandbox';
import type { RunningSandbox } from '@pinterest-capi/sandbox';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log-events.js';
import { createRelay } from '../src/relay.js';
import type { Relay } from '../src/relay.js';
import { launchChromium, startTestStore } from './support/browser.js';
import type { TestStore } from './support/browser.js';

const API_KEY = 'relay-key-browser-pairing-5c1e';
const EQS_TOKEN = 'pina_browser_pairing_eqs_reader';
/** An `epik` as a Pinterest ad click appends it: base64 text. */
const EPIK = 'dj0yJnU9WkJzT3FhVnJ4aUxQbXBnSHR3Y2I2QSZwPTImZnA9QVpjQ0FBPT0';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SCREENSHOTS = fileURLToPath(
  new URL('../../../test-results/browser-pairing/', import.meta.url),
);

let dir: string;
let sandbox: RunningSandbox;
let relay: Relay;
let relayUrl: string;
let store: TestStore;
let browser: Browser;
/** Closes what beforeAll started, last first, even when it failed half-way. */
const teardown: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capi-browser-'));
  teardown.push(() => rm(dir, { recursive: true, force: true }));
  sandbox = await startSandbox({
    port: 0,
    config: {
      tokens: [
        {
          token: EQS_TOKEN,
          kind: 'oauth',
          adAccountIds: [DEFAULT_AD_ACCOUNT_ID],
          scopes: ['ads:read'],
        },
      ],
    },
  });
  teardown.push(() => sandbox.close());
  const config = await loadConfig({
    env: {
      PINTEREST_ACCESS_TOKEN: DEFAULT_CONVERSION_TOKEN,
      PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID,
      PINTEREST_TAG_ID: DEFAULT_TAG_ID,
      PINTEREST_API_BASE_URL: sandbox.apiBaseUrl,
      RELAY_API_KEYS: API_KEY,
      DATABASE_URL: `file:${join(dir, 'relay.sqlite')}`,
      HOST: '127.0.0.1',
    },
    cwd: dir,
    port: 0,
  });
  relay = await createRelay({
    config: { ...config, delivery: { ...config.delivery, lingerMs: 10 } },
    logger: createLogger({ level: 'silent' }),
  });
  teardown.push(() => relay.close());
  relayUrl = await relay.listen();
  store = await startTestStore({
    relayUrl,
    apiKey: API_KEY,
    sandboxUrl: sandbox.url,
    tagId: DEFAULT_TAG_ID,
  });
  teardown.push(() => store.close());
  browser = await launchChromium();
  teardown.push(() => browser.close());
});

afterAll(async () => {
  for (const close of teardown.reverse()) await close();
});

async function openReady(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 5000 });
}

async function reloadReady(page: Page): Promise<void> {
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 5000 });
}

const text = async (page: Page, selector: string) => (await page.textContent(selector)) ?? '';

/** Polls until `read` returns a value, failing with `what` after 10 s. */
async function waitFor<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await read();
    if (value !== undefined) return value;
    await sleep(50);
  }

  throw new Error(`timed out waiting for ${what}`);
}

async function getJson<T>(url: string, token?: string): Promise<T> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return (await response.json()) as T;
}

interface TagEventRecord {
  tag_id: string;
  page_url: string | null;
  event: Record<string, unknown>;
}

interface ServerEventRecord {
  event: {
    event_id: string;
    event_name: string;
    user_data: Record<string, unknown>;
    custom_data: Record<string, unknown>;
  };
}

interface EqsGroup {
  ingestion_source: string;
  source_platform: string;
  quality_components: Record<string, Record<string, { coverage: number; overlap?: number }>>;
}

const tagEvents = async () =>
  (await getJson<{ tag_events: TagEventRecord[] }>(`${sandbox.url}/__sandbox/tag_events`))
    .tag_events;

describe('a checkout in a real browser', () => {
  it('reaches Pinterest from the Tag and from the server with one event_id and click id', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();

    // Landing from a Pinterest ad click: the checkout page gets its id and the click id.
    await openReady(page, `${store.url}/checkout?epik=${EPIK}`);
    const eventId = await text(page, '#event-id');
    const clickOnLanding = await text(page, '#click-id');
    // Reloads, and a later visit without the URL parameter, keep both.
    await reloadReady(page);
    const eventIdAfterReload = await text(page, '#event-id');
    await openReady(page, `${store.url}/checkout`);
    const eventIdLater = await text(page, '#event-id');
    const clickLater = await text(page, '#click-id');
    const epikCookie = (await context.cookies(store.url)).find((c) => c.name === '_epik');
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'checkout.png'), fullPage: true });

    expect(eventId).toMatch(UUID);
    expect([eventIdAfterReload, eventIdLater]).toEqual([eventId, eventId]);
    expect([clickOnLanding, clickLater]).toEqual([EPIK, EPIK]);
    expect(epikCookie).toMatchObject({ value: EPIK, sameSite: 'Lax', path: '/' });
    expect((epikCookie?.expires ?? 0) - Date.now() / 1000).toBeGreaterThan(29 * 86_400);

    // The order: the form carries the ids to the store's backend, which posts to the relay.
    await page.fill('#email', 'buyer@example.com');
    await Promise.all([page.waitForURL('**/thank-you?order=*'), page.click('#place-order')]);
    await page.waitForSelector('body[data-ready="true"]');
    const tracked = {
      id: await text(page, '#tracked-event-id'),
      fired: await text(page, '#fired'),
    };
    const [tagEvent] = await waitFor('the Tag event', async () => {
      const events = await tagEvents();
      return events.length > 0 ? events : undefined;
    });
    // A reload of the thank-you page does not fire the Tag again.
    await reloadReady(page);
    const reloaded = {
      id: await text(page, '#tracked-event-id'),
      fired: await text(page, '#fired'),
    };
    await page.screenshot({ path: join(SCREENSHOTS, 'thank-you.png'), fullPage: true });
    await context.close();

    expect(store.forwarded).toMatchObject([
      { order_id: '1001', event_id: eventId, click_id: EPIK },
    ]);
    expect(tracked).toEqual({ id: eventId, fired: 'true' });
    expect(reloaded).toEqual({ id: eventId, fired: 'false' });
    expect(tagEvent).toMatchObject({
      tag_id: DEFAULT_TAG_ID,
      event: {
        event_name: 'checkout',
        event_id: eventId,
        epik: EPIK,
        order_id: '1001',
        value: '72.39',
        order_quantity: 3,
      },
    });

    // The relay delivers the server event to the sandbox.
    const serverEvent = await waitFor('the server event', async () => {
      const url = `${sandbox.url}/__sandbox/events?event_id=${encodeURIComponent(eventId)}`;
      const { events } = await getJson<{ events: ServerEventRecord[] }>(url);
      return events[0];
    });

    expect(serverEvent.event).toMatchObject({
      event_name: 'checkout',
      event_id: eventId,
      user_data: { click_id: EPIK },
      custom_data: { order_id: '1001', value: '72.39', currency: 'USD', num_items: 3 },
    });
    expect(await tagEvents()).toHaveLength(1);

    // Event Quality: every checkout from each source has its counterpart from the other.
    const eqs = await getJson<EqsGroup[]>(
      `${sandbox.apiBaseUrl}/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/conversion_eqs?lookback_period=1d`,
      EQS_TOKEN,
    );
    const pairing = eqs.map((group) => ({
      source: `${group.ingestion_source} ${group.source_platform}`,
      overlap: group.quality_components['external_event_id']?.['checkout']?.overlap,
      clickIdCoverage: group.quality_components['click_id_epik']?.['checkout']?.coverage,
    }));

    expect(pairing.sort((a, b) => a.source.localeCompare(b.source))).toEqual([
      { source: 'CONVERSIONS_API WEB', overlap: 100, clickIdCoverage: 100 },
      { source: 'TAG WEB', overlap: 100, clickIdCoverage: 100 },
    ]);
  });
});
