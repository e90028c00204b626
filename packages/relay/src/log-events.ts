/**
 * @module log-events
 * Every recurring log line of the relay, in one place: the message and level of each lifecycle
 * event, with the same field names everywhere (fields first, a short constant message second,
 * errors under `err`). Secrets and identifiers are redacted by path, and untrusted bodies never
 * reach a log line at all.
 */
import { pino } from 'pino';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';

/** Paths censored in every line, in case a caller passes an object that carries them. */
export const REDACT_PATHS = [
  'accessToken',
  '*.accessToken',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'apiKeys',
  '*.apiKeys',
  'secret',
  '*.secret',
  'webhookSecrets',
  '*.webhookSecrets',
  'req.headers.authorization',
  'req.headers["x-shopify-hmac-sha256"]',
  'req.headers["stripe-signature"]',
  'req.headers["x-wc-webhook-signature"]',
  'user_data',
  '*.user_data',
  'event.user_data',
];

export function createLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
    base: { service: 'pinterest-capi-relay' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

export const logEvents = {
  listening(log: Logger, fields: { url: string; mode: string; tenants: number; store: string }) {
    log.info(fields, 'relay listening');
  },
  sandboxMode(log: Logger, fields: { sandboxUrl: string; apiKey: string }) {
    // Loud on purpose: nothing reaches Pinterest in this mode, and someone may not expect that.
    log.warn(
      { sandboxUrl: fields.sandboxUrl, demoApiKey: fields.apiKey },
      'SANDBOX MODE: no Pinterest credentials configured; events go to an in-process sandbox, not Pinterest',
    );
  },
  stopping(log: Logger, fields: { signal: string }) {
    log.info(fields, 'relay stopping');
  },
  stopped(log: Logger, fields: { durationMs: number }) {
    log.info(fields, 'relay stopped');
  },
  batchDelivered(
    log: Logger,
    fields: {
      adAccountId: string;
      events: number;
      processed: number;
      failed: number;
      status: number;
      durationMs: number;
    },
  ) {
    log.info(fields, 'batch delivered');
  },
  retryScheduled(
    log: Logger,
    fields: {
      adAccountId: string;
      events: number;
      attempt: number;
      delayMs: number;
      reason: string;
      status?: number | undefined;
    },
  ) {
    log.warn(fields, 'retry scheduled');
  },
  eventDead(log: Logger, fields: { adAccountId: string; eventId: string; reason: string }) {
    log.error(fields, 'event dead-lettered');
  },
  accountPaused(log: Logger, fields: { adAccountId: string; reason: string }) {
    log.error(fields, 'ad account paused: credentials rejected');
  },
  accountResumed(log: Logger, fields: { adAccountId: string }) {
    log.info(fields, 'ad account resumed');
  },
  lateEvent(log: Logger, fields: { adAccountId: string; eventId: string; lateBySeconds: number }) {
    // Over an hour late, Pinterest counts the event as offline: it no longer deduplicates with the Tag.
    log.warn(fields, 'event reached Pinterest over an hour after event_time');
  },
  storeError(log: Logger, err: unknown) {
    log.error({ err }, 'store operation failed');
  },
};
