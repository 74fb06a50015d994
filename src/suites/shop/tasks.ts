// Task templates of the shop site: look-ups on product pages (price, rating, reviews, stock),
// listing questions (cheapest, how many), navigation (open a product, sorted category), and the
// shopper's orders. The state-changing templates (cart, checkout, account) are in tasks-state.ts,
// the unseen ones in tasks-unseen.ts; `shopTemplates` gathers them all.

import type { Observation } from '../../env/types.js';
import { all, answerExcludes, answerIncludes, answerNumber, urlMatch } from '../../tasks/checkers.js';
import { act } from '../../tasks/expert.js';
import { pageText } from '../../tasks/observation.js';
import { money } from '../framework/html.js';
import type { TaskTemplate } from '../template.js';
import { entitySplit } from '../words.js';
import type { World } from '../world.js';
import { ORDER_STATUSES, type ShopProduct } from './data.js';
import { statusLabel } from './catalog.js';
import { findOrder, lineAfter, openList, openProduct, productLinks, readLine, SEARCH, sortBy, type Steps } from './experts.js';
import { distinctCheapest, listPhrase, pools, type ListTarget } from './pools.js';
import { stateTemplates } from './tasks-state.js';
import { unseenTemplates } from './tasks-unseen.js';

/** Opens another product of the same kind (a plausible mix-up): search the last word, first other hit. */
function* openOtherProduct(obs: Observation, name: string): Steps {
  const kind = name.split(' ').at(-1)!;
  obs = yield act.type(obs, SEARCH, kind, `I search for "${kind}" to find the product.`, { enter: true });
  const other = productLinks(obs).find((l) => l.line.name !== name) ?? productLinks(obs)[0]!;
  return yield act.click(obs, { role: 'link', name: other.line.name }, `I open the ${other.line.name}, taking it for the product I want.`);
}

/** A question answered on the product's page. */
function productInfo(opts: {
  id: string;
  description: string;
  intent: (p: ShopProduct) => string;
  check: (p: ShopProduct) => ReturnType<typeof answerNumber>;
  answer: (p: ShopProduct) => string;
  read: (obs: Observation) => string;
  why: string;
  wrong?: (obs: Observation) => { answer: string; thought: string };
}): TaskTemplate {
  return {
    id: opts.id,
    site: 'shop',
    kind: 'info',
    description: opts.description,
    size: (world, side) => pools(world).products[side].length,
    instantiate(ctx) {
      const p = pools(ctx.world).products[ctx.entities][ctx.index]!;
      return {
        intent: opts.intent(p),
        startPath: '/',
        check: opts.check(p),
        meta: { product: p.name, answer: opts.answer(p) },
        *expert(_task, first) {
          const obs = yield* openProduct(first, p.name);
          yield act.answer(opts.read(obs), opts.why);
        },
        *wrongExpert(_task, first) {
          if (opts.wrong) {
            const obs = yield* openProduct(first, p.name);
            const w = opts.wrong(obs);
            yield act.answer(w.answer, w.thought);
            return;
          }
          const obs = yield* openOtherProduct(first, p.name);
          yield act.answer(opts.read(obs), opts.why);
        },
      };
    },
  };
}

const productPrice = productInfo({
  id: 'shop.product-price',
  description: 'Look up the price of a named product',
  intent: (p) => `What is the price of the ${p.name}?`,
  check: (p) => answerNumber(p.priceCents / 100, { tolerance: 0.005 }),
  answer: (p) => money(p.priceCents),
  read: (obs) => readLine(obs, 'Price:'),
  why: 'The product page shows the price, so I report it.',
});

const productRating = productInfo({
  id: 'shop.product-rating',
  description: 'Look up the customer rating of a named product',
  intent: (p) => `What is the average customer rating (out of 5) of the ${p.name}?`,
  check: (p) => answerNumber(p.rating, { tolerance: 0.01 }),
  answer: (p) => p.rating.toFixed(1),
  read: (obs) => readLine(obs, 'Rating:').split(' ')[0]!,
  why: 'The product page shows the rating out of 5, so I report it.',
});

const reviewCount = productInfo({
  id: 'shop.review-count',
  description: 'Count the reviews of a named product',
  intent: (p) => `How many customer reviews does the ${p.name} have?`,
  check: (p) => answerNumber(p.reviews.length),
  answer: (p) => String(p.reviews.length),
  read: (obs) => /\((\d+) reviews?\)/.exec(readLine(obs, 'Rating:'))![1]!,
  why: 'The rating line gives the number of reviews, so I report it.',
  wrong: (obs) => ({ answer: readLine(obs, 'Rating:').split(' ')[0]!, thought: 'I take the first number of the rating line as the number of reviews.' }),
});

