// Held-out task templates of the shop site (only in `test-unseen`): add the two cheapest
// products of a list to the cart, and put every item of a past order back in the cart. Each is
// checked on the session state the site keeps (the cart).

import type { Observation } from '../../env/types.js';
import { stateMatch } from '../../tasks/checkers.js';
import { act } from '../../tasks/expert.js';
import { parseObservation } from '../../tasks/observation.js';
import type { TaskTemplate } from '../template.js';
import type { World } from '../world.js';
import type { OrderLine, ShopState } from './data.js';
import { addToCart, findOrder, openList, productLinks, sortBy, type Steps } from './experts.js';
import { distinctCheapest, listPhrase, pools, type Side } from './pools.js';

const twoCheapestPool = (world: World, side: Side): ReturnType<typeof pools>['lists'][Side] =>
  pools(world).lists[side].filter((t) => distinctCheapest(t, 2) && t.byPrice[0]!.stock > 0 && t.byPrice[1]!.stock > 0);

const twoCheapest: TaskTemplate = {
  id: 'shop.add-two-cheapest',
  site: 'shop',
  kind: 'state',
  unseen: true,
  description: 'Add the two cheapest products of a category, colour, material or kind to the cart',
  size: (world, side) => twoCheapestPool(world, side).length,
  instantiate(ctx) {
    const t = twoCheapestPool(ctx.world, ctx.entities)[ctx.index]!;
    const want = [t.byPrice[0]!, t.byPrice[1]!];
    return {
      intent: `Add the two cheapest ${listPhrase(t)} to my cart, one of each.`,
      startPath: '/',
      check: stateMatch<ShopState>(`the cart holds ${want.map((p) => p.name).join(' and ')}`, (s) => {
        const ids = new Set(s.cart.map((l) => l.productId));
        return ids.size === 2 && want.every((p) => ids.has(p.id)) ? true : `the cart holds products ${[...ids].join(', ')}, expected ${want.map((p) => p.id).join(', ')}`;
      }),
      meta: { list: t.label, products: want.map((p) => p.name) },
      *expert(_task, first) {
        let obs = yield* openList(first, t);
        obs = yield* sortBy(obs, 'Price: low to high', 'I sort by price from low to high so the two cheapest come first.');
        const [a, b] = productLinks(obs).map((l) => l.line.name) as [string, string];
        obs = yield act.click(obs, { role: 'link', name: a }, `The ${a} is the cheapest, so I open it.`);
        obs = yield* addToCart(obs, a, 1, {});
        obs = yield act.back('I go back to the product page.');
        obs = yield act.back('I go back to the sorted list for the second cheapest.');
        obs = yield act.click(obs, { role: 'link', name: b }, `The ${b} is the second cheapest, so I open it.`);
        obs = yield* addToCart(obs, b, 1, {});
        yield act.answer('done', 'Both cheapest products are in the cart.');
      },
      *wrongExpert(_task, first) {
        let obs = yield* openList(first, t);
        obs = yield* sortBy(obs, 'Price: low to high', 'I sort by price from low to high.');
        const a = productLinks(obs)[0]!.line.name;
        obs = yield act.click(obs, { role: 'link', name: a }, `The ${a} is the cheapest, so I open it.`);
        obs = yield* addToCart(obs, a, 2, {});
        yield act.answer('done', 'The cheapest product is in the cart twice.');
      },
    };
  },
};

interface ReorderLine {
  name: string;
  nth: number;
  size?: string;
  finish?: string;
  quantity: number;
}

/** Reads the lines of an order page: product link, then "options | qty | price | total". */
function orderLines(obs: Observation): ReorderLine[] {
  const lines = parseObservation(obs.text);
  const out: ReorderLine[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const m = /^(.*?) \| (\d+) \| \$/.exec(lines[i + 1]!.name);
    if (lines[i]!.role !== 'link' || lines[i + 1]!.id !== undefined || !m) continue;
    const name = lines[i]!.name;
    out.push({
      name,
      nth: out.filter((l) => l.name === name).length + 1,
      quantity: Number(m[2]),
      ...(/Size (\w+)/.test(m[1]!) ? { size: /Size (\w+)/.exec(m[1]!)![1]! } : {}),
      ...(/Finish (\w+)/.test(m[1]!) ? { finish: /Finish (\w+)/.exec(m[1]!)![1]! } : {}),
    });
  }
  return out;
}

const reorderPool = (world: World, side: Side): ReturnType<typeof pools>['orders'][Side] =>
  pools(world).orders[side].filter((o) => o.lines.every((l) => world.shop.productById.get(l.productId)!.stock >= o.lines.filter((x) => x.productId === l.productId).reduce((s, x) => s + x.quantity, 0)));

const reorder: TaskTemplate = {
  id: 'shop.reorder',
  site: 'shop',
  kind: 'state',
  unseen: true,
  description: 'Put every item of a past order back in the cart with the same sizes and quantities',
  size: (world, side) => reorderPool(world, side).length,
  instantiate(ctx) {
    const o = reorderPool(ctx.world, ctx.entities)[ctx.index]!;
    const key = (l: Pick<OrderLine, 'productId' | 'size'>): string => `${l.productId}/${l.size ?? ''}`;
    const want = new Map<string, number>();
    for (const l of o.lines) want.set(key(l), (want.get(key(l)) ?? 0) + l.quantity);
    function* run(first: Observation, wrong: boolean): Steps<void> {
      let obs = yield* findOrder(first, o.id);
      obs = yield act.click(obs, { role: 'link', name: `Order #${o.id}` }, `I open order #${o.id} to see what was in it.`);
      let items = orderLines(obs);
      const anyMulti = items.some((l) => l.quantity > 1);
      if (wrong && !anyMulti) items = items.slice(0, -1);
      for (const l of items) {
        obs = yield act.click(obs, { role: 'link', name: l.name, nth: l.nth }, `I open the ${l.name} from the order.`);
        obs = yield* addToCart(obs, l.name, wrong ? 1 : l.quantity, { size: l.size });
        obs = yield act.back('I go back to the product page.');
        obs = yield act.back(`I go back to order #${o.id} for the next item.`);
      }
      yield act.answer('done', wrong ? 'The items of the order are in the cart.' : 'Every item of the order is in the cart again, with the same sizes and quantities.');
    }
    return {
      intent: `Put everything from my order #${o.id} back in my cart, with the same sizes and quantities.`,
      startPath: '/',
      check: stateMatch<ShopState>(`the cart holds the items of order #${o.id}`, (s) => {
        const got = new Map<string, number>();
        for (const l of s.cart) got.set(key(l), (got.get(key(l)) ?? 0) + l.quantity);
        if (got.size !== want.size) return `the cart has ${got.size} distinct items, expected ${want.size}`;
        for (const [k, q] of want) if (got.get(k) !== q) return `item ${k}: quantity ${String(got.get(k) ?? 0)}, expected ${q}`;
        return true;
      }),
      meta: { order: o.id },
      expert: (_task, first) => run(first, false),
      wrongExpert: (_task, first) => run(first, true),
    };
  },
};

/** The unseen state-changing templates (test-unseen only). */
export const unseenTemplates: TaskTemplate[] = [twoCheapest, reorder];
