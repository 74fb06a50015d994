// The code WebEnvironment runs inside the page: a DOM walker that lists the page as compact
// observation rows with stable integer ids, and the in-page half of every element action
// (resolve id, check visibility / enabled / hit-test, scroll into view, compute the point).
//
// Kept as a plain JavaScript string, not a TypeScript function, because function.toString()
// of transpiled code can reference helpers (`__name`) that do not exist in the page.
// One `page.evaluate` per observation or action: measured ~1.5 ms against ~4.6 ms for
// Playwright's aria snapshot, and 3x shorter text (PLATFORM.md).

import type { ElementState, ObservationNode } from './types.js';

/** Row of the walker's output: [id (0 = none), role, name, value|null, stateBits, level, depth, visible(0/1)]. */
export type DomRow = [number, string, string, string | null, number, number, number, number];

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
}

export type DomPrepareArgs =
  | { readonly kind: 'click' | 'hover'; readonly id: number }
  | { readonly kind: 'type'; readonly id: number }
  | { readonly kind: 'select'; readonly id: number; readonly option: string };

export type DomPrepareResult = { readonly error: string } | { readonly x: number; readonly y: number; readonly clear?: boolean } | { readonly done: true };

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
  if (!listeners) return;
  const K = Symbol.for('webagent-r1.listeners');
  const set = new WeakSet();
  Object.defineProperty(window, K, { value: set, enumerable: false });
  const TYPES = new Set(['click', 'mousedown', 'mouseup', 'pointerdown', 'pointerup', 'dblclick']);
  const original = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (type, listener, options) {
    try { if (TYPES.has(type) && this instanceof Element) set.add(this); } catch (e) {}
    return original.call(this, type, listener, options);
  };
})(${listeners ? 'true' : 'false'});`;
}

/** An expression evaluating to `(op, args) => result`; see `domCall`. */
export const DOM_SCRIPT = String.raw`((op, args) => {
  const KEY = Symbol.for('webagent-r1.dom');
  let reg = window[KEY];
  if (!reg) {
    reg = { next: 1, ids: new WeakMap(), els: new Map() };
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
    'datetime-local', 'month', 'time', 'week', '']);
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
    }
    return ws(el.getAttribute('title'));
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
    // A navigation or popup is on its way: the caller will wait and walk the new page instead.
    const pop0 = window[Symbol.for('webagent-r1.popups')];
    const nav0 = window[Symbol.for('webagent-r1.nav')];
    const popups0 = pop0 ? pop0.count : 0;
    if (opts.bail && ((nav0 && nav0.pending) || popups0 > opts.popupsSeen)) {
      const navPending = !!(nav0 && nav0.pending);
      if (nav0) nav0.pending = false;
      return { rows: null, url: location.href, title: document.title, popups: popups0, navPending };
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

    function walkChildren(parent, depth, textOk) {
      let child = parent.firstChild;
      if (parent.tagName === 'SLOT') {
        const assigned = parent.assignedNodes({ flatten: true });
        if (assigned.length) { for (const n of assigned) walkNode(n, depth, textOk); return; }
      }
      for (; child; child = child.nextSibling) walkNode(child, depth, textOk);
    }

    function walkNode(node, depth, textOk) {
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
          walkChildren(doc.body, depth + 1, true);
          flush(depth + 1);
        } else {
          rows.push([0, 'iframe', cap(label + ' (cross-origin, content not shown)', opts.maxNameLength), null, 0, 0, depth, inViewport(el) ? 1 : 0]);
        }
        return;
      }
      const role = roleOf(el);
      const actionable = (role !== null && INTERACTIVE.has(role)) || hasClickHandler(el);
      if (actionable) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0 && tag !== 'OPTION' && !el.firstElementChild) return;
        flush(depth);
        const effRole = role && INTERACTIVE.has(role) ? role : 'clickable';
        const vis = inViewport(el) ? 1 : 0;
        rows.push([idFor(el), effRole, cap(nameOf(el, effRole), opts.maxNameLength), valueOf(el, effRole), stateOf(el), 0, depth, vis]);
        if (tag === 'SELECT') {
          for (const o of el.options) {
            rows.push([idFor(o), 'option', cap(ws(o.label || o.textContent), opts.maxNameLength), null, o.selected ? 4 : 0, 0, depth + 1, vis]);
          }
          return;
        }
        if (tag === 'TEXTAREA' || tag === 'INPUT' || effRole === 'textbox') return;
        // Name came from the content: only look inside for nested actionable elements.
        if (el.shadowRoot) walkChildren(el.shadowRoot, depth, false); else walkChildren(el, depth, false);
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
      if (el.shadowRoot) walkChildren(el.shadowRoot, depth, labelText); else walkChildren(el, depth, labelText);
      if (block) flush(depth);
    }

    const body = document.body || document.documentElement;
    if (body) walkChildren(body, 0, true);
    flush(0);
    const pop = window[Symbol.for('webagent-r1.popups')];
    const nav = window[Symbol.for('webagent-r1.nav')];
    const navPending = !!(nav && nav.pending);
    if (nav) nav.pending = false;
    return { rows, url: location.href, title: document.title, popups: pop ? pop.count : 0, navPending, loading: document.readyState === 'loading' };
  }

  function describe(el) {
    const role = roleOf(el) || el.tagName.toLowerCase();
    const id = reg.ids.get(el);
    const name = cap(nameOf(el, role) || ws(el.textContent), 60);
    return (id ? '[' + id + '] ' : '') + role + (name ? ' ' + JSON.stringify(name) : '');
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

  function prepare(a) {
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
    if (a.kind === 'type') {
      const editable = el.isContentEditable || el.tagName === 'TEXTAREA'
        || (el.tagName === 'INPUT' && TEXT_INPUTS.has((el.getAttribute('type') || '').toLowerCase()));
      if (!editable) return { error: what + ' is not a text field; it cannot be typed into' };
      if (el.readOnly) return { error: what + ' is read-only' };
    }
    let r = el.getBoundingClientRect();
    const vw = win(el).innerWidth, vh = win(el).innerHeight;
    if (r.top < 0 || r.left < 0 || r.bottom > vh || r.right > vw || !inViewport(el)) {
      el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
      r = el.getBoundingClientRect();
    }
    if (r.width === 0 || r.height === 0) return { error: what + ' has no size on the page (it may be collapsed or off-screen)' };
    const root = el.getRootNode();
    const hitter = root && root.elementFromPoint ? root : el.ownerDocument;
    const cx = Math.min(Math.max(r.left + r.width / 2, 0), vw - 1);
    const cy = Math.min(Math.max(r.top + r.height / 2, 0), vh - 1);
    const points = [[cx, cy], [r.left + r.width * 0.25, r.top + r.height * 0.5], [r.left + r.width * 0.75, r.top + r.height * 0.5],
      [r.left + r.width * 0.5, r.top + r.height * 0.25], [r.left + r.width * 0.5, r.top + r.height * 0.75]];
    let hit = null;
    let point = null;
    for (const [x, y] of points) {
      if (x < 0 || y < 0 || x >= vw || y >= vh) continue;
      hit = hitter.elementFromPoint(x, y);
      if (receives(el, hit)) { point = [x, y]; break; }
    }
    if (!point) {
      if (!hit) return { error: what + ' is outside the viewport' };
      return { error: what + ' is covered by ' + describe(hit) + '; close or scroll away what covers it' };
    }
    const p = toTop(el, point[0], point[1]);
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
      return { x: p.x, y: p.y, clear: !empty };
    }
    return { x: p.x, y: p.y };
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

  if (op === 'observe') return observe(args);
  if (op === 'prepare') return prepare(args);
  if (op === 'scroll') return scroll(args.direction);
  throw new Error('unknown op ' + op);
})`;

/** A JavaScript expression that runs `op` of DOM_SCRIPT with `args` in the page. */
export function domCall(op: 'observe' | 'prepare' | 'scroll', args: unknown): string {
  return `${DOM_SCRIPT}(${JSON.stringify(op)}, ${JSON.stringify(args)})`;
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
  return rows.map(([id, role, name, value, bits, level, depth, visible]) => {
    const node: { -readonly [K in keyof ObservationNode]: ObservationNode[K] } = { role, name };
    if (id) node.id = id;
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
