/**
 * @module server
 * Builds the sandbox's Fastify app and starts it on a port.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { resolveConfig, type SandboxConfig } from './config.js';
import { API_CODES, BODY_LIMIT_BYTES } from './constants.js';
import { SERVER_ERROR, sendError } from './http/replies.js';
import { registerAccountRoutes } from './routes/account-routes.js';
import { registerEqsRoute } from './routes/eqs-route.js';
import { EVENTS_PATH, registerEventsRoute } from './routes/events-route.js';
import { registerInspectionRoutes } from './routes/inspection-routes.js';
import { registerOAuthRoutes } from './routes/oauth-routes.js';
import { SandboxState } from './state/sandbox-state.js';

/** Options of {@link buildSandbox}. */
export interface BuildSandboxOptions {
  /** Seeds beyond the defaults; checked like a config file. */
  config?: SandboxConfig;
  /** Fastify's request log (pino JSON lines). @default false */
  logger?: boolean;
  /** The sandbox clock in Unix milliseconds, for tests that move time. @default Date.now */
  now?: () => number;
}

/** Options of {@link startSandbox}. */
export interface StartSandboxOptions extends BuildSandboxOptions {
  /** 0 picks any free port. @default 8788 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
}

/** A sandbox listening on a port. */
export interface RunningSandbox {
  /** Origin, e.g. `http://127.0.0.1:8788`; the OAuth consent page is `${url}/oauth/`. */
  url: string;
  /** `${url}/v5`, the value for `PINTEREST_API_BASE_URL`. */
  apiBaseUrl: string;
  app: FastifyInstance;
  /** Stops listening and drops every open connection, including requests held by faults. */
  close(): Promise<void>;
}

/**
 * Builds a sandbox without listening, for `app.inject()`.
 * @throws Error when `options.config` is invalid, listing every problem.
 * @example
 * const app = await buildSandbox();
 * const res = await app.inject({ method: 'GET', url: '/__sandbox/events' });
 */
export async function buildSandbox(options: BuildSandboxOptions = {}): Promise<FastifyInstance> {
  const state = new SandboxState(resolveConfig(options.config), options.now ?? Date.now);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Requests held by a timeout fault would otherwise keep close() waiting forever.
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true },
  });
  installCommonHandling(app, state);

  registerEventsRoute(app, state);
  await registerOAuthRoutes(app, state);
  registerAccountRoutes(app, state);
  registerEqsRoute(app, state);
  await registerInspectionRoutes(app, state);
  return app;
}

/** Request ids, shutdown, and Pinterest-shaped answers for errors and unknown paths. */
function installCommonHandling(app: FastifyInstance, state: SandboxState): void {
  let requestCount = 0;
  app.addHook('onRequest', (request, reply, done) => {
    // Pinterest answers with a request id in x-pinterest-rid (pinterest/api-quickstart#97).
    if (request.url.startsWith('/v5/')) reply.header('x-pinterest-rid', String(++requestCount));
    done();
  });
  app.addHook('preClose', (done) => {
    state.close();
    done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'sandbox handler failed');
      return sendError(reply, 500, SERVER_ERROR);
    }

    const isEvents = request.routeOptions.url === EVENTS_PATH;
    const code = isEvents ? API_CODES.invalidRequest : API_CODES.invalidParameters;
    return sendError(reply, status, { code, message: `Invalid request: ${describe(error)}` });
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, {
      code: API_CODES.notFound,
      message: `No endpoint ${request.method} ${request.url.split('?')[0] ?? ''}`,
    }),
  );
}

/**
 * Starts a sandbox on a port.
 * @throws Error when the config is invalid or the port is taken.
 * @example
 * const sandbox = await startSandbox({ port: 0 });
 * process.env.PINTEREST_API_BASE_URL = sandbox.apiBaseUrl;
 * // ... run the code under test, then:
 * await sandbox.close();
 */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const app = await buildSandbox(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 8788, host });
  const address = app.server.address() as AddressInfo;
  const url = `http://${reachableHost(host, address)}:${address.port}`;
  return { url, apiBaseUrl: `${url}/v5`, app, close: () => app.close() };
}

/** A wildcard bind address is not one a client can dial; name loopback instead. */
function reachableHost(requested: string, address: AddressInfo): string {
  if (requested === '0.0.0.0') return '127.0.0.1';
  if (requested === '::') return '[::1]';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}

function describe(error: FastifyError): string {
  // JSON parse errors can quote the body, which may hold PII; say only what went wrong.
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
    return 'the body is not valid JSON';
  }

  return error.message;
}
