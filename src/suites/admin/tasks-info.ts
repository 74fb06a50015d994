// Information-seeking and navigation task templates of the admin site: look up an order's status
// or total, a customer's order count or city, a product's stock, figures of the sales report;
// open a filtered orders list or a customer's page. Each wrong ending looks up a nearby entity.

import { money } from '../framework/html.js';
import { createShopState, ORDER_STATUSES, type ShopData, type ShopOrder } from '../shop/data.js';
import type { TaskTemplate } from '../template.js';
import { entitySplit } from '../words.js';
import type { Observation } from '../../env/types.js';
import { act } from '../../tasks/expert.js';
import { all, answerExact, answerExcludes, answerIncludes, answerNumber, custom, urlMatch } from '../../tasks/checkers.js';
import { findElement } from '../../tasks/observation.js';
import { customerPool, monthLabel, monthRange, nearestDifferent, orderPool, productPool, salesReport, statusLabel } from './data.js';
import { fieldValue, filterOrders, lineAfter, openCustomer, openOrder, openProduct, type Steps } from './experts.js';

const ordersOf = (data: ShopData, customerId: number): ShopOrder[] => data.orders.filter((o) => o.customerId === customerId);

const orderStatus: TaskTemplate = {
  id: 'admin.order-status',
  site: 'admin',
  kind: 'info',
  description: 'Look up the current status of an order by its number',
  size: (world, entities) => orderPool(world.shop, entities).length,
  instantiate(ctx) {
    const pool = orderPool(ctx.world.shop, ctx.entities);
    const o = pool[ctx.index]!;
    const other = nearestDifferent(ctx.world.shop.orders, ctx.world.shop.orders.indexOf(o), (x) => x.status);
    function* solve(first: Observation, id: number): Steps<void> {
      const obs = yield* openOrder(first, id);
      const status = lineAfter(obs, 'Status:');
      yield act.answer(status, `The order page shows the status ${status}, so I report it.`);
    }
    return {
      intent: `What is the current status of order #${o.id}?`,
      startPath: '/',
      check: all(answerIncludes([o.status]), answerExcludes(ORDER_STATUSES.filter((s) => s !== o.status))),
      meta: { order: o.id, answer: statusLabel(o.status) },
      expert: (_t, first) => solve(first, o.id),
      wrongExpert: (_t, first) => solve(first, other.id),
    };
  },
};

const orderTotal: TaskTemplate = {
  id: 'admin.order-total',
  site: 'admin',
  kind: 'info',
  description: 'Look up the grand total of an order by its number',
  size: (world, entities) => orderPool(world.shop, entities).length,
  instantiate(ctx) {
    const o = orderPool(ctx.world.shop, ctx.entities)[ctx.index]!;
    const other = nearestDifferent(ctx.world.shop.orders, ctx.world.shop.orders.indexOf(o), (x) => x.totalCents);
    function* solve(first: Observation, id: number): Steps<void> {
      const obs = yield* openOrder(first, id);
      const total = lineAfter(obs, 'Order total:');
      yield act.answer(total, `The order total is ${total}.`);
    }
    return {
      intent: `What is the order total of order #${o.id}?`,
      startPath: '/',
      check: answerNumber(o.totalCents / 100, { tolerance: 0.005 }),
      meta: { order: o.id, answer: money(o.totalCents) },
      expert: (_t, first) => solve(first, o.id),
      wrongExpert: (_t, first) => solve(first, other.id),
    };
  },
};

const customerOrderCount: TaskTemplate = {
  id: 'admin.customer-order-count',
  site: 'admin',
  kind: 'info',
  description: 'Count the orders a named customer has placed',
  size: (world, entities) => customerPool(world.shop, entities).length,
  instantiate(ctx) {
    const data = ctx.world.shop;
    const c = customerPool(data, ctx.entities)[ctx.index]!;
    const other = nearestDifferent(data.customers, c.id - 1, (x) => ordersOf(data, x.id).length);
    function* solve(first: Observation, name: string): Steps<void> {
      const obs = yield* openCustomer(first, name);
      const n = lineAfter(obs, 'Orders placed:');
      yield act.answer(n, `The customer page says ${name} has placed ${n} orders.`);
    }
    return {
      intent: `How many orders has the customer ${c.name} placed in total?`,
      startPath: '/',
      check: answerNumber(ordersOf(data, c.id).length),
      meta: { customer: c.name, answer: ordersOf(data, c.id).length },
      expert: (_t, first) => solve(first, c.name),
      wrongExpert: (_t, first) => solve(first, other.name),
    };
  },
};

