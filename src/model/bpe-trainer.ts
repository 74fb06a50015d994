// Byte-level BPE trainer and reference encoder for from-scratch models. Hand-written here: the JS
// port of Hugging Face tokenizers (@huggingface/tokenizers) loads and runs tokenizers but cannot
// train them. Follows GPT-2 / Qwen byte-level BPE: text is split by a pre-tokenizer regex, each
// piece's UTF-8 bytes are mapped to GPT-2's printable unicode alphabet (so any text round-trips),
// and merges are learned by the standard incremental pair-count algorithm over a word-frequency
// table (a max-heap with lazy invalidation, as in the Rust BpeTrainer). The output is a plain
// Hugging Face `tokenizer.json` object that `new Tokenizer(json, config)` reads back identically.
//
// Pre-tokenizer, unlike GPT-2/Qwen: whitespace runs are isolated pieces, letters never take a
// leading space or quote, and digits are single pieces. So a name has the same tokens in the
// task (after a space) and on the page (after a quote), and `[123]` is `[`,`1`,`2`,`3`,`]`.
//
// Over 300 lines because the trainer and the reference encoder must split text identically: both
// use the pre-tokenizer pattern, GPT-2's byte alphabet and the special-token split defined here, so
// a change to one cannot miss the other.

import { OptionsError } from '../errors.js';
import { arrayOf, defineOptions, num, obj, rule, str } from '../options.js';
import type { TokenizerJson } from './tokenizer.js';

/** The pre-tokenizer regex (valid in Oniguruma, i.e. Rust tokenizers, and JS `u` mode alike). */
export const BPE_PRETOKENIZE_PATTERN =
  '[\\p{L}\\p{M}]+|\\p{N}|[^\\p{White_Space}\\p{L}\\p{M}\\p{N}]+|\\p{White_Space}+';

const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false } as const;

/** GPT-2's byte -> printable character table, and its inverse. */
const BYTE_TO_CHAR: string[] = [];
const CHAR_TO_BYTE = new Map<string, number>();
{
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    const ch = String.fromCharCode(printable ? b : 256 + extra++);
    BYTE_TO_CHAR.push(ch);
    CHAR_TO_BYTE.set(ch, b);
  }
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/** Maps text to its byte-level string (one alphabet character per UTF-8 byte). */
export function toByteLevel(text: string): string {
  let out = '';
  for (const b of utf8.encode(text)) out += BYTE_TO_CHAR[b];
  return out;
}

/** Inverse of toByteLevel (invalid UTF-8 becomes U+FFFD, as in Hugging Face's decoder). */
export function fromByteLevel(chars: string): string {
  const bytes = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) bytes[i] = CHAR_TO_BYTE.get(chars[i] ?? '') ?? 0x3f;
  return utf8Decoder.decode(bytes);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits text into [isSpecial, section] parts on the given tokens, leftmost-longest (as HF does). */
function splitSpecials(text: string, specials: RegExp | null): Array<[boolean, string]> {
  if (!specials) return [[false, text]];
  const out: Array<[boolean, string]> = [];
  let last = 0;
  for (const m of text.matchAll(specials)) {
    if (m.index > last) out.push([false, text.slice(last, m.index)]);
    out.push([true, m[0]]);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push([false, text.slice(last)]);
  return out;
}

function specialsRegExp(tokens: readonly string[]): RegExp | null {
  if (tokens.length === 0) return null;
  const sorted = [...tokens].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map(escapeRegExp).join('|'), 'gu');
}

export interface BpeTrainerOptions {
  /** Final vocabulary size including the 256 byte tokens and the special tokens. */
  readonly vocabSize: number;
  /** Added as added_tokens with ids 0..n-1 (never split, never learned from). */
  readonly specialTokens?: readonly string[];
  /** A pair seen fewer times than this is not merged (default 2); the vocab may then stay smaller. */
  readonly minFrequency?: number;
}

const PAIR_BASE = 2 ** 21;

/** The schema of BpeTrainerOptions: checked by `trainBpeTokenizer` before it reads any text. */
export const bpeTrainerOptions = defineOptions<BpeTrainerOptions>()('trainBpeTokenizer', obj({
  vocabSize: num({ int: true, min: 256, lt: PAIR_BASE }, `an integer in [256 + the special tokens, ${PAIR_BASE}) (256 byte tokens, the special tokens, then merges)`),
  specialTokens: arrayOf(str('a non-empty string', { nonEmpty: true }), 'an array of distinct non-empty strings')
    .refine((list) => new Set(list).size === list.length, { error: rule('must be distinct strings (a token is listed twice)') }).optional(),
  minFrequency: num({ min: 1 }, 'a finite number >= 1').optional(),
}).superRefine((o, ctx) => {
  const specials = o.specialTokens?.length ?? 0;
  if (typeof o.vocabSize === 'number' && o.vocabSize < 256 + specials) ctx.addIssue({ code: 'custom', path: ['vocabSize'], message: rule(`must be at least ${256 + specials} (256 bytes + ${specials} special tokens), got ${o.vocabSize}`) });
}));

