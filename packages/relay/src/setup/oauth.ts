/**
 * @module setup/oauth
 * Pinterest's OAuth 2.0 as a client: the authorize URL, the token endpoint with Basic client
 * authentication (code and refresh grants), minting a conversion token, and keeping stored tokens
 * fresh. Refresh tokens rotate, so every refresh is written back before the new token is used.
 */
import { randomBytes } from 'node:crypto';

import { callApi, describeNetworkError, readAnswer } from './api.js';
import type { ApiAnswer, ApiTarget } from './api.js';
import { readTokens, withTokenLock, writeTokens } from './token-store.js';
import type { StoredTokens } from './token-store.js';

/** The scopes `auth login` asks for: read accounts, tags and EQS; send and mint; read the user. */
export const LOGIN_SCOPES: readonly string[] = ['ads:read', 'ads:write', 'user_accounts:read'];

/**
 * Refresh when less than this much of the access token's life is left.
 * @default 24 hours; tokens live 30 days, so a daily command or a running relay never sees one lapse
 */
export const REFRESH_MARGIN_MS = 24 * 3_600_000;

/** An OAuth app's credentials. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

/** Pinterest's token answer. */
export interface TokenAnswer {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  refresh_token_expires_in?: number;
  refresh_token_expires_at?: number;
}

/** A fresh random `state` for one authorization: 24 bytes, URL-safe. */
export function newState(): string {
  return randomBytes(24).toString('base64url');
}

