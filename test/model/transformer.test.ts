// Tests for TransformerLM (src/model/transformer.ts) and its config (src/model/config.ts):
// logits against a float64 plain-JS reference of the HF Llama/Qwen2 math (test/helpers/
// reference-lm.ts) for Llama-, Qwen2- and MHA-shaped configs, padding invariance, HF-layout
// weight export/import, config validation and HF config.json reading, clone and disposal.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { OptionsError } from '../../src/errors.js';
import { initBackend } from '../../src/model/backend.js';
import {
  configFromHuggingFace, configToHuggingFace, countParameters, resolveTransformerConfig, type TransformerConfig,
} from '../../src/model/config.js';
import { TransformerLM, type NamedWeight } from '../../src/model/transformer.js';
import { maxRelDiff, referenceLogits } from '../helpers/reference-lm.js';

const TINY: Partial<TransformerConfig> = {
  vocab_size: 50, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 24, max_position_embeddings: 64, rms_norm_eps: 1e-6, rope_theta: 10_000,
};
const LLAMA: Partial<TransformerConfig> = { ...TINY, tie_word_embeddings: true, attention_bias: false };
const QWEN2: Partial<TransformerConfig> = { ...TINY, tie_word_embeddings: false, attention_bias: true, rope_theta: 1_000_000 };
const MHA: Partial<TransformerConfig> = { ...TINY, num_key_value_heads: 4, tie_word_embeddings: false };

/** Logits of ids [B][T] (equal lengths) as plain rows: out[b][t] = Float32Array(V). */
async function logitsOf(model: TransformerLM, rows: readonly (readonly number[])[]): Promise<Float32Array[][]> {
  const b = rows.length;
  const t = rows[0]!.length;
  const v = model.config.vocab_size;
  const out = tf.tidy(() => model.logits(tf.tensor2d(rows.flat(), [b, t], 'int32')));
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return rows.map((_, i) => Array.from({ length: t }, (_, p) => data.slice((i * t + p) * v, (i * t + p + 1) * v)));
}

/** Random biases: the init zeroes them, which would hide a bias that is never added. */
async function randomizeBiases(model: TransformerLM): Promise<void> {
  const weights = await model.exportWeights();
  let k = 0;
  for (const [name, w] of weights) {
    if (!name.endsWith('.bias') && !name.includes('norm')) continue;
    const data = w.data.map((_, i) => (name.includes('norm') ? 1 : 0) + 0.3 * Math.sin(1.7 * i + 0.9 * ++k));
    weights.set(name, { shape: w.shape, data });
  }
  model.importWeights(weights);
}

const mixedLengths = [[3, 14, 15, 9, 26, 5, 35, 8, 9, 7, 9, 3], [27, 18, 28, 18, 2, 8], [49, 0, 1]];

