// Options of WebEnvironment: what users pass, the frozen defaults, and the validation that runs
// at construction (before any browser starts) and at reset (the task), with messages that name
// the option or field and what to change.

import type { BrowserContextOptions } from 'playwright-core';
import { TaskError } from '../errors.js';
import { bool, custom, defineOptions, fn, instanceOf, isPlainObject, MAX_TIMER_MS, num, obj, oneOf, positiveInt, rule, timeoutMs } from '../options.js';
import { BrowserPool, browserPoolOptions, type BrowserPoolOptions } from './browser-pool.js';
import { observationBudgetSchema, type ObservationBudget } from './observation-text.js';
import type { EnvTask } from './types.js';
import type { BrowserTask, EpisodeSetup } from '../tasks/types.js';

export { resetOptions } from '../options.js';

export interface WebEnvironmentOptions {
  /** A shared pool (for many environments); when absent the environment owns one made from `browser`. */
  readonly pool?: BrowserPool;
  /** Options of the pool the environment creates when `pool` is absent. */
  readonly browser?: BrowserPoolOptions;
  /** Turn limit when the task sets none (default 15, the WebAgent-R1 training horizon). */
  readonly maxTurns?: number;
  /** Time one action may take, in ms (default 5,000). */
  readonly actionTimeout?: number;
  /** Time a navigation (start page, goto, back, a link) may take, in ms (default 15,000). */
  readonly navigationTimeout?: number;
  /**
   * Time each step of preparing an episode's context (the first page, the init script, the origin
   * guard) may take, in ms (default 30,000). Opening dozens of contexts at once on a loaded
   * machine takes seconds; a browser that does not answer within this counts as hung and reset
   * throws a retryable PageUnresponsiveError (rollouts re-run the episode).
   */
  readonly resetTimeout?: number;
  /** Time the page may take to answer an observation before it counts as hung, in ms (default 10,000). */
  readonly observationTimeout?: number;
  /** Longest wait for requests an action started (fetch/XHR) to finish, in ms (default 2,000). */
  readonly settleTimeout?: number;
  /** Document state that ends a navigation (default `load`). */
  readonly waitUntil?: 'load' | 'domcontentloaded';
  /** Size budget of the observation text (default 12,000 characters). */
  readonly budget?: ObservationBudget;
  /** Longest accessible name shown (default 100 characters). */
  readonly maxNameLength?: number;
  /** Longest static text line shown (default 300 characters). */
  readonly maxTextLength?: number;
  /** Attach a PNG screenshot of the viewport to every observation (default false). */
  readonly screenshot?: boolean;
  /** Viewport size (default 1280 x 720). */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** A page opened by the agent (`target=_blank`, `window.open`) becomes the active page, or is closed (default `follow`). */
  readonly popups?: 'follow' | 'close';
  /** How `alert`/`confirm`/`prompt` dialogs are answered (default `accept`). `beforeunload` is always accepted. */
  readonly dialogs?: 'accept' | 'dismiss';
  /** List elements that have click listeners added by script as `clickable` (default true). */
  readonly detectClickListeners?: boolean;
  /**
   * How navigation outside the task's allowed origins is blocked (default `network`).
   * `network`: the context's traffic to other origins (documents, scripts, images, XHR) goes to
   * a local proxy that refuses it, so the episode is sandboxed to its sites at no cost per step;
   * used on local browsers when `contextOptions` sets no proxy, else `navigation` applies.
   * `navigation`: only documents (pages, frames) are intercepted, through DevTools, so pages may
   * still load scripts and images from other origins (for tasks on the open web); it costs about
   * 5% of a step's CPU. Either way a blocked navigation leaves the page where it was and is
   * reported as an action error (a frame's, as a notice).
   */
  readonly originGuard?: 'network' | 'navigation';
  /** Extra Playwright context options (locale, storageState, userAgent, ...). */
  readonly contextOptions?: BrowserContextOptions;
  /** Runs after the context is made and before the start page loads (cookies, routes, site state). */
  readonly setup?: (episode: EpisodeSetup) => Promise<void>;
}

type EnvDefaults = Required<
  Pick<
    WebEnvironmentOptions,
    | 'maxTurns' | 'actionTimeout' | 'navigationTimeout' | 'resetTimeout' | 'observationTimeout' | 'settleTimeout' | 'waitUntil'
    | 'maxNameLength' | 'maxTextLength' | 'screenshot' | 'viewport' | 'popups' | 'dialogs' | 'detectClickListeners' | 'originGuard'
  >
>;

export const WEB_ENVIRONMENT_DEFAULTS: Readonly<EnvDefaults> = Object.freeze({
  maxTurns: 15,
  actionTimeout: 5_000,
  navigationTimeout: 15_000,
  resetTimeout: 30_000,
  observationTimeout: 10_000,
  settleTimeout: 2_000,
  waitUntil: 'load',
  maxNameLength: 100,
  maxTextLength: 300,
  screenshot: false,
  viewport: Object.freeze({ width: 1280, height: 720 }),
  popups: 'follow',
  dialogs: 'accept',
  detectClickListeners: true,
  originGuard: 'network',
});

