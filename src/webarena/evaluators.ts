// WebArena's evaluators with the semantics of the harness a number is
// compared against: `string_match` on the final answer, `url_match` on the final URL,
// `program_html` on page content, and the product over a config's eval types, run in the
// config's order. Each is a Checker, so WebArena tasks score through the same rollout and
// evaluation code as the bundled suites. `semantics` picks the harness: 'webarena-lite'
// (default; THUDM/VisualAgentBench `VAB-WebArena-Lite/new/evaluators.py`, the harness the
// paper's numbers come from) or 'webarena' (web-arena-x/webarena
// `evaluation_harness/evaluators.py`); the rule functions in semantics.ts say where they differ.
//
// Where a harness needs something this process cannot do, the result says so rather than
// guessing: a fuzzy match with no judge is `undecided: 'unjudged'`, a `func:` helper that needs
// a site's private API is `undecided: 'unsupported'`; both score 0 and name what is missing.
// Where the harness itself raises (an unknown locator or required_contents kind, a malformed
// inequality), the check scores 0 with an `error`.
//
// Over 300 lines because the three eval types and the checker that multiplies them share one set of
// conventions (`product`, `guarded` and `judgeFuzzy` decide how a real failure, a harness error and
// an undecided check combine), and string_match and program_html apply the same must_include and
// required_values rules.

import { decodeHTML } from 'entities';
import type { Page } from 'playwright-core';
import type { ChatPolicy } from '../agent/chat.js';
import type { CheckContext, CheckResult, Checker } from '../tasks/types.js';
import { substituteConfig, type EvalConfig, type ProgramHtmlCheck, type WebArenaSiteUrls } from './config.js';
import { callHelper, UnsupportedHelperError, type WebArenaHelper } from './helpers.js';
import type { PunktParameters } from './nltk-tokenize.js';
import { custom, defineOptions, fn, httpUrl, obj, positiveInt, record, str, timeoutMs } from '../options.js';
import {
  cleanAnswer, compareInequality, exactMatch, mustExclude, mustInclude, punktSchema, pyStrip, pythonStr, ReferenceRaisedError, strToInt, urlMatches, webArenaSemanticsSchema, type WebArenaSemantics,
} from './semantics.js';

export type { WebArenaHelper } from './helpers.js';

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
  /**
   * Which harness's rules to score by.
   * @defaultValue 'webarena-lite' (the harness WebAgent-R1's WebArena-Lite numbers come from)
   */
  readonly semantics?: WebArenaSemantics;
  /** Judge of `fuzzy_match`; without one those checks are reported `unjudged`. */
  readonly judge?: WebArenaJudge;
  /** Site URLs: every placeholder in the eval config is replaced by them, as WebArena does before evaluating. */
  readonly urls?: WebArenaSiteUrls;
  /** Task id for error messages. */
  readonly taskId?: string;
  /** Longest wait for a `program_html` page to load, in ms (default 15,000). */
  readonly navigationTimeout?: number;
  /**
   * Parameters of NLTK's Punkt sentence splitter used by the token rule of `must_include`
   * (`word_tokenize`). Default: Punkt untrained; pass `loadPunktParameters(dir)` of NLTK's
   * `punkt_tab/english` to reproduce NLTK's English model exactly.
   */
  readonly punkt?: PunktParameters;
  /**
   * Implementations of WebArena `func:` helpers by name, for those that need a site's own API
   * (`shopping_get_latest_order_url`, `shopping_get_sku_latest_review_author`, ...), which a
   * user with a deployment can write. They take precedence over the built-ins.
   */
  readonly helpers?: Readonly<Record<string, WebArenaHelper>>;
}


const siteUrl = httpUrl('an absolute http(s) URL such as http://10.0.0.5:7770');

/** WebArenaSiteUrls: the base URL of each site, by WebArena's site names. */
export const webArenaSiteUrlsSchema = obj({
  shopping: siteUrl.optional(),
  shopping_admin: siteUrl.optional(),
  gitlab: siteUrl.optional(),
  reddit: siteUrl.optional(),
  map: siteUrl.optional(),
  wikipedia: siteUrl.optional(),
}, 'an object of site URLs (shopping, shopping_admin, gitlab, reddit, map, wikipedia)');

