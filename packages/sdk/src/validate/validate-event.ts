/**
 * @module validate/validate-event
 * Checks wire events (already hashed) against the published v5 schema and Pinterest's documented
 * rules, and returns every issue at once with a path such as `data[3].custom_data.value`. The
 * validator never throws and never repeats a `user_data` value in a message.
 */

import type { ValidationIssue } from '../errors.js';
import { ACTION_SOURCES, EVENT_NAMES, MAX_EVENTS_PER_REQUEST } from '../wire.js';
import { checkAppInfo, checkDeviceInfo } from './app-device.js';
import { checkObjectFields, checkRequired, issue, isPlainObject, joinPath } from './checks.js';
import type { ObjectSpec, PlainObject } from './checks.js';
import { checkCustomData } from './custom-data.js';
import { checkEventTime } from './event-time.js';
import { checkUserData } from './user-data.js';

/** Clock and time window for the `event_time` rules. */
export interface ValidateOptions {
  /**
   * The current time in milliseconds since the epoch.
   * @default Date.now()
   */
  now?: number;
  /**
   * Oldest accepted event, in seconds. Pinterest publishes no limit but rejects very old events;
   * partners send at most 7 days back.
   * @default 604800 (7 days)
   */
  maxEventAgeSeconds?: number;
  /**
   * How far in the future an event may be, in seconds, to absorb clock skew between hosts.
   * @default 60
   */
  futureSkewSeconds?: number;
}

const NULLABLE_STRING = { kind: 'string', nullable: true } as const;

const EVENT_SPEC: ObjectSpec = {
  event_name: { kind: 'custom' },
  action_source: { kind: 'custom' },
  event_time: { kind: 'custom' },
  /** MSOT caps event_id at 256; Pinterest's spec gives no cap, so 256 is the safe side. */
  event_id: { kind: 'string', nonEmpty: true, maxLength: 256 },
  user_data: { kind: 'custom' },
  custom_data: { kind: 'custom' },
  event_source_url: NULLABLE_STRING,
  opt_out: { kind: 'boolean' },
  partner_name: { kind: 'custom' },
  language: { kind: 'custom' },
  wifi: { kind: 'boolean' },
  app_id: NULLABLE_STRING,
  app_name: NULLABLE_STRING,
  app_version: NULLABLE_STRING,
  device_brand: NULLABLE_STRING,
  device_carrier: NULLABLE_STRING,
  device_model: NULLABLE_STRING,
  device_type: NULLABLE_STRING,
  os_version: NULLABLE_STRING,
  app_info: { kind: 'custom' },
  device_info: { kind: 'custom' },
};

const BODY_SPEC: ObjectSpec = { data: { kind: 'custom' } };

const REQUIRED_FIELDS = ['event_name', 'action_source', 'event_time', 'event_id', 'user_data'];

