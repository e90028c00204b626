/**
 * @module validate/checks
 * Field checks shared by every object the validator walks: a small table of field specs per object,
 * checked the way Pinterest's schema checks them, plus the rule names the issues carry.
 */

import type { ValidationIssue } from '../errors.js';
import { unknownFieldMessage } from './hints.js';
import type { HintLevel } from './hints.js';

/** How one field of a closed object is checked. `custom` fields are checked by the caller. */
export type FieldSpec =
  | { kind: 'string'; nullable?: boolean; maxLength?: number; nonEmpty?: boolean }
  | { kind: 'integer'; nullable?: boolean; min?: number; max?: number }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'string_array'; maxItems?: number }
  | { kind: 'custom' };

export type ObjectSpec = Readonly<Record<string, FieldSpec>>;

export type PlainObject = Record<string, unknown>;

/** True for a JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `a.b`, or `b` at the root. */
export function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function issue(path: string, rule: string, message: string): ValidationIssue {
  return { path, rule, message };
}

/**
 * Each spec as a Map, built on its first use. Specs are readonly module constants, and every
 * field of every event is looked up in one: a Map lookup is faster than `Object.hasOwn` followed
 * by a read, and just as safe from inherited names such as `constructor`.
 */
const FIELD_SPECS = new WeakMap<ObjectSpec, ReadonlyMap<string, FieldSpec>>();

function fieldSpecs(spec: ObjectSpec): ReadonlyMap<string, FieldSpec> {
  let specs = FIELD_SPECS.get(spec);
  if (specs === undefined) {
    specs = new Map(Object.entries(spec));
    FIELD_SPECS.set(spec, specs);
  }

  return specs;
}

/**
 * Checks the fields of `value` against `spec`: unknown keys get `unknown_field` (with a hint for
 * the usual mistakes at `level`), known keys their type and bounds. `undefined` counts as absent,
 * the way `JSON.stringify` drops it.
 */
export function checkObjectFields(
  value: PlainObject,
  spec: ObjectSpec,
  at: { path: string; level: HintLevel },
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const specs = fieldSpecs(spec);
  // `Object.keys`, not `Object.entries`: this runs for every object of every event, and the pair
  // arrays `entries` allocates were most of its time.
  for (const key of Object.keys(value)) {
    const fieldValue = value[key];
    if (fieldValue === undefined) continue;
    const fieldSpec = specs.get(key);
    if (fieldSpec === undefined) {
      const message = unknownFieldMessage(key, at.level);
      issues.push(issue(joinPath(at.path, key), 'unknown_field', message));
      continue;
    }

    const broken = checkField(fieldValue, fieldSpec, joinPath(at.path, key));
    if (broken) issues.push(broken);
  }

  return issues;
}

/** Reports each listed key that is absent (or `undefined`) with rule `required`. */
export function checkRequired(
  value: PlainObject,
  keys: readonly string[],
  path: string,
): ValidationIssue[] {
  return keys
    .filter((key) => value[key] === undefined)
    .map((key) => issue(joinPath(path, key), 'required', 'is required'));
}

/** Checks one field value against its spec; `undefined` means it passes. */
export function checkField(
  value: unknown,
  spec: FieldSpec,
  path: string,
): ValidationIssue | undefined {
  if (value === null && 'nullable' in spec && spec.nullable) return undefined;

  switch (spec.kind) {
    case 'string':
      return checkString(value, spec, path);
    case 'integer':
      return checkInteger(value, spec, path);
    case 'boolean':
      return typeof value === 'boolean' ? undefined : issue(path, 'type', 'must be true or false');
    case 'enum':
      return checkEnum(value, spec.values, path);
    case 'string_array':
      return checkStringArray(value, spec.maxItems, path);
    case 'custom':
      return undefined;
  }
}

/** Length in code points, the way JSON Schema's `maxLength` counts. */
export function codePointLength(value: string): number {
  return Array.from(value).length;
}

function checkString(
  value: unknown,
  spec: { nullable?: boolean; maxLength?: number; nonEmpty?: boolean },
  path: string,
): ValidationIssue | undefined {
  if (typeof value !== 'string') {
    return issue(
      path,
      'type',
      spec.nullable === true ? 'must be a string or null' : 'must be a string',
    );
  }

  if (spec.nonEmpty === true && value.trim() === '') {
    return issue(path, 'non_empty', 'must not be empty');
  }

  // A string has no more code points than UTF-16 units, so only a long one needs counting.
  const { maxLength } = spec;
  if (maxLength !== undefined && value.length > maxLength && codePointLength(value) > maxLength) {
    return issue(path, 'max_length', `must be at most ${maxLength} characters`);
  }

  return undefined;
}

function checkInteger(
  value: unknown,
  spec: { nullable?: boolean; min?: number; max?: number },
  path: string,
): ValidationIssue | undefined {
  if (typeof value !== 'number') {
    return issue(
      path,
      'type',
      spec.nullable === true ? 'must be an integer or null' : 'must be an integer',
    );
  }

  if (!Number.isInteger(value)) return issue(path, 'integer', 'must be a whole number');
  const tooLow = spec.min !== undefined && value < spec.min;
  const tooHigh = spec.max !== undefined && value > spec.max;
  if (tooLow || tooHigh) return issue(path, 'range', `must be ${describeRange(spec)}`);
  return undefined;
}

function describeRange(spec: { min?: number; max?: number }): string {
  if (spec.min !== undefined && spec.max !== undefined) return `from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `${spec.min} or more`;
  return `${spec.max ?? 0} or less`;
}

function checkEnum(
  value: unknown,
  values: readonly string[],
  path: string,
): ValidationIssue | undefined {
  if (typeof value === 'string' && values.includes(value)) return undefined;
  return issue(path, 'enum', `must be one of: ${values.join(', ')}`);
}

function checkStringArray(
  value: unknown,
  maxItems: number | undefined,
  path: string,
): ValidationIssue | undefined {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    return issue(path, 'type', 'must be an array of strings');
  }

  if (maxItems !== undefined && value.length > maxItems) {
    return issue(path, 'max_items', `must have at most ${maxItems} entries`);
  }

  return undefined;
}
