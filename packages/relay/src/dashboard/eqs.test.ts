import { createHash } from 'node:crypto';

import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_CONVERSION_TOKEN,
  DEFAULT_TAG_ID,
  startSandbox,
} from '@pinterest-capi/sandbox';
import type { RunningSandbox } from '@pinterest-capi/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { EqsError, EqsReader } from './eqs.js';

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(async () => {
  await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
});

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Sends checkouts to the sandbox as the relay's worker would. */
async function sendCheckouts(ids: string[]): Promise<void> {
  const data = ids.map((id) => ({
    event_name: 'checkout',
    action_source: 'web',
    event_time: Math.floor(Date.now() / 1000) - 10,
    event_id: id,
    user_data: {
      em: [sha256(`${id}@example.com`)],
      client_ip_address: '203.0.113.7',
      client_user_agent: 'Mozilla/5.0 (test)',
    },
    custom_data: { currency: 'USD', value: '10.00', order_id: id },
  }));
  const response = await fetch(
    `${sandbox.apiBaseUrl}/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/events`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${DEFAULT_CONVERSION_TOKEN}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ data }),
    },
  );
  expect(response.status).toBe(200);
}

/** Counts the calls a reader makes, passing each one on to the real sandbox. */
function countingFetch(): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    fetch: (input, init) => {
      urls.push(new URL(input instanceof Request ? input.url : input).pathname);
      return fetch(input, init);
    },
  };
}

describe('EqsReader', () => {
  it("reads the checkout coverage and the Tag's event_id overlap with an ads:read app token", async () => {
    await sendCheckouts(['o-1', 'o-2']);
    await fetch(`${sandbox.url}/__sandbox/tag_events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event_name: 'checkout', event_id: 'o-1', tag_id: DEFAULT_TAG_ID }),
    });
    const reader = new EqsReader({
      apiBaseUrl: sandbox.apiBaseUrl,
      clientId: DEFAULT_CLIENT_ID,
      clientSecret: DEFAULT_CLIENT_SECRET,
    });

    const summary = await reader.read(DEFAULT_AD_ACCOUNT_ID);

    expect(summary).toMatchObject({
      lookbackPeriod: '1d',
      eventType: 'checkout',
      tagOverlap: 50,
      coverage: { hashed_email: 100, ip_address: 100, click_id_epik: 0, order_id: 100 },
    });
    expect(['GOOD', 'FAIR', 'NEEDS_IMPROVEMENT']).toContain(summary.overallStatus);
  });

  it('calls Pinterest once a minute at most for a page that refreshes every few seconds', async () => {
    await sendCheckouts(['o-1']);
    let now = 1_000_000;
    const counting = countingFetch();
    const reader = new EqsReader({
      apiBaseUrl: sandbox.apiBaseUrl,
      clientId: DEFAULT_CLIENT_ID,
      clientSecret: DEFAULT_CLIENT_SECRET,
      fetch: counting.fetch,
      now: () => now,
    });

    await reader.read(DEFAULT_AD_ACCOUNT_ID);
    now += 5000;
    await reader.read(DEFAULT_AD_ACCOUNT_ID);
    now += 60_000;
    await reader.read(DEFAULT_AD_ACCOUNT_ID);

    expect(counting.urls).toEqual([
      '/v5/oauth/token',
      `/v5/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/conversion_eqs`,
      `/v5/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/conversion_eqs`,
    ]);
  });

  it('names the step and the status when the app is refused, never the secret', async () => {
    const reader = new EqsReader({
      apiBaseUrl: sandbox.apiBaseUrl,
      clientId: DEFAULT_CLIENT_ID,
      clientSecret: 'wrong-secret-7f3a',
    });

    const failure = await reader.read(DEFAULT_AD_ACCOUNT_ID).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(EqsError);
    expect((failure as Error).message).toMatch(/^getting an ads:read token: HTTP 401/);
    expect((failure as Error).message).not.toContain('wrong-secret-7f3a');
  });
});
