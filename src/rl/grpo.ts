// MultiTurnGRPO: WebAgent-R1's online RL stage (REFERENCE.md §1). Each iteration samples
// `tasksPerIteration` tasks, runs `numGenerations` episodes of each in fresh environments at once
// (runRollouts: every episode awaits its own policy call; the local GenerationEngine batches them
// continuously), scores them with the tasks' binary checkers, computes group-relative advantages,
// (with `dynamicSampling`, more rounds of tasks until enough groups have differing rewards),
// and takes `updatesPerIteration` (μ; default one) optimizer steps on the clipped surrogate with the k3 KL to a frozen reference,
// accumulated over token-budgeted minibatches. Every turn is its own sample holding the exact
// prompt the policy acted on and the behaviour logprobs recorded while sampling (DESIGN.md), so
// the ratio is exact; new logprobs are computed at the sampling temperature, as the old ones were.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EventEmitter } from 'eventemitter3';
import * as tf from '@tensorflow/tfjs';
import { hashString, Rng } from '../data/random.js';
import { packByTokens, RolloutBuffer, type TrainingSample } from '../data/rollout-buffer.js';
import type { Trajectory } from '../data/trajectory.js';
import type { Environment } from '../env/types.js';
import { OptionsError } from '../errors.js';
import { Agent } from '../policy/agent.js';
import { AgentPrompt, tokenizerSchema } from '../policy/agent-prompt.js';
import { LocalChatPolicy } from '../policy/chat.js';
import { commitCheckpointFolder, resolveCheckpointFolder, verifyCheckpointFolder, writeCheckpointFiles } from '../policy/checkpoint-folder.js';
import { readSafetensors } from '../policy/safetensors.js';
import type { HfTokenizer } from '../policy/tokenizer.js';
import { AdamW, nextTokenLoss, packSequences, scoreSequences, tokenLogprobs, warmupFactor, type AdamWOptions, type ScoredSequence } from '../policy/training.js';
import { TransformerPolicy } from '../policy/transformer.js';
import type { WebTask } from '../tasks/types.js';
import { arrayOf, bool, custom, defineOptions, fn, instanceOf, integer, literal, MAX_TIMER_MS, nonNegative, nonNegativeInt, num, obj, oneOf, positive, positiveInt, rule, str, union, z } from '../options.js';
import { grpoTokenLoss, grpoTokenStats, tokenArrays } from './grpo-loss.js';
import { RolloutError, runRollouts, scoredSequenceSchema, webTaskSchema, type RolloutOptions } from './rollout.js';
import { discount, drawLearnable, drawNovel, markSeen, recordGroups, taskBucket, type LearnabilityState, type NoveltyState } from './task-sampler.js';
import { fileProblem, parseJsonText } from '../data/load-errors.js';

const CHECKPOINT_FORMAT = 'webagent-r1/multi-turn-grpo@1';
/** What a run folder holds (a folder saved before manifests is replaced only if it holds nothing else). */
const RUN_FILES = new Set(['policy', 'reference.safetensors', 'optimizer.safetensors', 'trainer.json', 'webagent-manifest.json']);

