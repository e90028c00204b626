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

/** A well-formed plain checkout: every field of the right type, so most are accepted. */
export const goodCheckout: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    order_id: fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/),
    value: fc.integer({ min: 0, max: 100_000 }).map((cents) => (cents / 100).toFixed(2)),
    currency: fc.constantFrom('USD', 'EUR', 'GBP'),
    event_id: eventId,
    email: fc.emailAddress(),
    event_time: fc.integer({ min: -3600, max: 0 }).map((offset) => nowSeconds() + offset),
  },
  { requiredKeys: ['order_id', 'value', 'currency'] },
);

/** Stands in for one field's value until {@link renderBody} splices the hostile bytes in. */
const SLOT = '@@fuzz-slot@@';

/** The raw bytes of one hostile JSON value, and what it is (for failure messages). */
export interface HostileValue {
  kind: 'deep' | 'huge' | 'invalid-utf8' | 'poison' | 'numbers' | 'wide';
  bytes: Buffer;
}

/** Nested arrays or objects, `depth` levels deep. */
function deeplyNested(depth: number, shape: 'array' | 'object'): string {
  if (shape === 'array') return `${'['.repeat(depth)}${']'.repeat(depth)}`;
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/**
 * Hostile values for one field: nesting thousands deep, strings from 64 KiB to past the 5 MiB
 * body limit, bytes that are not UTF-8 inside a string, objects carrying `__proto__` and
 * `constructor.prototype`, numbers no double holds, and a list of 50,000 elements.
 */
export const hostileValue: fc.Arbitrary<HostileValue> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.integer({ min: 500, max: 20_000 }), fc.constantFrom('array', 'object' as const))
      .map(([depth, shape]) => ({
        kind: 'deep' as const,
        bytes: Buffer.from(deeplyNested(depth, shape)),
      })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(64 * 1024, 1024 * 1024, 6 * 1024 * 1024).map((size) => ({
      kind: 'huge' as const,
      bytes: Buffer.from(`"${'x'.repeat(size)}"`),
    })),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.string({ maxLength: 8 }),
        fc.uint8Array({ min: 0x80, max: 0xff, minLength: 1, maxLength: 12 }),
      )
      .map(([text, bytes]) => ({
        kind: 'invalid-utf8' as const,
        bytes: Buffer.concat([
          Buffer.from(`"${text.replace(/["\\]/g, '')}`),
          bytes,
          Buffer.from('"'),
        ]),
      })),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(...POISON).map((poison) => ({
      kind: 'poison' as const,
      bytes: Buffer.from(`{${poison},"em":["a@example.com"]}`),
    })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('1e400', '-1e400', '-0', '123456789012345678901234567890', '0.1e-400')
      .map((text) => ({ kind: 'numbers' as const, bytes: Buffer.from(text) })),
  },
  {
    weight: 1,
    arbitrary: fc.constant({
      kind: 'wide' as const,
      bytes: Buffer.from(`[${Array.from({ length: 50_000 }, () => '0').join(',')}]`),
    }),
  },
);

/**
 * `value` with the value at `path` replaced by `change(old)` (created if missing; in a list, the
 * key is an index). Nothing is mutated: the containers on the path are copied.
 */
export function updateAt(
  value: unknown,
  path: readonly string[],
  change: (old: unknown) => unknown,
): unknown {
  if (path.length === 0) return change(value);
  const [key = '', ...rest] = path;
  if (Array.isArray(value) && /^\d+$/.test(key)) {
    const copy: unknown[] = [...value];
    copy[Number(key)] = updateAt(copy[Number(key)], rest, change);
    return copy;
  }

  const container =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  return { ...container, [key]: updateAt(container[key], rest, change) };
}

/** Replaces the value at `path` (created if missing) with the slot {@link renderBody} fills. */
export function withSlot(value: unknown, path: readonly string[]): unknown {
  return updateAt(value, path, () => SLOT);
}

/** Every path in a JSON value (list indexes as keys), the root excluded, parents first. */
export function pathsOf(value: unknown, prefix: readonly string[] = []): string[][] {
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item: unknown, index) => [String(index), item])
    : typeof value === 'object' && value !== null
      ? Object.entries(value)
      : [];
  return entries.flatMap(([key, child]) => {
    const path = [...prefix, key];
    return [path, ...pathsOf(child, path)];
  });
}

/** Any JSON value, for a field a hostile sender fills with the wrong thing. */
export const anyJson = anyValue;

/**
 * The body's bytes: `value` as JSON, with the slot (if any) replaced by the hostile value's raw
 * bytes, which may make the whole body invalid JSON or invalid UTF-8 on purpose.
 */
export function renderBody(value: unknown, hostile?: HostileValue): Buffer {
  const text = value === undefined ? 'null' : JSON.stringify(value);
  const at = text.indexOf(JSON.stringify(SLOT));
  if (hostile === undefined || at === -1) return Buffer.from(text);
  const after = text.slice(at + SLOT.length + 2);
  return Buffer.concat([Buffer.from(text.slice(0, at)), hostile.bytes, Buffer.from(after)]);
}

/** A hostile request body; fast-check prints it by kind, size and start, not byte by byte. */
export interface HostileBody {
  body: Buffer;
  hostile: HostileValue['kind'] | 'too-many';
}

function described(found: HostileBody): HostileBody {
  const start = found.body.subarray(0, 120).toString('latin1');
  const text = `${found.hostile} body of ${String(found.body.length)} bytes: ${start}…`;
  return Object.defineProperty(found, fc.toStringMethod, { value: () => text });
}

/**
 * Ingest bodies with one hostile field: an item (`item`) with the value at one of `paths`
 * replaced, sent alone, among well-formed checkouts (a mixed request), or as a list of 1,001.
 */
export function hostileIngestBodies(
  item: fc.Arbitrary<Record<string, unknown>>,
  paths: readonly (readonly string[])[],
): fc.Arbitrary<HostileBody> {
  const slotted = fc
    .tuple(item, fc.constantFrom(...paths), hostileValue)
    .map(([base, path, hostile]) => ({ value: withSlot(base, path), hostile }));
  const bodies = fc.oneof(
    {
      weight: 4,
      arbitrary: slotted.map(({ value, hostile }) => ({
        body: renderBody(value, hostile),
        hostile: hostile.kind,
      })),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(slotted, fc.array(goodCheckout, { minLength: 1, maxLength: 4 }), fc.nat())
        .map(([{ value, hostile }, good, at]) => {
          const items: unknown[] = [...good];
          items.splice(at % (good.length + 1), 0, value);
          return { body: renderBody(items, hostile), hostile: hostile.kind };
        }),
    },
    {
      weight: 1,
      arbitrary: goodCheckout.map((checkout) => ({
        body: renderBody(Array.from({ length: 1001 }, () => checkout)),
        hostile: 'too-many' as const,
      })),
    },
  );
  return bodies.map(described);
}
