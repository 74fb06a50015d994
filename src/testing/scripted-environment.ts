// ScriptedEnvironment: a browser-free, in-memory Environment whose pages are small state machines in plain data, for millisecond unit tests.
//
// Over 300 lines because the actions, the navigation history and the renderer all read and change
// one page visit (element ids, field values, checks, focus, scroll), as a browser's document is
// shared by everything on the page; the example shop and the option types are already in
// scripted-shop.ts and scripted-types.ts.

import { setTimeout as sleep } from 'node:timers/promises';
import { BrowserCrashedError, EnvironmentStateError, OptionsError, StartPageError, TaskError } from '../errors.js';
import { waitProblem } from '../env/action-grammar.js';
import { observationBudgetSchema, quote, renderObservationText } from '../env/observation-text.js';
import { custom, defineOptions, fn, MAX_TIMER_MS, num, obj, positiveInt, resetOptions, rule, z } from '../options.js';
import { resolveTarget } from '../env/targets.js';
import type { Action, CheckResult, ElementState, ElementTarget, EnvTask, Environment, Observation, ObservationNode, ResetOptions, StepResult } from '../env/types.js';
import { scoreEpisode } from '../tasks/expert.js';
import type { BrowserTask } from '../tasks/types.js';
import type { ScriptedElement, ScriptedEnvironmentOptions, ScriptedEpisode, ScriptedNavigation, ScriptedPageSpec, ScriptedSite } from './scripted-types.js';

export type { ScriptedElement, ScriptedEnvironmentOptions, ScriptedEpisode, ScriptedFaultContext, ScriptedNavigation, ScriptedPageSpec, ScriptedSite } from './scripted-types.js';

class ActionFailure extends Error {}
const fail = (message: string): never => {
  throw new ActionFailure(message);
};
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// Same role sets and caps as the browser's DOM walker (dom-script.ts).
const INTERACTIVE = new Set(['button', 'link', 'checkbox', 'radio', 'textbox', 'searchbox', 'combobox', 'listbox', 'option', 'menuitem',
  'menuitemcheckbox', 'menuitemradio', 'tab', 'switch', 'slider', 'spinbutton', 'treeitem', 'clickable']);
const FIELDS = new Set(['textbox', 'searchbox', 'spinbutton', 'combobox']);
const CHECKABLE = new Set(['checkbox', 'radio', 'switch', 'menuitemcheckbox', 'menuitemradio']);
const MAX_NAME = 100;
const MAX_TEXT = 300;
const ws = (s: string): string => s.replace(/\s+/g, ' ').trim();
const cap = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

interface Row<S> {
  readonly node: ObservationNode;
  readonly key: string;
  readonly el: ScriptedElement<S>;
  /** Option text, on option rows (whose `el` is their combobox). */
  readonly option?: string;
  readonly parent?: Row<S>;
}

/** One page visit: the browser's document. Ids, field values, focus and scroll live here. */
interface Visit<S> {
  readonly url: URL;
  readonly page: ScriptedPageSpec<S>;
  readonly ids: Map<string, number>;
  readonly values: Map<string, string>;
  readonly checks: Map<string, boolean | 'mixed'>;
  /** Ids of elements shown before and hidden now, with their description. */
  readonly hidden: Map<number, string>;
  rows: Row<S>[];
  focus: string | undefined;
  top: number;
}

