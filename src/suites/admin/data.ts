// Derived data of the admin site (the shop's back office): order splits, month names, the sales
// report computed from a session's state, and order filtering shared by the pages and the tasks.
// The admin owns no data of its own: it reads `world.shop` and edits the shop's session state.

import type { OrderStatus, ShopData, ShopOrder, ShopState } from '../shop/data.js';
import { entitySplit } from '../words.js';

export const ADMIN_TITLE = 'Maple & Clay Admin';

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;

/** "March 2025" for month 3 (1-based). */
export const monthLabel = (month: number): string => `${MONTHS[month - 1]!} 2025`;

/** First and last day of a 2025 month as YYYY-MM-DD. */
export function monthRange(month: number): { from: string; to: string } {
  const mm = String(month).padStart(2, '0');
  const last = new Date(Date.UTC(2025, month, 0)).getUTCDate();
  return { from: `2025-${mm}-01`, to: `2025-${mm}-${String(last).padStart(2, '0')}` };
}

/** Month (1-12) of a YYYY-MM-DD date in 2025, or 0 for other years. */
export const monthOf = (date: string): number => (date.startsWith('2025-') ? Number(date.slice(5, 7)) : 0);

/** Which split an order belongs to (orders are named by their number). */
export const orderSplit = (o: { readonly id: number }): 'train' | 'test' => entitySplit(`Order #${o.id}`);

/** "Pending", "Canceled" ... as the pages show a status. */
export const statusLabel = (s: OrderStatus): string => s.charAt(0).toUpperCase() + s.slice(1);

export interface OrderFilter {
  /** Order number (with or without #) or part of the customer's name or email. */
  readonly q?: string;
  readonly status?: string;
  readonly from?: string;
  readonly to?: string;
}

/** Orders matching the filter, newest first (ties: higher number first). */
export function filterOrders(data: ShopData, orders: readonly ShopOrder[], f: OrderFilter): ShopOrder[] {
  const q = (f.q ?? '').trim().toLowerCase().replace(/^#/, '');
  const out = orders.filter((o) => {
    if (f.status && o.status !== f.status) return false;
    if (f.from && o.date < f.from) return false;
    if (f.to && o.date > f.to) return false;
    if (q) {
      if (/^\d+$/.test(q)) return String(o.id) === q;
      const c = data.customers[o.customerId - 1];
      const hay = `${c?.name ?? ''} ${c?.email ?? ''}`.toLowerCase();
      if (!hay.includes(q)) return false;
    }
    return true;
  });
  return out.sort((a, b) => (a.date === b.date ? b.id - a.id : a.date < b.date ? 1 : -1));
}

export interface SalesReport {
  readonly months: ReadonlyArray<{ month: number; orders: number; revenueCents: number }>;
  readonly categories: ReadonlyArray<{ slug: string; name: string; revenueCents: number }>;
  readonly orders: number;
  readonly revenueCents: number;
}

/** The 2025 sales report of a session: non-canceled orders only, by month and by category. */
export function salesReport(data: ShopData, state: ShopState): SalesReport {
  const months = Array.from({ length: 12 }, (_, i) => ({ month: i + 1, orders: 0, revenueCents: 0 }));
  const byCat = new Map<string, number>(data.categories.map((c) => [c.slug, 0]));
  for (const o of state.orders) {
    const m = monthOf(o.date);
    if (m === 0 || o.status === 'canceled') continue;
    months[m - 1]!.orders += 1;
    months[m - 1]!.revenueCents += o.totalCents;
    for (const l of o.lines) {
      const cat = data.productById.get(l.productId)?.category;
      if (cat !== undefined) byCat.set(cat, (byCat.get(cat) ?? 0) + l.quantity * l.unitCents);
    }
  }
  const categories = data.categories.map((c) => ({ slug: c.slug, name: c.name, revenueCents: byCat.get(c.slug) ?? 0 }));
  return { months, categories, orders: months.reduce((s, m) => s + m.orders, 0), revenueCents: months.reduce((s, m) => s + m.revenueCents, 0) };
}

/** Price text as the product form shows and accepts it ("12.49"). */
export const priceInput = (cents: number): string => (cents / 100).toFixed(2);

/** Orders of a split, by number. */
export const orderPool = (data: ShopData, split: 'train' | 'test'): ShopOrder[] => data.orders.filter((o) => orderSplit(o) === split).sort((a, b) => a.id - b.id);

/** Customers of a split, by id. */
export const customerPool = (data: ShopData, split: 'train' | 'test'): ShopData['customers'][number][] => data.customers.filter((c) => c.split === split);

/** Products of a split, by id. */
export const productPool = (data: ShopData, split: 'train' | 'test'): ShopData['products'][number][] => data.products.filter((p) => p.split === split);

/**
 * A distractor for wrong-ending demonstrations: the item nearest to `items[index]` (by position)
 * whose `key` differs from the target's.
 */
export function nearestDifferent<T>(items: readonly T[], index: number, key: (t: T) => string | number): T {
  const want = key(items[index]!);
  for (let d = 1; d < items.length; d++) {
    for (const j of [index + d, index - d]) {
      const t = items[j];
      if (t !== undefined && key(t) !== want) return t;
    }
  }
  throw new RangeError('nearestDifferent: every item has the same key');
}