export interface MultiTurnGRPOOptions {
  /** Trained in place. */
  readonly policy: TransformerPolicy;
  readonly tokenizer: HfTokenizer;
  /** The prompt the policy acts with (its template is also the LocalChatPolicy's). */
  readonly prompt: AgentPrompt;
  /** Training tasks, visited in a seeded shuffled cycle. */
  readonly tasks: readonly WebTask[];
  /** One environment per concurrent episode (a WebEnvironment over a shared BrowserPool, ...). */
  readonly makeEnvironment: () => Environment | Promise<Environment>;
  /** Rollouts per task: the GRPO group size G. Default 4 (paper's code). */
  readonly numGenerations?: number;
  /** Tasks per iteration. Default 4. */
  readonly tasksPerIteration?: number;
  /** Iterations (each: rollouts, then `updatesPerIteration` optimizer steps). Default 10. */
  readonly numIterations?: number;
  /**
   * Optimizer steps on each iteration's rollouts: GRPO's μ (TRL's `num_iterations`). Default 1
   * (the paper's code). Later steps are off-policy by the earlier ones; the clipped ratio against
   * the behaviour logprobs (`epsilon`) bounds how far they move. Rollouts cost far more than an
   * update here, so μ > 1 learns more per second of interaction.
   */
  readonly updatesPerIteration?: number;
  /** Turn limit of an episode (tasks' own limits win). Default 10. */
  readonly maxTurns?: number;
  /** A horizon that grows during training: `start` turns at iteration 0, `end` from `over` iterations on. */
  readonly turnCurriculum?: { readonly start: number; readonly end: number; readonly over: number };
  /** Sampling temperature. Default 1. */
  readonly temperature?: number;
  /**
   * Rollouts decode under the Agent's copy constraint (`AgentOptions.constrainCopy`): replies can
   * only name elements of the page and type text copied from the instruction. The behaviour
   * logprobs stay full-vocabulary ones, so the update needs no change. Evaluate with the same
   * setting. Default false.
   */
  readonly constrainCopy?: boolean;
  /**
   * Rollouts decode under the Agent's whole-action constraint (`AgentOptions.constrainAction`):
   * every sampled reply is one action the parser reads and the page can take, so no rollout is
   * spent on invalid actions. Implies `constrainCopy` unless that is explicitly false. Evaluate
   * with the same setting. Default false.
   */
  readonly constrainAction?: boolean;
  /** Most tokens per reply. Default 128. */
  readonly maxNewTokens?: number;
  /** Episodes run at once. Default numGenerations × tasksPerIteration. */
  readonly concurrency?: number;
  readonly epsilon?: number;
  readonly epsilonHigh?: number;
  /** KL coefficient to the frozen reference (k3). Default 0.001 (paper's code); 0 skips the reference. */
  readonly beta?: number;
  /** `sequence` (paper, default) or `token` (released code) normalisation. */
  readonly lossType?: 'sequence' | 'token';
  readonly scaleRewards?: 'group' | 'batch' | 'none';
  /**
   * What a reward is compared with (RolloutBuffer's `baseline`): `group` (default, GRPO) or
   * `batch`, the mean reward of the whole iteration (REINFORCE++; needs `scaleRewards` `batch`
   * or `none`), under which groups whose members all succeed or all fail carry signal too.
   */
  readonly baseline?: 'group' | 'batch';
  /**
   * Scale of negative advantages in the update (1: GRPO as published; 0: only the episodes that
   * beat their group's mean are reinforced). Default 1. A failed episode's tokens are less
   * confident than a successful one's (it wandered off the demonstrated states), and
   * ∂log π/∂logits = onehot - π is larger where π is lower, so on a policy fresh from BC the
   * negative half of a batch can carry most of the gradient (issue 6's small policy: norm 0.23
   * with it, 0.03 without, same rollouts), and pushing those tokens down taught the policy to
   * emit malformed actions (invalid 5% -> 45% after one iteration at 1e-3). Below 1 keeps what
   * failures teach while bounding that push.
   */
  readonly negativeAdvantageWeight?: number;
  /** Leave out groups whose rewards are all equal. Default false. */
  readonly dropZeroStd?: boolean;
  /**
   * A supervised anchor in every update (InstructGPT's PPO-ptx, OpenRLHF's `ptx_coef`): the
   * loss adds `coefficient` × the mean negative log-likelihood of a minibatch of `samples` (the
   * BC samples, say, with their loss masks), at most `batchTokens` padded tokens (default 2048),
   * drawn afresh each optimizer step from the seed and the step (so a resumed run draws the same).
   * It keeps the action format and what imitation taught while the policy follows few groups.
   * The iteration's `loss` metric includes the term. Off by default (the paper has no such term).
   */
  readonly supervised?: { readonly samples: readonly ScoredSequence[]; readonly coefficient: number; readonly batchTokens?: number };
  /**
   * DAPO's dynamic sampling: while fewer than `tasksPerIteration` groups of the iteration have
   * differing rewards, draw `tasksPerIteration` more tasks and roll them out too, up to
   * `maxRounds` rounds in all; the update then uses only the groups with differing rewards (as
   * `dropZeroStd`). A policy that BC made near-deterministic solves or fails most tasks in all
   * G tries, and such a group carries no gradient; this spends more interaction to fill the batch
   * with groups that do. Off by default (one round, the paper's code).
   */
  readonly dynamicSampling?: { readonly maxRounds: number };
  /**
   * How each round's tasks are drawn. `'cycle'` (default): a seeded shuffled cycle over `tasks`.
   * `{ kind: 'learnability', memory }`: by template (`task.meta.template`, else each task is its
   * own), in proportion to the Laplace estimate of how often that template's groups had differing
   * rewards, counted over past rounds and discounted by `memory` (default 0.9) each iteration;
   * a round takes distinct templates while it can, and a task uniformly within each. It spends
   * the rollouts on templates the policy sometimes solves and sometimes not, where GRPO has a
   * gradient (Prioritized Level Replay's idea); no template's weight ever falls to 0.
   * `{ kind: 'novelty', seen }`: at each pick, the task whose least-seen intent word was seen
   * least often for its template, then the one with the most words seen that few times
   * (count-based novelty over (template, word) pairs), counting the words of `seen` (the
   * demonstrated tasks: what behaviour cloning already showed the policy) and of every earlier
   * draw; ties at random. It spends the rollouts on tasks that name what the
   * demonstrations never did, where imitation has nothing to copy and RL, which needs only the
   * checker, can still learn.
   */
  readonly taskSampling?: 'cycle' | { readonly kind: 'learnability'; readonly memory?: number } | { readonly kind: 'novelty'; readonly seen?: ReadonlyArray<Pick<WebTask, 'id' | 'intent' | 'meta'>> };
  /** Default 1e-6 (paper's code); small models from scratch need far more (1e-4 .. 1e-3). */
  readonly learningRate?: number;
  /**
   * Optimizer steps of linear learning-rate warm-up (step k, from 0, of the first `warmupSteps`
   * uses (k + 1) / warmupSteps of `learningRate`, as `warmupFactor`; TRL's `warmup_steps`). Default 0. A fresh Adam's first
   * steps move every weight by about the learning rate whatever the gradient's size, and a
   * GRPO batch with one or two groups of signal is mostly noise: after BC this raised a small
   * policy's invalid actions from 4% to 30% within two iterations at 5e-4 (issue 6's runs).
   */
  readonly warmupSteps?: number;
  /** Decoupled weight decay. Default 0. */
  readonly weightDecay?: number;
  /** Global-norm clip. Default 1. (The paper's code uses 0.01.) */
  readonly maxGradNorm?: number;
  /** Adam betas. Default (0.9, 0.99) as the paper's code. */
  readonly betas?: readonly [number, number];
  /**
   * Adam's epsilon (TRL's `adam_epsilon`). Default 1e-8. A fresh Adam moves every weight by
   * about the learning rate in the direction of its gradient's sign, however small and noisy
   * that gradient is; a larger epsilon (near the typical gradient entry) makes the step of a
   * weight whose gradient is below it proportional to the gradient instead.
   */
  readonly adamEpsilon?: number;
  /** Padded tokens per minibatch of the update (gradients are accumulated). Default 4096. */
  readonly batchTokens?: number;
  readonly seed?: number;
  /** Wall-time limit of one episode. Default 120 s. */
  readonly episodeTimeoutMs?: number;
  /** Save the run (see `save`) into `dir` every `every` iterations and after the last. */
  readonly checkpoint?: { readonly dir: string; readonly every: number };
  /** Scores an episode's end. Default: the task's checker (binary task success). */
  readonly score?: RolloutOptions['score'];
}

