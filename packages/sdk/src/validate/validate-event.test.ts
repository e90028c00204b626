import { describe, expect, it } from 'vitest';
import { ACTION_SOURCES, EVENT_NAMES } from '../wire.js';
import { validateEvent, validateRequestBody } from './validate-event.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const NOW_SECONDS = NOW / 1000;
const EM = '836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f';

function validEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_name: 'checkout',
    action_source: 'web',
    event_time: NOW_SECONDS - 60,
    event_id: 'order-1001-checkout',
    user_data: { em: [EM] },
    ...overrides,
  };
}

function validate(event: unknown) {
  return validateEvent(event, { now: NOW });
}

function rulesAt(event: unknown, path: string): string[] {
  return validate(event)
    .filter((found) => found.path === path)
    .map((found) => found.rule);
}

describe('validateEvent', () => {
  it('accepts a minimal event', () => {
    expect(validate(validEvent())).toEqual([]);
  });

  it('accepts the full checkout example of the facts sheet', () => {
    const event = validEvent({
      event_source_url: 'https://shop.example/thanks',
      partner_name: 'ss-acme',
      language: 'en',
      opt_out: false,
      wifi: true,
      app_id: null,
      user_data: {
        em: [EM],
        ph: ['758fbf68945f21c416814c539ab578876c8d98fb69e6da692def92cd52417fe0'],
        client_ip_address: '203.0.113.7',
        client_user_agent: 'Mozilla/5.0',
        click_id: 'dj0yJnU9abc',
      },
      custom_data: {
        currency: 'USD',
        value: '72.39',
        order_id: '1001',
        num_items: 3,
        content_ids: ['sku-1', 'sku-2'],
        contents: [
          { id: 'sku-1', item_price: '14.99', quantity: 2 },
          { id: 'sku-2', item_price: '42.41', quantity: 1 },
        ],
      },
    });

    expect(validate(event)).toEqual([]);
  });

  it('uses "event" as the default path prefix', () => {
    const issues = validateEvent(validEvent({ event_id: '' }), { now: NOW });

    expect(issues).toEqual([expect.objectContaining({ path: 'event.event_id' })]);
  });

  it('reports an event that is not an object', () => {
    expect(validate([validEvent()])).toEqual([
      { path: 'event', rule: 'type', message: 'must be an object' },
    ]);
  });

  it.each(['event_name', 'action_source', 'event_time', 'event_id', 'user_data'])(
    'reports a missing %s as required',
    (key) => {
      const event = validEvent({ [key]: undefined });

      expect(rulesAt(event, `event.${key}`)).toEqual(['required']);
    },
  );

  it('accepts all 22 event names', () => {
    const issues = EVENT_NAMES.flatMap((name) => validate(validEvent({ event_name: name })));

    expect(EVENT_NAMES).toHaveLength(22);
    expect(issues).toEqual([]);
  });

  it('rejects an unknown event name with rule event_name', () => {
    const [found] = validate(validEvent({ event_name: 'conversion' }));

    expect(found).toMatchObject({ path: 'event.event_name', rule: 'event_name' });
  });

  it("points a Tag CamelCase name to the API's snake_case name", () => {
    const [found] = validate(validEvent({ event_name: 'AddToCart' }));

    expect(found?.rule).toBe('event_name');
    expect(found?.message).toMatch(/"add_to_cart"/);
  });

  it('points "purchase" to "checkout"', () => {
    const [found] = validate(validEvent({ event_name: 'purchase' }));

    expect(found?.message).toMatch(/"checkout"/);
  });

  it('reports an event name that is not a string as a type issue', () => {
    expect(rulesAt(validEvent({ event_name: 7 }), 'event.event_name')).toEqual(['type']);
  });

  it('accepts the four action sources', () => {
    const issues = ACTION_SOURCES.flatMap((source) =>
      validate(validEvent({ action_source: source })),
    );

    expect(issues).toEqual([]);
  });

  it.each(['website', 'app', 'WEB', 3])('rejects the action source %s', (source) => {
    expect(rulesAt(validEvent({ action_source: source }), 'event.action_source')).toEqual([
      'action_source',
    ]);
  });

  it.each([
    ['an empty', 'non_empty', ''],
    ['a blank', 'non_empty', '   '],
    ['a 257-character', 'max_length', 'x'.repeat(257)],
    ['a numeric', 'type', 1001],
  ])('rejects %s event_id with rule %s', (_what, rule, eventId) => {
    expect(rulesAt(validEvent({ event_id: eventId }), 'event.event_id')).toEqual([rule]);
  });

  it('accepts an event_id of exactly 256 characters', () => {
    expect(validate(validEvent({ event_id: 'e'.repeat(256) }))).toEqual([]);
  });

  it.each(['ss-shopify', 'ss-woocommerce', 'ss-my-shop', null])(
    'accepts the partner name %s',
    (name) => {
      expect(validate(validEvent({ partner_name: name }))).toEqual([]);
    },
  );

  it.each(['SS-Shopify', 'shopify', 'ss-', 'ss shop'])('rejects the partner name %s', (name) => {
    expect(rulesAt(validEvent({ partner_name: name }), 'event.partner_name')).toEqual([
      'partner_name',
    ]);
  });

  it.each(['EN', 'en-US', 'eng'])('rejects the language %s with rule language', (language) => {
    expect(rulesAt(validEvent({ language }), 'event.language')).toEqual(['language']);
  });

  it('accepts a null language and a lowercase two-letter one', () => {
    expect([
      ...validate(validEvent({ language: null })),
      ...validate(validEvent({ language: 'de' })),
    ]).toEqual([]);
  });

  it.each([
    ['opt_out', 'yes'],
    ['wifi', 1],
    ['event_source_url', 42],
    ['device_model', false],
  ])('rejects %s of the wrong type', (key, value) => {
    expect(rulesAt(validEvent({ [key]: value }), `event.${key}`)).toEqual(['type']);
  });

  it('treats an undefined optional field as absent', () => {
    expect(validate(validEvent({ event_source_url: undefined, opt_out: undefined }))).toEqual([]);
  });
});

