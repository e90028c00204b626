/**
 * The published Pinterest v5 schema (spec 5.23.0, vendored in the sandbox package) as an ajv
 * validator, so tests can prove that what the SDK builds is what Pinterest's own schema accepts.
 */

import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';

const SCHEMA_URL = new URL(
  '../../../sandbox/schema/pinterest-v5-conversions.schema.json',
  import.meta.url,
);

function compileRequestBodySchema() {
  const doc = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Record<string, unknown>;
  // strict: false lets the OpenAPI-only keywords and `format: int64` pass without a definition.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  ajv.addSchema(doc, 'pinterest');
  return ajv.compile({ $ref: 'pinterest#/components/schemas/ConversionEvents' });
}

const validateBody = compileRequestBodySchema();

/** Checks a request body against the schema; `errors` is empty when it matches. */
export function checkPinterestSchema(body: unknown): { valid: boolean; errors: ErrorObject[] } {
  const valid = validateBody(body);
  return { valid, errors: valid ? [] : [...(validateBody.errors ?? [])] };
}

/** Throws with ajv's errors when `body` does not match `ConversionEvents`. */
export function assertMatchesPinterestSchema(body: unknown): void {
  const { valid, errors } = checkPinterestSchema(body);
  if (valid) return;
  const details = errors.map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`);
  throw new Error(`body does not match Pinterest's schema:\n${details.join('\n')}`);
}
