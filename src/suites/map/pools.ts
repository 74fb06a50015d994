// Entity pools of the map tasks: places, place pairs and triples, (neighbourhood, category)
// combinations, each for the `train` or `test` entities, deterministic in the world's seed and
// made once per world.

import { PLACE_KINDS, entitySplit, rngFor } from '../words.js';
import { derived, type World } from '../world.js';
import { manhattan, nearest, type MapArea, type MapPlace } from './data.js';

/** Most instances a template draws from one split. */
export const CAP = 150;

const cached = <T>(world: World, key: string, make: () => T): T => derived(world, `map:${key}`, make);

/** Places of the split, sorted by name, capped. */
export function placePool(world: World, e: 'train' | 'test', keep: (p: MapPlace) => boolean = () => true, tag = 'all'): MapPlace[] {
  return cached(world, `places:${e}:${tag}`, () => world.map.places.filter((p) => p.split === e && keep(p)).slice(0, CAP));
}

/**
 * Up to CAP distinct tuples of `n` places of the split, drawn with a seeded Rng and kept when
 * `ok` accepts them. Deterministic in (world seed, tag, split).
 */
export function tuplePool(world: World, e: 'train' | 'test', tag: string, n: number, ok: (ps: MapPlace[]) => boolean): MapPlace[][] {
  return cached(world, `tuples:${e}:${tag}`, () => {
    const places = world.map.places.filter((p) => p.split === e);
    const rng = rngFor(world.seed, 'map-tasks', tag, e);
    const out: MapPlace[][] = [];
    const seen = new Set<string>();
    for (let tries = 0; tries < 40_000 && out.length < CAP && places.length >= n; tries++) {
      const ps = rng.sample(places, n);
      const key = ps.map((p) => p.slug).join('|');
      if (seen.has(key) || !ok(ps)) continue;
      seen.add(key);
      out.push(ps);
    }
    return out;
  });
}

/** A place and a category whose closest place is clearly closer than the second closest. */
export interface ClosestCase {
  readonly from: MapPlace;
  readonly kind: string;
  readonly closest: MapPlace;
  readonly second: MapPlace;
}

export function closestPool(world: World, e: 'train' | 'test'): ClosestCase[] {
  return cached(world, `closest:${e}`, () => {
    const out: ClosestCase[] = [];
    const places = world.map.places.filter((p) => p.split === e);
    const rng = rngFor(world.seed, 'map-tasks', 'closest', e);
    for (const from of places) {
      for (const kind of rng.shuffle(PLACE_KINDS.filter((k) => k !== from.kind)).slice(0, 2)) {
        const [closest, second] = nearest(world.map, from, kind);
        if (closest && second && manhattan(from, second) - manhattan(from, closest) >= 150) out.push({ from, kind, closest, second });
      }
    }
    return rng.shuffle(out).slice(0, CAP);
  });
}

/** A neighbourhood and a category, with the places of that category there. */
export interface AreaKind {
  readonly area: MapArea;
  readonly kind: string;
  readonly places: MapPlace[];
}

/** (neighbourhood, category) pairs of the split (split by the pair's name) with `min..max` places. */
export function areaKindPool(world: World, e: 'train' | 'test', min: number, max: number): AreaKind[] {
  return cached(world, `areakind:${e}:${min}:${max}`, () => {
    const out: AreaKind[] = [];
    for (const area of world.map.areas) {
      for (const kind of PLACE_KINDS) {
        if (entitySplit(`${kind} in ${area.name}`) !== e) continue;
        const places = world.map.places.filter((p) => p.area === area.slug && p.kind === kind);
        if (places.length >= min && places.length <= max) out.push({ area, kind, places });
      }
    }
    return out.slice(0, CAP);
  });
}
