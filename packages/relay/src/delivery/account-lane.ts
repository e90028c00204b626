/**
 * @module delivery/account-lane
 * The worker's state for one ad account: its credentials, its call budget, what is due, what is in
 * flight, and whether Pinterest refused its credentials.
 */
import { ConversionsClient } from '@pinterest-capi/sdk';
import type { Pacer } from '@pinterest-capi/sdk';

import { DueTracker } from './due-tracker.js';
import type { DeliveryAccount } from './options.js';

/** Why an ad account stopped sending, and since when. */
export interface PauseState {
  reason: string;
  /** Epoch ms. */
  since: number;
  status: number | undefined;
}

/** One ad account's delivery state, for `/readyz` and the dashboard. */
export interface AccountStatus {
  adAccountId: string;
  /** Why the account does not send, or false when it does. */
  paused: false | { reason: string; since: number };
  /** Batches claimed and not yet settled. */
  inFlight: number;
}

/** Mutable per-account state, owned by the worker. */
export interface AccountLane {
  readonly adAccountId: string;
  /** Replaced as a whole when the credentials change. */
  account: DeliveryAccount;
  readonly due: DueTracker;
  /** Every call of this account takes a slot here first, so together they keep to its budget. */
  readonly pacer: Pacer;
  /** Batches claimed and not yet settled. */
  inFlight: number;
  /** A claim loop runs; claims of one account run one at a time. */
  pumping: boolean;
  paused: PauseState | undefined;
  probing: boolean;
  /** The one wake-up timer and the time it fires. */
  timer: ReturnType<typeof setTimeout> | undefined;
  timerAt: number | undefined;
  probeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Store failures in a row, for the backoff. */
  storeErrors: number;
}

/** Builds the state of one ad account. */
export function createLane(
  account: DeliveryAccount,
  options: {
    batchSize: number;
    lingerMs: number;
    pacerFor: (adAccountId: string, callsPerMinute: number) => Pacer;
  },
): AccountLane {
  return {
    adAccountId: account.adAccountId,
    account,
    due: new DueTracker(options),
    pacer: options.pacerFor(account.adAccountId, account.callsPerMinute ?? 5000),
    inFlight: 0,
    pumping: false,
    paused: undefined,
    probing: false,
    timer: undefined,
    timerAt: undefined,
    probeTimer: undefined,
    storeErrors: 0,
  };
}

/** Read through a function where a check across awaits must not be narrowed away. */
export function isPaused(lane: AccountLane): boolean {
  return lane.paused !== undefined;
}

/**
 * Fails at start-up, not on the first batch, when an account's settings are unusable.
 *
 * @throws CapiError `CAPI_ERR_CLIENT_OPTIONS` naming the bad setting (never the token's value).
 */
export function checkAccount(lane: AccountLane): void {
  // The client checks the ad account id, the token's shape and the URL without sending anything.
  new ConversionsClient({
    adAccountId: lane.account.adAccountId,
    accessToken: lane.account.accessToken,
    baseUrl: lane.account.baseUrl,
    pacer: lane.pacer,
  });
}

/** What `accountStatus()` shows of a lane. */
export function laneStatus(lane: AccountLane): AccountStatus {
  const { paused } = lane;
  return {
    adAccountId: lane.adAccountId,
    paused: paused === undefined ? false : { reason: paused.reason, since: paused.since },
    inFlight: lane.inFlight,
  };
}
