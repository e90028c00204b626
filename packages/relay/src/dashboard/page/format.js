/**
 * @module dashboard/page/format
 * How numbers, shares, delays and times read on the page.
 */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** @param {number} n */
export function count(n) {
  return integer.format(n);
}

/**
 * `part` of `whole` as a percentage, or an en dash when there is nothing to divide.
 *
 * @param {number} part
 * @param {number} whole
 */
export function percent(part, whole) {
  return whole === 0 ? '–' : `${oneDecimal.format((100 * part) / whole)}%`;
}

/**
 * A delay in seconds as people say it: `850 ms`, `12.4 s`, `3.5 min`, `2.1 h`, `3 d`.
 *
 * @param {number | null | undefined} seconds
 */
export function delay(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 1) return `${integer.format(seconds * 1000)} ms`;
  if (seconds < 60) return `${oneDecimal.format(seconds)} s`;
  if (seconds < 3600) return `${oneDecimal.format(seconds / 60)} min`;
  if (seconds < 172_800) return `${oneDecimal.format(seconds / 3600)} h`;
  return `${oneDecimal.format(seconds / 86_400)} d`;
}

/**
 * The time of day, to the second.
 *
 * @param {number} ms
 */
export function clock(ms) {
  return time(ms).slice(11);
}

/**
 * A moment as local date and time, to the second.
 *
 * @param {number | null | undefined} ms
 */
export function time(ms) {
  if (ms === null || ms === undefined) return '–';
  const date = new Date(ms);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${day} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
