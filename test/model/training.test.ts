// Tests for the training primitives (src/model/training.ts): packing with loss masks, the
// masked next-token loss and its gradients against the float64 reference (test/helpers/
// reference-lm.ts), AdamW against torch.optim.AdamW's formula and clip_grad_norm_, optimizer
// state round trips, memorising a sequence, leak tests and the frozen reference model.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { OptionsError } from '../../src/errors.js';
import { initBackend } from '../../src/model/backend.js';
import type { TransformerConfig } from '../../src/model/config.js';
import { nextTokenLoss, packSequences, scoreSequences, type ScoredSequence } from '../../src/model/training.js';
import { AdamW } from '../../src/model/adamw.js';
import { TransformerLM } from '../../src/model/transformer.js';
import { logSoftmaxAt, referenceLogits, type RefWeight } from '../helpers/reference-lm.js';

const CONFIG: Partial<TransformerConfig> = {
  vocab_size: 50, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 24, max_position_embeddings: 64, attention_bias: true, tie_word_embeddings: false,
};
// Prompt (0-2), completion (3-4), an observation (5-6) and a second completion (7-8).
const MULTI_TURN: ScoredSequence = { ids: [1, 7, 7, 12, 30, 44, 2, 30, 9], lossMask: [0, 0, 0, 1, 1, 0, 0, 1, 1] };
const SHORT: ScoredSequence = { ids: [3, 4, 5, 6, 8], completionStart: 2 };

before(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

/** The masked mean NLL in float64 from HF-layout weights. */
function referenceLoss(config: TransformerConfig, weights: ReadonlyMap<string, RefWeight>, seqs: readonly ScoredSequence[]): number {
  let sum = 0;
  let n = 0;
  for (const s of seqs) {
    const ids = Array.from(s.ids);
    const logits = referenceLogits(config, weights, ids);
    for (let i = 1; i < ids.length; i++) {
      const weight = s.lossMask ? s.lossMask[i]! : i >= (s.completionStart ?? 1) ? 1 : 0;
      if (weight === 0) continue;
      sum -= weight * logSoftmaxAt(logits[i - 1]!, ids[i]!);
      n += weight;
    }
  }
  return sum / n;
}

async function lossOf(model: TransformerLM, seqs: readonly ScoredSequence[]): Promise<number> {
  const batch = packSequences(seqs, model.config.vocab_size);
  const t = tf.tidy(() => nextTokenLoss(model, batch));
  const [value] = await t.data();
  t.dispose();
  return value!;
}

async function snapshot(model: TransformerLM): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of model.parameters) out.set(name, new Float32Array(await v.data()));
  return out;
}

describe('packSequences', () => {
  test('rows and targets of a hand example (completionStart and lossMask forms)', () => {
    const b = packSequences([{ ids: [5, 6, 7, 8], completionStart: 2 }, { ids: [1, 2, 3], lossMask: [1, 1, 0] }, { ids: [9, 4] }], 50);
    assert.equal(b.batch, 3);
    assert.equal(b.width, 4);
    assert.deepEqual([...b.ids], [5, 6, 7, 8, 1, 2, 3, 0, 9, 4, 0, 0]);
    // Row r predicts the token at r + 1: seq 0 scores tokens 2-3, seq 1 token 1 (mask[0] never counts), seq 2 token 1.
    assert.deepEqual([...b.rows], [1, 2, 4, 8]);
    assert.deepEqual([...b.targets], [7, 8, 2, 4]);
    assert.deepEqual(b.spans, [[0, 2], [2, 3], [3, 4]]);
  });

  test('errors name the sequence and the problem', () => {
    const cases: Array<[ScoredSequence[], RegExp]> = [
      [[], /at least one sequence/],
      [[SHORT, { ids: [1] }], /sequence 1 has 1 token/],
      [[{ ids: [1, 2, 3], lossMask: [0, 1] }], /sequence 0: lossMask has 2 entries for 3 ids/],
      [[{ ids: [1, 2, 3], completionStart: 0 }], /completionStart/],
      [[{ ids: [1, 2, 3], completionStart: 4 }], /completionStart/],
      [[{ ids: [1, 2, 50] }], /ids\[2\] = 50/],
      [[{ ids: [1, -2, 3] }], /ids\[1\] = -2/],
      [[{ ids: [1, 2.5, 3] }], /ids\[1\] = 2\.5/],
    ];
    for (const [seqs, pattern] of cases) {
      assert.throws(() => packSequences(seqs, 50), (e: unknown) => e instanceof OptionsError && pattern.test(e.message), String(pattern));
    }
  });
});

