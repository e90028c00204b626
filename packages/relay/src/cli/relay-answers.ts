/**
 * @module cli/relay-answers
 * Reads a running relay's counts of Pinterest's warnings and unexpected answers from its
 * `/metrics`, for `pinterest-capi status --relay-url`. The counts live in the relay process (they
 * are about its calls), so the database that `status` reads does not have them.
 */

/** A relay's counts by kind, or why they could not be read. */
export type RelayAnswers =
  | { relay: string; warnings: Record<string, number>; unexpected: Record<string, number> }
  | { relay: string; error: string };

const WARNINGS = 'pinterest_capi_upstream_warnings_total';
const UNEXPECTED = 'pinterest_capi_upstream_unexpected_answers_total';

/** Fetches `<relayUrl>/metrics` (2 s at most) and picks out the two counters. */
export async function readRelayAnswers(relayUrl: string): Promise<RelayAnswers> {
  const relay = relayUrl.replace(/\/+$/, '');
  let text: string;
  try {
    const response = await fetch(`${relay}/metrics`, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return { relay, error: `GET /metrics answered ${response.status}` };
    text = await response.text();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { relay, error: `not reachable (${cause ?? (error as Error).message})` };
  }

  return { relay, warnings: countsOf(text, WARNINGS), unexpected: countsOf(text, UNEXPECTED) };
}

/** `name{kind="currency"} 3` lines of Prometheus text, as `{ currency: 3 }`. */
function countsOf(text: string, name: string): Record<string, number> {
  const counts: Record<string, number> = {};
  const line = new RegExp(`^${name}\\{kind="([a-z_]+)"\\} (\\d+(?:\\.\\d+)?)$`, 'gm');
  for (const [, kind, value] of text.matchAll(line)) {
    if (kind !== undefined && Number(value) > 0) counts[kind] = Number(value);
  }

  return counts;
}

/** The lines `status` prints for a relay's counts. */
export function formatAnswers(answers: RelayAnswers): string {
  if ('error' in answers) return `pinterest answers (${answers.relay}): ${answers.error}\n`;
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ') || 'none';
  return (
    `pinterest answers (${answers.relay}, since it started):\n` +
    `  warnings:   ${list(answers.warnings)}\n` +
    `  unexpected: ${list(answers.unexpected)}\n`
  );
}
