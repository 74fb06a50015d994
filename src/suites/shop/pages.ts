// HTML pages of the shop storefront: layout (header with search, My orders, account, cart),
// home, category and search listings, product page, cart, checkout, orders and account
// settings. Pure functions of the data and the session state; the routes live in site.ts.

import { documentHtml, esc, money, pager, withQuery } from '../framework/html.js';
import { categoryProducts, linesTotal, optionText, priceOf, SORT_LABELS, SORTS, statusLabel, stockOf, type SortKey } from './catalog.js';
import type { OrderLine, ShopAddress, ShopData, ShopOrder, ShopProduct, ShopState } from './data.js';

const CSS = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#2b2b2b;background:#faf8f5;line-height:1.45}
a{color:#7a4b2a}
header.top{display:flex;align-items:center;gap:20px;padding:12px 28px;background:#3d2c22;color:#fff}
header.top .logo{color:#fff;font-weight:700;font-size:21px;text-decoration:none}
header.top form{display:flex;gap:6px;flex:1;max-width:460px}
header.top input{flex:1;padding:7px 9px;border:0;border-radius:4px;font-size:15px}
header.top button{padding:7px 12px;border:0;border-radius:4px;background:#e0a458;font-weight:600;cursor:pointer}
header.top nav{margin-left:auto;display:flex;gap:16px}
header.top nav a{color:#fff;text-decoration:none;font-weight:600}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
main{max-width:1000px;margin:0 auto;padding:20px 28px 40px}
.crumbs{font-size:14px;color:#6b6b6b;margin:0 0 8px}
ul.products{list-style:none;padding:0;margin:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:14px}
ul.products li{background:#fff;border:1px solid #e6ddd2;border-radius:8px;padding:12px}
ul.products a{font-weight:600;text-decoration:none;display:block}
.meta{color:#6b6b6b;font-size:14px}
.sort{margin:8px 0 16px;display:flex;gap:14px;font-size:14px}
.cats{display:flex;flex-wrap:wrap;gap:10px;list-style:none;padding:0}
.cats li{background:#efe7de;border-radius:16px;padding:6px 14px}
.product form,.form{display:grid;gap:8px;max-width:420px;margin-top:12px}
input,select,textarea{padding:6px 8px;font-size:15px;border:1px solid #c9bcae;border-radius:4px;font-family:inherit}
button{padding:8px 16px;border:0;border-radius:4px;background:#7a4b2a;color:#fff;font-weight:600;font-size:15px;cursor:pointer}
button:disabled{background:#bbb}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:8px;border-bottom:1px solid #eee}
td form{display:inline-flex;gap:6px;align-items:center}
td input{width:64px}
.notice{background:#e6f4e6;padding:10px 14px;border-radius:6px}
.error{background:#fde8e8;color:#8a1f1f;padding:10px 14px;border-radius:6px}
.pager{margin-top:16px;display:flex;gap:14px}
.reviews li{margin-bottom:6px}
`;

/** The page shell: header with the store name, search, My orders, My account and the cart. */
export function layout(data: ShopData, state: ShopState, title: string, body: string, query = ''): string {
  const count = state.cart.reduce((n, l) => n + l.quantity, 0);
  return documentHtml(
    `${title} — ${data.name}`,
    CSS,
    `<header class="top"><a class="logo" href="/">${esc(data.name)}</a>
<form action="/search" method="get" role="search"><label class="sr-only" for="q">Search</label><input id="q" name="q" type="text" placeholder="Search products" value="${esc(query)}"><button type="submit">Search</button></form>
<nav aria-label="Account"><a href="/orders">My orders</a><a href="/account">My account</a><a href="/cart">Cart (${count})</a></nav></header>
<main>${body}</main>`,
  );
}

function stockText(stock: number): string {
  return stock > 0 ? 'In stock' : 'Out of stock';
}

/** A product grid: name link, then "price · rating · stock" on one line. */
export function productList(state: ShopState, products: readonly ShopProduct[]): string {
  if (products.length === 0) return '<p>No products found.</p>';
  const items = products.map(
    (p) => `<li><a href="/product/${esc(p.slug)}">${esc(p.name)}</a><span class="meta">${money(priceOf(state, p))} · Rated ${p.rating.toFixed(1)} · ${stockText(stockOf(state, p))}</span></li>`,
  );
  return `<ul class="products">${items.join('')}</ul>`;
}

export function homePage(data: ShopData, state: ShopState): string {
  const cats = data.categories.map((c) => `<li><a href="/category/${esc(c.slug)}">${esc(c.name)}</a> <span class="meta">(${categoryProducts(data, c.slug).length})</span></li>`).join('');
  const featured = [...data.products].sort((a, b) => b.rating - a.rating || a.id - b.id).slice(0, 4);
  return layout(
    data,
    state,
    'Home',
    `<h1>Welcome to ${esc(data.name)}</h1><p>Handmade goods for home, kitchen and garden.</p>
<h2>Shop by category</h2><ul class="cats">${cats}</ul>
<h2>Featured products</h2>${productList(state, featured)}`,
  );
}

/** Sort links (the current one is plain text) and the paginated list. */
export function listingBody(state: ShopState, products: readonly ShopProduct[], sort: SortKey, page: number, pages: number, href: (params: { sort?: string; page?: number }) => string): string {
  const sorts = SORTS.map((s) => (s === sort ? `<strong aria-current="true">${SORT_LABELS[s]}</strong>` : `<a href="${esc(href({ sort: s === 'name' ? undefined : s }))}">${SORT_LABELS[s]}</a>`)).join('');
  return `<nav class="sort" aria-label="Sort">Sort by: ${sorts}</nav>
${productList(state, products)}
${pager(page, pages, (n) => href({ sort: sort === 'name' ? undefined : sort, page: n > 1 ? n : undefined }))}`;
}

export function categoryPage(data: ShopData, state: ShopState, name: string, slug: string, total: number, list: string): string {
  return layout(data, state, name, `<p class="crumbs"><a href="/">Home</a> › ${esc(name)}</p><h1>${esc(name)}</h1><p>${total} product${total === 1 ? '' : 's'}</p>${list}`);
}

export function searchPage(data: ShopData, state: ShopState, query: string, total: number, list: string): string {
  const body = query.trim()
    ? `<h1>Search results for “${esc(query)}”</h1><p>${total} result${total === 1 ? '' : 's'}</p>${list}`
    : '<h1>Search</h1><p>Type a product name, colour or material in the search box.</p>';
  return layout(data, state, 'Search', body, query);
}

export function productPage(data: ShopData, state: ShopState, p: ShopProduct, error = ''): string {
  const cat = data.categories.find((c) => c.slug === p.category);
  const stock = stockOf(state, p);
  const select = (id: string, label: string, options: readonly string[]): string =>
    options.length ? `<label for="${id}">${label}</label><select id="${id}" name="${id}">${options.map((o) => `<option>${esc(o)}</option>`).join('')}</select>` : '';
  const reviews = p.reviews.length
    ? `<ul class="reviews">${p.reviews.map((r) => `<li><strong>${esc(r.title)}</strong> — ${r.rating} of 5 stars, by ${esc(r.author)}: ${esc(r.text)}</li>`).join('')}</ul>`
    : '<p>No reviews yet.</p>';
  return layout(
    data,
    state,
    p.name,
    `<p class="crumbs"><a href="/">Home</a> › <a href="/category/${esc(p.category)}">${esc(cat?.name ?? p.category)}</a></p>
<div class="product"><h1>${esc(p.name)}</h1>
<p>Price: ${money(priceOf(state, p))}</p>
<p>Rating: ${p.rating.toFixed(1)} out of 5 (${p.reviews.length} review${p.reviews.length === 1 ? '' : 's'})</p>
<p>Availability: ${stock > 0 ? `In stock (${stock} left)` : 'Out of stock'}</p>
<p class="meta">${esc(p.sku)} · ${esc(p.description)}</p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form action="/cart/add" method="post"><input type="hidden" name="productId" value="${p.id}">
${select('size', 'Size', p.sizes)}${select('finish', 'Finish', p.finishes)}
<label for="quantity">Quantity</label><input id="quantity" name="quantity" type="number" min="1" max="20" value="1">
<button type="submit"${stock > 0 ? '' : ' disabled'}>Add to cart</button></form></div>
<h2>Reviews</h2>${reviews}`,
  );
}

function lineName(data: ShopData, l: OrderLine): string {
  return data.productById.get(l.productId)?.name ?? `Product ${l.productId}`;
}

function lineLabel(data: ShopData, l: OrderLine): string {
  const o = optionText(l);
  return `${lineName(data, l)}${o ? ` (${o})` : ''}`;
}

export function cartPage(data: ShopData, state: ShopState, notice = ''): string {
  const head = `<h1>Shopping cart</h1>${notice ? `<p class="notice" role="status">${esc(notice)}</p>` : ''}`;
  if (state.cart.length === 0) return layout(data, state, 'Cart', `${head}<p>Your cart is empty.</p><p><a href="/">Continue shopping</a></p>`);
  const rows = state.cart.map((l, i) => {
    const p = data.productById.get(l.productId);
    const label = lineLabel(data, l);
    return `<tr><td><a href="/product/${esc(p?.slug ?? '')}">${esc(lineName(data, l))}</a></td><td>${esc(optionText(l) || '—')}</td><td>${money(l.unitCents)}</td>
<td><form action="/cart/update" method="post"><input type="hidden" name="line" value="${i}"><label for="qty${i}">Qty<span class="sr-only"> of ${esc(label)}</span></label><input id="qty${i}" name="quantity" type="number" min="0" max="20" value="${l.quantity}"><button type="submit" aria-label="Update ${esc(label)}">Update</button></form></td>
<td>${money(l.quantity * l.unitCents)}</td><td><form action="/cart/remove" method="post"><input type="hidden" name="line" value="${i}"><button type="submit" aria-label="Remove ${esc(label)}">Remove</button></form></td></tr>`;
  });
  return layout(
    data,
    state,
    'Cart',
    `${head}<table><thead><tr><th>Product</th><th>Options</th><th>Price</th><th>Quantity</th><th>Total</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>
<p>Subtotal: ${money(linesTotal(state.cart))}</p><p><a href="/checkout">Proceed to checkout</a> · <a href="/">Continue shopping</a></p>`,
  );
}

export interface CheckoutValues {
  fullName: string;
  street: string;
  city: string;
  zip: string;
  note: string;
}

export function checkoutPage(data: ShopData, state: ShopState, values: CheckoutValues, error = ''): string {
  if (state.cart.length === 0) return layout(data, state, 'Checkout', '<h1>Checkout</h1><p>Your cart is empty.</p><p><a href="/">Continue shopping</a></p>');
  const items = state.cart.map((l) => `<li>${l.quantity} × ${esc(lineLabel(data, l))} — ${money(l.quantity * l.unitCents)}</li>`).join('');
  const field = (id: keyof CheckoutValues, label: string): string => `<label for="${id}">${label}</label><input id="${id}" name="${id}" type="text" value="${esc(values[id])}">`;
  return layout(
    data,
    state,
    'Checkout',
    `<h1>Checkout</h1><h2>Order summary</h2><ul>${items}</ul><p>Total: ${money(linesTotal(state.cart))}</p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<h2>Shipping address</h2><form class="form" action="/checkout" method="post">
${field('fullName', 'Full name')}${field('street', 'Street address')}${field('city', 'City')}${field('zip', 'ZIP code')}
<label for="note">Delivery note</label><textarea id="note" name="note" rows="2">${esc(values.note)}</textarea>
<button type="submit">Place order</button></form>`,
  );
}

function addressText(a: ShopAddress): string {
  return `${a.fullName}, ${a.street}, ${a.city} ${a.zip}`;
}

export function ordersPage(data: ShopData, state: ShopState, orders: readonly ShopOrder[], page: number, pages: number, total: number): string {
  const rows = orders.map((o) => `<tr><td><a href="/orders/${o.id}">Order #${o.id}</a></td><td>${o.date}</td><td>${statusLabel(o.status)}</td><td>${money(o.totalCents)}</td></tr>`).join('');
  return layout(
    data,
    state,
    'My orders',
    `<h1>My orders</h1><p>${total} order${total === 1 ? '' : 's'}</p>
${total ? `<table><thead><tr><th>Order</th><th>Date</th><th>Status</th><th>Total</th></tr></thead><tbody>${rows}</tbody></table>` : '<p>You have no orders yet.</p>'}
${pager(page, pages, (n) => withQuery('/orders', { page: n > 1 ? n : undefined }))}`,
  );
}

export function orderPage(data: ShopData, state: ShopState, o: ShopOrder, placed: boolean): string {
  const rows = o.lines
    .map((l) => {
      const p = data.productById.get(l.productId);
      return `<tr><td><a href="/product/${esc(p?.slug ?? '')}">${esc(lineName(data, l))}</a></td><td>${esc(optionText(l) || '—')}</td><td>${l.quantity}</td><td>${money(l.unitCents)}</td><td>${money(l.quantity * l.unitCents)}</td></tr>`;
    })
    .join('');
  return layout(
    data,
    state,
    `Order #${o.id}`,
    `${placed ? `<p class="notice" role="status">Thank you! Your order number is #${o.id}.</p>` : ''}<p class="crumbs"><a href="/orders">Back to my orders</a></p>
<h1>Order #${o.id}</h1><p>Placed on ${o.date}</p><p>Status: ${statusLabel(o.status)}</p>
<table><thead><tr><th>Product</th><th>Options</th><th>Qty</th><th>Price</th><th>Total</th></tr></thead><tbody>${rows}</tbody></table>
<p>Order total: ${money(o.totalCents)}</p><p>Ship to: ${esc(addressText(o.address))}</p>${o.note ? `<p>Delivery note: ${esc(o.note)}</p>` : ''}`,
  );
}

export function accountPage(data: ShopData, state: ShopState, saved: boolean, error = ''): string {
  const a = state.account;
  const field = (id: string, label: string, value: string, type = 'text'): string => `<label for="${id}">${label}</label><input id="${id}" name="${id}" type="${type}" value="${esc(value)}">`;
  return layout(
    data,
    state,
    'My account',
    `<h1>Account settings</h1>${saved ? '<p class="notice" role="status">Your settings have been saved.</p>' : ''}${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form class="form" action="/account" method="post">
${field('name', 'Name', a.name)}${field('email', 'Email', a.email, 'email')}${field('phone', 'Phone', a.phone, 'tel')}
<label><input type="checkbox" name="newsletter" value="yes"${a.newsletter ? ' checked' : ''}> Subscribe to the newsletter</label>
<h2>Default shipping address</h2>
${field('addrName', 'Recipient name', a.address.fullName)}${field('addrStreet', 'Street address', a.address.street)}${field('addrCity', 'City', a.address.city)}${field('addrZip', 'ZIP code', a.address.zip)}
<button type="submit">Save settings</button></form>`,
  );
}

export function notFoundPage(data: ShopData, state: ShopState, what: string): string {
  return layout(data, state, 'Not found', `<h1>${esc(what)}</h1><p>Sorry, we could not find that page.</p><p><a href="/">Continue shopping</a></p>`);
}