const adamBeta = num({ min: 0, lt: 1 }, 'a number in [0, 1)');

/** The schema of MultiTurnGRPOOptions: checked by the constructor, before any weight is copied or episode run. */
export const multiTurnGRPOOptions = defineOptions<MultiTurnGRPOOptions>()('MultiTurnGRPO', obj({
  policy: instanceOf<TransformerPolicy>(TransformerPolicy, 'a TransformerPolicy (trained in place)'),
  tokenizer: tokenizerSchema,
  prompt: instanceOf<AgentPrompt>(AgentPrompt, 'an AgentPrompt (with its tokenizer)'),
  tasks: arrayOf(webTaskSchema, 'a non-empty array of WebTasks', { nonEmpty: true }),
  makeEnvironment: fn<MultiTurnGRPOOptions['makeEnvironment']>('a function returning an Environment (or a promise of one)'),
  numGenerations: num({ int: true, min: 2 }, 'an integer >= 2 (advantages compare rollouts within a group)').optional(),
  tasksPerIteration: positiveInt('a positive integer').optional(),
  numIterations: positiveInt('a positive integer').optional(),
  updatesPerIteration: positiveInt('a positive integer').optional(),
  maxTurns: positiveInt('a positive integer').optional(),
  turnCurriculum: obj({
    start: positiveInt('a positive integer (turns at iteration 0)'),
    end: positiveInt('a positive integer (turns from `over` iterations on)'),
    over: num({ min: 1 }, 'a number >= 1 (iterations)'),
  }, 'an object { start, end, over }').superRefine((c, ctx) => {
    if (c.end < c.start) ctx.addIssue({ code: 'custom', path: ['end'], message: rule(`must be >= start (${c.start}), got ${c.end}`) });
  }).optional(),
  temperature: num({ min: 0 }, 'a finite number >= 0 (0 = greedy)').optional(),
  constrainCopy: bool().optional(),
  constrainAction: bool().optional(),
  maxNewTokens: positiveInt('a positive integer').optional(),
  concurrency: positiveInt('a positive integer').optional(),
  epsilon: num({ gt: 0, lt: 1 }, 'a number in (0, 1) (the ratio is clipped below at 1 - epsilon)').optional(),
  epsilonHigh: positive('a finite number > 0 (the ratio is clipped above at 1 + epsilonHigh)').optional(),
  beta: nonNegative('a finite number >= 0 (0 = no reference)').optional(),
  lossType: oneOf(['sequence', 'token']).optional(),
  scaleRewards: oneOf(['group', 'batch', 'none']).optional(),
  baseline: oneOf(['group', 'batch']).optional(),
  negativeAdvantageWeight: nonNegative('a finite number >= 0').optional(),
  dropZeroStd: bool().optional(),
  supervised: obj({
    samples: arrayOf(scoredSequenceSchema, 'a non-empty array of sequences (ids with a loss mask or completionStart)', { nonEmpty: true }),
    coefficient: positive('a finite number > 0'),
    batchTokens: positiveInt('a positive integer').optional(),
  }, 'an object { samples, coefficient, batchTokens? }').optional(),
  dynamicSampling: obj({ maxRounds: positiveInt('a positive integer') }, 'an object { maxRounds }').optional(),
  taskSampling: union([
    literal('cycle', "'cycle'"),
    obj({ kind: literal('learnability', "'learnability'"), memory: num({ gt: 0, max: 1 }, 'a number in (0, 1]').optional() }),
    obj({ kind: literal('novelty', "'novelty'"), seen: arrayOf(custom<Pick<WebTask, 'id' | 'intent' | 'meta'>>((t) => typeof (t as Partial<WebTask> | null)?.intent === 'string', 'a task (with an `intent` string)'), 'an array of tasks (each with an `intent` string)').optional() }),
  ], "'cycle', { kind: 'learnability', memory? } or { kind: 'novelty', seen? }").optional(),
  learningRate: positive('a finite number > 0').optional(),
  warmupSteps: nonNegativeInt('an integer >= 0').optional(),
  weightDecay: nonNegative('a finite number >= 0').optional(),
  maxGradNorm: nonNegative('a finite number >= 0 (0 = off)').optional(),
  betas: z.tuple([adamBeta, adamBeta], { error: 'a pair [beta1, beta2] of numbers in [0, 1)' }).optional(),
  adamEpsilon: positive('a finite number > 0').optional(),
  batchTokens: positiveInt('a positive integer').optional(),
  seed: integer('an integer').optional(),
  episodeTimeoutMs: num({ gt: 0, max: MAX_TIMER_MS }, `a number of milliseconds > 0 (at most ${MAX_TIMER_MS})`).optional(),
  checkpoint: obj({
    dir: str('a string (a folder path)', { nonEmpty: true }),
    every: positiveInt('a positive integer (iterations)'),
  }, 'an object { dir, every }').optional(),
  score: fn<NonNullable<RolloutOptions['score']>>('a function (task, end) => Promise<CheckResult>').optional(),
}).superRefine((o, ctx) => {
  if (o.baseline === 'batch' && (o.scaleRewards ?? 'group') === 'group') {
    ctx.addIssue({ code: 'custom', path: ['baseline'], message: rule("'batch' needs scaleRewards 'batch' or 'none' (a group's std does not scale a reward's distance from the batch mean)") });
  }
}));

