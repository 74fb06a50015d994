// Tests for the demo shop: its pages over HTTP, and every demo task's expert run through a real WebEnvironment.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserPool } from '../src/env/browser-pool.js';
import { WebEnvironment } from '../src/env/web-environment.js';
import type { Action, Observation } from '../src/env/types.js';
import { demoTasks, generateProducts, readDemoState, searchProducts, startDemoSite, type DemoSite, type DemoTask } from '../src/testing/demo-site.js';

/** GET with an optional cookie; returns status, body and the session cookie the site set. */
async function get(url: string, cookie?: string): Promise<{ status: number; body: string; cookie: string | undefined }> {
  const res = await fetch(url, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  const set = res.headers.get('set-cookie');
  return { status: res.status, body: await res.text(), cookie: set ? set.split(';')[0] : undefined };
}

async function post(url: string, form: Record<string, string>, cookie: string): Promise<Response> {
  return fetch(url, { method: 'POST', body: new URLSearchParams(form), headers: { cookie }, redirect: 'manual' });
}

describe('demo site over HTTP', () => {
  let site: DemoSite;
  before(async () => {
    site = await startDemoSite({ seed: 7 });
  });
  after(async () => {
    await site.close();
  });

  test('listens on 127.0.0.1 and serves the home page with header, categories and 24 products', async () => {
    assert.match(site.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const home = await get(`${site.url}/`);
    assert.equal(home.status, 200);
    assert.match(home.cookie ?? '', /^sid=[0-9a-f]{32}$/);
    assert.match(home.body, /<label[^>]*for="q">Search<\/label>/);
    assert.match(home.body, />Cart \(0\)</);
    for (const c of ['Kitchen', 'Home Decor', 'Office', 'Garden', 'Catalog']) assert.ok(home.body.includes(`>${c}</a>`), c);
    assert.equal(site.products.length, 24);
    for (const p of site.products) assert.ok(home.body.includes(`>${p.name}</a>`), p.name);
  });

  test('search matches name words case-insensitively and says when nothing matches', async () => {
    const res = await get(`${site.url}/search?q=MUG`);
    const mugs = searchProducts(site.products, 'mug');
    assert.ok(mugs.length >= 1);
    for (const p of mugs) assert.ok(res.body.includes(`>${p.name}</a>`));
    const none = await get(`${site.url}/search?q=zeppelin`);
    assert.match(none.body, /No results/);
    assert.equal((await get(`${site.url}/product/no-such-thing`)).status, 404);
  });

  test('cart and checkout work per session cookie and /api/state reports them', async () => {
    const first = await get(`${site.url}/`);
    const cookie = first.cookie!;
    const p = site.products[3]!;
    const add = await post(`${site.url}/cart/add`, { slug: p.slug, color: p.colors[0]!, quantity: '3' }, cookie);
    assert.equal(add.status, 303);
    assert.equal(add.headers.get('location'), '/cart');
    const cart = await get(`${site.url}/cart`, cookie);
    assert.ok(cart.body.includes('Cart (3)'));
    assert.ok(cart.body.includes(`Total: $${((p.priceCents * 3) / 100).toFixed(2)}`));
    const bad = await post(`${site.url}/checkout`, { fullName: 'A', street: '', city: '' }, cookie);
    assert.equal(bad.status, 422);
    assert.match(await bad.text(), /Please fill in: Street, City/);
    const ok = await post(`${site.url}/checkout`, { fullName: 'A B', street: '1 Road', city: 'Town', giftWrap: 'on' }, cookie);
    assert.equal(ok.status, 303);
    const confirmation = await get(`${site.url}${ok.headers.get('location')!}`, cookie);
    assert.match(confirmation.body, /Order #\d+ placed/);
    const state = JSON.parse((await get(`${site.url}/api/state`, cookie)).body);
    assert.deepEqual(state.cart, []);
    assert.equal(state.orders.length, 1);
    assert.equal(state.orders[0].giftWrap, true);
    assert.equal(state.orders[0].totalCents, p.priceCents * 3 + 400);
    const other = JSON.parse((await get(`${site.url}/api/state`)).body);
    assert.deepEqual(other, { cart: [], orders: [] });
  });

  test('the same seed gives the same product names; another seed does not', async () => {
    await using again = await startDemoSite({ seed: 7 });
    const names = site.products.map((p) => p.name);
    assert.deepEqual(again.products.map((p) => p.name), names);
    assert.deepEqual(generateProducts(7).map((p) => p.name), names);
    assert.equal(new Set(names).size, names.length, 'names are unique');
    const a = await get(`${site.url}/catalog`);
    const b = await get(`${again.url}/catalog`);
    assert.equal(a.body, b.body);
    assert.notDeepEqual(generateProducts(8).map((p) => p.name), names);
  });

  test('latencyMs delays responses', async () => {
    await using slow = await startDemoSite({ latencyMs: 120 });
    const t0 = Date.now();
    await get(`${slow.url}/`);
    assert.ok(Date.now() - t0 >= 110);
  });

  test('rejects bad options', async () => {
    await assert.rejects(startDemoSite({ latencyMs: -1 }), /latencyMs/);
    await assert.rejects(startDemoSite({ port: 70000 }), /port/);
  });
});

const TASK_IDS = ['demo-price', 'demo-add-to-cart', 'demo-checkout', 'demo-catalog-count'];

describe('demo tasks in a real WebEnvironment', () => {
  let site: DemoSite;
  let pool: BrowserPool;
  let env: WebEnvironment;
  before(async () => {
    site = await startDemoSite({ seed: 7 });
    pool = new BrowserPool();
    env = new WebEnvironment({ pool });
  });
  after(async () => {
    try {
      await env?.close();
      await pool?.close();
    } finally {
      await site?.close();
    }
  });

  /** Steps whose action may submit a form (Enter in a text field, a click on a button). */
  const submits = (a: Action): boolean => (a.type === 'type' && a.pressEnter === true) || (a.type === 'click' && 'role' in a.target && a.target.role === 'button');

  async function runExpert(e: WebEnvironment, task: DemoTask): Promise<Observation> {
    let obs = await e.reset(task);
    assert.equal(obs.lastActionError, null);
    for (const [i, action] of task.expert.entries()) {
      const urlBefore = obs.url;
      const r = await e.step(action);
      obs = r.observation;
      assert.equal(obs.lastActionError, null, `${task.id} step ${i + 1} ${JSON.stringify(action)} failed on ${obs.url}:\n${obs.text}`);
      assert.equal(r.terminated, action.type === 'answer', `${task.id} step ${i + 1}: terminated`);
      assert.equal(r.truncated, false);
      if (submits(action)) {
        // Every submit in these experts changes the URL; step() must return the page after it.
        assert.notEqual(obs.url, urlBefore, `${task.id} step ${i + 1}: step() returned the page from before the form submission`);
      }
    }
    return obs;
  }

  test('there are four tasks with distinct ids, starting on the home page', () => {
    const tasks = demoTasks(site);
    assert.deepEqual(tasks.map((t) => t.id), TASK_IDS);
    for (const t of tasks) {
      assert.equal(t.startUrl, `${site.url}/`);
      assert.equal(t.expert.at(-1)?.type, 'answer');
    }
  });

  for (const id of TASK_IDS) {
    test(`expert solves ${id}`, async () => {
      const live = demoTasks(site).find((t) => t.id === id)!;
      const obs = await runExpert(env, live);
      const final = await readDemoState(site, env.page, env.episode.answer);
      assert.ok(live.check(final), `${live.id} check failed: ${JSON.stringify(final)}\n${obs.text}`);
      if (live.answer !== undefined) assert.equal(final.answer, live.answer);
      // A wrong answer or an untouched cart must not pass.
      assert.equal(live.check({ url: final.url, answer: 'I do not know', cart: [], orders: [] }), false);
    });
  }

  test('the page the checkout task ends on confirms the order', async () => {
    const task = demoTasks(site).find((t) => t.id === 'demo-checkout')!;
    await runExpert(env, { ...task, expert: task.expert.slice(0, -1) });
    // A harmless key press for a fresh observation (the last one may predate the navigation).
    const obs = (await env.step({ type: 'press', key: 'Shift' })).observation;
    assert.equal(obs.lastActionError, null);
    assert.match(obs.text, /^# Order #\d+ placed$/m);
    assert.match(obs.text, /Thank you, Ada Lovelace!/);
    assert.match(obs.url, /\/order\/\d+$/);
    assert.match(obs.title, /^Order #\d+ — Maple & Clay$/);
  });

  test('two episodes in separate contexts do not share cart state', async () => {
    const addTask = demoTasks(site).find((t) => t.id === 'demo-add-to-cart')!;
    await using other = new WebEnvironment({ pool });
    await runExpert(env, addTask);
    const first = await readDemoState(site, env.page);
    assert.equal(first.cart.length, 1);
    const home = await other.reset({ id: 'look', intent: 'look at the cart', startUrl: `${site.url}/` });
    assert.match(home.text, /link "Cart \(0\)"/);
    const second = await readDemoState(site, other.page);
    assert.deepEqual(second.cart, []);
    // The first episode (answered, context still open) keeps its own cart.
    const again = await env.step({ type: 'answer', text: 'done' }).catch(() => undefined);
    assert.equal(again, undefined, 'the first episode is already over');
    assert.equal((await readDemoState(site, env.page)).cart.length, 1);
    const cookiesA = await env.context.cookies(site.url);
    const cookiesB = await other.context.cookies(site.url);
    assert.notEqual(cookiesA.find((c) => c.name === 'sid')?.value, cookiesB.find((c) => c.name === 'sid')?.value);
  });

  test(
    'step() waits for the navigation of a submitted form (Chromium starts it in a later task)',
    async () => {
      const task = demoTasks(site).find((x) => x.id === 'demo-price')!;
      const stale: string[] = [];
      for (let k = 0; k < 10; k++) {
        await env.reset(task);
        const r = await env.step(task.expert[0]!);
        if (!r.observation.url.includes('/search?q=')) stale.push(`try ${k + 1}: observation of ${r.observation.url}`);
      }
      assert.deepEqual(stale, [], 'step() returned the page before the search was submitted');
    },
  );
});
