/**
 * `pinterest-capi schema diff`: modified copies of the pinned spec, each change read back from the
 * command's JSON output, and the published spec with prose compared with the pinned subset.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPEC_EVENT_NAMES } from '@pinterest-capi/sdk';

import { main } from '../src/cli/run.js';
import { diffSpecs } from '../src/setup/schema-diff.js';
import type { SchemaChange } from '../src/setup/schema-diff.js';
import type { OpenApiDocument } from '../src/setup/spec.js';
import { pinnedSpecPath } from '../src/setup/spec.js';
import { captureIo } from './support/cli-io.js';

/** The full published v5.23.0 conversions subset, descriptions included. */
const PUBLISHED_SPEC = '/work/shared/reference/pinterest-v5-conversions.openapi.json';
const EVENTS = 'POST /ad_accounts/{ad_account_id}/events';

/** The parts of an OpenAPI document these tests edit. */
interface SchemaNode {
  type?: string;
  enum?: string[];
  maxLength?: number;
  description?: string;
  properties: Record<string, SchemaNode>;
  required: string[];
  items: SchemaNode;
}

interface Spec {
  info: { version: string };
  paths: Record<string, unknown>;
  components: { schemas: Record<string, SchemaNode> };
}

type Json = Record<string, unknown>;

function eventSchema(spec: Spec): SchemaNode {
  return spec.components.schemas['ConversionEvents']!.properties['data']!.items;
}

let dir: string;
let pinnedText: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capi-schema-'));
  pinnedText = await readFile(pinnedSpecPath(), 'utf8');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A copy of the pinned spec, changed by `edit`, written to a file. */
async function modifiedSpec(name: string, edit: (spec: Spec, event: SchemaNode) => void) {
  const spec = JSON.parse(pinnedText) as Spec;
  spec.info.version = '5.99.0';
  edit(spec, eventSchema(spec));
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(spec));
  return path;
}

async function diff(path: string): Promise<{ code: number; report: Json; stdout: string }> {
  const io = captureIo();
  const code = await main(['schema', 'diff', path, '--json'], io);
  return { code, report: JSON.parse(io.stdout()) as Json, stdout: io.stdout() };
}

