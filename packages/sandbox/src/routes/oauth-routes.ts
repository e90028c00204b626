/**
 * @module routes/oauth-routes
 * OAuth 2.0 as Pinterest runs it (facts §5): the consent page `GET /oauth/` (on the sandbox's own
 * host, where Pinterest has www.pinterest.com), which approves at once; the token endpoint
 * `POST /v5/oauth/token` with Basic client auth; and `POST /v5/oauth/conversion_token`.
 */
import { timingSafeEqual } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxOAuthClient } from '../config.js';
import {
  ACCESS_TOKEN_LIFETIME_SECONDS,
  API_CODES,
  DEFAULT_USERNAME,
  KNOWN_SCOPES,
  REFRESH_TOKEN_LIFETIME_SECONDS,
} from '../constants.js';
import { authenticate } from '../http/auth.js';
import { AUTHENTICATION_FAILED, sendError } from '../http/replies.js';
import type { SandboxState } from '../state/sandbox-state.js';
import type { Approval } from '../state/token-store.js';

type Form = Record<string, string | undefined>;

interface AuthorizeQuery {
  client_id?: string;
  redirect_uri?: string;
  response_type?: string;
  scope?: string;
  state?: string;
}

/** Serves the consent page, the token endpoint and conversion-token minting. */
export async function registerOAuthRoutes(
  app: FastifyInstance,
  state: SandboxState,
): Promise<void> {
  app.get<{ Querystring: AuthorizeQuery }>('/oauth/', (request, reply) =>
    authorize(state, request.query, reply),
  );

  // Form bodies are parsed for the token endpoint only, as Pinterest takes them nowhere else.
  await app.register(async (scope) => {
    await scope.register(formbody);
    scope.post<{ Body: Form }>('/v5/oauth/token', (request, reply) =>
      exchangeToken(state, request, reply),
    );
  });

  app.post('/v5/oauth/conversion_token', (request, reply) => {
    const grant = authenticate(state, { request, reply }, { scope: 'ads:write' });
    if (!grant) return reply;
    const token = state.tokens.issueConversionToken(grant);
    return reply.send({ access_token: token, token_type: 'conversion' });
  });
}

function authorize(state: SandboxState, query: AuthorizeQuery, reply: FastifyReply) {
  const client = state.tokens.findClient(query.client_id ?? '');
  if (!client) return invalidParameter(reply, 'client_id is not a known app');
  const redirectUri = query.redirect_uri ?? '';
  if (!isRegisteredRedirect(client, redirectUri)) {
    return invalidParameter(reply, 'redirect_uri is not registered for this app');
  }

  const target = new URL(redirectUri);
  if (query.state !== undefined) target.searchParams.set('state', query.state);
  const scopes = parseScopes(query.scope);

  if (query.response_type !== 'code') {
    target.searchParams.set('error', 'unsupported_response_type');
  } else if (typeof scopes === 'string') {
    target.searchParams.set('error', 'invalid_scope');
    target.searchParams.set('error_description', scopes);
  } else {
    const approval = { clientId: client.clientId, scopes, user: DEFAULT_USERNAME, redirectUri };
    target.searchParams.set('code', state.tokens.issueCode(approval, state.now()));
  }

  return reply.redirect(target.toString(), 302);
}

