// Tests of the admin site (the shop's back office): the standard battery (every template's expert
// scores 1 and its wrong ending 0 through a real browser), pages over HTTP, the report following
// edits, per-session state isolation of two concurrent episodes, and instance counts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebEnvironment } from '../../src/env/web-environment.js';
import { money } from '../../src/suites/framework/html.js';
import type { ShopState } from '../../src/suites/shop/data.js';
import { runExpert } from '../../src/tasks/expert.js';
import { siteBattery } from '../helpers/suite-battery.js';

const h = siteBattery('admin');

/** A tiny cookie-keeping HTTP client: one session of the suite server. */
function session(base: string): { get: (path: string) => Promise<Response>; post: (path: string, form: Record<string, string>) => Promise<Response> } {
  let cookie = '';
  const keep = (r: Response): Response => {
    const c = r.headers.get('set-cookie');
    if (c) cookie = c.split(';')[0]!;
    return r;
  };
  return {
    get: async (path) => keep(await fetch(base + path, { headers: { cookie, 'x-webagent-key': h.server.controlKey }, redirect: 'manual' })),
    post: async (path, form) => keep(await fetch(base + path, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString(), redirect: 'manual' })),
  };
}

describe('admin: pages and state', () => {
  test('pages render the seeded orders, products and customers', async () => {
    const base = h.server.urls.admin;
    const data = h.server.world.shop;
    const s = session(base);
    const order = data.orders[4]!;
    const customer = data.customers[order.customerId - 1]!;
    const home = await (await s.get('/')).text();
    assert.match(home, /Maple &#38; Clay Admin/);
    assert.match(home, /Recent orders/);
    const page = await (await s.get(`/orders/${order.id}`)).text();
    assert.ok(page.includes(`Order #${order.id}`) && page.includes(customer.name) && page.includes(money(order.totalCents)), 'order page');
    const product = data.products[7]!;
    const grid = await (await s.get(`/products?q=${encodeURIComponent(product.name)}`)).text();
    assert.ok(grid.includes(product.name) && grid.includes(product.sku), 'product search');
    const cust = await (await s.get(`/customers/${customer.id}`)).text();
    assert.ok(cust.includes(customer.email) && cust.includes(`#${order.id}`), 'customer page lists the order');
    const report = await (await s.get('/reports')).text();
    assert.ok(report.includes('January 2025') && report.includes('Kitchen'), 'report');
    assert.equal((await s.get('/orders/99999')).status, 404);
    const r = await s.get('/orders?q=&status=pending&from=&to=');
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/orders?status=pending');
  });

  test('edits show in the session state and the sales report, and invalid input is refused', async () => {
    const base = h.server.urls.admin;
    const data = h.server.world.shop;
    const s = session(base);
    const order = data.orders.find((o) => o.status === 'pending')!;
    const before = await (await s.get('/reports')).text();
    assert.equal((await s.post(`/orders/${order.id}`, { status: 'canceled', note: 'Customer asked' })).status, 303);
    const state = (await (await s.get('/__webagent/state')).json()) as ShopState;
    const cur = state.orders.find((o) => o.id === order.id)!;
    assert.equal(cur.status, 'canceled');
    assert.equal(cur.note, 'Customer asked');
    const after = await (await s.get('/reports')).text();
    assert.notEqual(before, after, 'the report follows the canceled order');
    assert.equal((await s.post('/products/3', { price: 'abc', stock: '4' })).headers.get('location')?.includes('error='), true);
    await s.post('/products/3', { price: '12.50', stock: '7' });
    const st2 = (await (await s.get('/__webagent/state')).json()) as ShopState;
    assert.deepEqual(st2.products['3'], { priceCents: 1250, stock: 7 });
    const other = session(base);
    const fresh = (await (await other.get('/__webagent/state')).json()) as ShopState;
    assert.equal(fresh.orders.find((o) => o.id === order.id)!.status, 'pending', 'a new session starts fresh');
  });

  test('two concurrent episodes of the same state task do not see each other', async () => {
    const task = h.suite.task('admin.ship-order/train/0');
    const orderId = task.meta.order as number;
    const envB = new WebEnvironment({ pool: h.pool });
    try {
      await envB.reset(task);
      const [a] = await Promise.all([runExpert(h.env, task), envB.step({ type: 'scroll', direction: 'down' })]);
      assert.equal(a.result.score, 1);
      const stateA = (await task.readState!(h.env.page)) as ShopState;
      const stateB = (await task.readState!(envB.page)) as ShopState;
      assert.equal(stateA.orders.find((o) => o.id === orderId)!.status, 'shipped');
      assert.notEqual(stateB.orders.find((o) => o.id === orderId)!.status, 'shipped');
    } finally {
      await envB.close();
    }
  });

  test('instance counts meet the minimums and ids rebuild the same task', () => {
    const count = (split: 'train' | 'test' | 'test-unseen'): number => h.suite.tasks({ split, sites: ['admin'] }).length;
    assert.ok(count('train') >= 450, `train ${count('train')}`);
    assert.ok(count('test') >= 70, `test ${count('test')}`);
    assert.ok(count('test-unseen') >= 2, `test-unseen ${count('test-unseen')}`);
    const a = h.suite.task('admin.stock-count/test/3');
    const b = h.suite.task('admin.stock-count/test/3');
    assert.equal(a.intent, b.intent);
  });
});
