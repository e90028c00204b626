/**
 * @module relay
 * The composition root: builds the store, the group committer, the delivery worker, the HTTP
 * routes, the logger and the metrics from a `RelayConfig`, and wires their events together. Every
 * other module receives what it needs; only this one knows them all.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fastify } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CONVERSION_TOKEN,
  DEFAULT_TAG_ID,
  startSandbox,
} from '@pinterest-capi/sandbox';

import { SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRETS } from './config/config.js';
import type { RelayConfig, TenantConfig } from './config/config.js';
import { dashboardRoutes } from './dashboard/routes.js';
import { DeliveryWorker } from './delivery/worker.js';
import { createApiKeyResolver } from './ingest/api-keys.js';
import { ingestRoutes } from './ingest/routes.js';
import { erasureRoutes } from './privacy/erasure.js';
import type { IngestCounts, IngestTenant } from './ingest/routes.js';
import { createLogger, logEvents } from './log-events.js';
import { RelayMetrics } from './metrics.js';
import { registerOpsRoutes } from './ops/routes.js';
import { GroupCommitter } from './queue/group-commit.js';
import { PostgresStore, isPostgresUrl } from './queue/postgres-store.js';
import { SqliteStore } from './queue/sqlite-store.js';
import type { PostgresPacer } from './queue/postgres-pacer.js';
import type { EventStore, NewEvent } from './queue/store.js';
import { registerTagJsRoute } from './tag-js/route.js';
import { webhookRoutes } from './webhooks/routes.js';

export interface RelayOptions {
  config: RelayConfig;
  logger?: Logger;
  /** Names this instance in leases. @default a random id */
  instanceId?: string;
  /** Time allowed for in-flight calls at shutdown. @default 10000 */
  shutdownTimeoutMs?: number;
}

export interface Relay {
  readonly app: FastifyInstance;
  readonly config: RelayConfig;
  readonly store: EventStore;
  readonly worker: DeliveryWorker;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
  /** The in-process sandbox's origin in sandbox mode. */
  readonly sandboxUrl: string | undefined;
  /** Starts delivery and listens; resolves to the relay's URL. */
  listen(): Promise<string>;
  /** Stops intake, finishes or releases in-flight batches, closes the store. */
  close(): Promise<void>;
}

