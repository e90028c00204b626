/**
 * @module setup/credentials
 * Which token a command or the relay uses: `PINTEREST_ACCESS_TOKEN` first (the Ads Manager
 * conversion token, the simplest path), then a conversion token minted by `auth conversion-token`,
 * then the OAuth access token of `auth login`, refreshed first when it is close to expiring.
 */
import { apiBaseUrl } from './api.js';
import { loadFreshTokens, oauthClientFromEnv } from './oauth.js';
import { tokenFilePath } from './token-store.js';
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
 * const { send } = await resolveCredentials(process.env);
 */
export async function resolveCredentials(
  env: NodeJS.ProcessEnv,
  options: { fetch?: typeof fetch; now?: () => number } = {},
): Promise<Credentials> {
  const file = tokenFilePath(env);
  const baseUrl = apiBaseUrl(env);
  let oauth: StoredTokens | undefined;
  let problem: string | undefined;

  try {
    oauth = await loadFreshTokens({
      file,
      client: oauthClientFromEnv(env),
      target: { baseUrl, fetch: options.fetch },
      ...(options.now ? { now: options.now } : {}),
    });
  } catch (error) {
    problem = (error as Error).message;
  }

  // Tokens from a sandbox must never travel to Pinterest, nor Pinterest's to a sandbox.
  if (oauth && oauth.apiBaseUrl !== baseUrl) {
    problem = `${file} holds tokens for ${oauth.apiBaseUrl}, not ${baseUrl}`;
    oauth = undefined;
  }

  return { send: pickSendToken(env, oauth), oauth, file, problem };
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

/**
 * The token to send events with, for the relay and `send`: see {@link resolveCredentials}.
 * Undefined when none is configured.
 */
export async function resolveAccessToken(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return (await resolveCredentials(env)).send?.token;
}
