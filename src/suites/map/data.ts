// Seeded data of the map site (an OpenStreetMap-like city map): places with a category, street
// address, neighbourhood, grid position, opening hours, phone and rating; the neighbourhoods
// of the 9 x 9 km city grid; the route formula (road distance and travel time per mode); and
// the per-session mutable state (saved places, home location, suggested edits).

import { ADJECTIVES, ANIMALS, NATURE, PLACE_KINDS, STREET_KINDS, entitySplit, rngFor, slugify } from '../words.js';

export type TravelMode = 'walk' | 'bike' | 'car';
export const TRAVEL_MODES: readonly TravelMode[] = ['walk', 'bike', 'car'];
/** Label of each mode as the directions form shows it. */
export const MODE_LABEL: Readonly<Record<TravelMode, string>> = { walk: 'Walk', bike: 'Bike', car: 'Car' };
/** Road distance = Manhattan distance x factor (cars keep to one-way streets, walkers cut through parks). */
export const ROAD_FACTOR: Readonly<Record<TravelMode, number>> = { walk: 1.2, bike: 1.25, car: 1.4 };
/** Average speed in km/h. */
export const SPEED_KMH: Readonly<Record<TravelMode, number>> = { walk: 5, bike: 15, car: 40 };

export interface MapArea {
  readonly slug: string;
  /** "{Adjective} {Nature}", like "Quiet Harbor". */
  readonly name: string;
  /** Cell of the 3 x 3 grid of neighbourhoods (each 3 x 3 km). */
  readonly col: number;
  readonly row: number;
}

export interface MapHours {
  /** Mon-Fri, like "08:00–18:00". */
  readonly weekday: string;
  /** Saturday hours or "Closed". */
  readonly saturday: string;
  /** Sunday hours or "Closed". */
  readonly sunday: string;
}

export interface MapPlace {
  /** The URL slug of the name; the place's id in the state. */
  readonly slug: string;
  /** "{Nature} {Kind}" or "{Adjective} {Animal} {Kind}", unique. */
  readonly name: string;
  /** One of PLACE_KINDS ("Cafe", "Pharmacy", ...). */
  readonly kind: string;
  /** "12 River Lane". */
  readonly address: string;
  readonly area: string;
  /** Position on the city grid in metres (0..8999), x east, y north. */
  readonly x: number;
  readonly y: number;
  readonly hours: MapHours;
  /** "(555) 201-3344". */
  readonly phone: string;
  /** One decimal, 2.5 to 5.0. */
  readonly rating: number;
  readonly split: 'train' | 'test';
}

export interface MapData {
  readonly name: string;
  readonly areas: readonly MapArea[];
  readonly areaBySlug: ReadonlyMap<string, MapArea>;
  /** Sorted by name. */
  readonly places: readonly MapPlace[];
  readonly placeBySlug: ReadonlyMap<string, MapPlace>;
}

/** A suggested edit a visitor submitted (it is applied to the place page at once). */
export interface PlaceEdit {
  phone: string;
  weekday: string;
  saturday: string;
  comment: string;
}

/** Mutable per-session state (plain JSON). */
export interface MapState {
  /** Slugs of the saved places ("My places"), in the order they were saved. */
  saved: string[];
  /** Slug of the home place, or null. */
  home: string | null;
  /** Suggested edits by place slug. */
  edits: Record<string, PlaceEdit>;
}

/** Number of places on the map. */
export const PLACE_COUNT = 240;

const PLURAL: Readonly<Record<string, string>> = { Bakery: 'Bakeries', Library: 'Libraries', Pharmacy: 'Pharmacies' };
/** "Cafe" -> "Cafes", "Bakery" -> "Bakeries". */
export const plural = (kind: string): string => PLURAL[kind] ?? `${kind}s`;
export const kindSlug = (kind: string): string => slugify(kind);

const hhmm = (h: number, m = 0): string => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;

export function createMapData(seed: number): MapData {
  const rng = rngFor(seed, 'map');
  const areaNames = new Set<string>();
  const areas: MapArea[] = [];
  while (areas.length < 9) {
    const name = `${rng.pick(ADJECTIVES)} ${rng.pick(NATURE)}`;
    const [adj, nat] = name.split(' ');
    // Distinct first and second words keep neighbourhood names easy to tell apart.
    if (areaNames.has(name) || [...areaNames].some((n) => n.startsWith(`${adj} `) || n.endsWith(` ${nat}`))) continue;
    areaNames.add(name);
    areas.push({ slug: slugify(name), name, col: areas.length % 3, row: Math.floor(areas.length / 3) });
  }
  const places: MapPlace[] = [];
  const names = new Set<string>();
  const phones = new Set<string>();
  const kinds = [...PLACE_KINDS];
  while (places.length < PLACE_COUNT) {
    const kind = kinds[places.length % kinds.length]!;
    const name = rng.chance(0.35) ? `${rng.pick(NATURE)} ${kind}` : `${rng.pick(ADJECTIVES)} ${rng.pick(ANIMALS)} ${kind}`;
    if (names.has(name)) continue;
    names.add(name);
    const x = rng.int(0, 8999);
    const y = rng.int(0, 8999);
    const area = areas.find((a) => a.col === Math.floor(x / 3000) && a.row === Math.floor(y / 3000))!;
    let phone = '';
    do phone = `(555) ${rng.int(200, 989)}-${String(rng.int(0, 9999)).padStart(4, '0')}`;
    while (phones.has(phone));
    phones.add(phone);
    const open = rng.int(7, 10);
    const close = rng.int(17, 22);
    const saturday = rng.chance(0.7) ? `${hhmm(rng.int(8, 11))}–${hhmm(rng.int(13, 16))}` : 'Closed';
    const sunday = rng.chance(0.4) ? `${hhmm(rng.int(10, 12))}–${hhmm(rng.int(14, 17))}` : 'Closed';
    places.push({
      slug: slugify(name),
      name,
      kind,
      address: `${rng.int(1, 240)} ${rng.pick(NATURE)} ${rng.pick(STREET_KINDS)}`,
      area: area.slug,
      x,
      y,
      hours: { weekday: `${hhmm(open, rng.chance(0.3) ? 30 : 0)}–${hhmm(close)}`, saturday, sunday },
      phone,
      rating: Math.round((2.5 + rng.next() * 2.5) * 10) / 10,
      split: entitySplit(name),
    });
  }
  places.sort((a, b) => a.name.localeCompare(b.name));
  return {
    name: 'OpenCityMap',
    areas,
    areaBySlug: new Map(areas.map((a) => [a.slug, a])),
    places,
    placeBySlug: new Map(places.map((p) => [p.slug, p])),
  };
}