export type ResolvedWebEnvironmentOptions = WebEnvironmentOptions & EnvDefaults;

/** Largest viewport side accepted, in CSS pixels (Chromium's own limit on a window is about this). */
export const MAX_VIEWPORT_SIDE = 16_384;

const viewportSide = num({ int: true, min: 1, max: MAX_VIEWPORT_SIDE }, `an integer from 1 to ${MAX_VIEWPORT_SIDE} (CSS pixels)`);

/** The schema of WebEnvironmentOptions: checked by the constructor, before any browser starts. */
export const webEnvironmentOptions = defineOptions<WebEnvironmentOptions>()('WebEnvironment', obj({
  pool: instanceOf<BrowserPool>(BrowserPool, 'a BrowserPool').optional(),
  browser: browserPoolOptions.schema.optional(),
  maxTurns: positiveInt('a positive integer').optional(),
  actionTimeout: timeoutMs().optional(),
  navigationTimeout: timeoutMs().optional(),
  resetTimeout: timeoutMs().optional(),
  observationTimeout: timeoutMs().optional(),
  settleTimeout: num({ min: 0, max: MAX_TIMER_MS }, `a number of milliseconds from 0 to ${MAX_TIMER_MS} (0 = do not wait)`).optional(),
  waitUntil: oneOf(['load', 'domcontentloaded']).optional(),
  budget: observationBudgetSchema.optional(),
  maxNameLength: positiveInt('a positive integer').optional(),
  maxTextLength: positiveInt('a positive integer').optional(),
  screenshot: bool().optional(),
  viewport: obj({ width: viewportSide, height: viewportSide }, 'an object { width, height } of integers (CSS pixels)').optional(),
  popups: oneOf(['follow', 'close']).optional(),
  dialogs: oneOf(['accept', 'dismiss']).optional(),
  detectClickListeners: bool().optional(),
  originGuard: oneOf(['network', 'navigation']).optional(),
  contextOptions: custom<BrowserContextOptions>(isPlainObject, 'an object of Playwright context options (locale, storageState, userAgent, ...)').optional(),
  setup: fn<NonNullable<WebEnvironmentOptions['setup']>>('a function ({ context, page, task }) => Promise<void>').optional(),
}).superRefine((o, ctx) => {
  if (o.pool !== undefined && o.browser !== undefined) ctx.addIssue({ code: 'custom', path: [], message: rule('takes either pool (shared) or browser (options of its own pool), not both') });
}));

/** Throws an OptionsError naming the option and what to change; runs before any browser starts. */
export function validateOptions(options: WebEnvironmentOptions): void {
  webEnvironmentOptions.check(options);
}

/** Origins a task may visit, or `null` for any http(s) origin. */
export function allowedOriginsOf(task: EnvTask): Set<string> | null {
  if (task.allowedOrigins === '*') return null;
  const set = new Set<string>([new URL(task.startUrl).origin]);
  for (const o of task.allowedOrigins ?? []) {
    try {
      set.add(new URL(o).origin);
    } catch {
      throw new TaskError(`task ${JSON.stringify(task.id)}: allowedOrigins entry ${JSON.stringify(o)} is not a URL (expected like "http://127.0.0.1:8080")`);
    }
  }
  return set;
}

export function validateTask(task: BrowserTask): void {
  if (typeof task !== 'object' || task === null) throw new TaskError('reset(task) needs a task object with id, intent and startUrl');
  if (typeof task.id !== 'string' || task.id === '') throw new TaskError('task.id must be a non-empty string');
  if (typeof task.intent !== 'string') throw new TaskError(`task ${JSON.stringify(task.id)}: intent must be a string`);
  let url: URL;
  try {
    url = new URL(task.startUrl);
  } catch {
    throw new TaskError(`task ${JSON.stringify(task.id)}: startUrl ${JSON.stringify(task.startUrl)} is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TaskError(`task ${JSON.stringify(task.id)}: startUrl must be http(s); ${url.protocol} URLs are refused`);
  }
  if (task.maxTurns !== undefined && (!Number.isInteger(task.maxTurns) || task.maxTurns < 1)) {
    throw new TaskError(`task ${JSON.stringify(task.id)}: maxTurns must be a positive integer, got ${String(task.maxTurns)}`);
  }
  if (task.setup !== undefined && typeof task.setup !== 'function') {
    throw new TaskError(`task ${JSON.stringify(task.id)}: setup must be a function ({context, page, task}) => Promise<void>, got ${typeof task.setup}`);
  }
  if (task.ready !== undefined && typeof task.ready !== 'function') {
    throw new TaskError(`task ${JSON.stringify(task.id)}: ready must be a function ({context, page, task}) => Promise<{ instruction?: string } | void>, got ${typeof task.ready}`);
  }
  if (task.isDone !== undefined && typeof task.isDone !== 'function') {
    throw new TaskError(`task ${JSON.stringify(task.id)}: isDone must be a function (page) => Promise<boolean>, got ${typeof task.isDone}`);
  }
}

