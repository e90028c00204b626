/**
 * @module privacy/erasure
 * `POST /v1/erasure`: forget every stored event of one person. The email, phone or external id
 * is normalized and hashed exactly as ingest hashes it (the SDK's `hashUserData`), the store
 * deletes every event whose `user_data` holds one of those hashes, whatever its state (an event
 * not yet sent is thereby never sent), and keeps an audit row without the identifier.
 */
import { ValidationError, hashUserData } from '@pinterest-capi/sdk';
import type { NormalizeOptions, ValidationIssue } from '@pinterest-capi/sdk';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';

import { readBearerToken } from '../ingest/api-keys.js';
import type { ErasureRequest, EventStore } from '../queue/store.js';

/** What a person is identified by in an erasure request: raw values, or SHA-256 hex digests. */
export interface ErasureInput {
  email?: unknown;
  phone?: unknown;
  external_id?: unknown;
}

/** The hashes of an erasure request, before who asked and when are added. */
export type ErasureHashes = Pick<ErasureRequest, 'emHashes' | 'phHashes' | 'externalIdHashes'>;

const FIELDS = { em: 'email', ph: 'phone', external_id: 'external_id' } as const;

/**
 * Normalizes and hashes the identifiers of an erasure request. Each field takes one value or a
 * list; a value already 64 hex characters is taken as its hash.
 *
 * @throws {ValidationError} naming the field and rule (never the value) when a value cannot be
 *   normalized, a field is not one of `email`, `phone`, `external_id`, or none is given.
 * @example
 * erasureHashes({ email: 'Shopper@Example.com' }); // { emHashes: ['…'] }
 */
export function erasureHashes(input: unknown, options: NormalizeOptions = {}): ErasureHashes {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError([{ path: '(body)', rule: 'type', message: 'must be an object' }]);
  }

  const unknownFields = Object.keys(input).filter(
    (key) => !(Object.values(FIELDS) as string[]).includes(key),
  );
  if (unknownFields.length > 0) {
    throw new ValidationError(
      unknownFields.map((key) => ({
        path: key.slice(0, 64),
        rule: 'unknown_field',
        message: 'is not email, phone or external_id',
      })),
    );
  }

  const { email, phone, external_id: externalId } = input as ErasureInput;
  const hashed = hashIdentifiers({ em: email, ph: phone, external_id: externalId }, options);
  const result: ErasureHashes = {
    ...(hashed.em ? { emHashes: hashed.em } : {}),
    ...(hashed.ph ? { phHashes: hashed.ph } : {}),
    ...(hashed.external_id ? { externalIdHashes: hashed.external_id } : {}),
  };
  if (Object.keys(result).length === 0) {
    const message = 'give at least one of email, phone or external_id';
    throw new ValidationError([{ path: '(body)', rule: 'required', message }]);
  }

  return result;
}

type Hashed = { em?: string[]; ph?: string[]; external_id?: string[] };

function hashIdentifiers(raw: Record<keyof typeof FIELDS, unknown>, options: NormalizeOptions) {
  try {
    return hashUserData(raw as Parameters<typeof hashUserData>[0], options) as Hashed;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(error.issues.map(renamePath));
  }
}

/** `user_data.em[0]` → `email[0]`: the caller's own field names. */
function renamePath(issue: ValidationIssue): ValidationIssue {
  const match = /^user_data\.(em|ph|external_id)(.*)$/.exec(issue.path);
  if (!match) return issue;
  const field = FIELDS[match[1] as keyof typeof FIELDS];
  return { ...issue, path: `${field}${match[2] ?? ''}` };
}

/** Who an API key belongs to, for erasures: the ad account it may erase in. */
export interface ErasureTenant {
  name: string;
  adAccountId: string;
  /** Country assumed for phone numbers without one, as at ingest. */
  defaultCountry?: string | undefined;
}

export interface ErasureDeps {
  store: Pick<EventStore, 'erase'>;
  authenticate(apiKey: string): ErasureTenant | undefined;
  /** @default Date.now */
  now?: () => number;
}

/**
 * The `POST /v1/erasure` route as a fastify plugin. Authenticated with a relay API key, and
 * scoped to that key's ad account; answers `200 {"erased": N}`.
 *
 * @example
 * await app.register(erasureRoutes({ store, authenticate: resolver }));
 */
export function erasureRoutes(deps: ErasureDeps): FastifyPluginAsync {
  return (app) => {
    registerErasure(app, deps);
    return Promise.resolve();
  };
}

function registerErasure(app: FastifyInstance, deps: ErasureDeps): void {
  const clock = deps.now ?? (() => Date.now());
  app.post('/v1/erasure', async (request, reply) => {
    const key = readBearerToken(request.headers.authorization);
    const tenant = key === undefined ? undefined : deps.authenticate(key);
    if (!tenant) return refuseKey(reply, key === undefined);
    let hashes: ErasureHashes;
    try {
      const options = tenant.defaultCountry ? { defaultCountry: tenant.defaultCountry } : {};
      hashes = erasureHashes(request.body, options);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.code(400).send({
        error: {
          code: 'RELAY_ERR_INVALID_ERASURE',
          message: 'the erasure request names no usable identifier',
          issues: error.issues,
        },
      });
    }

    const { deleted } = await deps.store.erase({
      ...hashes,
      adAccountId: tenant.adAccountId,
      requester: `api:${tenant.name}`,
      at: clock(),
    });
    // Logged without the identifier: the count and the tenant are the whole audit trail.
    request.log.info({ tenant: tenant.name, erased: deleted }, 'erasure done');
    return reply.code(200).send({ erased: deleted });
  });
}

function refuseKey(reply: FastifyReply, missing: boolean) {
  const code = missing ? 'RELAY_ERR_MISSING_API_KEY' : 'RELAY_ERR_INVALID_API_KEY';
  return reply
    .code(401)
    .header('www-authenticate', 'Bearer')
    .send({
      error: { code, message: 'a valid relay API key is required (Authorization: Bearer …)' },
    });
}