const customerCity: TaskTemplate = {
  id: 'admin.customer-city',
  site: 'admin',
  kind: 'info',
  description: 'Look up which city a named customer lives in',
  size: (world, entities) => customerPool(world.shop, entities).length,
  instantiate(ctx) {
    const data = ctx.world.shop;
    const c = customerPool(data, ctx.entities)[ctx.index]!;
    const other = nearestDifferent(data.customers, c.id - 1, (x) => x.city);
    function* solve(first: Observation, name: string): Steps<void> {
      const obs = yield* openCustomer(first, name);
      const city = lineAfter(obs, 'City:');
      yield act.answer(city, `The customer record lists ${city} as the city.`);
    }
    return {
      intent: `Which city is the customer ${c.name} from, according to the customer records?`,
      startPath: '/',
      check: answerExact(c.city),
      meta: { customer: c.name, answer: c.city },
      expert: (_t, first) => solve(first, c.name),
      wrongExpert: (_t, first) => solve(first, other.name),
    };
  },
};

const productStock: TaskTemplate = {
  id: 'admin.product-stock',
  site: 'admin',
  kind: 'info',
  description: 'Look up how many units of a product are in stock',
  size: (world, entities) => productPool(world.shop, entities).length,
  instantiate(ctx) {
    const data = ctx.world.shop;
    const p = productPool(data, ctx.entities)[ctx.index]!;
    const other = nearestDifferent(data.products, p.id - 1, (x) => x.stock);
    function* solve(first: Observation, name: string): Steps<void> {
      const obs = yield* openProduct(first, name);
      const stock = fieldValue(obs, 'Stock (units)');
      yield act.answer(stock, `The stock field of the ${name} shows ${stock} units.`);
    }
    return {
      intent: `How many units of the ${p.name} are in stock right now?`,
      startPath: '/',
      check: answerNumber(p.stock),
      meta: { product: p.name, answer: p.stock },
      expert: (_t, first) => solve(first, p.name),
      wrongExpert: (_t, first) => solve(first, other.name),
    };
  },
};

/** (month, metric) pairs of the monthly report, split by their wording. */
function monthFacts(entities: 'train' | 'test'): Array<{ month: number; metric: 'revenue' | 'orders' }> {
  const out: Array<{ month: number; metric: 'revenue' | 'orders' }> = [];
  for (let m = 1; m <= 12; m++) for (const metric of ['revenue', 'orders'] as const) if (entitySplit(`${monthLabel(m)} ${metric}`) === entities) out.push({ month: m, metric });
  return out;
}

const monthReport: TaskTemplate = {
  id: 'admin.month-report',
  site: 'admin',
  kind: 'info',
  description: "Read a month's revenue or order count from the sales report",
  size: (_world, entities) => monthFacts(entities).length,
  instantiate(ctx) {
    const { month, metric } = monthFacts(ctx.entities)[ctx.index]!;
    const report = salesReport(ctx.world.shop, createShopState(ctx.world.shop));
    const row = report.months[month - 1]!;
    const value = metric === 'revenue' ? row.revenueCents / 100 : row.orders;
    const wrongMonth = nearestDifferent(report.months, month - 1, (r) => (metric === 'revenue' ? r.revenueCents : r.orders)).month;
    function* solve(first: Observation, m: number): Steps<void> {
      const obs = yield act.click(first, { role: 'link', name: 'Reports' }, 'Monthly figures are in the sales report, so I open Reports.');
      const cells = lineAfter(obs, `${monthLabel(m)} |`).split(' | ');
      const v = metric === 'revenue' ? cells[1]! : cells[0]!;
      yield act.answer(v, `The ${monthLabel(m)} row of the report shows ${v}.`);
    }
    return {
      intent:
        metric === 'revenue'
          ? `According to the sales report, how much revenue did the shop make in ${monthLabel(month)}?`
          : `According to the sales report, how many orders (not counting canceled ones) were placed in ${monthLabel(month)}?`,
      startPath: '/',
      check: answerNumber(value, { tolerance: 0.005 }),
      meta: { month: monthLabel(month), metric, answer: value },
      expert: (_t, first) => solve(first, month),
      wrongExpert: (_t, first) => solve(first, wrongMonth),
    };
  },
};

const categoryRevenue: TaskTemplate = {
  id: 'admin.category-revenue',
  site: 'admin',
  kind: 'info',
  description: "Read a category's 2025 revenue from the sales report",
  size: (world, entities) => world.shop.categories.filter((c) => entitySplit(c.name) === entities).length,
  instantiate(ctx) {
    const data = ctx.world.shop;
    const cat = data.categories.filter((c) => entitySplit(c.name) === ctx.entities)[ctx.index]!;
    const report = salesReport(data, createShopState(data));
    const cents = report.categories.find((c) => c.slug === cat.slug)!.revenueCents;
    const wrong = nearestDifferent(report.categories, report.categories.findIndex((c) => c.slug === cat.slug), (c) => c.revenueCents);
    function* solve(first: Observation, name: string): Steps<void> {
      const obs = yield act.click(first, { role: 'link', name: 'Reports' }, 'Revenue by category is in the sales report, so I open Reports.');
      const v = lineAfter(obs, `${name} |`);
      yield act.answer(v, `The ${name} row of the category table shows ${v}.`);
    }
    return {
      intent: `How much revenue did the ${cat.name} category bring in during 2025, according to the sales report?`,
      startPath: '/',
      check: answerNumber(cents / 100, { tolerance: 0.005 }),
      meta: { category: cat.name, answer: money(cents) },
      expert: (_t, first) => solve(first, cat.name),
      wrongExpert: (_t, first) => solve(first, wrong.name),
    };
  },
};

