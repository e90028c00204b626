import { ValidationError, buildCheckoutEvent, sha256Hex } from '@pinterest-capi/sdk';
import type { CheckoutInput, WireEvent } from '@pinterest-capi/sdk';
import { describe, expect, it } from 'vitest';

import {
  DEFAULT_PRIVACY_POLICY,
  LDP_REQUIRES_STATE_AND_COUNTRY,
  applyPrivacy,
  buildWithPrivacy,
  parseConsent,
  splitConsent,
} from './policy.js';
import type { PrivacyOutcome, PrivacyPolicy } from './policy.js';

const NOW = Date.UTC(2026, 11, 4, 8, 0, 0);

function checkout(overrides: Partial<CheckoutInput> = {}): WireEvent {
  const input = { order_id: '1001', value: '72.39', email: 'shopper@example.com', ...overrides };
  return buildCheckoutEvent(input, { now: NOW });
}

function outcome(
  event: WireEvent,
  consent: 'granted' | 'denied' | 'unknown',
  policy: PrivacyPolicy = DEFAULT_PRIVACY_POLICY,
): PrivacyOutcome {
  const result = applyPrivacy(event, consent, policy);
  if ('rule' in result) throw new Error(`rejected: ${result.path} ${result.rule}`);
  return result;
}

const withStates = (states: readonly string[] | 'all_us'): PrivacyPolicy => ({
  consent: DEFAULT_PRIVACY_POLICY.consent,
  ldp: { states },
});

describe('splitConsent', () => {
  it('removes consent from a copy and leaves the caller object unchanged', () => {
    const item = { order_id: '1', consent: 'denied' };

    const split = splitConsent(item);

    expect(split).toEqual({ consent: 'denied', item: { order_id: '1' } });
    expect(item).toEqual({ order_id: '1', consent: 'denied' });
  });

  it('returns anything but a plain object as it came, with no consent', () => {
    expect(splitConsent('not an event')).toEqual({ consent: undefined, item: 'not an event' });
    expect(splitConsent([1])).toEqual({ consent: undefined, item: [1] });
  });
});

describe('parseConsent', () => {
  it('reads a missing consent as unknown', () => {
    expect(parseConsent(undefined)).toBe('unknown');
    expect(parseConsent(null)).toBe('unknown');
  });

  it.each([['yes'], [true], ['DENIED'], [0]])(
    'rejects consent %j naming the field and rule',
    (value) => {
      expect(parseConsent(value)).toMatchObject({ path: 'consent', rule: 'enum' });
    },
  );

  it('parses the three values and nothing else', () => {
    expect(['granted', 'denied', 'unknown'].map(parseConsent)).toEqual([
      'granted',
      'denied',
      'unknown',
    ]);
    expect(parseConsent('maybe')).toMatchObject({ path: 'consent', rule: 'enum' });
  });
});

describe('buildWithPrivacy', () => {
  const input = { order_id: '1001', value: '72.39', email: 'shopper@example.com' };
  const build = () => buildCheckoutEvent(input, { now: NOW });

  it('builds the event and applies the policy, dropping denied consent by default', () => {
    const result = buildWithPrivacy({ consent: 'denied', build });

    expect(result).toEqual({
      event: build(),
      privacy: { consent: 'denied', consentAction: 'drop', ldpRule: undefined },
    });
  });

  it('reads a missing consent as unknown and applies the given policy', () => {
    const policy: PrivacyPolicy = { consent: { denied: 'drop', unknown: 'opt_out' } };

    const result = buildWithPrivacy({ consent: undefined, build, policy });

    expect(result).toMatchObject({
      event: { opt_out: true },
      privacy: { consent: 'unknown', consentAction: 'opt_out' },
    });
  });

  it('rejects a bad consent value before building the event', () => {
    let built = false;

    const result = buildWithPrivacy({
      consent: 'yes',
      build: () => {
        built = true;
        return build();
      },
    });

    expect(result).toBeInstanceOf(ValidationError);
    expect((result as ValidationError).issues).toMatchObject([{ path: 'consent', rule: 'enum' }]);
    expect(built).toBe(false);
  });

  it("answers the SDK's own rejection and an LDP rule the event breaks as issues", () => {
    const invalid = buildWithPrivacy({
      consent: 'granted',
      build: () => buildCheckoutEvent({ ...input, value: 'lots' }, { now: NOW }),
    });
    const ldp = buildWithPrivacy({
      consent: 'granted',
      build: () => ({ ...build(), custom_data: { ...build().custom_data, opt_out_type: 'LDP' } }),
    });

    expect(invalid).toBeInstanceOf(ValidationError);
    expect(ldp).toBeInstanceOf(ValidationError);
    expect((ldp as ValidationError).issues).toMatchObject([
      { rule: LDP_REQUIRES_STATE_AND_COUNTRY },
    ]);
  });

  it('lets an error other than a validation error through', () => {
    const failing = () => {
      throw new RangeError('boom');
    };

    expect(() => buildWithPrivacy({ consent: 'granted', build: failing })).toThrow(RangeError);
  });
});