const pageKey = (url: URL): string => url.href.replace(/#.*$/, '');
const isHttp = (url: URL): boolean => url.protocol === 'http:' || url.protocol === 'https:';
function parseUrl(text: string, base?: URL): URL | undefined {
  try {
    return new URL(text, base);
  } catch {
    return undefined;
  }
}

const pageSpec = obj({
  title: custom<ScriptedPageSpec['title']>((v) => typeof v === 'string' || typeof v === 'function', 'a string or a function'),
  elements: custom<ScriptedPageSpec['elements']>((v) => Array.isArray(v) || typeof v === 'function', 'an array or a function'),
}, 'a page { title, elements }');

/** The schema of ScriptedEnvironmentOptions (pages' keys and elements are checked as the pages are read). */
export const scriptedEnvironmentOptions = defineOptions<ScriptedEnvironmentOptions>()('ScriptedEnvironment', obj({
  pages: z.record(z.string(), pageSpec, { error: 'an object with at least one page, keyed by URL' })
    .refine((p) => Object.keys(p).length > 0, { error: rule('must be an object with at least one page, keyed by URL') }),
  initialState: fn<() => Record<string, unknown>>().optional(),
  maxTurns: positiveInt('a positive integer').optional(),
  viewportRows: positiveInt('a positive integer').optional(),
  budget: observationBudgetSchema.optional(),
  latencyMs: num({ min: 0, max: MAX_TIMER_MS }, 'a number >= 0 (milliseconds)').optional(),
  failOn: fn<NonNullable<ScriptedEnvironmentOptions['failOn']>>().optional(),
}));

function validate<S>(o: ScriptedEnvironmentOptions<S>): Map<string, ScriptedPageSpec<S>> {
  const bad = (message: string): never => {
    throw new OptionsError(`ScriptedEnvironment option ${message}`);
  };
  scriptedEnvironmentOptions.check(o);
  const pages = new Map<string, ScriptedPageSpec<S>>();
  for (const [key, spec] of Object.entries(o.pages)) {
    const where = `pages[${quote(key)}]`;
    const url = parseUrl(key);
    if (!url || !isHttp(url)) return bad(`${where}: the key must be an absolute http(s) URL`);
    if (typeof spec?.title !== 'string' && typeof spec?.title !== 'function') bad(`${where}.title must be a string or a function`);
    if (!Array.isArray(spec.elements) && typeof spec.elements !== 'function') bad(`${where}.elements must be an array or a function`);
    if (Array.isArray(spec.elements)) {
      spec.elements.forEach((el: ScriptedElement<S>, i: number) => {
        if (typeof el?.role !== 'string' || !el.role || typeof el.name !== 'string') bad(`${where}.elements[${i}] needs a role and a name (strings)`);
        if (el.options !== undefined && (!Array.isArray(el.options) || el.options.some((x) => typeof x !== 'string'))) bad(`${where}.elements[${i}].options must be an array of strings`);
      });
    }
    pages.set(pageKey(url), spec);
  }
  return pages;
}

function validateTask(task: EnvTask): Set<string> | null {
  if (typeof task !== 'object' || task === null) throw new TaskError('reset(task) needs a task object with id, intent and startUrl');
  if (typeof task.id !== 'string' || task.id === '') throw new TaskError('task.id must be a non-empty string');
  const id = quote(task.id);
  if (typeof task.intent !== 'string') throw new TaskError(`task ${id}: intent must be a string`);
  const url = parseUrl(task.startUrl);
  if (!url) throw new TaskError(`task ${id}: startUrl ${quote(String(task.startUrl))} is not an absolute URL`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TaskError(`task ${id}: startUrl must be http(s); ${url.protocol} URLs are refused`);
  if (task.maxTurns !== undefined && (!Number.isInteger(task.maxTurns) || task.maxTurns < 1)) throw new TaskError(`task ${id}: maxTurns must be a positive integer, got ${String(task.maxTurns)}`);
  if (task.allowedOrigins === '*') return null;
  const allowed = new Set([url.origin]);
  for (const o of task.allowedOrigins ?? []) {
    const origin = parseUrl(o)?.origin;
    if (origin === undefined) throw new TaskError(`task ${id}: allowedOrigins entry ${quote(o)} is not a URL (expected like "http://127.0.0.1:8080")`);
    allowed.add(origin);
  }
  return allowed;
}

/**
 * An in-memory Environment over scripted pages: same observation text (`renderObservationText`),
 * target resolution (`resolveTarget`), action error strings, turn rules and state errors as
 * WebEnvironment, in microseconds and without a browser. Failed actions become
 * `lastActionError`; an exception thrown by page code (or `failOn`) ends the episode and
 * propagates, as an environment fault does in WebEnvironment.
 *
 * ```ts
 * const env = new ScriptedEnvironment(scriptedShop());
 * await env.reset({ id: 'mug', intent: 'Buy a mug', startUrl: SCRIPTED_SHOP_URL });
 * await env.step({ type: 'click', target: { role: 'link', name: 'Blue Ceramic Mug' } });
 * env.episode.state; // { cart: [], searches: [], ordered: false }
 * ```
 */
export class ScriptedEnvironment<S = Record<string, unknown>> implements Environment {
  readonly options: Readonly<ScriptedEnvironmentOptions<S>>;
  readonly #pages: Map<string, ScriptedPageSpec<S>>;
  readonly #viewport: number;
  #task: EnvTask | undefined;
  #allowed: Set<string> | null = null;
  #site: ScriptedSite<S> | undefined;
  #state: S | undefined;
  #visit: Visit<S> | undefined;
  #history: string[] = [];
  #index = -1;
  #turn = 0;
  #done = false;
  #closed = false;
  #answer: string | undefined;
  #notices: string[] = [];

  constructor(options: ScriptedEnvironmentOptions<S>) {
    this.#pages = validate(options);
    this.options = Object.freeze({ ...options });
    this.#viewport = options.viewportRows ?? 30;
  }

  get episode(): ScriptedEpisode<S> {
    return { task: this.#task, turn: this.#turn, done: this.#done, answer: this.#answer, url: this.#visit?.url.href, state: this.#state };
  }

  /** Nodes of the latest observation. */
  get nodes(): readonly ObservationNode[] {
    return this.#visit?.rows.map((r) => r.node) ?? [];
  }

  async reset(task: EnvTask, options: ResetOptions = {}): Promise<Observation> {
    if (this.#closed) throw new EnvironmentStateError('ScriptedEnvironment is closed');
    const allowed = validateTask(task);
    resetOptions.as('ScriptedEnvironment.reset').check(options);
    options.signal?.throwIfAborted();
    this.#visit = undefined;
    this.#task = task;
    this.#allowed = allowed;
    this.#turn = 0;
    this.#done = false;
    this.#answer = undefined;
    this.#notices = [];
    this.#history = [];
    this.#index = -1;
    const state = this.options.initialState ? this.options.initialState() : ({} as S);
    this.#state = state;
    this.#site = this.#makeSite(task, state);
    if (this.options.latencyMs) await sleep(this.options.latencyMs, undefined, { signal: options.signal });
    if (this.#closed) throw new EnvironmentStateError('ScriptedEnvironment is closed');
    this.#checkFault(null);
    if (!this.#open(new URL(task.startUrl), true)) {
      throw new StartPageError(`task ${quote(task.id)}: the start page ${task.startUrl} did not load: the scripted site has no page at this URL`);
    }
    return this.#observe(null);
  }

  async step(action: Action): Promise<StepResult> {
    if (this.#closed) throw new EnvironmentStateError('ScriptedEnvironment is closed');
    const task = this.#task;
    if (!this.#visit || !task) throw new EnvironmentStateError('no episode is running; call reset(task) first');
    if (this.#done) throw new EnvironmentStateError(`the episode of task ${quote(task.id)} is over (answered or out of turns); call reset(task) to start another`);
    const started = Date.now();
    this.#turn += 1;
    try {
      if (this.options.latencyMs) await sleep(this.options.latencyMs);
      this.#checkFault(action);
      let error: string | null = null;
      let terminated = false;
      try {
        if (action.type !== 'answer') await this.#act(action);
        else [this.#answer, terminated] = [action.text, true];
      } catch (e) {
        if (!(e instanceof ActionFailure)) throw e;
        error = e.message;
      }
      const truncated = !terminated && this.#turn >= (task.maxTurns ?? this.options.maxTurns ?? 15);
      this.#done = terminated || truncated;
      const observation = this.#observe(error);
      const info = { turn: this.#turn, action, elapsedMs: Date.now() - started, ...(action.type === 'answer' ? { answer: action.text } : {}) };
      return { observation, terminated, truncated, info };
    } catch (e) {
      // A fault (or a throwing page handler) ends the episode, as in WebEnvironment.
      this.#done = true;
      this.#visit = undefined;
      throw e;
    }
  }

  /**
   * Scores the episode with the task's checker (`check`): the answer, the current URL, and the
   * episode's `site.state` as what `ctx.state()` returns.
   */
  async score(): Promise<CheckResult> {
    const task = this.#task;
    if (!task) throw new EnvironmentStateError('no episode to score; call reset(task) and step first');
    const state = this.#state;
    return scoreEpisode(task as BrowserTask, { answer: this.#answer ?? null, url: this.#visit?.url.href ?? task.startUrl, state: async () => state });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#visit = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---------------------------------------------------------------- actions

  #checkFault(action: Action | null): void {
    const hook = this.options.failOn;
    if (!hook) return;
    const verdict = hook({ action, turn: this.#turn, url: this.#visit?.url.href, state: this.#state as S, task: this.#task! });
    if (verdict === true || verdict instanceof Error) {
      this.#done = true;
      this.#visit = undefined;
      throw verdict instanceof Error ? verdict : new BrowserCrashedError('the browser crashed or disconnected during the episode (simulated by failOn)');
    }
  }

  async #act(action: Exclude<Action, { type: 'answer' }>): Promise<void> {
    const v = this.#visit!;
    switch (action.type) {
      case 'invalid':
        return fail(`invalid action: ${action.reason}`);
      case 'click':
      case 'hover': {
        const row = this.#find(action.target, action.type);
        this.#reveal(row);
        if (action.type === 'click') await this.#click(row);
        return;
      }
      case 'type': {
        const row = this.#find(action.target, 'type');
        this.#reveal(row);
        v.focus = row.key;
        v.values.set(row.key, action.text);
        if (await this.#follow(row.el.onChange?.(action.text, this.#site!))) return;
        if (action.pressEnter) await this.#enter();
        return;
      }
      case 'select': {
        const row = this.#find(action.target, 'select');
        const opts = row.el.options ?? [];
        const want = ws(action.option);
        const option = opts.find((o) => ws(o) === want) ?? opts.find((o) => ws(o).toLowerCase() === want.toLowerCase());
        if (option === undefined) fail(`${describe(row)} has no option ${quote(action.option)}; options are: ${opts.map((o) => quote(ws(o))).join(', ')}`);
        v.values.set(row.key, option!);
        await this.#follow(row.el.onChange?.(option!, this.#site!));
        return;
      }
      case 'press':
        if (!action.key.trim()) fail('press needs a key, for example Enter, Tab, Escape or Control+a');
        if (action.key.trim() === 'Enter') await this.#enter();
        return;
      case 'scroll': {
        const rows = this.#render().length;
        const max = Math.max(0, rows - this.#viewport);
        const down = action.direction === 'down';
        if (down ? v.top >= max : v.top <= 0) fail(`cannot scroll ${action.direction}: already at the ${down ? 'bottom' : 'top'} of the page`);
        const by = Math.max(1, Math.round(this.#viewport * 0.8));
        v.top = Math.min(max, Math.max(0, v.top + (down ? by : -by)));
        return;
      }
      case 'goto': {
        const url = parseUrl(action.url) ?? fail(`goto needs an absolute URL like http://host/path, got ${quote(action.url)}`);
        return this.#navigate(url, `going to ${action.url}`, action.url);
      }
      case 'wait': {
        // Scripted pages change only through actions: waiting passes no time, it only observes again.
        const problem = waitProblem(action.ms);
        if (problem !== undefined) fail(problem);
        return;
      }
      case 'go_back':
      case 'go_forward': {
        const dir = action.type === 'go_back' ? -1 : 1;
        const href = this.#history[this.#index + dir];
        if (href === undefined) fail(dir < 0 ? 'cannot go back: there is no previous page' : 'cannot go forward: there is no next page');
        this.#index += dir;
        this.#open(new URL(href!), false);
        return;
      }
    }
  }

  /** Resolves a target on a fresh render and checks the element accepts the action, with the browser's messages. */
  #find(target: ElementTarget, kind: 'click' | 'hover' | 'type' | 'select'): Row<S> {
    const rows = this.#render();
    const hidden = 'id' in target ? this.#visit!.hidden.get(target.id) : undefined;
    if (hidden !== undefined) fail(`${hidden} is hidden`);
    const r = resolveTarget(rows.map((x) => x.node), target);
    if ('error' in r) fail(r.error);
    const row = rows.find((x) => x.node.id === (r as { id: number }).id)!;
    const what = describe(row);
    const el = row.el;
    if (kind === 'select') {
      if (row.option !== undefined || !el.options) fail(`${what} is not a dropdown (select); click it instead`);
      if (el.disabled) fail(`${what} is disabled`);
      return row;
    }
    if (row.parent) fail(`${what} is an option of a dropdown; use the select action on ${describe(row.parent)} instead`);
    if (kind !== 'hover' && el.disabled) fail(`${what} is disabled`);
    if (kind === 'type') {
      if (!FIELDS.has(el.role) || el.options) fail(`${what} is not a text field; it cannot be typed into`);
      if (el.readonly) fail(`${what} is read-only`);
    }
    return row;
  }

  /** Scrolls an element into the middle of the viewport, as the browser does before acting on it. */
  #reveal(row: Row<S>): void {
    const v = this.#visit!;
    const i = v.rows.indexOf(row);
    if (i < 0 || row.node.visible) return;
    v.top = Math.max(0, Math.min(i - Math.floor(this.#viewport / 2), v.rows.length - this.#viewport));
  }

  async #click(row: Row<S>): Promise<void> {
    const v = this.#visit!;
    const el = row.el;
    v.focus = row.key;
    if (CHECKABLE.has(el.role)) v.checks.set(row.key, el.role === 'radio' || (v.checks.get(row.key) ?? el.checked) !== true);
    if (await this.#follow(el.onClick?.(this.#site!))) return;
    if (el.href !== undefined) await this.#follow(el.href);
  }

  /** Enter: submits the focused field, or activates a focused button or link. */
  async #enter(): Promise<void> {
    const v = this.#visit!;
    const row = this.#render().find((r) => r.key === v.focus && !r.parent);
    if (!row || row.el.disabled) return;
    if (row.el.onSubmit) await this.#follow(row.el.onSubmit(v.values.get(row.key) ?? row.el.value ?? '', this.#site!));
    else if (!FIELDS.has(row.el.role) && !CHECKABLE.has(row.el.role)) await this.#click(row);
  }

  /** Navigates to what a handler returned; true when it did. */
  async #follow(result: ScriptedNavigation | Promise<ScriptedNavigation>): Promise<boolean> {
    const to = await result;
    if (typeof to !== 'string') return false;
    const url = parseUrl(to, this.#visit!.url) ?? fail(`navigation to ${quote(to)} failed: not a valid URL`);
    this.#navigate(url, `opening ${url.href}`, url.href);
    return true;
  }

  #navigate(url: URL, what: string, shown: string): void {
    if (url.protocol === 'file:') fail('file: URLs are refused');
    if (!isHttp(url)) fail(`${url.protocol} URLs are refused; only http(s) pages can be visited`);
    if (this.#allowed && !this.#allowed.has(url.origin)) fail(`navigation to ${shown} was blocked: this task may only visit ${[...this.#allowed].join(', ')}`);
    if (!this.#open(url, true)) fail(`${what} failed: the scripted site has no page at ${url.href}`);
  }

  /** Starts a fresh visit of `url`; false when no page serves it. */
  #open(url: URL, push: boolean): boolean {
    const page = this.#pages.get(pageKey(url)) ?? this.#pages.get(url.origin + url.pathname);
    if (!page) return false;
    if (push && this.#history[this.#index] !== url.href) {
      this.#history = this.#history.slice(0, this.#index + 1);
      this.#history.push(url.href);
      this.#index += 1;
    }
    this.#visit = { url, page, ids: new Map(), values: new Map(), checks: new Map(), hidden: new Map(), rows: [], focus: undefined, top: 0 };
    return true;
  }

  // ---------------------------------------------------------------- observation

  #makeSite(task: EnvTask, state: S): ScriptedSite<S> {
    const current = (name: string): Row<S> | undefined => this.#visit?.rows.find((r) => !r.parent && r.el.name === name && !r.el.hidden);
    const visit = (): Visit<S> | undefined => this.#visit;
    return {
      state,
      task,
      get url() {
        return new URL(visit()?.url ?? task.startUrl);
      },
      field: (name) => {
        const r = current(name);
        return r ? (this.#visit!.values.get(r.key) ?? r.el.value ?? r.el.options?.[0] ?? (FIELDS.has(r.el.role) ? '' : undefined)) : undefined;
      },
      isChecked: (name) => {
        const r = current(name);
        return r !== undefined && (this.#visit!.checks.get(r.key) ?? r.el.checked) === true;
      },
      notice: (text) => void this.#notices.push(text),
    };
  }

  /** Lays the current page out as rows with the browser's ids (stable within a visit) and visibility. */
  #render(): Row<S>[] {
    const v = this.#visit!;
    const site = this.#site!;
    const elements = typeof v.page.elements === 'function' ? v.page.elements(site) : v.page.elements;
    const rows: Row<S>[] = [];
    const seen = new Map<string, number>();
    const idFor = (key: string): number => v.ids.get(key) ?? (v.ids.set(key, v.ids.size + 1), v.ids.size);
    for (const el of elements) {
      const base = el.key ?? `${el.role}\u0000${el.name}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      const key = n === 1 ? base : `${base}\u0000${n}`;
      const actionable = INTERACTIVE.has(el.role);
      const name = cap(ws(el.name), el.role === 'text' || el.role === 'heading' ? MAX_TEXT : MAX_NAME);
      const known = v.ids.get(key);
      if (el.hidden) {
        if (known !== undefined) v.hidden.set(known, `[${known}] ${el.role} ${quote(cap(name, 60))}`);
        continue;
      }
      if (known !== undefined) v.hidden.delete(known);
      if (!actionable && !name) continue;
      const node: Mutable<ObservationNode> = { role: el.role, name };
      if (actionable) {
        node.id = idFor(key);
        const value = v.values.get(key) ?? el.value ?? el.options?.[0] ?? (FIELDS.has(el.role) ? '' : undefined);
        if (value !== undefined) node.value = value;
        const s: Mutable<ElementState> = {};
        const checked = v.checks.get(key) ?? el.checked;
        if (checked === true || checked === 'mixed') s.checked = checked;
        if (el.selected) s.selected = true;
        if (el.disabled) s.disabled = true;
        if (el.expanded !== undefined) s.expanded = el.expanded;
        if (v.focus === key && !el.disabled) s.focused = true;
        if (el.required) s.required = true;
        if (Object.keys(s).length > 0) node.state = s;
      } else if (el.role === 'heading') {
        node.level = el.level ?? 2;
      }
      if (el.depth) node.depth = el.depth;
      const row: Row<S> = { node, key, el };
      rows.push(row);
      if (actionable && el.options) {
        el.options.forEach((o, i) => {
          const opt: Mutable<ObservationNode> = { id: idFor(`${key}\u0001${i}`), role: 'option', name: cap(ws(o), MAX_NAME), depth: (el.depth ?? 0) + 1 };
          if (o === node.value) opt.state = { selected: true };
          rows.push({ node: opt, key: `${key}\u0001${i}`, el, option: o, parent: row });
        });
      }
    }
    v.top = Math.max(0, Math.min(v.top, rows.length - this.#viewport));
    rows.forEach((r, i) => {
      const line = r.parent ? rows.indexOf(r.parent) : i;
      (r.node as Mutable<ObservationNode>).visible = line >= v.top && line < v.top + this.#viewport;
    });
    v.rows = rows;
    return rows;
  }

  #observe(lastActionError: string | null): Observation {
    const v = this.#visit!;
    const nodes = this.#render().map((r) => r.node);
    const { text, truncated } = renderObservationText(nodes, this.options.budget);
    const title = typeof v.page.title === 'function' ? v.page.title(this.#site!) : v.page.title;
    const notices = this.#notices;
    this.#notices = [];
    return { text, url: v.url.href, title, lastActionError, notices, truncated, nodes };
  }
}

function describe({ node }: { node: ObservationNode }): string {
  return `[${node.id}] ${node.role} ${quote(cap(node.name, 60))}`;
}
