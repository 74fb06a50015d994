// BehaviorCloning: the warm-up stage of WebAgent-R1 (REFERENCE.md §1): supervised fine-tuning
// on expert turns, each encoded with the same AgentPrompt (history compression, grammar, target
// style, think format) the policy sees when it acts, with the loss on the assistant's tokens only
// (system, pages and earlier rounds are context). Validation loss and a periodic held-out
// evaluation hook; typed events; stops cleanly on an AbortSignal between steps.

import { EventEmitter } from 'eventemitter3';
import * as tf from '@tensorflow/tfjs';
import { packByTokens } from '../data/rollout-buffer.js';
import { Rng } from '../data/random.js';
import { withNameTarget } from '../env/targets.js';
import type { Action, Observation } from '../env/types.js';
import { OptionsError } from '../errors.js';
import type { AgentHistoryTurn, AgentPrompt, EncodedTurn } from '../policy/agent-prompt.js';
import { DataParallelTrainer } from '../policy/data-parallel.js';
import { AdamW, lossWeight, nextTokenLoss, packSequences, tokenLossWeight, warmupFactor, type AdamWOptions, type OptimizerStepResult, type ScoredSequence } from '../policy/training.js';
import { TransformerPolicy } from '../policy/transformer.js';
import { adamWOptions } from '../policy/training.js';
import { arrayOf, defineOptions, fn, instanceOf, integer, nonNegative, nonNegativeInt, num, obj, positiveInt } from '../options.js';
import { scoredSequenceSchema } from './rollout.js';

/** An expert episode: the task's intent and, per turn, what the expert saw, did and why. */
export interface ExpertDemonstration {
  readonly intent: string;
  readonly turns: readonly { readonly observation: Observation; readonly action: Action; readonly thought?: string }[];
}

/** An expert turn's reply in the policy's own format (id targets rewritten as names when the prompt uses names). */
export function demonstrationReply(prompt: AgentPrompt, turn: ExpertDemonstration['turns'][number]): string {
  const action = prompt.targets === 'name' ? withNameTarget(turn.action, turn.observation.nodes) : turn.action;
  return prompt.formatReply(action, turn.thought);
}

/**
 * The training samples of a demonstration: one per turn, with the exact prompt the policy
 * would see at that turn (earlier replies in the policy's own format, earlier pages compressed).
 * With role + name targets, the expert's id targets are rewritten as the names on its page.
 */
export function demonstrationSamples(prompt: AgentPrompt, demo: ExpertDemonstration): EncodedTurn[] {
  const history: AgentHistoryTurn[] = [];
  const out: EncodedTurn[] = [];
  for (const turn of demo.turns) {
    const reply = demonstrationReply(prompt, turn);
    out.push(prompt.encode({ intent: demo.intent, history, observation: turn.observation }, reply));
    history.push({ observation: turn.observation, reply });
  }
  return out;
}

