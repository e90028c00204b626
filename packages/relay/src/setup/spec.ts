/**
 * @module setup/spec
 * The Pinterest v5 spec this project was built against: the conversions subset vendored with the
 * sandbox package, whose `info.version` names it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** An OpenAPI document, as far as the setup commands read it. */
export interface OpenApiDocument {
  info?: { version?: string };
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; parameters?: Record<string, unknown> };
}

let pinned: OpenApiDocument | undefined;

/** The path of the vendored spec inside `@pinterest-capi/sandbox`. */
export function pinnedSpecPath(): string {
  const require = createRequire(import.meta.url);
  const sandboxRoot = dirname(require.resolve('@pinterest-capi/sandbox/package.json'));
  return join(sandboxRoot, 'schema', 'pinterest-v5-conversions.schema.json');
}

/** The vendored spec, read once. */
export function pinnedSpec(): OpenApiDocument {
  pinned ??= JSON.parse(readFileSync(pinnedSpecPath(), 'utf8')) as OpenApiDocument;
  return pinned;
}

/** The pinned spec's version, e.g. `5.23.0`. */
export function pinnedSpecVersion(): string {
  return pinnedSpec().info?.version ?? 'unknown';
}
