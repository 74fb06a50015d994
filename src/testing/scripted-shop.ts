// scriptedShop(): a small shop for ScriptedEnvironment at http://shop.test/ (home with search
// and product links, search results, product pages with a quantity dropdown and "Add to cart",
// a cart with "Place order"), for unit tests of agents and trainers without a browser.

import { quote } from '../env/observation-text.js';
import type { ScriptedElement, ScriptedEnvironmentOptions, ScriptedPageSpec, ScriptedSite } from './scripted-types.js';

/** State of the `scriptedShop()` site: cart lines, search queries and whether an order was placed. */
export interface ShopState {
  cart: { product: string; quantity: number }[];
  searches: string[];
  ordered: boolean;
}

/** Start URL of the `scriptedShop()` site. */
export const SCRIPTED_SHOP_URL = 'http://shop.test/';

/** Products of `scriptedShop()`, served at `http://shop.test/product/<slug>`. */
export const SCRIPTED_SHOP_PRODUCTS: readonly { readonly slug: string; readonly name: string; readonly price: string }[] = Object.freeze([
  { slug: 'mug', name: 'Blue Ceramic Mug', price: '$12.00' },
  { slug: 'kettle', name: 'Red Kettle', price: '$35.00' },
  { slug: 'teapot', name: 'Green Teapot', price: '$24.50' },
]);

/**
 * Options for a small shop at `http://shop.test/`: a home page with a search box and product
 * links, a search results page (`/search?q=`), product pages with a quantity dropdown and an
 * "Add to cart" button, and a cart page with a "Place order" button. `extra` adds options
 * such as `maxTurns` or `failOn`. Use as `new ScriptedEnvironment(scriptedShop())`.
 */
export function scriptedShop(extra: Omit<ScriptedEnvironmentOptions<ShopState>, 'pages' | 'initialState'> = {}): ScriptedEnvironmentOptions<ShopState> {
  type El = ScriptedElement<ShopState>;
  type Site = ScriptedSite<ShopState>;
  const cartLink = (s: Site): El => ({ role: 'link', name: `Cart (${s.state.cart.reduce((n, l) => n + l.quantity, 0)})`, key: 'cart', href: '/cart' });
  const search: El = {
    role: 'searchbox',
    name: 'Search products',
    onSubmit: (q, s) => {
      s.state.searches.push(q);
      return `/search?q=${encodeURIComponent(q)}`;
    },
  };
  const links = (list: typeof SCRIPTED_SHOP_PRODUCTS): El[] => list.map((p) => ({ role: 'link', name: p.name, href: `/product/${p.slug}` }));
  const pages: Record<string, ScriptedPageSpec<ShopState>> = {
    [SCRIPTED_SHOP_URL]: {
      title: 'Shop',
      elements: (s) => [{ role: 'heading', name: 'Shop', level: 1 }, search, cartLink(s), { role: 'heading', name: 'Products' }, ...links(SCRIPTED_SHOP_PRODUCTS)],
    },
    [`${SCRIPTED_SHOP_URL}search`]: {
      title: 'Search results',
      elements: (s) => {
        const q = s.url.searchParams.get('q') ?? '';
        const hits = SCRIPTED_SHOP_PRODUCTS.filter((p) => p.name.toLowerCase().includes(q.trim().toLowerCase()));
        return [{ role: 'heading', name: `Results for ${quote(q)}`, level: 1 }, search, cartLink(s), ...(hits.length ? links(hits) : [{ role: 'text', name: 'No products match.' }])];
      },
    },
    [`${SCRIPTED_SHOP_URL}cart`]: {
      title: 'Cart',
      elements: (s) => [
        { role: 'heading', name: 'Cart', level: 1 },
        ...(s.state.cart.length === 0 ? [{ role: 'text', name: 'Your cart is empty.' }] : s.state.cart.map((l) => ({ role: 'text', name: `${l.quantity} × ${l.product}` }))),
        ...(s.state.ordered ? [{ role: 'text', name: 'Order placed. Thank you!' }] : []),
        { role: 'button', name: 'Place order', disabled: s.state.cart.length === 0 || s.state.ordered, onClick: () => void (s.state.ordered = true) },
        { role: 'link', name: 'Continue shopping', href: '/' },
      ],
    },
  };
  for (const p of SCRIPTED_SHOP_PRODUCTS) {
    pages[`${SCRIPTED_SHOP_URL}product/${p.slug}`] = {
      title: p.name,
      elements: (s) => {
        const line = s.state.cart.find((l) => l.product === p.name);
        const add = (site: Site): void => {
          const quantity = Number(site.field('Quantity') ?? '1');
          const existing = site.state.cart.find((l) => l.product === p.name);
          if (existing) existing.quantity += quantity;
          else site.state.cart.push({ product: p.name, quantity });
        };
        return [
          { role: 'heading', name: p.name, level: 1 },
          { role: 'text', name: `Price: ${p.price}` },
          { role: 'combobox', name: 'Quantity', options: ['1', '2', '3'] },
          { role: 'button', name: 'Add to cart', onClick: add },
          ...(line ? [{ role: 'text', name: `In your cart: ${line.quantity}` }] : []),
          cartLink(s),
          { role: 'link', name: 'Back to shop', href: '/' },
        ];
      },
    };
  }
  return { ...extra, pages, initialState: () => ({ cart: [], searches: [], ordered: false }) };
}
