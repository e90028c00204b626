import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

import { checkoutIds, shopifyCartAttributes, stripeMetadata, wooFormFields } from './carriers.js';
import { CONSENT_KEYS, advertisingConsent } from './consent.js';
import { createMemoryEnv } from './memory-env.js';
import { syncShopifyCart } from './shopify.js';

let server: Server | undefined;

afterEach(async () => {
  const running = server;
  server = undefined;
  if (running) await new Promise((resolve) => running.close(resolve));
});

describe('advertisingConsent', () => {
  it.each([
    ['granted', 'granted'],
    [' DENIED ', 'denied'],
    ['unknown', 'unknown'],
    [true, 'granted'],
    [false, 'denied'],
    [{ ad_storage: 'granted', analytics_storage: 'denied' }, 'granted'],
    [{ ad_storage: 'denied' }, 'denied'],
  ])('reads %j as %s', (signal, expected) => {
    expect(advertisingConsent(signal)).toBe(expected);
  });

  it.each([
    [undefined],
    [null],
    ['yes'],
    ['constructor'],
    [1],
    [{}],
    [{ analytics_storage: 'granted' }],
  ])('reads %j as unknown rather than guessing', (signal) => {
    expect(advertisingConsent(signal)).toBe('unknown');
  });
});

describe('consent on the checkout carriers', () => {
  it('adds consent to the plain checkout ids when granted or denied', () => {
    const env = createMemoryEnv();

    const granted = checkoutIds({ env, consent: { ad_storage: 'granted' } });
    const denied = checkoutIds({ env, consent: false });

    expect(granted.consent).toBe('granted');
    expect(denied.consent).toBe('denied');
    expect(granted.event_id).toBe(denied.event_id);
  });

  it('leaves consent out when it is unknown, so the relay applies its rule for unknown', () => {
    const env = createMemoryEnv();

    expect(checkoutIds({ env, consent: 'unknown' })).not.toHaveProperty('consent');
    expect(checkoutIds({ env })).not.toHaveProperty('consent');
  });

  it('carries consent under the names the relay webhooks read', () => {
    const ids = { event_id: 'e-1', consent: 'denied' as const };

    expect(CONSENT_KEYS).toEqual({
      checkout: 'consent',
      shopify: 'pinterest_consent',
      stripe: 'pinterest_consent',
      woocommerce: '_pinterest_consent',
    });
    expect(shopifyCartAttributes(ids).attributes).toEqual({
      pinterest_event_id: 'e-1',
      pinterest_consent: 'denied',
    });
    expect(stripeMetadata(ids)).toEqual({ pinterest_event_id: 'e-1', pinterest_consent: 'denied' });
    expect(wooFormFields(ids)).toEqual({
      _pinterest_event_id: 'e-1',
      _pinterest_consent: 'denied',
    });
  });

  it('writes the consent to the Shopify cart, again when it changes', async () => {
    const cart = { token: 'c-consent', attributes: {} as Record<string, string> };
    const updates: Record<string, string>[] = [];
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        if (request.method === 'POST') {
          const update = JSON.parse(body) as { attributes: Record<string, string> };
          updates.push(update.attributes);
          Object.assign(cart.attributes, update.attributes);
        }

        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(cart));
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const env = createMemoryEnv();

    await syncShopifyCart({ root, env, consent: 'granted' });
    await syncShopifyCart({ root, env, consent: 'granted' });
    await syncShopifyCart({ root, env, consent: { ad_storage: 'denied' } });

    expect(updates.map((attributes) => attributes['pinterest_consent'])).toEqual([
      'granted',
      'denied',
    ]);
    expect(cart.attributes['pinterest_consent']).toBe('denied');
  });
});
