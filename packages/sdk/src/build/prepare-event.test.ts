import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import { validateEvent } from '../validate/validate-event.js';
import { MAX_EVENT_DEPTH, prepareEvent } from './prepare-event.js';
import type { EventInput, PrepareOptions } from './prepare-event.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const NOW_SECONDS = NOW / 1000;
const EM_JOHN = '836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f';
const EM_TEST = '973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b';
const PH_US = '758fbf68945f21c416814c539ab578876c8d98fb69e6da692def92cd52417fe0';

function input(overrides: Partial<EventInput> = {}): EventInput {
  return {
    event_name: 'checkout',
    event_id: 'order-1001-checkout',
    event_time: NOW_SECONDS - 60,
    user_data: { em: '  John.Doe@Example.COM ' },
    ...overrides,
  };
}

function prepare(event: EventInput, options: PrepareOptions = {}) {
  return prepareEvent(event, { now: NOW, ...options });
}

function issuesOf(run: () => unknown): ValidationIssue[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).issues];
  }

  throw new Error('expected a ValidationError');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    for (const field of Object.values(value)) deepFreeze(field);
    Object.freeze(value);
  }

  return value;
}

describe('prepareEvent', () => {
  it('hashes raw user_data, formats money and defaults action_source to web', () => {
    const event = prepare(
      input({
        user_data: {
          em: ['  John.Doe@Example.COM ', 'test@example.com'],
          ph: '+1 (415) 555-2671',
          client_ip_address: '203.0.113.7',
          client_user_agent: 'Mozilla/5.0',
        },
        custom_data: {
          value: 0.1 + 0.2,
          currency: 'USD',
          contents: [{ id: 'sku-1', item_price: 19.99, quantity: 1 }],
        },
      }),
    );

    expect(event).toEqual({
      event_name: 'checkout',
      action_source: 'web',
      event_time: NOW_SECONDS - 60,
      event_id: 'order-1001-checkout',
      user_data: {
        em: [EM_JOHN, EM_TEST],
        ph: [PH_US],
        client_ip_address: '203.0.113.7',
        client_user_agent: 'Mozilla/5.0',
      },
      custom_data: {
        value: '0.3',
        currency: 'USD',
        contents: [{ id: 'sku-1', item_price: '19.99', quantity: 1 }],
      },
    });
  });

  it('returns an event that the validator accepts', () => {
    const event = prepare(input({ custom_data: { value: 19.999, predicted_ltv: '120' } }));

    expect(validateEvent(event, { now: NOW })).toEqual([]);
    expect(event.custom_data).toEqual({ value: '19.999', predicted_ltv: '120' });
  });

  it('keeps values that are already hashed', () => {
    const event = prepare(input({ user_data: { em: [EM_TEST] } }));

    expect(event.user_data.em).toEqual([EM_TEST]);
  });

  it('keeps an explicit action_source and a null value', () => {
    const event = prepare(input({ action_source: 'offline', custom_data: { value: null } }));

    expect(event.action_source).toBe('offline');
    expect(event.custom_data).toEqual({ value: null });
  });

  it('writes the fields in the order of the spec', () => {
    const event = prepare({
      user_data: { em: EM_TEST },
      event_id: 'e-1',
      event_name: 'lead',
      opt_out: false,
    });

    expect(Object.keys(event)).toEqual([
      'event_name',
      'action_source',
      'event_time',
      'event_id',
      'user_data',
      'opt_out',
    ]);
  });

  it('never modifies a deep-frozen input and shares no arrays with it', () => {
    const frozen = deepFreeze(
      input({
        event_time: new Date(NOW - 5000),
        user_data: { em: ['test@example.com'], ph: ['+1 (415) 555-2671'] },
        custom_data: {
          value: 10,
          content_ids: ['sku-1'],
          contents: [{ id: 'sku-1', item_price: 10, quantity: 1 }],
        },
        device_info: { languages: ['en'] },
      }),
    );
    const before = JSON.stringify(frozen);

    const event = prepare(frozen);

    expect(JSON.stringify(frozen)).toBe(before);
    expect(event.custom_data?.content_ids).not.toBe(frozen.custom_data?.content_ids);
    expect(event.device_info?.languages).not.toBe(frozen.device_info?.languages);
    expect(Object.isFrozen(event.custom_data?.content_ids)).toBe(false);
  });
});

