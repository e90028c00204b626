/**
 * @module dashboard/page/sections
 * The page's panels as functions from the relay's answers to DOM: the funnel, match quality,
 * dead letters and an event's path. Each one rebuilds its panel; none keeps state of its own.
 */
import { fill, h } from './dom.js';
import { count, delay, percent, time } from './format.js';

/**
 * @typedef {object} FunnelRow
 * @property {string} adAccountId
 * @property {number} received
 * @property {number} queued
 * @property {number} delivered
 * @property {number} retrying
 * @property {number} dead
 */

/**
 * @param {HTMLElement} panel
 * @param {{ funnel: FunnelRow[], delays: { delivered: number, p50: number | null, p95: number | null, max: number | null, late: number } }} summary
 */
export function renderFunnel(panel, summary) {
  const total = summary.funnel.reduce(
    (sum, row) => ({
      received: sum.received + row.received,
      queued: sum.queued + row.queued,
      delivered: sum.delivered + row.delivered,
      retrying: sum.retrying + row.retrying,
      dead: sum.dead + row.dead,
    }),
    { received: 0, queued: 0, delivered: 0, retrying: 0, dead: 0 },
  );
  const { delays } = summary;
  fill(
    panel,
    h(
      'div',
      { class: 'funnel' },
      card('received', 'Received', total.received, 'stored by the relay'),
      h('span', { class: 'arrow', 'aria-hidden': 'true', text: '→' }),
      card('queued', 'Queued', total.queued, 'waiting for their call'),
      h('span', { class: 'arrow', 'aria-hidden': 'true', text: '→' }),
      h(
        'div',
        { class: 'outcomes' },
        card('delivered', 'Delivered', total.delivered, `median delay ${delay(delays.p50)}`),
        card('retrying', 'Retrying', total.retrying, 'due again later'),
        card('dead', 'Dead', total.dead, 'see dead letters below'),
      ),
    ),
    h(
      'p',
      { class: 'delays' },
      'Delay from event_time to delivery: median ',
      h('strong', { 'data-figure': 'delay-p50', text: delay(delays.p50) }),
      ', p95 ',
      h('strong', { 'data-figure': 'delay-p95', text: delay(delays.p95) }),
      ', longest ',
      h('strong', { 'data-figure': 'delay-max', text: delay(delays.max) }),
      '. ',
      delays.late === 0
        ? 'None over an hour.'
        : h('span', {
            class: 'warn',
            text: `${count(delays.late)} over an hour (offline, no Tag dedup).`,
          }),
    ),
    accountTable(summary.funnel),
  );
}

/**
 * @param {string} name
 * @param {string} label
 * @param {number} value
 * @param {string} note
 */
function card(name, label, value, note) {
  return h(
    'div',
    { class: `card card-${name}` },
    h('span', { class: 'card-label', text: label }),
    h('span', { class: 'card-value', 'data-figure': name, text: count(value) }),
    h('span', { class: 'card-note', text: note }),
  );
}

/** @param {FunnelRow[]} rows */
function accountTable(rows) {
  const columns = /** @type {const} */ (['received', 'queued', 'delivered', 'retrying', 'dead']);
  return h(
    'table',
    { class: 'accounts' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { text: 'Ad account' }),
        columns.map((c) => h('th', { class: 'num', text: c })),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          { 'data-account': row.adAccountId },
          h('td', { text: row.adAccountId }),
          columns.map((c) => h('td', { class: 'num', text: count(row[c]) })),
        ),
      ),
    ),
  );
}

const IDENTIFIERS = /** @type {const} */ ([
  ['email', 'Email'],
  ['phone', 'Phone'],
  ['ipAndUserAgent', 'IP address + user agent'],
  ['clickId', 'Click id (_epik)'],
  ['externalId', 'External id'],
]);

/**
 * @param {HTMLElement} panel
 * @param {{ events: number, email: number, phone: number, ipAndUserAgent: number, clickId: number, externalId: number }} coverage
 */
