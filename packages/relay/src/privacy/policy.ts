/**
 * @module privacy/policy
 * A tenant's consent and Limited Data Processing (LDP) rules, applied to every event ingested by
 * `POST /v1/events`, `POST /v1/checkout` and the store webhooks after the SDK has hashed and
 * validated it:
 *
 * - Consent: the item's relay-level `consent` field (`granted`, `denied`, absent or `unknown`; for
 *   a webhook, the order's `pinterest_consent` attribute or metadata) is
 *   removed before the event is built, and the tenant's policy decides what the value means: send
 *   as it came, send with `opt_out: true`, or drop (stored as suppressed, never sent).
 * - LDP: an event that asks for it (`custom_data.opt_out_type` holds `LDP`) must carry hashed
 *   `user_data.st` and `country`, or it is rejected; an event whose hashed country is the US and
 *   whose hashed state is one the tenant lists (or any, for `all_us`) gets `opt_out_type: "LDP"`.
 *   When the tenant has LDP states, an event with only half a residence (a state without a
 *   country, or the US without a state) is rejected too: whether LDP applies cannot be decided,
 *   and sending it unflagged could break the law the tenant configured it for. An event with
 *   neither is sent without the flag (nothing says where the user lives).
 *
 * Ingest and the webhooks both go through {@link buildWithPrivacy}, so the two apply the same rules
 * in the same order.
 */
import { ValidationError, sha256Hex } from '@pinterest-capi/sdk';
import type { ValidationIssue, WireEvent } from '@pinterest-capi/sdk';

import type { ConsentAction, ConsentValue, EventPrivacy, LdpRule } from '../queue/store.js';

/** What each consent value means for a tenant. `granted` always sends. */
export interface ConsentPolicy {
  denied: ConsentAction;
  unknown: ConsentAction;
}

/** Where LDP applies by the tenant's own rule: listed US states (two letters) or all of the US. */
export interface LdpPolicy {
  states: readonly string[] | 'all_us';
}

export interface PrivacyPolicy {
  consent: ConsentPolicy;
  /** Absent: LDP applies only to events that ask for it. */
  ldp?: LdpPolicy | undefined;
}

/**
 * The default consent policy: a denied event is dropped (never sent), an event without a consent
 * signal is sent as it came. Sending unknown events opted out would silently opt everyone out
 * whose site sends no signal at all; dropping denied ones honours an explicit refusal.
 */
export const DEFAULT_CONSENT_POLICY: ConsentPolicy = { denied: 'drop', unknown: 'send' };

export const DEFAULT_PRIVACY_POLICY: PrivacyPolicy = { consent: DEFAULT_CONSENT_POLICY };

/** The rule named in the rejection of an event that asks for LDP without its state and country. */
export const LDP_REQUIRES_STATE_AND_COUNTRY = 'ldp_requires_state_and_country';

const CONSENT_VALUES: ReadonlySet<string> = new Set(['granted', 'denied', 'unknown']);

/** An ingested item with its relay-level `consent` field taken out. */
export interface ConsentSplit {
  /** The field's value as sent, not yet read: see {@link parseConsent}. */
  consent: unknown;
  /** The item without `consent`, ready for the SDK (which would refuse an unknown field). */
  item: unknown;
}

/**
 * Takes the relay-level `consent` field out of an ingested item. Anything but a plain object is
 * returned as it came, with no consent. The caller's object is left as it was.
 */
export function splitConsent(item: unknown): ConsentSplit {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { consent: undefined, item };
  }

  const { consent, ...rest } = item as Record<string, unknown>;
  return { consent, item: rest };
}

/**
 * Reads one consent value: `granted`, `denied` or `unknown`; absent or null is `unknown`.
 *
 * @example
 * parseConsent('denied'); // 'denied'
 * parseConsent('yes'); // { path: 'consent', rule: 'enum', … }
 */
export function parseConsent(value: unknown): ConsentValue | ValidationIssue {
  if (value === undefined || value === null) return 'unknown';
  if (typeof value !== 'string' || !CONSENT_VALUES.has(value)) {
    return { path: 'consent', rule: 'enum', message: 'must be "granted", "denied" or "unknown"' };
  }

  return value as ConsentValue;
}

/** An event after the tenant's privacy rules, and which rules applied. */
export interface PrivacyOutcome {
  event: WireEvent;
  privacy: EventPrivacy;
}

/**
 * Applies the consent policy and the LDP rules to a prepared event, returning a new event (the
 * input is not changed) and the rules that applied.
 *
 * @throws nothing; an event asking for LDP without hashed `st` and `country`, or one whose
 *   tenant rule cannot be decided for want of one of them, is answered with the issue to reject
 *   it with (rule {@link LDP_REQUIRES_STATE_AND_COUNTRY}).
 */
export function applyPrivacy(
  event: WireEvent,
  consent: ConsentValue,
  policy: PrivacyPolicy,
): PrivacyOutcome | ValidationIssue {
  const consentAction = consent === 'granted' ? 'send' : policy.consent[consent];
  const ldp = ldpRuleOf(event, policy.ldp);
  if (typeof ldp === 'object') return ldp;

  let result: WireEvent = consentAction === 'opt_out' ? { ...event, opt_out: true } : event;
  if (ldp !== undefined) result = withLdpFlag(result);
  return { event: result, privacy: { consent, consentAction, ldpRule: ldp } };
}