describe('prepareEvent event_time', () => {
  it('defaults to the current time in seconds', () => {
    const event = prepare({ event_name: 'lead', event_id: 'lead-1', user_data: { em: EM_TEST } });

    expect(event.event_time).toBe(NOW_SECONDS);
  });

  it('turns a Date into whole seconds', () => {
    const event = prepare(input({ event_time: new Date(NOW - 1500) }));

    expect(event.event_time).toBe(NOW_SECONDS - 2);
  });

  it.each([
    ['2026-01-01T11:59:00Z', NOW_SECONDS - 60],
    ['2026-01-01T11:59:00.750Z', NOW_SECONDS - 60],
    ['2026-01-01T12:59:00+01:00', NOW_SECONDS - 60],
    ['2026-01-01 06:59:00-0500', NOW_SECONDS - 60],
    [String(NOW_SECONDS - 60), NOW_SECONDS - 60],
  ])('reads the string %s as %i seconds', (text, seconds) => {
    expect(prepare(input({ event_time: text })).event_time).toBe(seconds);
  });

  it('reports milliseconds instead of converting them', () => {
    const issues = issuesOf(() => prepare(input({ event_time: NOW })));

    expect(issues).toEqual([
      expect.objectContaining({ path: 'event.event_time', rule: 'event_time_milliseconds' }),
    ]);
  });

  it('reports milliseconds given as a digit string', () => {
    const issues = issuesOf(() => prepare(input({ event_time: String(NOW) })));

    expect(issues.map((found) => found.rule)).toEqual(['event_time_milliseconds']);
  });

  it.each(['2026-01-01T11:59:00', '2026-01-01', 'yesterday', '2026-13-01T00:00:00Z'])(
    'rejects the string %s with rule iso_8601',
    (text) => {
      const issues = issuesOf(() => prepare(input({ event_time: text })));

      expect(issues).toEqual([
        expect.objectContaining({ path: 'event.event_time', rule: 'iso_8601' }),
      ]);
    },
  );

  it('rejects an invalid Date', () => {
    const issues = issuesOf(() => prepare(input({ event_time: new Date(Number.NaN) })));

    expect(issues).toEqual([expect.objectContaining({ path: 'event.event_time', rule: 'date' })]);
  });

  it('rejects a Date older than the maximum age against the given clock', () => {
    const old = new Date(NOW - 8 * 86_400_000);

    const issues = issuesOf(() => prepare(input({ event_time: old })));

    expect(issues.map((found) => found.rule)).toEqual(['event_time_too_old']);
  });

  it('rejects an event_time of another type', () => {
    const event = input({ event_time: true as unknown as number });

    expect(issuesOf(() => prepare(event))).toEqual([
      expect.objectContaining({ path: 'event.event_time', rule: 'type' }),
    ]);
  });
});

describe('prepareEvent partner name', () => {
  it('fills partner_name from the option', () => {
    expect(prepare(input(), { partnerName: 'ss-acme' }).partner_name).toBe('ss-acme');
  });

  it('keeps the partner_name of the event over the option', () => {
    const event = prepare(input({ partner_name: 'ss-shopify' }), { partnerName: 'ss-acme' });

    expect(event.partner_name).toBe('ss-shopify');
  });

  it('rejects a partner name option that is not lowercase ss-…', () => {
    const issues = issuesOf(() => prepare(input(), { partnerName: 'Acme' }));

    expect(issues).toEqual([
      expect.objectContaining({ path: 'options.partnerName', rule: 'partner_name' }),
    ]);
  });
});

