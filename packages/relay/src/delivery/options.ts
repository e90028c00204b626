/**
 * @module delivery/options
 * The delivery worker's options, checked once when it is built so that a typo in a config fails
 * at start-up rather than on the first batch.
 */
import { CallPacer } from '@pinterest-capi/sdk';
import type { Pacer } from '@pinterest-capi/sdk';

import type { EventStore } from '../queue/store.js';

/** An ad account the worker delivers for, with the credentials to reach it. */
export interface DeliveryAccount {
  adAccountId: string;
  /** A conversion access token, or an OAuth token with `ads:write`. Never logged. */
  accessToken: string;
  /** API root, e.g. `https://api.pinterest.com/v5` or a sandbox's `apiBaseUrl`. */
  baseUrl: string;
  /** This account's budget of calls per rolling minute. @default 5000 */
  callsPerMinute?: number;
  /** Sends with `?test=true`: Pinterest validates and records nothing. @default false */
  test?: boolean;
  /** `partner_name` (`ss-<partner>`) for events that carry none. */
  partnerName?: string;
}

/** Options of `DeliveryWorker`. Times are milliseconds unless the name says otherwise. */
export interface DeliveryWorkerOptions {
  store: EventStore;
  accounts: readonly DeliveryAccount[];
  /** Who holds the leases this worker takes (an instance id), for inspection. */
  owner: string;
  /**
   * How long the oldest due event may wait for a fuller batch before a call leaves anyway.
   * @default 250
   */
  lingerMs?: number;
  /** Events per call; Pinterest takes at most 1,000. @default 1000 */
  batchSize?: number;
  /**
   * How long a claim holds. If this process dies, its claimed events are claimed again after it.
   * @default 60000
   */
  leaseMs?: number;
  /** Calls in flight at once per ad account. @default 4 */
  concurrency?: number;
  /** How long after it was received an event may still be retried. @default 86400000 (24 h) */
  retryBudgetMs?: number;
  /**
   * Oldest `event_time` the worker still sends, in seconds before now; older events go dead.
   * @default 604800 (7 days)
   */
  maxEventAgeSeconds?: number;
  /** Ceiling of the first retry's wait, doubling per attempt (full jitter). @default 1000 */
  retryBaseMs?: number;
  /** Longest computed wait between attempts; a `Retry-After` may exceed it. @default 300000 */
  retryMaxMs?: number;
  /**
   * How often the store is asked for due work, which other instances or retries may have left.
   * @default 1000
   */
  pollMs?: number;
  /** How often a paused ad account tries one small batch again. @default 30000 */
  authProbeMs?: number;
  /** Events in the small batch that probes a paused ad account. @default 10 */
  probeSize?: number;
  /** Time allowed for one call. Must be under half of `leaseMs`. @default 15000 */
  timeoutMs?: number;
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Source of jitter, in [0, 1). @default Math.random */
  random?: () => number;
  /**
   * Builds the pacer that holds one ad account to its budget of calls per rolling minute, once
   * per account. Relays sharing a PostgreSQL store pass one backed by the database, so their
   * calls count against one budget together.
   * @default a `CallPacer` per account, counting this process's calls only
   */
  pacerFor?: (adAccountId: string, callsPerMinute: number) => Pacer;
}

/** {@link DeliveryWorkerOptions} with every default filled in. */
export interface ResolvedDeliveryOptions {
  store: EventStore;
  accounts: readonly DeliveryAccount[];
  owner: string;
  lingerMs: number;
  batchSize: number;
  leaseMs: number;
  concurrency: number;
  retryBudgetMs: number;
  maxEventAgeSeconds: number;
  retryBaseMs: number;
  retryMaxMs: number;
  pollMs: number;
  authProbeMs: number;
  probeSize: number;
  timeoutMs: number;
  now: () => number;
  random: () => number;
  pacerFor: (adAccountId: string, callsPerMinute: number) => Pacer;
}

/** Pinterest's `data` holds at most 1,000 events (facts §1.1). */
export const MAX_BATCH_SIZE = 1000;

function localPacer(_adAccountId: string, callsPerMinute: number): Pacer {
  return new CallPacer({ callsPerMinute });
}

function integer(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`DeliveryWorker: ${name} must be an integer of at least ${min}`);
  }

  return value;
}

function checkAccounts(accounts: readonly DeliveryAccount[]): void {
  const seen = new Set<string>();
  accounts.forEach((account, index) => {
    if (seen.has(account.adAccountId)) {
      throw new RangeError(`DeliveryWorker: accounts[${index}].adAccountId is listed twice`);
    }

    seen.add(account.adAccountId);
  });
}

/**
 * Checks the options and fills in defaults.
 *
 * @throws RangeError naming the option at fault.
 */
export function resolveDeliveryOptions(options: DeliveryWorkerOptions): ResolvedDeliveryOptions {
  checkAccounts(options.accounts);
  const leaseMs = integer('leaseMs', options.leaseMs, 60_000, 1);
  const timeoutMs = integer(
    'timeoutMs',
    options.timeoutMs,
    Math.min(15_000, Math.floor(leaseMs / 2)),
    1,
  );
  // A call that outlives its lease lets another instance claim and send the same events.
  if (timeoutMs * 2 > leaseMs) {
    throw new RangeError('DeliveryWorker: timeoutMs must be at most half of leaseMs');
  }

  const retryBaseMs = integer('retryBaseMs', options.retryBaseMs, 1000, 0);
  return {
    store: options.store,
    accounts: options.accounts,
    owner: options.owner,
    lingerMs: integer('lingerMs', options.lingerMs, 250, 0),
    batchSize: Math.min(integer('batchSize', options.batchSize, MAX_BATCH_SIZE, 1), MAX_BATCH_SIZE),
    leaseMs,
    concurrency: integer('concurrency', options.concurrency, 4, 1),
    retryBudgetMs: integer('retryBudgetMs', options.retryBudgetMs, 86_400_000, 0),
    maxEventAgeSeconds: integer('maxEventAgeSeconds', options.maxEventAgeSeconds, 604_800, 1),
    retryBaseMs,
    retryMaxMs: integer('retryMaxMs', options.retryMaxMs, 300_000, retryBaseMs),
    pollMs: integer('pollMs', options.pollMs, 1000, 1),
    authProbeMs: integer('authProbeMs', options.authProbeMs, 30_000, 1),
    probeSize: integer('probeSize', options.probeSize, 10, 1),
    timeoutMs,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    pacerFor: options.pacerFor ?? localPacer,
  };
}
