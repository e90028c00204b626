import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_CONVERSION_TOKEN,
  startSandbox,
  type RunningSandbox,
} from '@pinterest-capi/sandbox';
import { getWithToken, NOW_MS, postJson, request, validEvent } from './support/helpers.js';

const REDIRECT_URI = 'http://localhost:8790/callback';
const STRICT_CLIENT = { clientId: '7654321', clientSecret: 'strict_secret' };
const STRICT_REDIRECT = 'https://app.example/oauth/callback';

let sandbox: RunningSandbox;
let clock = NOW_MS;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    now: () => clock,
    config: { oauthClients: [{ ...STRICT_CLIENT, redirectUris: [STRICT_REDIRECT] }] },
  });
});

afterAll(async () => {
  await sandbox.close();
});

function basic(clientId = DEFAULT_CLIENT_ID, secret = DEFAULT_CLIENT_SECRET): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

function authorizeUrl(params: Record<string, string>): string {
  const query = new URLSearchParams({
    client_id: DEFAULT_CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'ads:read,ads:write,user_accounts:read',
    state: 'state-123',
    ...params,
  });
  return `${sandbox.url}/oauth/?${query.toString()}`;
}

/** Follows the consent page and returns the redirect it answered with. */
async function authorize(params: Record<string, string> = {}): Promise<URL> {
  const response = await request(authorizeUrl(params));
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') ?? '');
}

function tokenRequest(form: Record<string, string>, authorization = basic()) {
  return request(`${sandbox.apiBaseUrl}/oauth/token`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

/** Runs the whole code flow and returns the access token. */
async function accessTokenFor(scope?: string): Promise<string> {
  const token: string = (await exchangeCode(scope)).body.access_token;
  return token;
}

async function exchangeCode(scope?: string) {
  const redirect = await authorize(scope === undefined ? {} : { scope });
  const code = redirect.searchParams.get('code') ?? '';
  return tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
}

describe('OAuth consent page', () => {
  it('approves at once and redirects with a code and the state', async () => {
    const redirect = await authorize();

    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get('code')).toMatch(/.{16,}/);
    expect(redirect.searchParams.get('state')).toBe('state-123');
  });

  it('refuses an unknown client_id without redirecting', async () => {
    const response = await request(authorizeUrl({ client_id: '999' }));

    expect(response.status).toBe(400);
    expect(response.body.message).toContain('client_id');
  });

  it('refuses a redirect_uri that is not loopback for an app without a list', async () => {
    const response = await request(authorizeUrl({ redirect_uri: 'https://evil.example/cb' }));

    expect(response.status).toBe(400);
    expect(response.body.message).toContain('redirect_uri');
  });

  it('takes only the registered redirect_uri for an app with a list', async () => {
    const strict = { client_id: STRICT_CLIENT.clientId };

    const other = await request(authorizeUrl({ ...strict, redirect_uri: REDIRECT_URI }));
    const registered = await authorize({ ...strict, redirect_uri: STRICT_REDIRECT });

    expect(other.status).toBe(400);
    expect(registered.searchParams.get('code')).not.toBeNull();
  });

  it('redirects with invalid_scope for an unknown scope', async () => {
    const redirect = await authorize({ scope: 'ads:read,ads:everything' });

    expect(redirect.searchParams.get('error')).toBe('invalid_scope');
    expect(redirect.searchParams.get('code')).toBeNull();
  });

  it('redirects with unsupported_response_type unless response_type is code', async () => {
    const redirect = await authorize({ response_type: 'token' });

    expect(redirect.searchParams.get('error')).toBe('unsupported_response_type');
  });
});

describe('OAuth token endpoint', () => {
  it('exchanges a code for tokens shaped as OauthAccessTokenResponse', async () => {
    const response = await exchangeCode();

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      access_token: expect.stringMatching(/^pina_/),
      token_type: 'bearer',
      expires_in: 2_592_000,
      scope: 'ads:read,ads:write,user_accounts:read',
      response_type: 'authorization_code',
      refresh_token: expect.stringMatching(/^pinr_/),
      refresh_token_expires_in: 5_184_000,
      refresh_token_expires_at: Math.floor(NOW_MS / 1000) + 5_184_000,
    });
  });

  it('redeems a code only once', async () => {
    const redirect = await authorize();
    const form = {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT_URI,
    };

    const first = await tokenRequest(form);
    const second = await tokenRequest(form);

    expect(first.status).toBe(200);
    expect(second.status).toBe(400);
  });

  it('refuses a code with a different redirect_uri', async () => {
    const redirect = await authorize();

    const response = await tokenRequest({
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code') ?? '',
      redirect_uri: 'http://localhost:1/other',
    });

    expect(response.status).toBe(400);
    expect(response.body.message).toContain('redirect_uri');
  });

  it('answers 401 code 2 to a wrong client secret', async () => {
    const response = await tokenRequest(
      { grant_type: 'client_credentials', scope: 'ads:read' },
      basic(DEFAULT_CLIENT_ID, 'wrong'),
    );

    expect(response.status).toBe(401);
    expect(response.body.code).toBe(2);
  });

  it('rotates refresh tokens: the new one works and the old one stops working', async () => {
    const first: { refresh_token: string } = (await exchangeCode()).body;

    const refreshed = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    const reused = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    const rotated: string = refreshed.body.refresh_token;
    const next = await tokenRequest({ grant_type: 'refresh_token', refresh_token: rotated });
    const nextAccessToken: string = next.body.access_token;

    expect(refreshed.status).toBe(200);
    expect(refreshed.body.response_type).toBe('refresh_token');
    expect(refreshed.body.refresh_token).not.toBe(first.refresh_token);
    expect(refreshed.body.refresh_token_expires_in).toBe(5_184_000);
    expect(typeof refreshed.body.refresh_token_expires_at).toBe('number');
    expect(reused.status).toBe(400);
    expect(next.status).toBe(200);
    const user = await getWithToken(`${sandbox.apiBaseUrl}/user_account`, nextAccessToken);
    expect(user.status).toBe(200);
  });

  it('issues client_credentials tokens without a refresh token', async () => {
    const response = await tokenRequest({ grant_type: 'client_credentials', scope: 'ads:read' });

    expect(response.status).toBe(200);
    expect(response.body.response_type).toBe('client_credentials');
    expect(response.body.refresh_token).toBeUndefined();
    expect(response.body.expires_in).toBe(2_592_000);
  });

  it('refuses an unknown grant_type', async () => {
    const response = await tokenRequest({ grant_type: 'password' });

    expect(response.status).toBe(400);
  });

  it('expires access tokens after expires_in on the sandbox clock', async () => {
    const token = await accessTokenFor();
    const url = `${sandbox.apiBaseUrl}/user_account`;

    clock += 2_592_000 * 1000;
    const expired = await getWithToken(url, token);
    clock = NOW_MS;

    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe(2);
  });
});

