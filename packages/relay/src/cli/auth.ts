/**
 * @module cli/auth
 * `pinterest-capi auth login | status | refresh | conversion-token`: OAuth 2.0 with a local
 * callback, the token file, and minting a conversion token. The Ads Manager conversion token in
 * `PINTEREST_ACCESS_TOKEN` needs none of this; OAuth is for `doctor`, `quality`, the dashboard's
 * EQS panel and discovery. No subcommand ever prints a token, except `conversion-token --print`,
 * which is asked for by name and writes it to stdout alone.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

import { apiBaseUrl, callApi, DEFAULT_OAUTH_URL } from '../setup/api.js';
import { loadStoredTokens } from '../setup/credentials.js';
import { LoginError, startCallbackServer } from '../setup/login.js';
import {
  buildAuthorizeUrl,
  exchangeCode,
  loadFreshTokens,
  mintConversionToken,
  newState,
  OAuthError,
  oauthClientFromEnv,
} from '../setup/oauth.js';
import type { OAuthClient } from '../setup/oauth.js';
import { readTokens, tokenFilePath, TokenFileError, writeTokens } from '../setup/token-store.js';
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
  conversion-token   mint a conversion token through /v5/oauth/conversion_token and store it;
                     doctor sends its test event with it; --print also writes it to stdout, to
                     put in PINTEREST_ACCESS_TOKEN for serve and send

Options:
  --no-open          login: do not open a browser (headless machines); the URL is printed anyway
  --port N           login: callback port (default ${DEFAULT_CALLBACK_PORT}; 0 picks a free one)
  --timeout SECONDS  login: how long to wait for the redirect (default 300)
  --json             status: print JSON
  --print            conversion-token: write the minted token to stdout (nothing else goes there)
  -h, --help         show this help

Environment:
  PINTEREST_CLIENT_ID, PINTEREST_CLIENT_SECRET   the OAuth app (login, refresh)
  PINTEREST_OAUTH_URL      consent page (default ${DEFAULT_OAUTH_URL})
  PINTEREST_API_BASE_URL   API base (default https://api.pinterest.com/v5)
  PINTEREST_CAPI_TOKEN_FILE  token file (default ~/.config/pinterest-capi/tokens.json)

Examples:
  pinterest-capi auth login --no-open
  pinterest-capi auth status
  export PINTEREST_ACCESS_TOKEN="$(pinterest-capi auth conversion-token --print)"
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
      print: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [subcommand, ...extra] = positionals;

  if (values.help || subcommand === undefined) {
    io.out.write(AUTH_HELP);
    return values.help ? EXIT.ok : EXIT.usage;
  }

  if (extra.length > 0) throw new UsageError(`auth ${subcommand} takes no arguments`);

  try {
    return await runSubcommand(subcommand, values, io);
  } catch (error) {
    // Pinterest's refusals and a failed login are failures, not bugs: a message, no stack.
    const expected = [OAuthError, LoginError, TokenFileError].some((kind) => error instanceof kind);
    if (!expected) throw error;
    io.err.write(`pinterest-capi: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
}

async function runSubcommand(
  subcommand: string,
  values: { 'no-open': boolean; port?: string; timeout?: string; json: boolean; print: boolean },
  io: CommandIo,
): Promise<number> {
  switch (subcommand) {
    case 'login':
      return runLogin(io, {
        open: !values['no-open'],
        port: parseNumber('--port', values.port, { fallback: DEFAULT_CALLBACK_PORT, min: 0 }),
        timeoutMs: parseNumber('--timeout', values.timeout, { fallback: 300, min: 1 }) * 1000,
      });
    case 'status':
      return runStatus(io, values.json);
    case 'refresh':
      return runRefresh(io);
    case 'conversion-token':
      return runConversionToken(io, values.print);
    default:
      throw new UsageError(
        `unknown auth subcommand "${subcommand}": use login, status, refresh or conversion-token`,
      );
  }
}

function parseNumber(
  name: string,
  raw: string | undefined,
  rule: { fallback: number; min: number },
): number {
  if (raw === undefined) return rule.fallback;
  const value = /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < rule.min || (name === '--port' && value > 65_535)) {
    const range = name === '--port' ? 'from 0 to 65535' : `of at least ${String(rule.min)}`;
    throw new UsageError(`${name} must be a whole number ${range}`);
  }

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
  return hours >= 48 ? `in ${String(Math.round(ms / 86_400_000))} days` : `in ${String(hours)} h`;
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

async function runConversionToken(io: CommandIo, print: boolean): Promise<number> {
  const file = tokenFilePath(io.env);
  const tokens = await loadStoredTokens({
    file,
    apiBaseUrl: apiBaseUrl(io.env),
    client: oauthClientFromEnv(io.env),
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
  io.err.write(
    `Conversion token minted and stored in ${file} (readable by you alone).\n` +
      'doctor sends its test checkout with it when PINTEREST_ACCESS_TOKEN is not set; for serve ' +
      'and send, put it in PINTEREST_ACCESS_TOKEN (auth conversion-token --print writes it out).\n',
  );
  if (print) io.out.write(`${answer.body.access_token}\n`);
  return EXIT.ok;
}
