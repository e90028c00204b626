/**
 * @module metrics
 * Prometheus metrics (prom-client) for `GET /metrics`. Counters are bumped by the composition root
 * from ingest results and delivery events; queue gauges are read from the store at scrape time, so
 * they are right even when several instances share one database.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import type { AnswerKinds } from './delivery/answer-kinds.js';
import type { EventStore } from './queue/store.js';
import { EVENT_STATES } from './queue/store.js';

const PREFIX = 'pinterest_capi_';

export class RelayMetrics {
  readonly registry = new Registry();

  readonly ingestEvents = new Counter({
    name: `${PREFIX}ingest_events_total`,
    help: 'Events received by ingest, by outcome (accepted, duplicate, rejected) and source',
    labelNames: ['outcome', 'source'] as const,
    registers: [this.registry],
  });

  readonly batchSize = new Histogram({
    name: `${PREFIX}batch_size_events`,
    help: 'Events per call to Pinterest',
    buckets: [1, 10, 50, 100, 250, 500, 750, 900, 950, 1000],
    registers: [this.registry],
  });

  readonly upstreamResponses = new Counter({
    name: `${PREFIX}upstream_responses_total`,
    help: 'Calls to Pinterest by HTTP status (0: no answer: network error or timeout)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly retries = new Counter({
    name: `${PREFIX}retries_total`,
    help: 'Batches scheduled for another attempt, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly deadEvents = new Counter({
    name: `${PREFIX}dead_events_total`,
    help: 'Events dead-lettered (rejected by Pinterest, or retries or maximum age used up)',
    registers: [this.registry],
  });

  readonly deliveredEvents = new Counter({
    name: `${PREFIX}delivered_events_total`,
    help: 'Events Pinterest processed',
    registers: [this.registry],
  });

  readonly lateEvents = new Counter({
    name: `${PREFIX}late_events_total`,
    help: 'Events that reached Pinterest over an hour after event_time (counted as offline; no Tag dedup)',
    registers: [this.registry],
  });

  readonly eventTimeToDelivery = new Histogram({
    name: `${PREFIX}event_time_to_delivery_seconds`,
    help: 'From event_time to Pinterest processing the event',
    buckets: [1, 5, 15, 60, 300, 900, 3600, 21600, 86400, 604800],
    registers: [this.registry],
  });

  readonly ingestToDelivery = new Histogram({
    name: `${PREFIX}ingest_to_delivery_seconds`,
    help: 'From the relay acknowledging an event to Pinterest processing it',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 3600],
    registers: [this.registry],
  });

  readonly upstreamWarnings = new Counter({
    name: `${PREFIX}upstream_warnings_total`,
    help: "Pinterest's per-event warning_message answers, by kind (the field they name)",
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly upstreamUnexpected = new Counter({
    name: `${PREFIX}upstream_unexpected_answers_total`,
    help: 'Calls Pinterest answered in a way the relay did not expect, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly pausedAccounts = new Gauge({
    name: `${PREFIX}paused_accounts`,
    help: 'Ad accounts whose delivery is paused because Pinterest rejected the credentials',
    registers: [this.registry],
  });

  constructor(options: { store: EventStore; defaultMetrics?: boolean }) {
    const { store } = options;
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: PREFIX });

    new Gauge({
      name: `${PREFIX}queue_events`,
      help: 'Stored events by state',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const stats = await store.stats();
        for (const state of EVENT_STATES) this.set({ state }, stats.byState[state]);
      },
    });

    new Gauge({
      name: `${PREFIX}oldest_pending_age_seconds`,
      help: 'Age of the oldest event not yet delivered or dead (0 when none)',
      registers: [this.registry],
      async collect() {
        const stats = await store.stats();
        const oldest = stats.oldestPendingReceivedAt;
        this.set(oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
      },
    });
  }

  /** Counts one call's warnings and unexpected answers. */
  observeAnswers(answers: AnswerKinds): void {
    for (const [kind, count] of Object.entries(answers.warnings)) {
      this.upstreamWarnings.inc({ kind }, count);
    }

    for (const [kind, count] of Object.entries(answers.unexpected)) {
      this.upstreamUnexpected.inc({ kind }, count);
    }
  }

  /** Records one delivered event's two delays. */
  observeDelivered(event: { eventTime: number; receivedAt: number }, now: number): void {
    this.deliveredEvents.inc();
    this.eventTimeToDelivery.observe(Math.max(0, now / 1000 - event.eventTime));
    this.ingestToDelivery.observe(Math.max(0, (now - event.receivedAt) / 1000));
  }
}
