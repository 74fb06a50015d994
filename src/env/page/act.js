// @ts-check
// The in-page half of the element actions: check that the element can take the action and
// compute where to act (prepare), check what the pointer is on after a move (verify) and where
// a click landed (pressed); wait for short timers, read a value back, scroll.
/** @import { DomPrepareArgs, DomPrepareResult, DomVerifyArgs, DomVerifyResult, DomTimersArgs, DomTimersResult, DomValueArgs, DomValueResult, DomScrollArgs, DomScrollResult, DomPressedArgs, DomPressedResult } from '../dom-protocol.js' */

import { TEXT_INPUTS, VALUE_INPUTS, ws, win } from './elements.js';
import { fill } from './fill.js';
import { describe, coverOf, lookup, toTop, receives, parentOf, reveal, hitPoint } from './targets.js';

/**
 * @param {{ kind: DomPrepareArgs['kind'], id: number, text?: string, option?: string }} a `text` is set to '' when missing
 * @returns {DomPrepareResult}
 */
export function prepare(a) {
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
    return { error: what + ' is an option of a dropdown; use the select action on ' + (sel ? describe(/** @type {PageElement} */ (/** @type {Element} */ (sel))) : 'its dropdown') + ' instead' };
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
      const s = /** @type {Selection} */ (win(el).getSelection());
      s.removeAllRanges(); s.addRange(range);
    } else {
      try { el.select(); } catch (e) { /* some input types have no selection API */ }
    }
    if (el.ownerDocument.activeElement !== el) return { error: what + ' could not be focused' };
    const empty = el.isContentEditable ? !el.textContent : !el.value;
    return { x: p.x, y: p.y, clear: !empty, ...(inputType === 'number' ? { check: true } : {}) };
  }
  if (a.kind !== 'click') return { x: p.x, y: p.y };
  /** @type {PressRecord | undefined} */
  const pressed = win(el)[Symbol.for('webagent-r1.press')];
  const presses = pressed ? pressed.count : -1;
  const clicks = pressed ? pressed.clicks : -1;
  return hoverSensitive(el) ? { x: p.x, y: p.y, hover: true, presses, clicks } : { x: p.x, y: p.y, presses, clicks };
}

// Whether moving the mouse onto el may set off page code (a mouseover, mouseenter or
// mousemove listener on it, an ancestor, its document or window), which may change what is
// under the pointer. Unknown (listeners not recorded) counts as yes.
/** @param {Element} el */
function hoverSensitive(el) {
  const w = win(el);
  /** @type {WeakSet<EventTarget> | undefined} */
  const hs = w[Symbol.for('webagent-r1.hover')];
  if (!hs) return true;
  const doc = el.ownerDocument;
  /** @param {EventTarget & Partial<GlobalEventHandlers>} t */
  const props = (t) => !!(t.onmouseover || t.onmouseenter || t.onmousemove || t.onpointerover || t.onpointerenter || t.onpointermove);
  if (hs.has(w) || hs.has(doc) || props(w) || props(doc)) return true;
  for (let a = /** @type {Element | null} */ (el); a; a = parentOf(a)) {
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
/** @param {DomVerifyArgs} a @returns {Promise<DomVerifyResult>} */
export async function verify(a) {
  const el = lookup(a.id);
  if (!el) return { error: 'element [' + a.id + '] went away when the mouse moved over it' };
  const what = describe(el);
  const off = toTop(el, 0, 0);
  const root = /** @type {Node & Partial<DocumentOrShadowRoot>} */ (el.getRootNode());
  const hitter = /** @type {DocumentOrShadowRoot} */ (root && root.elementFromPoint ? root : el.ownerDocument);
  const at = () => /** @type {PageElement | null} */ (hitter.elementFromPoint(a.x - off.x, a.y - off.y));
  if (receives(el, at())) return { x: a.x, y: a.y };
  /** @type {TimerRecord | undefined} */
  const tm = window[Symbol.for('webagent-r1.timers')];
  /** @param {(t?: number) => void} f @param {number} ms */
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
/** @param {DomTimersArgs} a @returns {DomTimersResult | Promise<DomTimersResult>} */
export function waitTimers(a) {
  /** @type {TimerRecord | undefined} */
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

/** @param {DomValueArgs} a @returns {DomValueResult} */
export function valueOp(a) {
  const el = lookup(a.id);
  return el ? { value: typeof el.value === 'string' ? el.value : null, what: describe(el) } : { value: null, what: 'element [' + a.id + ']' };
}

/** @param {DomScrollArgs['direction']} direction @returns {DomScrollResult} */
export function scroll(direction) {
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
/** @param {DomPressedArgs} a @returns {DomPressedResult} */
export function pressed(a) {
  const el = lookup(a.id);
  if (!el) return { ok: true };
  /** @type {PressRecord | undefined} */
  const record = win(el)[Symbol.for('webagent-r1.press')];
  if (!record || a.since < 0) return { ok: true };
  /** @param {PageElement} target */
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