describe('nextTokenLoss', () => {
  test('equals the float64 reference mean NLL over masked tokens', async () => {
    const model = new TransformerLM({ config: CONFIG, seed: 5, initStd: 0.2 });
    try {
      const weights = await model.exportWeights();
      const seqs = [MULTI_TURN, SHORT];
      const got = await lossOf(model, seqs);
      const ref = referenceLoss(model.config, weights, seqs);
      assert.ok(Math.abs(got - ref) / Math.max(1, Math.abs(ref)) < 1e-4, `${got} vs ${ref}`);
      assert.ok(Math.abs(got - referenceLoss(model.config, weights, [{ ids: MULTI_TURN.ids }, SHORT])) > 1e-3, 'the mask matters');
    } finally {
      model.dispose();
    }
  });

  test('loss weights: the weighted mean NLL of the float64 reference; a bad weight is an OptionsError', async () => {
    const model = new TransformerLM({ config: CONFIG, seed: 7, initStd: 0.2 });
    try {
      const weights = await model.exportWeights();
      const seqs: ScoredSequence[] = [{ ids: MULTI_TURN.ids, lossMask: [0, 0.1, 0.1, 1, 1, 0.1, 0.1, 1, 2] }, SHORT];
      const got = await lossOf(model, seqs);
      const ref = referenceLoss(model.config, weights, seqs);
      assert.ok(Math.abs(got - ref) / Math.max(1, Math.abs(ref)) < 1e-4, `${got} vs ${ref}`);
      assert.ok(Math.abs(got - (await lossOf(model, [MULTI_TURN, SHORT]))) > 1e-3, 'the weights matter');
      assert.equal(packSequences(seqs).unweighted, false);
      assert.equal(packSequences([MULTI_TURN, SHORT]).unweighted, true);
      assert.throws(() => packSequences([{ ids: [1, 2, 3], lossMask: [0, -1, 1] }]), (e: unknown) => e instanceof OptionsError && /lossMask\[1\] = -1/.test(e.message));
    } finally {
      model.dispose();
    }
  });

  test('the loss mask excludes observation tokens: changing them as targets leaves the loss alone', async () => {
    const model = new TransformerLM({ config: CONFIG, seed: 6, initStd: 0.2 });
    try {
      const base = await lossOf(model, [SHORT, { ids: [1, 7, 7, 12, 30, 44, 2], lossMask: [0, 0, 0, 1, 1, 0, 0] }]);
      // Tokens 5-6 are a trailing observation: only targets of masked positions, never context of scored ones.
      const obs = await lossOf(model, [SHORT, { ids: [1, 7, 7, 12, 30, 11, 48], lossMask: [0, 0, 0, 1, 1, 0, 0] }]);
      assert.equal(obs, base);
      const completion = await lossOf(model, [SHORT, { ids: [1, 7, 7, 12, 31, 44, 2], lossMask: [0, 0, 0, 1, 1, 0, 0] }]);
      assert.ok(Math.abs(completion - base) > 1e-3, 'changing a completion token must change the loss');
    } finally {
      model.dispose();
    }
  });

  test('gradients match central differences of the float64 reference (repeated tokens included)', async () => {
    const model = new TransformerLM({ config: CONFIG, seed: 7, initStd: 0.2 });
    try {
      const seqs = [MULTI_TURN, SHORT];
      const batch = packSequences(seqs, 50);
      const vars = model.variables();
      const { value, grads } = tf.variableGrads(() => nextTokenLoss(model, batch), vars);
      value.dispose();
      const weights = await model.exportWeights();
      // [name, HF index]; token 7 and 30 occur twice in MULTI_TURN (the embedding gradient must sum).
      const probes: Array<[string, number]> = [
        ['model.embed_tokens.weight', 7 * 16 + 3], ['model.embed_tokens.weight', 30 * 16 + 10], ['model.embed_tokens.weight', 3 * 16],
        ['model.layers.0.self_attn.q_proj.weight', 5 * 16 + 2], ['model.layers.1.self_attn.k_proj.weight', 7 * 16 + 15],
        ['model.layers.0.self_attn.v_proj.bias', 3], ['model.layers.1.self_attn.o_proj.weight', 9 * 16 + 4],
        ['model.layers.0.mlp.down_proj.weight', 2 * 24 + 20], ['model.layers.1.mlp.gate_proj.weight', 23 * 16 + 1],
        ['model.layers.0.input_layernorm.weight', 6], ['model.norm.weight', 11], ['lm_head.weight', 9 * 16 + 5],
      ];
      const h = 1e-4;
      let worst = 0;
      for (const [name, index] of probes) {
        const variable = model.param(name);
        const hf = weights.get(name)!;
        const stored = hf.shape.length === 2 && (name.endsWith('_proj.weight') || name === 'lm_head.weight')
          ? (index % hf.shape[1]!) * hf.shape[0]! + Math.floor(index / hf.shape[1]!) // [out, in] -> [in, out]
          : index;
        const got = (await grads[variable.name]!.data())[stored]!;
        const at = (delta: number): number => {
          const data = Float64Array.from(hf.data);
          data[index]! += delta;
          return referenceLoss(model.config, new Map<string, RefWeight>([...weights, [name, { shape: hf.shape, data }]]), seqs);
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        worst = Math.max(worst, Math.abs(got - fd) / Math.max(0.05, Math.abs(fd)));
      }
      tf.dispose(grads);
      assert.ok(worst < 2e-3, `worst relative gradient error ${worst}`);
    } finally {
      model.dispose();
    }
  });
});

describe('AdamW', () => {
  test('one step changes every parameter (and leaves unused embedding rows alone)', async () => {
    const model = new TransformerLM({ config: CONFIG, seed: 8 });
    const opt = new AdamW(model.parameters, { learningRate: 1e-2, weightDecay: 0 });
    try {
      const before = await snapshot(model);
      const batch = packSequences([MULTI_TURN, SHORT], 50);
      await opt.minimize(() => nextTokenLoss(model, batch));
      const after = await snapshot(model);
      for (const [name, old] of before) assert.ok(old.some((x, i) => x !== after.get(name)![i]), `${name} did not change`);
      const row = (m: Map<string, Float32Array>, token: number): number[] => [...m.get('model.embed_tokens.weight')!.slice(token * 16, token * 16 + 16)];
      assert.deepEqual(row(after, 49), row(before, 49)); // token 49 is in no sequence
      assert.notDeepEqual(row(after, 44), row(before, 44));
      assert.equal(opt.step, 1);
    } finally {
      opt.dispose();
      model.dispose();
    }
  });

  test('two steps on a vector equal torch.optim.AdamW (hand-computed in float64)', async () => {
    const w = tf.variable(tf.tensor1d([1, -2]), true, 'golden_w');
    const opt = new AdamW(new Map([['w', w]]), { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 0.01, weightDecay: 0.1, maxGradNorm: 0 });
    // torch: p *= 1 - lr*wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    //        p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
    // Step 1, g = [0.05, -0.01]: p = [0.99, -1.98] - 0.1*[0.05/0.06, -0.01/0.02] = [0.906666..., -1.93].
    const expected = [[0.9066666666666666, -1.93], [0.8264347703811955, -1.9448497886313245]];
    for (const [k, g] of [[0.05, -0.01], [0.02, 0.03]].entries()) {
      const grad = tf.tensor1d(g);
      opt.apply(new Map([['w', grad]])).dispose();
      grad.dispose();
      const got = await w.data();
      for (let i = 0; i < 2; i++) assert.ok(Math.abs(got[i]! - expected[k]![i]!) < 2e-6, `step ${k + 1}[${i}]: ${got[i]} vs ${expected[k]![i]}`);
    }
    opt.dispose();
    w.dispose();
  });

  test('global-norm clipping: gradNorm is pre-clip and the update follows the clipped gradient', async () => {
    const w = tf.variable(tf.tensor1d([3, 4]), true, 'clip_w');
    const opt = new AdamW(new Map([['w', w]]), { learningRate: 0.1, epsilon: 1e-3, weightDecay: 0, maxGradNorm: 1e-3 });
    // loss = 0.5 |w|^2, gradient [3, 4], norm 5, clipped to [6e-4, 8e-4]: with eps 1e-3 the step is
    // 0.1 * g_c / (|g_c| + eps) = [0.0375, 0.04444] (unclipped it would be [0.09997, 0.09998]).
    const r = await opt.minimize(() => tf.mul(0.5, tf.sum(tf.square(w))));
    assert.ok(Math.abs(r.gradNorm - 5) < 1e-5, `gradNorm ${r.gradNorm}`);
    assert.ok(Math.abs(r.loss - 12.5) < 1e-5);
    const got = await w.data();
    assert.ok(Math.abs(got[0]! - 2.9625000046874996) < 2e-6 && Math.abs(got[1]! - 3.9555555604938264) < 2e-6, `${[...got]}`);
    opt.dispose();
    w.dispose();
  });

  test('state()/loadState() continue identically', async () => {
    const batch = packSequences([MULTI_TURN, SHORT], 50);
    const a = new TransformerLM({ config: CONFIG, seed: 9, initStd: 0.05 });
    const optA = new AdamW(a.parameters, { learningRate: 5e-3 });
    for (let i = 0; i < 3; i++) await optA.minimize(() => nextTokenLoss(a, batch));
    const state = await optA.state();
    assert.equal(state.step, 3);
    const b = a.clone();
    const fresh = a.clone();
    const optB = new AdamW(b.parameters, { learningRate: 5e-3 });
    optB.loadState(state);
    const optFresh = new AdamW(fresh.parameters, { learningRate: 5e-3 });
    for (let i = 0; i < 2; i++) {
      await optA.minimize(() => nextTokenLoss(a, batch));
      await optB.minimize(() => nextTokenLoss(b, batch));
      await optFresh.minimize(() => nextTokenLoss(fresh, batch));
    }
    const [wa, wb, wf] = [await snapshot(a), await snapshot(b), await snapshot(fresh)];
    for (const [name, x] of wa) assert.deepEqual(wb.get(name), x, name);
    assert.ok([...wa].some(([name, x]) => x.some((v, i) => v !== wf.get(name)![i])), 'without the state the run differs');
    assert.throws(() => optB.loadState({ step: 1, m: new Map(), v: state.v }), /optimizer state for/);
    for (const o of [optA, optB, optFresh]) o.dispose();
    for (const m of [a, b, fresh]) m.dispose();
  });

  test('a frozen clone cannot be optimized and stays fixed while the model trains', async () => {
    const model = new TransformerLM({ config: CONFIG, seed: 10, initStd: 0.1 });
    const reference = model.clone({ trainable: false });
    const opt = new AdamW(model.parameters, { learningRate: 1e-2 });
    try {
      assert.throws(() => new AdamW(reference.parameters), (e: unknown) => e instanceof OptionsError && /not trainable/.test(e.message));
      const seqs = [MULTI_TURN, SHORT];
      const [refBefore, modelBefore] = [await scoreSequences(reference, seqs), await scoreSequences(model, seqs)];
      assert.deepEqual(refBefore, modelBefore);
      const batch = packSequences(seqs, 50);
      await opt.minimize(() => nextTokenLoss(model, batch));
      assert.deepEqual(await scoreSequences(reference, seqs), refBefore);
      assert.notDeepEqual(await scoreSequences(model, seqs), modelBefore);
    } finally {
      opt.dispose();
      model.dispose();
      reference.dispose();
    }
  });
});

describe('training end to end', () => {
  test('60 steps on one short sequence more than halve the loss (it memorises)', async () => {
    const model = new TransformerLM({ config: CONFIG, seed: 12 });
    const opt = new AdamW(model.parameters, { learningRate: 1e-2 });
    try {
      const batch = packSequences([{ ids: [1, 17, 23, 5, 42, 8, 31, 19, 2, 11, 27, 3] }], 50);
      const losses: number[] = [];
      for (let i = 0; i < 60; i++) losses.push((await opt.minimize(() => nextTokenLoss(model, batch))).loss);
      assert.ok(Math.abs(losses[0]! - Math.log(50)) < 0.3, `initial loss ${losses[0]} should be near ln(50)`);
      assert.ok(losses.at(-1)! < losses[0]! / 2, `loss ${losses[0]} -> ${losses.at(-1)}`);
    } finally {
      opt.dispose();
      model.dispose();
    }
  });

  test('no leaks: minimize and scoreSequences leave numTensors unchanged after a warm-up', async () => {
    const model = new TransformerLM({ config: CONFIG, seed: 13 });
    const opt = new AdamW(model.parameters);
    try {
      const seqs = [MULTI_TURN, SHORT];
      const batch = packSequences(seqs, 50);
      await opt.minimize(() => nextTokenLoss(model, batch));
      await scoreSequences(model, seqs);
      const start = tf.memory().numTensors;
      await opt.minimize(() => nextTokenLoss(model, batch));
      assert.equal(tf.memory().numTensors, start);
      await scoreSequences(model, seqs, 0.7);
      assert.equal(tf.memory().numTensors, start);
    } finally {
      opt.dispose();
      model.dispose();
    }
  });

  test('an AdamW made and disposed leaves no tensor behind (its moments, not their zero sources)', () => {
    const model = new TransformerLM({ config: CONFIG, seed: 15 });
    try {
      const start = tf.memory().numTensors;
      const opt = new AdamW(model.parameters);
      assert.equal(tf.memory().numTensors, start + 2 * model.parameters.size);
      opt.dispose();
      assert.equal(tf.memory().numTensors, start);
    } finally {
      model.dispose();
    }
  });

  test('scoring batches of many different widths does not keep a tensor per width', async () => {
    const model = new TransformerLM({ config: CONFIG, seed: 14 });
    try {
      await scoreSequences(model, [{ ids: [1, 2] }]);
      const start = tf.memory().numTensors;
      for (let n = 3; n <= 40; n++) await scoreSequences(model, [{ ids: Array.from({ length: n }, (_, i) => i % 50) }]);
      // The model keeps causal masks for its 8 most recent widths: bounded, not one per width.
      assert.ok(tf.memory().numTensors <= start + 8, `${tf.memory().numTensors - start} tensors kept after 38 widths`);
    } finally {
      model.dispose();
    }
  });
});
