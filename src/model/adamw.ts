// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter) and global-norm gradient
// clipping, as torch.optim.AdamW and torch.nn.utils.clip_grad_norm_ define them, over a
// TransformerLM's named parameters; its options (defaults, schema), checkpoint state and the
// linear learning-rate warm-up the trainers step it with. Behaviour cloning, GRPO and the
// data-parallel workers all train with it.

import * as tf from '@tensorflow/tfjs';
import { OptionsError } from '../errors.js';
import { defineOptions, nonNegative, num, obj, positive } from '../options.js';

export interface AdamWOptions {
  /** Default 1e-3. */
  readonly learningRate?: number;
  /** Default 0.9. */
  readonly beta1?: number;
  /** Default 0.999. */
  readonly beta2?: number;
  /** Default 1e-8. */
  readonly epsilon?: number;
  /** Decoupled weight decay (p -= lr * wd * p), applied to every parameter as torch does. Default 0.01. */
  readonly weightDecay?: number;
  /** Clip the global gradient norm to this; 0 = off. Default 1. */
  readonly maxGradNorm?: number;
}

export const ADAMW_DEFAULTS: Required<AdamWOptions> = Object.freeze({
  learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, maxGradNorm: 1,
});

const beta = num({ min: 0, lt: 1 }, 'a number in [0, 1)');

/** The schema of AdamWOptions: checked by AdamW and every trainer that takes them. */
export const adamWOptions = defineOptions<AdamWOptions>()('AdamW', obj({
  learningRate: positive('a finite number > 0').optional(),
  beta1: beta.optional(),
  beta2: beta.optional(),
  epsilon: positive('a finite number > 0').optional(),
  weightDecay: nonNegative('a finite number >= 0').optional(),
  maxGradNorm: nonNegative('a finite number >= 0 (0 = off)').optional(),
}));

/** What one optimizer step reports. */
export interface OptimizerStepResult {
  readonly loss: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
}

/** Optimizer state for checkpoints: moments by parameter name, plus the step count. */
export interface AdamWState {
  readonly step: number;
  readonly m: Map<string, Float32Array>;
  readonly v: Map<string, Float32Array>;
}

/** Linear warm-up: step k (from 0) of the first `warmupSteps` runs at (k + 1) / warmupSteps of the rate; 1 after (and with 0 or none). */
export function warmupFactor(step: number, warmupSteps = 0): number {
  return Math.min(1, (step + 1) / Math.max(1, warmupSteps));
}

/** AdamW over named variables (a TransformerLM's `parameters`). */
export class AdamW {
  readonly options: Required<AdamWOptions>;
  private readonly vars: ReadonlyMap<string, tf.Variable>;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;
  learningRate: number;

  constructor(variables: ReadonlyMap<string, tf.Variable>, options: AdamWOptions = {}) {
    adamWOptions.check(options);
    this.options = { ...ADAMW_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
    const o = this.options;
    this.learningRate = o.learningRate;
    this.vars = variables;
    for (const [name, variable] of variables) {
      if (!variable.trainable) throw new OptionsError(`parameter "${name}" is not trainable (a frozen model cannot be optimized)`);
    }
    // tidy disposes the zero tensors the moments are made from (variables survive a tidy).
    tf.tidy(() => {
      for (const [name, variable] of variables) {
        this.m.set(name, tf.variable(tf.zerosLike(variable), false));
        this.v.set(name, tf.variable(tf.zerosLike(variable), false));
      }
    });
  }

  get step(): number {
    return this.t;
  }

  /**
   * One step: gradients of `loss` (a synchronous tensor function) w.r.t. every parameter,
   * clipped by global norm, then the AdamW update. Resolves with plain numbers.
   */
  async minimize(loss: () => tf.Scalar): Promise<OptimizerStepResult> {
    const names = [...this.vars.keys()];
    const list = names.map((n) => this.vars.get(n)!);
    const { value, grads } = tf.variableGrads(loss, list);
    const byName = new Map(names.map((n, i) => [n, grads[list[i]!.name]!]));
    const norm = this.apply(byName);
    tf.dispose(grads);
    const [l, g] = await Promise.all([value.data(), norm.data()]);
    value.dispose();
    norm.dispose();
    return { loss: l[0]!, gradNorm: g[0]! };
  }

  /** Applies gradients by parameter name (missing = zero). Returns the pre-clip norm (caller disposes). */
  apply(grads: ReadonlyMap<string, tf.Tensor>): tf.Scalar {
    const { beta1, beta2, epsilon, weightDecay, maxGradNorm } = this.options;
    const lr = this.learningRate;
    this.t++;
    const t = this.t;
    return tf.tidy(() => {
      const present = [...grads.entries()].filter(([name]) => this.vars.has(name));
      const norm = tf.sqrt(tf.addN(present.map(([, g]) => tf.sum(tf.square(g))))) as tf.Scalar;
      const coef = maxGradNorm > 0 ? tf.minimum(1, tf.div(maxGradNorm, tf.add(norm, 1e-6))) : tf.scalar(1);
      const bias1 = 1 - Math.pow(beta1, t);
      const bias2 = 1 - Math.pow(beta2, t);
      for (const [name, g0] of present) {
        const p = this.vars.get(name)!;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const g = tf.mul(g0, coef);
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        m.assign(m1);
        v.assign(v1);
        // p <- p (1 - lr wd) - lr * m_hat / (sqrt(v_hat) + eps), with the bias corrections folded in.
        const update = tf.div(m1, tf.add(tf.sqrt(v1), epsilon * Math.sqrt(bias2)));
        p.assign(tf.sub(weightDecay > 0 ? tf.mul(p, 1 - lr * weightDecay) : p, tf.mul(update, (lr * Math.sqrt(bias2)) / bias1)));
      }
      return norm;
    });
  }

  /** The optimizer state as plain data (for checkpoints). */
  async state(): Promise<AdamWState> {
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const [name, t] of this.m) m.set(name, new Float32Array((await t.data()) as Float32Array));
    for (const [name, t] of this.v) v.set(name, new Float32Array((await t.data()) as Float32Array));
    return { step: this.t, m, v };
  }

  /** Restores `state()`; every parameter must be present with the right size. */
  loadState(state: AdamWState): void {
    for (const [name, variable] of this.m) {
      const m = state.m.get(name);
      const v = state.v.get(name);
      if (!m || !v || m.length !== variable.size || v.length !== variable.size) throw new OptionsError(`optimizer state for "${name}" is missing or has the wrong size (expected ${variable.size} values)`);
    }
    tf.tidy(() => {
      for (const [name, variable] of this.m) {
        variable.assign(tf.tensor(state.m.get(name)!, variable.shape));
        this.v.get(name)!.assign(tf.tensor(state.v.get(name)!, variable.shape));
      }
    });
    this.t = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