/** A WebArenaJudge, duck-typed. */
export const webArenaJudgeSchema = custom<WebArenaJudge>(
  (v) => typeof (v as Partial<WebArenaJudge> | null)?.fuzzyMatch === 'function' && typeof (v as Partial<WebArenaJudge> | null)?.unachievable === 'function',
  'a WebArenaJudge (an object with fuzzyMatch and unachievable, as chatJudge makes)',
);

/** Helpers by name. */
export const webArenaHelpersSchema = record(fn<WebArenaHelper>('a function (page, ...args) => value'), 'an object of helper functions by name');

/** The schema of WebArenaEvalOptions: checked by `webArenaChecker` and the evaluators, before any check runs. */
export const webArenaEvalOptions = defineOptions<WebArenaEvalOptions>()('webArenaChecker', obj({
  intent: str('a string (the task\'s intent)'),
  semantics: webArenaSemanticsSchema.optional(),
  judge: webArenaJudgeSchema.optional(),
  urls: webArenaSiteUrlsSchema.optional(),
  taskId: str('a string').optional(),
  navigationTimeout: timeoutMs().optional(),
  punkt: punktSchema.optional(),
  helpers: webArenaHelpersSchema.optional(),
}));

const chatJudgeOptions = defineOptions<{ readonly maxNewTokens?: number }>()('chatJudge', obj({ maxNewTokens: positiveInt('a positive integer').optional() }));

const pass = (reason: string): CheckResult => ({ score: 1, reason });
const fail = (reason: string, extra: Partial<CheckResult> = {}): CheckResult => ({ score: 0, reason, ...extra });
const quote = (s: string, n = 80): string => JSON.stringify(s.length > n ? `${s.slice(0, n)}…` : s);
const semanticsOf = (options: { readonly semantics?: WebArenaSemantics }): WebArenaSemantics => options.semantics ?? 'webarena-lite';

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

/** Runs a rule; where the harness would raise, a 0 with the error. */
function guarded(what: string, rule: () => CheckResult): CheckResult {
  try {
    return rule();
  } catch (e) {
    if (!(e instanceof ReferenceRaisedError)) throw e;
    return fail(`${what}: the reference harness raises here: ${e.message}`, { error: e.message });
  }
}

/** Asks the judge for a fuzzy match, or reports it undecided without one. */
async function judgeFuzzy(reference: string, answer: string, what: string, options: WebArenaEvalOptions): Promise<CheckResult> {
  if (!options.judge) return fail(`unjudged: ${what} fuzzy_match against ${quote(reference)} needs a judge (configure one, e.g. chatJudge(remotePolicy))`, { undecided: 'unjudged' });
  return (await options.judge.fuzzyMatch({ intent: options.intent, reference, answer }))
    ? pass(`the judge matches ${what} ${quote(answer)} with ${quote(reference)}`)
    : fail(`the judge finds ${what} ${quote(answer)} does not match ${quote(reference)}`);
}

/**
 * `string_match` on the final answer (no answer counts as the empty string). The answer is
 * cleaned once, and each rule cleans it again (so `"'Yes'"` is `yes`), as both harnesses do.
 * Kinds are read in the config's order; a `fuzzy_match` of "N/A" that is not answered "N/A"
 * replaces the score so far by the judge's verdict on the reason (`score = ua_match(...)`).
 * WebArena's evaluator reads only exact_match, must_include and fuzzy_match; the other kinds
 * are ignored under 'webarena' semantics, as it ignores them.
 */
