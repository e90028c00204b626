/**
 * @module config/config
 * The relay's configuration: environment variables for one ad account (names fixed by DESIGN.md),
 * or a JSON file for several tenants. Every problem is reported at start, naming the variable or
 * the file's field, and no secret is ever echoed.
 */
import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';

import { DEFAULT_CONSENT_POLICY } from '../privacy/policy.js';
import type { ConsentPolicy, PrivacyPolicy } from '../privacy/policy.js';
import type { ConsentAction } from '../queue/store.js';
import { tokenFilePath } from '../setup/token-store.js';
import { CONFIG_FILE_SCHEMA } from './config-schema.js';

export const DEFAULT_PORT = 8787;
export const DEFAULT_API_BASE_URL = 'https://api.pinterest.com/v5';
export const DEFAULT_DATABASE_URL = 'file:./data/pinterest-capi.sqlite';
export const DEFAULT_CONFIG_FILE = 'pinterest-capi.config.json';

/** One ad account, its credentials and who may send events to it. */
export interface TenantConfig {
  name: string;
  adAccountId: string;
  accessToken: string;
  tagId: string | undefined;
  apiKeys: string[];
  partnerName: string | undefined;
  callsPerMinute: number;
  defaultCountry: string | undefined;
  webhookSecrets: { shopify?: string; stripe?: string; woocommerce?: string };
  /**
   * Consent policy and LDP states for events ingested by `/v1/events`, `/v1/checkout` and webhooks.
   * @default denied consent dropped, unknown sent, LDP only where an event asks for it
   */
  privacy?: PrivacyPolicy | undefined;
}

export interface DeliveryConfig {
  lingerMs: number;
  retryBudgetMs: number;
  maxEventAgeSeconds: number;
  concurrency: number;
  leaseMs: number;
}

export interface RelayConfig {
  /** `sandbox`: no credentials were given, so an in-process sandbox stands in for Pinterest. */
  mode: 'live' | 'sandbox';
  port: number;
  host: string;
  apiBaseUrl: string;
  databaseUrl: string;
  tenants: TenantConfig[];
  delivery: DeliveryConfig;
  /** Days that delivered and dead events are kept (and duplicates recognised). */
  retentionDays: number;
  /** `tokenFile`: where `auth login` keeps its tokens; the dashboard reads EQS with them. */
  oauth: { clientId?: string; clientSecret?: string; oauthUrl: string; tokenFile?: string };
  /**
   * In sandbox mode, what the environment sets for the demo tenant: webhook secrets (the
   * {@link SANDBOX_WEBHOOK_SECRETS} where none is set), default country and privacy policy.
   */
  sandboxTenant?: Pick<TenantConfig, 'webhookSecrets' | 'defaultCountry' | 'privacy'>;
}

/** The configuration is wrong; the message names the variable or field. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const DEFAULT_DELIVERY: DeliveryConfig = {
  lingerMs: 250,
  retryBudgetMs: 24 * 60 * 60 * 1000,
  maxEventAgeSeconds: 7 * 24 * 60 * 60,
  concurrency: 4,
  leaseMs: 60_000,
};

/** The API key `npm start` prints in sandbox mode, so the demo needs no setup. */
export const SANDBOX_API_KEY = 'sandbox-relay-key';

/**
 * The webhook secrets of sandbox mode where the environment sets none, so a demo can sign a
 * store's webhook (`signWebhook`) without setup. Never used in live mode.
 */
export const SANDBOX_WEBHOOK_SECRETS = {
  shopify: 'sandbox_shopify_secret',
  stripe: 'whsec_sandbox_stripe_secret',
  woocommerce: 'sandbox_woocommerce_secret',
} as const;

export interface LoadConfigOptions {
  env: NodeJS.ProcessEnv;
  /** An explicit `--config` path; otherwise `pinterest-capi.config.json` in `cwd` if present. */
  configPath?: string | undefined;
  cwd: string;
  /** Overrides PORT (e.g. `--port`). */
  port?: number | undefined;
}

