import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_TAG_ID,
  startSandbox,
  type RunningSandbox,
  type SandboxAdAccount,
} from '@pinterest-capi/sandbox';
import {
  getWithToken,
  type JsonResponse,
  NOW_MS,
  NOW_SECONDS,
  postJson,
  request,
  validEvent,
} from './support/helpers.js';

const READER = 'pina_reader_all';
const NARROW_READER = 'pina_reader_default_only';
const EXTRA_ACCOUNTS: SandboxAdAccount[] = Array.from({ length: 5 }, (_, index) => ({
  id: `70000000000${index}`,
  name: `Shop ${index}`,
  currency: 'EUR',
  country: 'DE',
  owner_username: index === 0 ? 'sandbox_user' : 'agency_user',
}));

let sandbox: RunningSandbox;
let base: string;

beforeAll(async () => {
  const allIds = [DEFAULT_AD_ACCOUNT_ID, ...EXTRA_ACCOUNTS.map((account) => account.id)];
  sandbox = await startSandbox({
    port: 0,
    now: () => NOW_MS,
    config: {
      adAccounts: EXTRA_ACCOUNTS,
      tokens: [
        { token: READER, kind: 'oauth', adAccountIds: allIds, scopes: ['ads:read'] },
        {
          token: NARROW_READER,
          kind: 'oauth',
          adAccountIds: [DEFAULT_AD_ACCOUNT_ID],
          user: 'analyst_user',
        },
      ],
    },
  });
  base = sandbox.apiBaseUrl;
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(async () => {
  await request(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
});

describe('user account and ad accounts', () => {
  it('describes the token user', async () => {
    const response = await getWithToken(`${base}/user_account`, NARROW_READER);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ username: 'analyst_user', account_type: 'BUSINESS' });
    expect(response.body.id).toMatch(/^\d+$/);
  });

  it('pages through ad accounts with bookmarks', async () => {
    const seen: string[] = [];
    let bookmark: string | null = null;
    let pages = 0;

    do {
      const query: string = bookmark === null ? '' : `&bookmark=${bookmark}`;
      const response = await getWithToken(`${base}/ad_accounts?page_size=2${query}`, READER);
      expect(response.status).toBe(200);
      seen.push(...idsOf(response));
      bookmark = response.body.bookmark;
      pages += 1;
    } while (bookmark !== null);

    expect(pages).toBe(3);
    expect(seen).toEqual([DEFAULT_AD_ACCOUNT_ID, ...EXTRA_ACCOUNTS.map((account) => account.id)]);
  });

  it('defaults to pages of 25 and lists only accounts the token may use', async () => {
    const all = await getWithToken(`${base}/ad_accounts`, READER);
    const narrow = await getWithToken(`${base}/ad_accounts`, NARROW_READER);

    expect(all.body.items).toHaveLength(6);
    expect(all.body.bookmark).toBeNull();
    expect(idsOf(narrow)).toEqual([DEFAULT_AD_ACCOUNT_ID]);
  });

  it('leaves out shared accounts when include_shared_accounts is false', async () => {
    const response = await getWithToken(
      `${base}/ad_accounts?include_shared_accounts=false`,
      READER,
    );

    expect(idsOf(response)).toEqual([DEFAULT_AD_ACCOUNT_ID, EXTRA_ACCOUNTS[0]!.id]);
  });

  it('rejects page_size outside 1..250 and a bookmark it did not issue', async () => {
    const zero = await getWithToken(`${base}/ad_accounts?page_size=0`, READER);
    const tooMany = await getWithToken(`${base}/ad_accounts?page_size=251`, READER);
    const forged = await getWithToken(`${base}/ad_accounts?bookmark=bm90LW91cnM`, READER);

    expect([zero.status, tooMany.status, forged.status]).toEqual([400, 400, 400]);
    expect(zero.body.message).toContain('page_size');
  });

  it('answers one ad account with owner and permissions', async () => {
    const response = await getWithToken(`${base}/ad_accounts/${EXTRA_ACCOUNTS[1]!.id}`, READER);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: EXTRA_ACCOUNTS[1]!.id,
      name: 'Shop 1',
      currency: 'EUR',
      country: 'DE',
      owner: { username: 'agency_user' },
      permissions: ['ADMIN'],
    });
  });

  it('answers 403 code 29 for an ad account outside the token', async () => {
    const response = await getWithToken(
      `${base}/ad_accounts/${EXTRA_ACCOUNTS[1]!.id}`,
      NARROW_READER,
    );

    expect(response.status).toBe(403);
    expect(response.body.code).toBe(29);
  });
});

