import { describe, expect, it } from 'vitest';

import { getClickId } from './click-id.js';
import { createMemoryEnv } from './memory-env.js';

const EPIK = 'dj0yJnU9b2JhcjEyMyZwPTImZnA9QXdFQkFR+/x_y-z=';
const DAY_MS = 86_400_000;

describe('getClickId', () => {
  it('reads the epik URL parameter and keeps it as a first-party _epik cookie', () => {
    const env = createMemoryEnv(`https://shop.example/p/1?utm=x&epik=${encodeURIComponent(EPIK)}`);

    const clickId = getClickId({ env });

    expect(clickId).toBe(EPIK);
    expect(env.jar.get('_epik')).toEqual({
      value: EPIK,
      expiresAt: env.now() + 30 * DAY_MS,
      attributes: { 'max-age': '2592000', path: '/', samesite: 'Lax', secure: '' },
    });
  });

  it('keeps a plus sign in the parameter as a plus sign', () => {
    const env = createMemoryEnv('https://shop.example/?epik=ab+cd==');

    expect(getClickId({ env })).toBe('ab+cd==');
  });

  it('reads the cookie on later pages without the parameter', () => {
    const env = createMemoryEnv(`https://shop.example/?epik=${EPIK}`);
    getClickId({ env });

    env.visit('https://shop.example/checkout');
    env.advance(29 * DAY_MS);

    expect(getClickId({ env })).toBe(EPIK);
  });

  it('forgets the click once the cookie reaches its max age', () => {
    const env = createMemoryEnv(`https://shop.example/?epik=${EPIK}`);
    getClickId({ env, clickIdMaxAgeDays: 1 });

    env.visit('https://shop.example/checkout');
    env.advance(DAY_MS);

    expect(getClickId({ env })).toBeUndefined();
  });

  it('prefers a new click in the URL over an older cookie', () => {
    const env = createMemoryEnv('https://shop.example/?epik=older');
    getClickId({ env });

    env.visit('https://shop.example/?epik=newer');

    expect(getClickId({ env })).toBe('newer');
    expect(env.jar.get('_epik')?.value).toBe('newer');
  });

  it('writes the cookie without Secure on a plain http page', () => {
    const env = createMemoryEnv('http://127.0.0.1:8080/?epik=abc');

    getClickId({ env });

    expect(env.jar.get('_epik')?.attributes).not.toHaveProperty('secure');
  });

  it('sets the cookie for a parent domain when asked', () => {
    const env = createMemoryEnv('https://www.shop.example/?epik=abc');

    getClickId({ env, cookieDomain: 'shop.example' });

    expect(env.jar.get('_epik')?.attributes).toHaveProperty('domain', 'shop.example');
  });

  it('rejects a cookie domain that is not a domain name', () => {
    const env = createMemoryEnv();

    expect(() => getClickId({ env, cookieDomain: 'shop.example; Secure' })).toThrow(TypeError);
  });

  it.each(['a b', 'a;b=c', '<img>', '%E0%A4%A', ''])(
    'ignores the parameter %j, which is not a click id, and writes no cookie',
    (raw) => {
      const env = createMemoryEnv(`https://shop.example/?epik=${raw}`);

      expect(getClickId({ env })).toBeUndefined();
      expect(env.jar.has('_epik')).toBe(false);
    },
  );

  it('ignores an _epik cookie that is not a click id', () => {
    const env = createMemoryEnv();
    env.document.cookie = '_epik=a"b; Path=/';

    expect(getClickId({ env })).toBeUndefined();
  });

  it('returns undefined on a visit with no click', () => {
    expect(getClickId({ env: createMemoryEnv() })).toBeUndefined();
  });
});
