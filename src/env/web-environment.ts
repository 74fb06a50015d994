// WebEnvironment: the Environment (types.ts) over playwright-core and real Chromium.
// One BrowserContext per episode; observations from one in-page DOM walk; element actions as
// real (trusted) mouse and keyboard input at the point the walker computed. Failed actions
// become `lastActionError` (BrowserGym's convention); environment faults throw typed errors.
// An episode's browser state is a BrowserEpisode (its context, tabs, origin guards, deadlines);
// a step acts (actions.ts), settles (settle.ts), asks whether the episode is over, observes
// (page-walk.ts).

import type { BrowserContext, Page } from 'playwright-core';
import { EnvironmentStateError, EpisodeAbortedError, PageUnresponsiveError, SiteUnavailableError, StartPageError, WebAgentError } from '../errors.js';
import { runAction } from './actions.js';
import { BrowserEpisode } from './browser-episode.js';
import { BrowserPool } from './browser-pool.js';
import type { DomObserveResult } from './dom-protocol.js';
import { initScript, NAV_BINDING } from './dom-script.js';
import { observation, walk, withScreenshot } from './page-walk.js';
import { settleStep, startStep } from './settle.js';
import type { Action, CheckResult, Environment, Observation, ObservationNode, ResetOptions, StepResult } from './types.js';
import {
  allowedOriginsOf,
  resetOptions,
  validateOptions,
  validateTask,
  WEB_ENVIRONMENT_DEFAULTS,
  type ResolvedWebEnvironmentOptions,
  type WebEnvironmentOptions,
} from './web-environment-options.js';
import { scoreEpisode } from '../tasks/expert.js';
import type { BrowserTask } from '../tasks/types.js';

/**
 * Runs web tasks in real Chromium. `reset(task)` opens a fresh context at `task.startUrl`;
 * `step(action)` acts and observes. Use with `await using` or call `close()`.
 */
export class WebEnvironment implements Environment {
  readonly options: Readonly<ResolvedWebEnvironmentOptions>;
  readonly #pool: BrowserPool;
  readonly #ownsPool: boolean;
  /** The running episode's browser state (from the context on; undefined once it has ended). */
  #episode: BrowserEpisode | undefined;
  #task: BrowserTask | undefined;
  #turn = 0;
  #done = false;
  #closed = false;
  #nodes: readonly ObservationNode[] = [];
  #answer: string | undefined;
  /** URL of the latest observation: the final URL a checker sees. */
  #lastUrl: string | undefined;

  constructor(options: WebEnvironmentOptions = {}) {
    validateOptions(options);
    this.options = Object.freeze({ ...WEB_ENVIRONMENT_DEFAULTS, ...options });
    this.#ownsPool = options.pool === undefined;
    this.#pool = options.pool ?? new BrowserPool(options.browser);
  }

  /** The live page of the current episode (for reward checkers and debugging). */
  get page(): Page {
    const page = this.#episode?.tabs.page;
    if (!page) throw new EnvironmentStateError('no episode is running; call reset(task) first');
    return page;
  }

