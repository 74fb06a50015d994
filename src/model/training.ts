// Scoring and training primitives for TransformerLM: packing token sequences with loss
// masks, per-token logprobs of completions (differentiable, or as plain data under any model,
// e.g. the frozen reference) and the masked next-token loss of behaviour cloning. The AdamW
// that steps on these losses is in adamw.ts.

import * as tf from '@tensorflow/tfjs';
import { OptionsError } from '../errors.js';
import type { TransformerLM } from './transformer.js';

/** A sequence to score or train on. */
export interface ScoredSequence {
  /** All token ids: prompt then completion. */
  readonly ids: ArrayLike<number>;
  /**
   * Which tokens carry loss / are scored: 1 per trained token (the model's own tokens), 0 for
   * context (prompt, observations). Same length as `ids`; token 0 is never scored (nothing
   * predicts it). Shorthand: `completionStart`. Other values >= 0 weight a token's loss (a
   * prompt loss weight of 0.1 on context tokens, say): the loss is then the weighted mean.
   */
  readonly lossMask?: ArrayLike<number>;
  /** Tokens from this index on are scored (used when `lossMask` is absent). */
  readonly completionStart?: number;
}

/**
 * Sequences right-padded into one [batch, width] block, with the flat row (b * width + p) of
 * every position whose next token is scored, and that token.
 */
export interface TokenBatch {
  readonly ids: Int32Array;
  readonly batch: number;
  readonly width: number;
  /** Flat index of the predicting position, one per scored token. */
  readonly rows: Int32Array;
  /** The scored token (the one at row + 1). */
  readonly targets: Int32Array;
  /** Each scored token's loss weight (its `lossMask` value; 1 with `completionStart`). */
  readonly weights: Float32Array;
  /** True when every weight is 1 (the loss is a plain mean). */
  readonly unweighted: boolean;
  /** For each sequence, the [start, end) range of its scored tokens in rows/targets. */
  readonly spans: ReadonlyArray<readonly [number, number]>;
}

/** The loss weight of token `i` of `seq`: its `lossMask` value, else 1 from `completionStart` (default 1) on. */
export function tokenLossWeight(seq: ScoredSequence, i: number): number {
  return seq.lossMask !== undefined ? seq.lossMask[i] ?? 0 : i >= (seq.completionStart ?? 1) ? 1 : 0;
}

/** Packs sequences for scoring or training. Errors name the sequence and what is wrong. */
export function packSequences(sequences: readonly ScoredSequence[], vocabSize?: number): TokenBatch {
  if (sequences.length === 0) throw new OptionsError('packSequences needs at least one sequence');
  const width = Math.max(...sequences.map((s) => s.ids.length));
  const ids = new Int32Array(sequences.length * width);
  const rows: number[] = [];
  const targets: number[] = [];
  const weights: number[] = [];
  const spans: Array<[number, number]> = [];
  sequences.forEach((seq, b) => {
    const n = seq.ids.length;
    if (n < 2) throw new OptionsError(`sequence ${b} has ${n} token(s); scoring needs at least 2`);
    if (seq.lossMask !== undefined && seq.lossMask.length !== n) throw new OptionsError(`sequence ${b}: lossMask has ${seq.lossMask.length} entries for ${n} ids`);
    const start = seq.completionStart ?? 1;
    if (seq.lossMask === undefined && !(Number.isInteger(start) && start >= 1 && start <= n)) {
      throw new OptionsError(`sequence ${b}: completionStart must be an integer in [1, ${n}], got ${String(seq.completionStart)}`);
    }
    const first = rows.length;
    for (let i = 0; i < n; i++) {
      const id = seq.ids[i]!;
      if (!Number.isInteger(id) || id < 0 || (vocabSize !== undefined && id >= vocabSize)) throw new OptionsError(`sequence ${b}: ids[${i}] = ${id} is not a token id${vocabSize ? ` in [0, ${vocabSize})` : ''}`);
      ids[b * width + i] = id;
      const weight = tokenLossWeight(seq, i);
      if (!(weight >= 0 && Number.isFinite(weight))) throw new OptionsError(`sequence ${b}: lossMask[${i}] = ${String(weight)}; a loss weight must be a finite number >= 0`);
      if (i >= 1 && weight !== 0) {
        rows.push(b * width + i - 1);
        targets.push(id);
        weights.push(weight);
      }
    }
    spans.push([first, rows.length]);
  });
  return { ids, batch: sequences.length, width, rows: Int32Array.from(rows), targets: Int32Array.from(targets), weights: Float32Array.from(weights), unweighted: weights.every((w) => w === 1), spans };
}

