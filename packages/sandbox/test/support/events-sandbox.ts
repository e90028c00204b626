/**
 * One sandbox for an events test file: started on a free port with a fixed clock, reset before
 * each test, with a second ad account reachable only by its own conversion token.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import {
  DEFAULT_AD_ACCOUNT_ID,
  startSandbox,
  type RecordedEvent,
  type RunningSandbox,
} from '@pinterest-capi/sandbox';
import { NOW_MS, request } from './helpers.js';

export const OTHER_ACCOUNT = '549755885176';
export const SCOPED_TOKEN = 'pina_other_account_only';

export interface EventsSandbox {
  /** The running sandbox; set once the file's beforeAll has run. */
  readonly sandbox: RunningSandbox;
  /** The events URL of the default ad account. */
  readonly eventsUrl: string;
  recordedEvents(query?: string): Promise<RecordedEvent[]>;
}

/** Registers the file's hooks and returns accessors for the sandbox they manage. */
export function useEventsSandbox(): EventsSandbox {
  let sandbox: RunningSandbox | undefined;
  const running = (): RunningSandbox => {
    if (!sandbox) throw new Error('the sandbox starts in beforeAll');
    return sandbox;
  };

  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      now: () => NOW_MS,
      config: {
        adAccounts: [{ id: OTHER_ACCOUNT, name: 'Other', currency: 'EUR', country: 'FR' }],
        tokens: [{ token: SCOPED_TOKEN, kind: 'conversion', adAccountIds: [OTHER_ACCOUNT] }],
      },
    });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(async () => {
    await request(`${running().url}/__sandbox/reset`, { method: 'POST' });
  });

  return {
    get sandbox() {
      return running();
    },
    get eventsUrl() {
      return `${running().apiBaseUrl}/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/events`;
    },
    async recordedEvents(query = '') {
      const response = await request(`${running().url}/__sandbox/events${query}`);
      const events: RecordedEvent[] = response.body.events;
      return events;
    },
  };
}