export interface BehaviorCloningOptions {
  readonly policy: TransformerPolicy;
  /** Training sequences with loss masks (for example from `demonstrationSamples`). */
  readonly train: readonly ScoredSequence[];
  /**
   * Loss weight of the context (prompt) tokens of `train`, next to 1 on the trained tokens, as
   * OpenAI's fine-tuning `prompt_loss_weight`. Default 0: the loss is on the assistant tokens
   * only. A small weight (0.1) also trains the model to predict the prompt: in web-agent
   * prompts the task's names recur (task line, URL, title, links, earlier replies), so this is
   * extra practice at the copying a reply needs. The reported train loss is then the weighted
   * mean; the validation loss stays on the assistant tokens.
   */
  readonly promptLossWeight?: number;
  readonly validation?: readonly ScoredSequence[];
  /** Passes over `train`. Default 1. */
  readonly epochs?: number;
  /** Stop after this many steps (default: when the epochs are done). */
  readonly maxSteps?: number;
  /** Padded tokens per optimizer step (count × longest sequence). Default 4096. */
  readonly batchTokens?: number;
  /** AdamW settings. Default learning rate 1e-3, weight decay 0.01, max grad norm 1. */
  readonly optimizer?: AdamWOptions;
  /**
   * Steps of linear learning-rate warm-up to `optimizer.learningRate` (step k, from 0, of the
   * first `warmupSteps` uses (k + 1) / warmupSteps of it, as `warmupFactor`). Default 0: the full
   * rate from the first step.
   */
  readonly warmupSteps?: number;
  /**
   * A multiplier on the learning rate, asked before each step with the step's index (from 0)
   * and the seconds since training started; applied on top of the warm-up. For example a decay
   * over the last quarter of a wall-clock budget of T seconds:
   * `({ seconds }) => Math.min(1, Math.max(0, (T - seconds) / (0.25 * T)))`, which
   * `linearDecaySchedule({ fraction: 0.25, seconds: T })` makes.
   * Default: 1 throughout. A value that is not a finite number >= 0 stops training with an
   * OptionsError.
   */
  readonly learningRateSchedule?: (at: { readonly step: number; readonly seconds: number }) => number;
  /** Seed of the sample order. Default 0. */
  readonly seed?: number;
  /** Steps between validation losses (default: at the end of each epoch only). */
  readonly validateEvery?: number;
  /** A held-out evaluation run every `every` steps and at the end (for example success on a test split). */
  readonly evaluate?: { readonly every: number; readonly run: (step: number) => Promise<Record<string, number>> };
  /** Data-parallel replicas in worker threads (both cores on wasm). Default 1: train in this thread. */
  readonly workers?: number;
}

/** The schema of BehaviorCloningOptions: checked by the constructor, before any step. */
export const behaviorCloningOptions = defineOptions<BehaviorCloningOptions>()('BehaviorCloning', obj({
  policy: instanceOf<TransformerPolicy>(TransformerPolicy, 'a TransformerPolicy (trained in place)'),
  train: arrayOf(scoredSequenceSchema, 'a non-empty array of sequences (ids with a loss mask or completionStart)', { nonEmpty: true }),
  promptLossWeight: nonNegative('a finite number >= 0').optional(),
  validation: arrayOf(scoredSequenceSchema, 'an array of sequences (ids with a loss mask or completionStart)').optional(),
  epochs: positiveInt('a positive integer').optional(),
  maxSteps: positiveInt('a positive integer').optional(),
  batchTokens: positiveInt('a positive integer (padded tokens per step)').optional(),
  optimizer: adamWOptions.schema.optional(),
  warmupSteps: nonNegativeInt('an integer >= 0').optional(),
  learningRateSchedule: fn<NonNullable<BehaviorCloningOptions['learningRateSchedule']>>('a function ({ step, seconds }) => multiplier').optional(),
  seed: integer('an integer').optional(),
  validateEvery: positiveInt('a positive integer (steps)').optional(),
  evaluate: obj({
    every: positiveInt('a positive integer (steps)'),
    run: fn<NonNullable<BehaviorCloningOptions['evaluate']>['run']>('a function (step) => Promise<metrics>'),
  }, 'an object { every, run }').optional(),
  workers: num({ int: true, min: 1, max: 64 }).optional(),
}));

export interface BehaviorCloningEvents {
  step: (e: { step: number; epoch: number; loss: number; gradNorm: number; learningRate: number; tokens: number; seconds: number }) => void;
  validation: (e: { step: number; loss: number }) => void;
  evaluation: (e: { step: number; metrics: Record<string, number> }) => void;
}

export interface BehaviorCloningResult {
  readonly steps: number;
  /** Mean training loss of the last epoch's steps. */
  readonly trainLoss: number;
  readonly validationLoss?: number;
  /** Supervised (assistant) tokens trained on. */
  readonly tokens: number;
  readonly seconds: number;
  /** True when the signal stopped training early. */
  readonly aborted: boolean;
}

