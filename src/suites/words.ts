// The shared word list every bundled site builds its entity names from (products, users,
// repositories, places, forums), and the seeded random numbers they are drawn with. Real
// catalogues reuse words ("Blue Ceramic Mug", "Blue Linen Apron"); so do ours, which is what
// lets a held-out entity be a new combination of words the training pages also show.

/** mulberry32: a small, fast, seedable PRNG with a 32-bit state (hand-written: 6 lines). */
export class Rng {
  #a: number;
  constructor(seed: number) {
    this.#a = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#a = (this.#a + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick of an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
  /** `k` distinct items (k <= items.length). */
  sample<T>(items: readonly T[], k: number): T[] {
    return this.shuffle(items).slice(0, k);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** FNV-1a hash of a string: turns ids like "shop.price/train/3" into seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** An Rng seeded from any number of parts (`rngFor(seed, 'shop', 'products')`). */
export function rngFor(...parts: Array<string | number>): Rng {
  return new Rng(hashString(parts.join('\u0001')));
}

/**
 * Which split an entity belongs to: about one in five is held out for `test`. Decided by the
 * entity's name, so it does not change when other entities are added.
 */
export function entitySplit(name: string): 'train' | 'test' {
  return hashString(`split:${name}`) % 5 === 0 ? 'test' : 'train';
}

export const COLORS = ['Red', 'Blue', 'Green', 'Black', 'White', 'Grey', 'Yellow', 'Orange', 'Purple', 'Pink', 'Teal', 'Navy', 'Olive', 'Amber', 'Ivory', 'Coral'] as const;

export const ADJECTIVES = [
  'Quiet', 'Bright', 'Swift', 'Silver', 'Golden', 'Rustic', 'Modern', 'Classic', 'Cozy', 'Bold',
  'Gentle', 'Wild', 'Urban', 'Sunny', 'Misty', 'Northern', 'Southern', 'Little', 'Grand', 'Hidden',
  'Lucky', 'Happy', 'Clever', 'Brave', 'Calm', 'Crisp', 'Fresh', 'Lazy', 'Noble', 'Royal',
] as const;

export const MATERIALS = ['Ceramic', 'Linen', 'Oak', 'Walnut', 'Bamboo', 'Cotton', 'Wool', 'Leather', 'Steel', 'Copper', 'Glass', 'Marble', 'Stone', 'Canvas', 'Velvet', 'Cork'] as const;

export const THINGS = [
  'Mug', 'Lamp', 'Planter', 'Apron', 'Blanket', 'Bowl', 'Vase', 'Cushion', 'Tray', 'Candle',
  'Kettle', 'Teapot', 'Clock', 'Mirror', 'Basket', 'Stool', 'Shelf', 'Towel', 'Notebook', 'Backpack',
  'Jacket', 'Scarf', 'Wallet', 'Bottle', 'Jar', 'Rug', 'Frame', 'Plate', 'Spoon', 'Board',
] as const;

export const ANIMALS = ['Fox', 'Owl', 'Bear', 'Otter', 'Falcon', 'Badger', 'Heron', 'Lynx', 'Wolf', 'Hare', 'Raven', 'Seal', 'Panda', 'Tiger', 'Moose', 'Finch'] as const;

export const NATURE = ['River', 'Maple', 'Cedar', 'Harbor', 'Meadow', 'Summit', 'Valley', 'Lake', 'Forest', 'Canyon', 'Brook', 'Garden', 'Hill', 'Bay', 'Park', 'Ridge'] as const;

export const FIRST_NAMES = [
  'Ada', 'Alan', 'Grace', 'Linus', 'Maya', 'Omar', 'Priya', 'Ravi', 'Sofia', 'Tomas',
  'Yuki', 'Zara', 'Elena', 'Felix', 'Hana', 'Ivan', 'Jonas', 'Kira', 'Lena', 'Marco',
  'Nina', 'Oscar', 'Paula', 'Quinn', 'Rosa', 'Sam', 'Tara', 'Uma', 'Victor', 'Wen',
] as const;

export const LAST_NAMES = [
  'Lovelace', 'Turing', 'Hopper', 'Okafor', 'Silva', 'Novak', 'Tanaka', 'Patel', 'Moreau', 'Berg',
  'Costa', 'Fischer', 'Garcia', 'Haddad', 'Ivanova', 'Jensen', 'Kowalski', 'Larsen', 'Mendes', 'Nakamura',
] as const;

export const TECH = ['api', 'cache', 'parser', 'router', 'engine', 'client', 'server', 'toolkit', 'viewer', 'sync', 'store', 'bridge', 'forge', 'lens', 'pilot', 'queue'] as const;

export const PLACE_KINDS = ['Cafe', 'Bakery', 'Library', 'Museum', 'Pharmacy', 'Hotel', 'Gym', 'Bookstore', 'Market', 'Cinema', 'Clinic', 'Restaurant'] as const;

export const STREET_KINDS = ['Street', 'Avenue', 'Road', 'Lane', 'Way', 'Place'] as const;

export const TOPICS = ['Cooking', 'Gardening', 'Cycling', 'Photography', 'Woodworking', 'Astronomy', 'Running', 'Knitting', 'Chess', 'Travel', 'Music', 'Books'] as const;

/** Title-cases a lower-case slug word ("cedar" -> "Cedar"). */
export const titleCase = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);

/** URL slug of a name ("Blue Ceramic Mug" -> "blue-ceramic-mug"). */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
