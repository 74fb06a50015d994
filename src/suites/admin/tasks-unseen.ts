// Held-out task templates of the admin site (test-unseen only): ship every processing order of a
// month, find the customer with the most orders in a month, and find a customer's most expensive
// order. They combine the filters, lists and forms the seen templates use in new ways.

import type { Observation } from '../../env/types.js';
import { answerIncludes, answerNumber, numbersIn, stateMatch } from '../../tasks/checkers.js';
import { act } from '../../tasks/expert.js';
import type { ShopData, ShopState } from '../shop/data.js';
import type { TaskTemplate } from '../template.js';
import { customerPool, monthLabel, monthOf, monthRange } from './data.js';
import { allOrderRows, filterOrders, openCustomer, openOrder, type OrderRow, type Steps } from './experts.js';
import { ordersUnchanged, productsUnchanged } from './tasks-state.js';

/** Months with one to five processing orders, and those orders. */
function processingMonths(data: ShopData): Array<{ month: number; ids: number[] }> {
  const out: Array<{ month: number; ids: number[] }> = [];
  for (let m = 1; m <= 12; m++) {
    const ids = data.orders.filter((o) => monthOf(o.date) === m && o.status === 'processing').map((o) => o.id);
    if (ids.length >= 1 && ids.length <= 5) out.push({ month: m, ids });
  }
  return out;
}

const shipMonth: TaskTemplate = {
  id: 'admin.ship-month',
  site: 'admin',
  kind: 'state',
  unseen: true,
  description: 'Mark every processing order of a month as shipped',
  size: (world) => processingMonths(world.shop).length,
  instantiate(ctx) {
    const data = ctx.world.shop;
    const { month, ids } = processingMonths(data)[ctx.index]!;
    const { from, to } = monthRange(month);
    function* solve(first: Observation, saveLast: boolean): Steps<void> {
      let obs = yield* filterOrders(first, { status: 'Processing', from, to }, `I list the processing orders of ${monthLabel(month)}.`);
      const found = yield* allOrderRows(obs, 'processing orders');
      obs = found.obs;
      for (const [i, r] of found.rows.entries()) {
        obs = yield* openOrder(obs, r.id);
        obs = yield act.select(obs, { role: 'combobox', name: 'Order status' }, 'Shipped', `I mark order #${r.id} as shipped.`);
        if (saveLast || i < found.rows.length - 1) obs = yield act.click(obs, { role: 'button', name: 'Save order' }, 'I save the order.');
      }
      yield act.answer('done', `Every processing order of ${monthLabel(month)} is shipped.`);
    }
    return {
      intent: `Every order that was still processing from ${monthLabel(month)} went out today. Mark all processing orders placed in ${monthLabel(month)} as shipped.`,
      startPath: '/',
      check: stateMatch<ShopState>(`the processing orders of ${monthLabel(month)} are shipped and nothing else changed`, (s) => {
        for (const id of ids) {
          const cur = s.orders.find((o) => o.id === id);
          if (cur?.status !== 'shipped') return `order #${id} is ${cur?.status ?? 'missing'}, not shipped`;
        }
        const rest = ordersUnchanged(data, s, new Set(ids));
        return rest === true ? productsUnchanged(data, s, new Set()) : rest;
      }),
      meta: { month: monthLabel(month), orders: ids },
      maxTurns: 40,
      expert: (_t, first) => solve(first, true),
      wrongExpert: (_t, first) => solve(first, false),
    };
  },
};

/** Customers ranked by number of orders in `rows` (most first; ties by name). */
function ranking(rows: readonly OrderRow[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.customer, (counts.get(r.customer) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Months whose top customer (by number of orders placed, any status) is unique. */
function topCustomerMonths(data: ShopData): Array<{ month: number; name: string }> {
  const out: Array<{ month: number; name: string }> = [];
  for (let m = 1; m <= 12; m++) {
    const counts = new Map<number, number>();
    for (const o of data.orders) if (monthOf(o.date) === m) counts.set(o.customerId, (counts.get(o.customerId) ?? 0) + 1);
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    if (top.length >= 2 && top[0]![1] > top[1]![1]) out.push({ month: m, name: data.customers[top[0]![0] - 1]!.name });
  }
  return out;
}

const topCustomer: TaskTemplate = {
  id: 'admin.top-customer-month',
  site: 'admin',
  kind: 'info',
  unseen: true,
  description: 'Find which customer placed the most orders in a month',
  size: (world) => topCustomerMonths(world.shop).length,
  instantiate(ctx) {
    const { month, name } = topCustomerMonths(ctx.world.shop)[ctx.index]!;
    const { from, to } = monthRange(month);
    function* solve(first: Observation, place: number): Steps<void> {
      const obs = yield* filterOrders(first, { from, to }, `I list every order placed in ${monthLabel(month)}.`);
      const { rows } = yield* allOrderRows(obs, `${monthLabel(month)} orders`);
      const [who, n] = ranking(rows)[place]!;
      yield act.answer(who, `Counting the customer column, ${who} placed ${n} orders that month, more than anyone else.`);
    }
    return {
      intent: `Which customer placed the most orders in ${monthLabel(month)}?`,
      startPath: '/',
      check: answerIncludes([name]),
      meta: { month: monthLabel(month), answer: name },
      expert: (_t, first) => solve(first, 0),
      wrongExpert: (_t, first) => solve(first, 1),
    };
  },
};

/** Customers of the test split with two or more orders and one most expensive order. */
function biggestOrders(data: ShopData): Array<{ name: string; id: number }> {
  const out: Array<{ name: string; id: number }> = [];
  for (const c of customerPool(data, 'test')) {
    const os = data.orders.filter((o) => o.customerId === c.id).sort((a, b) => b.totalCents - a.totalCents);
    if (os.length >= 2 && os[0]!.totalCents > os[1]!.totalCents) out.push({ name: c.name, id: os[0]!.id });
  }
  return out;
}

const biggestOrder: TaskTemplate = {
  id: 'admin.biggest-order',
  site: 'admin',
  kind: 'info',
  unseen: true,
  description: "Find the order number of a customer's most expensive order",
  size: (world) => biggestOrders(world.shop).length,
  instantiate(ctx) {
    const { name, id } = biggestOrders(ctx.world.shop)[ctx.index]!;
    function* solve(first: Observation, place: number): Steps<void> {
      const obs = yield* openCustomer(first, name);
      const { rows } = yield* allOrderRows(obs, `${name}'s orders`);
      const sorted = [...rows].sort((a, b) => numbersIn(b.total)[0]! - numbersIn(a.total)[0]!);
      const r = sorted[place]!;
      yield act.answer(`#${r.id}`, `Order #${r.id} has the highest total of ${name}'s orders (${r.total}).`);
    }
    return {
      intent: `What is the order number of ${name}'s most expensive order?`,
      startPath: '/',
      check: answerNumber(id),
      meta: { customer: name, answer: id },
      expert: (_t, first) => solve(first, 0),
      wrongExpert: (_t, first) => solve(first, 1),
    };
  },
};

export const unseenTemplates: TaskTemplate[] = [shipMonth, topCustomer, biggestOrder];
