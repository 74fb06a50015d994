// The shop storefront site: routes over the seeded catalogue and the session's state (cart,
// orders, prices, stock, account), forms posting and redirecting (PRG), and `setup` that fills
// the cart for tasks that start from one.

import type { RequestContext, RouteResult, SiteDefinition } from '../framework/site.js';
import { paginate, pageParam, withQuery } from '../framework/html.js';
import type { World } from '../world.js';
import { categoryProducts, linesTotal, myOrders, PER_PAGE, priceOf, searchProducts, sortKey, sortProducts, stockOf } from './catalog.js';
import { createShopState, type OrderLine, type ShopOrder, type ShopState } from './data.js';
import { accountPage, cartPage, categoryPage, checkoutPage, homePage, listingBody, notFoundPage, orderPage, ordersPage, productPage, searchPage, type CheckoutValues } from './pages.js';

type Ctx = RequestContext<World, ShopState>;

const html = (s: string, status?: number): RouteResult => (status ? { html: s, status } : { html: s });
const notFound = (ctx: Ctx, what: string): RouteResult => html(notFoundPage(ctx.world.shop, ctx.state, what), 404);
const field = (ctx: Ctx, name: string, max = 200): string => (ctx.form.get(name) ?? '').trim().slice(0, max);

function listing(ctx: Ctx, path: string, all: ReturnType<typeof categoryProducts>, extra: Record<string, string> = {}): { list: string; total: number } {
  const sort = sortKey(ctx.query.get('sort'));
  const sorted = sortProducts(all, sort, ctx.state);
  const pg = paginate(sorted, pageParam(ctx.query), PER_PAGE);
  const list = listingBody(ctx.state, pg.items, sort, pg.page, pg.pages, (p) => withQuery(path, { ...extra, sort: p.sort, page: p.page }));
  return { list, total: all.length };
}

/** Adds a line to the cart, merging with a line of the same product and options. */
function addLine(state: ShopState, line: OrderLine): void {
  const same = state.cart.find((l) => l.productId === line.productId && l.size === line.size && l.finish === line.finish);
  if (same) same.quantity = Math.min(99, same.quantity + line.quantity);
  else state.cart.push(line);
}

function lineIndex(ctx: Ctx): number | undefined {
  const i = Number(ctx.form.get('line'));
  return Number.isInteger(i) && i >= 0 && i < ctx.state.cart.length ? i : undefined;
}

function checkoutValues(ctx: Ctx): CheckoutValues {
  return { fullName: field(ctx, 'fullName'), street: field(ctx, 'street'), city: field(ctx, 'city'), zip: field(ctx, 'zip', 20), note: field(ctx, 'note', 500) };
}

