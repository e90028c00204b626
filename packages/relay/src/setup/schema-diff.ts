/**
 * @module setup/schema-diff
 * Compares a newer Pinterest v5 OpenAPI document with the pinned one, limited to the operations
 * the project calls (every operation of the vendored subset), and says which changes would break
 * it. Pinterest changes v5 without a version header (facts §7), so this is how a change is seen.
 *
 * What is breaking depends on the direction. In what the project sends (parameters, request
 * bodies): a new required field, a removed field, a removed value (an event name), a narrowed type
 * or a tighter limit. In what it reads (responses): a removed field, a field no longer required, a
 * changed type. Everything else touching those operations is listed as compatible.
 */
import { ACTION_SOURCES, SPEC_EVENT_NAMES } from '@pinterest-capi/sdk';

import type { OpenApiDocument } from './spec.js';

/** One change to an operation the project uses. */
export interface SchemaChange {
  /** `POST /ad_accounts/{ad_account_id}/events`. */
  endpoint: string;
  /** Where: `request body data[].event_name`, `query parameter test`, `response 200 events[]`. */
  location: string;
  kind: SchemaChangeKind;
  breaking: boolean;
  detail: string;
}

export type SchemaChangeKind =
  | 'endpoint_removed'
  | 'field_added'
  | 'field_removed'
  | 'field_now_required'
  | 'field_now_optional'
  | 'value_added'
  | 'value_removed'
  | 'type_changed'
  | 'limit_changed'
  | 'deprecated';

type Direction = 'request' | 'response';
type Schema = Record<string, unknown>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * Values the pinned subset states only in prose (its schema-only copy has none), as the project
 * sends them: a newer spec that drops one, in an `enum` or its description's list, breaks it.
 */
const PROSE_VALUES: Readonly<Record<string, readonly string[]>> = {
  event_name: SPEC_EVENT_NAMES,
  action_source: ACTION_SOURCES,
};

/**
 * Every change between `pinned` and `newer` that touches an operation of `pinned`.
 *
 * @example
 * const changes = diffSpecs(pinnedSpec(), JSON.parse(readFileSync('openapi.json', 'utf8')));
 * const breaking = changes.filter((change) => change.breaking);
 */
export function diffSpecs(pinned: OpenApiDocument, newer: OpenApiDocument): SchemaChange[] {
  const changes: SchemaChange[] = [];
  for (const [path, operations] of Object.entries(pinned.paths ?? {})) {
    for (const method of METHODS) {
      const before = asSchema(operations[method]);
      if (before === undefined) continue;
      const endpoint = `${method.toUpperCase()} ${path}`;
      const after = asSchema(newer.paths?.[path]?.[method]);
      const context: DiffContext = { pinned, newer, endpoint, changes };
      if (after === undefined) {
        const detail = 'the newer spec no longer has it';
        add({ context, location: 'operation' }, 'endpoint_removed', { breaking: true, detail });
        continue;
      }

      diffOperation(context, before, after);
    }
  }

  return changes;
}

interface DiffContext {
  pinned: OpenApiDocument;
  newer: OpenApiDocument;
  endpoint: string;
  changes: SchemaChange[];
}

/** Where a comparison stands: the operation, what the project does with the value, the place. */
interface Site {
  context: DiffContext;
  direction: Direction;
  location: string;
}

/** A schema on both sides. */
interface Pair {
  before: Schema;
  after: Schema;
}

function add(
  site: Omit<Site, 'direction'>,
  kind: SchemaChangeKind,
  change: { breaking: boolean; detail: string },
): void {
  const { context, location } = site;
  context.changes.push({ endpoint: context.endpoint, location, kind, ...change });
}

