/**
 * @module normalize/user-data
 * Raw `user_data` in, wire `user_data` out: each hashed key normalized by its own rule and hashed
 * with SHA-256, values already hashed kept, raw keys copied. Every failure is collected, so one
 * call reports all of them, and none of them repeats a value.
 */

import { NormalizationError, ValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import type { HashedUserDataKey, RawUserDataKey, WireUserData } from '../wire.js';
import { normalizeCity } from './city.js';
import { normalizeCountry } from './country.js';
import { normalizeDateOfBirth } from './date-of-birth.js';
import { normalizeEmail } from './email.js';
import { normalizeExternalId } from './external-id.js';
import { normalizeGender } from './gender.js';
import { isSha256Hex, sha256Hex } from './hash.js';
import { normalizeMobileAdId } from './mobile-ad-id.js';
import { normalizeFirstName, normalizeLastName } from './name.js';
import { resolveOptions } from './options.js';
import type { NormalizeOptions, ResolvedOptions } from './options.js';
import { normalizePhone } from './phone.js';
import { normalizePostalCode } from './postal-code.js';
import { valueError } from './rule-helpers.js';
import { normalizeState } from './state.js';

export type { NormalizeOptions } from './options.js';

/** One value or a list; `null`, `undefined` and blank strings are skipped. */
type OneOrMany<T> = T | null | undefined | readonly (T | null | undefined)[];

/**
 * `user_data` with wire keys and raw values. Each hashed key takes one value or a list, raw or
 * already SHA-256 hex (kept, lowercased); the other keys are sent as they are.
 */
export interface RawUserData {
  em?: OneOrMany<string>;
  ph?: OneOrMany<string | number>;
  fn?: OneOrMany<string>;
  ln?: OneOrMany<string>;
  ge?: OneOrMany<string>;
  db?: OneOrMany<string | Date>;
  ct?: OneOrMany<string>;
  st?: OneOrMany<string>;
  zp?: OneOrMany<string | number>;
  country?: OneOrMany<string>;
  external_id?: OneOrMany<string>;
  hashed_maids?: OneOrMany<string>;
  client_ip_address?: string | undefined;
  client_user_agent?: string | undefined;
  click_id?: string | null | undefined;
  partner_id?: string | null | undefined;
}

type RawValue = string | number | Date;

interface KeyRule {
  /** What the key takes besides strings. */
  also?: 'number' | 'date';
  normalize(value: RawValue, options: ResolvedOptions): string;
}

// Each rule is called only after `acceptsType` checked the value against `also`.
const RULES: ReadonlyMap<string, KeyRule> = new Map<HashedUserDataKey, KeyRule>([
  ['em', { normalize: (value) => normalizeEmail(value as string) }],
  [
    'ph',
    {
      also: 'number',
      normalize: (value, options) => normalizePhone(value as string | number, options),
    },
  ],
  ['fn', { normalize: (value) => normalizeFirstName(value as string) }],
  ['ln', { normalize: (value) => normalizeLastName(value as string) }],
  ['ge', { normalize: (value) => normalizeGender(value as string) }],
  [
    'db',
    {
      also: 'date',
      normalize: (value, options) => normalizeDateOfBirth(value as string | Date, options),
    },
  ],
  ['ct', { normalize: (value) => normalizeCity(value as string) }],
  ['st', { normalize: (value) => normalizeState(value as string) }],
  ['zp', { also: 'number', normalize: (value) => normalizePostalCode(value as string | number) }],
  ['country', { normalize: (value) => normalizeCountry(value as string) }],
  ['external_id', { normalize: (value) => normalizeExternalId(value as string) }],
  ['hashed_maids', { normalize: (value) => normalizeMobileAdId(value as string) }],
]);

const RAW_KEYS: ReadonlySet<string> = new Set<RawUserDataKey>([
  'client_ip_address',
  'client_user_agent',
  'click_id',
  'partner_id',
]);

// Names people reach for first, compared without case, `_`, `-` or spaces (`firstName`,
// `first_name`); the message points them to the wire key.
const KEY_HINTS: ReadonlyMap<string, string> = new Map([
  ['email', 'em'],
  ['emailaddress', 'em'],
  ['phone', 'ph'],
  ['phonenumber', 'ph'],
  ['firstname', 'fn'],
  ['lastname', 'ln'],
  ['gender', 'ge'],
  ['birthday', 'db'],
  ['birthdate', 'db'],
  ['dateofbirth', 'db'],
  ['dob', 'db'],
  ['city', 'ct'],
  ['state', 'st'],
  ['zip', 'zp'],
  ['zipcode', 'zp'],
  ['postalcode', 'zp'],
  ['postcode', 'zp'],
  ['countrycode', 'country'],
  ['externalid', 'external_id'],
  ['ip', 'client_ip_address'],
  ['ipaddress', 'client_ip_address'],
  ['clientipaddress', 'client_ip_address'],
  ['useragent', 'client_user_agent'],
  ['clientuseragent', 'client_user_agent'],
  ['epik', 'click_id'],
  ['clickid', 'click_id'],
  ['partnerid', 'partner_id'],
  ['maid', 'hashed_maids'],
  ['gaid', 'hashed_maids'],
  ['idfa', 'hashed_maids'],
  ['hashedmaids', 'hashed_maids'],
]);
const HINT_NOISE = /[_\-\s]+/g;

interface HashContext {
  key: string;
  rule: KeyRule;
  options: ResolvedOptions;
  issues: ValidationIssue[];
}

/**
 * Normalizes one raw value by the rule of `key`, without hashing it: what would be hashed for
 * that key. Values that are already SHA-256 hex are not recognised here; they go through the rule
 * like any other string.
 *
 * @throws {NormalizationError} the value breaks the key's rule (see each rule's `rule` names),
 *   is blank (`empty`), has a type the key does not take (`type`), or the key is not a hashed
 *   `user_data` key (`unknown_field`).
 * @throws {ValidationError} `options` holds an unsupported `defaultCountry` or `dateOrder`.
 * @example
 * normalizeUserDataValue('ph', '+44 (0)20 7946 0958'); // '442079460958'
 * normalizeUserDataValue('st', 'California'); // 'ca'
 */
export function normalizeUserDataValue(
  key: HashedUserDataKey,
  raw: unknown,
  options?: NormalizeOptions,
): string {
  const rule = RULES.get(key);
  if (rule === undefined) {
    throw new NormalizationError(
      'CAPI_ERR_NORMALIZE_VALUE',
      key,
      'unknown_field',
      'is not a hashed user_data key',
    );
  }

  const resolved = resolveOptions(options);
  if (raw === null || raw === undefined) throw valueError(key, 'empty', 'is empty');
  if (!acceptsType(rule, raw)) throw valueError(key, 'type', typeMessage(rule));
  return rule.normalize(raw, resolved);
}

/**
 * Turns raw `user_data` into wire `user_data`: every hashed key becomes a list of lowercase
 * SHA-256 hex digests of the normalized values; raw keys are copied.
 *
 * For each hashed key, one value or a list is accepted. A value that is already 64 hex characters
 * is kept, lowercased, and never hashed twice; any other value is normalized by its key's rule,
 * then hashed. Blank values (`null`, `undefined`, whitespace) are skipped, duplicates are dropped
 * in first-seen order, and a key left without values is omitted. `client_ip_address` and
 * `client_user_agent` are copied trimmed; `click_id` and `partner_id` likewise, and keep `null`.
 * The input is never modified.
 *
 * @throws {ValidationError} with one issue per failure, all collected: a rule broken
 *   (`user_data.ph[1]`, rule `phone_invalid`), a wrong type (rule `type`), an unknown key (rule
 *   `unknown_field`), or bad `options` (`options.defaultCountry`). Messages never hold values.
 * @example
 * hashUserData(
 *   { em: ' John.Doe@Example.COM ', ph: ['+1 (415) 555-2671'], client_ip_address: '203.0.113.7' },
 * );
 * // { em: ['836f82db…'], ph: ['758fbf68…'], client_ip_address: '203.0.113.7' }
 */
export function hashUserData(raw: RawUserData, options?: NormalizeOptions): WireUserData {
  // Callers in plain JavaScript (or with `as` casts) can pass anything.
  const input: unknown = raw;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const issue = { path: 'user_data', rule: 'type', message: 'must be an object' };
    throw new ValidationError([issue], 'user_data');
  }

  const resolved = resolveOptions(options);
  const out: WireUserData = {};
  const issues: ValidationIssue[] = [];
  for (const entry of Object.entries(raw)) issues.push(...hashUserDataEntry(out, entry, resolved));
  if (issues.length > 0) throw new ValidationError(issues, 'user_data');
  return out;
}