/** `s` with `weight` on its context tokens (1 stays on the trained ones), and its trained-token count. */
function withPromptWeight(s: ScoredSequence, weight: number): ScoredSequence & { readonly supervised: number } {
  const supervised = scoredTokens(s);
  if (weight === 0) return { ...s, supervised };
  const lossMask = new Float32Array(s.ids.length);
  for (let i = 1; i < lossMask.length; i++) {
    const own = tokenLossWeight(s, i);
    lossMask[i] = own !== 0 ? own : weight;
  }
  return { ids: s.ids, lossMask, supervised };
}

/** Trained tokens of `s` (token 0 is never scored). */
function scoredTokens(s: ScoredSequence): number {
  let n = 0;
  for (let i = 1; i < s.ids.length; i++) n += tokenLossWeight(s, i) !== 0 ? 1 : 0;
  return n;
}

/**
 * A `learningRateSchedule` for a budget: the full rate, then a linear fall to 0 over the last
 * `fraction` of it. The budget is `seconds` of wall time, `steps` optimizer steps, or both
 * (whichever runs out first decides). `fraction` 0 keeps the full rate throughout.
 */
export function linearDecaySchedule(options: { readonly fraction: number; readonly seconds?: number; readonly steps?: number }): NonNullable<BehaviorCloningOptions['learningRateSchedule']> {
  const { fraction, seconds, steps } = options;
  if (!(fraction >= 0 && fraction <= 1)) throw new OptionsError(`linearDecaySchedule: fraction must be from 0 to 1, got ${String(fraction)}`);
  for (const [name, v] of [['seconds', seconds], ['steps', steps]] as const) {
    if (v !== undefined && !(v > 0 && Number.isFinite(v))) throw new OptionsError(`linearDecaySchedule: ${name} must be a number > 0, got ${String(v)}`);
  }
  if (seconds === undefined && steps === undefined) throw new OptionsError('linearDecaySchedule: give the budget as seconds, steps or both');
  const tail = (left: number, whole: number): number => (fraction === 0 ? 1 : Math.min(1, Math.max(0, left / (fraction * whole))));
  return (at) => Math.min(seconds !== undefined ? tail(seconds - at.seconds, seconds) : 1, steps !== undefined ? tail(steps - at.step, steps) : 1);
}

export class BehaviorCloning extends EventEmitter<BehaviorCloningEvents> {
  readonly options: BehaviorCloningOptions;

  constructor(options: BehaviorCloningOptions) {
    super();
    behaviorCloningOptions.check(options);
    const limit = options.policy.config.max_position_embeddings;
    for (const [set, list] of [['train', options.train], ['validation', options.validation ?? []]] as const) {
      list.forEach((s, i) => {
        if (s.ids.length > limit) throw new OptionsError(`BehaviorCloning: ${set}[${i}] has ${s.ids.length} tokens, more than the model's max_position_embeddings (${limit}); set the AgentPrompt's maxPromptTokens`);
        if (scoredTokens(s) === 0) throw new OptionsError(`BehaviorCloning: ${set}[${i}] has no trained tokens (its loss mask is all 0)`);
      });
    }
    this.options = options;
  }

  /** Mean next-token loss over every supervised token of `sequences` under the current weights. */
  async loss(sequences: readonly ScoredSequence[], batchTokens = this.options.batchTokens ?? 4096): Promise<number> {
    let sum = 0;
    let count = 0;
    for (const batch of packByTokens(sequences, { maxTokens: batchTokens })) {
      const packed = packSequences(batch, this.options.policy.config.vocab_size);
      const l = tf.tidy(() => nextTokenLoss(this.options.policy, packed));
      const weight = lossWeight(packed);
      sum += (await l.data())[0]! * weight;
      count += weight;
      l.dispose();
    }
    return sum / count;
  }

