// The seeded world of the bundled suites: every site's data, generated from one seed, the same
// in the server process and in the process that builds tasks and checks them.

import { createCodeData, type CodeData } from './code/data.js';
import { createForumData, type ForumData } from './forum/data.js';
import { createMapData, type MapData } from './map/data.js';
import { createShopData, type ShopData } from './shop/data.js';

export interface World {
  readonly seed: number;
  /** The shop's data; the admin site is its back office and reads the same data. */
  readonly shop: ShopData;
  readonly forum: ForumData;
  readonly code: CodeData;
  readonly map: MapData;
}

const worlds = new Map<number, World>();

/** The world for `seed` (made once per process and cached). */
export function createWorld(seed = 1): World {
  let w = worlds.get(seed);
  if (!w) {
    w = { seed, shop: createShopData(seed), forum: createForumData(seed), code: createCodeData(seed), map: createMapData(seed) };
    worlds.set(seed, w);
  }
  return w;
}

const derivedValues = new WeakMap<World, Map<string, unknown>>();

/**
 * A value derived from `world` (a template's entity pool, an index) made once per world and
 * `key`, then shared: templates instantiate many tasks from the same pools.
 */
export function derived<T>(world: World, key: string, make: () => T): T {
  let m = derivedValues.get(world);
  if (!m) derivedValues.set(world, (m = new Map()));
  if (!m.has(key)) m.set(key, make());
  return m.get(key) as T;
}
