import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from './config.js';
import type { RelayConfig } from './config.js';

const TOKEN = 'pina_privacy_config_token_9a8b7c';
const ACCOUNT = '549755885175';
const CREDENTIALS = {
  PINTEREST_ACCESS_TOKEN: TOKEN,
  PINTEREST_AD_ACCOUNT_ID: ACCOUNT,
  RELAY_API_KEYS: 'relay-key-privacy',
};

let dir: string;
let files = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capi-privacy-config-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fromEnv(env: Record<string, string>): Promise<RelayConfig> {
  return loadConfig({ env: { ...CREDENTIALS, ...env }, cwd: dir });
}

async function fromFile(tenantFields: Record<string, unknown>): Promise<RelayConfig> {
  const configPath = join(dir, `config-${++files}.json`);
  const tenant = {
    name: 'shop-a',
    adAccountId: ACCOUNT,
    accessToken: TOKEN,
    apiKeys: ['relay-key-shop-a'],
  };
  await writeFile(configPath, JSON.stringify({ tenants: [{ ...tenant, ...tenantFields }] }));
  return loadConfig({ env: {}, cwd: dir, configPath });
}

async function messageOf(loading: Promise<unknown>): Promise<string> {
  const error: unknown = await loading.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).message;
}

describe('consent and LDP configuration', () => {
  it('defaults to dropping denied consent, sending unknown consent and no LDP states', async () => {
    const [envTenant] = (await fromEnv({})).tenants;
    const [fileTenant] = (await fromFile({})).tenants;

    expect(envTenant?.privacy).toEqual({ consent: { denied: 'drop', unknown: 'send' } });
    expect(fileTenant?.privacy).toEqual({ consent: { denied: 'drop', unknown: 'send' } });
  });

  it('reads RELAY_CONSENT_DENIED, RELAY_CONSENT_UNKNOWN and RELAY_LDP_STATES', async () => {
    const config = await fromEnv({
      RELAY_CONSENT_DENIED: 'opt_out',
      RELAY_CONSENT_UNKNOWN: 'drop',
      RELAY_LDP_STATES: 'ca, co,VA',
    });

    expect(config.tenants[0]?.privacy).toEqual({
      consent: { denied: 'opt_out', unknown: 'drop' },
      ldp: { states: ['CA', 'CO', 'VA'] },
    });
    expect((await fromEnv({ RELAY_LDP_STATES: 'all_us' })).tenants[0]?.privacy?.ldp).toEqual({
      states: 'all_us',
    });
  });

  it('names the variable and its allowed values for a consent action it does not know', async () => {
    const denied = await messageOf(fromEnv({ RELAY_CONSENT_DENIED: 'ignore' }));
    const unknown = await messageOf(fromEnv({ RELAY_CONSENT_UNKNOWN: 'optout' }));

    expect(denied).toBe('RELAY_CONSENT_DENIED must be one of send, opt_out, drop');
    expect(unknown).toBe('RELAY_CONSENT_UNKNOWN must be one of send, opt_out, drop');
  });

  it('names RELAY_LDP_STATES when a state is not a two-letter code', async () => {
    const message = await messageOf(fromEnv({ RELAY_LDP_STATES: 'CA,California' }));

    expect(message).toContain('RELAY_LDP_STATES');
    expect(message).toContain('two-letter');
  });

  it('reads consent and ldp per tenant from the config file, filling the default', async () => {
    const config = await fromFile({ consent: { unknown: 'opt_out' }, ldp: { states: ['ca'] } });

    expect(config.tenants[0]?.privacy).toEqual({
      consent: { denied: 'drop', unknown: 'opt_out' },
      ldp: { states: ['CA'] },
    });
  });

  it('names the config file field of a consent action it does not know', async () => {
    const message = await messageOf(fromFile({ consent: { denied: 'ignore' } }));

    expect(message).toContain(
      'tenants.0.consent.denied: must be equal to one of the allowed values',
    );
  });

  it('names the config file field of an LDP state that is not a two-letter code', async () => {
    const badState = await messageOf(fromFile({ ldp: { states: ['California'] } }));
    const noStates = await messageOf(fromFile({ ldp: {} }));

    expect(badState).toContain('tenants.0.ldp.states.0: must match pattern "^[A-Za-z]{2}$"');
    expect(noStates).toContain("tenants.0.ldp: must have required property 'states'");
  });
});
