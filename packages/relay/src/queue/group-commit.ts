/**
 * @module queue/group-commit
 * Group commit for ingest: many requests, one durable commit. With `synchronous=FULL` every
 * commit costs an fsync, a few milliseconds on most disks; paying it once per request would cap
 * ingest at a few hundred requests a second. Coalescing every request that arrives in the same
 * event-loop turn, or while a commit is under way, into the next single `store.enqueue` spreads
 * that cost over all of them, while each request is still answered only after its events are on
 * disk.
 */
import type { EnqueueResult, EventStore, NewEvent } from './store.js';
import { assertHashedOnly } from './stored-event.js';

export interface GroupCommitterOptions {
  /**
   * A group stops taking callers at this many events; the rest go into the next commit. A single
   * caller with more events than this is committed whole, in a group of its own.
   * @default 5000
   */
  maxBatchEvents?: number;
}

interface Waiter {
  events: readonly NewEvent[];
  resolve: (results: EnqueueResult[]) => void;
  reject: (error: unknown) => void;
}

const DEFAULT_MAX_BATCH_EVENTS = 5000;

/**
 * Coalesces concurrent `enqueue` calls into shared store commits. Each caller gets its own
 * results, in its own order; a commit that fails rejects every caller in its group and stores
 * none of their events (the store's enqueue is one transaction).
 *
 * Within a group, callers are written in arrival order, so when two callers send the same
 * (ad account, event_id), the first is `accepted` and the second `duplicate`.
 *
 * @example
 * const committer = new GroupCommitter(store);
 * // In each ingest request; concurrent requests share one fsync:
 * const results = await committer.enqueue(events);
 */
export class GroupCommitter {
  readonly #store: Pick<EventStore, 'enqueue'>;
  readonly #maxBatchEvents: number;
  #waiting: Waiter[] = [];
  #draining: Promise<void> | undefined;
  #commits = 0;
  #eventsCommitted = 0;

  /** @throws RangeError when `maxBatchEvents` is not a positive integer. */
  constructor(store: Pick<EventStore, 'enqueue'>, options: GroupCommitterOptions = {}) {
    const max = options.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError('GroupCommitter option maxBatchEvents must be a positive integer');
    }

    this.#store = store;
    this.#maxBatchEvents = max;
  }

  /** Store commits made so far (successful ones). */
  get commits(): number {
    return this.#commits;
  }

  /** Events passed to successful commits so far, duplicates included. */
  get eventsCommitted(): number {
    return this.#eventsCommitted;
  }

  /**
   * Stores the events in the next group commit and resolves once that commit is durable, with one
   * result per event in input order.
   *
   * @throws TypeError (as a rejection, for this caller only) when a `user_data` value that must
   *   be hashed is not a SHA-256 hex digest: checked before joining a group, so one bad request
   *   cannot fail the others.
   */
  enqueue(events: readonly NewEvent[]): Promise<EnqueueResult[]> {
    return new Promise<EnqueueResult[]>((resolve, reject) => {
      assertHashedOnly(events);
      if (events.length === 0) {
        resolve([]);
        return;
      }

      this.#waiting.push({ events, resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  /** Resolves when every call made so far has been committed (or rejected). */
  flush(): Promise<void> {
    return this.#draining ?? Promise.resolve();
  }

  async #drain(): Promise<void> {
    // Let the rest of this event-loop turn run first: every request read in the same poll phase
    // then joins the first group instead of the first request committing alone.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.#waiting.length > 0) await this.#commit(this.#takeGroup());
    } finally {
      this.#draining = undefined;
    }
  }

  #takeGroup(): Waiter[] {
    let size = 0;
    let count = 0;
    for (const waiter of this.#waiting) {
      if (count > 0 && size + waiter.events.length > this.#maxBatchEvents) break;
      size += waiter.events.length;
      count++;
    }

    return this.#waiting.splice(0, count);
  }

  /** Commits one group and answers its callers; never throws. */
  async #commit(group: readonly Waiter[]): Promise<void> {
    const events = group.flatMap((waiter) => waiter.events);
    let results: EnqueueResult[];
    try {
      results = await this.#store.enqueue(events);
      if (results.length !== events.length) {
        throw new Error(`store answered ${results.length} results for ${events.length} events`);
      }
    } catch (error) {
      for (const waiter of group) waiter.reject(error);
      return;
    }

    this.#commits++;
    this.#eventsCommitted += events.length;
    let offset = 0;
    for (const waiter of group) {
      waiter.resolve(results.slice(offset, offset + waiter.events.length));
      offset += waiter.events.length;
    }
  }
}
