// Seeded data of the shop and its back office (the admin site): categories, products with
// options and reviews, customers, historic orders; and the per-session mutable state both sites
// share (cart, orders, product price/stock, account settings).

import { COLORS, FIRST_NAMES, LAST_NAMES, MATERIALS, THINGS, entitySplit, rngFor, slugify } from '../words.js';

export interface ShopCategory {
  readonly slug: string;
  readonly name: string;
}

export interface ShopReview {
  readonly author: string;
  readonly rating: number;
  readonly title: string;
  readonly text: string;
}

export interface ShopProduct {
  readonly id: number;
  readonly sku: string;
  readonly slug: string;
  /** "{Color} {Material} {Thing}", unique. */
  readonly name: string;
  readonly color: string;
  readonly material: string;
  readonly thing: string;
  readonly category: string;
  /** Initial price and stock; the session state holds the current ones. */
  readonly priceCents: number;
  readonly stock: number;
  /** One decimal, 1.0 to 5.0. */
  readonly rating: number;
  readonly reviews: readonly ShopReview[];
  /** Selectable options; empty lists mean the product has no such option. */
  readonly sizes: readonly string[];
  readonly finishes: readonly string[];
  readonly description: string;
  readonly split: 'train' | 'test';
}

export interface ShopCustomer {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly city: string;
  readonly split: 'train' | 'test';
}

export type OrderStatus = 'pending' | 'processing' | 'shipped' | 'delivered' | 'canceled';
export const ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'processing', 'shipped', 'delivered', 'canceled'];

export interface OrderLine {
  productId: number;
  quantity: number;
  unitCents: number;
  size?: string;
  finish?: string;
}

export interface ShopAddress {
  fullName: string;
  street: string;
  city: string;
  zip: string;
}

export interface ShopOrder {
  /** Order number, like 1042. */
  id: number;
  customerId: number;
  /** YYYY-MM-DD. */
  date: string;
  status: OrderStatus;
  lines: OrderLine[];
  totalCents: number;
  address: ShopAddress;
  /** Free-text note (checkout "delivery instructions" or an admin comment). */
  note: string;
}

export interface ShopData {
  readonly name: string;
  readonly categories: readonly ShopCategory[];
  readonly products: readonly ShopProduct[];
  readonly productById: ReadonlyMap<number, ShopProduct>;
  readonly productBySlug: ReadonlyMap<string, ShopProduct>;
  readonly customers: readonly ShopCustomer[];
  /** The signed-in shopper of the storefront (a customer too). */
  readonly shopperId: number;
  readonly orders: readonly ShopOrder[];
}

/** Mutable per-session state of the shop and the admin (plain JSON). */
export interface ShopState {
  cart: OrderLine[];
  /** Every order: the historic ones, then the ones placed in this session. */
  orders: ShopOrder[];
  /** Current price and stock by product id (the admin edits them, checkout lowers stock). */
  products: Record<string, { priceCents: number; stock: number }>;
  account: { name: string; email: string; phone: string; newsletter: boolean; address: ShopAddress };
}

const CATEGORY_OF: Record<string, string> = {
  Mug: 'Kitchen', Bowl: 'Kitchen', Kettle: 'Kitchen', Teapot: 'Kitchen', Plate: 'Kitchen', Spoon: 'Kitchen', Jar: 'Kitchen', Board: 'Kitchen', Bottle: 'Kitchen', Tray: 'Kitchen',
  Lamp: 'Lighting', Candle: 'Lighting',
  Planter: 'Garden', Basket: 'Garden',
  Apron: 'Apparel', Jacket: 'Apparel', Scarf: 'Apparel',
  Backpack: 'Bags', Wallet: 'Bags',
  Blanket: 'Home Decor', Vase: 'Home Decor', Cushion: 'Home Decor', Clock: 'Home Decor', Mirror: 'Home Decor', Rug: 'Home Decor', Frame: 'Home Decor', Shelf: 'Home Decor', Stool: 'Home Decor',
  Towel: 'Bath', Notebook: 'Stationery',
};

const SIZED = new Set(['Apron', 'Jacket', 'Scarf', 'Blanket', 'Rug', 'Towel', 'Cushion']);
const REVIEW_TITLES = ['Love it', 'Does the job', 'Great value', 'Not what I expected', 'Beautiful finish', 'Solid and sturdy', 'Would buy again', 'A bit small', 'Perfect gift', 'Arrived quickly'];
const REVIEW_TEXTS = ['Exactly as pictured.', 'The colour is lovely in daylight.', 'Sturdier than it looks.', 'Packaging could be better.', 'Use it every day.', 'Smaller than I thought.', 'Good quality for the price.', 'My second one already.'];
const CITIES = ['London', 'Lisbon', 'Oslo', 'Berlin', 'Madrid', 'Dublin', 'Vienna', 'Prague', 'Austin', 'Denver', 'Toronto', 'Porto'];
const STREETS = ['Analytical Way', 'Harbor Road', 'Cedar Lane', 'Maple Street', 'Summit Avenue', 'Meadow Place', 'River Way', 'Garden Road'];

