// SDK: checkout events built (normalized, hashed, validated) vs bare SHA-256 of the same values.
import { createHash } from 'node:crypto';

import { buildCheckoutEvent } from '@pinterest-capi/sdk';

import { HASHED_FIELDS, makeCheckouts } from './checkouts.js';
import { progress } from './report.js';

/** Runs `work` over the inputs repeatedly for `roundMs`, `rounds` times; returns the median rate. */
function measure(inputs, work, { roundMs, rounds }) {
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

export function sdkFigure(results, { quick }) {
  const timing = { roundMs: quick ? 300 : 1500, rounds: quick ? 3 : 5 };
  const checkouts = makeCheckouts(5_000);
  progress('SDK build+hash: warming up');
  for (const checkout of checkouts) buildCheckoutEvent(checkout);

  progress('SDK build+hash: bare SHA-256 baseline');
  const bare = measure(
    checkouts,
    (checkout) => {
      for (const field of HASHED_FIELDS) createHash('sha256').update(checkout[field]).digest('hex');
    },
    timing,
  );
  progress('SDK build+hash: buildCheckoutEvent');
  const built = measure(checkouts, (checkout) => buildCheckoutEvent(checkout), timing);

  results.add({
    name: 'checkout events built (normalize + hash + validate)',
    value: built,
    unit: 'events/s',
    baseline: { name: `bare SHA-256 of the same ${HASHED_FIELDS.length} values`, value: bare },
    aim: { ratio: 0.25, at: 'least' },
  });
  return built;
}
