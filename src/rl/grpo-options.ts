// MultiTurnGRPO's options: what users pass (`MultiTurnGRPOOptions`), the frozen defaults they are
// resolved against once at construction (`MULTI_TURN_GRPO_DEFAULTS`), and the schema that checks
// them before any weight is copied or episode run. Names follow TRL's GRPOConfig where it has one.

import type { Agent } from '../agent/agent.js';
import { AgentPrompt, tokenizerSchema } from '../agent/agent-prompt.js';
import type { HfTokenizer } from '../model/tokenizer.js';
import { TransformerLM } from '../model/transformer.js';
import type { Environment } from '../env/types.js';
import type { WebTask } from '../tasks/types.js';
import { arrayOf, bool, custom, defineOptions, fn, instanceOf, integer, MAX_TIMER_MS, nonNegative, nonNegativeInt, num, obj, oneOf, positive, positiveInt, rule, str, z, type OptionsSchema } from '../options.js';
import { agentSchema, scoredSequenceSchema, webTaskSchema } from './rollout.js';
import type { LossTerm } from './loss-terms.js';
import type { TaskSampler } from './task-sampler.js';
import type { ScoredSequence } from '../model/training.js';

export interface MultiTurnGRPOOptions {
  /** The model trained in place. */
  readonly policy: TransformerLM;
  readonly tokenizer: HfTokenizer;
  /** The prompt the policy acts with (its template is also the default agent's chat template). */
  readonly prompt: AgentPrompt;
  /** Training tasks. */
  readonly tasks: readonly WebTask[];
  /** One environment per concurrent episode (a WebEnvironment over a shared BrowserPool, ...). */
  readonly makeEnvironment: () => Environment | Promise<Environment>;
  /**
   * The agent that acts in the rollouts: a LocalChatPolicy over `policy` with `prompt`, and its
   * decoding settings (temperature, reply length, `constrainAction`, the action set). Its
   * sampling temperature is also the one the update scores new logprobs at.
   * @defaultValue an Agent over `policy`, `tokenizer` and `prompt` sampling at `temperature` up to `maxNewTokens` tokens
   */
  readonly agent?: Agent;
  /** Sampling temperature of the default agent (not with `agent`). @defaultValue 1 */
  readonly temperature?: number;
  /** Most tokens per reply of the default agent (not with `agent`). @defaultValue 128 */
  readonly maxNewTokens?: number;
  /** Rollouts per task: the GRPO group size G (TRL's `num_generations`). @defaultValue 4 (the paper's code) */
  readonly numGenerations?: number;
  /** Tasks (groups) per iteration. @defaultValue 4 */
  readonly tasksPerIteration?: number;
  /** Iterations: each is rollouts, then `updatesPerIteration` optimizer steps. @defaultValue 10 */
  readonly numIterations?: number;
  /**
   * Optimizer steps on each iteration's rollouts: GRPO's μ (TRL's `num_iterations`). Later steps
   * are off-policy by the earlier ones; the clipped ratio against the behaviour logprobs bounds
   * how far they move. Rollouts cost far more than an update, so μ > 1 learns more per rollout.
   * @defaultValue 1 (the paper's code)
   */
  readonly updatesPerIteration?: number;
  /** Turn limit of an episode (a task's own limit wins). @defaultValue 10 */
  readonly maxTurns?: number;
  /** A horizon that grows during training: `start` turns at iteration 0, `end` from `over` iterations on. @defaultValue none (`maxTurns` throughout) */
  readonly turnCurriculum?: { readonly start: number; readonly end: number; readonly over: number };
  /** Episodes run at once. @defaultValue numGenerations × tasksPerIteration */
  readonly concurrency?: number;
  /** Lower clip range: the ratio is clipped below at 1 - epsilon (PPO). @defaultValue 0.2 */
  readonly epsilon?: number;
  /** Upper clip range: clipped above at 1 + epsilonHigh (DAPO's clip-higher recommends 0.28). @defaultValue epsilon */
  readonly epsilonHigh?: number;
  /** KL coefficient to the frozen reference (k3 estimator); 0 skips the reference. @defaultValue 0.001 (the paper's code) */
  readonly beta?: number;
  /** `sequence` (each turn's tokens averaged, the paper) or `token` (all tokens of the batch averaged, the released code). @defaultValue 'sequence' */
  readonly lossType?: 'sequence' | 'token';
  /** Divide advantages by the group's std (`group`, GRPO), the batch's (`batch`) or not (`none`, Dr. GRPO). @defaultValue 'group' */
  readonly scaleRewards?: 'group' | 'batch' | 'none';
  /** Leave out groups whose rewards are all equal (they carry no gradient). @defaultValue false */
  readonly dropZeroStd?: boolean;
  /**
   * A supervised anchor in every update (InstructGPT's PPO-ptx, OpenRLHF's `ptx_coef`): the loss
   * adds `coefficient` × the mean negative log-likelihood of a minibatch of `samples` (the BC
   * samples, say), at most `batchTokens` padded tokens (default 2048), drawn afresh each step
   * from the seed and the step. Shorthand for `lossTerms: [supervisedAnchor(...)]`.
   * @defaultValue none (the paper has no such term)
   */
  readonly supervised?: { readonly samples: readonly ScoredSequence[]; readonly coefficient: number; readonly batchTokens?: number };
  /** More terms added to every update's loss (after the supervised anchor). @defaultValue [] */
  readonly lossTerms?: readonly LossTerm[];
  /**
   * DAPO's dynamic sampling: while fewer than `tasksPerIteration` groups of the iteration have
   * differing rewards, draw `tasksPerIteration` more tasks and roll them out too, up to
   * `maxRounds` rounds; the update then uses only the groups with differing rewards.
   * @defaultValue none (one round, the paper's code)
   */
  readonly dynamicSampling?: { readonly maxRounds: number };
  /**
   * How each round's tasks are drawn: `shuffledCycle()`, `learnabilitySampling({ memory })`
   * (templates by how often their groups had differing rewards), `noveltySampling({ seen })`
   * (first the tasks naming what the demonstrations did not), or a `TaskSampler` of your own.
   * A sampler keeps its state in the run's `progress`, so a checkpoint resumes its draws.
   * @defaultValue shuffledCycle()
   */
  readonly taskSampler?: TaskSampler;
  /** AdamW learning rate; small models from scratch need far more (1e-4 .. 1e-3). @defaultValue 1e-6 (the paper's code) */
  readonly learningRate?: number;
  /** Optimizer steps of linear learning-rate warm-up (step k of the first n uses (k + 1) / n of the rate; TRL's `warmup_steps`). @defaultValue 0 */
  readonly warmupSteps?: number;
  /** Decoupled weight decay. @defaultValue 0 */
  readonly weightDecay?: number;
  /** Global-norm gradient clip; 0 is off. @defaultValue 1 (the paper's code uses 0.01) */
  readonly maxGradNorm?: number;
  /** Adam's betas. @defaultValue [0.9, 0.99] (the paper's code) */
  readonly betas?: readonly [number, number];
  /** Padded tokens per minibatch of the update (gradients are accumulated over minibatches). @defaultValue 4096 */
  readonly batchTokens?: number;
  /** Seed of task order, rollout sampling and anchor minibatches. @defaultValue 0 */
  readonly seed?: number;
  /** Wall-time limit of one episode, in ms. @defaultValue 120000 */
  readonly episodeTimeoutMs?: number;
  /** Save the run (see `save`) into `dir` every `every` iterations and after the last. @defaultValue none */
  readonly checkpoint?: { readonly dir: string; readonly every: number };
}