/** What one iteration measured (TRL's names where they exist). */
export interface IterationMetrics {
  readonly iteration: number;
  readonly reward_mean: number;
  readonly reward_std: number;
  readonly frac_reward_zero_std: number;
  readonly kl: number;
  readonly clip_ratio: number;
  /** Mean of -log π_old(token) over sampled tokens: a Monte Carlo estimate of the policy's entropy. */
  readonly entropy: number;
  readonly loss: number;
  readonly grad_norm: number;
  readonly turns_mean: number;
  readonly invalid_action_rate: number;
  readonly max_turns: number;
  /** Episodes left out after crashing on every re-run (an overloaded or dying browser). */
  readonly episodes_skipped: number;
  readonly completion_tokens: number;
  /** Rounds of rollouts this iteration (more than 1 only with `dynamicSampling`). */
  readonly sampling_rounds: number;
  /** Groups whose rewards differ: the ones that carry a gradient. */
  readonly groups_with_signal: number;
  readonly rollout_s: number;
  readonly update_s: number;
}

export interface MultiTurnGRPOEvents {
  'episode-end': (e: { iteration: number; trajectory: Trajectory }) => void;
  /** An episode left out after its re-runs crashed too (its group is one member short); `error` says why. */
  'episode-skipped': (e: { iteration: number; taskId: string; groupId: string; error: Error }) => void;
  'iteration-end': (e: IterationMetrics) => void;
  checkpoint: (e: { iteration: number; dir: string }) => void;
}

/** Adds each parameter's gradient in `grads` to its running sum in `sum`, then disposes `grads`. */
function accumulate(sum: Map<string, tf.Tensor>, names: readonly string[], vars: readonly tf.Variable[], grads: tf.NamedTensorMap): void {
  for (const [i, name] of names.entries()) {
    const g = grads[vars[i]!.name];
    if (!g) continue;
    const prev = sum.get(name);
    sum.set(name, prev ? tf.tidy(() => tf.add(prev, g)) : tf.keep(g.clone()));
    prev?.dispose();
  }
  tf.dispose(grads);
}

/** Where training stands; enough to resume the same run. */
export interface GrpoProgress {
  iteration: number;
  /** Position in the current shuffled pass over the tasks, and the pass number. */
  taskCursor: number;
  taskPass: number;
  /** With `taskSampling` learnability: the discounted group counts per template. */
  learnability?: LearnabilityState;
  /** With `taskSampling` novelty: times each (template, word) was seen (in `seen` and in draws). */
  novelty?: NoveltyState;
}

