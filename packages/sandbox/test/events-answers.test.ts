import { describe, expect, it } from 'vitest';
import { DEFAULT_AD_ACCOUNT_ID } from '@pinterest-capi/sandbox';
import { OTHER_ACCOUNT, SCOPED_TOKEN, useEventsSandbox } from './support/events-sandbox.js';
import {
  NOW_MS,
  NOW_SECONDS,
  postJson,
  request,
  sha256,
  validEvent,
  type JsonResponse,
} from './support/helpers.js';

const ctx = useEventsSandbox();

function statusesOf(response: JsonResponse): string[] {
  const results: { status: string }[] = response.body.details.events;
  return results.map((result) => result.status);
}

describe('events endpoint: per-event answers', () => {
  it('answers 200 with one processed entry per event and an empty warning', async () => {
    const response = await postJson(ctx.eventsUrl, { data: [validEvent(), validEvent()] });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      num_events_received: 2,
      num_events_processed: 2,
      events: [
        { status: 'processed', error_message: null, warning_message: '' },
        { status: 'processed', error_message: null, warning_message: '' },
      ],
    });
  });

  it('answers 422 code 953 with failures at the right indexes and records only the rest', async () => {
    const unhashed = validEvent({ user_data: { em: ['jane@example.com'] } });
    const noIdentifier = validEvent({ user_data: { ph: [sha256('14155552671')] } });
    const data = [validEvent({ event_id: 'keep-0' }), unhashed, validEvent(), noIdentifier];

    const response = await postJson(ctx.eventsUrl, { data });

    expect(response.status).toBe(422);
    expect(response.body.code).toBe(953);
    expect(response.body.details.num_events_received).toBe(4);
    expect(response.body.details.num_events_processed).toBe(2);
    expect(statusesOf(response)).toEqual(['processed', 'failed', 'processed', 'failed']);
    expect(response.body.details.events[1].error_message).toContain('user_data.em[0]');
    expect(response.body.details.events[1].error_message).not.toContain('jane');
    expect(response.body.details.events[3].error_message).toContain('hashed_maids');
    expect(await ctx.recordedEvents()).toHaveLength(2);
  });

  it('fails uppercase hex hashes', async () => {
    const event = validEvent({ user_data: { em: [sha256('a@b.co').toUpperCase()] } });

    const response = await postJson(ctx.eventsUrl, { data: [event] });

    expect(response.status).toBe(422);
    expect(response.body.details.events[0].error_message).toContain('lowercase');
  });

  it('accepts an IP address with a user agent as the only identifier', async () => {
    const event = validEvent({
      user_data: { client_ip_address: '198.51.100.1', client_user_agent: 'UA' },
    });

    const response = await postJson(ctx.eventsUrl, { data: [event] });

    expect(response.status).toBe(200);
  });

  it('fails an event_time in milliseconds', async () => {
    const response = await postJson(ctx.eventsUrl, {
      data: [validEvent({ event_time: NOW_MS - 60_000 })],
    });

    expect(response.status).toBe(422);
    expect(response.body.details.events[0].error_message).toContain('milliseconds');
  });

  it('fails an event_time in the future beyond a minute of skew', async () => {
    const data = [
      validEvent({ event_time: NOW_SECONDS + 30 }),
      validEvent({ event_time: NOW_SECONDS + 600 }),
    ];

    const response = await postJson(ctx.eventsUrl, { data });

    expect(response.status).toBe(422);
    expect(response.body.details.events[0].status).toBe('processed');
    expect(response.body.details.events[1].error_message).toContain('future');
  });

  it('fails an event older than seven days', async () => {
    const data = [
      validEvent({ event_time: NOW_SECONDS - 6 * 86_400 }),
      validEvent({ event_time: NOW_SECONDS - 8 * 86_400 }),
    ];

    const response = await postJson(ctx.eventsUrl, { data });

    expect(response.status).toBe(422);
    expect(response.body.details.events[0].status).toBe('processed');
    expect(response.body.details.events[1].error_message).toContain('7 days');
  });

  it('warns about non-standard values without failing the event', async () => {
    const event = validEvent({
      event_name: 'purchase',
      action_source: 'email',
      custom_data: { currency: 'XYZ', value: '$12' },
    });

    const response = await postJson(ctx.eventsUrl, { data: [event] });

    expect(response.status).toBe(200);
    const warning: string = response.body.events[0].warning_message;
    expect(warning).toContain("event_name 'purchase'");
    expect(warning).toContain("action_source 'email'");
    expect(warning).toContain("currency 'XYZ'");
    expect(warning).toContain('custom_data.value');
  });

  it('accepts the seven event names newer than spec 5.23 without a warning', async () => {
    const names = ['app_open', 'contact', 'customize_product', 'find_location', 'schedule'];
    const data = [...names, 'start_trial', 'submit_application'].map((name) =>
      validEvent({ event_name: name }),
    );

    const response = await postJson(ctx.eventsUrl, { data });

    expect(response.status).toBe(200);
    const results: { warning_message: string }[] = response.body.events;
    expect(results.every((result) => result.warning_message === '')).toBe(true);
  });

  it('accepts an undocumented opt_out_type flag with a warning naming the assumption', async () => {
    const event = validEvent({ custom_data: { opt_out_type: 'CCPA' } });

    const response = await postJson(ctx.eventsUrl, { data: [event] });

    expect(response.status).toBe(200);
    expect(response.body.events[0].warning_message).toContain("only 'LDP' is processed");
  });
});

