/**
 * @module cli/database
 * Which database the operator commands (`status`, `replay`, `migrate`) open: the same one `serve`
 * would, without needing the Pinterest credentials `serve` checks.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { DEFAULT_CONFIG_FILE, DEFAULT_DATABASE_URL } from '../config/config.js';
import type { CommandIo } from './io.js';
import { UsageError } from './usage-error.js';

/** `--database-url`, else the config file's `databaseUrl`, else `DATABASE_URL`, else the default. */
export async function resolveDatabaseUrl(
  io: CommandIo,
  flags: { databaseUrl?: string | undefined; config?: string | undefined },
): Promise<string> {
  if (flags.databaseUrl) return flags.databaseUrl;
  const path = flags.config ?? join(io.cwd, DEFAULT_CONFIG_FILE);
  let text: string | undefined;

  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (flags.config !== undefined) {
      throw new UsageError(
        `cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      );
    }
  }

  if (text !== undefined) {
    let parsed: unknown;

    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError(`config file ${path} is not valid JSON`);
    }

    const url = (parsed as { databaseUrl?: unknown } | null)?.databaseUrl;
    if (typeof url === 'string') return url;
  }

  return io.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
}

/** A database URL fit for printing: the password, if any, hidden. */
export function describeDatabaseUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