/** Builds the configuration from the environment and an optional config file. */
export async function loadConfig(options: LoadConfigOptions): Promise<RelayConfig> {
  const { env } = options;
  const file = await readConfigFile(options);
  const port = options.port ?? file?.port ?? parsePort(env['PORT']);
  const base: Omit<RelayConfig, 'mode' | 'tenants'> = {
    port,
    host: file?.host ?? env['HOST'] ?? '0.0.0.0',
    apiBaseUrl: checkApiBaseUrl(
      file?.apiBaseUrl ?? env['PINTEREST_API_BASE_URL'] ?? DEFAULT_API_BASE_URL,
    ),
    databaseUrl: file?.databaseUrl ?? env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL,
    delivery: { ...DEFAULT_DELIVERY, ...deliveryFromFile(file) },
    retentionDays: file?.retentionDays ?? 30,
    oauth: {
      ...(env['PINTEREST_CLIENT_ID'] ? { clientId: env['PINTEREST_CLIENT_ID'] } : {}),
      ...(env['PINTEREST_CLIENT_SECRET'] ? { clientSecret: env['PINTEREST_CLIENT_SECRET'] } : {}),
      oauthUrl: env['PINTEREST_OAUTH_URL'] ?? 'https://www.pinterest.com/oauth/',
      tokenFile: tokenFilePath(env),
    },
  };
  const tenants = file?.tenants
    ? file.tenants.map((t, i) => tenantFromFile(t, i, env))
    : tenantsFromEnv(env);

  if (tenants.length > 0) {
    checkUnique(tenants);
    return { ...base, mode: 'live', tenants };
  }

  if (env['NODE_ENV'] === 'production') {
    const missing = ['PINTEREST_ACCESS_TOKEN', 'PINTEREST_AD_ACCOUNT_ID'].filter(
      (name) => !env[name],
    );
    throw new ConfigError(
      `NODE_ENV=production but no Pinterest credentials are configured: set ${missing.join(' and ')} ` +
        `(or list tenants in ${options.configPath ?? DEFAULT_CONFIG_FILE})`,
    );
  }

  const sandboxTenant = {
    webhookSecrets: { ...SANDBOX_WEBHOOK_SECRETS, ...webhookSecretsFromEnv(env) },
    defaultCountry: env['PINTEREST_DEFAULT_COUNTRY'],
    privacy: privacyFromEnv(env),
  };
  return { ...base, mode: 'sandbox', tenants: [], sandboxTenant };
}

/**
 * The API base URL must be an absolute http(s) URL without a user name or password: fetch refuses
 * the latter on every call and quotes it, password and all, in its error.
 */
function checkApiBaseUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }

  const usable =
    url !== undefined &&
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.username === '' &&
    url.password === '';
  if (!usable) {
    throw new ConfigError(
      'PINTEREST_API_BASE_URL must be an absolute http(s) URL without a user name or password',
    );
  }

  return value;
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PORT;
  // Number() alone would take '0x50' or '1e3': only plain decimal digits are a port.
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;

  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError('PORT must be an integer from 0 to 65535');
  }

  return port;
}

