// MultiTurnGRPO: WebAgent-R1's online RL stage (arXiv 2505.16421). Each iteration rolls out G
// episodes of each of `tasksPerIteration` tasks in fresh environments at once (runRollouts: every
// episode awaits its own policy call; the local GenerationEngine batches them), scores them with
// the tasks' binary checkers, computes group-relative advantages, and takes μ optimizer steps on
// the clipped surrogate with the k3 KL to a frozen reference, each accumulated over
// token-budgeted minibatches. Every turn is its own sample holding the exact prompt the policy
// acted on and the behaviour logprobs recorded while sampling, so the ratio is exact; new
// logprobs are scored at the sampling temperature, as the old ones were. Names: `b_` is the
// whole iteration's batch, `mb_` one minibatch of it (cleanrl).
//
// Over 300 lines because MultiTurnGRPO's state (progress cursor, optimizer, frozen reference,
// sampling temperature) is read and written by rollouts, optimizer steps, `save` and `restore`
// together: a save must hold exactly what an iteration needs to resume. Its options and its loss
// are already in grpo-options.ts and grpo-loss.ts.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EventEmitter } from 'eventemitter3';
import * as tf from '@tensorflow/tfjs';
import { hashString } from '../data/random.js';
import { packByTokens, RolloutBuffer, type TrainingSample } from '../data/rollout-buffer.js';
import type { Trajectory } from '../data/trajectory.js';
import { OptionsError } from '../errors.js';
import { Agent } from '../agent/agent.js';
import { LocalChatPolicy } from '../agent/chat.js';
import { commitCheckpointFolder, resolveCheckpointFolder, verifyCheckpointFolder, writeCheckpointFiles } from '../model/checkpoint-folder.js';
import { readSafetensors } from '../model/safetensors.js';
import { packSequences, scoreSequences, tokenLogprobs } from '../model/training.js';
import { AdamW, warmupFactor } from '../model/adamw.js';
import type { TransformerLM } from '../model/transformer.js';
import { grpoTokenObjective, tokenArrays } from './grpo-loss.js';
import { MULTI_TURN_GRPO_DEFAULTS, multiTurnGRPOOptions, resolveGRPOOptions, type MultiTurnGRPOOptions, type ResolvedGRPOSettings } from './grpo-options.js';
import { supervisedAnchor, type LossTerm } from './loss-terms.js';
import { RolloutError, runRollouts } from './rollout.js';
import { shuffledCycle, type GrpoProgress, type TaskSampler } from './task-sampler.js';

export type { GrpoProgress } from './task-sampler.js';
import { fileProblem } from '../data/load-errors.js';
import { parseJsonText } from '../data/json-text.js';

export { MULTI_TURN_GRPO_DEFAULTS, multiTurnGRPOOptions, type MultiTurnGRPOOptions } from './grpo-options.js';

const CHECKPOINT_FORMAT = 'webagent-r1/multi-turn-grpo@1';
/** What a run folder holds (a folder saved before manifests is replaced only if it holds nothing else). */
const RUN_FILES = new Set(['policy', 'reference.safetensors', 'optimizer.safetensors', 'trainer.json', 'webagent-manifest.json']);

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


/** What one optimizer step measured (means over its minibatches' tokens). */
interface StepStats {
  readonly loss: number;
  readonly gradNorm: number;
  readonly kl: number;
  readonly clip: number;
}

/** One iteration's rollouts (more than one round of tasks under dynamic sampling). */
interface Rollouts {
  readonly trajectories: Trajectory[];
  readonly skipped: number;
  readonly rounds: number;
  readonly withSignal: number;
}

const scalar = async (t: tf.Tensor): Promise<number> => {
  const [x] = await t.data();
  t.dispose();
  return x!;
};

