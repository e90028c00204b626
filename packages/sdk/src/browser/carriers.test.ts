import { describe, expect, it } from 'vitest';

import {
  CARRIER_KEYS,
  checkoutIds,
  fillHiddenFields,
  shopifyCartAttributes,
  stripeMetadata,
  wooFormFields,
} from './carriers.js';
import type { FormLike, HiddenInputLike } from './carriers.js';
import { getCheckoutEventId } from './event-id.js';
import { createMemoryEnv } from './memory-env.js';

const IDS = { event_id: 'e-1', click_id: 'dj0yJnU9' };

describe('checkoutIds', () => {
  it("returns the checkout's event id and the visit's click id", () => {
    const env = createMemoryEnv('https://shop.example/cart?epik=dj0yJnU9');

    const ids = checkoutIds({ env, key: 'cart-1' });

    expect(ids).toEqual({
      event_id: getCheckoutEventId({ env, key: 'cart-1' }),
      click_id: 'dj0yJnU9',
    });
  });

  it('leaves click_id out when the visit has no click', () => {
    const env = createMemoryEnv();

    expect(Object.keys(checkoutIds({ env }))).toEqual(['event_id']);
  });
});

describe('platform carriers', () => {
  it('names the ids as the relay webhooks read them', () => {
    expect(CARRIER_KEYS).toEqual({
      shopify: { eventId: 'pinterest_event_id', clickId: 'pinterest_click_id' },
      stripe: { eventId: 'pinterest_event_id', clickId: 'pinterest_click_id' },
      woocommerce: { eventId: '_pinterest_event_id', clickId: '_pinterest_click_id' },
    });
  });

  it('builds the /cart/update.js body with Shopify cart attributes', () => {
    expect(shopifyCartAttributes(IDS)).toEqual({
      attributes: { pinterest_event_id: 'e-1', pinterest_click_id: 'dj0yJnU9' },
    });
  });

  it('builds Stripe Checkout Session metadata', () => {
    expect(stripeMetadata(IDS)).toEqual({
      pinterest_event_id: 'e-1',
      pinterest_click_id: 'dj0yJnU9',
    });
  });

  it('builds WooCommerce checkout form fields', () => {
    expect(wooFormFields(IDS)).toEqual({
      _pinterest_event_id: 'e-1',
      _pinterest_click_id: 'dj0yJnU9',
    });
  });

  it('carries no click id field without a click', () => {
    expect(stripeMetadata({ event_id: 'e-1' })).toEqual({ pinterest_event_id: 'e-1' });
  });
});

function fakeForm(controls: Record<string, { value: string }> = {}) {
  const appended: HiddenInputLike[] = [];
  const form: FormLike = {
    elements: {
      namedItem: (name) => controls[name] ?? appended.find((i) => i.name === name) ?? null,
    },
    ownerDocument: { createElement: () => ({ type: 'text', name: '', value: '' }) },
    appendChild: (node: HiddenInputLike) => appended.push(node),
  };
  return { form, appended };
}

describe('fillHiddenFields', () => {
  it('adds a hidden input for each field the form lacks', () => {
    const { form, appended } = fakeForm();

    fillHiddenFields(form, wooFormFields(IDS));

    expect(appended).toEqual([
      { type: 'hidden', name: '_pinterest_event_id', value: 'e-1' },
      { type: 'hidden', name: '_pinterest_click_id', value: 'dj0yJnU9' },
    ]);
  });

  it('sets the value of a control the form already has', () => {
    const existing = { value: 'stale' };
    const { form, appended } = fakeForm({ _pinterest_event_id: existing });

    fillHiddenFields(form, wooFormFields({ event_id: 'e-2' }));
    fillHiddenFields(form, wooFormFields({ event_id: 'e-3' }));

    expect(existing.value).toBe('e-3');
    expect(appended).toEqual([]);
  });
});
