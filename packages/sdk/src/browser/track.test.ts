import { describe, expect, it } from 'vitest';

import { getCheckoutEventId } from './event-id.js';
import { createMemoryEnv } from './memory-env.js';
import { trackCheckout } from './track.js';

const ORDER = {
  order_id: '1001',
  value: 72.39,
  currency: 'USD',
  order_quantity: 2,
  line_items: [{ product_id: 'SKU-1', product_price: 36.2, product_quantity: 2 }],
};

describe('trackCheckout', () => {
  it("fires the Tag's checkout event with the checkout's stored event id", () => {
    const env = createMemoryEnv();
    const eventId = getCheckoutEventId({ env, key: 'cart-1' });

    const result = trackCheckout(ORDER, { env, key: 'cart-1' });

    expect(result).toEqual({ event_id: eventId, fired: true });
    expect(env.pintrkCalls).toEqual([['track', 'checkout', { ...ORDER, event_id: eventId }]]);
  });

  it('uses an event id given in the data', () => {
    const env = createMemoryEnv();

    const result = trackCheckout({ ...ORDER, event_id: 'order-1001-checkout' }, { env });

    expect(result.event_id).toBe('order-1001-checkout');
    expect(env.pintrkCalls[0]?.[2]).toMatchObject({ event_id: 'order-1001-checkout' });
  });

  it('ends the checkout, so the next checkout gets a new id', () => {
    const env = createMemoryEnv();
    const { event_id: tracked } = trackCheckout(ORDER, { env });

    const next = getCheckoutEventId({ env });

    expect(next).not.toBe(tracked);
  });

  it('fires nothing again for an order it tracked, as on a thank-you page reload', () => {
    const env = createMemoryEnv();
    const first = trackCheckout(ORDER, { env });

    const reload = trackCheckout({ ...ORDER, order_id: ' 1001 ' }, { env });

    expect(reload).toEqual({ event_id: first.event_id, fired: false });
    expect(env.pintrkCalls).toHaveLength(1);
  });

  it('fires again with a new id when no order id tells a reload apart', () => {
    const env = createMemoryEnv();
    const withoutOrder = { value: ORDER.value, currency: ORDER.currency };
    const first = trackCheckout(withoutOrder, { env });

    const second = trackCheckout(withoutOrder, { env });

    expect(second.fired).toBe(true);
    expect(second.event_id).not.toBe(first.event_id);
  });

  it('remembers the last 20 orders it tracked', () => {
    const env = createMemoryEnv();
    for (let order = 1; order <= 21; order++) trackCheckout({ order_id: order }, { env });

    const recent = trackCheckout({ order_id: 2 }, { env });
    const oldest = trackCheckout({ order_id: 1 }, { env });

    expect(oldest.fired).toBe(true);
    expect(recent.fired).toBe(false);
  });

  it('throws a setup error when the Tag base code is missing', () => {
    const env = createMemoryEnv();

    expect(() => trackCheckout(ORDER, { env: { ...env, pintrk: undefined } })).toThrow(
      'window.pintrk is not defined: add the Pinterest Tag base code before calling trackCheckout',
    );
  });
});