export class MultiTurnGRPO extends EventEmitter<MultiTurnGRPOEvents> {
  readonly options: MultiTurnGRPOOptions;
  /** The options with every default applied, fixed at construction. */
  readonly settings: ResolvedGRPOSettings;
  readonly progress: GrpoProgress = { iteration: 0, taskCursor: 0, taskPass: 0 };
  readonly optimizer: AdamW;
  /** The frozen reference (a copy of the policy at the start), when beta > 0. */
  readonly reference: TransformerLM | undefined;
  /** The agent acting in the rollouts. */
  readonly agent: Agent;
  /** The temperature new logprobs are scored at: the agent's sampling temperature. */
  readonly #temperature: number;
  readonly #lossTerms: readonly LossTerm[];
  /** Draws each round's tasks (its state lives in `progress`). */
  readonly taskSampler: TaskSampler;

  constructor(options: MultiTurnGRPOOptions) {
    super();
    multiTurnGRPOOptions.check(options);
    if (options.prompt.tokenizer === undefined) throw new OptionsError('MultiTurnGRPO: the prompt needs its `tokenizer` (to count and encode tokens)');
    const s = resolveGRPOOptions(options);
    this.options = options;
    this.settings = s;
    this.agent = options.agent ?? new Agent({
      policy: new LocalChatPolicy({ policy: s.policy, tokenizer: s.tokenizer, template: s.prompt.template }), prompt: s.prompt,
      sampling: { temperature: s.temperature, maxNewTokens: s.maxNewTokens },
    });
    if (!(this.agent.policy instanceof LocalChatPolicy) || this.agent.policy.model !== s.policy) {
      throw new OptionsError('MultiTurnGRPO: agent must act with a LocalChatPolicy over `policy` (the behaviour logprobs must come from the model being trained)');
    }
    this.#temperature = this.agent.sampling.temperature ?? 0;
    if (!(this.#temperature > 0)) throw new OptionsError(`MultiTurnGRPO: the agent samples greedily (temperature ${this.#temperature}); GRPO compares sampled rollouts: give it sampling.temperature > 0 (1 is usual)`);
    this.taskSampler = options.taskSampler ?? shuffledCycle();
    const sup = s.supervised;
    this.#lossTerms = [
      ...(sup ? [supervisedAnchor({ samples: sup.samples, coefficient: sup.coefficient, batchTokens: sup.batchTokens ?? MULTI_TURN_GRPO_DEFAULTS.supervisedBatchTokens })] : []),
      ...(options.lossTerms ?? []),
    ];
    const [beta1, beta2] = s.betas;
    this.optimizer = new AdamW(s.policy.parameters, { learningRate: s.learningRate, weightDecay: s.weightDecay, maxGradNorm: s.maxGradNorm, beta1, beta2, epsilon: MULTI_TURN_GRPO_DEFAULTS.adamEpsilon });
    this.reference = s.beta > 0 ? s.policy.clone({ trainable: false }) : undefined;
  }

  /** The turn limit at `iteration` (the curriculum's, else `maxTurns`). */
  horizon(iteration: number): number {
    const c = this.settings.turnCurriculum;
    if (!c) return this.settings.maxTurns;
    return Math.round(c.start + (c.end - c.start) * Math.min(1, iteration / c.over));
  }

  /**
   * Runs the remaining iterations; resolves with every iteration's metrics. An abort stops the
   * run promptly: rollouts under way are abandoned and the iteration leaves the model, the
   * optimizer and the progress as they were (a checkpoint resumes at that iteration).
   */
  async train(options: { signal?: AbortSignal } = {}): Promise<IterationMetrics[]> {
    const { signal } = options;
    const all: IterationMetrics[] = [];
    const { numIterations, checkpoint } = this.settings;
    while (this.progress.iteration < numIterations && !signal?.aborted) {
      try {
        all.push(await this.iteration(signal));
      } catch (error) {
        if (signal?.aborted) break;
        throw error;
      }
      const done = this.progress.iteration;
      if (checkpoint && (done % checkpoint.every === 0 || done === numIterations)) {
        await this.save(checkpoint.dir);
        this.emit('checkpoint', { iteration: done, dir: checkpoint.dir });
      }
    }
    return all;
  }

  /** One iteration: rollouts, group-relative advantages, μ optimizer steps over minibatches. */
  async iteration(signal?: AbortSignal): Promise<IterationMetrics> {
    const s = this.settings;
    const iteration = this.progress.iteration;
    const maxTurns = this.horizon(iteration);
    const rolloutStart = performance.now();
    // An abort (or a failure) during the rollouts leaves the progress as it was: the task draw repeats on resume.
    const progressBefore = structuredClone(this.progress);
    let rollouts: Rollouts;
    try {
      rollouts = await this.#rollouts(iteration, maxTurns, signal);
      signal?.throwIfAborted();
    } catch (error) {
      for (const key of Object.keys(this.progress) as (keyof GrpoProgress)[]) delete this.progress[key];
      Object.assign(this.progress, progressBefore);
      throw error;
    }
    const { trajectories, skipped, rounds, withSignal } = rollouts;
    const updateStart = performance.now();

    // Group-relative advantages; one sample per turn, weighted per token by the loss type.
    const sampleOptions = { lossType: s.lossType, scaleRewards: s.scaleRewards, dropZeroStd: s.dropZeroStd || s.dynamicSampling !== undefined } as const;
    const buffer = new RolloutBuffer(trajectories);
    const { metrics: b_metrics } = buffer.advantages(sampleOptions);
    const b_samples = buffer.samples(sampleOptions);

    // μ optimizer steps on the whole batch; loss, KL and clip ratio are their means (the clip ratio is 0 at the first).
    const mu = b_samples.length > 0 ? s.updatesPerIteration : 0;
    const mean = { loss: 0, gradNorm: 0, kl: 0, clip: 0 };
    for (let u = 0; u < mu; u++) {
      const step = await this.#optimizerStep(b_samples);
      for (const k of ['loss', 'gradNorm', 'kl', 'clip'] as const) mean[k] += step[k] / mu;
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
      reward_mean: b_metrics.reward_mean,
      reward_std: b_metrics.reward_std,
      frac_reward_zero_std: b_metrics.frac_reward_zero_std,
      kl: mean.kl,
      clip_ratio: mean.clip,
      entropy: tokens > 0 ? nll / tokens : 0,
      loss: mean.loss,
      grad_norm: mean.gradNorm,
      turns_mean: turns.length / Math.max(1, trajectories.length),
      invalid_action_rate: turns.length > 0 ? turns.filter((t) => t.action.type === 'invalid').length / turns.length : 0,
      max_turns: maxTurns,
      episodes_skipped: skipped,
      completion_tokens: tokens,
      sampling_rounds: rounds,
      groups_with_signal: withSignal,
      rollout_s: (updateStart - rolloutStart) / 1000,
      update_s: (performance.now() - updateStart) / 1000,
    };
    this.emit('iteration-end', result);
    return result;
  }

  /** G episodes of each task of a round; with dynamic sampling, more rounds until enough groups have signal. */
  async #rollouts(iteration: number, maxTurns: number, signal: AbortSignal | undefined): Promise<Rollouts> {
    const s = this.settings;
    const perRound = s.tasksPerIteration;
    const maxRounds = s.dynamicSampling?.maxRounds ?? 1;
    const skips: Error[] = [];
    const trajectories: Trajectory[] = [];
    let rounds = 0;
    let withSignal = 0;
    this.taskSampler.beginIteration?.(this.progress);
    do {
      // Groups are numbered over all rounds, so round 0's ids and seeds are those of a run without dynamic sampling.
      const first = rounds * perRound;
      const tasks = this.taskSampler.draw(s.tasks, perRound, { iteration, round: rounds, seed: s.seed, progress: this.progress });
      const jobs = tasks.flatMap((task, j) => Array.from({ length: s.numGenerations }, (_, g) => ({
        task, groupId: `${iteration}:${first + j}:${task.id}`, seed: hashString(`${s.seed}\u0001${iteration}\u0001${first + j}\u0001${g}`),
      })));
      const round = await runRollouts(jobs, {
        agent: this.agent, makeEnvironment: s.makeEnvironment, concurrency: s.concurrency, maxTurns, episodeTimeoutMs: s.episodeTimeoutMs,
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
      if (this.taskSampler.record) {
        const taskOf = new Map(jobs.map((j) => [j.groupId, j.task]));
        this.taskSampler.record(round, (t) => taskOf.get(t.groupId)!, this.progress);
      }
      rounds += 1;
      // Groups whose rewards differ, by the buffer's own zero-variance test: the ones that carry a gradient.
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
    return { trajectories, skipped: skips.length, rounds, withSignal };
  }

  /**
   * One optimizer step on the whole batch: the GRPO objective of each token-budgeted minibatch
   * (token weights sum to 1 over the batch) plus the loss terms, gradients summed, one AdamW
   * step. The KL and clip diagnostics come from the same ratio tensors as the loss.
   */
  async #optimizerStep(b_samples: readonly TrainingSample[]): Promise<StepStats> {
    const s = this.settings;
    const policy = s.policy;
    const T = this.#temperature;
    const lossOptions = { epsilon: s.epsilon, epsilonHigh: s.epsilonHigh, beta: this.reference ? s.beta : 0 };
    const names = [...policy.parameters.keys()];
    const vars = names.map((n) => policy.parameters.get(n)!);
    const sum = new Map<string, tf.Tensor>();
    let loss = 0;
    let klSum = 0;
    let clipSum = 0;
    let weightSum = 0;
    try {
      for (const mb_samples of packByTokens(b_samples, { maxTokens: s.batchTokens })) {
        const mb_ref = this.reference ? await scoreSequences(this.reference, mb_samples, T) : undefined;
        const mb = tokenArrays(mb_samples, mb_ref);
        const mb_packed = packSequences(mb_samples, policy.config.vocab_size);
        let kept: { clipped: tf.Scalar; kl?: tf.Scalar } | undefined;
        const { value, grads } = tf.variableGrads(() => {
          const { loss: mb_loss, clipped, kl } = grpoTokenObjective({ logprobs: tokenLogprobs(policy, mb_packed, T), ...mb, ...lossOptions });
          kept = { clipped: tf.keep(clipped), ...(kl ? { kl: tf.keep(kl) } : {}) };
          return mb_loss;
        }, vars);
        accumulate(sum, names, vars, grads);
        loss += await scalar(value);
        clipSum += await scalar(kept!.clipped);
        if (kept!.kl) klSum += await scalar(kept!.kl);
        weightSum += mb.weights.reduce((a, b) => a + b, 0);
      }
      for (const term of this.#lossTerms) {
        const f = await term.loss({ policy, step: this.optimizer.step, seed: s.seed });
        const { value, grads } = tf.variableGrads(f, vars);
        accumulate(sum, names, vars, grads);
        loss += await scalar(value);
      }
      // The optimizer's own step count drives the warm-up, so a restored run continues it exactly.
      this.optimizer.learningRate = s.learningRate * warmupFactor(this.optimizer.step, s.warmupSteps);
      const gradNorm = await scalar(this.optimizer.apply(sum));
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
    const { policy, tokenizer } = this.settings;
    // Everything is read out of the model before the first byte is written.
    const state = await this.optimizer.state();
    const reference = this.reference ? await this.reference.exportWeights() : undefined;
    const moments = new Map<string, { shape: readonly number[]; data: Float32Array }>();
    for (const [name, variable] of policy.parameters) {
      moments.set(`m/${name}`, { shape: variable.shape, data: state.m.get(name)! });
      moments.set(`v/${name}`, { shape: variable.shape, data: state.v.get(name)! });
    }
    const trainer = { format: CHECKPOINT_FORMAT, progress: this.progress, optimizerStep: state.step, seed: this.settings.seed, savedAt: new Date().toISOString() };
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
    if ((trainer.seed ?? 0) !== this.settings.seed) {
      throw new OptionsError(`MultiTurnGRPO.restore: the checkpoint was made with seed ${trainer.seed}, this trainer has seed ${this.settings.seed}`);
    }
    // Everything is read and checked before anything is loaded into the trainer.
    const { policy } = this.settings;
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
