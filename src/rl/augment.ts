// Renaming augmentation for behavior cloning. A small model trained from scratch on a few hundred
// demonstrations memorises which names its training tasks mention instead of learning to copy the
// name the task gives (the test split's entities are new, so memorised names score 0). Renaming
// the entities of each demonstration consistently (task, every page, every action) with new
// combinations of the same words makes memorising useless and copying the only way to lower the
// loss: the data diversity of PLATFORM.md's synthetic calibration, from the same demonstrations.
// Hand-written: no npm library does this for web-agent trajectories.

import type { Action } from '../env/types.js';
import { OptionsError } from '../errors.js';
import { Rng } from '../data/random.js';
import { slugify } from '../suites/words.js';
import type { ExpertDemonstration } from './behavior-cloning.js';

/**
 * The names a demonstration copies from its task: text the expert typed that occurs verbatim in
 * the intent (a search for the product, the customer, the project) and has a letter in it and at
 * least 3 characters (so quantities and single letters are never renamed).
 */
export function copiedNames(demo: ExpertDemonstration): string[] {
  const names = new Set<string>();
  for (const { action } of demo.turns) {
    const text = typedText(action)?.trim();
    if (text && text.length >= 3 && /\p{L}/u.test(text) && demo.intent.includes(text)) names.add(text);
  }
  return [...names];
}

function typedText(action: Action): string | undefined {
  return action.type === 'type' ? action.text : undefined;
}

export interface RenameOptions {
  /** Renamed copies per demonstration (the original is kept too). Default 3. */
  readonly copies?: number;
  readonly seed?: number;
  /**
   * Where a new name's words come from: `by-position` (default), the i-th word from the i-th
   * words of the copied names with as many words; `any-position`, from every word of every
   * copied name, so a word is not tied to its place in a name (a model that memorised which
   * words start names copies the rest of a new name but not its first word).
   */
  readonly words?: 'by-position' | 'any-position';
}

/**
 * Returns the demonstrations followed by `copies` renamed copies of each one that copies a name
 * from its task. A new name keeps the old one's word count; its words are drawn from the words
 * of the copied names across `demonstrations` (so only words seen in training appear), by
 * position or from any position (`words`). The new name replaces the old one everywhere in the copy:
 * intent, page text, element names and values, actions, and the forms URLs write it in (a query
 * `Amber+Copper+Towel` or `Amber%20Copper%20Towel`, a slug `amber-copper-towel`).
 */
export function renameEntities(demonstrations: readonly ExpertDemonstration[], options: RenameOptions = {}): ExpertDemonstration[] {
  const copies = options.copies ?? 3;
  if (!Number.isInteger(copies) || copies < 0) throw new OptionsError(`renameEntities: copies must be an integer >= 0, got ${String(options.copies)}`);
  const words = options.words ?? 'by-position';
  if (words !== 'by-position' && words !== 'any-position') throw new OptionsError(`renameEntities: words must be "by-position" or "any-position", got ${JSON.stringify(options.words)}`);
  const anyPosition = words === 'any-position';
  const rng = new Rng(options.seed ?? 0);
  const named = demonstrations.map((d) => ({ demo: d, names: copiedNames(d) }));
  // Word pools: by (word count, position), or one pool of every word.
  const pools = new Map<string, string[]>();
  const keyOf = (count: number, i: number): string => (anyPosition ? '*' : `${count}:${i}`);
  for (const { names } of named) {
    for (const name of names) {
      const words = name.split(' ');
      words.forEach((w, i) => {
        const pool = pools.get(keyOf(words.length, i)) ?? [];
        if (!pool.includes(w)) pool.push(w);
        pools.set(keyOf(words.length, i), pool);
      });
    }
  }
  const out: ExpertDemonstration[] = [...demonstrations];
  for (const { demo, names } of named) {
    if (names.length === 0) continue;
    const json = JSON.stringify(demo, (key, value: unknown) => (key === 'screenshot' ? undefined : value));
    for (let c = 0; c < copies; c++) {
      let text = json;
      // Longest first, so a name inside another is not replaced inside the longer one's copy.
      for (const name of [...names].sort((a, b) => b.length - a.length)) {
        const fresh = name.split(' ').map((_, i, words) => rng.pick(pools.get(keyOf(words.length, i))!)).join(' ');
        // URL forms only for names of several words (a one-word name's slug is a common word).
        const forms = name.includes(' ') ? [(n: string) => n, (n: string) => n.replaceAll(' ', '+'), (n: string) => n.replaceAll(' ', '%20'), slugify] : [(n: string) => n];
        for (const form of forms) text = text.split(jsonInner(form(name))).join(jsonInner(form(fresh)));
      }
      out.push(JSON.parse(text) as ExpertDemonstration);
    }
  }
  return out;
}

/** `s` as it appears inside a JSON string literal. */
function jsonInner(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}
