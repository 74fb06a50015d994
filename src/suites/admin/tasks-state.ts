// State-changing task templates of the admin site: ship an order, cancel a customer's pending
// orders, add an admin comment, set a product's price, receive stock, and a multi-product stock
// count. Checkers read the shop session state and also verify nothing else was changed.

import type { Observation } from '../../env/types.js';
import { stateMatch } from '../../tasks/checkers.js';
import { act } from '../../tasks/expert.js';
import type { Checker } from '../../tasks/types.js';
import { money } from '../framework/html.js';
import type { ShopData, ShopState } from '../shop/data.js';
import type { TaskTemplate } from '../template.js';
import { customerPool, orderPool, productPool } from './data.js';
import { allOrderRows, fieldValue, filterOrders, openOrder, openProduct, type Steps } from './experts.js';

/** True, or what differs: every historic order other than `except` keeps its status and note. */
export function ordersUnchanged(data: ShopData, s: ShopState, except: ReadonlySet<number>): true | string {
  for (const o of data.orders) {
    const cur = s.orders.find((x) => x.id === o.id);
    if (!cur) return `order #${o.id} is missing`;
    if (!except.has(o.id) && (cur.status !== o.status || cur.note !== o.note)) return `order #${o.id} was changed too (status ${cur.status}, was ${o.status})`;
  }
  return true;
}

/** True, or what differs: every product other than `except` keeps its price and stock. */
export function productsUnchanged(data: ShopData, s: ShopState, except: ReadonlySet<number>): true | string {
  for (const p of data.products) {
    const cur = s.products[p.id];
    if (!cur) return `product ${p.name} is missing`;
    if (!except.has(p.id) && (cur.priceCents !== p.priceCents || cur.stock !== p.stock)) return `${p.name} was changed too`;
  }
  return true;
}

const orderOf = (s: ShopState, id: number): ShopState['orders'][number] | undefined => s.orders.find((o) => o.id === id);

function checkOrders(description: string, data: ShopData, ids: readonly number[], want: (o: ShopState['orders'][number], initial: ShopData['orders'][number]) => true | string): Checker {
  return stateMatch<ShopState>(description, (s) => {
    for (const id of ids) {
      const cur = orderOf(s, id);
      const initial = data.orders.find((o) => o.id === id)!;
      if (!cur) return `order #${id} is missing`;
      const v = want(cur, initial);
      if (v !== true) return v;
    }
    const rest = ordersUnchanged(data, s, new Set(ids));
    if (rest !== true) return rest;
    return productsUnchanged(data, s, new Set());
  });
}

function* setOrderStatus(obs: Observation, id: number, label: string, save: boolean): Steps {
  obs = yield* openOrder(obs, id);
  obs = yield act.select(obs, { role: 'combobox', name: 'Order status' }, label, `I set the status of order #${id} to ${label}.`);
  if (save) return yield act.click(obs, { role: 'button', name: 'Save order' }, 'I save the order so the change takes effect.');
  return yield act.click(obs, { role: 'link', name: 'Back to orders' }, 'I go back to the orders list.');
}

const shipOrder: TaskTemplate = {
  id: 'admin.ship-order',
  site: 'admin',
  kind: 'state',
  description: 'Change a pending or processing order to Shipped',
  size: (world, entities) => orderPool(world.shop, entities).filter((o) => o.status === 'pending' || o.status === 'processing').length,
  instantiate(ctx) {
    const data = ctx.world.shop;
    const o = orderPool(data, ctx.entities).filter((x) => x.status === 'pending' || x.status === 'processing')[ctx.index]!;
    return {
      intent: `Order #${o.id} has left the warehouse. Change its status to Shipped.`,
      startPath: '/',
      check: checkOrders(`order #${o.id} is shipped and nothing else changed`, data, [o.id], (cur) => cur.status === 'shipped' || `order #${o.id} is ${cur.status}, not shipped`),
      meta: { order: o.id, from: o.status },
      *expert(_t, first) {
        yield* setOrderStatus(first, o.id, 'Shipped', true);
        yield act.answer('done', `Order #${o.id} is now marked as shipped.`);
      },
      *wrongExpert(_t, first) {
        yield* setOrderStatus(first, o.id, 'Delivered', true);
        yield act.answer('done', `Order #${o.id} is updated.`);
      },
    };
  },
};

/** Customers of a split with one to three pending orders, and those orders. */
function pendingCustomers(data: ShopData, entities: 'train' | 'test'): Array<{ name: string; ids: number[] }> {
  const out: Array<{ name: string; ids: number[] }> = [];
  for (const c of customerPool(data, entities)) {
    const ids = data.orders.filter((o) => o.customerId === c.id && o.status === 'pending').map((o) => o.id);
    if (ids.length >= 1 && ids.length <= 3) out.push({ name: c.name, ids });
  }
  return out;
}

