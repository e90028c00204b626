/**
 * @module dashboard/page/charts
 * The five charts, drawn with uPlot (bundled into the page, ~50 kB). Each chart is built once and
 * handed new data on every refresh; the relay sends one point per bucket, already aggregated.
 */
/* global window -- the page runs in a browser */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

import { h } from './dom.js';
import { delay } from './format.js';

const COLORS = {
  received: '#4c6ef5',
  delivered: '#2f9e44',
  p50: '#1c7ed6',
  p95: '#e8590c',
  max: '#868e96',
  hour: '#e03131',
  retries: '#f08c00',
  dead: '#c92a2a',
};

/** Colours for status codes: green for answers, amber for throttling, red for failures. */
const STATUS_COLORS = /** @type {Record<string, string>} */ ({
  200: '#2f9e44',
  422: '#74b816',
  400: '#c92a2a',
  401: '#862e9c',
  403: '#862e9c',
  429: '#f08c00',
  0: '#495057',
});

/**
 * @param {string} status
 * @returns {string}
 */
function statusColor(status) {
  return STATUS_COLORS[status] ?? (status.startsWith('5') ? '#e03131' : '#5f3dc4');
}

/** Round delays (seconds) for the log axis: a tick per familiar unit, not per power of ten. */
const DELAY_TICKS = [0.001, 0.01, 0.1, 1, 10, 60, 600, 3600, 21_600, 86_400, 604_800];

/**
 * @param {uPlot} _u
 * @param {number} _axis
 * @param {number} min
 * @param {number} max
 */
function delaySplits(_u, _axis, min, max) {
  return DELAY_TICKS.filter((tick) => tick >= min && tick <= max);
}

/**
 * @typedef {object} ChartSpec
 * @property {string} title
 * @property {boolean} [log] a logarithmic y axis (delays)
 * @property {boolean} [gaps] values are missing where nothing happened, so points are drawn
 * @property {(value: number) => string} [format] how y values read
 */

/** A chart that keeps its series list and can be given new data. */
class Chart {
  /**
   * @param {HTMLElement} parent
   * @param {ChartSpec} spec
   */
  constructor(parent, spec) {
    this.spec = spec;
    this.body = h('div', { class: 'chart-body' });
    this.note = h('p', { class: 'chart-note' });
    parent.append(
      h('figure', { class: 'chart' }, h('figcaption', { text: spec.title }), this.note, this.body),
    );
    /** @type {uPlot | null} */
    this.plot = null;
    /** @type {string[]} */
    this.labels = [];
  }

  /**
   * @param {number[]} xs seconds
   * @param {{ label: string, color: string, values: (number | null)[], dash?: number[], width?: number }[]} series
   */
  update(xs, series) {
    const labels = series.map((s) => s.label);
    const data = /** @type {uPlot.AlignedData} */ ([xs, ...series.map((s) => s.values)]);
    if (this.plot && labels.join() === this.labels.join()) {
      this.plot.setData(data);
      return;
    }

    this.plot?.destroy();
    this.labels = labels;
    this.plot = new uPlot(this.#options(series), data, this.body);
  }

  resize() {
    this.plot?.setSize({ width: this.#width(), height: 180 });
  }

  #width() {
    return Math.max(280, this.body.clientWidth || 480);
  }

  /**
   * @param {{ label: string, color: string, dash?: number[], width?: number }[]} series
   * @returns {uPlot.Options}
   */
  #options(series) {
    const format =
      this.spec.format ?? ((/** @type {number} */ v) => String(Math.round(v * 10) / 10));
    return {
      width: this.#width(),
      height: 180,
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: this.spec.log ? { distr: 3 } : { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
      },
      axes: [
        {},
        {
          values: (_u, values) => values.map((v) => (v === null ? '' : format(v))),
          size: 60,
          // Every split gets a label: uPlot's default for log axes keeps powers of ten only.
          ...(this.spec.log ? { splits: delaySplits, filter: (_u, splits) => splits } : {}),
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width ?? 2,
          ...(s.dash ? { dash: s.dash } : {}),
          spanGaps: false,
          // A bucket between two empty ones has no line to be part of: only its point shows it. Dashed
          // series are reference lines, drawn without points.
          points:
            this.spec.gaps && !s.dash ? { show: true, size: 6, fill: s.color } : { show: false },
          value: (/** @type {uPlot} */ _u, /** @type {number | null} */ v) =>
            v === null ? '–' : format(v),
        })),
      ],
    };
  }
}

/**
 * @typedef {object} TimelinePoint
 * @property {number} start
 * @property {number} received
 * @property {number} delivered
 * @property {number | null} delayP50
 * @property {number | null} delayP95
 * @property {number | null} delayMax
 * @property {number} late
 */

/**
 * @typedef {object} ActivityPoint
 * @property {number} start
 * @property {number} calls
 * @property {number} events
 * @property {number} maxBatch
 * @property {Record<string, number>} statuses
 * @property {number} retries
 * @property {number} dead
 */

