/**
 * @module cli/sandbox
 * `pinterest-capi sandbox`: the Pinterest API stand-in on its own port, until SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util';
import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CONVERSION_TOKEN,
  DEFAULT_TAG_ID,
  loadSandboxConfig,
  startSandbox,
} from '@pinterest-capi/sandbox';

import type { CommandIo } from './io.js';
import { EXIT, UsageError } from './usage-error.js';

export const SANDBOX_HELP = `Usage: pinterest-capi sandbox [options]

Runs a strict local stand-in for Pinterest's v5 API (events, OAuth, ad accounts, conversion tags,
Event Quality Score) with rate limits, fault injection and an inspection API under /__sandbox/.

Options:
  --port N         port to listen on (default 8788; 0 picks a free one)
  --host HOST      address to bind (default 127.0.0.1)
  --config FILE    JSON file seeding ad accounts, tokens, tags and OAuth clients
  -h, --help       show this help

Point the relay or the SDK at it with PINTEREST_API_BASE_URL=http://127.0.0.1:8788/v5.
`;

/** Runs the sandbox until the process is asked to stop; resolves to the exit code. */
export async function runSandbox(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8788' },
      host: { type: 'string', default: '127.0.0.1' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

  if (values.help) {
    io.out.write(SANDBOX_HELP);
    return EXIT.ok;
  }

  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError('--port must be an integer from 0 to 65535');
  }

  const config = values.config === undefined ? undefined : await loadSandboxConfig(values.config);
  const sandbox = await startSandbox({ port, host: values.host, ...(config ? { config } : {}) });
  io.err.write(
    `sandbox listening on ${sandbox.url}\n` +
      `  PINTEREST_API_BASE_URL=${sandbox.apiBaseUrl}\n` +
      (config
        ? `  seeded from ${values.config ?? ''}\n`
        : `  PINTEREST_AD_ACCOUNT_ID=${DEFAULT_AD_ACCOUNT_ID}\n` +
          `  PINTEREST_ACCESS_TOKEN=${DEFAULT_CONVERSION_TOKEN}\n` +
          `  PINTEREST_TAG_ID=${DEFAULT_TAG_ID}\n`),
  );

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.close();
  return EXIT.ok;
}