const cancelPending: TaskTemplate = {
  id: 'admin.cancel-pending',
  site: 'admin',
  kind: 'state',
  description: "Cancel every pending order of a named customer",
  size: (world, entities) => pendingCustomers(world.shop, entities).length,
  instantiate(ctx) {
    const data = ctx.world.shop;
    const { name, ids } = pendingCustomers(data, ctx.entities)[ctx.index]!;
    function* solve(first: Observation, saveLast: boolean): Steps<void> {
      let obs = yield* filterOrders(first, { q: name, status: 'Pending' }, `I list only the pending orders of ${name}.`);
      const found = yield* allOrderRows(obs, `${name}'s pending orders`);
      obs = found.obs;
      const todo = found.rows.map((r) => r.id);
      for (const [i, id] of todo.entries()) obs = yield* setOrderStatus(obs, id, 'Canceled', saveLast || i < todo.length - 1);
      yield act.answer('done', `All pending orders of ${name} are canceled.`);
    }
    return {
      intent: `${name} asked us to cancel everything that has not been processed yet. Cancel all of ${name}'s pending orders.`,
      startPath: '/',
      check: checkOrders(`the pending orders of ${name} are canceled and nothing else changed`, data, ids, (cur) => cur.status === 'canceled' || `order #${cur.id} is ${cur.status}, not canceled`),
      meta: { customer: name, orders: ids },
      maxTurns: 30,
      expert: (_t, first) => solve(first, true),
      wrongExpert: (_t, first) => solve(first, false),
    };
  },
};

const NOTES = [
  'Customer called: leave the parcel with a neighbour',
  'Gift order: do not include the invoice',
  'Address confirmed by phone',
  'Customer asked for delivery after 5 pm',
  'Shipping refund approved by support',
  'Fragile items: pack them in a double box',
] as const;

const orderNote: TaskTemplate = {
  id: 'admin.order-note',
  site: 'admin',
  kind: 'state',
  description: 'Add an admin comment to an order',
  size: (world, entities) => orderPool(world.shop, entities).length,
  instantiate(ctx) {
    const data = ctx.world.shop;
    const o = orderPool(data, ctx.entities)[ctx.index]!;
    const note = ctx.rng.pick(NOTES);
    function* solve(first: Observation, save: boolean): Steps<void> {
      let obs = yield* openOrder(first, o.id);
      obs = yield act.type(obs, { role: 'textbox', name: 'Admin comment' }, note, 'I write the comment into the Admin comment field.');
      if (save) yield act.click(obs, { role: 'button', name: 'Save order' }, 'I save the order to store the comment.');
      else yield act.click(obs, { role: 'link', name: 'Back to orders' }, 'I return to the orders list.');
      yield act.answer('done', `The comment is on order #${o.id}.`);
    }
    return {
      intent: `Add the admin comment "${note}" to order #${o.id}.`,
      startPath: '/',
      check: checkOrders(`order #${o.id} has the comment and nothing else changed`, data, [o.id], (cur, initial) =>
        !cur.note.toLowerCase().includes(note.toLowerCase()) ? `order #${o.id} note is ${JSON.stringify(cur.note)}` : cur.status !== initial.status ? `order #${o.id} status changed to ${cur.status}` : true,
      ),
      meta: { order: o.id, note },
      expert: (_t, first) => solve(first, true),
      wrongExpert: (_t, first) => solve(first, false),
    };
  },
};

function checkProducts(description: string, data: ShopData, want: ReadonlyArray<{ id: number; priceCents?: number; stock?: number }>): Checker {
  return stateMatch<ShopState>(description, (s) => {
    for (const w of want) {
      const p = data.productById.get(w.id)!;
      const cur = s.products[w.id];
      if (!cur) return `${p.name} is missing`;
      const price = w.priceCents ?? p.priceCents;
      const stock = w.stock ?? p.stock;
      if (cur.priceCents !== price) return `${p.name} costs ${money(cur.priceCents)}, expected ${money(price)}`;
      if (cur.stock !== stock) return `${p.name} has ${cur.stock} in stock, expected ${stock}`;
    }
    const rest = productsUnchanged(data, s, new Set(want.map((w) => w.id)));
    if (rest !== true) return rest;
    return ordersUnchanged(data, s, new Set());
  });
}