/** The dashboard's charts, built into one container. */
export class Charts {
  /** @param {HTMLElement} parent */
  constructor(parent) {
    this.flow = new Chart(parent, { title: 'Events in and delivered, per bucket' });
    this.delay = new Chart(parent, {
      title: 'Delay from event_time to delivery',
      log: true,
      gaps: true,
      format: delay,
    });
    this.batches = new Chart(parent, { title: 'Batch sizes (events per call)', gaps: true });
    this.statuses = new Chart(parent, {
      title: "Pinterest's answers (calls by HTTP status)",
    });
    this.retries = new Chart(parent, { title: 'Retries and dead letters' });
    window.addEventListener('resize', () => {
      for (const chart of this.#all()) chart.resize();
    });
  }

  #all() {
    return [this.flow, this.delay, this.batches, this.statuses, this.retries];
  }

  /**
   * @param {{ timeline: TimelinePoint[], activity: ActivityPoint[], bucketMs: number }} summary
   */
  update(summary) {
    const xs = summary.timeline.map((p) => p.start / 1000);
    const bucket = `${summary.bucketMs / 60_000} min`;
    this.#flow(xs, summary.timeline, bucket);
    this.#delay(xs, summary.timeline);
    this.#batches(xs, summary.activity);
    this.#statuses(xs, summary.activity);
    this.#retries(xs, summary.activity);
  }

  /**
   * @param {number[]} xs
   * @param {TimelinePoint[]} timeline
   * @param {string} bucket
   */
  #flow(xs, timeline, bucket) {
    this.flow.note.textContent = `Each point is one ${bucket} bucket.`;
    this.flow.update(xs, [
      { label: 'received', color: COLORS.received, values: timeline.map((p) => p.received) },
      { label: 'delivered', color: COLORS.delivered, values: timeline.map((p) => p.delivered) },
    ]);
  }

  /**
   * @param {number[]} xs
   * @param {TimelinePoint[]} timeline
   */
  #delay(xs, timeline) {
    const late = timeline.reduce((sum, p) => sum + p.late, 0);
    this.delay.note.textContent =
      late === 0
        ? 'Red line: one hour. Later than that, Pinterest counts an event as offline and cannot dedupe it with the Tag.'
        : `${late} event(s) delivered over an hour after event_time (red line): counted as offline, no Tag dedup.`;
    // A log scale cannot show 0: a delay under a millisecond is drawn at one millisecond.
    const positive = (/** @type {number | null} */ v) => (v === null ? null : Math.max(v, 0.001));
    this.delay.update(xs, [
      { label: 'p50', color: COLORS.p50, values: timeline.map((p) => positive(p.delayP50)) },
      { label: 'p95', color: COLORS.p95, values: timeline.map((p) => positive(p.delayP95)) },
      {
        label: 'max',
        color: COLORS.max,
        values: timeline.map((p) => positive(p.delayMax)),
        width: 1,
      },
      { label: '1 hour', color: COLORS.hour, values: xs.map(() => 3600), dash: [6, 4], width: 1.5 },
    ]);
  }

  /**
   * @param {number[]} xs
   * @param {ActivityPoint[]} activity
   */
  #batches(xs, activity) {
    const calls = activity.reduce((sum, p) => sum + p.calls, 0);
    const events = activity.reduce((sum, p) => sum + p.events, 0);
    this.batches.note.textContent =
      calls === 0
        ? 'No calls to Pinterest in this window (from this relay instance).'
        : `${calls} call(s), ${events} event(s): ${Math.round((10 * events) / calls) / 10} per call on average.`;
    this.batches.update(xs, [
      {
        label: 'average',
        color: COLORS.received,
        values: activity.map((p) => (p.calls === 0 ? null : p.events / p.calls)),
      },
      {
        label: 'largest',
        color: COLORS.max,
        values: activity.map((p) => (p.calls === 0 ? null : p.maxBatch)),
      },
    ]);
  }

  /**
   * @param {number[]} xs
   * @param {ActivityPoint[]} activity
   */
  #statuses(xs, activity) {
    /** @type {Map<string, number>} */
    const totals = new Map();
    for (const point of activity) {
      for (const [status, n] of Object.entries(point.statuses))
        totals.set(status, (totals.get(status) ?? 0) + n);
    }

    const statuses = [...totals.keys()].sort();
    this.statuses.note.textContent =
      statuses.length === 0
        ? 'No answers yet.'
        : statuses.map((s) => `${s === '0' ? 'no answer' : s}: ${totals.get(s)}`).join(' · ');
    this.statuses.update(
      xs,
      statuses.map((status) => ({
        label: status === '0' ? 'no answer' : status,
        color: statusColor(status),
        values: activity.map((p) => p.statuses[status] ?? 0),
      })),
    );
  }

  /**
   * @param {number[]} xs
   * @param {ActivityPoint[]} activity
   */
  #retries(xs, activity) {
    const retries = activity.reduce((sum, p) => sum + p.retries, 0);
    const dead = activity.reduce((sum, p) => sum + p.dead, 0);
    this.retries.note.textContent = `${retries} call(s) retried, ${dead} event(s) dead-lettered.`;
    this.retries.update(xs, [
      { label: 'calls retried', color: COLORS.retries, values: activity.map((p) => p.retries) },
      { label: 'dead-lettered', color: COLORS.dead, values: activity.map((p) => p.dead) },
    ]);
  }
}
