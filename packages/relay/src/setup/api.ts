/**
 * @module setup/api
 * The few Pinterest v5 reads and writes the setup commands make, answered as status and parsed
 * body rather than thrown, because `doctor` turns every answer, good or bad, into a checklist line.
 */
export const DEFAULT_API_BASE = 'https://api.pinterest.com/v5';
export const DEFAULT_OAUTH_URL = 'https://www.pinterest.com/oauth/';

/** Where the API is and how to call it. */
export interface ApiTarget {
  /** API root ending in `/v5`, without a trailing slash. */
  baseUrl: string;
  fetch?: typeof fetch | undefined;
  /** How long to wait for an answer. @default 15000 */
  timeoutMs?: number | undefined;
}

/** An answer: HTTP status (0 when none came) and the JSON body, or the error text. */
export interface ApiAnswer<T = unknown> {
  status: number;
  body: T | undefined;
  /** Pinterest's `message` on an error answer, or the network failure. Never holds a token. */
  error?: string | undefined;
}

/** `PINTEREST_API_BASE_URL` without its trailing slash, or Pinterest's. */
export function apiBaseUrl(env: NodeJS.ProcessEnv): string {
  return (env['PINTEREST_API_BASE_URL'] || DEFAULT_API_BASE).replace(/\/+$/, '');
}

/** Calls the API with a bearer token; a network failure answers status 0. */
export async function callApi<T>(
  target: ApiTarget,
  request: { method?: 'GET' | 'POST'; path: string; token: string; body?: unknown },
): Promise<ApiAnswer<T>> {
  const doFetch = target.fetch ?? fetch;
  const headers: Record<string, string> = {
    authorization: `Bearer ${request.token}`,
    accept: 'application/json',
  };
  if (request.body !== undefined) headers['content-type'] = 'application/json';

  try {
    const response = await doFetch(`${target.baseUrl}${request.path}`, {
      method: request.method ?? 'GET',
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(target.timeoutMs ?? 15_000),
    });
    return await readAnswer<T>(response);
  } catch (error) {
    return { status: 0, body: undefined, error: describeNetworkError(error) };
  }
}

/** Parses a response into an {@link ApiAnswer}. */
export async function readAnswer<T>(response: Response): Promise<ApiAnswer<T>> {
  const text = await response.text();
  let body: unknown;

  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }

  if (response.ok) return { status: response.status, body: body as T };
  const message = (body as { message?: unknown } | undefined)?.message;
  return {
    status: response.status,
    body: undefined,
    error: typeof message === 'string' ? message : `HTTP ${response.status}`,
  };
}

/**
 * Names a failed fetch by its system code (`ECONNREFUSED`) or else its message, with any URL in it
 * replaced: fetch quotes a URL it refuses, and a base URL may carry credentials.
 */
export function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof cause === 'string') return cause;
  if (!(error instanceof Error)) return 'network error';
  return error.message.replace(/\b[a-z][a-z\d+.-]*:\/\/\S+/gi, '<url>');
}
