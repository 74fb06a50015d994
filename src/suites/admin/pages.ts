// HTML pages of the admin site (the shop's back office): layout, dashboard, orders list and
// order detail, products grid and product edit, customers list and customer page, sales report.
// Every page reads the session's ShopState, so edits show up at once; lists page at 10 rows.

import { documentHtml, esc, money, paginate, pager, withQuery } from '../framework/html.js';
import { ORDER_STATUSES, type ShopData, type ShopOrder, type ShopState } from '../shop/data.js';
import { ADMIN_TITLE, filterOrders, monthLabel, priceInput, salesReport, statusLabel, type OrderFilter } from './data.js';

const PER_PAGE = 10;

const CSS = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#23272f;background:#f4f5f7;line-height:1.4;font-size:15px}
a{color:#1f5fa8}
header{display:flex;align-items:center;gap:22px;padding:12px 28px;background:#1e2a38;color:#fff}
header .logo{color:#fff;font-weight:700;font-size:19px;text-decoration:none}
header nav a{color:#cfd8e3;text-decoration:none;margin-right:16px;font-weight:500}
main{max-width:1060px;margin:0 auto;padding:20px 28px 40px}
h1{font-size:24px;margin:6px 0 14px}
h2{font-size:18px;margin:22px 0 8px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e6}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid #eceef1}
th{background:#eef1f5;font-size:13px;text-transform:uppercase;color:#4a5361}
form.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end;background:#fff;border:1px solid #dde1e6;padding:10px 12px;margin-bottom:12px}
form.filters label,form.edit label{display:flex;flex-direction:column;font-size:13px;color:#4a5361;gap:3px}
input,select,textarea{padding:6px 8px;border:1px solid #b9c1cc;border-radius:4px;font-size:14px}
form.edit{display:grid;gap:10px;max-width:420px;background:#fff;border:1px solid #dde1e6;padding:14px}
button{padding:7px 14px;border:0;border-radius:4px;background:#1f5fa8;color:#fff;font-weight:600;cursor:pointer}
.msg{background:#e5f4e8;color:#1d5b2a;padding:8px 12px;border-radius:4px}
.err{background:#fde8e8;color:#8a1f1f;padding:8px 12px;border-radius:4px}
.pager{margin:10px 0;display:flex;gap:14px}
.cards{display:flex;gap:12px;flex-wrap:wrap;list-style:none;padding:0}
.cards li{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:10px 14px}
.total{font-weight:700;font-size:17px}
`;

function layout(title: string, body: string): string {
  const nav = [['/', 'Dashboard'], ['/orders', 'Orders'], ['/products', 'Products'], ['/customers', 'Customers'], ['/reports', 'Reports']]
    .map(([href, text]) => `<a href="${href}">${text}</a>`)
    .join('');
  return documentHtml(`${title} — ${ADMIN_TITLE}`, CSS, `<header><a class="logo" href="/">${esc(ADMIN_TITLE)}</a><nav aria-label="Admin">${nav}</nav></header>
<main>${body}</main>`);
}

const customerName = (data: ShopData, id: number): string => data.customers[id - 1]?.name ?? `Customer ${id}`;
const flash = (query: URLSearchParams): string =>
  (query.get('saved') ? `<p class="msg" role="status">${esc(query.get('saved') === 'product' ? 'Product saved.' : 'Order saved.')}</p>` : '') +
  (query.get('error') ? `<p class="err" role="alert">${esc(query.get('error')!.slice(0, 120))}</p>` : '');

function orderRows(data: ShopData, orders: readonly ShopOrder[], withCustomer: boolean): string {
  const head = `<tr><th>Order #</th><th>Date</th>${withCustomer ? '<th>Customer</th>' : ''}<th>Status</th><th>Total</th></tr>`;
  const rows = orders.map(
    (o) => `<tr><td><a href="/orders/${o.id}">#${o.id}</a></td><td>${o.date}</td>${withCustomer ? `<td>${esc(customerName(data, o.customerId))}</td>` : ''}<td>${statusLabel(o.status)}</td><td>${money(o.totalCents)}</td></tr>`,
  );
  return `<table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

export function dashboardPage(data: ShopData, state: ShopState): string {
  const counts = ORDER_STATUSES.map((s) => `<li><a href="/orders?status=${s}">${statusLabel(s)} (${state.orders.filter((o) => o.status === s).length})</a></li>`);
  const recent = filterOrders(data, state.orders, {}).slice(0, 5);
  const low = data.products.filter((p) => (state.products[p.id]?.stock ?? 0) <= 3).length;
  return layout('Dashboard', `<h1>Dashboard</h1>
<p>${state.orders.length} orders · ${data.products.length} products (${low} with 3 or fewer in stock) · ${data.customers.length} customers</p>
<h2>Orders by status</h2><ul class="cards">${counts.join('')}</ul>
<h2>Recent orders</h2>${orderRows(data, recent, true)}
<p><a href="/orders">View all orders</a></p>`);
}

export function ordersPage(data: ShopData, state: ShopState, query: URLSearchParams, page: number): string {
  const f: OrderFilter = { q: query.get('q') ?? '', status: query.get('status') ?? '', from: query.get('from') ?? '', to: query.get('to') ?? '' };
  const list = paginate(filterOrders(data, state.orders, f), page, PER_PAGE);
  const opts = ORDER_STATUSES.map((s) => `<option value="${s}"${f.status === s ? ' selected' : ''}>${statusLabel(s)}</option>`).join('');
  const params = { q: f.q, status: f.status, from: f.from, to: f.to };
  return layout('Orders', `<h1>Orders</h1>
<form class="filters" method="get" action="/orders">
<label>Search orders<input name="q" value="${esc(f.q ?? '')}" placeholder="Order # or customer name"></label>
<label>Status<select name="status"><option value="">All statuses</option>${opts}</select></label>
<label>From date<input name="from" value="${esc(f.from ?? '')}" placeholder="YYYY-MM-DD" size="11"></label>
<label>To date<input name="to" value="${esc(f.to ?? '')}" placeholder="YYYY-MM-DD" size="11"></label>
<button type="submit">Filter</button> <a href="/orders">Clear filters</a>
</form>
<p>${list.total} order${list.total === 1 ? '' : 's'} found</p>
${list.total ? orderRows(data, list.items, true) : '<p>No orders match these filters.</p>'}
${pager(list.page, list.pages, (p) => withQuery('/orders', { ...params, page: p }))}`);
}

export function orderPage(data: ShopData, order: ShopOrder, query: URLSearchParams): string {
  const lines = order.lines.map((l) => {
    const p = data.productById.get(l.productId);
    const opt = [l.size ? `size ${l.size}` : '', l.finish ? `${l.finish.toLowerCase()} finish` : ''].filter(Boolean).join(', ');
    return `<tr><td>${esc(p?.name ?? `Product ${l.productId}`)}${opt ? ` (${esc(opt)})` : ''}</td><td>${l.quantity}</td><td>${money(l.unitCents)}</td><td>${money(l.quantity * l.unitCents)}</td></tr>`;
  });
  const opts = ORDER_STATUSES.map((s) => `<option value="${s}"${order.status === s ? ' selected' : ''}>${statusLabel(s)}</option>`).join('');
  const a = order.address;
  return layout(`Order #${order.id}`, `${flash(query)}<h1>Order #${order.id}</h1>
<p>Placed: ${order.date}</p><p>Status: ${statusLabel(order.status)}</p>
<p>Customer: <a href="/customers/${order.customerId}">${esc(customerName(data, order.customerId))}</a></p>
<p>Ship to: ${esc(a.fullName)}, ${esc(a.street)}, ${esc(a.zip)} ${esc(a.city)}</p>
<table><thead><tr><th>Product</th><th>Qty</th><th>Unit price</th><th>Subtotal</th></tr></thead><tbody>${lines.join('')}</tbody></table>
<p class="total">Order total: ${money(order.totalCents)}</p>
<h2>Update order</h2>
<form class="edit" method="post" action="/orders/${order.id}">
<label>Order status<select name="status">${opts}</select></label>
<label>Admin comment<textarea name="note" rows="2">${esc(order.note)}</textarea></label>
<button type="submit">Save order</button>
</form>
<p><a href="/orders">Back to orders</a></p>`);
}

export function productsPage(data: ShopData, state: ShopState, query: URLSearchParams, page: number): string {
  const q = (query.get('q') ?? '').trim();
  const cat = query.get('category') ?? '';
  const ql = q.toLowerCase();
  const found = data.products.filter((p) => (!cat || p.category === cat) && (!ql || p.name.toLowerCase().includes(ql) || p.sku.toLowerCase() === ql));
  const list = paginate(found, page, PER_PAGE);
  const catName = new Map(data.categories.map((c) => [c.slug, c.name]));
  const opts = data.categories.map((c) => `<option value="${c.slug}"${cat === c.slug ? ' selected' : ''}>${esc(c.name)}</option>`).join('');
  const rows = list.items.map((p) => {
    const s = state.products[p.id] ?? { priceCents: p.priceCents, stock: p.stock };
    return `<tr><td><a href="/products/${p.id}">${esc(p.name)}</a></td><td>${p.sku}</td><td>${esc(catName.get(p.category) ?? p.category)}</td><td>${money(s.priceCents)}</td><td>${s.stock}</td></tr>`;
  });
  return layout('Products', `<h1>Products</h1>
<form class="filters" method="get" action="/products">
<label>Search products<input name="q" value="${esc(q)}" placeholder="Name or SKU"></label>
<label>Category<select name="category"><option value="">All categories</option>${opts}</select></label>
<button type="submit">Filter</button>
</form>
<p>${list.total} product${list.total === 1 ? '' : 's'} found</p>
${list.total ? `<table><thead><tr><th>Name</th><th>SKU</th><th>Category</th><th>Price</th><th>Stock</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '<p>No products match.</p>'}
${pager(list.page, list.pages, (p) => withQuery('/products', { q, category: cat, page: p }))}`);
}

export function productPage(data: ShopData, state: ShopState, id: number, query: URLSearchParams): string {
  const p = data.productById.get(id)!;
  const s = state.products[p.id] ?? { priceCents: p.priceCents, stock: p.stock };
  const cat = data.categories.find((c) => c.slug === p.category)?.name ?? p.category;
  return layout(p.name, `${flash(query)}<h1>${esc(p.name)}</h1>
<p>SKU: ${p.sku} · Category: ${esc(cat)}</p>
<form class="edit" method="post" action="/products/${p.id}">
<label>Price (USD)<input name="price" value="${priceInput(s.priceCents)}" inputmode="decimal"></label>
<label>Stock (units)<input name="stock" value="${s.stock}" inputmode="numeric"></label>
<button type="submit">Save product</button>
</form>
<p><a href="/products">Back to products</a></p>`);
}

export function customersPage(data: ShopData, state: ShopState, query: URLSearchParams, page: number): string {
  const q = (query.get('q') ?? '').trim();
  const ql = q.toLowerCase();
  const found = data.customers.filter((c) => !ql || c.name.toLowerCase().includes(ql) || c.email.includes(ql));
  const list = paginate(found, page, PER_PAGE);
  const counts = new Map<number, number>();
  for (const o of state.orders) counts.set(o.customerId, (counts.get(o.customerId) ?? 0) + 1);
  const rows = list.items.map((c) => `<tr><td><a href="/customers/${c.id}">${esc(c.name)}</a></td><td>${esc(c.email)}</td><td>${esc(c.city)}</td><td>${counts.get(c.id) ?? 0}</td></tr>`);
  return layout('Customers', `<h1>Customers</h1>
<form class="filters" method="get" action="/customers">
<label>Search customers<input name="q" value="${esc(q)}" placeholder="Name or email"></label>
<button type="submit">Search</button>
</form>
<p>${list.total} customer${list.total === 1 ? '' : 's'} found</p>
${list.total ? `<table><thead><tr><th>Name</th><th>Email</th><th>City</th><th>Orders</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '<p>No customers match.</p>'}
${pager(list.page, list.pages, (p) => withQuery('/customers', { q, page: p }))}`);
}

export function customerPage(data: ShopData, state: ShopState, id: number, page: number): string {
  const c = data.customers[id - 1]!;
  const orders = filterOrders(data, state.orders.filter((o) => o.customerId === c.id), {});
  const list = paginate(orders, page, PER_PAGE);
  return layout(c.name, `<h1>${esc(c.name)}</h1>
<p>Email: ${esc(c.email)}</p><p>City: ${esc(c.city)}</p><p>Orders placed: ${orders.length}</p>
<h2>Orders</h2>
${list.total ? orderRows(data, list.items, false) : '<p>This customer has no orders.</p>'}
${pager(list.page, list.pages, (p) => withQuery(`/customers/${c.id}`, { page: p }))}
<p><a href="/customers">Back to customers</a></p>`);
}

export function reportPage(data: ShopData, state: ShopState): string {
  const r = salesReport(data, state);
  const months = r.months.map((m) => `<tr><td>${monthLabel(m.month)}</td><td>${m.orders}</td><td>${money(m.revenueCents)}</td></tr>`).join('');
  const cats = r.categories.map((c) => `<tr><td>${esc(c.name)}</td><td>${money(c.revenueCents)}</td></tr>`).join('');
  return layout('Sales report', `<h1>Sales report 2025</h1>
<p>Counts every order except canceled ones. Total: ${r.orders} orders, ${money(r.revenueCents)} revenue.</p>
<h2>By month</h2>
<table><thead><tr><th>Month</th><th>Orders</th><th>Revenue</th></tr></thead><tbody>${months}</tbody></table>
<h2>By category</h2>
<table><thead><tr><th>Category</th><th>Revenue</th></tr></thead><tbody>${cats}</tbody></table>`);
}

export const notFoundPage = (what: string): string => layout('Not found', `<h1>Not found</h1><p>${esc(what)}</p><p><a href="/">Back to the dashboard</a></p>`);