/** Builds a relay from its configuration; call `listen()` to start it. */
export async function createRelay(options: RelayOptions): Promise<Relay> {
  const logger = options.logger ?? createLogger();
  const sandbox = options.config.mode === 'sandbox' ? await startSandbox({ port: 0 }) : undefined;
  const config = sandbox ? withSandboxTenant(options.config, sandbox.apiBaseUrl) : options.config;
  const { store, kind } = await openStore(config.databaseUrl);
  const owner = options.instanceId ?? `relay-${randomUUID().slice(0, 8)}`;
  const worker = new DeliveryWorker({
    store,
    owner,
    accounts: config.tenants.map((tenant) => ({
      adAccountId: tenant.adAccountId,
      accessToken: tenant.accessToken,
      baseUrl: config.apiBaseUrl,
      callsPerMinute: tenant.callsPerMinute,
      ...(tenant.partnerName ? { partnerName: tenant.partnerName } : {}),
    })),
    lingerMs: config.delivery.lingerMs,
    leaseMs: config.delivery.leaseMs,
    concurrency: config.delivery.concurrency,
    retryBudgetMs: config.delivery.retryBudgetMs,
    maxEventAgeSeconds: config.delivery.maxEventAgeSeconds,
    ...sharedPacing(store),
  });
  const metrics = new RelayMetrics({ store });
  wireDeliveryEvents(worker, metrics, logger);

  const pruner = schedulePrune(store, config.retentionDays, logger);
  const app = buildApp({ config, store, kind, worker, metrics, logger });
  let accepting = true;
  const committer = new GroupCommitter(store);
  const tenants = createApiKeyResolver(
    config.tenants.flatMap((tenant) =>
      tenant.apiKeys.map((key) => ({ key, tenant: ingestTenant(tenant, config) })),
    ),
  );
  // What both ways in (the API and the platforms' webhooks) share: the commit, the wake-up of the
  // worker, the shutdown gate and the ingest counters.
  const intake = {
    enqueue: (events: readonly NewEvent[]) => committer.enqueue(events),
    onStored: (adAccountId: string, accepted: number) => {
      worker.notify(adAccountId, accepted);
    },
    isAccepting: () => accepting,
    onResults: (source: string, counts: IngestCounts) => {
      metrics.ingestEvents.inc({ outcome: 'accepted', source }, counts.accepted);
      metrics.ingestEvents.inc({ outcome: 'duplicate', source }, counts.duplicates);
      metrics.ingestEvents.inc({ outcome: 'rejected', source }, counts.rejected);
    },
  };
  await app.register(ingestRoutes({ authenticate: tenants, ...intake }));
  await app.register(
    webhookRoutes({
      tenants: config.tenants.map((tenant) => ({
        ...ingestTenant(tenant, config),
        webhookSecrets: tenant.webhookSecrets,
      })),
      ...intake,
    }),
  );
  await app.register(
    erasureRoutes({
      store,
      authenticate: createApiKeyResolver(
        config.tenants.flatMap((tenant) =>
          tenant.apiKeys.map((key) => ({
            key,
            tenant: {
              name: tenant.name,
              adAccountId: tenant.adAccountId,
              defaultCountry: tenant.defaultCountry,
            },
          })),
        ),
      ),
    }),
  );
  await app.register(dashboardRoutes({ config, store, worker }));

  return {
    app,
    config,
    store,
    worker,
    metrics,
    logger,
    sandboxUrl: sandbox?.url,
    async listen() {
      worker.start();
      pruner.start();
      const address = await app.listen({ port: config.port, host: config.host });
      const url = address.replace('0.0.0.0', '127.0.0.1');
      if (sandbox)
        logEvents.sandboxMode(logger, { sandboxUrl: sandbox.url, apiKey: SANDBOX_API_KEY });
      logEvents.listening(logger, {
        url,
        mode: config.mode,
        tenants: config.tenants.length,
        store: kind,
      });
      return url;
    },
    async close() {
      const started = Date.now();
      accepting = false;
      pruner.stop();
      await worker.stop({ timeoutMs: options.shutdownTimeoutMs ?? 10_000 });
      await app.close();
      await committer.flush();
      await store.close();
      await sandbox?.close();
      logEvents.stopped(logger, { durationMs: Date.now() - started });
    },
  };
}

function withSandboxTenant(config: RelayConfig, apiBaseUrl: string): RelayConfig {
  const tenant: TenantConfig = {
    name: 'sandbox',
    adAccountId: DEFAULT_AD_ACCOUNT_ID,
    accessToken: DEFAULT_CONVERSION_TOKEN,
    tagId: DEFAULT_TAG_ID,
    apiKeys: [SANDBOX_API_KEY],
    partnerName: undefined,
    callsPerMinute: 5000,
    defaultCountry: config.sandboxTenant?.defaultCountry,
    webhookSecrets: config.sandboxTenant?.webhookSecrets ?? { ...SANDBOX_WEBHOOK_SECRETS },
    privacy: config.sandboxTenant?.privacy,
  };
  return { ...config, apiBaseUrl, tenants: [tenant] };
}

function ingestTenant(tenant: TenantConfig, config: RelayConfig): IngestTenant {
  return {
    name: tenant.name,
    adAccountId: tenant.adAccountId,
    prepare: {
      maxEventAgeSeconds: config.delivery.maxEventAgeSeconds,
      ...(tenant.partnerName ? { partnerName: tenant.partnerName } : {}),
      ...(tenant.defaultCountry ? { defaultCountry: tenant.defaultCountry } : {}),
    },
    privacy: tenant.privacy,
  };
}

/** Opens the store a `DATABASE_URL` names: a SQLite file (the default) or PostgreSQL. */
export async function openStore(
  databaseUrl: string,
): Promise<{ store: EventStore; kind: 'sqlite' | 'postgres' }> {
  if (isPostgresUrl(databaseUrl)) {
    // `?schema=` in the URL picks the schema (default pinterest_capi); open() migrates it.
    const store = await PostgresStore.open({ connectionString: databaseUrl });
    return { store, kind: 'postgres' };
  }

  const path = sqlitePath(databaseUrl);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const store = SqliteStore.open({ path });
  await store.migrate();
  return { store, kind: 'sqlite' };
}

