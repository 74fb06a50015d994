// Renaming augmentation for behavior cloning. A small model trained from scratch on a few hundred
// demonstrations memorises which names its training tasks mention instead of learning to copy the
// name the task gives (the test split's entities are new, so memorised names score 0). Renaming
// the entities of each demonstration consistently (task, every page, every action) with new
// combinations of the same words makes memorising useless and copying the only way to lower the
// loss: the data diversity that let a 1 M model learn copying on synthetic data, from the same
// demonstrations.
// Optionally some words are made up (`novelWords`), so copying a word the tokenizer splits into
// pieces is practised too, as test names with words never seen in training need.
// Hand-written: no npm library does this for web-agent trajectories.

import type { Action } from '../env/types.js';
import { defineOptions, integer, nonNegativeInt, num, obj, oneOf } from '../options.js';
import { Rng } from '../data/random.js';
import { slugify } from '../suites/words.js';
import type { Demonstration } from '../data/demonstration.js';

/**
 * The names a demonstration copies from its task: text the expert typed that occurs verbatim in
 * the intent (a search for the product, the customer, the project) and has a letter in it and at
 * least 3 characters (so quantities and single letters are never renamed).
 */
export function copiedNames(demo: Pick<Demonstration, 'intent' | 'turns'>): string[] {
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
  /**
   * Chance that a word of a new name (a part between spaces or hyphens) is made up instead:
   * the start of one training word joined to the end of another (`Walnut` + `Spoon` -> `Walnoon`),
   * with the original's capitalisation. Default 0. A tokenizer trained on the demonstrations
   * has whole-word tokens for the training names' words only; a test name's new word comes as
   * several pieces, and a model that only ever copied whole-word tokens writes a training word
   * in its place (`Amber Walnut Plate` typed as `Amber Walnut Spoon`). Made-up words are spelled
   * in pieces too, so copying pieces is practised.
   */
  readonly novelWords?: number;
  /**
   * Chance that a word of a new name is instead a word from the demonstrations' pages (any word of
   * 3 letters or more that starts with a capital on some page: other entities' names, headings,
   * labels), lower-cased where the name's word is. Default 0. With only the copied names' words to
   * draw from, a model learns which words names are made of; the test split's names use words that
   * the demonstrations' pages show but their tasks never name (`Northern`, `Harbor`), and a model
   * that never saw such a word inside a task's name starts or ends its copy beside it (`Seal
   * Restaurant` for "Northern Seal Restaurant"). Drawn before `novelWords` is applied.
   */
  readonly pageWords?: number;
}

const fraction = num({ min: 0, max: 1 }, 'a fraction from 0 to 1');

/** The schema of RenameOptions: checked by `renameEntities`. */
export const renameOptions = defineOptions<RenameOptions>()('renameEntities', obj({
  copies: nonNegativeInt('an integer >= 0').optional(),
  seed: integer('an integer').optional(),
  words: oneOf(['by-position', 'any-position']).optional(),
  novelWords: fraction.optional(),
  pageWords: fraction.optional(),
}));

/**
 * Returns the demonstrations followed by `copies` renamed copies of each one that copies a name
 * from its task. A new name keeps the old one's word count; its words are drawn from the words
 * of the copied names across `demonstrations` (so only words seen in training appear), by
 * position or from any position (`words`). The new name replaces the old one everywhere in the copy:
 * intent, page text, element names and values, actions, and the forms URLs write it in (a query
 * `Amber+Copper+Towel` or `Amber%20Copper%20Towel`, a slug `amber-copper-towel`).
 */
export function renameEntities<D extends Pick<Demonstration, 'intent' | 'turns'>>(demonstrations: readonly D[], options: RenameOptions = {}): D[] {
  renameOptions.check(options);
  const copies = options.copies ?? 3;
  const words = options.words ?? 'by-position';
  const anyPosition = words === 'any-position';
  const novel = options.novelWords ?? 0;
  const pageShare = options.pageWords ?? 0;
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
  const trainingWords = [...new Set([...pools.values()].flat().flatMap((w) => w.split('-')))].filter((w) => /^\p{L}{3,}$/u.test(w));
  const known = new Set(trainingWords.map((w) => w.toLowerCase()));
  const onPages = pageShare > 0 ? pageWordsOf(demonstrations) : [];
  // Only draws from `rng` when pageShare > 0 and there are page words, so pageWords 0 renames exactly as before the option existed.
  const fromPages = (name: string): string => (onPages.length === 0 ? name : replaceWords(name, rng, pageShare, (part) => inCaseOf(part, rng.pick(onPages))));
  // Only draws from `rng` when novel > 0, so novelWords 0 renames exactly as before the option existed.
  const madeUp = (name: string): string => (trainingWords.length < 2 ? name : replaceWords(name, rng, novel, (part) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const a = rng.pick(trainingWords);
      const b = rng.pick(trainingWords);
      const word = (a.slice(0, rng.int(1, a.length - 1)) + b.slice(rng.int(1, b.length - 1))).toLowerCase();
      if (word.length < 3 || !/[aeiouy]/.test(word) || known.has(word)) continue; // pronounceable-ish, and new
      return inCaseOf(part, word);
    }
    return part;
  }));
  const out: D[] = [...demonstrations];
  for (const { demo, names } of named) {
    if (names.length === 0) continue;
    const json = JSON.stringify(demo, (key, value: unknown) => (key === 'screenshot' ? undefined : value));
    for (let c = 0; c < copies; c++) {
      let text = json;
      // Longest first, so a name inside another is not replaced inside the longer one's copy.
      for (const name of [...names].sort((a, b) => b.length - a.length)) {
        const drawn = name.split(' ').map((_, i, words) => rng.pick(pools.get(keyOf(words.length, i))!)).join(' ');
        const paged = fromPages(drawn);
        const fresh = novel > 0 ? madeUp(paged) : paged;
        // URL forms only for names of several words (a one-word name's slug is a common word).
        const forms = name.includes(' ') ? [(n: string) => n, (n: string) => n.replaceAll(' ', '+'), (n: string) => n.replaceAll(' ', '%20'), slugify] : [(n: string) => n];
        for (const form of forms) text = text.split(jsonInner(form(name))).join(jsonInner(form(fresh)));
      }
      out.push(JSON.parse(text) as D);
    }
  }
  return out;
}

/** Every distinct word of 3 letters or more that starts with a capital on some page of `demonstrations`, in order of first appearance. */
export function pageWordsOf(demonstrations: readonly Pick<Demonstration, 'turns'>[]): string[] {
  const words = new Set<string>();
  for (const d of demonstrations) for (const t of d.turns) for (const m of t.observation.text.matchAll(/(?<![\p{L}\p{N}])\p{Lu}\p{Ll}{2,}(?![\p{L}\p{N}])/gu)) words.add(m[0]);
  return [...words];
}

/** `name` with each of its words (the letter-only parts between spaces and hyphens), with chance `share`, replaced by `replace(word)`. */
function replaceWords(name: string, rng: Rng, share: number, replace: (word: string) => string): string {
  return name.split(/([ -])/).map((part, i) => (i % 2 === 1 || !/^\p{L}+$/u.test(part) || !rng.chance(share) ? part : replace(part))).join('');
}

/** `word` in lower case, capitalised when `part` (the word it replaces) starts with a capital. */
function inCaseOf(part: string, word: string): string {
  const lower = word.toLowerCase();
  return part[0] === part[0]!.toUpperCase() ? lower[0]!.toUpperCase() + lower.slice(1) : lower;
}

/** `s` as it appears inside a JSON string literal. */
function jsonInner(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}