const productStock = productInfo({
  id: 'shop.product-stock',
  description: 'Look up how many units of a named product are in stock',
  intent: (p) => `How many units of the ${p.name} are left in stock?`,
  check: (p) => answerNumber(p.stock),
  answer: (p) => String(p.stock),
  read: (obs) => /\((\d+) left\)/.exec(readLine(obs, 'Availability:'))?.[1] ?? '0',
  why: 'The availability line says how many are left (none when out of stock), so I report that number.',
});

const openProductPage: TaskTemplate = {
  id: 'shop.open-product',
  site: 'shop',
  kind: 'navigation',
  description: "Open a named product's page",
  size: (world, side) => pools(world).products[side].length,
  instantiate(ctx) {
    const p = pools(ctx.world).products[ctx.entities][ctx.index]!;
    return {
      intent: `Show me the product page of the ${p.name}.`,
      startPath: '/',
      check: urlMatch(`${ctx.urls.shop}/product/${p.slug}`, { ignoreQuery: true }),
      meta: { product: p.name },
      *expert(_task, first) {
        yield* openProduct(first, p.name);
        yield act.answer('done', `The ${p.name} page is open, which is what was asked.`);
      },
      *wrongExpert(_task, first) {
        yield* openOtherProduct(first, p.name);
        yield act.answer('done', 'A product page of that kind is open, so I stop.');
      },
    };
  },
};

const SORT_REQUESTS = [
  { sort: 'price-asc', label: 'Price: low to high', phrase: 'by price, lowest first', wrong: 'Price: high to low' },
  { sort: 'price-desc', label: 'Price: high to low', phrase: 'by price, highest first', wrong: 'Price: low to high' },
  { sort: 'rating', label: 'Top rated', phrase: 'by rating, best rated first', wrong: 'Price: high to low' },
] as const;

function sortedPool(ctx: { world: World }, side: 'train' | 'test'): Array<{ t: ListTarget; s: (typeof SORT_REQUESTS)[number] }> {
  const out: Array<{ t: ListTarget; s: (typeof SORT_REQUESTS)[number] }> = [];
  for (const t of [...pools(ctx.world).lists.train, ...pools(ctx.world).lists.test]) {
    if (t.kind !== 'category') continue;
    for (const s of SORT_REQUESTS) if (entitySplit(`${t.label} sorted ${s.sort}`) === side) out.push({ t, s });
  }
  return out;
}

const categorySorted: TaskTemplate = {
  id: 'shop.category-sorted',
  site: 'shop',
  kind: 'navigation',
  description: 'Open a category sorted by price or rating',
  size: (world, side) => sortedPool({ world }, side).length,
  instantiate(ctx) {
    const { t, s } = sortedPool(ctx, ctx.entities)[ctx.index]!;
    return {
      intent: `Show me the ${t.label} category sorted ${s.phrase}.`,
      startPath: '/',
      check: urlMatch(`${ctx.urls.shop}/category/${t.slug}?sort=${s.sort}`),
      meta: { category: t.label, sort: s.sort },
      *expert(_task, first) {
        const obs = yield* openList(first, t);
        yield* sortBy(obs, s.label, `I sort the list with "${s.label}".`);
        yield act.answer('done', `The ${t.label} category is now sorted ${s.phrase}.`);
      },
      *wrongExpert(_task, first) {
        const obs = yield* openList(first, t);
        yield* sortBy(obs, s.wrong, `I sort the list with "${s.wrong}".`);
        yield act.answer('done', `The ${t.label} category is sorted.`);
      },
    };
  },
};

const cheapest: TaskTemplate = {
  id: 'shop.cheapest',
  site: 'shop',
  kind: 'info',
  description: 'Find the cheapest product of a category, colour, material or kind',
  size: (world, side) => pools(world).lists[side].filter((t) => distinctCheapest(t, 1)).length,
  instantiate(ctx) {
    const t = pools(ctx.world).lists[ctx.entities].filter((x) => distinctCheapest(x, 1))[ctx.index]!;
    const [best, second] = t.byPrice as [ShopProduct, ShopProduct];
    return {
      intent: `Which of the ${listPhrase(t)} is the cheapest? Give its name.`,
      startPath: '/',
      check: all(answerIncludes([best.name]), answerExcludes([second.name])),
      meta: { list: t.label, answer: best.name },
      *expert(_task, first) {
        let obs = yield* openList(first, t);
        obs = yield* sortBy(obs, 'Price: low to high', 'I sort by price from low to high so the cheapest comes first.');
        yield act.answer(productLinks(obs)[0]!.line.name, 'The first product of the list sorted by rising price is the cheapest.');
      },
      *wrongExpert(_task, first) {
        let obs = yield* openList(first, t);
        obs = yield* sortBy(obs, 'Price: high to low', 'I sort the list by price.');
        yield act.answer(productLinks(obs)[0]!.line.name, 'The first product of the sorted list is the one I want.');
      },
    };
  },
};

