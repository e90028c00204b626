/**
 * @module dashboard/page/main
 * The dashboard page: asks for a relay API key (prefilled in sandbox mode), then refreshes the
 * figures every few seconds. Everything it shows is aggregated by the relay; the page only draws.
 */
/* global document, location, window -- the page runs in a browser */
import { ApiError, RelayApi, saveKey, savedKey } from './api.js';
import { renderAnswers } from './answers.js';
import { Charts } from './charts.js';
import { byId, fill, h } from './dom.js';
import { clock } from './format.js';
import {
  renderCoverage,
  renderDeadLetters,
  renderEqs,
  renderFunnel,
  renderLookup,
} from './sections.js';
import './style.css';

const REFRESH_MS = 5000;
const EQS_REFRESH_MS = 60_000;
const WINDOWS = ['15m', '1h', '6h', '24h', '7d'];
/** The dead-letter filters by consent and LDP rule: the API query, and its label. */
const PRIVACY_FILTERS = [
  ['', 'any consent or LDP rule'],
  ['consent_action=drop', 'suppressed by consent'],
  ['consent_action=opt_out', 'sent opted out'],
  ['ldp=tenant_state', 'LDP: tenant state'],
  ['ldp=tenant_all_us', 'LDP: all of the US'],
  ['ldp=event', 'LDP: asked by the event'],
];

const body = document.body;
const mode = body.dataset['mode'] === 'sandbox' ? 'sandbox' : 'live';
const sandboxKey = body.dataset['sandboxKey'] ?? '';

start();

function start() {
  const key = savedKey() ?? (mode === 'sandbox' ? sandboxKey : null);
  if (key) void signIn(key, { quiet: true });
  else showLogin();
}

/**
 * @param {string} [message]
 */
function showLogin(message) {
  const input = h('input', {
    id: 'key',
    type: 'password',
    name: 'key',
    autocomplete: 'off',
    required: true,
    placeholder: 'relay API key',
    value: mode === 'sandbox' ? sandboxKey : undefined,
  });
  const form = h(
    'form',
    {
      class: 'login',
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        void signIn(input.value.trim(), { quiet: false });
      },
    },
    h('h1', { text: 'pinterest-capi relay' }),
    h('p', {
      text: 'Enter one of the relay API keys (RELAY_API_KEYS). The dashboard shows the ad account of that key.',
    }),
    input,
    h('button', { type: 'submit', text: 'Open the dashboard' }),
    message && h('p', { class: 'error', role: 'alert', text: message }),
  );
  fill(byId('app'), form);
  input.focus();
}

/**
 * @param {string} key
 * @param {{ quiet: boolean }} options
 */
async function signIn(key, options) {
  const api = new RelayApi(key);
  try {
    const session = await api.get('session');
    saveKey(key);
    new Dashboard(api, session).start();
  } catch (error) {
    saveKey(null);
    if (options.quiet && error instanceof ApiError && error.status === 401) showLogin();
    else showLogin(error instanceof ApiError ? error.message : 'The relay did not answer.');
  }
}

class Dashboard {
  /**
   * @param {RelayApi} api
   * @param {{ adAccountId: string, name: string, mode: string }} session
   */
  constructor(api, session) {
    this.api = api;
    this.session = session;
    this.window = '1h';
    /** @type {Set<string>} */
    this.selected = new Set();
    /** @type {string[]} */
    this.shownDead = [];
    this.reasonFilter = '';
    /** A `name=value` query of {@link PRIVACY_FILTERS}, or empty for any. */
    this.privacyFilter = '';
    this.busy = false;
    this.again = false;
    this.lastEqs = 0;
    /** @type {string | undefined} */
    this.lookupText = undefined;
  }

  start() {
    this.#layout();
    this.charts = new Charts(byId('charts'));
    void this.refresh();
    setInterval(() => void this.refresh(), REFRESH_MS);
  }

  #layout() {
    fill(
      byId('app'),
      this.#topbar(),
      h('p', { id: 'notice', role: 'status', class: 'notice', hidden: true }),
      h(
        'main',
        {},
        section(
          'funnel-section',
          'Funnel',
          h('span', { id: 'updated', class: 'updated muted' }),
          h('div', { id: 'funnel' }),
        ),
        section('charts-section', 'Over time', h('div', { id: 'charts', class: 'charts' })),
        section(
          'quality-section',
          'Match quality',
          h('div', { class: 'quality' }, h('div', { id: 'coverage' }), h('div', { id: 'eqs' })),
        ),
        section('answers-section', "Pinterest's answers", h('div', { id: 'answers' })),
        section('dead-section', 'Dead letters', this.#deadControls(), h('div', { id: 'dead' })),
        section(
          'lookup-section',
          'Find an order or event',
          this.#lookupForm(),
          h('div', { id: 'lookup' }),
        ),
      ),
    );
  }

