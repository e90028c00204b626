/**
 * @module delivery/answer-kinds
 * Pinterest's answers that deserve a second look, sorted into a few stable kinds so they can be
 * counted: per-event `warning_message`s (non-fatal, but often the first sign of a change in v5,
 * which Pinterest changes without a version header: facts §7), and answers the relay did not expect.
 * Only the kind is kept, never the text, which may quote a value that was sent.
 */
import type { EventOutcome } from '@pinterest-capi/sdk';

/**
 * What a warning is about, by the first field it names: `event_name`, `action_source`,
 * `event_id`, `event_time`, `partner_name`, `language`, `currency`, `value` (a decimal string
 * field), `opt_out_type`, `user_data`, `custom_data`, or `other`.
 */
export type WarningKind = (typeof WARNING_KINDS)[number];

export const WARNING_KINDS = [
  'event_name',
  'action_source',
  'event_id',
  'event_time',
  'partner_name',
  'language',
  'currency',
  'value',
  'opt_out_type',
  'user_data',
  'custom_data',
  'other',
] as const;

/** Field names that put a warning into a kind other than their own. */
const KIND_OF_FIELD: Readonly<Record<string, WarningKind>> = {
  predicted_ltv: 'value',
  item_price: 'value',
};

/**
 * Answers the relay did not expect: an HTTP status outside Pinterest's documented ones
 * (`unknown_status`), a 200 or 422 body without a readable `events[]` (`body_shape`), an `events[]`
 * whose length differs from the batch (`events_length_mismatch`), a per-event `status` other than
 * `processed` or `failed` (`unknown_event_status`).
 */
export type UnexpectedAnswerKind =
  'unknown_status' | 'body_shape' | 'events_length_mismatch' | 'unknown_event_status';

/** Statuses the spec documents for the events endpoint; any other 5xx is a documented `default`. */
const DOCUMENTED_STATUSES = new Set([200, 400, 401, 403, 422, 429]);

/**
 * The kinds of one `warning_message`. Several warnings may be joined with `;`; a part that names
 * no field continues the one before it (`…; accepted on the assumption that…`) and adds no kind.
 *
 * @example
 * classifyWarning("custom_data.currency 'usd' should be uppercase ISO 4217"); // ['currency']
 */
export function classifyWarning(message: string): WarningKind[] {
  const kinds = message
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(warningKindOf);
  const [first = 'other', ...rest] = kinds;
  return [first, ...rest.filter((kind) => kind !== 'other')];
}

function warningKindOf(warning: string): WarningKind {
  for (const match of warning.matchAll(/[a-z][a-z_]*[a-z]/g)) {
    const word = match[0];
    const kind =
      KIND_OF_FIELD[word] ?? (WARNING_KINDS as readonly string[]).find((k) => k === word);
    if (kind !== undefined && kind !== 'custom_data' && kind !== 'user_data') {
      return kind as WarningKind;
    }
  }

  if (/\buser_data\b/.test(warning)) return 'user_data';
  if (/\bcustom_data\b/.test(warning)) return 'custom_data';
  return 'other';
}

/** Counts of one call's warnings and unexpected answers, by kind. */
export interface AnswerKinds {
  warnings: Partial<Record<WarningKind, number>>;
  unexpected: Partial<Record<UnexpectedAnswerKind, number>>;
}

/**
 * Sorts one call's answer: its HTTP status and the outcomes the SDK read from it. The SDK reports
 * an unreadable or mismatched `events[]` as failed events with a message that says so; those
 * messages are recognised here (one count per call, not per event).
 */
export function classifyAnswer(
  status: number | undefined,
  outcomes: readonly EventOutcome[],
): AnswerKinds {
  const kinds: AnswerKinds = { warnings: {}, unexpected: {} };
  const unexpected = new Set<UnexpectedAnswerKind>();
  if (
    status !== undefined &&
    !DOCUMENTED_STATUSES.has(status) &&
    !(status >= 500 && status < 600)
  ) {
    unexpected.add('unknown_status');
  }

  for (const outcome of outcomes) {
    if (outcome.status !== 'processed' && outcome.status !== 'failed') continue;
    for (const kind of outcome.warning === undefined ? [] : classifyWarning(outcome.warning)) {
      kinds.warnings[kind] = (kinds.warnings[kind] ?? 0) + 1;
    }

    if (outcome.status === 'failed') {
      const kind = unexpectedKindOf(outcome.error);
      if (kind !== undefined) unexpected.add(kind);
    }
  }

  for (const kind of unexpected) kinds.unexpected[kind] = 1;
  return kinds;
}

/** The SDK's wording (client/outcomes.ts) for answers it could not map onto the batch. */
function unexpectedKindOf(error: string): UnexpectedAnswerKind | undefined {
  if (error.startsWith('Pinterest answered an unknown event status')) return 'unknown_event_status';
  if (/^Pinterest answered \d+ with no per-event results/.test(error)) return 'body_shape';
  if (/^Pinterest answered \d+ with \d+ results for \d+ events/.test(error)) {
    return 'events_length_mismatch';
  }

  return undefined;
}