export function renderCoverage(panel, coverage) {
  const { events } = coverage;
  fill(
    panel,
    h('p', {
      class: 'muted',
      text: `Share of the ${count(events)} event(s) received in this window that carry each identifier.`,
    }),
    h(
      'ul',
      { class: 'coverage' },
      IDENTIFIERS.map(([key, label]) => {
        const share = events === 0 ? 0 : coverage[key] / events;
        return h(
          'li',
          { 'data-coverage': key },
          h('span', { class: 'coverage-label', text: label }),
          h('span', { class: 'bar' }, barFill(share)),
          h('span', {
            class: 'coverage-value',
            text: `${percent(coverage[key], events)} (${count(coverage[key])})`,
          }),
        );
      }),
    ),
  );
}

/** @param {number} share 0..1 */
function barFill(share) {
  const span = h('span', { class: 'bar-fill' });
  // Set through the CSSOM, which the page's Content-Security-Policy allows (a style attribute it would not).
  span.style.width = `${Math.round(share * 1000) / 10}%`;
  return span;
}

/**
 * @param {HTMLElement} panel
 * @param {any} answer the relay's `/dashboard/api/eqs` answer
 */
export function renderEqs(panel, answer) {
  if (!answer.configured) {
    fill(
      panel,
      h(
        'p',
        {},
        "Pinterest's Event Quality Score: ",
        h('strong', { 'data-figure': 'eqs', text: 'not configured' }),
      ),
      h(
        'p',
        {},
        'Tag-paired event_ids: ',
        h('strong', { 'data-figure': 'tag-overlap', text: 'not configured' }),
      ),
      h('p', { class: 'muted', text: `To see them, ${answer.hint}.` }),
    );
    return;
  }

  if (answer.error) {
    fill(
      panel,
      h('p', {
        class: 'warn',
        'data-figure': 'eqs',
        text: `Event Quality Score unavailable: ${answer.error}`,
      }),
    );
    return;
  }

  const s = answer.summary;
  const overlap = s.tagOverlap === null ? 'no Tag events reported' : `${s.tagOverlap}%`;
  fill(
    panel,
    h(
      'p',
      {},
      "Pinterest's Event Quality Score (last day",
      s.eventType ? `, ${s.eventType}` : '',
      '): ',
      h('strong', {
        'data-figure': 'eqs',
        class: `eqs eqs-${String(s.overallStatus ?? 'none').toLowerCase()}`,
        text: s.overallStatus ?? 'no events yet',
      }),
    ),
    h(
      'p',
      {},
      'Tag-paired event_ids (external_event_id overlap): ',
      h('strong', { 'data-figure': 'tag-overlap', text: overlap }),
    ),
    s.issues.length > 0 &&
      h(
        'ul',
        { class: 'issues' },
        s.issues.map((/** @type {{name: string, reason: string}} */ i) =>
          h('li', { text: `${i.name}: ${i.reason}` }),
        ),
      ),
  );
}

/**
 * @typedef {object} DeadLetter
 * @property {string} eventId
 * @property {string | null} orderId
 * @property {string} eventName
 * @property {number} receivedAt
 * @property {number} attempts
 * @property {string} reason
 * @property {number | null} status
 * @property {{ consent: string, consentAction: string, ldpRule?: string }} [privacy]
 */

/**
 * @param {HTMLElement} panel
 * @param {{ total: number, rows: DeadLetter[] }} page
 * @param {{ selected: Set<string>, onToggle: (eventId: string, on: boolean) => void, onToggleAll: (on: boolean) => void }} selection
 */