export class MultiTurnGRPO extends EventEmitter<MultiTurnGRPOEvents> {
  readonly options: MultiTurnGRPOOptions;
  readonly progress: GrpoProgress = { iteration: 0, taskCursor: 0, taskPass: 0 };
  readonly optimizer: AdamW;
  /** The frozen reference (a copy of the policy at the start), when beta > 0. */
  readonly reference: TransformerPolicy | undefined;
  private readonly agent: Agent;
  /** With learnability sampling: its `memory`, and the tasks by bucket (template). */
  private readonly learnability: { readonly memory: number; readonly buckets: ReadonlyMap<string, readonly WebTask[]> } | undefined;
  /** With novelty sampling: the tasks whose words count as seen before the first draw. */
  private readonly novelty: { readonly seen: ReadonlyArray<Pick<WebTask, 'id' | 'intent' | 'meta'>> } | undefined;

  constructor(options: MultiTurnGRPOOptions) {
    super();
    multiTurnGRPOOptions.check(options);
    if (options.prompt.tokenizer === undefined) throw new OptionsError('MultiTurnGRPO: the prompt needs its `tokenizer` (to count and encode tokens)');
    const ts = options.taskSampling;
    this.options = options;
    if (typeof ts === 'object' && ts.kind === 'novelty') this.novelty = { seen: ts.seen ?? [] };
    if (typeof ts === 'object' && ts.kind === 'learnability') {
      const buckets = new Map<string, WebTask[]>();
      for (const task of options.tasks) {
        const b = taskBucket(task);
        const list = buckets.get(b);
        if (list) list.push(task);
        else buckets.set(b, [task]);
      }
      this.learnability = { memory: ts.memory ?? 0.9, buckets };
    }
    const [beta1, beta2] = options.betas ?? [0.9, 0.99];
    const adamw: AdamWOptions = { learningRate: options.learningRate ?? 1e-6, weightDecay: options.weightDecay ?? 0, maxGradNorm: options.maxGradNorm ?? 1, beta1, beta2, epsilon: options.adamEpsilon ?? 1e-8 };
    this.optimizer = new AdamW(options.policy.parameters, adamw);
    this.reference = (options.beta ?? 0.001) > 0 ? options.policy.clone({ trainable: false }) : undefined;
    const chat = new LocalChatPolicy({ policy: options.policy, tokenizer: options.tokenizer, template: options.prompt.template });
    this.agent = new Agent({ policy: chat, prompt: options.prompt, sampling: { temperature: options.temperature ?? 1, maxNewTokens: options.maxNewTokens ?? 128 }, ...(options.constrainCopy !== undefined ? { constrainCopy: options.constrainCopy } : {}), constrainAction: options.constrainAction ?? false });
  }

  /** The turn limit at `iteration` (the curriculum's, else `maxTurns`). */
  horizon(iteration: number): number {
    const c = this.options.turnCurriculum;
    if (!c) return this.options.maxTurns ?? 10;
    return Math.round(c.start + (c.end - c.start) * Math.min(1, iteration / c.over));
  }

  /** The tasks of round `round` of the current iteration: the next `n` of the cycle, or a learnability or novelty draw. */
  private nextTasks(n: number, round = 0): WebTask[] {
    const { tasks } = this.options;
    if (this.novelty) {
      if (!this.progress.novelty) markSeen(this.progress.novelty = {}, this.novelty.seen);
      const rng = new Rng(hashString(`${this.options.seed ?? 0}\u0001novelty\u0001${this.progress.iteration}\u0001${round}`));
      return drawNovel(tasks, this.progress.novelty, n, rng);
    }
    if (this.learnability) {
      const rng = new Rng(hashString(`${this.options.seed ?? 0}\u0001learnability\u0001${this.progress.iteration}\u0001${round}`));
      return drawLearnable(this.learnability.buckets, this.progress.learnability ??= {}, n, rng);
    }
    const out: WebTask[] = [];
    while (out.length < n) {
      const order = new Rng(hashString(`${this.options.seed ?? 0}\u0001tasks\u0001${this.progress.taskPass}`)).shuffle(tasks);
      out.push(order[this.progress.taskCursor]!);
      this.progress.taskCursor += 1;
      if (this.progress.taskCursor >= tasks.length) {
        this.progress.taskCursor = 0;
        this.progress.taskPass += 1;
      }
    }
    return out;
  }

  /** Runs the remaining iterations; resolves with every iteration's metrics. Stops between iterations on abort. */
  async train(options: { signal?: AbortSignal } = {}): Promise<IterationMetrics[]> {
    const all: IterationMetrics[] = [];
    const total = this.options.numIterations ?? 10;
    const ck = this.options.checkpoint;
    while (this.progress.iteration < total) {
      if (options.signal?.aborted) break;
      all.push(await this.iteration(options.signal));
      const done = this.progress.iteration;
      if (ck && (done % ck.every === 0 || done === total)) {
        await this.save(ck.dir);
        this.emit('checkpoint', { iteration: done, dir: ck.dir });
      }
    }
    return all;
  }

