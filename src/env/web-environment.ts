// WebEnvironment: the Environment (types.ts) over playwright-core and real Chromium.
// One BrowserContext per episode; observations from one in-page DOM walk; element actions as
// real (trusted) mouse and keyboard input at the point the walker computed. Failed actions
// become `lastActionError` (BrowserGym's convention); environment faults throw typed errors.

import { setTimeout as sleep } from 'node:timers/promises';
import type { BrowserContext, CDPSession, Dialog, Download, Frame, Page, Request } from 'playwright-core';
import {
  BrowserCrashedError,
  BrowserOperationError,
  EnvironmentStateError,
  EpisodeAbortedError,
  PageCrashedError,
  PageUnresponsiveError,
  PageUnstableError,
  SiteUnavailableError,
  StartPageError,
  WebAgentError,
} from '../errors.js';
import { BrowserPool, type ContextLease } from './browser-pool.js';
import {
  allowedOriginsOf,
  resetOptions,
  validateOptions,
  validateTask,
  WEB_ENVIRONMENT_DEFAULTS,
  type ResolvedWebEnvironmentOptions,
  type WebEnvironmentOptions,
} from './web-environment-options.js';
import { WAIT_DEFAULT_MS, waitProblem } from './action-grammar.js';
import {
  domCall,
  domInvoke,
  DOM_MISSING,
  initScript,
  NAV_BINDING,
  rowsToNodes,
  type DomObserveResult,
  type DomPrepareArgs,
  type DomPrepareResult,
  type DomScrollResult,
  type DomOp,
  type DomVerifyResult,
} from './dom-script.js';
import { PageActivity } from './page-activity.js';
import { renderObservationText } from './observation-text.js';
import { resolveTarget } from './targets.js';
import { SESSION_LOST_HEADER, type Action, type CheckResult, type ElementTarget, type Environment, type Observation, type ObservationNode, type ResetOptions, type StepResult } from './types.js';
import { scoreEpisode } from '../tasks/expert.js';
import type { BrowserTask } from '../tasks/types.js';

/** An action failure reported to the agent, not a fault of the environment. */
class ActionFailure extends Error {}

/** For best-effort waits: ignore their failure unless it is an environment fault. */
function rethrowFaults(e: unknown): void {
  if (e instanceof EpisodeAbortedError) throw e;
}

/** Longest a step waits for the short timers its action set off (a menu opening 300 ms after typing), in ms. */
const TIMER_SETTLE_MS = 1_000;
/** Longest a click waits for hover effects to let the pointer reach its element again, in ms (per attempt). */
const HOVER_SETTLE_MS = 500;

const CLOSED_RE = /Target page, context or browser has been closed|Target closed|Browser has been closed|browser has disconnected|Page crashed|has been closed/i;
/** How many times the agent's goto is tried against a page that keeps navigating by itself. */
const GOTO_TRIES = 3;
const NAV_RACE_RE = /Execution context was destroyed|Cannot find context with specified id|navigation|frame was detached|Frame has been detached/i;
/** Errors of Playwright's client API read `<object>.<method>: <reason>` (`page.evaluate: ...`). */
const PLAYWRIGHT_API_RE = /^[a-z][A-Za-z]*\.[a-z][A-Za-z]*: /;
/** Walks in a row that a new document may interrupt before the observation gives up on the page. */
const WALK_ATTEMPTS = 5;

/** Connection-level failures of a navigation: the server is not there (not a slow or refused page). */
const SITE_DOWN_RE = /net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|CONNECTION_CLOSED|EMPTY_RESPONSE|ADDRESS_UNREACHABLE)\b/;

/**
 * Runs web tasks in real Chromium. `reset(task)` opens a fresh context at `task.startUrl`;
 * `step(action)` acts and observes. Use with `await using` or call `close()`.
 */
export class WebEnvironment implements Environment {
  readonly options: Readonly<ResolvedWebEnvironmentOptions>;
  readonly #pool: BrowserPool;
  readonly #ownsPool: boolean;
  #lease: ContextLease | undefined;
  #page: Page | undefined;
  #activity: PageActivity | undefined;
  #task: BrowserTask | undefined;
  #allowed: Set<string> | null = null;
  #turn = 0;
  #done = false;
  #closed = false;
  #notices: string[] = [];
  #pageCrash: AbortController | undefined;
  #nodes: readonly ObservationNode[] = [];
  #answer: string | undefined;
  /** URL of the latest observation: the final URL a checker sees. */
  #lastUrl: string | undefined;
  /** Popups the active document had opened at the last walk, and pages opened by the episode. */
  #popupsSeen = 0;
  /** Where the step's goto came from and went (checked after the settle: the old page's reload may win late). */
  #gotoFrom: { readonly left: string; readonly url: string } | undefined;
  /** Set by a walk that gave up because the page kept replacing its document; read by the next observation. */
  #unstable: string | undefined;
  /** Why the episode's site became unusable: it lost the session (see SESSION_LOST_HEADER) or could not be reached. */
  #sessionLost: string | undefined;
  #pagesOpened = 0;
  /** Wakes a step waiting for a popup the page opened. */
  #onPageOpened: (() => void) | undefined;
  readonly #sessions = new WeakMap<Page, Promise<CDPSession>>();
  readonly #activities = new WeakMap<Page, PageActivity>();
  /** A new tab's first navigation, refused by the network guard before the tab had a frame. */
  #refusedTab: string | undefined;
  /** HTTPS tabs refused that way whose error page has not shown up yet. */
  #refusedTabs = 0;
  /** The page a followed popup was opened from, to return to if the popup must be closed. */
  #opener: { page: Page; activity: PageActivity } | undefined;

