// File loaders against hostile and broken files (issue 35, item 9). Every case here failed or
// hung before the fix. Calls that hung run in a worker with a deadline (helpers/bounded.ts), so a
// regression fails the test instead of hanging the run.
//
// Tokenizers: an id of 2e9, an empty vocabulary, catastrophic-backtracking patterns (refused at
// load, or stopped by the time budget).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { appendJsonl, JsonlFileError, JsonlFormatError, loadJsonl } from '../src/data/jsonl.js';
import { trajectoryFromJson } from '../src/data/trajectory.js';
import { isWebAgentError, OptionsError } from '../src/errors.js';
import { initBackend } from '../src/model/backend.js';
import { CheckpointError, loadCheckpoint, saveCheckpoint } from '../src/model/checkpoint.js';
import { readSafetensors, readSafetensorsHeader, SafetensorsError } from '../src/model/safetensors.js';
import { HfTokenizer, TokenizerError, type TokenizerJson } from '../src/model/tokenizer.js';
import { BPE_PRETOKENIZE_PATTERN } from '../src/model/bpe-trainer.js';
import { TransformerLM } from '../src/model/transformer.js';
import { loadDemonstrations } from '../src/data/demonstration.js';
import { loadWebArenaConfigs, parseWebArenaConfig, WebArenaConfigError, webArenaTask } from '../src/webarena/index.js';
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

// ---------------------------------------------------------------- safetensors and checkpoints

interface RawTensor { dtype: string; shape: number[]; bytes: Uint8Array }

/** A safetensors file from raw tensor bytes (header padded to 8 bytes, as the reference writes it). */
function rawSafetensors(tensors: Record<string, RawTensor>, header: Record<string, unknown> = {}): Uint8Array {
  let offset = 0;
  const entries: Record<string, unknown> = { ...header };
  for (const [name, t] of Object.entries(tensors)) {
    entries[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  let json = JSON.stringify(entries);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const t of Object.values(tensors)) {
    out.set(t.bytes, at);
    at += t.bytes.byteLength;
  }
  return out;
}

const f32 = (values: number[]): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);
/** Little-endian 16-bit patterns. */
const u16 = (bits: number[]): Uint8Array => new Uint8Array(Uint16Array.from(bits).buffer);

describe('safetensors: non-finite weights', () => {
  test('NaN and Infinity in F32, F16 and BF16 tensors are refused at load, naming the tensor and the count', async () => {
    const file = join(dir, 'nan.safetensors');
    await writeFile(file, rawSafetensors({
      good: { dtype: 'F32', shape: [2], bytes: f32([1, -2]) },
      'model.layers.0.mlp.up_proj.weight': { dtype: 'F32', shape: [2, 3], bytes: f32([0.5, Number.NaN, 1, Number.POSITIVE_INFINITY, Number.NaN, 3]) },
      half: { dtype: 'F16', shape: [4], bytes: u16([0x3c00, 0x7e00, 0xfc00, 0x0001]) }, // 1, NaN, -Infinity, a subnormal
      brain: { dtype: 'BF16', shape: [3], bytes: u16([0x3f80, 0x7f80, 0x7fc1]) }, // 1, Infinity, NaN
    }));
    await assert.rejects(readSafetensors(file), (e: unknown) => e instanceof SafetensorsError && e.tensor === 'model.layers.0.mlp.up_proj.weight'
      && e.nonFiniteValues === 3 && /nan\.safetensors: tensor "model\.layers\.0\.mlp\.up_proj\.weight" holds 3 non-finite values \(2 NaN, 1 infinite\) of 6/.test(e.message)
      && /allowNonFinite/.test(e.message));
    await assert.rejects(readSafetensors(file, { names: ['half'] }), (e: unknown) => e instanceof SafetensorsError && e.tensor === 'half' && e.nonFiniteValues === 2 && /\(1 NaN, 1 infinite\) of 4/.test(e.message));
    await assert.rejects(readSafetensors(file, { names: ['brain'] }), (e: unknown) => e instanceof SafetensorsError && e.tensor === 'brain' && e.nonFiniteValues === 2);
    assert.deepEqual([...(await readSafetensors(file, { names: ['good'] })).tensors.get('good')!.data], [1, -2], 'finite tensors still load');
    const { tensors } = await readSafetensors(file, { allowNonFinite: true });
    assert.ok(Number.isNaN(tensors.get('half')!.data[1]) && tensors.get('brain')!.data[1] === Number.POSITIVE_INFINITY, 'allowNonFinite loads them as they are');
  });

  test('loadCheckpoint refuses a checkpoint whose weights hold NaN (they generated NaN), unless allowNonFinite', async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    const policy = new TransformerLM({ config: { vocab_size: 40, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, intermediate_size: 12, max_position_embeddings: 32 } });
    const folder = join(dir, 'nan-ckpt');
    await saveCheckpoint(folder, policy);
    policy.dispose();
    // Corrupt one weight in place (as a diverged run's save would hold it) and drop the manifest.
    const weights = join(folder, 'model.safetensors');
    const header = await readSafetensorsHeader(weights);
    const entry = header.tensors.get('model.layers.0.self_attn.q_proj.weight')!;
    const handle = await open(weights, 'r+');
    await handle.write(f32([Number.NaN, Number.NaN]), 0, 8, header.dataStart + entry.dataOffsets[0] + 12);
    await handle.close();
    await rm(join(folder, 'webagent-manifest.json'));
    await assert.rejects(loadCheckpoint(folder), (e: unknown) => e instanceof SafetensorsError && e.tensor === 'model.layers.0.self_attn.q_proj.weight' && e.nonFiniteValues === 2);
    const loaded = await loadCheckpoint(folder, { allowNonFinite: true });
    loaded.policy.dispose();
  });
});