export async function webArenaStringMatch(evalConfig: EvalConfig, answer: string | null, options: WebArenaEvalOptions): Promise<CheckResult> {
  webArenaEvalOptions.as('webArenaStringMatch').check(options);
  const sem = semanticsOf(options);
  const pred = cleanAnswer(answer ?? '', sem);
  const tokens = options.punkt ? { punkt: options.punkt } : {};
  let results: CheckResult[] = [];
  const ignored: string[] = [];
  for (const [kind, value] of Object.entries(evalConfig.reference_answers ?? {}) as Array<[string, unknown]>) {
    if (value === undefined) continue;
    if (kind === 'exact_match') {
      const ref = value as string;
      results.push(exactMatch(ref, pred, sem) ? pass(`answer is ${quote(ref)}`) : fail(`answer ${quote(pred)} is not ${quote(ref)}`));
    } else if (kind === 'must_include') {
      const list = value as readonly string[];
      for (const entry of list) {
        // WebArena-Lite splits each entry on " |OR| " and matches each alternative by the same
        // rule; WebArena matches the entry as one reference, the one-token rule only for a
        // one-entry list.
        const ok = sem === 'webarena-lite'
          ? entry.split(' |OR| ').some((alt) => mustInclude(alt, pred, sem, tokens))
          : mustInclude(entry, pred, sem, { ...tokens, tokenize: list.length === 1 });
        results.push(ok ? pass(`answer includes ${quote(entry)}`) : fail(`answer ${quote(pred)} does not include ${quote(entry)}`));
      }
    } else if (sem === 'webarena' && kind !== 'fuzzy_match') {
      ignored.push(kind);
    } else if (kind === 'must_exclude') {
      for (const entry of value as readonly string[]) {
        results.push(mustExclude(entry, pred, tokens) ? pass(`answer excludes ${quote(entry)}`) : fail(`answer ${quote(pred)} includes excluded ${quote(entry)}`));
      }
    } else if (kind === 'one_of') {
      // A plain substring test of each cleaned value, no token rule, no " |OR| " split.
      const hit = (value as readonly string[]).find((v) => pred.includes(cleanAnswer(v, sem)));
      results.push(hit !== undefined ? pass(`answer includes ${quote(hit)}`) : fail(`answer ${quote(pred)} includes none of ${(value as readonly string[]).map((v) => quote(v)).join(', ')}`));
    } else if (kind === 'required_values') {
      // The answer must read as an integer (commas dropped) satisfying every inequality.
      const n = strToInt(pred);
      if (n === null) results = [fail(`answer ${quote(pred)} is not an integer (required_values ${(value as readonly string[]).map((v) => quote(v)).join(', ')})`)];
      else {
        for (const v of value as readonly string[]) {
          results.push(guarded('required_values', () => (v.split(' |OR| ').some((alt) => compareInequality(n, alt)) ? pass(`answer ${n} satisfies ${quote(v)}`) : fail(`answer ${n} does not satisfy ${quote(v)}`))));
        }
      }
    } else if (kind === 'fuzzy_match') {
      if (value === 'N/A') {
        results.push(exactMatch('N/A', pred, sem) ? pass('answer is N/A (the task is unachievable)') : fail(`answer ${quote(pred)} is not N/A`));
        if (product(results, 'string_match').score !== 1) {
          // The harness assigns: score = ua_match(...), whatever failed before.
          if (!options.judge) results = [fail('unjudged: the task is unachievable and the answer is not "N/A"; a judge must decide whether it gives the reason (configure a judge, e.g. chatJudge(remotePolicy))', { undecided: 'unjudged' })];
          else {
            const ok = await options.judge.unachievable({ intent: options.intent, reason: evalConfig.string_note ?? '', answer: pred });
            results = [ok ? pass('the judge agrees the answer reports the task as unachievable') : fail(`the judge finds ${quote(pred)} does not report the task as unachievable`)];
          }
        }
      } else {
        const refs = value as readonly string[];
        // WebArena-Lite asks once with the references joined by ", "; WebArena once per reference.
        for (const ref of sem === 'webarena-lite' ? [refs.join(', ')] : refs) results.push(await judgeFuzzy(ref, pred, 'answer', options));
      }
    }
  }
  const out = product(results, 'string_match');
  return ignored.length ? { ...out, reason: `${out.reason} (${ignored.join(', ')} ignored: WebArena's evaluator does not read them)` } : out;
}

/** `url_match` on the final URL by the chosen harness's rule (see `urlMatches`). */
export function webArenaUrlMatch(evalConfig: EvalConfig, finalUrl: string, options: { readonly semantics?: WebArenaSemantics } = {}): CheckResult {
  const ref = evalConfig.reference_url ?? '';
  return guarded('url_match', () => (urlMatches(ref, finalUrl, evalConfig.url_note, semanticsOf(options))
    ? pass(`final URL ${finalUrl} matches ${ref}`)
    : fail(`final URL ${finalUrl} does not match ${ref} (${evalConfig.url_note ?? (semanticsOf(options) === 'webarena' ? 'GOLD in PRED' : 'EXACT')})`)));
}