function diffOperation(context: DiffContext, before: Schema, after: Schema): void {
  if (after['deprecated'] === true && before['deprecated'] !== true) {
    const detail = 'the operation is now marked deprecated';
    add({ context, location: 'operation' }, 'deprecated', { breaking: false, detail });
  }

  diffParameters(context, before, after);
  const body = (side: Schema, document: OpenApiDocument) =>
    jsonSchemaOf(resolve(document, side['requestBody']), document);
  const bodyBefore = body(before, context.pinned);
  const bodyAfter = body(after, context.newer);
  if (bodyBefore !== undefined && bodyAfter !== undefined) {
    const site: Site = { context, direction: 'request', location: 'request body' };
    diffSchema(site, { before: bodyBefore, after: bodyAfter }, new Set());
  }

  const responsesBefore = asSchema(before['responses']) ?? {};
  const responsesAfter = asSchema(after['responses']) ?? {};
  for (const status of Object.keys(responsesBefore)) {
    if (!status.startsWith('2')) continue;
    const read = jsonSchemaOf(resolve(context.pinned, responsesBefore[status]), context.pinned);
    const given = jsonSchemaOf(resolve(context.newer, responsesAfter[status]), context.newer);
    if (read === undefined) continue;
    const site: Site = { context, direction: 'response', location: `response ${status}` };
    if (given === undefined) {
      add(site, 'field_removed', { breaking: true, detail: 'the response has no JSON body' });
      continue;
    }

    diffSchema(site, { before: read, after: given }, new Set());
  }
}

function diffParameters(context: DiffContext, before: Schema, after: Schema): void {
  const list = (side: Schema, document: OpenApiDocument) =>
    new Map(
      (Array.isArray(side['parameters']) ? (side['parameters'] as unknown[]) : [])
        .map((parameter) => resolve(document, parameter))
        .filter((parameter): parameter is Schema => parameter !== undefined)
        .map((parameter) => [
          `${String(parameter['in'])} parameter ${String(parameter['name'])}`,
          parameter,
        ]),
    );
  const was = list(before, context.pinned);
  const is = list(after, context.newer);

  for (const [location, parameter] of was) {
    const site: Site = { context, direction: 'request', location };
    const now = is.get(location);
    if (now === undefined) {
      add(site, 'field_removed', { breaking: true, detail: 'the parameter is gone' });
      continue;
    }

    const schemaBefore = resolve(context.pinned, parameter['schema']);
    const schemaAfter = resolve(context.newer, now['schema']);
    if (schemaBefore !== undefined && schemaAfter !== undefined) {
      diffSchema(site, { before: schemaBefore, after: schemaAfter }, new Set());
    }
  }

  for (const [location, parameter] of is) {
    if (was.has(location)) continue;
    const breaking = parameter['required'] === true;
    const detail = breaking ? 'a new required parameter' : 'a new optional parameter';
    add({ context, location }, 'field_added', { breaking, detail });
  }
}

/**
 * Compares two schemas at a site. `seen` holds the pinned schemas on the path from the endpoint
 * to here: a schema that contains itself (through a `$ref`) is compared once, where it first
 * appears, and the walk stops when it comes back to it.
 */
function diffSchema(site: Site, raw: Pair, seen: Set<Schema>): void {
  if (seen.has(raw.before)) return;
  seen.add(raw.before);
  try {
    diffResolved(site, raw, seen);
  } finally {
    seen.delete(raw.before);
  }
}

function diffResolved(site: Site, raw: Pair, seen: Set<Schema>): void {
  const { context } = site;
  const pair = {
    before: flatten(context.pinned, raw.before),
    after: flatten(context.newer, raw.after),
  };
  if (diffTypes(site, pair)) return;
  diffValues(site, pair);
  if (site.direction === 'request') diffLimits(site, pair);
  diffProperties(site, pair, seen);

  const itemsBefore = resolve(context.pinned, pair.before['items']);
  const itemsAfter = resolve(context.newer, pair.after['items']);
  if (itemsBefore !== undefined && itemsAfter !== undefined) {
    const items = { ...site, location: `${site.location}[]` };
    diffSchema(items, { before: itemsBefore, after: itemsAfter }, seen);
  }
}