  /** One iteration: rollouts, advantages, `updatesPerIteration` optimizer steps. */
  async iteration(signal?: AbortSignal): Promise<IterationMetrics> {
    const o = this.options;
    const iteration = this.progress.iteration;
    const G = o.numGenerations ?? 4;
    const perRound = o.tasksPerIteration ?? 4;
    const maxRounds = o.dynamicSampling?.maxRounds ?? 1;
    const seed = o.seed ?? 0;
    const maxTurns = this.horizon(iteration);
    const rolloutStart = performance.now();
    const skips: Error[] = [];
    const trajectories: Trajectory[] = [];
    let rounds = 0;
    let withSignal = 0;
    if (this.learnability) discount(this.progress.learnability ??= {}, this.learnability.memory);
    do {
      // Groups are numbered over all rounds, so round 0's ids and seeds are those of a run without dynamic sampling.
      const first = rounds * perRound;
      const jobs = this.nextTasks(perRound, rounds).flatMap((task, j) => Array.from({ length: G }, (_, g) => ({
        task, groupId: `${iteration}:${first + j}:${task.id}`, seed: hashString(`${seed}\u0001${iteration}\u0001${first + j}\u0001${g}`),
      })));
      const round = await runRollouts(jobs, {
        agent: this.agent, makeEnvironment: o.makeEnvironment, concurrency: o.concurrency ?? jobs.length, maxTurns,
        ...(o.episodeTimeoutMs !== undefined ? { episodeTimeoutMs: o.episodeTimeoutMs } : {}),
        ...(o.score ? { score: o.score } : {}),
        ...(signal ? { signal } : {}),
        onTrajectory: (trajectory) => this.emit('episode-end', { iteration, trajectory }),
        // An episode lost to a browser that keeps crashing leaves its group one member short
        // (advantages use the members present) rather than ending the run.
        skipCrashed: true,
        onSkip: (job, error) => {
          skips.push(error);
          this.emit('episode-skipped', { iteration, taskId: job.task.id, groupId: job.groupId, error });
        },
      });
      trajectories.push(...round);
      if (this.learnability) {
        const buckets = new Map(jobs.map((j) => [j.groupId, taskBucket(j.task)]));
        recordGroups(this.progress.learnability!, round, (t) => buckets.get(t.groupId)!);
      }
      rounds += 1;
      // Groups whose rewards differ, by the buffer's own zero-variance test: the ones dropZeroStd
      // keeps under the group baseline (under baseline 'batch' every group is kept while the batch
      // has differing rewards, but this still counts groups, as dynamicSampling's rule says).
      const { metrics: m } = new RolloutBuffer(trajectories).advantages();
      withSignal = Math.round(m.groups * (1 - m.frac_reward_zero_std));
    } while (rounds < maxRounds && withSignal < perRound && !signal?.aborted);
    // Skipping is for an episode lost to an overloaded browser. When none is left, the browser or
    // a site server is gone: iterating on nothing would only spin, so the run stops here, before
    // the iteration counts (a checkpoint resumes at this iteration once the cause is fixed).
    const lastSkip = skips.at(-1);
    if (trajectories.length === 0 && lastSkip !== undefined) {
      throw new RolloutError(`MultiTurnGRPO: all ${skips.length} episodes of iteration ${iteration} were skipped after crashing on every re-run; is the browser or a site server gone? Last: ${lastSkip.message}`, { cause: lastSkip });
    }
    const rolloutSeconds = (performance.now() - rolloutStart) / 1000;

    const updateStart = performance.now();
    const buffer = new RolloutBuffer();
    buffer.add(...trajectories);
    const sampleOptions = { lossType: o.lossType ?? 'sequence', scaleRewards: o.scaleRewards ?? 'group', baseline: o.baseline ?? 'group', dropZeroStd: (o.dropZeroStd ?? false) || o.dynamicSampling !== undefined } as const;
    const { metrics } = buffer.advantages(sampleOptions);
    const negativeWeight = o.negativeAdvantageWeight ?? 1;
    const samples = buffer.samples(sampleOptions).map((x) => (x.advantage < 0 && negativeWeight !== 1 ? { ...x, advantage: x.advantage * negativeWeight } : x));
    // Loss, KL and clip ratio are the means over the steps; the clip ratio is 0 at the first.
    const step = { loss: 0, gradNorm: 0, kl: 0, clip: 0 };
    const updates = samples.length > 0 ? o.updatesPerIteration ?? 1 : 0;
    for (let u = 0; u < updates; u++) {
      const r = await this.update(samples);
      step.loss += r.loss / updates;
      step.gradNorm += r.gradNorm / updates;
      step.kl += r.kl / updates;
      step.clip += r.clip / updates;
    }
    this.progress.iteration += 1;

    const turns = trajectories.flatMap((t) => t.turns);
    let tokens = 0;
    let nll = 0;
    for (const turn of turns) {
      tokens += turn.logprobs.length;
      for (const lp of turn.logprobs) nll -= lp;
    }
    const result: IterationMetrics = {
      iteration,
      reward_mean: metrics.reward_mean,
      reward_std: metrics.reward_std,
      frac_reward_zero_std: metrics.frac_reward_zero_std,
      kl: step.kl,
      clip_ratio: step.clip,
      entropy: tokens > 0 ? nll / tokens : 0,
      loss: step.loss,
      grad_norm: step.gradNorm,
      turns_mean: turns.length / Math.max(1, trajectories.length),
      invalid_action_rate: turns.length > 0 ? turns.filter((t) => t.action.type === 'invalid').length / turns.length : 0,
      max_turns: maxTurns,
      episodes_skipped: skips.length,
      completion_tokens: tokens,
      sampling_rounds: rounds,
      groups_with_signal: withSignal,
      rollout_s: rolloutSeconds,
      update_s: (performance.now() - updateStart) / 1000,
    };
    this.emit('iteration-end', result);
    return result;
  }

