// BehaviorCloning: the warm-up stage of WebAgent-R1 (arXiv 2505.16421): supervised fine-tuning
// on expert turns, each encoded with the same AgentPrompt (history compression, grammar, target
// style, think format) the policy sees when it acts, with the loss on the assistant's tokens only
// (system, pages and earlier rounds are context). Validation loss and a periodic held-out
// evaluation hook; typed events; stops cleanly on an AbortSignal between steps. `save` and
// `restore` (and the `checkpoint` option) continue a run exactly where it stopped: weights, AdamW
// moments and the position in the seeded sample order.
//
// Over 300 lines because `train`, `save` and `restore` share the run's private state (position in
// the seeded sample order, AdamW moments, the failed-step flag, the digest of `train`): a save
// records exactly what `train` needs to continue, and `restore` checks each of those before it
// loads anything.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EventEmitter } from 'eventemitter3';
import * as tf from '@tensorflow/tfjs';
import type { Demonstration, DemonstrationTurn } from '../data/demonstration.js';
import { fileProblem } from '../data/load-errors.js';
import { parseJsonText } from '../data/json-text.js';
import { packByTokens } from '../data/rollout-buffer.js';
import { Rng } from '../data/random.js';
import { withNameTarget } from '../env/targets.js';
import { OptionsError } from '../errors.js';
import { tokenizerSchema, type AgentHistoryTurn, type AgentPrompt, type EncodedTurn } from '../agent/agent-prompt.js';
import { commitCheckpointFolder, resolveCheckpointFolder, verifyCheckpointFolder, writeCheckpointFiles } from '../model/checkpoint-folder.js';
import { DataParallelTrainer } from '../model/data-parallel.js';
import { readSafetensors } from '../model/safetensors.js';
import type { HfTokenizer } from '../model/tokenizer.js';
import { lossWeight, nextTokenLoss, packSequences, tokenLossWeight, type ScoredSequence } from '../model/training.js';
import { AdamW, adamWOptions, warmupFactor, type AdamWOptions, type AdamWState, type OptimizerStepResult } from '../model/adamw.js';
import { TRANSFORMER_CONFIG_DEFAULTS, type TransformerConfig } from '../model/config.js';
import { TransformerLM } from '../model/transformer.js';
import { arrayOf, defineOptions, fn, instanceOf, integer, nonNegative, nonNegativeInt, num, obj, positiveInt, str } from '../options.js';
import { scoredSequenceSchema } from './rollout.js';
import { CHECKPOINT_FORMAT, jsonNumber, OPTIMIZER_FILE, readProgress, RESTORE_HINT, RUN_FILES, sequencesDigest, TRAINER_FILE, type BcProgress } from './behavior-cloning-run.js';

/** An expert turn's reply in the policy's own format (id targets rewritten as names when the prompt uses names). */
export function demonstrationReply(prompt: AgentPrompt, turn: DemonstrationTurn): string {
  const action = prompt.targets === 'name' ? withNameTarget(turn.action, turn.observation.nodes) : turn.action;
  return prompt.formatReply(action, turn.thought);
}

/**
 * The training samples of a demonstration: one per turn, with the exact prompt the policy
 * would see at that turn (earlier replies in the policy's own format, earlier pages compressed).
 * With role + name targets, the expert's id targets are rewritten as the names on its page.
 */
