// `npm run bench`: measures what the project claims about speed, each figure beside a baseline
// measured in the same run on the same machine, so the ratio means something anywhere.
// Usage: npm run bench [-- --json FILE] [-- --quick]
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';

import { buildCheckoutEvent } from '@pinterest-capi/sdk';

const { values } = parseArgs({
  options: { json: { type: 'string' }, quick: { type: 'boolean', default: false } },
});
const roundMs = values.quick ? 300 : 1500;
const rounds = values.quick ? 3 : 5;

const FIRST = ['Élodie', 'John', 'María José', 'Zoë', "O'Brien", 'Anne-Marie'];
const CITIES = ['San Francisco', 'New York', 'Zürich', 'São Paulo', 'London'];
const STATES = ['CA', 'New York', 'tx', 'Washington'];

/** Distinct checkouts with the messy identifiers real stores send. */
function makeCheckouts(count) {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) => ({
    order_id: `bench-${i}`,
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

const HASHED_FIELDS = [
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

/** Runs `work` over the inputs repeatedly for `roundMs`, `rounds` times; returns the median rate. */
function measure(inputs, work) {
  const rates = [];

  for (let round = 0; round < rounds; round += 1) {
    let done = 0;
    const start = process.hrtime.bigint();
    let elapsedMs = 0;

    while (elapsedMs < roundMs) {
      for (const input of inputs) work(input);
      done += inputs.length;
      elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
    }

    rates.push((done / elapsedMs) * 1000);
  }

  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}

function progress(message) {
  process.stderr.write(`bench: ${message}\n`);
}

const results = [];

function report({ name, value, unit, baseline, aim }) {
  results.push({
    name,
    value,
    unit,
    baseline,
    ratio: baseline ? value / baseline.value : undefined,
    aim,
  });
}

// --- SDK: checkout events built (normalized, hashed, validated) vs bare SHA-256 of the same values
{
  const checkouts = makeCheckouts(5_000);
  progress('SDK build+hash: warming up');
  for (const checkout of checkouts) buildCheckoutEvent(checkout);

  progress('SDK build+hash: bare SHA-256 baseline');
  const bare = measure(checkouts, (checkout) => {
    for (const field of HASHED_FIELDS) createHash('sha256').update(checkout[field]).digest('hex');
  });
  progress('SDK build+hash: buildCheckoutEvent');
  const built = measure(checkouts, (checkout) => buildCheckoutEvent(checkout));

  report({
    name: 'checkout events built (normalize + hash + validate)',
    value: built,
    unit: 'events/s',
    baseline: { name: `bare SHA-256 of the same ${HASHED_FIELDS.length} values`, value: bare },
    aim: { ratio: 0.25 },
  });
}

// --- Print
const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
process.stdout.write(`\nmachine: ${cpu}, ${os.cpus().length} cores, node ${process.version}\n\n`);
process.stdout.write('| figure | value | baseline | ratio | aim |\n|---|---|---|---|---|\n');

for (const r of results) {
  const baseline = r.baseline ? `${fmt(r.baseline.value)} ${r.unit} (${r.baseline.name})` : '';
  const ratio = r.ratio === undefined ? '' : r.ratio.toFixed(3);
  const aim = r.aim?.ratio === undefined ? '' : `≥ ${r.aim.ratio}`;
  process.stdout.write(
    `| ${r.name} | ${fmt(r.value)} ${r.unit} | ${baseline} | ${ratio} | ${aim} |\n`,
  );
}

if (values.json) {
  writeFileSync(
    values.json,
    JSON.stringify(
      { machine: { cpu, cores: os.cpus().length, node: process.version }, results },
      null,
      2,
    ),
  );
  progress(`wrote ${values.json}`);
}