/** (status, month) pairs for the filtered-list navigation, split by their wording. */
function statusMonths(entities: 'train' | 'test'): Array<{ status: (typeof ORDER_STATUSES)[number]; month: number }> {
  const out: Array<{ status: (typeof ORDER_STATUSES)[number]; month: number }> = [];
  for (let m = 1; m <= 12; m++) for (const status of ORDER_STATUSES) if (entitySplit(`${status} orders of ${monthLabel(m)}`) === entities) out.push({ status, month: m });
  return out;
}

const filteredOrders: TaskTemplate = {
  id: 'admin.filter-orders',
  site: 'admin',
  kind: 'navigation',
  description: 'Open the orders list filtered by a status and a month',
  size: (_world, entities) => statusMonths(entities).length,
  instantiate(ctx) {
    const { status, month } = statusMonths(ctx.entities)[ctx.index]!;
    const { from, to } = monthRange(month);
    const label = statusLabel(status);
    return {
      intent: `Show me the ${label.toLowerCase()} orders placed in ${monthLabel(month)}: open the orders list filtered to status ${label} and dates ${from} to ${to}.`,
      startPath: '/',
      check: custom(`the orders list is filtered to ${status} orders from ${from} to ${to}`, (c) => {
        // Any page of the filtered list counts; no other filter may be set.
        const u = new URL(c.url);
        if (`${u.origin}${u.pathname.replace(/\/$/, '')}` !== `${new URL(ctx.urls.admin).origin}/orders`) return `final page ${c.url} is not the orders list`;
        const q = u.searchParams;
        for (const [k, v] of [['status', status], ['from', from], ['to', to]] as const) if (q.get(k) !== v) return `filter ${k} is ${JSON.stringify(q.get(k))}, not ${JSON.stringify(v)}`;
        const extra = [...q.keys()].filter((k) => !['status', 'from', 'to', 'page'].includes(k));
        return extra.length === 0 || `the list is also filtered by ${extra.join(', ')}`;
      }),
      // WebArena has no "no other filter" rule: the export checks the three filters (GOLD in PRED).
      meta: { status, month: monthLabel(month), webarenaEval: { eval_types: ['url_match'], reference_url: `${ctx.urls.admin}/orders?status=${status}&from=${from}&to=${to}`, url_note: 'GOLD in PRED' } },
      *expert(_t, first) {
        yield* filterOrders(first, { status: label, from, to }, 'Status and dates are set, so I apply the filter.');
        yield act.answer('done', 'The orders list now shows only the requested orders.');
      },
      *wrongExpert(_t, first) {
        yield* filterOrders(first, { status: label, from }, 'I apply the filter with the status and the start date.');
        yield act.answer('done', 'I think the list shows the requested orders.');
      },
    };
  },
};

const openCustomerPage: TaskTemplate = {
  id: 'admin.open-customer',
  site: 'admin',
  kind: 'navigation',
  description: "Open a named customer's page",
  size: (world, entities) => customerPool(world.shop, entities).length,
  instantiate(ctx) {
    const data = ctx.world.shop;
    const c = customerPool(data, ctx.entities)[ctx.index]!;
    const other = nearestDifferent(data.customers, c.id - 1, (x) => x.id);
    function* solve(first: Observation, name: string): Steps<void> {
      const obs = yield* openCustomer(first, name);
      if (!findElement(obs, { role: 'link', name: 'Back to customers' })) throw new Error('expert: not on a customer page');
      yield act.answer('done', `This is the page of ${name}.`);
    }
    return {
      intent: `Open the customer page of ${c.name}.`,
      startPath: '/',
      check: urlMatch(`${ctx.urls.admin}/customers/${c.id}`, { ignoreQuery: true }),
      meta: { customer: c.name },
      expert: (_t, first) => solve(first, c.name),
      wrongExpert: (_t, first) => solve(first, other.name),
    };
  },
};

export const infoTemplates: TaskTemplate[] = [orderStatus, orderTotal, customerOrderCount, customerCity, productStock, monthReport, categoryRevenue, filteredOrders, openCustomerPage];
