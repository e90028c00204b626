/**
 * @module state/sandbox-state
 * Everything one sandbox instance holds, shared by its routes.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ResolvedConfig, SandboxAdAccount } from '../config.js';
import { DEFAULT_USERNAME } from '../constants.js';
import { bodyValidator, type BodyCheck } from '../validation/body-schema.js';
import { FaultBoard } from './faults.js';
import { SlidingWindowLimiter } from './rate-limiter.js';
import { Recorder } from './recorder.js';
import { TokenStore } from './token-store.js';

const RATE_WINDOW_MS = 60_000;

export class SandboxState {
  readonly config: ResolvedConfig;
  readonly now: () => number;
  readonly tokens: TokenStore;
  readonly recorder: Recorder;
  readonly limiter: SlidingWindowLimiter;
  readonly faults = new FaultBoard();
  readonly checkBody: (body: unknown) => BodyCheck;
  rampedDown = false;
  /** Shown as the ad accounts' `created_time`. */
  readonly startedAtSeconds: number;
  readonly #accounts: Map<string, SandboxAdAccount>;
  readonly #closing = new AbortController();
  #resetting = new AbortController();

  constructor(config: ResolvedConfig, now: () => number) {
    this.config = config;
    this.now = now;
    this.startedAtSeconds = Math.floor(now() / 1000);
    this.tokens = new TokenStore(config);
    this.recorder = new Recorder({ maxStored: config.maxStoredEvents });
    this.limiter = new SlidingWindowLimiter({
      limit: config.callsPerMinute,
      windowMs: RATE_WINDOW_MS,
    });
    this.checkBody = bodyValidator();
    this.#accounts = new Map(config.adAccounts.map((account) => [account.id, account]));
  }

  account(id: string): SandboxAdAccount | undefined {
    return this.#accounts.get(id);
  }

  /** The ad account a Tag belongs to. */
  tagOwner(tagId: string): SandboxAdAccount | undefined {
    return this.config.adAccounts.find((account) =>
      (account.tags ?? []).some((tag) => tag.id === tagId),
    );
  }

  ownerOf(account: SandboxAdAccount): string {
    return account.owner_username ?? DEFAULT_USERNAME;
  }

  /** Forgets what was received and clears rate windows, faults and ramp-down. Tokens stay. */
  reset(): void {
    // Calls still held by injected latency belong to the state being forgotten: cancel them.
    this.#resetting.abort();
    this.#resetting = new AbortController();
    this.recorder.reset();
    this.limiter.reset();
    this.faults.clear();
    this.rampedDown = false;
  }

  /**
   * Waits on the wall clock (injected latency). Resolves false instead when the sandbox closes or
   * resets, so a held request never outlives its server or leaks into the next test.
   */
  async sleep(ms: number): Promise<boolean> {
    const signal = AbortSignal.any([this.#closing.signal, this.#resetting.signal]);
    try {
      await delay(ms, undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.#closing.abort();
  }
}