export const shopSite: SiteDefinition<World, ShopState> = {
  name: 'shop',
  createState: (world) => createShopState(world.shop),
  setup(state, world, args) {
    const cart = args['cart'];
    if (!Array.isArray(cart)) return;
    for (const raw of cart as unknown[]) {
      const item = (raw ?? {}) as { productId?: unknown; quantity?: unknown; size?: unknown; finish?: unknown };
      const p = world.shop.productById.get(Number(item.productId));
      const quantity = Number(item.quantity ?? 1);
      if (!p || !Number.isInteger(quantity) || quantity < 1) throw new RangeError(`shop setup: bad cart item ${JSON.stringify(raw)}`);
      addLine(state, {
        productId: p.id,
        quantity,
        unitCents: priceOf(state, p),
        ...(typeof item.size === 'string' && p.sizes.includes(item.size) ? { size: item.size } : p.sizes.length ? { size: p.sizes[0]! } : {}),
        ...(typeof item.finish === 'string' && p.finishes.includes(item.finish) ? { finish: item.finish } : p.finishes.length ? { finish: p.finishes[0]! } : {}),
      });
    }
  },
  routes: [
    { method: 'GET', path: '/', handle: (ctx) => html(homePage(ctx.world.shop, ctx.state)) },
    {
      method: 'GET',
      path: '/category/:slug',
      handle(ctx) {
        const data = ctx.world.shop;
        const cat = data.categories.find((c) => c.slug === ctx.params['slug']);
        if (!cat) return notFound(ctx, 'Category not found');
        const { list, total } = listing(ctx, `/category/${cat.slug}`, categoryProducts(data, cat.slug));
        return html(categoryPage(data, ctx.state, cat.name, cat.slug, total, list));
      },
    },
    {
      method: 'GET',
      path: '/search',
      handle(ctx) {
        const q = (ctx.query.get('q') ?? '').slice(0, 100);
        const { list, total } = listing(ctx, '/search', searchProducts(ctx.world.shop, q), { q });
        return html(searchPage(ctx.world.shop, ctx.state, q, total, list));
      },
    },
    {
      method: 'GET',
      path: '/product/:slug',
      handle(ctx) {
        const p = ctx.world.shop.productBySlug.get(ctx.params['slug'] ?? '');
        if (!p) return notFound(ctx, 'Product not found');
        const err = ctx.query.get('error');
        const msg = err === 'stock' ? 'Sorry, we do not have that many in stock.' : err === 'quantity' ? 'Please enter a quantity from 1 to 20.' : '';
        return html(productPage(ctx.world.shop, ctx.state, p, msg));
      },
    },
    {
      method: 'POST',
      path: '/cart/add',
      handle(ctx) {
        const p = ctx.world.shop.productById.get(Number(ctx.form.get('productId')));
        if (!p) return notFound(ctx, 'Product not found');
        const quantity = Number(ctx.form.get('quantity') ?? '1');
        if (!Number.isInteger(quantity) || quantity < 1 || quantity > 20) return { redirect: `/product/${p.slug}?error=quantity` };
        const inCart = ctx.state.cart.filter((l) => l.productId === p.id).reduce((s, l) => s + l.quantity, 0);
        if (quantity + inCart > stockOf(ctx.state, p)) return { redirect: `/product/${p.slug}?error=stock` };
        const size = ctx.form.get('size') ?? '';
        const finish = ctx.form.get('finish') ?? '';
        addLine(ctx.state, {
          productId: p.id,
          quantity,
          unitCents: priceOf(ctx.state, p),
          ...(p.sizes.length ? { size: p.sizes.includes(size) ? size : p.sizes[0]! } : {}),
          ...(p.finishes.length ? { finish: p.finishes.includes(finish) ? finish : p.finishes[0]! } : {}),
        });
        return { redirect: `/cart?added=${p.id}` };
      },
    },
    {
      method: 'GET',
      path: '/cart',
      handle(ctx) {
        const added = ctx.world.shop.productById.get(Number(ctx.query.get('added')));
        const notice = added ? `Added ${added.name} to your cart.` : ctx.query.get('updated') ? 'Your cart has been updated.' : '';
        return html(cartPage(ctx.world.shop, ctx.state, notice));
      },
    },
    {
      method: 'POST',
      path: '/cart/update',
      handle(ctx) {
        const i = lineIndex(ctx);
        const quantity = Number(ctx.form.get('quantity'));
        if (i !== undefined && Number.isInteger(quantity) && quantity >= 0 && quantity <= 99) {
          if (quantity === 0) ctx.state.cart.splice(i, 1);
          else ctx.state.cart[i]!.quantity = quantity;
        }
        return { redirect: '/cart?updated=1' };
      },
    },
    {
      method: 'POST',
      path: '/cart/remove',
      handle(ctx) {
        const i = lineIndex(ctx);
        if (i !== undefined) ctx.state.cart.splice(i, 1);
        return { redirect: '/cart?updated=1' };
      },
    },
    {
      method: 'GET',
      path: '/checkout',
      handle(ctx) {
        const a = ctx.state.account.address;
        return html(checkoutPage(ctx.world.shop, ctx.state, { fullName: a.fullName, street: a.street, city: a.city, zip: a.zip, note: '' }));
      },
    },
    {
      method: 'POST',
      path: '/checkout',
      handle(ctx) {
        const data = ctx.world.shop;
        const state = ctx.state;
        const v = checkoutValues(ctx);
        if (state.cart.length === 0) return { redirect: '/cart' };
        const missing = (['fullName', 'street', 'city', 'zip'] as const).filter((k) => !v[k]);
        let error = missing.length ? 'Please fill in your full name, street address, city and ZIP code.' : '';
        if (!error && !/^[0-9A-Za-z -]{3,10}$/.test(v.zip)) error = 'Please enter a valid ZIP code.';
        for (const l of state.cart) {
          const p = data.productById.get(l.productId);
          if (!error && p && stockOf(state, p) < l.quantity) error = `Sorry, only ${stockOf(state, p)} of the ${p.name} are in stock.`;
        }
        if (error) return html(checkoutPage(data, state, v, error), 400);
        const lines = state.cart.map((l) => {
          const p = data.productById.get(l.productId);
          return { ...l, unitCents: p ? priceOf(state, p) : l.unitCents };
        });
        for (const l of lines) {
          const cur = state.products[l.productId];
          if (cur) cur.stock -= l.quantity;
        }
        const id = Math.max(1000, ...state.orders.map((o) => o.id)) + 1;
        const order: ShopOrder = {
          id,
          customerId: data.shopperId,
          date: new Date().toISOString().slice(0, 10),
          status: 'pending',
          lines,
          totalCents: linesTotal(lines),
          address: { fullName: v.fullName, street: v.street, city: v.city, zip: v.zip },
          note: v.note,
        };
        state.orders.push(order);
        state.cart = [];
        return { redirect: `/orders/${id}?placed=1` };
      },
    },
    {
      method: 'GET',
      path: '/orders',
      handle(ctx) {
        const pg = paginate(myOrders(ctx.world.shop, ctx.state), pageParam(ctx.query), PER_PAGE);
        return html(ordersPage(ctx.world.shop, ctx.state, pg.items, pg.page, pg.pages, pg.total));
      },
    },
    {
      method: 'GET',
      path: '/orders/:id',
      handle(ctx) {
        const o = ctx.state.orders.find((x) => x.id === Number(ctx.params['id']) && x.customerId === ctx.world.shop.shopperId);
        if (!o) return notFound(ctx, 'Order not found');
        return html(orderPage(ctx.world.shop, ctx.state, o, ctx.query.get('placed') === '1'));
      },
    },
    { method: 'GET', path: '/account', handle: (ctx) => html(accountPage(ctx.world.shop, ctx.state, ctx.query.get('saved') === '1')) },
    {
      method: 'POST',
      path: '/account',
      handle(ctx) {
        const name = field(ctx, 'name');
        const email = field(ctx, 'email');
        if (!name || !/^[^@\s]+@[^@\s]+$/.test(email)) return html(accountPage(ctx.world.shop, ctx.state, false, 'Please enter your name and a valid email address.'), 400);
        ctx.state.account = {
          name,
          email,
          phone: field(ctx, 'phone', 30),
          newsletter: ctx.form.get('newsletter') === 'yes',
          address: { fullName: field(ctx, 'addrName'), street: field(ctx, 'addrStreet'), city: field(ctx, 'addrCity'), zip: field(ctx, 'addrZip', 20) },
        };
        return { redirect: '/account?saved=1' };
      },
    },
  ],
  notFound: (ctx) => notFound(ctx, 'Page not found'),
};
