/**
 * @module dashboard/page/api
 * Calls to the relay with the key the user gave. The key lives in `sessionStorage`: it is gone
 * when the tab closes, and is never put in a URL or a cookie.
 */

const KEY_ITEM = 'pinterest-capi.relay-key';

/** A refusal from the relay, with its `RELAY_ERR_...` code. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** @returns {string | null} */
export function savedKey() {
  return sessionStorage.getItem(KEY_ITEM);
}

/** @param {string | null} key */
export function saveKey(key) {
  if (key === null) sessionStorage.removeItem(KEY_ITEM);
  else sessionStorage.setItem(KEY_ITEM, key);
}

export class RelayApi {
  /** @param {string} key */
  constructor(key) {
    this.key = key;
  }

  /**
   * GET `/dashboard/api/<path>`.
   *
   * @param {string} path
   * @param {Record<string, string | number | undefined>} [query]
   * @returns {Promise<any>}
   */
  get(path, query = {}) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') params.set(name, String(value));
    }

    const search = params.size > 0 ? `?${params.toString()}` : '';
    return this.#request(`/dashboard/api/${path}${search}`, { method: 'GET' });
  }

  /**
   * POST JSON to a relay path (`/dashboard/api/replay`, `/v1/checkout`).
   *
   * @param {string} url
   * @param {unknown} body
   * @returns {Promise<any>}
   */
  post(url, body) {
    return this.#request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  /**
   * @param {string} url
   * @param {RequestInit} init
   */
  async #request(url, init) {
    const headers = { ...init.headers, authorization: `Bearer ${this.key}` };
    const response = await fetch(url, { ...init, headers, cache: 'no-store' });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const error = body?.error ?? {};
      throw new ApiError(
        response.status,
        String(error.code ?? 'HTTP_' + response.status),
        String(error.message ?? response.statusText),
      );
    }

    return body;
  }
}
