/**
 * The contract every store's dashboard queries pass (`DashboardQueries`), observed through the
 * store's own `enqueue`, `claim` and `settle`, with every time given explicitly. The SQLite store
 * runs it in `src/dashboard/sqlite-queries.test.ts`; the PostgreSQL store can run it the same way.
 */
import type { WireEvent } from '@pinterest-capi/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { DashboardQueries, DashboardSource } from '../../src/dashboard/queries.js';
import { DELAY_BIN_COUNT, delayBinOf } from '../../src/dashboard/queries.js';
import type { EventStore, Settlement } from '../../src/queue/store.js';
import { ACCOUNT, OTHER_ACCOUNT, T0, newEvent, sha256, wireEvent } from '../store-contract.js';

export interface DashboardStoreHarness {
  store: EventStore & DashboardSource;
  cleanup(): Promise<void>;
}

const MINUTE = 60_000;

/** A checkout carrying only the identifiers named, received at `receivedAt`. */
function sparseEvent(eventId: string, keys: ('em' | 'ph' | 'ipua' | 'click' | 'ext')[]): WireEvent {
  const event = wireEvent(eventId);
  event.user_data = {
    ...(keys.includes('em') ? { em: [sha256(`${eventId}@example.com`)] } : {}),
    ...(keys.includes('ph') ? { ph: [sha256('15551234567')] } : {}),
    ...(keys.includes('ipua')
      ? { client_ip_address: '203.0.113.7', client_user_agent: 'Mozilla/5.0 (test)' }
      : {}),
    ...(keys.includes('click') ? { click_id: 'dj0yJnU9abc' } : {}),
    ...(keys.includes('ext') ? { external_id: [sha256('customer-1')] } : {}),
  };
  return event;
}

