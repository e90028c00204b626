/**
 * Contract tests: every body the SDK builds matches Pinterest's published schema (spec 5.23.0),
 * and whatever that schema rejects, the SDK's validator rejects too.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EVENT_NAMES,
  buildCheckoutEvent,
  prepareEvent,
  validateRequestBody,
} from '@pinterest-capi/sdk';
import type {
  CheckoutInput,
  EventInput,
  WireAppInfo,
  WireDeviceInfo,
  WireEvent,
} from '@pinterest-capi/sdk';
import { assertMatchesPinterestSchema, checkPinterestSchema } from './support/schema.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const NOW_SECONDS = NOW / 1000;
const OPTIONS = { now: NOW, partnerName: 'ss-acme' };

const RICH_USER_DATA: EventInput['user_data'] = {
  em: ['  John.Doe@Example.COM ', 'test@example.com'],
  ph: '+1 (415) 555-2671',
  fn: 'Élodie',
  ln: "O'Brien",
  ge: 'Female',
  db: '1990-01-31',
  ct: 'San Francisco',
  st: 'CA',
  zp: '94107-1234',
  country: 'US',
  external_id: 'cust-42',
  client_ip_address: '203.0.113.7',
  client_user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)',
  click_id: 'dj0yJnU9abc',
  partner_id: 'ramp-123',
};

const APP_INFO: WireAppInfo = {
  app_id: '429047995',
  app_name: 'Acme Shop',
  app_package_name: 'com.acme.shop',
  app_store: 'google_play',
  app_version: '4.2.0',
  install_time: NOW_SECONDS - 86_400,
  user_agent: 'AcmeShop/4.2.0 (Android 15)',
  window_height: 2400,
  window_width: 1080,
};

const DEVICE_INFO: WireDeviceInfo = {
  battery_level: 80,
  brand: 'Google',
  carrier: 'Carrier',
  cpu_cores: 8,
  external_storage_free_space: 1000,
  external_storage_size: 64000,
  form_factor: 'cellphone',
  kernel_version: '6.1',
  languages: ['en', 'de'],
  locale: 'en-US',
  model: 'Pixel 9',
  network_type: 'wifi',
  os_family: 'android',
  os_name: 'Android',
  os_release_name: 'Vanilla Ice Cream',
  os_version: '15',
  screen_density: 420,
  screen_height: 2400,
  screen_width: 1080,
  storage_free_space: 50000,
  storage_size: 128000,
  timezone: 'Europe/Berlin',
  timezone_abbr: 'CET',
  type: 'phone',
};

function richEvent(eventName: EventInput['event_name'], index: number): EventInput {
  return {
    event_name: eventName,
    event_id: `evt-${eventName}-${index}`,
    event_time: new Date(NOW - index * 1000),
    event_source_url: 'https://shop.example/p/mug',
    opt_out: false,
    language: 'en',
    wifi: true,
    user_data: RICH_USER_DATA,
    custom_data: {
      value: 0.1 + 0.2,
      currency: 'EUR',
      content_ids: ['sku-1'],
      contents: [
        { id: 'sku-1', item_price: 19.99, quantity: 1, item_name: 'Mug', item_category: 'Kitchen' },
      ],
      num_items: 1,
      order_id: `order-${index}`,
      content_name: 'Mug',
      content_category: 'Kitchen',
      content_brand: 'Acme',
      search_string: 'mug',
      opt_out_type: 'LDP',
      predicted_ltv: '250.00',
    },
  };
}

function body(events: readonly WireEvent[]): { data: WireEvent[] } {
  return { data: [...events] };
}

function expectAcceptedByBoth(request: unknown): void {
  expect(validateRequestBody(request, { now: NOW })).toEqual([]);
  assertMatchesPinterestSchema(request);
}

describe('bodies built by the SDK match the published schema', () => {
  it('holds for all 22 event names with every user_data and custom_data field', () => {
    const events = EVENT_NAMES.map((name, index) => prepareEvent(richEvent(name, index), OPTIONS));

    expect(events).toHaveLength(22);
    expectAcceptedByBoth(body(events));
  });

  it('holds for app events with app_info, device_info and hashed device ids', () => {
    const android = prepareEvent(
      {
        event_name: 'app_install',
        action_source: 'app_android',
        event_id: 'install-1',
        user_data: { hashed_maids: '38400000-8CF0-11BD-B23E-10B96E40000D' },
        app_info: APP_INFO,
        device_info: DEVICE_INFO,
      },
      OPTIONS,
    );
    const ios = prepareEvent(
      {
        event_name: 'app_open',
        action_source: 'app_ios',
        event_id: 'open-1',
        opt_out: true,
        user_data: { hashed_maids: ['6D92078A-8246-4BA4-AE5B-76104861E7DC'] },
        app_id: '429047995',
        app_name: 'Acme Shop',
        app_version: '4.2.0',
        device_brand: 'Apple',
        device_carrier: null,
        device_model: 'iPhone15,2',
        device_type: 'phone',
        os_version: '18.1',
      },
      OPTIONS,
    );

    expectAcceptedByBoth(body([android, ios]));
  });

  it('holds for offline events identified by email only', () => {
    const offline = prepareEvent(
      {
        event_name: 'checkout',
        action_source: 'offline',
        event_id: 'store-77-receipt-9',
        event_time: '2025-12-30T18:45:00+01:00',
        user_data: { em: 'test@example.com', ph: '0044 20 7946 0958' },
        custom_data: { value: '129.00', currency: 'GBP', order_id: 'r-9' },
      },
      { now: NOW },
    );

    expectAcceptedByBoth(body([offline]));
  });

  it('holds for messy checkouts', () => {
    const checkouts: CheckoutInput[] = [
      {
        order_id: 1001,
        value: 72.39,
        currency: 'usd',
        email: '  John.Doe@Example.COM ',
        phone: '+44 (0)20 7946 0958',
        city: 'San Francisco',
        state: 'CA',
        zip: '94107-1234',
        country: 'US',
        items: [
          {
            id: 'sku-1',
            price: 14.99,
            quantity: 2,
            name: 'Mug',
            category: 'Kitchen',
            brand: 'Acme',
          },
          { id: 'sku-2', price: '42.41', quantity: '1' },
        ],
        ip: '203.0.113.7',
        user_agent: 'Mozilla/5.0',
        click_id: 'dj0yJnU9abc',
        source_url: 'https://shop.example/thanks',
        language: 'en',
      },
      {
        order_id: ' A-2002 ',
        value: '10',
        dedup_key: 'tag-event-2002',
        order_quantity: '4',
        line_items: [
          { product_id: 501, product_price: 2.5, product_quantity: 4, product_name: 'Sock' },
        ],
        ip: '2001:db8::7',
        user_agent: 'Mozilla/5.0 (iPhone)',
        consent: 'denied',
        opt_out_type: 'LDP',
        state: 'California',
        country: 'United States',
        event_time: '2026-01-01T11:00:00Z',
      },
      {
        order_id: '3003',
        value: 19.999,
        email: ['TEST@example.com', null, '  '],
        phone: null,
        first_name: '',
        items: [],
        external_id: 42,
        zip: 94107,
        gender: 'non-binary',
        date_of_birth: new Date(Date.UTC(1990, 0, 31)),
        event_time: String(NOW_SECONDS - 3600),
        action_source: 'offline',
      },
    ];

    const events = checkouts.map((checkout) => buildCheckoutEvent(checkout, OPTIONS));

    expect(events.map((event) => event.event_id)).toEqual([
      'order-1001-checkout',
      'tag-event-2002',
      'order-3003-checkout',
    ]);
    expectAcceptedByBoth(body(events));
  });

  it('holds for a full batch of 1,000 events', () => {
    const names = Array.from({ length: 1000 }, (_, index) => EVENT_NAMES[index % 22] ?? 'lead');
    const events = names.map((name, index) => prepareEvent(richEvent(name, index), OPTIONS));

    expectAcceptedByBoth(body(events));
  });
});

type Mutation = (request: { data: Record<string, unknown>[] } & Record<string, unknown>) => void;

function first(request: { data: Record<string, unknown>[] }): Record<string, unknown> {
  return request.data[0]!;
}

function section(request: { data: Record<string, unknown>[] }, key: string) {
  return first(request)[key] as Record<string, unknown>;
}

function firstContent(request: { data: Record<string, unknown>[] }) {
  return (section(request, 'custom_data')['contents'] as Record<string, unknown>[])[0]!;
}

function validBody(): { data: Record<string, unknown>[] } & Record<string, unknown> {
  const event = prepareEvent(
    { ...richEvent('checkout', 0), app_info: APP_INFO, device_info: DEVICE_INFO },
    OPTIONS,
  );
  return JSON.parse(JSON.stringify(body([event]))) as ReturnType<typeof validBody>;
}

const REJECTED_BY_BOTH: readonly (readonly [string, Mutation])[] = [
  ['dedup_key on the event', (b) => (first(b)['dedup_key'] = 'order-1-checkout')],
  ['order_quantity in custom_data', (b) => (section(b, 'custom_data')['order_quantity'] = 2)],
  ['order_quantity on the event', (b) => (first(b)['order_quantity'] = 2)],
  ['tag_id in the body', (b) => (b['tag_id'] = '2612345678901')],
  ['events_created on the event', (b) => (first(b)['events_created'] = 1)],
  ['line_items in custom_data', (b) => (section(b, 'custom_data')['line_items'] = [])],
  ['product_id in contents', (b) => (firstContent(b)['product_id'] = 'sku-1')],
  ['an unknown app_info field', (b) => (section(b, 'app_info')['bundle_id'] = 'x')],
  ['an unknown device_info field', (b) => (section(b, 'device_info')['ram'] = 8)],
  ['a form_factor outside the enum', (b) => (section(b, 'device_info')['form_factor'] = 'phone')],
  ['battery_level above 100', (b) => (section(b, 'device_info')['battery_level'] = 101)],
  ['window_width above 30720', (b) => (section(b, 'app_info')['window_width'] = 40000)],
  ['a long timezone_abbr', (b) => (section(b, 'device_info')['timezone_abbr'] = 'ABCDEF')],
  ['a numeric value', (b) => (section(b, 'custom_data')['value'] = 19.99)],
  ['a numeric item_price', (b) => (firstContent(b)['item_price'] = 5)],
  ['a string quantity', (b) => (firstContent(b)['quantity'] = '2')],
  ['a fractional num_items', (b) => (section(b, 'custom_data')['num_items'] = 1.5)],
  ['content_ids as a string', (b) => (section(b, 'custom_data')['content_ids'] = 'sku-1')],
  ['event_time as a string', (b) => (first(b)['event_time'] = String(NOW_SECONDS))],
  ['a numeric event_name', (b) => (first(b)['event_name'] = 5)],
  ['opt_out as a string', (b) => (first(b)['opt_out'] = 'false')],
  ['a missing event_id', (b) => delete first(b)['event_id']],
  ['a missing user_data', (b) => delete first(b)['user_data']],
  ['user_data without an identifier', (b) => (first(b)['user_data'] = { ph: [] })],
  [
    'user_data with an IP address but no user agent',
    (b) => (first(b)['user_data'] = { client_ip_address: '203.0.113.7' }),
  ],
  ['em as a string', (b) => (section(b, 'user_data')['em'] = 'a'.repeat(64))],
  ['an empty batch', (b) => (b.data = [])],
  ['a batch of 1,001 events', (b) => (b.data = Array.from({ length: 1001 }, () => first(b)))],
  ['events under "events"', (b) => (b['events'] = b.data)],
];

describe('the validator rejects what the schema rejects', () => {
  it('starts from a body both accept', () => {
    expectAcceptedByBoth(validBody());
  });

  it.each(REJECTED_BY_BOTH)('rejects %s in both', (_name, mutate) => {
    const request = validBody();

    mutate(request);

    expect(checkPinterestSchema(request).valid).toBe(false);
    expect(validateRequestBody(request, { now: NOW })).not.toEqual([]);
  });

  it('names the field and the rule for dedup_key and order_quantity', () => {
    const request = validBody();
    first(request)['dedup_key'] = 'order-1-checkout';
    section(request, 'custom_data')['order_quantity'] = 2;

    const issues = validateRequestBody(request, { now: NOW });

    expect(issues.map((found) => `${found.path} ${found.rule}`)).toEqual([
      'data[0].dedup_key unknown_field',
      'data[0].custom_data.order_quantity unknown_field',
    ]);
  });

  it('rejects every random change that the schema rejects', () => {
    const targets = ['', 'custom_data', 'user_data', 'app_info', 'device_info', 'contents'];
    const keys = fc.oneof(
      fc.constantFrom(
        'event_name',
        'event_time',
        'event_id',
        'action_source',
        'user_data',
        'custom_data',
        'opt_out',
        'value',
        'currency',
        'contents',
        'num_items',
        'quantity',
        'item_price',
        'em',
        'client_ip_address',
        'battery_level',
        'form_factor',
        'languages',
        'install_time',
        'window_width',
      ),
      fc.string({ minLength: 1, maxLength: 8 }),
    );
    const change = fc.record({
      target: fc.constantFrom(...targets),
      key: keys,
      value: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
    });

    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 3 }), (changes) => {
        const request = validBody();
        for (const { target, key, value } of changes) applyChange(request, target, key, value);
        const schemaAccepts = checkPinterestSchema(request).valid;
        const issues = validateRequestBody(request, { now: NOW });
        return schemaAccepts || issues.length > 0;
      }),
      { numRuns: 500, seed: 20260101 },
    );
  });
});

function applyChange(
  request: { data: Record<string, unknown>[] },
  target: string,
  key: string,
  value: unknown,
): void {
  const container = findContainer(first(request), target);
  if (container === undefined) return;
  if (value === undefined) {
    Reflect.deleteProperty(container, key);
    return;
  }

  // defineProperty, so a generated "__proto__" key is an own field as it would be in JSON.
  Object.defineProperty(container, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** The object a change lands in, or undefined when an earlier change removed or replaced it. */
function findContainer(event: unknown, target: string): object | undefined {
  const path = target === 'contents' ? ['custom_data', 'contents', '0'] : [target];
  let node: unknown = event;
  for (const step of path.filter((key) => key !== '')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[step];
  }

  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  return node;
}