before(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe('TransformerLM logits match the float64 reference', () => {
  const cases = [
    ['Llama (tied, no bias, GQA)', LLAMA, undefined],
    ['Qwen2 (q/k/v bias, untied lm_head, GQA)', QWEN2, undefined],
    ['MHA (kv heads = heads)', MHA, undefined],
    // 12 tokens in blocks of 5 rows: two whole blocks and a partial one.
    ['Qwen2, causal attention in blocks of 5 query rows', QWEN2, 5],
  ] as const;
  for (const [label, config, attentionBlock] of cases) {
    test(label, async () => {
      const model = new TransformerLM({ config, seed: 3, initStd: 0.2, ...(attentionBlock !== undefined ? { attentionBlock } : {}) });
      try {
        await randomizeBiases(model);
        const weights = await model.exportWeights();
        const width = Math.max(...mixedLengths.map((r) => r.length));
        const padded = mixedLengths.map((r) => [...r, ...Array<number>(width - r.length).fill(0)]);
        const batched = await logitsOf(model, padded);
        let worst = 0;
        let spread = 0;
        for (const [i, row] of mixedLengths.entries()) {
          const ref = referenceLogits(model.config, weights, row);
          const alone = await logitsOf(model, [row]);
          for (let p = 0; p < row.length; p++) {
            worst = Math.max(worst, maxRelDiff(alone[0]![p]!, ref[p]!));
            // Right padding must not change a row's real positions.
            worst = Math.max(worst, maxRelDiff(batched[i]![p]!, ref[p]!));
            spread = Math.max(spread, ...ref[p]!.map(Math.abs));
          }
        }
        assert.ok(worst < 1e-4, `max relative difference ${worst}`);
        assert.ok(spread > 1, `logits too small to show errors (max |logit| ${spread})`);
      } finally {
        model.dispose();
      }
    });
  }

  test('blocked causal attention has the gradients of the whole square', async () => {
    const whole = new TransformerLM({ config: QWEN2, seed: 5, initStd: 0.2, attentionBlock: 0 });
    const blocked = new TransformerLM({ config: QWEN2, seed: 5, initStd: 0.2, attentionBlock: 4 });
    try {
      assert.equal(blocked.attentionBlock, 4);
      const ids = tf.tensor2d([...Array(2 * 13).keys()].map((i) => (i * 7) % 50), [2, 13], 'int32');
      const gradsOf = (m: TransformerLM): Map<string, Float32Array> => {
        const vars = m.variables();
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(m.logits(ids), tf.range(0, 2 * 13 * 50).reshape([2, 13, 50]).mod(7).sub(3))) as tf.Scalar, vars);
        const out = new Map([...m.parameters.keys()].map((name, i) => [name, grads[vars[i]!.name]!.dataSync() as Float32Array]));
        tf.dispose(grads);
        value.dispose();
        return out;
      };
      const a = gradsOf(whole);
      const b = gradsOf(blocked);
      let worst = 0;
      let largest = 0;
      for (const [name, g] of a) {
        worst = Math.max(worst, maxRelDiff(b.get(name)!, g));
        largest = Math.max(largest, ...g.map(Math.abs));
      }
      ids.dispose();
      assert.ok(largest > 0.1, `gradients too small to show errors (${largest})`);
      assert.ok(worst < 1e-4, `max relative difference ${worst}`);
      assert.throws(() => new TransformerLM({ config: QWEN2, attentionBlock: -1 }), /attentionBlock must be an integer >= 0/);
      const copy = blocked.clone();
      assert.equal(copy.attentionBlock, 4);
      copy.dispose();
    } finally {
      whole.dispose();
      blocked.dispose();
    }
  });

  test('exported weights use HF names and [out, in] shapes', async () => {
    const model = new TransformerLM({ config: QWEN2 });
    try {
      const weights = await model.exportWeights();
      assert.deepEqual(weights.get('model.layers.1.self_attn.k_proj.weight')?.shape, [8, 16]);
      assert.deepEqual(weights.get('model.layers.1.self_attn.k_proj.bias')?.shape, [8]);
      assert.deepEqual(weights.get('model.layers.0.mlp.down_proj.weight')?.shape, [16, 24]);
      assert.deepEqual(weights.get('model.layers.0.mlp.gate_proj.weight')?.shape, [24, 16]);
      assert.deepEqual(weights.get('lm_head.weight')?.shape, [50, 16]);
      assert.equal(weights.has('model.layers.0.self_attn.o_proj.bias'), false);
      const tied = new TransformerLM({ config: LLAMA });
      assert.equal((await tied.exportWeights()).has('lm_head.weight'), false);
      tied.dispose();
    } finally {
      model.dispose();
    }
  });
});

