/**
 * @module config
 * What the sandbox knows: ad accounts with their Tags, tokens, OAuth clients and limits. The seeds
 * of DESIGN.md are always present; a config adds to them, and an entry with the same id, token or
 * client id replaces the seed.
 */
import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CALLS_PER_MINUTE,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_CONVERSION_TOKEN,
  DEFAULT_MAX_EVENT_AGE_SECONDS,
  DEFAULT_MAX_STORED_EVENTS,
  DEFAULT_TAG_ID,
  DEFAULT_USERNAME,
  KNOWN_SCOPES,
} from './constants.js';
import { readVendoredSchema } from './validation/body-schema.js';

/** A Pinterest Tag (conversion tag) of an ad account. */
export interface SandboxTag {
  id: string;
  name: string;
}

/** An ad account the sandbox serves. `currency` and `country` take the spec's enum values. */
export interface SandboxAdAccount {
  id: string;
  name: string;
  currency: string;
  country: string;
  /** @default 'sandbox_user' */
  owner_username?: string;
  tags?: SandboxTag[];
}

/** A token the sandbox accepts, for the ad accounts listed. */
export interface SandboxToken {
  token: string;
  /** `conversion` works on the events endpoint only; `oauth` works where its scopes allow. */
  kind: 'conversion' | 'oauth';
  adAccountIds: string[];
  /** OAuth scopes. @default ['ads:read', 'ads:write', 'user_accounts:read'] */
  scopes?: string[];
  /** The token's user, shown by `GET /v5/user_account`. @default 'sandbox_user' */
  user?: string;
}

/** An OAuth app. Without `redirectUris` any loopback http URI is accepted. */
export interface SandboxOAuthClient {
  clientId: string;
  clientSecret: string;
  redirectUris?: string[];
}

/** Everything a sandbox can be seeded with; every field is optional. */
export interface SandboxConfig {
  adAccounts?: SandboxAdAccount[];
  tokens?: SandboxToken[];
  oauthClients?: SandboxOAuthClient[];
  /** Calls per ad account in any 60-second window. @default 5000 */
  callsPerMinute?: number;
  /** Oldest `event_time` accepted, in seconds before now (the sandbox's assumption). @default 604800 */
  maxEventAgeSeconds?: number;
  /** Events (and calls) kept for inspection before the oldest are forgotten. @default 1000000 */
  maxStoredEvents?: number;
}

/** The config with seeds merged in and defaults applied. */
export interface ResolvedConfig {
  adAccounts: SandboxAdAccount[];
  tokens: SandboxToken[];
  oauthClients: SandboxOAuthClient[];
  callsPerMinute: number;
  maxEventAgeSeconds: number;
  maxStoredEvents: number;
}

const SEED_AD_ACCOUNT: SandboxAdAccount = {
  id: DEFAULT_AD_ACCOUNT_ID,
  name: 'Sandbox ad account',
  currency: 'USD',
  country: 'US',
  owner_username: DEFAULT_USERNAME,
  tags: [{ id: DEFAULT_TAG_ID, name: 'Sandbox Tag' }],
};

const SEED_TOKEN: SandboxToken = {
  token: DEFAULT_CONVERSION_TOKEN,
  kind: 'conversion',
  adAccountIds: [DEFAULT_AD_ACCOUNT_ID],
};

const SEED_CLIENT: SandboxOAuthClient = {
  clientId: DEFAULT_CLIENT_ID,
  clientSecret: DEFAULT_CLIENT_SECRET,
};

/**
 * Reads and checks a sandbox config file (JSON).
 * @throws Error naming the file and every problem found, by path (`tokens[1].kind ...`).
 * @example
 * const config = await loadSandboxConfig('./sandbox.config.json');
 * const sandbox = await startSandbox({ config });
 */