export function demonstrationSamples(prompt: AgentPrompt, demo: Pick<Demonstration, 'intent' | 'turns'>): EncodedTurn[] {
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
  /** Trained in place. */
  readonly policy: TransformerLM;
  /** Training sequences with loss masks (for example from `demonstrationSamples`). */
  readonly train: readonly ScoredSequence[];
  /**
   * Loss weight of the context (prompt) tokens of `train`, next to 1 on the trained tokens, as
   * OpenAI's fine-tuning `prompt_loss_weight`. At 0 the loss is on the assistant tokens
   * only. A small weight (0.1) also trains the model to predict the prompt: in web-agent
   * prompts the task's names recur (task line, URL, title, links, earlier replies), so this is
   * extra practice at the copying a reply needs. The reported train loss is then the weighted
   * mean; the validation loss stays on the assistant tokens.
   * @defaultValue 0
   */
  readonly promptLossWeight?: number;
  /** Held-out sequences whose loss (on the assistant tokens) is reported. @defaultValue none (no validation loss) */
  readonly validation?: readonly ScoredSequence[];
  /** Passes over `train`. @defaultValue 1 */
  readonly epochs?: number;
  /** Stop after this many steps (counted over the whole run, a restored checkpoint's steps included). @defaultValue none: when the epochs are done */
  readonly maxSteps?: number;
  /** Padded tokens per optimizer step (count × longest sequence). @defaultValue 4096 */
  readonly batchTokens?: number;
  /**
   * AdamW settings; each one left out takes its default.
   * @defaultValue `{ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, maxGradNorm: 1 }`
   */
  readonly optimizer?: AdamWOptions;
  /**
   * Steps of linear learning-rate warm-up to `optimizer.learningRate` (step k, from 0, of the
   * first `warmupSteps` uses (k + 1) / warmupSteps of it, as `warmupFactor`). At 0 the full
   * rate applies from the first step.
   * @defaultValue 0
   */
  readonly warmupSteps?: number;
  /**
   * A multiplier on the learning rate, asked before each step with the step's index (from 0)
   * and the seconds of training so far; applied on top of the warm-up. For example a decay
   * over the last quarter of a wall-clock budget of T seconds:
   * `({ seconds }) => Math.min(1, Math.max(0, (T - seconds) / (0.25 * T)))`, which
   * `linearDecaySchedule({ fraction: 0.25, seconds: T })` makes.
   * A value that is not a finite number >= 0 stops training with an OptionsError.
   * The seconds of a restored run continue from the seconds it had trained when saved (time
   * between save and restore does not count), but no two runs take the same seconds: only a
   * schedule of `step` alone resumes exactly.
   * @defaultValue 1 throughout
   */
  readonly learningRateSchedule?: (at: { readonly step: number; readonly seconds: number }) => number;
  /** Seed of the sample order. @defaultValue 0 */
  readonly seed?: number;
  /** Steps between validation losses. @defaultValue none: at the end of each epoch only */
  readonly validateEvery?: number;
  /** A held-out evaluation run every `every` steps and at the end (for example success on a test split). @defaultValue none */
  readonly evaluate?: { readonly every: number; readonly run: (step: number) => Promise<Record<string, number>> };
  /** Data-parallel replicas in worker threads (both cores on wasm); 1 trains in this thread. @defaultValue 1 */
  readonly workers?: number;
  /** Written beside the weights in a checkpoint's `policy/` folder, which then loads as a Hugging Face model with its tokenizer. @defaultValue none (weights and config only) */
  readonly tokenizer?: HfTokenizer;
  /**
   * Save the run (see `save`) into `dir` every `every` steps and when `train()` returns (also
   * when stopped by its signal), each save crash-safe, so a killed run resumes from the last.
   * @defaultValue none
   */
  readonly checkpoint?: { readonly dir: string; readonly every: number };
}

/** BehaviorCloning's defaults (`BEHAVIOR_CLONING_DEFAULTS`): every optional setting that has a value when left out. */
export interface BehaviorCloningDefaults {
  readonly promptLossWeight: number;
  readonly epochs: number;
  readonly batchTokens: number;
  readonly optimizer: Readonly<Required<AdamWOptions>>;
  readonly warmupSteps: number;
  readonly seed: number;
  readonly workers: number;
}

/** The defaults of BehaviorCloning's options, resolved once by the constructor. */
export const BEHAVIOR_CLONING_DEFAULTS: BehaviorCloningDefaults = Object.freeze({
  promptLossWeight: 0,
  epochs: 1,
  batchTokens: 4096,
  optimizer: Object.freeze({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, maxGradNorm: 1 }),
  warmupSteps: 0,
  seed: 0,
  workers: 1,
});

