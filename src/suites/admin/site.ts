// The admin site: "Maple & Clay Admin", the shop's back office. It serves the shop's seeded data
// and edits the shop's per-session state (order status and admin comments, product price and
// stock); forms POST and redirect back (PRG). List pages drop empty filter fields by redirecting
// to their canonical URL, so a filtered list has one address.

import type { RequestContext, RouteResult, SiteDefinition } from '../framework/site.js';
import { pageParam, withQuery } from '../framework/html.js';
import { createShopState, ORDER_STATUSES, type OrderStatus, type ShopState } from '../shop/data.js';
import type { World } from '../world.js';
import { customerPage, customersPage, dashboardPage, notFoundPage, orderPage, ordersPage, productPage, productsPage, reportPage } from './pages.js';

type Ctx = RequestContext<World, ShopState>;

/** A redirect to the same list without empty query fields (and without page=1), or undefined. */
function canonical(ctx: Ctx): RouteResult | undefined {
  const entries = [...ctx.query.entries()];
  if (!entries.some(([k, v]) => v.trim() === '' || (k === 'page' && v === '1'))) return undefined;
  const keep: Record<string, string> = {};
  for (const [k, v] of entries) if (v.trim() !== '' && !(k === 'page' && v === '1')) keep[k] = v.trim();
  return { redirect: withQuery(ctx.url.pathname, keep) };
}

const missing = (what: string): RouteResult => ({ html: notFoundPage(what), status: 404 });

function findOrder(ctx: Ctx): ShopState['orders'][number] | undefined {
  const id = Number(ctx.params.id);
  return ctx.state.orders.find((o) => o.id === id);
}

function productId(ctx: Ctx): number | undefined {
  const id = Number(ctx.params.id);
  return Number.isInteger(id) && ctx.world.shop.productById.has(id) ? id : undefined;
}

export const adminSite: SiteDefinition<World, ShopState> = {
  name: 'admin',
  stateKey: 'shop',
  createState: (world) => createShopState(world.shop),
  routes: [
    { method: 'GET', path: '/', handle: (ctx) => ({ html: dashboardPage(ctx.world.shop, ctx.state) }) },
    { method: 'GET', path: '/orders', handle: (ctx) => canonical(ctx) ?? { html: ordersPage(ctx.world.shop, ctx.state, ctx.query, pageParam(ctx.query)) } },
    {
      method: 'GET',
      path: '/orders/:id',
      handle: (ctx) => {
        const o = findOrder(ctx);
        return o ? { html: orderPage(ctx.world.shop, o, ctx.query) } : missing(`There is no order #${ctx.params.id}.`);
      },
    },
    {
      method: 'POST',
      path: '/orders/:id',
      handle: (ctx) => {
        const o = findOrder(ctx);
        if (!o) return missing(`There is no order #${ctx.params.id}.`);
        const status = ctx.form.get('status') ?? o.status;
        if (!(ORDER_STATUSES as readonly string[]).includes(status)) return { redirect: withQuery(`/orders/${o.id}`, { error: `Unknown status "${status}".` }) };
        o.status = status as OrderStatus;
        const note = ctx.form.get('note');
        if (note !== null) o.note = note.trim().slice(0, 500);
        return { redirect: `/orders/${o.id}?saved=order` };
      },
    },
    { method: 'GET', path: '/products', handle: (ctx) => canonical(ctx) ?? { html: productsPage(ctx.world.shop, ctx.state, ctx.query, pageParam(ctx.query)) } },
    {
      method: 'GET',
      path: '/products/:id',
      handle: (ctx) => {
        const id = productId(ctx);
        return id === undefined ? missing(`There is no product ${ctx.params.id}.`) : { html: productPage(ctx.world.shop, ctx.state, id, ctx.query) };
      },
    },
    {
      method: 'POST',
      path: '/products/:id',
      handle: (ctx) => {
        const id = productId(ctx);
        if (id === undefined) return missing(`There is no product ${ctx.params.id}.`);
        const priceText = (ctx.form.get('price') ?? '').trim().replace(/^\$/, '').replace(/,/g, '');
        const stockText = (ctx.form.get('stock') ?? '').trim();
        const price = Number(priceText);
        const stock = Number(stockText);
        if (!/^\d+(\.\d{1,2})?$/.test(priceText) || !Number.isFinite(price)) return { redirect: withQuery(`/products/${id}`, { error: 'Price must be a number like 12.50.' }) };
        if (!/^\d+$/.test(stockText) || stock > 100_000) return { redirect: withQuery(`/products/${id}`, { error: 'Stock must be a whole number of units.' }) };
        ctx.state.products[id] = { priceCents: Math.round(price * 100), stock };
        return { redirect: `/products/${id}?saved=product` };
      },
    },
    { method: 'GET', path: '/customers', handle: (ctx) => canonical(ctx) ?? { html: customersPage(ctx.world.shop, ctx.state, ctx.query, pageParam(ctx.query)) } },
    {
      method: 'GET',
      path: '/customers/:id',
      handle: (ctx) => {
        const id = Number(ctx.params.id);
        if (!Number.isInteger(id) || !ctx.world.shop.customers[id - 1]) return missing(`There is no customer ${ctx.params.id}.`);
        return canonical(ctx) ?? { html: customerPage(ctx.world.shop, ctx.state, id, pageParam(ctx.query)) };
      },
    },
    { method: 'GET', path: '/reports', handle: (ctx) => ({ html: reportPage(ctx.world.shop, ctx.state) }) },
  ],
  notFound: () => missing('This admin page does not exist.'),
};