/**
 * On PostgreSQL, every relay takes each call slot from a budget kept in the database, so the
 * fleet together stays within an ad account's calls per minute.
 */
function sharedPacing(store: EventStore): {
  pacerFor?: (adAccountId: string, callsPerMinute: number) => PostgresPacer;
} {
  if (!(store instanceof PostgresStore)) return {};
  return { pacerFor: (_adAccountId, callsPerMinute) => store.createPacer({ callsPerMinute }) };
}

/** `file:./data/x.sqlite`, `sqlite:x.db` or a plain path. */
export function sqlitePath(databaseUrl: string): string {
  const path = databaseUrl.replace(/^(file|sqlite):(\/\/)?/, '');
  return path === ':memory:' ? path : resolve(path);
}

interface AppDeps {
  config: RelayConfig;
  store: EventStore;
  kind: 'sqlite' | 'postgres';
  worker: DeliveryWorker;
  metrics: RelayMetrics;
  logger: Logger;
}

function buildApp(deps: AppDeps): FastifyInstance {
  // pino's Logger is a FastifyBaseLogger; naming the base type keeps FastifyInstance's defaults.
  const httpLog: FastifyBaseLogger = deps.logger.child({ component: 'http' });
  const app = fastify({ loggerInstance: httpLog, requestIdHeader: 'x-request-id' });
  const readers = createApiKeyResolver(
    deps.config.tenants.flatMap((tenant) =>
      tenant.apiKeys.map((key) => ({ key, tenant: { adAccountId: tenant.adAccountId } })),
    ),
  );
  registerOpsRoutes(app, {
    store: deps.store,
    metrics: deps.metrics,
    mode: deps.config.mode,
    storeKind: deps.kind,
    accounts: () =>
      deps.worker.accountStatus().map(({ adAccountId, paused }) => ({ adAccountId, paused })),
    authenticate: readers,
  });
  registerTagJsRoute(app);
  return app;
}

function wireDeliveryEvents(worker: DeliveryWorker, metrics: RelayMetrics, logger: Logger): void {
  const log = logger.child({ component: 'delivery' });

  worker.on('batch', (batch) => {
    metrics.batchSize.observe(batch.events);
    metrics.upstreamResponses.inc({ status: String(batch.status ?? 0) });
    if (batch.answers) metrics.observeAnswers(batch.answers);
    if (batch.status === 200 || batch.status === 422) {
      logEvents.batchDelivered(log, { ...batch, status: batch.status });
    }
  });
  worker.on('delivered', ({ events, at }) => {
    for (const event of events) metrics.observeDelivered(event, at);
  });
  worker.on('retry', (retry) => {
    metrics.retries.inc({ reason: retry.reason });
    logEvents.retryScheduled(log, retry);
  });
  worker.on('dead', (dead) => {
    metrics.deadEvents.inc();
    logEvents.eventDead(log, dead);
  });
  worker.on('paused', (paused) => {
    metrics.pausedAccounts.inc();
    logEvents.accountPaused(log, paused);
  });
  worker.on('resumed', (resumed) => {
    metrics.pausedAccounts.dec();
    logEvents.accountResumed(log, resumed);
  });
  worker.on('late', (late) => {
    metrics.lateEvents.inc();
    logEvents.lateEvent(log, late);
  });
  worker.on('error', (report) => {
    logEvents.storeError(log, report.err);
  });
}

/** How often delivered and dead events past the retention window are deleted. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * Deletes delivered and dead events older than the retention window, at start and then hourly,
 * in bulk. The window is also how long a repeated `event_id` is recognised as a duplicate.
 */
function schedulePrune(store: EventStore, retentionDays: number, logger: Logger) {
  const log = logger.child({ component: 'retention' });
  let timer: NodeJS.Timeout | undefined;
  const prune = () => {
    const before = Date.now() - retentionDays * 86_400_000;
    store.prune(before).then(
      (pruned) => {
        if (pruned > 0) log.info({ pruned, retentionDays }, 'pruned old events');
      },
      (err: unknown) => {
        logEvents.storeError(log, err);
      },
    );
  };

  return {
    start() {
      prune();
      timer = setInterval(prune, PRUNE_EVERY_MS);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