/** Number of products in the catalogue. */
export const PRODUCT_COUNT = 180;

export function createShopData(seed: number): ShopData {
  const rng = rngFor(seed, 'shop');
  const categories = [...new Set(Object.values(CATEGORY_OF))].sort().map((name) => ({ slug: slugify(name), name }));
  const products: ShopProduct[] = [];
  const names = new Set<string>();
  while (products.length < PRODUCT_COUNT) {
    const color = rng.pick(COLORS);
    const material = rng.pick(MATERIALS);
    const thing = rng.pick(THINGS);
    const name = `${color} ${material} ${thing}`;
    if (names.has(name)) continue;
    names.add(name);
    const id = products.length + 1;
    const nReviews = rng.int(0, 4);
    const reviews = Array.from({ length: nReviews }, () => ({
      author: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES).charAt(0)}.`,
      rating: rng.int(1, 5),
      title: rng.pick(REVIEW_TITLES),
      text: rng.pick(REVIEW_TEXTS),
    }));
    products.push({
      id,
      sku: `SKU-${String(1000 + id * 7).padStart(5, '0')}`,
      slug: slugify(name),
      name,
      color,
      material,
      thing,
      category: slugify(CATEGORY_OF[thing] ?? 'Home Decor'),
      priceCents: rng.int(8, 180) * 50 - 1,
      stock: rng.int(0, 60),
      rating: Math.round((2 + rng.next() * 3) * 10) / 10,
      reviews,
      sizes: SIZED.has(thing) ? ['S', 'M', 'L'] : [],
      finishes: rng.chance(0.35) ? ['Matte', 'Gloss'] : [],
      description: `A ${color.toLowerCase()} ${thing.toLowerCase()} made of ${material.toLowerCase()}.`,
      split: entitySplit(name),
    });
  }
  const customers: ShopCustomer[] = [];
  const cnames = new Set<string>();
  while (customers.length < 60) {
    const name = `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
    if (cnames.has(name)) continue;
    cnames.add(name);
    customers.push({ id: customers.length + 1, name, email: `${name.toLowerCase().replace(' ', '.')}@example.com`, city: rng.pick(CITIES), split: entitySplit(name) });
  }
  const orders: ShopOrder[] = [];
  for (let i = 0; i < 140; i++) {
    const customer = i % 7 === 0 ? customers[0]! : rng.pick(customers);
    const lines = Array.from({ length: rng.int(1, 3) }, () => {
      const p = rng.pick(products);
      return { productId: p.id, quantity: rng.int(1, 3), unitCents: p.priceCents, ...(p.sizes.length ? { size: rng.pick(p.sizes) } : {}) };
    });
    const month = 1 + Math.floor((i * 12) / 140);
    orders.push({
      id: 1001 + i,
      customerId: customer.id,
      date: `2025-${String(month).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`,
      status: i >= 126 ? rng.pick(['pending', 'processing'] as const) : rng.pick(ORDER_STATUSES),
      lines,
      totalCents: lines.reduce((s, l) => s + l.quantity * l.unitCents, 0),
      address: { fullName: customer.name, street: `${rng.int(1, 200)} ${rng.pick(STREETS)}`, city: customer.city, zip: String(rng.int(10000, 99999)) },
      note: '',
    });
  }
  return {
    name: 'Maple & Clay',
    categories,
    products,
    productById: new Map(products.map((p) => [p.id, p])),
    productBySlug: new Map(products.map((p) => [p.slug, p])),
    customers,
    shopperId: 1,
    orders,
  };
}

/** A fresh session state: empty cart, the historic orders, initial prices and stock. */
export function createShopState(data: ShopData): ShopState {
  const shopper = data.customers[data.shopperId - 1]!;
  const products: ShopState['products'] = {};
  for (const p of data.products) products[p.id] = { priceCents: p.priceCents, stock: p.stock };
  return {
    cart: [],
    orders: structuredClone(data.orders as ShopOrder[]),
    products,
    account: { name: shopper.name, email: shopper.email, phone: '', newsletter: false, address: { fullName: shopper.name, street: '12 Analytical Way', city: shopper.city, zip: '10001' } },
  };
}
