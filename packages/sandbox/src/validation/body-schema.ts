/**
 * @module validation/body-schema
 * Checks an events body against `ConversionEvents` of the vendored Pinterest spec (5.23.0), compiled
 * once with ajv, and words the first violation the way Pinterest's 400 does:
 * "Additional properties are not allowed ('dedup_key' was unexpected)", plus where it was found.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { CheckedBody } from '../rules/event-shape.js';

interface OpenApiDocument {
  components: { schemas: Record<string, Record<string, unknown>> };
}

/** The outcome of checking a body: the typed body, or Pinterest's 400 message. */
export type BodyCheck = { ok: true; body: CheckedBody } | { ok: false; message: string };

const SCHEMA_URL = new URL('../../schema/pinterest-v5-conversions.schema.json', import.meta.url);

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** The vendored spec document, read once. */
export function readVendoredSchema(): OpenApiDocument {
  return JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as OpenApiDocument;
}

let compiled: ((body: unknown) => BodyCheck) | undefined;

/** The body validator, compiled on first use and shared by every sandbox in the process. */
export function bodyValidator(): (body: unknown) => BodyCheck {
  compiled ??= compileBodyValidator();
  return compiled;
}

/**
 * Compiles the body validator. One deliberate change to the vendored schema: the identifier
 * rule on `user_data` (its `anyOf`) is dropped here, because Pinterest answers a missing identifier
 * per event (422) rather than for the whole request; the event rules check it instead.
 */
function compileBodyValidator(): (body: unknown) => BodyCheck {
  const document = readVendoredSchema();
  const schemas = structuredClone(document.components.schemas);
  schemas['ConversionEventsUserData'] = {
    type: 'object',
    allOf: [{ $ref: '#/components/schemas/ConversionEventsUserDataProperties' }],
  };
  // `verbose` keeps the offending data on an error, so a limit message can say how many it got.
  const ajv = new Ajv({ strict: true, allErrors: false, verbose: true });
  addFormats(ajv, ['int64']);
  // The spec keeps its schemas under `components`, a keyword JSON Schema does not know.
  ajv.addKeyword({ keyword: 'components' });
  ajv.addSchema({ $id: 'pinterest-v5', components: { schemas } });
  const validate = ajv.compile({ $ref: 'pinterest-v5#/components/schemas/ConversionEvents' });
  return (body) => checkBody(validate, body);
}

function checkBody(validate: ValidateFunction, body: unknown): BodyCheck {
  if (validate(body)) return { ok: true, body: body as CheckedBody };
  const first = validate.errors?.[0];
  const detail = first ? describeSchemaError(first) : 'the body does not match the schema';
  return { ok: false, message: `Invalid request: ${detail}` };
}

/** Words one ajv error with the property it concerns and where it sits in the body. */
export function describeSchemaError(error: ErrorObject): string {
  const where = toLocation(error.instancePath);
  const params = error.params as Record<string, unknown>;

  switch (error.keyword) {
    case 'additionalProperties':
      return (
        `Additional properties are not allowed ('${clip(String(params['additionalProperty']))}' ` +
        `was unexpected) at ${where}`
      );
    case 'required':
      return `'${String(params['missingProperty'])}' is a required property in ${where}`;
    case 'type':
      return `${where} is not of type '${String(params['type'])}'`;
    case 'minItems':
    case 'maxItems':
      return describeItemLimit(error, where);
    case 'enum':
      return `${where} is not one of: ${(params['allowedValues'] as unknown[]).join(', ')}`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

function describeItemLimit(error: ErrorObject, where: string): string {
  const limit = Number((error.params as Record<string, unknown>)['limit']);
  const count = Array.isArray(error.data) ? ` (got ${error.data.length})` : '';
  if (error.keyword === 'maxItems') return `${where} may hold at most ${limit} items${count}`;
  return `${where} must hold at least ${limit} item${limit === 1 ? '' : 's'}${count}`;
}

/** `/data/0/custom_data/contents/1` → `data[0].custom_data.contents[1]`. */
function toLocation(instancePath: string): string {
  if (instancePath === '') return 'the request body';
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : `${path}.${part}`), '')
    .replace(/^\./, '');
}

function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