describe('conversion tags', () => {
  it('lists the seeded Tag of the default ad account', async () => {
    const response = await getWithToken(
      `${base}/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/conversion_tags`,
      READER,
    );

    expect(response.status).toBe(200);
    expect(response.body.items).toHaveLength(1);
    expect(response.body.items[0]).toMatchObject({
      id: DEFAULT_TAG_ID,
      ad_account_id: DEFAULT_AD_ACCOUNT_ID,
      status: 'ACTIVE',
      last_fired_time_ms: null,
    });
  });

  it('answers one Tag by id and 404 for a Tag of no such id', async () => {
    const tagsUrl = `${base}/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/conversion_tags`;

    const found = await getWithToken(`${tagsUrl}/${DEFAULT_TAG_ID}`, READER);
    const missing = await getWithToken(`${tagsUrl}/1111111111111`, READER);

    expect(found.body.id).toBe(DEFAULT_TAG_ID);
    expect(missing.status).toBe(404);
  });

  it('accepts Tag events from a page on another origin and reports when the Tag last fired', async () => {
    const tagEventsUrl = `${sandbox.url}/__sandbox/tag_events`;
    const preflight = await request(tagEventsUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://shop.localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

    const posted = await request(tagEventsUrl, {
      method: 'POST',
      headers: { origin: 'http://shop.localhost:3000', 'content-type': 'text/plain' },
      body: JSON.stringify({ event_name: 'Checkout', event_id: 'order-1' }),
    });
    const tags = await getWithToken(
      `${base}/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/conversion_tags`,
      READER,
    );
    const listed = await request(tagEventsUrl);

    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(posted.status).toBe(201);
    expect(posted.headers.get('access-control-allow-origin')).toBe('http://shop.localhost:3000');
    expect(posted.body).toMatchObject({
      ad_account_id: DEFAULT_AD_ACCOUNT_ID,
      tag_id: DEFAULT_TAG_ID,
    });
    expect(tags.body.items[0].last_fired_time_ms).toBe(NOW_MS);
    expect(listed.body.tag_events).toHaveLength(1);
    expect(listed.body.tag_events[0].event).toMatchObject({ event_id: 'order-1' });
  });

  it('rejects a Tag event without event_id or for an unknown Tag', async () => {
    const url = `${sandbox.url}/__sandbox/tag_events`;

    const noId = await postJson(url, { event_name: 'checkout' }, { token: null });
    const unknownTag = await postJson(
      url,
      { event_name: 'checkout', event_id: 'x', tag_id: '42' },
      { token: null },
    );

    expect(noId.status).toBe(400);
    expect(unknownTag.status).toBe(400);
  });
});

describe('event quality score', () => {
  const eventsUrl = () => `${base}/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/events`;
  const eqsUrl = (query: string) =>
    `${base}/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/conversion_eqs${query}`;

  async function reportTagEvent(eventId: string) {
    await postJson(
      `${sandbox.url}/__sandbox/tag_events`,
      { event_name: 'checkout', event_id: eventId },
      { token: null },
    );
  }

  it('requires lookback_period of 1d or 14d', async () => {
    const missing = await getWithToken(eqsUrl(''), READER);
    const wrong = await getWithToken(eqsUrl('?lookback_period=7d'), READER);

    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('lookback_period');
    expect(wrong.status).toBe(400);
  });

  it('answers an empty list when nothing was received', async () => {
    const response = await getWithToken(eqsUrl('?lookback_period=14d'), READER);

    expect(response.status).toBe(200);
    expect(response.body).toEqual([]);
  });

  it('computes coverage, overlap with the Tag and a status from the events received', async () => {
    const data = ['a', 'b', 'c', 'd'].map((id, index) =>
      validEvent({
        event_id: id,
        user_data: {
          em: [validEventEmail()],
          client_ip_address: '203.0.113.9',
          client_user_agent: 'UA',
          ...(index === 0 ? { click_id: 'dj0yJnU9epik' } : {}),
        },
      }),
    );
    await postJson(eventsUrl(), { data });
    await reportTagEvent('a');
    await reportTagEvent('b');
    await reportTagEvent('tag-only');

    const response = await getWithToken(eqsUrl('?lookback_period=1d'), READER);

    expect(response.status).toBe(200);
    const [capi, tag] = response.body;
    expect(capi).toMatchObject({
      ingestion_source: 'CONVERSIONS_API',
      source_platform: 'WEB',
      lookback_period: '1d',
      overall_status: 'FAIR',
    });
    const components = capi.quality_components;
    expect(components.hashed_email.checkout.coverage).toBe(100);
    expect(components.click_id_epik.checkout.coverage).toBe(25);
    expect(components.hashed_maid.checkout.coverage).toBe(0);
    expect(components.order_id.checkout.coverage).toBe(100);
    expect(components.external_event_id.checkout).toMatchObject({ coverage: 100, overlap: 50 });
    expect(tag).toMatchObject({ ingestion_source: 'TAG', overall_status: 'NEEDS_IMPROVEMENT' });
    expect(tag.quality_components.external_event_id.checkout.overlap).toBe(66.67);
  });

  it('rates complete events without Tag traffic GOOD', async () => {
    await postJson(eventsUrl(), { data: [validEvent(), validEvent()] });

    const response = await getWithToken(eqsUrl('?lookback_period=1d'), READER);

    expect(response.body).toHaveLength(1);
    expect(response.body[0].overall_status).toBe('GOOD');
    expect(response.body[0].quality_components.external_event_id.checkout.overlap).toBe(0);
  });

  it('counts only events inside the lookback period and never test-mode events', async () => {
    const old = validEvent({ event_time: NOW_SECONDS - 3 * 86_400, event_name: 'lead' });
    await postJson(eventsUrl(), { data: [old, validEvent()] });
    await postJson(`${eventsUrl()}?test=true`, { data: [validEvent({ event_name: 'signup' })] });

    const oneDay = await getWithToken(eqsUrl('?lookback_period=1d'), READER);
    const fortnight = await getWithToken(eqsUrl('?lookback_period=14d'), READER);

    const oneDayTypes: object = oneDay.body[0].quality_components.hashed_email;
    const fortnightTypes: object = fortnight.body[0].quality_components.hashed_email;
    expect(Object.keys(oneDayTypes)).toEqual(['checkout']);
    expect(Object.keys(fortnightTypes).sort()).toEqual(['checkout', 'lead']);
  });

  it('filters by ingestion_source and source_platform', async () => {
    await postJson(eventsUrl(), { data: [validEvent()] });
    await reportTagEvent('t-1');

    const tagOnly = await getWithToken(eqsUrl('?lookback_period=1d&ingestion_source=TAG'), READER);
    const mobile = await getWithToken(eqsUrl('?lookback_period=1d&source_platform=MOBILE'), READER);
    const invalid = await getWithToken(eqsUrl('?lookback_period=1d&source_platform=TV'), READER);

    const sources: { ingestion_source: string }[] = tagOnly.body;
    expect(sources.map((item) => item.ingestion_source)).toEqual(['TAG']);
    expect(mobile.body).toEqual([]);
    expect(invalid.status).toBe(400);
  });
});

function idsOf(response: JsonResponse): string[] {
  const items: { id: string }[] = response.body.items;
  return items.map((item) => item.id);
}

function validEventEmail(): string {
  const userData = validEvent()['user_data'] as { em: string[] };
  return userData.em[0]!;
}
