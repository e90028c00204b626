/**
 * `pinterest-capi doctor` against an in-process sandbox and a live-mode relay delivering to it,
 * over real HTTP: every check passing on a complete setup, the JSON report, and each failure
 * exiting 1 with its fix (a scope left out at login, a wrong or missing ad account, no relay).
 * Also `--version`, which names the same pinned spec.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_CONVERSION_TOKEN,
  DEFAULT_TAG_ID,
  startSandbox,
} from '@pinterest-capi/sandbox';
import type { RunningSandbox } from '@pinterest-capi/sandbox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { main } from '../src/cli/run.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/log-events.js';
import { createRelay } from '../src/relay.js';
import type { Relay } from '../src/relay.js';
import type { DoctorReport } from '../src/setup/doctor.js';
import { captureIo } from './support/cli-io.js';
import { waitFor } from './support/relay-http.js';

const SPEC_VERSION = '5.23.0';

let sandbox: RunningSandbox;
let relay: Relay;
let relayUrl: string;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'capi-doctor-'));
  env = {
    PINTEREST_API_BASE_URL: sandbox.apiBaseUrl,
    PINTEREST_OAUTH_URL: `${sandbox.url}/oauth/`,
    PINTEREST_CLIENT_ID: DEFAULT_CLIENT_ID,
    PINTEREST_CLIENT_SECRET: DEFAULT_CLIENT_SECRET,
    PINTEREST_CAPI_TOKEN_FILE: join(dir, 'tokens.json'),
    PINTEREST_ACCESS_TOKEN: DEFAULT_CONVERSION_TOKEN,
    PINTEREST_AD_ACCOUNT_ID: DEFAULT_AD_ACCOUNT_ID,
  };
  const config = await loadConfig({
    env: { ...env, RELAY_API_KEYS: 'doctor-key', DATABASE_URL: `file:${join(dir, 'q.db')}` },
    cwd: dir,
    port: 0,
  });
  relay = await createRelay({
    config: { ...config, host: '127.0.0.1' },
    logger: createLogger({ level: 'silent' }),
  });
  relayUrl = await relay.listen();
});

afterEach(async () => {
  await relay.close();
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

/** `auth login --no-open`, its URL opened by a script; `scope` replaces the scopes approved. */
async function login(scope?: string): Promise<void> {
  const io = captureIo({ env });
  const running = main(['auth', 'login', '--no-open', '--port', '0', '--timeout', '30'], io);
  const printed = await waitFor('the URL', () => /^http\S+$/m.exec(io.stdout())?.[0]);
  const url = new URL(printed);
  if (scope !== undefined) url.searchParams.set('scope', scope);
  await fetch(url);
  expect(await running).toBe(0);
}

