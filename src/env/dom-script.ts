// The code WebEnvironment runs inside the page: a DOM walker that lists the page as compact
// observation rows with stable integer ids, and the in-page half of every element action
// (resolve id, check visibility / enabled / hit-test, scroll into view, compute the point).
//
// Kept as a plain JavaScript string, not a TypeScript function, because function.toString()
// of transpiled code can reference helpers (`__name`) that do not exist in the page.
// One `page.evaluate` per observation or action: measured ~1.5 ms against ~4.6 ms for
// Playwright's aria snapshot, and 3x shorter text.

import type { ElementState, ObservationNode } from './types.js';

/**
 * Row of the walker's output: [id (0 = none), role, name, value|null, stateBits, level, depth,
 * visible(0/1), inputType|null (inputs whose text has a format: date, time, color, ...)].
 */
export type DomRow = [number, string, string, string | null, number, number, number, number, (string | null)?];

export const STATE_BITS = {
  checked: 1,
  mixed: 2,
  selected: 4,
  disabled: 8,
  expanded: 16,
  collapsed: 32,
  focused: 64,
  required: 128,
} as const;

export interface DomObserveArgs {
  readonly maxNameLength: number;
  readonly maxTextLength: number;
  /** Return at once, without rows, when a navigation or a popup (beyond `popupsSeen`) is pending. */
  readonly bail?: boolean;
  readonly popupsSeen?: number;
}

export interface DomObserveResult {
  /** Null when the walk bailed out because a navigation or popup is pending. */
  readonly rows: DomRow[] | null;
  readonly url: string;
  readonly title: string;
  /** Popups this document tried to open so far (window.open, target=_blank). */
  readonly popups: number;
  /** A navigation was set off (form submitted, link followed) since the last walk. */
  readonly navPending: boolean;
  /** The document was still being parsed (`document.readyState === 'loading'`): the rows may be partial. */
  readonly loading?: boolean;
  /**
   * Short timers (setTimeout up to SHORT_TIMER_MS, requestAnimationFrame) scheduled since the
   * previous walk, by the page's own code or by timers they set off, that have not fired yet.
   */
  readonly timers?: number;
  /** The group those timers belong to, for the `timers` op to wait on. */
  readonly timerEpoch?: number;
}

/** Timers with a delay up to this (ms) are short: a step waits for those its action set off. */
export const SHORT_TIMER_MS = 500;

export type DomPrepareArgs =
  | { readonly kind: 'click' | 'hover'; readonly id: number }
  | { readonly kind: 'type'; readonly id: number; readonly text: string }
  | { readonly kind: 'select'; readonly id: number; readonly option: string };

/**
 * `x, y`: where to act (top-viewport coordinates); for `type`, the field is focused and its text
 * selected, `clear` when it has text, `check` when the value must be read back after typing
 * (number inputs); for `click`, `hover` when page code listens to the mouse moving onto it. `done`: the action was completed in the page (select; a date, time, color or
 * range input filled with its value).
 */
export type DomPrepareResult =
  | { readonly error: string }
  | { readonly x: number; readonly y: number; readonly clear?: boolean; readonly check?: boolean; readonly hover?: boolean; readonly presses?: number; readonly clicks?: number }
  | { readonly done: true };

/** `verify`: the point where the element is under the mouse now (`moved` when not the one asked about), or why not. */
export type DomVerifyResult = { readonly error: string } | { readonly x: number; readonly y: number; readonly moved?: boolean };

export type DomScrollResult = { readonly error: string } | { readonly done: true };

/**
 * Installed with `addInitScript` in every document of an episode's context. Counts popups the
 * document opens (`window.open`, links and forms with a target), so a step knows to wait for
 * the new tab; and, when `listeners` is on, records elements that get click-like listeners
 * through `addEventListener`, so the walker can list them as actionable (a page cannot be
 * asked for its listeners without the DevTools protocol).
 */
/** Name of the binding the init script calls when the page sets off a navigation. */
export const NAV_BINDING = '__webagentR1NavigationHint';

