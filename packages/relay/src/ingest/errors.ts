/**
 * @module ingest/errors
 * Every refusal of the ingest routes as one JSON shape, `{ error: { code, message } }`, with a
 * stable `RELAY_ERR_<WHAT>` code, and the mapping from fastify's own errors (body parsing, schema)
 * to those codes. Messages are fixed sentences: nothing from the request body is ever repeated,
 * because the body may hold raw emails and phone numbers.
 */
import type { FastifyError } from 'fastify';

/** HTTP status of each ingest error code. A retired code is never reused. */
export const INGEST_ERROR_STATUS = {
  /** No `Authorization: Bearer <key>` header. */
  RELAY_ERR_MISSING_API_KEY: 401,
  /** The presented key is not a relay API key. */
  RELAY_ERR_INVALID_API_KEY: 401,
  /** The body is not JSON. */
  RELAY_ERR_MALFORMED_JSON: 400,
  /** `Content-Type: application/json` with an empty body. */
  RELAY_ERR_EMPTY_BODY: 400,
  /** JSON, but not one object, an array of objects, or `{"data": [...]}`. */
  RELAY_ERR_INVALID_BODY: 400,
  /** Any other malformed request (a `Content-Length` that does not match the body). */
  RELAY_ERR_BAD_REQUEST: 400,
  /** More bytes than `INGEST_BODY_LIMIT`. */
  RELAY_ERR_BODY_TOO_LARGE: 413,
  /** More than 1,000 events in one request. */
  RELAY_ERR_TOO_MANY_EVENTS: 413,
  /** The body is not `application/json`. */
  RELAY_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  /** The store did not commit; nothing of the request was acknowledged. */
  RELAY_ERR_STORE_UNAVAILABLE: 503,
  /** The relay is shutting down and takes no new events. */
  RELAY_ERR_SHUTTING_DOWN: 503,
  /** A bug: nothing of the request was acknowledged. */
  RELAY_ERR_INTERNAL: 500,
} as const;

export type IngestErrorCode = keyof typeof INGEST_ERROR_STATUS;

/** The body of every ingest error answer. */
export interface IngestErrorBody {
  error: { code: IngestErrorCode; message: string };
}

export interface RelayHttpErrorOptions {
  /** Extra response headers, e.g. `Retry-After` or `WWW-Authenticate`. */
  headers?: Readonly<Record<string, string>>;
  cause?: unknown;
}

/** A refusal with its code, status and headers; the ingest error handler answers it as JSON. */
export class RelayHttpError extends Error {
  override name = 'RelayHttpError';
  readonly code: IngestErrorCode;
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: IngestErrorCode, message: string, options: RelayHttpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.statusCode = INGEST_ERROR_STATUS[code];
    this.headers = options.headers ?? {};
  }

  /** The JSON body the caller receives. */
  toBody(): IngestErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

/** The body is not JSON, or not labelled as JSON. */
export function unsupportedMediaType(): RelayHttpError {
  const message = 'send the body as JSON with Content-Type: application/json';
  return new RelayHttpError('RELAY_ERR_UNSUPPORTED_MEDIA_TYPE', message);
}

/** Fastify's body-parsing errors, by their code; their own messages are replaced by ours. */
const FASTIFY_CODES: Readonly<Record<string, () => RelayHttpError>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () =>
    new RelayHttpError('RELAY_ERR_MALFORMED_JSON', 'the body is not valid JSON'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () =>
    new RelayHttpError('RELAY_ERR_EMPTY_BODY', 'the body is empty; send a JSON object or array'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: unsupportedMediaType,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    new RelayHttpError('RELAY_ERR_BAD_REQUEST', 'the body size does not match Content-Length'),
};

/** Limits a refusal message may name, so the caller can fix the request. */
export interface RequestLimits {
  bodyLimit: number;
  maxEvents: number;
}

/**
 * The refusal to answer for any error raised while serving an ingest request: our own errors as
 * they are, fastify's parsing and schema errors by code, anything else as a 500.
 */
export function toRelayHttpError(error: unknown, limits: RequestLimits): RelayHttpError {
  if (error instanceof RelayHttpError) return error;
  const fastifyError = error as Partial<FastifyError> | null;
  const code = fastifyError?.code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const message = `the body exceeds ${limits.bodyLimit} bytes; send fewer events per request`;
    return new RelayHttpError('RELAY_ERR_BODY_TOO_LARGE', message);
  }

  const known = code === undefined ? undefined : FASTIFY_CODES[code];
  if (known) return known();
  if (fastifyError?.validation) return fromSchemaErrors(fastifyError.validation, limits);
  const status = fastifyError?.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new RelayHttpError('RELAY_ERR_BAD_REQUEST', 'the request is malformed', {
      cause: error,
    });
  }

  return new RelayHttpError('RELAY_ERR_INTERNAL', 'the relay failed; nothing was stored', {
    cause: error,
  });
}

function fromSchemaErrors(
  errors: NonNullable<FastifyError['validation']>,
  limits: RequestLimits,
): RelayHttpError {
  if (errors.some((found) => found.keyword === 'maxItems')) {
    const message = `a request holds at most ${limits.maxEvents} events; split the batch`;
    return new RelayHttpError('RELAY_ERR_TOO_MANY_EVENTS', message);
  }

  const message =
    `the body must be one object, an array of 1 to ${limits.maxEvents} objects, ` +
    `or {"data": [...]} with 1 to ${limits.maxEvents} objects`;
  return new RelayHttpError('RELAY_ERR_INVALID_BODY', message);
}