/** Max-heap of (count, pair key): highest count first, ties to the smaller key (deterministic). */
class PairHeap {
  private readonly counts: number[] = [];
  private readonly keys: number[] = [];
  get size(): number { return this.keys.length; }
  private above(i: number, j: number): boolean {
    const ci = this.counts[i] ?? 0, cj = this.counts[j] ?? 0;
    return ci > cj || (ci === cj && (this.keys[i] ?? 0) < (this.keys[j] ?? 0));
  }
  private swap(i: number, j: number): void {
    const c = this.counts[i] ?? 0, k = this.keys[i] ?? 0;
    this.counts[i] = this.counts[j] ?? 0; this.keys[i] = this.keys[j] ?? 0;
    this.counts[j] = c; this.keys[j] = k;
  }
  push(count: number, key: number): void {
    this.counts.push(count); this.keys.push(key);
    let i = this.keys.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p); i = p;
    }
  }
  pop(): [number, number] {
    const top: [number, number] = [this.counts[0] ?? 0, this.keys[0] ?? 0];
    const lastC = this.counts.pop() ?? 0, lastK = this.keys.pop() ?? 0;
    if (this.keys.length > 0) {
      this.counts[0] = lastC; this.keys[0] = lastK;
      const n = this.keys.length;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < n && this.above(l, m)) m = l;
        if (r < n && this.above(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m); i = m;
      }
    }
    return top;
  }
}

/**
 * Trains a byte-level BPE tokenizer on `texts` and returns a Hugging Face `tokenizer.json`
 * object. Ids: special tokens first (0..n-1), then the 256 byte tokens, then one token per merge.
 */
export function trainBpeTokenizer(texts: Iterable<string>, options: BpeTrainerOptions): TokenizerJson {
  bpeTrainerOptions.check(options);
  const specials = [...(options.specialTokens ?? [])];
  const minFrequency = options.minFrequency ?? 2;
  const { vocabSize } = options;

  // Word-frequency table over pre-tokenized pieces (special tokens are cut out, not learned from).
  const wordCounts = new Map<string, number>();
  const specialRe = specialsRegExp(specials);
  const pieceRe = new RegExp(BPE_PRETOKENIZE_PATTERN, 'gu');
  for (const text of texts) {
    for (const [isSpecial, section] of splitSpecials(text, specialRe)) {
      if (isSpecial) continue;
      for (const m of section.matchAll(pieceRe)) wordCounts.set(m[0], (wordCounts.get(m[0]) ?? 0) + 1);
    }
  }

  const vocab: string[] = [...specials, ...BYTE_TO_CHAR];
  const ids = new Map<string, number>(vocab.map((t, i) => [t, i]));
  const byteId = (ch: string): number => ids.get(ch) ?? 0;
  const words: number[][] = [];
  const freqs: number[] = [];
  for (const [word, count] of wordCounts) {
    words.push(Array.from(toByteLevel(word), byteId));
    freqs.push(count);
  }

  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (w: number, sign: 1 | -1, changed: Set<number> | null): void => {
    const sym = words[w] ?? [];
    const f = (freqs[w] ?? 0) * sign;
    for (let i = 0; i + 1 < sym.length; i++) {
      const key = (sym[i] ?? 0) * PAIR_BASE + (sym[i + 1] ?? 0);
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + f);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, (set = new Set()));
        set.add(w);
        changed?.add(key);
      }
    }
  };
  for (let w = 0; w < words.length; w++) addPairs(w, 1, null);
  const heap = new PairHeap();
  for (const [key, count] of pairCounts) heap.push(count, key);

  const merges: Array<[string, string]> = [];
  while (vocab.length < vocabSize && heap.size > 0) {
    const [count, key] = heap.pop();
    const current = pairCounts.get(key) ?? 0;
    if (current !== count) { // stale entry: re-queue with its current count
      if (current > 0) heap.push(current, key);
      continue;
    }
    if (count < minFrequency) break;
    const a = Math.floor(key / PAIR_BASE), b = key % PAIR_BASE;
    const left = vocab[a] ?? '', right = vocab[b] ?? '';
    const merged = left + right;
    let newId = ids.get(merged);
    if (newId === undefined) {
      newId = vocab.length;
      vocab.push(merged);
      ids.set(merged, newId);
    }
    merges.push([left, right]);
    const changed = new Set<number>();
    for (const w of pairWords.get(key) ?? []) {
      const sym = words[w] ?? [];
      let hit = false;
      for (let i = 0; i + 1 < sym.length; i++) if (sym[i] === a && sym[i + 1] === b) { hit = true; break; }
      if (!hit) continue;
      addPairs(w, -1, null);
      const next: number[] = [];
      for (let i = 0; i < sym.length; i++) {
        if (i + 1 < sym.length && sym[i] === a && sym[i + 1] === b) { next.push(newId); i++; } else next.push(sym[i] ?? 0);
      }
      words[w] = next;
      addPairs(w, 1, changed);
    }
    pairCounts.delete(key);
    pairWords.delete(key);
    for (const k of changed) {
      const c = pairCounts.get(k) ?? 0;
      if (c > 0) heap.push(c, k); // new pairs; older ones re-queued (stale entries are skipped on pop)
    }
  }

  const vocabObj: Record<string, number> = {};
  vocab.forEach((t, i) => { vocabObj[t] = i; });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: BPE_PRETOKENIZE_PATTERN }, behavior: 'Isolated', invert: false },
        { ...BYTE_LEVEL },
      ],
    },
    post_processor: { ...BYTE_LEVEL },
    decoder: { ...BYTE_LEVEL },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: vocabObj, merges,
    },
  };
}