export function renderDeadLetters(panel, page, selection) {
  if (page.total === 0) {
    fill(panel, h('p', { class: 'muted', 'data-figure': 'dead-total', text: 'No dead letters.' }));
    return;
  }

  const allSelected =
    page.rows.length > 0 && page.rows.every((row) => selection.selected.has(row.eventId));
  const shown = page.rows.length < page.total ? `, newest ${page.rows.length} shown` : '';
  fill(
    panel,
    h('p', {
      class: 'muted',
      'data-figure': 'dead-total',
      text: `${count(page.total)} dead letter(s)${shown}.`,
    }),
    h(
      'table',
      { class: 'dead' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h(
            'th',
            {},
            h('input', {
              type: 'checkbox',
              'aria-label': 'Select all',
              checked: allSelected,
              onchange: (/** @type {Event} */ e) =>
                selection.onToggleAll(/** @type {HTMLInputElement} */ (e.target).checked),
            }),
          ),
          [
            'Event id',
            'Order',
            'Received',
            'Calls',
            'Status',
            "Pinterest's reason",
            'Consent / LDP',
          ].map((t) => h('th', { text: t })),
        ),
      ),
      h(
        'tbody',
        {},
        page.rows.map((row) =>
          h(
            'tr',
            { 'data-event-id': row.eventId },
            h(
              'td',
              {},
              h('input', {
                type: 'checkbox',
                'aria-label': `Select ${row.eventId}`,
                checked: selection.selected.has(row.eventId),
                onchange: (/** @type {Event} */ e) =>
                  selection.onToggle(
                    row.eventId,
                    /** @type {HTMLInputElement} */ (e.target).checked,
                  ),
              }),
            ),
            h('td', { class: 'mono', text: row.eventId }),
            h('td', { class: 'mono', text: row.orderId ?? '–' }),
            h('td', { text: time(row.receivedAt) }),
            h('td', { class: 'num', text: row.attempts }),
            h('td', { class: 'num', text: row.status ?? '–' }),
            h('td', { class: 'reason', text: row.reason }),
            h('td', { class: 'privacy', text: privacyText(row.privacy) }),
          ),
        ),
      ),
    ),
  );
}

/**
 * @param {HTMLElement} panel
 * @param {any[]} matches the relay's event paths
 * @param {string} text what was looked up
 */
export function renderLookup(panel, matches, text) {
  if (matches.length === 0) {
    fill(
      panel,
      h('p', { class: 'muted', text: `No event or order “${text}” for this ad account.` }),
    );
    return;
  }

  fill(panel, matches.map(renderPath));
}

/** @param {any} path */
function renderPath(path) {
  const ids = IDENTIFIERS.filter(([key]) => path.identifiers[key])
    .map(([, label]) => label)
    .join(', ');
  return h(
    'article',
    { class: 'path', 'data-event-id': path.eventId },
    h(
      'header',
      {},
      h('span', { class: `state state-${path.state}`, text: path.state }),
      h('span', { class: 'mono', text: path.eventId }),
      path.orderId && h('span', { class: 'muted', text: `order ${path.orderId}` }),
      path.value && h('span', { class: 'muted', text: `${path.value} ${path.currency ?? ''}` }),
      path.delaySeconds !== null &&
        h('span', { 'data-figure': 'path-delay', text: `delay ${delay(path.delaySeconds)}` }),
    ),
    h(
      'ol',
      { class: 'steps' },
      path.steps.map((/** @type {{kind: string, at: number | null, text: string}} */ step) =>
        h(
          'li',
          { class: `step step-${step.kind}` },
          h('time', { text: step.at === null ? '' : time(step.at) }),
          h('span', { text: step.text }),
        ),
      ),
    ),
    h('p', { class: 'muted', text: `Identifiers sent: ${ids || 'none recorded'}.` }),
    path.privacy &&
      h('p', {
        class: 'muted privacy',
        text: `Consent ${path.privacy.consent}, policy ${path.privacy.action}; LDP ${
          path.privacy.ldp ?? 'not applied'
        }.`,
      }),
  );
}

/**
 * The consent and LDP rules of a dead letter, short: `denied → drop · LDP tenant_state`.
 *
 * @param {{ consent: string, consentAction: string, ldpRule?: string } | undefined} privacy
 */
function privacyText(privacy) {
  if (!privacy) return '–';
  const ldp = privacy.ldpRule ? ` · LDP ${privacy.ldpRule}` : '';
  return `${privacy.consent} → ${privacy.consentAction}${ldp}`;
}
