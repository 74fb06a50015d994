// The evaluator rules of the two reference harnesses, case by case, each expected value taken
// from the reference code's rule (quoted in the comment beside it):
// - WebArena-Lite: THUDM/VisualAgentBench VAB-WebArena-Lite/new/evaluators.py (the default);
// - WebArena: web-arena-x/webarena evaluation_harness/evaluators.py.
// No browser here: string_match, url_match and the Python value rules. program_html on real
// pages is in webarena.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OptionsError } from '../../src/errors.js';
import type { CheckResult } from '../../src/tasks/types.js';
import {
  cleanAnswer, compareInequality, parseHelperCall, parseWebArenaConfig, pythonStr, redditGetPostUrl, strToInt, substituteConfig, webArenaStringMatch, webArenaTask, webArenaUrlMatch,
  WebArenaConfigError, type ReferenceAnswers, type WebArenaJudge, type WebArenaSemantics,
} from '../../src/webarena/index.js';

const sm = (semantics: WebArenaSemantics, ref: ReferenceAnswers, answer: string | null, judge?: WebArenaJudge): Promise<CheckResult> =>
  webArenaStringMatch({ eval_types: ['string_match'], reference_answers: ref, string_note: 'the store does not sell cars' }, answer, { intent: 'q?', semantics, ...(judge ? { judge } : {}) });

/** [reference answers, answer, WebArena-Lite score, WebArena score, the rule]. */
type Row = [ReferenceAnswers, string | null, number, number, string];

async function table(rows: readonly Row[]): Promise<void> {
  for (const [ref, answer, lite, wa, why] of rows) {
    assert.equal((await sm('webarena-lite', ref, answer)).score, lite, `webarena-lite ${JSON.stringify(ref)} ${JSON.stringify(answer)}: ${why}`);
    assert.equal((await sm('webarena', ref, answer)).score, wa, `webarena ${JSON.stringify(ref)} ${JSON.stringify(answer)}: ${why}`);
  }
}

