// The map site. (Placeholder: replaced when the site is built.)

import type { SiteDefinition } from '../framework/site.js';
import type { World } from '../world.js';
import { createMapState, type MapState } from '../map/data.js';

export const mapSite: SiteDefinition<World, MapState> = {
  name: 'map',
  createState: (world) => createMapState(world.map),
  routes: [{ method: 'GET', path: '/', handle: () => ({ html: '<!doctype html><title>map</title><h1>map</h1>' }) }],
};
