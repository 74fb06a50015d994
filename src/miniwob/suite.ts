// MiniWoB++ (Farama-Foundation/miniwob-plusplus, MIT) as WebTasks: a user's checkout served on
// 127.0.0.1, or a URL where one is served, its task pages run by WebEnvironment unchanged, with
// the page's own instruction (the utterance), end of episode and reward (./protocol.ts).

import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OptionsError } from '../errors.js';
import { arrayOf, defineOptions, integer, MAX_TIMER_MS, num, obj, port, positiveInt, str, timeoutMs, union } from '../options.js';
import type { WebTask } from '../tasks/types.js';
import { checkMiniWoB, isMiniWoBDone, startMiniWoBEpisode } from './protocol.js';
import { serveStatic, type StaticServer } from './static-server.js';

export interface MiniWoBSuiteOptions {
  /**
   * `core.EPISODE_MAX_TIME` in ms: the page ends the episode with reward -1 after it, and
   * discounts the reward by the time taken. Default 1,000,000 as in BrowserGym, so that a slow
   * model is limited by the rollout's `episodeTimeoutMs`, not by MiniWoB++'s 10 s.
   */
  readonly episodeMaxTimeMs?: number;
  /**
   * Longest wait for the task page to finish loading and set `WOB_TASK_READY`, in ms (default
   * 10,000). WebEnvironment's `navigationTimeout` bounds the whole start, so keep it below that.
   */
  readonly readyTimeoutMs?: number;
  /** Port of the local file server (default: a free one). */
  readonly port?: number;
}

/** The schema of MiniWoBSuiteOptions: checked by `MiniWoBSuite.open` before it serves or fetches anything. */
export const miniWoBSuiteOptions = defineOptions<MiniWoBSuiteOptions>()('MiniWoBSuite', obj({
  episodeMaxTimeMs: num({ int: true, min: 1, max: MAX_TIMER_MS }, `a positive integer of milliseconds (at most ${MAX_TIMER_MS})`).optional(),
  readyTimeoutMs: timeoutMs().optional(),
  port: port().optional(),
}));

export const MINIWOB_DEFAULTS: Readonly<Required<Omit<MiniWoBSuiteOptions, 'port'>>> = Object.freeze({
  episodeMaxTimeMs: 1_000_000,
  readyTimeoutMs: 10_000,
});

/** Simple MiniWoB++ tasks to start with. */
export const MINIWOB_STARTER_TASKS: readonly string[] = Object.freeze([
  'click-test', 'click-test-2', 'click-button', 'click-link', 'click-option', 'click-checkboxes',
  'click-dialog', 'click-tab', 'focus-text', 'enter-text', 'enter-password', 'login-user',
]);

export interface MiniWoBTaskOptions {
  /** Task names (`click-test`). Default: every task of a local checkout; required with a URL. */
  readonly names?: readonly string[];
  /** Seeds of each task's episodes, or a count n for the seeds 0..n-1. Default 1 (seed 0). */
  readonly seeds?: readonly number[] | number;
  /** Turn limit of each episode (default: the environment's `maxTurns`). */
  readonly maxTurns?: number;
}

/** The schema of MiniWoBTaskOptions: checked by `MiniWoBSuite.tasks`. */
export const miniWoBTaskOptions = defineOptions<MiniWoBTaskOptions>()('MiniWoBSuite.tasks', obj({
  names: arrayOf(str('a task name like "click-test"', { nonEmpty: true }), 'an array of task names').optional(),
  seeds: union([positiveInt(), arrayOf(integer('an integer seed'), 'an array of integer seeds')], 'a positive count or an array of integer seeds').optional(),
  maxTurns: positiveInt('a positive integer').optional(),
}));

/** Task names are file names in one folder: no path separators, nothing to escape in a URL. */
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const CLONE_HINT = 'pass the miniwob/html/miniwob folder of a miniwob-plusplus checkout (git clone https://github.com/Farama-Foundation/miniwob-plusplus)';

/** Options of `MiniWoBSuite.task`. */
const miniWoBOneTaskOptions = defineOptions<{ readonly maxTurns?: number }>()('MiniWoBSuite.task', obj({ maxTurns: positiveInt('a positive integer').optional() }));

const isDir = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

const hasCore = (folder: string): boolean => existsSync(join(dirname(folder), 'core', 'core.js'));

