import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import { buildCheckoutEvent, deriveEventId } from './checkout.js';
import type { CheckoutInput } from './checkout.js';
import type { PrepareOptions } from './prepare-event.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const NOW_SECONDS = NOW / 1000;

/** facts §3.2 */
const HASHES = {
  em: '836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f',
  emTest: '973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b',
  phUk: '35e206e5dec4c89b9e8b71b8c32724a5bb518483ac5a20c6617d738375b3b823',
  phUkNaive: '40f19965b0d0ebba641dbd9309c3ac18542d9ad976c47f8d35347daea67ee2c2',
  phUs: '758fbf68945f21c416814c539ab578876c8d98fb69e6da692def92cd52417fe0',
  ct: '1a6bd4d9d79dc0a79b53795c70d3349fa9e38968a3fbefbfe8783efb1d2b6aac',
  st: '6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126',
  zp: 'c884a209ebe08750a7d13db63bd02233b375bd79786cbe329ab11586cc35dead',
  country: '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621',
  ge: '252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111',
  db: '267b39628557f31a6766b3d7f8823978c276759be4a5c9c52bf868d802ba5a0d',
};

function checkout(overrides: Record<string, unknown> = {}): CheckoutInput {
  return {
    order_id: '1001',
    value: '72.39',
    email: 'test@example.com',
    event_time: NOW_SECONDS - 60,
    ...overrides,
  };
}

function build(input: CheckoutInput, options: PrepareOptions = {}) {
  return buildCheckoutEvent(input, { now: NOW, ...options });
}

function issuesOf(input: unknown, options: PrepareOptions = {}): ValidationIssue[] {
  try {
    build(input as CheckoutInput, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).issues];
  }

  throw new Error('expected a ValidationError');
}

function pathsAndRules(input: unknown, options: PrepareOptions = {}): string[] {
  return issuesOf(input, options).map((found) => `${found.path} ${found.rule}`);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const field of Object.values(value)) deepFreeze(field);
    Object.freeze(value);
  }

  return value;
}

describe('deriveEventId', () => {
  it('derives order-<order_id>-checkout', () => {
    expect(deriveEventId('1001')).toBe('order-1001-checkout');
  });

  it('gives the same id for the same order every time', () => {
    expect(deriveEventId('#A-77')).toBe(deriveEventId('#A-77'));
  });
});

