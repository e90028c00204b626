// Checkout inputs as real stores send them: messy identifiers, carts, raw IP and user agent. Shared
// by the SDK figure, the load generator and the backlog filler, so every figure works on the same
// events.

const FIRST = ['Élodie', 'John', 'María José', 'Zoë', "O'Brien", 'Anne-Marie'];
const CITIES = ['San Francisco', 'New York', 'Zürich', 'São Paulo', 'London'];
const STATES = ['CA', 'New York', 'tx', 'Washington'];

/** The checkout fields the SDK hashes; the SDK figure's baseline hashes the same values. */
export const HASHED_FIELDS = [
  'email',
  'phone',
  'first_name',
  'last_name',
  'city',
  'state',
  'zip',
  'country',
  'external_id',
];

/** Distinct checkouts; `order_id` (and so the derived `event_id`) is `${prefix}-${i}`. */
export function makeCheckouts(count, prefix = 'bench') {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) => ({
    order_id: `${prefix}-${i}`,
    value: 19.99 + (i % 100),
    currency: 'USD',
    email: `  Shopper.${i}@Example.COM `,
    phone: `+1 (415) 555-${String(1000 + (i % 9000)).padStart(4, '0')}`,
    first_name: FIRST[i % FIRST.length],
    last_name: `Doe${i % 50}`,
    city: CITIES[i % CITIES.length],
    state: STATES[i % STATES.length],
    zip: `94${String(100 + (i % 900))}-1234`,
    country: 'US',
    external_id: `customer-${i}`,
    ip: '203.0.113.7',
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
    event_time: now - 30,
    items: [
      { id: `sku-${i % 300}`, price: 14.99, quantity: 2 },
      { id: `sku-${(i + 7) % 300}`, price: 42.41, quantity: 1 },
    ],
  }));
}

/**
 * A source of request bodies whose every item has an `order_id` never sent before: a pool of
 * checkouts is stringified once, and each item only gets a fresh id prepended, so the load
 * generator spends its time sending rather than building JSON.
 */
export function bodySource({ prefix, itemsPerRequest }) {
  const tails = makeCheckouts(1000).map((checkout) => {
    const rest = { ...checkout };
    delete rest.order_id;
    return JSON.stringify(rest).slice(1);
  });
  let next = 0;

  const item = () => {
    const n = next++;
    return `{"order_id":"${prefix}-${n}",${tails[n % tails.length]}`;
  };

  return () => {
    if (itemsPerRequest === 1) return item();
    const items = Array.from({ length: itemsPerRequest }, item);
    return `[${items.join(',')}]`;
  };
}
