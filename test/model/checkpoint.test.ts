// Tests for the safetensors reader/writer (src/model/safetensors.ts) and Hugging Face checkpoint
// folders (src/model/checkpoint.ts): hand-written F32/F16/BF16 bytes against known values,
// positioned reads of only the requested byte ranges, a tiny Qwen2 checkpoint sharded exactly as
// transformers' save_pretrained writes it (BF16 + F32 shards, index, inv_freq buffer), save/load
// round trips with identical logits, and errors that name the tensor, file and both shapes.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, readFile, realpath, rename, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isWebAgentError } from '../../src/errors.js';
import { initBackend } from '../../src/model/backend.js';
import { loadCheckpoint, saveCheckpoint, CheckpointError } from '../../src/model/checkpoint.js';
import type { TransformerConfig } from '../../src/model/config.js';
import { readSafetensors, readSafetensorsHeader, SafetensorsError, writeSafetensors } from '../../src/model/safetensors.js';
import { TransformerLM, type NamedWeight } from '../../src/model/transformer.js';
import { maxRelDiff } from '../helpers/reference-lm.js';

const TINY: Partial<TransformerConfig> = {
  vocab_size: 50, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 24, max_position_embeddings: 64, rms_norm_eps: 1e-6,
};
const QWEN2: Partial<TransformerConfig> = { ...TINY, tie_word_embeddings: false, attention_bias: true, rope_theta: 1_000_000 };
const LLAMA: Partial<TransformerConfig> = { ...TINY, tie_word_embeddings: true, attention_bias: false, rope_theta: 10_000 };
const IDS = [3, 14, 15, 9, 26, 5, 35, 8, 9, 7, 49, 0];

let root = '';
let counter = 0;
const freshDir = (): string => path.join(root, `c${counter++}`);

before(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
  root = await mkdtemp(path.join(os.tmpdir(), 'webagent-ckpt-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

interface RawTensor { dtype: string; shape: number[]; bytes: Uint8Array }

/** A safetensors file as the reference implementation writes one: `__metadata__` first, header space-padded to 8 bytes. */
function rawSafetensors(tensors: ReadonlyMap<string, RawTensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const t of tensors.values()) {
    out.set(t.bytes, at);
    at += t.bytes.byteLength;
  }
  return out;
}

function words(values: readonly number[], size: 2 | 4): Uint8Array {
  const bytes = new Uint8Array(values.length * size);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => (size === 2 ? view.setUint16(2 * i, v, true) : view.setUint32(4 * i, v, true)));
  return bytes;
}

/** float32 -> bfloat16 bits, round to nearest even (what torch's .to(torch.bfloat16) does). */
function toBf16Bits(data: Float32Array): number[] {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  return Array.from(bits, (u) => ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff);
}
const fromBf16Bits = (bits: readonly number[]): Float32Array => new Float32Array(new Uint32Array(bits.map((b) => b << 16)).buffer);
const f32Bytes = (data: Float32Array): Uint8Array => new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));

async function logitsOf(model: TransformerLM, ids: readonly number[]): Promise<Float32Array> {
  const out = tf.tidy(() => model.logits(tf.tensor2d([...ids], [1, ids.length], 'int32')));
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

/** A model with random weights everywhere (the init zeroes biases and sets norms to 1). */
async function randomModel(config: Partial<TransformerConfig>, seed: number): Promise<TransformerLM> {
  const model = new TransformerLM({ config, seed, initStd: 0.2 });
  const weights = await model.exportWeights();
  let k = 0;
  for (const [name, w] of weights) {
    if (!name.endsWith('.bias') && !name.includes('norm')) continue;
    weights.set(name, { shape: w.shape, data: w.data.map((_, i) => (name.includes('norm') ? 1 : 0) + 0.3 * Math.sin(1.7 * i + 0.9 * ++k)) });
  }
  model.importWeights(weights);
  return model;
}

async function rejectsNaming(promise: Promise<unknown>, ...parts: string[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isWebAgentError(error), `not a WebAgentError: ${String(error)}`);
    for (const part of parts) assert.ok(error.message.includes(part), `"${error.message}" does not mention ${part}`);
    return true;
  });
}

