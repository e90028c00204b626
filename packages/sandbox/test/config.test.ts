import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSandbox,
  DEFAULT_AD_ACCOUNT_ID,
  loadSandboxConfig,
  startSandbox,
} from '@pinterest-capi/sandbox';
import { postJson, request, validEvent } from './support/helpers.js';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sandbox-config-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function writeConfig(name: string, content: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, content);
  return path;
}

describe('loadSandboxConfig', () => {
  it('loads a config whose seeds a started sandbox then serves', async () => {
    const path = await writeConfig(
      'ok.json',
      JSON.stringify({
        adAccounts: [
          {
            id: '123456789',
            name: 'Agency client',
            currency: 'GBP',
            country: 'GB',
            tags: [{ id: '2619999999999', name: 'Client Tag' }],
          },
        ],
        tokens: [{ token: 'pina_agency', kind: 'conversion', adAccountIds: ['123456789'] }],
        callsPerMinute: 100,
      }),
    );

    const config = await loadSandboxConfig(path);
    const sandbox = await startSandbox({ port: 0, config });
    const seeded = await postJson(
      `${sandbox.apiBaseUrl}/ad_accounts/123456789/events`,
      { data: [validEvent({ event_time: Math.floor(Date.now() / 1000) - 60 })] },
      { token: 'pina_agency' },
    );
    const defaults = await postJson(
      `${sandbox.apiBaseUrl}/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/events`,
      { data: [validEvent({ event_time: Math.floor(Date.now() / 1000) - 60 })] },
    );
    await sandbox.close();

    expect(config.callsPerMinute).toBe(100);
    expect(seeded.status).toBe(200);
    expect(defaults.status).toBe(200);
  });

  it('names the file when it cannot be read', async () => {
    const path = join(directory, 'missing.json');

    await expect(loadSandboxConfig(path)).rejects.toThrow(`Cannot read sandbox config ${path}`);
  });

  it('names the file when it is not JSON', async () => {
    const path = await writeConfig('broken.json', '{ "tokens": [');

    await expect(loadSandboxConfig(path)).rejects.toThrow(/broken\.json is not valid JSON/);
  });

  it('lists every problem by path and never repeats a token', async () => {
    const path = await writeConfig(
      'bad.json',
      JSON.stringify({
        adAccounts: [{ id: 'abc', name: 'X', currency: 'XYZ', country: 'US', colour: 'red' }],
        tokens: [{ token: 'pina_secret_value', kind: 'magic', adAccountIds: ['1'] }],
        callsPerMinute: 0,
      }),
    );

    const failure = loadSandboxConfig(path);

    await expect(failure).rejects.toThrow(/adAccounts\[0\]\.id/);
    await expect(failure).rejects.toThrow(/adAccounts\[0\]\.currency must be one of/);
    await expect(failure).rejects.toThrow(/adAccounts\[0\] has an unknown property 'colour'/);
    await expect(failure).rejects.toThrow(/tokens\[0\]\.kind must be one of: conversion, oauth/);
    await expect(failure).rejects.toThrow(/callsPerMinute/);
    await expect(failure).rejects.not.toThrow(/pina_secret_value/);
  });

  it('rejects a token for an ad account the config does not define', async () => {
    const path = await writeConfig(
      'dangling.json',
      JSON.stringify({
        tokens: [{ token: 'pina_x', kind: 'conversion', adAccountIds: ['999999'] }],
      }),
    );

    await expect(loadSandboxConfig(path)).rejects.toThrow(
      'tokens[0].adAccountIds names unknown ad account 999999',
    );
  });
});

describe('buildSandbox', () => {
  it('refuses an invalid config passed in code', async () => {
    const config = { callsPerMinute: -1 };

    await expect(buildSandbox({ config })).rejects.toThrow(/Invalid sandbox config/);
  });

  it('serves in-process requests through inject', async () => {
    const app = await buildSandbox();

    const response = await app.inject({ method: 'GET', url: '/__sandbox/events' });
    await app.close();

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ events: [] });
  });

  it('reports its origin and API base URL when started on any free port', async () => {
    const sandbox = await startSandbox({ port: 0 });

    const response = await request(`${sandbox.url}/__sandbox/calls`);
    await sandbox.close();

    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.apiBaseUrl).toBe(`${sandbox.url}/v5`);
    expect(response.status).toBe(200);
  });
});