describe('applyPrivacy: consent', () => {
  it('drops denied consent and sends unknown consent as it came, by default', () => {
    const event = checkout();

    const denied = outcome(event, 'denied');
    const unknown = outcome(event, 'unknown');

    expect(denied.privacy).toEqual({
      consent: 'denied',
      consentAction: 'drop',
      ldpRule: undefined,
    });
    expect(unknown.privacy.consentAction).toBe('send');
    expect(unknown.event).toEqual(event);
    expect(unknown.event.opt_out).toBeUndefined();
  });

  it('sends with opt_out true when the policy says opt_out, without changing the input', () => {
    const event = checkout();
    const policy: PrivacyPolicy = { consent: { denied: 'opt_out', unknown: 'opt_out' } };

    const denied = outcome(event, 'denied', policy);
    const unknown = outcome(event, 'unknown', policy);

    expect(denied.event.opt_out).toBe(true);
    expect(denied.privacy.consentAction).toBe('opt_out');
    expect(unknown.event.opt_out).toBe(true);
    expect(event.opt_out).toBeUndefined();
  });

  it('always sends granted consent, whatever the policy for the other values', () => {
    const policy: PrivacyPolicy = { consent: { denied: 'drop', unknown: 'drop' } };

    const granted = outcome(checkout(), 'granted', policy);

    expect(granted.privacy.consentAction).toBe('send');
    expect(granted.event.opt_out).toBeUndefined();
  });

  it('drops unknown consent when the policy says drop', () => {
    const policy: PrivacyPolicy = { consent: { denied: 'drop', unknown: 'drop' } };

    expect(outcome(checkout(), 'unknown', policy).privacy.consentAction).toBe('drop');
  });
});

