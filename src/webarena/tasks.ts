// WebArena configs as WebTasks: placeholders substituted with the user's site URLs, the login
// state (`storage_state`, a Playwright storage-state file) applied to each episode's fresh
// browser context, geolocation set, and the checker built from the config's `eval`.

import { isAbsolute, resolve } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { readTextFileSync } from '../data/load-errors.js';
import { parseJsonText } from '../data/json-text.js';
import type { WebTask } from '../tasks/types.js';
import { loadWebArenaConfigs, substituteConfig, WebArenaConfigError, WEBARENA_SITES, type InvalidWebArenaConfig, type LoadWebArenaOptions, type WebArenaConfig, type WebArenaSiteUrls } from './config.js';
import { webArenaChecker, webArenaHelpersSchema, webArenaJudgeSchema, webArenaSiteUrlsSchema, type WebArenaEvalOptions, type WebArenaJudge } from './evaluators.js';
import type { PunktParameters } from './nltk-tokenize.js';
import { punktSchema, WEBARENA_SEMANTICS, webArenaSemanticsSchema, type WebArenaSemantics } from './semantics.js';
import { bool, defineOptions, obj, positiveInt, str } from '../options.js';

export interface WebArenaTaskOptions {
  /** Base URL of each site of the deployment the configs run against. */
  readonly urls: WebArenaSiteUrls;
  /** Judge of `fuzzy_match` answers (see `chatJudge`); without one they are reported `unjudged`. */
  readonly judge?: WebArenaJudge;
  /** Folder relative `storage_state` paths are resolved against (default: the working directory, as WebArena's harness does). */
  readonly authDir?: string;
  /** Turn limit of every task (default: the environment's). */
  readonly maxTurns?: number;
  /** Implementations of WebArena `func:` helpers that need a site's API (see WebArenaEvalOptions). */
  readonly helpers?: WebArenaEvalOptions['helpers'];
  /**
   * Which harness's evaluator rules score the tasks (see WebArenaEvalOptions.semantics).
   * @defaultValue 'webarena-lite'
   */
  readonly semantics?: WebArenaSemantics;
  /** NLTK Punkt parameters for the token rule (see WebArenaEvalOptions.punkt). */
  readonly punkt?: PunktParameters;
}

interface StorageState {
  readonly cookies?: Parameters<BrowserContext['addCookies']>[0];
  readonly origins?: ReadonlyArray<{ readonly origin: string; readonly localStorage?: ReadonlyArray<{ readonly name: string; readonly value: string }> }>;
}

const STORAGE_STATE = "a Playwright storage-state JSON file (log in with WebArena's auto_login.py, or pass authDir)";
const STATE_FORM = '{cookies: [...], origins: [...]}';
const COOKIE_FORM = '{name, value, domain and path, or url}';
const ORIGIN_FORM = '{origin, localStorage: [{name, value}]}';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optional = (v: unknown, type: 'string' | 'number' | 'boolean'): boolean => v === undefined || typeof v === type;

/** What is wrong with a parsed storage state, as "cookies[2] must be ...", or undefined. Says where, never what a value is. */
function storageStateProblem(raw: unknown): string | undefined {
  if (!isRecord(raw)) return `it holds ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : `a ${typeof raw}`}, not an object ${STATE_FORM}`;
  const { cookies, origins } = raw;
  if (cookies !== undefined) {
    if (!Array.isArray(cookies)) return 'cookies must be a list';
    for (let i = 0; i < cookies.length; i++) {
      const c: unknown = cookies[i];
      const ok = isRecord(c) && typeof c.name === 'string' && typeof c.value === 'string'
        && (typeof c.url === 'string' || (typeof c.domain === 'string' && typeof c.path === 'string'))
        && optional(c.expires, 'number') && optional(c.httpOnly, 'boolean') && optional(c.secure, 'boolean')
        && (c.sameSite === undefined || c.sameSite === 'Strict' || c.sameSite === 'Lax' || c.sameSite === 'None');
      if (!ok) return `cookies[${i}] must be ${COOKIE_FORM} (expires a number, httpOnly and secure booleans, sameSite Strict, Lax or None)`;
    }
  }
  if (origins !== undefined) {
    if (!Array.isArray(origins)) return 'origins must be a list';
    for (let i = 0; i < origins.length; i++) {
      const o: unknown = origins[i];
      const ok = isRecord(o) && typeof o.origin === 'string'
        && (o.localStorage === undefined || (Array.isArray(o.localStorage) && o.localStorage.every((e: unknown) => isRecord(e) && typeof e.name === 'string' && typeof e.value === 'string')));
      if (!ok) return `origins[${i}] must be ${ORIGIN_FORM}`;
    }
  }
  return undefined;
}

