/**
 * @module delivery/due-tracker
 * When the next batch of one ad account may leave. Pinterest takes 1,000 events per call, and the
 * call budget is per ad account, so a batch should be full unless waiting longer would delay an
 * event past the linger time: a claim starts once `batchSize` events are due, or once the oldest
 * due event has waited `lingerMs`, and never while Pinterest asked the account to hold.
 *
 * The tracker knows due events from two sources: `notify` (ingest just stored them here, the fast
 * path) and `observeDue` (the store's earliest due time, for events other instances stored, retries
 * coming due, and leases that ran out). Claims for one account run one at a time, so the counts
 * stay simple.
 */

/** Options of {@link DueTracker}. */
export interface DueTrackerOptions {
  batchSize: number;
  lingerMs: number;
}

/**
 * Counts due events of one ad account and says when the next claim may start.
 *
 * @example
 * const due = new DueTracker({ batchSize: 1000, lingerMs: 250 });
 * due.notify(3, Date.now());
 * due.readyAt(); // now + 250: three events wait for more
 */
export class DueTracker {
  readonly #batchSize: number;
  readonly #lingerMs: number;
  /** Events known to be due, a lower bound: ingest counts them, claims take them away. */
  #dueCount = 0;
  /** When the oldest known due event became due. */
  #oldestDueAt: number | undefined;
  #heldUntil = 0;
  #claiming = false;
  /** Notified while a claim ran: they may or may not be in that claim. */
  #notifiedDuringClaim = 0;
  #firstNotifiedDuringClaim: number | undefined;

  constructor(options: DueTrackerOptions) {
    this.#batchSize = options.batchSize;
    this.#lingerMs = options.lingerMs;
  }

  /** Events known to be due. */
  get dueCount(): number {
    return this.#dueCount;
  }

  /** Counts `count` events stored at `now`, due at once. */
  notify(count: number, now: number): void {
    if (!(count > 0)) return;
    this.#dueCount += count;
    this.#oldestDueAt = Math.min(this.#oldestDueAt ?? now, now);
    if (this.#claiming) {
      this.#notifiedDuringClaim += count;
      this.#firstNotifiedDuringClaim ??= now;
    }
  }

  /** Learns from the store that some event is (or will be) due at `at`. */
  observeDue(at: number): void {
    this.#oldestDueAt = Math.min(this.#oldestDueAt ?? at, at);
  }

  /** Starts no claim before `until` (a 429's `Retry-After`, or a backoff after a store error). */
  hold(until: number): void {
    this.#heldUntil = Math.max(this.#heldUntil, until);
  }

  /** When the next claim may start (possibly in the past); undefined when nothing is due. */
  readyAt(): number | undefined {
    if (this.#dueCount >= this.#batchSize) return this.#heldUntil;
    if (this.#oldestDueAt === undefined) return undefined;
    return Math.max(this.#oldestDueAt + this.#lingerMs, this.#heldUntil);
  }

  /** Marks a claim as running; notifications from now on are counted apart. */
  startClaim(): void {
    this.#claiming = true;
    this.#notifiedDuringClaim = 0;
    this.#firstNotifiedDuringClaim = undefined;
  }

  /**
   * Records a claim's result. A short claim (fewer than `limit`) proves nothing else was due at
   * that moment, so only what was notified meanwhile still counts. A full claim may have left
   * more behind: the caller should ask the store for its earliest due time and `observeDue` it.
   */
  finishClaim(result: { limit: number; claimed: number; now: number }): void {
    this.#claiming = false;
    if (result.claimed < result.limit) {
      this.#dueCount = this.#notifiedDuringClaim;
      this.#oldestDueAt = this.#firstNotifiedDuringClaim;
      return;
    }

    this.#dueCount = Math.max(0, this.#dueCount - result.claimed);
    // The claimed events were the oldest; what is left arrived later, at the latest by `now`.
    const fallback = this.#dueCount > 0 ? result.now : undefined;
    this.#oldestDueAt = this.#firstNotifiedDuringClaim ?? fallback;
  }

  /** Records a claim that failed (a store error): what was known due stays due. */
  abandonClaim(): void {
    this.#claiming = false;
  }
}
