/**
 * @module build/prepare-event
 * Turns a friendly event (raw `user_data`, numeric prices, `Date` times) into the wire event
 * Pinterest expects, and checks the result, so that one call either returns a sendable event or
 * throws with every broken rule at once.
 */

import { ValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import { checkDecimal, formatDecimal } from '../money.js';
import { resolveOptions } from '../normalize/options.js';
import type { ResolvedOptions } from '../normalize/options.js';
import { hashUserDataEntry } from '../normalize/user-data.js';
import type { NormalizeOptions, RawUserData } from '../normalize/user-data.js';
import { EVENT_FIELDS } from '../wire.js';
import type {
  ActionSource,
  EventName,
  WireContent,
  WireCustomData,
  WireEvent,
  WireUserData,
} from '../wire.js';
import { issue, isPlainObject, joinPath } from '../validate/checks.js';
import type { PlainObject } from '../validate/checks.js';
import { PARTNER_NAME_PATTERN, validateEvent } from '../validate/validate-event.js';
import type { ValidateOptions } from '../validate/validate-event.js';
import { toEventSeconds } from './event-time.js';

/** One line item as the caller has it: the price may be a number. */
export type ContentInput = Omit<WireContent, 'item_price'> & { item_price?: number | string };

/** `custom_data` as the caller has it: money may be numbers, formatted by `formatDecimal`. */
export type CustomDataInput = Omit<WireCustomData, 'value' | 'predicted_ltv' | 'contents'> & {
  value?: number | string | null;
  predicted_ltv?: number | string | null;
  contents?: readonly ContentInput[];
};

/** An event before hashing and formatting; every other field is the wire field as is. */
export interface EventInput extends Omit<
  WireEvent,
  'user_data' | 'custom_data' | 'event_time' | 'event_name' | 'action_source'
> {
  event_name: EventName;
  /** @default 'web' */
  action_source?: ActionSource;
  /**
   * Unix seconds, a `Date`, or an ISO 8601 date-time with a UTC offset (`2026-01-01T12:00:00Z`).
   * Milliseconds are reported, not converted: a value above 1e11 is an issue.
   * @default the current time (`options.now`, else `Date.now()`)
   */
  event_time?: number | Date | string;
  /** Raw values (hashed here) or values already hashed (kept). */
  user_data: RawUserData;
  custom_data?: CustomDataInput;
}

/** Options of {@link prepareEvent}: the validation clock, normalization, and a partner name. */
export interface PrepareOptions extends ValidateOptions, NormalizeOptions {
  /**
   * Fills `partner_name` when the event has none: lowercase `ss-<partner>`, e.g. `ss-acme`.
   * @default undefined
   */
  partnerName?: string;
}

const ROOT = 'event';

/** Issues found while converting, and the paths whose value could not be produced. */
interface Draft {
  issues: ValidationIssue[];
  failed: Set<string>;
  now: number;
  /** A key that could satisfy the identifier rule failed, so the rule cannot be judged. */
  identifierUnknown?: boolean;
}

const IDENTIFIER_KEYS: ReadonlySet<string> = new Set([
  'em',
  'hashed_maids',
  'client_ip_address',
  'client_user_agent',
]);

/**
 * Builds a wire event from `input`: hashes `user_data` (raw values are normalized first, hashes
 * are kept), formats money as decimal strings, turns `event_time` into Unix seconds, defaults
 * `action_source` to `web`, fills `partner_name` from `options.partnerName`, then validates the
 * result. The input is never modified; unknown fields are reported, not dropped.
 *
 * @throws {ValidationError} With every issue found, paths rooted at `event`
 *   (e.g. `event.custom_data.value`, `event.user_data.em[0]`).
 * @example
 * const event = prepareEvent({
 *   event_name: 'checkout',
 *   event_id: 'order-1001-checkout',
 *   user_data: { em: 'buyer@example.com', client_ip_address: '203.0.113.7' },
 *   custom_data: { value: 72.39, currency: 'USD', order_id: '1001' },
 * });
 */
export function prepareEvent(input: EventInput, options: PrepareOptions = {}): WireEvent {
  if (!isPlainObject(input)) throw new ValidationError([issue(ROOT, 'type', 'must be an object')]);
  const tooDeep = firstTooDeep(input);
  if (tooDeep !== undefined) {
    const message = `is nested more than ${String(MAX_EVENT_DEPTH)} levels deep`;
    throw new ValidationError([issue(tooDeep, 'max_depth', message)]);
  }

  const draft: Draft = { issues: [], failed: new Set(), now: options.now ?? Date.now() };
  const event = buildDraft(input, options, draft);
  const checked = validateEvent(event, timeWindow(options, draft.now), ROOT);
  const issues = [...draft.issues, ...checked.filter((found) => !isConsequence(found, draft))];
  if (issues.length > 0) throw new ValidationError(issues, 'event');
  return inWireOrder(event) as unknown as WireEvent;
}

/**
 * The validator's options, on the clock of the draft. Only the time window is copied: spreading
 * every prepare option into a new object cost more than the whole `event_time` check.
 */
function timeWindow(options: PrepareOptions, now: number): ValidateOptions {
  const window: ValidateOptions = { now };
  const { maxEventAgeSeconds, futureSkewSeconds } = options;
  if (maxEventAgeSeconds !== undefined) window.maxEventAgeSeconds = maxEventAgeSeconds;
  if (futureSkewSeconds !== undefined) window.futureSkewSeconds = futureSkewSeconds;
  return window;
}

/** Fields in the spec's order, so a printed body (`send --dry-run`) reads the same every time. */
function inWireOrder(event: PlainObject): PlainObject {
  const ordered: PlainObject = {};
  for (const key of EVENT_FIELDS) {
    if (key in event) ordered[key] = event[key];
  }

  return ordered;
}

function buildDraft(input: PlainObject, options: PrepareOptions, draft: Draft): PlainObject {
  const event: PlainObject = {};
  for (const [key, value] of Object.entries(input)) {
    // Both are rebuilt below (user_data is copied only if it cannot be hashed): no copy here.
    const rebuilt = key === 'user_data' || key === 'custom_data';
    if (value !== undefined) event[key] = rebuilt ? value : copyJson(value);
  }

  event['action_source'] = input['action_source'] ?? 'web';
  const time = toEventSeconds(input['event_time'], draft.now, joinPath(ROOT, 'event_time'));
  if (typeof time === 'number') event['event_time'] = time;
  else fail(draft, time);
  const userData = hashInputUserData(input['user_data'], options, draft);
  if (userData !== undefined) event['user_data'] = userData;
  else if (input['user_data'] !== undefined) event['user_data'] = copyJson(input['user_data']);
  if (input['custom_data'] !== undefined) {
    event['custom_data'] = formatCustomData(input['custom_data'], draft);
  }

  if (input['partner_name'] === undefined && options.partnerName !== undefined) {
    if (PARTNER_NAME_PATTERN.test(options.partnerName)) event['partner_name'] = options.partnerName;
    else draft.issues.push(partnerNameIssue());
  }

  return event;
}

/**
 * Records an issue found while converting. The draft keeps the original value at that path, and
 * the validator's findings under it are dropped: one issue per cause, and the draft is never
 * returned once an issue exists.
 */
function fail(draft: Draft, found: ValidationIssue, root = found.path): void {
  draft.issues.push(found);
  draft.failed.add(root);
}

function partnerNameIssue(): ValidationIssue {
  const message = 'must be lowercase "ss-<partner>", e.g. "ss-shopify"';
  return issue('options.partnerName', 'partner_name', message);
}

/**
 * Hashes key by key, so one bad value costs only its own key: the other keys still reach the
 * validator (a bad IP address is reported beside a bad email).
 */
function hashInputUserData(
  raw: unknown,
  options: NormalizeOptions,
  draft: Draft,
): WireUserData | undefined {
  const path = joinPath(ROOT, 'user_data');
  if (!isPlainObject(raw)) return undefined;
  // Bad options would fail every key alike; resolving them once reports them once.
  const resolved = tryResolveOptions(options, draft, path);
  if (!resolved) return undefined;
  const out: WireUserData = {};
  for (const entry of Object.entries(raw)) {
    const [key, value] = entry;
    if (value === undefined) continue;
    const issues = hashUserDataEntry(out, entry, resolved);
    for (const found of issues) fail(draft, rerootHashingIssue(found), joinPath(path, key));
    if (issues.length > 0 && IDENTIFIER_KEYS.has(key)) draft.identifierUnknown = true;
  }

  return out;
}

function tryResolveOptions(
  options: NormalizeOptions,
  draft: Draft,
  failedPath: string,
): ResolvedOptions | undefined {
  try {
    return resolveOptions(options);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // Their paths (`options.defaultCountry`) are not under the event.
    for (const found of error.issues) fail(draft, found, failedPath);
    return undefined;
  }
}

/** A hashing issue (`user_data.em[0]`) re-rooted under the event path. */
function rerootHashingIssue(found: ValidationIssue): ValidationIssue {
  return { ...found, path: `${ROOT}.${found.path}` };
}

function formatCustomData(value: unknown, draft: Draft): unknown {
  if (!isPlainObject(value)) return copyJson(value);
  const path = joinPath(ROOT, 'custom_data');
  const out: PlainObject = {};
  for (const [key, field] of Object.entries(value)) {
    // A list of contents is copied below, line by line, as its prices are formatted.
    const copiedBelow = key === 'contents' && Array.isArray(field);
    if (field !== undefined) out[key] = copiedBelow ? field : copyJson(field);
  }

  for (const key of ['value', 'predicted_ltv']) {
    formatMoneyField(out, key, joinPath(path, key), draft);
  }

  const contents = value['contents'];
  if (Array.isArray(contents)) {
    out['contents'] = contents.map((item: unknown, index) => {
      if (!isPlainObject(item)) return copyJson(item);
      const copy = copyJson(item) as PlainObject;
      formatMoneyField(copy, 'item_price', `${path}.contents[${index}].item_price`, draft);
      return copy;
    });
  }

  return out;
}

/** Numbers become decimal strings; a broken amount is reported once, here. */
function formatMoneyField(target: PlainObject, key: string, path: string, draft: Draft): void {
  const value = target[key];
  if (typeof value !== 'number' && typeof value !== 'string') return;
  const broken = checkDecimal(value, path);
  if (broken) fail(draft, broken);
  else target[key] = formatDecimal(value, path);
}

/**
 * How deeply a value may nest inside an event. Pinterest's deepest field
 * (`custom_data.contents[].item_price`) is four levels down; 32 leaves room for any extra field
 * while keeping the recursive copy and checks below, and JSON serialization later, far from the
 * call-stack limit that a body nested thousands deep would otherwise hit.
 */
export const MAX_EVENT_DEPTH = 32;

/** The path of the first value nested deeper than {@link MAX_EVENT_DEPTH}, found without recursion. */
function firstTooDeep(input: PlainObject): string | undefined {
  const pending: { value: unknown; path: string; depth: number }[] = [
    { value: input, path: ROOT, depth: 0 },
  ];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, path, depth } = next;
    if (depth > MAX_EVENT_DEPTH) return path;
    // Paths are built for nested values only: most fields are scalars, and this runs per event.
    const keys = Array.isArray(value) ? value.keys() : Object.keys(value as PlainObject);
    for (const key of keys) {
      const child: unknown = (value as Record<number | string, unknown>)[key];
      if (!Array.isArray(child) && !isPlainObject(child)) continue;
      const childPath = typeof key === 'number' ? `${path}[${String(key)}]` : joinPath(path, key);
      pending.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }

  return undefined;
}

/** A deep copy of JSON-like data, so the wire event never shares arrays with the input. */
function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJson);
  if (!isPlainObject(value)) return value;
  const out: PlainObject = {};
  for (const key of Object.keys(value)) {
    const field = value[key];
    if (field !== undefined) out[key] = copyJson(field);
  }

  return out;
}

/** A validator finding caused by a conversion issue already reported. */
function isConsequence(found: ValidationIssue, draft: Draft): boolean {
  if (found.rule === 'identifier' && draft.identifierUnknown === true) return true;
  return isUnder(found.path, draft.failed);
}

function isUnder(path: string, roots: ReadonlySet<string>): boolean {
  for (const root of roots) {
    if (path === root || path.startsWith(`${root}.`) || path.startsWith(`${root}[`)) return true;
  }

  return false;
}
