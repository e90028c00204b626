import { describe, expect, it } from 'vitest';

import { buildCheckoutEvent } from '../build/checkout.js';
import { cookieStorage, resolveEnv } from './env.js';
import {
  forgetCheckoutEventId,
  getCheckoutEventId,
  orderEventId,
  randomEventId,
  setCheckoutEventId,
} from './event-id.js';
import { createMemoryEnv } from './memory-env.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DAY_MS = 86_400_000;

describe('getCheckoutEventId', () => {
  it('returns a random UUID the first time a checkout asks', () => {
    const env = createMemoryEnv();

    const id = getCheckoutEventId({ env });

    expect(id).toMatch(UUID_V4);
  });

  it('returns the same id on every later call, as after a reload', () => {
    const env = createMemoryEnv();
    const first = getCheckoutEventId({ env, key: 'cart-1' });

    env.advance(60 * 60 * 1000);
    env.visit('https://shop.example/checkout?step=payment');
    const reloaded = getCheckoutEventId({ env: { ...env }, key: 'cart-1' });

    expect(reloaded).toBe(first);
  });

  it('gives each checkout key its own id', () => {
    const env = createMemoryEnv();

    const first = getCheckoutEventId({ env, key: 'cart-1' });
    const second = getCheckoutEventId({ env, key: 'cart-2' });

    expect(second).not.toBe(first);
    expect(getCheckoutEventId({ env, key: 'cart-1' })).toBe(first);
  });

  it('makes a new id once the stored one is older than maxAgeDays', () => {
    const env = createMemoryEnv();
    const first = getCheckoutEventId({ env, maxAgeDays: 2 });

    env.advance(2 * DAY_MS - 1);
    const stillValid = getCheckoutEventId({ env, maxAgeDays: 2 });
    env.advance(1);
    const renewed = getCheckoutEventId({ env, maxAgeDays: 2 });

    expect(stillValid).toBe(first);
    expect(renewed).not.toBe(first);
    expect(getCheckoutEventId({ env, maxAgeDays: 2 })).toBe(renewed);
  });

  it('replaces a stored value that is not one of its records', () => {
    const env = createMemoryEnv();
    env.items.set('pinterest_capi.checkout.checkout', '{"id":"has space"}');

    const id = getCheckoutEventId({ env });

    expect(id).toMatch(UUID_V4);
    expect(JSON.parse(env.items.get('pinterest_capi.checkout.checkout') ?? '')).toEqual({
      id,
      at: env.now(),
    });
  });

  it('still returns an id when the storage refuses writes', () => {
    const env = createMemoryEnv();
    const storage = {
      ...env.storage,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };

    const id = getCheckoutEventId({ env: { ...env, storage } });

    expect(id).toMatch(UUID_V4);
  });
});

describe('forgetCheckoutEventId', () => {
  it('ends the checkout so the next call makes a new id', () => {
    const env = createMemoryEnv();
    const first = getCheckoutEventId({ env, key: 'cart-1' });

    forgetCheckoutEventId({ env, key: 'cart-1' });

    expect(getCheckoutEventId({ env, key: 'cart-1' })).not.toBe(first);
  });
});

describe('setCheckoutEventId', () => {
  it('makes an id from elsewhere the checkout id', () => {
    const env = createMemoryEnv();
    getCheckoutEventId({ env, key: 'cart-1' });

    setCheckoutEventId('from-the-cart-42', { env, key: 'cart-1' });

    expect(getCheckoutEventId({ env, key: 'cart-1' })).toBe('from-the-cart-42');
  });

  it('rejects an id with characters no event id has', () => {
    const env = createMemoryEnv();

    expect(() => {
      setCheckoutEventId('<script>', { env });
    }).toThrow(new TypeError('eventId must be 1 to 128 letters, digits or _ . : -'));
  });
});

describe('orderEventId', () => {
  it.each([1001, '1001', ' 5551234 ', 'A-77'])(
    'equals the id the server derives for order %j',
    (orderId) => {
      const event = buildCheckoutEvent({ order_id: orderId, value: 10, email: 'a@example.com' });

      expect(orderEventId(orderId)).toBe(event.event_id);
    },
  );
});

describe('randomEventId', () => {
  it('formats the random bytes as a version 4 UUID', () => {
    const id = randomEventId({ randomBytes: (bytes) => bytes.fill(0xff) });

    expect(id).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
  });
});

describe('cookieStorage', () => {
  it('keeps values in first-party cookies when localStorage is unusable', () => {
    const env = createMemoryEnv();
    const storage = cookieStorage(env.document, { secure: true });

    storage.setItem('pinterest_capi.checkout.cart 1', '{"id":"a;b"}');

    expect(storage.getItem('pinterest_capi.checkout.cart 1')).toBe('{"id":"a;b"}');
    expect(env.jar.get('pcapi_pinterest_capi.checkout.cart%201')?.attributes).toMatchObject({
      path: '/',
      samesite: 'Lax',
      secure: '',
    });
  });

  it('removes a value by expiring its cookie', () => {
    const env = createMemoryEnv();
    const storage = cookieStorage(env.document, { secure: false });
    storage.setItem('k', 'v');

    storage.removeItem('k');

    expect(storage.getItem('k')).toBeNull();
  });
});

describe('resolveEnv', () => {
  it('uses the given parts and fills the clock and random source', () => {
    const env = createMemoryEnv();

    const resolved = resolveEnv({
      document: env.document,
      location: env.location,
      storage: env.storage,
    });

    expect(resolved.document).toBe(env.document);
    expect(resolved.storage).toBe(env.storage);
    expect(randomEventId(resolved)).toMatch(UUID_V4);
  });
});