/**
 * Hashes one `[key, value]` entry of raw `user_data` into `out`, exactly as {@link hashUserData}
 * does for each key, and returns its issues (paths such as `user_data.ph[1]`). The options are
 * resolved by the caller, once: `prepareEvent` hashes key by key, so that one bad key does not
 * hide the others, and resolving the options again for every key was a large share of its time.
 */
export function hashUserDataEntry(
  out: WireUserData,
  [key, value]: readonly [key: string, value: unknown],
  options: ResolvedOptions,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const rule = RULES.get(key);
  if (rule) {
    const hashes = hashValues(value, { key, rule, options, issues });
    if (hashes.length > 0) out[key as HashedUserDataKey] = hashes;
  } else if (RAW_KEYS.has(key)) {
    copyRawValue(out, key as RawUserDataKey, value, issues);
  } else {
    issues.push(unknownKeyIssue(key));
  }

  return issues;
}

function hashValues(value: unknown, context: HashContext): string[] {
  const path = `user_data.${context.key}`;
  if (!Array.isArray(value)) {
    const hashed = hashValue(value, path, context);
    return hashed === undefined ? [] : [hashed];
  }

  const hashes = new Set<string>();
  for (let index = 0; index < value.length; index++) {
    const hashed = hashValue(value[index], `${path}[${index}]`, context);
    if (hashed !== undefined) hashes.add(hashed);
  }

  return [...hashes];
}