/** What {@link buildWithPrivacy} makes one event from. */
export interface PrivateBuild {
  /**
   * The consent signal as it came: an ingested item's `consent` field, or the `pinterest_consent`
   * a page left on a webhook's order. Absent or null is `unknown`.
   */
  consent: unknown;
  /** Builds the wire event with the SDK, which throws a `ValidationError` for a bad input. */
  build: () => WireEvent;
  /** The tenant's rules. @default {@link DEFAULT_PRIVACY_POLICY} */
  policy?: PrivacyPolicy | undefined;
}

/**
 * The one way an ingested item or a webhook's order becomes an event ready to store: reads the
 * consent signal, builds the event with the SDK, then applies the tenant's consent policy (send,
 * send with `opt_out`, or drop as suppressed) and LDP rules with {@link applyPrivacy}. The consent
 * is read before the event is built, so a bad value is the only issue reported.
 *
 * @returns The event and the rules that applied, or a `ValidationError` whose issues say why the
 *   item is rejected: a consent value other than the three, the SDK's own issues, or a broken LDP
 *   rule.
 * @throws Whatever `build` throws other than a `ValidationError`.
 */
export function buildWithPrivacy(input: PrivateBuild): PrivacyOutcome | ValidationError {
  const consent = parseConsent(input.consent);
  if (typeof consent === 'object') return new ValidationError([consent]);
  let event: WireEvent;
  try {
    event = input.build();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }

  const outcome = applyPrivacy(event, consent, input.policy ?? DEFAULT_PRIVACY_POLICY);
  return 'rule' in outcome ? new ValidationError([outcome]) : outcome;
}

function ldpRuleOf(
  event: WireEvent,
  ldp: LdpPolicy | undefined,
): LdpRule | undefined | ValidationIssue {
  const hasState = (event.user_data.st ?? []).length > 0;
  const countries = event.user_data.country ?? [];
  const hasCountry = countries.length > 0;
  if (asksForLdp(event)) {
    if (hasState && hasCountry) return 'event';
    return missingResidence(hasState, 'custom_data.opt_out_type asks for LDP');
  }

  // Residence unknown (no state, no country): no rule can apply; an event from outside the US
  // is not LDP's business.
  if (ldp === undefined || (!hasState && !hasCountry)) return undefined;
  if (hasCountry && !countries.some(isHashOf(US_HASHES))) return undefined;
  // Half a residence cannot be decided: rejected rather than sent without the flag it may need.
  if (!hasState || !hasCountry) {
    return missingResidence(hasState, 'the tenant applies LDP by US state');
  }

  if (ldp.states === 'all_us') return 'tenant_all_us';
  const states = event.user_data.st ?? [];
  return states.some(isHashOf(stateHashes(ldp.states))) ? 'tenant_state' : undefined;
}

/** The rejection of an event that needs LDP decided, or sent, without its state or country. */
function missingResidence(hasState: boolean, why: string): ValidationIssue {
  return {
    path: hasState ? 'user_data.country' : 'user_data.st',
    rule: LDP_REQUIRES_STATE_AND_COUNTRY,
    message: `is required: ${why}, which needs the user's hashed user_data.st and user_data.country`,
  };
}

/** True when `custom_data.opt_out_type` lists `LDP` (comma-separated, any case). */
function asksForLdp(event: WireEvent): boolean {
  const types = event.custom_data?.opt_out_type;
  if (typeof types !== 'string') return false;
  return types.split(',').some((type) => type.trim().toUpperCase() === 'LDP');
}

/**
 * Sets `LDP` in `opt_out_type`, keeping other flags. Written in capitals whatever case the event
 * asked in, since Pinterest processes only the value `LDP`.
 */
function withLdpFlag(event: WireEvent): WireEvent {
  const existing = event.custom_data?.opt_out_type;
  const others = (typeof existing === 'string' ? existing.split(',') : [])
    .map((type) => type.trim())
    .filter((type) => type !== '' && type.toUpperCase() !== 'LDP');
  const optOutType = [...others, 'LDP'].join(',');
  return { ...event, custom_data: { ...event.custom_data, opt_out_type: optOutType } };
}

// Pinterest's spec says lowercase, its LDP page shows hashes of uppercase codes (facts §8.1, an
// open question): both forms are recognised, and the event keeps the hash it came with.
function hashesOf(code: string): string[] {
  return [sha256Hex(code.toLowerCase()), sha256Hex(code.toUpperCase())];
}

const US_HASHES: ReadonlySet<string> = new Set(hashesOf('us'));

const stateHashCache = new WeakMap<readonly string[], ReadonlySet<string>>();

function stateHashes(states: readonly string[]): ReadonlySet<string> {
  let hashes = stateHashCache.get(states);
  if (hashes === undefined) {
    hashes = new Set(states.flatMap(hashesOf));
    stateHashCache.set(states, hashes);
  }

  return hashes;
}

function isHashOf(hashes: ReadonlySet<string>): (hash: string) => boolean {
  return (hash) => hashes.has(hash.toLowerCase());
}