/** Evaluates a locator expression as Playwright for Python does: a function it evaluates to is called. */
async function evaluateExpression(page: Page, expression: string): Promise<unknown> {
  return page.evaluate(`(() => { const v = (${expression}); return typeof v === 'function' ? v() : v; })()`);
}

/**
 * The content a `program_html` locator selects: a string, another value, or null ("the page is
 * wrong"); `note` says when the harness would have swallowed an error to get it.
 */
async function selectContent(check: ProgramHtmlCheck, page: Page, sem: WebArenaSemantics, options: WebArenaEvalOptions): Promise<{ value: unknown; note?: string }> {
  const locator = check.locator;
  const threw = (e: unknown): string => (e as Error).message.split('\n')[0]!;
  if (!pyStrip(locator)) return { value: await page.content() };
  if (locator.startsWith('document.') || locator.startsWith('[...document.')) {
    for (const prep of check.prep_actions ?? []) {
      try {
        await evaluateExpression(page, `() => ${prep}`);
      } catch {
        break; // the harness wraps the whole loop in one try
      }
    }
    try {
      // str(page.evaluate(...)), an empty result read as "".
      return { value: pythonStr(await evaluateExpression(page, `() => ${locator}`)) || '' };
    } catch (e) {
      // "the page is wrong, return empty": a throwing locator reads as "".
      return { value: '', note: `the locator threw (${threw(e)}) and reads as "", as the harness reads it` };
    }
  }
  if (sem === 'webarena-lite' && locator.startsWith('lambda:')) {
    // The harness strips with str.lstrip("lambda:"), which removes any of those characters.
    const expression = locator.replace(/^[lambd:]+/, '');
    try {
      const v = await evaluateExpression(page, expression);
      return { value: v ? v : null };
    } catch (e) {
      return { value: null, note: `the lambda locator threw (${threw(e)})` };
    }
  }
  if (locator.startsWith('func:')) return { value: await callHelper(locator.split('func:')[1]!, page, options.helpers) };
  throw new ReferenceRaisedError(`Unknown locator: ${locator}`);
}

/** The first kind of `required_contents` the harness reads (it reads one, in this order). */
function contentKind(required: ProgramHtmlCheck['required_contents'], sem: WebArenaSemantics): string | undefined {
  const order = sem === 'webarena-lite' ? ['exact_match', 'must_include', 'must_exclude', 'required_values', 'fuzzy_match'] : ['exact_match', 'must_include'];
  return order.find((k) => k in required);
}

