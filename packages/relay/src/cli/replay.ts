/**
 * @module cli/replay
 * `pinterest-capi replay`: moves dead-lettered events back to the queue, by filter. A running relay
 * picks them up on its next poll; they keep their `event_id`, so Pinterest can deduplicate.
 */
import { parseArgs } from 'node:util';

import { openStore } from '../relay.js';
import type { ReplayFilter } from '../queue/store.js';
import { resolveDatabaseUrl } from './database.js';
import type { CommandIo } from './io.js';
import { EXIT, UsageError } from './usage-error.js';

export const REPLAY_HELP = `Usage: pinterest-capi replay [filters] [options]

Re-queues dead events (rejected by Pinterest, or out of retries) that match every filter given.
Fix the cause first (a token, a mapping): events Pinterest rejected will be rejected again.
Replayed events carry their hashed identifiers; the raw IP address and user agent were purged
when they died, so an event that had only those two cannot be matched again.

Filters (at least one, or --all):
  --ad-account ID      only this ad account
  --event-id ID        only this event (repeatable)
  --error TEXT         only events whose last error contains TEXT
  --since TIME         only events received at or after TIME (ISO 8601, or 30m, 6h, 2d ago)
  --all                every dead event

Options:
  --database-url URL   database to change (default: the config file's, DATABASE_URL, or ./data/)
  --config FILE        config file to take databaseUrl from
  --json               print {"replayed": N}
  -h, --help           show this help
`;

/** Re-queues matching dead events; resolves to the exit code. */
export async function runReplay(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'ad-account': { type: 'string' },
      'event-id': { type: 'string', multiple: true },
      error: { type: 'string' },
      since: { type: 'string' },
      all: { type: 'boolean', default: false },
      'database-url': { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

  if (values.help) {
    io.out.write(REPLAY_HELP);
    return EXIT.ok;
  }

  const filter: ReplayFilter = {};
  if (values['ad-account'] !== undefined) filter.adAccountId = values['ad-account'];
  if (values['event-id'] !== undefined) filter.eventIds = values['event-id'];
  if (values.error !== undefined) filter.errorContains = values.error;
  if (values.since !== undefined) filter.since = parseSince(values.since, Date.now());

  if (Object.keys(filter).length === 0 && !values.all) {
    throw new UsageError(
      'replay needs a filter (--ad-account, --event-id, --error, --since) or --all',
    );
  }

  const url = await resolveDatabaseUrl(io, {
    databaseUrl: values['database-url'],
    config: values.config,
  });
  const { store } = await openStore(url);

  try {
    const replayed = await store.replay(filter, Date.now());
    io.out.write(
      values.json
        ? `${JSON.stringify({ replayed })}\n`
        : `re-queued ${replayed} dead event${replayed === 1 ? '' : 's'}\n`,
    );
  } finally {
    await store.close();
  }

  return EXIT.ok;
}

const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `2d` → two days before `now`; an ISO 8601 time as it is. */
export function parseSince(value: string, now: number): number {
  const relative = /^(\d+)([mhd])$/.exec(value);
  if (relative) return now - Number(relative[1]) * (DURATION_UNITS[relative[2] ?? 'm'] ?? 0);
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new UsageError('--since must be an ISO 8601 time or a duration like 30m, 6h, 2d');
  return time;
}