/** The folder of task pages: `dir` itself, or the one inside it when given the checkout root or its `html` folder. */
function taskFolder(path: string): string {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new OptionsError(`MiniWoB++ folder ${dir} does not exist; ${CLONE_HINT}`);
  if (!isDir(dir)) throw new OptionsError(`MiniWoB++ path ${dir} is not a folder; ${CLONE_HINT}`);
  const folder = [join(dir, 'miniwob', 'html', 'miniwob'), join(dir, 'miniwob')].find((f) => isDir(f) && hasCore(f)) ?? dir;
  if (!hasCore(folder)) {
    throw new OptionsError(`MiniWoB++ folder ${folder} has no core/core.js next to it (looked for ${join(dirname(folder), 'core', 'core.js')}; task pages load ../core/core.js); ${CLONE_HINT}`);
  }
  return folder;
}

/**
 * MiniWoB++ tasks for WebEnvironment. `open` a checkout's `miniwob/html/miniwob` folder (served
 * with its `core` folder on 127.0.0.1 until `close`) or the http(s) URL of that folder; `tasks`
 * makes one WebTask per task name and seed. Each episode loads the task page, seeds and starts
 * it (`ready`), ends when the page says so (`isDone`) and scores 1 iff the raw reward is > 0.
 */
export class MiniWoBSuite implements AsyncDisposable {
  /** URL of the folder of task pages, ending in `/`. */
  readonly baseUrl: string;
  /** The local folder of task pages; undefined when opened from a URL (its tasks cannot be listed). */
  readonly dir: string | undefined;
  readonly options: Readonly<Required<Omit<MiniWoBSuiteOptions, 'port'>>>;
  readonly #names: readonly string[] | undefined;
  readonly #server: StaticServer | undefined;

  private constructor(baseUrl: string, dir: string | undefined, names: readonly string[] | undefined, server: StaticServer | undefined, options: MiniWoBSuiteOptions) {
    this.baseUrl = baseUrl;
    this.dir = dir;
    this.#names = names;
    this.#server = server;
    this.options = Object.freeze({
      episodeMaxTimeMs: options.episodeMaxTimeMs ?? MINIWOB_DEFAULTS.episodeMaxTimeMs,
      readyTimeoutMs: options.readyTimeoutMs ?? MINIWOB_DEFAULTS.readyTimeoutMs,
    });
  }

