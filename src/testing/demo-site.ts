// Demo web shop ("Maple & Clay") on node:http, with scripted demo tasks, for the quickstart, the environment benchmark and tests.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { defineOptions, integer, MAX_TIMER_MS, num, obj, port } from '../options.js';
import type { Action, EnvTask } from '../env/types.js';

// ---------------------------------------------------------------- catalogue

/** One product of the demo shop. Prices are in cents; `price` is the text the site shows. */
export interface DemoProduct {
  readonly slug: string;
  readonly name: string;
  /** Category name as shown in the navigation (`Kitchen`, `Home Decor`, `Office`, `Garden`). */
  readonly category: string;
  readonly categorySlug: string;
  readonly priceCents: number;
  /** Price as shown on the site, e.g. `$14.99`. */
  readonly price: string;
  /** 3.0 to 5.0, one decimal. */
  readonly rating: number;
  readonly reviews: number;
  readonly description: string;
  /** The three options of the product page's Color dropdown. */
  readonly colors: readonly string[];
}

/** One line of a session's cart. */
export interface DemoCartLine {
  readonly slug: string;
  readonly name: string;
  readonly color: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

/** An order placed through the checkout form. */
export interface DemoOrder {
  /** Order number shown as `Order #<id> placed`; numbers start at 1001 per site. */
  readonly id: number;
  readonly items: readonly DemoCartLine[];
  readonly fullName: string;
  readonly street: string;
  readonly city: string;
  readonly giftWrap: boolean;
  /** Items plus gift wrap. */
  readonly totalCents: number;
}

/** What `/api/state` returns: the cart and orders of the requesting browser session. */
export interface DemoState {
  readonly cart: readonly DemoCartLine[];
  readonly orders: readonly DemoOrder[];
}

/** The end of an episode as a demo task's `check` judges it. */
export interface DemoFinalState extends DemoState {
  /** URL of the page the episode ended on. */
  readonly url: string;
  /** The agent's final answer, if it answered. */
  readonly answer?: string;
}

const CATEGORIES = [
  { name: 'Kitchen', slug: 'kitchen' },
  { name: 'Home Decor', slug: 'home-decor' },
  { name: 'Office', slug: 'office' },
  { name: 'Garden', slug: 'garden' },
] as const;

/** Product kinds: noun, category slug, base price in dollars, plausible materials. */
const KINDS: ReadonlyArray<{ noun: string; category: string; base: number; materials: readonly string[]; use: string }> = [
  { noun: 'Mug', category: 'kitchen', base: 14, materials: ['Ceramic', 'Glass', 'Enamel', 'Stoneware'], use: 'holds a generous 350 ml of coffee or tea' },
  { noun: 'Teapot', category: 'kitchen', base: 38, materials: ['Ceramic', 'Glass', 'Cast Iron', 'Copper'], use: 'brews four cups and keeps them warm' },
  { noun: 'Bowl', category: 'kitchen', base: 17, materials: ['Ceramic', 'Wooden', 'Glass', 'Bamboo'], use: 'is sized for salads, soups and weekend noodles' },
  { noun: 'Cutting Board', category: 'kitchen', base: 32, materials: ['Wooden', 'Bamboo', 'Marble'], use: 'has a juice groove and doubles as a serving board' },
  { noun: 'Table Lamp', category: 'home-decor', base: 64, materials: ['Brass', 'Ceramic', 'Wooden', 'Glass'], use: 'casts a warm, even light over a desk or bedside table' },
  { noun: 'Vase', category: 'home-decor', base: 27, materials: ['Glass', 'Ceramic', 'Marble', 'Stoneware'], use: 'suits a single stem or a full bouquet' },
  { noun: 'Candle Holder', category: 'home-decor', base: 15, materials: ['Brass', 'Glass', 'Copper', 'Marble'], use: 'fits standard dinner candles' },
  { noun: 'Throw Pillow', category: 'home-decor', base: 24, materials: ['Linen', 'Cotton', 'Velvet', 'Wool'], use: 'comes with a feather insert and a hidden zip' },
  { noun: 'Notebook', category: 'office', base: 12, materials: ['Leather', 'Linen', 'Recycled'], use: 'has 192 dotted pages of fountain-pen-friendly paper' },
  { noun: 'Desk Organizer', category: 'office', base: 29, materials: ['Bamboo', 'Wooden', 'Steel', 'Leather'], use: 'keeps pens, cables and sticky notes in order' },
  { noun: 'Pen Cup', category: 'office', base: 11, materials: ['Ceramic', 'Steel', 'Bamboo', 'Concrete'], use: 'holds a dozen pens and a pair of scissors' },
  { noun: 'Planter', category: 'garden', base: 22, materials: ['Ceramic', 'Terracotta', 'Concrete'], use: 'has a drainage hole and a matching saucer' },
  { noun: 'Watering Can', category: 'garden', base: 27, materials: ['Steel', 'Copper', 'Brass'], use: 'holds 1.5 litres and pours through a long, fine spout' },
  { noun: 'Bird Feeder', category: 'garden', base: 21, materials: ['Wooden', 'Copper', 'Bamboo'], use: 'hangs from a branch and refills from the top' },
];

const ADJECTIVES = ['Blue', 'Green', 'Classic', 'Rustic', 'Modern', 'Vintage', 'Nordic', 'Cozy', 'Golden', 'Minimal'];
const COLORS = ['Red', 'Blue', 'Green', 'Black', 'White', 'Yellow', 'Grey', 'Navy'];
const PREMIUM = new Set(['Marble', 'Copper', 'Brass', 'Leather', 'Cast Iron', 'Velvet']);
const FINISHES = ['hand-finished in a small workshop', 'made to be used every day', 'designed in our studio', 'built to last for years', 'finished with a soft matte glaze'];
const CARE: Record<string, string> = {
  kitchen: 'Dishwasher safe unless noted; wipe wooden pieces by hand.',
  'home-decor': 'Dust with a dry cloth; keep out of direct sunlight.',
  office: 'Wipe clean with a damp cloth.',
  garden: 'Bring indoors over winter to make it last longer.',
};
const SWATCH: Record<string, string> = {
  Blue: '#4a78b5', Green: '#5e8c61', Classic: '#8c7b6b', Rustic: '#a0522d', Modern: '#555f6b', Vintage: '#b08d57',
  Nordic: '#9fb4c7', Cozy: '#c98b6b', Golden: '#d4a72c', Minimal: '#c9c9c9',
};

/** mulberry32: a small, fast, seedable PRNG with a 32-bit state. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function shuffled<T>(rng: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const slugify = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** Formats cents as the site shows prices: `$14.99`. */
export function formatPrice(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

/**
 * The shop's 24 products for `seed`, always in the same order with the same names, prices and
 * ratings for the same seed. The first product is always the "Blue Ceramic Mug".
 */
export function generateProducts(seed = 1, count = 24): DemoProduct[] {
  const rng = prng(seed);
  const kinds = shuffled(rng, KINDS);
  const names = new Set<string>();
  const products: DemoProduct[] = [];
  for (let i = 0; products.length < count; i++) {
    const first = i === 0;
    const kind = first ? KINDS[0]! : kinds[(i - 1) % kinds.length]!;
    const material = first ? 'Ceramic' : pick(rng, kind.materials);
    let adjective = first ? 'Blue' : pick(rng, ADJECTIVES);
    let name = `${adjective} ${material} ${kind.noun}`;
    for (let tries = 0; names.has(name) && tries < 20; tries++) {
      adjective = pick(rng, ADJECTIVES);
      name = `${adjective} ${material} ${kind.noun}`;
    }
    if (names.has(name)) continue;
    names.add(name);
    const factor = (PREMIUM.has(material) ? 1.4 : material === 'Bamboo' || material === 'Recycled' ? 0.85 : 1) * (0.8 + rng() * 0.45);
    const dollars = Math.max(4, Math.round(kind.base * factor));
    const priceCents = dollars * 100 - (rng() < 0.8 ? 1 : 50);
    const rating = Math.round((3 + rng() * 2) * 10) / 10;
    const reviews = 3 + Math.floor(rng() * 480);
    const palette = COLORS.includes(adjective) ? [adjective, ...shuffled(rng, COLORS.filter((c) => c !== adjective)).slice(0, 2)] : shuffled(rng, COLORS).slice(0, 3);
    const category = CATEGORIES.find((c) => c.slug === kind.category)!;
    const description =
      `Our ${adjective.toLowerCase()} ${kind.noun.toLowerCase()} in ${material.toLowerCase()} ${kind.use}. ` +
      `Each piece is ${pick(rng, FINISHES)}, so no two are exactly alike. ` +
      `Available in ${palette.slice(0, 2).join(', ')} and ${palette[2]!}. ${CARE[kind.category]!}`;
    products.push({
      slug: slugify(name),
      name,
      category: category.name,
      categorySlug: category.slug,
      priceCents,
      price: formatPrice(priceCents),
      rating,
      reviews,
      description,
      colors: palette,
    });
  }
  return products;
}

// ---------------------------------------------------------------- server

export interface DemoSiteOptions {
  /** Port to listen on (default 0: a free port chosen by the OS). */
  readonly port?: number;
  /** Seed of the product catalogue (default 1). */
  readonly seed?: number;
  /** Delay added to every response, in ms (default 0), to imitate slow pages. */
  readonly latencyMs?: number;
}

/** The schema of DemoSiteOptions: checked by `startDemoSite` before it listens. */
export const demoSiteOptions = defineOptions<DemoSiteOptions>()('startDemoSite', obj({
  port: port().optional(),
  seed: integer('an integer').optional(),
  latencyMs: num({ min: 0, max: MAX_TIMER_MS }, `a number of milliseconds from 0 to ${MAX_TIMER_MS}`).optional(),
}));

/** A running demo shop. `url` is its origin, e.g. `http://127.0.0.1:41234` (no trailing slash). */
export interface DemoSite extends AsyncDisposable {
  readonly url: string;
  readonly seed: number;
  readonly products: readonly DemoProduct[];
  /** Stops the server and drops all sessions. Safe to call twice. */
  close(): Promise<void>;
}

interface Session {
  cart: DemoCartLine[];
  orders: DemoOrder[];
}

const SHOP = 'Maple & Clay';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const CSS = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#2b2b2b;background:#faf8f5;line-height:1.45}
a{color:#7a4b2a}
header.top{display:flex;align-items:center;gap:24px;padding:14px 32px;background:#3d2c22;color:#fff}
header.top .logo{color:#fff;font-weight:700;font-size:22px;text-decoration:none;letter-spacing:.5px}
header.top form{display:flex;gap:6px;flex:1;max-width:520px}
header.top input{flex:1;padding:8px 10px;border:0;border-radius:4px;font-size:15px}
header.top button{padding:8px 14px;border:0;border-radius:4px;background:#e0a458;color:#2b2b2b;font-weight:600;cursor:pointer}
header.top .cart{color:#fff;margin-left:auto;text-decoration:none;font-weight:600}
nav.cats{display:flex;gap:20px;padding:10px 32px;background:#efe7de;border-bottom:1px solid #e0d5c8}
nav.cats a{text-decoration:none;font-weight:500}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
main{max-width:1100px;margin:0 auto;padding:24px 32px 48px}
.hero{background:#f3e3cf;border-radius:8px;padding:24px 28px;margin-bottom:24px}
.hero h1{margin:0 0 6px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:20px;list-style:none;padding:0;margin:0}
.card{background:#fff;border:1px solid #e6ddd2;border-radius:8px;padding:12px}
.swatch{height:120px;border-radius:6px;margin-bottom:10px}
.card a{font-weight:600;text-decoration:none}
.price{font-weight:700;color:#2b2b2b}
.rating{color:#6b6b6b;font-size:14px}
.product{display:grid;grid-template-columns:1fr 1fr;gap:32px}
.product .swatch{height:320px}
.product form{display:grid;gap:10px;max-width:280px;margin-top:16px}
.product select,.product input,.checkout input[type=text]{padding:7px 9px;font-size:15px;border:1px solid #c9bcae;border-radius:4px}
.btn{display:inline-block;padding:10px 18px;border:0;border-radius:4px;background:#7a4b2a;color:#fff;font-weight:600;font-size:15px;text-decoration:none;cursor:pointer}
.btn.light{background:#efe7de;color:#3d2c22}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:10px;border-bottom:1px solid #eee}
.total{font-size:20px;font-weight:700;margin:16px 0}
.checkout form{display:grid;gap:10px;max-width:420px}
.error{background:#fde8e8;color:#8a1f1f;padding:10px 14px;border-radius:6px}
.catalog article{background:#fff;border:1px solid #e6ddd2;border-radius:8px;padding:16px 20px;margin-bottom:18px}
.catalog article h2{margin:0 0 4px;font-size:20px}
footer{padding:24px 32px;color:#6b6b6b;font-size:14px;border-top:1px solid #e6ddd2}
`;

function layout(title: string, session: Session, body: string, query = ''): string {
  const count = session.cart.reduce((n, l) => n + l.quantity, 0);
  const cats = CATEGORIES.map((c) => `<a href="/category/${c.slug}">${esc(c.name)}</a>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} — ${esc(SHOP)}</title><link rel="icon" href="data:,"><style>${CSS}</style></head>
<body>
<header class="top">
<a class="logo" href="/">${esc(SHOP)}</a>
<form action="/search" method="get" role="search"><label class="sr-only" for="q">Search</label><input id="q" name="q" type="text" placeholder="Search mugs, lamps, planters…" value="${esc(query)}"><button type="submit">Search</button></form>
<a class="cart" href="/cart">Cart (${count})</a>
</header>
<nav class="cats" aria-label="Categories">${cats}<a href="/catalog">Catalog</a></nav>
<main>
${body}
</main>
<footer>© 2025 ${esc(SHOP)} · Free shipping on orders over $50 · Returns within 30 days</footer>
</body></html>`;
}

function stars(rating: number): string {
  const full = Math.round(rating);
  return '★'.repeat(full) + '☆'.repeat(5 - full);
}

function grid(products: readonly DemoProduct[]): string {
  const cards = products.map(
    (p) => `<li class="card"><div class="swatch" aria-hidden="true" style="background:${SWATCH[p.name.split(' ')[0]!] ?? '#bbb'}"></div>
<a href="/product/${p.slug}">${esc(p.name)}</a>
<div class="price">${p.price}</div>
<div class="rating"><span aria-hidden="true">${stars(p.rating)}</span> Rated ${p.rating.toFixed(1)} out of 5 (${p.reviews} reviews)</div></li>`,
  );
  return `<ul class="grid">${cards.join('\n')}</ul>`;
}

function cartTotal(lines: readonly DemoCartLine[]): number {
  return lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
}

const GIFT_WRAP_CENTS = 400;

async function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > 64 * 1024) throw new Error('request body too large');
    chunks.push(b);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

/** Words of a product name or query, lower-cased. */
const wordsOf = (s: string): string[] => s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

/** Products whose name has, for every query word, a word starting with it (case-insensitive). */
export function searchProducts(products: readonly DemoProduct[], query: string): DemoProduct[] {
  const q = wordsOf(query);
  if (q.length === 0) return [];
  return products.filter((p) => {
    const name = wordsOf(p.name);
    return q.every((w) => name.some((n) => n.startsWith(w)));
  });
}

/**
 * Starts the demo shop on 127.0.0.1. Every browser session gets a `sid` cookie on its first
 * request; carts and orders live on the server under that id, so separate browser contexts
 * never share state. `GET /api/state` returns the requesting session's {@link DemoState}.
 */
export async function startDemoSite(options: DemoSiteOptions = {}): Promise<DemoSite> {
  demoSiteOptions.check(options);
  const { port = 0, seed = 1, latencyMs = 0 } = options;

  const products = generateProducts(seed);
  const bySlug = new Map(products.map((p) => [p.slug, p]));
  const sessions = new Map<string, Session>();
  let nextOrder = 1001;

  function sessionOf(req: IncomingMessage, res: ServerResponse): Session {
    const sid = parseCookies(req.headers.cookie).get('sid');
    const found = sid !== undefined ? sessions.get(sid) : undefined;
    if (found) return found;
    const id = randomBytes(16).toString('hex');
    const session: Session = { cart: [], orders: [] };
    sessions.set(id, session);
    res.setHeader('Set-Cookie', `sid=${id}; Path=/; HttpOnly; SameSite=Lax`);
    return session;
  }

  function send(res: ServerResponse, status: number, body: string, type = 'text/html; charset=utf-8'): void {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  function redirect(res: ServerResponse, location: string): void {
    res.writeHead(303, { Location: location, 'Cache-Control': 'no-store', 'Content-Length': 0 });
    res.end();
  }

  function notFound(res: ServerResponse, session: Session, what = 'Page not found'): void {
    send(res, 404, layout(what, session, `<h1>${esc(what)}</h1><p>Sorry, we could not find that page.</p><p><a href="/">Continue shopping</a></p>`));
  }

  /** "Back to results" goes to the listing the shopper came from, else home. */
  function backHref(req: IncomingMessage, origin: string): string {
    const ref = req.headers.referer;
    if (!ref) return '/';
    try {
      const u = new URL(ref);
      if (u.origin === origin && /^\/(?:$|search|category\/|catalog)/.test(u.pathname)) return u.pathname + u.search;
    } catch {
      // not a URL
    }
    return '/';
  }

  function productPage(p: DemoProduct, session: Session, back: string, error = ''): string {
    const options = p.colors.map((c) => `<option value="${esc(c)}">${esc(c)}</option>`).join('');
    return layout(
      p.name,
      session,
      `<p><a href="${esc(back)}">Back to results</a></p>
<div class="product">
<div class="swatch" aria-hidden="true" style="background:${SWATCH[p.name.split(' ')[0]!] ?? '#bbb'}"></div>
<section>
<p class="rating">${esc(p.category)}</p>
<h1>${esc(p.name)}</h1>
<p class="price">${p.price}</p>
<p class="rating"><span aria-hidden="true">${stars(p.rating)}</span> Rated ${p.rating.toFixed(1)} out of 5 (${p.reviews} reviews)</p>
<p>${esc(p.description)}</p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form action="/cart/add" method="post">
<input type="hidden" name="slug" value="${esc(p.slug)}">
<label for="color">Color</label>
<select id="color" name="color">${options}</select>
<label for="quantity">Quantity</label>
<input id="quantity" name="quantity" type="number" min="1" max="10" value="1">
<button class="btn" type="submit">Add to cart</button>
</form>
</section>
</div>`,
    );
  }

  function checkoutPage(session: Session, error = '', values: { fullName?: string; street?: string; city?: string; giftWrap?: boolean } = {}): string {
    if (session.cart.length === 0) {
      return layout('Checkout', session, `<h1>Checkout</h1><p>Your cart is empty.</p><p><a href="/">Continue shopping</a></p>`);
    }
    const items = session.cart.map((l) => `<li>${l.quantity} × ${esc(l.name)} (${esc(l.color)}) — ${formatPrice(l.quantity * l.unitPriceCents)}</li>`).join('');
    return layout(
      'Checkout',
      session,
      `<div class="checkout"><h1>Checkout</h1>
<h2>Order summary</h2><ul>${items}</ul><p class="total">Subtotal: ${formatPrice(cartTotal(session.cart))}</p>
<h2>Shipping address</h2>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form action="/checkout" method="post" novalidate>
<label for="fullName">Full name</label><input id="fullName" name="fullName" type="text" autocomplete="name" required value="${esc(values.fullName ?? '')}">
<label for="street">Street</label><input id="street" name="street" type="text" autocomplete="street-address" required value="${esc(values.street ?? '')}">
<label for="city">City</label><input id="city" name="city" type="text" autocomplete="address-level2" required value="${esc(values.city ?? '')}">
<div><input id="giftWrap" name="giftWrap" type="checkbox"${values.giftWrap ? ' checked' : ''}> <label for="giftWrap">Gift wrap</label> <span class="rating">adds ${formatPrice(GIFT_WRAP_CENTS)}</span></div>
<button class="btn" type="submit">Place order</button>
</form></div>`,
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse, origin: string): Promise<void> {
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const session = sessionOf(req, res);

    if (method === 'POST') {
      const form = await readBody(req);
      if (path === '/cart/add') {
        const p = bySlug.get(form.get('slug') ?? '');
        if (!p) return notFound(res, session, 'Product not found');
        const color = form.get('color') ?? '';
        const quantity = Number(form.get('quantity'));
        if (!p.colors.includes(color)) return send(res, 422, productPage(p, session, '/', `Please choose a color: ${p.colors.join(', ')}.`));
        if (!Number.isInteger(quantity) || quantity < 1 || quantity > 10) return send(res, 422, productPage(p, session, '/', 'Quantity must be a whole number from 1 to 10.'));
        const i = session.cart.findIndex((l) => l.slug === p.slug && l.color === color);
        const existing = session.cart[i];
        if (existing) session.cart[i] = { ...existing, quantity: existing.quantity + quantity };
        else session.cart.push({ slug: p.slug, name: p.name, color, quantity, unitPriceCents: p.priceCents });
        return redirect(res, '/cart');
      }
      if (path === '/cart/remove') {
        const line = Number(form.get('line'));
        if (Number.isInteger(line) && line >= 0 && line < session.cart.length) session.cart.splice(line, 1);
        return redirect(res, '/cart');
      }
      if (path === '/checkout') {
        if (session.cart.length === 0) return redirect(res, '/cart');
        const values = {
          fullName: (form.get('fullName') ?? '').trim(),
          street: (form.get('street') ?? '').trim(),
          city: (form.get('city') ?? '').trim(),
          giftWrap: form.get('giftWrap') !== null,
        };
        const missing = [values.fullName ? '' : 'Full name', values.street ? '' : 'Street', values.city ? '' : 'City'].filter(Boolean);
        if (missing.length > 0) return send(res, 422, checkoutPage(session, `Please fill in: ${missing.join(', ')}.`, values));
        const order: DemoOrder = { id: nextOrder++, items: session.cart, ...values, totalCents: cartTotal(session.cart) + (values.giftWrap ? GIFT_WRAP_CENTS : 0) };
        session.orders.push(order);
        session.cart = [];
        return redirect(res, `/order/${order.id}`);
      }
      return notFound(res, session);
    }
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, POST', 'Content-Length': 0 });
      res.end();
      return;
    }

    if (path === '/') {
      return send(
        res,
        200,
        layout(
          'Home',
          session,
          `<section class="hero"><h1>Handmade goods for everyday living</h1><p>Mugs, lamps, planters and more from small workshops. Free shipping on orders over $50.</p></section>
<h2>Featured products</h2>
${grid(products)}`,
        ),
      );
    }
    if (path === '/search') {
      const q = url.searchParams.get('q') ?? '';
      const found = searchProducts(products, q);
      const body =
        found.length === 0
          ? `<h1>Search results</h1><p>No results for “${esc(q)}”. Try a shorter word such as “mug” or “lamp”.</p>`
          : `<h1>Search results</h1><p>${found.length} ${found.length === 1 ? 'result' : 'results'} for “${esc(q)}”</p>${grid(found)}`;
      return send(res, 200, layout(`Search: ${q}`, session, body, q));
    }
    const cat = /^\/category\/([a-z0-9-]+)$/.exec(path);
    if (cat) {
      const c = CATEGORIES.find((x) => x.slug === cat[1]);
      if (!c) return notFound(res, session, 'Category not found');
      const inCat = products.filter((p) => p.categorySlug === c.slug);
      return send(res, 200, layout(c.name, session, `<h1>${esc(c.name)}</h1><p>${inCat.length} products</p>${grid(inCat)}`));
    }
    if (path === '/catalog') {
      const articles = products
        .map(
          (p) => `<article><h2><a href="/product/${p.slug}">${esc(p.name)}</a></h2>
<p><span class="price">${p.price}</span> · ${esc(p.category)} · Rated ${p.rating.toFixed(1)} out of 5 (${p.reviews} reviews)</p>
<p>${esc(p.description)}</p></article>`,
        )
        .join('\n');
      return send(res, 200, layout('Catalog', session, `<div class="catalog"><h1>Full catalog</h1><p>Showing all ${products.length} products.</p>${articles}</div>`));
    }
    const prod = /^\/product\/([a-z0-9-]+)$/.exec(path);
    if (prod) {
      const p = bySlug.get(prod[1]!);
      if (!p) return notFound(res, session, 'Product not found');
      return send(res, 200, productPage(p, session, backHref(req, origin)));
    }
    if (path === '/cart') {
      const rows = session.cart
        .map(
          (l, i) => `<tr><td><a href="/product/${l.slug}">${esc(l.name)}</a></td><td>${esc(l.color)}</td><td>${l.quantity}</td><td>${formatPrice(l.unitPriceCents)}</td><td>${formatPrice(l.quantity * l.unitPriceCents)}</td>
<td><form action="/cart/remove" method="post"><input type="hidden" name="line" value="${i}"><button class="btn light" type="submit">Remove</button></form></td></tr>`,
        )
        .join('\n');
      const body =
        session.cart.length === 0
          ? `<h1>Your cart</h1><p>Your cart is empty.</p><p><a href="/">Continue shopping</a></p>`
          : `<h1>Your cart</h1>
<table><thead><tr><th>Product</th><th>Color</th><th>Quantity</th><th>Price</th><th>Subtotal</th><th></th></tr></thead><tbody>${rows}</tbody></table>
<p class="total">Total: ${formatPrice(cartTotal(session.cart))}</p>
<p><a class="btn" href="/checkout">Checkout</a> <a href="/">Continue shopping</a></p>`;
      return send(res, 200, layout('Cart', session, body));
    }
    if (path === '/checkout') return send(res, 200, checkoutPage(session));
    const ord = /^\/order\/(\d+)$/.exec(path);
    if (ord) {
      const o = session.orders.find((x) => x.id === Number(ord[1]));
      if (!o) return notFound(res, session, 'Order not found');
      const items = o.items.map((l) => `<li>${l.quantity} × ${esc(l.name)} (${esc(l.color)})</li>`).join('');
      return send(
        res,
        200,
        layout(
          `Order #${o.id}`,
          session,
          `<h1>Order #${o.id} placed</h1><p>Thank you, ${esc(o.fullName)}! We will ship your order to ${esc(o.street)}, ${esc(o.city)}.</p>
<ul>${items}</ul>${o.giftWrap ? '<p>Gift wrapped.</p>' : ''}<p class="total">Total: ${formatPrice(o.totalCents)}</p><p><a href="/">Continue shopping</a></p>`,
        ),
      );
    }
    if (path === '/api/state') {
      const state: DemoState = { cart: session.cart, orders: session.orders };
      return send(res, 200, JSON.stringify(state), 'application/json; charset=utf-8');
    }
    return notFound(res, session);
  }

  const server = createServer((req, res) => {
    handle(req, res, origin).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, `<h1>Server error</h1><p>${esc(e instanceof Error ? e.message : String(e))}</p>`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      sessions.clear();
    });
    return closing;
  };
  return { url: origin, seed, products, close, [Symbol.asyncDispose]: close };
}

/**
 * The end state of an episode on the demo site: the session's cart and orders (read through the
 * page's own cookies from `/api/state`), the page URL and the answer.
 */
export async function readDemoState(site: DemoSite, page: Pick<Page, 'request' | 'url'>, answer?: string): Promise<DemoFinalState> {
  const response = await page.request.get(`${site.url}/api/state`);
  if (!response.ok()) throw new Error(`GET ${site.url}/api/state answered ${response.status()}`);
  const state = (await response.json()) as DemoState;
  return { url: page.url(), cart: state.cart, orders: state.orders, ...(answer !== undefined ? { answer } : {}) };
}

// ---------------------------------------------------------------- tasks

/** A demo task with a scripted solution and a checker of the episode's end state. */
export interface DemoTask extends EnvTask {
  /** The expected answer, for information-seeking tasks. */
  readonly answer?: string;
  /** Actions that solve the task from the start page (role + name targets), ending with `answer`. */
  readonly expert: readonly Action[];
  /** Whether the end state solves the task. */
  check(final: DemoFinalState): boolean;
}

const norm = (s: string | undefined): string => (s ?? '').replace(/\s+/g, ' ').trim().toLowerCase();

/** Shipping address used by the checkout task. */
export const DEMO_ADDRESS = Object.freeze({ fullName: 'Ada Lovelace', street: '12 Analytical Way', city: 'London' });

/**
 * Four tasks on `site`, each with an expert solution:
 * price lookup (search), add to cart with a color and quantity, checkout with an address and
 * gift wrap (category browsing), and a count over the long `/catalog` page (scrolling).
 */
export function demoTasks(site: DemoSite): DemoTask[] {
  const products = site.products;
  const startUrl = `${site.url}/`;
  const p1 = products[0]!;
  const p2 = products.find((p, i) => i > 0 && p.colors.includes('Red')) ?? products[1]!;
  const color2 = p2.colors.includes('Red') ? 'Red' : p2.colors[1]!;
  const p3 = products.find((p) => p !== p1 && p !== p2 && p.categorySlug !== p1.categorySlug && p.categorySlug !== p2.categorySlug) ?? products[2]!;
  const cheap = products.filter((p) => p.priceCents < 2000).length;
  const noun1 = wordsOf(p1.name).slice(2).join(' ');
  const query2 = wordsOf(p2.name).slice(1).join(' ');
  const priceRe = new RegExp(`(?<![\\d.])${(p1.priceCents / 100).toFixed(2).replace('.', '\\.')}(?!\\d)`);

  return [
    {
      id: 'demo-price',
      intent: `What is the price of the ${p1.name}?`,
      startUrl,
      answer: p1.price,
      expert: [
        { type: 'type', target: { role: 'textbox', name: 'Search' }, text: noun1, pressEnter: true },
        { type: 'click', target: { role: 'link', name: p1.name } },
        { type: 'answer', text: p1.price },
      ],
      check: (final) => priceRe.test(final.answer ?? ''),
    },
    {
      id: 'demo-add-to-cart',
      intent: `Add 2 of the ${p2.name} in ${color2} to the cart.`,
      startUrl,
      expert: [
        { type: 'type', target: { role: 'textbox', name: 'Search' }, text: query2, pressEnter: true },
        { type: 'click', target: { role: 'link', name: p2.name } },
        { type: 'select', target: { role: 'combobox', name: 'Color' }, option: color2 },
        { type: 'type', target: { role: 'spinbutton', name: 'Quantity' }, text: '2' },
        { type: 'click', target: { role: 'button', name: 'Add to cart' } },
        { type: 'answer', text: `Added 2 ${p2.name} in ${color2} to the cart.` },
      ],
      check: (final) => {
        const lines = final.cart.filter((l) => l.slug === p2.slug);
        return lines.length === 1 && lines[0]!.color === color2 && lines[0]!.quantity === 2;
      },
    },
    {
      id: 'demo-checkout',
      intent: `Place an order for one ${p3.name} (any color) shipped to ${DEMO_ADDRESS.fullName}, ${DEMO_ADDRESS.street}, ${DEMO_ADDRESS.city}, with gift wrap.`,
      startUrl,
      expert: [
        { type: 'click', target: { role: 'link', name: p3.category } },
        { type: 'click', target: { role: 'link', name: p3.name } },
        { type: 'click', target: { role: 'button', name: 'Add to cart' } },
        { type: 'click', target: { role: 'link', name: 'Checkout' } },
        { type: 'type', target: { role: 'textbox', name: 'Full name' }, text: DEMO_ADDRESS.fullName },
        { type: 'type', target: { role: 'textbox', name: 'Street' }, text: DEMO_ADDRESS.street },
        { type: 'type', target: { role: 'textbox', name: 'City' }, text: DEMO_ADDRESS.city },
        { type: 'click', target: { role: 'checkbox', name: 'Gift wrap' } },
        { type: 'click', target: { role: 'button', name: 'Place order' } },
        { type: 'answer', text: 'The order is placed.' },
      ],
      check: (final) =>
        final.orders.some(
          (o) =>
            o.items.length === 1 &&
            o.items[0]!.slug === p3.slug &&
            o.items[0]!.quantity === 1 &&
            o.giftWrap &&
            norm(o.fullName) === norm(DEMO_ADDRESS.fullName) &&
            norm(o.street) === norm(DEMO_ADDRESS.street) &&
            norm(o.city) === norm(DEMO_ADDRESS.city),
        ),
    },
    {
      id: 'demo-catalog-count',
      intent: 'Open the full catalog. How many products cost less than $20.00?',
      startUrl,
      answer: String(cheap),
      expert: [
        { type: 'click', target: { role: 'link', name: 'Catalog' } },
        { type: 'scroll', direction: 'down' },
        { type: 'scroll', direction: 'down' },
        { type: 'answer', text: String(cheap) },
      ],
      check: (final) => {
        const m = /\d+/.exec(final.answer ?? '');
        return m !== null && Number(m[0]) === cheap;
      },
    },
  ];
}
