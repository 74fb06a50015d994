// Tests for the M-GRPO token loss (src/rl/grpo-loss.ts) against values computed by hand: the
// clipped surrogate in every regime, asymmetric clipping, the k3 KL, gradients by tf.grad, both
// loss normalisations on samples from a RolloutBuffer, the per-token order of packSequences,
// and leaks (tf.memory().numTensors before and after).

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { RolloutBuffer } from '../../src/data/rollout-buffer.js';
import type { Trajectory, Turn } from '../../src/data/trajectory.js';
import { OptionsError } from '../../src/errors.js';
import { packSequences } from '../../src/model/training.js';
import { grpoTokenLoss, grpoTokenStats, tokenArrays, type GrpoTokenInputs } from '../../src/rl/grpo-loss.js';

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const f32 = (xs: readonly number[]): Float32Array => Float32Array.from(xs);
type Case = Omit<GrpoTokenInputs, 'logprobs'> & { readonly logprobs: number[] };

/** The tensor loss as a number, with no tensor left behind. */
function lossOf(c: Case): number {
  const before = tf.memory().numTensors;
  const lp = tf.tensor1d(c.logprobs);
  const loss = grpoTokenLoss({ ...c, logprobs: lp });
  const value = loss.dataSync()[0]!;
  tf.dispose([lp, loss]);
  assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  return value;
}

function gradOf(c: Case): number[] {
  const g = tf.grad((lp: tf.Tensor) => grpoTokenLoss({ ...c, logprobs: lp as tf.Tensor1D }));
  const lp = tf.tensor1d(c.logprobs);
  const out = g(lp);
  const values = Array.from(out.dataSync());
  tf.dispose([lp, out]);
  return values;
}

const closeAll = (actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string): void => {
  assert.equal(actual.length, expected.length, `${what}: length`);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i]! - e) <= tol, `${what}[${i}]: expected ${e}, got ${actual[i]}`));
};

