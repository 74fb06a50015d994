// @ts-check
// The page program's view of an element (see walker.js for how these modules become one
// function): its role, accessible name, value and state bits as the observation rows show
// them, its stable id, and whether it is in the viewport.

const KEY = Symbol.for('webagent-r1.dom');
/** @type {DomRegistry} */
export let reg = window[KEY];
if (!reg) {
  // shown: the role and name each element had in the last walk that listed it, for messages.
  reg = { next: 1, ids: new WeakMap(), els: new Map(), shown: new WeakMap() };
  Object.defineProperty(window, KEY, { value: reg, enumerable: false });
}
export const INTERACTIVE = new Set(['button', 'link', 'checkbox', 'radio', 'textbox', 'searchbox', 'combobox',
  'listbox', 'option', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'tab', 'switch', 'slider',
  'spinbutton', 'treeitem', 'clickable']);
const NAME_FROM_CONTENT = new Set(['button', 'link', 'checkbox', 'radio', 'option', 'menuitem',
  'menuitemcheckbox', 'menuitemradio', 'tab', 'switch', 'treeitem', 'clickable', 'heading']);
export const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'META', 'LINK', 'BASE', 'TITLE']);
export const BLOCK = new Set(['ADDRESS', 'ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'BODY', 'DD', 'DETAILS', 'DIALOG', 'DIV',
  'DL', 'DT', 'FIELDSET', 'FIGCAPTION', 'FIGURE', 'FOOTER', 'FORM', 'HEADER', 'HR', 'LI', 'MAIN', 'NAV',
  'OL', 'P', 'PRE', 'SECTION', 'TABLE', 'TBODY', 'THEAD', 'TFOOT', 'TR', 'UL', 'CAPTION', 'LEGEND', 'BR']);
export const TEXT_INPUTS = new Set(['text', 'search', 'email', 'url', 'tel', 'password', 'number', 'date',
  'datetime-local', 'month', 'time', 'week', 'range', 'color', '']);
// Inputs whose value has a format of its own: filled with their value, as Playwright's fill
// does (keystrokes do not reach them as text); their type is shown in the observation.
export const VALUE_INPUTS = new Set(['date', 'datetime-local', 'month', 'time', 'week', 'color', 'range']);
export const SHOWN_TYPES = new Set(['date', 'datetime-local', 'month', 'time', 'week', 'color']);
// Roles whose empty name gets a positional hint (icon-only buttons and links).
const HINTED = new Set(['button', 'link', 'clickable', 'menuitem', 'tab', 'option', 'treeitem']);
// Descendants that are targets of their own, so their ancestor is not a list item.
export const ACTIONABLE_INSIDE = 'a[href],button,input,select,textarea,[onclick],[contenteditable=""],[contenteditable="true"],'
  + '[role=button],[role=link],[role=option],[role=menuitem],[role=checkbox],[role=radio],[role=tab],[role=switch],[role=textbox],[role=combobox]';
/** @param {string | null | undefined} s */
export const ws = (s) => (s || '').replace(/\s+/g, ' ').trim();
/** @param {string} s @param {number} n */
export const cap = (s, n) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/** The window of el's document (a same-origin frame's, for elements in one). @param {Element} el */
export function win(el) { return el.ownerDocument.defaultView || window; }

/** @param {PageElement} el @returns {string | null} */
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

/** @param {PageElement} el @returns {string | null} */
export function roleOf(el) {
  const explicit = (el.getAttribute('role') || '').trim().split(/\s+/)[0].toLowerCase();
  if (explicit && explicit !== 'none' && explicit !== 'presentation') return explicit;
  return implicitRole(el);
}

/** @param {PageElement} el */
export function hasClickHandler(el) {
  if (el === el.ownerDocument.body || el === el.ownerDocument.documentElement) return false;
  if (el.hasAttribute('onclick') || typeof el.onclick === 'function') return true;
  /** @type {WeakSet<EventTarget> | undefined} */
  const set = win(el)[Symbol.for('webagent-r1.listeners')];
  return !!(set && set.has(el));
}

/** @param {Element} el @param {string} ids */
function textById(el, ids) {
  const doc = el.ownerDocument;
  return ws(ids.split(/\s+/).map((id) => { const t = doc.getElementById(id); return t ? t.textContent : ''; }).join(' '));
}

// Text of a label without the control it wraps (a select's options are not its name).
/** @param {HTMLLabelElement} label @param {Element} control */
function labelText(label, control) {
  let out = '';
  const walker = /** @type {TextWalker} */ (label.ownerDocument.createTreeWalker(label, NodeFilter.SHOW_TEXT));
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    if (p && (control.contains(p) || p.closest('select,textarea,script,style'))) continue;
    out += n.data + ' ';
  }
  return out;
}

/** @param {PageElement} el @param {string} role @returns {string} */
export function nameOf(el, role) {
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
/** @param {Element} el */
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
/** @type {Map<Element, { text: string, peers: [PageElement, string][] | null }>} */
const rowCache = new Map();
/** @param {Element} row */
function rowText(row) {
  let out = '';
  const walker = /** @type {TextWalker} */ (row.ownerDocument.createTreeWalker(row, NodeFilter.SHOW_TEXT));
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
/** @param {PageElement} el */
function effectiveRole(el) {
  const r = roleOf(el);
  if (r && INTERACTIVE.has(r)) return r;
  return hasClickHandler(el) ? 'clickable' : null;
}
/** @param {PageElement} el @param {string} role */
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
      for (const x of /** @type {NodeListOf<PageElement>} */ (row.querySelectorAll('*'))) {
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

/** @param {PageElement} el @param {string} role */
export function shownName(el, role) {
  const n = nameOf(el, role);
  return n || (HINTED.has(role) ? positionalName(el, role) : '');
}

/** @param {PageElement} el @param {string} role @returns {string | null} */
export function valueOf(el, role) {
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

/** State bits (STATE_BITS in dom-protocol.ts). @param {PageElement} el */
export function stateOf(el) {
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
  if (tag === 'SUMMARY' && el.parentElement && el.parentElement.tagName === 'DETAILS') s |= /** @type {HTMLDetailsElement} */ (el.parentElement).open ? 16 : 32;
  if (el.ownerDocument.activeElement === el && el.ownerDocument.hasFocus()) s |= 64;
  if (el.required || el.getAttribute('aria-required') === 'true') s |= 128;
  return s;
}

/** @param {Element} el */
export function idFor(el) {
  let id = reg.ids.get(el);
  if (id === undefined) {
    id = reg.next++;
    reg.ids.set(el, id);
    reg.els.set(id, new WeakRef(el));
  }
  return id;
}

/** @param {Element} el */
export function inViewport(el) {
  // Position relative to the top viewport, through same-origin frames.
  const r = el.getBoundingClientRect();
  let top = r.top, bottom = r.bottom, left = r.left, right = r.right;
  /** @type {Window} */
  let w = win(el);
  while (w !== window && w.frameElement) {
    const fr = w.frameElement.getBoundingClientRect();
    top += fr.top; bottom += fr.top; left += fr.left; right += fr.left;
    w = w.parent;
  }
  return bottom > 0 && right > 0 && top < window.innerHeight && left < window.innerWidth;
}