describe('applyPrivacy: Limited Data Processing', () => {
  it('keeps an event that asks for LDP with its hashed state and country, rule event', () => {
    const event = checkout({ opt_out_type: 'LDP', state: 'CA', country: 'US' });

    const result = outcome(event, 'unknown');

    expect(result.privacy.ldpRule).toBe('event');
    expect(result.event.custom_data?.opt_out_type).toBe('LDP');
    expect(result.event.user_data.st).toEqual([sha256Hex('ca')]);
    expect(result.event.user_data.country).toEqual([sha256Hex('us')]);
  });

  it('writes an LDP the event asked for in any case as LDP, keeping its other flags', () => {
    const event = checkout({ opt_out_type: 'other, ldp', state: 'CA', country: 'US' });

    const result = outcome(event, 'granted');

    expect(result.event.custom_data?.opt_out_type).toBe('other,LDP');
    expect(result.privacy.ldpRule).toBe('event');
  });

  it('rejects an event that asks for LDP without a state, naming user_data.st', () => {
    const event = checkout({ opt_out_type: 'LDP', country: 'US' });

    expect(applyPrivacy(event, 'granted', DEFAULT_PRIVACY_POLICY)).toMatchObject({
      path: 'user_data.st',
      rule: LDP_REQUIRES_STATE_AND_COUNTRY,
    });
  });

  it('rejects an event that asks for LDP without a country, naming user_data.country', () => {
    const event = checkout({ opt_out_type: 'ldp', state: 'CA' });

    expect(applyPrivacy(event, 'granted', DEFAULT_PRIVACY_POLICY)).toMatchObject({
      path: 'user_data.country',
      rule: LDP_REQUIRES_STATE_AND_COUNTRY,
    });
  });

  it('flags an event from a listed US state, rule tenant_state', () => {
    const result = outcome(
      checkout({ state: 'co', country: 'us' }),
      'granted',
      withStates(['CA', 'CO']),
    );

    expect(result.privacy.ldpRule).toBe('tenant_state');
    expect(result.event.custom_data?.opt_out_type).toBe('LDP');
  });

  it('leaves an event from an unlisted state or another country unflagged', () => {
    const policy = withStates(['CA']);

    const newYork = outcome(checkout({ state: 'NY', country: 'US' }), 'granted', policy);
    const canada = outcome(checkout({ state: 'CA', country: 'CA' }), 'granted', policy);

    expect(newYork.privacy.ldpRule).toBeUndefined();
    expect(newYork.event.custom_data?.opt_out_type).toBeUndefined();
    expect(canada.privacy.ldpRule).toBeUndefined();
    expect(canada.event.custom_data?.opt_out_type).toBeUndefined();
  });

  it('flags every US event for all_us, rule tenant_all_us', () => {
    const result = outcome(
      checkout({ state: 'NY', country: 'US' }),
      'unknown',
      withStates('all_us'),
    );

    expect(result.privacy.ldpRule).toBe('tenant_all_us');
    expect(result.event.custom_data?.opt_out_type).toBe('LDP');
  });

  it('recognises state and country hashed in uppercase, as Pinterest LDP page shows them', () => {
    const event = checkout();
    const prehashed: WireEvent = {
      ...event,
      user_data: { ...event.user_data, st: [sha256Hex('CA')], country: [sha256Hex('US')] },
    };

    expect(outcome(prehashed, 'granted', withStates(['CA'])).privacy.ldpRule).toBe('tenant_state');
  });

  it('adds LDP to an existing opt_out_type instead of replacing it', () => {
    const event = checkout({ state: 'CA', country: 'US' });
    const withOther: WireEvent = {
      ...event,
      custom_data: { ...event.custom_data, opt_out_type: 'OTHER' },
    };

    const result = outcome(withOther, 'granted', withStates(['CA']));

    expect(result.event.custom_data?.opt_out_type).toBe('OTHER,LDP');
  });

  it('rejects a US event without a state when the tenant applies LDP by state', () => {
    const event = checkout({ country: 'US' });

    for (const policy of [withStates(['CA']), withStates('all_us')]) {
      expect(applyPrivacy(event, 'granted', policy)).toMatchObject({
        path: 'user_data.st',
        rule: LDP_REQUIRES_STATE_AND_COUNTRY,
      });
    }
  });

  it('rejects a state without a country when the tenant applies LDP by state', () => {
    expect(applyPrivacy(checkout({ state: 'CA' }), 'granted', withStates(['CA']))).toMatchObject({
      path: 'user_data.country',
      rule: LDP_REQUIRES_STATE_AND_COUNTRY,
    });
  });

  it('sends an event with neither state nor country unflagged: its residence is unknown', () => {
    const result = outcome(checkout(), 'granted', withStates('all_us'));

    expect(result.privacy.ldpRule).toBeUndefined();
    expect(result.event.custom_data?.opt_out_type).toBeUndefined();
  });

  it('applies the consent action and the LDP flag together', () => {
    const policy: PrivacyPolicy = {
      consent: { denied: 'opt_out', unknown: 'send' },
      ldp: { states: ['CA'] },
    };

    const result = outcome(checkout({ state: 'CA', country: 'US' }), 'denied', policy);

    expect(result.event.opt_out).toBe(true);
    expect(result.event.custom_data?.opt_out_type).toBe('LDP');
    expect(result.privacy).toEqual({
      consent: 'denied',
      consentAction: 'opt_out',
      ldpRule: 'tenant_state',
    });
  });
});