describe('grpoTokenLoss by hand', () => {
  test('unclipped ratios: loss = -Σ w ratio A', () => {
    // ratio = exp([0.1, -0.1, 0]) = [1.1051709, 0.9048374, 1], all inside [0.8, 1.2]
    // loss = -(0.5 * 1.1051709 + 0.25 * -0.9048374 + 0.25 * 2) = -0.8263761
    const c: Case = { logprobs: [-1, -2, -0.5], oldLogprobs: f32([-1.1, -1.9, -0.5]), advantages: f32([1, -1, 2]), weights: f32([0.5, 0.25, 0.25]) };
    assert.ok(Math.abs(lossOf(c) - -0.8263761) < 1e-5);
    const stats = grpoTokenStats(c);
    assert.ok(Math.abs(stats.loss - -0.8263761) < 1e-6);
    assert.equal(stats.clip_ratio, 0);
    assert.ok(Math.abs(stats.ratio_mean - (0.5 * 1.1051709 + 0.25 * 0.9048374 + 0.25)) < 1e-6);
    assert.equal(stats.kl, undefined);
    // d/dnew = -w A ratio
    closeAll(gradOf(c), [-0.5 * 1.1051709, 0.25 * 0.9048374, -0.25 * 2], 1e-5, 'grad');
  });

  // One token per regime, old = -1, eps = 0.2:
  //   t0: new -0.5, ratio e^0.5 = 1.6487213, A = +1 -> min(1.6487, 1.2) = 1.2        (clipped high)
  //   t1: new -1.5, ratio e^-0.5 = 0.6065307, A = -1 -> min(-0.6065, -0.8) = -0.8    (clipped low)
  //   t2: new -1.5, ratio 0.6065307, A = +1 -> min(0.6065, 0.8) = 0.6065307          (unclipped is smaller)
  //   t3: new -0.5, ratio 1.6487213, A = -1 -> min(-1.6487, -1.2) = -1.6487213       (unclipped is smaller)
  const regimes = { logprobs: [-0.5, -1.5, -1.5, -0.5], oldLogprobs: f32([-1, -1, -1, -1]), advantages: f32([1, -1, 1, -1]) };
  const oneHot = (k: number): Float32Array => f32([0, 1, 2, 3].map((i) => (i === k ? 1 : 0)));

  test('clipped high with A > 0, clipped low with A < 0, and the min picking the unclipped term', () => {
    const perToken = [-1.2, 0.8, -0.6065307, 1.6487213]; // loss = -surrogate with w = 1
    perToken.forEach((e, k) => assert.ok(Math.abs(lossOf({ ...regimes, weights: oneHot(k) }) - e) < 1e-5, `token ${k}`));
    const all = { ...regimes, weights: f32([0.25, 0.25, 0.25, 0.25]) };
    assert.ok(Math.abs(lossOf(all) - 0.1605477) < 1e-5); // (-1.2 + 0.8 - 0.6065307 + 1.6487213) / 4
    const stats = grpoTokenStats(all);
    assert.equal(stats.clip_ratio, 0.5); // t0 (high) and t1 (low) bind; t2, t3 are outside the range but the clip does not bind
    assert.equal(stats.clip_ratio_high, 0.25);
    assert.equal(stats.clip_ratio_low, 0.25);
    // gradient: 0 where the clip binds, -w A ratio where the unclipped term is the min
    closeAll(gradOf(all), [0, 0, -0.25 * 0.6065307, 0.25 * 1.6487213], 1e-6, 'grad');
  });

  test('epsilonHigh differs from epsilon', () => {
    // ratio 1.25 with A = +1 and ratio 0.75 with A = -1, w = 0.5 each.
    const c: Case = { logprobs: [Math.log(1.25), Math.log(0.75)], oldLogprobs: f32([0, 0]), advantages: f32([1, -1]), weights: f32([0.5, 0.5]) };
    // symmetric 0.2: -(0.5 * 1.2 + 0.5 * -0.8) = -0.2
    assert.ok(Math.abs(lossOf(c) - -0.2) < 1e-6);
    // epsilonHigh 0.28: 1.25 < 1.28 is not clipped: -(0.5 * 1.25 + 0.5 * -0.8) = -0.225
    const high = { ...c, epsilonHigh: 0.28 };
    assert.ok(Math.abs(lossOf(high) - -0.225) < 1e-6);
    assert.equal(grpoTokenStats(c).clip_ratio, 1); // both bind: 1.25 > 1.2 with A > 0, 0.75 < 0.8 with A < 0
    assert.equal(grpoTokenStats(high).clip_ratio, 0.5); // only the low side (0.75 < 0.8) binds now
    assert.equal(grpoTokenStats(high).clip_ratio_high, 0);
    closeAll(gradOf(high), [-0.5 * 1.25, 0], 1e-6, 'grad');
  });

  test('k3 KL weighted by beta, and its gradient', () => {
    // ratio 1, A = 0: only the KL. ref - new = [-0.5, 1]:
    //   KL = e^-0.5 + 0.5 - 1 = 0.1065307, e^1 - 1 - 1 = 0.7182818
    //   loss = beta * Σ w KL = 0.1 * 0.5 * (0.1065307 + 0.7182818) = 0.0412406
    const c: Case = { logprobs: [-1, -2], oldLogprobs: f32([-1, -2]), refLogprobs: f32([-1.5, -1]), advantages: f32([0, 0]), weights: f32([0.5, 0.5]), beta: 0.1 };
    assert.ok(Math.abs(lossOf(c) - 0.0412406) < 1e-6);
    const stats = grpoTokenStats(c);
    assert.ok(Math.abs(stats.kl! - 0.4124063) < 1e-6); // weighted mean KL
    assert.ok(Math.abs(stats.loss - 0.0412406) < 1e-6);
    // d/dnew [beta w (e^(ref-new) - (ref-new) - 1)] = beta w (1 - e^(ref-new))
    closeAll(gradOf(c), [0.05 * (1 - Math.exp(-0.5)), 0.05 * (1 - Math.E)], 1e-6, 'grad');
    assert.ok(lossOf({ ...c, beta: 0 }) === 0, 'beta 0 ignores the reference'); // -0 from the negation
  });

  test('gradient of a mixed batch with KL equals the hand-derived one', () => {
    const c: Case = {
      logprobs: [-1, -2, -0.5, -1.5, -1.5, -0.5],
      oldLogprobs: f32([-1.1, -1.9, -1, -1, -1, -1]),
      refLogprobs: f32([-1.2, -2.5, -0.4, -1.0, -2.0, -0.5]),
      advantages: f32([1, -1, 1, -1, 1, -1]),
      weights: f32([0.2, 0.1, 0.2, 0.1, 0.2, 0.2]),
      beta: 0.05,
    };
    // per token: (unclipped ? -w A ratio : 0) + beta w (1 - exp(ref - new))
    const expected = [
      -0.2 * 1 * 1.1051709 + 0.05 * 0.2 * (1 - Math.exp(-0.2)), // unclipped
      -0.1 * -1 * 0.9048374 + 0.05 * 0.1 * (1 - Math.exp(-0.5)), // unclipped
      0 + 0.05 * 0.2 * (1 - Math.exp(0.1)), // clipped high
      0 + 0.05 * 0.1 * (1 - Math.exp(0.5)), // clipped low
      -0.2 * 1 * 0.6065307 + 0.05 * 0.2 * (1 - Math.exp(-0.5)), // below range, min is unclipped
      -0.2 * -1 * 1.6487213 + 0, // above range, min is unclipped; ref = new
    ];
    closeAll(expected, [-0.2192215, 0.0924511, -0.0010517, -0.0032436, -0.1173714, 0.3297443], 1e-6, 'hand numbers');
    closeAll(gradOf(c), expected, 1e-5, 'tf.grad');
    assert.ok(Math.abs(lossOf(c) - -0.0795317) < 1e-5);
    assert.ok(Math.abs(grpoTokenStats(c).loss - -0.0795317) < 1e-6);
  });

  test('at ratio = 1 and beta = 0 the loss is -Σ w A', () => {
    const lp = [-0.3, -2.2, -1.7, -0.01];
    const c: Case = { logprobs: lp, oldLogprobs: f32(lp), advantages: f32([0.8, -1.3, 0.5, 2]), weights: f32([0.1, 0.2, 0.3, 0.4]) };
    assert.ok(Math.abs(lossOf(c) - -(0.08 - 0.26 + 0.15 + 0.8)) < 1e-6);
  });

  test('inputs are validated', () => {
    const lp = tf.tensor1d([-1, -2]);
    const base = { logprobs: lp, oldLogprobs: f32([-1, -2]), advantages: f32([1, 1]), weights: f32([1, 1]) };
    assert.throws(() => grpoTokenLoss({ ...base, weights: f32([1]) }), (e: unknown) => e instanceof OptionsError && /weights has 1 entries for 2/.test(e.message));
    assert.throws(() => grpoTokenLoss({ ...base, beta: 0.1 }), /needs refLogprobs/);
    assert.throws(() => grpoTokenLoss({ ...base, epsilon: 1 }), /epsilon/);
    assert.throws(() => grpoTokenStats({ ...base, logprobs: [] }), /at least one token/);
    lp.dispose();
  });
});

