// The M-GRPO token loss of WebAgent-R1 (arXiv 2505.16421), pure and model-free:
// the PPO-style clipped surrogate with asymmetric clip range (TRL's `epsilon` / `epsilonHigh`)
// and the k3 KL estimator to a frozen reference (`beta`), as a weighted sum over flat per-token
// tensors. The per-token weights (RolloutBuffer.samples' `tokenWeight`) carry the normalisation.

import * as tf from '@tensorflow/tfjs';
import type { TrainingSample } from '../data/rollout-buffer.js';
import { OptionsError } from '../errors.js';
import { custom, defineOptions, nonNegative, num, obj, OptionsSchema, positive } from '../options.js';

export interface GrpoLossOptions {
  /** Lower clip range: the ratio is clipped below at 1 - epsilon. Default 0.2 (paper's code, TRL). */
  readonly epsilon?: number;
  /** Upper clip range: clipped above at 1 + epsilonHigh (DAPO's clip-higher). Default: `epsilon`. */
  readonly epsilonHigh?: number;
  /** KL coefficient. Default 0 (TRL); the paper's code uses 0.001. Needs `refLogprobs` when > 0. */
  readonly beta?: number;
}

const lossShape = {
  epsilon: num({ gt: 0, lt: 1 }, 'a number in (0, 1) (the ratio is clipped below at 1 - epsilon)').optional(),
  epsilonHigh: positive('a finite number > 0 (the ratio is clipped above at 1 + epsilonHigh)').optional(),
  beta: nonNegative('a finite number >= 0 (0 = no KL term)').optional(),
};

/** The schema of GrpoLossOptions (the loss settings every GRPO loss input carries). */
export const grpoLossOptions = defineOptions<GrpoLossOptions>()('grpoTokenLoss', obj(lossShape));

/** Flat per-token inputs, all of one length N, in the order `packSequences` scores tokens. */
export interface GrpoTokenInputs extends GrpoLossOptions {
  /** log π_θ(token) under the policy being trained, [N], differentiable. */
  readonly logprobs: tf.Tensor1D;
  /** Behaviour logprobs recorded at sampling time. */
  readonly oldLogprobs: Float32Array;
  /** Logprobs under the frozen reference model (for the KL term and the `kl` metric). */
  readonly refLogprobs?: Float32Array;
  /** Advantage of each token (its trajectory's). */
  readonly advantages: Float32Array;
  /** Weight of each token in the loss (`tokenWeight`). */
  readonly weights: Float32Array;
}

const floats = (what: string) => custom<Float32Array>((v) => v instanceof Float32Array, `a Float32Array (${what}, one per token)`);
const tokenInputsShape = {
  ...lossShape,
  oldLogprobs: floats('behaviour logprobs'),
  refLogprobs: floats('reference logprobs').optional(),
  advantages: floats('advantages'),
  weights: floats('token weights'),
};
/** `grpoTokenLoss`'s inputs: the loss settings and the per-token arrays, nothing else. */
const tokenLossInputs = new OptionsSchema<GrpoTokenInputs>('grpoTokenLoss', obj({
  ...tokenInputsShape,
  logprobs: custom<tf.Tensor1D>((v) => v instanceof tf.Tensor, 'a 1-D tensor of logprobs [tokens]'),
}));
/** `grpoTokenStats`'s inputs. */
const tokenStatsInputs = new OptionsSchema<GrpoStatsInputs>('grpoTokenStats', obj({
  ...tokenInputsShape,
  logprobs: custom<ArrayLike<number>>((v) => typeof (v as ArrayLike<number> | null)?.length === 'number', 'an array of logprobs (one per token)'),
}));

/** The same inputs with the new logprobs as plain numbers (for `grpoTokenStats`). */
export type GrpoStatsInputs = Omit<GrpoTokenInputs, 'logprobs'> & { readonly logprobs: ArrayLike<number> };

/** Diagnostics of one loss evaluation, as plain numbers (TRL's metric names). */
export interface GrpoTokenStats {
  /** The loss, computed in float64 (equals `grpoTokenLoss` up to float32 rounding). */
  readonly loss: number;
  /** Weighted fraction of tokens where the clip binds (A>0 & ratio>1+εh, or A<0 & ratio<1-ε). */
  readonly clip_ratio: number;
  /** The A<0 & ratio<1-ε part of `clip_ratio`. */
  readonly clip_ratio_low: number;
  /** The A>0 & ratio>1+εh part of `clip_ratio`. */
  readonly clip_ratio_high: number;
  /** Weighted mean of the k3 KL to the reference; only when `refLogprobs` are given. */
  readonly kl?: number;
  /** Weighted mean of the ratio exp(new - old). */
  readonly ratio_mean: number;
  readonly tokens: number;
}