  /** Opens a local checkout folder (or `file:` URL) and serves it, or checks that an http(s) URL serves MiniWoB++. */
  static async open(pathOrUrl: string, options: MiniWoBSuiteOptions = {}): Promise<MiniWoBSuite> {
    if (typeof pathOrUrl !== 'string' || pathOrUrl === '') throw new OptionsError(`MiniWoBSuite.open needs a folder path or an http(s) URL; ${CLONE_HINT}`);
    miniWoBSuiteOptions.check(options);
    if (/^https?:\/\//i.test(pathOrUrl)) return MiniWoBSuite.#openUrl(pathOrUrl, options);
    const isFileUrl = /^file:/i.test(pathOrUrl);
    if (!isFileUrl && /^[a-z][a-z0-9+.-]+:\/\//i.test(pathOrUrl)) throw new OptionsError(`MiniWoBSuite.open: ${pathOrUrl} is neither a folder nor an http(s) URL`);
    const folder = taskFolder(isFileUrl ? fileURLToPath(pathOrUrl) : pathOrUrl);
    const names = readdirSync(folder)
      .filter((f) => f.endsWith('.html') && NAME_RE.test(f.slice(0, -5)))
      .map((f) => f.slice(0, -5))
      .sort();
    if (names.length === 0) throw new OptionsError(`MiniWoB++ folder ${folder} holds no task pages (*.html); ${CLONE_HINT}`);
    // The parent is served, not the folder: task pages load ../core/core.js (and ../common/...).
    const server = await serveStatic(dirname(folder), options.port !== undefined ? { port: options.port } : {});
    return new MiniWoBSuite(`${server.url}/${encodeURIComponent(basename(folder))}/`, folder, names, server, options);
  }

  static async #openUrl(raw: string, options: MiniWoBSuiteOptions): Promise<MiniWoBSuite> {
    const base = new URL(raw.endsWith('/') ? raw : `${raw}/`);
    base.search = '';
    base.hash = '';
    const core = new URL('../core/core.js', base).href;
    const timeout = options.readyTimeoutMs ?? MINIWOB_DEFAULTS.readyTimeoutMs;
    let problem: string | undefined;
    try {
      const res = await fetch(core, { signal: AbortSignal.timeout(timeout) });
      await res.body?.cancel();
      if (!res.ok) problem = `HTTP ${res.status}`;
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    if (problem !== undefined) {
      throw new OptionsError(`no MiniWoB++ core at ${core} (${problem}): pass the URL of the folder that holds the task pages (.../miniwob/), served together with its ../core folder`);
    }
    return new MiniWoBSuite(base.href, undefined, undefined, undefined, options);
  }

  /** Names of the tasks of a local checkout, sorted. A suite opened from a URL cannot list them. */
  taskNames(): string[] {
    if (!this.#names) throw new OptionsError(`the tasks of MiniWoB++ at ${this.baseUrl} cannot be listed over HTTP; name them: suite.tasks({ names: ['click-test', ...] })`);
    return [...this.#names];
  }

  /** One WebTask per task name and seed, in name-major order. */
  tasks(options: MiniWoBTaskOptions = {}): WebTask[] {
    miniWoBTaskOptions.check(options);
    const names = options.names ?? this.#names;
    if (!names) throw new OptionsError(`MiniWoB++ at ${this.baseUrl} was opened from a URL, so its tasks cannot be listed; pass names: suite.tasks({ names: ['click-test', ...] })`);
    const seeds = options.seeds ?? 1;
    let list: readonly number[];
    if (typeof seeds === 'number') {
      if (!Number.isInteger(seeds) || seeds < 1) throw new OptionsError(`MiniWoBSuite.tasks: seeds must be a positive count or a list of integer seeds, got ${String(seeds)}`);
      list = Array.from({ length: seeds }, (_, i) => i);
    } else {
      if (!Array.isArray(seeds) || seeds.some((s) => !Number.isInteger(s))) throw new OptionsError(`MiniWoBSuite.tasks: seeds must be a positive count or a list of integer seeds, got ${JSON.stringify(seeds)}`);
      list = seeds;
    }
    return names.flatMap((name) => list.map((seed) => this.task(name, seed, options.maxTurns !== undefined ? { maxTurns: options.maxTurns } : {})));
  }

  /** The WebTask of one task name and seed. */
  task(name: string, seed = 0, options: { readonly maxTurns?: number } = {}): WebTask {
    if (typeof name !== 'string' || !NAME_RE.test(name)) throw new OptionsError(`MiniWoB++ task name ${JSON.stringify(name)} is not a task file name like "click-test"`);
    if (this.#names && !this.#names.includes(name)) {
      const near = this.#names.filter((n) => n.includes(name) || name.includes(n)).slice(0, 5);
      throw new OptionsError(`unknown MiniWoB++ task ${JSON.stringify(name)}: ${this.dir} has no ${name}.html${near.length ? `; did you mean ${near.join(', ')}?` : ''} (suite.taskNames() lists the ${this.#names.length} tasks)`);
    }
    if (!Number.isInteger(seed)) throw new OptionsError(`MiniWoB++ seed must be an integer, got ${String(seed)}`);
    miniWoBOneTaskOptions.check(options);
    const { episodeMaxTimeMs, readyTimeoutMs } = this.options;
    return {
      id: `miniwob.${name}/seed-${seed}`,
      site: 'miniwob',
      // Replaced by the page's utterance once the episode starts (Observation.instruction).
      intent: `Solve the MiniWoB++ task ${name}; the page states the instruction.`,
      startUrl: `${this.baseUrl}${name}.html`,
      ...(options.maxTurns !== undefined ? { maxTurns: options.maxTurns } : {}),
      ready: async ({ page }) => ({ instruction: await startMiniWoBEpisode(page, seed, { episodeMaxTimeMs, readyTimeoutMs }) }),
      isDone: isMiniWoBDone,
      check: checkMiniWoB,
      meta: { template: `miniwob.${name}`, task: name, seed, episodeMaxTimeMs },
    };
  }

  /** Stops the local file server (the tasks' pages are gone then). Safe to call twice. */
  async close(): Promise<void> {
    await this.#server?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
