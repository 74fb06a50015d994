// The RolloutBuffer: trajectories of one iteration grouped by task, turned into M-GRPO training
// samples (WebAgent-R1, arXiv 2505.16421; advantages as TRL's GRPOTrainer computes them: group
// mean, unbiased std, `scaleRewards`), packed into padded-token-budget minibatches. Plain data
// only; trajectory files are jsonl.ts's.
//
// Over 300 lines because the advantages, the per-token weights of `samples` and their option
// schemas are one definition of the M-GRPO batch loss: the weights count the same groups and
// exclusions the advantages compute, so split they would have to agree across files.

import { OptionsError } from '../errors.js';
import type { Rng } from './random.js';
import { bool, custom, defineOptions, nonNegative, obj, oneOf, positive, rule, type z } from '../options.js';
import { validateTrajectory, type Trajectory } from './trajectory.js';

export interface AdvantageOptions {
  /**
   * How A = r - mean(group) is scaled (TRL's `scale_rewards`): `group` divides by the group's
   * std + epsilon (the paper's M-GRPO, default), `batch` by the std of every reward in the buffer
   * + epsilon, `none` leaves it (Dr. GRPO). std is the unbiased (N-1) std; a group of 1 has std 0.
   */
  readonly scaleRewards?: 'group' | 'batch' | 'none';
  /**
   * What is subtracted from a reward: `group` (default), the mean of its group (GRPO); `batch`,
   * the mean of every reward in the buffer (REINFORCE++'s global baseline; use with
   * `scaleRewards` `batch` or `none`). With `batch`, every trajectory whose reward differs from
   * the batch mean carries signal, including the groups whose members all agree, which a
   * near-deterministic policy makes most of; a group then counts as zero-variance for
   * `dropZeroStd` only if the whole batch is. `frac_reward_zero_std` still counts groups.
   */
  readonly baseline?: 'group' | 'batch';
  /** Added to the std before dividing. Default 1e-4 (TRL). */
  readonly epsilon?: number;
  /** Exclude groups whose rewards are all equal (they carry no signal, only KL). Default false. */
  readonly dropZeroStd?: boolean;
}

export interface SampleOptions extends AdvantageOptions {
  /**
   * How the loss is normalised (the token weights). `sequence` (paper, default): mean over the
   * tokens of a turn, the turns of a trajectory, the trajectories of a group, then over groups.
   * `token` (released code): mean over every completion token of the batch.
   */
  readonly lossType?: 'sequence' | 'token';
}

export const ADVANTAGE_DEFAULTS: Readonly<Required<SampleOptions>> = Object.freeze({
  scaleRewards: 'group', baseline: 'group', epsilon: 1e-4, dropZeroStd: false, lossType: 'sequence',
});

export interface AdvantageResult {
  /** One advantage per trajectory, by buffer index (0 for excluded trajectories). */
  readonly advantages: Float64Array;
  /** True for the trajectories of groups excluded by `dropZeroStd`, by buffer index. */
  readonly excluded: readonly boolean[];
  readonly metrics: {
    /** Mean reward over every trajectory. */
    readonly reward_mean: number;
    /** Mean over groups of the group's unbiased reward std (TRL's `reward_std` with group scaling). */
    readonly reward_std: number;
    /** Fraction of groups whose rewards are all equal (std 0, including groups of one). */
    readonly frac_reward_zero_std: number;
    /** Number of groups. */
    readonly groups: number;
  };
}

/** One training sample: one turn, its exact prompt, and what the loss needs per token. */
export interface TrainingSample {
  /** Prompt then completion token ids. */
  readonly ids: Int32Array;
  /** Index of the first completion token in `ids` (= prompt length); `packSequences` scores from here. */
  readonly completionStart: number;
  /** Behaviour logprobs, one per completion token. */
  readonly oldLogprobs: Float32Array;
  /** The trajectory's advantage, shared by every token of every turn. */
  readonly advantage: number;
  /** Weight of each completion token in the whole-batch loss: Σ over the batch's tokens is 1. */
  readonly tokenWeight: number;
  readonly trajectoryIndex: number;
  readonly turnIndex: number;
}

export interface MinibatchOptions {
  /** Budget of padded tokens per minibatch: count × longest `ids` length. */
  readonly maxTokens: number;
  /** Shuffle with this generator before packing (deterministic for a seed). Default: keep order. */
  readonly rng?: Rng;
}

const advantageShape = {
  scaleRewards: oneOf(['group', 'batch', 'none']).optional(),
  baseline: oneOf(['group', 'batch']).optional(),
  epsilon: nonNegative('a finite number >= 0 (added to the reward std)').optional(),
  dropZeroStd: bool().optional(),
};

