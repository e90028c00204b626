/**
 * @module cli/schema
 * `pinterest-capi schema diff NEWER_SPEC.json`: what a newer published Pinterest v5 spec changes in
 * the operations this project calls, compared with the spec it was built against.
 */
import { parseArgs } from 'node:util';

import { diffSpecs } from '../setup/schema-diff.js';
import type { SchemaChange } from '../setup/schema-diff.js';
import { pinnedSpec, pinnedSpecVersion } from '../setup/spec.js';
import type { OpenApiDocument } from '../setup/spec.js';
import { readInputText } from './input.js';
import type { CommandIo } from './io.js';
import { EXIT, UsageError } from './usage-error.js';

export const SCHEMA_HELP = `Usage: pinterest-capi schema diff NEWER_SPEC.json [options]

Compares a newer Pinterest v5 OpenAPI spec (https://github.com/pinterest/api-description,
v5/openapi.json) with the one this version was built against, and lists every change to the
endpoints it uses: events, oauth token, conversion_token, ad accounts, conversion tags, conversion
EQS, user_account. BREAKING marks a change that would break it: a removed endpoint, field or value
(an event name), a new required field, a narrowed type or limit.

Options:
  --json       print the changes as JSON
  -h, --help   show this help

Exit codes: 0 nothing breaking, 1 something breaking, 2 usage error (unreadable spec).

Example:
  curl -sO https://raw.githubusercontent.com/pinterest/api-description/main/v5/openapi.json
  pinterest-capi schema diff openapi.json
`;

/** Runs `schema diff`; resolves to the exit code. */
export async function runSchema(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

  if (values.help) {
    io.out.write(SCHEMA_HELP);
    return EXIT.ok;
  }

  const [action, file, ...extra] = positionals;
  if (action !== 'diff') throw new UsageError('schema takes one action: diff NEWER_SPEC.json');
  if (file === undefined || extra.length > 0) {
    throw new UsageError('schema diff takes one NEWER_SPEC.json');
  }

  const newer = await readSpec(file);
  const changes = diffSpecs(pinnedSpec(), newer);
  const breaking = changes.filter((change) => change.breaking).length;
  const versions = { pinned: pinnedSpecVersion(), newer: newer.info?.version ?? 'unknown' };

  if (values.json) {
    io.out.write(`${JSON.stringify({ ...versions, breaking, changes }, null, 2)}\n`);
  } else {
    io.out.write(formatChanges(versions, changes, breaking));
  }

  return breaking > 0 ? EXIT.failure : EXIT.ok;
}

async function readSpec(file: string): Promise<OpenApiDocument> {
  const text = await readInputText(file);

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }

  const paths = (parsed as { paths?: unknown } | null)?.paths;
  if (typeof paths !== 'object' || paths === null) {
    throw new UsageError(`${file} is not an OpenAPI document: it has no "paths" object`);
  }

  return parsed as OpenApiDocument;
}

function formatChanges(
  versions: { pinned: string; newer: string },
  changes: readonly SchemaChange[],
  breaking: number,
): string {
  const head =
    `pinned spec ${versions.pinned}, newer spec ${versions.newer}: ` +
    `${changes.length} change${changes.length === 1 ? '' : 's'} to endpoints this project uses, ` +
    `${breaking} breaking\n`;
  const sorted = [...changes].sort((a, b) => Number(b.breaking) - Number(a.breaking));
  const lines = sorted.map(
    (change) =>
      `${change.breaking ? 'BREAKING  ' : 'compatible'}  ${change.endpoint}  ${change.location}: ` +
      `${change.detail}\n`,
  );
  return head + lines.join('');
}
