// Calls that hung before issue 35 item 9, run by loader-hardening.test.ts in a worker with a
// deadline (bounded.ts): loading or encoding with a hostile tokenizer.json. Each returns a small
// summary (or throws, and the worker reports the error's name, message and fields).

import { HfTokenizer, type TokenizerJson } from '../../src/model/tokenizer.js';
import { trainBpeTokenizer } from '../../src/model/bpe-trainer.js';

/** A small trained byte-level BPE tokenizer.json (Split + ByteLevel pre-tokenizer, ByteLevel decoder). */
export function smallTokenizerJson(): TokenizerJson {
  return trainBpeTokenizer(['the cat sat on the mat', 'a blue mug, a red mug', 'click [12] link "Mug"'], { vocabSize: 300 });
}

/** Loads a tokenizer.json object (as fromJson does) and reports its vocabulary size. */
export function loadJson(json: unknown, options?: Record<string, unknown>): { vocabSize: number } {
  const tokenizer = (HfTokenizer.fromJson as (j: unknown, c?: unknown, o?: unknown) => HfTokenizer)(json, undefined, options);
  return { vocabSize: tokenizer.vocabSize };
}

/** Loads a tokenizer folder (fromFiles) and reports its vocabulary size. */
export async function loadFolder(dir: string, options?: Record<string, unknown>): Promise<{ vocabSize: number }> {
  const tokenizer = await (HfTokenizer.fromFiles as (d: string, o?: unknown) => Promise<HfTokenizer>)(dir, options);
  return { vocabSize: tokenizer.vocabSize };
}

/** Loads a tokenizer.json object and encodes `text` (then decodes the ids), reporting how many ids it got. */
export function encodeWith(json: unknown, text: string, options?: Record<string, unknown>): { ids: number; decoded: number } {
  const tokenizer = (HfTokenizer.fromJson as (j: unknown, c?: unknown, o?: unknown) => HfTokenizer)(json, undefined, options);
  const ids = tokenizer.encode(text);
  return { ids: ids.length, decoded: ids.length > 0 ? tokenizer.decode(ids).length : 0 };
}

/** Loads a tokenizer.json object and decodes `ids`. */
export function decodeWith(json: unknown, ids: number[], options?: Record<string, unknown>): { chars: number } {
  const tokenizer = (HfTokenizer.fromJson as (j: unknown, c?: unknown, o?: unknown) => HfTokenizer)(json, undefined, options);
  return { chars: tokenizer.decode(ids).length };
}