export const GRPO_LOSS_DEFAULTS: Readonly<Required<Omit<GrpoLossOptions, 'epsilonHigh'>>> = Object.freeze({ epsilon: 0.2, beta: 0 });

function resolve(inputs: Omit<GrpoTokenInputs, 'logprobs'>, n: number): { epsilon: number; epsilonHigh: number; beta: number } {
  if (n === 0) throw new OptionsError('the GRPO loss needs at least one token');
  for (const key of ['oldLogprobs', 'advantages', 'weights', 'refLogprobs'] as const) {
    const arr = inputs[key];
    if (arr !== undefined && arr.length !== n) throw new OptionsError(`${key} has ${arr.length} entries for ${n} logprobs (one per token)`);
  }
  const epsilon = inputs.epsilon ?? GRPO_LOSS_DEFAULTS.epsilon;
  const epsilonHigh = inputs.epsilonHigh ?? epsilon;
  const beta = inputs.beta ?? GRPO_LOSS_DEFAULTS.beta;
  if (beta > 0 && inputs.refLogprobs === undefined) throw new OptionsError(`beta = ${beta} needs refLogprobs (the frozen reference's logprobs); pass them or set beta to 0`);
  return { epsilon, epsilonHigh, beta };
}

/**
 * The loss L = -Σ_t w_t (min(ρ_t A_t, clip(ρ_t, 1-ε, 1+εh) A_t) - β KL_t), with
 * ρ_t = exp(new_t - old_t) and KL_t = exp(ref_t - new_t) - (ref_t - new_t) - 1 (k3).
 * Synchronous, so it can be the body of `AdamW.minimize(() => ...)`; intermediates are freed
 * (tf.tidy), the returned scalar belongs to the caller. Gradient per token: -w A ρ where the
 * unclipped term is the minimum, 0 where the clip binds, plus β w (1 - exp(ref - new)).
 * For diagnostics, keep `logprobs` (tf.keep inside the loss function), read it after the step
 * and pass the numbers to `grpoTokenStats`.
 */
export function grpoTokenLoss(inputs: GrpoTokenInputs): tf.Scalar {
  const { loss, clipped, kl } = grpoTokenObjective(inputs);
  tf.dispose([clipped, ...(kl ? [kl] : [])]);
  return loss;
}

/** The loss with its diagnostics, all from the same ratio tensor (cleanrl's update computes them beside the loss). */
export interface GrpoObjective {
  /** As `grpoTokenLoss`. */
  readonly loss: tf.Scalar;
  /** Σ w_t over tokens where the clip binds (A>0 & ρ>1+εh, or A<0 & ρ<1-ε); divide by Σ w for `clip_ratio`. */
  readonly clipped: tf.Scalar;
  /** Σ w_t KL_t (k3) when `refLogprobs` are given; divide by Σ w for `kl`. */
  readonly kl?: tf.Scalar;
}

/**
 * `grpoTokenLoss` and the weighted sums behind its `clip_ratio` and `kl` diagnostics, from one
 * ratio. Synchronous; every returned tensor belongs to the caller (inside `tf.variableGrads`,
 * `tf.keep` the diagnostics). `grpoTokenStats` computes the same in float64, as a test oracle.
 */
export function grpoTokenObjective(inputs: GrpoTokenInputs): GrpoObjective {
  tokenLossInputs.check(inputs);
  const { logprobs } = inputs;
  if (logprobs.rank !== 1) throw new OptionsError(`logprobs must be a 1-D tensor [tokens], got shape [${logprobs.shape.join(', ')}]`);
  const n = logprobs.shape[0];
  const { epsilon, epsilonHigh, beta } = resolve(inputs, n);
  return tf.tidy(() => {
    const ratio = tf.exp(tf.sub(logprobs, tf.tensor1d(inputs.oldLogprobs))); // [N]
    const adv = tf.tensor1d(inputs.advantages); // [N]
    const weights = tf.tensor1d(inputs.weights); // [N]
    const surrogate = tf.minimum(tf.mul(ratio, adv), tf.mul(tf.clipByValue(ratio, 1 - epsilon, 1 + epsilonHigh), adv));
    let perToken: tf.Tensor = surrogate;
    let klSum: tf.Scalar | undefined;
    if (inputs.refLogprobs !== undefined) {
      const diff = tf.sub(tf.tensor1d(inputs.refLogprobs), logprobs); // ref - new
      const kl = tf.sub(tf.sub(tf.exp(diff), diff), 1); // [N]
      if (beta > 0) perToken = tf.sub(surrogate, tf.mul(kl, beta));
      klSum = tf.sum(tf.mul(kl, weights));
    }
    const loss = tf.neg(tf.sum(tf.mul(perToken, weights))) as tf.Scalar;
    const binds = tf.logicalOr(tf.logicalAnd(tf.less(adv, 0), tf.less(ratio, 1 - epsilon)), tf.logicalAnd(tf.greater(adv, 0), tf.greater(ratio, 1 + epsilonHigh)));
    const clipped = tf.sum(tf.mul(tf.cast(binds, 'float32'), weights)) as tf.Scalar;
    return klSum ? { loss, clipped, kl: klSum } : { loss, clipped };
  });
}

