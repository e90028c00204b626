import { createHash } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';

import * as browserEntry from '../../../sdk/src/browser/index.js';
import { buildTagScript } from './sources.js';
import type { TagScript } from './sources.js';

interface Page {
  pinterestCapi: Record<string, (...args: unknown[]) => unknown>;
  pintrkCalls: unknown[][];
}

let script: TagScript;

beforeAll(async () => {
  script = await buildTagScript();
});

/** Runs /tag.js as a page would, with just enough of a page for the helper. */
function loadPage(search: string): Page {
  const items = new Map<string, string>();
  const page = {
    pintrkCalls: [] as unknown[][],
    document: { cookie: '' },
    location: { search, protocol: 'https:' },
    localStorage: {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => items.set(key, value),
      removeItem: (key: string) => items.delete(key),
    },
    crypto: { getRandomValues: (bytes: Uint8Array) => bytes.fill(7) },
    pintrk: (...args: unknown[]) => page.pintrkCalls.push(args),
  };
  runInNewContext(script.body, page);
  return page as unknown as Page;
}

describe('buildTagScript', () => {
  it('exposes every export of the browser entry as window.pinterestCapi', () => {
    const page = loadPage('');

    expect(Object.keys(page.pinterestCapi).sort()).toEqual(Object.keys(browserEntry).sort());
  });

  it('runs the helper against the page globals', () => {
    const page = loadPage('?epik=dj0yJnU9');
    const api = page.pinterestCapi;

    const ids = api['checkoutIds']?.({ key: 'cart-1' }) as { event_id: string; click_id: string };
    api['trackCheckout']?.({ order_id: 7, value: 10 }, { key: 'cart-1' });

    expect(ids).toEqual({ event_id: '07070707-0707-4707-8707-070707070707', click_id: 'dj0yJnU9' });
    expect(page.pintrkCalls).toEqual([
      ['track', 'checkout', { order_id: 7, value: 10, event_id: ids.event_id }],
    ]);
  });

  it('fingerprints the script with its SHA-256', () => {
    expect(script.digest).toBe(createHash('sha256').update(script.body).digest('base64url'));
  });

  it('leaves the test-only memory environment out', () => {
    expect(script.body).not.toContain('memory-env');
  });
});
