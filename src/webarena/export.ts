// Bundled suite tasks as WebArena configs, with placeholders for the bundled sites (the shop is
// `__SHOPPING__`, see bundledWebArenaUrls), so they run through the WebArena evaluator path (this
// SDK's, or WebArena's own harness against a running suite server).
//
// How each checker is written:
// - answer checks -> `string_match` (answerNumber as `must_include` of the number, plain or with
//   thousands separators, which is what WebArena configs do for numbers; unlike answerNumber,
//   WebArena neither reads "12.5" as 12.50 nor refuses an answer holding other numbers too);
// - URL checks -> `url_match` (`contains` or `ignoreQuery` as `GOLD in PRED`);
// - page-content checks -> `program_html` on the final page;
// - site-state checks -> `program_html` on the suite server's `/__webagent/check?task=<id>&key=...`
//   page, whose `#verdict` is the task's own checker run on the episode's session state (WebArena
//   reads the state of its sites the same way: by visiting a page that shows it). The page needs
//   the server's control key, which the config carries and the agent's browser never sees;
// - a checker this module cannot write (custom, any) -> an error naming the task, unless the
//   task's `meta.webarenaEval` gives the eval config to use.

import { OptionsError } from '../errors.js';
import type { SiteUrls } from '../suites/framework/site.js';
import { checkerSpec } from '../tasks/checkers.js';
import type { Checker, WebTask } from '../tasks/types.js';
import { WEBARENA_PLACEHOLDERS, WEBARENA_SITES, type EvalConfig, type ProgramHtmlCheck, type ReferenceAnswers, type WebArenaConfig } from './config.js';
import { bundledWebArenaUrls } from './tasks.js';

interface Parts {
  answers: { exact_match?: string; must_include: string[]; must_exclude: string[] };
  urls: { reference: string; note: 'EXACT' | 'GOLD in PRED' } | undefined;
  html: ProgramHtmlCheck[];
  verdict: boolean;
}

/** `text` with every bundled site URL replaced by its WebArena placeholder. */
function withPlaceholders(text: string, urls: SiteUrls): string {
  const wa = bundledWebArenaUrls(urls);
  let out = text;
  for (const site of WEBARENA_SITES) {
    const base = wa[site];
    if (base) out = out.split(base).join(WEBARENA_PLACEHOLDERS[site]);
  }
  return out;
}

/** A JavaScript expression WebArena accepts as a locator (it must start with `document.` or `[...document.`). */
function locatorOf(options: { readonly selector?: string; readonly js?: string }): string {
  if (options.js !== undefined) return options.js.trim().startsWith('document.') ? options.js : `[...document.querySelectorAll('html')].map(() => (${options.js}))[0]`;
  return `[...document.querySelectorAll(${JSON.stringify(options.selector ?? 'body')})].map((e) => e.innerText).join('\\n')`;
}

function collect(task: WebTask, checker: Checker, urls: SiteUrls, parts: Parts): void {
  const spec = checkerSpec(checker);
  const fail = (what: string): never => {
    throw new OptionsError(`cannot export task ${task.id} as a WebArena config: its checker (${what}) has no WebArena form; give the eval config in the task's meta.webarenaEval`);
  };
  switch (spec?.kind) {
    case 'answerExact':
      if (parts.answers.exact_match !== undefined) fail('two exact answers');
      parts.answers.exact_match = spec.expected;
      return;
    case 'answerIncludes':
      for (const p of spec.phrases) parts.answers.must_include.push(typeof p === 'string' ? p : p.join(' |OR| '));
      return;
    case 'answerExcludes':
      parts.answers.must_exclude.push(...spec.phrases);
      return;
    case 'answerNumber': {
      // The number as written plainly and with thousands separators ("2412.04 |OR| 2,412.04").
      const forms = new Set([String(spec.expected), spec.expected.toLocaleString('en-US', { maximumFractionDigits: 20 })]);
      parts.answers.must_include.push([...forms].join(' |OR| '));
      return;
    }
    case 'urlMatch':
      if (parts.urls) fail('two URL checks');
      parts.urls = { reference: spec.expected.map((u) => withPlaceholders(u, urls)).join(' |OR| '), note: spec.mode === 'contains' || spec.ignoreQuery ? 'GOLD in PRED' : 'EXACT' };
      return;
    case 'pageContent': {
      // One check per kind: the harnesses read only the first kind of a required_contents.
      const o = spec.options;
      const locator = locatorOf(o);
      if (o.equals !== undefined) parts.html.push({ url: 'last', locator, required_contents: { exact_match: o.equals } });
      if (o.includes) parts.html.push({ url: 'last', locator, required_contents: { must_include: o.includes.map((p) => (typeof p === 'string' ? p : p.join(' |OR| '))) } });
      if (o.excludes) parts.html.push({ url: 'last', locator, required_contents: { must_exclude: [...o.excludes] } });
      return;
    }
    case 'stateMatch':
      parts.verdict = true;
      return;
    case 'all':
      for (const c of spec.checkers) collect(task, c, urls, parts);
      return;
    case 'any':
      return fail('any of several checks');
    case 'custom':
      return fail(`custom check "${spec.name}"`);
    default:
      return fail('a function not made by the checkers module');
  }
}

