/**
 * @module dashboard/page/answers
 * The "Pinterest's answers" panel: warnings Pinterest attached to processed events and answers the
 * relay did not expect, by kind, since this relay started. A count that grows after a quiet spell
 * is how a silent change to Pinterest's v5 API becomes visible.
 */
import { fill, h } from './dom.js';
import { count } from './format.js';

/** What each unexpected kind means, for people. */
const UNEXPECTED_LABELS = {
  unknown_status: 'HTTP status Pinterest does not document',
  body_shape: 'answer without a readable events[]',
  events_length_mismatch: 'events[] not one per event sent',
  unknown_event_status: 'event status other than processed / failed',
};

/**
 * @param {HTMLElement} panel
 * @param {{ warnings: Record<string, number>, unexpected: Record<string, number>, since: number } | undefined} answers
 */
export function renderAnswers(panel, answers) {
  if (!answers) {
    fill(panel, h('p', { class: 'muted', text: 'This relay does not count answers.' }));
    return;
  }

  const since = new Date(answers.since).toLocaleString();
  fill(
    panel,
    h('p', { class: 'muted', text: `Counted by this relay since ${since}.` }),
    h('div', { class: 'quality' }, [
      kindList('Warnings, by field', 'warnings', answers.warnings, (kind) => kind),
      kindList(
        'Unexpected answers',
        'unexpected',
        answers.unexpected,
        (kind) => UNEXPECTED_LABELS[/** @type {keyof typeof UNEXPECTED_LABELS} */ (kind)] ?? kind,
      ),
    ]),
  );
}

/**
 * @param {string} title
 * @param {string} name
 * @param {Record<string, number>} counts
 * @param {(kind: string) => string} label
 */
function kindList(title, name, counts, label) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return h(
    'div',
    { 'data-answers': name },
    h('h3', { text: title }),
    entries.length === 0
      ? h('p', { class: 'muted', text: 'none' })
      : h(
          'ul',
          { class: 'coverage' },
          entries.map(([kind, n]) =>
            h(
              'li',
              { 'data-kind': kind },
              h('span', { class: 'coverage-label', text: label(kind) }),
              h('span', { class: 'coverage-value', text: count(n) }),
            ),
          ),
        ),
  );
}