const countProducts: TaskTemplate = {
  id: 'shop.count',
  site: 'shop',
  kind: 'info',
  description: 'Count the products of a category, colour, material or kind',
  size: (world, side) => pools(world).lists[side].length,
  instantiate(ctx) {
    const t = pools(ctx.world).lists[ctx.entities][ctx.index]!;
    const n = t.byPrice.length;
    return {
      intent: t.kind === 'category' ? `How many products are there in the ${t.label} category?` : `How many ${listPhrase(t)} does the shop sell?`,
      startPath: '/',
      check: answerNumber(n),
      meta: { list: t.label, answer: n },
      *expert(_task, first) {
        const obs = yield* openList(first, t);
        const m = /^(\d+) (?:products?|results?)$/m.exec(pageText(obs));
        yield act.answer(m?.[1] ?? '0', 'The list header says how many products there are in all, so I report that number.');
      },
      *wrongExpert(_task, first) {
        const obs = yield* openList(first, t);
        const shown = productLinks(obs).length;
        const total = Number(/(\d+) (?:products?|results?)/.exec(obs.text)![1]);
        yield act.answer(String(shown < total ? shown : total - 1), 'I count the products listed on this page.');
      },
    };
  },
};

function orderInfo(which: 'status' | 'total'): TaskTemplate {
  return {
    id: `shop.order-${which}`,
    site: 'shop',
    kind: 'info',
    description: which === 'status' ? 'Look up the status of one of my orders' : 'Look up the total of one of my orders',
    size: (world, side) => pools(world).orders[side].length,
    instantiate(ctx) {
      const o = pools(ctx.world).orders[ctx.entities][ctx.index]!;
      const check =
        which === 'status'
          ? all(answerIncludes([o.status === 'canceled' ? ['canceled', 'cancelled'] : o.status]), answerExcludes(ORDER_STATUSES.filter((s) => s !== o.status)))
          : answerNumber(o.totalCents / 100, { tolerance: 0.005 });
      return {
        intent: which === 'status' ? `What is the status of my order #${o.id}?` : `How much did my order #${o.id} cost in total?`,
        startPath: '/',
        check,
        meta: { order: o.id, answer: which === 'status' ? statusLabel(o.status) : money(o.totalCents) },
        *expert(_task, first) {
          let obs = yield* findOrder(first, o.id);
          obs = yield act.click(obs, { role: 'link', name: `Order #${o.id}` }, `I open order #${o.id} to see its details.`);
          yield act.answer(readLine(obs, which === 'status' ? 'Status:' : 'Order total:'), `The order page shows its ${which}, so I report it.`);
        },
        *wrongExpert(_task, first) {
          const obs = yield* findOrder(first, o.id);
          // Misreads a neighbouring row of the orders table.
          const rows = [...obs.text.matchAll(/link "Order #(\d+)"\n(.*)/g)].map((m) => ({ id: Number(m[1]), cells: lineAfter(obs, { role: 'link', name: `Order #${m[1]}` }).split(' | ') }));
          const mine = rows.find((r) => r.id === o.id)!;
          const other = rows.find((r) => r.id !== o.id && (which === 'total' ? r.cells[2] !== mine.cells[2] : r.cells[1] !== mine.cells[1])) ?? rows.find((r) => r.id !== o.id)!;
          yield act.answer(which === 'status' ? other.cells[1]! : other.cells[2]!, `The orders table shows the ${which} of order #${o.id} in this row.`);
        },
      };
    },
  };
}

/** Every template of the shop site. */
export const shopTemplates: TaskTemplate[] = [
  productPrice,
  productRating,
  reviewCount,
  productStock,
  openProductPage,
  categorySorted,
  cheapest,
  countProducts,
  orderInfo('status'),
  orderInfo('total'),
  ...stateTemplates,
  ...unseenTemplates,
];
