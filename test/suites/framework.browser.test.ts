// Tests for the suite framework: per-session state over real HTTP, setup and metrics endpoints,
// the suite server in its own process, BundledSuite ids, and checkers/experts on a real page.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { BrowserPool } from '../../src/env/browser-pool.js';
import { WebEnvironment } from '../../src/env/web-environment.js';
import { serveSites, SessionStore } from '../../src/suites/framework/serve.js';
import type { SiteDefinition } from '../../src/suites/framework/site.js';
import { startSuiteServer, type SuiteServer } from '../../src/suites/server.js';
import { BundledSuite } from '../../src/suites/suite.js';
import { createWorld } from '../../src/suites/world.js';
import { OptionsError, TaskError } from '../../src/errors.js';
import { all, answerExact, pageContent, stateMatch, urlMatch } from '../../src/tasks/checkers.js';
import { act, runExpert, scoreEpisode } from '../../src/tasks/expert.js';
import type { WebTask } from '../../src/tasks/types.js';

interface Counter {
  count: number;
  log: string[];
}

/** A tiny site: a counter per session, a form that adds to it, a setup that presets it. */
const counterSite: SiteDefinition<{ start: number }, Counter> = {
  name: 'counter',
  createState: (world) => ({ count: world.start, log: [] }),
  setup: (state, _world, args) => {
    state.count = Number(args.count);
  },
  routes: [
    { method: 'GET', path: '/', handle: (c) => ({ html: `<!doctype html><title>Counter</title><h1>Count: ${c.state.count}</h1><form method="post" action="/add"><label for="n">Amount</label><input id="n" name="n"><button>Add</button></form>` }) },
    {
      method: 'POST',
      path: '/add',
      handle: (c) => {
        const n = Number(c.form.get('n'));
        c.state.count += n;
        c.state.log.push(`add ${n}`);
        return { redirect: '/done/' + encodeURIComponent(String(n)) };
      },
    },
    { method: 'GET', path: '/done/:n', handle: (c) => ({ html: `<!doctype html><title>Done</title><p>Added ${c.params.n}.</p><a href="/">Back</a>` }) },
  ],
};

const cookieOf = (res: Response): string => res.headers.get('set-cookie')!.split(';')[0]!;