  constructor(options: WebEnvironmentOptions = {}) {
    validateOptions(options);
    this.options = Object.freeze({ ...WEB_ENVIRONMENT_DEFAULTS, ...options });
    this.#ownsPool = options.pool === undefined;
    this.#pool = options.pool ?? new BrowserPool(options.browser);
  }

  /** The live page of the current episode (for reward checkers and debugging). */
  get page(): Page {
    if (!this.#page) throw new EnvironmentStateError('no episode is running; call reset(task) first');
    return this.#page;
  }

  /** The browser context of the current episode. */
  get context(): BrowserContext {
    if (!this.#lease) throw new EnvironmentStateError('no episode is running; call reset(task) first');
    return this.#lease.context;
  }

  /** Current task, turn, and final answer (if the agent answered). */
  get episode(): { readonly task: BrowserTask | undefined; readonly turn: number; readonly done: boolean; readonly answer: string | undefined } {
    return { task: this.#task, turn: this.#turn, done: this.#done, answer: this.#answer };
  }

  async reset(task: BrowserTask, options: ResetOptions = {}): Promise<Observation> {
    if (this.#closed) throw new EnvironmentStateError('WebEnvironment is closed');
    validateTask(task);
    resetOptions.as('WebEnvironment.reset').check(options);
    options.signal?.throwIfAborted();
    await this.#endEpisode();
    this.#task = task;
    this.#allowed = allowedOriginsOf(task);
    this.#turn = 0;
    this.#done = false;
    this.#answer = undefined;
    this.#lastUrl = undefined;
    this.#notices = [];
    this.#popupsSeen = 0;
    this.#unstable = undefined;
    this.#sessionLost = undefined;
    this.#pagesOpened = 0;
    this.#refusedTab = undefined;
    this.#refusedTabs = 0;
    this.#pageCrash = new AbortController();
    const { viewport, contextOptions } = this.options;
    const onlyOrigins = this.#allowed && this.options.originGuard === 'network' ? { onlyOrigins: this.#allowed } : {};
    const lease = await this.#pool.newContext({ viewport: { ...viewport }, ...contextOptions, acceptDownloads: false }, onlyOrigins);
    this.#lease = lease;
    try {
      const context = lease.context;
      context.setDefaultTimeout(this.options.actionTimeout);
      context.setDefaultNavigationTimeout(this.options.navigationTimeout);
      await this.#guard(
        context.exposeBinding(NAV_BINDING, ({ page }) => {
          if (page === this.#page) this.#activity?.hintNavigation();
        }),
        this.options.resetTimeout,
        'adding the navigation hint',
      );
      await this.#guard(context.addInitScript(initScript(this.options.detectClickListeners)), this.options.resetTimeout, 'adding the init script');
      context.on('page', (page) => this.#onNewPage(page));
      if (lease.networkGuard) context.on('request', (request) => this.#reportRefused(request));
      const page = await this.#guard(context.newPage(), this.options.resetTimeout, 'opening a page');
      if (this.#page !== page) this.#adopt(page);
      await this.#guard(this.#guardOrigins(page), this.options.resetTimeout, 'installing the origin guard');
      if (this.options.setup) await this.options.setup({ context, page, task });
      if (task.setup) await task.setup({ context, page, task });
      options.signal?.throwIfAborted();
      try {
        await this.#guard(page.goto(task.startUrl, { waitUntil: this.options.waitUntil, timeout: this.options.navigationTimeout }), this.options.navigationTimeout + 1_000, 'loading the start page');
      } catch (error) {
        if (error instanceof EpisodeAbortedError) throw error;
        throw new StartPageError(`task ${JSON.stringify(task.id)}: the start page ${task.startUrl} did not load: ${(error as Error).message.split('\n')[0]}`, { cause: error });
      }
      this.#throwIfSessionLost();
      const ready = task.ready ? await this.#guard(task.ready({ context, page, task }), this.options.navigationTimeout, "running the task's ready hook") : undefined;
      const observation = await this.#observe(null);
      this.#throwIfSessionLost();
      return typeof ready?.instruction === 'string' ? { ...observation, instruction: ready.instruction } : observation;
    } catch (error) {
      // A timeout while preparing the context (an overloaded or hung browser) is a fault of the
      // environment, not of the task: typed as retryable so rollouts re-run the episode.
      const timedOut = !(error instanceof WebAgentError) && error instanceof Error && error.message.startsWith('timed out after');
      const fault = timedOut ? undefined : await this.#fault(error);
      await this.#endEpisode();
      if (timedOut) throw new PageUnresponsiveError(`task ${JSON.stringify(task.id)}: ${(error as Error).message} during reset; the browser is overloaded or hung, and the episode can be re-run`, { cause: error });
      throw fault;
    }
  }

  async step(action: Action): Promise<StepResult> {
    if (this.#closed) throw new EnvironmentStateError('WebEnvironment is closed');
    if (!this.#page || !this.#task) throw new EnvironmentStateError('no episode is running; call reset(task) first');
    if (this.#done) throw new EnvironmentStateError(`the episode of task ${JSON.stringify(this.#task.id)} is over (answered, ended by the page, or out of turns); call reset(task) to start another`);
    const started = Date.now();
    this.#turn += 1;
    let error: string | null = null;
    let terminated = false;
    try {
      const before = this.#page;
      const mark = { popups: this.#popupsSeen, opened: this.#pagesOpened };
      this.#activity!.beginAction();
      this.#refusedTab = undefined;
      try {
        if (action.type === 'answer') {
          this.#answer = action.text;
          terminated = true;
        } else {
          await this.#act(action);
        }
      } catch (e) {
        // The page replaced its document while the action ran (a reload on a timer, a
        // navigation): the action's outcome is unknown, which the agent is told; the step goes on.
        if (!(e instanceof ActionFailure) && e instanceof Error && !(e instanceof WebAgentError) && NAV_RACE_RE.test(e.message) && !this.#lease?.signal.aborted) {
          error = `the page loaded a new document while the ${action.type} ran, so it may not have happened; look at the page as it is now`;
        } else if (!(e instanceof ActionFailure)) throw e;
        else error = e.message;
      }
      // Walk the page unless a navigation is already known to be under way; the walk bails out
      // (cheaply) when the page flags a navigation or popup that has not shown up yet.
      const activity = this.#activity!;
      const navKnown = activity.navigation !== undefined || activity.navigationHinted || this.#page !== before;
      let walk = navKnown ? undefined : await this.#walk(true, mark.popups);
      const popupPending = walk !== undefined && walk.popups > mark.popups && this.#pagesOpened === mark.opened;
      let waited = await this.#settle(before, popupPending, walk?.navPending ?? activity.navigationHinted);
      const from = this.#gotoFrom;
      this.#gotoFrom = undefined;
      if (action.type === 'goto' && error === null && from !== undefined && this.#page === before && before.url() === from.left && from.url !== from.left) {
        // The old page's own reload committed after the goto had landed (it was already under
        // way): go again, with the page's scripts paused, so the agent gets the page it asked for.
        try {
          await this.#goto(before, from.url, true);
        } catch (e) {
          if (!(e instanceof ActionFailure)) throw e;
          error = e.message;
        }
        this.#gotoFrom = undefined;
        waited = (await this.#settle(before, false, false)) || waited;
      }
      if (this.#lease?.networkGuard && this.#activity?.blockedUrl?.startsWith('https:')) {
        // The network guard refused an HTTPS page (a tunnel it will not open): Chromium commits
        // its error page in place of the page, so go back to the page the agent was on.
        // (A refused plain-HTTP page is answered 204 and does not navigate at all.)
        waited = true;
        await this.#leaveErrorPage();
      }
      if (walk?.rows && walk.timers && this.#page === before) {
        // The action set off short timers (a debounced search, a menu that opens after a delay):
        // let them fire, then wait for what they set off in turn (requests, a navigation).
        waited = true;
        await this.#waitTimers(walk.timerEpoch ?? 0);
        await this.#settle(before, false, this.#activity!.navigationHinted);
      }
      if (!walk || waited || !walk.rows) walk = await this.#walk();
      const blocked = this.#activity?.takeBlocked() ?? this.#refusedTab;
      this.#refusedTab = undefined;
      if (blocked !== undefined && error === null) error = this.#blockedMessage(blocked);
      // Asked after the walk and settle, so what the action set off has run (an endEpisode call).
      const task = this.#task;
      if (!terminated && task.isDone) terminated = await this.#guard(task.isDone(this.#page!), this.options.actionTimeout, 'asking the task whether the page ended the episode');
      const truncated = !terminated && this.#turn >= (task.maxTurns ?? this.options.maxTurns);
      this.#done = terminated || truncated;
      this.#throwIfSessionLost();
      const observation = await this.#observation(walk, error);
      const info = { turn: this.#turn, action, elapsedMs: Date.now() - started, ...(action.type === 'answer' ? { answer: action.text } : {}) };
      return { observation, terminated, truncated, info };
    } catch (e) {
      // An environment fault ends the episode: nothing half-done is reported as a result.
      const fault = await this.#fault(e);
      this.#done = true;
      await this.#endEpisode();
      throw fault;
    }
  }

  /**
   * Scores the episode with the task's checker (a WebTask's `check`): the answer, the URL of the
   * latest observation, the final page (still open) and the site state through `readState`.
   */
  async score(): Promise<CheckResult> {
    const task = this.#task;
    if (!task) throw new EnvironmentStateError('no episode to score; call reset(task) and step first');
    const page = this.#page;
    return scoreEpisode(task, { answer: this.#answer ?? null, url: this.#lastUrl ?? page?.url() ?? task.startUrl, ...(page ? { page } : {}) });
  }

  /** Ends the current episode (closes its context) and, if owned, the browser pool. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#endEpisode();
    if (this.#ownsPool) await this.#pool.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---------------------------------------------------------------- actions

  async #act(action: Action): Promise<void> {
    const page = this.#page!;
    const o = this.options;
    switch (action.type) {
      case 'invalid':
        throw new ActionFailure(`invalid action: ${action.reason}`);
      case 'click': {
        const id = await this.#targetId(action.target);
        const p = await this.#prepare({ kind: 'click', id });
        if (!('x' in p)) break;
        await this.#click(page, id, p.x, p.y, p.hover === true);
        await this.#checkPressed(page, id, p.presses ?? -1, p.clicks ?? -1);
        break;
      }
      case 'hover': {
        const p = await this.#prepare({ kind: 'hover', id: await this.#targetId(action.target) });
        if (!('x' in p)) break;
        await this.#input(page.mouse.move(p.x, p.y), 'hovering');
        break;
      }
      case 'type': {
        const id = await this.#targetId(action.target);
        const p = await this.#prepare({ kind: 'type', id, text: action.text });
        if ('x' in p) {
          if (action.text === '') {
            if (p.clear) await this.#input(page.keyboard.press('Delete'), 'clearing the field');
          } else {
            await this.#input(page.keyboard.insertText(action.text), 'typing');
          }
          if (p.check) await this.#checkValue(id, action.text);
        }
        if (action.pressEnter) await this.#input(page.keyboard.press('Enter'), 'pressing Enter');
        break;
      }
      case 'wait': {
        const problem = waitProblem(action.ms);
        if (problem !== undefined) throw new ActionFailure(problem);
        const ms = action.ms ?? WAIT_DEFAULT_MS;
        await this.#guard(sleep(ms), ms + 1_000, 'waiting');
        break;
      }
      case 'select':
        await this.#prepare({ kind: 'select', id: await this.#targetId(action.target), option: action.option });
        break;
      case 'press':
        if (!action.key.trim()) throw new ActionFailure('press needs a key, for example Enter, Tab, Escape or Control+a');
        await this.#input(page.keyboard.press(action.key), `pressing ${action.key}`);
        break;
      case 'scroll': {
        const r = await this.#guard(this.#dom<DomScrollResult>(page, 'scroll', { direction: action.direction }), o.actionTimeout, 'scrolling');
        if ('error' in r) throw new ActionFailure(r.error);
        break;
      }
      case 'goto':
        this.#checkUrl(action.url);
        await this.#goto(page, action.url);
        break;
      case 'go_back':
      case 'go_forward': {
        const back = action.type === 'go_back';
        // The episode's history starts at the start page, not at the blank page before it.
        const history = await this.#guard(this.#cdp(page).then((s) => s.send('Page.getNavigationHistory')), o.actionTimeout, 'reading the history');
        const target = history.currentIndex + (back ? -1 : 1);
        const entry = history.entries[target];
        if (!entry || (target === 0 && entry.url === 'about:blank')) {
          throw new ActionFailure(back ? 'cannot go back: there is no previous page' : 'cannot go forward: there is no next page');
        }
        await this.#navigate(back ? page.goBack({ waitUntil: o.waitUntil, timeout: o.navigationTimeout }) : page.goForward({ waitUntil: o.waitUntil, timeout: o.navigationTimeout }), `going ${back ? 'back' : 'forward'}`);
        break;
      }
      case 'answer':
        break;
    }
  }

  async #targetId(target: ElementTarget): Promise<number> {
    if ('id' in target) return target.id;
    // Names are resolved against a fresh walk: the page may have changed since the last observation.
    const nodes = rowsToNodes((await this.#walk()).rows ?? []);
    const r = resolveTarget(nodes, target);
    if ('error' in r) throw new ActionFailure(r.error);
    return r.id;
  }

  async #prepare(args: DomPrepareArgs): Promise<DomPrepareResult> {
    const r = await this.#guard(this.#dom<DomPrepareResult>(this.#page!, 'prepare', args), this.options.actionTimeout, 'locating the element').catch((e: unknown) => {
      if (e instanceof Error && NAV_RACE_RE.test(e.message)) throw new ActionFailure(`element [${args.id}] is not on the page any more (the page changed); use an id from the current observation`);
      throw e;
    });
    if ('error' in r) throw new ActionFailure(r.error);
    return r;
  }

  async #input(p: Promise<void>, what: string): Promise<void> {
    try {
      await this.#guard(p, this.options.actionTimeout, what);
    } catch (e) {
      if (e instanceof EpisodeAbortedError) throw e;
      if (e instanceof Error && /Unknown key/i.test(e.message)) throw new ActionFailure(`unknown key in ${what}: ${e.message.split('\n')[0]}; use names like Enter, Tab, Escape, ArrowDown, Control+a`);
      if (e instanceof Error && e.message.startsWith('timed out')) throw new ActionFailure(`${what} timed out after ${this.options.actionTimeout} ms`);
      throw e;
    }
  }

  /**
   * The agent's goto. A page that reloads or navigates by itself races it: Playwright reports the
   * goto as interrupted, Chromium aborts it (net::ERR_ABORTED), or the goto completes and the old
   * document's reload commits after it, leaving the tab where it was. The goto is what was asked
   * for, so when the page has navigated by itself since the agent last saw it, or the first try
   * lost, the page's scripts are paused while the tab goes to about:blank (no script can
   * navigate it then; the blank page stays in the tab's history) and the goto starts from there.
   */
  async #goto(page: Page, url: string, quiet = false): Promise<void> {
    const o = this.options;
    const left = page.url();
    this.#gotoFrom = undefined;
    const restless = quiet || (this.#activity?.restless ?? false);
    for (let attempt = 0; ; attempt++) {
      try {
        if (attempt > 0 || restless) await this.#leaveQuietly(page);
        const response = await this.#navigate(page.goto(url, { waitUntil: o.waitUntil, timeout: o.navigationTimeout }), `going to ${url}`);
        if (this.#activity?.blockedUrl !== undefined) return; // the network guard refused it (reported as such)
        // Back on the page it left (Playwright then returns no response, or the response of the
        // goto that the reload replaced), unless the goto itself led there (a redirect).
        const landedOn = response?.url();
        const oldPageWon = page.url() === left && url !== left && landedOn !== left;
        if (!oldPageWon) {
          if (this.#activity) this.#activity.replacedWhileRead = false;
          // Checked again after the settle, unless the goto itself led back there (a redirect).
          if (landedOn !== left) this.#gotoFrom = { left, url };
          return;
        }
        if (attempt >= GOTO_TRIES - 1) throw new ActionFailure(`going to ${url} failed: the page at ${left} kept navigating by itself and took the tab back ${GOTO_TRIES} times`);
      } catch (e) {
        if (!(e instanceof ActionFailure) || !/interrupted by another navigation|net::ERR_ABORTED/.test(e.message) || attempt >= GOTO_TRIES - 1) throw e;
      }
    }
  }

  /** Takes the tab to about:blank with the page's scripts paused, so that none can navigate it. */
  async #leaveQuietly(page: Page): Promise<void> {
    const session = await this.#cdp(page);
    await this.#guard(session.send('Emulation.setScriptExecutionDisabled', { value: true }), this.options.actionTimeout, 'pausing the page\'s scripts');
    try {
      await this.#navigate(page.goto('about:blank', { waitUntil: 'commit', timeout: this.options.navigationTimeout }), 'leaving a page that keeps navigating');
    } finally {
      await this.#guard(session.send('Emulation.setScriptExecutionDisabled', { value: false }), this.options.actionTimeout, 'resuming scripts');
    }
  }

  async #navigate<T>(p: Promise<T>, what: string): Promise<T | null> {
    try {
      return await this.#guard(p, this.options.navigationTimeout + 1_000, what);
    } catch (e) {
      if (e instanceof EpisodeAbortedError) throw e;
      const blocked = this.#activity?.blockedUrl;
      if (blocked !== undefined) return null;
      // A navigation left pending blocks every later evaluate in the page: stop it.
      await this.#stopLoading();
      const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      throw new ActionFailure(`${what} failed: ${msg.replace(/^page\.\w+: /, '')}`);
    }
  }

  /**
   * A real left click on element `id` at (x, y). Where page code listens to the mouse moving onto
   * the element (`hover`): move the mouse there, check that the element is still what the pointer
   * is on once hover effects have applied (an icon that swaps its image on mouseenter may
   * collapse for a moment and pass the click to its parent), then press and release; where the
   * element moved, the mouse follows it once; if the pointer still does not reach it, the click
   * is not made and the step reports why. Elsewhere nothing can move under the pointer (CSS
   * :hover rules aside): move, press and release are sent without waiting for each other's
   * acknowledgement (Chromium queues them in order), one round trip; an awaited move alone
   * waits for the next frame.
   */
  async #click(page: Page, id: number, x: number, y: number, hover: boolean): Promise<void> {
    const session = await this.#cdp(page);
    const event = (type: 'mouseMoved' | 'mousePressed' | 'mouseReleased', px: number, py: number) =>
      session.send('Input.dispatchMouseEvent', { type, x: px, y: py, button: type === 'mouseMoved' ? 'none' : 'left', buttons: type === 'mousePressed' ? 1 : 0, clickCount: type === 'mouseMoved' ? 0 : 1 });
    if (!hover) {
      await this.#input(Promise.all([event('mouseMoved', x, y), event('mousePressed', x, y), event('mouseReleased', x, y)]).then(() => undefined), 'clicking');
      return;
    }
    let at = { x, y };
    for (let attempt = 0; ; attempt++) {
      await this.#input(event('mouseMoved', at.x, at.y).then(() => undefined), 'moving the mouse');
      const v = await this.#guard(this.#dom<DomVerifyResult>(page, 'verify', { id, x: at.x, y: at.y, wait: HOVER_SETTLE_MS, retry: attempt === 0 }), this.options.actionTimeout, 'checking what the mouse is on').catch((e: unknown) => {
        if (e instanceof Error && NAV_RACE_RE.test(e.message)) throw new ActionFailure(`the page changed when the mouse moved over element [${id}]; the click was not made`);
        throw e;
      });
      if ('error' in v) throw new ActionFailure(v.error);
      at = { x: v.x, y: v.y };
      if (!v.moved) break;
    }
    await this.#input(Promise.all([event('mousePressed', at.x, at.y), event('mouseReleased', at.x, at.y)]).then(() => undefined), 'clicking');
  }

  /**
   * After a click, asks the page where its press landed: the hit test and the press are two
   * steps, and an element that moves or flickers over the target in between takes the click.
   * A press elsewhere is an action error; a page that navigated away at once is not checked.
   */
  async #checkPressed(page: Page, id: number, since: number, clicksSince: number): Promise<void> {
    // A click that set off a navigation did something; and a pending navigation blocks every
    // evaluate in the page (a server that never answers would hold the step), so none is asked.
    const activity = this.#activity;
    if (since < 0 || page !== this.#page || !activity || activity.navigation !== undefined || activity.navigationHinted) return;
    const r = await this.#guard(this.#dom<{ ok: true } | { error: string }>(page, 'pressed', { id, since, clicksSince }), Math.min(this.options.actionTimeout, 1_000), 'checking where the click landed').catch((e: unknown) => {
      // The page went away or is waiting on a navigation announced late: the press is not checked.
      if (e instanceof Error && (NAV_RACE_RE.test(e.message) || e.message.startsWith('timed out'))) return { ok: true } as const;
      throw e;
    });
    if ('error' in r) throw new ActionFailure(r.error);
  }

  /** Reads back a field typed into whose value the browser may refuse (a number input), and reports a refusal. */
  async #checkValue(id: number, text: string): Promise<void> {
    const r = await this.#guard(this.#dom<{ value: string | null; what: string }>(this.#page!, 'value', { id }), this.options.actionTimeout, 'reading the field back').catch((e: unknown) => {
      rethrowFaults(e);
      return undefined;
    });
    if (r && r.value !== null && r.value !== text.trim()) throw new ActionFailure(`${r.what} did not take ${JSON.stringify(text)}; its value is ${JSON.stringify(r.value)}`);
  }

  /** Waits (bounded) for the short timers of `epoch` (those the action set off) to fire. */
  async #waitTimers(epoch: number): Promise<void> {
    await this.#guard(this.#dom<{ left: number }>(this.#page!, 'timers', { epoch, ms: TIMER_SETTLE_MS }), TIMER_SETTLE_MS + this.options.observationTimeout, 'waiting for the page\'s timers').catch((e: unknown) => {
      // The page went away under the wait (a timer navigated): the settle after it handles that.
      if (e instanceof Error && NAV_RACE_RE.test(e.message)) return;
      throw e;
    });
  }

  /**
   * Runs `op` of the DOM script in `page`: through the copy the init script compiled in the
   * document, or, in a document it did not run in, by sending the whole script.
   */
  async #dom<T>(page: Page, op: DomOp, args: unknown): Promise<T> {
    const r = await page.evaluate(domInvoke(op, args));
    return (r === DOM_MISSING ? await page.evaluate(domCall(op, args)) : r) as T;
  }

  /** A DevTools session on `page` (Chromium only), made on first use. */
  #cdp(page: Page): Promise<CDPSession> {
    let session = this.#sessions.get(page);
    if (!session) {
      session = page.context().newCDPSession(page);
      this.#sessions.set(page, session);
    }
    return session;
  }

  async #leaveErrorPage(): Promise<void> {
    const page = this.#page!;
    const o = this.options;
    const isError = (url: URL): boolean => url.protocol === 'chrome-error:';
    // The error page commits just after the request failed, which may be after the settle; until
    // it has loaded, the page's history cannot be read (DevTools: not attached to a page).
    const shown = await this.#guard(page.waitForURL(isError, { waitUntil: 'load', timeout: 2_000 }), 3_000, 'waiting for the error page').then(() => true, (e: unknown) => {
      rethrowFaults(e);
      return false;
    });
    if (!shown) return;
    await this.#navigate(page.goBack({ waitUntil: o.waitUntil, timeout: o.navigationTimeout }), 'going back from the blocked page').catch((e: unknown) => {
      if (!(e instanceof ActionFailure)) throw e;
    });
  }

  async #stopLoading(): Promise<void> {
    const page = this.#page;
    if (!page) return;
    await this.#guard(this.#cdp(page).then((s) => s.send('Page.stopLoading')), this.options.actionTimeout, 'stopping the page load').catch(rethrowFaults);
  }

  #checkUrl(raw: string): void {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ActionFailure(`goto needs an absolute URL like http://host/path, got ${JSON.stringify(raw)}`);
    }
    if (url.protocol === 'file:') throw new ActionFailure('file: URLs are refused');
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ActionFailure(`${url.protocol} URLs are refused; only http(s) pages can be visited`);
    if (this.#allowed && !this.#allowed.has(url.origin)) throw new ActionFailure(this.#blockedMessage(raw));
  }

  #blockedMessage(url: string): string {
    return `navigation to ${url} was blocked: this task may only visit ${[...(this.#allowed ?? [])].join(', ')}`;
  }

  /**
   * Waits for what the action set off: a navigation, requests it started, a popup that became
   * active. Called after the observation walk, which is itself the round trip through the
   * renderer that lets those events arrive, so a step with no side effects costs no extra call.
   * Returns whether anything was waited for (then the walk must be repeated).
   */
  async #settle(before: Page, popupPending: boolean, navPending: boolean): Promise<boolean> {
    const o = this.options;
    let waited = false;
    if (navPending && !this.#activity!.navigation && this.#page === before) {
      // The page set off a navigation whose request has not been seen yet: wait for it (bounded).
      waited = true;
      await this.#activity!.navigationStart(Math.min(o.navigationTimeout, 2_000));
    }
    if (popupPending && this.#refusedTab === undefined) {
      // The page opened a tab that Playwright has not announced yet: wait for it (bounded).
      waited = true;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, Math.min(o.navigationTimeout, 3_000));
        function finish(): void {
          clearTimeout(timer);
          resolve();
        }
        this.#onPageOpened = finish;
      });
      this.#onPageOpened = undefined;
    }
    const page = this.#page!;
    const activity = this.#activity!;
    if (page !== before) {
      waited = true;
      await this.#guard(page.waitForLoadState(o.waitUntil, { timeout: o.navigationTimeout }), o.navigationTimeout + 1_000, 'loading the new tab').catch(rethrowFaults);
      const opener = this.#opener;
      const blockedInTab = this.#activity!.takeBlocked() ?? this.#refusedTab;
      this.#refusedTab = undefined;
      if ((blockedInTab !== undefined || !this.#originAllowed(page.url())) && opener) {
        // A tab opened onto a disallowed origin (blocked, or loaded before the guard attached):
        // close it and go back to its opener.
        const url = blockedInTab ?? page.url();
        await page.close().catch(() => {});
        this.#page = opener.page;
        this.#activity = opener.activity;
        this.#notices.pop();
        opener.activity.block(url);
        return true;
      }
    }
    if (activity.busy) {
      waited = true;
      const loaded = await this.#guard(activity.settle(o.navigationTimeout, o.settleTimeout, o.waitUntil), o.navigationTimeout + o.settleTimeout + 1_000, 'waiting for the page to load');
      if (!loaded) {
        await this.#stopLoading();
        this.#notices.push(`the page did not finish loading within ${o.navigationTimeout} ms; loading was stopped`);
      }
    }
    return waited;
  }

  // ---------------------------------------------------------------- observation

  async #walk(bail = false, popupsSeen = 0): Promise<DomObserveResult> {
    const args = { maxNameLength: this.options.maxNameLength, maxTextLength: this.options.maxTextLength, bail, popupsSeen };
    let timeout = this.options.observationTimeout;
    let stopped = false;
    for (let attempt = 0; ; attempt++) {
      const page = this.#page!;
      try {
        const walk = await this.#guard(this.#dom<DomObserveResult>(page, 'observe', args), timeout, 'observing the page');
        this.#popupsSeen = walk.popups;
        if (walk.loading && walk.rows && attempt === 0) {
          // A document still being parsed (a navigation that committed after the settle gave up
          // waiting for it, on a loaded machine): its rows stop mid-page. Wait for it, walk again.
          await this.#guard(page.waitForLoadState('domcontentloaded', { timeout: this.options.navigationTimeout }), this.options.navigationTimeout + 1_000, 'waiting for the page').catch(() => {});
          continue;
        }
        return walk;
      } catch (e) {
        if (e instanceof EpisodeAbortedError) throw e;
        const msg = e instanceof Error ? e.message : String(e);
        if (msg.startsWith('timed out')) {
          if (!stopped) {
            // A walk can wait on a navigation to a server that never answers (the document is
            // about to be replaced): stop loading, as a person would, and read the page again,
            // briefly; a page still silent then has a stuck script.
            stopped = true;
            await this.#stopLoading();
            this.#notices.push(`the page did not answer while a page load was pending; loading was stopped`);
            timeout = Math.min(this.options.observationTimeout, 2_000);
            continue;
          }
          throw new PageUnresponsiveError(`the page ${page.url()} did not answer within ${this.options.observationTimeout} ms (a script may be stuck)`, { cause: e });
        }
        if (!NAV_RACE_RE.test(msg)) throw await this.#fault(e);
        if (this.#activity) this.#activity.replacedWhileRead = true;
        // A walk that only probes for a coming navigation has its answer: the document went away.
        if (bail) return { rows: null, url: page.url(), title: '', popups: 0, navPending: true };
        if (attempt + 1 >= WALK_ATTEMPTS) {
          // The page replaces its document faster than it can be read (a reload loop): the
          // observation is empty and says so, and the episode goes on (the agent may go elsewhere).
          this.#unstable = `the page loaded a new document ${WALK_ATTEMPTS} times while it was being read (it reloads or navigates by itself), so nothing of it could be read`;
          return { rows: [], url: page.url(), title: '', popups: this.#popupsSeen, navPending: false };
        }
        // The document changed under the walk (navigation mid-flight): wait for the new one, the
        // full navigation timeout once (a slow page), then briefly (a page that never holds still
        // must not hold the step for several timeouts).
        const wait = attempt === 0 ? this.options.navigationTimeout : Math.min(this.options.navigationTimeout, 1_000);
        await this.#guard(page.waitForLoadState('domcontentloaded', { timeout: wait }), wait + 1_000, 'waiting for the page').catch(() => {});
      }
    }
  }

  async #observe(lastActionError: string | null): Promise<Observation> {
    return this.#observation(await this.#walk(), lastActionError);
  }

  async #observation(walk: DomObserveResult, actionError: string | null): Promise<Observation> {
    const unstable = this.#unstable;
    this.#unstable = undefined;
    const lastActionError = unstable === undefined ? actionError : actionError === null ? unstable : `${actionError}; ${unstable}`;
    if (this.#activity) this.#activity.documentsObserved = this.#activity.documents;
    const nodes = rowsToNodes(walk.rows ?? []);
    this.#nodes = nodes;
    const { text, truncated } = renderObservationText(nodes, this.options.budget);
    const notices = this.#notices;
    this.#notices = [];
    const observation: { -readonly [K in keyof Observation]: Observation[K] } = { text, url: walk.url, title: walk.title, lastActionError, notices, truncated, nodes };
    this.#lastUrl = walk.url;
    if (this.options.screenshot) {
      const png = await this.#guard(this.#page!.screenshot({ type: 'png', timeout: this.options.actionTimeout }), this.options.actionTimeout + 1_000, 'taking a screenshot');
      observation.screenshot = new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
    }
    return observation;
  }

  /** Nodes of the latest observation. */
  get nodes(): readonly ObservationNode[] {
    return this.#nodes;
  }

  // ---------------------------------------------------------------- pages, dialogs, faults

  #adopt(page: Page): void {
    this.#page = page;
    this.#activity = new PageActivity(page);
    this.#activities.set(page, this.#activity);
    page.on('dialog', (d) => this.#onDialog(d));
    page.on('download', (d) => this.#onDownload(d));
    page.on('crash', () => this.#pageCrash?.abort(new PageCrashedError(`the page ${page.url()} crashed (renderer process died)`)));
    page.on('response', (response) => {
      if (this.#sessionLost === undefined && response.headers()[SESSION_LOST_HEADER] === 'lost') this.#sessionLost = `the site at ${response.url().split('?')[0]} no longer holds this episode's session (its server restarted)`;
    });
    // A page of the task's own sites that cannot be reached at all (its server is down or
    // restarting): the episode cannot be judged fairly, so it ends as a retryable fault. Only
    // the top document of the task's origins counts (not a dead link elsewhere, not a resource).
    page.on('requestfailed', (request) => {
      if (this.#sessionLost !== undefined || !this.#allowed || !request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
      const failure = request.failure()?.errorText ?? '';
      if (!SITE_DOWN_RE.test(failure)) return;
      let origin: string;
      try {
        origin = new URL(request.url()).origin;
      } catch {
        return;
      }
      if (this.#allowed.has(origin)) this.#sessionLost = `the site at ${origin} could not be reached (${failure}): its server is down or restarting`;
    });
  }

  /** Ends the episode as a retryable fault once a site said it lost the episode's session. */
  #throwIfSessionLost(): void {
    if (this.#sessionLost === undefined) return;
    throw new SiteUnavailableError(`task ${JSON.stringify(this.#task?.id)}: ${this.#sessionLost}; the episode cannot be judged on what it did, so it must be re-run`);
  }

  #onNewPage(page: Page): void {
    if (!this.#page) {
      this.#adopt(page);
      return;
    }
    if (this.#refusedTabs > 0 && page.url().startsWith('chrome-error://')) {
      // A tab whose first page (HTTPS) the network guard refused, already reported: Chromium
      // shows it with its error page; close it, the agent stays where it was.
      this.#refusedTabs -= 1;
      page.close().catch(() => {});
      return;
    }
    this.#pagesOpened += 1;
    this.#onPageOpened?.();
    if (this.options.popups === 'close') {
      this.#notices.push(`a new tab (${page.url() || 'about:blank'}) was opened and closed; popups are closed in this environment`);
      page.close().catch(() => {});
      return;
    }
    this.#notices.push('a new tab was opened and is now the active page');
    this.#opener = { page: this.#page, activity: this.#activity! };
    this.#adopt(page);
    // The tab's first navigation may already be under way; settle() checks where it landed.
    this.#guardOrigins(page).catch(() => {});
  }

  #onDialog(dialog: Dialog): void {
    const type = dialog.type();
    const accept = type === 'beforeunload' || this.options.dialogs === 'accept';
    const answer = accept ? dialog.accept() : dialog.dismiss();
    answer.catch(() => {});
    if (type !== 'beforeunload') this.#notices.push(`${type} dialog ${JSON.stringify(dialog.message())} was ${accept ? 'accepted' : 'dismissed'}`);
  }

  #onDownload(download: Download): void {
    this.#notices.push(`download of ${JSON.stringify(download.suggestedFilename())} was blocked; files are not saved in this environment`);
    download.cancel().catch(() => {});
  }

  /**
   * Blocks navigations to origins the task does not allow. With the network guard (the default
   * on local browsers) the context's proxy refuses them and this only reports them. Otherwise
   * only documents are intercepted (a DevTools Fetch pattern on the page's own session), so
   * images, scripts and XHRs never pause; Playwright's `route` would pause every request.
   */
  async #guardOrigins(page: Page): Promise<void> {
    const allowed = this.#allowed;
    if (!allowed) return;
    // The network guard's requests are reported by #reportRefused, for the whole context.
    if (this.#lease?.networkGuard) return;
    const session = await this.#cdp(page);
    const tree = await session.send('Page.getFrameTree');
    const mainFrameId = tree.frameTree.frame.id;
    session.on('Fetch.requestPaused', (event) => {
      const url = event.request.url;
      let origin = '';
      try {
        origin = new URL(url).origin;
      } catch {
        // not a URL with an origin (data:, about:): not ours to police
      }
      const isHttp = url.startsWith('http:') || url.startsWith('https:');
      if (isHttp && !allowed.has(origin)) {
        if (event.frameId === mainFrameId) this.#activities.get(page)?.block(url);
        else this.#notices.push(`a frame's navigation to ${url} was blocked (origin not allowed)`);
        // ERR_ABORTED, unlike other errors, does not replace the page with Chromium's error page.
        session.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'Aborted' }).catch(() => {});
        return;
      }
      session.send('Fetch.continueRequest', { requestId: event.requestId }).catch(() => {});
    });
    await session.send('Fetch.enable', { patterns: [{ urlPattern: '*', resourceType: 'Document', requestStage: 'Request' }] });
  }

  /**
   * With the network guard the context's proxy refuses navigations to other origins (see
   * OriginProxy); this tells the agent. Listened to on the context: a new tab's first request
   * comes before its frame exists, so it is not a request of any page yet.
   */
  #reportRefused(request: Request): void {
    if (!request.isNavigationRequest() || this.#originAllowed(request.url())) return;
    const url = request.url();
    let frame: Frame | undefined;
    try {
      frame = request.frame();
    } catch {
      // (Chromium then never shows the tab, or shows its error page for HTTPS, which
      // #onNewPage closes: stop waiting for it.)
      this.#refusedTab = url;
      if (url.startsWith('https:')) this.#refusedTabs += 1;
      this.#onPageOpened?.();
      return;
    }
    const page = frame.page();
    if (frame === page.mainFrame()) this.#activities.get(page)?.block(url);
    else this.#notices.push(`a frame's navigation to ${url} was blocked (origin not allowed)`);
  }

  #originAllowed(url: string): boolean {
    if (!this.#allowed || !/^https?:/.test(url)) return true;
    try {
      return this.#allowed.has(new URL(url).origin);
    } catch {
      return false;
    }
  }

  /** Races `p` against the action timeout, a browser crash and a page crash. */
  #guard<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    // `p` may settle after the guard has given up (a signal already aborted, a timeout): its
    // late rejection (the page closed under it) must not become an unhandled rejection.
    p.catch(() => undefined);
    const signals = [this.#lease?.signal, this.#pageCrash?.signal].filter((s): s is AbortSignal => s !== undefined);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${ms} ms while ${what}`))), ms);
      const onAbort = (e: Event): void => finish(() => reject((e.target as AbortSignal).reason));
      function finish(f: () => void): void {
        clearTimeout(timer);
        for (const s of signals) s.removeEventListener('abort', onAbort);
        f();
      }
      for (const s of signals) {
        if (s.aborted) {
          finish(() => reject(s.reason));
          return;
        }
        s.addEventListener('abort', onAbort);
      }
      p.then((v) => finish(() => resolve(v)), (e: unknown) => finish(() => reject(e)));
    });
  }

  /** Maps an unexpected error to the fault it reveals (crash, hang) or passes it on. */
  async #fault(e: unknown): Promise<unknown> {
    if (e instanceof EpisodeAbortedError) return e;
    const lease = this.#lease;
    if (lease?.signal.aborted) return lease.signal.reason;
    if (this.#pageCrash?.signal.aborted) return this.#pageCrash.signal.reason;
    const msg = e instanceof Error ? e.message : String(e);
    if (CLOSED_RE.test(msg)) {
      if (lease && !lease.browser.isConnected()) return new BrowserCrashedError('the browser crashed or disconnected during the episode', { cause: e });
      return new PageCrashedError(`the page was closed during the episode: ${msg.split('\n')[0]}`, { cause: e });
    }
    if (msg.startsWith('timed out')) return new PageUnresponsiveError(`the page stopped responding: ${msg}`, { cause: e });
    // Every other failure of a browser call leaves as a typed, retryable abort of this episode.
    if (e instanceof Error && !(e instanceof WebAgentError) && PLAYWRIGHT_API_RE.test(msg)) {
      const first = msg.split('\n')[0]!;
      if (NAV_RACE_RE.test(msg)) return new PageUnstableError(`the page kept loading new documents while the environment needed it still: ${first}`, { cause: e });
      return new BrowserOperationError(`a browser operation failed: ${first}`, { cause: e });
    }
    return e;
  }

  async #endEpisode(): Promise<void> {
    const lease = this.#lease;
    this.#lease = undefined;
    this.#page = undefined;
    this.#activity = undefined;
    this.#nodes = [];
    if (lease) await lease.release();
  }
}