describe('buildCheckoutEvent', () => {
  it('hashes messy identifiers to the exact vectors of the facts sheet', () => {
    const event = build(
      checkout({
        email: '  John.Doe@Example.COM ',
        phone: '+44 (0)20 7946 0958',
        city: 'San Francisco',
        state: 'CA',
        zip: '94107-1234',
        country: 'US',
        gender: 'Female',
        date_of_birth: '1990-01-31',
      }),
    );

    expect(event.user_data).toEqual({
      em: [HASHES.em],
      ph: [HASHES.phUk],
      ct: [HASHES.ct],
      st: [HASHES.st],
      zp: [HASHES.zp],
      country: [HASHES.country],
      ge: [HASHES.ge],
      db: [HASHES.db],
    });
    expect(event.user_data.ph).not.toContain(HASHES.phUkNaive);
  });

  it('maps a complete checkout to a checkout event', () => {
    const event = build(
      checkout({
        order_id: 1001,
        value: 72.39,
        currency: 'usd',
        items: [
          {
            id: 'sku-1',
            price: 14.99,
            quantity: 2,
            name: 'Mug',
            category: 'Kitchen',
            brand: 'Acme',
          },
          { id: 'sku-2', price: '42.41', quantity: 1 },
        ],
        ip: '203.0.113.7',
        user_agent: 'Mozilla/5.0',
        click_id: 'dj0yJnU9abc',
        external_id: 'cust-42',
        event_time: '2026-01-01T11:59:00Z',
        source_url: 'https://shop.example/thanks',
        action_source: 'web',
        opt_out: false,
        opt_out_type: 'LDP',
        language: 'en',
      }),
      { partnerName: 'ss-acme' },
    );

    expect(event).toEqual({
      event_name: 'checkout',
      action_source: 'web',
      event_time: NOW_SECONDS - 60,
      event_id: 'order-1001-checkout',
      user_data: {
        em: [HASHES.emTest],
        external_id: [expect.stringMatching(/^[0-9a-f]{64}$/) as string],
        client_ip_address: '203.0.113.7',
        client_user_agent: 'Mozilla/5.0',
        click_id: 'dj0yJnU9abc',
      },
      custom_data: {
        value: '72.39',
        currency: 'USD',
        order_id: '1001',
        num_items: 3,
        content_ids: ['sku-1', 'sku-2'],
        contents: [
          {
            id: 'sku-1',
            item_price: '14.99',
            quantity: 2,
            item_name: 'Mug',
            item_category: 'Kitchen',
            item_brand: 'Acme',
          },
          { id: 'sku-2', item_price: '42.41', quantity: 1 },
        ],
        opt_out_type: 'LDP',
      },
      event_source_url: 'https://shop.example/thanks',
      opt_out: false,
      partner_name: 'ss-acme',
      language: 'en',
    });
  });

  it("maps the Tag's order_quantity and line_items", () => {
    const event = build(
      checkout({
        order_quantity: 5,
        line_items: [
          {
            product_id: 501,
            product_price: 9.5,
            product_quantity: 2,
            product_name: 'Sock',
            product_category: 'Apparel',
            product_brand: 'Acme',
          },
          { product_id: 'sku-9', product_price: '3.00', product_quantity: '3' },
        ],
      }),
    );

    expect(event.custom_data).toMatchObject({
      num_items: 5,
      content_ids: ['501', 'sku-9'],
      contents: [
        {
          id: '501',
          item_price: '9.5',
          quantity: 2,
          item_name: 'Sock',
          item_category: 'Apparel',
          item_brand: 'Acme',
        },
        { id: 'sku-9', item_price: '3.00', quantity: 3 },
      ],
    });
  });

  it('sums item quantities into num_items, counting a line without quantity as one unit', () => {
    const event = build(checkout({ items: [{ id: 'a', quantity: 4 }, { id: 'b' }] }));

    expect(event.custom_data?.num_items).toBe(5);
    expect(event.custom_data?.contents).toEqual([{ id: 'a', quantity: 4 }, { id: 'b' }]);
  });

  it('leaves out num_items, content_ids and contents without items', () => {
    const event = build(checkout());

    expect(event.custom_data).toEqual({ value: '72.39', order_id: '1001' });
  });

  it('omits content_ids when no item has an id', () => {
    const event = build(checkout({ items: [{ price: 5 }] }));

    expect(event.custom_data?.content_ids).toBeUndefined();
    expect(event.custom_data?.contents).toEqual([{ item_price: '5' }]);
  });

  it.each([
    [19.999, '19.999'],
    [0.1 + 0.2, '0.3'],
    [100, '100'],
    ['72.39', '72.39'],
  ])('formats the value %s as "%s"', (value, expected) => {
    expect(build(checkout({ value })).custom_data?.value).toBe(expected);
  });

  it('uses the given event_id', () => {
    expect(build(checkout({ event_id: 'evt-abc' })).event_id).toBe('evt-abc');
  });

  it('accepts dedup_key as another name for event_id', () => {
    expect(build(checkout({ dedup_key: 'evt-abc' })).event_id).toBe('evt-abc');
  });

  it('accepts event_id and dedup_key when they agree', () => {
    expect(build(checkout({ event_id: 'e-1', dedup_key: 'e-1' })).event_id).toBe('e-1');
  });

  it('derives the event id from a numeric or padded order id', () => {
    expect(build(checkout({ order_id: 1001 })).event_id).toBe('order-1001-checkout');
    expect(build(checkout({ order_id: ' 1001 ' })).event_id).toBe('order-1001-checkout');
  });

  it('sends opt_out true when consent is denied', () => {
    const event = build(checkout({ consent: 'denied', opt_out: false }));

    expect(event.opt_out).toBe(true);
  });

  it('leaves opt_out alone when consent is granted or unknown', () => {
    expect(build(checkout({ consent: 'granted' })).opt_out).toBeUndefined();
    expect(build(checkout({ consent: 'unknown' })).opt_out).toBeUndefined();
    expect(build(checkout({ consent: 'unknown', opt_out: true })).opt_out).toBe(true);
    expect(build(checkout({ opt_out: true })).opt_out).toBe(true);
  });

  it('treats null and blank strings as absent', () => {
    const event = build(
      checkout({ phone: null, city: '  ', currency: '', items: null, click_id: null }),
    );

    expect(event.user_data).toEqual({ em: [HASHES.emTest] });
    expect(event.custom_data).toEqual({ value: '72.39', order_id: '1001' });
  });

  it('accepts IP address and user agent without an email', () => {
    const event = build(
      checkout({ email: undefined, ip: '203.0.113.7', user_agent: 'Mozilla/5.0' }),
    );

    expect(event.user_data).toEqual({
      client_ip_address: '203.0.113.7',
      client_user_agent: 'Mozilla/5.0',
    });
  });

  it("reads a local phone number in the checkout's country", () => {
    const event = build(checkout({ phone: '020 7946 0958', country: 'United Kingdom' }));

    expect(event.user_data.ph).toEqual([HASHES.phUk]);
  });

  it('falls back to the defaultCountry option for a local phone number', () => {
    const event = build(checkout({ phone: '(415) 555-2671' }), { defaultCountry: 'US' });

    expect(event.user_data.ph).toEqual([HASHES.phUs]);
  });

  it('never modifies a deep-frozen checkout', () => {
    const frozen = deepFreeze(
      checkout({ items: [{ id: 'a', price: 1, quantity: 1 }], email: ['test@example.com'] }),
    );
    const before = JSON.stringify(frozen);

    build(frozen);

    expect(JSON.stringify(frozen)).toBe(before);
  });
});

