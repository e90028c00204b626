/**
 * Talking to a relay and to a sandbox over real HTTP, as a store backend and an operator would:
 * posting checkouts, reading an event's state, reading what the sandbox received, and waiting for
 * an asynchronous outcome by polling.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** A plain checkout (DESIGN.md), as `POST /v1/checkout` takes it. */
export interface Checkout {
  order_id: string;
  value: string | number;
  event_id?: string;
  [field: string]: unknown;
}

export interface IngestAnswer {
  status: number;
  body: {
    accepted: number;
    duplicates: number;
    rejected: number;
    results: { index: number; event_id: string | null; status: string; issues?: unknown[] }[];
  };
}

/** A checkout with a raw email, IP and user agent, its `event_id` equal to its order id. */
export function makeCheckout(id: string, overrides: Partial<Checkout> = {}): Checkout {
  return {
    order_id: id,
    event_id: id,
    value: '72.39',
    currency: 'USD',
    email: `${id}@example.com`,
    ip: '203.0.113.7',
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) relay-e2e',
    event_time: Math.floor(Date.now() / 1000) - 5,
    ...overrides,
  };
}

/** Checkouts `${prefix}-0` … `${prefix}-${count - 1}`. */
export function makeCheckouts(prefix: string, count: number): Checkout[] {
  return Array.from({ length: count }, (_, i) => makeCheckout(`${prefix}-${i}`));
}

/** `POST /v1/checkout` with an API key. */
export async function postCheckouts(
  relayUrl: string,
  apiKey: string,
  checkouts: Checkout[] | Checkout,
): Promise<IngestAnswer> {
  const response = await fetch(`${relayUrl}/v1/checkout`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(checkouts),
  });
  return { status: response.status, body: (await response.json()) as IngestAnswer['body'] };
}

/** `GET /v1/events/:event_id`: the status and the JSON body. */
export async function getEventState(
  relayUrl: string,
  eventId: string,
  apiKey: string | undefined,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (apiKey !== undefined) headers['authorization'] = `Bearer ${apiKey}`;
  const response = await fetch(`${relayUrl}/v1/events/${encodeURIComponent(eventId)}`, {
    headers,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function getJson<T = Record<string, unknown>>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return (await response.json()) as T;
}

/** What the sandbox recorded, as `GET /__sandbox/events` lists it. */
export interface SandboxEvent {
  ad_account_id: string;
  received_at: string;
  test: boolean;
  event: { event_id: string; user_data: Record<string, unknown>; [field: string]: unknown };
}

export interface SandboxCall {
  ad_account_id: string;
  status: number;
  num_events: number;
}

export async function sandboxEvents(sandboxUrl: string, adAccountId?: string) {
  const query = adAccountId === undefined ? '' : `?ad_account_id=${adAccountId}`;
  const body = await getJson<{ events: SandboxEvent[] }>(`${sandboxUrl}/__sandbox/events${query}`);
  return body.events;
}

export async function sandboxCalls(sandboxUrl: string): Promise<SandboxCall[]> {
  return (await getJson<{ calls: SandboxCall[] }>(`${sandboxUrl}/__sandbox/calls`)).calls;
}

/** Injects a fault on the sandbox's events endpoint (docs/sandbox.md). */
export async function injectFault(sandboxUrl: string, fault: Record<string, unknown>) {
  const response = await fetch(`${sandboxUrl}/__sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  if (response.status !== 201) throw new Error(`fault refused: ${await response.text()}`);
}

export async function clearFaults(sandboxUrl: string): Promise<void> {
  await fetch(`${sandboxUrl}/__sandbox/faults`, { method: 'DELETE' });
}

/**
 * Polls `check` until it returns something other than `undefined`. A relay delivers on its own
 * schedule, so a test waits for the outcome instead of sleeping a guessed time; the timeout only
 * turns a hang into a failure that names what was awaited.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);

  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(options.intervalMs ?? 50);
  }
}

/** Waits until `GET /v1/events/:id` reports `state`, and returns that answer. */
export function waitForEventState(
  relayUrl: string,
  eventId: string,
  options: { apiKey: string; state: string; timeoutMs?: number },
): Promise<Record<string, unknown>> {
  return waitFor(
    `event ${eventId} to be ${options.state}`,
    async () => {
      const { body } = await getEventState(relayUrl, eventId, options.apiKey);
      return body['state'] === options.state ? body : undefined;
    },
    options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
  );
}

/**
 * One sample of a Prometheus text exposition: `name{labels} value`. Labels are matched as given
 * (`state="pending"`); undefined when the sample is absent.
 */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const series = line.slice(0, space);
    const bare = series.split('{')[0];
    if (bare !== name) continue;
    if (labels !== '' && !series.includes(labels)) continue;
    return Number(line.slice(space + 1));
  }

  return undefined;
}