/** Lowercase `ss-<partner>`, the convention Pinterest documents (`ss-shopify`). */
export const PARTNER_NAME_PATTERN = /^ss-[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

type SectionCheck = (value: unknown, path: string) => ValidationIssue[];

const SECTIONS: readonly (readonly [string, SectionCheck])[] = [
  ['user_data', checkUserData],
  ['custom_data', checkCustomData],
  ['app_info', checkAppInfo],
  ['device_info', checkDeviceInfo],
];

/**
 * Checks one wire event and returns every broken rule; an empty array means Pinterest's schema and
 * documented rules accept it.
 *
 * @param event - A wire event as it would be sent, with `user_data` already hashed.
 * @param options - Clock and time window for `event_time`.
 * @param path - Prefix of every issue path (`'event'` unless given; `data[3]` in a body).
 * @example
 * const issues = validateEvent(event, { maxEventAgeSeconds: 86_400 });
 * for (const { path, rule, message } of issues) console.warn(path, rule, message);
 */
export function validateEvent(
  event: unknown,
  options: ValidateOptions = {},
  path = 'event',
): ValidationIssue[] {
  if (!isPlainObject(event)) return [issue(path, 'type', 'must be an object')];
  const issues = [
    ...checkRequired(event, REQUIRED_FIELDS, path),
    ...checkObjectFields(event, EVENT_SPEC, { path, level: 'event' }),
    ...checkScalarFields(event, path, options),
  ];
  for (const [key, check] of SECTIONS) {
    if (event[key] !== undefined) issues.push(...check(event[key], joinPath(path, key)));
  }

  return issues;
}

/**
 * Checks a whole request body, `{"data": [1..1000 events]}`, with paths such as `data[3].event_id`.
 * All events are checked against the same clock.
 *
 * @example
 * const issues = validateRequestBody({ data: events });
 * if (issues.length > 0) throw new ValidationError(issues, 'request body');
 */
export function validateRequestBody(
  body: unknown,
  options: ValidateOptions = {},
): ValidationIssue[] {
  if (!isPlainObject(body)) return [issue('body', 'type', 'must be an object: {"data": [...]}')];
  const issues = checkObjectFields(body, BODY_SPEC, { path: '', level: 'body' });
  const data = body['data'];
  if (data === undefined) return [...issues, issue('data', 'required', 'is required')];
  if (!Array.isArray(data)) return [...issues, issue('data', 'type', 'must be an array of events')];
  if (data.length === 0 || data.length > MAX_EVENTS_PER_REQUEST) {
    const message = `must hold 1 to ${MAX_EVENTS_PER_REQUEST} events (has ${data.length})`;
    issues.push(issue('data', 'batch_size', message));
  }

  const fixed = { ...options, now: options.now ?? Date.now() };
  data.forEach((event: unknown, index) => {
    issues.push(...validateEvent(event, fixed, `data[${index}]`));
  });
  return issues;
}

function checkScalarFields(
  event: PlainObject,
  path: string,
  options: ValidateOptions,
): ValidationIssue[] {
  const checks = [
    checkEventTime(event['event_time'], joinPath(path, 'event_time'), options),
    checkEventName(event['event_name'], joinPath(path, 'event_name')),
    checkActionSource(event['action_source'], joinPath(path, 'action_source')),
    checkPartnerName(event['partner_name'], joinPath(path, 'partner_name')),
    checkLanguage(event['language'], joinPath(path, 'language')),
  ];
  return checks.filter((found): found is ValidationIssue => found !== undefined);
}

function checkEventName(value: unknown, path: string): ValidationIssue | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return issue(path, 'type', 'must be a string');
  if ((EVENT_NAMES as readonly string[]).includes(value)) return undefined;
  const snake = value.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  let hint = 'see EVENT_NAMES for the accepted names';
  if ((EVENT_NAMES as readonly string[]).includes(snake)) {
    hint = `the Tag's CamelCase name; the API uses "${snake}"`;
  } else if (snake === 'purchase') {
    hint = 'Pinterest calls a purchase "checkout"';
  }

  return issue(path, 'event_name', `"${value}" is not a Pinterest event name: ${hint}`);
}

function checkActionSource(value: unknown, path: string): ValidationIssue | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (ACTION_SOURCES as readonly string[]).includes(value)) {
    return undefined;
  }

  return issue(path, 'action_source', `must be one of: ${ACTION_SOURCES.join(', ')}`);
}

function checkPartnerName(value: unknown, path: string): ValidationIssue | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return issue(path, 'type', 'must be a string or null');
  if (PARTNER_NAME_PATTERN.test(value)) return undefined;
  return issue(path, 'partner_name', 'must be lowercase "ss-<partner>", e.g. "ss-shopify"');
}

function checkLanguage(value: unknown, path: string): ValidationIssue | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return issue(path, 'type', 'must be a string or null');
  if (/^[a-z]{2}$/.test(value)) return undefined;
  return issue(path, 'language', 'must be a two-letter lowercase ISO 639-1 code, e.g. "en"');
}