async function doctor(args: string[], overrides: NodeJS.ProcessEnv = {}) {
  const io = captureIo({ env: { ...env, ...overrides } });
  const code = await main(['doctor', ...args], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

async function doctorJson(args: string[], overrides: NodeJS.ProcessEnv = {}) {
  const { code, stdout } = await doctor(['--json', ...args], overrides);
  return { code, report: JSON.parse(stdout) as DoctorReport };
}

describe('pinterest-capi doctor', () => {
  it('passes every check on a complete setup and prints the Tag id and its snippet', async () => {
    await login();

    const { code, stdout } = await doctor(['--relay', relayUrl]);

    expect(code).toBe(0);
    expect(stdout).toContain(`Pinterest API spec v${SPEC_VERSION}`);
    expect(stdout.match(/^PASS {2}/gm)).toHaveLength(6);
    expect(stdout).not.toMatch(/^FAIL/m);
    expect(stdout).toContain(`PASS  conversion Tag: Tag id ${DEFAULT_TAG_ID}`);
    expect(stdout).toContain(`Load Tag ${DEFAULT_TAG_ID} on every page`);
    expect(stdout).toContain(`pintrk('load', '${DEFAULT_TAG_ID}')`);
    expect(stdout).toMatch(/PASS {2}relay reachable, queue healthy: .* ready; queue: 0 queued/);
    expect(stdout).toContain('All checks passed.');
    const stored = await readFile(env['PINTEREST_CAPI_TOKEN_FILE'] ?? '', 'utf8');
    const accessToken = (JSON.parse(stored) as { accessToken: string }).accessToken;
    expect(stdout).not.toContain(accessToken);
    expect(stdout).not.toContain(DEFAULT_CONVERSION_TOKEN);
  });

  it('prints the report as JSON with a stable id and status per check', async () => {
    await login();

    const { code, report } = await doctorJson(['--relay', relayUrl]);

    expect(code).toBe(0);
    expect(report).toMatchObject({
      specVersion: SPEC_VERSION,
      apiBaseUrl: sandbox.apiBaseUrl,
      adAccountId: DEFAULT_AD_ACCOUNT_ID,
      tagId: DEFAULT_TAG_ID,
      ok: true,
    });
    expect(report.tagSnippet).toContain(DEFAULT_TAG_ID);
    expect(report.checks.map((check) => [check.id, check.status])).toEqual([
      ['token', 'pass'],
      ['ad_account', 'pass'],
      ['conversion_tag', 'pass'],
      ['test_checkout', 'pass'],
      ['eqs', 'pass'],
      ['relay', 'pass'],
    ]);
    expect(report.checks[0]?.detail).toContain('valid for sandbox_user');
  });

  it('sends the test checkout with ?test=true, so Pinterest records nothing', async () => {
    await login();

    await doctor(['--relay', relayUrl]);

    const calls = (await (await fetch(`${sandbox.url}/__sandbox/calls`)).json()) as {
      calls: { status: number; test: boolean }[];
    };
    const recorded = (await (await fetch(`${sandbox.url}/__sandbox/events`)).json()) as {
      events: unknown[];
    };
    expect(calls.calls).toEqual([expect.objectContaining({ status: 200, test: true })]);
    expect(recorded.events).toEqual([]);
  });

  it('fails the token check with the fix when a scope was left out at login', async () => {
    await login('ads:read,user_accounts:read');

    const { code, stdout } = await doctor(['--relay', relayUrl]);

    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAIL {2}OAuth token and scopes: .*missing ads:write$/m);
    expect(stdout).toMatch(/^ {6}fix: run pinterest-capi auth login .*approve every scope/m);
    expect(stdout).toContain('1 check(s) failed.');
  });

  it('fails on an ad account the token cannot see, and the checks that need it say so', async () => {
    await login();

    const { code, report } = await doctorJson(['--relay', relayUrl], {
      PINTEREST_AD_ACCOUNT_ID: '123456789',
    });

    expect(code).toBe(1);
    const byId = new Map(report.checks.map((check) => [check.id, check]));
    expect(byId.get('token')?.status).toBe('pass');
    expect(byId.get('ad_account')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('123456789 is not visible (403') as string,
      fix: expect.stringContaining('Business Access') as string,
    });
    expect(byId.get('conversion_tag')?.status).toBe('fail');
    expect(byId.get('relay')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('does not serve ad account 123456789') as string,
    });
    expect(report.ok).toBe(false);
  });

  it('lists the visible ad accounts when none is configured', async () => {
    await login();

    const { code, report } = await doctorJson(['--no-relay'], { PINTEREST_AD_ACCOUNT_ID: '' });

    expect(code).toBe(1);
    expect(report.checks[1]).toMatchObject({
      id: 'ad_account',
      status: 'fail',
      detail: expect.stringContaining(`the token sees: ${DEFAULT_AD_ACCOUNT_ID}`) as string,
      fix: `set PINTEREST_AD_ACCOUNT_ID=${DEFAULT_AD_ACCOUNT_ID} (or another listed one), or pass --ad-account`,
    });
    expect(report.checks[3]).toMatchObject({
      id: 'test_checkout',
      status: 'fail',
      detail: 'not checked: needs an ad account (see above)',
    });
  });

  it('fails the relay check when no relay answers, and skips it only on --no-relay', async () => {
    await login();

    const unreachable = await doctorJson(['--relay', 'http://127.0.0.1:1']);
    const skipped = await doctorJson(['--no-relay']);

    expect(unreachable.code).toBe(1);
    expect(unreachable.report.checks[5]).toMatchObject({
      id: 'relay',
      status: 'fail',
      fix: 'start it with pinterest-capi serve, pass --relay URL, or --no-relay to skip',
    });
    expect(skipped.code).toBe(0);
    expect(skipped.report.checks[5]).toMatchObject({ id: 'relay', status: 'skip' });
  });

  it('fails every check but the test checkout without an OAuth token, pointing at auth login', async () => {
    const { code, report } = await doctorJson(['--no-relay']);

    expect(code).toBe(1);
    expect(report.checks.map((check) => check.status)).toEqual([
      'fail',
      'fail',
      'fail',
      'pass',
      'fail',
      'skip',
    ]);
    expect(report.checks[0]?.fix).toContain('pinterest-capi auth login');
  });

  it('refuses a malformed --ad-account as a usage error', async () => {
    const { code, stderr } = await doctor(['--ad-account', 'act_123']);

    expect(code).toBe(2);
    expect(stderr).toContain('--ad-account must be 1 to 18 digits');
  });
});

describe('pinterest-capi --version', () => {
  it('names the package version and the pinned v5 spec version', async () => {
    const io = captureIo();
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };

    const code = await main(['--version'], io);

    expect(code).toBe(0);
    expect(io.stdout()).toBe(
      `pinterest-capi ${pkg.version} (Pinterest API v5 spec ${SPEC_VERSION})\n`,
    );
  });
});