  #topbar() {
    const { adAccountId, name } = this.session;
    const windows = WINDOWS.map((w) =>
      h('button', {
        type: 'button',
        'data-window': w,
        'aria-pressed': String(w === this.window),
        text: w,
        onclick: () => this.#setWindow(w),
      }),
    );
    return h(
      'header',
      { class: 'topbar' },
      h('h1', { text: 'pinterest-capi relay' }),
      h('span', { class: 'account', title: 'ad account', text: `${name} · ${adAccountId}` }),
      h('span', { class: `badge badge-${mode}`, text: mode === 'sandbox' ? 'sandbox' : 'live' }),
      h('span', { class: 'spacer' }),
      h('nav', { class: 'windows', 'aria-label': 'Window' }, windows),
      mode === 'sandbox' &&
        h('button', {
          id: 'sample',
          type: 'button',
          class: 'primary',
          text: 'Send sample checkout',
          onclick: () => void this.#sendSample(),
        }),
      h('button', {
        type: 'button',
        text: 'Sign out',
        onclick: () => {
          saveKey(null);
          location.reload();
        },
      }),
    );
  }

  #deadControls() {
    const filter = h('input', {
      id: 'dead-filter',
      type: 'search',
      placeholder: "filter by Pinterest's reason",
      'aria-label': 'Filter dead letters by reason',
    });
    let timer = 0;
    filter.addEventListener('input', () => {
      clearTimeout(timer);
      timer = window.setTimeout(() => {
        this.reasonFilter = filter.value.trim();
        void this.#refreshDead();
      }, 250);
    });
    const privacy = h(
      'select',
      { id: 'dead-privacy', 'aria-label': 'Filter dead letters by consent or LDP rule' },
      PRIVACY_FILTERS.map(([value, label]) => h('option', { value, text: label })),
    );
    privacy.addEventListener('change', () => {
      this.privacyFilter = privacy.value;
      void this.#refreshDead();
    });
    return h(
      'div',
      { class: 'dead-controls' },
      filter,
      privacy,
      h('span', { id: 'reasons', class: 'reasons' }),
      h('button', {
        id: 'replay',
        type: 'button',
        class: 'primary',
        disabled: true,
        text: 'Replay selected',
        onclick: () => void this.#replay(),
      }),
    );
  }

  #lookupForm() {
    const input = h('input', {
      id: 'lookup-text',
      type: 'search',
      placeholder: 'order id or event_id',
      'aria-label': 'Order id or event_id',
      required: true,
    });
    return h(
      'form',
      {
        class: 'lookup-form',
        onsubmit: (/** @type {Event} */ e) => {
          e.preventDefault();
          void this.#lookup(input.value.trim());
        },
      },
      input,
      h('button', { type: 'submit', text: 'Find' }),
    );
  }

  /** @param {string} name */
  #setWindow(name) {
    this.window = name;
    for (const button of document.querySelectorAll('[data-window]')) {
      button.setAttribute('aria-pressed', String(button.getAttribute('data-window') === name));
    }

    void this.refresh();
  }

  async refresh() {
    // One refresh at a time; one asked for meanwhile (a replay, a new window) runs right after.
    if (this.busy) {
      this.again = true;
      return;
    }

    this.busy = true;
    this.again = false;
    try {
      const summary = await this.api.get('summary', { window: this.window });
      renderFunnel(byId('funnel'), summary);
      renderCoverage(byId('coverage'), summary.coverage);
      renderAnswers(byId('answers'), summary.answers);
      this.charts?.update(summary);
      await this.#refreshDead();
      await this.#showLookup();
      if (Date.now() - this.lastEqs > EQS_REFRESH_MS) {
        this.lastEqs = Date.now();
        renderEqs(byId('eqs'), await this.api.get('eqs'));
      }

      byId('updated').textContent = `updated ${clock(Date.now())}`;
    } catch (error) {
      this.#failed(error);
    } finally {
      this.busy = false;
      if (this.again) void this.refresh();
    }
  }

  async #refreshDead() {
    const page = await this.api.get('dead-letters', {
      reason: this.reasonFilter,
      limit: 100,
      ...Object.fromEntries(new URLSearchParams(this.privacyFilter)),
    });
    this.shownDead = page.rows.map((/** @type {{eventId: string}} */ row) => row.eventId);
    // A replayed or filtered-out letter can no longer be selected.
    for (const id of this.selected) if (!this.shownDead.includes(id)) this.selected.delete(id);
    const rerender = () => renderDeadLetters(byId('dead'), page, selection);
    const selection = {
      selected: this.selected,
      onToggle: (/** @type {string} */ id, /** @type {boolean} */ on) => {
        if (on) this.selected.add(id);
        else this.selected.delete(id);
        this.#updateReplayButton();
        rerender();
      },
      onToggleAll: (/** @type {boolean} */ on) => {
        for (const id of this.shownDead) {
          if (on) this.selected.add(id);
          else this.selected.delete(id);
        }

        this.#updateReplayButton();
        rerender();
      },
    };
    rerender();
    this.#renderReasons(page.reasons);
    this.#updateReplayButton();
  }

  /** @param {{ reason: string, count: number }[]} reasons */
  #renderReasons(reasons) {
    fill(
      byId('reasons'),
      reasons.slice(0, 4).map(({ reason, count }) =>
        h('button', {
          type: 'button',
          class: 'chip',
          title: reason,
          text: `${reason.slice(0, 40)}${reason.length > 40 ? '…' : ''} (${count})`,
          onclick: () => {
            const input = /** @type {HTMLInputElement} */ (byId('dead-filter'));
            input.value = reason;
            this.reasonFilter = reason;
            void this.#refreshDead();
          },
        }),
      ),
    );
  }

  #updateReplayButton() {
    const button = /** @type {HTMLButtonElement} */ (byId('replay'));
    button.disabled = this.selected.size === 0;
    button.textContent =
      this.selected.size === 0 ? 'Replay selected' : `Replay ${this.selected.size} selected`;
  }

  async #replay() {
    const eventIds = [...this.selected];
    try {
      const { replayed } = await this.api.post('/dashboard/api/replay', { eventIds });
      this.selected.clear();
      this.#notify(`Replayed ${replayed} dead letter(s): they are queued for delivery again.`);
      await this.refresh();
    } catch (error) {
      this.#failed(error);
    }
  }

  /** @param {string} text */
  async #lookup(text) {
    if (!text) return;
    this.lookupText = text;
    try {
      await this.#showLookup();
    } catch (error) {
      this.#failed(error);
    }
  }

  /** Shows the looked-up event's path; refreshes call it again, so it follows the event along. */
  async #showLookup() {
    if (!this.lookupText) return;
    const text = this.lookupText;
    const { matches } = await this.api.get('lookup', { q: text });
    renderLookup(byId('lookup'), matches, text);
  }

  async #sendSample() {
    const orderId = `sample-${Date.now().toString(36)}`;
    try {
      await this.api.post('/v1/checkout', sampleCheckout(orderId));
      this.#notify(`Sample checkout ${orderId} stored. Watch it go through; its path is below.`);
      /** @type {HTMLInputElement} */ (byId('lookup-text')).value = orderId;
      await this.refresh();
      await this.#lookup(orderId);
    } catch (error) {
      this.#failed(error);
    }
  }

  /** @param {string} text */
  #notify(text) {
    const notice = byId('notice');
    notice.textContent = text;
    notice.hidden = false;
    notice.classList.remove('error');
  }

  /** @param {unknown} error */
  #failed(error) {
    if (error instanceof ApiError && error.status === 401) {
      saveKey(null);
      location.reload();
      return;
    }

    const notice = byId('notice');
    notice.textContent =
      error instanceof ApiError
        ? `${error.code}: ${error.message}`
        : 'The relay did not answer; retrying.';
    notice.hidden = false;
    notice.classList.add('error');
  }
}

/**
 * @param {string} id
 * @param {string} title
 * @param {...Node} content
 */
function section(id, title, ...content) {
  return h(
    'section',
    { id, 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title`, text: title }),
    ...content,
  );
}

/**
 * A checkout as a store backend would post it, with test-range addresses.
 *
 * @param {string} orderId
 */
function sampleCheckout(orderId) {
  return {
    order_id: orderId,
    value: '42.50',
    currency: 'USD',
    items: [{ id: 'sku-sample', price: '42.50', quantity: 1, name: 'Sample item' }],
    email: 'newcomer@example.com',
    phone: '+1 415 555 0100',
    ip: '203.0.113.10',
    user_agent: navigator.userAgent,
    event_time: Math.floor(Date.now() / 1000),
    source_url: location.origin + '/checkout',
  };
}
