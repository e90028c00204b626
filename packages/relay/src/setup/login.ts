/**
 * @module setup/login
 * The browser half of `auth login`: a one-shot HTTP listener on 127.0.0.1 that receives
 * Pinterest's redirect, checks `state`, and hands back the authorization code.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

/** The path of the local redirect URI. */
export const CALLBACK_PATH = '/callback';

/** A listening callback server. */
export interface CallbackServer {
  /** The redirect URI to register with the Pinterest app and to put in the authorize URL. */
  redirectUri: string;
  /** Resolves with the code of the first redirect carrying the right state. */
  code: Promise<string>;
  close(): Promise<void>;
}

/** Why the login did not complete. */
export class LoginError extends Error {
  override name = 'LoginError';
}

/**
 * Listens on 127.0.0.1 for the OAuth redirect. A redirect with a wrong `state` is answered 400 and
 * ignored (it may be a forged request); one with `error` ends the login with Pinterest's reason.
 * @throws LoginError when the port is taken; through `code`, on an `error` redirect or when
 * `timeoutMs` passes.
 */
export async function startCallbackServer(options: {
  port: number;
  state: string;
  timeoutMs: number;
}): Promise<CallbackServer> {
  let settle: { resolve: (code: string) => void; reject: (error: Error) => void } | undefined;
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // The login command awaits it; this keeps an early failure from being reported as unhandled.
  code.catch(() => undefined);

  const server = createServer((request, response) => {
    const outcome = handleCallback(request, response, options.state);
    if (outcome?.code !== undefined) settle?.resolve(outcome.code);
    if (outcome?.error !== undefined) settle?.reject(new LoginError(outcome.error));
  });
  await listen(server, options.port);

  const timer = setTimeout(() => {
    settle?.reject(new LoginError(`no redirect arrived within ${options.timeoutMs / 1000} s`));
  }, options.timeoutMs);
  timer.unref();

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}`,
    code,
    close: async () => {
      clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

async function listen(server: Server, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      const busy = error.code === 'EADDRINUSE';
      reject(busy ? new LoginError(`port ${String(port)} is in use: pass --port`) : error);
    };

    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
      resolve();
    });
  });
}

function handleCallback(
  request: IncomingMessage,
  response: ServerResponse,
  expectedState: string,
): { code?: string; error?: string } | undefined {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== CALLBACK_PATH) {
    reply(response, 404, 'Not the pinterest-capi login callback.');
    return undefined;
  }

  if (!sameState(url.searchParams.get('state'), expectedState)) {
    reply(response, 400, 'This login link is stale or forged (state mismatch). Start again.');
    return undefined;
  }

  const error = url.searchParams.get('error');
  if (error !== null) {
    const description = url.searchParams.get('error_description');
    reply(response, 400, `Pinterest did not authorize the app: ${error}.`);
    return { error: `Pinterest answered ${error}${description ? `: ${description}` : ''}` };
  }

  const code = url.searchParams.get('code');
  if (code === null || code === '') {
    reply(response, 400, 'The redirect carries no code.');
    return { error: 'the redirect carried no code' };
  }

  reply(response, 200, 'pinterest-capi is authorized. You can close this tab.');
  return { code };
}

function sameState(received: string | null, expected: string): boolean {
  if (received === null) return false;
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function reply(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  response.end(`${text}\n`);
}