const setPrice: TaskTemplate = {
  id: 'admin.set-price',
  site: 'admin',
  kind: 'state',
  description: "Change a product's price",
  size: (world, entities) => Math.min(150, productPool(world.shop, entities).length),
  instantiate(ctx) {
    const data = ctx.world.shop;
    const p = productPool(data, ctx.entities)[ctx.index]!;
    let cents = p.priceCents;
    while (cents === p.priceCents) cents = ctx.rng.int(8, 180) * 50 - 1;
    const text = (cents / 100).toFixed(2);
    function* solve(first: Observation, save: boolean): Steps<void> {
      let obs = yield* openProduct(first, p.name);
      obs = yield act.type(obs, { role: 'textbox', name: 'Price (USD)' }, text, `I replace the price with ${text}.`);
      if (save) yield act.click(obs, { role: 'button', name: 'Save product' }, 'I save the product so the new price applies.');
      else yield act.click(obs, { role: 'link', name: 'Back to products' }, 'I go back to the product list.');
      yield act.answer('done', `The ${p.name} now costs $${text}.`);
    }
    return {
      intent: `Change the price of the ${p.name} to $${text}.`,
      startPath: '/',
      check: checkProducts(`${p.name} costs $${text} and nothing else changed`, data, [{ id: p.id, priceCents: cents }]),
      meta: { product: p.name, price: text },
      expert: (_t, first) => solve(first, true),
      wrongExpert: (_t, first) => solve(first, false),
    };
  },
};

const addStock: TaskTemplate = {
  id: 'admin.add-stock',
  site: 'admin',
  kind: 'state',
  description: "Increase a product's stock by a number of received units",
  size: (world, entities) => Math.min(150, productPool(world.shop, entities).length),
  instantiate(ctx) {
    const data = ctx.world.shop;
    const p = productPool(data, ctx.entities)[ctx.index]!;
    const n = ctx.rng.int(5, 40);
    function* solve(first: Observation, add: boolean): Steps<void> {
      let obs = yield* openProduct(first, p.name);
      const current = Number(fieldValue(obs, 'Stock (units)'));
      const next = add ? current + n : n;
      obs = yield act.type(obs, { role: 'textbox', name: 'Stock (units)' }, String(next), add ? `Stock is ${current}; with ${n} more units it becomes ${next}.` : `I enter the ${n} received units as the stock.`);
      obs = yield act.click(obs, { role: 'button', name: 'Save product' }, 'I save the product to store the new stock.');
      yield act.answer('done', `The stock of the ${p.name} is now ${next}.`);
    }
    return {
      intent: `We just received ${n} more units of the ${p.name}. Increase its stock by ${n}.`,
      startPath: '/',
      check: checkProducts(`${p.name} stock went up by ${n} and nothing else changed`, data, [{ id: p.id, stock: p.stock + n }]),
      meta: { product: p.name, added: n, stock: p.stock + n },
      expert: (_t, first) => solve(first, true),
      wrongExpert: (_t, first) => solve(first, false),
    };
  },
};

const stockCount: TaskTemplate = {
  id: 'admin.stock-count',
  site: 'admin',
  kind: 'state',
  description: 'Set the stock of three products after a stock count (15+ actions)',
  size: (world, entities) => Math.min(150, productPool(world.shop, entities).length),
  instantiate(ctx) {
    const data = ctx.world.shop;
    const pool = productPool(data, ctx.entities);
    const items = [0, 1, 2].map((k) => {
      const p = pool[(ctx.index + k) % pool.length]!;
      let stock = p.stock;
      while (stock === p.stock) stock = ctx.rng.int(5, 90);
      return { p, stock };
    });
    function* solve(first: Observation, saveLast: boolean): Steps<void> {
      let obs = first;
      for (const [i, { p, stock }] of items.entries()) {
        obs = yield* openProduct(obs, p.name);
        obs = yield act.type(obs, { role: 'textbox', name: 'Stock (units)' }, String(stock), `The count found ${stock} units of the ${p.name}, so I enter that.`);
        if (saveLast || i < items.length - 1) obs = yield act.click(obs, { role: 'button', name: 'Save product' }, 'I save this product before moving on.');
      }
      yield act.answer('done', 'All three stock levels are updated.');
    }
    const list = items.map(({ p, stock }) => `the ${p.name} to ${stock}`);
    return {
      intent: `After today's stock count, set the stock of ${list[0]!}, ${list[1]!}, and ${list[2]!} units.`,
      startPath: '/',
      check: checkProducts('the three counted products have their new stock and nothing else changed', data, items.map(({ p, stock }) => ({ id: p.id, stock }))),
      meta: { products: items.map(({ p, stock }) => ({ product: p.name, stock })) },
      maxTurns: 30,
      expert: (_t, first) => solve(first, true),
      wrongExpert: (_t, first) => solve(first, false),
    };
  },
};

export const stateTemplates: TaskTemplate[] = [shipOrder, cancelPending, orderNote, setPrice, addStock, stockCount];
