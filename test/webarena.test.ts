// WebArena compatibility: config validation and loading (errors name the task and field),
// placeholder substitution, string_match / url_match semantics on hand-made cases, and
// WebArena-format configs run against the bundled sites in real Chromium covering every eval
// type and every required_contents kind, login state, a broken selector and unsupported helpers.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BrowserPool } from '../src/env/browser-pool.js';
import { WebEnvironment } from '../src/env/web-environment.js';
import type { Action } from '../src/env/types.js';
import { startSuiteServer, type SuiteServer } from '../src/suites/server.js';
import { BundledSuite } from '../src/suites/suite.js';
import { custom } from '../src/tasks/checkers.js';
import { scoreEpisode } from '../src/tasks/expert.js';
import type { CheckResult, WebTask } from '../src/tasks/types.js';
import {
  WebArenaConfigError, bundledWebArenaUrls, chatJudge, webArenaConfigOf, loadWebArenaConfigs, loadWebArenaTasks, parseWebArenaConfig, webArenaStringMatch, webArenaTask, webArenaUrlMatch,
  type EvalConfig, type WebArenaJudge,
} from '../src/webarena/index.js';
import type { ChatPolicy } from '../src/policy/chat.js';

const base = {
  task_id: 7, sites: ['shopping'], require_login: false, storage_state: null, start_url: '__SHOPPING__', geolocation: null,
  intent_template: 't', instantiation_dict: {}, intent: 'What is it?', require_reset: false, intent_template_id: 12,
};
const cfg = (evalConfig: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ ...base, ...extra, eval: evalConfig });

