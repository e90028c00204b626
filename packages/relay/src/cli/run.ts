/**
 * @module cli/run
 * The `pinterest-capi` command: one entry, a subcommand per task.
 */
import { isCapiError } from '@pinterest-capi/sdk';

import { runAuth } from './auth.js';
import { runDoctorCommand } from './doctor.js';
import { runErase } from './erase.js';
import { processIo } from './io.js';
import type { CommandIo } from './io.js';
import { runMigrate } from './migrate.js';
import { runQuality } from './quality.js';
import { runReplay } from './replay.js';
import { runSandbox } from './sandbox.js';
import { runSchema } from './schema.js';
import { runSend } from './send.js';
import { runServe } from './serve.js';
import { runStatus } from './status.js';
import { EXIT, UsageError } from './usage-error.js';
import { versionLine } from './version.js';

type Command = (argv: string[], io: CommandIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  serve: { run: runServe, summary: 'run the relay: ingest, durable queue, delivery, dashboard' },
  send: { run: runSend, summary: 'send events or checkouts from a file or stdin' },
  status: { run: runStatus, summary: 'queue depth by state, delivery rates, oldest pending age' },
  replay: { run: runReplay, summary: 're-queue dead-lettered events by filter' },
  erase: { run: runErase, summary: 'forget every stored event of one person (email, phone, id)' },
  migrate: { run: runMigrate, summary: "create or upgrade the queue database's schema" },
  sandbox: { run: runSandbox, summary: "run the local stand-in for Pinterest's v5 API" },
  auth: { run: runAuth, summary: 'OAuth login, token status and refresh, mint a conversion token' },
  doctor: { run: runDoctorCommand, summary: 'check token, ad account, Tag, EQS and relay' },
  quality: { run: runQuality, summary: "Event Quality Score beside the relay's own coverage" },
  schema: { run: runSchema, summary: 'schema diff NEWER.json: API changes that would break this' },
};

export const MAIN_HELP = `Usage: pinterest-capi <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(10)} ${summary}`)
  .join('\n')}

Run pinterest-capi <command> --help for a command's options.
`;

/** Runs the command line; resolves to the process exit code. */
export async function main(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;

  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.out.write(MAIN_HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }

  if (name === '--version' || name === '-v') {
    io.out.write(versionLine());
    return EXIT.ok;
  }

  const command = COMMANDS[name];

  if (!command) {
    io.err.write(`unknown command "${name}"\n\n${MAIN_HELP}`);
    return EXIT.usage;
  }

  try {
    return await command.run(rest, io);
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CommandIo): number {
  if (error instanceof UsageError || isArgsError(error)) {
    io.err.write(`pinterest-capi: ${(error as Error).message}\n`);
    return EXIT.usage;
  }

  if (isCapiError(error)) {
    io.err.write(`pinterest-capi: ${error.code}: ${error.message}\n`);
    return EXIT.failure;
  }

  io.err.write(
    `pinterest-capi: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return EXIT.failure;
}

/** Errors `node:util.parseArgs` throws for unknown or malformed options. */
function isArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
