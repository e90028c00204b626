/**
 * @module rules/event-rules
 * The per-event rules Pinterest answers event by event (in `events[]`), not with a 400: hashing,
 * the identifier rule and time limits fail an event; non-standard values only warn. Messages name
 * the field and the rule and never repeat a `user_data` value, which may be raw PII.
 */
import { MAX_CLOCK_SKEW_SECONDS } from '../constants.js';
import type { CheckedCustomData, CheckedEvent, CheckedUserData } from './event-shape.js';
import {
  ACTION_SOURCES,
  HASHED_USER_DATA_KEYS,
  ISO_4217_CODES,
  STANDARD_EVENT_NAMES,
} from './standards.js';

/** One entry of the response's `events[]`. */
export interface EventResult {
  status: 'processed' | 'failed';
  error_message: string | null;
  warning_message: string;
}

export interface JudgeContext {
  /** The sandbox clock, Unix seconds. */
  nowSeconds: number;
  maxEventAgeSeconds: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const SHA256_HEX_ANY_CASE = /^[0-9a-fA-F]{64}$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const PARTNER_NAME = /^ss-[a-z0-9_-]+$/;
const LANGUAGE = /^[a-z]{2}$/;
/** Unix seconds stay below this until the year 5138; a larger `event_time` is milliseconds. */
const MILLISECONDS_THRESHOLD = 100_000_000_000;
/** The cap of MSOT's `event_id`, the only one Pinterest's spec states for an event id. */
const EVENT_ID_SAFE_LENGTH = 256;

/** Judges one schema-valid event: failed with every reason, or processed with any warnings. */
export function judgeEvent(event: CheckedEvent, context: JudgeContext): EventResult {
  // One array per event, filled in place: this runs for every event of every batch.
  const errors: string[] = [];
  addHashingErrors(event.user_data, errors);
  addIdentifierError(event.user_data, errors);
  addTimeError(event.event_time, context, errors);
  const warnings: string[] = [];
  addWarnings(event, warnings);
  const warning = warnings.length === 0 ? '' : warnings.join('; ');

  if (errors.length > 0) {
    return { status: 'failed', error_message: errors.join('; '), warning_message: warning };
  }

  return { status: 'processed', error_message: null, warning_message: warning };
}

function addHashingErrors(userData: CheckedUserData, errors: string[]): void {
  for (const key of HASHED_USER_DATA_KEYS) {
    const values = userData[key];
    if (!Array.isArray(values)) continue;
    const index = values.findIndex((value) => typeof value !== 'string' || !SHA256_HEX.test(value));
    if (index === -1) continue;
    const uppercase = SHA256_HEX_ANY_CASE.test(String(values[index]));
    errors.push(
      uppercase
        ? `user_data.${key}[${index}] is a SHA-256 hash in uppercase hex; send lowercase hex`
        : `user_data.${key}[${index}] is not a SHA-256 hash (64 lowercase hex characters); ` +
            'normalize and hash the value before sending',
    );
  }
}

function addIdentifierError(userData: CheckedUserData, errors: string[]): void {
  const hasEmail = (userData.em?.length ?? 0) > 0;
  const hasMaid = (userData.hashed_maids?.length ?? 0) > 0;
  const hasIpAndAgent = Boolean(userData.client_ip_address) && Boolean(userData.client_user_agent);
  if (hasEmail || hasMaid || hasIpAndAgent) return;
  errors.push(
    'user_data must carry em, hashed_maids, or both client_ip_address and client_user_agent ' +
      '(empty arrays and empty strings do not count)',
  );
}

function addTimeError(eventTime: number, context: JudgeContext, errors: string[]): void {
  if (eventTime >= MILLISECONDS_THRESHOLD) {
    errors.push(`event_time ${eventTime} looks like milliseconds; send Unix seconds`);
    return;
  }

  const ahead = eventTime - context.nowSeconds;
  if (ahead > MAX_CLOCK_SKEW_SECONDS) {
    errors.push(
      `event_time is ${ahead} seconds in the future; it may not be later than the time ` +
        'Pinterest receives the event',
    );
    return;
  }

  if (context.nowSeconds - eventTime > context.maxEventAgeSeconds) {
    errors.push(
      `event_time is in the past beyond the sandbox's maximum event age of ` +
        `${describeSeconds(context.maxEventAgeSeconds)} (an assumption: Pinterest publishes no ` +
        'maximum, and rejects events that are too old)',
    );
  }
}

function addWarnings(event: CheckedEvent, warnings: string[]): void {
  if (!STANDARD_EVENT_NAMES.has(event.event_name)) {
    warnings.push(
      `event_name '${clip(event.event_name)}' is not a standard Pinterest event name; ` +
        'it may not be reported correctly',
    );
  }

  if (!ACTION_SOURCES.has(event.action_source)) {
    warnings.push(
      `action_source '${clip(event.action_source)}' is not one of web, app_android, app_ios, offline`,
    );
  }

  if (event.event_id.length > EVENT_ID_SAFE_LENGTH) {
    warnings.push(
      `event_id is longer than ${EVENT_ID_SAFE_LENGTH} characters; accepted on the assumption ` +
        'that Pinterest takes it (the spec states no limit)',
    );
  }

  if (typeof event.partner_name === 'string' && !PARTNER_NAME.test(event.partner_name)) {
    warnings.push("partner_name is not of the documented form 'ss-<partner>' in lowercase");
  }

  if (typeof event.language === 'string' && !LANGUAGE.test(event.language)) {
    warnings.push('language is not a two-letter lowercase ISO 639-1 code');
  }

  if (event.custom_data) addCustomDataWarnings(event, event.custom_data, warnings);
}

function addCustomDataWarnings(
  event: CheckedEvent,
  customData: CheckedCustomData,
  warnings: string[],
): void {
  const { currency, value, predicted_ltv: predictedLtv, contents } = customData;

  if (typeof currency === 'string' && !ISO_4217_CODES.has(currency)) {
    warnings.push(
      ISO_4217_CODES.has(currency.toUpperCase())
        ? `custom_data.currency '${clip(currency)}' should be uppercase ISO 4217`
        : `custom_data.currency '${clip(currency)}' is not an ISO 4217 currency code`,
    );
  }

  if (typeof value === 'string' && !DECIMAL.test(value)) {
    warnings.push("custom_data.value is not a decimal string such as '72.39'");
  }

  if (typeof predictedLtv === 'string' && !DECIMAL.test(predictedLtv)) {
    warnings.push("custom_data.predicted_ltv is not a decimal string such as '72.39'");
  }

  const badPrice = contents
    ? contents.findIndex((item) => item.item_price !== undefined && !DECIMAL.test(item.item_price))
    : -1;
  if (badPrice !== -1) {
    warnings.push(`custom_data.contents[${badPrice}].item_price is not a decimal string`);
  }

  if (customData.opt_out_type) addOptOutWarnings(event, customData.opt_out_type, warnings);
}

function addOptOutWarnings(event: CheckedEvent, optOutType: string, warnings: string[]): void {
  const flags = optOutType
    .split(',')
    .map((flag) => flag.trim())
    .filter((flag) => flag !== '');

  if (flags.some((flag) => flag !== 'LDP')) {
    warnings.push("custom_data.opt_out_type: only 'LDP' is processed; other flags are ignored");
  }

  const hasState = (event.user_data['st'] as readonly string[] | undefined)?.length;
  const hasCountry = (event.user_data['country'] as readonly string[] | undefined)?.length;
  if (flags.includes('LDP') && !(hasState && hasCountry)) {
    warnings.push(
      'custom_data.opt_out_type is LDP but user_data.st or user_data.country is missing; ' +
        'Limited Data Processing needs both',
    );
  }
}

function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

function describeSeconds(seconds: number): string {
  const day = 86_400;
  if (seconds % day === 0) return `${seconds / day} days`;
  return `${seconds} seconds`;
}