  /** The browser context of the current episode. */
  get context(): BrowserContext {
    if (!this.#episode) throw new EnvironmentStateError('no episode is running; call reset(task) first');
    return this.#episode.lease.context;
  }

  /** Current task, turn, and final answer (if the agent answered). */
  get episode(): { readonly task: BrowserTask | undefined; readonly turn: number; readonly done: boolean; readonly answer: string | undefined } {
    return { task: this.#task, turn: this.#turn, done: this.#done, answer: this.#answer };
  }

  /** Nodes of the latest observation. */
  get nodes(): readonly ObservationNode[] {
    return this.#nodes;
  }

  async reset(task: BrowserTask, options: ResetOptions = {}): Promise<Observation> {
    if (this.#closed) throw new EnvironmentStateError('WebEnvironment is closed');
    validateTask(task);
    resetOptions.as('WebEnvironment.reset').check(options);
    options.signal?.throwIfAborted();
    await this.#endEpisode();
    this.#task = task;
    const allowed = allowedOriginsOf(task);
    this.#turn = 0;
    this.#done = false;
    this.#answer = undefined;
    this.#lastUrl = undefined;
    const o = this.options;
    const onlyOrigins = allowed && o.originGuard === 'network' ? { onlyOrigins: allowed } : {};
    const lease = await this.#pool.newContext({ viewport: { ...o.viewport }, ...o.contextOptions, acceptDownloads: false }, onlyOrigins);
    const ep = new BrowserEpisode(o, lease, allowed);
    this.#episode = ep;
    try {
      const context = lease.context;
      context.setDefaultTimeout(o.actionTimeout);
      context.setDefaultNavigationTimeout(o.navigationTimeout);
      await ep.guard(
        context.exposeBinding(NAV_BINDING, ({ page }) => {
          if (page === ep.tabs.page) ep.tabs.activity?.hintNavigation();
        }),
        o.resetTimeout,
        'adding the navigation hint',
      );
      await ep.guard(context.addInitScript(initScript(o.detectClickListeners)), o.resetTimeout, 'adding the init script');
      context.on('page', (page) => ep.tabs.opening(page));
      if (lease.networkGuard) context.on('request', (request) => ep.origins.reportRequest(request));
      const page = await ep.guard(context.newPage(), o.resetTimeout, 'opening a page');
      if (ep.tabs.page !== page) ep.tabs.adopt(page);
      await ep.guard(ep.origins.guardPage(page), o.resetTimeout, 'installing the origin guard');
      if (o.setup) await o.setup({ context, page, task });
      if (task.setup) await task.setup({ context, page, task });
      options.signal?.throwIfAborted();
      try {
        await ep.guard(page.goto(task.startUrl, { waitUntil: o.waitUntil, timeout: o.navigationTimeout }), o.navigationTimeout + 1_000, 'loading the start page');
      } catch (error) {
        if (error instanceof EpisodeAbortedError) throw error;
        throw new StartPageError(`task ${JSON.stringify(task.id)}: the start page ${task.startUrl} did not load: ${(error as Error).message.split('\n')[0]}`, { cause: error });
      }
      this.#throwIfSessionLost(ep);
      const ready = task.ready ? await ep.guard(task.ready({ context, page, task }), o.navigationTimeout, "running the task's ready hook") : undefined;
      const first = await this.#observe(ep, await walk(ep), null);
      this.#throwIfSessionLost(ep);
      return typeof ready?.instruction === 'string' ? { ...first, instruction: ready.instruction } : first;
    } catch (error) {
      // A timeout while preparing the context (an overloaded or hung browser) is a fault of the
      // environment, not of the task: typed as retryable so rollouts re-run the episode.
      const timedOut = !(error instanceof WebAgentError) && error instanceof Error && error.message.startsWith('timed out after');
      const fault = timedOut ? undefined : await ep.fault(error);
      await this.#endEpisode();
      if (timedOut) throw new PageUnresponsiveError(`task ${JSON.stringify(task.id)}: ${(error as Error).message} during reset; the browser is overloaded or hung, and the episode can be re-run`, { cause: error });
      throw fault;
    }
  }

  async step(action: Action): Promise<StepResult> {
    const ep = this.#runningEpisode();
    const started = Date.now();
    this.#turn += 1;
    try {
      const start = startStep(ep);
      const acted = await this.#act(ep, action);
      const settled = await settleStep(ep, action, start, acted.error);
      const error = this.#withRefusal(ep, settled.error);
      const { terminated, truncated } = await this.#over(ep, acted.terminated);
      this.#throwIfSessionLost(ep);
      const observed = await this.#observe(ep, settled.walk, error);
      const info = { turn: this.#turn, action, elapsedMs: Date.now() - started, ...(action.type === 'answer' ? { answer: action.text } : {}) };
      return { observation: observed, terminated, truncated, info };
    } catch (e) {
      // An environment fault ends the episode: nothing half-done is reported as a result.
      const fault = await ep.fault(e);
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
    const page = this.#episode?.tabs.page;
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

  /** The episode a step can run in, or why none can. */
  #runningEpisode(): BrowserEpisode {
    if (this.#closed) throw new EnvironmentStateError('WebEnvironment is closed');
    const ep = this.#episode;
    if (!ep?.tabs.page || !this.#task) throw new EnvironmentStateError('no episode is running; call reset(task) first');
    if (this.#done) throw new EnvironmentStateError(`the episode of task ${JSON.stringify(this.#task.id)} is over (answered, ended by the page, or out of turns); call reset(task) to start another`);
    return ep;
  }

  /** Acts: an answer ends the episode; any other action runs in the page, and its failure is the agent's to read. */
  async #act(ep: BrowserEpisode, action: Action): Promise<{ error: string | null; terminated: boolean }> {
    if (action.type === 'answer') {
      this.#answer = action.text;
      return { error: null, terminated: true };
    }
    return { error: await runAction(ep, action), terminated: false };
  }

  /** The step's action error, or else the navigation the origin guard refused since the action. */
  #withRefusal(ep: BrowserEpisode, error: string | null): string | null {
    const blocked = ep.tabs.takeBlocked();
    return blocked !== undefined && error === null ? ep.origins.blockedMessage(blocked) : error;
  }

  /** Done? Asked after the settle, so what the action set off has run (an endEpisode call). */
  async #over(ep: BrowserEpisode, answered: boolean): Promise<{ terminated: boolean; truncated: boolean }> {
    const task = this.#task!;
    let terminated = answered;
    if (!terminated && task.isDone) terminated = await ep.guard(task.isDone(ep.page), this.options.actionTimeout, 'asking the task whether the page ended the episode');
    const truncated = !terminated && this.#turn >= (task.maxTurns ?? this.options.maxTurns);
    this.#done = terminated || truncated;
    return { terminated, truncated };
  }

  /** Observes: the walk as the observation, its nodes kept for `nodes` and its URL for `score`. */
  async #observe(ep: BrowserEpisode, walked: DomObserveResult, actionError: string | null): Promise<Observation> {
    const observed = observation(ep, walked, actionError);
    this.#nodes = observed.nodes;
    this.#lastUrl = walked.url;
    return withScreenshot(ep, observed);
  }

  /** Ends the episode as a retryable fault once a site said it lost the episode's session. */
  #throwIfSessionLost(ep: BrowserEpisode): void {
    if (ep.sessionLost === undefined) return;
    throw new SiteUnavailableError(`task ${JSON.stringify(this.#task?.id)}: ${ep.sessionLost}; the episode cannot be judged on what it did, so it must be re-run`);
  }

  async #endEpisode(): Promise<void> {
    const ep = this.#episode;
    this.#episode = undefined;
    this.#nodes = [];
    if (ep) await ep.end();
  }
}
