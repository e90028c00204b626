/**
 * @module dashboard/routes
 * The dashboard at `GET /`: the page and its bundled script and style (served from the relay,
 * no CDN), and the JSON endpoints under `/dashboard/api/` that feed it. The page loads without a
 * key; every data endpoint wants `Authorization: Bearer <relay API key>` and shows only that
 * key's ad account.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from '@pinterest-capi/sandbox';

import { SANDBOX_API_KEY } from '../config/config.js';
import type { RelayConfig } from '../config/config.js';
import { createApiKeyResolver } from '../ingest/api-keys.js';
import type { EventStore } from '../queue/store.js';
import { loadStoredTokens } from '../setup/credentials.js';
import type { ActivitySource } from './activity.js';
import { DeliveryActivity } from './activity.js';
import { AnswerTally } from './answer-tally.js';
import { DashboardData } from './aggregates.js';
import { registerDashboardApi } from './api-routes.js';
import type { DashboardTenant } from './api-routes.js';
import { EqsReader } from './eqs.js';
import { DASHBOARD_SCRIPT, DASHBOARD_STYLE } from './page-assets.generated.js';
import { PAGE_CSP, renderPage } from './page-html.js';
import { dashboardQueriesOf } from './queries.js';

export interface DashboardDeps {
  config: RelayConfig;
  store: EventStore;
  /** The delivery worker: its reports feed the call charts, and replay wakes it. */
  worker: ActivitySource & { notify(adAccountId: string, count: number): void };
  /** Replaces `fetch` for Event Quality Score calls (tests). */
  fetch?: typeof fetch;
  /** @default Date.now */
  now?: () => number;
}

/**
 * The dashboard as a fastify plugin: `GET /`, `GET /dashboard/app.js`, `GET /dashboard/app.css`
 * and the `/dashboard/api/...` endpoints.
 *
 * @example
 * await app.register(dashboardRoutes({ config, store, worker }));
 */
export function dashboardRoutes(deps: DashboardDeps): FastifyPluginAsync {
  return async (app) => {
    const activity = new DeliveryActivity(deps.now ? { now: deps.now } : {});
    const stopListening = activity.listen(deps.worker);
    const answers = new AnswerTally(deps.now);
    const stopCounting = answers.listen(deps.worker);
    app.addHook('onClose', (_instance, done) => {
      stopListening();
      stopCounting();
      done();
    });

    registerPage(app, deps.config);
    const queries = dashboardQueriesOf(deps.store);
    await app.register(
      (api) => {
        registerDashboardApi(api, {
          authenticate: tenantResolver(deps.config),
          mode: deps.config.mode,
          store: deps.store,
          data: queries && new DashboardData({ queries, ...(deps.now ? { now: deps.now } : {}) }),
          queries,
          activity,
          answers,
          eqs: eqsReaderFor(deps),
          notify: (adAccountId, count) => {
            deps.worker.notify(adAccountId, count);
          },
          now: deps.now ?? Date.now,
        });
        return Promise.resolve();
      },
      { prefix: '/dashboard/api' },
    );
  };
}

function registerPage(app: FastifyInstance, config: RelayConfig): void {
  const version = createHash('sha256')
    .update(DASHBOARD_SCRIPT)
    .update(DASHBOARD_STYLE)
    .digest('hex')
    .slice(0, 12);
  const html = renderPage({
    mode: config.mode,
    sandboxApiKey: SANDBOX_API_KEY,
    assetVersion: version,
  });

  app.get('/', (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', PAGE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-store')
      .send(html),
  );
  // The asset URLs carry the version, so a browser may keep them as long as it likes.
  const asset = (type: string, body: string) => (_request: unknown, reply: FastifyReply) =>
    reply
      .type(type)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(body);
  app.get('/dashboard/app.js', asset('text/javascript; charset=utf-8', DASHBOARD_SCRIPT));
  app.get('/dashboard/app.css', asset('text/css; charset=utf-8', DASHBOARD_STYLE));
}

function tenantResolver(config: RelayConfig): (key: string) => DashboardTenant | undefined {
  return createApiKeyResolver(
    config.tenants.flatMap((tenant) =>
      tenant.apiKeys.map((key) => ({
        key,
        tenant: { adAccountId: tenant.adAccountId, name: tenant.name },
      })),
    ),
  );
}

/**
 * EQS needs an OAuth token with `ads:read`: the sandbox's own app in sandbox mode; else the tokens
 * of `pinterest-capi auth login` when their file exists (refreshed before they expire), then
 * `PINTEREST_CLIENT_ID` and `PINTEREST_CLIENT_SECRET`. Without either the panel says so.
 */
function eqsReaderFor(deps: DashboardDeps): EqsReader | undefined {
  const { config } = deps;
  const client =
    config.mode === 'sandbox'
      ? { clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET }
      : config.oauth;
  const tokenFile = config.mode === 'live' ? config.oauth.tokenFile : undefined;
  const stored = tokenFile !== undefined && existsSync(tokenFile) ? tokenFile : undefined;
  if (stored === undefined && (!client.clientId || !client.clientSecret)) return undefined;
  const apiBaseUrl = config.apiBaseUrl.replace(/\/+$/, '');
  const oauthClient =
    client.clientId && client.clientSecret
      ? { clientId: client.clientId, clientSecret: client.clientSecret }
      : undefined;
  return new EqsReader({
    apiBaseUrl,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    storedToken:
      stored === undefined
        ? undefined
        : async () =>
            (
              await loadStoredTokens({
                file: stored,
                apiBaseUrl,
                client: oauthClient,
                fetch: deps.fetch,
              })
            )?.accessToken,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
}