function tenantsFromEnv(env: NodeJS.ProcessEnv): TenantConfig[] {
  const accessToken = env['PINTEREST_ACCESS_TOKEN'];
  const adAccountId = env['PINTEREST_AD_ACCOUNT_ID'];
  if (!accessToken && !adAccountId) return [];
  if (!accessToken)
    throw new ConfigError('PINTEREST_AD_ACCOUNT_ID is set but PINTEREST_ACCESS_TOKEN is not');
  if (!adAccountId)
    throw new ConfigError('PINTEREST_ACCESS_TOKEN is set but PINTEREST_AD_ACCOUNT_ID is not');
  if (!/^\d{1,18}$/.test(adAccountId))
    throw new ConfigError('PINTEREST_AD_ACCOUNT_ID must be 1 to 18 digits');

  const apiKeys = (env['RELAY_API_KEYS'] ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  if (apiKeys.length === 0) {
    throw new ConfigError(
      'RELAY_API_KEYS is not set: ingest needs at least one API key (comma-separated)',
    );
  }

  const webhookSecrets = webhookSecretsFromEnv(env);
  return [
    {
      name: 'default',
      adAccountId,
      accessToken,
      tagId: env['PINTEREST_TAG_ID'],
      apiKeys,
      partnerName: undefined,
      callsPerMinute: 5000,
      defaultCountry: env['PINTEREST_DEFAULT_COUNTRY'],
      webhookSecrets,
      privacy: privacyFromEnv(env),
    },
  ];
}

/** `SHOPIFY_WEBHOOK_SECRET`, `STRIPE_WEBHOOK_SECRET`, `WOOCOMMERCE_WEBHOOK_SECRET`, where set. */
function webhookSecretsFromEnv(env: NodeJS.ProcessEnv): TenantConfig['webhookSecrets'] {
  const secrets: TenantConfig['webhookSecrets'] = {};
  if (env['SHOPIFY_WEBHOOK_SECRET']) secrets.shopify = env['SHOPIFY_WEBHOOK_SECRET'];
  if (env['STRIPE_WEBHOOK_SECRET']) secrets.stripe = env['STRIPE_WEBHOOK_SECRET'];
  if (env['WOOCOMMERCE_WEBHOOK_SECRET']) secrets.woocommerce = env['WOOCOMMERCE_WEBHOOK_SECRET'];
  return secrets;
}

const CONSENT_ACTIONS: readonly ConsentAction[] = ['send', 'opt_out', 'drop'];

/**
 * `RELAY_CONSENT_DENIED` and `RELAY_CONSENT_UNKNOWN` (`send`, `opt_out` or `drop`; defaults drop
 * and send) and `RELAY_LDP_STATES` (comma-separated two-letter US states, or `all_us`).
 */
function privacyFromEnv(env: NodeJS.ProcessEnv): PrivacyPolicy {
  const action = (name: string, fallback: ConsentAction): ConsentAction => {
    const value = env[name]?.trim();
    if (value === undefined || value === '') return fallback;
    if (!(CONSENT_ACTIONS as readonly string[]).includes(value)) {
      throw new ConfigError(`${name} must be one of ${CONSENT_ACTIONS.join(', ')}`);
    }

    return value as ConsentAction;
  };

  const consent: ConsentPolicy = {
    denied: action('RELAY_CONSENT_DENIED', DEFAULT_CONSENT_POLICY.denied),
    unknown: action('RELAY_CONSENT_UNKNOWN', DEFAULT_CONSENT_POLICY.unknown),
  };
  const states = env['RELAY_LDP_STATES']?.trim();
  if (states === undefined || states === '') return { consent };
  if (states.toLowerCase() === 'all_us') return { consent, ldp: { states: 'all_us' } };
  const list = states.split(',').map((state) => state.trim().toUpperCase());
  if (list.some((state) => !/^[A-Z]{2}$/.test(state))) {
    throw new ConfigError(
      'RELAY_LDP_STATES must be two-letter US state codes, comma-separated, or all_us',
    );
  }

  return { consent, ldp: { states: list } };
}

/** The config file as its schema describes it. */
interface ConfigFile {
  port?: number;
  host?: string;
  apiBaseUrl?: string;
  databaseUrl?: string;
  retentionDays?: number;
  delivery?: {
    lingerMs?: number;
    retryBudgetHours?: number;
    maxEventAgeDays?: number;
    concurrency?: number;
    leaseMs?: number;
  };
  tenants?: FileTenant[];
}

interface FileTenant {
  name: string;
  adAccountId: string;
  accessToken: string;
  tagId?: string;
  apiKeys: string[];
  partnerName?: string;
  callsPerMinute?: number;
  defaultCountry?: string;
  consent?: Partial<ConsentPolicy>;
  ldp?: { states: string[] | 'all_us' };
  webhookSecrets?: { shopify?: string; stripe?: string; woocommerce?: string };
}

const ajv = new Ajv({ allErrors: true });
const validateFile = ajv.compile<ConfigFile>(CONFIG_FILE_SCHEMA);

async function readConfigFile(options: LoadConfigOptions): Promise<ConfigFile | undefined> {
  const path = options.configPath ?? `${options.cwd}/${DEFAULT_CONFIG_FILE}`;
  let text: string;

  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && options.configPath === undefined) return undefined;
    throw new ConfigError(`cannot read config file ${path}: ${code ?? 'unreadable'}`);
  }

  let parsed: unknown;

  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // V8's message quotes the text around the fault, which may be a token: name the place only.
    throw new ConfigError(`config file ${path} is not valid JSON${jsonErrorPlace(error, text)}`);
  }

  if (!validateFile(parsed)) {
    const problems = (validateFile.errors ?? []).map(describeSchemaError).join('; ');
    throw new ConfigError(`config file ${path}: ${problems}`);
  }

  return parsed;
}