/**
 * The reference encoder/decoder for tokenizers made by trainBpeTokenizer (no dependency on
 * @huggingface/tokenizers): merges applied lowest rank first, leftmost on ties, as HF does.
 */
export class ByteLevelBpe {
  private readonly ids = new Map<string, number>();
  private readonly tokens: string[] = [];
  private readonly ranks = new Map<string, number>();
  private readonly special = new Set<number>();
  private readonly specialRe: RegExp | null;
  private readonly pieceRe = new RegExp(BPE_PRETOKENIZE_PATTERN, 'gu');
  private readonly cache = new Map<string, number[]>();

  constructor(json: TokenizerJson) {
    const model = json.model;
    const pre = JSON.stringify(json.pre_tokenizer);
    if (model.type !== 'BPE' || !model.vocab || !Array.isArray(model.merges) || !pre.includes(JSON.stringify(BPE_PRETOKENIZE_PATTERN))) {
      throw new OptionsError('ByteLevelBpe: not a tokenizer.json made by trainBpeTokenizer (BPE model with its pre-tokenizer)');
    }
    for (const [t, id] of Object.entries(model.vocab)) { this.ids.set(t, id); this.tokens[id] = t; }
    model.merges.forEach((m, rank) => {
      const [l, r] = typeof m === 'string' ? m.split(' ', 2) : m;
      this.ranks.set(`${l ?? ''} ${r ?? ''}`, rank);
    });
    for (const t of json.added_tokens) { this.ids.set(t.content, t.id); this.tokens[t.id] = t.content; this.special.add(t.id); }
    this.specialRe = specialsRegExp(json.added_tokens.map((t) => t.content));
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const [isSpecial, section] of splitSpecials(text, this.specialRe)) {
      if (isSpecial) { out.push(this.ids.get(section) ?? 0); continue; }
      for (const m of section.matchAll(this.pieceRe)) out.push(...this.bpe(m[0]));
    }
    return out;
  }

  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    let out = '', run = '';
    for (const id of ids) {
      const tok = this.tokens[id];
      if (tok === undefined) throw new OptionsError(`ByteLevelBpe.decode: unknown token id ${id}`);
      if (this.special.has(id)) {
        out += fromByteLevel(run); run = '';
        if (!options.skipSpecialTokens) out += tok;
      } else run += tok;
    }
    return out + fromByteLevel(run);
  }

  private bpe(piece: string): number[] {
    const cached = this.cache.get(piece);
    if (cached) return cached;
    const sym = Array.from(toByteLevel(piece));
    for (;;) {
      let best = -1, bestRank = Infinity;
      for (let i = 0; i + 1 < sym.length; i++) {
        const r = this.ranks.get(`${sym[i] ?? ''} ${sym[i + 1] ?? ''}`);
        if (r !== undefined && r < bestRank) { bestRank = r; best = i; }
      }
      if (best < 0) break;
      sym.splice(best, 2, (sym[best] ?? '') + (sym[best + 1] ?? ''));
    }
    const result = sym.map((s) => this.ids.get(s) ?? 0);
    if (this.cache.size < 100_000) this.cache.set(piece, result);
    return result;
  }
}