/** baseline 'batch' with a group's std (the default scaleRewards) scales a distance by the wrong spread. */
function batchBaselineRule(o: { readonly baseline?: string | undefined; readonly scaleRewards?: string | undefined }, ctx: z.core.$RefinementCtx): void {
  if (o.baseline === 'batch' && (o.scaleRewards ?? 'group') === 'group') {
    ctx.addIssue({ code: 'custom', path: ['baseline'], message: rule("'batch' needs scaleRewards 'batch' or 'none' (a group's std does not scale a reward's distance from the batch mean)") });
  }
}

/** The schema of AdvantageOptions (`RolloutBuffer.advantages`). */
export const advantageOptions = defineOptions<AdvantageOptions>()('RolloutBuffer', obj(advantageShape).superRefine(batchBaselineRule));

/** The schema of SampleOptions (`RolloutBuffer.samples`, and the trainers that take them). */
export const sampleOptions = defineOptions<SampleOptions>()('RolloutBuffer', obj({ ...advantageShape, lossType: oneOf(['sequence', 'token']).optional() }).superRefine(batchBaselineRule));

/** The schema of MinibatchOptions (`packByTokens`). */
export const minibatchOptions = defineOptions<MinibatchOptions>()('packByTokens', obj({
  maxTokens: positive('a number > 0 (padded tokens per minibatch)'),
  rng: custom<Rng>((v) => typeof (v as Partial<Rng> | null)?.shuffle === 'function', 'an Rng (a seeded generator with shuffle)').optional(),
}));

/** Unbiased (N-1) standard deviation, as torch.std; 0 for fewer than two values. */
function std(values: readonly number[], mean: number): number {
  if (values.length < 2) return 0;
  let s = 0;
  for (const v of values) s += (v - mean) ** 2;
  return Math.sqrt(s / (values.length - 1));
}

const meanOf = (values: readonly number[]): number => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

/** A group's std at or below this counts as zero (torch.isclose(std, 0) in TRL). */
const ZERO_STD = 1e-8;

/** Whether a group's rewards differ by `advantages`' rule (std above zero): the group carries a gradient. */
export function rewardsDiffer(rewards: readonly number[]): boolean {
  return std(rewards, meanOf(rewards)) > ZERO_STD;
}

/** Throws the OptionsError that `advantages` / `samples` would for these options (for trainers that check at construction). */
export function checkSampleOptions(options: SampleOptions): void {
  resolveOptions(options);
}

