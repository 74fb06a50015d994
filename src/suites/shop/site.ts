// The shop site. (Placeholder: replaced when the site is built.)

import type { SiteDefinition } from '../framework/site.js';
import type { World } from '../world.js';
import { createShopState, type ShopState } from '../shop/data.js';

export const shopSite: SiteDefinition<World, ShopState> = {
  name: 'shop',
  createState: (world) => createShopState(world.shop),
  routes: [{ method: 'GET', path: '/', handle: () => ({ html: '<!doctype html><title>shop</title><h1>shop</h1>' }) }],
};
