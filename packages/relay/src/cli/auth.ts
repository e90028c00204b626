/**
 * @module cli/auth
 * `pinterest-capi auth login | status | refresh | conversion-token`: OAuth 2.0 with a local
 * callback, the token file, and minting a conversion token. The Ads Manager conversion token in
 * `PINTEREST_ACCESS_TOKEN` needs none of this; OAuth is for `doctor`, `quality` and discovery.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

import { apiBaseUrl, callApi, DEFAULT_OAUTH_URL } from '../setup/api.js';
import { startCallbackServer } from '../setup/login.js';
import {
  buildAuthorizeUrl,
  exchangeCode,
  loadFreshTokens,
  mintConversionToken,
  newState,
  oauthClientFromEnv,
} from '../setup/oauth.js';
import type { OAuthClient } from '../setup/oauth.js';
import { readTokens, tokenFilePath, writeTokens } from '../setup/token-store.js';
import type { StoredTokens } from '../setup/token-store.js';
import type { CommandIo } from './io.js';
import { EXIT, UsageError } from './usage-error.js';

/** The port of the local redirect URI; it must match the one registered with the app. */
export const DEFAULT_CALLBACK_PORT = 8790;

export const AUTH_HELP = `Usage: pinterest-capi auth <login|status|refresh|conversion-token> [options]

The simplest path needs no OAuth at all: generate a conversion access token in Ads Manager
(Conversions > Conversions API > Generate new token) and set PINTEREST_ACCESS_TOKEN. OAuth adds
what that token cannot do: list ad accounts and Tags, read Event Quality Score (doctor, quality).

Subcommands:
  login              OAuth 2.0 authorization: prints the redirect URI to register and the URL to
                     open, waits for the redirect on 127.0.0.1, stores the tokens (mode 0600)
  status             who the stored tokens act as, their scopes and expiry (never the tokens)
  refresh            refresh the access token now (commands and the relay also do it by themselves
                     within a day of expiry); the rotated refresh token replaces the old one
  conversion-token   mint a conversion token through /v5/oauth/conversion_token and store it

Options:
  --no-open          login: print the URL instead of opening a browser (headless machines)
  --port N           login: callback port (default ${DEFAULT_CALLBACK_PORT}; 0 picks a free one)
  --timeout SECONDS  login: how long to wait for the redirect (default 300)
  --json             status: print JSON
  -h, --help         show this help

Environment:
  PINTEREST_CLIENT_ID, PINTEREST_CLIENT_SECRET   the OAuth app (login, refresh)
  PINTEREST_OAUTH_URL      consent page (default ${DEFAULT_OAUTH_URL})
  PINTEREST_API_BASE_URL   API base (default https://api.pinterest.com/v5)
  PINTEREST_CAPI_TOKEN_FILE  token file (default ~/.config/pinterest-capi/tokens.json)

Examples:
  pinterest-capi auth login --no-open
  pinterest-capi auth status
`;

/** Runs `auth`; resolves to the exit code. */
export async function runAuth(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'no-open': { type: 'boolean', default: false },
      port: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [subcommand, ...extra] = positionals;

  if (values.help || subcommand === undefined) {
    io.out.write(AUTH_HELP);
    return values.help ? EXIT.ok : EXIT.usage;
  }

  if (extra.length > 0) throw new UsageError(`auth ${subcommand} takes no arguments`);

  switch (subcommand) {
    case 'login':
      return runLogin(io, {
        open: !values['no-open'],
        port: parseNumber('--port', values.port, DEFAULT_CALLBACK_PORT),
        timeoutMs: parseNumber('--timeout', values.timeout, 300) * 1000,
      });
    case 'status':
      return runStatus(io, values.json);
    case 'refresh':
      return runRefresh(io);
    case 'conversion-token':
      return runConversionToken(io);
    default:
      throw new UsageError(`unknown auth subcommand "${subcommand}"`);
  }
}

function parseNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`${name} must be a whole number`);
  return value;
}

function requireClient(io: CommandIo): OAuthClient {
  const client = oauthClientFromEnv(io.env);
  if (!client) {
    throw new UsageError(
      'set PINTEREST_CLIENT_ID and PINTEREST_CLIENT_SECRET (your app at developers.pinterest.com/apps)',
    );
  }

  return client;
}

async function runLogin(
  io: CommandIo,
  options: { open: boolean; port: number; timeoutMs: number },
): Promise<number> {
  const client = requireClient(io);
  const target = { baseUrl: apiBaseUrl(io.env) };
  const state = newState();
  const server = await startCallbackServer({
    port: options.port,
    state,
    timeoutMs: options.timeoutMs,
  });

  try {
    const url = buildAuthorizeUrl({
      oauthUrl: io.env['PINTEREST_OAUTH_URL'] || DEFAULT_OAUTH_URL,
      clientId: client.clientId,
      redirectUri: server.redirectUri,
      state,
    });
    io.err.write(`Redirect URI (register it in your app's settings): ${server.redirectUri}\n`);
    io.err.write('Open this URL in a browser and approve the app:\n');
    io.out.write(`${url}\n`);
    if (options.open) openBrowser(url);

    const code = await server.code;
    const tokens = await exchangeCode(target, { client, code, redirectUri: server.redirectUri });
    tokens.username = await readUsername(target.baseUrl, tokens.accessToken);
    const file = tokenFilePath(io.env);
    await writeTokens(file, tokens);
    io.err.write(`Logged in; tokens stored in ${file} (readable by you alone).\n`);
    io.out.write(describeTokens(tokens, Date.now()));
    return EXIT.ok;
  } finally {
    await server.close();
  }
}