/**
 * Reads and checks a storage-state file. Errors are WebArenaConfigErrors naming the file and
 * what is wrong with it (missing, a folder, unreadable, not JSON with line and column, a cookie
 * or origin that is malformed), never its contents: it holds session cookies.
 */
function readStorageState(file: string, taskId: string): StorageState {
  const read = readTextFileSync(file, STORAGE_STATE);
  if (!read.ok) throw new WebArenaConfigError(taskId, 'storage_state', read.problem);
  const parsed = parseJsonText(read.text);
  if (!parsed.ok) throw new WebArenaConfigError(taskId, 'storage_state', `${file} is not valid JSON: ${parsed.problem}`);
  const problem = storageStateProblem(parsed.value);
  if (problem !== undefined) throw new WebArenaConfigError(taskId, 'storage_state', `${file} is not a Playwright storage state ${STATE_FORM}: ${problem}`);
  return parsed.value as StorageState;
}

/**
 * The WebTask of one config. Errors (a placeholder with no URL, a missing storage-state file)
 * are WebArenaConfigError naming the task and field, raised here rather than mid-rollout.
 */
export function webArenaTask(raw: WebArenaConfig, options: WebArenaTaskOptions): WebTask {
  webArenaTaskOptions.check(options);
  const taskId = String(raw.task_id);
  const semantics = options.semantics ?? 'webarena-lite';
  if (!WEBARENA_SEMANTICS.includes(semantics)) throw new WebArenaConfigError(taskId, 'semantics', `must be one of ${WEBARENA_SEMANTICS.join(', ')}, got ${JSON.stringify(semantics)}`);
  // WebArena replaces the placeholders in the whole config text before anything reads it.
  const config = substituteConfig(raw, options.urls, { taskId, field: '' });
  const [startUrl, ...otherStarts] = config.start_url.split(' |AND| ').map((u) => u.trim());
  const evalConfig = config.eval;
  if (semantics === 'webarena' && evalConfig.eval_types.includes('url_match') && (evalConfig.url_note ?? 'GOLD in PRED') !== 'GOLD in PRED') {
    throw new WebArenaConfigError(taskId, 'eval.url_note', `WebArena's evaluator reads only "GOLD in PRED" (it raises on ${JSON.stringify(evalConfig.url_note)}); score this config with semantics 'webarena-lite'`);
  }
  let state: StorageState | undefined;
  if (config.require_login && config.storage_state) {
    const file = isAbsolute(config.storage_state) ? config.storage_state : resolve(options.authDir ?? process.cwd(), config.storage_state);
    state = readStorageState(file, taskId);
  }
  const origins = WEBARENA_SITES.flatMap((s) => {
    const u = options.urls[s];
    try {
      return u ? [new URL(u).origin] : [];
    } catch {
      throw new WebArenaConfigError(taskId, 'urls', `the URL given for ${s} (${JSON.stringify(u)}) is not an absolute URL`);
    }
  });
  const geolocation = config.geolocation ?? undefined;
  return {
    id: `webarena/${taskId}`,
    intent: config.intent,
    startUrl: startUrl!,
    site: config.sites?.join('+') || 'webarena',
    allowedOrigins: origins,
    ...(options.maxTurns !== undefined ? { maxTurns: options.maxTurns } : {}),
    ...(state || geolocation
      ? {
          async setup({ context }) {
            if (state?.cookies?.length) await context.addCookies(state.cookies);
            const stored = (state?.origins ?? []).filter((o) => o.localStorage?.length);
            if (stored.length) {
              await context.addInitScript((list: ReadonlyArray<{ origin: string; localStorage?: ReadonlyArray<{ name: string; value: string }> }>) => {
                const mine = list.find((o) => o.origin === location.origin);
                for (const { name, value } of mine?.localStorage ?? []) localStorage.setItem(name, value);
              }, stored);
            }
            if (geolocation) {
              await context.setGeolocation(geolocation);
              await context.grantPermissions(['geolocation']);
            }
          },
        }
      : {}),
    check: webArenaChecker(evalConfig, {
      intent: config.intent, taskId, semantics,
      ...(options.judge ? { judge: options.judge } : {}), ...(options.helpers ? { helpers: options.helpers } : {}), ...(options.punkt ? { punkt: options.punkt } : {}),
    }),
    meta: {
      template: config.intent_template_id !== undefined ? `webarena.${config.intent_template_id}` : `webarena.${taskId}`,
      task_id: config.task_id,
      sites: config.sites ?? [],
      eval_types: config.eval.eval_types,
      ...(otherStarts.length ? { otherStartUrls: otherStarts } : {}),
      ...(config.require_reset ? { requireReset: true } : {}),
    },
  };
}