/** Exact match against the app's list; an app without a list takes any loopback http URI. */
function isRegisteredRedirect(client: SandboxOAuthClient, redirectUri: string): boolean {
  if (client.redirectUris) return client.redirectUris.includes(redirectUri);
  if (!URL.canParse(redirectUri)) return false;
  const url = new URL(redirectUri);
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** Scopes as Pinterest takes them: comma-separated (spaces tolerated), all known, at least one. */
function parseScopes(raw: string | undefined): string[] | string {
  const scopes = (raw ?? '').split(/[\s,]+/).filter((scope) => scope !== '');
  if (scopes.length === 0) return 'scope is required';
  const unknown = scopes.find((scope) => !KNOWN_SCOPES.has(scope));
  if (unknown !== undefined) return `scope '${unknown}' is not a Pinterest scope`;
  return [...new Set(scopes)];
}

function exchangeToken(
  state: SandboxState,
  request: FastifyRequest<{ Body: Form }>,
  reply: FastifyReply,
) {
  const client = authenticateClient(state, request.headers.authorization);
  if (!client) return sendError(reply, 401, AUTHENTICATION_FAILED);
  if (!request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
    return invalidParameter(reply, 'send the body as application/x-www-form-urlencoded');
  }

  const form = request.body;
  switch (form['grant_type']) {
    case 'authorization_code':
      return redeemCode(state, { form, clientId: client.clientId }, reply);
    case 'refresh_token':
      return refresh(state, { form, clientId: client.clientId }, reply);
    case 'client_credentials':
      return clientCredentials(state, { form, clientId: client.clientId }, reply);
    default:
      return invalidParameter(
        reply,
        'grant_type must be authorization_code, refresh_token or client_credentials',
      );
  }
}

type GrantRequest = { form: Form; clientId: string };

function redeemCode(state: SandboxState, grant: GrantRequest, reply: FastifyReply) {
  const { form, clientId } = grant;
  if (!form['code'] || !form['redirect_uri']) {
    return invalidParameter(reply, 'code and redirect_uri are required');
  }

  const request = { clientId, redirectUri: form['redirect_uri'] };
  const approval = state.tokens.redeemCode(form['code'], request, state.now());
  if (typeof approval === 'string') return invalidParameter(reply, approval);
  return reply.send(issueTokens(state, approval, 'authorization_code'));
}

function refresh(state: SandboxState, grant: GrantRequest, reply: FastifyReply) {
  const { form, clientId } = grant;
  if (!form['refresh_token']) return invalidParameter(reply, 'refresh_token is required');
  const narrowed = form['scope'] === undefined ? undefined : parseScopes(form['scope']);
  if (typeof narrowed === 'string') return invalidParameter(reply, narrowed);
  const approval = state.tokens.findRefreshToken(form['refresh_token'], clientId, state.now());
  if (typeof approval === 'string') return invalidParameter(reply, approval);
  if (narrowed?.some((scope) => !approval.scopes.includes(scope))) {
    return invalidParameter(reply, 'scope may only narrow the scopes first granted');
  }

  // Rotation: the refresh token just used stops working once its successor is issued.
  state.tokens.retireRefreshToken(form['refresh_token']);
  const scopes = narrowed ?? approval.scopes;
  return reply.send(issueTokens(state, { ...approval, scopes }, 'refresh_token'));
}

function clientCredentials(state: SandboxState, grant: GrantRequest, reply: FastifyReply) {
  const scopes = parseScopes(grant.form['scope']);
  if (typeof scopes === 'string') return invalidParameter(reply, scopes);
  const approval = { clientId: grant.clientId, scopes, user: DEFAULT_USERNAME };
  return reply.send({
    access_token: state.tokens.issueAccessToken(approval, state.now()),
    token_type: 'bearer',
    expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
    scope: scopes.join(','),
    response_type: 'client_credentials',
  });
}

/** The `OauthAccessTokenResponse` for the code and refresh grants, with a fresh refresh token. */
function issueTokens(state: SandboxState, approval: Approval, responseType: string) {
  const nowMs = state.now();
  const refreshToken = state.tokens.issueRefreshToken(approval, nowMs);
  return {
    access_token: state.tokens.issueAccessToken(approval, nowMs),
    token_type: 'bearer',
    expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
    scope: approval.scopes.join(','),
    response_type: responseType,
    refresh_token: refreshToken.token,
    refresh_token_expires_in: REFRESH_TOKEN_LIFETIME_SECONDS,
    refresh_token_expires_at: Math.floor(refreshToken.expiresAtMs / 1000),
  };
}

function authenticateClient(state: SandboxState, header: string | undefined) {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  const client = state.tokens.findClient(decoded.slice(0, colon));
  if (!client) return undefined;
  const given = Buffer.from(decoded.slice(colon + 1));
  const expected = Buffer.from(client.clientSecret);
  const same = given.length === expected.length && timingSafeEqual(given, expected);
  return same ? client : undefined;
}

function invalidParameter(reply: FastifyReply, message: string): FastifyReply {
  return sendError(reply, 400, { code: API_CODES.invalidParameters, message });
}
