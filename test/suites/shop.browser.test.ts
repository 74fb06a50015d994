// Tests of the bundled shop site: the acceptance battery (every template's expert scores 1 and
// its wrong ending 0 through a real browser), pages over plain HTTP, setup and per-session
// state (two concurrent episodes of one state task stay apart), and instance counts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebEnvironment } from '../../src/env/web-environment.js';
import { esc, money } from '../../src/suites/framework/html.js';
import type { ShopState } from '../../src/suites/shop/data.js';
import { runExpert } from '../../src/tasks/expert.js';
import { siteBattery } from '../helpers/suite-battery.js';

const h = siteBattery('shop');

/** GET/POST with a cookie jar of one (the suite's session cookie). */
async function session(base: string): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  let cookie = '';
  return async (path, init = {}) => {
    const res = await fetch(base + path, { ...init, redirect: 'manual', headers: { 'x-webagent-key': h.server.controlKey, ...(init.headers as Record<string, string> | undefined), ...(cookie ? { cookie } : {}) } });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    return res;
  };
}

describe('shop: pages, setup and sessions', () => {
  test('pages over HTTP show the seeded catalogue, the price from the state and the orders', async () => {
    const base = h.server.urls.shop;
    const data = h.server.world.shop;
    const get = await session(base);
    const home = await (await get('/')).text();
    assert.ok(home.includes(esc(data.name)));
    for (const c of data.categories) assert.ok(home.includes(`/category/${c.slug}`), c.name);
    const p = data.products[0]!;
    const page = await (await get(`/product/${p.slug}`)).text();
    assert.ok(page.includes(p.name) && page.includes(`Price: ${money(p.priceCents)}`));
    const search = await (await get(`/search?q=${encodeURIComponent(p.name)}`)).text();
    assert.ok(search.includes(`/product/${p.slug}`));
    const cat = await (await get(`/category/${p.category}?sort=price-asc&page=2`)).text();
    assert.ok(cat.includes('Page 2 of'));
    const orders = await (await get('/orders')).text();
    assert.ok(orders.includes('My orders') && orders.includes('Order #'));
    assert.equal((await get('/product/no-such-thing')).status, 404);
  });

  test('setup fills the cart of that session only; checkout makes a pending order and empties the cart', async () => {
    const base = h.server.urls.shop;
    const data = h.server.world.shop;
    const a = await session(base);
    const b = await session(base);
    await a('/');
    await b('/');
    const p = data.products.find((x) => x.stock >= 2)!;
    const res = await a('/__webagent/setup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cart: [{ productId: p.id, quantity: 2 }] }) });
    assert.equal(res.status, 200);
    assert.ok((await (await a('/cart')).text()).includes(p.name));
    assert.equal(((await (await b('/__webagent/state')).json()) as ShopState).cart.length, 0);
    const form = new URLSearchParams({ fullName: 'Ada Lovelace', street: '1 Cedar Lane', city: 'Oslo', zip: '12345', note: 'Ring twice' });
    const placed = await a('/checkout', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    assert.equal(placed.status, 303);
    const state = (await (await a('/__webagent/state')).json()) as ShopState;
    const order = state.orders.at(-1)!;
    assert.deepEqual([order.status, order.customerId, order.lines[0]!.productId, order.note, state.cart.length], ['pending', data.shopperId, p.id, 'Ring twice', 0]);
    assert.equal(state.products[p.id]!.stock, p.stock - 2);
    assert.ok((await (await a(placed.headers.get('location')!)).text()).includes(`Your order number is #${order.id}`));
  });

  test('two concurrent episodes of one state task do not see each other', async () => {
    const task = h.suite.tasks({ split: 'train', templates: ['shop.add-to-cart'], perTemplate: 1 })[0]!;
    const other = new WebEnvironment({ pool: h.pool });
    try {
      const [demo] = await Promise.all([runExpert(h.env, task), other.reset(task)]);
      assert.equal(demo.result.score, 1, demo.result.reason);
      const mine = (await task.readState!(h.env.page)) as ShopState;
      const theirs = (await task.readState!(other.page)) as ShopState;
      assert.equal(mine.cart.length, 1);
      assert.equal(theirs.cart.length, 0);
    } finally {
      await other.close();
    }
  });

  test('instance counts meet the minimums', () => {
    const train = h.suite.tasks({ split: 'train', sites: ['shop'] });
    const testSplit = h.suite.tasks({ split: 'test', sites: ['shop'] });
    const unseen = h.suite.tasks({ split: 'test-unseen', sites: ['shop'] });
    assert.ok(train.length >= 450, `train ${train.length}`);
    assert.ok(testSplit.length >= 70, `test ${testSplit.length}`);
    assert.ok(unseen.length >= 2, `test-unseen ${unseen.length}`);
    assert.equal(new Set(train.map((t) => t.intent)).size, train.length, 'train intents are distinct');
  });
});