describe('pinterest-capi schema diff', () => {
  it('marks a new required field, a removed event name and a narrowed type as breaking', async () => {
    const path = await modifiedSpec('breaking.json', (_spec, event) => {
      event.properties['consent_mode'] = { type: 'string' } as SchemaNode;
      event.required.push('consent_mode');
      event.properties['event_name']!.enum = SPEC_EVENT_NAMES.filter((name) => name !== 'lead');
      event.properties['event_source_url'] = { type: 'string' } as SchemaNode;
      event.properties['custom_data']!.properties['order_id']!.maxLength = 32;
    });

    const { code, report } = await diff(path);

    expect(code).toBe(1);
    expect(report['pinned']).toBe('5.23.0');
    expect(report['newer']).toBe('5.99.0');
    expect(report['changes']).toEqual(
      expect.arrayContaining([
        {
          endpoint: EVENTS,
          location: 'request body data[].consent_mode',
          kind: 'field_added',
          breaking: true,
          detail: 'a new required field',
        },
        {
          endpoint: EVENTS,
          location: 'request body data[].event_name',
          kind: 'value_removed',
          breaking: true,
          detail: "'lead' is no longer listed",
        },
        {
          endpoint: EVENTS,
          location: 'request body data[].event_source_url',
          kind: 'type_changed',
          breaking: true,
          detail: 'narrowed: string|null → string',
        },
        {
          endpoint: EVENTS,
          location: 'request body data[].custom_data.order_id',
          kind: 'limit_changed',
          breaking: true,
          detail: 'narrowed: maxLength now 32',
        },
      ]),
    );
    expect(report['breaking']).toBe(4);
    expect(report['changes']).toHaveLength(4);
  });

  it('lists a new optional field and a new response field as compatible and exits 0', async () => {
    const path = await modifiedSpec('compatible.json', (spec, event) => {
      event.properties['custom_data']!.properties['coupon_code'] = { type: 'string' } as SchemaNode;
      const response = spec.components.schemas['ConversionApiResponse']!;
      response.properties['request_id'] = { type: 'string' } as SchemaNode;
    });

    const { code, report } = await diff(path);

    expect(code).toBe(0);
    expect(report['changes']).toEqual([
      {
        endpoint: EVENTS,
        location: 'request body data[].custom_data.coupon_code',
        kind: 'field_added',
        breaking: false,
        detail: 'a new optional field',
      },
      {
        endpoint: EVENTS,
        location: 'response 200 request_id',
        kind: 'field_added',
        breaking: false,
        detail: 'a new optional field',
      },
    ]);
  });

  it('compares a schema that contains itself once, without walking into it forever', () => {
    const withChild = () => {
      const spec = JSON.parse(pinnedText) as Spec;
      const event = eventSchema(spec);
      spec.components.schemas['Node'] = {
        type: 'object',
        properties: { child: { $ref: '#/components/schemas/Node' } },
      } as unknown as SchemaNode;
      event.properties['custom_data']!.properties['tree'] = {
        $ref: '#/components/schemas/Node',
      } as unknown as SchemaNode;
      return spec;
    };

    const newer = withChild();
    newer.components.schemas['Node']!.properties['label'] = { type: 'string' } as SchemaNode;

    const changes = diffSpecs(
      withChild() as unknown as OpenApiDocument,
      newer as unknown as OpenApiDocument,
    );

    expect(changes.map((change) => [change.location, change.kind, change.breaking])).toEqual([
      ['request body data[].custom_data.tree.label', 'field_added', false],
    ]);
  });

  it('reports a removed endpoint and a removed response field as breaking', async () => {
    const path = await modifiedSpec('removed.json', (spec) => {
      delete spec.paths['/user_account'];
      delete spec.components.schemas['ConversionApiResponse']!.properties['num_events_processed'];
    });

    const { code, report } = await diff(path);

    expect(code).toBe(1);
    const found = (report['changes'] as SchemaChange[]).map(
      ({ endpoint, location, kind, breaking }) =>
        `${endpoint} | ${location} | ${kind} | ${String(breaking)}`,
    );
    expect(found).toEqual(
      expect.arrayContaining([
        'GET /user_account | operation | endpoint_removed | true',
        `${EVENTS} | response 200 num_events_processed | field_removed | true`,
      ]),
    );
  });

  it('finds nothing between the published 5.23.0 spec, prose and all, and the pinned subset', async () => {
    const { code, report } = await diff(PUBLISHED_SPEC);

    expect(code).toBe(0);
    expect(report['changes']).toEqual([]);
  });

  it("reads event names from the published spec's description list", async () => {
    const spec = JSON.parse(await readFile(PUBLISHED_SPEC, 'utf8')) as Spec;
    const eventName = eventSchema(spec).properties['event_name']!;
    eventName.description = String(eventName.description)
      .replace('- `lead`\n', '')
      .concat('\n- `start_trial`');
    const path = join(dir, 'prose.json');
    await writeFile(path, JSON.stringify(spec));

    const { code, report } = await diff(path);

    expect(code).toBe(1);
    expect(report['changes']).toEqual([
      expect.objectContaining({ kind: 'value_removed', detail: "'lead' is no longer listed" }),
      expect.objectContaining({
        kind: 'value_added',
        breaking: false,
        detail: "'start_trial' is new",
      }),
    ]);
  });

  it('prints one line per change, breaking ones first', async () => {
    const path = await modifiedSpec('text.json', (_spec, event) => {
      event.properties['custom_data']!.properties['coupon_code'] = { type: 'string' } as SchemaNode;
      event.required.push('language');
    });
    const io = captureIo();

    const code = await main(['schema', 'diff', path], io);

    expect(code).toBe(1);
    expect(io.stdout().split('\n')).toEqual([
      'pinned spec 5.23.0, newer spec 5.99.0: 2 changes to endpoints this project uses, 1 breaking',
      `BREAKING    ${EVENTS}  request body data[].language: the field is now required`,
      `compatible  ${EVENTS}  request body data[].custom_data.coupon_code: a new optional field`,
      '',
    ]);
  });

  it('refuses a file that is not an OpenAPI document, naming it', async () => {
    const path = join(dir, 'not-a-spec.json');
    await writeFile(path, '{"openapi":"3.0.3"}');
    const io = captureIo();

    const code = await main(['schema', 'diff', path], io);

    expect(code).toBe(2);
    expect(io.stderr()).toContain('not-a-spec.json is not an OpenAPI document: it has no "paths"');
  });
});