describe('serveSites: sessions over HTTP', () => {
  let served: Awaited<ReturnType<typeof serveSites>>;
  let url: string;
  before(async () => {
    served = await serveSites({ world: { start: 5 }, sites: [counterSite as unknown as SiteDefinition<{ start: number }, never>] });
    url = served.urls.counter!;
  });
  after(() => served.close());
  const key = (): Record<string, string> => ({ 'x-webagent-key': served.controlKey });

  test('internal endpoints answer only with the control key (header or ?key=); health needs none', async () => {
    // The agent's browser can reach every URL of the task's origin: without the key it learns nothing.
    for (const [path, init] of [['/__webagent/state', {}], ['/__webagent/metrics', {}], ['/__webagent/setup', { method: 'POST', body: '{"count":1}' }]] as const) {
      const r = await fetch(`${url}${path}`, init);
      assert.equal(r.status, 403, path);
      assert.match(await r.text(), /needs the suite server's control key/);
      assert.equal((await fetch(`${url}${path}`, { ...init, headers: { 'x-webagent-key': 'x'.repeat(32) } })).status, 403, `${path} with a wrong key`);
    }
    assert.equal((await fetch(`${url}/__webagent/state?key=${encodeURIComponent(served.controlKey)}`)).status, 200);
    assert.equal((await fetch(`${url}/__webagent/health`)).status, 200);
    assert.ok(served.controlKey.length >= 32);
  });

  test('each client without a cookie gets its own fresh state; changes stay in their session', async () => {
    const a = await fetch(`${url}/`);
    const b = await fetch(`${url}/`);
    const ca = cookieOf(a);
    const cb = cookieOf(b);
    assert.notEqual(ca, cb);
    assert.match(await a.text(), /Count: 5/);
    const post = await fetch(`${url}/add`, { method: 'POST', body: new URLSearchParams({ n: '3' }), headers: { cookie: ca }, redirect: 'manual' });
    assert.equal(post.status, 303);
    assert.equal(post.headers.get('location'), '/done/3');
    assert.deepEqual(await (await fetch(`${url}/__webagent/state`, { headers: { cookie: ca, ...key() } })).json(), { count: 8, log: ['add 3'] });
    assert.deepEqual(await (await fetch(`${url}/__webagent/state`, { headers: { cookie: cb, ...key() } })).json(), { count: 5, log: [] });
  });

  test('setup presets a session; a non-JSON setup body is a 400 that names the problem', async () => {
    const first = await fetch(`${url}/__webagent/state`, { headers: key() });
    const c = cookieOf(first);
    assert.equal((await fetch(`${url}/__webagent/setup`, { method: 'POST', body: JSON.stringify({ count: 40 }), headers: { cookie: c, ...key() } })).status, 200);
    assert.match(await (await fetch(`${url}/`, { headers: { cookie: c } })).text(), /Count: 40/);
    const bad = await fetch(`${url}/__webagent/setup`, { method: 'POST', body: '{oops', headers: { cookie: c, ...key() } });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /not JSON/);
    const notObject = await fetch(`${url}/__webagent/setup`, { method: 'POST', body: '[1]', headers: { cookie: c, ...key() } });
    assert.equal(notObject.status, 400);
    assert.match(await notObject.text(), /must be a JSON object/);
  });

  test('metrics record handler time per route and state creations, and never open a session', async () => {
    const before = (await (await fetch(`${url}/__webagent/metrics`, { headers: key() })).json()) as { sessions: number };
    const m = (await (await fetch(`${url}/__webagent/metrics?clear=1`, { headers: key() })).json()) as { routes: Record<string, number[]>; resets: number[]; sessions: number };
    assert.equal(m.sessions, before.sessions);
    assert.ok(m.routes['GET /']!.length >= 2);
    assert.ok(m.routes['POST /add']!.length >= 1);
    assert.ok(m.resets.length >= 3);
    const cleared = (await (await fetch(`${url}/__webagent/metrics`, { headers: key() })).json()) as { routes: Record<string, number[]> };
    assert.deepEqual(cleared.routes, {});
  });

  test('unknown paths are 404 pages', async () => {
    const r = await fetch(`${url}/nope`);
    assert.equal(r.status, 404);
    assert.match(await r.text(), /Page not found/);
  });

  test('SessionStore evicts the least recently used session past its cap', () => {
    const store = new SessionStore();
    const first = store.create();
    for (let i = 0; i < 4_100; i++) store.create();
    assert.equal(store.get(first.sid), undefined);
    assert.ok(store.size <= 4_000);
  });
});

describe('checkers and experts on a real page', () => {
  let served: Awaited<ReturnType<typeof serveSites>>;
  let pool: BrowserPool;
  let env: WebEnvironment;
  let task: WebTask;
  before(async () => {
    served = await serveSites({ world: { start: 0 }, sites: [counterSite as unknown as SiteDefinition<{ start: number }, never>] });
    const headers = { 'x-webagent-key': served.controlKey };
    pool = new BrowserPool();
    env = new WebEnvironment({ pool });
    const url = served.urls.counter!;
    task = {
      id: 'counter.add-seven',
      site: 'counter',
      intent: 'Add 7 to the counter',
      startUrl: `${url}/`,
      async setup({ page }) {
        await page.request.post(`${url}/__webagent/setup`, { data: { count: 2 }, headers });
      },
      readState: async (page) => (await page.request.get(`${url}/__webagent/state`, { headers })).json() as Promise<unknown>,
      check: all(stateMatch<Counter>('count is 9', (s) => s.count === 9 || `count is ${s.count}`), urlMatch(`${url}/done/7`), pageContent({ selector: 'p', includes: ['Added 7'] }), answerExact('done')),
      *expert(_t, first) {
        let obs = yield act.type(first, { role: 'textbox', name: 'Amount' }, '7', 'I enter the amount to add.');
        obs = yield act.click(obs, { role: 'button', name: 'Add' }, 'I submit the form.');
        yield act.answer('done', `The page says "${obs.text.includes('Added 7') ? 'Added 7' : '?'}", so the task is done.`);
      },
      *wrongExpert(_t, first) {
        const obs = yield act.type(first, { role: 'textbox', name: 'Amount' }, '7', 'I enter the amount to add.');
        yield act.answer('done', `I stop without submitting (${obs.url}).`);
      },
      meta: {},
    };
  });
  after(async () => {
    await env.close();
    await pool.close();
    await served.close();
  });

  test('the task setup presets the state, the expert scores 1 through Chromium', async () => {
    const d = await runExpert(env, task);
    assert.equal(d.result.score, 1, d.result.reason);
    assert.equal(d.turns.length, 3);
    assert.equal(d.turns[0]!.observation.text.includes('Count: 2'), true);
    assert.equal(d.answer, 'done');
  });

  test('the wrong ending (typed, never submitted) scores 0 with the reason', async () => {
    const d = await runExpert(env, task, { wrong: true });
    assert.equal(d.result.score, 0);
    assert.match(d.result.reason, /count is 2/);
  });

  test('a page-content checker whose selector matches nothing, or whose JS throws, scores 0 with the error', async () => {
    await env.reset(task);
    const page = env.page;
    const none = await scoreEpisode({ ...task, check: pageContent({ selector: '#missing', includes: ['x'] }) }, { answer: null, url: page.url(), page });
    assert.equal(none.score, 0);
    const threw = await scoreEpisode({ ...task, check: pageContent({ js: 'document.querySelector("#missing").textContent', includes: ['x'] }) }, { answer: null, url: page.url(), page });
    assert.equal(threw.score, 0);
    assert.match(threw.reason, /checker threw/);
    const noState = await scoreEpisode({ ...task, readState: undefined, check: stateMatch('x', () => true) }, { answer: null, url: page.url(), page });
    assert.match(noState.reason, /has no readState/);
  });
});

