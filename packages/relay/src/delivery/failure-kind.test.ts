import { CapiError, NetworkError, TimeoutError, errorFromResponse } from '@pinterest-capi/sdk';
import { describe, expect, it } from 'vitest';

import { classifyFailure, describeError } from './failure-kind.js';

const what = { what: 'POST https://api.pinterest.com/v5/ad_accounts/1/events (10 events)' };

describe('classifyFailure', () => {
  it('gives the events back when the worker aborted the call', () => {
    const error = new CapiError('CAPI_ERR_ABORTED', 'aborted by the caller');

    expect(classifyFailure(error)).toEqual({ kind: 'aborted' });
  });

  it('pauses on 401 and 403 with what Pinterest said', () => {
    const unauthorized = errorFromResponse(
      401,
      { code: 2, message: 'Authentication failed.' },
      what,
    );
    const forbidden = errorFromResponse(403, { code: 29, message: 'Not permitted.' }, what);

    expect(classifyFailure(unauthorized)).toEqual({
      kind: 'auth',
      status: 401,
      message: 'Pinterest answered 401 (code 2): Authentication failed.',
    });
    expect(classifyFailure(forbidden)).toMatchObject({ kind: 'auth', status: 403 });
  });

  it('splits the batch on a 400 or a 413', () => {
    const body = {
      code: 4196,
      message: "Additional properties are not allowed ('x' was unexpected)",
    };

    expect(classifyFailure(errorFromResponse(400, body, what))).toEqual({
      kind: 'bad_request',
      status: 400,
      message: `Pinterest answered 400 (code 4196): ${body.message}`,
    });
    expect(classifyFailure(errorFromResponse(413, undefined, what))).toMatchObject({
      kind: 'bad_request',
      status: 413,
    });
  });

  it("retries a 429 after the server's Retry-After", () => {
    const error = errorFromResponse(429, { code: 8 }, { ...what, retryAfterMs: 3000 });

    expect(classifyFailure(error)).toMatchObject({
      kind: 'retry',
      reason: 'rate_limited',
      status: 429,
      retryAfterMs: 3000,
      possibleDuplicate: false,
    });
  });

  it('flags a 5xx as a possible duplicate unless it is a 503 ramp-down', () => {
    const broken = errorFromResponse(500, { code: 12, message: 'Something went wrong' }, what);
    const rampedDown = errorFromResponse(503, { code: 4197, message: 'ramped down' }, what);

    expect(classifyFailure(broken)).toMatchObject({
      reason: 'server_error',
      possibleDuplicate: true,
    });
    expect(classifyFailure(rampedDown)).toMatchObject({ possibleDuplicate: false });
  });

  it('retries a timeout as a possible duplicate', () => {
    expect(classifyFailure(new TimeoutError('no answer in 15000 ms'))).toMatchObject({
      kind: 'retry',
      reason: 'timeout',
      possibleDuplicate: true,
    });
  });

  it('tells a refused connection, which sent nothing, from a reset', () => {
    const refused = new NetworkError(
      'fetch failed',
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      }),
    );
    const reset = new NetworkError(
      'fetch failed',
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      }),
    );

    expect(classifyFailure(refused)).toMatchObject({ reason: 'network', possibleDuplicate: false });
    expect(classifyFailure(reset)).toMatchObject({ reason: 'network', possibleDuplicate: true });
  });

  it('retries an unexpected status rather than losing the events', () => {
    const error = errorFromResponse(404, { code: 404, message: 'No such ad account' }, what);

    expect(classifyFailure(error)).toMatchObject({
      kind: 'retry',
      reason: 'unexpected_status',
      status: 404,
    });
  });
});

describe('describeError', () => {
  it("falls back to the SDK's message when Pinterest sent no message", () => {
    const error = errorFromResponse(502, 'Bad Gateway', what);

    expect(describeError(error)).toBe(error.message);
  });
});
