import { describe, expect, it } from 'vitest';

import { INGEST_ERROR_STATUS, RelayHttpError, toRelayHttpError } from './errors.js';

const LIMITS = { bodyLimit: 1024, maxEvents: 1000 };

describe('toRelayHttpError', () => {
  it('keeps a refusal of our own as it is', () => {
    const refusal = new RelayHttpError('RELAY_ERR_SHUTTING_DOWN', 'later');

    expect(toRelayHttpError(refusal, LIMITS)).toBe(refusal);
  });

  it('names the byte limit when fastify finds the body too large', () => {
    const error = Object.assign(new RangeError('Request body is too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });

    const refusal = toRelayHttpError(error, LIMITS);

    expect(refusal.code).toBe('RELAY_ERR_BODY_TOO_LARGE');
    expect(refusal.statusCode).toBe(413);
    expect(refusal.message).toContain('1024 bytes');
  });

  it('answers any other client error of fastify as a generic 400', () => {
    const error = Object.assign(new Error('Some parser complaint'), {
      code: 'FST_ERR_SOMETHING',
      statusCode: 400,
    });

    const refusal = toRelayHttpError(error, LIMITS);

    expect(refusal).toMatchObject({ code: 'RELAY_ERR_BAD_REQUEST', statusCode: 400 });
    expect(refusal.message).not.toContain('complaint');
  });

  it('answers an unexpected error as a 500 that keeps the error as its cause', () => {
    const bug = new TypeError('x is undefined');

    const refusal = toRelayHttpError(bug, LIMITS);

    expect(refusal).toMatchObject({ code: 'RELAY_ERR_INTERNAL', statusCode: 500 });
    expect(refusal.cause).toBe(bug);
    expect(refusal.message).not.toContain('undefined');
  });
});

describe('RelayHttpError', () => {
  it('takes its status from the code and answers the documented JSON shape', () => {
    const refusal = new RelayHttpError('RELAY_ERR_UNSUPPORTED_MEDIA_TYPE', 'send JSON');

    expect(refusal.statusCode).toBe(INGEST_ERROR_STATUS.RELAY_ERR_UNSUPPORTED_MEDIA_TYPE);
    expect(refusal.toBody()).toEqual({
      error: { code: 'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE', message: 'send JSON' },
    });
  });
});