describe('weights export/import', () => {
  test('round trip into a second model gives identical logits', async () => {
    const a = new TransformerLM({ config: QWEN2, seed: 1, initStd: 0.2 });
    const b = new TransformerLM({ config: QWEN2, seed: 2, initStd: 0.2 });
    try {
      await randomizeBiases(a);
      const ids = [mixedLengths[0]!];
      assert.notDeepEqual(await logitsOf(a, ids), await logitsOf(b, ids));
      b.importWeights(await a.exportWeights());
      assert.deepEqual(await logitsOf(b, ids), await logitsOf(a, ids));
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  test('errors name the tensor and both shapes, or the missing tensor', async () => {
    const model = new TransformerLM({ config: QWEN2 });
    try {
      const weights = await model.exportWeights();
      const wrong = new Map<string, NamedWeight>(weights);
      wrong.set('model.layers.1.self_attn.k_proj.weight', { shape: [16, 8], data: new Float32Array(128) });
      assert.throws(() => model.importWeights(wrong), (e: unknown) =>
        e instanceof OptionsError && /model\.layers\.1\.self_attn\.k_proj\.weight/.test(e.message) && /\[16, 8\]/.test(e.message) && /\[8, 16\]/.test(e.message));
      const missing = new Map<string, NamedWeight>(weights);
      missing.delete('model.norm.weight');
      assert.throws(() => model.importWeights(missing), (e: unknown) => e instanceof OptionsError && /model\.norm\.weight/.test(e.message) && /missing/.test(e.message));
      const short = new Map<string, NamedWeight>(weights);
      short.set('lm_head.weight', { shape: [50, 16], data: new Float32Array(10) });
      assert.throws(() => model.importWeights(short), /lm_head\.weight/);
      // Nothing was half-loaded by the failed imports.
      const after = await model.exportWeights();
      assert.deepEqual(after.get('model.norm.weight')?.data, weights.get('model.norm.weight')?.data);
    } finally {
      model.dispose();
    }
  });
});

describe('config', () => {
  test('validation errors name the fields', () => {
    assert.throws(() => resolveTransformerConfig({ hidden_size: 16, num_attention_heads: 3 }), (e: unknown) =>
      e instanceof OptionsError && /hidden_size/.test(e.message) && /num_attention_heads/.test(e.message));
    assert.throws(() => resolveTransformerConfig({ hidden_size: 16, num_attention_heads: 4, num_key_value_heads: 3 }), (e: unknown) =>
      e instanceof OptionsError && /num_key_value_heads/.test(e.message));
    assert.throws(() => resolveTransformerConfig({ vocab_size: 0 }), /vocab_size/);
    assert.throws(() => resolveTransformerConfig({ hidden_size: 12, num_attention_heads: 4 }), /even/);
    assert.throws(() => configFromHuggingFace({ model_type: 'gpt2', vocab_size: 50 }), (e: unknown) => e instanceof OptionsError && /gpt2/.test(e.message));
    assert.throws(() => configFromHuggingFace({ model_type: 'llama', rope_scaling: { type: 'linear', factor: 2 } }), (e: unknown) =>
      e instanceof OptionsError && /rope_scaling/.test(e.message));
    assert.throws(() => configFromHuggingFace({ model_type: 'llama', hidden_act: 'gelu' }), /hidden_act/);
    assert.throws(() => new TransformerLM({ config: TINY, initStd: 0 }), /initStd/);
  });

  test('Llama configs without num_key_value_heads mean MHA', () => {
    assert.equal(resolveTransformerConfig({ hidden_size: 64, num_attention_heads: 8 }).num_key_value_heads, 8);
  });

  // Qwen2.5-0.5B's config.json as published (fields this model does not use included).
  const qwen25 = {
    architectures: ['Qwen2ForCausalLM'], attention_dropout: 0.0, bos_token_id: 151643, eos_token_id: 151643, hidden_act: 'silu',
    hidden_size: 896, initializer_range: 0.02, intermediate_size: 4864, max_position_embeddings: 32768, max_window_layers: 24,
    model_type: 'qwen2', num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2, rms_norm_eps: 1e-6,
    rope_theta: 1000000.0, sliding_window: 32768, tie_word_embeddings: true, torch_dtype: 'bfloat16',
    transformers_version: '4.40.1', use_cache: true, use_sliding_window: false, vocab_size: 151936,
  };

  test('configFromHuggingFace reads a Qwen2 config.json (attention_bias implied)', () => {
    const c = configFromHuggingFace(qwen25);
    assert.deepEqual({ ...c }, {
      vocab_size: 151936, hidden_size: 896, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2,
      intermediate_size: 4864, rope_theta: 1e6, rms_norm_eps: 1e-6, tie_word_embeddings: true, max_position_embeddings: 32768,
      attention_bias: true,
    });
    // Qwen2.5-0.5B has 494,032,768 parameters (tied embeddings counted once).
    assert.equal(countParameters(c), 494_032_768);
    assert.equal(configFromHuggingFace({ ...qwen25, model_type: 'llama' }).attention_bias, false);
    const back = configToHuggingFace(c);
    assert.equal(back.model_type, 'qwen2');
    assert.equal(back.head_dim, 64);
    assert.deepEqual({ ...configFromHuggingFace(back) }, { ...c });
  });

  test('architecture rules follow transformers: Qwen2 q/k/v biases always; Llama biases and head_dim refused with the architecture named', () => {
    // transformers' Qwen2Attention builds q/k/v with bias=True whatever the config says, and
    // Qwen2Config has no attention_bias field, so a stray one is ignored there: here too.
    assert.equal(configFromHuggingFace({ ...qwen25, attention_bias: false }).attention_bias, true);
    assert.deepEqual({ ...configFromHuggingFace({ ...qwen25, attention_bias: false }) }, { ...configFromHuggingFace(qwen25) });
    // LlamaAttention puts attention_bias on q, k, v and o_proj; LlamaMLP puts mlp_bias on the MLP.
    // This model has neither an o_proj nor an MLP bias, so those configs are refused, naming Llama.
    const llama = { ...qwen25, model_type: 'llama', architectures: ['LlamaForCausalLM'] };
    assert.throws(() => configFromHuggingFace({ ...llama, attention_bias: true }), (e: unknown) => e instanceof OptionsError && /^Llama config\.json: attention_bias true .*o_proj/.test(e.message));
    assert.throws(() => configFromHuggingFace({ ...llama, mlp_bias: true }), /OptionsError: Llama config\.json: mlp_bias/);
    assert.equal(configFromHuggingFace({ ...llama, attention_bias: false, mlp_bias: false }).attention_bias, false);
    // head_dim other than hidden / heads (both architectures read it in transformers).
    assert.throws(() => configFromHuggingFace({ ...qwen25, head_dim: 128 }), /OptionsError: Qwen2 config\.json: head_dim 128 differs from hidden_size \/ num_attention_heads = 64/);
    assert.equal(configFromHuggingFace({ ...qwen25, head_dim: 64 }).hidden_size, 896);
    // Errors from a Qwen2 folder say Qwen2.
    assert.throws(() => configFromHuggingFace({ ...qwen25, hidden_act: 'gelu' }), /OptionsError: Qwen2 config\.json: hidden_act/);
    // rope_type "default" (rope_scaling, or transformers 5's rope_parameters carrying rope_theta) is plain RoPE.
    assert.equal(configFromHuggingFace({ ...qwen25, rope_scaling: { rope_type: 'default' } }).rope_theta, 1e6);
    const v5 = { ...qwen25, rope_theta: undefined, rope_parameters: { rope_type: 'default', rope_theta: 5e5 } };
    assert.equal(configFromHuggingFace(v5).rope_theta, 5e5);
    assert.throws(() => configFromHuggingFace({ ...qwen25, rope_parameters: { rope_type: 'yarn', factor: 4, rope_theta: 1e6 } }), /OptionsError: Qwen2 config\.json: rope_parameters/);
  });

  test('configFromHuggingFace refuses use_sliding_window: true (as its doc says)', () => {
    assert.throws(() => configFromHuggingFace({ ...qwen25, use_sliding_window: true }), /sliding/);
  });

  test('countParameters equals the sum of exported weight sizes', async () => {
    for (const config of [LLAMA, QWEN2, MHA]) {
      const model = new TransformerLM({ config });
      try {
        let total = 0;
        for (const w of (await model.exportWeights()).values()) total += w.data.length;
        assert.equal(countParameters(model.config), total);
        assert.equal(model.numParameters, total);
      } finally {
        model.dispose();
      }
    }
  });
});

describe('clone and dispose', () => {
  test('clone({trainable: false}) has the same logits and frozen variables', async () => {
    const model = new TransformerLM({ config: QWEN2, seed: 4, initStd: 0.2 });
    await randomizeBiases(model);
    const frozen = model.clone({ trainable: false });
    try {
      const ids = [mixedLengths[1]!];
      assert.deepEqual(await logitsOf(frozen, ids), await logitsOf(model, ids));
      assert.ok(frozen.variables().length > 0);
      assert.ok(frozen.variables().every((v) => !v.trainable));
      assert.ok(model.variables().every((v) => v.trainable));
      assert.equal(frozen.trainable, false);
      // A copy, not shared storage: changing the original leaves the clone alone.
      model.param('model.norm.weight').assign(tf.zeros([16]));
      assert.notDeepEqual(await logitsOf(frozen, ids), await logitsOf(model, ids));
    } finally {
      model.dispose();
      frozen.dispose();
    }
  });

  test('dispose frees every tensor the model made', async () => {
    const start = tf.memory().numTensors;
    const model = new TransformerLM({ config: QWEN2 });
    await logitsOf(model, [[1, 2, 3]]);
    await logitsOf(model, [[1, 2, 3, 4, 5]]);
    const copy = model.clone();
    await logitsOf(copy, [[1, 2]]);
    assert.ok(tf.memory().numTensors > start);
    model.dispose();
    copy.dispose();
    assert.equal(tf.memory().numTensors, start);
    assert.equal(model.isDisposed, true);
    const ids = tf.tensor2d([[1]], [1, 1], 'int32');
    assert.throws(() => model.logits(ids), /disposed/);
    ids.dispose();
    assert.equal(tf.memory().numTensors, start);
  });

  test('logits do not leak', async () => {
    const model = new TransformerLM({ config: LLAMA });
    try {
      await logitsOf(model, [[1, 2, 3]]);
      const before = tf.memory().numTensors;
      await logitsOf(model, [[1, 2, 3]]);
      assert.equal(tf.memory().numTensors, before);
    } finally {
      model.dispose();
    }
  });
});