/**
 * The WebArena config of a bundled suite task (`BundledSuite.task(id)`), for sites served at
 * `urls` (`server.urls`). `taskId` is the config's `task_id` (default: the task's id string).
 * `controlKey` (`server.controlKey`) is needed for tasks checked on the site state: their check
 * page answers only to it.
 */
export function webArenaConfigOf(task: WebTask, options: { readonly urls: SiteUrls; readonly controlKey?: string; readonly taskId?: number | string }): WebArenaConfig {
  const { urls } = options;
  const site = Object.entries(bundledWebArenaUrls(urls)).find(([, u]) => u === urls[task.site as keyof SiteUrls])?.[0];
  if (!site) throw new OptionsError(`cannot export task ${task.id}: its site ${JSON.stringify(task.site)} is not a bundled site`);
  let evalConfig: EvalConfig;
  const given = task.meta['webarenaEval'];
  if (given !== undefined) evalConfig = JSON.parse(withPlaceholders(JSON.stringify(given), urls)) as EvalConfig;
  else {
    const parts: Parts = { answers: { must_include: [], must_exclude: [] }, urls: undefined, html: [], verdict: task.meta['kind'] === 'state' };
    if (!parts.verdict) collect(task, task.check, urls, parts);
    const placeholder = WEBARENA_PLACEHOLDERS[site as keyof typeof WEBARENA_PLACEHOLDERS];
    if (parts.verdict) {
      // The whole checker runs on the site state: one check of the verdict page decides.
      if (options.controlKey === undefined) throw new OptionsError(`cannot export task ${task.id}: it is checked on the site state, whose check page needs the server's control key; pass controlKey: server.controlKey`);
      parts.html = [{ url: `${placeholder}/__webagent/check?task=${encodeURIComponent(task.id)}&key=${encodeURIComponent(options.controlKey)}`, locator: "document.querySelector('#verdict').outerText", required_contents: { exact_match: 'pass' } }];
      parts.answers = { must_include: [], must_exclude: [] };
    }
    const { exact_match, must_include, must_exclude } = parts.answers;
    const answers: ReferenceAnswers = {
      ...(exact_match !== undefined ? { exact_match } : {}),
      ...(must_include.length ? { must_include } : {}),
      ...(must_exclude.length ? { must_exclude } : {}),
    };
    const types = [
      ...(Object.keys(answers).length ? (['string_match'] as const) : []),
      ...(parts.urls ? (['url_match'] as const) : []),
      ...(parts.html.length ? (['program_html'] as const) : []),
    ];
    evalConfig = {
      eval_types: types,
      reference_answers: Object.keys(answers).length ? answers : null,
      reference_url: parts.urls?.reference ?? '',
      program_html: parts.html,
      ...(parts.urls ? { url_note: parts.urls.note } : {}),
    };
  }
  const template = typeof task.meta['template'] === 'string' ? task.meta['template'] : task.id;
  return {
    sites: [site],
    task_id: options.taskId ?? task.id,
    require_login: false,
    storage_state: null,
    start_url: withPlaceholders(task.startUrl, urls),
    geolocation: null,
    intent_template: template,
    instantiation_dict: {},
    intent: task.intent,
    require_reset: task.meta['kind'] === 'state',
    eval: evalConfig,
  };
}
