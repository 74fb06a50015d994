// WebArena's evaluators with its semantics (REFERENCE.md §2): `string_match` on the final
// answer, `url_match` on the final URL, `program_html` on page content, and the product over a
// config's eval types. Each is a Checker, so WebArena tasks score through the same rollout and
// evaluation code as the bundled suites.
//
// Where WebArena needs something this process cannot do, the result says so rather than
// guessing: a fuzzy match with no judge is `undecided: 'unjudged'`, a `func:` helper that needs
// a site's private API is `undecided: 'unsupported'`; both score 0 and name what is missing.

import { decodeHTML } from 'entities';
import type { Page } from 'playwright-core';
import type { ChatPolicy } from '../policy/chat.js';
import type { CheckContext, CheckResult, Checker } from '../tasks/types.js';
import { substitutePlaceholders, type EvalConfig, type ProgramHtmlCheck, type RequiredContents, type WebArenaSiteUrls } from './config.js';

/** Decides the checks WebArena leaves to a language model. */
export interface WebArenaJudge {
  /** Whether `answer` means the same as `reference` as an answer to `intent` (WebArena's llm_fuzzy_match). */
  fuzzyMatch(question: { readonly intent: string; readonly reference: string; readonly answer: string }): Promise<boolean>;
  /**
   * Whether `answer` reports the task as unachievable for the reason the config gives
   * (WebArena's llm_ua_match, used when a `fuzzy_match` of "N/A" is not answered "N/A" verbatim).
   */
  unachievable(question: { readonly intent: string; readonly reason: string; readonly answer: string }): Promise<boolean>;
}

export interface WebArenaEvalOptions {
  /** The task's intent (the judge's question). */
  readonly intent: string;
  /** Judge of `fuzzy_match`; without one those checks are reported `unjudged`. */
  readonly judge?: WebArenaJudge;
  /** Site URLs for placeholders in `program_html` URLs. */
  readonly urls?: WebArenaSiteUrls;
  /** Task id for error messages. */
  readonly taskId?: string;
  /** Longest wait for a `program_html` page to load, in ms (default 15,000). */
  readonly navigationTimeout?: number;
  /**
   * Implementations of WebArena `func:` helpers by name, for those that need a site's own API
   * (`shopping_get_latest_order_url`, `shopping_get_sku_latest_review_author`, ...), which a
   * user with a deployment can write. Called with the final page and the call's arguments
   * (`__page__` is passed as the string "__page__", `__last_url__` already replaced); returns the
   * URL (in a `url`) or the content (in a `locator`). They take precedence over the built-ins.
   */
  readonly helpers?: Readonly<Record<string, WebArenaHelper>>;
}

/** A user-supplied WebArena `func:` helper (see `WebArenaEvalOptions.helpers`). */
export type WebArenaHelper = (page: Page, ...args: string[]) => string | Promise<string>;

