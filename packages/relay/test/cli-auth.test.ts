/**
 * `pinterest-capi auth` against an in-process sandbox over real HTTP: the browser-free login (the
 * sandbox's consent page redirects at once, so a plain `fetch` of the printed URL completes it),
 * the token file's permissions, rotation of refresh tokens, status and conversion tokens, and
 * that no token ever reaches the command's output.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_CONVERSION_TOKEN,
  startSandbox,
} from '@pinterest-capi/sandbox';
import type { RunningSandbox } from '@pinterest-capi/sandbox';
import { buildCheckoutEvent } from '@pinterest-capi/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { main } from '../src/cli/run.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log-events.js';
import { createRelay } from '../src/relay.js';
import { resolveCredentials } from '../src/setup/credentials.js';
import { writeTokens } from '../src/setup/token-store.js';
import type { StoredTokens } from '../src/setup/token-store.js';
import { captureIo } from './support/cli-io.js';
import type { CapturedIo } from './support/cli-io.js';
import { waitFor } from './support/relay-http.js';

const DAY_MS = 86_400_000;

let sandbox: RunningSandbox;
let dir: string;
let tokenFile: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'capi-auth-'));
  tokenFile = join(dir, 'config', 'pinterest-capi', 'tokens.json');
  env = {
    PINTEREST_API_BASE_URL: sandbox.apiBaseUrl,
    PINTEREST_OAUTH_URL: `${sandbox.url}/oauth/`,
    PINTEREST_CLIENT_ID: DEFAULT_CLIENT_ID,
    PINTEREST_CLIENT_SECRET: DEFAULT_CLIENT_SECRET,
    PINTEREST_CAPI_TOKEN_FILE: tokenFile,
  };
});

afterEach(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

async function readStored(): Promise<StoredTokens> {
  return JSON.parse(await readFile(tokenFile, 'utf8')) as StoredTokens;
}

/** The authorize URL `auth login` printed on stdout, once it has. */
function printedUrl(io: CapturedIo): Promise<string> {
  return waitFor('the authorize URL', () => /^http\S+\/oauth\/\?\S+$/m.exec(io.stdout())?.[0]);
}

/** Runs `auth login --no-open` and opens its URL as a script would; resolves to the exit code. */
async function login(io: CapturedIo = captureIo({ env })): Promise<number> {
  const running = main(['auth', 'login', '--no-open', '--port', '0', '--timeout', '30'], io);
  const answer = await fetch(await printedUrl(io));
  expect(answer.status).toBe(200);
  return running;
}