describe('safetensors and checkpoints: files', () => {
  test('a missing file, a folder, and a header that is not JSON are SafetensorsErrors saying what was expected, with no file contents', async () => {
    const missing = join(dir, 'none.safetensors');
    await assert.rejects(readSafetensors(missing), (e: unknown) => e instanceof SafetensorsError && e.message === `${missing} does not exist; expected a safetensors file`);
    await assert.rejects(readSafetensorsHeader(missing), SafetensorsError);
    const folder = join(dir, 'folder.safetensors');
    await mkdir(folder);
    await assert.rejects(readSafetensors(folder), (e: unknown) => e instanceof SafetensorsError && e.message === `${folder} is a folder, not a file; expected a safetensors file`);
    const bad = join(dir, 'bad-header.safetensors');
    const text = `{"__metadata__": {"note": ${SECRET}}}`;
    const bytes = new Uint8Array(8 + text.length);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(text.length), true);
    bytes.set(new TextEncoder().encode(text), 8);
    await writeFile(bad, bytes);
    const e = await readSafetensors(bad).catch((x: unknown) => x);
    assert.ok(e instanceof SafetensorsError && /the header is not valid JSON: unexpected character at line 1, column 27/.test(e.message), String(e));
    assertNoSecret(e);
  });

  test('a checkpoint path that is a file or missing, and config.json or model.safetensors that are folders, are CheckpointErrors', async () => {
    const file = join(dir, 'ckpt-file');
    await writeFile(file, 'x');
    await assert.rejects(loadCheckpoint(file), (e: unknown) => e instanceof CheckpointError && e.message === `${file} is a file, not a folder; expected a checkpoint folder (config.json, model.safetensors)`);
    await assert.rejects(loadCheckpoint(join(dir, 'no-ckpt')), (e: unknown) => e instanceof CheckpointError && /no-ckpt does not exist; expected a checkpoint folder/.test(e.message));
    const folder = join(dir, 'ckpt-folders');
    await mkdir(join(folder, 'config.json'), { recursive: true });
    await assert.rejects(loadCheckpoint(folder), (e: unknown) => e instanceof CheckpointError && e.file === 'config.json' && e.message.startsWith(`${join(folder, 'config.json')} is a folder, not a file; expected the model's Hugging Face config`));
    await rm(join(folder, 'config.json'), { recursive: true });
    await writeFile(join(folder, 'config.json'), JSON.stringify({ model_type: 'llama', vocab_size: 40, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, intermediate_size: 12 }));
    await mkdir(join(folder, 'model.safetensors'));
    await assert.rejects(loadCheckpoint(folder), (e: unknown) => isWebAgentError(e) && /model\.safetensors is a folder, not a file; expected a safetensors file/.test(e.message));
  });

  test('a manifest or a listed file that is a folder is a CheckpointError, not a raw EISDIR', async () => {
    const folder = join(dir, 'ckpt-manifest');
    await mkdir(join(folder, 'webagent-manifest.json'), { recursive: true });
    await writeFile(join(folder, 'config.json'), '{}');
    await assert.rejects(loadCheckpoint(folder), (e: unknown) => e instanceof CheckpointError && /webagent-manifest\.json is a folder, not a file/.test(e.message));
    const other = join(dir, 'ckpt-listed');
    await mkdir(join(other, 'model.safetensors'), { recursive: true });
    await writeFile(join(other, 'webagent-manifest.json'), JSON.stringify({ format: 'webagent-r1/checkpoint-manifest', version: 1, files: { 'model.safetensors': { sha256: 'ab', bytes: 4096 } } }));
    await assert.rejects(loadCheckpoint(other), (e: unknown) => e instanceof CheckpointError && /model\.safetensors is a folder, not a file/.test(e.message));
  });

  test('config.json and the manifest that are not JSON: the error gives line and column, never the contents, and carries no cause', async () => {
    const folder = join(dir, 'ckpt-secret');
    await mkdir(folder);
    await writeFile(join(folder, 'config.json'), `{\n  "model_type": "llama",\n  "token": ${SECRET}\n}`);
    const e1 = await loadCheckpoint(folder).catch((x: unknown) => x);
    assert.ok(e1 instanceof CheckpointError && /config\.json is not valid JSON: unexpected character at line 3, column 12/.test(e1.message), String(e1));
    assertNoSecret(e1);
    await writeFile(join(folder, 'webagent-manifest.json'), `{"format": ${SECRET}}`);
    const e2 = await loadCheckpoint(folder).catch((x: unknown) => x);
    assert.ok(e2 instanceof CheckpointError && /webagent-manifest\.json .*is not valid JSON/.test(e2.message), String(e2));
    assertNoSecret(e2);
  });
});

