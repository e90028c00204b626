/**
 * A real browser and a small test store for end-to-end tests of the browser helper: Debian's
 * Chromium driven by playwright-core, and a store on 127.0.0.1 whose pages load `/tag.js` from a
 * relay and whose backend forwards each order to that relay's `POST /v1/checkout`, as a store's
 * server would.
 */
import { accessSync, constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** Debian's package; CI installs it (`.ci/run`). `CHROMIUM_PATH` points elsewhere. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * Launches a headless Chromium with a fresh profile (Playwright makes a temporary one per launch).
 * @throws Error naming the path when no Chromium is installed there.
 */
export async function launchChromium(): Promise<Browser> {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: install Debian's chromium (see .ci/run) or set CHROMIUM_PATH`,
    );
  }

  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

const FIXTURES = new URL('../fixtures/store/', import.meta.url);
const CART_KEY = 'cart-demo';

/** The store's order, under the Tag's names, which the relay's checkout also reads. */
export interface StoreOrder {
  order_id: string;
  value: string;
  currency: string;
  order_quantity: number;
  line_items: {
    product_id: string;
    product_name: string;
    product_price: string;
    product_quantity: number;
  }[];
}

export interface TestStoreOptions {
  relayUrl: string;
  apiKey: string;
  sandboxUrl: string;
  tagId: string;
}

export interface TestStore {
  url: string;
  /** The plain checkouts the store's backend sent to the relay, in order. */
  readonly forwarded: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Starts the test store on a free port. */
export async function startTestStore(options: TestStoreOptions): Promise<TestStore> {
  const orders = new Map<string, StoreOrder>();
  const forwarded: Record<string, unknown>[] = [];
  const server = createServer((request, response) => {
    handle(request, response, { ...options, orders, forwarded }).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`test store failed: ${(error as Error).message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

interface StoreState extends TestStoreOptions {
  orders: Map<string, StoreOrder>;
  forwarded: Record<string, unknown>[];
}

async function handle(request: IncomingMessage, response: ServerResponse, state: StoreState) {
  const url = new URL(request.url ?? '/', 'http://store.test');

  if (request.method === 'GET' && url.pathname === '/store.css') {
    response.writeHead(200, { 'content-type': 'text/css; charset=utf-8' });
    response.end(await readFile(new URL('store.css', FIXTURES)));
    return;
  }

  if (request.method === 'GET' && url.pathname === '/checkout') {
    await sendPage(response, state, { page: 'checkout' });
    return;
  }

  if (request.method === 'POST' && url.pathname === '/order') {
    await placeOrder(request, response, state);
    return;
  }

  const order = state.orders.get(url.searchParams.get('order') ?? '');
  if (request.method === 'GET' && url.pathname === '/thank-you' && order) {
    await sendPage(response, state, { page: 'thank-you', order });
    return;
  }

  response.writeHead(404, { 'content-type': 'text/plain' });
  response.end('not found');
}

/**
 * `store.html` for either page. Its scripts are inline because the repository's ESLint setup
 * type-checks every `.js` file, and a page script belongs to no TypeScript project.
 */
async function sendPage(
  response: ServerResponse,
  state: StoreState,
  page: Record<string, unknown>,
) {
  const config = { ...page, cartKey: CART_KEY, tagId: state.tagId, sandboxUrl: state.sandboxUrl };
  // `<` escaped so no value can close the script element.
  const json = JSON.stringify(config).replaceAll('<', '\\u003c');
  const html = (await readFile(new URL('store.html', FIXTURES), 'utf8'))
    .replace('<!--STORE_CONFIG-->', `<script>window.STORE = ${json};</script>`)
    .replaceAll('{{RELAY_URL}}', state.relayUrl);
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  response.end(html);
}

/**
 * The store's backend: the order form carries the ids as WooCommerce-style fields, and the store
 * forwards the order to the relay as a plain checkout with `event_id` and `click_id`.
 */
async function placeOrder(request: IncomingMessage, response: ServerResponse, state: StoreState) {
  const form = new URLSearchParams(await readBody(request));
  const order = newOrder(String(1001 + state.orders.size));
  const checkout = {
    ...order,
    email: form.get('email'),
    user_agent: request.headers['user-agent'],
    source_url: request.headers.referer,
    event_id: form.get('_pinterest_event_id') ?? undefined,
    click_id: form.get('_pinterest_click_id') ?? undefined,
  };
  const answer = await fetch(`${state.relayUrl}/v1/checkout`, {
    method: 'POST',
    headers: { authorization: `Bearer ${state.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(checkout),
  });
  const body = (await answer.json()) as { accepted?: number };

  if (answer.status !== 202 || body.accepted !== 1) {
    response.writeHead(502, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ relayStatus: answer.status, relayBody: body }));
    return;
  }

  state.orders.set(order.order_id, order);
  state.forwarded.push(checkout);
  response.writeHead(303, { location: `/thank-you?order=${order.order_id}` });
  response.end();
}

function newOrder(orderId: string): StoreOrder {
  return {
    order_id: orderId,
    value: '72.39',
    currency: 'USD',
    order_quantity: 3,
    line_items: [
      {
        product_id: 'SKU-MUG',
        product_name: 'Ceramic mug',
        product_price: '18.00',
        product_quantity: 2,
      },
      {
        product_id: 'SKU-NAP',
        product_name: 'Linen napkins',
        product_price: '36.39',
        product_quantity: 1,
      },
    ],
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += (chunk as Buffer).toString();
  return body;
}