describe('validateEvent event_time', () => {
  it('flags milliseconds with their own rule and says so', () => {
    const [found] = validate(validEvent({ event_time: NOW }));

    expect(found).toMatchObject({ path: 'event.event_time', rule: 'event_time_milliseconds' });
    expect(found?.message).toMatch(/milliseconds/);
    expect(found?.message).toMatch(/seconds/);
  });

  it('accepts an event inside the future skew', () => {
    expect(validate(validEvent({ event_time: NOW_SECONDS + 60 }))).toEqual([]);
  });

  it('rejects an event beyond the future skew', () => {
    const event = validEvent({ event_time: NOW_SECONDS + 61 });

    expect(rulesAt(event, 'event.event_time')).toEqual(['event_time_future']);
  });

  it('honours a custom future skew', () => {
    const issues = validateEvent(validEvent({ event_time: NOW_SECONDS + 30 }), {
      now: NOW,
      futureSkewSeconds: 10,
    });

    expect(issues.map((found) => found.rule)).toEqual(['event_time_future']);
  });

  it('accepts an event exactly seven days old by default', () => {
    expect(validate(validEvent({ event_time: NOW_SECONDS - 7 * 86_400 }))).toEqual([]);
  });

  it('rejects an event older than seven days by default', () => {
    const event = validEvent({ event_time: NOW_SECONDS - 7 * 86_400 - 1 });

    expect(rulesAt(event, 'event.event_time')).toEqual(['event_time_too_old']);
  });

  it('honours a custom maximum age', () => {
    const issues = validateEvent(validEvent({ event_time: NOW_SECONDS - 7200 }), {
      now: NOW,
      maxEventAgeSeconds: 3600,
    });

    expect(issues.map((found) => found.rule)).toEqual(['event_time_too_old']);
  });

  it('rejects fractional seconds with rule integer', () => {
    expect(rulesAt(validEvent({ event_time: NOW_SECONDS - 0.5 }), 'event.event_time')).toEqual([
      'integer',
    ]);
  });

  it('rejects a string event_time as a type issue', () => {
    expect(rulesAt(validEvent({ event_time: String(NOW_SECONDS) }), 'event.event_time')).toEqual([
      'type',
    ]);
  });

  it('defaults the clock to the current time', () => {
    const event = validEvent({ event_time: Math.floor(Date.now() / 1000) });

    expect(validateEvent(event)).toEqual([]);
  });
});