/** ` (line L, column C)` when V8 says where parsing failed, else nothing. */
function jsonErrorPlace(error: unknown, text: string): string {
  const position = /at position (\d+)/.exec((error as Error).message)?.[1];
  if (position === undefined) return '';
  const before = text.slice(0, Number(position)).split('\n');
  return ` (line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1})`;
}

function describeSchemaError(error: ErrorObject): string {
  const where =
    error.instancePath === '' ? '(top level)' : error.instancePath.slice(1).replaceAll('/', '.');
  if (error.keyword === 'additionalProperties') {
    return `${where}: unknown field "${String(error.params['additionalProperty'])}"`;
  }

  return `${where}: ${error.message ?? 'is invalid'}`;
}

function deliveryFromFile(file: ConfigFile | undefined): Partial<DeliveryConfig> {
  const delivery = file?.delivery;
  if (!delivery) return {};
  const result: Partial<DeliveryConfig> = {};
  if (delivery.lingerMs !== undefined) result.lingerMs = delivery.lingerMs;
  if (delivery.retryBudgetHours !== undefined)
    result.retryBudgetMs = delivery.retryBudgetHours * 3_600_000;
  if (delivery.maxEventAgeDays !== undefined)
    result.maxEventAgeSeconds = delivery.maxEventAgeDays * 86_400;
  if (delivery.concurrency !== undefined) result.concurrency = delivery.concurrency;
  if (delivery.leaseMs !== undefined) result.leaseMs = delivery.leaseMs;
  return result;
}

/** `${NAME}` in a secret field is read from the environment, so the file can be committed. */
function resolveSecret(value: string, field: string, env: NodeJS.ProcessEnv): string {
  const match = /^\$\{([A-Z0-9_]+)\}$/.exec(value);
  if (!match) return value;
  const name = match[1] ?? '';
  const resolved = env[name];
  if (!resolved) throw new ConfigError(`${field} refers to \${${name}}, which is not set`);
  return resolved;
}

function tenantFromFile(tenant: FileTenant, index: number, env: NodeJS.ProcessEnv): TenantConfig {
  const at = `tenants.${index}`;
  const secrets: TenantConfig['webhookSecrets'] = {};

  for (const platform of ['shopify', 'stripe', 'woocommerce'] as const) {
    const secret = tenant.webhookSecrets?.[platform];
    if (secret !== undefined)
      secrets[platform] = resolveSecret(secret, `${at}.webhookSecrets.${platform}`, env);
  }

  return {
    name: tenant.name,
    adAccountId: tenant.adAccountId,
    accessToken: resolveSecret(tenant.accessToken, `${at}.accessToken`, env),
    tagId: tenant.tagId,
    apiKeys: tenant.apiKeys.map((key, i) => resolveSecret(key, `${at}.apiKeys.${i}`, env)),
    partnerName: tenant.partnerName,
    callsPerMinute: tenant.callsPerMinute ?? 5000,
    defaultCountry: tenant.defaultCountry,
    webhookSecrets: secrets,
    privacy: privacyFromFile(tenant),
  };
}

function privacyFromFile(tenant: FileTenant): PrivacyPolicy {
  const consent = { ...DEFAULT_CONSENT_POLICY, ...tenant.consent };
  const states = tenant.ldp?.states;
  if (states === undefined) return { consent };
  return {
    consent,
    ldp: { states: states === 'all_us' ? states : states.map((state) => state.toUpperCase()) },
  };
}

function checkUnique(tenants: TenantConfig[]): void {
  const names = new Set<string>();
  const keyOwners = new Map<string, string>();

  for (const tenant of tenants) {
    if (names.has(tenant.name)) throw new ConfigError(`tenant name "${tenant.name}" is used twice`);
    names.add(tenant.name);

    for (const key of tenant.apiKeys) {
      // Never echo the key itself: name the tenants that repeat it.
      const owner = keyOwners.get(key);
      if (owner === tenant.name)
        throw new ConfigError(`tenant "${tenant.name}" lists the same API key twice`);
      if (owner !== undefined)
        throw new ConfigError(`tenant "${tenant.name}" reuses an API key of tenant "${owner}"`);
      keyOwners.set(key, tenant.name);
    }
  }
}