/** Reports a type change; true when the types differ so much that deeper checks are moot. */
function diffTypes(site: Site, pair: Pair): boolean {
  const was = typesOf(pair.before);
  const is = typesOf(pair.after);
  if (was === undefined || is === undefined) return false;
  const removed = [...was].filter((type) => !is.has(type));
  const added = [...is].filter((type) => !was.has(type));
  if (removed.length === 0 && added.length === 0) return false;
  // Sending: a type we may send that is no longer taken breaks. Reading: a type we do not expect.
  const breaking = site.direction === 'request' ? removed.length > 0 : added.length > 0;
  const types = `${[...was].join('|')} → ${[...is].join('|')}`;
  add(site, 'type_changed', { breaking, detail: breaking ? `narrowed: ${types}` : types });
  return removed.length > 0 && added.length > 0;
}

function diffValues(site: Site, pair: Pair): void {
  const field = /[\w]+(?=(\[\])?$)/.exec(site.location)?.[0] ?? '';
  const sent = site.direction === 'request';
  const was = listedValues(pair.before) ?? (sent ? PROSE_VALUES[field] : undefined);
  const is = listedValues(pair.after);
  if (was === undefined || is === undefined) return;

  for (const value of was.filter((known) => !is.includes(known))) {
    add(site, 'value_removed', { breaking: sent, detail: `'${value}' is no longer listed` });
  }

  for (const value of is.filter((listed) => !was.includes(listed))) {
    add(site, 'value_added', { breaking: false, detail: `'${value}' is new` });
  }
}

const UPPER_LIMITS = ['maxLength', 'maximum', 'maxItems', 'maxProperties'];
const LOWER_LIMITS = ['minLength', 'minimum', 'minItems', 'minProperties'];

/** Upper limits that went down, or lower limits that went up, refuse what used to pass. */
function diffLimits(site: Site, pair: Pair): void {
  for (const name of [...UPPER_LIMITS, ...LOWER_LIMITS]) {
    const was = pair.before[name];
    const is = pair.after[name];
    if (is === undefined || is === was || typeof is !== 'number') continue;
    const breaking = typeof was !== 'number' || (UPPER_LIMITS.includes(name) ? is < was : is > was);
    const limit = `${name} ${typeof was === 'number' ? `${String(was)} → ` : 'now '}${String(is)}`;
    add(site, 'limit_changed', { breaking, detail: breaking ? `narrowed: ${limit}` : limit });
  }

  const pattern = pair.after['pattern'];
  if (typeof pattern === 'string' && pattern !== pair.before['pattern']) {
    add(site, 'limit_changed', { breaking: true, detail: `narrowed: pattern now ${pattern}` });
  }
}

function diffProperties(site: Site, pair: Pair, seen: Set<Schema>): void {
  const { context } = site;
  const was = asSchema(pair.before['properties']) ?? {};
  const is = asSchema(pair.after['properties']) ?? {};
  const requiredBefore = requiredOf(pair.before);
  const requiredAfter = requiredOf(pair.after);

  for (const name of Object.keys(was)) {
    const here = { ...site, location: joinLocation(site.location, name) };
    const before = resolve(context.pinned, was[name]);
    const after = resolve(context.newer, is[name]);
    if (after === undefined) {
      add(here, 'field_removed', { breaking: true, detail: 'the field is gone' });
      continue;
    }

    diffRequired(here, requiredBefore.has(name), requiredAfter.has(name));
    if (after['deprecated'] === true && before?.['deprecated'] !== true) {
      add(here, 'deprecated', { breaking: false, detail: 'the field is now marked deprecated' });
    }

    if (before !== undefined) diffSchema(here, { before, after }, seen);
  }

  for (const name of Object.keys(is)) {
    if (name in was) continue;
    const breaking = site.direction === 'request' && requiredAfter.has(name);
    const detail = breaking ? 'a new required field' : 'a new optional field';
    add({ ...site, location: joinLocation(site.location, name) }, 'field_added', {
      breaking,
      detail,
    });
  }
}