export async function loadSandboxConfig(path: string): Promise<SandboxConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`Cannot read sandbox config ${path}: ${reason}`, { cause: error });
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Sandbox config ${path} is not valid JSON: ${reason}`, { cause: error });
  }

  resolveConfig(parsed, path);
  return parsed as SandboxConfig;
}

/**
 * Checks a config and merges it over the seeds.
 * @throws Error listing every problem, prefixed with `source`.
 */
export function resolveConfig(config: unknown, source = 'options.config'): ResolvedConfig {
  const fail = (problems: string[]) =>
    new Error(`Invalid sandbox config (${source}):\n- ${problems.join('\n- ')}`);
  const shapeProblems = checkConfigShape(config ?? {});
  if (shapeProblems.length > 0) throw fail(shapeProblems);
  const typed = (config ?? {}) as SandboxConfig;
  const resolved = mergeWithSeeds(typed);
  const referenceProblems = checkReferences(typed, resolved);
  if (referenceProblems.length > 0) throw fail(referenceProblems);
  return resolved;
}

function mergeWithSeeds(config: SandboxConfig): ResolvedConfig {
  return {
    adAccounts: mergeBy([SEED_AD_ACCOUNT], config.adAccounts, (account) => account.id),
    tokens: mergeBy([SEED_TOKEN], config.tokens, (token) => token.token),
    oauthClients: mergeBy([SEED_CLIENT], config.oauthClients, (client) => client.clientId),
    callsPerMinute: config.callsPerMinute ?? DEFAULT_CALLS_PER_MINUTE,
    maxEventAgeSeconds: config.maxEventAgeSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS,
    maxStoredEvents: config.maxStoredEvents ?? DEFAULT_MAX_STORED_EVENTS,
  };
}

function mergeBy<T>(seeds: T[], extra: T[] | undefined, key: (item: T) => string): T[] {
  const extraKeys = new Set((extra ?? []).map(key));
  return [...seeds.filter((seed) => !extraKeys.has(key(seed))), ...(extra ?? [])];
}

function checkReferences(config: SandboxConfig, resolved: ResolvedConfig): string[] {
  const problems = [
    ...findDuplicates(
      config.adAccounts?.map((account) => account.id),
      'adAccounts',
      'id',
    ),
    ...findDuplicates(
      config.tokens?.map((token) => token.token),
      'tokens',
      'token',
    ),
    ...findDuplicates(
      config.oauthClients?.map((client) => client.clientId),
      'oauthClients',
      'clientId',
    ),
  ];
  const accountIds = new Set(resolved.adAccounts.map((account) => account.id));
  const tagOwners = new Map<string, string>();

  for (const account of resolved.adAccounts) {
    for (const tag of account.tags ?? []) {
      const owner = tagOwners.get(tag.id);
      if (owner !== undefined) {
        problems.push(`tag ${tag.id} belongs to both ad account ${owner} and ${account.id}`);
      }

      tagOwners.set(tag.id, account.id);
    }
  }

  config.tokens?.forEach((token, index) => {
    for (const id of token.adAccountIds) {
      if (!accountIds.has(id)) {
        problems.push(`tokens[${index}].adAccountIds names unknown ad account ${id}`);
      }
    }
  });

  return problems;
}

function findDuplicates(keys: string[] | undefined, list: string, field: string): string[] {
  const firstIndex = new Map<string, number>();
  const problems: string[] = [];
  (keys ?? []).forEach((key, index) => {
    const first = firstIndex.get(key);
    // Tokens are secrets, so entries are named by position, never by value.
    if (first !== undefined) problems.push(`${list}[${index}].${field} repeats ${list}[${first}]`);
    else firstIndex.set(key, index);
  });
  return problems;
}

let shapeValidator: ((config: unknown) => string[]) | undefined;

function checkConfigShape(config: unknown): string[] {
  shapeValidator ??= compileShapeValidator();
  return shapeValidator(config);
}

function compileShapeValidator(): (config: unknown) => string[] {
  const specSchemas = readVendoredSchema().components.schemas;
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(buildConfigSchema(specSchemas));
  return (config) => {
    if (validate(config)) return [];
    return (validate.errors ?? []).map(describeConfigError);
  };
}

// JSON Schema building blocks for the config file.
const ID_SCHEMA = { type: 'string', pattern: '^\\d{1,18}$' };
const TEXT_SCHEMA = { type: 'string', minLength: 1 };
const POSITIVE_SCHEMA = { type: 'integer', minimum: 1 };

function listOf(items: object, unique = false): object {
  return { type: 'array', items, ...(unique ? { uniqueItems: true } : {}) };
}

function recordOf(required: string[], properties: Record<string, object>): object {
  return { type: 'object', additionalProperties: false, required, properties };
}

function buildConfigSchema(specSchemas: Record<string, Record<string, unknown>>): object {
  const tag = recordOf(['id', 'name'], { id: ID_SCHEMA, name: TEXT_SCHEMA });
  // Currencies and countries take the spec's enums, so every AdAccount answer stays schema-valid.
  const account = recordOf(['id', 'name', 'currency', 'country'], {
    id: ID_SCHEMA,
    name: { type: 'string', minLength: 1, maxLength: 256 },
    currency: { enum: (specSchemas['Currency'] as { enum: string[] }).enum },
    country: { enum: (specSchemas['Country'] as { enum: string[] }).enum },
    owner_username: TEXT_SCHEMA,
    tags: listOf(tag),
  });
  const token = recordOf(['token', 'kind', 'adAccountIds'], {
    token: TEXT_SCHEMA,
    kind: { enum: ['conversion', 'oauth'] },
    adAccountIds: listOf(ID_SCHEMA, true),
    scopes: listOf({ enum: [...KNOWN_SCOPES] }, true),
    user: TEXT_SCHEMA,
  });
  const client = recordOf(['clientId', 'clientSecret'], {
    clientId: TEXT_SCHEMA,
    clientSecret: TEXT_SCHEMA,
    redirectUris: listOf({ type: 'string', pattern: '^https?://' }),
  });
  return recordOf([], {
    adAccounts: listOf(account),
    tokens: listOf(token),
    oauthClients: listOf(client),
    callsPerMinute: POSITIVE_SCHEMA,
    maxEventAgeSeconds: POSITIVE_SCHEMA,
    maxStoredEvents: POSITIVE_SCHEMA,
  });
}

function describeConfigError(error: ErrorObject): string {
  const path = error.instancePath
    .slice(1)
    .split('/')
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : `${acc}.${part}`), '')
    .replace(/^\./, '');
  const where = path === '' ? 'the config' : path;
  const params = error.params as Record<string, unknown>;

  if (error.keyword === 'additionalProperties') {
    return `${where} has an unknown property '${String(params['additionalProperty'])}'`;
  }

  if (error.keyword === 'enum') {
    const allowed = params['allowedValues'] as unknown[];
    const shown = allowed.slice(0, 12).join(', ') + (allowed.length > 12 ? ', …' : '');
    return `${where} must be one of: ${shown}`;
  }

  return `${where} ${error.message ?? 'is invalid'}`;
}