export function initScript(listeners: boolean): string {
  return String.raw`((listeners) => {
  const P = Symbol.for('webagent-r1.popups');
  if (window[P]) return;
  const popups = { count: 0 };
  Object.defineProperty(window, P, { value: popups, enumerable: false });
  const open = window.open;
  window.open = function (...args) { popups.count += 1; return open.apply(this, args); };
  const opensTab = (t) => !!t && !/^_(self|top|parent)$/i.test(t);
  document.addEventListener('click', (e) => {
    const a = e.target && e.target.closest ? e.target.closest('a[href],area[href]') : null;
    if (a && opensTab(a.target)) popups.count += 1;
  }, true);
  document.addEventListener('submit', (e) => { if (e.target && opensTab(e.target.target)) popups.count += 1; }, true);
  // Chromium starts a form submission's navigation in a later task, so it can begin after the
  // step has already observed the page. Flag navigations that are coming (read and cleared
  // by the walk) so the step waits for them. Window bubble listeners run after the page's own
  // handlers, so defaultPrevented is known.
  const N = Symbol.for('webagent-r1.nav');
  const nav = { pending: false };
  Object.defineProperty(window, N, { value: nav, enumerable: false });
  // Also tell the environment at once through its binding (the message leaves during the event
  // handler, before the input event is acknowledged), so the step can skip observing a page
  // that is about to be replaced.
  const flag = () => {
    if (nav.pending) return; // one hint per navigation (a click and its navigate event both flag)
    nav.pending = true;
    try { const hint = window[${JSON.stringify(NAV_BINDING)}]; if (typeof hint === 'function') hint().catch(() => {}); } catch (e) {}
  };
  window.addEventListener('submit', (e) => {
    if (!e.defaultPrevented && !(e.target && opensTab(e.target.target))) flag();
  });
  window.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0) return;
    const a = e.target && e.target.closest ? e.target.closest('a[href],area[href]') : null;
    if (!a || opensTab(a.target) || a.hasAttribute('download')) return;
    const href = a.getAttribute('href') || '';
    if (href === '' || href.startsWith('#') || /^javascript:/i.test(href)) return;
    flag();
  });
  if (window.navigation && window.navigation.addEventListener) {
    window.navigation.addEventListener('navigate', (e) => {
      if (!e.destination.sameDocument && !e.downloadRequest) flag();
    });
  }
  // Short timers. A step waits for the timers its action set off (a suggestion menu opened 300 ms
  // after typing) instead of sleeping on every step. Each timer belongs to an epoch: the walk
  // count when it was scheduled from the page's own code, or its parent's when scheduled by a
  // timer callback (so a loop started at load never counts as the action's). Each walk closes
  // its epoch and reports how many short timers of it are pending. A short interval (an
  // animation ticking every 13 ms) is pending until it is cleared. The originals are kept for
  // the environment's own waiting.
  const T = Symbol.for('webagent-r1.timers');
  const st = window.setTimeout, ct = window.clearTimeout, si = window.setInterval, ci = window.clearInterval;
  const raf = window.requestAnimationFrame, caf = window.cancelAnimationFrame;
  const timers = { epoch: 0, live: new Map(), current: undefined, wake: null,
    timeout: (f, ms) => st.call(window, f, ms), clear: (id) => ct.call(window, id), frame: (f) => raf.call(window, f) };
  Object.defineProperty(window, T, { value: timers, enumerable: false });
  const origin = () => (timers.current !== undefined ? timers.current : timers.epoch);
  const fired = (key) => { if (timers.live.delete(key) && timers.wake) timers.wake(); };
  const run = (key, epoch, fn, self, args) => {
    const outer = timers.current;
    timers.current = epoch;
    try { return fn.apply(self, args); } finally { timers.current = outer; fired(key); }
  };
  window.setTimeout = function setTimeout(fn, delay, ...args) {
    if (typeof fn !== 'function') return st.apply(window, arguments);
    const epoch = origin();
    const id = st.call(window, function () { return run('t' + id, epoch, fn, this, args); }, delay);
    if (!(Number(delay) > ${SHORT_TIMER_MS})) timers.live.set('t' + id, epoch);
    return id;
  };
  window.clearTimeout = function clearTimeout(id) { fired('t' + id); return ct.call(window, id); };
  window.setInterval = function setInterval(fn, delay, ...args) {
    if (typeof fn !== 'function') return si.apply(window, arguments);
    const epoch = origin();
    const id = si.call(window, function () { return run('i', epoch, fn, this, args); }, delay);
    if (!(Number(delay) > ${SHORT_TIMER_MS})) timers.live.set('t' + id, epoch);
    return id;
  };
  window.clearInterval = function clearInterval(id) { fired('t' + id); return ci.call(window, id); };
  if (typeof raf === 'function') {
    window.requestAnimationFrame = function requestAnimationFrame(fn) {
      if (typeof fn !== 'function') return raf.call(window, fn);
      const epoch = origin();
      const id = raf.call(window, function (t) { return run('f' + id, epoch, fn, this, [t]); });
      timers.live.set('f' + id, epoch);
      return id;
    };
    window.cancelAnimationFrame = function cancelAnimationFrame(id) { fired('f' + id); return caf.call(window, id); };
  }
  // The target of every trusted press (the first event of a click), counted, so a click can be
  // checked afterwards: an element that moves or flickers over the target between the hit test
  // and the press takes the click, and the step must say so.
  // The click event is recorded too: a press on the target and a release on something else
  // send the click to their common ancestor, so it never reaches the target.
  const press = { count: 0, target: null, clicks: 0, clicked: null };
  Object.defineProperty(window, Symbol.for('webagent-r1.press'), { value: press, enumerable: false });
  const targetOf = (e) => { const t = e.composedPath ? e.composedPath()[0] : e.target; return t && t.nodeType === 1 ? new WeakRef(t) : null; };
  window.addEventListener('pointerdown', (e) => { if (e.isTrusted) { press.count += 1; press.target = targetOf(e); } }, true);
  window.addEventListener('click', (e) => { if (e.isTrusted) { press.clicks += 1; press.clicked = targetOf(e); } }, true);
  // The DOM script itself, compiled once per document: each call then sends a few bytes instead
  // of the whole script to parse again (see domInvoke).
  Object.defineProperty(window, Symbol.for('webagent-r1.dom.call'), { value: ${DOM_SCRIPT} });
  if (!listeners) return;
  const K = Symbol.for('webagent-r1.listeners');
  const set = new WeakSet();
  Object.defineProperty(window, K, { value: set, enumerable: false });
  // Targets (elements, the document, the window) with listeners a mouse moving over an element
  // sets off: a click on an element under none of them needs no check after the move.
  const H = Symbol.for('webagent-r1.hover');
  const hover = new WeakSet();
  Object.defineProperty(window, H, { value: hover, enumerable: false });
  const TYPES = new Set(['click', 'mousedown', 'mouseup', 'pointerdown', 'pointerup', 'dblclick']);
  const HOVER = new Set(['mouseover', 'mouseenter', 'mousemove', 'pointerover', 'pointerenter', 'pointermove']);
  const original = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (type, listener, options) {
    try {
      if (TYPES.has(type) && this instanceof Element) set.add(this);
      else if (HOVER.has(type)) hover.add(this);
    } catch (e) {}
    return original.call(this, type, listener, options);
  };
})(${listeners ? 'true' : 'false'});`;
}

