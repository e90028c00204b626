/**
 * @module http/replies
 * Pinterest-shaped error answers: `{code, message}` (the spec's `Error`), plus `details` on a 422.
 */
import type { FastifyReply } from 'fastify';
import { API_CODES } from '../constants.js';

/** Sends `{code, message}` with the given HTTP status. */
export function sendError(
  reply: FastifyReply,
  status: number,
  error: { code: number; message: string },
): FastifyReply {
  return reply.code(status).send({ code: error.code, message: error.message });
}

export const AUTHENTICATION_FAILED = {
  code: API_CODES.authenticationFailed,
  message: 'Authentication failed.',
};

export const NOT_PERMITTED = {
  code: API_CODES.notPermitted,
  message: 'You are not permitted to access that resource.',
};

export const RATE_LIMITED = {
  code: API_CODES.rateLimited,
  message:
    'This request exceeded a rate limit. This can happen if the client exceeds one of the ' +
    'published rate limits within a short time window.',
};

export const RAMPED_DOWN = {
  code: API_CODES.rampedDown,
  message: 'The endpoint has been ramped down and is currently not accepting any traffic.',
};

export const SERVER_ERROR = {
  code: API_CODES.serverError,
  message: 'Something went wrong on our end. Sorry about that.',
};

/** The Pinterest body for an HTTP status, used by injected faults. */
export function errorForStatus(status: number): { code: number; message: string } {
  if (status === 401) return AUTHENTICATION_FAILED;
  if (status === 403) return NOT_PERMITTED;
  if (status === 429) return RATE_LIMITED;
  if (status === 503) return RAMPED_DOWN;
  if (status >= 500) return SERVER_ERROR;
  if (status === 400)
    return { code: API_CODES.invalidRequest, message: 'The request was invalid.' };
  return { code: status, message: `Injected fault: HTTP ${status}.` };
}