/** The consent page URL the user opens. */
export function buildAuthorizeUrl(options: {
  oauthUrl: string;
  clientId: string;
  redirectUri: string;
  state: string;
  scopes?: readonly string[];
}): string {
  const url = new URL(options.oauthUrl);
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('redirect_uri', options.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', (options.scopes ?? LOGIN_SCOPES).join(','));
  url.searchParams.set('state', options.state);
  return url.toString();
}

/** Calls `POST /oauth/token` with Basic client auth and a form body. */
export async function requestToken(
  target: ApiTarget,
  options: { client: OAuthClient; form: Record<string, string> },
): Promise<ApiAnswer<TokenAnswer>> {
  const doFetch = target.fetch ?? fetch;
  const basic = Buffer.from(`${options.client.clientId}:${options.client.clientSecret}`).toString(
    'base64',
  );

  try {
    const response = await doFetch(`${target.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams(options.form).toString(),
      signal: AbortSignal.timeout(target.timeoutMs ?? 15_000),
    });
    return await readAnswer<TokenAnswer>(response);
  } catch (error) {
    return { status: 0, body: undefined, error: describeNetworkError(error) };
  }
}

/** Thrown when Pinterest refuses a grant; the message names the grant and Pinterest's reason. */
export class OAuthError extends Error {
  override name = 'OAuthError';
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/**
 * Exchanges an authorization code for tokens.
 * @throws OAuthError when Pinterest refuses the code or the client.
 */
export async function exchangeCode(
  target: ApiTarget,
  options: { client: OAuthClient; code: string; redirectUri: string; now?: number },
): Promise<StoredTokens> {
  const answer = await requestToken(target, {
    client: options.client,
    form: {
      grant_type: 'authorization_code',
      code: options.code,
      redirect_uri: options.redirectUri,
      // Apps created before 2025-09-25 get a continuous refresh token only when they ask for it.
      continuous_refresh: 'true',
    },
  });
  return tokensFromAnswer(answer, { target, client: options.client, now: options.now });
}

function tokensFromAnswer(
  answer: ApiAnswer<TokenAnswer>,
  context: { target: ApiTarget; client: OAuthClient; now?: number | undefined; grant?: string },
): StoredTokens {
  const body = answer.body;
  if (!body || typeof body.access_token !== 'string') {
    const grant = context.grant ?? 'authorization_code';
    throw new OAuthError(
      `Pinterest refused the ${grant} grant (${answer.status || 'no answer'}): ${answer.error ?? 'no token in the answer'}`,
      answer.status,
    );
  }

  const now = context.now ?? Date.now();
  return {
    version: 1,
    clientId: context.client.clientId,
    apiBaseUrl: context.target.baseUrl,
    accessToken: body.access_token,
    accessTokenExpiresAt: now + body.expires_in * 1000,
    refreshToken: body.refresh_token,
    refreshTokenExpiresAt: refreshExpiry(body, now),
    scopes: (body.scope ?? '').split(/[\s,]+/).filter((scope) => scope !== ''),
    obtainedAt: now,
  };
}

function refreshExpiry(body: TokenAnswer, now: number): number | undefined {
  if (typeof body.refresh_token_expires_at === 'number')
    return body.refresh_token_expires_at * 1000;
  if (typeof body.refresh_token_expires_in === 'number') {
    return now + body.refresh_token_expires_in * 1000;
  }

  return undefined;
}

/**
 * Trades the stored refresh token for new tokens, keeping what the answer leaves out.
 * @throws OAuthError when there is no refresh token or Pinterest refuses it.
 */
export async function refreshTokens(
  target: ApiTarget,
  options: { client: OAuthClient; tokens: StoredTokens; now?: number },
): Promise<StoredTokens> {
  const { tokens } = options;
  if (tokens.refreshToken === undefined) {
    throw new OAuthError('no refresh token stored; run pinterest-capi auth login', 0);
  }

  const answer = await requestToken(target, {
    client: options.client,
    form: { grant_type: 'refresh_token', refresh_token: tokens.refreshToken },
  });
  const fresh = tokensFromAnswer(answer, { ...options, target, grant: 'refresh_token' });
  return {
    ...tokens,
    ...fresh,
    // A refresh answer without a new refresh token means the old one stays valid.
    refreshToken: fresh.refreshToken ?? tokens.refreshToken,
    refreshTokenExpiresAt: fresh.refreshTokenExpiresAt ?? tokens.refreshTokenExpiresAt,
    scopes: fresh.scopes.length > 0 ? fresh.scopes : tokens.scopes,
  };
}

/** How {@link loadFreshTokens} finds and refreshes the stored tokens. */
export interface FreshTokenOptions {
  file: string;
  /** Needed only when a refresh is due. */
  client?: OAuthClient | undefined;
  target: ApiTarget;
  now?: () => number;
  /** @default {@link REFRESH_MARGIN_MS} */
  marginMs?: number;
  /** Refresh even when the access token has long to live. */
  force?: boolean;
}

/**
 * Reads the token file and, when the access token is within the margin of expiring (or `force`),
 * refreshes it under the file lock and writes the rotated tokens back before returning them.
 * Undefined when there is no token file.
 * @throws OAuthError when a refresh is due and cannot be made.
 * @example
 * const tokens = await loadFreshTokens({ file: tokenFilePath(process.env), client, target });
 */
export async function loadFreshTokens(
  options: FreshTokenOptions,
): Promise<StoredTokens | undefined> {
  const now = options.now ?? Date.now;
  const margin = options.marginMs ?? REFRESH_MARGIN_MS;
  const due = (tokens: StoredTokens) =>
    options.force === true || tokens.accessTokenExpiresAt - now() < margin;

  const first = await readTokens(options.file);
  if (!first || !due(first)) return first;

  return withTokenLock(options.file, async () => {
    // Another process may have refreshed while this one waited for the lock.
    const current = await readTokens(options.file);
    if (!current || current.refreshToken !== first.refreshToken || !due(current)) return current;
    if (!options.client) {
      throw new OAuthError(
        'the stored access token needs refreshing: set PINTEREST_CLIENT_ID and PINTEREST_CLIENT_SECRET',
        0,
      );
    }

    const target = { ...options.target, baseUrl: current.apiBaseUrl };
    const fresh = await refreshTokens(target, {
      client: options.client,
      tokens: current,
      now: now(),
    });
    await writeTokens(options.file, fresh);
    return fresh;
  });
}

/** Mints a conversion token with an OAuth token holding `ads:write`. */
export async function mintConversionToken(
  target: ApiTarget,
  accessToken: string,
): Promise<ApiAnswer<{ access_token: string; token_type: string }>> {
  return callApi(target, { method: 'POST', path: '/oauth/conversion_token', token: accessToken });
}

/** The OAuth client from `PINTEREST_CLIENT_ID` / `PINTEREST_CLIENT_SECRET`, when both are set. */
export function oauthClientFromEnv(env: NodeJS.ProcessEnv): OAuthClient | undefined {
  const clientId = env['PINTEREST_CLIENT_ID'];
  const clientSecret = env['PINTEREST_CLIENT_SECRET'];
  return clientId && clientSecret ? { clientId, clientSecret } : undefined;
}
