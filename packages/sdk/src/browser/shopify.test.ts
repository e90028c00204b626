import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

import { getCheckoutEventId } from './event-id.js';
import { createMemoryEnv } from './memory-env.js';
import { syncShopifyCart } from './shopify.js';

interface FakeShop {
  root: string;
  cart: { token: string; attributes: Record<string, string> };
  updates: unknown[];
  status: number;
}

let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** Shopify's Ajax cart API, as much of it as the helper uses, on a real port. */
async function startShop(attributes: Record<string, string> = {}): Promise<FakeShop> {
  const shop: FakeShop = {
    root: '',
    cart: { token: 'c1-token', attributes },
    updates: [],
    status: 200,
  };
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/shop/cart/update.js') {
        const update = JSON.parse(body) as { attributes: Record<string, string> };
        shop.updates.push(update);
        Object.assign(shop.cart.attributes, update.attributes);
      }

      response.writeHead(shop.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(shop.cart));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  shop.root = `http://127.0.0.1:${(server.address() as AddressInfo).port}/shop/`;
  return shop;
}

describe('syncShopifyCart', () => {
  it('writes the event id and click id to a new cart as attributes', async () => {
    const shop = await startShop();
    const env = createMemoryEnv('https://shop.example/products/mug?epik=dj0yJnU9');

    const ids = await syncShopifyCart({ root: shop.root, env });

    expect(ids).toEqual({
      event_id: getCheckoutEventId({ env, key: 'shopify:c1-token' }),
      click_id: 'dj0yJnU9',
    });
    expect(shop.updates).toEqual([
      { attributes: { pinterest_event_id: ids.event_id, pinterest_click_id: 'dj0yJnU9' } },
    ]);
  });

  it('writes nothing when the cart already carries both ids', async () => {
    const shop = await startShop();
    const env = createMemoryEnv('https://shop.example/?epik=dj0yJnU9');
    const first = await syncShopifyCart({ root: shop.root, env });

    const second = await syncShopifyCart({ root: shop.root, env });

    expect(second).toEqual(first);
    expect(shop.updates).toHaveLength(1);
  });

  it('adopts the event id a cart already carries from another device', async () => {
    const shop = await startShop({ pinterest_event_id: 'set-elsewhere-7' });
    const env = createMemoryEnv();

    const ids = await syncShopifyCart({ root: shop.root, env });

    expect(ids).toEqual({ event_id: 'set-elsewhere-7' });
    expect(getCheckoutEventId({ env, key: 'shopify:c1-token' })).toBe('set-elsewhere-7');
    expect(shop.updates).toEqual([]);
  });

  it('replaces a cart attribute that is not an event id', async () => {
    const shop = await startShop({ pinterest_event_id: '<b>bold</b>' });
    const env = createMemoryEnv();

    const ids = await syncShopifyCart({ root: shop.root, env });

    expect(ids.event_id).not.toBe('<b>bold</b>');
    expect(shop.cart.attributes['pinterest_event_id']).toBe(ids.event_id);
  });

  it('gives a new cart a new event id', async () => {
    const shop = await startShop();
    const env = createMemoryEnv();
    const first = await syncShopifyCart({ root: shop.root, env });

    shop.cart = { token: 'c1-next-cart', attributes: {} };
    const second = await syncShopifyCart({ root: shop.root, env });

    expect(second.event_id).not.toBe(first.event_id);
  });

  it('throws when the cart API answers with an error', async () => {
    const shop = await startShop();
    shop.status = 500;

    await expect(syncShopifyCart({ root: shop.root, env: createMemoryEnv() })).rejects.toThrow(
      `GET ${shop.root}cart.js answered 500`,
    );
  });
});