function diffRequired(site: Site, was: boolean, is: boolean): void {
  if (was === is) return;
  if (is) {
    const breaking = site.direction === 'request';
    add(site, 'field_now_required', { breaking, detail: 'the field is now required' });
  } else {
    const breaking = site.direction === 'response';
    add(site, 'field_now_optional', { breaking, detail: 'the field may now be absent' });
  }
}

/** `request body` + `data` → `request body data`; `request body data[]` + `event_id` → `…[].event_id`. */
function joinLocation(location: string, name: string): string {
  const root = /^(request body|response \d{3}|\w+ parameter \S+)$/.test(location);
  return root ? `${location} ${name}` : `${location}.${name}`;
}

function asSchema(value: unknown): Schema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Schema)
    : undefined;
}

/** Follows local `$ref`s (`#/components/...`) until a plain object. */
function resolve(document: OpenApiDocument, value: unknown, depth = 0): Schema | undefined {
  const schema = asSchema(value);
  const ref = schema?.['$ref'];
  if (typeof ref !== 'string' || depth > 20) return schema;
  let target: unknown = document;
  for (const part of ref.replace(/^#\//, '').split('/')) {
    target = asSchema(target)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }

  return resolve(document, target, depth + 1);
}

/** The schema of a request body's or response's `application/json` content. */
function jsonSchemaOf(container: Schema | undefined, document: OpenApiDocument) {
  const content = asSchema(container?.['content']);
  const json = asSchema(content?.['application/json']) ?? asSchema(Object.values(content ?? {})[0]);
  return resolve(document, json?.['schema']);
}

/** Merges `allOf` parts into one schema: their properties and required lists together. */
function flatten(document: OpenApiDocument, schema: Schema): Schema {
  const parts = Array.isArray(schema['allOf']) ? (schema['allOf'] as unknown[]) : [];
  if (parts.length === 0) return schema;
  const merged: Schema = { ...schema, properties: { ...asSchema(schema['properties']) } };
  const required = new Set(requiredOf(schema));
  for (const part of parts) {
    const flat = flatten(document, resolve(document, part) ?? {});
    Object.assign(merged['properties'] as Schema, asSchema(flat['properties']));
    for (const name of requiredOf(flat)) required.add(name);
    for (const key of ['type', 'items', 'enum'])
      if (flat[key] !== undefined) merged[key] ??= flat[key];
  }

  merged['required'] = [...required];
  return merged;
}

function requiredOf(schema: Schema): Set<string> {
  const required = schema['required'];
  return new Set(
    Array.isArray(required) ? required.filter((name) => typeof name === 'string') : [],
  );
}

function typesOf(schema: Schema): Set<string> | undefined {
  const type = schema['type'];
  const types = Array.isArray(type) ? type : typeof type === 'string' ? [type] : undefined;
  if (types === undefined) return undefined;
  const set = new Set(types.filter((name): name is string => typeof name === 'string'));
  if (schema['nullable'] === true) set.add('null');
  // An integer is a number: widening integer → number takes what it took before.
  if (set.has('number')) set.add('integer');
  return set;
}

/** An `enum`, or the values a description lists as "- `value`" lines (Pinterest's prose enums). */
function listedValues(schema: Schema): readonly string[] | undefined {
  if (Array.isArray(schema['enum'])) {
    return schema['enum'].filter((value) => value !== null).map(String);
  }

  const description = schema['description'];
  if (typeof description !== 'string') return undefined;
  const values = [...description.matchAll(/^\s*-\s+`([^`]+)`/gm)].map((match) => match[1] ?? '');
  return values.length > 0 ? values : undefined;
}