  /** One optimizer step on the whole batch: gradients summed over minibatches (weights sum to 1 over the batch). */
  private async update(samples: TrainingSample[]): Promise<{ loss: number; gradNorm: number; kl: number; clip: number }> {
    const o = this.options;
    const { policy } = o;
    const temperature = o.temperature ?? 1;
    const beta = this.reference ? (o.beta ?? 0.001) : 0;
    const lossOptions = { epsilon: o.epsilon ?? 0.2, epsilonHigh: o.epsilonHigh ?? o.epsilon ?? 0.2, beta };
    const names = [...policy.parameters.keys()];
    const vars = names.map((n) => policy.parameters.get(n)!);
    const sum = new Map<string, tf.Tensor>();
    let loss = 0;
    let klSum = 0;
    let clipSum = 0;
    let weightSum = 0;
    try {
      for (const batch of packByTokens(samples, { maxTokens: o.batchTokens ?? 4096 })) {
        const ref = this.reference ? await scoreSequences(this.reference, batch, temperature) : undefined;
        const arrays = tokenArrays(batch, ref);
        const packed = packSequences(batch, policy.config.vocab_size);
        let kept: tf.Tensor1D | undefined;
        const { value, grads } = tf.variableGrads(() => {
          const logprobs = tokenLogprobs(policy, packed, temperature);
          kept = tf.keep(logprobs.clone());
          return grpoTokenLoss({ logprobs, ...arrays, ...lossOptions });
        }, vars);
        accumulate(sum, names, vars, grads);
        loss += (await value.data())[0]!;
        value.dispose();
        const newLogprobs = (await kept!.data()) as Float32Array;
        kept!.dispose();
        const stats = grpoTokenStats({ logprobs: newLogprobs, ...arrays, ...lossOptions });
        const w = arrays.weights.reduce((a, b) => a + b, 0);
        weightSum += w;
        clipSum += stats.clip_ratio * w;
        klSum += (stats.kl ?? 0) * w;
      }
      if (o.supervised) {
        const { samples: pool, coefficient, batchTokens } = o.supervised;
        const rng = new Rng(hashString(`${o.seed ?? 0}\u0001supervised\u0001${this.optimizer.step}`));
        const [batch] = packByTokens(pool, { maxTokens: batchTokens ?? 2048, rng });
        const packed = packSequences(batch!, policy.config.vocab_size);
        const { value, grads } = tf.variableGrads(() => tf.mul(nextTokenLoss(policy, packed), coefficient) as tf.Scalar, vars);
        accumulate(sum, names, vars, grads);
        loss += (await value.data())[0]!;
        value.dispose();
      }
      // The optimizer's own step count drives the warm-up, so a restored run continues it exactly.
      this.optimizer.learningRate = (o.learningRate ?? 1e-6) * warmupFactor(this.optimizer.step, o.warmupSteps);
      const norm = this.optimizer.apply(sum);
      const gradNorm = (await norm.data())[0]!;
      norm.dispose();
      return { loss, gradNorm, kl: weightSum > 0 ? klSum / weightSum : 0, clip: weightSum > 0 ? clipSum / weightSum : 0 };
    } finally {
      for (const g of sum.values()) g.dispose();
    }
  }

