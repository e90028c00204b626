import { readFileSync } from 'node:fs';
import { buildCheckoutEvent, sha256Hex } from '@pinterest-capi/sdk';
import { describe, expect, it } from 'vitest';

import type { JsonObject } from './payload.js';
import { isWooCommercePing, readWooCommerceWebhook } from './woocommerce.js';

const ORDER = JSON.parse(
  readFileSync(
    new URL('../../test/fixtures/webhooks/woocommerce-order.json', import.meta.url),
    'utf8',
  ),
) as JsonObject;
const NOW = Date.parse('2026-01-15T12:06:00Z');

function order(changes: Record<string, unknown>): JsonObject {
  return { ...ORDER, ...changes };
}

function checkoutOf(body: JsonObject, topic = 'order.updated') {
  const reading = readWooCommerceWebhook(topic, body);
  if (reading.kind !== 'checkout') throw new Error(`ignored: ${reading.reason}`);
  return reading;
}

describe('readWooCommerceWebhook', () => {
  it('maps a paid order field by field to a plain checkout', () => {
    const reading = checkoutOf(ORDER);

    expect(reading.test).toBe(false);
    expect(reading.checkout).toEqual({
      order_id: '4817',
      value: '70.20',
      currency: 'EUR',
      items: [
        { id: '736', price: '14.50', quantity: 2, name: 'Ceramic Mug' },
        { id: '688', price: '49.00', quantity: 1, name: 'Pour-over Kettle' },
      ],
      email: 'lena.schaefer@example.de',
      phone: '030 5557 2210',
      first_name: 'Lena',
      last_name: 'Schäfer',
      city: 'Berlin',
      state: 'DE-BE',
      zip: '10999',
      country: 'DE',
      external_id: '212',
      ip: '203.0.113.54',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
      event_id: 'c9a8b7d6-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      click_id: 'dj0yJnU9d29vX2V4YW1wbGVfY2xpY2tfaWQ',
      event_time: '2026-01-15T12:04:51Z',
    });
  });

  it('gives a checkout the SDK accepts, reading the local phone number in the billing country', () => {
    const event = buildCheckoutEvent(checkoutOf(ORDER).checkout, { now: NOW });

    expect(event.event_time).toBe(Date.parse('2026-01-15T12:04:51Z') / 1000);
    expect(event.custom_data).toMatchObject({ value: '70.20', currency: 'EUR', num_items: 3 });
    expect(event.user_data.ph).toEqual([sha256Hex('493055572210')]);
    expect(event.user_data.st).toEqual([sha256Hex('be')]);
  });

  it('maps order.created of a paid order like order.updated', () => {
    expect(checkoutOf(ORDER, 'order.created').checkout).toEqual(checkoutOf(ORDER).checkout);
  });

  it('counts a completed order', () => {
    expect(checkoutOf(order({ status: 'completed' })).checkout.order_id).toBe('4817');
  });

  it('sends no customer id for a guest', () => {
    expect(checkoutOf(order({ customer_id: 0 })).checkout.external_id).toBeUndefined();
  });

  it('uses the product id for a simple product and the order id, not its display number', () => {
    const reading = checkoutOf(order({ number: 'WC-2026-0042' }));

    expect(reading.checkout.order_id).toBe('4817');
    expect(reading.checkout.items?.[1]?.id).toBe('688');
  });

  it.each([
    ['pending', 'order.created'],
    ['on-hold', 'order.updated'],
    ['failed', 'order.updated'],
    ['cancelled', 'order.updated'],
    ['refunded', 'order.updated'],
  ])('ignores an order with status %s', (status, topic) => {
    const reading = readWooCommerceWebhook(topic, order({ status }));

    expect(reading).toEqual({ kind: 'ignored', reason: expect.stringContaining('not paid') });
  });

  it.each(['order.deleted', 'product.updated', 'action.woocommerce_order_refunded'])(
    'ignores the topic %s',
    (topic) => {
      const reading = readWooCommerceWebhook(topic, ORDER);

      expect(reading).toEqual({
        kind: 'ignored',
        reason: expect.stringContaining('not a checkout'),
      });
    },
  );
});

describe('isWooCommercePing', () => {
  it('recognises the body WooCommerce sends when a webhook is saved', () => {
    expect(isWooCommercePing(Buffer.from('webhook_id=17'))).toBe(true);
  });

  it.each(['{"webhook_id":17}', 'webhook_id=', 'webhook_id=17&x=1', ''])(
    'does not take %j for a ping',
    (body) => {
      expect(isWooCommercePing(Buffer.from(body))).toBe(false);
    },
  );
});