describe('buildCheckoutEvent issues', () => {
  it('requires order_id, value and an identifier, named as checkout fields', () => {
    const issues = pathsAndRules({ event_time: NOW_SECONDS });

    expect(issues).toEqual([
      'checkout.order_id required',
      'checkout.value required',
      'checkout.email identifier',
    ]);
  });

  it('says the user agent is missing when only the IP address is given', () => {
    const [found] = issuesOf(checkout({ email: undefined, ip: '203.0.113.7' }));

    expect(found).toMatchObject({ path: 'checkout.email', rule: 'identifier' });
    expect(found?.message).toMatch(/user_agent is missing/);
  });

  it('says the IP address is missing when only the user agent is given', () => {
    const [found] = issuesOf(checkout({ email: '', user_agent: 'Mozilla/5.0' }));

    expect(found?.message).toMatch(/ip is missing/);
  });

  it('rejects an event_id and a dedup_key that differ', () => {
    expect(pathsAndRules(checkout({ event_id: 'a', dedup_key: 'b' }))).toEqual([
      'checkout.dedup_key conflict',
    ]);
  });

  it('rejects items and line_items given together', () => {
    const input = checkout({ items: [{ id: 'a' }], line_items: [{ product_id: 'a' }] });

    expect(pathsAndRules(input)).toEqual(['checkout.line_items conflict']);
  });

  it.each([
    ['checkout.email email_format', 'email', 'not-an-email'],
    ['checkout.email[1] email_format', 'email', ['test@example.com', 'nope']],
    ['checkout.phone phone_country', 'phone', '12'],
    ['checkout.currency currency', 'currency', 'dollars'],
    ['checkout.value decimal_string', 'value', '$72.39'],
    ['checkout.value decimal_negative', 'value', -5],
    ['checkout.event_time event_time_milliseconds', 'event_time', NOW],
    ['checkout.event_time iso_8601', 'event_time', 'last tuesday'],
    ['checkout.ip ip_address', 'ip', '203.0.113.7, 10.0.0.1'],
    ['checkout.source_url type', 'source_url', 42],
    ['checkout.language language', 'language', 'EN'],
    ['checkout.action_source action_source', 'action_source', 'website'],
    ['checkout.opt_out type', 'opt_out', 'no'],
    ['checkout.consent enum', 'consent', 'yes'],
    ['checkout.order_id max_length', 'order_id', 'x'.repeat(300)],
    ['checkout.order_id type', 'order_id', {}],
    ['checkout.dedup_key max_length', 'dedup_key', 'x'.repeat(300)],
    ['checkout.order_quantity integer', 'order_quantity', 'two'],
    ['checkout.order_quantity range', 'order_quantity', -1],
    ['checkout.items type', 'items', 'sku-1'],
  ])('reports %s for a bad checkout field', (expected, field, value) => {
    expect(pathsAndRules(checkout({ [field]: value }))).toEqual([expected]);
  });

  it('names the item field of an issue inside items', () => {
    const input = checkout({
      items: [
        { id: 'a', price: 1, quantity: 1 },
        { id: 'b', price: '1,50', quantity: 1.5 },
      ],
    });

    expect(pathsAndRules(input)).toEqual([
      'checkout.items[1].price decimal_string',
      'checkout.items[1].quantity integer',
    ]);
  });

  it("names the Tag's item field of an issue inside line_items", () => {
    const input = checkout({
      line_items: [{ product_id: 'a', product_price: -1, product_quantity: 'many' }],
    });

    expect(pathsAndRules(input)).toEqual([
      'checkout.line_items[0].product_quantity integer',
      'checkout.line_items[0].product_price decimal_negative',
    ]);
  });

  it('rejects unknown checkout fields with a hint', () => {
    const issues = issuesOf(checkout({ total: 72.39 }));

    expect(issues).toEqual([
      expect.objectContaining({
        path: 'checkout.total',
        rule: 'unknown_field',
        message: expect.stringMatching(/use value/) as string,
      }),
    ]);
  });

  it('rejects unknown item fields with a hint', () => {
    const issues = issuesOf(checkout({ items: [{ sku: 'a' }] }));

    expect(issues).toEqual([
      expect.objectContaining({
        path: 'checkout.items[0].sku',
        rule: 'unknown_field',
        message: expect.stringMatching(/use id/) as string,
      }),
    ]);
  });

  it('reports an item that is not an object', () => {
    expect(pathsAndRules(checkout({ items: ['sku-1'] }))).toEqual(['checkout.items[0] type']);
  });

  it('collects every issue in one error', () => {
    const input = {
      value: 'free',
      email: 'nope',
      event_id: 'a',
      dedup_key: 'b',
      wat: 1,
      event_time: NOW_SECONDS,
    };

    expect(pathsAndRules(input).sort()).toEqual([
      'checkout.dedup_key conflict',
      'checkout.email email_format',
      'checkout.order_id required',
      'checkout.value decimal_string',
      'checkout.wat unknown_field',
    ]);
  });

  it('reports a checkout that is not an object', () => {
    expect(pathsAndRules('order 1001')).toEqual(['checkout type']);
  });

  it('throws an error whose message names the checkout field', () => {
    expect(() => build(checkout({ value: '$5' }))).toThrow(/^invalid checkout: checkout\.value:/);
  });

  it('never repeats personal data in its messages', () => {
    const secrets = ['john.doe@', '+44 20 7946', 'Springfield Gardens!!', '203.0.113.7, 10.'];
    const input = checkout({
      email: 'john.doe@',
      phone: '+44 20 7946',
      city: 'Springfield Gardens!!',
      ip: '203.0.113.7, 10.0.0.1',
    });

    const issues = issuesOf(input);

    expect(issues.length).toBeGreaterThanOrEqual(3);
    for (const found of issues) {
      for (const secret of secrets) expect(found.message).not.toContain(secret);
    }
  });
});
