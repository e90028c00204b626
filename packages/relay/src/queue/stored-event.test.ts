import { createHash } from 'node:crypto';

import type { WireEvent } from '@pinterest-capi/sdk';
import { describe, expect, it } from 'vitest';

import type { NewEvent } from './store.js';
import { assertHashedOnly, joinEvent, splitEvent } from './stored-event.js';

const HASH = createHash('sha256').update('shopper@example.com').digest('hex');

function wireEvent(userData: WireEvent['user_data']): WireEvent {
  return {
    event_name: 'checkout',
    action_source: 'web',
    event_time: 1_767_225_600,
    event_id: 'order-1',
    user_data: userData,
    custom_data: { value: '10.00', currency: 'USD' },
  };
}

function stored(userData: Record<string, unknown>): NewEvent {
  return {
    adAccountId: '549755885175',
    source: 'events',
    receivedAt: 0,
    event: wireEvent(userData),
  };
}

describe('splitEvent', () => {
  it('keeps the raw IP and user agent out of the JSON payload', () => {
    const event = wireEvent({
      em: [HASH],
      client_ip_address: '203.0.113.5',
      client_user_agent: 'UA/1',
    });

    const parts = splitEvent(event);

    expect(parts.clientIpAddress).toBe('203.0.113.5');
    expect(parts.clientUserAgent).toBe('UA/1');
    expect(parts.payload).not.toContain('203.0.113.5');
    expect(parts.payload).not.toContain('UA/1');
    expect(parts.payload).toContain(HASH);
  });

  it('leaves the caller event as it was', () => {
    const event = wireEvent({ em: [HASH], client_ip_address: '203.0.113.5' });
    const copy = structuredClone(event);

    splitEvent(event);

    expect(event).toEqual(copy);
  });

  it('writes compact JSON', () => {
    expect(splitEvent(wireEvent({ em: [HASH] })).payload).not.toMatch(/\n|": /);
  });
});

describe('joinEvent', () => {
  it('rebuilds the full wire event from its parts', () => {
    const event = wireEvent({
      em: [HASH],
      client_ip_address: '203.0.113.5',
      client_user_agent: 'UA/1',
    });

    expect(joinEvent(splitEvent(event))).toEqual(event);
  });

  it('leaves out an IP address and user agent that were purged', () => {
    const event = wireEvent({
      em: [HASH],
      client_ip_address: '203.0.113.5',
      client_user_agent: 'UA/1',
    });
    const parts = { ...splitEvent(event), clientIpAddress: null, clientUserAgent: null };

    expect(joinEvent(parts).user_data).toEqual({ em: [HASH] });
  });
});

describe('assertHashedOnly', () => {
  it('accepts hashed identifiers next to the keys Pinterest takes raw', () => {
    const event = stored({
      em: [HASH, HASH.toUpperCase()],
      external_id: [HASH],
      client_ip_address: '203.0.113.5',
      client_user_agent: 'UA/1',
      click_id: 'dj0yJnU9abc',
      partner_id: null,
    });

    expect(() => {
      assertHashedOnly([event]);
    }).not.toThrow();
  });

  it('names the path of an unhashed value and never the value', () => {
    const events = [stored({ em: [HASH] }), stored({ ph: [HASH, '+15551234567'] })];

    expect(() => {
      assertHashedOnly(events);
    }).toThrow('events[1].user_data.ph[1] must be a SHA-256 hex digest');
    expect(() => {
      assertHashedOnly(events);
    }).not.toThrow(/5551234567/);
  });

  it('refuses a hashed key holding a bare string', () => {
    expect(() => {
      assertHashedOnly([stored({ em: HASH })]);
    }).toThrow('events[0].user_data.em must be an array of SHA-256 hex digests');
  });

  it('refuses a key it does not know rather than store it raw', () => {
    expect(() => {
      assertHashedOnly([stored({ email: ['shopper@example.com'] })]);
    }).toThrow(TypeError);
  });
});
