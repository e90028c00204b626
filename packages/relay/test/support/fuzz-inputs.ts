/**
 * fast-check arbitraries for the relay's inputs, well-formed and hostile, and the checks every
 * answer must pass: an ingest answer (202/422 with per-item results naming path and rule, or a
 * 4xx with a `RELAY_ERR_` code) and what the store must then hold.
 */
import fc from 'fast-check';
import { expect } from 'vitest';

import type { EventStore } from '../../src/queue/store.js';

/** The seed of every property, so a failure replays exactly. */
export const FUZZ_SEED = 20_261_203;

/** Any value at all, with the types a caller might get wrong. */
const anyValue = fc.jsonValue({ maxDepth: 3 });

/** A value that is sometimes right for its field and sometimes any JSON at all. */
function sometimes<T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: anyValue });
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

const eventTime = sometimes(
  fc.oneof(
    fc.integer({ min: -3600, max: 60 }).map((offset) => nowSeconds() + offset),
    fc.integer({ min: 0, max: 2 ** 40 }),
    fc.constantFrom('2026-01-01T00:00:00Z', 'yesterday', ''),
  ),
);

const email = fc.oneof(fc.emailAddress(), fc.string({ maxLength: 40 }));
const phone = fc.oneof(fc.stringMatching(/^\+?[0-9 ()-]{4,20}$/), fc.string({ maxLength: 20 }));
/** Ids from a small pool, so requests repeat each other's ids and duplicates get exercised. */
const eventId = fc.oneof(
  fc.integer({ min: 0, max: 300 }).map((n) => `fuzz-${n}`),
  fc.string({ maxLength: 300 }),
);
const money = fc.oneof(
  fc.double({ noNaN: false }),
  fc.stringMatching(/^-?[0-9]{1,9}(\.[0-9]{1,3})?$/),
  fc.string({ maxLength: 10 }),
);