// ---------------------------------------------------------------- JSONL, demonstrations, WebArena

/** A valid trajectory record as loadJsonl reads it (one JSON line). */
function trajectoryRecord(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    taskId: 't1', groupId: 'g1', site: 'shop', reward: 1, answer: 'ok',
    turns: [{ promptIds: [1, 2], completionIds: [3], logprobs: [-0.5], text: 'click [3]', action: { type: 'click' }, observation: { url: 'http://127.0.0.1/', title: 'T', error: null } }],
    stats: { turns: 1, invalidActions: 0, elapsedMs: 5, terminated: true, truncated: false },
    ...extra,
  };
}

/** A valid demonstration record as loadDemonstrations reads it. */
function demonstrationRecord(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    taskId: 'shop/1', site: 'shop', intent: 'Find the mug', score: 1,
    turns: [{ observation: { text: '[1] link "Mug"', url: 'http://127.0.0.1/', title: 'Shop', lastActionError: null, notices: [], truncated: false, nodes: [] }, action: { type: 'click', target: { id: 1 } }, thought: 'open it' }],
    ...extra,
  };
}

describe('JSONL: files and contents', () => {
  test('a missing file and a folder are JsonlFileErrors naming the path and what was expected (they were raw ENOENT / EISDIR)', async () => {
    const missing = join(dir, 'none.jsonl');
    await assert.rejects(loadJsonl(missing), (e: unknown) => e instanceof JsonlFileError && e.path === missing && e.message === `${missing} does not exist; expected a JSONL file of trajectories`);
    const folder = join(dir, 'folder.jsonl');
    await mkdir(folder);
    await assert.rejects(loadJsonl(folder), (e: unknown) => e instanceof JsonlFileError && e.message === `${folder} is a folder, not a file; expected a JSONL file of trajectories`);
    await assert.rejects(appendJsonl(folder, trajectoryFromJson(trajectoryRecord(), 't')), (e: unknown) => e instanceof JsonlFileError && /is a folder, not a file/.test(e.message));
  });

  test('a malformed line, a torn last line and an invalid record: errors and warnings say where, never what the line holds', async () => {
    const file = join(dir, 'secret.jsonl');
    const good = JSON.stringify(trajectoryRecord());
    await writeFile(file, `${good}\n{"taskId": "t2", "answer": ${SECRET}}\n${good}\n`);
    const e1 = await loadJsonl(file).catch((x: unknown) => x);
    assert.ok(e1 instanceof JsonlFormatError && e1.line === 2 && /secret\.jsonl:2: malformed JSON: unexpected character at column 28/.test(e1.message), String(e1));
    assertNoSecret(e1);
    await writeFile(file, `${good}\n{"taskId": "t2", "answer": ${SECRET}`);
    const warnings: string[] = [];
    assert.equal((await loadJsonl(file, { onWarning: (m) => warnings.push(m) })).length, 1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /secret\.jsonl:2: skipped a torn last line/);
    assertNoSecret(new Error(warnings[0]));
    for (const record of [trajectoryRecord({ answer: 5, turns: SECRET }), trajectoryRecord({ groupId: [SECRET] }), trajectoryRecord({ taskId: { SECRET } })]) {
      await writeFile(file, `${JSON.stringify(record)}\n`);
      const e = await loadJsonl(file).catch((x: unknown) => x);
      assert.ok(e instanceof JsonlFormatError && e.line === 1, String(e));
      assertNoSecret(e);
    }
    await writeFile(file, `${JSON.stringify(trajectoryRecord({ turns: [{ ...(trajectoryRecord().turns as object[])[0], promptIds: [1, SECRET] }] }))}\n`);
    const e2 = await loadJsonl(file).catch((x: unknown) => x);
    assert.ok(e2 instanceof JsonlFormatError && /turns\[0\]\.promptIds\[1\] = a string of 40 characters is not a token id/.test(e2.message), String(e2));
    assertNoSecret(e2);
  });
});

