// Storefront queries over the shop data and a session's state: search, category listings and
// their sort orders, the signed-in shopper's orders, cart totals. Shared by the pages (what the
// site shows) and the task templates (which instances are well-defined), so both agree.

import { entitySplit } from '../words.js';
import type { OrderLine, ShopData, ShopOrder, ShopProduct, ShopState } from './data.js';

/** Sort orders of category pages and search results (`?sort=`). */
export const SORTS = ['name', 'price-asc', 'price-desc', 'rating'] as const;
export type SortKey = (typeof SORTS)[number];

/** Visible labels of the sort links. */
export const SORT_LABELS: Record<SortKey, string> = {
  name: 'Name',
  'price-asc': 'Price: low to high',
  'price-desc': 'Price: high to low',
  rating: 'Top rated',
};

export const PER_PAGE = 10;

export function sortKey(raw: string | null): SortKey {
  return (SORTS as readonly string[]).includes(raw ?? '') ? (raw as SortKey) : 'name';
}

/** Current price of a product (the admin may have changed it in this session). */
export function priceOf(state: Pick<ShopState, 'products'> | undefined, p: ShopProduct): number {
  return state?.products[p.id]?.priceCents ?? p.priceCents;
}

export function stockOf(state: Pick<ShopState, 'products'> | undefined, p: ShopProduct): number {
  return state?.products[p.id]?.stock ?? p.stock;
}

/** Sorts a copy: by name, price (ties by name) or rating (high first, ties by name). */
export function sortProducts(products: readonly ShopProduct[], sort: SortKey, state?: Pick<ShopState, 'products'>): ShopProduct[] {
  const byName = (a: ShopProduct, b: ShopProduct): number => a.name.localeCompare(b.name);
  const out = [...products];
  if (sort === 'price-asc') out.sort((a, b) => priceOf(state, a) - priceOf(state, b) || byName(a, b));
  else if (sort === 'price-desc') out.sort((a, b) => priceOf(state, b) - priceOf(state, a) || byName(a, b));
  else if (sort === 'rating') out.sort((a, b) => b.rating - a.rating || byName(a, b));
  else out.sort(byName);
  return out;
}

const wordsOf = (s: string): string[] => s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

/** Whether query word `q` matches name word `n` (prefix, or a plural of it). */
function wordMatches(q: string, n: string): boolean {
  return n.startsWith(q) || q === `${n}s` || q === `${n}es`;
}

/** Products whose name matches every word of the query (empty query: none). */
export function searchProducts(data: ShopData, query: string): ShopProduct[] {
  const q = wordsOf(query);
  if (q.length === 0) return [];
  return data.products.filter((p) => {
    const name = wordsOf(p.name);
    return q.every((w) => name.some((n) => wordMatches(w, n)));
  });
}

export function categoryProducts(data: ShopData, slug: string): ShopProduct[] {
  return data.products.filter((p) => p.category === slug);
}

/** Which split an order (of the shopper) belongs to, by its number. */
export function orderSplit(id: number): 'train' | 'test' {
  return entitySplit(`Order #${id}`);
}

/** The signed-in shopper's orders, newest (highest number) first. */
export function myOrders(data: ShopData, state: Pick<ShopState, 'orders'>): ShopOrder[] {
  return state.orders.filter((o) => o.customerId === data.shopperId).sort((a, b) => b.id - a.id);
}

export function linesTotal(lines: readonly OrderLine[]): number {
  return lines.reduce((s, l) => s + l.quantity * l.unitCents, 0);
}

/** "Size M, Finish Gloss" (empty when the line has no options). */
export function optionText(line: Pick<OrderLine, 'size' | 'finish'>): string {
  const parts: string[] = [];
  if (line.size) parts.push(`Size ${line.size}`);
  if (line.finish) parts.push(`Finish ${line.finish}`);
  return parts.join(', ');
}

/** Capitalised order status ("Shipped"). */
export const statusLabel = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