export function describeDashboardQueriesContract(
  name: string,
  factory: () => Promise<DashboardStoreHarness>,
): void {
  describe(`${name} (dashboard queries contract)`, () => {
    let harness: DashboardStoreHarness;
    let store: EventStore & DashboardSource;
    let queries: DashboardQueries;

    beforeEach(async () => {
      harness = await factory();
      store = harness.store;
      queries = store.dashboardQueries();
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    /** Claims every due event of an account and settles each as `outcome` says. */
    async function settleAll(
      adAccountId: string,
      at: number,
      outcome: (eventId: string, id: number) => Settlement,
    ): Promise<void> {
      const claimed = await store.claim({
        adAccountId,
        limit: 1000,
        now: at,
        leaseMs: 60_000,
        owner: 'contract',
      });
      await store.settle(claimed.map((event) => outcome(event.eventId, event.id)));
    }

    it('counts events in and identifier coverage per minute of arrival', async () => {
      await store.enqueue([
        { ...newEvent('a'), event: sparseEvent('a', ['em', 'ph', 'ipua', 'click', 'ext']) },
        { ...newEvent('b'), event: sparseEvent('b', ['em', 'ipua']), receivedAt: T0 + 59_999 },
        { ...newEvent('c'), event: sparseEvent('c', ['em']), receivedAt: T0 + MINUTE },
        newEvent('other', { adAccountId: OTHER_ACCOUNT }),
      ]);

      const minutes = await queries.minuteStats({
        adAccountIds: [ACCOUNT],
        since: T0,
        until: T0 + 2 * MINUTE,
      });

      expect(minutes.map((m) => [m.minute, m.received])).toEqual([
        [T0, 2],
        [T0 + MINUTE, 1],
      ]);
      expect(minutes[0]?.identifiers).toEqual({
        email: 2,
        phone: 1,
        ipAndUserAgent: 2,
        clickId: 1,
        externalId: 1,
      });
    });

    it('keeps IP and user agent coverage after delivery purges them', async () => {
      await store.enqueue([{ ...newEvent('a'), event: sparseEvent('a', ['ipua']) }]);
      await settleAll(ACCOUNT, T0 + 1000, (_eventId, id) => ({
        id,
        state: 'delivered',
        at: T0 + 1000,
      }));

      const [minute] = await queries.minuteStats({
        adAccountIds: [ACCOUNT],
        since: T0,
        until: T0 + MINUTE,
      });

      expect(minute?.identifiers.ipAndUserAgent).toBe(1);
    });

    it('counts deliveries in the minute they were settled, with their delay from event_time', async () => {
      const eventTime = T0 / 1000;
      await store.enqueue([
        newEvent('fast', { event: wireEvent('fast', { event_time: eventTime }) }),
        newEvent('slow', { event: wireEvent('slow', { event_time: eventTime - 7200 }) }),
      ]);
      const deliveredAt = T0 + 2 * MINUTE + 500;
      await settleAll(ACCOUNT, deliveredAt, (_eventId, id) => ({
        id,
        state: 'delivered',
        at: deliveredAt,
      }));

      const minutes = await queries.minuteStats({
        adAccountIds: [ACCOUNT],
        since: T0,
        until: T0 + 3 * MINUTE,
      });

      const delivered = minutes.find((m) => m.minute === T0 + 2 * MINUTE);
      expect(delivered?.delivered).toBe(2);
      expect(delivered?.delayBins).toHaveLength(DELAY_BIN_COUNT);
      expect(delivered?.delayBins[delayBinOf(2 * MINUTE + 500)]).toBe(1);
      expect(delivered?.delayBins[delayBinOf(7_200_000 + 2 * MINUTE + 500)]).toBe(1);
      expect(delivered?.maxDelayMs).toBe(7_200_000 + 2 * MINUTE + 500);
      expect(minutes.find((m) => m.minute === T0)?.delivered).toBe(0);
    });

    it('counts queued, retrying and dead events received in the range, per account', async () => {
      await store.enqueue([
        // Suppressed by consent: stored as dead, but not a dead letter of the funnel.
        { ...newEvent('suppressed'), privacy: { consent: 'denied', consentAction: 'drop' } },
        newEvent('delivered'),
        newEvent('retrying'),
        newEvent('dead'),
        newEvent('queued', { receivedAt: T0 + 1 }),
        newEvent('too-early', { receivedAt: T0 - 1 }),
        newEvent('elsewhere', { adAccountId: OTHER_ACCOUNT }),
      ]);
      await settleAll(ACCOUNT, T0, (eventId, id): Settlement => {
        if (eventId === 'retrying') {
          return { id, state: 'failed', at: T0, nextAttemptAt: T0 + 5000, error: 'HTTP 503' };
        }

        if (eventId === 'dead') return { id, state: 'dead', at: T0, error: 'bad', status: 400 };
        return { id, state: 'delivered', at: T0 };
      });
      await store.enqueue([newEvent('queued-later', { receivedAt: T0 + 2 })]);

      const counts = await queries.undelivered({
        adAccountIds: [ACCOUNT, OTHER_ACCOUNT],
        since: T0,
        until: T0 + MINUTE,
      });

      expect(counts).toEqual([
        { adAccountId: ACCOUNT, queued: 2, retrying: 1, dead: 1 },
        { adAccountId: OTHER_ACCOUNT, queued: 1, retrying: 0, dead: 0 },
      ]);
    });

    it('lists dead letters newest first, filtered by reason ignoring case, with the commonest reasons', async () => {
      await store.enqueue([
        newEvent('d1', { receivedAt: T0 }),
        newEvent('d2', { receivedAt: T0 + 1 }),
        newEvent('d3', { receivedAt: T0 + 2 }),
        newEvent('d-other', { adAccountId: OTHER_ACCOUNT }),
      ]);
      const reasons: Record<string, string> = {
        d1: 'Invalid currency code',
        d2: 'event_time is too old',
        d3: 'Invalid currency code',
      };
      await settleAll(ACCOUNT, T0 + 10, (eventId, id) => ({
        id,
        state: 'dead',
        at: T0 + 10,
        error: reasons[eventId] ?? '',
        status: 422,
      }));
      await settleAll(OTHER_ACCOUNT, T0, (_eventId, id) => ({
        id,
        state: 'dead',
        at: T0,
        error: 'Invalid currency code',
      }));

      const page = await queries.deadLetters({
        adAccountIds: [ACCOUNT],
        reasonContains: 'CURRENCY',
        limit: 1,
      });

      expect(page.total).toBe(2);
      expect(page.rows).toEqual([
        {
          adAccountId: ACCOUNT,
          eventId: 'd3',
          eventName: 'checkout',
          orderId: 'order-d3',
          eventTime: T0 / 1000,
          receivedAt: T0 + 2,
          attempts: 1,
          reason: 'Invalid currency code',
          status: 422,
        },
      ]);
      expect(page.reasons).toEqual([
        { reason: 'Invalid currency code', count: 2 },
        { reason: 'event_time is too old', count: 1 },
      ]);
    });

    it('filters dead letters by consent action and LDP rule, and shows the rules that applied', async () => {
      await store.enqueue([
        { ...newEvent('s1'), privacy: { consent: 'denied', consentAction: 'drop' } },
        {
          ...newEvent('s2', { receivedAt: T0 + 1 }),
          privacy: { consent: 'unknown', consentAction: 'drop', ldpRule: 'tenant_state' },
        },
        {
          ...newEvent('p1'),
          privacy: { consent: 'granted', consentAction: 'send', ldpRule: 'event' },
        },
      ]);
      await settleAll(ACCOUNT, T0 + 10, (_eventId, id) => ({
        id,
        state: 'dead',
        at: T0 + 10,
        error: 'Invalid currency code',
        status: 422,
      }));

      const page = (filter: object) =>
        queries.deadLetters({ adAccountIds: [ACCOUNT], limit: 10, ...filter });
      const suppressed = await page({ consentAction: 'drop' });
      const ldpState = await page({ consentAction: 'drop', ldpRule: 'tenant_state' });
      const ldpEvent = await page({ ldpRule: 'event' });
      const [found] = await queries.lookup({ adAccountIds: [ACCOUNT], text: 's2', limit: 10 });

      expect(suppressed.total).toBe(2);
      expect(suppressed.rows.map((row) => [row.eventId, row.reason, row.privacy])).toEqual([
        [
          's2',
          'suppressed by consent',
          { consent: 'unknown', consentAction: 'drop', ldpRule: 'tenant_state' },
        ],
        ['s1', 'suppressed by consent', { consent: 'denied', consentAction: 'drop' }],
      ]);
      expect(ldpState.rows.map((row) => row.eventId)).toEqual(['s2']);
      expect(ldpEvent.rows.map((row) => [row.eventId, row.reason])).toEqual([
        ['p1', 'Invalid currency code'],
      ]);
      expect(found?.privacy).toEqual({
        consent: 'unknown',
        consentAction: 'drop',
        ldpRule: 'tenant_state',
      });
    });

    it('finds an event by its event_id or its order id, in the given accounts only', async () => {
      await store.enqueue([
        newEvent('e-1'),
        newEvent('e-2', { event: wireEvent('e-2', { custom_data: { order_id: 'e-1' } }) }),
        newEvent('e-1', { adAccountId: OTHER_ACCOUNT }),
      ]);

      const matches = await queries.lookup({ adAccountIds: [ACCOUNT], text: 'e-1', limit: 10 });
      const byOrder = await queries.lookup({
        adAccountIds: [ACCOUNT],
        text: 'order-e-1',
        limit: 10,
      });

      expect(matches.map((m) => [m.adAccountId, m.eventId]).sort()).toEqual([
        [ACCOUNT, 'e-1'],
        [ACCOUNT, 'e-2'],
      ]);
      expect(byOrder).toHaveLength(1);
      expect(byOrder[0]).toMatchObject({
        eventId: 'e-1',
        orderId: 'order-e-1',
        value: '72.39',
        currency: 'USD',
        state: 'pending',
        identifiers: {
          email: true,
          phone: true,
          ipAndUserAgent: true,
          clickId: true,
          externalId: false,
        },
      });
    });

    it('counts order id, value and page-given event_id per account, kept after delivery', async () => {
      const derived = wireEvent('order-17-checkout', {
        custom_data: { currency: 'USD', value: '5.00', order_id: '17' },
      });
      const bare = wireEvent('bare', { custom_data: { currency: 'USD' } });
      const emptyValue = wireEvent('empty', { custom_data: { value: '', order_id: '' } });
      await store.enqueue([
        newEvent('paired'),
        newEvent('order-17-checkout', { event: derived }),
        newEvent('bare', { event: bare }),
        newEvent('empty', { event: emptyValue, receivedAt: T0 + MINUTE - 1 }),
        newEvent('late', { receivedAt: T0 + MINUTE }),
        newEvent('other', { adAccountId: OTHER_ACCOUNT }),
      ]);
      await settleAll(ACCOUNT, T0 + 1000, (_eventId, id) => ({
        id,
        state: 'delivered',
        at: T0 + 1000,
      }));

      const coverage = await queries.fieldCoverage({
        adAccountIds: [ACCOUNT, '999'],
        since: T0,
        until: T0 + MINUTE,
      });

      expect(coverage).toEqual([
        { adAccountId: ACCOUNT, events: 4, orderId: 2, value: 2, pairedEventId: 3 },
        { adAccountId: '999', events: 0, orderId: 0, value: 0, pairedEventId: 0 },
      ]);
    });
  });
}