describe('demonstrations: files and contents', () => {
  test('a missing file and a folder are OptionsErrors naming the path and what was expected (they were raw ENOENT / EISDIR)', async () => {
    const missing = join(dir, 'none-demos.jsonl');
    await assert.rejects(loadDemonstrations(missing), (e: unknown) => e instanceof OptionsError && e.message === `${missing} does not exist; expected a JSONL file of demonstrations`);
    const folder = join(dir, 'demos-folder');
    await mkdir(folder);
    await assert.rejects(loadDemonstrations(folder), (e: unknown) => e instanceof OptionsError && e.message === `${folder} is a folder, not a file; expected a JSONL file of demonstrations`);
  });

  test('a malformed line and an invalid record: the error says where, never what the line holds', async () => {
    const file = join(dir, 'secret-demos.jsonl');
    const good = JSON.stringify(demonstrationRecord());
    assert.equal((await (async () => { await writeFile(file, `${good}\n`); return loadDemonstrations(file); })()).length, 1);
    await writeFile(file, `${good}\n{"taskId": "shop/2", "intent": ${SECRET}}\n`);
    const e1 = await loadDemonstrations(file).catch((x: unknown) => x);
    assert.ok(e1 instanceof OptionsError && /secret-demos\.jsonl:2: not a demonstration: malformed JSON: unexpected character at column 32/.test(e1.message), String(e1));
    assertNoSecret(e1);
    const turn = (demonstrationRecord().turns as Record<string, unknown>[])[0]!;
    for (const record of [
      demonstrationRecord({ turns: [{ ...turn, action: { type: SECRET } }] }),
      demonstrationRecord({ turns: [{ ...turn, action: { type: 'type', target: { id: 1 }, text: 5, SECRET } }] }),
      demonstrationRecord({ intent: 7, site: SECRET }),
    ]) {
      await writeFile(file, `${JSON.stringify(record)}\n`);
      const e = await loadDemonstrations(file).catch((x: unknown) => x);
      assert.ok(e instanceof OptionsError && /secret-demos\.jsonl:1: not a demonstration/.test(e.message), String(e));
      assertNoSecret(e);
    }
  });
});

