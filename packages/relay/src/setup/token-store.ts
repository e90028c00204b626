/**
 * @module setup/token-store
 * The OAuth token file: one JSON document, readable by its owner alone, replaced atomically so that
 * a crash mid-write never loses the refresh token (Pinterest rotates it on every refresh, so the
 * previous one is already dead by the time the new one is written).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What `auth login` stores. Times are epoch milliseconds. */
export interface StoredTokens {
  version: 1;
  clientId: string;
  /** The API base the tokens belong to, so a sandbox token is never sent to Pinterest. */
  apiBaseUrl: string;
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken?: string | undefined;
  refreshTokenExpiresAt?: number | undefined;
  scopes: string[];
  /** The Pinterest username the tokens act as, when `user_accounts:read` allowed reading it. */
  username?: string | undefined;
  obtainedAt: number;
  /** A conversion token minted by `auth conversion-token`. */
  conversionToken?: { token: string; obtainedAt: number } | undefined;
}

/** The token file is unusable (not a token file, or for another API); the message names it. */
export class TokenFileError extends Error {
  override name = 'TokenFileError';
}

/**
 * Where the token file lives: `PINTEREST_CAPI_TOKEN_FILE`, else
 * `$XDG_CONFIG_HOME/pinterest-capi/tokens.json`, else `~/.config/pinterest-capi/tokens.json`.
 */
export function tokenFilePath(env: NodeJS.ProcessEnv): string {
  const explicit = env['PINTEREST_CAPI_TOKEN_FILE'];
  if (explicit) return explicit;
  const config = env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  return join(config, 'pinterest-capi', 'tokens.json');
}

/**
 * Reads the token file; undefined when there is none.
 * @throws TokenFileError when the file exists but is not a token file (the message names it).
 */
export async function readTokens(path: string): Promise<StoredTokens | undefined> {
  let text: string;

  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }

  const parsed = safeParse(text);
  if (!isStoredTokens(parsed)) {
    throw new TokenFileError(
      `${path} is not a pinterest-capi token file; run pinterest-capi auth login`,
    );
  }

  return parsed;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isStoredTokens(value: unknown): value is StoredTokens {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    record['version'] === 1 &&
    typeof record['accessToken'] === 'string' &&
    typeof record['accessTokenExpiresAt'] === 'number' &&
    typeof record['clientId'] === 'string' &&
    typeof record['apiBaseUrl'] === 'string' &&
    Array.isArray(record['scopes'])
  );
}

/**
 * Writes the token file with mode 0600 through a temporary file and a rename, so readers see the
 * old document or the new one, never half of one.
 */
export async function writeTokens(path: string, tokens: StoredTokens): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  // Created 0600 from the first byte: a chmod after writing would leave a window of exposure.
  const handle = await open(temporary, 'wx', 0o600);

  try {
    await handle.writeFile(`${JSON.stringify(tokens, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }

  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

const LOCK_STALE_MS = 30_000;
const LOCK_POLL_MS = 50;

/**
 * Runs `work` while holding `<path>.lock`, so the relay and a command never refresh at the same
 * time: the loser of such a race would present a refresh token the winner already rotated away.
 * A lock older than 30 s is taken over (its holder died).
 */
export async function withTokenLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + LOCK_STALE_MS;

  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline || (await isStale(lock))) await rm(lock, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }

  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}

async function isStale(lock: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(lock)).mtimeMs > LOCK_STALE_MS;
  } catch {
    return false;
  }
}