function resolveOptions(options: SampleOptions): Required<SampleOptions> {
  sampleOptions.check(options);
  return { ...ADVANTAGE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<SampleOptions>;
}

/** Trajectories of one iteration, grouped by `groupId` for group-relative advantages. */
export class RolloutBuffer {
  readonly #items: Trajectory[] = [];

  constructor(trajectories: readonly Trajectory[] = []) {
    this.add(...trajectories);
  }

  /** Adds trajectories after validating them all (nothing is added if one is malformed). */
  add(...trajectories: Trajectory[]): this {
    trajectories.forEach((t, k) => validateTrajectory(t, `trajectory ${this.#items.length + k}`));
    this.#items.push(...trajectories);
    return this;
  }

  get trajectories(): readonly Trajectory[] {
    return this.#items;
  }

  get size(): number {
    return this.#items.length;
  }

  clear(): void {
    this.#items.length = 0;
  }

  /** Trajectories by group id, groups in order of first appearance. */
  groups(): Map<string, Trajectory[]> {
    const out = new Map<string, Trajectory[]>();
    for (const t of this.#items) {
      const g = out.get(t.groupId);
      if (g) g.push(t);
      else out.set(t.groupId, [t]);
    }
    return out;
  }

  /** Group-relative advantages, one per trajectory: A = (r - mean(group)) / (std + epsilon); see `baseline` for the batch mean. */
  advantages(options: AdvantageOptions = {}): AdvantageResult {
    const { scaleRewards, baseline, epsilon, dropZeroStd } = resolveOptions(options);
    const rewards = this.#items.map((t) => t.reward);
    const byGroup = new Map<string, number[]>();
    this.#items.forEach((t, i) => {
      const g = byGroup.get(t.groupId);
      if (g) g.push(i);
      else byGroup.set(t.groupId, [i]);
    });
    const rewardMean = meanOf(rewards);
    const batchStd = std(rewards, rewardMean);
    const advantages = new Float64Array(rewards.length);
    const excluded = new Array<boolean>(rewards.length).fill(false);
    let zeroStd = 0;
    let stdSum = 0;
    for (const members of byGroup.values()) {
      const r = members.map((i) => rewards[i]!);
      const mean = meanOf(r);
      const s = std(r, mean);
      stdSum += s;
      if (s <= ZERO_STD) zeroStd++;
      const zero = baseline === 'batch' ? batchStd <= ZERO_STD : s <= ZERO_STD;
      for (const i of members) {
        if (zero) {
          excluded[i] = dropZeroStd;
          continue; // advantage exactly 0 (r - mean may be float noise)
        }
        const a = rewards[i]! - (baseline === 'batch' ? rewardMean : mean);
        advantages[i] = scaleRewards === 'group' ? a / (s + epsilon) : scaleRewards === 'batch' ? a / (batchStd + epsilon) : a;
      }
    }
    const groups = byGroup.size;
    return {
      advantages,
      excluded,
      metrics: { reward_mean: rewardMean, reward_std: groups ? stdSum / groups : 0, frac_reward_zero_std: groups ? zeroStd / groups : 0, groups },
    };
  }

  /**
   * One sample per turn of every non-excluded trajectory, with token weights that make the batch
   * loss a plain weighted sum over completion tokens (so minibatch gradients just add up):
   *
   * - `sequence`: L = -(1/#groups) Σ_g (1/G_g) Σ_i (1/|traj_i|) Σ_j (1/|a_ij|) Σ_t (...), so
   *   tokenWeight = 1 / (#groups · G_g · turns_i · tokens_ij);
   * - `token`: tokenWeight = 1 / (completion tokens of all samples).
   *
   * Turns with no completion tokens (a policy that reported no tokens) are skipped and not
   * counted in turns_i; a trajectory left with no such turn is not counted in G_g, and a group
   * left with none not in #groups. Hence the weights of the returned samples always sum to 1
   * (a mean over what exists). Advantages still use every trajectory's reward. A turn with
   * completion tokens but an empty prompt is an error: its first token could not be scored.
   */
  samples(options: SampleOptions = {}): TrainingSample[] {
    const o = resolveOptions(options);
    const { advantages, excluded } = this.advantages(o);
    const trainable = new Map<number, number[]>(); // trajectory index -> its turns with tokens
    const perGroup = new Map<string, number>(); // group -> trajectories with samples
    let totalTokens = 0;
    this.#items.forEach((t, i) => {
      if (excluded[i]) return;
      const turns: number[] = [];
      t.turns.forEach((turn, j) => {
        if (turn.completionIds.length === 0) return;
        if (turn.promptIds.length === 0) throw new OptionsError(`trajectory ${i} (task "${t.taskId}"): turns[${j}] has ${turn.completionIds.length} completion tokens but no promptIds; the first token needs a context to be scored`);
        turns.push(j);
        totalTokens += turn.completionIds.length;
      });
      if (turns.length === 0) return;
      trainable.set(i, turns);
      perGroup.set(t.groupId, (perGroup.get(t.groupId) ?? 0) + 1);
    });
    const out: TrainingSample[] = [];
    for (const [i, turns] of trainable) {
      const t = this.#items[i]!;
      for (const j of turns) {
        const turn = t.turns[j]!;
        const n = turn.completionIds.length;
        const ids = new Int32Array(turn.promptIds.length + n);
        ids.set(turn.promptIds, 0);
        ids.set(turn.completionIds, turn.promptIds.length);
        const tokenWeight = o.lossType === 'token' ? 1 / totalTokens : 1 / (perGroup.size * perGroup.get(t.groupId)! * turns.length * n);
        out.push({ ids, completionStart: turn.promptIds.length, oldLogprobs: turn.logprobs, advantage: advantages[i]!, tokenWeight, trajectoryIndex: i, turnIndex: j });
      }
    }
    return out;
  }

  /**
   * Splits samples into minibatches whose padded size (count × longest `ids` length) is at most
   * `maxTokens`: optionally shuffled by `rng` first, then packed greedily in order. A sample
   * longer than `maxTokens` on its own goes alone in a minibatch (over budget): nothing is
   * dropped or cut. Every sample appears exactly once. Does not depend on the buffer's contents.
   */
  minibatches(samples: readonly TrainingSample[], options: MinibatchOptions): TrainingSample[][] {
    return packByTokens(samples, options);
  }
}

/**
 * Packs any token sequences into minibatches whose padded size (count × longest `ids` length)
 * is at most `maxTokens`, optionally shuffled by `rng` first, greedily in order. A sequence
 * longer than the budget goes alone. Every item appears exactly once.
 */
export function packByTokens<T extends { readonly ids: ArrayLike<number> }>(items: readonly T[], options: MinibatchOptions): T[][] {
  minibatchOptions.check(options);
  const { maxTokens, rng } = options;
  const order = rng ? rng.shuffle(items) : [...items];
  const batches: T[][] = [];
  let current: T[] = [];
  let longest = 0;
  for (const s of order) {
    const width = Math.max(longest, s.ids.length);
    if (current.length > 0 && (current.length + 1) * width > maxTokens) {
      batches.push(current);
      current = [s];
      longest = s.ids.length;
    } else {
      current.push(s);
      longest = width;
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