describe('validateEvent unknown fields', () => {
  it.each([
    ['dedup_key', /event_id/],
    ['order_quantity', /custom_data\.num_items/],
    ['tag_id', /browser only/],
    ['events_created', /response field/],
    ['line_items', /custom_data\.contents/],
  ])('rejects %s on the event with a hint', (key, hint) => {
    const [found] = validate(validEvent({ [key]: 'x' }));

    expect(found).toMatchObject({ path: `event.${key}`, rule: 'unknown_field' });
    expect(found?.message).toMatch(hint);
  });

  it('says where a custom_data field placed on the event belongs', () => {
    const [found] = validate(validEvent({ value: '10' }));

    expect(found?.message).toMatch(/belongs in custom_data/);
  });

  it('says where a user_data field placed on the event belongs', () => {
    const [found] = validate(validEvent({ client_ip_address: '203.0.113.7' }));

    expect(found?.message).toMatch(/belongs in user_data/);
  });

  it('names any other unknown field and the HTTP 400 it would cause', () => {
    const [found] = validate(validEvent({ category_name: 'x' }));

    expect(found).toMatchObject({ path: 'event.category_name', rule: 'unknown_field' });
    expect(found?.message).toMatch(/"category_name".*400/);
  });
});

describe('validateRequestBody', () => {
  it('accepts a body of valid events', () => {
    expect(validateRequestBody({ data: [validEvent(), validEvent()] }, { now: NOW })).toEqual([]);
  });

  it('roots event paths at data[i]', () => {
    const body = {
      data: [validEvent(), validEvent(), validEvent(), validEvent({ custom_data: { value: 5 } })],
    };

    const issues = validateRequestBody(body, { now: NOW });

    expect(issues).toEqual([
      expect.objectContaining({ path: 'data[3].custom_data.value', rule: 'decimal_string' }),
    ]);
  });

  it('reports a body that is not an object', () => {
    expect(validateRequestBody([validEvent()])).toEqual([
      expect.objectContaining({ path: 'body', rule: 'type' }),
    ]);
  });

  it('reports a missing data array', () => {
    expect(validateRequestBody({})).toEqual([
      { path: 'data', rule: 'required', message: 'is required' },
    ]);
  });

  it('reports data that is not an array', () => {
    expect(validateRequestBody({ data: validEvent() })).toEqual([
      expect.objectContaining({ path: 'data', rule: 'type' }),
    ]);
  });

  it('rejects an empty batch', () => {
    expect(validateRequestBody({ data: [] })).toEqual([
      expect.objectContaining({ path: 'data', rule: 'batch_size' }),
    ]);
  });

  it('rejects a batch of 1,001 events and accepts one of 1,000', () => {
    const events = Array.from({ length: 1001 }, () => validEvent());

    const tooMany = validateRequestBody({ data: events }, { now: NOW });
    const enough = validateRequestBody({ data: events.slice(1) }, { now: NOW });

    expect(tooMany).toEqual([expect.objectContaining({ path: 'data', rule: 'batch_size' })]);
    expect(enough).toEqual([]);
  });

  it('rejects unknown body fields with hints', () => {
    const body = { data: [validEvent()], tag_id: '2612345678901' };

    const issues = validateRequestBody(body, { now: NOW });

    expect(issues).toEqual([
      expect.objectContaining({
        path: 'tag_id',
        rule: 'unknown_field',
        message: expect.stringMatching(/browser only/) as string,
      }),
    ]);
  });

  it('never repeats user_data values in its messages', () => {
    const secrets = ['john.doe@example.com', '+14155552671', 'John', '198.51.100.9, 10.0.0.1'];
    const event = validEvent({
      user_data: {
        em: [secrets[0]],
        ph: secrets[1],
        fn: [secrets[2]],
        client_ip_address: secrets[3],
        client_user_agent: 'Mozilla/5.0',
      },
    });

    const issues = validateRequestBody({ data: [event] }, { now: NOW });

    expect(issues.length).toBeGreaterThanOrEqual(4);
    for (const found of issues) {
      for (const secret of secrets) expect(found.message).not.toContain(secret);
    }
  });
});