/** The defaults of every optional setting with one, resolved once at construction. */
export const MULTI_TURN_GRPO_DEFAULTS = Object.freeze({
  temperature: 1,
  maxNewTokens: 128,
  numGenerations: 4,
  tasksPerIteration: 4,
  numIterations: 10,
  updatesPerIteration: 1,
  maxTurns: 10,
  epsilon: 0.2,
  beta: 0.001,
  lossType: 'sequence',
  scaleRewards: 'group',
  dropZeroStd: false,
  learningRate: 1e-6,
  warmupSteps: 0,
  weightDecay: 0,
  maxGradNorm: 1,
  betas: Object.freeze([0.9, 0.99]) as readonly [number, number],
  batchTokens: 4096,
  seed: 0,
  episodeTimeoutMs: 120_000,
  /** Adam's epsilon (not an option: no committed result used another). */
  adamEpsilon: 1e-8,
  /** The supervised anchor's minibatch, in padded tokens. */
  supervisedBatchTokens: 2048,
} as const);

/** Options with every default applied: what the trainer reads. */
export type ResolvedGRPOSettings = Omit<MultiTurnGRPOOptions, keyof typeof MULTI_TURN_GRPO_DEFAULTS | 'epsilonHigh' | 'concurrency' | 'lossTerms' | 'taskSampler'> & {
  readonly [K in Exclude<keyof typeof MULTI_TURN_GRPO_DEFAULTS, 'adamEpsilon' | 'supervisedBatchTokens'>]-?: NonNullable<MultiTurnGRPOOptions[K]>;
} & { readonly epsilonHigh: number; readonly concurrency: number };

