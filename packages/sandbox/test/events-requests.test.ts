import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { OTHER_ACCOUNT, SCOPED_TOKEN, useEventsSandbox } from './support/events-sandbox.js';
import { postJson, request, validEvent } from './support/helpers.js';

const ctx = useEventsSandbox();

describe('events endpoint: authentication', () => {
  it('answers 401 code 2 to an unknown token', async () => {
    const response = await postJson(
      ctx.eventsUrl,
      { data: [validEvent()] },
      { token: 'pina_nope' },
    );

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ code: 2, message: 'Authentication failed.' });
  });

  it('answers 401 code 2 when the Authorization header is missing', async () => {
    const response = await postJson(ctx.eventsUrl, { data: [validEvent()] }, { token: null });

    expect(response.status).toBe(401);
    expect(response.body.code).toBe(2);
  });

  it('answers 403 code 29 to a token without access to the ad account', async () => {
    const response = await postJson(
      ctx.eventsUrl,
      { data: [validEvent()] },
      { token: SCOPED_TOKEN },
    );

    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      code: 29,
      message: 'You are not permitted to access that resource.',
    });
  });

  it('accepts the configured token on its own ad account', async () => {
    const url = `${ctx.sandbox.apiBaseUrl}/ad_accounts/${OTHER_ACCOUNT}/events`;

    const response = await postJson(url, { data: [validEvent()] }, { token: SCOPED_TOKEN });

    expect(response.status).toBe(200);
  });

  it('answers 400 code 4196 to an ad account id that is not digits', async () => {
    const url = `${ctx.sandbox.apiBaseUrl}/ad_accounts/abc/events`;

    const response = await postJson(url, { data: [validEvent()] });

    expect(response.status).toBe(400);
    expect(response.body.code).toBe(4196);
  });

  it('sends a request id header on API answers', async () => {
    const response = await postJson(ctx.eventsUrl, { data: [validEvent()] });

    expect(response.headers.get('x-pinterest-rid')).toMatch(/^\d+$/);
  });
});

describe('events endpoint: request schema', () => {
  it('rejects a top-level dedup_key with 400 code 4196 naming it and its place', async () => {
    const response = await postJson(ctx.eventsUrl, { data: [validEvent({ dedup_key: 'k-1' })] });

    expect(response.status).toBe(400);
    expect(response.body.code).toBe(4196);
    expect(response.body.message).toContain(
      "Additional properties are not allowed ('dedup_key' was unexpected)",
    );
    expect(response.body.message).toContain('data[0]');
  });

  it('names an unknown property inside custom_data', async () => {
    const event = validEvent({ custom_data: { value: '1.00', order_quantity: 2 } });

    const response = await postJson(ctx.eventsUrl, { data: [validEvent(), event] });

    expect(response.status).toBe(400);
    expect(response.body.message).toContain("('order_quantity' was unexpected)");
    expect(response.body.message).toContain('data[1].custom_data');
  });

  it('names an unknown property inside contents[0]', async () => {
    const event = validEvent({
      custom_data: { contents: [{ id: 'sku-1', product_price: '9.99' }] },
    });

    const response = await postJson(ctx.eventsUrl, { data: [event] });

    expect(response.status).toBe(400);
    expect(response.body.message).toContain("('product_price' was unexpected)");
    expect(response.body.message).toContain('data[0].custom_data.contents[0]');
  });

  it('names a wrongly typed field', async () => {
    const event = validEvent({ custom_data: { value: 72.39 } });

    const response = await postJson(ctx.eventsUrl, { data: [event] });

    expect(response.status).toBe(400);
    expect(response.body.message).toContain('data[0].custom_data.value');
    expect(response.body.message).toContain("'string'");
  });

  it('names a missing required field', async () => {
    const event = validEvent();
    delete event['event_id'];

    const response = await postJson(ctx.eventsUrl, { data: [event] });

    expect(response.status).toBe(400);
    expect(response.body.message).toContain("'event_id' is a required property in data[0]");
  });

  it('rejects 1,001 events in one request', async () => {
    const data = Array.from({ length: 1001 }, () => validEvent());

    const response = await postJson(ctx.eventsUrl, { data });

    expect(response.status).toBe(400);
    expect(response.body.code).toBe(4196);
    expect(response.body.message).toContain('at most 1000');
    expect(await ctx.recordedEvents()).toHaveLength(0);
  });

  it('accepts exactly 1,000 events', async () => {
    const data = Array.from({ length: 1000 }, () => validEvent());

    const response = await postJson(ctx.eventsUrl, { data });

    expect(response.status).toBe(200);
    expect(response.body.num_events_processed).toBe(1000);
  });

  it('rejects an empty data array', async () => {
    const response = await postJson(ctx.eventsUrl, { data: [] });

    expect(response.status).toBe(400);
    expect(response.body.message).toContain('at least 1 item');
  });

  it('answers a body that is not JSON with 400 code 4196 without quoting it', async () => {
    const response = await request(ctx.eventsUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer pina_sandbox_conversion_token',
      },
      body: '{"data": [ {"em": "jane@example.com" ',
    });

    expect(response.status).toBe(400);
    expect(response.body.code).toBe(4196);
    expect(response.body.message).not.toContain('jane');
  });

  it('rejects what an independent compile of the vendored schema rejects, naming the same property', async () => {
    const validate = compileVendoredSchema();
    const bodies = [
      { data: [validEvent({ partner: 'ss-x' })] },
      { data: [validEvent({ custom_data: { category_name: 'Shoes' } })] },
      { data: [validEvent({ device_info: { form_factor: 'phone' } })] },
      { data: [validEvent({ app_info: { window_width: 99_999 } })] },
    ];

    for (const body of bodies) {
      expect(validate(body)).toBe(false);
      const error = validate.errors?.[0];
      const named = (error?.params as { additionalProperty?: string }).additionalProperty;
      const field = named ?? error?.instancePath.split('/').at(-1);

      const response = await postJson(ctx.eventsUrl, body);

      expect(response.status).toBe(400);
      expect(response.body.message).toContain(field);
    }
  });
});

/** The vendored schema compiled here, independently of the sandbox's own code. */
function compileVendoredSchema() {
  const path = new URL('../schema/pinterest-v5-conversions.schema.json', import.meta.url);
  const document = JSON.parse(readFileSync(path, 'utf8')) as { components: object };
  const ajv = new Ajv({ strict: false });
  (addFormatsModule as unknown as typeof addFormatsModule.default)(ajv);
  ajv.addSchema({ $id: 'vendored', components: document.components });
  return ajv.compile({ $ref: 'vendored#/components/schemas/ConversionEvents' });
}