/** A fresh session state: nothing saved, no home, no edits. */
export function createMapState(_data: MapData): MapState {
  return { saved: [], home: null, edits: {} };
}

// ---------------------------------------------------------------- geometry and routes

/** Manhattan distance between two places in metres. */
export const manhattan = (a: MapPlace, b: MapPlace): number => Math.abs(a.x - b.x) + Math.abs(a.y - b.y);

/** Road distance in km (unrounded) for a mode. */
export const roadKm = (a: MapPlace, b: MapPlace, mode: TravelMode): number => (manhattan(a, b) / 1000) * ROAD_FACTOR[mode];

/** Road distance as the site shows it: km with one decimal. */
export const shownKm = (a: MapPlace, b: MapPlace, mode: TravelMode): number => Number(roadKm(a, b, mode).toFixed(1));

/** Travel time in whole minutes (at least 1). */
export const travelMinutes = (a: MapPlace, b: MapPlace, mode: TravelMode): number => Math.max(1, Math.round((roadKm(a, b, mode) / SPEED_KMH[mode]) * 60));

/** Latitude / longitude of a grid point (a fictional city near 40.7 N, 74.0 W). */
export function latLon(p: MapPlace): string {
  return `${(40.7 + p.y / 111_000).toFixed(4)}, ${(-74.02 + p.x / 84_000).toFixed(4)}`;
}

/** Other places sorted by walking distance from `from` (ties by name), optionally of one kind. */
export function nearest(data: MapData, from: MapPlace, kind?: string): MapPlace[] {
  return data.places
    .filter((p) => p !== from && (kind === undefined || p.kind === kind))
    .sort((a, b) => manhattan(from, a) - manhattan(from, b) || a.name.localeCompare(b.name));
}

/** The current details of a place: its edits in this session applied. */
export function currentDetails(state: MapState, p: MapPlace): { phone: string; hours: MapHours } {
  const e = state.edits[p.slug];
  if (!e) return { phone: p.phone, hours: p.hours };
  return { phone: e.phone || p.phone, hours: { weekday: e.weekday || p.hours.weekday, saturday: e.saturday || p.hours.saturday, sunday: p.hours.sunday } };
}

/** Normalises typed opening hours ("9:00 - 17:00" -> "09:00–17:00"); other text is kept trimmed. */
export function normalizeHours(text: string): string {
  const t = text.trim();
  const m = /^(\d{1,2})[:.](\d{2})\s*(?:-|–|—|to)\s*(\d{1,2})[:.](\d{2})$/i.exec(t);
  if (!m) return /^closed$/i.test(t) ? 'Closed' : t;
  return `${hhmm(Number(m[1]), Number(m[2]))}–${hhmm(Number(m[3]), Number(m[4]))}`;
}

/** Digits of a phone number. */
export const phoneDigits = (s: string): string => s.replace(/\D/g, '');

// ---------------------------------------------------------------- search

/** "Cafes" -> "cafe", "pharmacies" -> "pharmacy". */
function singular(token: string): string {
  if (token.endsWith('ies') && token.length > 4) return `${token.slice(0, -3)}y`;
  if (token.endsWith('s') && !token.endsWith('ss') && token.length > 3) return token.slice(0, -1);
  return token;
}

/** Places whose name or category holds every word of `query` (exact name first, then by name). */
export function searchPlaces(data: MapData, query: string): MapPlace[] {
  const tokens = query.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean).map(singular);
  if (tokens.length === 0) return [];
  const q = query.trim().toLowerCase();
  const hits = data.places.filter((p) => {
    const words = new Set(p.name.toLowerCase().split(' ').map(singular));
    return tokens.every((t) => words.has(t));
  });
  return hits.sort((a, b) => Number(b.name.toLowerCase() === q) - Number(a.name.toLowerCase() === q) || a.name.localeCompare(b.name));
}

/** The place a typed name means: an exact name (any case), or the only search hit; else the candidates. */
export function resolvePlace(data: MapData, state: MapState, text: string): { place?: MapPlace; candidates: MapPlace[] } {
  const t = text.trim().toLowerCase();
  if (t === '') return { candidates: [] };
  if (t === 'home' && state.home) {
    const h = data.placeBySlug.get(state.home);
    if (h) return { place: h, candidates: [] };
  }
  const exact = data.places.find((p) => p.name.toLowerCase() === t);
  if (exact) return { place: exact, candidates: [] };
  const hits = searchPlaces(data, text);
  return hits.length === 1 ? { place: hits[0]!, candidates: [] } : { candidates: hits.slice(0, 5) };
}