/**
 * The loss and its diagnostics as plain numbers from plain logprobs (float64, no tensors).
 * Means are weighted by the token weights (normalised by their sum), so with `lossType: 'token'`
 * they are TRL's plain token means. `kl` is reported whenever `refLogprobs` are given, even at
 * beta = 0.
 */
export function grpoTokenStats(inputs: GrpoStatsInputs): GrpoTokenStats {
  tokenStatsInputs.check(inputs);
  const n = inputs.logprobs.length;
  const { epsilon, epsilonHigh, beta } = resolve(inputs, n);
  const { oldLogprobs, refLogprobs, advantages, weights } = inputs;
  let loss = 0;
  let wSum = 0;
  let low = 0;
  let high = 0;
  let klSum = 0;
  let ratioSum = 0;
  for (let t = 0; t < n; t++) {
    const lp = inputs.logprobs[t]!;
    const w = weights[t]!;
    const a = advantages[t]!;
    const ratio = Math.exp(lp - oldLogprobs[t]!);
    const clipped = Math.min(Math.max(ratio, 1 - epsilon), 1 + epsilonHigh);
    let per = Math.min(ratio * a, clipped * a);
    if (refLogprobs) {
      const d = refLogprobs[t]! - lp;
      const kl = Math.exp(d) - d - 1;
      klSum += w * kl;
      per -= beta * kl;
    }
    loss -= w * per;
    wSum += w;
    ratioSum += w * ratio;
    if (a < 0 && ratio < 1 - epsilon) low += w;
    if (a > 0 && ratio > 1 + epsilonHigh) high += w;
  }
  const mean = (x: number): number => (wSum === 0 ? 0 : x / wSum);
  return {
    loss,
    clip_ratio: mean(low + high),
    clip_ratio_low: mean(low),
    clip_ratio_high: mean(high),
    ...(refLogprobs ? { kl: mean(klSum) } : {}),
    ratio_mean: mean(ratioSum),
    tokens: n,
  };
}

/** What `tokenArrays` needs of a sample (a RolloutBuffer TrainingSample fits). */
export type TokenSample = Pick<TrainingSample, 'completionStart' | 'oldLogprobs' | 'advantage' | 'tokenWeight'> & { readonly ids: ArrayLike<number> };

/** Per-token arrays of a minibatch, in `packSequences` order. */
export interface TokenArrays {
  readonly oldLogprobs: Float32Array;
  readonly advantages: Float32Array;
  readonly weights: Float32Array;
  readonly refLogprobs?: Float32Array;
}

/**
 * Expands per-sample values to flat per-token arrays in the order `packSequences(samples)`
 * scores tokens (sample by sample, then position by position from `completionStart`), so they
 * line up with `tokenLogprobs` of that batch. `refLogprobs` is one array per sample, as
 * `scoreSequences` returns them.
 */
export function tokenArrays(samples: readonly TokenSample[], refLogprobs?: readonly Float32Array[]): TokenArrays {
  if (refLogprobs !== undefined && refLogprobs.length !== samples.length) throw new OptionsError(`refLogprobs has ${refLogprobs.length} arrays for ${samples.length} samples (one per sample)`);
  let total = 0;
  samples.forEach((s, b) => {
    const n = s.ids.length - s.completionStart;
    if (!(Number.isInteger(s.completionStart) && s.completionStart >= 1 && n >= 0)) throw new OptionsError(`sample ${b}: completionStart must be an integer in [1, ${s.ids.length}], got ${s.completionStart}`);
    if (s.oldLogprobs.length !== n) throw new OptionsError(`sample ${b}: oldLogprobs has ${s.oldLogprobs.length} entries for ${n} completion tokens`);
    if (refLogprobs && refLogprobs[b]!.length !== n) throw new OptionsError(`sample ${b}: refLogprobs has ${refLogprobs[b]!.length} entries for ${n} completion tokens`);
    total += n;
  });
  const oldLogprobs = new Float32Array(total);
  const advantages = new Float32Array(total);
  const weights = new Float32Array(total);
  const ref = refLogprobs ? new Float32Array(total) : undefined;
  let at = 0;
  samples.forEach((s, b) => {
    const n = s.oldLogprobs.length;
    oldLogprobs.set(s.oldLogprobs, at);
    advantages.fill(s.advantage, at, at + n);
    weights.fill(s.tokenWeight, at, at + n);
    ref?.set(refLogprobs![b]!, at);
    at += n;
  });
  return { oldLogprobs, advantages, weights, ...(ref ? { refLogprobs: ref } : {}) };
}
