// File loaders against hostile and broken files (issue 35, item 9). Every case here failed or
// hung before the fix. Calls that hung run in a worker with a deadline (helpers/bounded.ts), so a
// regression fails the test instead of hanging the run.
//
// Tokenizers: an id of 2e9, an empty vocabulary, catastrophic-backtracking patterns (refused at
// load, or stopped by the time budget).

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isWebAgentError, OptionsError } from '../src/errors.js';
import { BPE_PRETOKENIZE_PATTERN, HfTokenizer, TokenizerError, type TokenizerJson } from '../src/policy/tokenizer.js';
import { runBounded, type BoundedResult } from './helpers/bounded.js';
import { smallTokenizerJson } from './helpers/loader-cases.js';

const CASES = new URL('./helpers/loader-cases.ts', import.meta.url);
/** A worker starting tsx on a busy machine takes seconds; a call that hangs runs into this. */
const DEADLINE_MS = 30_000;

function bounded(name: string, ...args: unknown[]): Promise<BoundedResult> {
  return runBounded(CASES, name, args, DEADLINE_MS);
}

/** The bounded call threw `name` with a message matching every pattern; returns the error. */
function assertThrew(r: BoundedResult, name: string, ...patterns: RegExp[]): { name: string; message: string; [k: string]: unknown } {
  assert.notEqual(r.outcome, 'timed out', `hung: no answer in ${r.ms} ms`);
  if (r.outcome !== 'threw') return assert.fail(`expected ${name}, got ${JSON.stringify(r)}`);
  assert.equal(r.error.name, name, r.error.message);
  for (const p of patterns) assert.match(r.error.message, p);
  return r.error;
}

const clone = (): TokenizerJson => structuredClone(smallTokenizerJson());

/** The tokenizer with `split` (a Split pre-tokenizer with this Regex) before its own pre-tokenizer. */
function withSplit(regex: string): TokenizerJson {
  const json = clone();
  json.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false }, json.pre_tokenizer] };
  return json;
}

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'loader-hardening-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

describe('tokenizer: vocabulary ids', () => {
  test('an id of 2e9 in the vocabulary is refused at load (it hung), naming the file and the token', async () => {
    const json = clone();
    (json.model.vocab as Record<string, number>)['zzq'] = 2e9;
    const e = assertThrew(await bounded('loadJson', json), 'TokenizerError', /tokenizer\.json/, /"zzq"/, /2000000000/);
    assert.equal(e.token, 'zzq');
    assert.equal(e.code, 'INVALID_TOKENIZER');

    const folder = join(dir, 'big-id');
    await mkdir(folder);
    await writeFile(join(folder, 'tokenizer.json'), JSON.stringify(json));
    assertThrew(await bounded('loadFolder', folder), 'TokenizerError', new RegExp(`${join(folder, 'tokenizer.json').replace(/[.\\/]/g, '\\$&')}`), /"zzq"/);
  });

  test('an added token with an id of 2e9 is refused at load (it hung)', async () => {
    const json = clone();
    json.added_tokens.push({ id: 2e9, content: '<|far|>', special: true });
    const e = assertThrew(await bounded('loadJson', json), 'TokenizerError', /"<\|far\|>"/, /2000000000/);
    assert.equal(e.token, '<|far|>');
  });

  test('negative, fractional and non-numeric ids are refused; a few unused ids are not', () => {
    for (const id of [-1, 1.5, '7', null]) {
      const json = clone();
      (json.model.vocab as Record<string, unknown>)['zzq'] = id;
      assert.throws(() => HfTokenizer.fromJson(json), (e: unknown) => e instanceof TokenizerError && e.token === 'zzq' && /must be an integer/.test(e.message), String(id));
    }
    const json = clone();
    const size = Object.keys(json.model.vocab!).length + json.added_tokens.length;
    json.added_tokens.push({ id: size + 40, content: '<|gap|>', special: true });
    assert.equal(HfTokenizer.fromJson(json).vocabSize, size + 41, 'a vocabulary with a few unused ids loads');
  });

  test('an empty vocabulary is refused at load (it encoded every text to 0 tokens)', () => {
    const json = clone();
    json.model.vocab = {};
    json.model.merges = [];
    assert.throws(() => HfTokenizer.fromJson(json), (e: unknown) => e instanceof TokenizerError && /vocabulary is empty/.test(e.message) && e.message.includes('tokenizer.json'));
    json.added_tokens = [{ id: 0, content: '<|endoftext|>', special: true }];
    assert.throws(() => HfTokenizer.fromJson(json), (e: unknown) => e instanceof TokenizerError && /vocabulary is empty/.test(e.message), 'added tokens alone are no vocabulary');
  });

  test('TokenizerError is an OptionsError and a WebAgentError', () => {
    const e = new TokenizerError('x', { file: 'tokenizer.json' });
    assert.ok(e instanceof OptionsError && isWebAgentError(e));
    assert.equal(e.code, 'INVALID_TOKENIZER');
  });
});

