// @ts-check
// The element an action is about: looked up by id, named in messages, its point in the top
// viewport, what its visible part is, and where a click on it lands.

import { reg, ws, cap, win, roleOf, nameOf, inViewport } from './elements.js';

// An element as messages name it: by role and accessible name (as the last observation showed
// it), never by the text of a large container (a page's <html> would give its CSS).
/** @param {PageElement} el */
export function describe(el) {
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
/** @param {PageElement} hit @returns {PageElement} */
export function coverOf(hit) {
  for (let c = /** @type {PageElement | null} */ (hit); c && c.tagName !== 'BODY' && c.tagName !== 'HTML'; c = /** @type {PageElement | null} */ (c.parentElement)) if (reg.shown.has(c)) return c;
  return hit;
}

/** The element with this id, while it is in the document. @param {number} id */
export function lookup(id) {
  const ref = reg.els.get(id);
  const el = /** @type {PageElement | undefined} */ (ref && ref.deref());
  return el && el.isConnected ? el : null;
}

// Point in top-viewport coordinates from a point local to el's document.
/** @param {Element} el @param {number} x @param {number} y */
export function toTop(el, x, y) {
  /** @type {Window} */
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

/** Whether a press on `hit` reaches el (hit is el, inside it, or a label of it). @param {Element} el @param {Element | null} hit */
export function receives(el, hit) {
  if (!hit) return false;
  if (hit === el || el.contains(hit)) return true;
  if (hit.tagName === 'LABEL' && /** @type {HTMLLabelElement} */ (hit).control === el) return true;
  const lab = hit.closest && hit.closest('label');
  return !!(lab && lab.control === el);
}

/** el's parent, or the host of the shadow root el is the top of. @param {Element} el @returns {Element | null} */
export function parentOf(el) {
  if (el.parentElement) return el.parentElement;
  const root = /** @type {Node & { host?: Element }} */ (el.getRootNode());
  return root && root.host ? root.host : null;
}

// The part of el's border box left visible by the ancestors that clip it (overflow other than
// visible, on its containing-block chain) and by its window's viewport, in that window's
// coordinates; null when nothing is. With scrollersOnly, only scrollable ancestors count.
/** @param {Element} el @param {boolean} scrollersOnly */
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
/** @param {Element} el */
export function reveal(el) {
  const r = el.getBoundingClientRect();
  const v = visibleRect(el, true);
  const whole = v && v.left <= r.left + 0.5 && v.top <= r.top + 0.5 && v.right >= r.right - 0.5 && v.bottom >= r.bottom - 0.5;
  if (!whole || !inViewport(el)) el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
}

// A point of el's visible part where a click reaches el (its centre first), in el's window
// coordinates; else the element found at the centre, or none when no part of el is visible.
/** @param {Element} el @returns {HitPoint} */
export function hitPoint(el) {
  const v = visibleRect(el, false);
  if (!v) return { none: true };
  const root = /** @type {Node & Partial<DocumentOrShadowRoot>} */ (el.getRootNode());
  const hitter = /** @type {DocumentOrShadowRoot} */ (root && root.elementFromPoint ? root : el.ownerDocument);
  const w = v.right - v.left, h = v.bottom - v.top;
  const points = [[v.left + w / 2, v.top + h / 2], [v.left + w * 0.25, v.top + h / 2], [v.left + w * 0.75, v.top + h / 2],
    [v.left + w / 2, v.top + h * 0.25], [v.left + w / 2, v.top + h * 0.75]];
  /** @type {PageElement | null} */
  let first = null;
  for (const [x, y] of points) {
    const hit = /** @type {PageElement | null} */ (hitter.elementFromPoint(x, y));
    if (receives(el, hit)) return { x, y };
    if (!first) first = hit;
  }
  return { hit: first };
}
