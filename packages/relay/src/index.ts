/**
 * @module @pinterest-capi/relay
 * The relay service and the `pinterest-capi` command: build a relay from a configuration, open
 * its stores, and sign webhook payloads for tests.
 */
export { main } from './cli/run.js';
export { createRelay, openStore } from './relay.js';
export type { Relay, RelayOptions } from './relay.js';
export {
  loadConfig,
  ConfigError,
  DEFAULT_DELIVERY,
  SANDBOX_API_KEY,
  SANDBOX_WEBHOOK_SECRETS,
} from './config/config.js';
export type {
  RelayConfig,
  TenantConfig,
  DeliveryConfig,
  LoadConfigOptions,
} from './config/config.js';
export { SqliteStore } from './queue/sqlite-store.js';
export type { SqliteStoreOptions } from './queue/sqlite-store.js';
export { PostgresStore } from './queue/postgres-store.js';
export { GroupCommitter } from './queue/group-commit.js';
export type {
  EventStore,
  EventState,
  EventSource,
  NewEvent,
  EnqueueResult,
  EventRecord,
  QueueStats,
} from './queue/store.js';
export { DeliveryWorker } from './delivery/worker.js';
export { signWebhook, verifyWebhookSignature, WEBHOOK_PLATFORMS } from './webhooks/signature.js';
export type { WebhookPlatform, SignWebhookOptions } from './webhooks/signature.js';