function hashValue(value: unknown, path: string, context: HashContext): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (!acceptsType(context.rule, value)) {
    context.issues.push({ path, rule: 'type', message: typeMessage(context.rule) });
    return undefined;
  }

  const input = typeof value === 'string' ? value.trim() : value;
  if (input === '') return undefined;
  // Hashing a digest again would produce a value that can never match.
  if (typeof input === 'string' && isSha256Hex(input)) return input.toLowerCase();
  try {
    return sha256Hex(context.rule.normalize(input, context.options));
  } catch (error) {
    if (!(error instanceof NormalizationError)) throw error;
    context.issues.push({ path, rule: error.rule, message: ruleMessage(error) });
    return undefined;
  }
}

function copyRawValue(
  out: WireUserData,
  key: RawUserDataKey,
  value: unknown,
  issues: ValidationIssue[],
): void {
  const nullable = key === 'click_id' || key === 'partner_id';
  if (value === undefined) return;
  if (value === null) {
    if (nullable) out[key] = null;
    return;
  }

  if (typeof value !== 'string') {
    const message = nullable ? 'must be a string or null' : 'must be a string';
    issues.push({ path: `user_data.${key}`, rule: 'type', message });
    return;
  }

  const trimmed = value.trim();
  if (trimmed !== '') out[key] = trimmed;
}

function acceptsType(rule: KeyRule, value: unknown): value is RawValue {
  if (typeof value === 'string') return true;
  if (rule.also === 'number') return typeof value === 'number';
  return rule.also === 'date' && value instanceof Date;
}

function typeMessage(rule: KeyRule): string {
  if (rule.also === 'number') return 'must be a string or a number';
  if (rule.also === 'date') return 'must be a string or a Date';
  return 'must be a string';
}

function unknownKeyIssue(key: string): ValidationIssue {
  const hint = KEY_HINTS.get(key.toLowerCase().replace(HINT_NOISE, ''));
  const message = hint
    ? `is not a user_data field; use ${hint}`
    : 'is not a user_data field (wire keys: em, ph, fn, ln, ge, db, ct, st, zp, country, …)';
  return { path: `user_data.${key}`, rule: 'unknown_field', message };
}

/** The error's message without its `field: ` prefix, which the issue path already says. */
function ruleMessage(error: NormalizationError): string {
  const prefix = `${error.field}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}
