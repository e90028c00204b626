import { describe, expect, it } from 'vitest';

import { describeEqsFailure, fetchEqs, requestEqsAppToken } from './eqs.js';

/** A fetch that answers every call with `status` and `body`, and records the calls. */
function answering(status: number, body: unknown): { fetch: typeof fetch; calls: Request[] } {
  const calls: Request[] = [];
  return {
    calls,
    fetch: (input, init) => {
      calls.push(new Request(input, init));
      return Promise.resolve(Response.json(body, { status }));
    },
  };
}

const client = { clientId: 'app-1', clientSecret: 'secret-9c1e' };
const request = { token: 'oauth-token', adAccountId: '5497/55', lookback: '14d' } as const;

describe('fetchEqs', () => {
  it('asks for one lookback period of one ad account with the bearer token', async () => {
    const items = [{ ingestion_source: 'CONVERSIONS_API', overall_status: 'GOOD' }];
    const fake = answering(200, items);

    const answer = await fetchEqs({ baseUrl: 'https://api.test/v5', fetch: fake.fetch }, request);

    expect(answer).toEqual({ status: 200, body: items });
    expect(fake.calls[0]?.url).toBe(
      'https://api.test/v5/ad_accounts/5497%2F55/conversion_eqs?lookback_period=14d',
    );
    expect(fake.calls[0]?.headers.get('authorization')).toBe('Bearer oauth-token');
  });

  it('answers without a body when a 200 is not a list', async () => {
    const fake = answering(200, { items: [] });

    const answer = await fetchEqs({ baseUrl: 'https://api.test/v5', fetch: fake.fetch }, request);

    expect(answer).toEqual({ status: 200, body: undefined, error: 'the answer is not a list' });
    expect(describeEqsFailure(answer)).toBe('the answer is not a list');
  });

  it("keeps the status and Pinterest's message of a refusal", async () => {
    const fake = answering(403, { code: 29, message: 'not an ads:read token' });

    const answer = await fetchEqs({ baseUrl: 'https://api.test/v5', fetch: fake.fetch }, request);

    expect(answer.body).toBeUndefined();
    expect(describeEqsFailure(answer)).toBe('HTTP 403: not an ads:read token');
  });
});

describe('a request fetch refuses', () => {
  it('names the failure without the URL it was given, credentials and all', async () => {
    const target = { baseUrl: 'https://relay-user:hunter2-b7@api.test/v5' };

    const read = await fetchEqs(target, request);
    const token = await requestEqsAppToken(target, client);

    for (const answer of [read, token]) {
      expect(answer.status).toBe(0);
      expect(describeEqsFailure(answer)).toContain('<url>');
      expect(describeEqsFailure(answer)).not.toContain('hunter2');
    }
  });
});

describe('requestEqsAppToken', () => {
  it('asks for an ads:read client-credentials token', async () => {
    const fake = answering(200, {
      access_token: 'app-token',
      token_type: 'bearer',
      expires_in: 60,
    });

    const answer = await requestEqsAppToken(
      { baseUrl: 'https://api.test/v5', fetch: fake.fetch },
      client,
    );

    expect(answer.body?.access_token).toBe('app-token');
    const form = new URLSearchParams(await fake.calls[0]?.text());
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'client_credentials',
      scope: 'ads:read',
    });
  });

  it('answers without a body when the token is missing', async () => {
    const fake = answering(200, { token_type: 'bearer' });

    const answer = await requestEqsAppToken(
      { baseUrl: 'https://api.test/v5', fetch: fake.fetch },
      client,
    );

    expect(answer.body).toBeUndefined();
    expect(describeEqsFailure(answer)).toBe('the answer has no access_token');
  });
});

describe('describeEqsFailure', () => {
  it('says when Pinterest did not answer', () => {
    expect(describeEqsFailure({ status: 0, body: undefined, error: 'ECONNREFUSED' })).toBe(
      'Pinterest did not answer (ECONNREFUSED)',
    );
  });

  it('gives the bare status when Pinterest sent no message', () => {
    expect(describeEqsFailure({ status: 500, body: undefined, error: 'HTTP 500' })).toBe(
      'HTTP 500',
    );
  });

  it("cuts Pinterest's message at 200 characters", () => {
    const message = 'x'.repeat(300);

    const text = describeEqsFailure({ status: 400, body: undefined, error: message });

    expect(text).toBe(`HTTP 400: ${'x'.repeat(200)}`);
  });
});