/** A raw event as `POST /v1/events` takes it, with any field possibly of the wrong type. */
export const rawEvent: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    event_name: sometimes(fc.constantFrom('checkout', 'add_to_cart', 'page_visit', 'lead', 'x')),
    action_source: sometimes(fc.constantFrom('web', 'app_ios', 'offline', 'email')),
    event_time: eventTime,
    event_id: sometimes(eventId),
    event_source_url: sometimes(fc.webUrl()),
    user_data: sometimes(
      fc.record(
        {
          em: sometimes(fc.array(email, { maxLength: 3 })),
          ph: sometimes(fc.array(phone, { maxLength: 3 })),
          client_ip_address: sometimes(fc.ipV4()),
          client_user_agent: sometimes(fc.string({ maxLength: 60 })),
          external_id: sometimes(fc.array(fc.string({ maxLength: 20 }), { maxLength: 2 })),
        },
        { requiredKeys: [] },
      ),
    ),
    custom_data: sometimes(
      fc.record(
        {
          currency: sometimes(fc.constantFrom('USD', 'usd', 'EUR', 'XXXX')),
          value: sometimes(money),
          order_id: sometimes(fc.string({ maxLength: 20 })),
          contents: sometimes(
            fc.array(fc.record({ id: anyValue, item_price: money, quantity: anyValue }), {
              maxLength: 3,
            }),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

/** A plain checkout as `POST /v1/checkout` takes it, with any field possibly of the wrong type. */
export const rawCheckout: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    order_id: sometimes(fc.oneof(fc.string({ maxLength: 20 }), fc.nat())),
    value: sometimes(money),
    currency: sometimes(fc.constantFrom('USD', 'GBP', 'gbp', 'ZZZ')),
    event_id: sometimes(eventId),
    event_time: eventTime,
    email: sometimes(email),
    phone: sometimes(phone),
    first_name: sometimes(fc.string({ maxLength: 20 })),
    zip: sometimes(fc.oneof(fc.string({ maxLength: 10 }), fc.nat())),
    ip: sometimes(fc.ipV4()),
    user_agent: sometimes(fc.string({ maxLength: 60 })),
    items: sometimes(
      fc.array(
        fc.record({ id: anyValue, price: money, quantity: anyValue }, { requiredKeys: [] }),
        { maxLength: 4 },
      ),
    ),
  },
  { requiredKeys: [] },
);

/** Keys that poison prototypes when a body is merged into another object naively. */
const POISON = [
  '"__proto__":{"polluted":"yes"}',
  '"constructor":{"prototype":{"polluted":"yes"}}',
] as const;

/** A JSON text with a poisoning key spliced into its first object, if it has one. */
function poisoned(json: string, which: number): string {
  const at = json.indexOf('{');
  if (at === -1) return json;
  const poison = POISON[which % POISON.length] ?? POISON[0];
  const empty = json[at + 1] === '}';
  return `${json.slice(0, at + 1)}${poison}${empty ? '' : ','}${json.slice(at + 1)}`;
}

/**
 * Request bodies, as the text sent: one item, a list, `{"data": [...]}`, any JSON value, a
 * poisoned variant of each, or text that is not JSON at all.
 */
export function ingestBodies(item: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  const shaped = fc.oneof(
    { weight: 3, arbitrary: item },
    { weight: 3, arbitrary: fc.array(item, { minLength: 1, maxLength: 8 }) },
    { weight: 1, arbitrary: fc.record({ data: fc.array(item, { maxLength: 4 }) }) },
    { weight: 1, arbitrary: anyValue },
  );
  const json = shaped.map((value) => (value === undefined ? 'null' : JSON.stringify(value)));
  return fc.oneof(
    { weight: 6, arbitrary: json },
    { weight: 2, arbitrary: fc.tuple(json, fc.nat()).map(([text, n]) => poisoned(text, n)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  );
}

/** One item's outcome in a 202/422 answer. */
export interface ItemResult {
  index: number;
  event_id: string | null;
  status: 'accepted' | 'duplicate' | 'rejected';
  issues?: { path: string; rule: string; message: string }[];
}

/**
 * Checks an ingest answer: never a 5xx; a 202 or 422 lists every item, each rejection naming a
 * path and a rule; anything else is a 4xx with a `RELAY_ERR_` code.
 */
export function expectIngestAnswer(status: number, body: unknown): ItemResult[] {
  expect(status).toBeLessThan(500);
  if (status !== 202 && status !== 422) {
    expect(status).toBeGreaterThanOrEqual(400);
    expect(body).toMatchObject({ error: { code: expect.stringMatching(/^RELAY_ERR_[A-Z_]+$/) } });
    return [];
  }

  const answer = body as { accepted: number; duplicates: number; results: ItemResult[] };
  for (const result of answer.results) {
    if (result.status !== 'rejected') continue;
    expect(result.issues?.length).toBeGreaterThan(0);
    for (const issue of result.issues ?? []) {
      expect(issue.path).toMatch(/\S/);
      expect(issue.rule).toMatch(/^[a-z][a-z0-9_]*$/i);
    }
  }

  expect(status === 202).toBe(answer.accepted + answer.duplicates > 0);
  return answer.results;
}

/**
 * Checks that the store holds exactly what the answer acknowledged: every accepted or duplicate
 * item is stored, and a rejected item's id is stored only if an earlier request stored it.
 */
export async function expectStoredExactly(options: {
  store: EventStore;
  adAccountId: string;
  results: readonly ItemResult[];
  storedBefore: ReadonlySet<string>;
}): Promise<void> {
  const { store, adAccountId, results, storedBefore } = options;
  const acknowledged = new Set(
    results.filter((r) => r.status !== 'rejected').map((r) => r.event_id ?? ''),
  );
  for (const result of results) {
    const id = result.event_id;
    if (id === null) continue;
    const stored = await store.get(adAccountId, id);
    const expected = acknowledged.has(id) || storedBefore.has(id);
    expect(stored !== undefined, `event ${JSON.stringify(id)} stored`).toBe(expected);
  }
}

/** Whether a poisoning key reached `Object.prototype`. */
export function prototypePolluted(): boolean {
  return (Object.prototype as Record<string, unknown>)['polluted'] !== undefined;
}
