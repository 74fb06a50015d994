// Composable reward checkers: answer match (exact, must-include with alternatives, must-exclude,
// numeric), URL match, page-content match, site-state match, all/any, custom. Every checker is
// a plain function of the episode's end; `runCheck` makes a throwing checker score 0 and keeps
// the reason.

import { EpisodeAbortedError, OptionsError } from '../errors.js';
import { arrayOf, bool, defineOptions, obj, oneOf, rule, str, union } from '../options.js';
import type { CheckContext, CheckResult, Checker } from './types.js';

/**
 * What a checker made here tests, as plain data, so tasks can be exported to other formats
 * (WebArena configs, see src/webarena/export.ts). Checkers made elsewhere have none.
 */
export type CheckerSpec =
  | { readonly kind: 'answerExact'; readonly expected: string }
  | { readonly kind: 'answerIncludes'; readonly phrases: ReadonlyArray<string | readonly string[]> }
  | { readonly kind: 'answerExcludes'; readonly phrases: readonly string[] }
  | { readonly kind: 'answerNumber'; readonly expected: number; readonly tolerance: number }
  | { readonly kind: 'urlMatch'; readonly expected: readonly string[]; readonly mode: 'exact' | 'contains'; readonly ignoreQuery: boolean }
  | { readonly kind: 'pageContent'; readonly options: PageContentOptions }
  | { readonly kind: 'stateMatch'; readonly description: string }
  | { readonly kind: 'all' | 'any'; readonly checkers: readonly Checker[] }
  | { readonly kind: 'custom'; readonly name: string };

const specs = new WeakMap<Checker, CheckerSpec>();

function described(spec: CheckerSpec, checker: Checker): Checker {
  specs.set(checker, spec);
  return checker;
}

/** The spec of a checker made by this module (answerExact, urlMatch, all, ...), else undefined. */
export function checkerSpec(checker: Checker): CheckerSpec | undefined {
  return specs.get(checker);
}

const pass = (reason: string): CheckResult => ({ score: 1, reason });
const fail = (reason: string): CheckResult => ({ score: 0, reason });

