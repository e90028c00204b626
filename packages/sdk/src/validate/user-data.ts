/**
 * @module validate/user-data
 * Checks a wire `user_data` object: hashed keys hold arrays of lowercase SHA-256 hex, raw keys hold
 * strings, and one identifier is present. Messages describe what a bad value looks like (an email,
 * uppercase hex, a device id) and never repeat it.
 */

import { isIP } from 'node:net';
import type { ValidationIssue } from '../errors.js';
import { HASHED_USER_DATA_KEYS } from '../wire.js';
import { checkObjectFields, issue, isPlainObject, joinPath } from './checks.js';
import type { FieldSpec, ObjectSpec, PlainObject } from './checks.js';

const USER_DATA_SPEC: ObjectSpec = {
  ...Object.fromEntries(
    HASHED_USER_DATA_KEYS.map((key): [string, FieldSpec] => [key, { kind: 'custom' }]),
  ),
  client_ip_address: { kind: 'custom' },
  client_user_agent: { kind: 'string', nonEmpty: true },
  click_id: { kind: 'string', nullable: true },
  partner_id: { kind: 'string', nullable: true },
};

// Tested after a length check, which is the same rule as `/^[0-9a-f]{64}$/`, and about twice as
// fast: every hash of every event goes through it.
const LOWERCASE_HEX = /^[0-9a-f]+$/;
const SHA256_HEX_LENGTH = 64;

const IDENTIFIER_MESSAGE =
  'needs an identifier: em, or hashed_maids, or client_ip_address together with client_user_agent';

/** Checks `user_data` at `path` (e.g. `data[0].user_data`). */
export function checkUserData(value: unknown, path: string): ValidationIssue[] {
  if (!isPlainObject(value)) return [issue(path, 'type', 'must be an object')];
  const issues = checkObjectFields(value, USER_DATA_SPEC, { path, level: 'user_data' });
  for (const key of HASHED_USER_DATA_KEYS) {
    if (value[key] !== undefined) issues.push(...checkHashedList(value[key], joinPath(path, key)));
  }

  const ip = value['client_ip_address'];
  if (ip !== undefined) {
    const broken = checkIpAddress(ip, joinPath(path, 'client_ip_address'));
    if (broken) issues.push(broken);
  }

  const missing = missingIdentifier(value, path);
  if (missing) issues.push(missing);
  return issues;
}

function checkHashedList(value: unknown, path: string): ValidationIssue[] {
  if (!Array.isArray(value)) {
    const what = typeof value === 'string' ? ', even for one value' : '';
    return [issue(path, 'type', `must be an array of SHA-256 hex strings${what}`)];
  }

  const issues: ValidationIssue[] = [];
  value.forEach((item: unknown, index) => {
    if (typeof item !== 'string')
      issues.push(issue(`${path}[${index}]`, 'type', 'must be a string'));
    else if (!isLowercaseSha256Hex(item)) {
      issues.push(issue(`${path}[${index}]`, 'sha256_hex', describeUnhashed(item)));
    }
  });
  return issues;
}

function isLowercaseSha256Hex(value: string): boolean {
  return value.length === SHA256_HEX_LENGTH && LOWERCASE_HEX.test(value);
}

/** Says what the value looks like instead of a digest, never what it is. */
function describeUnhashed(value: string): string {
  const expected = 'must be a SHA-256 digest (64 lowercase hex characters)';
  const fix = 'normalize and hash it first (hashUserData does both)';
  if (/^[0-9a-fA-F]{64}$/.test(value)) return `${expected}; this digest is uppercase: lowercase it`;
  if (/^[0-9a-f]{32}$/i.test(value)) return `${expected}; the value looks like an MD5 digest`;
  if (/^[0-9a-f]{40}$/i.test(value)) return `${expected}; the value looks like a SHA-1 digest`;
  if (value.includes('@')) return `${expected}; the value looks like a plain email address: ${fix}`;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
    return `${expected}; the value looks like a raw device id (IDFA/GAID): ${fix}`;
  }

  return `${expected}; the value looks unhashed: ${fix}`;
}

function checkIpAddress(value: unknown, path: string): ValidationIssue | undefined {
  if (typeof value !== 'string') return issue(path, 'type', 'must be a string');
  if (isIP(value) !== 0) return undefined;
  const message = value.includes(',')
    ? 'must be one IP address; this looks like an X-Forwarded-For list: send the first entry'
    : 'must be an IPv4 or IPv6 address, as seen from the user';
  return issue(path, 'ip_address', message);
}

function missingIdentifier(value: PlainObject, path: string): ValidationIssue | undefined {
  const hasList = (key: string) => Array.isArray(value[key]) && value[key].length > 0;
  const hasText = (key: string) => typeof value[key] === 'string' && value[key] !== '';
  if (hasList('em') || hasList('hashed_maids')) return undefined;
  const hasIp = hasText('client_ip_address');
  const hasAgent = hasText('client_user_agent');
  if (hasIp && hasAgent) return undefined;
  let detail = '';
  if (hasIp) detail = ' (client_user_agent is missing)';
  if (hasAgent) detail = ' (client_ip_address is missing)';
  return issue(path, 'identifier', `${IDENTIFIER_MESSAGE}${detail}`);
}