/** The options with the defaults applied: what the trainer reads. */
type ResolvedBehaviorCloning = BehaviorCloningDefaults & { readonly maxSteps: number | undefined; readonly validateEvery: number | undefined };

/** `options` with `BEHAVIOR_CLONING_DEFAULTS` applied (an option given as undefined takes its default). */
function resolveOptions(o: BehaviorCloningOptions): ResolvedBehaviorCloning {
  const given = <T extends object>(x: T | undefined): Partial<T> => Object.fromEntries(Object.entries(x ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
  const d = BEHAVIOR_CLONING_DEFAULTS;
  return Object.freeze({
    promptLossWeight: o.promptLossWeight ?? d.promptLossWeight,
    epochs: o.epochs ?? d.epochs,
    batchTokens: o.batchTokens ?? d.batchTokens,
    optimizer: Object.freeze({ ...d.optimizer, ...given(o.optimizer) }),
    warmupSteps: o.warmupSteps ?? d.warmupSteps,
    seed: o.seed ?? d.seed,
    workers: o.workers ?? d.workers,
    maxSteps: o.maxSteps,
    validateEvery: o.validateEvery,
  });
}

/** The schema of BehaviorCloningOptions: checked by the constructor, before any step. */
export const behaviorCloningOptions = defineOptions<BehaviorCloningOptions>()('BehaviorCloning', obj({
  policy: instanceOf<TransformerLM>(TransformerLM, 'a TransformerLM (trained in place)'),
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
  tokenizer: tokenizerSchema.optional(),
  checkpoint: obj({
    dir: str('a string (a folder path)', { nonEmpty: true }),
    every: positiveInt('a positive integer (steps)'),
  }, 'an object { dir, every }').optional(),
}));

export interface BehaviorCloningEvents {
  step: (e: { step: number; epoch: number; loss: number; gradNorm: number; learningRate: number; tokens: number; seconds: number }) => void;
  validation: (e: { step: number; loss: number }) => void;
  evaluation: (e: { step: number; metrics: Record<string, number> }) => void;
  /** The run was saved into `dir` (the `checkpoint` option) after `step` steps. */
  checkpoint: (e: { step: number; dir: string }) => void;
}

export interface BehaviorCloningResult {
  /** Optimizer steps of the run so far (a restored checkpoint's and earlier `train()` calls' included). */
  readonly steps: number;
  /** Mean training loss of the last epoch's steps. */
  readonly trainLoss: number;
  readonly validationLoss?: number;
  /** Supervised (assistant) tokens trained on, over the run so far. */
  readonly tokens: number;
  /** Seconds of training over the run so far. */
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
  /** The options as given (`BEHAVIOR_CLONING_DEFAULTS` fill in the rest). */
  readonly options: BehaviorCloningOptions;
  readonly #settings: ResolvedBehaviorCloning;
  readonly #progress: BcProgress;
  /** AdamW's state after the last `train()` (or from `restore`); none before the first step (zero moments). */
  #moments: AdamWState | undefined;
  /** A step that failed partway: the weights and the optimizer state may disagree. */
  #failed: Error | undefined;
  #training = false;
  #trainDigest: string | undefined;

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
    this.#settings = resolveOptions(options);
    this.#progress = { step: 0, epoch: 0, batch: 0, order: new Rng(this.#settings.seed).state, tokens: 0, epochLoss: 0, epochTokens: 0, validationLoss: undefined, seconds: 0 };
  }

  /** Mean next-token loss over every supervised token of `sequences` under the current weights. */
  async loss(sequences: readonly ScoredSequence[], batchTokens = this.#settings.batchTokens): Promise<number> {
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

  /**
   * Trains until the epochs are done or `maxSteps` is reached, continuing where the last call,
   * or the checkpoint `restore` loaded, left off (a new trainer starts at step 0). Stops between
   * steps when `signal` aborts; calling `train()` again then continues the same run.
   */
  async train(options: { signal?: AbortSignal } = {}): Promise<BehaviorCloningResult> {
    if (this.#training) throw new OptionsError('BehaviorCloning.train: this trainer is training already; await the train() that is running');
    this.#usable('train');
    const o = this.options;
    const s = this.#settings;
    const p = this.#progress;
    const { policy } = o;
    const started = performance.now();
    const seconds = (): number => p.seconds + (performance.now() - started) / 1000;
    const result = (aborted: boolean): BehaviorCloningResult => ({
      steps: p.step,
      trainLoss: p.epochTokens > 0 ? p.epochLoss / p.epochTokens : NaN,
      ...(p.validationLoss !== undefined ? { validationLoss: p.validationLoss } : {}),
      tokens: p.tokens,
      seconds: p.seconds,
      aborted,
    });
    // A run that is done (its epochs, or maxSteps) takes no step, validation or evaluation more.
    if (p.epoch >= s.epochs || (s.maxSteps !== undefined && p.step >= s.maxSteps)) return result(false);
    this.#training = true;
    const ck = o.checkpoint;
    let savedState: string | undefined;
    const stateKey = (): string => JSON.stringify({ ...p, seconds: 0 });
    let aborted = false;
    let parallel: DataParallelTrainer | undefined;
    let optimizer: AdamW | undefined;
    try {
      parallel = s.workers > 1 ? await DataParallelTrainer.create(policy, { workers: s.workers, adamw: s.optimizer }) : undefined;
      optimizer = parallel ? undefined : new AdamW(policy.parameters, s.optimizer);
      if (this.#moments) {
        if (parallel) await parallel.loadOptimizerState(this.#moments);
        else optimizer!.loadState(this.#moments);
      }
      const live = parallel;
      const local = optimizer;
      const moments = (): Promise<AdamWState> => (live ? live.optimizerState() : local!.state());
      const train = o.train.map((x) => withPromptWeight(x, s.promptLossWeight));
      const sync = async (): Promise<void> => {
        if (live) await live.syncTo(policy);
      };
      const validate = async (): Promise<void> => {
        if (!o.validation?.length) return;
        await sync();
        p.validationLoss = await this.loss(o.validation);
        this.emit('validation', { step: p.step, loss: p.validationLoss });
      };
      const evaluate = async (): Promise<void> => {
        if (!o.evaluate) return;
        await sync();
        this.emit('evaluation', { step: p.step, metrics: await o.evaluate.run(p.step) });
      };
      const checkpoint = async (state?: AdamWState): Promise<void> => {
        if (!ck) return;
        if (!state) await sync();
        await this.#write(ck.dir, state ?? await moments(), { ...p, seconds: seconds() });
        savedState = stateKey();
        this.emit('checkpoint', { step: p.step, dir: ck.dir });
      };
      try {
        outer: while (p.epoch < s.epochs) {
          if (p.batch === 0) {
            p.epochLoss = 0;
            p.epochTokens = 0;
          }
          const rng = new Rng(p.order);
          const batches = packByTokens(train, { maxTokens: s.batchTokens, rng });
          const nextOrder = rng.state;
          while (p.batch < batches.length) {
            if (options.signal?.aborted) {
              aborted = true;
              break outer;
            }
            const batch = batches[p.batch]!;
            const n = batch.reduce((a, x) => a + x.supervised, 0);
            const factor = o.learningRateSchedule ? o.learningRateSchedule({ step: p.step, seconds: seconds() }) : 1;
            if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 0) {
              throw new OptionsError(`BehaviorCloning: learningRateSchedule returned ${String(factor)} at step ${p.step}; it must return a finite number >= 0`);
            }
            const learningRate = s.optimizer.learningRate * warmupFactor(p.step, s.warmupSteps) * factor;
            let step: OptimizerStepResult;
            try {
              if (live) {
                live.learningRate = learningRate;
                step = await live.step(batch);
              } else {
                local!.learningRate = learningRate;
                const packed = packSequences(batch, policy.config.vocab_size);
                step = await local!.minimize(() => nextTokenLoss(policy, packed));
              }
            } catch (error) {
              this.#failed = error instanceof Error ? error : new Error(String(error));
              throw error;
            }
            p.step += 1;
            p.batch += 1;
            p.tokens += n;
            p.epochLoss += step.loss * n;
            p.epochTokens += n;
            this.emit('step', { step: p.step, epoch: p.epoch, loss: step.loss, gradNorm: step.gradNorm, learningRate, tokens: p.tokens, seconds: seconds() });
            if (s.validateEvery && p.step % s.validateEvery === 0) await validate();
            if (o.evaluate && p.step % o.evaluate.every === 0) await evaluate();
            if (ck && p.step % ck.every === 0) await checkpoint();
            if (s.maxSteps && p.step >= s.maxSteps) break outer;
          }
          if (!s.validateEvery) await validate();
          p.epoch += 1;
          p.batch = 0;
          p.order = nextOrder;
        }
        if (s.validateEvery && p.step % s.validateEvery !== 0) await validate();
        if (o.evaluate && p.step % o.evaluate.every !== 0 && !aborted) await evaluate();
        await sync();
        this.#moments = await moments();
        if (ck && stateKey() !== savedState) await checkpoint(this.#moments);
      } catch (error) {
        // User code in the loop (the schedule, a step listener, a hook) threw: keep the steps done
        // so far in the policy (replicas hold them until synced) and in this trainer's state,
        // unless the replicas themselves failed.
        await sync().catch(() => undefined);
        if (this.#failed === undefined) {
          this.#moments = await moments().catch((cause: unknown) => {
            this.#failed = cause instanceof Error ? cause : new Error(String(cause));
            return this.#moments;
          });
        }
        throw error;
      }
    } finally {
      optimizer?.dispose();
      await parallel?.close();
      p.seconds = seconds();
      this.#training = false;
    }
    return result(aborted);
  }

  /**
   * Writes everything needed to continue this run exactly into `dir`: the policy as a Hugging
   * Face folder (`policy/`, with the `tokenizer` option's files when given, and its own
   * manifest), AdamW's step count and moments (`optimizer.safetensors`), and `trainer.json`
   * (format tag, step, epoch, position in the epoch's shuffled sample order and the order's
   * generator state, the epoch's loss sums, token count, last validation loss, seconds trained,
   * and the seed, batchTokens and a sha256 of `train` the order depends on), with a manifest
   * (sha256) of them all. Crash-safe as `saveCheckpoint`: the run is written into a new folder
   * beside `dir` and switched to in one rename, so a save killed at any point leaves the
   * previous one to restore. Call it between `train()` calls (for saves during one, use the
   * `checkpoint` option).
   */
  async save(dir: string): Promise<void> {
    if (this.#training) throw new OptionsError('BehaviorCloning.save: train() is running; save after it resolves, or pass the `checkpoint` option to save during training');
    this.#usable('save');
    await this.#write(dir, this.#moments, { ...this.#progress });
  }

  /**
   * Continues the run saved in `dir` (by `save` or the `checkpoint` option of a BehaviorCloning
   * made with the same `train`, `seed` and `batchTokens`): loads the weights into this
   * trainer's policy, and AdamW's state and the run's position into this trainer, so that
   * `train()` goes on as the saved run would have. Other options may differ (more epochs or
   * steps, say); the continuation then differs as they do. Everything is read and checked
   * before anything is loaded: a torn, missing or mixed file throws CheckpointIntegrityError
   * naming it, a folder of another kind or of another run an OptionsError, and nothing changes.
   */
  async restore(folder: string): Promise<void> {
    if (this.#training) throw new OptionsError('BehaviorCloning.restore: train() is running; restore before training or after it resolves');
    const dir = await resolveCheckpointFolder(folder);
    await verifyCheckpointFolder(dir, [TRAINER_FILE, OPTIMIZER_FILE, 'policy/model.safetensors', 'policy/config.json']);
    const s = this.#settings;
    const { policy } = this.options;
    const trainerFile = path.join(dir, TRAINER_FILE);
    const text = await readFile(trainerFile, 'utf8').catch((cause: unknown) => {
      throw new OptionsError(`BehaviorCloning.restore: ${fileProblem(cause, trainerFile, 'file', `the ${TRAINER_FILE} of a run folder; ${RESTORE_HINT}`)}`);
    });
    // The parser's own message quotes the file; the position is enough.
    const parsed = parseJsonText(text);
    if (!parsed.ok) throw new OptionsError(`BehaviorCloning.restore: ${trainerFile} is not valid JSON: ${parsed.problem}; ${RESTORE_HINT}`);
    const trainer = (parsed.value ?? {}) as { format?: unknown; progress?: unknown; optimizerStep?: unknown; seed?: unknown; batchTokens?: unknown; train?: { sequences?: unknown; sha256?: unknown } };
    if (trainer.format !== CHECKPOINT_FORMAT) {
      const kind = typeof trainer.format === 'string' ? `a ${trainer.format} file` : 'no format tag';
      throw new OptionsError(`BehaviorCloning.restore: ${trainerFile} has ${kind}, not ${CHECKPOINT_FORMAT}; ${RESTORE_HINT}`);
    }
    const progress = readProgress(trainer.progress, trainerFile);
    if (trainer.optimizerStep !== progress.step) {
      throw new OptionsError(`BehaviorCloning.restore: ${trainerFile} has optimizerStep ${String(trainer.optimizerStep)}, not the run's step ${progress.step}; ${RESTORE_HINT}`);
    }
    // The saved position indexes a sample order made from the seed, the batch budget and the data.
    if (trainer.seed !== s.seed) {
      throw new OptionsError(`BehaviorCloning.restore: the run in ${dir} was made with seed ${String(trainer.seed)}, this trainer has seed ${s.seed}; pass seed: ${String(trainer.seed)} to continue it`);
    }
    if (trainer.batchTokens !== s.batchTokens) {
      throw new OptionsError(`BehaviorCloning.restore: the run in ${dir} was made with batchTokens ${String(trainer.batchTokens)}, this trainer has ${s.batchTokens}; pass batchTokens: ${String(trainer.batchTokens)} to continue it`);
    }
    const digest = this.#trainDigest ??= sequencesDigest(this.options.train);
    if (trainer.train?.sha256 !== digest || trainer.train.sequences !== this.options.train.length) {
      throw new OptionsError(`BehaviorCloning.restore: the run in ${dir} was trained on other sequences (${String(trainer.train?.sequences)} with sha256 ${String(trainer.train?.sha256).slice(0, 12)}..., this trainer has ${this.options.train.length} with ${digest.slice(0, 12)}...); pass the same \`train\` to continue it`);
    }
    const batches = packByTokens(this.options.train, { maxTokens: s.batchTokens, rng: new Rng(progress.order) }).length;
    if (progress.batch > batches) throw new OptionsError(`BehaviorCloning.restore: ${trainerFile} is at batch ${progress.batch} of an epoch of ${batches}; ${RESTORE_HINT}`);
    const configFile = path.join(dir, 'policy', 'config.json');
    const configText = await readFile(configFile, 'utf8').catch((cause: unknown) => {
      throw new OptionsError(`BehaviorCloning.restore: ${fileProblem(cause, configFile, 'file', `the policy's config.json; ${RESTORE_HINT}`)}`);
    });
    const config = parseJsonText(configText);
    if (!config.ok || typeof config.value !== 'object' || config.value === null) throw new OptionsError(`BehaviorCloning.restore: ${configFile} is not a JSON object; ${RESTORE_HINT}`);
    for (const key of Object.keys(TRANSFORMER_CONFIG_DEFAULTS) as (keyof TransformerConfig)[]) {
      const saved = (config.value as Record<string, unknown>)[key];
      const value = policy.config[key];
      if (JSON.stringify(saved) !== JSON.stringify(value)) {
        throw new OptionsError(`BehaviorCloning.restore: the saved policy has ${key} ${JSON.stringify(saved)}, this trainer's policy ${JSON.stringify(value)}; make the policy with the saved config (loadCheckpoint(${JSON.stringify(path.join(dir, 'policy'))}))`);
      }
    }
    const weights = await readSafetensors(path.join(dir, 'policy', 'model.safetensors'));
    const optimizerFile = path.join(dir, OPTIMIZER_FILE);
    const { tensors } = await readSafetensors(optimizerFile);
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const [name, variable] of policy.parameters) {
      for (const [kind, into] of [['m', m], ['v', v]] as const) {
        const t = tensors.get(`${kind}/${name}`);
        if (t?.data.length !== variable.size) {
          throw new OptionsError(`BehaviorCloning.restore: ${optimizerFile} ${t ? `has ${t.data.length} values of "${kind}/${name}", the policy ${variable.size}` : `lacks the moment "${kind}/${name}"`}; ${RESTORE_HINT}`);
        }
        into.set(name, t.data);
      }
    }
    // importWeights checks every weight before it assigns any; nothing after it can fail.
    policy.importWeights(weights.tensors);
    this.#moments = { step: progress.step, m, v };
    Object.assign(this.#progress, progress);
    this.#failed = undefined;
  }

  /** Throws when a failed step left this trainer's weights and optimizer state out of step. */
  #usable(what: string): void {
    if (this.#failed) {
      throw new OptionsError(`BehaviorCloning.${what}: an optimizer step failed (${this.#failed.message}), so the weights and the optimizer state may disagree; restore() a checkpoint or start a new BehaviorCloning`);
    }
  }

  /** Writes a run folder (see `save`) from the policy's weights, AdamW state `moments` (none: zeros) and `progress`. */
  async #write(dir: string, moments: AdamWState | undefined, progress: BcProgress): Promise<void> {
    const { policy, tokenizer } = this.options;
    const s = this.#settings;
    // Everything is read out of the model before the first byte is written.
    const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
    for (const [name, variable] of policy.parameters) {
      tensors.set(`m/${name}`, { shape: variable.shape, data: moments?.m.get(name) ?? new Float32Array(variable.size) });
      tensors.set(`v/${name}`, { shape: variable.shape, data: moments?.v.get(name) ?? new Float32Array(variable.size) });
    }
    const trainer = {
      format: CHECKPOINT_FORMAT,
      progress: { ...progress, epochLoss: jsonNumber(progress.epochLoss), validationLoss: progress.validationLoss === undefined ? null : jsonNumber(progress.validationLoss) },
      optimizerStep: moments?.step ?? 0,
      seed: s.seed,
      batchTokens: s.batchTokens,
      train: { sequences: this.options.train.length, sha256: this.#trainDigest ??= sequencesDigest(this.options.train) },
      savedAt: new Date().toISOString(),
    };
    const trainerJson = `${JSON.stringify(trainer, null, 2)}\n`;
    await commitCheckpointFolder(dir, async (writer) => {
      await writeCheckpointFiles(writer, 'policy', policy, tokenizer ? { tokenizer: { json: tokenizer.json, config: tokenizer.config } } : {});
      await writer.safetensors(OPTIMIZER_FILE, tensors);
      await writer.file(TRAINER_FILE, trainerJson);
    }, { what: 'BehaviorCloning checkpoint', replaceable: (name) => RUN_FILES.has(name) || /\.tmp-\d+-[0-9a-f]{8}$/.test(name) });
  }
}
