// @ts-check
// Inputs whose value has a format of its own (date, time, month, week, colour, range): the
// agent's text as the value such an input takes, set as the page would see it set.

import { win } from './elements.js';

const DATE_ORDER = () => {
  // The order this browser's date field takes day, month and year in (as a person types them).
  /** @type {string[]} */
  let parts = [];
  try { parts = new Intl.DateTimeFormat(navigator.language).formatToParts(new Date(2001, 10, 22)).map((p) => p.type); } catch (e) { parts = []; }
  const order = parts.filter((t) => t === 'day' || t === 'month' || t === 'year');
  return order.length === 3 ? order : ['month', 'day', 'year'];
};
/** @param {number} n @param {number} k */
const pad = (n, k) => String(n).padStart(k, '0');

// The value an input of type t takes for text, or { error } naming the format it wants.
/** @param {string} t @param {string} text @param {PageElement} el @returns {{ value?: string, number?: boolean, error?: string }} */
function inputValue(t, text, el) {
  const s = text.trim();
  if (s === '') return { value: '' };
  /** @param {string} form */
  const want = (form) => ({ error: t + ' input wants ' + form + ', got ' + JSON.stringify(text) });
  if (t === 'date') {
    if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return { value: s };
    const order = DATE_ORDER();
    const m = /^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})$/.exec(s);
    const example = order.map((p) => (p === 'year' ? 'YYYY' : p === 'month' ? 'MM' : 'DD')).join('/');
    if (m) {
      /** @type {Record<string, number>} */
      const got = {};
      order.forEach((p, i) => { got[p] = Number(m[i + 1]); });
      if (m[order.indexOf('year') + 1].length === 4) return { value: pad(got.year, 4) + '-' + pad(got.month, 2) + '-' + pad(got.day, 2) };
    }
    return want('YYYY-MM-DD (or ' + example + ', the order this browser shows)');
  }
  if (t === 'time') {
    const m = /^(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d{1,3})?))?\s*([ap])?\.?m?\.?$/i.exec(s);
    if (!m) return want('HH:MM (24-hour, or with AM/PM)');
    let h = Number(m[1]);
    if (m[4]) { if (h < 1 || h > 12) return want('HH:MM (24-hour, or with AM/PM)'); h = (h % 12) + (m[4].toLowerCase() === 'p' ? 12 : 0); }
    return { value: pad(h, 2) + ':' + m[2] + (m[3] ? ':' + m[3] : '') };
  }
  if (t === 'datetime-local') return /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(s) ? { value: s.replace(' ', 'T') } : want('YYYY-MM-DDTHH:MM');
  if (t === 'month') return /^\d{4}-\d{2}$/.test(s) ? { value: s } : want('YYYY-MM');
  if (t === 'week') return /^\d{4}-W\d{2}$/i.test(s) ? { value: s.toUpperCase() } : want('YYYY-Www (e.g. 2024-W05)');
  if (t === 'color') return /^#[0-9a-f]{6}$/i.test(s) ? { value: s.toLowerCase() } : want('a colour as #rrggbb');
  if (t === 'range') {
    if (!/^-?(\d+(\.\d+)?|\.\d+)$/.test(s)) return want('a number from ' + (el.min || 0) + ' to ' + (el.max || 100));
    return { value: s, number: true };
  }
  return { value: s };
}

// Fills a date, time, colour or range input with its value (Playwright's fill does the same:
// these inputs do not take typed text), as input and change events tell the page.
/** @param {PageElement} el @param {string} what how messages name el @param {string} text @returns {{ error: string } | { done: true }} */
export function fill(el, what, text) {
  const t = (el.getAttribute('type') || '').toLowerCase();
  const v = inputValue(t, text, el);
  if (v.error) return { error: what + ': ' + v.error };
  el.focus();
  const setter = /** @type {{ set: (this: Element, value: unknown) => void }} */ (Object.getOwnPropertyDescriptor(win(el).HTMLInputElement.prototype, 'value')).set;
  const before = el.value;
  setter.call(el, v.value);
  const ok = v.number ? Number(el.value) === Number(v.value) : el.value === v.value;
  if (!ok) {
    const became = el.value;
    setter.call(el, before);
    if (t === 'range') return { error: what + ' takes numbers from ' + (el.min || 0) + ' to ' + (el.max || 100) + ' in steps of ' + (el.step || 1) + '; ' + JSON.stringify(text) + ' would be ' + became };
    return { error: what + ' did not take ' + JSON.stringify(text) + ' (' + (el.min || el.max ? 'allowed from ' + (el.min || '…') + ' to ' + (el.max || '…') : 'not a valid ' + t) + ')' };
  }
  el.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
  return { done: true };
}