  /**
   * Writes everything needed to continue this run into `dir`: the policy as a Hugging Face
   * folder (`policy/`, with the tokenizer and its own manifest), the reference weights, the
   * optimizer moments (`optimizer.safetensors`) and `trainer.json` (iteration, task-sampler
   * position, optimizer step, seed), with a manifest (sha256) of them all. Crash-safe as
   * `saveCheckpoint`: the whole run is written into a new folder beside `dir` and switched to in
   * one rename, so a save killed at any point leaves the previous one to restore. Rollout seeds
   * derive from the seed and the iteration, so nothing else is needed to resume as if uninterrupted.
   */
  async save(dir: string): Promise<void> {
    const { policy, tokenizer } = this.options;
    // Everything is read out of the model before the first byte is written.
    const state = await this.optimizer.state();
    const reference = this.reference ? await this.reference.exportWeights() : undefined;
    const moments = new Map<string, { shape: readonly number[]; data: Float32Array }>();
    for (const [name, variable] of policy.parameters) {
      moments.set(`m/${name}`, { shape: variable.shape, data: state.m.get(name)! });
      moments.set(`v/${name}`, { shape: variable.shape, data: state.v.get(name)! });
    }
    const trainer = { format: CHECKPOINT_FORMAT, progress: this.progress, optimizerStep: state.step, seed: this.options.seed ?? 0, savedAt: new Date().toISOString() };
    const trainerJson = `${JSON.stringify(trainer, null, 2)}\n`;
    await commitCheckpointFolder(dir, async (writer) => {
      await writeCheckpointFiles(writer, 'policy', policy, { tokenizer: { json: tokenizer.json, config: tokenizer.config } });
      if (reference) await writer.safetensors('reference.safetensors', reference, { format: 'pt' });
      await writer.safetensors('optimizer.safetensors', moments);
      await writer.file('trainer.json', trainerJson);
    }, { what: 'MultiTurnGRPO checkpoint', replaceable: (name) => RUN_FILES.has(name) || /\.tmp-\d+-[0-9a-f]{8}$/.test(name) });
  }

  /**
   * Continues the run saved in `dir`: loads the policy's and the reference's weights, the
   * optimizer moments and the progress into this trainer (made with the same options). A run
   * saved with a manifest is checked against it first: a torn, missing or mixed file throws
   * CheckpointIntegrityError naming it, and nothing is loaded.
   */
  async restore(folder: string): Promise<void> {
    const dir = await resolveCheckpointFolder(folder);
    await verifyCheckpointFolder(dir, ['trainer.json', 'reference.safetensors', 'optimizer.safetensors', 'policy/model.safetensors', 'policy/config.json']);
    const trainerFile = path.join(dir, 'trainer.json');
    const text = await readFile(trainerFile, 'utf8').catch((cause: unknown) => {
      throw new OptionsError(`MultiTurnGRPO.restore: ${fileProblem(cause, trainerFile, 'file', 'the trainer.json of a folder written by save()')}`);
    });
    // The parser's own message quotes the file; the position is enough.
    const parsed = parseJsonText(text);
    if (!parsed.ok) throw new OptionsError(`MultiTurnGRPO.restore: ${trainerFile} is not valid JSON: ${parsed.problem}; pass a folder written by save()`);
    const trainer = (parsed.value ?? {}) as { format?: unknown; progress?: GrpoProgress; optimizerStep?: number; seed?: number };
    if (trainer.format !== CHECKPOINT_FORMAT || !trainer.progress || typeof trainer.optimizerStep !== 'number') {
      throw new OptionsError(`MultiTurnGRPO.restore: ${path.join(dir, 'trainer.json')} is not a ${CHECKPOINT_FORMAT} file`);
    }
    if ((trainer.seed ?? 0) !== (this.options.seed ?? 0)) {
      throw new OptionsError(`MultiTurnGRPO.restore: the checkpoint was made with seed ${trainer.seed}, this trainer has seed ${this.options.seed ?? 0}`);
    }
    // Everything is read and checked before anything is loaded into the trainer.
    const { policy } = this.options;
    const weights = await readSafetensors(path.join(dir, 'policy', 'model.safetensors'));
    const ref = this.reference
      ? await readSafetensors(path.join(dir, 'reference.safetensors')).catch((cause: unknown) => {
        throw new OptionsError(`MultiTurnGRPO.restore: ${dir} has no reference weights (saved with beta = 0?): ${(cause as Error).message}`);
      })
      : undefined;
    const { tensors } = await readSafetensors(path.join(dir, 'optimizer.safetensors'));
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const name of policy.parameters.keys()) {
      const mt = tensors.get(`m/${name}`);
      const vt = tensors.get(`v/${name}`);
      if (!mt || !vt) throw new OptionsError(`MultiTurnGRPO.restore: optimizer.safetensors lacks the moments of "${name}"`);
      m.set(name, mt.data);
      v.set(name, vt.data);
    }
    policy.importWeights(weights.tensors);
    if (this.reference && ref) this.reference.importWeights(ref.tensors);
    this.optimizer.loadState({ step: trainer.optimizerStep, m, v });
    Object.assign(this.progress, trainer.progress);
  }

  /** Frees the optimizer and the reference model (the policy stays the caller's). */
  dispose(): void {
    this.optimizer.dispose();
    this.reference?.dispose();
  }
}
