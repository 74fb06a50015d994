// The admin site. (Placeholder: replaced when the site is built.)

import type { SiteDefinition } from '../framework/site.js';
import type { World } from '../world.js';
import { createShopState, type ShopState } from '../shop/data.js';

export const adminSite: SiteDefinition<World, ShopState> = {
  name: 'admin',
  stateKey: 'shop',
  createState: (world) => createShopState(world.shop),
  routes: [{ method: 'GET', path: '/', handle: () => ({ html: '<!doctype html><title>admin</title><h1>admin</h1>' }) }],
};