describe('events endpoint: test mode and recording', () => {
  it('answers test mode the same way and records no events', async () => {
    const data = [validEvent(), validEvent({ user_data: { em: ['not-a-hash'] } })];

    const live = await postJson(ctx.eventsUrl, { data });
    await request(`${ctx.sandbox.url}/__sandbox/reset`, { method: 'POST' });
    const test = await postJson(`${ctx.eventsUrl}?test=true`, { data });

    expect(test.status).toBe(live.status);
    expect(test.body).toEqual(live.body);
    expect(await ctx.recordedEvents()).toHaveLength(0);
    const withTest = await ctx.recordedEvents('?include_test=true');
    expect(withTest).toHaveLength(1);
    expect(withTest[0]!.test).toBe(true);
  });

  it('records events as sent with their ad account and arrival time', async () => {
    const event = validEvent({ event_id: 'as-sent-1' });

    await postJson(ctx.eventsUrl, { data: [event] });

    expect(await ctx.recordedEvents()).toEqual([
      {
        ad_account_id: DEFAULT_AD_ACCOUNT_ID,
        received_at: new Date(NOW_MS).toISOString(),
        test: false,
        event,
      },
    ]);
  });

  it('records every call with its status and event count', async () => {
    await postJson(ctx.eventsUrl, { data: [validEvent(), validEvent()] });
    await postJson(ctx.eventsUrl, { data: [validEvent()] }, { token: 'pina_unknown' });
    await postJson(ctx.eventsUrl, { data: [validEvent({ dedup_key: 'x' })] });

    const response = await request(`${ctx.sandbox.url}/__sandbox/calls`);

    const calls: { status: number; num_events: number }[] = response.body.calls;
    expect(calls.map((call) => [call.status, call.num_events])).toEqual([
      [200, 2],
      [401, 1],
      [400, 1],
    ]);
    expect(response.body.calls[0].ad_account_id).toBe(DEFAULT_AD_ACCOUNT_ID);
  });

  it('filters recorded events by ad account and event id', async () => {
    const otherUrl = `${ctx.sandbox.apiBaseUrl}/ad_accounts/${OTHER_ACCOUNT}/events`;
    await postJson(ctx.eventsUrl, { data: [validEvent({ event_id: 'mine' })] });
    await postJson(otherUrl, { data: [validEvent()] }, { token: SCOPED_TOKEN });

    const byAccount = await ctx.recordedEvents(`?ad_account_id=${OTHER_ACCOUNT}`);
    const byId = await ctx.recordedEvents('?event_id=mine');

    expect(byAccount).toHaveLength(1);
    expect(byAccount[0]!.ad_account_id).toBe(OTHER_ACCOUNT);
    expect(byId).toHaveLength(1);
    expect(byId[0]!.ad_account_id).toBe(DEFAULT_AD_ACCOUNT_ID);
  });

  it('forgets events and calls on reset', async () => {
    await postJson(ctx.eventsUrl, { data: [validEvent()] });

    await request(`${ctx.sandbox.url}/__sandbox/reset`, { method: 'POST' });

    expect(await ctx.recordedEvents()).toEqual([]);
    const calls = await request(`${ctx.sandbox.url}/__sandbox/calls`);
    expect(calls.body).toEqual({ calls: [] });
  });

  it('keeps the inspection API out of /v5', async () => {
    const response = await request(`${ctx.sandbox.apiBaseUrl}/__sandbox/events`);

    expect(response.status).toBe(404);
  });
});