describe('tokenizer: patterns', () => {
  test('nested quantifiers in a pre-tokenizer Split are refused at load (encoding hung)', async () => {
    const e = assertThrew(await bounded('encodeWith', withSplit('(a+)+$'), `${'a'.repeat(40)}!`), 'TokenizerError',
      /tokenizer\.json/, /pre_tokenizer\.pretokenizers\[0\]\.pattern/, /nested quantifier/);
    assert.equal(e.code, 'INVALID_TOKENIZER');
  });

  test('a repeated alternation in a normalizer Replace is refused at load (encoding hung)', async () => {
    const json = clone();
    json.normalizer = { type: 'Replace', pattern: { Regex: '(a|aa)*c' }, content: '' };
    assertThrew(await bounded('encodeWith', json, 'a'.repeat(60)), 'TokenizerError', /normalizer\.pattern/, /alternation/);
  });

  test('a nested quantifier in a decoder Replace is refused at load (decoding hung)', async () => {
    // The decoder runs on each token's text: a long (added) token gives it a long text.
    const json = clone();
    const id = Object.keys(json.model.vocab!).length + json.added_tokens.length;
    json.added_tokens.push({ id, content: 'x'.repeat(36), special: false, normalized: false });
    json.decoder = { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { Regex: '(?:x*)*y' }, content: '' }, json.decoder] };
    assertThrew(await bounded('decodeWith', json, [id]), 'TokenizerError', /decoder\.decoders\[0\]\.pattern/, /nested quantifier/);
  });

  test('backreferences, and a quantifier on a bounded repeat, are refused', () => {
    for (const [regex, reason] of [['(a)\\1', /backreference/], ['(?<x>a)\\k<x>', /backreference/], ['a{1,3}+b', /nested quantifier/], ['(?:ab?)+', /nested quantifier/]] as const) {
      assert.throws(() => HfTokenizer.fromJson(withSplit(regex)), (e: unknown) => e instanceof TokenizerError && reason.test(e.message), regex);
    }
  });

  test('patterns of real tokenizers load (Qwen2/3 and Llama 3, GPT-4o style, the trainer\'s own)', () => {
    const real = [
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      BPE_PRETOKENIZE_PATTERN,
      ' ?[^(\\s|[.,!?…。，、।۔،])]+',
      '[\\r\\n]', '\\s?[!-/:-~！-／：-～‘-‟　-。]+', '\\s+$', '[一-龥ࠀ-一가-퟿]+', '\\p{N}+',
    ];
    for (const regex of real) {
      const tokenizer = HfTokenizer.fromJson(withSplit(regex));
      assert.ok(tokenizer.encode("It's 12 o'clock,   the   cat\n\nsat.").length > 0, regex);
    }
  });

  test('a pattern that backtracks without nesting is stopped by the time budget with a TokenizerError (it hung)', async () => {
    const json = withSplit('\\s*\\s*\\s*\\s*x');
    const ok = await bounded('encodeWith', json, 'a b c', { patternTimeoutMs: 2_000 });
    assert.equal(ok.outcome, 'returned', JSON.stringify(ok));
    const e = assertThrew(await bounded('encodeWith', json, ' '.repeat(3_000), { patternTimeoutMs: 500 }), 'TokenizerError',
      /tokenizer\.json/, /500 ms/, /patternTimeoutMs/);
    assert.equal(e.code, 'INVALID_TOKENIZER');
  });

  test('patternTimeoutMs is checked', () => {
    for (const bad of [0, -1, 1.5, Number.POSITIVE_INFINITY, '10']) {
      assert.throws(() => HfTokenizer.fromJson(clone(), undefined, { patternTimeoutMs: bad as number }), OptionsError, String(bad));
    }
  });
});

