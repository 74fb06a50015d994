// Seeded data of the map site and its per-session mutable state. (Placeholder: replaced when the site is built.)

export interface MapData {
  readonly name: string;
}

/** Mutable per-session state (plain JSON). */
export interface MapState {
  readonly visits: number;
}

export function createMapData(seed: number): MapData {
  return { name: `map ${seed}` };
}

export function createMapState(_data: MapData): MapState {
  return { visits: 0 };
}