describe('WebArena configs', () => {
  test('malformed configs give an error naming the task and the field', () => {
    const cases: Array<[unknown, string, string]> = [
      [{ ...base, task_id: undefined, eval: { eval_types: ['url_match'], reference_url: 'x' } }, 'file.json[3]', 'task_id'],
      [cfg({ eval_types: ['url_match'], reference_url: 'x' }, { intent: 3 }), '7', 'intent'],
      [cfg({ eval_types: ['url_match'], reference_url: 'x' }, { start_url: '' }), '7', 'start_url'],
      [{ ...base }, '7', 'eval'],
      [cfg({ eval_types: 'url_match' }), '7', 'eval.eval_types'],
      [cfg({ eval_types: ['html_match'] }), '7', 'eval.eval_types'],
      [cfg({ eval_types: ['string_match'], reference_answers: null }), '7', 'eval.reference_answers'],
      [cfg({ eval_types: ['string_match'], reference_answers: { must_include: 'x' } }), '7', 'eval.reference_answers.must_include'],
      [cfg({ eval_types: ['string_match'], reference_answers: { sort_of: ['x'] } }), '7', 'eval.reference_answers.sort_of'],
      [cfg({ eval_types: ['url_match'], reference_url: 'x', url_note: 'FUZZY' }), '7', 'eval.url_note'],
      [cfg({ eval_types: ['program_html'], program_html: [{ url: 'last', locator: '' }] }), '7', 'eval.program_html[0].required_contents'],
      [cfg({ eval_types: ['program_html'], program_html: [{ url: 'last', locator: '', required_contents: { must_include: 'x' } }] }), '7', 'eval.program_html[0].required_contents.must_include'],
    ];
    for (const [raw, task, field] of cases) {
      assert.throws(() => parseWebArenaConfig(raw, 'file.json[3]'), (e: unknown) => {
        assert.ok(e instanceof WebArenaConfigError, String(e));
        assert.equal(e.taskId, task, e.message);
        assert.equal(e.field, field, e.message);
        assert.ok(e.message.startsWith(`WebArena task ${task}: ${field}: `), e.message);
        return true;
      });
    }
  });

  test('loads an array file and a folder of per-task files in numeric order; skipInvalid lists the bad ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'webarena-'));
    try {
      const good = (id: number) => cfg({ eval_types: ['url_match'], reference_url: `__SHOPPING__/p/${id}` }, { task_id: id });
      await writeFile(join(dir, 'all.json'), JSON.stringify([good(0), good(1), { ...good(2), intent: '' }]));
      await assert.rejects(loadWebArenaConfigs(join(dir, 'all.json')), /WebArena task 2: intent: must be a non-empty string/);
      const { configs, invalid } = await loadWebArenaConfigs(join(dir, 'all.json'), { skipInvalid: true });
      assert.deepEqual(configs.map((c) => c.task_id), [0, 1]);
      assert.equal(invalid.length, 1);
      assert.equal(invalid[0]!.error.field, 'intent');
      const folder = join(dir, 'config_files');
      await mkdir(folder);
      for (const id of [10, 2, 1]) await writeFile(join(folder, `${id}.json`), JSON.stringify(good(id)));
      assert.deepEqual((await loadWebArenaConfigs(folder)).configs.map((c) => c.task_id), [1, 2, 10]);
      await writeFile(join(folder, '11.json'), JSON.stringify(good(2)));
      await assert.rejects(loadWebArenaConfigs(folder), /task_id: appears twice/);
      await writeFile(join(folder, '11.json'), '{ not json');
      await assert.rejects(loadWebArenaConfigs(folder), /11\.json is not valid JSON/);
      await assert.rejects(loadWebArenaConfigs(join(dir, 'missing')), /does not exist/);
      // A site without a URL: the task is refused up front, naming the placeholder and the option.
      await writeFile(join(dir, 'gitlab.json'), JSON.stringify([cfg({ eval_types: ['url_match'], reference_url: '__GITLAB__/x' }, { start_url: '__GITLAB__' })]));
      await assert.rejects(loadWebArenaTasks(join(dir, 'gitlab.json'), { urls: { shopping: 'http://127.0.0.1:1' } }), /start_url: uses __GITLAB__ but no URL was given for gitlab; pass urls: \{ gitlab:/);
      const skipped = await loadWebArenaTasks(join(dir, 'gitlab.json'), { urls: {}, skipInvalid: true });
      assert.equal(skipped.tasks.length, 0);
      assert.equal(skipped.invalid[0]!.error.field, 'start_url');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a task gets substituted URLs, its template, and a clear error for a missing login file', () => {
    const task = webArenaTask(parseWebArenaConfig(cfg({ eval_types: ['url_match'], reference_url: '__SHOPPING__/a |OR| __SHOPPING__/b' }, { start_url: '__SHOPPING__/x |AND| __REDDIT__/f/y' })), { urls: { shopping: 'http://127.0.0.1:9/', reddit: 'http://127.0.0.1:8' } });
    assert.equal(task.startUrl, 'http://127.0.0.1:9/x');
    assert.equal(task.id, 'webarena/7');
    assert.deepEqual(task.meta['otherStartUrls'], ['http://127.0.0.1:8/f/y']);
    assert.equal(task.meta['template'], 'webarena.12');
    assert.deepEqual(task.allowedOrigins, ['http://127.0.0.1:9', 'http://127.0.0.1:8']);
    assert.throws(() => webArenaTask(parseWebArenaConfig(cfg({ eval_types: ['url_match'], reference_url: 'x' }, { require_login: true, storage_state: './.auth/none.json' })), { urls: { shopping: 'http://h' }, authDir: '/nonexistent' }),
      /WebArena task 7: storage_state: \/nonexistent\/\.auth\/none\.json does not exist/);
  });
});

describe('WebArena string_match and url_match', () => {
  const sm = (ref: EvalConfig['reference_answers'], answer: string | null, judge?: WebArenaJudge): Promise<CheckResult> =>
    webArenaStringMatch({ eval_types: ['string_match'], reference_answers: ref, string_note: 'the store does not sell cars' }, answer, { intent: 'q?', ...(judge ? { judge } : {}) });

  test('exact_match, must_include (with |OR| and whole-token single characters), must_exclude, one_of', async () => {
    assert.equal((await sm({ exact_match: 'Blue Mug' }, '"blue mug"')).score, 1);
    assert.equal((await sm({ exact_match: 'Blue Mug' }, 'blue mugs')).score, 0);
    assert.equal((await sm({ exact_match: 'x' }, null)).score, 0);
    assert.equal((await sm({ must_include: ['Alice', 'Bob |OR| Robert'] }, 'alice and robert')).score, 1);
    const missing = await sm({ must_include: ['Alice', 'Bob |OR| Robert'] }, 'alice and carol');
    assert.equal(missing.score, 0);
    assert.match(missing.reason, /does not include "Bob \|OR\| Robert"/);
    assert.equal((await sm({ must_include: ['2'] }, 'there are 12')).score, 0, 'a lone one-character reference must be a whole token');
    assert.equal((await sm({ must_include: ['2'] }, 'there are 2.')).score, 1);
    assert.equal((await sm({ must_include: ['2'] }, 'rated 2.6 of 5')).score, 0, 'a decimal number is one token');
    assert.equal((await sm({ must_include: ['2', 'x'] }, 'there are 12 x')).score, 1, 'with several entries WebArena does not tokenize');
    assert.equal((await sm({ must_exclude: ['refund'] }, 'no refunds')).score, 0);
    assert.equal((await sm({ must_exclude: ['refund'] }, 'all good')).score, 1);
    assert.equal((await sm({ one_of: ['Monday', 'Tuesday'] }, 'on tuesday')).score, 1);
    assert.equal((await sm({ one_of: ['Monday', 'Tuesday'] }, 'on friday')).score, 0);
    assert.equal((await sm({ must_include: ['a'], must_exclude: ['b'] }, 'a b')).score, 0, 'the product of the kinds');
  });

  test('fuzzy_match: no judge is reported unjudged, a judge decides, "N/A" verbatim passes', async () => {
    const unjudged = await sm({ fuzzy_match: ['about 40 dollars'] }, '$40');
    assert.equal(unjudged.score, 0);
    assert.equal(unjudged.undecided, 'unjudged');
    assert.match(unjudged.reason, /^unjudged: .*needs a judge/);
    const asked: string[] = [];
    const judge: WebArenaJudge = {
      fuzzyMatch: async ({ reference, answer }) => (asked.push(`${reference}|${answer}`), answer.includes('40')),
      unachievable: async ({ reason, answer }) => (asked.push(`ua:${reason}`), answer.includes('cars')),
    };
    assert.equal((await sm({ fuzzy_match: ['about 40 dollars'] }, '$40', judge)).score, 1);
    assert.equal((await sm({ fuzzy_match: ['about 40 dollars'] }, '$50', judge)).score, 0);
    assert.equal((await sm({ fuzzy_match: 'N/A' }, 'N/A')).score, 1);
    const na = await sm({ fuzzy_match: 'N/A' }, 'cannot find it');
    assert.equal(na.undecided, 'unjudged');
    assert.equal((await sm({ fuzzy_match: 'N/A' }, 'they sell no cars', judge)).score, 1);
    assert.equal((await sm({ fuzzy_match: 'N/A' }, 'it costs 3', judge)).score, 0);
    assert.deepEqual(asked, ['about 40 dollars|$40', 'about 40 dollars|$50', 'ua:the store does not sell cars', 'ua:the store does not sell cars']);
    // An undecided part does not hide a real failure.
    const both = await sm({ fuzzy_match: ['x'], exact_match: 'y' }, 'z');
    assert.equal(both.score, 0);
    assert.equal(both.undecided, undefined);
    assert.match(both.reason, /is not "y"/, 'the real failure is the reason given');
  });

  test('chatJudge asks a chat model and reads correct / incorrect / partially correct', async () => {
    const replies = ['The answer is correct.', 'Partially correct.', 'incorrect', 'same'];
    const prompts: string[] = [];
    const policy: ChatPolicy = { name: 'fake', chat: async (requests) => requests.map((r) => (prompts.push(r.messages.at(-1)!.content), { text: replies.shift()!, finishReason: 'stop' as const })) };
    const judge = chatJudge(policy);
    assert.equal(await judge.fuzzyMatch({ intent: 'How much?', reference: '$40', answer: '40 dollars' }), true);
    assert.equal(await judge.fuzzyMatch({ intent: 'How much?', reference: '$40', answer: '40' }), false);
    assert.equal(await judge.fuzzyMatch({ intent: 'How much?', reference: '$40', answer: '4' }), false);
    assert.equal(await judge.unachievable({ intent: 'Buy a car', reason: 'no cars', answer: 'none sold' }), true);
    assert.match(prompts[0]!, /question: How much\?\nreference answer: \$40\n[\s\S]*student answer: 40 dollars/);
  });

  test('url_match: EXACT by default after cleaning; GOLD in PRED on host + path and query values', () => {
    const um = (reference_url: string, url: string, url_note?: string): number => webArenaUrlMatch({ eval_types: ['url_match'], reference_url, ...(url_note ? { url_note } : {}) }, url).score;
    assert.equal(um('http://127.0.0.1:7770/a/', 'http://localhost:7770/a'), 1);
    assert.equal(um('http://127.0.0.1:7770/a', 'http://127.0.0.1:7770/a/b'), 0);
    assert.equal(um('http://h/a |OR| http://h/b', 'http://h/b'), 1);
    assert.equal(um('http://h/a', 'http://h/a/b?x=1', 'GOLD in PRED'), 1);
    assert.equal(um('http://h/search?q=mug', 'http://h/search?page=2&q=mug', 'GOLD in PRED'), 1);
    assert.equal(um('http://h/search?q=mug', 'http://h/search?q=cup', 'GOLD in PRED'), 0);
    assert.equal(um('http://h/search?q=mug |OR| http://h/search?q=cup', 'http://h/search?q=cup', 'GOLD in PRED'), 1);
    assert.equal(um('http://h/c', 'http://h/a', 'GOLD in PRED'), 0);
  });
});

describe('WebArena configs against the bundled sites (real Chromium)', () => {
  let server: SuiteServer;
  let pool: BrowserPool;
  let env: WebEnvironment;
  let dir: string;
  before(async () => {
    server = await startSuiteServer();
    pool = new BrowserPool({ size: 1 });
    env = new WebEnvironment({ pool });
    dir = await mkdtemp(join(tmpdir(), 'webarena-run-'));
  });
  after(async () => {
    await env?.close();
    await pool?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const urls = (): ReturnType<typeof bundledWebArenaUrls> => bundledWebArenaUrls(server.urls);
  const product = () => server.world.shop.products.find((p) => p.stock >= 12)!;

  /** Runs `actions` on the task, then scores the end as the rollout engine does. */
  async function run(task: WebTask, actions: readonly Action[]): Promise<CheckResult> {
    let obs = await env.reset(task);
    let answer: string | null = null;
    for (const a of actions) {
      const r = await env.step(a);
      obs = r.observation;
      assert.equal(obs.lastActionError, null, `action ${JSON.stringify(a)} failed: ${obs.lastActionError}`);
      if (a.type === 'answer') answer = a.text;
    }
    return scoreEpisode(task, { answer, url: obs.url, page: env.page });
  }
  const taskOf = (raw: Record<string, unknown>, extra: { authDir?: string } = {}): WebTask => webArenaTask(parseWebArenaConfig(raw), { urls: urls(), ...extra });

  test('url_match and string_match end to end: the right page and answer score 1, others 0', async () => {
    const p = product();
    const nav = taskOf(cfg({ eval_types: ['url_match'], reference_url: `__SHOPPING__/product/${p.slug}`, url_note: 'EXACT' }));
    assert.equal((await run(nav, [{ type: 'goto', url: `${server.urls.shop}/product/${p.slug}` }])).score, 1);
    assert.equal((await run(nav, [{ type: 'goto', url: `${server.urls.shop}/cart` }])).score, 0);
    const both = taskOf(cfg({ eval_types: ['string_match', 'url_match'], reference_answers: { must_include: [p.name] }, reference_url: `__SHOPPING__/product/${p.slug}`, url_note: 'GOLD in PRED' }));
    assert.equal((await run(both, [{ type: 'goto', url: `${server.urls.shop}/product/${p.slug}` }, { type: 'answer', text: `It is the ${p.name}` }])).score, 1);
    const wrong = await run(both, [{ type: 'goto', url: `${server.urls.shop}/product/${p.slug}` }, { type: 'answer', text: 'no idea' }]);
    assert.equal(wrong.score, 0);
    assert.match(wrong.reason, /does not include/);
  });

  test('program_html: every url kind, locator kind and required_contents kind on the cart after adding a product', async () => {
    const p = product();
    const checks = [
      // a concrete URL (placeholder), a JavaScript locator, must_include with |OR| and must_exclude
      { url: '__SHOPPING__/cart', locator: "document.querySelector('main').outerText", required_contents: { must_include: [`${p.name} |OR| nothing`], must_exclude: ['Your cart is empty'] } },
      // exact_match on one element
      { url: '__SHOPPING__/cart', locator: "document.querySelector('h1').outerText", required_contents: { exact_match: 'Shopping cart' } },
      // the final page's whole HTML (empty locator), with entities decoded as WebArena does
      { url: 'last', locator: '', required_contents: { must_include: ['Shopping cart'] } },
      // required_values: a whole value, not a substring of a longer one
      { url: 'last', locator: "[...document.querySelectorAll('input[name=quantity]')].map(i => i.value).join(',')", required_contents: { required_values: ['2'] } },
      // a page-reading func: helper
      { url: 'last', locator: "func:get_query_text(__page__, 'h1')", required_contents: { exact_match: 'shopping cart' } },
      // prep_actions run before a JavaScript locator
      { url: 'last', locator: 'document.body.dataset.prepped', prep_actions: ["document.body.dataset.prepped = 'yes'"], required_contents: { exact_match: 'yes' } },
    ];
    const task = taskOf(cfg({ eval_types: ['program_html'], program_html: checks }, { start_url: `__SHOPPING__/product/${p.slug}` }));
    const add: Action[] = [
      { type: 'type', target: { role: 'spinbutton', name: 'Quantity' }, text: '2' },
      { type: 'click', target: { role: 'button', name: 'Add to cart' } },
    ];
    const ok = await run(task, add);
    assert.equal(ok.score, 1, ok.reason);
    // Without adding anything each check that needs the product fails, with its reason.
    const empty = await run(task, []);
    assert.equal(empty.score, 0);
    assert.match(empty.reason, /program_html\[0\].*does not include/);
    // required_values is whole-value: quantity 12 is not 2.
    const twelve = taskOf(cfg({ eval_types: ['program_html'], program_html: [checks[3]] }, { start_url: `__SHOPPING__/product/${p.slug}` }));
    const r12 = await run(twelve, [{ ...add[0]!, text: '12' } as Action, add[1]!]);
    assert.equal(r12.score, 0, r12.reason);
    assert.match(r12.reason, /lacks the value "2"/);
  });

  test('a broken selector scores 0 with the error recorded; an API-only func: is reported unsupported; the run goes on', async () => {
    const broken = taskOf(cfg({ eval_types: ['program_html'], program_html: [{ url: 'last', locator: "document.querySelector('#no-such-element').outerText", required_contents: { must_exclude: ['x'] } }] }));
    const r = await run(broken, []);
    assert.equal(r.score, 0, 'a throwing locator scores 0 even for must_exclude');
    assert.ok(r.error, 'the error is recorded');
    assert.match(r.reason, /locator .* threw/);
    const api = taskOf(cfg({ eval_types: ['program_html'], program_html: [{ url: 'func:shopping_get_latest_order_url()', locator: '', required_contents: { must_include: ['x'] } }] }));
    const u = await run(api, []);
    assert.equal(u.score, 0);
    assert.equal(u.undecided, 'unsupported');
    assert.match(u.reason, /unsupported: func:shopping_get_latest_order_url\(\)/);
    // A user-registered helper makes the same config decidable.
    const registered = webArenaTask(parseWebArenaConfig(cfg({ eval_types: ['program_html'], program_html: [
      { url: 'func:shopping_get_latest_order_url()', locator: "func:shopping_get_sku_latest_review_author('SKU-1')", required_contents: { exact_match: 'alice' } },
    ] })), { urls: urls(), helpers: {
      shopping_get_latest_order_url: () => `${server.urls.shop}/orders`,
      shopping_get_sku_latest_review_author: async (page, sku) => (sku === 'SKU-1' && page.url().endsWith('/orders') ? 'Alice' : 'nobody'),
    } });
    const rr = await run(registered, []);
    assert.equal(rr.score, 1, rr.reason);
    const unknown = taskOf(cfg({ eval_types: ['program_html'], program_html: [{ url: 'last', locator: 'window.x', required_contents: { must_include: ['x'] } }] }));
    assert.match((await run(unknown, [])).reason, /unknown locator/);
    // A post URL helper that works from the URL alone.
    const post = taskOf(cfg({ eval_types: ['program_html'], program_html: [{ url: "func:reddit_get_post_url('__last_url__')", locator: 'document.location.pathname', required_contents: { exact_match: '/' } }] }, { start_url: '__REDDIT__' }));
    assert.equal((await run(post, [])).score, 1);
  });

  test('every bundled task exports as a valid WebArena config with placeholders only (scoring is compared in the suite batteries)', async () => {
    const suite = new BundledSuite(server);
    const tasks = [...suite.tasks({ split: 'test', perTemplate: 1 }), ...suite.tasks({ split: 'test-unseen', perTemplate: 1 })];
    assert.ok(tasks.length >= 70, `${tasks.length} templates`);
    const kinds = new Set<string>();
    for (const task of tasks) {
      const json = JSON.stringify(webArenaConfigOf(task, { urls: server.urls }));
      assert.ok(!json.includes('127.0.0.1'), `${task.id}: ${json}`);
      const config = parseWebArenaConfig(JSON.parse(json));
      for (const t of config.eval.eval_types) kinds.add(t);
      if (task.meta['kind'] === 'state') assert.match(config.eval.program_html![0]!.url, /^__[A-Z_]+__\/__webagent\/check\?task=/);
    }
    assert.deepEqual([...kinds].sort(), ['program_html', 'string_match', 'url_match']);
    // A checker with no WebArena form is refused by name.
    const odd = { ...tasks[0]!, check: custom('looks nice', () => true) };
    assert.throws(() => webArenaConfigOf(odd, { urls: server.urls }), /cannot export task .*custom check "looks nice"/);
    // The verdict page of an unknown task says why it fails.
    const res = await fetch(`${server.urls.shop}/__webagent/check?task=nope`);
    assert.match(await res.text(), /<p id="verdict">fail<\/p><p id="reason">cannot check task nope: task id &#34;nope&#34; is not/);
  });

  test('require_login applies the storage state (cookies and localStorage) to the episode', async () => {
    const origin = new URL(server.urls.shop).origin;
    await writeFile(join(dir, 'shop_state.json'), JSON.stringify({
      cookies: [{ name: 'wa_login', value: 'alice', domain: '127.0.0.1', path: '/', expires: -1, httpOnly: false, secure: false, sameSite: 'Lax' }],
      origins: [{ origin, localStorage: [{ name: 'user', value: 'alice' }] }],
    }));
    const raw = cfg({
      eval_types: ['program_html'],
      program_html: [
        { url: 'last', locator: 'document.cookie', required_contents: { must_include: ['wa_login=alice'] } },
        { url: 'last', locator: "document.defaultView.localStorage.getItem('user')", required_contents: { exact_match: 'alice' } },
      ],
    }, { require_login: true, storage_state: './shop_state.json' });
    const r = await run(taskOf(raw, { authDir: dir }), []);
    assert.equal(r.score, 1, r.reason);
    // Without login state the same checks fail.
    const r2 = await run(taskOf({ ...raw, require_login: false }), []);
    assert.equal(r2.score, 0);
  });
});