/**
 * A string shaped like a credential, planted in bad files next to the error (V8's JSON.parse
 * quotes the ten characters or so around it). No error message may hold any 6 characters of it.
 */
const SECRET = 'sk-live-9f8e7d6c5b4a-SECRET-COOKIE-VALUE';
function assertNoSecret(error: unknown): void {
  assert.ok(error instanceof Error, String(error));
  for (const text of [error.message, String(error.stack)]) {
    for (let i = 0; i + 6 <= SECRET.length; i++) {
      assert.ok(!text.includes(SECRET.slice(i, i + 6)), `the error echoes the file (${JSON.stringify(SECRET.slice(i, i + 6))}): ${error.message}`);
    }
  }
  assert.equal((error as { cause?: unknown }).cause, undefined, 'no cause carrying the parser\'s message');
}

describe('tokenizer: files', () => {
  test('a path that is a file, a missing folder, and a tokenizer.json that is a folder are TokenizerErrors saying what was expected', async () => {
    const file = join(dir, 'tok-file');
    await writeFile(file, 'x');
    await assert.rejects(HfTokenizer.fromFiles(file), (e: unknown) => e instanceof TokenizerError && e.message === `${file} is a file, not a folder; expected a folder holding tokenizer.json` && e.file === file);
    await assert.rejects(HfTokenizer.fromFiles(join(dir, 'no-such')), (e: unknown) => e instanceof TokenizerError && /no-such does not exist; expected a folder holding tokenizer\.json$/.test(e.message));
    const folder = join(dir, 'tok-folders');
    await mkdir(join(folder, 'tokenizer.json'), { recursive: true });
    await assert.rejects(HfTokenizer.fromFiles(folder), (e: unknown) => e instanceof TokenizerError && e.message === `${join(folder, 'tokenizer.json')} is a folder, not a file; expected a JSON file`);
    await rm(join(folder, 'tokenizer.json'), { recursive: true });
    await writeFile(join(folder, 'tokenizer.json'), JSON.stringify(smallTokenizerJson()));
    await mkdir(join(folder, 'tokenizer_config.json'));
    await assert.rejects(HfTokenizer.fromFiles(folder), (e: unknown) => e instanceof TokenizerError && e.message.startsWith(`${join(folder, 'tokenizer_config.json')} is a folder, not a file`));
  });

  test('malformed tokenizer.json and tokenizer_config.json: the error says where, never what the file holds', async () => {
    const folder = join(dir, 'tok-secret');
    await mkdir(folder);
    await writeFile(join(folder, 'tokenizer.json'), `{"model": {"type": "BPE", "vocab": {"a": ${SECRET}}}}`);
    const e1 = await HfTokenizer.fromFiles(folder).catch((e: unknown) => e);
    assert.ok(e1 instanceof TokenizerError && /tokenizer\.json is not valid JSON: unexpected character at line 1, column \d+$/.test(e1.message), String(e1));
    assertNoSecret(e1);
    await writeFile(join(folder, 'tokenizer.json'), JSON.stringify(smallTokenizerJson()));
    await writeFile(join(folder, 'tokenizer_config.json'), `{\n  "chat_template": ${SECRET}`);
    const e2 = await HfTokenizer.fromFiles(folder).catch((e: unknown) => e);
    assert.ok(e2 instanceof TokenizerError && /tokenizer_config\.json is not valid JSON: unexpected character at line 2, column 20$/.test(e2.message), String(e2));
    assertNoSecret(e2);
  });
});
