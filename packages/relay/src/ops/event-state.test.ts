import { describe, expect, it } from 'vitest';

import { shownStateOf } from './event-state.js';

describe('shownStateOf', () => {
  it('names each queue state in plain words', () => {
    const states = ['pending', 'in_flight', 'failed', 'delivered', 'dead'] as const;

    const shown = states.map((state) => shownStateOf({ state, privacy: undefined }));

    expect(shown).toEqual(['queued', 'sending', 'retrying', 'delivered', 'dead']);
  });

  it('shows an event dead because consent dropped it as suppressed', () => {
    const dropped = { consent: 'denied', consentAction: 'drop' } as const;
    const sent = { consent: 'granted', consentAction: 'send' } as const;

    expect(shownStateOf({ state: 'dead', privacy: dropped })).toBe('suppressed');
    expect(shownStateOf({ state: 'dead', privacy: sent })).toBe('dead');
  });
});
