import { describe, expect, it } from 'vitest';

import type { EventStore } from '../queue/store.js';
import { resolveDeliveryOptions } from './options.js';

const account = {
  adAccountId: '549755885175',
  accessToken: 'pina_token',
  baseUrl: 'http://127.0.0.1:8788/v5',
};
const base = { store: {} as EventStore, owner: 'relay-1', accounts: [account] };

describe('resolveDeliveryOptions', () => {
  it('fills in the documented defaults', () => {
    const options = resolveDeliveryOptions(base);

    expect(options).toMatchObject({
      lingerMs: 250,
      batchSize: 1000,
      leaseMs: 60_000,
      concurrency: 4,
      retryBudgetMs: 86_400_000,
      maxEventAgeSeconds: 604_800,
      pollMs: 1000,
      authProbeMs: 30_000,
      timeoutMs: 15_000,
    });
  });

  it("caps the batch size at Pinterest's 1,000 events", () => {
    expect(resolveDeliveryOptions({ ...base, batchSize: 5000 }).batchSize).toBe(1000);
  });

  it('refuses a call timeout longer than half the lease', () => {
    expect(() => resolveDeliveryOptions({ ...base, leaseMs: 10_000, timeoutMs: 6000 })).toThrow(
      'timeoutMs must be at most half of leaseMs',
    );
  });

  it('derives the default timeout from a short lease', () => {
    expect(resolveDeliveryOptions({ ...base, leaseMs: 1001 }).timeoutMs).toBe(500);
  });

  it('refuses an ad account listed twice', () => {
    expect(() => resolveDeliveryOptions({ ...base, accounts: [account, account] })).toThrow(
      'accounts[1].adAccountId is listed twice',
    );
  });

  it('refuses a negative linger time, naming the option', () => {
    expect(() => resolveDeliveryOptions({ ...base, lingerMs: -1 })).toThrow(
      'lingerMs must be an integer of at least 0',
    );
  });
});
