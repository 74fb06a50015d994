// @ts-check
// The init script: installed with `addInitScript` in every document of an episode's context,
// before the page's own scripts run. Counts popups the document opens (`window.open`, links and
// forms with a target), so a step knows to wait for the new tab; flags navigations the page
// sets off; keeps track of short timers and of trusted presses; compiles the page program
// (walker.js) once per document; and, when `listeners` is on, records elements that get
// click-like listeners through `addEventListener`, so the walker can list them as actionable (a
// page cannot be asked for its listeners without the DevTools protocol). Reaches the page as
// text, like the walker (see walker.js): dom-script.ts calls installHooks with its arguments.
/** @import { DomOp } from '../dom-protocol.js' */

/**
 * @param {boolean} listeners record elements that get click-like or hover listeners
 * @param {string} navBinding name of the binding to call when the page sets off a navigation
 * @param {number} shortTimerMs timers with a delay up to this are short
 * @param {(op: DomOp, args: any) => unknown} program the page program, kept on the window for domInvoke
 */
export const installHooks = (listeners, navBinding, shortTimerMs, program) => {
  const P = Symbol.for('webagent-r1.popups');
  if (window[P]) return;
  /** @type {PopupRecord} */
  const popups = { count: 0 };
  Object.defineProperty(window, P, { value: popups, enumerable: false });
  const open = window.open;
  window.open = function (...args) { popups.count += 1; return open.apply(this, args); };
  /** @param {string | null | undefined} t a link's or form's target */
  const opensTab = (t) => !!t && !/^_(self|top|parent)$/i.test(t);
  document.addEventListener('click', /** @param {PageEvent} e */ (e) => {
    const a = /** @type {HTMLAnchorElement | HTMLAreaElement | null} */ (e.target && e.target.closest ? e.target.closest('a[href],area[href]') : null);
    if (a && opensTab(a.target)) popups.count += 1;
  }, true);
  document.addEventListener('submit', /** @param {PageEvent} e */ (e) => { if (e.target && opensTab(e.target.target)) popups.count += 1; }, true);
  // Chromium starts a form submission's navigation in a later task, so it can begin after the
  // step has already observed the page. Flag navigations that are coming (read and cleared
  // by the walk) so the step waits for them. Window bubble listeners run after the page's own
  // handlers, so defaultPrevented is known.
  const N = Symbol.for('webagent-r1.nav');
  /** @type {NavigationRecord} */
  const nav = { pending: false };
  Object.defineProperty(window, N, { value: nav, enumerable: false });
  // Also tell the environment at once through its binding (the message leaves during the event
  // handler, before the input event is acknowledged), so the step can skip observing a page
  // that is about to be replaced.
  const flag = () => {
    if (nav.pending) return; // one hint per navigation (a click and its navigate event both flag)
    nav.pending = true;
    try { const hint = /** @type {any} */ (window)[navBinding]; if (typeof hint === 'function') hint().catch(() => {}); } catch (e) { /* the page replaced or broke the binding: no hint */ }
  };
  window.addEventListener('submit', /** @param {PageEvent} e */ (e) => {
    if (!e.defaultPrevented && !(e.target && opensTab(e.target.target))) flag();
  });
  window.addEventListener('click', /** @param {PageEvent<MouseEvent>} e */ (e) => {
    if (e.defaultPrevented || e.button !== 0) return;
    const a = /** @type {HTMLAnchorElement | HTMLAreaElement | null} */ (e.target && e.target.closest ? e.target.closest('a[href],area[href]') : null);
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
  /** @type {TimerRecord} */
  const timers = { epoch: 0, live: new Map(), current: undefined, wake: null,
    timeout: (f, ms) => st.call(window, f, ms), clear: (id) => ct.call(window, id), frame: (f) => raf.call(window, f) };
  Object.defineProperty(window, T, { value: timers, enumerable: false });
  const origin = () => (timers.current !== undefined ? timers.current : timers.epoch);
  /** @param {string} key */
  const fired = (key) => { if (timers.live.delete(key) && timers.wake) timers.wake(); };
  /** @param {string} key @param {number} epoch @param {Function} fn @param {unknown} self @param {unknown[]} args */
  const run = (key, epoch, fn, self, args) => {
    const outer = timers.current;
    timers.current = epoch;
    try { return fn.apply(self, args); } finally { timers.current = outer; fired(key); }
  };
  window.setTimeout = function setTimeout(fn, delay, ...args) {
    if (typeof fn !== 'function') return st.apply(window, /** @type {any} */ (arguments));
    const epoch = origin();
    const id = st.call(window, /** @this {unknown} */ function () { return run('t' + id, epoch, fn, this, args); }, delay);
    if (!(Number(delay) > shortTimerMs)) timers.live.set('t' + id, epoch);
    return id;
  };
  window.clearTimeout = function clearTimeout(id) { fired('t' + id); return ct.call(window, id); };
  window.setInterval = function setInterval(fn, delay, ...args) {
    if (typeof fn !== 'function') return si.apply(window, /** @type {any} */ (arguments));
    const epoch = origin();
    const id = si.call(window, /** @this {unknown} */ function () { return run('i', epoch, fn, this, args); }, delay);
    if (!(Number(delay) > shortTimerMs)) timers.live.set('t' + id, epoch);
    return id;
  };
  window.clearInterval = function clearInterval(id) { fired('t' + id); return ci.call(window, id); };
  if (typeof raf === 'function') {
    window.requestAnimationFrame = function requestAnimationFrame(fn) {
      if (typeof fn !== 'function') return raf.call(window, fn);
      const epoch = origin();
      const id = raf.call(window, /** @this {unknown} @param {number} t */ function (t) { return run('f' + id, epoch, fn, this, [t]); });
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
  /** @type {PressRecord} */
  const press = { count: 0, target: null, clicks: 0, clicked: null };
  Object.defineProperty(window, Symbol.for('webagent-r1.press'), { value: press, enumerable: false });
  /** @param {Event} e */
  const targetOf = (e) => { const t = /** @type {PageElement | null} */ (e.composedPath ? e.composedPath()[0] : e.target); return t && t.nodeType === 1 ? new WeakRef(t) : null; };
  window.addEventListener('pointerdown', (e) => { if (e.isTrusted) { press.count += 1; press.target = targetOf(e); } }, true);
  window.addEventListener('click', (e) => { if (e.isTrusted) { press.clicks += 1; press.clicked = targetOf(e); } }, true);
  // The DOM script itself, compiled once per document: each call then sends a few bytes instead
  // of the whole script to parse again (see domInvoke).
  Object.defineProperty(window, Symbol.for('webagent-r1.dom.call'), { value: program });
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
  EventTarget.prototype.addEventListener = /** @this {EventTarget} @param {string} type @param {EventListenerOrEventListenerObject | null} listener @param {boolean | AddEventListenerOptions} [options] */ function (type, listener, options) {
    try {
      if (TYPES.has(type) && this instanceof Element) set.add(this);
      else if (HOVER.has(type)) hover.add(this);
    } catch (e) { /* a target a WeakSet cannot hold: not recorded */ }
    return original.call(this, type, listener, options);
  };
};
