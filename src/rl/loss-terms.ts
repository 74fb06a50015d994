// Extra terms of a trainer's loss, added to every optimizer step beside the GRPO objective: an
// extension point (a LossTerm) and the one built in, the supervised anchor (InstructGPT's PPO-ptx).

import * as tf from '@tensorflow/tfjs';
import { hashString, Rng } from '../data/random.js';
import { packByTokens } from '../data/rollout-buffer.js';
import { nextTokenLoss, packSequences, type ScoredSequence } from '../model/training.js';
import type { TransformerLM } from '../model/transformer.js';

/** What a loss term is told at each optimizer step. */
export interface LossTermContext {
  /** The model being trained (its variables are what the term's scalar is differentiated in). */
  readonly policy: TransformerLM;
  /** The optimizer's step count before this step (resumes with the run). */
  readonly step: number;
  /** The trainer's seed. */
  readonly seed: number;
}

/**
 * A term added to the loss of every optimizer step. `loss` prepares what the term needs (it may
 * be async: reading data, scoring with another model) and returns a synchronous function that
 * computes the scalar from the policy's variables; the trainer differentiates it and adds its
 * gradient and value to the step's.
 */
export interface LossTerm {
  readonly name: string;
  loss(context: LossTermContext): (() => tf.Scalar) | Promise<() => tf.Scalar>;
}

/**
 * The supervised anchor: `coefficient` × the mean negative log-likelihood of a minibatch of
 * `samples` (with their loss masks), at most `batchTokens` padded tokens, drawn afresh each step
 * from the seed and the step (so a resumed run draws the same). It keeps the action format and
 * what imitation taught while RL follows few groups.
 */
export function supervisedAnchor(options: { readonly samples: readonly ScoredSequence[]; readonly coefficient: number; readonly batchTokens: number }): LossTerm {
  const { samples, coefficient, batchTokens } = options;
  return {
    name: 'supervised',
    loss: ({ policy, step, seed }) => {
      const rng = new Rng(hashString(`${seed}\u0001supervised\u0001${step}`));
      const [batch] = packByTokens(samples, { maxTokens: batchTokens, rng });
      const packed = packSequences(batch!, policy.config.vocab_size);
      return () => tf.mul(nextTokenLoss(policy, packed), coefficient) as tf.Scalar;
    },
  };
}
