// Seeded random numbers shared by every module (suites, sampling, trainers): mulberry32 and an
// FNV-1a string hash to derive seeds from names. Plain data, no dependencies.

/** mulberry32: a small, fast, seedable PRNG with a 32-bit state (hand-written: 6 lines). */
export class Rng {
  #a: number;
  constructor(seed: number) {
    this.#a = seed >>> 0;
  }
  /** The 32-bit state, for checkpoints: `new Rng(rng.state)` continues the same stream. */
  get state(): number {
    return this.#a;
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