/** Lower-cases, trims, strips one pair of outer quotes and collapses whitespace (WebArena's normalisation plus spaces). */
export function normalizeAnswer(text: string): string {
  let s = text.trim().toLowerCase();
  if (s.length >= 2 && /^["'`]/.test(s) && s.at(-1) === s[0]) s = s.slice(1, -1).trim();
  return s.replace(/\s+/g, ' ');
}

function answerOf(ctx: CheckContext, what: string): string | CheckResult {
  if (ctx.answer === null) return fail(`no answer was given (${what})`);
  return normalizeAnswer(ctx.answer);
}

/** The answer equals `expected` after normalisation. */
export function answerExact(expected: string): Checker {
  const want = normalizeAnswer(expected);
  return described({ kind: 'answerExact', expected }, (ctx) => {
    const got = answerOf(ctx, `expected ${JSON.stringify(expected)}`);
    if (typeof got !== 'string') return got;
    return got === want ? pass(`answer is ${JSON.stringify(expected)}`) : fail(`answer ${JSON.stringify(ctx.answer)} is not ${JSON.stringify(expected)}`);
  });
}

/**
 * Every entry appears in the answer (case-insensitive); an entry that is an array is a set of
 * alternatives of which one must appear (WebArena's `must_include` with ` |OR| `).
 */
export function answerIncludes(phrases: ReadonlyArray<string | readonly string[]>): Checker {
  if (phrases.length === 0) throw new OptionsError('answerIncludes needs at least one phrase');
  const wants = phrases.map((p) => (typeof p === 'string' ? [p] : [...p]).map(normalizeAnswer));
  return described({ kind: 'answerIncludes', phrases }, (ctx) => {
    const got = answerOf(ctx, 'expected an answer including ' + JSON.stringify(phrases));
    if (typeof got !== 'string') return got;
    for (const alternatives of wants) {
      if (!alternatives.some((a) => got.includes(a))) return fail(`answer ${JSON.stringify(ctx.answer)} does not include ${alternatives.map((a) => JSON.stringify(a)).join(' or ')}`);
    }
    return pass('answer includes every required phrase');
  });
}

/** None of `phrases` appears in the answer (case-insensitive). An absent answer passes. */
export function answerExcludes(phrases: readonly string[]): Checker {
  const bad = phrases.map(normalizeAnswer);
  return described({ kind: 'answerExcludes', phrases }, (ctx) => {
    const got = ctx.answer === null ? '' : normalizeAnswer(ctx.answer);
    const hit = bad.find((b) => got.includes(b));
    return hit === undefined ? pass('answer includes no excluded phrase') : fail(`answer ${JSON.stringify(ctx.answer)} includes ${JSON.stringify(hit)}`);
  });
}

/** The numbers in `text` ("$1,234.50", "-3", "12 km" -> 1234.5, -3, 12). */
export function numbersIn(text: string): number[] {
  return [...text.matchAll(/-?\d[\d,]*(?:\.\d+)?|-?\.\d+/g)].map((m) => Number(m[0].replace(/,/g, ''))).filter((n) => Number.isFinite(n));
}

/**
 * The answer holds exactly one number and it equals `expected` within `tolerance` (absolute).
 * "$12.50" and "12.5" both match 12.5; an answer with several different numbers does not.
 */
export function answerNumber(expected: number, options: { readonly tolerance?: number } = {}): Checker {
  const tolerance = options.tolerance ?? 1e-9;
  if (!Number.isFinite(expected)) throw new OptionsError(`answerNumber needs a finite number, got ${String(expected)}`);
  return described({ kind: 'answerNumber', expected, tolerance }, (ctx) => {
    if (ctx.answer === null) return fail(`no answer was given (expected ${expected})`);
    const nums = [...new Set(numbersIn(ctx.answer))];
    if (nums.length === 0) return fail(`answer ${JSON.stringify(ctx.answer)} holds no number (expected ${expected})`);
    if (nums.length > 1) return fail(`answer ${JSON.stringify(ctx.answer)} holds several numbers (${nums.join(', ')}); expected just ${expected}`);
    return Math.abs(nums[0]! - expected) <= tolerance ? pass(`answer is ${expected}`) : fail(`answer ${nums[0]} is not ${expected}`);
  });
}

/**
 * Normalises a URL for comparison: lower-case scheme and host, `localhost` = `127.0.0.1`, no
 * default port, no trailing slash on the path, query parameters sorted, fragment dropped.
 */
export function normalizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw.trim().replace(/\/+$/, '');
  }
  if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
  url.hash = '';
  url.searchParams.sort();
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}${url.search}`;
}

export interface UrlMatchOptions {
  /** `exact` (default): the normalised URLs are equal; `contains`: the expected one is a substring of the final one. */
  readonly mode?: 'exact' | 'contains';
  /** Compare without the query string (default false). */
  readonly ignoreQuery?: boolean;
}

/** The schema of UrlMatchOptions: checked by `urlMatch`. */
export const urlMatchOptions = defineOptions<UrlMatchOptions>()('urlMatch', obj({
  mode: oneOf(['exact', 'contains']).optional(),
  ignoreQuery: bool().optional(),
}));

/** The final page's URL matches one of `expected` (several = alternatives). */
export function urlMatch(expected: string | readonly string[], options: UrlMatchOptions = {}): Checker {
  urlMatchOptions.check(options);
  const list = typeof expected === 'string' ? [expected] : [...expected];
  if (list.length === 0) throw new OptionsError('urlMatch needs at least one expected URL');
  const mode = options.mode ?? 'exact';
  const norm = (u: string): string => {
    const n = normalizeUrl(u);
    return options.ignoreQuery ? n.replace(/\?.*$/, '') : n;
  };
  return described({ kind: 'urlMatch', expected: list, mode, ignoreQuery: options.ignoreQuery ?? false }, (ctx) => {
    const got = norm(ctx.url);
    const ok = list.some((u) => (mode === 'exact' ? got === norm(u) : got.includes(norm(u))));
    return ok ? pass(`final URL ${ctx.url} matches`) : fail(`final URL ${ctx.url} does not ${mode === 'exact' ? 'equal' : 'contain'} ${list.join(' or ')}`);
  });
}

export interface PageContentOptions {
  /** A Playwright selector; its elements' inner text is tested. Default: the whole body's text. */
  readonly selector?: string;
  /** A JavaScript expression evaluated on the final page instead; its value (as a string) is tested. */
  readonly js?: string;
  /** Phrases that must all appear (arrays = alternatives), case-insensitive. */
  readonly includes?: ReadonlyArray<string | readonly string[]>;
  /** Phrases that must not appear. */
  readonly excludes?: readonly string[];
  /** The whole content must equal this (normalised). */
  readonly equals?: string;
}

const phrase = str('a non-empty string', { nonEmpty: true });

/** The schema of PageContentOptions: checked by `pageContent`. */
export const pageContentOptions = defineOptions<PageContentOptions>()('pageContent', obj({
  selector: str('a non-empty string (a Playwright selector)', { nonEmpty: true }).optional(),
  js: str('a non-empty string (a JavaScript expression)', { nonEmpty: true }).optional(),
  includes: arrayOf(union([phrase, arrayOf(phrase, 'a non-empty array of alternative phrases', { nonEmpty: true })], 'a phrase or an array of alternative phrases'), 'an array of phrases (an inner array = alternatives)').optional(),
  excludes: arrayOf(phrase, 'an array of phrases').optional(),
  equals: str('a string').optional(),
}).superRefine((o, ctx) => {
  if (o.selector !== undefined && o.js !== undefined) ctx.addIssue({ code: 'custom', path: [], message: rule('takes selector or js, not both') });
  if (o.includes === undefined && o.excludes === undefined && o.equals === undefined) ctx.addIssue({ code: 'custom', path: [], message: rule('needs includes, excludes or equals') });
}));

/** Tests text taken from the final page (a selector's text or a JS expression's value). */
export function pageContent(options: PageContentOptions): Checker {
  pageContentOptions.check(options);
  const what = options.js !== undefined ? `js ${JSON.stringify(options.js)}` : `selector ${JSON.stringify(options.selector ?? 'body')}`;
  return described({ kind: 'pageContent', options }, async (ctx) => {
    if (!ctx.page) return fail('no final page to check (the episode ran without a browser)');
    let content: string;
    if (options.js !== undefined) {
      const v: unknown = await ctx.page.evaluate(options.js);
      content = typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
    } else {
      const texts = await ctx.page.locator(options.selector ?? 'body').allInnerTexts();
      content = texts.join('\n');
    }
    const got = normalizeAnswer(content);
    if (options.equals !== undefined && got !== normalizeAnswer(options.equals)) return fail(`${what} gives ${JSON.stringify(content.slice(0, 80))}, not ${JSON.stringify(options.equals)}`);
    for (const p of options.includes ?? []) {
      const alts = (typeof p === 'string' ? [p] : [...p]).map(normalizeAnswer);
      if (!alts.some((a) => got.includes(a))) return fail(`${what} does not include ${alts.map((a) => JSON.stringify(a)).join(' or ')}`);
    }
    for (const p of options.excludes ?? []) {
      if (got.includes(normalizeAnswer(p))) return fail(`${what} includes ${JSON.stringify(p)}`);
    }
    return pass(`${what} matches`);
  });
}

/**
 * Tests the episode's site state. `predicate` returns true (pass), or false / a string saying
 * what is wrong (fail).
 */
export function stateMatch<S = unknown>(description: string, predicate: (state: S, ctx: CheckContext) => boolean | string | Promise<boolean | string>): Checker {
  return described({ kind: 'stateMatch', description }, async (ctx) => {
    const state = await ctx.state<S>();
    const v = await predicate(state, ctx);
    if (v === true) return pass(description);
    return fail(typeof v === 'string' ? v : `site state does not satisfy: ${description}`);
  });
}

/** Passes when every checker passes (score = product); reports the first failure. */
export function all(...checkers: Checker[]): Checker {
  if (checkers.length === 0) throw new OptionsError('all() needs at least one checker');
  return described({ kind: 'all', checkers }, async (ctx) => {
    const reasons: string[] = [];
    for (const c of checkers) {
      const r = await runCheck(c, ctx);
      if (r.score === 0) return r;
      reasons.push(r.reason);
    }
    return pass(reasons.join('; '));
  });
}

/** Passes when any checker passes; reports every failure otherwise. */
export function any(...checkers: Checker[]): Checker {
  if (checkers.length === 0) throw new OptionsError('any() needs at least one checker');
  return described({ kind: 'any', checkers }, async (ctx) => {
    const failures: string[] = [];
    for (const c of checkers) {
      const r = await runCheck(c, ctx);
      if (r.score > 0) return r;
      failures.push(r.reason);
    }
    return fail(`none passed: ${failures.join(' | ')}`);
  });
}

/** A named custom checker: `fn` returns true/false or a reason string for failure. */
export function custom(name: string, fn: (ctx: CheckContext) => boolean | string | Promise<boolean | string>): Checker {
  return described({ kind: 'custom', name }, async (ctx) => {
    const v = await fn(ctx);
    return v === true ? pass(name) : fail(typeof v === 'string' ? v : `${name}: failed`);
  });
}

/**
 * Runs a checker; one that throws (or returns garbage) scores 0 and records why. An
 * EpisodeAbortedError (the site or browser failed, not the agent: a site that restarted and lost
 * the episode's state, a crashed page) is not a verdict: it propagates, so the episode is re-run
 * instead of being recorded with a reward of 0.
 */
export async function runCheck(checker: Checker, ctx: CheckContext): Promise<CheckResult> {
  try {
    const r = await checker(ctx);
    if (typeof r !== 'object' || r === null || typeof r.score !== 'number' || !Number.isFinite(r.score)) {
      return { score: 0, reason: 'checker returned no valid {score, reason}', error: `got ${JSON.stringify(r)}` };
    }
    return r;
  } catch (e) {
    if (e instanceof EpisodeAbortedError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    return { score: 0, reason: `checker threw: ${msg.split('\n')[0]}`, error: msg };
  }
}