/**
 * log pi(target) for every scored token of the batch, [N]. Differentiable: call inside a
 * gradient function or tf.tidy. `temperature` divides the logits (as when sampling).
 */
export function tokenLogprobs(policy: TransformerLM, batch: TokenBatch, temperature = 1): tf.Tensor1D {
  const vocab = policy.config.vocab_size;
  const hidden = policy.hidden(tf.tensor2d(batch.ids, [batch.batch, batch.width], 'int32'));
  let logits = policy.head(tf.gather(hidden, tf.tensor1d(batch.rows, 'int32'))); // [N, V]
  if (temperature !== 1) logits = tf.div(logits, temperature);
  return targetLogprobs(logits, batch.targets, vocab);
}

/**
 * log softmax(logits)[target] per row, [N], with the closed-form gradient
 * d/dlogits = dy * (onehot(target) - softmax(logits)): five ops on [N, V] instead of the
 * autodiff of logSumExp (whose max-gradient alone is an Equal over [N, V]).
 */
function targetLogprobs(logits: tf.Tensor2D, targets: Int32Array, vocab: number): tf.Tensor1D {
  // Index tensors are made where they are used: a tensor captured from the forward pass may be
  // disposed (by a caller's tf.tidy) before the backward pass runs.
  const fn = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc): { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor } => {
    const z = x as tf.Tensor2D;
    const lse = tf.logSumExp(z, -1, true); // [N, 1]
    save([z, lse]);
    return {
      value: tf.sub(tf.gather(z.reshape([-1]), tf.tensor1d(Int32Array.from(targets, (t, i) => i * vocab + t), 'int32')), lse.reshape([-1])),
      gradFunc: (dy, saved) => {
        const [zs, l] = saved as [tf.Tensor2D, tf.Tensor2D];
        const probs = tf.exp(tf.sub(zs, l));
        return tf.mul(tf.sub(tf.oneHot(tf.tensor1d(targets, 'int32'), vocab), probs), (dy as tf.Tensor1D).reshape([-1, 1]));
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return fn(logits) as tf.Tensor1D;
}

/** Mean negative log-likelihood over the scored tokens, weighted by their loss weights (behaviour cloning's loss). */
export function nextTokenLoss(policy: TransformerLM, batch: TokenBatch): tf.Scalar {
  if (batch.rows.length === 0) throw new OptionsError('the batch has no scored tokens: every loss mask is 0');
  return tf.div(negLogLikelihoodSum(policy, batch), lossWeight(batch));
}

/** Sum over the scored tokens of weight * -log pi(token). Differentiable. */
export function negLogLikelihoodSum(policy: TransformerLM, batch: TokenBatch): tf.Scalar {
  const lp = tokenLogprobs(policy, batch);
  return tf.neg(tf.sum(batch.unweighted ? lp : tf.mul(lp, tf.tensor1d(batch.weights))));
}

/** The sum of a batch's loss weights (its scored-token count when unweighted). */
export function lossWeight(batch: TokenBatch): number {
  if (batch.unweighted) return batch.rows.length;
  let total = 0;
  for (const w of batch.weights) total += w;
  return total;
}

/**
 * Per-token logprobs of each sequence's scored tokens under `policy` (trained or frozen), as
 * plain arrays in sequence order. No gradients are kept.
 */
export async function scoreSequences(policy: TransformerLM, sequences: readonly ScoredSequence[], temperature = 1): Promise<Float32Array[]> {
  const batch = packSequences(sequences, policy.config.vocab_size);
  const lp = tf.tidy(() => tokenLogprobs(policy, batch, temperature));
  const data = (await lp.data()) as Float32Array;
  lp.dispose();
  return batch.spans.map(([a, b]) => data.slice(a, b));
}