describe('safetensors', () => {
  test('F32, F16 and BF16 decode to known values; __metadata__ is kept', async () => {
    const file = freshDir() + '.safetensors';
    const tensors = new Map<string, RawTensor>([
      // 1.0, -2.5, 65504 (f16 max), 2^-24 (smallest subnormal), 1023 * 2^-24 (largest subnormal), -0, inf, -inf, nan
      ['half', { dtype: 'F16', shape: [9], bytes: words([0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x8000, 0x7c00, 0xfc00, 0x7e00], 2) }],
      // 1.0, -2.5, 65280 (65504 rounded to bf16), 2^-133 (smallest subnormal), bf16 max, inf, nan
      ['brain', { dtype: 'BF16', shape: [7], bytes: words([0x3f80, 0xc020, 0x477f, 0x0001, 0x7f7f, 0x7f80, 0x7fc0], 2) }],
      // 1.0, -2.5, 65504, 2^-149 (smallest subnormal), inf, nan
      ['single', { dtype: 'F32', shape: [2, 3], bytes: words([0x3f800000, 0xc0200000, 0x477fe000, 0x00000001, 0x7f800000, 0x7fc00000], 4) }],
    ]);
    await writeFile(file, rawSafetensors(tensors, { format: 'pt', note: 'kept' }));
    // The infinities and NaNs are deliberate: decoding them is what this test checks.
    const { tensors: out, metadata } = await readSafetensors(file, { allowNonFinite: true });
    assert.deepEqual(metadata, { format: 'pt', note: 'kept' });
    assert.deepEqual(Array.from(out.get('half')!.data), [1, -2.5, 65504, 2 ** -24, 1023 * 2 ** -24, -0, Infinity, -Infinity, NaN]);
    assert.ok(Object.is(out.get('half')!.data[5], -0));
    assert.deepEqual(Array.from(out.get('brain')!.data), [1, -2.5, 65280, 2 ** -133, 3.3895313892515355e38, Infinity, NaN]);
    assert.deepEqual(Array.from(out.get('single')!.data), [1, -2.5, 65504, 2 ** -149, Infinity, NaN]);
    assert.deepEqual(out.get('single')!.shape, [2, 3]);
    assert.equal(out.get('brain')!.dtype, 'BF16');
  });

  test('NaN and infinite values are refused unless allowNonFinite, naming the tensor and the count', async () => {
    const file = freshDir() + '.safetensors';
    const tensors = new Map<string, RawTensor>([
      ['fine', { dtype: 'F32', shape: [2], bytes: words([0x3f800000, 0xc0200000], 4) }],
      // 1.0, inf, nan, -inf: one NaN and two infinite
      ['half', { dtype: 'F16', shape: [4], bytes: words([0x3c00, 0x7c00, 0x7e00, 0xfc00], 2) }],
      // nan with a payload, 1.0
      ['brain', { dtype: 'BF16', shape: [2], bytes: words([0xffc1, 0x3f80], 2) }],
      // 1.0, a signalling nan
      ['single', { dtype: 'F32', shape: [2], bytes: words([0x3f800000, 0x7f800001], 4) }],
    ]);
    await writeFile(file, rawSafetensors(tensors, {}));
    await assert.rejects(readSafetensors(file), (e: unknown) => e instanceof SafetensorsError && e.tensor === 'half' && e.nonFiniteValues === 3
      && /tensor "half" holds 3 non-finite values \(1 NaN, 2 infinite\) of 4/.test(e.message));
    await assert.rejects(readSafetensors(file, { names: ['brain'] }), (e: unknown) => e instanceof SafetensorsError && e.tensor === 'brain' && e.nonFiniteValues === 1);
    await assert.rejects(readSafetensors(file, { names: ['single'] }), (e: unknown) => e instanceof SafetensorsError && e.tensor === 'single' && e.nonFiniteValues === 1);
    assert.deepEqual(Array.from((await readSafetensors(file, { names: ['fine'] })).tensors.get('fine')!.data), [1, -2.5]);
    const { tensors: all } = await readSafetensors(file, { allowNonFinite: true });
    assert.deepEqual(Array.from(all.get('half')!.data), [1, Infinity, NaN, -Infinity]);
  });

  test('F16 and BF16 tensors larger than the 4 MB read chunk decode across chunk boundaries', async () => {
    const file = freshDir() + '.safetensors';
    const n = 3_000_001; // 6 MB at 2 bytes: two chunks and an odd tail
    const ints = Array.from({ length: n }, (_, i) => (i * 7) % 2049); // integers 0..2048 are exact in f16 and bf16 up to 256
    const f16 = ints.map((k) => (k === 0 ? 0 : ((Math.floor(Math.log2(k)) + 15) << 10) | ((k / 2 ** Math.floor(Math.log2(k)) - 1) * 1024)));
    const small = ints.map((k) => k % 256);
    const bf16 = toBf16Bits(Float32Array.from(small));
    await writeFile(file, rawSafetensors(new Map([
      ['h', { dtype: 'F16', shape: [n], bytes: words(f16, 2) }],
      ['b', { dtype: 'BF16', shape: [n], bytes: words(bf16, 2) }],
    ])));
    const { tensors } = await readSafetensors(file);
    assert.deepEqual(tensors.get('h')!.data, Float32Array.from(ints));
    assert.deepEqual(tensors.get('b')!.data, Float32Array.from(small));
  });

  test('write/read round trip; a names subset reads only its byte ranges, each byte once', async () => {
    const file = freshDir() + '.safetensors';
    const tensors = new Map<string, NamedWeight>();
    for (const [i, name] of ['a', 'b', 'c', 'd'].entries()) {
      tensors.set(name, { shape: [10, 100], data: Float32Array.from({ length: 1000 }, (_, j) => Math.sin(i * 1000 + j)) });
    }
    tensors.set('scalar', { shape: [], data: new Float32Array([7]) });
    await writeSafetensors(file, tensors, { format: 'pt' });
    const size = (await readFile(file)).byteLength;
    const header = await readSafetensorsHeader(file);
    assert.equal(header.dataStart % 8, 0, 'header padded to 8 bytes');
    assert.equal(size, header.dataStart + 4 * 4001);

    // Record every positioned read the reader makes.
    const probe = await open(file, 'r');
    const proto = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const original = proto.read;
    const reads: { length: number; position: number }[] = [];
    proto.read = function (this: unknown, ...args: unknown[]) {
      reads.push({ length: args[2] as number, position: args[3] as number });
      return original.apply(this, args);
    };
    let subset, all;
    try {
      subset = await readSafetensors(file, { names: ['c'] });
      const subsetReads = reads.splice(0);
      const c = header.tensors.get('c')!;
      assert.deepEqual(subsetReads, [
        { length: 8, position: 0 },
        { length: header.dataStart - 8, position: 8 },
        { length: 4000, position: header.dataStart + c.dataOffsets[0] },
      ]);
      all = await readSafetensors(file);
      assert.equal(reads.reduce((a, r) => a + r.length, 0), size, 'every byte read exactly once');
      assert.ok(Math.max(...reads.map((r) => r.length)) <= 4000, 'no read larger than one tensor');
    } finally {
      proto.read = original;
    }
    assert.deepEqual([...subset.tensors.keys()], ['c']);
    assert.deepEqual(subset.tensors.get('c')!.data, tensors.get('c')!.data);
    for (const [name, t] of tensors) {
      assert.deepEqual(all.tensors.get(name)!.data, t.data);
      assert.deepEqual(all.tensors.get(name)!.shape, t.shape);
    }
    assert.deepEqual(all.metadata, { format: 'pt' });
    // The write went through a temp file: nothing else is left beside it.
    assert.ok(!(await readdir(root)).some((f) => f.includes('.tmp-')));
  });

  test('malformed files give typed errors naming the tensor', async () => {
    const base = freshDir();
    const good = rawSafetensors(new Map([['w', { dtype: 'F32', shape: [2], bytes: words([0, 0], 4) }]]));
    const long = Uint8Array.from(good);
    new DataView(long.buffer).setBigUint64(0, 1n << 40n, true);
    await writeFile(`${base}-len`, long);
    await rejectsNaming(readSafetensors(`${base}-len`), 'beyond the file size');
    const header = (entries: Record<string, unknown>, dataBytes: number): Uint8Array => {
      let json = JSON.stringify(entries);
      json += ' '.repeat((8 - (json.length % 8)) % 8);
      const out = new Uint8Array(8 + json.length + dataBytes);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(new TextEncoder().encode(json), 8);
      return out;
    };
    await writeFile(`${base}-range`, header({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8));
    await rejectsNaming(readSafetensors(`${base}-range`), '"w"', 'out of range');
    await writeFile(`${base}-overlap`, header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12));
    await rejectsNaming(readSafetensors(`${base}-overlap`), '"a"', '"b"', 'overlap');
    await writeFile(`${base}-count`, header({ w: { dtype: 'F16', shape: [3], data_offsets: [0, 8] } }, 8));
    await rejectsNaming(readSafetensors(`${base}-count`), '"w"', 'needs 6 bytes', 'span 8');
    await writeFile(`${base}-dtype`, header({ ids: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, 8));
    await rejectsNaming(readSafetensors(`${base}-dtype`), '"ids"', 'I64');
    await writeFile(`${base}-trunc`, good);
    await truncate(`${base}-trunc`, good.byteLength - 4);
    await rejectsNaming(readSafetensors(`${base}-trunc`), '"w"', 'out of range');
    await assert.rejects(writeSafetensors(`${base}-bad`, new Map([['w', { shape: [3], data: new Float32Array(2) }]])), SafetensorsError);
  });
});

describe('Hugging Face checkpoints', () => {
  test('a sharded Qwen2 checkpoint as transformers writes it (BF16 + F32 shards) gives the source model\'s logits', async () => {
    const dir = freshDir();
    await mkdir(dir);
    const source = await randomModel(QWEN2, 5);
    const weights = await source.exportWeights();
    // Shard 1: embeddings and layer 0 in bfloat16; shard 2: the rest in float32, plus an old-style inv_freq buffer.
    const inFirst = (name: string): boolean => name === 'model.embed_tokens.weight' || name.startsWith('model.layers.0.');
    const shards = [new Map<string, RawTensor>(), new Map<string, RawTensor>()];
    const rounded = new Map<string, NamedWeight>();
    for (const name of [...weights.keys()].sort()) {
      const w = weights.get(name)!;
      if (inFirst(name)) {
        const bits = toBf16Bits(w.data);
        shards[0]!.set(name, { dtype: 'BF16', shape: [...w.shape], bytes: words(bits, 2) });
        rounded.set(name, { shape: w.shape, data: fromBf16Bits(bits) });
      } else {
        shards[1]!.set(name, { dtype: 'F32', shape: [...w.shape], bytes: f32Bytes(w.data) });
        rounded.set(name, w);
      }
    }
    shards[1]!.set('model.layers.1.self_attn.rotary_emb.inv_freq', { dtype: 'F32', shape: [2], bytes: f32Bytes(new Float32Array([1, 1e-3])) });
    const weightMap: Record<string, string> = {};
    let totalSize = 0;
    for (const [i, shard] of shards.entries()) {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      await writeFile(path.join(dir, file), rawSafetensors(shard, { format: 'pt' }));
      for (const [name, t] of shard) {
        weightMap[name] = file;
        totalSize += t.bytes.byteLength;
      }
    }
    await writeFile(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2));
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({
      architectures: ['Qwen2ForCausalLM'], attention_dropout: 0.0, bos_token_id: 48, eos_token_id: 49, hidden_act: 'silu',
      hidden_size: 16, initializer_range: 0.02, intermediate_size: 24, max_position_embeddings: 64, max_window_layers: 2,
      model_type: 'qwen2', num_attention_heads: 4, num_hidden_layers: 2, num_key_value_heads: 2, rms_norm_eps: 1e-6,
      rope_scaling: null, rope_theta: 1000000.0, sliding_window: null, tie_word_embeddings: false, torch_dtype: 'bfloat16',
      transformers_version: '4.45.2', use_cache: true, use_sliding_window: false, vocab_size: 50,
    }, null, 2));

    const reference = new TransformerLM({ config: QWEN2 });
    reference.importWeights(rounded);
    const { policy, config, tokenizerDir } = await loadCheckpoint(dir);
    try {
      assert.equal(config.attention_bias, true);
      assert.equal(config.rope_theta, 1_000_000);
      assert.equal(tokenizerDir, undefined);
      const got = await logitsOf(policy, IDS);
      const want = await logitsOf(reference, IDS);
      assert.ok(maxRelDiff(got, want) < 1e-4, `loaded vs bf16-rounded source: ${maxRelDiff(got, want)}`);
      assert.ok(Math.max(...want.map(Math.abs)) > 1, 'logits too small to show errors');
      // The bf16 shard really was bf16: the loaded model is close to, but not exactly, the float32 source.
      const exact = await logitsOf(source, IDS);
      const drift = maxRelDiff(got, exact);
      assert.ok(drift > 0 && drift < 0.1, `drift from the float32 source ${drift}`);
    } finally {
      policy.dispose();
      reference.dispose();
      source.dispose();
    }
  });

  test('save -> load round trip gives identical logits, tokenizer files and generation config (tied Llama)', async () => {
    const dir = freshDir();
    const model = await randomModel(LLAMA, 9);
    const tokenizer = {
      json: { version: '1.0', added_tokens: [{ id: 48, content: '<s>', special: true }, { id: 49, content: '</s>', special: true }], model: { type: 'BPE' } },
      config: { bos_token: '<s>', eos_token: { content: '</s>', special: true }, model_max_length: 64 },
    };
    try {
      await saveCheckpoint(dir, model, { tokenizer, generationConfig: { max_new_tokens: 32 } });
      const gen = JSON.parse(await readFile(path.join(dir, 'generation_config.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(gen.bos_token_id, 48);
      assert.equal(gen.eos_token_id, 49);
      assert.equal(gen.max_new_tokens, 32);
      assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8')), tokenizer.json);
      assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'tokenizer_config.json'), 'utf8')), tokenizer.config);
      const hf = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(hf.model_type, 'llama');
      assert.equal(hf.tie_word_embeddings, true);
      const header = await readSafetensorsHeader(path.join(dir, 'model.safetensors'));
      assert.deepEqual(header.metadata, { format: 'pt' });
      assert.ok(!header.tensors.has('lm_head.weight'));

      const { policy, tokenizerDir } = await loadCheckpoint(dir, { trainable: false });
      try {
        assert.equal(tokenizerDir, dir);
        assert.equal(policy.trainable, false);
        assert.deepEqual(await logitsOf(policy, IDS), await logitsOf(model, IDS));
      } finally {
        policy.dispose();
      }
      // A tied checkpoint that also stores lm_head.weight (some exports do) still loads (a
      // folder edited by hand loads as a plain Hugging Face folder once its manifest is gone).
      await rm(path.join(dir, 'webagent-manifest.json'));
      const weights = await model.exportWeights();
      weights.set('lm_head.weight', weights.get('model.embed_tokens.weight')!);
      await writeSafetensors(path.join(dir, 'model.safetensors'), weights);
      const again = await loadCheckpoint(dir);
      try {
        assert.deepEqual(await logitsOf(again.policy, IDS), await logitsOf(model, IDS));
      } finally {
        again.policy.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  test('a save into folders that do not exist yet creates them (checkpoints/ on a fresh clone); a parent that is a file is a CheckpointError', async () => {
    const base = freshDir();
    const dir = path.join(base, 'checkpoints', 'run', 'model');
    const model = await randomModel(QWEN2, 4);
    try {
      await saveCheckpoint(dir, model);
      const { policy } = await loadCheckpoint(dir);
      try {
        assert.deepEqual(await logitsOf(policy, IDS), await logitsOf(model, IDS));
      } finally {
        policy.dispose();
      }
      await writeFile(path.join(base, 'a-file'), 'not a folder');
      await assert.rejects(saveCheckpoint(path.join(base, 'a-file', 'model'), model), (e: unknown) => e instanceof CheckpointError && /a-file/.test(e.message));
    } finally {
      model.dispose();
    }
  });

  test('a Qwen2 folder whose config.json has a stray "attention_bias": false loads (transformers ignores it) and errors name Qwen2', async () => {
    const dir = freshDir();
    const model = await randomModel(QWEN2, 4);
    try {
      await saveCheckpoint(dir, model);
      await rm(path.join(dir, 'webagent-manifest.json')); // edited by hand below
      const configFile = path.join(dir, 'config.json');
      const hf = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
      await writeFile(configFile, JSON.stringify({ ...hf, model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'], attention_bias: false }));
      const { policy, config } = await loadCheckpoint(dir);
      try {
        assert.equal(config.attention_bias, true, 'Qwen2 q/k/v biases whatever attention_bias says');
        assert.deepEqual(await logitsOf(policy, IDS), await logitsOf(model, IDS));
      } finally {
        policy.dispose();
      }
      const weights = await model.exportWeights();
      weights.set('model.layers.0.self_attn.o_proj.bias', { shape: [16], data: new Float32Array(16) });
      await writeSafetensors(path.join(dir, 'model.safetensors'), weights);
      await rejectsNaming(loadCheckpoint(dir), 'model.layers.0.self_attn.o_proj.bias', 'not a parameter of this Qwen2 config');
    } finally {
      model.dispose();
    }
  });

  test('wrong shapes, missing or unknown tensors, unknown dtypes and missing files name what is wrong', async () => {
    const dir = freshDir();
    const model = await randomModel(QWEN2, 2);
    const before = tf.memory().numTensors;
    try {
      await rejectsNaming(loadCheckpoint(dir), `${dir} does not exist`, 'expected a checkpoint folder (config.json, model.safetensors)');
      await saveCheckpoint(dir, model);
      await rm(path.join(dir, 'webagent-manifest.json')); // edited by hand below
      const good = await model.exportWeights();
      const file = path.join(dir, 'model.safetensors');
      const withWeights = async (edit: (w: Map<string, NamedWeight>) => void): Promise<void> => {
        const w = new Map(good);
        edit(w);
        await writeSafetensors(file, w);
      };
      await withWeights((w) => w.set('model.layers.1.self_attn.k_proj.weight', { shape: [16, 8], data: new Float32Array(128) }));
      await rejectsNaming(loadCheckpoint(dir), 'model.layers.1.self_attn.k_proj.weight', '[16, 8]', '[8, 16]', 'model.safetensors');
      await withWeights((w) => w.delete('model.layers.0.self_attn.q_proj.bias'));
      await rejectsNaming(loadCheckpoint(dir), 'model.layers.0.self_attn.q_proj.bias', '[16]', 'missing');
      await withWeights((w) => w.set('model.layers.0.self_attn.q_norm.weight', { shape: [4], data: new Float32Array(4) }));
      await rejectsNaming(loadCheckpoint(dir), 'model.layers.0.self_attn.q_norm.weight', 'not a parameter');
      const raw = new Map<string, RawTensor>([...good].map(([name, w]) => [name, { dtype: 'F32', shape: [...w.shape], bytes: f32Bytes(w.data) }]));
      raw.set('model.norm.weight', { dtype: 'F64', shape: [16], bytes: new Uint8Array(128) });
      await writeFile(file, rawSafetensors(raw));
      await rejectsNaming(loadCheckpoint(dir), 'model.norm.weight', 'F64');
      await rm(file);
      await rejectsNaming(loadCheckpoint(dir), 'model.safetensors', 'model.safetensors.index.json');
      await writeFile(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: { 'model.norm.weight': 'model-00001-of-00001.safetensors' } }));
      await rejectsNaming(loadCheckpoint(dir), 'model-00001-of-00001.safetensors', 'model.norm.weight');
      // A save writes a new folder: the stale index and shard of the hand-edited one go with it.
      await saveCheckpoint(dir, model);
      assert.ok(!(await readdir(dir)).includes('model.safetensors.index.json'));
      (await loadCheckpoint(dir)).policy.dispose();
      assert.equal(tf.memory().numTensors, before, 'failed loads leak no tensors');
    } finally {
      model.dispose();
    }
  });
});

/** A process id no process has (above Linux's largest pid_max), as a killed saver's. */
const DEAD_PID = 2 ** 22 + 17;

/** `error` is a CheckpointError whose `file` is `file` and whose message names it. */
function namesFile(file: string): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof CheckpointError, `not a CheckpointError: ${String(error)}`);
    assert.equal((error as CheckpointError & { file?: string }).file, file, error.message);
    assert.ok(error.message.includes(file), `"${error.message}" does not name ${file}`);
    return true;
  };
}