describe('startSuiteServer and BundledSuite', () => {
  let server: SuiteServer;
  before(async () => {
    server = await startSuiteServer({ seed: 3 });
  });
  after(() => server.close());

  test('serves the five sites from another process on 127.0.0.1', async () => {
    assert.notEqual(server.pid, process.pid);
    for (const site of ['shop', 'admin', 'forum', 'code', 'map'] as const) {
      assert.match(server.urls[site], /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await fetch(`${server.urls[site]}/`)).status, 200, site);
    }
  });

  test('the admin shares the shop session state (one cookie spans the sites)', async () => {
    const c = cookieOf(await fetch(`${server.urls.shop}/__webagent/state`));
    await fetch(`${server.urls.shop}/__webagent/setup`, { method: 'POST', body: JSON.stringify({ cart: [{ productId: 1, quantity: 2 }] }), headers: { cookie: c } });
    const shop = (await (await fetch(`${server.urls.shop}/__webagent/state`, { headers: { cookie: c } })).json()) as object;
    const admin = (await (await fetch(`${server.urls.admin}/__webagent/state`, { headers: { cookie: c } })).json()) as object;
    assert.deepEqual(admin, shop);
  });

  test('the same seed gives the same world; options are validated', async () => {
    assert.deepEqual(createWorld(3).shop.products.map((p) => p.name), server.world.shop.products.map((p) => p.name));
    assert.notDeepEqual(createWorld(4).shop.products.map((p) => p.name), server.world.shop.products.map((p) => p.name));
    await assert.rejects(startSuiteServer({ seed: 1.5 }), OptionsError);
    await assert.rejects(startSuiteServer({ ports: { nope: 1 } as never }), /startSuiteServer: unknown option ports\.nope; the options of ports are shop, admin, forum, code, map/);
  });

  test('every task is rebuilt identically from its id; bad ids are typed errors', () => {
    const suite = new BundledSuite(server);
    for (const split of ['train', 'test', 'test-unseen'] as const) {
      for (const t of suite.tasks({ split, perTemplate: 3 })) {
        const again = suite.task(t.id);
        assert.deepEqual([again.intent, again.startUrl, again.meta], [t.intent, t.startUrl, t.meta]);
      }
    }
    assert.throws(() => suite.task('shop-price'), TaskError);
    assert.throws(() => suite.task('shop.nope/train/0'), /no template/);
    assert.throws(() => suite.tasks({ split: 'dev' as never }), /unknown split/);
  });

  test('closing stops the server process', async () => {
    const s = await startSuiteServer({ seed: 3 });
    const url = s.urls.map;
    await s.close();
    await assert.rejects(fetch(`${url}/`));
    await s.close();
  });
});

describe('examples/custom-suite.ts', () => {
  test('defines a suite on its own site and its experts score 1, the wrong one 0', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/custom-suite.ts'], { timeout: 120_000 });
    const rows = stdout.split('\n').filter((l) => /^\| library\./.test(l)).map((l) => l.split('|').map((c) => c.trim()));
    assert.deepEqual(
      rows.map((r) => [r[1], r[2], r[3]]),
      [
        ['library.author', 'expert', '1'],
        ['library.borrow', 'expert', '1'],
        ['library.borrow', 'wrong', '0'],
        ['library.open-loans', 'expert', '1'],
      ],
    );
  });
});