describe('scopes and conversion tokens', () => {
  const eventsPath = `/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/events`;

  it('mints a conversion token from an OAuth token with ads:write', async () => {
    const oauthToken = await accessTokenFor();

    const minted = await postJson(`${sandbox.apiBaseUrl}/oauth/conversion_token`, undefined, {
      token: oauthToken,
    });
    const conversionToken: string = minted.body.access_token;
    const sent = await postJson(
      `${sandbox.apiBaseUrl}${eventsPath}`,
      { data: [validEvent()] },
      { token: conversionToken },
    );

    expect(minted.status).toBe(200);
    expect(minted.body).toEqual({
      access_token: expect.stringMatching(/^pina_/),
      token_type: 'conversion',
    });
    expect(sent.status).toBe(200);
  });

  it('refuses to mint a conversion token without ads:write', async () => {
    const readOnly = await accessTokenFor('ads:read');

    const response = await postJson(`${sandbox.apiBaseUrl}/oauth/conversion_token`, undefined, {
      token: readOnly,
    });

    expect(response.status).toBe(401);
    expect(response.body.code).toBe(3);
  });

  it('accepts events from an OAuth token with ads:write and refuses one without', async () => {
    const writer = await accessTokenFor('ads:write');
    const reader = await accessTokenFor('ads:read');
    const url = `${sandbox.apiBaseUrl}${eventsPath}`;

    const accepted = await postJson(url, { data: [validEvent()] }, { token: writer });
    const refused = await postJson(url, { data: [validEvent()] }, { token: reader });

    expect(accepted.status).toBe(200);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe(3);
  });

  it('needs user_accounts:read for user_account and ads:read for ad accounts', async () => {
    const writer = await accessTokenFor('ads:write');

    const user = await getWithToken(`${sandbox.apiBaseUrl}/user_account`, writer);
    const accounts = await getWithToken(`${sandbox.apiBaseUrl}/ad_accounts`, writer);

    expect(user.status).toBe(401);
    expect(user.body.code).toBe(3);
    expect(accounts.status).toBe(401);
    expect(accounts.body.message).toContain('ads:read');
  });

  it('refuses a conversion token on every endpoint but events', async () => {
    const base = sandbox.apiBaseUrl;
    const urls = [
      `${base}/user_account`,
      `${base}/ad_accounts`,
      `${base}/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/conversion_tags`,
      `${base}/ad_accounts/${DEFAULT_AD_ACCOUNT_ID}/conversion_eqs?lookback_period=1d`,
    ];

    const responses = await Promise.all(
      urls.map((url) => getWithToken(url, DEFAULT_CONVERSION_TOKEN)),
    );

    expect(responses.map((response) => response.status)).toEqual([401, 401, 401, 401]);
    expect(responses.map((response) => response.body.code as number)).toEqual([3, 3, 3, 3]);
  });
});