  async train(options: { signal?: AbortSignal } = {}): Promise<BehaviorCloningResult> {
    const o = this.options;
    const { policy } = o;
    const started = performance.now();
    const rng = new Rng(o.seed ?? 0);
    const epochs = o.epochs ?? 1;
    const workers = o.workers ?? 1;
    const adamw = { learningRate: 1e-3, weightDecay: 0.01, maxGradNorm: 1, ...o.optimizer };
    const parallel = workers > 1 ? await DataParallelTrainer.create(policy, { workers, adamw }) : undefined;
    const optimizer = parallel ? undefined : new AdamW(policy.parameters, adamw);
    const train = o.train.map((s) => withPromptWeight(s, o.promptLossWeight ?? 0));
    let step = 0;
    let tokens = 0;
    let epochLoss = 0;
    let epochTokens = 0;
    let validationLoss: number | undefined;
    let aborted = false;
    const sync = async (): Promise<void> => {
      if (parallel) await parallel.syncTo(policy);
    };
    const validate = async (): Promise<void> => {
      if (!o.validation?.length) return;
      await sync();
      validationLoss = await this.loss(o.validation);
      this.emit('validation', { step, loss: validationLoss });
    };
    const evaluate = async (): Promise<void> => {
      if (!o.evaluate) return;
      await sync();
      this.emit('evaluation', { step, metrics: await o.evaluate.run(step) });
    };
    try {
      outer: for (let epoch = 0; epoch < epochs; epoch++) {
        epochLoss = 0;
        epochTokens = 0;
        for (const batch of packByTokens(train, { maxTokens: o.batchTokens ?? 4096, rng })) {
          if (options.signal?.aborted) {
            aborted = true;
            break outer;
          }
          const n = batch.reduce((a, s) => a + s.supervised, 0);
          const factor = o.learningRateSchedule ? o.learningRateSchedule({ step, seconds: (performance.now() - started) / 1000 }) : 1;
          if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 0) {
            throw new OptionsError(`BehaviorCloning: learningRateSchedule returned ${String(factor)} at step ${step}; it must return a finite number >= 0`);
          }
          const learningRate = adamw.learningRate * warmupFactor(step, o.warmupSteps) * factor;
          let result: OptimizerStepResult;
          if (parallel) {
            parallel.learningRate = learningRate;
            result = await parallel.step(batch);
          } else {
            optimizer!.learningRate = learningRate;
            const packed = packSequences(batch, policy.config.vocab_size);
            result = await optimizer!.minimize(() => nextTokenLoss(policy, packed));
          }
          step += 1;
          tokens += n;
          epochLoss += result.loss * n;
          epochTokens += n;
          this.emit('step', { step, epoch, loss: result.loss, gradNorm: result.gradNorm, learningRate, tokens, seconds: (performance.now() - started) / 1000 });
          if (o.validateEvery && step % o.validateEvery === 0) await validate();
          if (o.evaluate && step % o.evaluate.every === 0) await evaluate();
          if (o.maxSteps && step >= o.maxSteps) break outer;
        }
        if (!o.validateEvery) await validate();
      }
      if (o.validateEvery && step % o.validateEvery !== 0) await validate();
      if (o.evaluate && step % o.evaluate.every !== 0 && !aborted) await evaluate();
      await sync();
    } catch (error) {
      // User code in the loop (the schedule, a step listener) threw: keep the steps done so far
      // in the policy (replicas hold them until synced) unless the replicas themselves failed.
      await sync().catch(() => undefined);
      throw error;
    } finally {
      optimizer?.dispose();
      await parallel?.close();
    }
    return {
      steps: step,
      trainLoss: epochTokens > 0 ? epochLoss / epochTokens : NaN,
      ...(validationLoss !== undefined ? { validationLoss } : {}),
      tokens,
      seconds: (performance.now() - started) / 1000,
      aborted,
    };
  }
}