describe('crash safety and integrity (issue 35, item 5)', () => {
  const TOKENIZER = {
    json: { version: '1.0', added_tokens: [{ id: 48, content: '<s>', special: true }, { id: 49, content: '</s>', special: true }], model: { type: 'BPE' } },
    config: { bos_token: '<s>', eos_token: '</s>' },
  };

  test('a save that fails part-way leaves the previous checkpoint whole: nothing is rewritten in place', async () => {
    const dir = freshDir();
    const a = await randomModel(QWEN2, 5);
    const b = await randomModel(QWEN2, 6);
    try {
      await saveCheckpoint(dir, a, { tokenizer: TOKENIZER });
      const want = await logitsOf(a, IDS);
      // The tokenizer cannot be written (JSON.stringify throws on a BigInt), after the weights and config.json were.
      await assert.rejects(saveCheckpoint(dir, b, { tokenizer: { json: { ...TOKENIZER.json, broken: 1n }, config: TOKENIZER.config } }));
      const { policy } = await loadCheckpoint(dir);
      try {
        assert.deepEqual(await logitsOf(policy, IDS), want, 'the previous checkpoint, not a mix');
      } finally {
        policy.dispose();
      }
      assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8')), TOKENIZER.json);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  test('the folder is a plain Hugging Face folder with a manifest: sha256 of every file and the format version', async () => {
    const dir = freshDir();
    const model = await randomModel(LLAMA, 3);
    try {
      await saveCheckpoint(dir, model, { tokenizer: TOKENIZER });
      const names = (await readdir(dir)).sort();
      assert.deepEqual(names, ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'webagent-manifest.json']);
      const manifest = JSON.parse(await readFile(path.join(dir, 'webagent-manifest.json'), 'utf8')) as { format: string; version: number; files: Record<string, { sha256: string; bytes: number }> };
      assert.equal(manifest.format, 'webagent-r1/checkpoint-manifest');
      assert.equal(manifest.version, 1);
      assert.deepEqual(Object.keys(manifest.files).sort(), names.filter((n) => n !== 'webagent-manifest.json'));
      for (const [name, entry] of Object.entries(manifest.files)) {
        const bytes = await readFile(path.join(dir, name));
        assert.equal(entry.bytes, bytes.byteLength, name);
        assert.equal(entry.sha256, createHash('sha256').update(bytes).digest('hex'), name);
      }
    } finally {
      model.dispose();
    }
  });

  test('a torn or mixed folder is refused with a CheckpointError naming the file, never half-loaded', async () => {
    const dir = freshDir();
    const other = freshDir();
    const a = await randomModel(QWEN2, 7);
    const b = await randomModel(QWEN2, 8);
    const before = tf.memory().numTensors;
    try {
      await saveCheckpoint(dir, a, { tokenizer: TOKENIZER });
      await saveCheckpoint(other, b, { tokenizer: TOKENIZER });
      const weights = path.join(dir, 'model.safetensors');
      const good = await readFile(weights);
      // Mixed: the weights of another save beside this save's config (a crash between the two writes).
      await writeFile(weights, await readFile(path.join(other, 'model.safetensors')));
      await assert.rejects(loadCheckpoint(dir), namesFile('model.safetensors'));
      // Torn: one byte of tensor data lost (the header still parses).
      const torn = Buffer.from(good);
      torn[torn.byteLength - 3] = torn[torn.byteLength - 3]! ^ 0xff;
      await writeFile(weights, torn);
      await assert.rejects(loadCheckpoint(dir), namesFile('model.safetensors'));
      await writeFile(weights, good);
      const configFile = path.join(dir, 'config.json');
      const config = await readFile(configFile);
      await writeFile(configFile, config.subarray(0, config.byteLength - 2));
      await assert.rejects(loadCheckpoint(dir), namesFile('config.json'));
      await writeFile(configFile, config);
      await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify({ ...TOKENIZER.json, version: '2.0' }));
      await assert.rejects(loadCheckpoint(dir), namesFile('tokenizer.json'));
      await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(TOKENIZER.json));
      await rm(path.join(dir, 'generation_config.json'));
      await assert.rejects(loadCheckpoint(dir), namesFile('generation_config.json'));
      assert.equal(tf.memory().numTensors, before, 'refused folders build no model');
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  test('folders without a manifest (saved before it existed, or by transformers) still load', async () => {
    const dir = freshDir();
    const model = await randomModel(QWEN2, 11);
    try {
      await saveCheckpoint(dir, model);
      await rm(path.join(dir, 'webagent-manifest.json'), { force: true });
      const { policy } = await loadCheckpoint(dir);
      try {
        assert.deepEqual(await logitsOf(policy, IDS), await logitsOf(model, IDS));
      } finally {
        policy.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  test('a save killed between moving a folder saved before aside and the switch: the new save loads, the next save tidies up', async () => {
    const dir = freshDir();
    const base = path.basename(dir);
    const a = await randomModel(QWEN2, 13);
    const b = await randomModel(QWEN2, 14);
    try {
      // The state such a kill leaves: no `dir`, the old real folder moved aside, the new version complete.
      await mkdir(`${dir}.legacy-${DEAD_PID}-0badf00d`);
      await writeFile(path.join(`${dir}.legacy-${DEAD_PID}-0badf00d`, 'config.json'), '{}');
      await saveCheckpoint(`${dir}-new`, b);
      await rename(await realpath(`${dir}-new`), `${dir}@2`);
      await rm(`${dir}-new`);
      const { policy, verified } = await loadCheckpoint(dir);
      try {
        assert.equal(verified, true);
        assert.deepEqual(await logitsOf(policy, IDS), await logitsOf(b, IDS), 'the newest complete save');
      } finally {
        policy.dispose();
      }
      await saveCheckpoint(dir, a);
      const left = (await readdir(root)).filter((n) => n === base || n.startsWith(`${base}.`) || n.startsWith(`${base}@`)).sort();
      assert.deepEqual(left, [base, `${base}@3`]);
      const again = await loadCheckpoint(dir);
      assert.deepEqual(await logitsOf(again.policy, IDS), await logitsOf(a, IDS));
      again.policy.dispose();
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  test('the temporaries a killed save left are removed by the next save; a folder saved before this layout is replaced', async () => {
    const dir = freshDir();
    const base = path.basename(dir);
    const model = await randomModel(QWEN2, 12);
    try {
      // A folder as the earlier writer left it after a kill: real files, a weights temp file inside.
      await saveCheckpoint(`${dir}-src`, model);
      await mkdir(dir);
      for (const name of await readdir(`${dir}-src`)) if (name !== 'webagent-manifest.json') await writeFile(path.join(dir, name), await readFile(path.join(`${dir}-src`, name)));
      await writeFile(path.join(dir, `model.safetensors.tmp-${DEAD_PID}-0badf00d`), 'half a file');
      // What this writer leaves when killed: a half-written sibling folder, an unswitched link, a complete but uncommitted version.
      await mkdir(`${dir}.saving-${DEAD_PID}-0badf00d`);
      await writeFile(path.join(`${dir}.saving-${DEAD_PID}-0badf00d`, 'config.json'), '{"mod');
      await writeFile(`${dir}.link-${DEAD_PID}-0badf00d`, '');
      await mkdir(`${dir}@99`);
      await writeFile(path.join(`${dir}@99`, 'webagent-manifest.json'), '{}');
      // A folder of the user's that only looks like ours (no manifest) is left alone.
      await mkdir(`${dir}@7`);
      await saveCheckpoint(dir, model);
      const left = (await readdir(root)).filter((n) => n === base || n.startsWith(`${base}.`) || n.startsWith(`${base}@`)).sort();
      assert.deepEqual(left, [base, `${base}@100`, `${base}@7`]);
      assert.ok(!(await readdir(dir)).some((n) => n.includes('.tmp')), 'no temp file in the folder');
      const { policy, verified } = await loadCheckpoint(dir);
      assert.equal(verified, true);
      policy.dispose();
      // A folder holding files a save does not write is refused, not replaced.
      const mine = freshDir();
      await mkdir(mine);
      await writeFile(path.join(mine, 'notes.txt'), 'mine');
      await assert.rejects(saveCheckpoint(mine, model), (e: unknown) => e instanceof CheckpointError && /notes\.txt/.test(e.message));
      assert.deepEqual(await readdir(mine), ['notes.txt']);
    } finally {
      model.dispose();
    }
  });
});
