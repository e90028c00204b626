/**
 * @module cli/erase
 * `pinterest-capi erase`: forgets every stored event of one person, as `POST /v1/erasure` does,
 * straight on the queue database (for operators, and for requests that arrive outside the API).
 */
import { parseArgs } from 'node:util';

import { erasureHashes } from '../privacy/erasure.js';
import { openStore } from '../relay.js';
import { resolveDatabaseUrl } from './database.js';
import type { CommandIo } from './io.js';
import { EXIT, UsageError } from './usage-error.js';

export const ERASE_HELP = `Usage: pinterest-capi erase (--email E | --phone P | --external-id ID)... [options]

Deletes every stored event whose hashed email, phone or external id matches, in every state: an
event not yet sent is never sent. Values are normalized and hashed as ingest hashes them (a value
that is already a SHA-256 hex digest is used as it is). An audit record keeps the time, the kinds
of identifier and the count, never the identifier itself. An event already on its way to
Pinterest when the erasure runs may still arrive there.

Identifiers (at least one; each repeatable):
  --email EMAIL
  --phone PHONE        with its country code (or --default-country)
  --external-id ID

Options:
  --ad-account ID      only this ad account (default: every ad account)
  --default-country CC country assumed for phone numbers without one (e.g. US)
  --database-url URL   database to change (default: the config file's, DATABASE_URL, or ./data/)
  --config FILE        config file to take databaseUrl from
  --json               print {"erased": N}
  -h, --help           show this help
`;

/** Erases one person's events; resolves to the exit code. */
export async function runErase(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      email: { type: 'string', multiple: true },
      phone: { type: 'string', multiple: true },
      'external-id': { type: 'string', multiple: true },
      'ad-account': { type: 'string' },
      'default-country': { type: 'string' },
      'database-url': { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

  if (values.help) {
    io.out.write(ERASE_HELP);
    return EXIT.ok;
  }

  if (!values.email && !values.phone && !values['external-id']) {
    throw new UsageError('erase needs --email, --phone or --external-id');
  }

  const country = values['default-country'];
  const hashes = erasureHashes(
    { email: values.email, phone: values.phone, external_id: values['external-id'] },
    country === undefined ? {} : { defaultCountry: country },
  );
  const url = await resolveDatabaseUrl(io, {
    databaseUrl: values['database-url'],
    config: values.config,
  });
  const { store } = await openStore(url);

  try {
    const { deleted } = await store.erase({
      ...hashes,
      adAccountId: values['ad-account'],
      requester: 'cli',
      at: Date.now(),
    });
    io.out.write(
      values.json
        ? `${JSON.stringify({ erased: deleted })}\n`
        : `erased ${deleted} stored event${deleted === 1 ? '' : 's'}\n`,
    );
  } finally {
    await store.close();
  }

  return EXIT.ok;
}
