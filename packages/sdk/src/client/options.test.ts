import { describe, expect, it } from 'vitest';
import { isCapiError } from '../errors.js';
import { resolveClientOptions } from './options.js';
import type { ClientOptions } from './options.js';
import { CallPacer } from './pacer.js';

const TOKEN = 'pina_secret_token_value';
const valid: ClientOptions = { adAccountId: '549755885175', accessToken: TOKEN };

function optionsErrorOf(options: ClientOptions): Error {
  try {
    resolveClientOptions(options);
  } catch (error) {
    if (isCapiError(error)) return error;
    throw error;
  }

  throw new Error('expected resolveClientOptions to throw');
}

describe('resolveClientOptions', () => {
  it('fills in the documented defaults', () => {
    const resolved = resolveClientOptions(valid);

    expect(resolved).toMatchObject({
      baseUrl: 'https://api.pinterest.com/v5',
      test: false,
      concurrency: 4,
      maxAttempts: 6,
      retryBaseMs: 500,
      retryMaxMs: 60_000,
      timeoutMs: 15_000,
    });
    expect(resolved.pacer).toBeInstanceOf(CallPacer);
    expect(resolved.pacer).toMatchObject({ callsPerMinute: 5000 });
  });

  it('strips trailing slashes from baseUrl', () => {
    const resolved = resolveClientOptions({ ...valid, baseUrl: 'http://127.0.0.1:8788/v5//' });

    expect(resolved.baseUrl).toBe('http://127.0.0.1:8788/v5');
  });

  it('shares one pacer between clients with the same budget', () => {
    const first = resolveClientOptions({ ...valid, callsPerMinute: 1234 });
    const second = resolveClientOptions({ ...valid, callsPerMinute: 1234 });
    const other = resolveClientOptions({ ...valid, callsPerMinute: 4321 });

    expect(first.pacer).toBe(second.pacer);
    expect(other.pacer).not.toBe(first.pacer);
  });

  it('uses the pacer it is given, a CallPacer or any object with acquire', () => {
    const pacer = new CallPacer({ callsPerMinute: 10 });
    const custom = { acquire: () => Promise.resolve() };

    expect(resolveClientOptions({ ...valid, pacer }).pacer).toBe(pacer);
    expect(resolveClientOptions({ ...valid, pacer: custom }).pacer).toBe(custom);
  });

  it('passes partnerName on to event preparation unless prepare sets its own', () => {
    const fromClient = resolveClientOptions({ ...valid, partnerName: 'ss-acme' });
    const fromPrepare = resolveClientOptions({
      ...valid,
      partnerName: 'ss-acme',
      prepare: { partnerName: 'ss-other' },
    });

    expect(fromClient.prepare.partnerName).toBe('ss-acme');
    expect(fromPrepare.prepare.partnerName).toBe('ss-other');
  });

  it.each([
    ['adAccountId', 'with letters', { adAccountId: 'act_123' }],
    ['adAccountId', 'of 19 digits', { adAccountId: '1234567890123456789' }],
    ['accessToken', 'that is empty', { accessToken: '' }],
    ['accessToken', 'with a space', { accessToken: 'pina abc' }],
    ['baseUrl', 'without a scheme', { baseUrl: 'api.pinterest.com/v5' }],
    ['baseUrl', 'over ftp', { baseUrl: 'ftp://example.com' }],
    ['baseUrl', 'with a password', { baseUrl: 'https://user:pass-4f2a@api.test/v5' }],
    ['concurrency', 'of 0', { concurrency: 0 }],
    ['maxAttempts', 'that is fractional', { maxAttempts: 1.5 }],
    ['timeoutMs', 'below 1', { timeoutMs: -1 }],
    ['timeoutMs', 'longer than a timer can wait', { timeoutMs: 2 ** 31 }],
    ['retryMaxMs', 'below retryBaseMs', { retryBaseMs: 100, retryMaxMs: 10 }],
    ['callsPerMinute', 'of 0', { callsPerMinute: 0 }],
    ['fetch', 'that is a string', { fetch: 'fetch' }],
    ['pacer', 'without acquire', { pacer: { release: () => undefined } }],
  ])('rejects %s %s with CAPI_ERR_CLIENT_OPTIONS naming it', (name, _case, override) => {
    const error = optionsErrorOf({ ...valid, ...override } as ClientOptions);

    expect(error).toMatchObject({ code: 'CAPI_ERR_CLIENT_OPTIONS' });
    expect(error.message).toContain(name);
  });

  it('never puts the token in its messages', () => {
    const error = optionsErrorOf({ ...valid, accessToken: `${TOKEN} extra` });

    expect(error.message).not.toContain(TOKEN);
  });
});