describe('with RolloutBuffer samples', () => {
  let id = 0;
  const turn = (p: number, c: number): Turn => {
    const completionIds = Int32Array.from({ length: c }, () => ++id);
    return {
      promptIds: Int32Array.from({ length: p }, (_, k) => 1000 + k), completionIds, logprobs: Float32Array.from(completionIds, (t) => -t / 100),
      text: '', action: { type: 'click' }, observation: { url: 'u', title: 't', error: null },
    };
  };
  const traj = (groupId: string, reward: number, turns: Turn[]): Trajectory => ({
    taskId: groupId, groupId, turns, reward, stats: { turns: turns.length, invalidActions: 0, elapsedMs: 0, terminated: true, truncated: false },
  });
  // Group a: r = [1, 0], trajectories of 2 turns (2 + 3 tokens) and 1 turn (4 tokens).
  // Group b: r = [1, 0, 0], trajectories of 1 turn (1 token), 2 turns (2 + 2 tokens), none.
  const buffer = new RolloutBuffer([
    traj('a', 1, [turn(3, 2), turn(5, 3)]), traj('a', 0, [turn(4, 4)]),
    traj('b', 1, [turn(2, 1)]), traj('b', 0, [turn(3, 2), turn(6, 2)]), traj('b', 0, []),
  ]);

  test('tokenArrays follows packSequences order', () => {
    const samples = buffer.samples();
    const batch = packSequences(samples);
    const arrays = tokenArrays(samples);
    assert.equal(arrays.oldLogprobs.length, batch.targets.length);
    assert.equal(batch.targets.length, 14);
    // every old logprob is that of the token packSequences scores at the same index (-id / 100)
    batch.targets.forEach((t, k) => assert.equal(arrays.oldLogprobs[k], Math.fround(-t / 100), `token ${k}`));
    samples.forEach((s, b) => {
      const [start, end] = batch.spans[b]!;
      for (let k = start; k < end; k++) {
        assert.equal(arrays.advantages[k], Math.fround(s.advantage));
        assert.equal(arrays.weights[k], Math.fround(s.tokenWeight));
      }
    });
    const ref = samples.map((s) => s.oldLogprobs.map((x) => x - 1));
    assert.deepEqual(tokenArrays(samples, ref).refLogprobs, arrays.oldLogprobs.map((x) => x - 1));
    assert.throws(() => tokenArrays(samples, ref.slice(1)), /refLogprobs has 5 arrays for 6 samples/);
  });

  test('sequence vs token normalisation at ratio 1 (loss = -Σ w A), hand-computed', () => {
    // A_a = ±0.5 / (sqrt(0.5) + 1e-4) = ±0.7070068; A_b = (2/3, -1/3) / (sqrt(1/3) + 1e-4) = 1.1545006, -0.5772503.
    // sequence: each trajectory's tokens weigh 1 / (#groups G_g) = 1/4 in total, so
    //   L = -(1/4) (0.7070068 - 0.7070068 + 1.1545006 - 0.5772503) = -0.1443126
    // token: every token weighs 1/14: L = -(5 * 0.7070068 - 4 * 0.7070068 + 1 * 1.1545006 - 4 * 0.5772503) / 14 = +0.0319638
    const expected = { sequence: -0.1443126, token: 0.0319638 };
    for (const lossType of ['sequence', 'token'] as const) {
      const samples = buffer.samples({ lossType });
      const arrays = tokenArrays(samples);
      const loss = lossOf({ ...arrays, logprobs: Array.from(arrays.oldLogprobs) });
      assert.ok(Math.abs(loss - expected[lossType]) < 1e-5, `${lossType}: expected ${expected[lossType]}, got ${loss}`);
      // Minibatches are plain sums of the whole-batch loss.
      const parts = buffer.minibatches(samples, { maxTokens: 12 }).map((mb) => {
        const a = tokenArrays(mb);
        return lossOf({ ...a, logprobs: Array.from(a.oldLogprobs) });
      });
      assert.ok(parts.length > 1);
      assert.ok(Math.abs(parts.reduce((x, y) => x + y, 0) - expected[lossType]) < 1e-5, `${lossType} minibatch sum`);
    }
  });
});