describe('string_match by the reference rules', () => {
  test('must_include: one-token references are matched against whole NLTK tokens (numbers, ordinals, hyphens, fractions)', async () => {
    await table([
      // Lite: `if len(word_tokenize(clean_ref)) == 1: return clean_ref in word_tokenize(clean_pred)`.
      // WebArena: the same, but only `tokenize and len(clean_ref) == 1` (a one-entry list, one character).
      [{ must_include: ['5'] }, 'the 5th review', 0, 0, 'NLTK keeps "5th" one token'],
      [{ must_include: ['5'] }, 'a 5-star review', 0, 0, 'NLTK keeps "5-star" one token'],
      [{ must_include: ['5'] }, 'rated 5/10', 0, 0, 'NLTK keeps "5/10" one token'],
      [{ must_include: ['0'] }, 'it costs $0.00', 0, 0, 'NLTK keeps "0.00" one token'],
      [{ must_include: ['5'] }, 'there are 5.', 1, 1, 'the sentence-final period is split off: "5", "."'],
      [{ must_include: ['5'] }, 'I count 5, maybe', 1, 1, 'a comma before a non-digit is split off'],
      [{ must_include: ['2'] }, 'there are 12', 0, 0, '"12" is a whole token, "2" is not one'],
      // Lite applies the rule to any one-token reference, WebArena only to one character.
      [{ must_include: ['65'] }, 'it is 4.65', 0, 1, 'Lite: "4.65" is one token; WebArena: "65" in "4.65"'],
      [{ must_include: ['nike'] }, 'nikeland', 0, 1, 'Lite: whole token; WebArena: substring'],
      [{ must_include: ['3.5'] }, 'about 3.5 stars', 1, 1, 'a decimal is one token'],
      // WebArena tokenizes only when the list has one entry: `tokenize=(len(value) == 1)`.
      [{ must_include: ['2', 'x'] }, 'there are 12 x', 0, 1, 'WebArena: two entries, substring "2" in "12"'],
      // Multi-token references are substrings in both.
      [{ must_include: ['blue mug'] }, 'the blue mugs', 1, 1, '"blue mug" is two tokens: substring'],
      [{ must_include: ['Alice', 'Bob |OR| Robert'] }, 'alice and robert', 1, 0, 'Lite splits " |OR| "; WebArena looks for the literal "bob |or| robert"'],
    ]);
  });

  test('" |OR| " alternatives: Lite matches each by the same rule as a single entry; WebArena does not split', async () => {
    await table([
      // Lite: `value_or = must_value.split(" |OR| "); any([self.must_include(ref=v, pred=pred) for v in value_or])`.
      [{ must_include: ['65 |OR| 3'] }, '4.65', 0, 0, 'Lite: "65" and "3" are tokens, "4.65" is one token; WebArena: no literal "65 |or| 3"'],
      [{ must_include: ['65 |OR| 3'] }, 'it is 65', 1, 0, 'Lite: alternative "65" is a token'],
      [{ must_include: ['65 |OR| 3'] }, '3 of them', 1, 0, 'Lite: alternative "3" is a token'],
      [{ must_include: ['65 |OR| 3'] }, 'literally 65 |or| 3', 1, 1, 'WebArena: the literal text'],
    ]);
  });

  test('exact_match: the answer is cleaned twice (strip, outer quotes, lower case), as clean_answer applies', async () => {
    await table([
      // pred = clean_answer(answer), then exact_match cleans pred again: "'Yes'" -> 'yes' -> yes.
      [{ exact_match: 'Yes' }, '"\'Yes\'"', 1, 1, 'two layers of quotes, one per clean_answer'],
      [{ exact_match: 'Yes' }, "'yes'", 1, 1, 'outer single quotes'],
      // WebArena's clean_answer strips whitespace first; Lite's does not.
      [{ exact_match: 'Yes' }, ' Yes ', 0, 1, 'Lite keeps the spaces'],
      [{ exact_match: 'Yes' }, '"Yes', 0, 0, 'one quote is not a pair'],
      [{ exact_match: '' }, "'", 1, 1, "a lone quote starts and ends with ': [1:-1] is empty"],
      [{ exact_match: 'Blue Mug' }, 'blue mugs', 0, 0, 'equality, not inclusion'],
      [{ exact_match: 'x' }, null, 0, 0, 'no answer is the empty string'],
    ]);
  });

  test('must_exclude, one_of and required_values exist in Lite only (WebArena ignores them)', async () => {
    await table([
      // Lite must_exclude: the token rule again, negated.
      [{ must_exclude: ['refund'] }, 'no refunds', 1, 1, 'Lite: "refunds" is not the token "refund"'],
      [{ must_exclude: ['refund'] }, 'a refund', 0, 1, 'Lite: the token is present; WebArena reads no must_exclude'],
      // Lite one_of: `if clean_answer(v) in pred` (substring, no token rule, no split).
      [{ one_of: ['Monday', 'Tuesday'] }, 'on tuesdays', 1, 1, 'substring'],
      [{ one_of: ['Monday', 'Tuesday'] }, 'on friday', 0, 1, 'none of them'],
      // Lite required_values: str_2_int(pred) (commas dropped, int()), then compare_inequality.
      [{ required_values: ['== 1200'] }, '1,200', 1, 1, 'commas dropped'],
      [{ required_values: ['>= 3 |OR| == 0'] }, '0', 1, 1, 'alternatives'],
      [{ required_values: ['< 5'] }, '7', 0, 1, 'not less than 5'],
      [{ required_values: ['== 5'] }, '5.0', 0, 1, 'int("5.0") raises: not an integer'],
      [{ required_values: ['== 5'] }, 'five', 0, 1, 'not an integer'],
      [{ must_include: ['a'], must_exclude: ['b'] }, 'a b', 0, 1, 'the product of the kinds (WebArena reads must_include only)'],
    ]);
    const r = await sm('webarena', { must_exclude: ['b'] }, 'a b');
    assert.match(r.reason, /must_exclude ignored: WebArena's evaluator does not read them/);
  });

  test('fuzzy_match: Lite asks once with the references joined by ", ", WebArena once each; "N/A" assigns the judge\'s verdict', async () => {
    const asked: string[] = [];
    const judge: WebArenaJudge = {
      fuzzyMatch: async ({ reference, answer }) => (asked.push(`${reference}|${answer}`), answer.includes('40')),
      unachievable: async ({ reason, answer }) => (asked.push(`ua:${reason}|${answer}`), answer.includes('cars')),
    };
    assert.equal((await sm('webarena-lite', { fuzzy_match: ['about 40 dollars', 'forty'] }, '$40', judge)).score, 1);
    assert.equal((await sm('webarena', { fuzzy_match: ['about 40 dollars', 'forty'] }, '$40', judge)).score, 1);
    // The judge sees the cleaned (lower-cased) answer, as `pred` is cleaned before fuzzy_match.
    assert.deepEqual(asked.splice(0), ['about 40 dollars, forty|$40', 'about 40 dollars|$40', 'forty|$40']);
    const unjudged = await sm('webarena-lite', { fuzzy_match: ['about 40 dollars'] }, '$40');
    assert.equal(unjudged.undecided, 'unjudged');
    // "N/A": score *= exact_match("N/A", pred); if score != 1: score = ua_match(...) (assigned).
    assert.equal((await sm('webarena-lite', { fuzzy_match: 'N/A' }, 'N/A')).score, 1);
    assert.equal((await sm('webarena', { fuzzy_match: 'N/A' }, ' N/A ')).score, 1, 'WebArena strips');
    const lite = await sm('webarena-lite', { fuzzy_match: 'N/A' }, ' N/A ');
    assert.equal(lite.undecided, 'unjudged', 'Lite never strips an N/A answer: the judge must decide');
    assert.equal((await sm('webarena-lite', { fuzzy_match: 'N/A' }, 'They sell no CARS', judge)).score, 1);
    assert.deepEqual(asked.splice(0), ['ua:the store does not sell cars|they sell no cars']);
    // The assignment overrides an earlier failure in the same reference_answers.
    assert.equal((await sm('webarena-lite', { must_include: ['x'], fuzzy_match: 'N/A' }, 'no cars here', judge)).score, 1);
    // ... and an earlier N/A that passes keeps the product.
    assert.equal((await sm('webarena-lite', { must_include: ['x'], fuzzy_match: 'N/A' }, 'N/A')).score, 0);
    // An undecided part does not hide a real failure.
    const both = await sm('webarena-lite', { exact_match: 'y', fuzzy_match: ['x'] }, 'z');
    assert.equal(both.undecided, undefined);
    assert.match(both.reason, /is not "y"/);
  });
});

describe('url_match by the reference rules', () => {
  const um = (semantics: WebArenaSemantics, reference_url: string, url: string, url_note?: string): number =>
    webArenaUrlMatch({ eval_types: ['url_match'], reference_url, ...(url_note ? { url_note } : {}) }, url, { semantics }).score;

  test('WebArena-Lite: EXACT by default; GOLD in PRED is a raw substring of the whole URL', () => {
    // clean_url: url.replace("localhost", "127.0.0.1"), one trailing "/" removed.
    assert.equal(um('webarena-lite', 'http://127.0.0.1:7770/a/', 'http://localhost:7770/a'), 1);
    assert.equal(um('webarena-lite', 'http://h/a', 'http://h/a//'), 0, 'only one trailing slash goes');
    assert.equal(um('webarena-lite', 'http://h/a', 'http://h/a/b'), 0, 'EXACT is equality');
    assert.equal(um('webarena-lite', 'http://h/a |OR| http://h/b', 'http://h/b'), 1);
    // GOLD in PRED: any(ref in pred for ref in ref_urls).
    assert.equal(um('webarena-lite', 'http://h/search?q=mug&page=2', 'http://h/search?q=mug&page=2&x=1', 'GOLD in PRED'), 1);
    assert.equal(um('webarena-lite', 'http://h/search?q=mug&page=2', 'http://h/search?page=2&q=mug', 'GOLD in PRED'), 0, 'reordered query parameters fail');
    assert.equal(um('webarena-lite', 'http://h/search?q=blue mug', 'http://h/search?q=blue%20mug', 'GOLD in PRED'), 0, 're-encoded parameters fail');
  });

  test('WebArena: GOLD in PRED by default (its only rule), netloc + path as a substring and query values as sets', () => {
    // base_score: any(ref_base_path in pred_base_path); query_score: every ref key has a ref value among the pred's.
    assert.equal(um('webarena', 'http://h/search?q=mug&page=2', 'http://h/search?page=2&q=mug'), 1, 'order is free');
    assert.equal(um('webarena', 'http://h/search?q=blue mug', 'http://h/search?q=blue%20mug'), 1, 'parse_qs decodes');
    assert.equal(um('webarena', 'http://h/search?q=blue+mug', 'http://h/search?q=blue%20mug'), 1, '"+" is a space');
    assert.equal(um('webarena', 'http://h/search?q=mug', 'http://h/search?q=cup'), 0);
    assert.equal(um('webarena', 'http://h/search?q=mug |OR| http://h/search?q=cup', 'http://h/search?q=cup'), 1);
    assert.equal(um('webarena', 'http://h/a', 'http://h/a/b?x=1'), 1, 'the reference path is inside the final one');
    assert.equal(um('webarena', 'http://h/a?empty=', 'http://h/a'), 1, 'parse_qs drops blank values');
    assert.equal(um('webarena', 'http://127.0.0.1:7770/a', 'http://localhost:7770/a'), 0, 'no localhost mapping in WebArena');
    assert.equal(um('webarena', 'http://h/a/', 'http://h/a//'), 1, 'rstrip("/") removes every trailing slash');
    // Any other note raises ValueError there: here the check scores 0 with the error.
    const r = webArenaUrlMatch({ eval_types: ['url_match'], reference_url: 'http://h/a', url_note: 'EXACT' }, 'http://h/a', { semantics: 'webarena' });
    assert.equal(r.score, 0);
    assert.match(r.error ?? '', /Unknown matching rule: EXACT/);
  });
});

describe('Python value rules', () => {
  test('clean_answer, str_2_int, compare_inequality and str() of evaluated values', () => {
    assert.equal(cleanAnswer('  "Hi"  ', 'webarena'), 'hi');
    assert.equal(cleanAnswer('  "Hi"  ', 'webarena-lite'), '  "hi"  ');
    assert.equal(cleanAnswer('\u00a0x\u00a0', 'webarena'), 'x', 'Python strips no-break spaces');
    assert.equal(strToInt(' 1,234 '), 1234);
    assert.equal(strToInt('1_000'), 1000, 'int() accepts underscores between digits');
    assert.equal(strToInt('12.5'), null);
    assert.equal(strToInt(''), null);
    // compare_inequality: the first of <=, >=, ==, <, > that occurs is the operator.
    assert.equal(compareInequality(5, '<= 5'), true);
    assert.equal(compareInequality(5, '< 5'), true, 'tolerance 1e-8 makes "<" inclusive: x < y + tol');
    assert.equal(compareInequality(5, '> 5'), true, 'x > y - tol');
    assert.equal(compareInequality(4, '== 4.000000001'), true);
    assert.throws(() => compareInequality(5, '5'), /no <=, >=, ==, < or >/);
    assert.throws(() => compareInequality(5, '== 5 == 5'), /more than once/);
    // str(page.evaluate(...)) as Playwright for Python hands values over.
    assert.equal(pythonStr(null), 'None');
    assert.equal(pythonStr(true), 'True');
    assert.equal(pythonStr(3), '3');
    assert.equal(pythonStr(2.5), '2.5');
    assert.equal(pythonStr(1e21), '1e+21');
    assert.equal(pythonStr(['a', "it's", 2]), `['a', "it's", 2]`);
    assert.equal(pythonStr({ k: 'v' }), "{'k': 'v'}");
  });

  test('func: calls parse as Python calls with string literals; reddit_get_post_url keeps /f/<forum>/<id>/', () => {
    assert.deepEqual(parseHelperCall("gitlab_get_project_memeber_role(__page__, 'byteblaze')"), { name: 'gitlab_get_project_memeber_role', args: ['__page__', 'byteblaze'] });
    assert.deepEqual(parseHelperCall('f("a, b", \'c\\\'d\')'), { name: 'f', args: ['a, b', "c'd"] });
    assert.deepEqual(parseHelperCall('shopping_get_latest_order_url()'), { name: 'shopping_get_latest_order_url', args: [] });
    assert.equal(parseHelperCall('1 + 2'), undefined);
    // tok_url = path.split("/"): fewer than 4 parts or not "f" returns the URL as is.
    assert.equal(redditGetPostUrl('http://h:9999/f/DIY/118903/separate-glued-plastic-parts/12345'), 'http://h:9999/f/DIY/118903/');
    assert.equal(redditGetPostUrl('http://h:9999/f/DIY'), 'http://h:9999/f/DIY');
    assert.equal(redditGetPostUrl('http://h:9999/user/alice/x/y'), 'http://h:9999/user/alice/x/y');
  });
});

describe('placeholders and config kinds', () => {
  const base = { task_id: 127, sites: ['gitlab', 'reddit'], start_url: '__GITLAB__', intent: 'Post the links', require_login: false, storage_state: null };

  test('every string of a config is substituted, as generate_test_data.py replaces over the whole file', () => {
    const config = parseWebArenaConfig({
      ...base,
      eval: {
        eval_types: ['program_html'], reference_answers: null, reference_url: '',
        program_html: [{ url: '__REDDIT__/f/DIY', locator: '', required_contents: { must_include: ['__REDDIT__/f/DIY/118903/separate-glued-plastic-parts', '__GITLAB__/convexegg/chatgpt'] } }],
      },
    });
    const urls = { gitlab: 'http://127.0.0.1:8023', reddit: 'http://127.0.0.1:9999/' };
    const out = substituteConfig(config, urls, { taskId: '127', field: '' });
    assert.deepEqual(out.eval.program_html![0]!.required_contents.must_include, ['http://127.0.0.1:9999/f/DIY/118903/separate-glued-plastic-parts', 'http://127.0.0.1:8023/convexegg/chatgpt']);
    assert.equal(out.eval.program_html![0]!.url, 'http://127.0.0.1:9999/f/DIY');
    assert.equal(out.start_url, 'http://127.0.0.1:8023');
    assert.throws(() => substituteConfig(config, { gitlab: 'http://g' }, { taskId: '127', field: '' }), (e: unknown) =>
      e instanceof WebArenaConfigError && e.field === 'eval.program_html[0].url' && /__REDDIT__ but no URL was given for reddit/.test(e.message));
  });

  test("WebArena-Lite's kinds load: fuzzy_match in required_contents, required_values in reference_answers", () => {
    const lite = parseWebArenaConfig({
      ...base, task_id: 123,
      eval: { eval_types: ['program_html'], reference_answers: null, reference_url: '', program_html: [{ url: 'last', locator: "document.querySelector('.md').outerText", required_contents: { fuzzy_match: ['a polite note'] } }] },
    });
    assert.deepEqual(lite.eval.program_html![0]!.required_contents, { fuzzy_match: ['a polite note'] });
    const values = parseWebArenaConfig({ ...base, eval: { eval_types: ['string_match'], reference_answers: { required_values: ['>= 3'] }, reference_url: '', program_html: [] } });
    assert.deepEqual(values.eval.reference_answers, { required_values: ['>= 3'] });
  });

  test("semantics 'webarena' refuses a url_note its harness raises on, up front", () => {
    const config = parseWebArenaConfig({ ...base, eval: { eval_types: ['url_match'], reference_answers: null, reference_url: '__GITLAB__/x', url_note: 'EXACT', program_html: [] } });
    const urls = { gitlab: 'http://g', reddit: 'http://r' };
    assert.throws(() => webArenaTask(config, { urls, semantics: 'webarena' }), (e: unknown) => e instanceof WebArenaConfigError && e.field === 'eval.url_note');
    assert.equal(webArenaTask(config, { urls }).id, 'webarena/127', 'WebArena-Lite reads EXACT');
    assert.throws(() => webArenaTask(config, { urls, semantics: 'webarena-2' as WebArenaSemantics }), (e: unknown) => e instanceof OptionsError && /webArenaTask option semantics must be 'webarena-lite' or 'webarena', got "webarena-2"/.test(e.message));
  });
});
