// Choosing the next token from one row of logits, on the CPU: temperature, top-k, top-p
// (nucleus), greedy at temperature 0, seeded. The returned logprob is the behaviour logprob
// GRPO's ratio needs: log softmax(logits / temperature) of the token over the FULL vocabulary
// (top-k/top-p shape what is drawn, not the density the trainer recomputes; this matches TRL
// and verl, which recompute old logprobs from temperature-scaled logits). Greedy uses T = 1.

import { arrayOf, defineOptions, integer, nonNegativeInt, num, obj, positiveInt, str, z } from '../options.js';
import type { Rng } from '../data/random.js';

/** How tokens are drawn. Every field has a default in SAMPLING_DEFAULTS. */
export interface SamplingOptions {
  /** 0 = greedy. Default 1. */
  readonly temperature?: number;
  /** Nucleus mass kept, in (0, 1]. Default 1 (off). */
  readonly topP?: number;
  /** Keep the k most likely tokens; 0 = off. Default 0. */
  readonly topK?: number;
  /** Most tokens generated per request. Default 128. */
  readonly maxNewTokens?: number;
  /** Generation stops once the decoded completion contains one (needs a decoder). */
  readonly stop?: readonly string[];
  /** Generation stops after emitting one of these (for example the EOS id). */
  readonly stopTokenIds?: readonly number[];
  /** Seed of the request's random stream. Default 0. Same seed, same prompt: same tokens. */
  readonly seed?: number;
}

export type ResolvedSampling = Required<SamplingOptions>;

/** The fields of SamplingOptions with their ranges (shared by every option object that carries them). */
export const samplingShape = {
  temperature: num({ min: 0 }, 'a finite number >= 0 (0 = greedy)').optional(),
  topP: num({ gt: 0, max: 1 }, 'a number in (0, 1] (1 = off)').optional(),
  topK: nonNegativeInt('an integer >= 0 (0 = off)').optional(),
  maxNewTokens: positiveInt('an integer >= 1').optional(),
  stop: arrayOf(str('a non-empty string', { nonEmpty: true }), 'an array of non-empty strings').optional(),
  stopTokenIds: arrayOf(nonNegativeInt('a token id (an integer >= 0)'), 'an array of token ids (integers >= 0)').optional(),
  seed: integer('an integer').optional(),
};

/** The schema of SamplingOptions, where sampling options enter (Agent, GenerationEngine, a ChatPolicy's `chat`). */
export const samplingOptions = defineOptions<SamplingOptions>()('sampling', obj(samplingShape, 'an object of sampling options (temperature, topP, topK, maxNewTokens, stop, stopTokenIds, seed)'));

/** The sampling fields of an object that holds others too (a request): checked, the rest left alone. */
const samplingFields = defineOptions<SamplingOptions>()('sampling', z.object(samplingShape));

export const SAMPLING_DEFAULTS: ResolvedSampling = Object.freeze({
  temperature: 1,
  topP: 1,
  topK: 0,
  maxNewTokens: 128,
  stop: Object.freeze([]) as readonly string[],
  stopTokenIds: Object.freeze([]) as readonly number[],
  seed: 0,
});

/** Fills defaults and validates, naming the bad field. */
export function resolveSampling(...layers: Array<SamplingOptions | undefined>): ResolvedSampling {
  const merged: ResolvedSampling = { ...SAMPLING_DEFAULTS };
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
  }
  samplingFields.check(merged);
  return merged;
}

/** log(sum(exp(x / t))) over a row, stable. */
function logSumExp(row: Float32Array, t: number): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i]! > max) max = row[i]!;
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp((row[i]! - max) / t);
  return max / t + Math.log(sum);
}

/**
 * Draws one token from `row` (one row of logits) and returns it with its logprob. `allowed`
 * (distinct token ids, not empty) restricts the draw to those tokens, as top-k does: greedy takes
 * the best of them, top-k/top-p apply within them, and the logprob stays the full-vocabulary one.
 */
export function sampleToken(row: Float32Array, sampling: ResolvedSampling, rng: Rng, allowed?: readonly number[]): { token: number; logprob: number } {
  const { temperature, topK, topP } = sampling;
  if (temperature === 0) {
    let best = allowed ? allowed[0]! : 0;
    if (allowed) {
      for (const i of allowed) if (row[i]! > row[best]!) best = i;
    } else {
      for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
    }
    return { token: best, logprob: row[best]! - logSumExp(row, 1) };
  }
  const logZ = logSumExp(row, temperature);
  let candidates: readonly number[];
  const pool = allowed ?? Array.from(row.keys());
  if ((topK > 0 && topK < pool.length) || topP < 1) {
    const order = [...pool].sort((a, b) => row[b]! - row[a]!);
    candidates = topK > 0 ? order.slice(0, topK) : order;
    if (topP < 1) {
      const mass = candidates.reduce((sum, i) => sum + Math.exp(row[i]! / temperature - logZ), 0);
      let kept = 0;
      let n = 0;
      while (n < candidates.length && kept < topP * mass) kept += Math.exp(row[candidates[n++]!]! / temperature - logZ);
      candidates = candidates.slice(0, Math.max(1, n));
    }
  } else {
    candidates = pool;
  }
  const weights = candidates.map((i) => Math.exp(row[i]! / temperature - logZ));
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.next() * total;
  let chosen = candidates[candidates.length - 1]!;
  for (let j = 0; j < candidates.length; j++) {
    u -= weights[j]!;
    if (u < 0) {
      chosen = candidates[j]!;
      break;
    }
  }
  return { token: chosen, logprob: row[chosen]! / temperature - logZ };
}
