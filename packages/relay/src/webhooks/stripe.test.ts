import { readFileSync } from 'node:fs';
import { buildCheckoutEvent, sha256Hex } from '@pinterest-capi/sdk';
import { describe, expect, it } from 'vitest';

import type { JsonObject } from './payload.js';
import { readStripeEvent } from './stripe.js';

const EVENT = JSON.parse(
  readFileSync(
    new URL('../../test/fixtures/webhooks/stripe-checkout-session-completed.json', import.meta.url),
    'utf8',
  ),
) as JsonObject & { data: { object: JsonObject } };
const SESSION = EVENT.data.object;
const NOW = (1_768_478_402 + 5) * 1000;

function event(
  session: Record<string, unknown>,
  changes: Record<string, unknown> = {},
): JsonObject {
  return { ...EVENT, ...changes, data: { object: { ...SESSION, ...session } } };
}

function checkoutOf(body: JsonObject) {
  const reading = readStripeEvent(body);
  if (reading.kind !== 'checkout') throw new Error(`ignored: ${reading.reason}`);
  return reading;
}

describe('readStripeEvent', () => {
  it('maps a completed, paid Checkout Session field by field to a plain checkout', () => {
    const reading = checkoutOf(EVENT);

    expect(reading.test).toBe(false);
    expect(reading.checkout).toEqual({
      order_id: 'cs_live_a1Kq9ZbX3cT7vN2mP5rS8uW0yB4dF6hJ9kL1nQ3sV5xZ7',
      value: '72.00',
      currency: 'usd',
      email: 'dan.whitaker@example.org',
      phone: '+15035550188',
      first_name: 'Daniel',
      last_name: 'Whitaker',
      city: 'Portland',
      state: 'OR',
      zip: '97211',
      country: 'US',
      external_id: 'cus_RkT2mB8vQ1nZ4x',
      event_id: '5e0c7a9b-3d21-4f6e-8a1b-c2d3e4f5a6b7',
      click_id: 'dj0yJnU9c3RyaXBlX2V4YW1wbGVfY2xpY2s',
      event_time: 1_768_478_402,
      language: 'en',
    });
  });

  it('gives a checkout the SDK accepts, with the currency in upper case', () => {
    const wire = buildCheckoutEvent(checkoutOf(EVENT).checkout, { now: NOW });

    expect(wire.custom_data).toEqual({
      value: '72.00',
      currency: 'USD',
      order_id: 'cs_live_a1Kq9ZbX3cT7vN2mP5rS8uW0yB4dF6hJ9kL1nQ3sV5xZ7',
    });
    expect(wire.user_data.em).toEqual([sha256Hex('dan.whitaker@example.org')]);
    expect(wire.user_data.fn).toEqual([sha256Hex('daniel')]);
    expect(wire.user_data.external_id).toEqual([sha256Hex('cus_RkT2mB8vQ1nZ4x')]);
  });

  it.each([
    ['jpy', 12_800, { amount_tax: 0, amount_shipping: 0 }, '12800'],
    ['kwd', 15_250, { amount_tax: 250, amount_shipping: 1000 }, '14.000'],
    ['eur', 4_990, { amount_tax: 797, amount_shipping: 0 }, '41.93'],
  ])('converts %s minor units with the currency exponent', (currency, total, details, value) => {
    const body = event({
      currency,
      amount_total: total,
      total_details: { amount_discount: 0, ...details },
    });

    expect(checkoutOf(body).checkout.value).toBe(value);
  });

  it('uses amount_subtotal when the session has no total details', () => {
    const body = event({ total_details: null, amount_subtotal: 8000 });

    expect(checkoutOf(body).checkout.value).toBe('80.00');
  });

  it('reads the customer id of an expanded customer object and customer_email of a guest', () => {
    const reading = checkoutOf(
      event({
        customer: { id: 'cus_Expanded1', object: 'customer' },
        customer_details: { email: null, name: 'Cher', address: null },
        customer_email: 'guest@example.com',
      }),
    );

    expect(reading.checkout.external_id).toBe('cus_Expanded1');
    expect(reading.checkout.email).toBe('guest@example.com');
    // One word could be a first or a last name: neither is sent.
    expect(reading.checkout.first_name).toBeUndefined();
    expect(reading.checkout.last_name).toBeUndefined();
  });

  it('counts a delayed payment once it succeeds, under the same order id', () => {
    const body = event(
      { payment_status: 'paid' },
      { type: 'checkout.session.async_payment_succeeded', created: 1_768_480_000 },
    );

    expect(checkoutOf(body).checkout.order_id).toBe(checkoutOf(EVENT).checkout.order_id);
  });

  it('counts a session that needed no payment', () => {
    expect(checkoutOf(event({ payment_status: 'no_payment_required' })).checkout.value).toBe(
      '72.00',
    );
  });

  it('flags a test-mode event', () => {
    expect(checkoutOf(event({ livemode: false }, { livemode: false })).test).toBe(true);
  });

  it.each([
    ['a refund', event({}, { type: 'charge.refunded' }), 'not a completed Checkout Session'],
    ['an expired session', event({}, { type: 'checkout.session.expired' }), 'not a completed'],
    ['an unpaid completed session', event({ payment_status: 'unpaid' }), 'still pending'],
    ['a setup-mode session', event({ mode: 'setup', amount_total: null }), 'nothing was bought'],
  ])('ignores %s', (_case, body, reason) => {
    expect(readStripeEvent(body)).toEqual({
      kind: 'ignored',
      reason: expect.stringContaining(reason),
    });
  });
});
