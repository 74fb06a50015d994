// @ts-check
// The walk: the document (with its same-origin frames and open shadow roots) as compact
// observation rows, each actionable element listed once with its id, text gathered into rows
// between blocks; and whether a navigation or popup is already on its way.
/** @import { DomObserveArgs, DomObserveResult, DomRow } from '../dom-protocol.js' */
/** @typedef {{ role: string, list: Element | null }} ListContext the list an element is in: list is the element whose children are its items, of role `role` */

import { reg, INTERACTIVE, SKIP, BLOCK, SHOWN_TYPES, ACTIONABLE_INSIDE, ws, cap, roleOf, hasClickHandler, nameOf, shownName, valueOf, stateOf, idFor, inViewport } from './elements.js';

/** @param {DomObserveArgs} opts @returns {DomObserveResult} */
export function observe(opts) {
  // Short timers of the epoch this walk closes (see initScript).
  /** @type {TimerRecord | undefined} */
  const tm = window[Symbol.for('webagent-r1.timers')];
  let timers = 0;
  const timerEpoch = tm ? tm.epoch : 0;
  if (tm) { for (const e of tm.live.values()) if (e === timerEpoch) timers++; tm.epoch++; }
  // A navigation or popup is on its way: the caller will wait and walk the new page instead.
  /** @type {PopupRecord | undefined} */
  const pop0 = window[Symbol.for('webagent-r1.popups')];
  /** @type {NavigationRecord | undefined} */
  const nav0 = window[Symbol.for('webagent-r1.nav')];
  const popups0 = pop0 ? pop0.count : 0;
  if (opts.bail && ((nav0 && nav0.pending) || popups0 > /** @type {number} */ (opts.popupsSeen))) {
    const navPending = !!(nav0 && nav0.pending);
    if (nav0) nav0.pending = false;
    return { rows: null, url: location.href, title: document.title, popups: popups0, navPending, timers, timerEpoch };
  }
  /** @type {DomRow[]} */
  const rows = [];
  let buf = '';
  /** @type {Element | null} */
  let bufEl = null;
  /** @param {number} depth */
  const flush = (depth) => {
    const t = ws(buf);
    if (t) rows.push([0, 'text', cap(t, opts.maxTextLength), null, 0, 0, depth, bufEl && inViewport(bufEl) ? 1 : 0]);
    buf = ''; bufEl = null;
  };
  /** @param {Element} el */
  const visibleSelf = (el) => (el.checkVisibility ? el.checkVisibility({ visibilityProperty: true }) : true);
  /** @param {Element} el */
  const hasActionable = (el) => !!el.querySelector('a[href],button,input,select,textarea,[role],[onclick],[contenteditable]');

  // Popups of comboboxes (autocomplete suggestion lists): their items are options.
  /** @type {Set<Element>} */
  const popupEls = new Set();
  for (const c of /** @type {NodeListOf<PageElement>} */ (document.querySelectorAll('[aria-controls],[aria-owns]'))) {
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
  /** @param {PageElement} el @param {string | null} role @param {ListContext | null} ctx @returns {string | null} */
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
  /** @param {Element} el @param {string | null} role */
  const isItem = (el, role) => (role === null || role === 'listitem') && el.tagName !== 'UL' && el.tagName !== 'OL'
    && !el.querySelector(ACTIONABLE_INSIDE) && (!!ws(el.textContent) || !!el.querySelector('img,svg'));
  // An element with a click handler that holds lists of items is their container, not a target.
  /** @param {Element} el */
  const holdsItems = (el) => !!el.querySelector('li,[role=option],[role=menuitem],[role=listbox],[role=menu]');

  /** @param {HTMLElement | ShadowRoot} parent @param {number} depth @param {boolean} textOk @param {ListContext | null} ctx */
  function walkChildren(parent, depth, textOk, ctx) {
    let child = parent.firstChild;
    if (/** @type {PageElement} */ (parent).tagName === 'SLOT') {
      const assigned = /** @type {PageElement} */ (parent).assignedNodes({ flatten: true });
      if (assigned.length) { for (const n of assigned) walkNode(n, depth, textOk, ctx); return; }
    }
    for (; child; child = child.nextSibling) walkNode(child, depth, textOk, ctx);
  }

  /** @param {Node} node @param {number} depth @param {boolean} textOk @param {ListContext | null} ctx */
  function walkNode(node, depth, textOk, ctx) {
    if (node.nodeType === 3) {
      if (textOk) { if (!bufEl) bufEl = node.parentElement; buf += /** @type {Text} */ (node).data; }
      return;
    }
    if (node.nodeType !== 1) return;
    const el = /** @type {PageElement} */ (node);
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