describe('prepareEvent issues', () => {
  it('rejects a value nested 50,000 levels deep as an issue instead of overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(50_000)}${']'.repeat(50_000)}`) as unknown;
    const event = { ...input(), custom_data: { contents: deep } } as unknown as EventInput;

    const issues = issuesOf(() => prepare(event));

    expect(issues).toHaveLength(1);
    expect(issues[0]?.rule).toBe('max_depth');
    expect(issues[0]?.path).toMatch(/^event\.custom_data\.contents(\[0\])+$/);
    expect(issues[0]?.message).toBe(`is nested more than ${String(MAX_EVENT_DEPTH)} levels deep`);
  });

  it('accepts an extra field nested as deep as the limit allows', () => {
    let nested: unknown = 'leaf';
    // The event is level 0 and custom_data level 1: 31 more levels reach the limit exactly.
    for (let level = 0; level < MAX_EVENT_DEPTH - 1; level++) nested = [nested];
    const event = { ...input(), custom_data: { contents: nested } } as unknown as EventInput;

    const issues = issuesOf(() => prepare(event));

    expect(issues.map((found) => found.rule)).not.toContain('max_depth');
  });

  it('reports unknown fields at every level instead of dropping them', () => {
    const event = {
      ...input(),
      dedup_key: 'x',
      user_data: { em: 'test@example.com', email: 'test@example.com' },
      custom_data: { order_quantity: 2, contents: [{ product_id: 'sku-1' }] },
    } as unknown as EventInput;

    const issues = issuesOf(() => prepare(event));

    expect(issues.map((found) => `${found.path} ${found.rule}`).sort()).toEqual([
      'event.custom_data.contents[0].product_id unknown_field',
      'event.custom_data.order_quantity unknown_field',
      'event.dedup_key unknown_field',
      'event.user_data.email unknown_field',
    ]);
  });

  it('collects every issue in one error', () => {
    const event = input({
      event_name: 'Purchase' as EventInput['event_name'],
      event_time: NOW,
      event_id: '',
      user_data: { em: 'not-an-email' },
      custom_data: { value: '1,000', currency: 'usd', contents: [{ item_price: -1 }] },
    });

    const issues = issuesOf(() => prepare(event));

    expect(issues.map((found) => `${found.path} ${found.rule}`).sort()).toEqual([
      'event.custom_data.contents[0].item_price decimal_negative',
      'event.custom_data.currency currency',
      'event.custom_data.value decimal_string',
      'event.event_id non_empty',
      'event.event_name event_name',
      'event.event_time event_time_milliseconds',
      'event.user_data.em email_format',
    ]);
  });

  it('roots user_data issues under the event and reports no identifier issue on top', () => {
    const event = input({ user_data: { em: ['test@example.com', 'nope'] } });

    const issues = issuesOf(() => prepare(event));

    expect(issues).toEqual([
      expect.objectContaining({ path: 'event.user_data.em[1]', rule: 'email_format' }),
    ]);
  });

  it('reports a bad value of one user_data key beside the issues of the other keys', () => {
    const event = input({
      user_data: { em: 'nope', client_ip_address: 'localhost', client_user_agent: 'Mozilla/5.0' },
    });

    const issues = issuesOf(() => prepare(event));

    expect(issues.map((found) => `${found.path} ${found.rule}`)).toEqual([
      'event.user_data.em email_format',
      'event.user_data.client_ip_address ip_address',
    ]);
  });

  it('reports a missing identifier', () => {
    const issues = issuesOf(() => prepare(input({ user_data: { ph: '+1 (415) 555-2671' } })));

    expect(issues).toEqual([
      expect.objectContaining({ path: 'event.user_data', rule: 'identifier' }),
    ]);
  });

  it('reports a missing user_data as required', () => {
    const event = { ...input(), user_data: undefined } as unknown as EventInput;

    expect(issuesOf(() => prepare(event))).toEqual([
      expect.objectContaining({ path: 'event.user_data', rule: 'required' }),
    ]);
  });

  it('reports custom_data that is not an object', () => {
    const event = { ...input(), custom_data: 'USD 10' } as unknown as EventInput;

    expect(issuesOf(() => prepare(event))).toEqual([
      expect.objectContaining({ path: 'event.custom_data', rule: 'type' }),
    ]);
  });

  it('reports an input that is not an object', () => {
    expect(issuesOf(() => prepareEvent(null as unknown as EventInput))).toEqual([
      expect.objectContaining({ path: 'event', rule: 'type' }),
    ]);
  });

  it('throws a ValidationError whose message names the first path', () => {
    expect(() => prepare(input({ custom_data: { value: '$5' } }))).toThrow(
      /^invalid event: event\.custom_data\.value: must not contain a currency symbol/,
    );
  });

  it('passes bad normalize options on as issues', () => {
    const issues = issuesOf(() => prepare(input(), { defaultCountry: 'Atlantis' }));

    expect(issues).toEqual([expect.objectContaining({ path: 'options.defaultCountry' })]);
  });
});