/** One `program_html` check on `page` (which it may navigate). */
async function programHtmlCheck(check: ProgramHtmlCheck, index: number, page: Page, options: WebArenaEvalOptions): Promise<{ result: CheckResult; stop?: boolean }> {
  const sem = semanticsOf(options);
  const what = `program_html[${index}]`;
  try {
    let url = check.url;
    if (url.startsWith('func')) url = String(await callHelper(url.split('func:')[1]!.split('__last_url__').join(page.url()), page, options.helpers));
    if (url !== 'last') {
      await page.goto(url, { waitUntil: 'load', timeout: options.navigationTimeout ?? 15_000 });
      // The harnesses sleep 3 s after loading for the page's scripts; wait for the network to go quiet instead.
      await page.waitForLoadState('networkidle', { timeout: 3_000 }).catch(() => undefined);
    }
    const selected = await selectContent(check, page, sem, options);
    const where = `${what} at ${url === 'last' ? 'the final page' : url}${selected.note ? ` (${selected.note})` : ''}`;
    let content = selected.value;
    // WebArena-Lite: a locator that selected nothing fails the rest of program_html.
    if (content === null) return { result: fail(`${where}: the locator selected nothing`), stop: true };
    // WebArena unescapes HTML entities in the selected text; WebArena-Lite does not.
    if (sem === 'webarena' && typeof content === 'string') content = decodeHTML(content);
    const required = check.required_contents;
    const kind = contentKind(required, sem);
    const text = (): string => pythonStr(content);
    const tokens = options.punkt ? { punkt: options.punkt } : {};
    switch (kind) {
      case 'exact_match':
        return { result: exactMatch(required.exact_match!, text(), sem) ? pass(`${where} is ${quote(required.exact_match!)}`) : fail(`${where} is ${quote(text())}, not ${quote(required.exact_match!)}`) };
      case 'must_include': {
        const results = required.must_include!.map((entry) => (entry.split(' |OR| ').some((alt) => mustInclude(alt, text(), sem, tokens))
          ? pass(`${where} includes ${quote(entry)}`)
          : fail(`${where} does not include ${quote(entry)}`)));
        return { result: product(results, where) };
      }
      case 'must_exclude':
        return { result: product(required.must_exclude!.map((entry) => (mustExclude(entry, text(), tokens) ? pass(`${where} excludes ${quote(entry)}`) : fail(`${where} includes excluded ${quote(entry)}`))), where) };
      case 'required_values': {
        const n = typeof content === 'string' ? strToInt(content) : typeof content === 'number' ? content : null;
        if (n === null) return { result: fail(`${where}: ${quote(text())} is not an integer`) };
        return {
          result: product(required.required_values!.map((v) => guarded(where, () => (v.split(' |OR| ').some((alt) => compareInequality(n, alt)) ? pass(`${where} ${n} satisfies ${quote(v)}`) : fail(`${where} ${n} does not satisfy ${quote(v)}`)))), where),
        };
      }
      case 'fuzzy_match':
        return { result: await judgeFuzzy(required.fuzzy_match!.join(', '), text(), where, options) };
      default:
        throw new ReferenceRaisedError(`Unknown required_contents: ${Object.keys(required).join(', ')}${sem === 'webarena' ? ' (WebArena\'s evaluator reads exact_match or must_include)' : ''}`);
    }
  } catch (e) {
    if (e instanceof UnsupportedHelperError) return { result: fail(`${what}: unsupported: ${e.message}`, { undecided: 'unsupported' }) };
    const message = (e as Error).message.split('\n')[0]!;
    return { result: fail(`${what}: ${message}`, { error: message }) };
  }
}

/** `program_html`: every check must hold (product). Needs the final page. */
export async function webArenaProgramHtml(evalConfig: EvalConfig, page: Page | undefined, options: WebArenaEvalOptions): Promise<CheckResult> {
  webArenaEvalOptions.as('webArenaProgramHtml').check(options);
  if (!page) return fail('program_html needs the final page, and the episode ran without a browser');
  const config = options.urls ? substituteConfig(evalConfig, options.urls, { taskId: options.taskId ?? '?', field: 'eval' }) : evalConfig;
  const results: CheckResult[] = [];
  const checks = config.program_html ?? [];
  for (let i = 0; i < checks.length; i++) {
    const { result, stop } = await programHtmlCheck(checks[i]!, i, page, options);
    results.push(result);
    if (stop) break;
  }
  return product(results, 'program_html');
}

/**
 * The checker of a WebArena eval config: the product over its eval types, run in the config's
 * order on the live page as the harnesses run them (a `program_html` that navigates before a
 * later `url_match` changes the URL that one sees). Placeholders are substituted first when
 * `urls` is given.
 */
export function webArenaChecker(evalConfig: EvalConfig, options: WebArenaEvalOptions): Checker {
  webArenaEvalOptions.check(options);
  const { urls, ...inner } = options;
  const config = urls ? substituteConfig(evalConfig, urls, { taskId: options.taskId ?? '?', field: 'eval' }) : evalConfig;
  return async (ctx: CheckContext) => {
    const results: CheckResult[] = [];
    for (const type of config.eval_types) {
      if (type === 'string_match') results.push(await webArenaStringMatch(config, ctx.answer, inner));
      else if (type === 'url_match') results.push(webArenaUrlMatch(config, ctx.page ? ctx.page.url() : ctx.url, inner));
      else if (type === 'program_html') results.push(await webArenaProgramHtml(config, ctx.page, inner));
    }
    return product(results, config.eval_types.join(' x '));
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
  chatJudgeOptions.check(options);
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