/** An expression evaluating to `(op, args) => result`; see `domCall`. */
export const DOM_SCRIPT = String.raw`((op, args) => {
  const KEY = Symbol.for('webagent-r1.dom');
  let reg = window[KEY];
  if (!reg) {
    // shown: the role and name each element had in the last walk that listed it, for messages.
    reg = { next: 1, ids: new WeakMap(), els: new Map(), shown: new WeakMap() };
    Object.defineProperty(window, KEY, { value: reg, enumerable: false });
  }
  const INTERACTIVE = new Set(['button', 'link', 'checkbox', 'radio', 'textbox', 'searchbox', 'combobox',
    'listbox', 'option', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'tab', 'switch', 'slider',
    'spinbutton', 'treeitem', 'clickable']);
  const NAME_FROM_CONTENT = new Set(['button', 'link', 'checkbox', 'radio', 'option', 'menuitem',
    'menuitemcheckbox', 'menuitemradio', 'tab', 'switch', 'treeitem', 'clickable', 'heading']);
  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'META', 'LINK', 'BASE', 'TITLE']);
  const BLOCK = new Set(['ADDRESS', 'ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'BODY', 'DD', 'DETAILS', 'DIALOG', 'DIV',
    'DL', 'DT', 'FIELDSET', 'FIGCAPTION', 'FIGURE', 'FOOTER', 'FORM', 'HEADER', 'HR', 'LI', 'MAIN', 'NAV',
    'OL', 'P', 'PRE', 'SECTION', 'TABLE', 'TBODY', 'THEAD', 'TFOOT', 'TR', 'UL', 'CAPTION', 'LEGEND', 'BR']);
  const TEXT_INPUTS = new Set(['text', 'search', 'email', 'url', 'tel', 'password', 'number', 'date',
    'datetime-local', 'month', 'time', 'week', 'range', 'color', '']);
  // Inputs whose value has a format of its own: filled with their value, as Playwright's fill
  // does (keystrokes do not reach them as text); their type is shown in the observation.
  const VALUE_INPUTS = new Set(['date', 'datetime-local', 'month', 'time', 'week', 'color', 'range']);
  const SHOWN_TYPES = new Set(['date', 'datetime-local', 'month', 'time', 'week', 'color']);
  // Roles whose empty name gets a positional hint (icon-only buttons and links).
  const HINTED = new Set(['button', 'link', 'clickable', 'menuitem', 'tab', 'option', 'treeitem']);
  // Descendants that are targets of their own, so their ancestor is not a list item.
  const ACTIONABLE_INSIDE = 'a[href],button,input,select,textarea,[onclick],[contenteditable=""],[contenteditable="true"],'
    + '[role=button],[role=link],[role=option],[role=menuitem],[role=checkbox],[role=radio],[role=tab],[role=switch],[role=textbox],[role=combobox]';
  const ws = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const cap = (s, n) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

  function win(el) { return el.ownerDocument.defaultView || window; }

  function implicitRole(el) {
    switch (el.tagName) {
      case 'A': case 'AREA': return el.hasAttribute('href') ? 'link' : null;
      case 'BUTTON': return 'button';
      case 'SUMMARY': return 'button';
      case 'TEXTAREA': return 'textbox';
      case 'SELECT': return el.multiple || el.size > 1 ? 'listbox' : 'combobox';
      case 'OPTION': return 'option';
      case 'H1': case 'H2': case 'H3': case 'H4': case 'H5': case 'H6': return 'heading';
      case 'IMG': return el.getAttribute('alt') ? 'img' : null;
      case 'INPUT': {
        const t = (el.getAttribute('type') || 'text').toLowerCase();
        if (t === 'hidden') return null;
        if (t === 'checkbox') return 'checkbox';
        if (t === 'radio') return 'radio';
        if (t === 'button' || t === 'submit' || t === 'reset' || t === 'image' || t === 'file') return 'button';
        if (t === 'range') return 'slider';
        if (t === 'number') return 'spinbutton';
        if (el.hasAttribute('list')) return 'combobox';
        if (t === 'search') return 'searchbox';
        return 'textbox';
      }
    }
    if (el.isContentEditable && !(el.parentElement && el.parentElement.isContentEditable)) return 'textbox';
    return null;
  }

  function roleOf(el) {
    const explicit = (el.getAttribute('role') || '').trim().split(/\s+/)[0].toLowerCase();
    if (explicit && explicit !== 'none' && explicit !== 'presentation') return explicit;
    return implicitRole(el);
  }

  function hasClickHandler(el) {
    if (el === el.ownerDocument.body || el === el.ownerDocument.documentElement) return false;
    if (el.hasAttribute('onclick') || typeof el.onclick === 'function') return true;
    const set = win(el)[Symbol.for('webagent-r1.listeners')];
    return !!(set && set.has(el));
  }

  function textById(el, ids) {
    const doc = el.ownerDocument;
    return ws(ids.split(/\s+/).map((id) => { const t = doc.getElementById(id); return t ? t.textContent : ''; }).join(' '));
  }

  // Text of a label without the control it wraps (a select's options are not its name).
  function labelText(label, control) {
    let out = '';
    const walker = label.ownerDocument.createTreeWalker(label, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const p = n.parentElement;
      if (p && (control.contains(p) || p.closest('select,textarea,script,style'))) continue;
      out += n.data + ' ';
    }
    return out;
  }

  function nameOf(el, role) {
    const by = el.getAttribute('aria-labelledby');
    if (by) { const t = textById(el, by); if (t) return t; }
    const aria = ws(el.getAttribute('aria-label'));
    if (aria) return aria;
    const tag = el.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') {
      const t = (el.getAttribute('type') || '').toLowerCase();
      if (tag === 'INPUT' && (t === 'submit' || t === 'button' || t === 'reset')) {
        return ws(el.value) || (t === 'submit' ? 'Submit' : t === 'reset' ? 'Reset' : '');
      }
      if (tag === 'INPUT' && t === 'image') return ws(el.getAttribute('alt')) || ws(el.value) || 'Submit';
      if (el.labels && el.labels.length) {
        const t2 = ws(Array.from(el.labels).map((l) => labelText(l, el)).join(' '));
        if (t2) return t2;
      }
      return ws(el.getAttribute('title')) || ws(el.getAttribute('placeholder')) || ws(el.getAttribute('aria-placeholder'));
    }
    if (tag === 'IMG' || tag === 'AREA') return ws(el.getAttribute('alt')) || ws(el.getAttribute('title'));
    if (NAME_FROM_CONTENT.has(role) || tag === 'A' || tag === 'BUTTON' || tag === 'SUMMARY') {
      let t = tag === 'OPTION' ? ws(el.label || el.textContent) : ws(el.innerText);
      if (!t) { const img = el.querySelector('img[alt]'); if (img) t = ws(img.getAttribute('alt')); }
      if (t) return t;
      return ws(el.getAttribute('title')) || iconName(el);
    }
    return ws(el.getAttribute('title'));
  }

  // The name of an element with no text of its own, from its icon as accessibility trees read
  // it: a labelled descendant, an inline SVG's <title>, a descendant's tooltip.
  function iconName(el) {
    for (const d of el.querySelectorAll('[aria-label],[aria-labelledby],svg title,[title]')) {
      if (d.tagName.toLowerCase() === 'title') { const t = ws(d.textContent); if (t) return t; continue; }
      const by = d.getAttribute('aria-labelledby');
      const t = (by && textById(d, by)) || ws(d.getAttribute('aria-label')) || ws(d.getAttribute('title'));
      if (t) return t;
    }
    return '';
  }

  // A short positional name for an element that has none: its place among the unnamed elements
  // of the same role in its row (the nearest ancestor with text outside its targets), and that
  // text's first words.
  const rowCache = new Map();
  function rowText(row) {
    let out = '';
    const walker = row.ownerDocument.createTreeWalker(row, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n && out.length < 60; n = walker.nextNode()) {
      const p = n.parentElement;
      if (!p || !n.data.trim() || SKIP.has(p.tagName)) continue;
      const target = p.closest(ACTIONABLE_INSIDE);
      if (target && row.contains(target)) continue;
      if (p.checkVisibility && !p.checkVisibility({ visibilityProperty: true })) continue;
      out += n.data + ' ';
    }
    return ws(out);
  }
  function effectiveRole(el) {
    const r = roleOf(el);
    if (r && INTERACTIVE.has(r)) return r;
    return hasClickHandler(el) ? 'clickable' : null;
  }
  function positionalName(el, role) {
    let row = el.parentElement;
    const doc = el.ownerDocument;
    for (let k = 0; row && k < 8; k++, row = row.parentElement) {
      if (row === doc.body || row === doc.documentElement) return '';
      let info = rowCache.get(row);
      if (!info) {
        info = { text: rowText(row), peers: null };
        rowCache.set(row, info);
      }
      if (!info.text) continue;
      if (!info.peers) {
        info.peers = [];
        for (const x of row.querySelectorAll('*')) {
          const xr = effectiveRole(x);
          if (xr && HINTED.has(xr) && !nameOf(x, xr) && (!x.checkVisibility || x.checkVisibility({ visibilityProperty: true }))) info.peers.push([x, xr]);
        }
      }
      const same = info.peers.filter((p) => p[1] === role);
      const k2 = same.findIndex((p) => p[0] === el);
      const label = cap(info.text, 40);
      if (k2 < 0 || same.length === 1) return role + ' near: ' + label;
      return role + ' ' + (k2 + 1) + ' of ' + same.length + ' near: ' + label;
    }
    return '';
  }

  function shownName(el, role) {
    const n = nameOf(el, role);
    return n || (HINTED.has(role) ? positionalName(el, role) : '');
  }

  function valueOf(el, role) {
    const tag = el.tagName;
    if (tag === 'INPUT') {
      const t = (el.getAttribute('type') || 'text').toLowerCase();
      if (t === 'checkbox' || t === 'radio' || t === 'button' || t === 'submit' || t === 'reset' || t === 'image') return null;
      if (t === 'password') return el.value ? '•'.repeat(Math.min(el.value.length, 12)) : null;
      if (t === 'file') return el.files && el.files.length ? Array.from(el.files).map((f) => f.name).join(', ') : null;
      return el.value;
    }
    if (tag === 'TEXTAREA') return el.value;
    if (tag === 'SELECT') return Array.from(el.selectedOptions).map((o) => ws(o.label || o.textContent)).join(', ');
    if (role === 'textbox' && el.isContentEditable) return ws(el.innerText);
    const now = el.getAttribute('aria-valuetext') || el.getAttribute('aria-valuenow');
    return now;
  }

  function stateOf(el) {
    let s = 0;
    const tag = el.tagName;
    if (tag === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio')) {
      if (el.indeterminate) s |= 2; else if (el.checked) s |= 1;
    } else {
      const ac = el.getAttribute('aria-checked') || el.getAttribute('aria-pressed');
      if (ac === 'true') s |= 1; else if (ac === 'mixed') s |= 2;
    }
    if (tag === 'OPTION' ? el.selected : el.getAttribute('aria-selected') === 'true') s |= 4;
    if ((el.matches && el.matches(':disabled')) || el.getAttribute('aria-disabled') === 'true') s |= 8;
    const ex = el.getAttribute('aria-expanded');
    if (ex === 'true') s |= 16; else if (ex === 'false') s |= 32;
    if (tag === 'SUMMARY' && el.parentElement && el.parentElement.tagName === 'DETAILS') s |= el.parentElement.open ? 16 : 32;
    if (el.ownerDocument.activeElement === el && el.ownerDocument.hasFocus()) s |= 64;
    if (el.required || el.getAttribute('aria-required') === 'true') s |= 128;
    return s;
  }

  function idFor(el) {
    let id = reg.ids.get(el);
    if (id === undefined) {
      id = reg.next++;
      reg.ids.set(el, id);
      reg.els.set(id, new WeakRef(el));
    }
    return id;
  }

  function inViewport(el) {
    // Position relative to the top viewport, through same-origin frames.
    const r = el.getBoundingClientRect();
    let top = r.top, bottom = r.bottom, left = r.left, right = r.right;
    let w = win(el);
    while (w !== window && w.frameElement) {
      const fr = w.frameElement.getBoundingClientRect();
      top += fr.top; bottom += fr.top; left += fr.left; right += fr.left;
      w = w.parent;
    }
    return bottom > 0 && right > 0 && top < window.innerHeight && left < window.innerWidth;
  }

  function observe(opts) {
    // Short timers of the epoch this walk closes (see initScript).
    const tm = window[Symbol.for('webagent-r1.timers')];
    let timers = 0;
    const timerEpoch = tm ? tm.epoch : 0;
    if (tm) { for (const e of tm.live.values()) if (e === timerEpoch) timers++; tm.epoch++; }
    // A navigation or popup is on its way: the caller will wait and walk the new page instead.
    const pop0 = window[Symbol.for('webagent-r1.popups')];
    const nav0 = window[Symbol.for('webagent-r1.nav')];
    const popups0 = pop0 ? pop0.count : 0;
    if (opts.bail && ((nav0 && nav0.pending) || popups0 > opts.popupsSeen)) {
      const navPending = !!(nav0 && nav0.pending);
      if (nav0) nav0.pending = false;
      return { rows: null, url: location.href, title: document.title, popups: popups0, navPending, timers, timerEpoch };
    }
    const rows = [];
    let buf = '';
    let bufEl = null;
    const flush = (depth) => {
      const t = ws(buf);
      if (t) rows.push([0, 'text', cap(t, opts.maxTextLength), null, 0, 0, depth, bufEl && inViewport(bufEl) ? 1 : 0]);
      buf = ''; bufEl = null;
    };
    const visibleSelf = (el) => (el.checkVisibility ? el.checkVisibility({ visibilityProperty: true }) : true);
    const hasActionable = (el) => !!el.querySelector('a[href],button,input,select,textarea,[role],[onclick],[contenteditable]');

    // Popups of comboboxes (autocomplete suggestion lists): their items are options.
    const popupEls = new Set();
    for (const c of document.querySelectorAll('[aria-controls],[aria-owns]')) {
      const r = roleOf(c);
      if (r !== 'combobox' && !c.hasAttribute('aria-autocomplete') && !c.hasAttribute('aria-haspopup')) continue;
      for (const ref of ((c.getAttribute('aria-controls') || '') + ' ' + (c.getAttribute('aria-owns') || '')).split(/\s+/)) {
        const t = ref && document.getElementById(ref);
        if (t) popupEls.add(t);
      }
    }
    // The role items of el get when el holds a list of choices (a listbox, a menu, a suggestion
    // popup, a list inside an element with the click handler), else null. ctx: the list context
    // el is in ({ role, list }: list is the element whose children are items).
    function listRoleOf(el, role, ctx) {
      if (role === 'listbox') return 'option';
      if (role === 'menu' || role === 'menubar') return 'menuitem';
      if (popupEls.has(el) || (el.classList && (el.classList.contains('ui-autocomplete') || el.classList.contains('ui-menu')))) return 'option';
      const tag = el.tagName;
      if (tag === 'UL' || tag === 'OL' || role === 'group') {
        if (ctx && ctx.role) return ctx.role;
        if (tag !== 'UL' && tag !== 'OL') return null;
        if (hasClickHandler(el)) return 'clickable';
      }
      return null;
    }
    // Whether el, a child of a list, is one of its choices.
    const isItem = (el, role) => (role === null || role === 'listitem') && el.tagName !== 'UL' && el.tagName !== 'OL'
      && !el.querySelector(ACTIONABLE_INSIDE) && (!!ws(el.textContent) || !!el.querySelector('img,svg'));
    // An element with a click handler that holds lists of items is their container, not a target.
    const holdsItems = (el) => !!el.querySelector('li,[role=option],[role=menuitem],[role=listbox],[role=menu]');

    function walkChildren(parent, depth, textOk, ctx) {
      let child = parent.firstChild;
      if (parent.tagName === 'SLOT') {
        const assigned = parent.assignedNodes({ flatten: true });
        if (assigned.length) { for (const n of assigned) walkNode(n, depth, textOk, ctx); return; }
      }
      for (; child; child = child.nextSibling) walkNode(child, depth, textOk, ctx);
    }

    function walkNode(node, depth, textOk, ctx) {
      if (node.nodeType === 3) {
        if (textOk) { if (!bufEl) bufEl = node.parentElement; buf += node.data; }
        return;
      }
      if (node.nodeType !== 1) return;
      const el = node;
      const tag = el.tagName;
      if (SKIP.has(tag)) return;
      if (!visibleSelf(el)) return;
      if (el.getAttribute('aria-hidden') === 'true') return;
      const block = BLOCK.has(tag);
      if (block) flush(depth);
      if (tag === 'TD' || tag === 'TH') { if (ws(buf)) buf += ' | '; }
      if (tag === 'IFRAME' || tag === 'FRAME') {
        flush(depth);
        let doc = null;
        try { doc = el.contentDocument; } catch (e) { doc = null; }
        const label = ws(el.getAttribute('title')) || el.getAttribute('src') || '';
        if (doc && doc.body) {
          rows.push([0, 'iframe', cap(label, opts.maxNameLength), null, 0, 0, depth, inViewport(el) ? 1 : 0]);
          walkChildren(doc.body, depth + 1, true, null);
          flush(depth + 1);
        } else {
          rows.push([0, 'iframe', cap(label + ' (cross-origin, content not shown)', opts.maxNameLength), null, 0, 0, depth, inViewport(el) ? 1 : 0]);
        }
        return;
      }
      const role = roleOf(el);
      const interactive = role !== null && INTERACTIVE.has(role);
      const itemRole = ctx && ctx.list === el.parentElement && isItem(el, role) ? ctx.role : null;
      const listRole = itemRole ? null : listRoleOf(el, role, ctx);
      const inner = listRole ? { role: listRole, list: el } : ctx;
      const handler = !interactive && !itemRole && hasClickHandler(el);
      if (handler && (listRole || holdsItems(el))) {
        // The click handler serves the items inside (event delegation): walk it as a plain
        // element; lists inside it are lists of choices.
        const within = listRole ? inner : { role: (ctx && ctx.role) || 'clickable', list: null };
        if (el.shadowRoot) walkChildren(el.shadowRoot, depth, textOk, within); else walkChildren(el, depth, textOk, within);
        if (block) flush(depth);
        return;
      }
      if (interactive || itemRole || handler) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0 && tag !== 'OPTION' && !el.firstElementChild) return;
        flush(depth);
        const effRole = interactive ? role : itemRole || 'clickable';
        const vis = inViewport(el) ? 1 : 0;
        const name = cap(shownName(el, effRole), opts.maxNameLength);
        const t = tag === 'INPUT' ? (el.getAttribute('type') || '').toLowerCase() : '';
        rows.push([idFor(el), effRole, name, valueOf(el, effRole), stateOf(el), 0, depth, vis, SHOWN_TYPES.has(t) ? t : null]);
        reg.shown.set(el, [effRole, name]);
        if (tag === 'SELECT') {
          for (const o of el.options) {
            const on = cap(ws(o.label || o.textContent), opts.maxNameLength);
            rows.push([idFor(o), 'option', on, null, o.selected ? 4 : 0, 0, depth + 1, vis]);
            reg.shown.set(o, ['option', on]);
          }
          return;
        }
        if (tag === 'TEXTAREA' || tag === 'INPUT' || effRole === 'textbox') return;
        // Name came from the content: only look inside for nested actionable elements (and,
        // in a listbox or menu, its items).
        const within = listRole ? inner : null;
        if (el.shadowRoot) walkChildren(el.shadowRoot, depth, false, within); else walkChildren(el, depth, false, within);
        return;
      }
      if (role === 'heading' && textOk && !hasActionable(el)) {
        flush(depth);
        const t = ws(el.innerText);
        const level = Number(el.getAttribute('aria-level')) || Number(tag.slice(1)) || 2;
        if (t) rows.push([0, 'heading', cap(t, opts.maxTextLength), null, 0, level, depth, inViewport(el) ? 1 : 0]);
        return;
      }
      if (role === 'img' && textOk) {
        flush(depth);
        rows.push([0, 'img', cap(nameOf(el, 'img'), opts.maxNameLength), null, 0, 0, depth, inViewport(el) ? 1 : 0]);
        return;
      }
      // A label's text is already the accessible name of the control it labels.
      const labelText = textOk && !(tag === 'LABEL' && el.control && visibleSelf(el.control));
      if (el.shadowRoot) walkChildren(el.shadowRoot, depth, labelText, inner); else walkChildren(el, depth, labelText, inner);
      if (block) flush(depth);
    }

    const body = document.body || document.documentElement;
    if (body) walkChildren(body, 0, true, null);
    flush(0);
    const pop = window[Symbol.for('webagent-r1.popups')];
    const nav = window[Symbol.for('webagent-r1.nav')];
    const navPending = !!(nav && nav.pending);
    if (nav) nav.pending = false;
    return { rows, url: location.href, title: document.title, popups: pop ? pop.count : 0, navPending, loading: document.readyState === 'loading', timers, timerEpoch };
  }

  // An element as messages name it: by role and accessible name (as the last observation showed
  // it), never by the text of a large container (a page's <html> would give its CSS).
  function describe(el) {
    const id = reg.ids.get(el);
    const pre = id ? '[' + id + '] ' : '';
    const shown = reg.shown.get(el);
    if (shown) return pre + shown[0] + ' ' + JSON.stringify(cap(shown[1], 60));
    const tag = el.tagName;
    const role = roleOf(el) || tag.toLowerCase();
    if (tag === 'HTML' || tag === 'BODY') return pre + role;
    let name = nameOf(el, role);
    if (!name && typeof el.innerText === 'string') name = ws(el.innerText);
    name = cap(name, 40);
    return pre + role + (name ? ' ' + JSON.stringify(name) : '');
  }

  // What covers a point: the target the observation listed that holds the hit, else the hit.
  function coverOf(hit) {
    for (let c = hit; c && c.tagName !== 'BODY' && c.tagName !== 'HTML'; c = c.parentElement) if (reg.shown.has(c)) return c;
    return hit;
  }

  function lookup(id) {
    const ref = reg.els.get(id);
    const el = ref && ref.deref();
    return el && el.isConnected ? el : null;
  }

  // Point in top-viewport coordinates from a point local to el's document.
  function toTop(el, x, y) {
    let w = win(el);
    while (w !== window && w.frameElement) {
      const fe = w.frameElement;
      const fr = fe.getBoundingClientRect();
      const cs = w.parent.getComputedStyle(fe);
      x += fr.left + fe.clientLeft + parseFloat(cs.paddingLeft);
      y += fr.top + fe.clientTop + parseFloat(cs.paddingTop);
      w = w.parent;
    }
    return { x, y };
  }

  function receives(el, hit) {
    if (!hit) return false;
    if (hit === el || el.contains(hit)) return true;
    if (hit.tagName === 'LABEL' && hit.control === el) return true;
    const lab = hit.closest && hit.closest('label');
    return !!(lab && lab.control === el);
  }

  function parentOf(el) {
    if (el.parentElement) return el.parentElement;
    const root = el.getRootNode();
    return root && root.host ? root.host : null;
  }

  // The part of el's border box left visible by the ancestors that clip it (overflow other than
  // visible, on its containing-block chain) and by its window's viewport, in that window's
  // coordinates; null when nothing is. With scrollersOnly, only scrollable ancestors count.
  function visibleRect(el, scrollersOnly) {
    const w = win(el);
    const doc = el.ownerDocument;
    const r = el.getBoundingClientRect();
    let left = r.left, top = r.top, right = r.right, bottom = r.bottom;
    let pos = w.getComputedStyle(el).position;
    for (let a = parentOf(el); a && a !== doc.body && a !== doc.documentElement && pos !== 'fixed'; a = parentOf(a)) {
      const cs = w.getComputedStyle(a);
      // An absolutely positioned box escapes the clipping of ancestors below its containing block.
      if (pos === 'absolute' && cs.position === 'static' && cs.transform === 'none') continue;
      pos = cs.position;
      const ox = cs.overflowX, oy = cs.overflowY;
      if (ox === 'visible' && oy === 'visible') continue;
      if (scrollersOnly && !/auto|scroll/.test(ox + oy)) continue;
      const ar = a.getBoundingClientRect();
      const l = ar.left + a.clientLeft, t = ar.top + a.clientTop;
      if (ox !== 'visible') { left = Math.max(left, l); right = Math.min(right, l + a.clientWidth); }
      if (oy !== 'visible') { top = Math.max(top, t); bottom = Math.min(bottom, t + a.clientHeight); }
    }
    left = Math.max(left, 0); top = Math.max(top, 0);
    right = Math.min(right, w.innerWidth); bottom = Math.min(bottom, w.innerHeight);
    return right > left && bottom > top ? { left, top, right, bottom } : null;
  }

  // Brings el into view in every scrollable ancestor and the viewport, unless it is all in view.
  function reveal(el) {
    const r = el.getBoundingClientRect();
    const v = visibleRect(el, true);
    const whole = v && v.left <= r.left + 0.5 && v.top <= r.top + 0.5 && v.right >= r.right - 0.5 && v.bottom >= r.bottom - 0.5;
    if (!whole || !inViewport(el)) el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
  }

  // A point of el's visible part where a click reaches el (its centre first), in el's window
  // coordinates; else the element found at the centre, or none when no part of el is visible.
  function hitPoint(el) {
    const v = visibleRect(el, false);
    if (!v) return { none: true };
    const root = el.getRootNode();
    const hitter = root && root.elementFromPoint ? root : el.ownerDocument;
    const w = v.right - v.left, h = v.bottom - v.top;
    const points = [[v.left + w / 2, v.top + h / 2], [v.left + w * 0.25, v.top + h / 2], [v.left + w * 0.75, v.top + h / 2],
      [v.left + w / 2, v.top + h * 0.25], [v.left + w / 2, v.top + h * 0.75]];
    let first = null;
    for (const [x, y] of points) {
      const hit = hitter.elementFromPoint(x, y);
      if (receives(el, hit)) return { x, y };
      if (!first) first = hit;
    }
    return { hit: first };
  }

  const DATE_ORDER = () => {
    // The order this browser's date field takes day, month and year in (as a person types them).
    let parts = [];
    try { parts = new Intl.DateTimeFormat(navigator.language).formatToParts(new Date(2001, 10, 22)).map((p) => p.type); } catch (e) { parts = []; }
    const order = parts.filter((t) => t === 'day' || t === 'month' || t === 'year');
    return order.length === 3 ? order : ['month', 'day', 'year'];
  };
  const pad = (n, k) => String(n).padStart(k, '0');

  // The value an input of type t takes for text, or { error } naming the format it wants.
  function inputValue(t, text, el) {
    const s = text.trim();
    if (s === '') return { value: '' };
    const want = (form) => ({ error: t + ' input wants ' + form + ', got ' + JSON.stringify(text) });
    if (t === 'date') {
      if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return { value: s };
      const order = DATE_ORDER();
      const m = /^(\d{1,4})[\/.\-](\d{1,2})[\/.\-](\d{1,4})$/.exec(s);
      const example = order.map((p) => (p === 'year' ? 'YYYY' : p === 'month' ? 'MM' : 'DD')).join('/');
      if (m) {
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
  function fill(el, what, text) {
    const t = (el.getAttribute('type') || '').toLowerCase();
    const v = inputValue(t, text, el);
    if (v.error) return { error: what + ': ' + v.error };
    el.focus();
    const setter = Object.getOwnPropertyDescriptor(win(el).HTMLInputElement.prototype, 'value').set;
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

  function prepare(a) {
    if (typeof a.text !== 'string') a.text = '';
    const el = lookup(a.id);
    if (!el) return { error: 'element [' + a.id + '] is not on the page; use an id from the current observation' };
    const what = describe(el);
    if (a.kind === 'select') {
      if (el.tagName !== 'SELECT') return { error: what + ' is not a dropdown (select); click it instead' };
      if (el.matches(':disabled')) return { error: what + ' is disabled' };
      const want = ws(a.option);
      const opts = Array.from(el.options);
      const o = opts.find((x) => ws(x.label || x.textContent) === want) || opts.find((x) => x.value === a.option)
        || opts.find((x) => ws(x.label || x.textContent).toLowerCase() === want.toLowerCase());
      if (!o) return { error: what + ' has no option ' + JSON.stringify(a.option) + '; options are: ' + opts.map((x) => JSON.stringify(ws(x.label || x.textContent))).join(', ') };
      if (o.disabled) return { error: 'option ' + JSON.stringify(want) + ' of ' + what + ' is disabled' };
      if (el.multiple) o.selected = true; else el.value = o.value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
      return { done: true };
    }
    if (el.tagName === 'OPTION') {
      const sel = el.closest('select');
      return { error: what + ' is an option of a dropdown; use the select action on ' + (sel ? describe(sel) : 'its dropdown') + ' instead' };
    }
    if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true, opacityProperty: false })) return { error: what + ' is hidden' };
    if (a.kind !== 'hover' && (el.matches(':disabled') || el.getAttribute('aria-disabled') === 'true')) return { error: what + ' is disabled' };
    const inputType = el.tagName === 'INPUT' ? (el.getAttribute('type') || '').toLowerCase() : '';
    if (a.kind === 'type') {
      const editable = el.isContentEditable || el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && TEXT_INPUTS.has(inputType));
      if (!editable) return { error: what + ' is not a text field; it cannot be typed into' };
      if (el.readOnly) return { error: what + ' is read-only' };
      if (VALUE_INPUTS.has(inputType)) return fill(el, what, a.text);
      if (inputType === 'number' && a.text.trim() !== '' && !/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(a.text.trim())) {
        return { error: what + ': number input wants a number such as 42 or -3.5, got ' + JSON.stringify(a.text) };
      }
    }
    reveal(el);
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return { error: what + ' has no size on the page (it may be collapsed or off-screen)' };
    const found = hitPoint(el);
    if (found.none) return { error: what + ' is outside the visible area of the page or of its scrolling container' };
    if (found.hit !== undefined) {
      if (!found.hit) return { error: what + ' is outside the viewport' };
      return { error: what + ' is covered by ' + describe(coverOf(found.hit)) + '; close or scroll away what covers it' };
    }
    const p = toTop(el, found.x, found.y);
    if (a.kind === 'type') {
      el.focus();
      if (el.isContentEditable) {
        const range = el.ownerDocument.createRange();
        range.selectNodeContents(el);
        const s = win(el).getSelection();
        s.removeAllRanges(); s.addRange(range);
      } else {
        try { el.select(); } catch (e) { /* some input types have no selection API */ }
      }
      if (el.ownerDocument.activeElement !== el) return { error: what + ' could not be focused' };
      const empty = el.isContentEditable ? !el.textContent : !el.value;
      return { x: p.x, y: p.y, clear: !empty, ...(inputType === 'number' ? { check: true } : {}) };
    }
    if (a.kind !== 'click') return { x: p.x, y: p.y };
    const pressed = win(el)[Symbol.for('webagent-r1.press')];
    const presses = pressed ? pressed.count : -1;
    const clicks = pressed ? pressed.clicks : -1;
    return hoverSensitive(el) ? { x: p.x, y: p.y, hover: true, presses, clicks } : { x: p.x, y: p.y, presses, clicks };
  }

  // Whether moving the mouse onto el may set off page code (a mouseover, mouseenter or
  // mousemove listener on it, an ancestor, its document or window), which may change what is
  // under the pointer. Unknown (listeners not recorded) counts as yes.
  function hoverSensitive(el) {
    const w = win(el);
    const hs = w[Symbol.for('webagent-r1.hover')];
    if (!hs) return true;
    const doc = el.ownerDocument;
    const props = (t) => !!(t.onmouseover || t.onmouseenter || t.onmousemove || t.onpointerover || t.onpointerenter || t.onpointermove);
    if (hs.has(w) || hs.has(doc) || props(w) || props(doc)) return true;
    for (let a = el; a; a = parentOf(a)) {
      if (hs.has(a) || props(a)) return true;
      const root = a.getRootNode();
      if (root !== doc && hs.has(root)) return true;
    }
    return false;
  }

  // After the mouse moved to (x, y) (top-viewport coordinates): whether el is what the pointer
  // is on. Hover effects (an icon swapping its image, a menu sliding open) may move or briefly
  // collapse el: then wait frames, up to a.wait ms, for el to be under the pointer again or at
  // another point of it.
  async function verify(a) {
    const el = lookup(a.id);
    if (!el) return { error: 'element [' + a.id + '] went away when the mouse moved over it' };
    const what = describe(el);
    const off = toTop(el, 0, 0);
    const root = el.getRootNode();
    const hitter = root && root.elementFromPoint ? root : el.ownerDocument;
    const at = () => hitter.elementFromPoint(a.x - off.x, a.y - off.y);
    if (receives(el, at())) return { x: a.x, y: a.y };
    const tm = window[Symbol.for('webagent-r1.timers')];
    const later = (f, ms) => (tm ? tm.timeout(f, ms) : setTimeout(f, ms));
    const frame = () => new Promise((resolve) => { later(resolve, 50); if (tm) tm.frame(resolve); else requestAnimationFrame(resolve); });
    const deadline = Date.now() + a.wait;
    while (Date.now() < deadline) {
      await frame();
      if (!el.isConnected) return { error: what + ' went away when the mouse moved over it' };
      if (receives(el, at())) return { x: a.x, y: a.y };
      if (!a.retry) continue;
      const found = hitPoint(el);
      if (found.x !== undefined) { const p = toTop(el, found.x, found.y); return { x: p.x, y: p.y, moved: true }; }
    }
    const hit = at();
    return { error: what + ' changed when the mouse moved over it, and the click would land on ' + (hit ? describe(coverOf(hit)) : 'nothing') + ' instead; hover over it first, or act on another element' };
  }

  // Waits, at most a.ms, until the short timers of epoch a.epoch have fired; how many are left.
  function waitTimers(a) {
    const tm = window[Symbol.for('webagent-r1.timers')];
    const left = () => { let n = 0; if (tm) for (const e of tm.live.values()) if (e === a.epoch) n++; return n; };
    if (!tm || left() === 0) return { left: 0 };
    return new Promise((resolve) => {
      let done = false;
      const finish = () => { if (done) return; done = true; tm.wake = null; tm.clear(timer); resolve({ left: left() }); };
      const timer = tm.timeout(finish, a.ms);
      tm.wake = () => { if (left() === 0) finish(); };
    });
  }

  function valueOp(a) {
    const el = lookup(a.id);
    return el ? { value: typeof el.value === 'string' ? el.value : null, what: describe(el) } : { value: null, what: 'element [' + a.id + ']' };
  }

  function scroll(direction) {
    const dy = (direction === 'down' ? 1 : -1) * Math.round(window.innerHeight * 0.8);
    const before = window.scrollY;
    window.scrollBy({ top: dy, behavior: 'instant' });
    if (window.scrollY !== before) return { done: true };
    // The window did not move: scroll the largest scrollable container instead (app layouts).
    let best = null, area = 0;
    for (const el of document.querySelectorAll('*')) {
      if (el.scrollHeight <= el.clientHeight + 1) continue;
      const oy = getComputedStyle(el).overflowY;
      if (oy !== 'auto' && oy !== 'scroll') continue;
      const r = el.getBoundingClientRect();
      const a2 = r.width * r.height;
      if (a2 > area) { area = a2; best = el; }
    }
    if (best) {
      const b = best.scrollTop;
      best.scrollBy({ top: Math.sign(dy) * Math.round(best.clientHeight * 0.8), behavior: 'instant' });
      if (best.scrollTop !== b) return { done: true };
    }
    return { error: 'cannot scroll ' + direction + ': already at the ' + (direction === 'down' ? 'bottom' : 'top') + ' of the page' };
  }

  // After a click: did the press land on element a.id (or inside it, or on its label)? Unknown
  // (no press seen since a.since, or no record in this document) counts as landed.
  function pressed(a) {
    const el = lookup(a.id);
    if (!el) return { ok: true };
    const record = win(el)[Symbol.for('webagent-r1.press')];
    if (!record || a.since < 0) return { ok: true };
    const missed = (target) => ({ error: 'the click on ' + describe(el) + ' landed on ' + describe(target) + ' instead: something moved over it between the check and the click' });
    if (record.count > a.since) {
      const target = record.target && record.target.deref();
      if (target && !receives(el, target)) return missed(target);
    }
    if (a.clicksSince >= 0 && record.clicks > a.clicksSince) {
      const target = record.clicked && record.clicked.deref();
      if (target && !receives(el, target)) return missed(target);
    }
    return { ok: true };
  }

  if (op === 'observe') return observe(args);
  if (op === 'pressed') return pressed(args);
  if (op === 'prepare') return prepare(args);
  if (op === 'verify') return verify(args);
  if (op === 'timers') return waitTimers(args);
  if (op === 'value') return valueOp(args);
  if (op === 'scroll') return scroll(args.direction);
  throw new Error('unknown op ' + op);
})`;

