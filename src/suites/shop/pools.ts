// Entity pools of the shop's task templates, per split and sorted so that instance `index`
// always picks the same entity: products, product lists (a category or a search word) with the
// facts templates ask about, the shopper's orders, and generated phone numbers and addresses.

import { FIRST_NAMES, LAST_NAMES, MATERIALS, NATURE, STREET_KINDS, THINGS, COLORS, entitySplit, rngFor } from '../words.js';
import { derived, type World } from '../world.js';
import { categoryProducts, myOrders, orderSplit, searchProducts, sortProducts } from './catalog.js';
import { createShopState, type ShopOrder, type ShopProduct } from './data.js';

export type Side = 'train' | 'test';

/** A product list a shopper can reach: a category page or the search results for one word. */
export interface ListTarget {
  readonly kind: 'category' | 'color' | 'material' | 'thing';
  /** Category name or the search word ("Kitchen", "Blue", "Linen", "Mug"). */
  readonly label: string;
  /** Category slug (category lists only). */
  readonly slug?: string;
  /** The products of the list, cheapest first. */
  readonly byPrice: readonly ShopProduct[];
  readonly split: Side;
}

export interface Address {
  readonly fullName: string;
  readonly street: string;
  readonly city: string;
  readonly zip: string;
}

const CITY_NAMES = ['Lisbon', 'Oslo', 'Berlin', 'Dublin', 'Vienna', 'Prague', 'Austin', 'Denver', 'Toronto', 'Porto', 'Leeds', 'Lyon'];
const NOTES = ['Leave it at the front door', 'Ring the bell twice', 'Deliver after 5 pm', 'Leave it with the neighbour at number 4', 'Call me when you arrive', 'Please use the side gate'];

interface Pools {
  products: Record<Side, ShopProduct[]>;
  lists: Record<Side, ListTarget[]>;
  orders: Record<Side, ShopOrder[]>;
  phones: Record<Side, string[]>;
  addresses: Record<Side, Address[]>;
}

const bySide = <T>(items: readonly T[], side: (t: T) => Side): Record<Side, T[]> => ({ train: items.filter((t) => side(t) === 'train'), test: items.filter((t) => side(t) === 'test') });

function build(world: World): Pools {
  const data = world.shop;
  const state = createShopState(data);
  const products = [...data.products].sort((a, b) => a.name.localeCompare(b.name));
  const lists: ListTarget[] = [];
  for (const c of data.categories) lists.push({ kind: 'category', label: c.name, slug: c.slug, byPrice: sortProducts(categoryProducts(data, c.slug), 'price-asc', state), split: entitySplit(`category ${c.name}`) });
  const words: Array<[ListTarget['kind'], readonly string[]]> = [['color', COLORS], ['material', MATERIALS], ['thing', THINGS]];
  for (const [kind, list] of words) {
    for (const w of list) {
      const found = searchProducts(data, w);
      if (found.length) lists.push({ kind, label: w, byPrice: sortProducts(found, 'price-asc', state), split: entitySplit(`${kind} ${w}`) });
    }
  }
  lists.sort((a, b) => `${a.kind} ${a.label}`.localeCompare(`${b.kind} ${b.label}`));
  const orders = myOrders(data, state).sort((a, b) => a.id - b.id);
  const rng = rngFor(world.seed, 'shop', 'task-entities');
  const phones = new Set<string>();
  while (phones.size < 400) phones.add(`555-${String(rng.int(100, 999))}-${String(rng.int(1000, 9999))}`);
  const addresses = new Map<string, Address>();
  while (addresses.size < 400) {
    const a = { fullName: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`, street: `${rng.int(2, 240)} ${rng.pick(NATURE)} ${rng.pick(STREET_KINDS)}`, city: rng.pick(CITY_NAMES), zip: String(rng.int(10000, 99999)) };
    addresses.set(`${a.fullName}|${a.street}`, a);
  }
  return {
    products: bySide(products, (p) => p.split),
    lists: bySide(lists, (l) => l.split),
    orders: bySide(orders, (o) => orderSplit(o.id)),
    phones: bySide([...phones].sort(), (p) => entitySplit(p)),
    addresses: bySide([...addresses.values()], (a) => entitySplit(`${a.fullName}, ${a.street}`)),
  };
}

export function pools(world: World): Pools {
  return derived(world, 'shop:pools', () => build(world));
}

/** A delivery note for an instance (secondary choice). */
export const noteFor = (i: number): string => NOTES[i % NOTES.length]!;

/** "mugs", "shelves". */
export function plural(thing: string): string {
  const t = thing.toLowerCase();
  return t.endsWith('f') ? `${t.slice(0, -1)}ves` : `${t}s`;
}

/** How the list is named in a request: "products in the Kitchen category", "blue products", ... */
export function listPhrase(t: ListTarget): string {
  switch (t.kind) {
    case 'category':
      return `products in the ${t.label} category`;
    case 'color':
      return `${t.label.toLowerCase()} products`;
    case 'material':
      return `products made of ${t.label.toLowerCase()}`;
    case 'thing':
      return plural(t.label);
  }
}

/** Whether the `k` cheapest products of the list are well-defined (distinct prices up to k+1). */
export function distinctCheapest(t: ListTarget, k: number): boolean {
  if (t.byPrice.length < k + 1) return false;
  for (let i = 0; i < k; i++) if (t.byPrice[i]!.priceCents === t.byPrice[i + 1]!.priceCents) return false;
  return true;
}

/** Caps a pool size for templates (combinations may be many). */
export const cap = (n: number): number => Math.min(150, n);
