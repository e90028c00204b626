import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  ConfigError,
  DEFAULT_API_BASE_URL,
  DEFAULT_DATABASE_URL,
  DEFAULT_DELIVERY,
  DEFAULT_PORT,
  loadConfig,
} from './config.js';
import type { LoadConfigOptions } from './config.js';

const TOKEN = 'pina_config_test_token_1f2e3d';
const ACCOUNT = '549755885175';
const CREDENTIALS = {
  PINTEREST_ACCESS_TOKEN: TOKEN,
  PINTEREST_AD_ACCOUNT_ID: ACCOUNT,
  RELAY_API_KEYS: 'relay-key-one',
};

let dir: string;
let files = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capi-config-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An empty working directory, so no `pinterest-capi.config.json` is picked up by accident. */
async function emptyDir(): Promise<string> {
  const path = join(dir, `cwd-${++files}`);
  await mkdir(path);
  return path;
}

async function writeConfig(content: unknown): Promise<string> {
  const path = join(dir, `config-${++files}.json`);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function load(options: Partial<LoadConfigOptions> & { env: NodeJS.ProcessEnv }) {
  return loadConfig({ cwd: options.cwd ?? (await emptyDir()), ...options });
}

/** The ConfigError a load fails with; fails the test if it succeeds or fails otherwise. */
async function configError(
  options: Partial<LoadConfigOptions> & { env: NodeJS.ProcessEnv },
): Promise<string> {
  const error: unknown = await load(options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).message;
}

const tenant = (overrides: Record<string, unknown> = {}) => ({
  name: 'shop-a',
  adAccountId: ACCOUNT,
  accessToken: TOKEN,
  apiKeys: ['relay-key-shop-a'],
  ...overrides,
});

describe('loadConfig from the environment', () => {
  it('builds one live tenant from the fixed variable names', async () => {
    const config = await load({
      env: {
        ...CREDENTIALS,
        RELAY_API_KEYS: ' relay-key-one , relay-key-two ,',
        PINTEREST_TAG_ID: '2612345678901',
        PINTEREST_API_BASE_URL: 'http://127.0.0.1:8788/v5',
        DATABASE_URL: 'file:/var/lib/relay/queue.sqlite',
        SHOPIFY_WEBHOOK_SECRET: 'shpss_secret',
      },
    });

    expect(config.mode).toBe('live');
    expect(config.apiBaseUrl).toBe('http://127.0.0.1:8788/v5');
    expect(config.databaseUrl).toBe('file:/var/lib/relay/queue.sqlite');
    expect(config.tenants).toEqual([
      expect.objectContaining({
        adAccountId: ACCOUNT,
        accessToken: TOKEN,
        tagId: '2612345678901',
        apiKeys: ['relay-key-one', 'relay-key-two'],
        webhookSecrets: { shopify: 'shpss_secret' },
      }),
    ]);
  });

  it('uses the documented defaults for what is not set', async () => {
    const config = await load({ env: CREDENTIALS });

    expect(config.port).toBe(DEFAULT_PORT);
    expect(config.apiBaseUrl).toBe(DEFAULT_API_BASE_URL);
    expect(config.databaseUrl).toBe(DEFAULT_DATABASE_URL);
    expect(config.delivery).toEqual(DEFAULT_DELIVERY);
  });

  it('runs in sandbox mode without credentials outside production', async () => {
    const config = await load({ env: { NODE_ENV: 'development' } });

    expect(config.mode).toBe('sandbox');
    expect(config.tenants).toEqual([]);
  });

  it('refuses production without credentials and names both variables', async () => {
    const message = await configError({ env: { NODE_ENV: 'production' } });

    expect(message).toContain('PINTEREST_ACCESS_TOKEN');
    expect(message).toContain('PINTEREST_AD_ACCOUNT_ID');
  });

  it('names the missing half of the credentials without echoing the token', async () => {
    const message = await configError({
      env: { NODE_ENV: 'production', PINTEREST_ACCESS_TOKEN: TOKEN },
    });

    expect(message).toContain('PINTEREST_AD_ACCOUNT_ID');
    expect(message).not.toContain(TOKEN);
  });

  it('names RELAY_API_KEYS when credentials come without ingest keys', async () => {
    const message = await configError({
      env: {
        PINTEREST_ACCESS_TOKEN: TOKEN,
        PINTEREST_AD_ACCOUNT_ID: ACCOUNT,
        RELAY_API_KEYS: ' , ',
      },
    });

    expect(message).toContain('RELAY_API_KEYS');
  });

  it('refuses an ad account id that is not 1 to 18 digits', async () => {
    const message = await configError({
      env: { ...CREDENTIALS, PINTEREST_AD_ACCOUNT_ID: 'act_549755885175' },
    });

    expect(message).toContain('PINTEREST_AD_ACCOUNT_ID must be 1 to 18 digits');
  });

  it('names a relay API key listed twice without echoing it', async () => {
    const message = await configError({
      env: { ...CREDENTIALS, RELAY_API_KEYS: 'relay-key-one,relay-key-one' },
    });

    expect(message).toBe('tenant "default" lists the same API key twice');
  });
});

describe('loadConfig API base URL', () => {
  it.each(['api.pinterest.com/v5', 'ftp://api.test/v5', 'https://user:pass-8d1c@api.test/v5'])(
    'refuses PINTEREST_API_BASE_URL=%s without echoing it',
    async (url) => {
      const message = await configError({ env: { PINTEREST_API_BASE_URL: url } });

      expect(message).toBe(
        'PINTEREST_API_BASE_URL must be an absolute http(s) URL without a user name or password',
      );
    },
  );
});

describe('loadConfig port', () => {
  it.each(['abc', '-1', '65536', '80.5', '0x50'])(
    'refuses PORT=%s and names PORT',
    async (port) => {
      const message = await configError({ env: { PORT: port } });

      expect(message).toBe('PORT must be an integer from 0 to 65535');
    },
  );

  it('reads PORT, and the port option wins over it', async () => {
    const fromEnv = await load({ env: { PORT: '9000' } });
    const overridden = await load({ env: { PORT: '9000' }, port: 0 });
    const unset = await load({ env: { PORT: '' } });

    expect(fromEnv.port).toBe(9000);
    expect(overridden.port).toBe(0);
    expect(unset.port).toBe(DEFAULT_PORT);
  });
});

describe('loadConfig from a config file', () => {
  it('reads tenants and delivery settings, resolving ${VAR} secrets from the environment', async () => {
    const configPath = await writeConfig({
      tenants: [
        tenant({
          accessToken: '${SHOP_A_TOKEN}',
          apiKeys: ['${SHOP_A_KEY}', 'relay-key-literal'],
          webhookSecrets: { stripe: '${STRIPE_SECRET}' },
          partnerName: 'ss-agency',
          callsPerMinute: 1200,
        }),
      ],
      delivery: {
        lingerMs: 100,
        retryBudgetHours: 2,
        maxEventAgeDays: 3,
        concurrency: 2,
        leaseMs: 5000,
      },
    });
    const env = {
      SHOP_A_TOKEN: TOKEN,
      SHOP_A_KEY: 'relay-key-from-env',
      STRIPE_SECRET: 'whsec_stripe',
    };

    const config = await load({ env, configPath });

    expect(config.mode).toBe('live');
    expect(config.tenants).toEqual([
      expect.objectContaining({
        name: 'shop-a',
        accessToken: TOKEN,
        apiKeys: ['relay-key-from-env', 'relay-key-literal'],
        webhookSecrets: { stripe: 'whsec_stripe' },
        partnerName: 'ss-agency',
        callsPerMinute: 1200,
      }),
    ]);
    expect(config.delivery).toEqual({
      lingerMs: 100,
      retryBudgetMs: 2 * 3_600_000,
      maxEventAgeSeconds: 3 * 86_400,
      concurrency: 2,
      leaseMs: 5000,
    });
  });

  it('finds pinterest-capi.config.json in the working directory', async () => {
    const cwd = await emptyDir();
    await writeFile(
      join(cwd, 'pinterest-capi.config.json'),
      JSON.stringify({ tenants: [tenant()] }),
    );

    const config = await load({ env: { NODE_ENV: 'production' }, cwd });

    expect(config.mode).toBe('live');
    expect(config.tenants.map((t) => t.name)).toEqual(['shop-a']);
  });

  it('names the field and the variable when a ${VAR} secret is not set', async () => {
    const configPath = await writeConfig({ tenants: [tenant({ accessToken: '${SHOP_A_TOKEN}' })] });

    const message = await configError({ env: {}, configPath });

    expect(message).toBe('tenants.0.accessToken refers to ${SHOP_A_TOKEN}, which is not set');
  });

  it('names an unknown field and where it is', async () => {
    const configPath = await writeConfig({
      tenants: [{ ...tenant(), acessToken: TOKEN }],
      delivery: { linger: 100 },
    });

    const message = await configError({ env: {}, configPath });

    expect(message).toContain('tenants.0: unknown field "acessToken"');
    expect(message).toContain('delivery: unknown field "linger"');
    expect(message).not.toContain(TOKEN);
  });

  it('names a tenant that reuses another tenant API key without echoing the key', async () => {
    const shared = 'relay-key-shared-by-two';
    const configPath = await writeConfig({
      tenants: [
        tenant({ apiKeys: [shared] }),
        tenant({ name: 'shop-b', adAccountId: '123456789', apiKeys: [shared] }),
      ],
    });

    const message = await configError({ env: {}, configPath });

    expect(message).toBe('tenant "shop-b" reuses an API key of tenant "shop-a"');
  });

  it('names a tenant name used twice', async () => {
    const configPath = await writeConfig({
      tenants: [tenant(), tenant({ adAccountId: '123456789', apiKeys: ['relay-key-other'] })],
    });

    const message = await configError({ env: {}, configPath });

    expect(message).toBe('tenant name "shop-a" is used twice');
  });

  it('reports malformed JSON by place without quoting the file', async () => {
    const unquoted = await writeConfig(`{"tenants": [{"accessToken": ${TOKEN}}]}`);
    const trailingComma = await writeConfig(`{\n  "tenants": [{"accessToken": "${TOKEN}",}]\n}`);

    const first = await configError({ env: {}, configPath: unquoted });
    const second = await configError({ env: {}, configPath: trailingComma });

    expect(first).toBe(`config file ${unquoted} is not valid JSON`);
    expect(second).toMatch(/is not valid JSON \(line 2, column \d+\)$/);
    expect(first + second).not.toContain('pina_');
  });

  it('names an explicit config path that cannot be read', async () => {
    const configPath = join(dir, 'missing.json');

    const message = await configError({ env: {}, configPath });

    expect(message).toBe(`cannot read config file ${configPath}: ENOENT`);
  });

  it('refuses a delivery lease under one second', async () => {
    const configPath = await writeConfig({ tenants: [tenant()], delivery: { leaseMs: 500 } });

    const message = await configError({ env: {}, configPath });

    expect(message).toContain('delivery.leaseMs: must be >= 1000');
  });
});
