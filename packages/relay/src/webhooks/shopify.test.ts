import { readFileSync } from 'node:fs';
import { buildCheckoutEvent, sha256Hex } from '@pinterest-capi/sdk';
import { describe, expect, it } from 'vitest';

import type { JsonObject } from './payload.js';
import { readShopifyWebhook } from './shopify.js';

const ORDER = JSON.parse(
  readFileSync(new URL('../../test/fixtures/webhooks/shopify-order.json', import.meta.url), 'utf8'),
) as JsonObject;
/** Shortly after the fixture's `processed_at`, so the SDK's time window accepts it. */
const NOW = Date.parse('2026-01-15T12:00:00Z');

function order(changes: Record<string, unknown>): JsonObject {
  return { ...ORDER, ...changes };
}

function checkoutOf(body: JsonObject, topic = 'orders/paid') {
  const reading = readShopifyWebhook(topic, body);
  if (reading.kind !== 'checkout') throw new Error(`ignored: ${reading.reason}`);
  return reading;
}

describe('readShopifyWebhook', () => {
  it('maps a paid order field by field to a plain checkout', () => {
    const reading = checkoutOf(ORDER);

    expect(reading.test).toBe(false);
    expect(reading.checkout).toEqual({
      order_id: '6143082987621',
      value: '118.00',
      currency: 'USD',
      items: [
        {
          id: '8123456789012',
          price: '45.00',
          quantity: 2,
          name: 'Linen Throw',
          brand: 'Linen & Loom',
        },
        {
          id: '8123456789034',
          price: '40.00',
          quantity: 1,
          name: 'Waffle Hand Towel',
          brand: 'Linen & Loom',
        },
      ],
      email: 'Maya.Okafor@example.com',
      phone: '(212) 555-0147',
      first_name: 'Maya',
      last_name: 'Okafor',
      city: 'Brooklyn',
      state: 'NY',
      zip: '11217',
      country: 'US',
      external_id: '7390128475237',
      ip: '198.51.100.23',
      user_agent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
      event_id: 'b3c1f0d2-6a4e-4f8b-9c7d-2e5a1f0b3c4d',
      click_id: 'dj0yJnU9ZXhhbXBsZV9jbGlja19pZCZuPTE',
      event_time: '2026-01-15T06:58:11-05:00',
      language: 'en',
    });
  });

  it('gives a checkout the SDK accepts, with value, units and hashed identifiers', () => {
    const event = buildCheckoutEvent(checkoutOf(ORDER).checkout, { now: NOW });

    expect(event.event_time).toBe(Date.parse('2026-01-15T11:58:11Z') / 1000);
    expect(event.custom_data).toMatchObject({
      value: '118.00',
      currency: 'USD',
      order_id: '6143082987621',
      num_items: 3,
      content_ids: ['8123456789012', '8123456789034'],
    });
    expect(event.user_data.em).toEqual([sha256Hex('maya.okafor@example.com')]);
    expect(event.user_data.ph).toEqual([sha256Hex('12125550147')]);
    expect(event.user_data.external_id).toEqual([sha256Hex('7390128475237')]);
    expect(event.user_data.click_id).toBe('dj0yJnU9ZXhhbXBsZV9jbGlja19pZCZuPTE');
  });

  it('reads orders/create like orders/paid, so both give the same event id', () => {
    const created = checkoutOf(order({ financial_status: 'pending' }), 'orders/create');

    expect(created.checkout).toEqual(checkoutOf(ORDER).checkout);
  });

  it('leaves the event id to the SDK when the storefront set no attribute', () => {
    const reading = checkoutOf(order({ note_attributes: [] }));
    const event = buildCheckoutEvent(reading.checkout, { now: NOW });

    expect(reading.checkout.event_id).toBeUndefined();
    expect(event.event_id).toBe('order-6143082987621-checkout');
    expect(event.user_data.click_id).toBeUndefined();
  });

  it('falls back to the customer record and client details when the order lacks a field', () => {
    const reading = checkoutOf(
      order({
        email: null,
        contact_email: null,
        browser_ip: null,
        billing_address: null,
        customer: { id: 42, email: 'c@example.com', first_name: 'Ana', phone: '+14155550100' },
        client_details: { browser_ip: '192.0.2.9', user_agent: 'UA' },
      }),
    );

    expect(reading.checkout).toMatchObject({
      email: 'c@example.com',
      phone: '+14155550100',
      first_name: 'Ana',
      external_id: '42',
      ip: '192.0.2.9',
    });
    expect(reading.checkout.city).toBeUndefined();
  });

  it('flags a test order', () => {
    expect(checkoutOf(order({ test: true })).test).toBe(true);
  });

  it('sends point-of-sale orders as offline', () => {
    expect(checkoutOf(order({ source_name: 'pos' })).checkout.action_source).toBe('offline');
  });

  it.each([
    ['a refund topic', 'refunds/create', {}, 'not a checkout'],
    ['a cancellation topic', 'orders/cancelled', {}, 'not a checkout'],
    ['an order update', 'orders/updated', {}, 'not a checkout'],
    [
      'a cancelled order',
      'orders/paid',
      { cancelled_at: '2026-01-15T08:00:00-05:00' },
      'cancelled',
    ],
    ['a refunded order', 'orders/paid', { financial_status: 'refunded' }, 'refunded or voided'],
    ['a voided order', 'orders/create', { financial_status: 'voided' }, 'refunded or voided'],
  ])('ignores %s', (_case, topic, changes, reason) => {
    const reading = readShopifyWebhook(topic, order(changes));

    expect(reading).toEqual({ kind: 'ignored', reason: expect.stringContaining(reason) });
  });

  it('ignores a webhook without a topic header', () => {
    expect(readShopifyWebhook(undefined, ORDER).kind).toBe('ignored');
  });

  it('leaves a missing id and subtotal blank, so the SDK names both as required', () => {
    const reading = checkoutOf(order({ id: null, subtotal_price: undefined }));

    expect(() => buildCheckoutEvent(reading.checkout, { now: NOW })).toThrow(
      /checkout\.order_id: is required \(and 1 more\)/,
    );
  });
});
