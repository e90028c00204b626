/**
 * @module dashboard/answer-tally
 * Pinterest's warnings and unexpected answers per ad account since this relay started, by kind,
 * from the delivery worker's reports. Like the call charts (see `activity.ts`) they are facts about
 * this instance's calls, kept in memory; Prometheus has the same counters for the fleet.
 */
import type { AnswerKinds } from '../delivery/answer-kinds.js';
import type { BatchReport } from '../delivery/events.js';

/** What the dashboard's summary shows for one ad account. */
export interface AnswerCounts {
  /** `warning_message`s by kind. */
  warnings: Record<string, number>;
  /** Calls answered in a way the relay did not expect, by kind. */
  unexpected: Record<string, number>;
  /** Epoch ms since when these are counted (the relay's start). */
  since: number;
}

/** The worker events the tally listens to (a `DeliveryWorker` is one). */
export interface BatchSource {
  on(event: 'batch', listener: (report: BatchReport) => void): unknown;
  off(event: 'batch', listener: (report: BatchReport) => void): unknown;
}

/**
 * Counts warnings and unexpected answers per ad account.
 *
 * @example
 * const tally = new AnswerTally();
 * const stop = tally.listen(worker);
 * tally.of('549755885175'); // { warnings: { currency: 3 }, unexpected: {}, since }
 */
export class AnswerTally {
  readonly #since: number;
  readonly #accounts = new Map<string, AnswerKinds>();

  constructor(now: () => number = Date.now) {
    this.#since = now();
  }

  /** Subscribes to a worker's reports; returns the function that unsubscribes. */
  listen(source: BatchSource): () => void {
    const onBatch = (report: BatchReport) => {
      if (report.answers !== undefined) this.#add(report.adAccountId, report.answers);
    };

    source.on('batch', onBatch);
    return () => source.off('batch', onBatch);
  }

  /** The counts of one ad account. */
  of(adAccountId: string): AnswerCounts {
    const counts = this.#accounts.get(adAccountId);
    return {
      warnings: { ...counts?.warnings },
      unexpected: { ...counts?.unexpected },
      since: this.#since,
    };
  }

  #add(adAccountId: string, answers: AnswerKinds): void {
    let counts = this.#accounts.get(adAccountId);
    if (counts === undefined) {
      counts = { warnings: {}, unexpected: {} };
      this.#accounts.set(adAccountId, counts);
    }

    addInto(counts.warnings, answers.warnings);
    addInto(counts.unexpected, answers.unexpected);
  }
}

function addInto(target: Record<string, number>, counts: Record<string, number>): void {
  for (const [kind, count] of Object.entries(counts)) target[kind] = (target[kind] ?? 0) + count;
}