export type DomOp = 'observe' | 'prepare' | 'verify' | 'timers' | 'value' | 'scroll' | 'pressed';

/** A JavaScript expression that runs `op` of DOM_SCRIPT with `args` in the page (the whole script, parsed at every call). */
export function domCall(op: DomOp, args: unknown): string {
  return `${DOM_SCRIPT}(${JSON.stringify(op)}, ${JSON.stringify(args)})`;
}

/** What `domInvoke` evaluates to in a document the init script did not run in. */
export const DOM_MISSING = '__webagent-r1: no DOM script in this document__';

/**
 * A short JavaScript expression that runs `op` with `args` through the DOM script the init
 * script compiled in the document, or evaluates to DOM_MISSING where there is none (then use
 * `domCall`). Parsing the whole script costs about 1 ms a call.
 */
export function domInvoke(op: DomOp, args: unknown): string {
  return `((f) => (f ? f(${JSON.stringify(op)}, ${JSON.stringify(args)}) : ${JSON.stringify(DOM_MISSING)}))(window[Symbol.for('webagent-r1.dom.call')])`;
}

const STATE_NAMES: ReadonlyArray<[number, (s: { -readonly [K in keyof ElementState]: ElementState[K] }) => void]> = [
  [STATE_BITS.checked, (s) => (s.checked = true)],
  [STATE_BITS.mixed, (s) => (s.checked = 'mixed')],
  [STATE_BITS.selected, (s) => (s.selected = true)],
  [STATE_BITS.disabled, (s) => (s.disabled = true)],
  [STATE_BITS.expanded, (s) => (s.expanded = true)],
  [STATE_BITS.collapsed, (s) => (s.expanded = false)],
  [STATE_BITS.focused, (s) => (s.focused = true)],
  [STATE_BITS.required, (s) => (s.required = true)],
];

/** Converts the walker's compact rows into observation nodes. */
export function rowsToNodes(rows: readonly DomRow[]): ObservationNode[] {
  return rows.map(([id, role, name, value, bits, level, depth, visible, inputType]) => {
    const node: { -readonly [K in keyof ObservationNode]: ObservationNode[K] } = { role, name };
    if (id) node.id = id;
    if (inputType) node.inputType = inputType;
    if (value !== null) node.value = value;
    if (bits) {
      const state: { -readonly [K in keyof ElementState]: ElementState[K] } = {};
      for (const [bit, set] of STATE_NAMES) if (bits & bit) set(state);
      node.state = state;
    }
    if (level) node.level = level;
    if (depth) node.depth = depth;
    node.visible = visible === 1;
    return node;
  });
}