describe('WebArena configs and storage states: files and contents', () => {
  const config = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    task_id: 4, sites: ['shopping'], require_login: false, storage_state: null, start_url: '__SHOPPING__', intent: 'Which mug?',
    eval: { eval_types: ['string_match'], reference_answers: { must_include: ['blue'] } }, ...extra,
  });

  test('a config file that is a folder, or unreadable inside a folder, is an OptionsError saying what was expected', async () => {
    const folder = join(dir, 'configs');
    await mkdir(join(folder, '3.json'), { recursive: true });
    await writeFile(join(folder, '1.json'), JSON.stringify(config()));
    await assert.rejects(loadWebArenaConfigs(folder), (e: unknown) => e instanceof OptionsError && e.message === `loadWebArenaConfigs: ${join(folder, '3.json')} is a folder, not a file; expected a JSON file of WebArena task configs`);
    const missing = join(dir, 'no-configs.json');
    await assert.rejects(loadWebArenaConfigs(missing), (e: unknown) => e instanceof OptionsError && e.message === `loadWebArenaConfigs: ${missing} does not exist; expected a JSON file of task configs or a folder of per-task JSON files`);
  });

  test('a config file that is not JSON: the error gives line and column, never the contents', async () => {
    const file = join(dir, 'secret-configs.json');
    await writeFile(file, `[\n  {"task_id": 1, "intent": ${SECRET}}\n]`);
    const e = await loadWebArenaConfigs(file).catch((x: unknown) => x);
    assert.ok(e instanceof OptionsError && e.message === `loadWebArenaConfigs: ${file} is not valid JSON: unexpected character at line 2, column 28`, String(e));
    assertNoSecret(e);
  });

  test('a storage_state file that is not JSON, not a storage state, or a folder: WebArenaConfigErrors that never print its contents (cookies)', async () => {
    const task = (file: string): unknown => {
      try {
        return webArenaTask(parseWebArenaConfig(config({ require_login: true, storage_state: file })), { urls: { shopping: 'http://127.0.0.1:9' } });
      } catch (e) {
        return e;
      }
    };
    const state = join(dir, 'state.json');
    const cookie = { name: 'sid', value: 'x', domain: '127.0.0.1', path: '/' };
    await writeFile(state, JSON.stringify({ cookies: [cookie], origins: [{ origin: 'http://127.0.0.1:9', localStorage: [{ name: 'k', value: 'v' }] }] }));
    assert.ok(!(task(state) instanceof Error), 'a storage state loads');
    await writeFile(state, `{"cookies": [{"name": "sid", "value": ${SECRET}, "domain": "127.0.0.1", "path": "/"}]}`);
    const e1 = task(state);
    assert.ok(e1 instanceof WebArenaConfigError && e1.field === 'storage_state' && e1.message.endsWith(`${state} is not valid JSON: unexpected character at line 1, column 39`), String(e1));
    assertNoSecret(e1);
    for (const [bad, why] of [
      [{ cookies: SECRET }, /cookies must be a list/],
      [{ cookies: [{ name: 'sid', value: 7, domain: SECRET }] }, /cookies\[0\] must be \{name, value, domain and path, or url\}/],
      [{ cookies: [{ name: 'sid', value: SECRET }] }, /cookies\[0\] must be \{name, value, domain and path, or url\}/],
      [{ origins: [{ origin: 'http://127.0.0.1:9', localStorage: [{ name: SECRET }] }] }, /origins\[0\] must be \{origin, localStorage: \[\{name, value\}\]\}/],
      [[SECRET], /not a Playwright storage state/],
    ] as const) {
      await writeFile(state, JSON.stringify(bad));
      const e = task(state);
      assert.ok(e instanceof WebArenaConfigError && why.test(e.message) && /not a Playwright storage state/.test(e.message), `${JSON.stringify(bad)}: ${String(e)}`);
      assertNoSecret(e);
    }
    const folder = join(dir, 'state-folder.json');
    await mkdir(folder);
    const e2 = task(folder);
    assert.ok(e2 instanceof WebArenaConfigError && e2.message.endsWith(`${folder} is a folder, not a file; expected a Playwright storage-state JSON file (log in with WebArena's auto_login.py, or pass authDir)`), String(e2));
  });
});