/**
 * Loads WebArena configs (a JSON array file or a folder of per-task files) as WebTasks. With
 * `skipInvalid`, malformed configs and configs that cannot run here (a missing site URL or login
 * file) are left out and listed in `invalid` with the reason; otherwise the first one throws.
 */
export async function loadWebArenaTasks(path: string, options: WebArenaTaskOptions & LoadWebArenaOptions): Promise<{ tasks: WebTask[]; invalid: InvalidWebArenaConfig[] }> {
  loadWebArenaTasksOptions.check(options);
  const { skipInvalid, ...taskOptions } = options;
  const { configs, invalid } = await loadWebArenaConfigs(path, skipInvalid === undefined ? {} : { skipInvalid });
  const tasks: WebTask[] = [];
  for (const c of configs) {
    try {
      tasks.push(webArenaTask(c, taskOptions));
    } catch (e) {
      if (!(e instanceof WebArenaConfigError) || !options.skipInvalid) throw e;
      invalid.push({ where: String(c.task_id), error: e });
    }
  }
  return { tasks, invalid };
}

/**
 * The bundled sites as a WebArena deployment: the shop is `shopping`, its back office
 * `shopping_admin`, the code host `gitlab`, the forum `reddit` and the map `map`, so configs
 * written for WebArena's placeholders run against `startSuiteServer()`.
 */
export function bundledWebArenaUrls(urls: { readonly shop: string; readonly admin: string; readonly forum: string; readonly code: string; readonly map: string }): WebArenaSiteUrls {
  return { shopping: urls.shop, shopping_admin: urls.admin, gitlab: urls.code, reddit: urls.forum, map: urls.map };
}

const taskShape = {
  urls: webArenaSiteUrlsSchema,
  judge: webArenaJudgeSchema.optional(),
  authDir: str('a non-empty string (a folder path)', { nonEmpty: true }).optional(),
  maxTurns: positiveInt('a positive integer').optional(),
  helpers: webArenaHelpersSchema.optional(),
  semantics: webArenaSemanticsSchema.optional(),
  punkt: punktSchema.optional(),
};

/** The schema of WebArenaTaskOptions: checked by `webArenaTask`. */
export const webArenaTaskOptions = defineOptions<WebArenaTaskOptions>()('webArenaTask', obj(taskShape));

/** The schema of `loadWebArenaTasks`'s options (WebArenaTaskOptions & LoadWebArenaOptions): checked before it reads anything. */
export const loadWebArenaTasksOptions = defineOptions<WebArenaTaskOptions & LoadWebArenaOptions>()('loadWebArenaTasks', obj({ ...taskShape, skipInvalid: bool().optional() }));