/** Asks the sandbox's token endpoint for a refresh with this refresh token. */
async function refreshWith(refreshToken: string): Promise<number> {
  const basic = Buffer.from(`${DEFAULT_CLIENT_ID}:${DEFAULT_CLIENT_SECRET}`).toString('base64');
  const response = await fetch(`${sandbox.apiBaseUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  return response.status;
}

function expectNoToken(text: string, tokens: StoredTokens): void {
  expect(text).not.toContain(tokens.accessToken);
  if (tokens.refreshToken !== undefined) expect(text).not.toContain(tokens.refreshToken);
  if (tokens.conversionToken) expect(text).not.toContain(tokens.conversionToken.token);
  expect(text).not.toMatch(/pin[ar]_/);
}

describe('auth login', () => {
  it('completes when a script opens the printed URL, storing the tokens readable by the owner alone', async () => {
    const io = captureIo({ env });

    const code = await login(io);

    expect(code).toBe(0);
    expect(io.stderr()).toMatch(
      /Redirect URI \(register it.*\): http:\/\/127\.0\.0\.1:\d+\/callback/,
    );
    const url = new URL(/^http\S+$/m.exec(io.stdout())?.[0] ?? '');
    expect(url.searchParams.get('scope')).toBe('ads:read,ads:write,user_accounts:read');
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{32}$/);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(tokenFile))).mode & 0o777).toBe(0o700);
    const tokens = await readStored();
    expect(tokens).toMatchObject({
      clientId: DEFAULT_CLIENT_ID,
      apiBaseUrl: sandbox.apiBaseUrl,
      username: 'sandbox_user',
      scopes: ['ads:read', 'ads:write', 'user_accounts:read'],
    });
    expect(tokens.accessToken).toMatch(/^pina_/);
    expect(tokens.refreshToken).toMatch(/^pinr_/);
    expect(tokens.accessTokenExpiresAt - Date.now()).toBeGreaterThan(29 * DAY_MS);
    expectNoToken(io.stdout() + io.stderr(), tokens);
  });

  it('ignores a redirect with another state and keeps waiting for the right one', async () => {
    const io = captureIo({ env });
    const running = main(['auth', 'login', '--no-open', '--port', '0', '--timeout', '30'], io);
    const url = new URL(await printedUrl(io));
    const forged = new URL(url);
    forged.searchParams.set('state', 'forged-state');

    const forgedAnswer = await fetch(forged);
    const realAnswer = await fetch(url);

    expect(forgedAnswer.status).toBe(400);
    expect(await forgedAnswer.text()).toContain('state mismatch');
    expect(realAnswer.status).toBe(200);
    expect(await running).toBe(0);
  });

  it('fails with the reason when Pinterest redirects with an error', async () => {
    const io = captureIo({ env });
    const running = main(['auth', 'login', '--no-open', '--port', '0', '--timeout', '30'], io);
    const url = new URL(await printedUrl(io));
    url.searchParams.set('scope', 'ads:read,not_a_scope');

    await fetch(url);

    expect(await running).toBe(1);
    expect(io.stderr()).toContain('Pinterest answered invalid_scope');
  });

  it('fails with a message when the callback port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const io = captureIo({ env });

    const code = await main(['auth', 'login', '--no-open', '--port', String(port)], io);
    await new Promise((resolve) => taken.close(resolve));

    expect(code).toBe(1);
    expect(io.stderr()).toBe(`pinterest-capi: port ${String(port)} is in use: pass --port\n`);
  });

  it('names the missing variables when the app is not configured', async () => {
    const io = captureIo({ env: { ...env, PINTEREST_CLIENT_SECRET: '' } });

    const code = await main(['auth', 'login', '--no-open'], io);

    expect(code).toBe(2);
    expect(io.stderr()).toContain('set PINTEREST_CLIENT_ID and PINTEREST_CLIENT_SECRET');
  });
});

describe('auth refresh', () => {
  it('rotates the refresh token and replaces the file atomically, the old token dead', async () => {
    await login();
    const before = await readStored();
    const io = captureIo({ env });

    const code = await main(['auth', 'refresh'], io);

    expect(code).toBe(0);
    const after = await readStored();
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.username).toBe('sandbox_user');
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    // Written to a temporary file and renamed: nothing else is left beside the token file.
    expect(await readdir(dirname(tokenFile))).toEqual(['tokens.json']);
    expect(await refreshWith(before.refreshToken ?? '')).toBe(400);
    expectNoToken(io.stdout() + io.stderr(), after);
    expectNoToken(io.stdout() + io.stderr(), before);
  });

  it('happens by itself when a command finds the access token about to expire, once for concurrent callers', async () => {
    await login();
    const before = await readStored();
    const nearExpiry = () => before.accessTokenExpiresAt - 3_600_000;

    const [first, second] = await Promise.all([
      resolveCredentials(env, { now: nearExpiry }),
      resolveCredentials(env, { now: nearExpiry }),
    ]);

    const stored = await readStored();
    expect(first.problem).toBeUndefined();
    expect(first.oauth?.accessToken).not.toBe(before.accessToken);
    expect(second.oauth?.accessToken).toBe(first.oauth?.accessToken);
    expect(stored.accessToken).toBe(first.oauth?.accessToken);
    // The stored refresh token is the live one: refreshing with it works.
    expect(await refreshWith(stored.refreshToken ?? '')).toBe(200);
  });

  it('leaves tokens of another API alone', async () => {
    await login();
    const before = await readStored();

    const credentials = await resolveCredentials({
      ...env,
      PINTEREST_API_BASE_URL: 'https://api.pinterest.com/v5',
    });

    expect(credentials.oauth).toBeUndefined();
    expect(credentials.problem).toContain(`holds tokens for ${sandbox.apiBaseUrl}`);
    expect(await readStored()).toEqual(before);
  });
});

describe('auth status', () => {
  it('shows who, which scopes and when each token expires, never a token', async () => {
    await login();
    const tokens = await readStored();
    const text = captureIo({ env });
    const json = captureIo({ env });

    const codes = [
      await main(['auth', 'status'], text),
      await main(['auth', 'status', '--json'], json),
    ];

    expect(codes).toEqual([0, 0]);
    expect(text.stdout()).toContain('user:           sandbox_user');
    expect(text.stdout()).toContain('scopes:         ads:read, ads:write, user_accounts:read');
    expect(text.stdout()).toMatch(/access token: {3}expires \d{4}-\d\d-\d\dT.*\(in (29|30) days\)/);
    expect(text.stdout()).toMatch(/refresh token: {2}expires \d{4}-.*\(in (59|60) days\)/);
    const report = JSON.parse(json.stdout()) as { oauth: Record<string, unknown> };
    expect(report.oauth).toMatchObject({
      user: 'sandbox_user',
      scopes: ['ads:read', 'ads:write', 'user_accounts:read'],
      accessTokenExpiresAt: new Date(tokens.accessTokenExpiresAt).toISOString(),
    });
    expectNoToken(text.stdout() + text.stderr() + json.stdout() + json.stderr(), tokens);
  });

  it('exits 1 when nothing is stored and no token is set', async () => {
    const io = captureIo({ env });

    const code = await main(['auth', 'status'], io);

    expect(code).toBe(1);
    expect(io.stdout()).toContain(`no tokens stored in ${tokenFile}`);
  });
});

describe('auth conversion-token', () => {
  it('mints a conversion token that the events endpoint accepts, printed only on --print', async () => {
    await login();
    const quiet = captureIo({ env });
    const printing = captureIo({ env });

    const codes = [
      await main(['auth', 'conversion-token'], quiet),
      await main(['auth', 'conversion-token', '--print'], printing),
    ];

    expect(codes).toEqual([0, 0]);
    const tokens = await readStored();
    const minted = tokens.conversionToken?.token ?? '';
    expect(minted).toMatch(/^pina_/);
    expect(quiet.stdout()).toBe('');
    expectNoToken(quiet.stderr() + printing.stderr(), tokens);
    expect(printing.stdout()).toBe(`${minted}\n`);
    const response = await fetch(
      `${sandbox.apiBaseUrl}/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/events?test=true`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${minted}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          data: [buildCheckoutEvent({ order_id: 'ct-1', value: 5, email: 'a@example.com' })],
        }),
      },
    );
    expect(response.status).toBe(200);
  });

  it('is what `send` uses when PINTEREST_ACCESS_TOKEN is not set', async () => {
    await login();
    await main(['auth', 'conversion-token'], captureIo({ env }));
    const input = JSON.stringify([{ order_id: 'stored-1', value: 12, email: 'b@example.com' }]);
    const io = captureIo({
      env: { ...env, PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID },
      stdin: input,
    });

    const code = await main(['send', '--checkout', '-', '--format', 'json'], io);

    expect(code).toBe(0);
    const calls = await fetch(`${sandbox.url}/__sandbox/calls`).then(
      (response) => response.json() as Promise<{ calls: { status: number }[] }>,
    );
    expect(calls.calls.map((call) => call.status)).toEqual([200]);
    expectNoToken(io.stdout() + io.stderr(), await readStored());
  });

  it('leaves `send` asking for a token when none is set or stored', async () => {
    const io = captureIo({
      env: { ...env, PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID },
      stdin: JSON.stringify([{ order_id: 'none-1', value: 1, email: 'c@example.com' }]),
    });

    const code = await main(['send', '--checkout', '-', '--format', 'json'], io);

    expect(code).toBe(2);
    expect(io.stderr()).toContain('set PINTEREST_ACCESS_TOKEN or run `pinterest-capi auth login`');
  });

  it('says to log in first when no OAuth token is stored', async () => {
    const io = captureIo({ env });

    const code = await main(['auth', 'conversion-token'], io);

    expect(code).toBe(1);
    expect(io.stderr()).toContain('run pinterest-capi auth login first');
  });
});

describe("the relay's EQS panel", () => {
  /** A live relay on the sandbox, with `overrides` on top of the test environment. */
  async function readEqsThroughRelay(overrides: NodeJS.ProcessEnv): Promise<unknown> {
    const config = await loadConfig({
      env: {
        ...env,
        PINTEREST_ACCESS_TOKEN: DEFAULT_CONVERSION_TOKEN,
        PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID,
        RELAY_API_KEYS: 'eqs-key',
        DATABASE_URL: `file:${join(dir, 'q.db')}`,
        ...overrides,
      },
      cwd: dir,
      port: 0,
    });
    const relay = await createRelay({
      config: { ...config, host: '127.0.0.1' },
      logger: createLogger({ level: 'silent' }),
    });

    try {
      const url = await relay.listen();
      const response = await fetch(`${url}/dashboard/api/eqs`, {
        headers: { authorization: 'Bearer eqs-key' },
      });
      return await response.json();
    } finally {
      await relay.close();
    }
  }

  it('reads Event Quality Score with the stored OAuth token when no app is configured', async () => {
    await login();

    const answer = await readEqsThroughRelay({
      PINTEREST_CLIENT_ID: '',
      PINTEREST_CLIENT_SECRET: '',
    });

    expect(answer).toMatchObject({ configured: true, summary: { lookbackPeriod: '1d' } });
    expect(answer).not.toHaveProperty('error');
  });

  it('refreshes the stored tokens first when the access token is about to expire', async () => {
    await login();
    const before = await readStored();
    await writeTokens(tokenFile, { ...before, accessTokenExpiresAt: Date.now() + 3_600_000 });

    const answer = await readEqsThroughRelay({});

    expect(answer).toMatchObject({ configured: true, summary: { lookbackPeriod: '1d' } });
    const after = await readStored();
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessTokenExpiresAt - Date.now()).toBeGreaterThan(29 * DAY_MS);
  });
});