/** WebArena's answer cleaning: trim, strip one pair of outer quotes, lower-case. */
export function cleanAnswer(text: string): string {
  let s = text.trim();
  if (s.length >= 2 && ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'")))) s = s.slice(1, -1);
  return s.toLowerCase();
}

/** Words, numbers (with their decimal point or thousands commas) and punctuation marks, as NLTK's word tokenizer splits them. */
const words = (s: string): string[] => s.match(/\p{N}+(?:[.,]\p{N}+)*|[\p{L}\p{N}_]+|[^\p{L}\p{N}_\s]/gu) ?? [];

/**
 * WebArena's must_include: the cleaned reference occurs in the cleaned prediction. With
 * `tokenize` (a must_include list of one entry) a one-character reference must be a whole token,
 * so "2" does not match "12".
 */
export function mustInclude(reference: string, prediction: string, tokenize = false): boolean {
  const ref = cleanAnswer(reference);
  const pred = cleanAnswer(prediction);
  if (tokenize && ref.length === 1) {
    const tokens = words(pred);
    if (tokens.length > 0) return tokens.includes(ref);
  }
  return pred.includes(ref);
}

/** One of the ` |OR| `-separated alternatives of `reference` is included. */
const includesAny = (reference: string, prediction: string, tokenize = false): boolean =>
  reference.split(' |OR| ').some((alt) => mustInclude(alt, prediction, tokenize));

const pass = (reason: string): CheckResult => ({ score: 1, reason });
const fail = (reason: string, extra: Partial<CheckResult> = {}): CheckResult => ({ score: 0, reason, ...extra });
const quote = (s: string, n = 80): string => JSON.stringify(s.length > n ? `${s.slice(0, n)}…` : s);

/**
 * The product of several results. A real failure decides the reason; the result is `undecided`
 * only when every 0 is (a real failure makes the verdict 0 whatever a judge would say).
 */
function product(results: readonly CheckResult[], what: string): CheckResult {
  const failed = results.find((r) => r.score === 0 && !r.undecided) ?? results.find((r) => r.score === 0);
  if (!failed) return pass(results.map((r) => r.reason).join('; ') || what);
  const error = results.find((r) => r.error)?.error;
  return { score: 0, reason: failed.reason, ...(failed.undecided ? { undecided: failed.undecided } : {}), ...(error ? { error } : {}) };
}

/** `string_match` on the final answer (no answer counts as the empty string, as in WebArena). */
export async function webArenaStringMatch(evalConfig: EvalConfig, answer: string | null, options: WebArenaEvalOptions): Promise<CheckResult> {
  const ref = evalConfig.reference_answers ?? {};
  const pred = answer ?? '';
  const results: CheckResult[] = [];
  if (ref.exact_match !== undefined) {
    results.push(cleanAnswer(pred) === cleanAnswer(ref.exact_match) ? pass(`answer is ${quote(ref.exact_match)}`) : fail(`answer ${quote(pred)} is not ${quote(ref.exact_match)}`));
  }
  if (ref.must_include !== undefined) {
    const tokenize = ref.must_include.length === 1;
    const missing = ref.must_include.find((v) => !includesAny(v, pred, tokenize));
    results.push(missing === undefined ? pass('answer includes every required phrase') : fail(`answer ${quote(pred)} does not include ${quote(missing)}`));
  }
  if (ref.must_exclude !== undefined) {
    const hit = ref.must_exclude.find((v) => mustInclude(v, pred));
    results.push(hit === undefined ? pass('answer includes no excluded phrase') : fail(`answer ${quote(pred)} includes excluded ${quote(hit)}`));
  }
  if (ref.one_of !== undefined) {
    const hit = ref.one_of.find((v) => includesAny(v, pred));
    results.push(hit !== undefined ? pass(`answer includes ${quote(hit)}`) : fail(`answer ${quote(pred)} includes none of ${ref.one_of.map((v) => quote(v)).join(', ')}`));
  }
  if (ref.fuzzy_match !== undefined) results.push(await fuzzyMatch(ref.fuzzy_match, pred, evalConfig, options));
  return product(results, 'string_match');
}

async function fuzzyMatch(value: 'N/A' | readonly string[], pred: string, evalConfig: EvalConfig, options: WebArenaEvalOptions): Promise<CheckResult> {
  if (value === 'N/A') {
    // The task is unachievable: "N/A" verbatim passes; otherwise a judge decides whether the
    // answer gives the reason the config records.
    if (cleanAnswer(pred) === 'n/a') return pass('answer is N/A (the task is unachievable)');
    if (!options.judge) return fail('unjudged: the task is unachievable and the answer is not "N/A"; a judge must decide whether it says why (configure a judge, e.g. chatJudge(remotePolicy))', { undecided: 'unjudged' });
    const ok = await options.judge.unachievable({ intent: options.intent, reason: evalConfig.string_note ?? '', answer: pred });
    return ok ? pass('the judge agrees the answer reports the task as unachievable') : fail(`the judge finds ${quote(pred)} does not report the task as unachievable`);
  }
  if (!options.judge) return fail(`unjudged: fuzzy_match against ${value.map((v) => quote(v)).join(', ')} needs a judge (configure one, e.g. chatJudge(remotePolicy))`, { undecided: 'unjudged' });
  for (const reference of value) {
    if (!(await options.judge.fuzzyMatch({ intent: options.intent, reference, answer: pred }))) return fail(`the judge finds ${quote(pred)} does not match ${quote(reference)}`);
  }
  return pass('the judge matches the answer with every reference');
}

/** WebArena's URL cleaning plus host normalisation (`localhost` = `127.0.0.1`). */
function cleanUrl(raw: string): string {
  const s = raw.trim().replace(/\/+$/, '');
  return s.replace(/^(\w+:\/\/)localhost(?=[:/]|$)/i, '$1127.0.0.1');
}

function parseUrl(raw: string): { base: string; query: Map<string, string[]> } {
  try {
    const u = new URL(raw);
    const query = new Map<string, string[]>();
    for (const [k, v] of u.searchParams) query.set(k, [...(query.get(k) ?? []), v]);
    return { base: `${u.host}${u.pathname}`, query };
  } catch {
    return { base: raw, query: new Map() };
  }
}

/**
 * `url_match` on the final URL. `EXACT` (default): equal to one of the ` |OR| ` alternatives
 * after cleaning. `GOLD in PRED`: WebArena's rule, the reference's host + path occurs in the final
 * URL's, and every reference query parameter has one of its reference values in the final URL.
 */
export function webArenaUrlMatch(evalConfig: EvalConfig, finalUrl: string): CheckResult {
  const refs = (evalConfig.reference_url ?? '').split(' |OR| ').map(cleanUrl);
  const pred = cleanUrl(finalUrl);
  if ((evalConfig.url_note ?? 'EXACT') === 'EXACT') {
    return refs.includes(pred) ? pass(`final URL ${pred} matches`) : fail(`final URL ${pred} is not ${refs.join(' or ')}`);
  }
  const p = parseUrl(pred);
  const wanted = new Map<string, Set<string>>();
  const bases = refs.map((r) => {
    const { base, query } = parseUrl(r);
    for (const [k, vs] of query) for (const v of vs) wanted.set(k, (wanted.get(k) ?? new Set()).add(v));
    return base;
  });
  if (!bases.some((b) => p.base.includes(b))) return fail(`final URL ${pred} does not contain ${bases.join(' or ')}`);
  for (const [k, vs] of wanted) {
    if (!(p.query.get(k) ?? []).some((v) => vs.has(v))) return fail(`final URL ${pred} lacks query ${k}=${[...vs].join('|')}`);
  }
  return pass(`final URL ${pred} contains the reference`);
}

/** Arguments of a `func:name(a, 'b', "c")` call: string literals or bare words (`__page__`). */
function parseCall(text: string): { name: string; args: string[] } | undefined {
  const m = /^\s*([A-Za-z_]\w*)\s*\(([\s\S]*)\)\s*$/.exec(text);
  if (!m) return undefined;
  const args: string[] = [];
  const re = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^,'"\s]+))\s*(?:,|$)/gy;
  const body = m[2]!.trim();
  let at = 0;
  while (at < body.length) {
    re.lastIndex = at;
    const a = re.exec(body);
    if (!a) return undefined;
    args.push((a[1] ?? a[2] ?? a[3] ?? '').replace(/\\(.)/g, '$1'));
    at = re.lastIndex;
  }
  return { name: m[1]!, args };
}

class Unsupported extends Error {}

/** WebArena's `func:` URL helpers that work from the URL alone. */
async function urlFunction(spec: string, page: Page, helpers: WebArenaEvalOptions['helpers']): Promise<string> {
  const call = parseCall(spec.replace(/__last_url__/g, page.url()));
  const own = call && helpers?.[call.name];
  if (own) return own(page, ...call.args);
  if (call?.name === 'reddit_get_post_url' && call.args.length === 1) {
    // Postmill post URLs are /f/<forum>/<id>/<slug>: the post is /f/<forum>/<id>.
    const m = /^(.*\/f\/[^/]+\/\d+)/.exec(call.args[0]!);
    return m ? m[1]! : call.args[0]!;
  }
  throw new Unsupported(`func:${spec} needs the site's own API (WebArena's helper_functions), which this SDK does not call; only reddit_get_post_url is built in for URLs (register others with the helpers option)`);
}

/** WebArena's `func:` locator helpers that read the page. */
async function locatorFunction(spec: string, page: Page, helpers: WebArenaEvalOptions['helpers']): Promise<string> {
  const call = parseCall(spec.replace(/__last_url__/g, page.url()));
  const own = call && helpers?.[call.name];
  if (own) return own(page, ...call.args);
  if (call && (call.name === 'get_query_text' || call.name === 'get_query_text_lowercase') && call.args.length === 2 && call.args[0] === '__page__') {
    const text = await page.evaluate((selector: string) => {
      const el = document.querySelector(selector);
      return el instanceof HTMLElement ? el.outerText : (el?.textContent ?? '');
    }, call.args[1]!);
    return call.name === 'get_query_text_lowercase' ? text.toLowerCase() : text;
  }
  throw new Unsupported(`func:${spec} needs the site's own API (WebArena's helper_functions), which this SDK does not call; built in: get_query_text, get_query_text_lowercase (register others with the helpers option)`);
}

/**
 * `required_values`: every value occurs in the content as a whole value (bounded by characters
 * that are not letters or digits), alternatives joined by ` |OR| `: "2" matches "Qty: 2" but not
 * "12".
 */
function hasValue(value: string, content: string): boolean {
  const v = cleanAnswer(value);
  const c = cleanAnswer(content);
  let from = 0;
  for (;;) {
    const i = c.indexOf(v, from);
    if (i < 0) return false;
    const before = i === 0 ? '' : c[i - 1]!;
    const after = c[i + v.length] ?? '';
    if (!/[\p{L}\p{N}]/u.test(before) && !/[\p{L}\p{N}]/u.test(after)) return true;
    from = i + 1;
  }
}

function contentCheck(required: RequiredContents, content: string, what: string): CheckResult {
  const results: CheckResult[] = [];
  if (required.exact_match !== undefined) {
    results.push(cleanAnswer(content) === cleanAnswer(required.exact_match) ? pass(`${what} is ${quote(required.exact_match)}`) : fail(`${what} is ${quote(content)}, not ${quote(required.exact_match)}`));
  }
  for (const v of required.must_include ?? []) {
    results.push(includesAny(v, content) ? pass(`${what} includes ${quote(v)}`) : fail(`${what} does not include ${quote(v)}`));
  }
  for (const v of required.must_exclude ?? []) {
    results.push(mustInclude(v, content) ? fail(`${what} includes excluded ${quote(v)}`) : pass(`${what} excludes ${quote(v)}`));
  }
  for (const v of required.required_values ?? []) {
    results.push(v.split(' |OR| ').some((alt) => hasValue(alt, content)) ? pass(`${what} has value ${quote(v)}`) : fail(`${what} lacks the value ${quote(v)}`));
  }
  return product(results, what);
}

/** One `program_html` check on `page` (which it may navigate). */
async function programHtmlCheck(check: ProgramHtmlCheck, index: number, page: Page, options: WebArenaEvalOptions): Promise<CheckResult> {
  const what = `program_html[${index}]`;
  try {
    let url = check.url;
    if (url.startsWith('func:')) url = await urlFunction(url.slice(5), page, options.helpers);
    if (url !== 'last') {
      url = substitutePlaceholders(url, options.urls ?? {}, { taskId: options.taskId ?? '?', field: `eval.${what}.url` });
      await page.goto(url, { waitUntil: 'load', timeout: options.navigationTimeout ?? 15_000 });
      // WebArena waits for the page's scripts after loading; wait for the network to go quiet.
      await page.waitForLoadState('networkidle', { timeout: 3_000 }).catch(() => undefined);
    }
    const locator = check.locator.trim();
    let content: string;
    if (locator === '') content = await page.content();
    else if (locator.startsWith('document.') || locator.startsWith('[...document.')) {
      for (const prep of check.prep_actions ?? []) await page.evaluate(`(() => ${prep})()`);
      try {
        const v: unknown = await page.evaluate(`(() => ${locator})()`);
        content = v === null || v === undefined ? '' : String(v as string);
      } catch (e) {
        const message = (e as Error).message.split('\n')[0]!;
        return fail(`${what}: the locator ${quote(locator, 120)} threw: ${message}`, { error: message });
      }
    } else if (locator.startsWith('func:')) content = await locatorFunction(locator.slice(5), page, options.helpers);
    else return fail(`${what}: unknown locator ${quote(locator)} (WebArena locators are "", "document.…", "[...document.…" or "func:…")`, { error: 'unknown locator' });
    return contentCheck(check.required_contents, decodeHTML(content), `${what} at ${url === 'last' ? 'the final page' : url}`);
  } catch (e) {
    if (e instanceof Unsupported) return fail(`${what}: unsupported: ${e.message}`, { undecided: 'unsupported' });
    const message = (e as Error).message.split('\n')[0]!;
    return fail(`${what}: ${message}`, { error: message });
  }
}

/** `program_html`: every check must hold (product). Needs the final page. */
export async function webArenaProgramHtml(evalConfig: EvalConfig, page: Page | undefined, options: WebArenaEvalOptions): Promise<CheckResult> {
  if (!page) return fail('program_html needs the final page, and the episode ran without a browser');
  const results: CheckResult[] = [];
  const checks = evalConfig.program_html ?? [];
  for (let i = 0; i < checks.length; i++) results.push(await programHtmlCheck(checks[i]!, i, page, options));
  return product(results, 'program_html');
}

/**
 * The checker of a WebArena eval config: the product over its eval types. `url_match` and
 * `string_match` look at the episode's end before `program_html` navigates the page.
 */
export function webArenaChecker(evalConfig: EvalConfig, options: WebArenaEvalOptions): Checker {
  return async (ctx: CheckContext) => {
    const finalUrl = ctx.page ? ctx.page.url() : ctx.url;
    const results: CheckResult[] = [];
    const types = evalConfig.eval_types;
    if (types.includes('string_match')) results.push(await webArenaStringMatch(evalConfig, ctx.answer, options));
    if (types.includes('url_match')) results.push(webArenaUrlMatch(evalConfig, finalUrl));
    if (types.includes('program_html')) results.push(await webArenaProgramHtml(evalConfig, ctx.page, options));
    return product(results, types.join(' x '));
  };
}

const FUZZY_PROMPT = (intent: string, reference: string, answer: string): string =>
  [
    'Grade a student\'s answer to a question against the reference answer. The student may word it differently;',
    'what matters is whether the answer means the same as the reference.',
    `question: ${intent}`,
    `reference answer: ${reference}`,
    "The string 'N/A' means 'not achievable'.",
    `student answer: ${answer}`,
    'End your judgement with one of: correct, incorrect, partially correct.',
  ].join('\n');

const UNACHIEVABLE_PROMPT = (intent: string, reason: string, answer: string): string =>
  [
    'A task cannot be done, for a known reason. Decide whether the reported answer says the task cannot be done for that same reason.',
    `task: ${intent}`,
    `known reason: ${reason}`,
    `reported answer: ${answer}`,
    'End your judgement with one word: same or different.',
  ].join('\n');

/**
 * A judge backed by a chat model (RemotePolicy for an OpenAI-compatible endpoint, or a local
 * one), asked at temperature 0 as WebArena asks GPT-4: "correct" passes and "incorrect" or
 * "partially correct" fail; for unachievable tasks "same" passes.
 */
export function chatJudge(policy: ChatPolicy, options: { readonly maxNewTokens?: number } = {}): WebArenaJudge {
  const ask = async (content: string): Promise<string> => {
    const [reply] = await policy.chat([{ messages: [{ role: 'system', content: 'You are a careful grader.' }, { role: 'user', content }] }], { temperature: 0, maxNewTokens: options.maxNewTokens ?? 256 });
    return (reply?.text ?? '').toLowerCase();
  };
  return {
    async fuzzyMatch({ intent, reference, answer }) {
      const verdict = await ask(FUZZY_PROMPT(intent, reference, answer));
      if (verdict.includes('partially correct') || verdict.includes('incorrect')) return false;
      return verdict.includes('correct');
    },
    async unachievable({ intent, reason, answer }) {
      const verdict = await ask(UNACHIEVABLE_PROMPT(intent, reason, answer));
      return verdict.includes('same') && !verdict.includes('different');
    },
  };
}