async function readUsername(baseUrl: string, token: string): Promise<string | undefined> {
  const answer = await callApi<{ username?: string }>(
    { baseUrl },
    { path: '/user_account', token },
  );
  return answer.body?.username;
}

function openBrowser(url: string): void {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  // No browser is not a failure: the URL is already printed.
  const child = spawn(command, [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
}

async function runStatus(io: CommandIo, json: boolean): Promise<number> {
  const file = tokenFilePath(io.env);
  const tokens = await readTokens(file);
  const fromEnv = Boolean(io.env['PINTEREST_ACCESS_TOKEN']);

  if (json) {
    io.out.write(`${JSON.stringify(statusJson(file, tokens, fromEnv), null, 2)}\n`);
  } else {
    if (fromEnv) io.out.write('PINTEREST_ACCESS_TOKEN is set: events are sent with it.\n');
    io.out.write(tokens ? describeTokens(tokens, Date.now()) : `no tokens stored in ${file}\n`);
  }

  return tokens || fromEnv ? EXIT.ok : EXIT.failure;
}

function statusJson(file: string, tokens: StoredTokens | undefined, fromEnv: boolean): unknown {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    file,
    accessTokenFromEnv: fromEnv,
    oauth: tokens
      ? {
          user: tokens.username ?? null,
          clientId: tokens.clientId,
          apiBaseUrl: tokens.apiBaseUrl,
          scopes: tokens.scopes,
          accessTokenExpiresAt: iso(tokens.accessTokenExpiresAt),
          refreshTokenExpiresAt: iso(tokens.refreshTokenExpiresAt),
          conversionToken: tokens.conversionToken
            ? { obtainedAt: iso(tokens.conversionToken.obtainedAt) }
            : null,
        }
      : null,
  };
}

/** Who, which scopes, and when each token expires; never a token. */
export function describeTokens(tokens: StoredTokens, now: number): string {
  const when = (ms: number | undefined) =>
    ms === undefined ? 'unknown' : `${new Date(ms).toISOString()} (${relative(ms - now)})`;
  const lines = [
    `user:           ${tokens.username ?? 'unknown (no user_accounts:read)'}`,
    `app:            ${tokens.clientId}`,
    `api:            ${tokens.apiBaseUrl}`,
    `scopes:         ${tokens.scopes.join(', ') || 'none'}`,
    `access token:   expires ${when(tokens.accessTokenExpiresAt)}`,
    `refresh token:  ${tokens.refreshToken === undefined ? 'none' : `expires ${when(tokens.refreshTokenExpiresAt)}`}`,
  ];
  if (tokens.conversionToken) {
    lines.push(
      `conversion token: minted ${new Date(tokens.conversionToken.obtainedAt).toISOString()}`,
    );
  }

  return `${lines.join('\n')}\n`;
}

function relative(ms: number): string {
  if (ms <= 0) return 'expired';
  const hours = Math.floor(ms / 3_600_000);
  return hours >= 48 ? `in ${Math.floor(hours / 24)} days` : `in ${hours} h`;
}

async function runRefresh(io: CommandIo): Promise<number> {
  const file = tokenFilePath(io.env);
  const tokens = await loadFreshTokens({
    file,
    client: requireClient(io),
    target: { baseUrl: apiBaseUrl(io.env) },
    force: true,
  });
  if (!tokens) {
    io.err.write(`no tokens stored in ${file}; run pinterest-capi auth login\n`);
    return EXIT.failure;
  }

  io.err.write(`Refreshed; the new tokens replace the old ones in ${file}.\n`);
  io.out.write(describeTokens(tokens, Date.now()));
  return EXIT.ok;
}

async function runConversionToken(io: CommandIo): Promise<number> {
  const file = tokenFilePath(io.env);
  const tokens = await loadFreshTokens({
    file,
    client: oauthClientFromEnv(io.env),
    target: { baseUrl: apiBaseUrl(io.env) },
  });
  if (!tokens) {
    io.err.write(`no tokens stored in ${file}; run pinterest-capi auth login first\n`);
    return EXIT.failure;
  }

  const answer = await mintConversionToken({ baseUrl: tokens.apiBaseUrl }, tokens.accessToken);
  if (!answer.body?.access_token) {
    io.err.write(
      `Pinterest refused to mint a conversion token (${answer.status}): ${answer.error ?? 'no token'}; ` +
        'the OAuth token needs the ads:write scope (run pinterest-capi auth login)\n',
    );
    return EXIT.failure;
  }

  const now = Date.now();
  await writeTokens(file, {
    ...tokens,
    conversionToken: { token: answer.body.access_token, obtainedAt: now },
  });
  io.out.write(
    `Conversion token minted and stored in ${file}.\n` +
      'send, doctor and the relay use it when PINTEREST_ACCESS_TOKEN is not set.\n',
  );
  return EXIT.ok;
}