describe('every loader: permission denied', () => {
  test('EACCES from each loader is its typed error naming the path, not a raw Node error', async (t) => {
    // Its own folder, open to all: mkdtemp makes `dir` 0700, which would deny an unprivileged
    // child every path under it (EACCES on the parent, not on the file under test).
    const locked = await mkdtemp(join(tmpdir(), 'loader-eacces-'));
    t.after(() => rm(locked, { recursive: true, force: true }));
    const file = async (name: string, text: string): Promise<string> => {
      const p = join(locked, name);
      await writeFile(p, text);
      await chmod(p, 0o000);
      return p;
    };
    const folder = async (name: string): Promise<string> => {
      const p = join(locked, name);
      await mkdir(p);
      await chmod(p, 0o000);
      return p;
    };
    const cases = [
      { loader: 'tokenizer', path: await folder('tok'), expect: ['TokenizerError', /tok\/tokenizer\.json cannot be read: permission denied \(EACCES\); expected a JSON file/] },
      { loader: 'checkpoint', path: await folder('ckpt'), expect: ['CheckpointError', /ckpt.* cannot be read: permission denied \(EACCES\)/] },
      { loader: 'safetensors', path: await file('w.safetensors', 'x'), expect: ['SafetensorsError', /w\.safetensors cannot be read: permission denied \(EACCES\); expected a safetensors file/] },
      { loader: 'jsonl', path: await file('t.jsonl', '{}\n'), expect: ['JsonlFileError', /t\.jsonl cannot be read: permission denied \(EACCES\); expected a JSONL file of trajectories/] },
      { loader: 'demonstrations', path: await file('d.jsonl', '{}\n'), expect: ['OptionsError', /d\.jsonl cannot be read: permission denied \(EACCES\); expected a JSONL file of demonstrations/] },
      { loader: 'webarena', path: await file('c.json', '[]'), expect: ['OptionsError', /c\.json cannot be read: permission denied \(EACCES\); expected a JSON file of WebArena task configs/] },
      { loader: 'storage', path: await file('s.json', '{}'), expect: ['WebArenaConfigError', /s\.json cannot be read: permission denied \(EACCES\); expected a Playwright storage-state JSON file/] },
    ] as const;
    await chmod(locked, 0o755);
    // Root reads any file (chmod 000 denies it nothing): run the loaders as an unprivileged user then.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./helpers/loader-errors-child.ts', import.meta.url)), JSON.stringify(cases.map(({ loader, path }) => ({ loader, path })))],
      { encoding: 'utf8', timeout: 120_000, ...asUser, env: { ...process.env, HOME: tmpdir() } });
    if ((child.error as NodeJS.ErrnoException | undefined)?.code === 'EPERM') {
      t.skip('running as root without the right to switch to an unprivileged user (setuid refused): root reads a chmod 000 file, so no loader can be denied');
      return;
    }
    assert.equal(child.error, undefined, String(child.error));
    assert.equal(child.status, 0, child.stderr);
    const results = JSON.parse(child.stdout.trim().split('\n').pop()!) as { loader: string; outcome: string; name?: string; message?: string }[];
    cases.forEach(({ loader, expect: [name, pattern] }, i) => {
      const r = results[i]!;
      assert.equal(r.loader, loader);
      assert.equal(r.outcome, 'threw', `${loader}: ${JSON.stringify(r)}`);
      assert.equal(r.name, name, `${loader}: ${r.message}`);
      assert.match(r.message!, pattern, loader);
    });
  });
});
