/**
 * Helpers for the sandbox's HTTP tests: a fixed clock, valid events, and small fetch wrappers.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_CONVERSION_TOKEN } from '@pinterest-capi/sandbox';

/** The sandbox clock in these tests: 2026-01-15T12:00:00Z. */
export const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);
export const NOW_SECONDS = NOW_MS / 1000;

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A checkout event every rule accepts without warnings; `overrides` replace top-level fields. */
export function validEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_name: 'checkout',
    action_source: 'web',
    event_time: NOW_SECONDS - 60,
    event_id: `order-${Math.random().toString(36).slice(2)}`,
    event_source_url: 'https://shop.example/thanks',
    user_data: {
      em: [sha256('test@example.com')],
      client_ip_address: '203.0.113.7',
      client_user_agent: 'Mozilla/5.0 (sandbox test)',
    },
    custom_data: {
      currency: 'USD',
      value: '72.39',
      order_id: '1001',
      content_ids: ['sku-1'],
      contents: [{ id: 'sku-1', item_price: '72.39', quantity: 1 }],
    },
    ...overrides,
  };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read any shape
}

/** Fetches and parses JSON (or leaves `body` undefined when there is none). */
export async function request(url: string, init: RequestInit = {}): Promise<JsonResponse> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

/** POSTs a JSON body (none if undefined) with a bearer token, the default conversion token unless given. */
export function postJson(
  url: string,
  body: unknown,
  options: { token?: string | null; signal?: AbortSignal } = {},
): Promise<JsonResponse> {
  const token = options.token === undefined ? DEFAULT_CONVERSION_TOKEN : options.token;
  const headers: Record<string, string> = {};
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const init: RequestInit = { method: 'POST', headers };
  // No body at all (not `undefined` serialised): Fastify refuses an empty JSON body.
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  if (options.signal) init.signal = options.signal;
  return request(url, init);
}

/** GETs with a bearer token. */
export function getWithToken(url: string, token: string): Promise<JsonResponse> {
  return request(url, { headers: { authorization: `Bearer ${token}` } });
}
