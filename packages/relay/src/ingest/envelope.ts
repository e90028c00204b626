/**
 * @module ingest/envelope
 * The outer shape of an ingest body, checked by fastify's compiled JSON schema before the handler
 * runs: one object, an array of 1 to 1,000 objects, or `{"data": [...]}` with 1 to 1,000. Only the
 * envelope is checked here; each event's own rules belong to the SDK, which names fields precisely
 * and answers per event instead of refusing the whole request.
 *
 * Fastify's Ajv runs with `coerceTypes: 'array'`, so a JSON scalar body (`"hello"`, `null`) becomes
 * a one-item list here and is answered as one rejected item (`event`, rule `type`).
 */
import { MAX_EVENTS_PER_REQUEST } from '@pinterest-capi/sdk';

/** Events per request, the same cap as Pinterest's, so one request maps to at most one call. */
export const MAX_EVENTS_PER_INGEST = MAX_EVENTS_PER_REQUEST;

const EVENT_LIST = { type: 'array', minItems: 1, maxItems: MAX_EVENTS_PER_INGEST } as const;

/**
 * `if`/`then`/`else` rather than `anyOf`, so a failing body reports the one rule it broke (for
 * instance `maxItems`, answered 413) instead of one error per branch.
 */
export const INGEST_BODY_SCHEMA = {
  if: { type: 'array' },
  then: EVENT_LIST,
  else: { type: 'object', properties: { data: EVENT_LIST } },
} as const;

const ISSUE_SCHEMA = {
  type: 'object',
  properties: { path: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' } },
  required: ['path', 'rule', 'message'],
} as const;

const RESULT_SCHEMA = {
  type: 'object',
  properties: {
    index: { type: 'integer' },
    event_id: { type: ['string', 'null'] },
    status: { type: 'string' },
    issues: { type: 'array', items: ISSUE_SCHEMA },
  },
  required: ['index', 'event_id', 'status'],
} as const;

/** Serializes the 202 and 422 answers with a compiled serializer instead of `JSON.stringify`. */
export const INGEST_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    accepted: { type: 'integer' },
    duplicates: { type: 'integer' },
    rejected: { type: 'integer' },
    results: { type: 'array', items: RESULT_SCHEMA },
  },
  required: ['accepted', 'duplicates', 'rejected', 'results'],
} as const;

/** The items of a body that passed {@link INGEST_BODY_SCHEMA}, in request order. */
export function bodyItems(body: unknown): readonly unknown[] {
  if (Array.isArray(body)) return body;
  const data = (body as { data?: unknown }).data;
  return Array.isArray(data) ? data : [body];
}
