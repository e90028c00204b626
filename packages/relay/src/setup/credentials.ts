/**
 * @module setup/credentials
 * Which tokens the setup commands (`doctor`, `quality`) and the relay's EQS panel use: to send,
 * `PINTEREST_ACCESS_TOKEN` first (the Ads Manager conversion token, the simplest path), then a
 * conversion token minted by `auth conversion-token`, then the OAuth access token of `auth login`;
 * to read accounts, Tags and EQS, the OAuth access token, refreshed first when close to expiring.
 */
import { apiBaseUrl } from './api.js';
import { loadFreshTokens, oauthClientFromEnv } from './oauth.js';
import type { OAuthClient } from './oauth.js';
import { readTokens, tokenFilePath, TokenFileError } from './token-store.js';
import type { StoredTokens } from './token-store.js';

/** Where a token came from, for messages (never the token itself). */
export type TokenSource = 'PINTEREST_ACCESS_TOKEN' | 'conversion token file' | 'OAuth token file';

/** The tokens a command can use. */
export interface Credentials {
  /** The token to send events with, if any. */
  send?: { token: string; source: TokenSource } | undefined;
  /** The stored OAuth tokens, fresh, for reads that a conversion token cannot make. */
  oauth?: StoredTokens | undefined;
  /** The token file consulted. */
  file: string;
  /** Why the stored tokens were not used, when they exist but were set aside. */
  problem?: string | undefined;
}

/**
 * Resolves the credentials from the environment and the token file, refreshing the OAuth token
 * when it expires within a day. A refresh that fails leaves `oauth` unset and says why in
 * `problem`; it does not throw, so `PINTEREST_ACCESS_TOKEN` still works.
 * @example
 * const { send, oauth } = await resolveCredentials(process.env);
 */
export async function resolveCredentials(
  env: NodeJS.ProcessEnv,
  options: { fetch?: typeof fetch | undefined; now?: () => number } = {},
): Promise<Credentials> {
  const file = tokenFilePath(env);
  let oauth: StoredTokens | undefined;
  let problem: string | undefined;

  try {
    oauth = await loadStoredTokens({
      file,
      apiBaseUrl: apiBaseUrl(env),
      client: oauthClientFromEnv(env),
      ...options,
    });
  } catch (error) {
    problem = (error as Error).message;
  }

  return { send: pickSendToken(env, oauth), oauth, file, problem };
}

/** Where the stored tokens are and which API they must belong to. */
export interface StoredTokenOptions {
  file: string;
  /** The API the caller talks to, without a trailing slash. */
  apiBaseUrl: string;
  /** Needed only when a refresh is due. */
  client?: OAuthClient | undefined;
  fetch?: typeof fetch | undefined;
  now?: () => number;
}

/**
 * The stored tokens when they belong to `apiBaseUrl`, refreshed (and written back) first when
 * due; undefined when there is no token file. Tokens from a sandbox must never travel to
 * Pinterest, nor Pinterest's to a sandbox, so a mismatch is refused before any refresh.
 * @throws TokenFileError when the file is not a token file or belongs to another API.
 * @throws OAuthError when a refresh is due and fails.
 * @example
 * const tokens = await loadStoredTokens({ file, apiBaseUrl, client });
 */
export async function loadStoredTokens(
  options: StoredTokenOptions,
): Promise<StoredTokens | undefined> {
  const stored = await readTokens(options.file);
  if (!stored) return undefined;
  if (stored.apiBaseUrl !== options.apiBaseUrl) {
    throw new TokenFileError(
      `${options.file} holds tokens for ${stored.apiBaseUrl}, not ${options.apiBaseUrl}`,
    );
  }

  return loadFreshTokens({
    file: options.file,
    client: options.client,
    target: { baseUrl: options.apiBaseUrl, fetch: options.fetch },
    ...(options.now ? { now: options.now } : {}),
  });
}

function pickSendToken(
  env: NodeJS.ProcessEnv,
  oauth: StoredTokens | undefined,
): Credentials['send'] {
  const fromEnv = env['PINTEREST_ACCESS_TOKEN'];
  if (fromEnv) return { token: fromEnv, source: 'PINTEREST_ACCESS_TOKEN' };
  if (oauth?.conversionToken) {
    return { token: oauth.conversionToken.token, source: 'conversion token file' };
  }

  return oauth ? { token: oauth.accessToken, source: 'OAuth token file' } : undefined;
}
