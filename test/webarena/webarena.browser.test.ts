// WebArena compatibility: config validation and loading (errors name the task and field),
// placeholder substitution, string_match / url_match semantics on hand-made cases, and
// WebArena-format configs run against the bundled sites in real Chromium covering every eval
// type and every required_contents kind, login state, a broken selector and unsupported helpers.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { BrowserPool } from '../../src/env/browser-pool.js';
import { WebEnvironment } from '../../src/env/web-environment.js';
import type { Action } from '../../src/env/types.js';
import { startSuiteServer, type SuiteServer } from '../../src/suites/server.js';
import { BundledSuite } from '../../src/suites/suite.js';
import { custom } from '../../src/tasks/checkers.js';
import { scoreEpisode } from '../../src/tasks/expert.js';
import type { CheckResult, WebTask } from '../../src/tasks/types.js';
import {
  WebArenaConfigError, bundledWebArenaUrls, chatJudge, webArenaConfigOf, loadWebArenaConfigs, loadWebArenaTasks, parseWebArenaConfig, webArenaTask,
  type WebArenaJudge, type WebArenaSemantics, type WebArenaSiteUrls,
} from '../../src/webarena/index.js';
import type { ChatPolicy } from '../../src/agent/chat.js';

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

describe('WebArena judge', () => {
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
      // a concrete URL (placeholder), a JavaScript locator, must_include with |OR|; must_exclude
      // in a check of its own (the harness reads one kind per check)
      { url: '__SHOPPING__/cart', locator: "document.querySelector('main').outerText", required_contents: { must_include: [`${p.name} |OR| nothing`] } },
      { url: '__SHOPPING__/cart', locator: "document.querySelector('main').outerText", required_contents: { must_exclude: ['Your cart is empty'] } },
      // exact_match on one element
      { url: '__SHOPPING__/cart', locator: "document.querySelector('h1').outerText", required_contents: { exact_match: 'Shopping cart' } },
      // the final page's whole HTML (empty locator)
      { url: 'last', locator: '', required_contents: { must_include: ['Shopping cart'] } },
      // required_values: the content read as an integer satisfies the inequality
      { url: 'last', locator: "[...document.querySelectorAll('input[name=quantity]')].map(i => i.value).join(',')", required_contents: { required_values: ['== 2'] } },
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
    // required_values compares numbers: quantity 12 is not == 2.
    const twelve = taskOf(cfg({ eval_types: ['program_html'], program_html: [checks[4]] }, { start_url: `__SHOPPING__/product/${p.slug}` }));
    const r12 = await run(twelve, [{ ...add[0]!, text: '12' } as Action, add[1]!]);
    assert.equal(r12.score, 0, r12.reason);
    assert.match(r12.reason, /12 does not satisfy "== 2"/);
  });

  test('a broken selector reads as "" (as the harnesses read it), noted in the reason; an API-only func: is reported unsupported; the run goes on', async () => {
    // "except Exception: # the page is wrong, return empty": selected_element = "".
    const broken = taskOf(cfg({ eval_types: ['program_html'], program_html: [{ url: 'last', locator: "document.querySelector('#no-such-element').outerText", required_contents: { must_exclude: ['x'] } }] }));
    const r = await run(broken, []);
    assert.equal(r.score, 1, 'must_exclude of "" holds');
    assert.match(r.reason, /the locator threw \(.*\) and reads as ""/);
    const brokenInclude = taskOf(cfg({ eval_types: ['program_html'], program_html: [{ url: 'last', locator: "document.querySelector('#no-such-element').outerText", required_contents: { must_include: ['x'] } }] }));
    const r2 = await run(brokenInclude, []);
    assert.equal(r2.score, 0);
    assert.match(r2.reason, /the locator threw/);
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
    // An unknown locator raises ValueError in the harness: 0 with the error.
    const u2 = await run(unknown, []);
    assert.match(u2.reason, /Unknown locator: window\.x/);
    assert.ok(u2.error);
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
      const json = JSON.stringify(webArenaConfigOf(task, { urls: server.urls, controlKey: server.controlKey }));
      assert.ok(!json.includes('127.0.0.1'), `${task.id}: ${json}`);
      const config = parseWebArenaConfig(JSON.parse(json));
      for (const t of config.eval.eval_types) kinds.add(t);
      if (task.meta['kind'] === 'state') assert.match(config.eval.program_html![0]!.url, /^__[A-Z_]+__\/__webagent\/check\?task=/);
    }
    assert.deepEqual([...kinds].sort(), ['program_html', 'string_match', 'url_match']);
    // A checker with no WebArena form is refused by name.
    const odd = { ...tasks[0]!, check: custom('looks nice', () => true) };
    assert.throws(() => webArenaConfigOf(odd, { urls: server.urls }), /cannot export task .*custom check "looks nice"/);
    // State tasks need the key to be exported.
    const state = tasks.find((t) => t.meta['kind'] === 'state')!;
    assert.throws(() => webArenaConfigOf(state, { urls: server.urls }), /needs the server's control key; pass controlKey/);
    // The verdict page of an unknown task says why it fails (to a request with the key).
    const res = await fetch(`${server.urls.shop}/__webagent/check?task=nope&key=${encodeURIComponent(server.controlKey)}`);
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

describe('program_html by the reference rules (real Chromium, pages of our own)', () => {
  // Pages shaped like the WebArena sites' (GitLab's member table, Postmill's comment tree), served here.
  let http: Server;
  let origin = '';
  let pool: BrowserPool;
  let env: WebEnvironment;
  const comment = (level: number, user: string, text: string, time: string, children = ''): string =>
    `<div class="comment" data-level="${level}"><div class="comment__main"><header><h1><a class="fg-inherit">${user}</a><span><time datetime="${time}">t</time></span></h1></header><div class="comment__content">${text}</div></div>${children}</div>`;
  const html: Record<string, () => string> = {
    '/gitlab/a11yproject/-/project_members': () => `<table>
      <tr><td data-label="Account"><span class="gl-avatar-labeled-sublabel">@vinta</span></td><td class="col-max-role"><span>Guest</span></td></tr>
      <tr><td data-label="Account"><span class="gl-avatar-labeled-sublabel">@lahwaacz</span></td><td class="col-max-role"><span>Developer</span></td></tr></table>`,
    // The post of a URL such as /f/DIY/118903/slug/123 is /f/DIY/118903/ (reddit_get_post_url).
    '/f/DIY/118903/': () => `<main id="main">${comment(0, 'op', 'the post', '2023-01-01T00:00:00Z',
      comment(1, 'alice', 'first reply', '2023-01-02T00:00:00Z', comment(2, 'MarvelsGrantMan136', 'nested reply', '2023-01-05T00:00:00Z'))
      + comment(1, 'MarvelsGrantMan136', 'top reply', '2023-01-04T00:00:00Z', comment(2, 'MarvelsGrantMan136', 'self reply', '2023-01-06T00:00:00Z')))}</main>`,
    '/f/DIY/118903/separate-glued-plastic-parts/55': () => '<p>a comment permalink</p>',
    '/gitlab/profile': () => `<p>My posts: <a href="${origin}/f/DIY/118903/separate-glued-plastic-parts">${origin}/f/DIY/118903/separate-glued-plastic-parts</a></p>`,
    '/gitlab/profile-literal': () => '<p>My posts: __REDDIT__/f/DIY/118903/separate-glued-plastic-parts</p>',
    '/gitlab/entities': () => '<p id="t">Tom &amp; Jerry</p><p id="n">x</p>',
    // A Magento order page (cells classed "col <key>") and a product page, as the shopping helpers read them.
    '/gitlab/order': () => `<table id="my-orders-table">
      <tbody><tr><td class="col name">Protein Bars<dl><dt>Size</dt><dd>12 Count</dd></dl></td><td class="col sku">B00MXUFL0E</td><td class="col qty"><span>Ordered</span><span>2</span></td></tr></tbody>
      <tbody><tr><td class="col name">Cookie Dough Bars</td><td class="col sku">B07ZD2PB9F</td><td class="col qty"><span>Ordered</span><span>3</span></td></tr></tbody></table>`,
    '/gitlab/product': () => `<div id="maincontent"><div class="columns"><div><div class="product-info-main"><div class="product-info-price"><div class="price-box price-final_price"><span><span>$24.50</span></span></div></div></div></div></div></div>
      <a id="tab-label-reviews-title">Reviews 12</a><div class="rating-result" title="78%"></div>
      <table id="productDetails_detailBullets_sections1"><tbody><tr><th>Item Weight</th><td>1.2 pounds</td></tr><tr><th>Color</th><td>Blue</td></tr></tbody></table>`,
  };
  before(async () => {
    http = createServer((req, res) => {
      const body = html[(req.url ?? '/').split('?')[0]!];
      res.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><title>t</title><link rel="icon" href="data:,"></head><body>${body ? body() : 'not found'}</body></html>`);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    pool = new BrowserPool({ size: 1 });
    env = new WebEnvironment({ pool });
  });
  after(async () => {
    await env?.close();
    await pool?.close();
    await new Promise((resolve) => http?.close(resolve));
  });

  // Postmill lives at the root of its origin (reddit_get_post_url reads /f/ as the first path segment).
  const urls = (): WebArenaSiteUrls => ({ gitlab: `${origin}/gitlab`, reddit: origin });
  /** Opens `start` and scores its end by the config's program_html checks. */
  async function score(checks: unknown[], start: string, options: { semantics?: WebArenaSemantics; judge?: WebArenaJudge } = {}): Promise<CheckResult> {
    const task = webArenaTask(parseWebArenaConfig(cfg({ eval_types: ['program_html'], program_html: checks }, { sites: ['gitlab'], start_url: start })), { urls: urls(), ...options });
    const obs = await env.reset(task);
    return scoreEpisode(task, { answer: null, url: obs.url, page: env.page });
  }

  test('placeholders inside required_contents are substituted: a correct page scores 1, the literal placeholder text 0', async () => {
    // generate_test_data.py: raw.replace("__REDDIT__", REDDIT) over the whole config text.
    const check = { url: 'last', locator: "document.querySelector('p').outerText", required_contents: { must_include: ['__REDDIT__/f/DIY/118903/separate-glued-plastic-parts'] } };
    for (const semantics of ['webarena-lite', 'webarena'] as const) {
      assert.equal((await score([check], '__GITLAB__/profile', { semantics })).score, 1, semantics);
      assert.equal((await score([check], '__GITLAB__/profile-literal', { semantics })).score, 0, semantics);
    }
  });

  test('func: helpers that read the page: the GitLab member role and the reddit post URL', async () => {
    // gitlab_get_project_memeber_role(page, name): the Max role cell of the row whose account is "@name".
    const role = (name: string, want: string) => ({ url: 'last', locator: `func:gitlab_get_project_memeber_role(__page__, '${name}')`, required_contents: { must_include: [want] } });
    const start = '__GITLAB__/a11yproject/-/project_members';
    assert.equal((await score([role('vinta', 'Guest')], start)).score, 1);
    assert.equal((await score([role('lahwaacz', 'Developer')], start)).score, 1);
    assert.equal((await score([role('vinta', 'Developer')], start)).score, 0);
    // An unknown member reads as "" (index -1 raises inside the helper, which returns "").
    const none = await score([{ ...role('nobody', 'x'), required_contents: { exact_match: '' } }], start);
    assert.equal(none.score, 1, none.reason);
    // reddit_get_post_url('__last_url__') then the latest comment of a user on that post.
    const post = (locator: string, want: string) => ({ url: "func:reddit_get_post_url('__last_url__')", locator, required_contents: { exact_match: want } });
    const permalink = '__REDDIT__/f/DIY/118903/separate-glued-plastic-parts/55';
    assert.equal((await score([post('document.location.pathname', '/f/DIY/118903/')], permalink)).score, 1);
    // The latest comment by time anywhere in the tree: the self reply of 01-06.
    assert.equal((await score([post("func:reddit_get_latest_comment_content_by_username(__page__, 'MarvelsGrantMan136')", 'self reply')], permalink)).score, 1);
    // The parent search compares a node's children by the user and descends only into the others,
    // so the self reply (01-06, under the user's own comment) is never reached: the latest found
    // is the 01-05 reply under alice.
    assert.equal((await score([post("func:reddit_get_parent_comment_username_of_latest_comment_by_username(__page__, 'MarvelsGrantMan136')", 'alice')], permalink)).score, 1);
  });

  test('func: helpers that read Magento order and product pages return what the Python helpers return', async () => {
    const last = (locator: string, required_contents: Record<string, unknown>) => ({ url: 'last', locator: `func:${locator}`, required_contents });
    // shopping_get_order_product_quantity returns an int (qty cell "Ordered<n>"), compared by required_values.
    assert.equal((await score([last("shopping_get_order_product_quantity(__page__, 'B00MXUFL0E')", { required_values: ['== 2'] })], '__GITLAB__/order')).score, 1);
    assert.equal((await score([last("shopping_get_order_product_quantity(__page__, 'B00MXUFL0E |OR| B07ZD2PB9F')", { required_values: ['== 2'] })], '__GITLAB__/order')).score, 1, 'the first matching row');
    assert.equal((await score([last("shopping_get_order_product_quantity(__page__, 'NOPE')", { required_values: ['== 0'] })], '__GITLAB__/order')).score, 1, '0 when no row has the SKU');
    // Names joined by " |OR| "; an option of a row by SKU.
    assert.equal((await score([last('shopping_get_order_product_name_list(__page__)', { must_include: ['Cookie Dough Bars'] })], '__GITLAB__/order')).score, 1);
    assert.equal((await score([last("shopping_get_order_product_option(__page__, 'B00MXUFL0E', 'Size')", { exact_match: '12 Count' })], '__GITLAB__/order')).score, 1);
    // Product page: price without its "$" (a float), review count, rating percentage, attributes by label.
    assert.equal((await score([last('shopping_get_product_price(__page__)', { exact_match: '24.5' })], '__GITLAB__/product')).score, 1, 'str(24.5)');
    assert.equal((await score([last('shopping_get_num_reviews(__page__)', { required_values: ['>= 10'] })], '__GITLAB__/product')).score, 1);
    assert.equal((await score([last('shopping_get_rating_as_percentage(__page__)', { exact_match: '78' })], '__GITLAB__/product')).score, 1);
    assert.equal((await score([last("shopping_get_product_attributes(__page__, 'weight |OR| color')", { exact_match: '1.2 pounds, blue' })], '__GITLAB__/product')).score, 1);
    // On a page without an order table the helpers fall back as the Python ones do ("" and 0).
    assert.equal((await score([last('shopping_get_order_product_name_list(__page__)', { exact_match: '' })], '__GITLAB__/product')).score, 1);
  });

  test('one required_contents kind per check (the first in the harness order), entities, None and lambda:', async () => {
    const start = '__GITLAB__/entities';
    // `if "exact_match" in ...: ... elif "must_include" in ...`: must_include is never read here.
    const first = { url: 'last', locator: "document.querySelector('#n').outerText", required_contents: { exact_match: 'x', must_include: ['not on the page'] } };
    assert.equal((await score([first], start)).score, 1);
    // WebArena html.unescape()s the selected content; WebArena-Lite does not (page.content() keeps "&amp;").
    const amp = { url: 'last', locator: '', required_contents: { must_include: ['Tom & Jerry'] } };
    assert.equal((await score([amp], start, { semantics: 'webarena' })).score, 1);
    assert.equal((await score([amp], start, { semantics: 'webarena-lite' })).score, 0);
    // str(page.evaluate(...)) of null is "None".
    const none = { url: 'last', locator: "document.querySelector('#n').getAttribute('data-missing')", required_contents: { exact_match: 'None' } };
    assert.equal((await score([none], start)).score, 1);
    // WebArena-Lite's lambda: locators go through str.lstrip("lambda:"), which also eats a leading
    // "d" of "document": the expression fails, the check scores 0 and stops the rest.
    const eaten = { url: 'last', locator: 'lambda:document.title', required_contents: { exact_match: 't' } };
    const r = await score([eaten, first], start);
    assert.equal(r.score, 0);
    assert.match(r.reason, /selected nothing/);
    const fn = { url: 'last', locator: "lambda:() => document.querySelector('#n').outerText", required_contents: { exact_match: 'x' } };
    assert.equal((await score([fn], start)).score, 1);
    // WebArena's evaluator reads only exact_match and must_include; must_exclude raises there.
    const excl = await score([{ url: 'last', locator: '', required_contents: { must_exclude: ['zzz'] } }], start, { semantics: 'webarena' });
    assert.equal(excl.score, 0);
    assert.match(excl.error ?? '', /Unknown required_contents: must_exclude/);
  });

  test('fuzzy_match in required_contents goes to the judge (references joined by ", "), undecided without one', async () => {
    const check = { url: 'last', locator: "document.querySelector('#t').outerText", required_contents: { fuzzy_match: ['a cat', 'a mouse'] } };
    const start = '__GITLAB__/entities';
    const unjudged = await score([check], start);
    assert.equal(unjudged.score, 0);
    assert.equal(unjudged.undecided, 'unjudged');
    const asked: string[] = [];
    const judge: WebArenaJudge = { fuzzyMatch: async ({ reference, answer }) => (asked.push(`${reference}|${answer}`), true), unachievable: async () => false };
    assert.equal((await score([check], start, { judge })).score, 1);
    assert.deepEqual(asked, ['a cat, a mouse|Tom & Jerry']);
  });
});