/** `options` with the defaults applied (the epsilonHigh and concurrency defaults derive from other settings). */
export function resolveGRPOOptions(options: MultiTurnGRPOOptions): ResolvedGRPOSettings {
  const { numGenerations, tasksPerIteration, numIterations, updatesPerIteration, maxTurns, temperature, maxNewTokens, epsilon, beta, lossType, scaleRewards, dropZeroStd, learningRate, warmupSteps, weightDecay, maxGradNorm, betas, batchTokens, seed, episodeTimeoutMs } = MULTI_TURN_GRPO_DEFAULTS;
  const defaults = { numGenerations, tasksPerIteration, numIterations, updatesPerIteration, maxTurns, temperature, maxNewTokens, epsilon, beta, lossType, scaleRewards, dropZeroStd, learningRate, warmupSteps, weightDecay, maxGradNorm, betas, batchTokens, seed, episodeTimeoutMs };
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as MultiTurnGRPOOptions;
  const merged = { ...defaults, ...given };
  return Object.freeze({
    ...merged,
    epsilonHigh: options.epsilonHigh ?? merged.epsilon,
    concurrency: options.concurrency ?? merged.numGenerations * merged.tasksPerIteration,
  }) as ResolvedGRPOSettings;
}

const adamBeta = num({ min: 0, lt: 1 }, 'a number in [0, 1)');

/** The schema of MultiTurnGRPOOptions: checked by the constructor, before any weight is copied or episode run. */
export const multiTurnGRPOOptions: OptionsSchema<MultiTurnGRPOOptions> = defineOptions<MultiTurnGRPOOptions>()('MultiTurnGRPO', obj({
  policy: instanceOf<TransformerLM>(TransformerLM, 'a TransformerLM (trained in place)'),
  tokenizer: tokenizerSchema,
  prompt: instanceOf<AgentPrompt>(AgentPrompt, 'an AgentPrompt (with its tokenizer)'),
  tasks: arrayOf(webTaskSchema, 'a non-empty array of WebTasks', { nonEmpty: true }),
  makeEnvironment: fn<MultiTurnGRPOOptions['makeEnvironment']>('a function returning an Environment (or a promise of one)'),
  agent: agentSchema.optional(),
  temperature: num({ min: 0 }, 'a finite number >= 0 (0 = greedy)').optional(),
  maxNewTokens: positiveInt('a positive integer').optional(),
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
  concurrency: positiveInt('a positive integer').optional(),
  epsilon: num({ gt: 0, lt: 1 }, 'a number in (0, 1) (the ratio is clipped below at 1 - epsilon)').optional(),
  epsilonHigh: positive('a finite number > 0 (the ratio is clipped above at 1 + epsilonHigh)').optional(),
  beta: nonNegative('a finite number >= 0 (0 = no reference)').optional(),
  lossType: oneOf(['sequence', 'token']).optional(),
  scaleRewards: oneOf(['group', 'batch', 'none']).optional(),
  dropZeroStd: bool().optional(),
  supervised: obj({
    samples: arrayOf(scoredSequenceSchema, 'a non-empty array of sequences (ids with a loss mask or completionStart)', { nonEmpty: true }),
    coefficient: positive('a finite number > 0'),
    batchTokens: positiveInt('a positive integer').optional(),
  }, 'an object { samples, coefficient, batchTokens? }').optional(),
  lossTerms: arrayOf(custom<LossTerm>((t) => typeof (t as Partial<LossTerm> | null)?.loss === 'function', 'a LossTerm ({ name, loss(context) })'), 'an array of LossTerms').optional(),
  dynamicSampling: obj({ maxRounds: positiveInt('a positive integer') }, 'an object { maxRounds }').optional(),
  taskSampler: custom<TaskSampler>((t) => typeof (t as Partial<TaskSampler> | null)?.draw === 'function', 'a TaskSampler (shuffledCycle(), learnabilitySampling(), noveltySampling() or your own { name, draw })').optional(),
  learningRate: positive('a finite number > 0').optional(),
  warmupSteps: nonNegativeInt('an integer >= 0').optional(),
  weightDecay: nonNegative('a finite number >= 0').optional(),
  maxGradNorm: nonNegative('a finite number >= 0 (0 = off)').optional(),
  betas: z.tuple([adamBeta, adamBeta], { error: 'a pair [beta1, beta2] of numbers in [0, 1)' }).optional(),
  batchTokens: positiveInt('a positive integer').optional(),
  seed: integer('an integer').optional(),
  episodeTimeoutMs: num({ gt: 0, max: MAX_TIMER_MS }, `a number of milliseconds > 0 (at most ${MAX_TIMER_MS})`).optional(),
  checkpoint: obj({
    dir: str('a string (a folder path)', { nonEmpty: true }),
    every: positiveInt('a positive integer (iterations)'),
  }, 'an object { dir, every }').optional(),
}).superRefine((o, ctx) => {
  for (const key of ['temperature', 'maxNewTokens'] as const) {
    if (o.agent !== undefined && o[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: rule(`configures the default agent; with \`agent\` given, set it in the agent's sampling options instead`) });
  }
}));