describe('tensor discipline', () => {
  test('variableGrads step: no leak, stats read from kept logprobs', async () => {
    const c = { oldLogprobs: f32([-1, -1, -1]), refLogprobs: f32([-1.2, -0.9, -1]), advantages: f32([1, -1, 0.5]), weights: f32([0.3, 0.3, 0.4]), beta: 0.01 };
    const v = tf.variable(tf.tensor1d([-0.9, -1.1, -1.4]));
    const step = async (): Promise<number> => {
      let kept: tf.Tensor1D | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const lp = tf.mul(v, 1) as tf.Tensor1D; // stands in for tokenLogprobs(policy, batch)
        kept = tf.keep(lp);
        return grpoTokenLoss({ ...c, logprobs: lp });
      }, [v]);
      const loss = (await value.data())[0]!;
      const stats = grpoTokenStats({ ...c, logprobs: await kept!.data() });
      assert.ok(Math.abs(stats.loss - loss) < 1e-6);
      assert.ok(grads[v.name] !== undefined);
      tf.dispose([value, kept!, ...Object.values(grads)]);
      return loss;
    };
    await step(); // burn-in
    const before = tf.memory().numTensors;
    await step();
    await step();
    assert.equal(tf.memory().numTensors, before);
    v.dispose();
  });
});
