/**
 * @module cli/serve
 * `pinterest-capi serve` (and `npm start`): the relay, until SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util';

import { ConfigError, SANDBOX_WEBHOOK_SECRETS, loadConfig } from '../config/config.js';
import type { RelayConfig } from '../config/config.js';
import { createLogger, logEvents } from '../log-events.js';
import { createRelay } from '../relay.js';
import type { CommandIo } from './io.js';
import { EXIT, UsageError } from './usage-error.js';

export const SERVE_HELP = `Usage: pinterest-capi serve [options]

Runs the relay: ingest (POST /v1/events, /v1/checkout, webhooks), the durable queue, delivery to
Pinterest in full batches, the dashboard (/), /healthz, /readyz and /metrics.

With no Pinterest credentials it runs against an in-process sandbox and says so; with
NODE_ENV=production, missing credentials stop it at start.

Options:
  --config FILE   config file for several tenants (default ./pinterest-capi.config.json if present)
  --port N        port to listen on (default PORT or 8787)
  -h, --help      show this help

Environment:
  PINTEREST_ACCESS_TOKEN, PINTEREST_AD_ACCOUNT_ID, PINTEREST_TAG_ID, PINTEREST_API_BASE_URL,
  DATABASE_URL (default file:./data/pinterest-capi.sqlite; postgres://... for PostgreSQL),
  RELAY_API_KEYS (comma-separated), PORT, SHOPIFY_WEBHOOK_SECRET, STRIPE_WEBHOOK_SECRET,
  WOOCOMMERCE_WEBHOOK_SECRET, LOG_LEVEL (default info), NODE_ENV
`;

/** Runs the relay until a signal asks it to stop; resolves to the exit code. */
export async function runServe(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

  if (values.help) {
    io.out.write(SERVE_HELP);
    return EXIT.ok;
  }

  // Number() alone would take '0x50' or '1e3': only plain decimal digits are a port.
  const port = values.port === undefined ? undefined : Number(values.port);
  if (values.port !== undefined && (!/^\d{1,5}$/.test(values.port) || Number(port) > 65_535)) {
    throw new UsageError('--port must be an integer from 0 to 65535');
  }

  let config;

  try {
    config = await loadConfig({ env: io.env, configPath: values.config, cwd: io.cwd, port });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }

  const logger = createLogger();
  const relay = await createRelay({ config, logger });
  const url = await relay.listen();

  if (config.mode === 'sandbox') {
    io.err.write(
      `\n  SANDBOX MODE: no Pinterest credentials are set, so nothing is sent to Pinterest.\n` +
        `  Events go to an in-process sandbox at ${relay.sandboxUrl ?? ''}.\n` +
        `  Try: curl -X POST ${url}/v1/checkout -H 'authorization: Bearer ${relay.config.tenants[0]?.apiKeys[0] ?? ''}' \\\n` +
        `         -H 'content-type: application/json' \\\n` +
        `         -d '{"order_id":"1001","value":"72.39","currency":"USD","email":"shopper@example.com"}'\n` +
        `  Webhooks: ${url}/webhooks/<platform>, signed with ${demoSecrets(relay.config)}.\n` +
        `  Dashboard: ${url}/\n\n`,
    );
  }

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => {
      resolve('SIGINT');
    });
    process.once('SIGTERM', () => {
      resolve('SIGTERM');
    });
  });
  logEvents.stopping(logger, { signal });
  await relay.close();
  return EXIT.ok;
}

/**
 * The sandbox tenant's webhook secrets for the banner: the public demo ones by value, a secret
 * from the environment only by its variable's name (a real secret is never printed).
 */
function demoSecrets(config: RelayConfig): string {
  const secrets = config.tenants[0]?.webhookSecrets ?? {};
  const platforms = ['shopify', 'stripe', 'woocommerce'] as const;
  return platforms
    .map((platform) =>
      secrets[platform] === SANDBOX_WEBHOOK_SECRETS[platform]
        ? `${platform}: ${SANDBOX_WEBHOOK_SECRETS[platform]}`
        : `${platform}: $${platform.toUpperCase()}_WEBHOOK_SECRET`,
    )
    .join(', ');
}
