// DataParallelTrainer: replicas in worker threads must train exactly like one process (same
// loss, same weights after AdamW steps), hand back their weights, and fail with clear errors.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initBackend } from '../../src/model/backend.js';
import { DataParallelTrainer } from '../../src/model/data-parallel.js';
import { nextTokenLoss, packSequences, type ScoredSequence } from '../../src/model/training.js';
import { AdamW } from '../../src/model/adamw.js';
import { TransformerLM } from '../../src/model/transformer.js';
import { OptionsError } from '../../src/errors.js';

const CONFIG = { vocab_size: 40, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 24, max_position_embeddings: 64, attention_bias: true };
const ADAMW = { learningRate: 1e-2, weightDecay: 0.05, maxGradNorm: 0.5 };

// Sequences of different lengths and masks, so the replicas' shares differ in token count.
const SEQUENCES: ScoredSequence[] = [
  { ids: [1, 5, 9, 2, 7, 7, 3, 11], completionStart: 4 },
  { ids: [4, 4, 8, 15, 16, 23, 4], lossMask: [0, 0, 1, 1, 0, 1, 1] },
  { ids: [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31], completionStart: 6 },
  { ids: [30, 1, 30, 1, 30], completionStart: 2 },
  { ids: [9, 8, 7, 6, 5, 4], completionStart: 1 },
];

async function weightsOf(policy: TransformerLM): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, w] of await policy.exportWeights()) out.set(name, w.data);
  return out;
}

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let worst = 0;
  for (const [name, x] of a) {
    const y = b.get(name)!;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / Math.max(1, Math.abs(y[i]!)));
  }
  return worst;
}

before(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe('DataParallelTrainer', () => {
  // Plain masks, then loss weights (0.25 on context tokens, as BehaviorCloning's promptLossWeight writes them).
  const WEIGHTED: ScoredSequence[] = SEQUENCES.map((s) => ({ ids: s.ids, lossMask: Float32Array.from(s.ids, (_, i) => (i >= (s.completionStart ?? 1) ? 1 : 0.25)) }));
  for (const [label, sequences] of [['masks', SEQUENCES], ['loss weights', WEIGHTED]] as const) test(`two replicas train exactly like one process (loss, grad norm, weights after 3 steps; ${label})`, async () => {
    const single = new TransformerLM({ config: CONFIG, seed: 5, initStd: 0.1 });
    const start = new TransformerLM({ config: CONFIG, seed: 5, initStd: 0.1 });
    const optimizer = new AdamW(single.parameters, ADAMW);
    const trainer = await DataParallelTrainer.create(start, { workers: 2, adamw: ADAMW });
    try {
      const batch = packSequences(sequences);
      for (let step = 0; step < 3; step++) {
        const a = await optimizer.minimize(() => nextTokenLoss(single, batch));
        const b = await trainer.step(sequences);
        assert.ok(Math.abs(a.loss - b.loss) < 1e-4, `step ${step}: loss ${a.loss} vs ${b.loss}`);
        assert.ok(Math.abs(a.gradNorm - b.gradNorm) < 1e-4 * Math.max(1, a.gradNorm), `step ${step}: grad norm ${a.gradNorm} vs ${b.gradNorm}`);
      }
      const before = await weightsOf(start);
      await trainer.syncTo(start);
      const synced = await weightsOf(start);
      assert.ok(maxDiff(before, synced) > 1e-3, 'syncTo must bring the trained weights (they moved)');
      const diff = maxDiff(synced, await weightsOf(single));
      assert.ok(diff < 1e-4, `replica weights differ from single-process weights by ${diff}`);
    } finally {
      await trainer.close();
      optimizer.dispose();
      single.dispose();
      start.dispose();
    }
  });

  test('more replicas than sequences still works (an idle replica contributes a zero gradient)', async () => {
    const policy = new TransformerLM({ config: CONFIG, seed: 6 });
    const single = new TransformerLM({ config: CONFIG, seed: 6 });
    const optimizer = new AdamW(single.parameters, ADAMW);
    const trainer = await DataParallelTrainer.create(policy, { workers: 3, adamw: ADAMW });
    try {
      const two = SEQUENCES.slice(0, 2);
      const a = await optimizer.minimize(() => nextTokenLoss(single, packSequences(two)));
      const b = await trainer.step(two);
      assert.ok(Math.abs(a.loss - b.loss) < 1e-4, `loss ${a.loss} vs ${b.loss}`);
      await trainer.syncTo(policy);
      assert.ok(maxDiff(await weightsOf(policy), await weightsOf(single)) < 1e-4);
    } finally {
      await trainer.close();
      optimizer.dispose();
      policy.dispose();
      single.dispose();
    }
  });

  test('bad options and batches fail clearly; a closed trainer refuses work', async () => {
    const policy = new TransformerLM({ config: CONFIG, seed: 7 });
    try {
      await assert.rejects(DataParallelTrainer.create(policy, { workers: 0 }), (e: unknown) => e instanceof OptionsError && /workers/.test(e.message));
      const trainer = await DataParallelTrainer.create(policy, { workers: 2 });
      await assert.rejects(trainer.step([{ ids: [1, 2, 3], lossMask: [0, 0, 0] }]), /no scored tokens/);
      await assert.rejects(trainer.step([{ ids: [1, 99] }]), /ids\[1\] = 99/);
      await trainer.close();
      await assert.rejects(trainer.step(SEQUENCES), /closed/);
    } finally {
      policy.dispose();
    }
  });
});
