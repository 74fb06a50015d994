// trainWebAgent: WebAgent-R1's recipe in one call, on any tasks. Expert demonstrations (the
// tasks' own experts run in the environment, a JSONL file, or none for R1-Zero), the default
// small policy built from their text, behavior cloning, multi-turn GRPO from online rollouts with
// the tasks' checkers as rewards, and greedy evaluation on a test split before and after each
// stage. Budgets are optimizer steps and GRPO iterations (the same run on any machine), each with
// an optional wall-time cap. With `out`, every stage's agent is saved as a folder
// `Agent.fromPretrained` loads with no options, and the reports are written beside them.

import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Agent } from '../agent/agent.js';
import { createSmallPolicy, type SmallPolicy, type SmallPolicySettings } from '../agent/small-policy.js';
import { loadDemonstrations, type Demonstration } from '../data/demonstration.js';
import { trajectoryToJson } from '../data/trajectory.js';
import type { Environment } from '../env/types.js';
import { OptionsError } from '../errors.js';
import type { WebTask } from '../tasks/types.js';
import { renameEntities } from './augment.js';
import { BehaviorCloning, linearDecaySchedule, type BehaviorCloningResult } from './behavior-cloning.js';
import { collectDemonstrations } from './demonstrations.js';
import { evaluate, type EvaluationReport } from './evaluate.js';
import { MultiTurnGRPO, type IterationMetrics } from './grpo.js';

/** Behavior cloning's budget and settings. */
export interface TrainWebAgentBc {
  /** Optimizer steps. */
  readonly steps: number;
  /** Wall-time cap in seconds (whichever of steps and time ends first). @defaultValue none */
  readonly maxSeconds?: number;
  /** Peak AdamW learning rate. @defaultValue 2e-3 */
  readonly learningRate?: number;
  /** Padded tokens per optimizer step. @defaultValue 2048 */
  readonly batchTokens?: number;
  /** Data-parallel replicas (one per core). @defaultValue 2 */
  readonly workers?: number;
  /** Copies of each demonstration with its task's names recombined (`renameEntities`), so BC teaches copying names. @defaultValue 12 */
  readonly renameCopies?: number;
  /** Loss weight of prompt tokens (0: replies only). @defaultValue 0.1 */
  readonly promptLossWeight?: number;
  /** Fraction of the budget, at its end, over which the learning rate falls linearly to 0. @defaultValue 0.3 */
  readonly decayFraction?: number;
}

/** Multi-turn GRPO's budget and settings. */
export interface TrainWebAgentGrpo {
  /** Iterations (each: rollouts of `tasksPerIteration` tasks x `numGenerations`, then the update). */
  readonly iterations: number;
  /** Wall-time cap in seconds: no iteration starts that would end past it at the mean pace so far. @defaultValue none */
  readonly maxSeconds?: number;
  /** Rollouts per task (the group). @defaultValue 4 */
  readonly numGenerations?: number;
  /** @defaultValue 4 */
  readonly tasksPerIteration?: number;
  /** @defaultValue 2.5e-4 */
  readonly learningRate?: number;
  /** Sampling temperature of the rollouts. @defaultValue 1 */
  readonly temperature?: number;
  /** KL coefficient against the start of GRPO. @defaultValue 0 */
  readonly beta?: number;
}

export interface TrainWebAgentOptions {
  /**
   * `train`: the tasks demonstrated and (unless `rl` is given) practised by GRPO; `test`: the
   * tasks evaluated greedily before training and after each stage (never trained on); `rl`:
   * GRPO's tasks when they differ from `train` (for example more instances of the same templates).
   */
  readonly tasks: { readonly train: readonly WebTask[]; readonly test?: readonly WebTask[]; readonly rl?: readonly WebTask[] };
  /** Makes one environment per concurrent episode (for example `() => new WebEnvironment({ pool })`). */
  readonly makeEnvironment: () => Environment | Promise<Environment>;
  /**
   * Behavior cloning's data: `'experts'` runs the train tasks' experts in the environment and
   * keeps what scores 1; a list; a JSONL file `saveDemonstrations` wrote; or `false` for none
   * (R1-Zero: GRPO from the untrained policy, whose tokenizer then learns from `policy.corpus`
   * and the tasks' intents). @defaultValue 'experts'
   */
  readonly demonstrations?: 'experts' | readonly Demonstration[] | string | false;
  /**
   * The policy: a SmallPolicy to train (from `createSmallPolicy`), or settings of the default one
   * built from the demonstrations' text (plus the train and RL tasks' intents). @defaultValue the default small policy
   */
  readonly policy?: SmallPolicy | { readonly settings?: Partial<Omit<SmallPolicySettings, 'model'>> & { readonly model?: Partial<SmallPolicySettings['model']> }; readonly corpus?: readonly string[] };
  /** Behavior cloning, or false to skip it. @defaultValue skipped without demonstrations */
  readonly behaviorCloning?: TrainWebAgentBc | false;
  /** Multi-turn GRPO, or false to skip it. @defaultValue skipped */
  readonly grpo?: TrainWebAgentGrpo | false;
  /** Turn limit of an episode (a task's own `maxTurns` wins). @defaultValue 6 */
  readonly maxTurns?: number;
  /** Episodes run at once in demonstrations and evaluations. @defaultValue 4 */
  readonly concurrency?: number;
  /** Decode under the whole-action constraint in evaluation and rollouts. @defaultValue true */
  readonly constrainAction?: boolean;
  /** Seed of the policy's initialisation, data order, renaming and sampling. @defaultValue 1 */
  readonly seed?: number;
  /**
   * A folder for the run: `agent-bc/` and `agent/` (the agent after BC and at the end, saved by
   * `Agent.save`), `metrics.jsonl` (every BC step and GRPO iteration, appended as they happen),
   * `episodes.jsonl` (every evaluation episode with its stage, turn by turn) and `results.json`
   * (the evaluation reports without their trajectories, BC's result and GRPO's metrics).
   * `webagent-r1 report <out>` turns it into report.html. @defaultValue nothing written
   */
  readonly out?: string;
  /** Stops the run: BC and GRPO end at their next step boundary, and the call rejects. */
  readonly signal?: AbortSignal;
  /** Progress, as typed events. */
  readonly onEvent?: (event: TrainWebAgentEvent) => void;
}

/** What `trainWebAgent` reports while it runs. */
export type TrainWebAgentEvent =
  | { readonly type: 'demonstrations'; readonly demonstrations: number; readonly failed: number }
  | { readonly type: 'policy'; readonly parameters: number; readonly vocabulary: number; readonly samples: number }
  | { readonly type: 'stage-start'; readonly stage: 'bc' | 'grpo'; readonly steps: number }
  | { readonly type: 'bc-step'; readonly step: number; readonly loss: number; readonly learningRate: number; readonly seconds: number }
  | { readonly type: 'grpo-iteration'; readonly metrics: IterationMetrics }
  | { readonly type: 'evaluation'; readonly stage: TrainWebAgentStage; readonly report: EvaluationReport }
  | { readonly type: 'saved'; readonly stage: 'bc' | 'grpo'; readonly dir: string };

/** The points the test split is evaluated at. */
export type TrainWebAgentStage = 'untrained' | 'bc' | 'grpo';

export interface TrainWebAgentResult {
  /** The trained agent (greedy, under the run's constraint); `agent.dispose()` frees the model. */
  readonly agent: Agent;
  /** The policy, its tokenizer and prompt (for more training). */
  readonly policy: SmallPolicy;
  readonly demonstrations: readonly Demonstration[];
  /** Evaluation on `tasks.test` at each stage run (none without test tasks). */
  readonly reports: Partial<Record<TrainWebAgentStage, EvaluationReport>>;
  readonly behaviorCloning?: BehaviorCloningResult;
  readonly grpo?: readonly IterationMetrics[];
}

function positive(value: unknown, name: string, integer = true): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new OptionsError(`trainWebAgent: ${name} must be ${integer ? 'a positive integer' : 'a number > 0'}, got ${JSON.stringify(value)}`);
  }
}

function checkOptions(o: TrainWebAgentOptions): void {
  if (typeof o !== 'object' || o === null) throw new OptionsError('trainWebAgent: options must be an object { tasks, makeEnvironment, ... }');
  if (!Array.isArray(o.tasks?.train)) throw new OptionsError('trainWebAgent: tasks.train must be an array of WebTasks (the tasks to demonstrate and practise)');
  for (const key of ['test', 'rl'] as const) if (o.tasks[key] !== undefined && !Array.isArray(o.tasks[key])) throw new OptionsError(`trainWebAgent: tasks.${key} must be an array of WebTasks`);
  if (typeof o.makeEnvironment !== 'function') throw new OptionsError('trainWebAgent: makeEnvironment must be a function returning an Environment (for example () => new WebEnvironment({ pool }))');
  const d = o.demonstrations;
  if (d !== undefined && d !== 'experts' && d !== false && typeof d !== 'string' && !Array.isArray(d)) throw new OptionsError("trainWebAgent: demonstrations must be 'experts', an array, a JSONL file path or false");
  if (o.behaviorCloning) {
    positive(o.behaviorCloning.steps ?? Number.NaN, 'behaviorCloning.steps');
    positive(o.behaviorCloning.maxSeconds, 'behaviorCloning.maxSeconds', false);
  }
  if (o.grpo) {
    positive(o.grpo.iterations ?? Number.NaN, 'grpo.iterations');
    positive(o.grpo.maxSeconds, 'grpo.maxSeconds', false);
  }
  positive(o.maxTurns, 'maxTurns');
  positive(o.concurrency, 'concurrency');
}

/**
 * Trains a web agent with WebAgent-R1's recipe: demonstrations, the default small policy,
 * behavior cloning, multi-turn GRPO, greedy evaluation on `tasks.test` before and after each
 * stage. Returns the trained agent and the reports.
 *
 * @example
 * ```ts
 * const suite = new BundledSuite(server);
 * const { agent, reports } = await trainWebAgent({
 *   tasks: { train: suite.tasks({ split: 'train', perTemplate: 8 }), test: suite.tasks({ split: 'test', perTemplate: 2 }) },
 *   makeEnvironment: () => new WebEnvironment({ pool }),
 *   behaviorCloning: { steps: 2000 },
 *   grpo: { iterations: 4 },
 *   out: 'runs/first',
 * });
 * console.log(reports.untrained?.success, reports.bc?.success, reports.grpo?.success);
 * agent.dispose();
 * ```
 */
export async function trainWebAgent(options: TrainWebAgentOptions): Promise<TrainWebAgentResult> {
  checkOptions(options);
  const { tasks, makeEnvironment, signal } = options;
  const user = options.onEvent ?? ((): void => {});
  // With `out`, the metrics and evaluation episodes are appended to the run folder as they come.
  let writes: Promise<void> = options.out === undefined ? Promise.resolve() : mkdir(options.out, { recursive: true }).then(() => undefined);
  const append = (file: string, records: readonly unknown[]): void => {
    if (options.out === undefined || records.length === 0) return;
    const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    writes = writes.then(() => appendFile(path.join(options.out!, file), text));
    writes.catch(() => undefined); // surfaced by the `await writes` at the end, never unhandled
  };
  const emit = (event: TrainWebAgentEvent): void => {
    if (event.type === 'bc-step') append('metrics.jsonl', [{ stage: 'bc', step: event.step, loss: event.loss, learning_rate: event.learningRate, seconds: event.seconds }]);
    else if (event.type === 'grpo-iteration') append('metrics.jsonl', [{ stage: 'grpo', ...event.metrics }]);
    else if (event.type === 'evaluation') append('episodes.jsonl', event.report.trajectories.map((t) => ({ stage: event.stage, ...(trajectoryToJson(t) as object) })));
    user(event);
  };
  const seed = options.seed ?? 1;
  const maxTurns = options.maxTurns ?? 6;
  const concurrency = options.concurrency ?? 4;
  const constrainAction = options.constrainAction ?? true;
  const rlTasks = tasks.rl ?? tasks.train;

  const source = options.demonstrations ?? 'experts';
  let demonstrations: readonly Demonstration[] = [];
  if (source === 'experts') {
    const collected = await collectDemonstrations(tasks.train, { makeEnvironment, concurrency, ...(signal ? { signal } : {}) });
    demonstrations = collected.demonstrations;
    emit({ type: 'demonstrations', demonstrations: demonstrations.length, failed: collected.failed.length });
  } else if (typeof source === 'string') {
    demonstrations = await loadDemonstrations(source);
    emit({ type: 'demonstrations', demonstrations: demonstrations.length, failed: 0 });
  } else if (source !== false) {
    demonstrations = source;
  }
  const bcOptions = options.behaviorCloning === undefined ? undefined : options.behaviorCloning;
  if (bcOptions && demonstrations.length === 0) throw new OptionsError('trainWebAgent: behaviorCloning needs demonstrations, and there are none (no expert scored 1, or demonstrations: false); set behaviorCloning: false for R1-Zero');

  const given = options.policy;
  const small = given !== undefined && 'policy' in given ? given : createSmallPolicy(demonstrations, {
    seed, ...(given?.settings ? { settings: given.settings } : {}),
    corpus: [...(given?.corpus ?? []), ...new Set([...tasks.train, ...rlTasks].map((t) => t.intent))],
  });
  const { policy, tokenizer, prompt } = small;
  const samples = bcOptions ? small.samples(renameEntities(demonstrations, { copies: bcOptions.renameCopies ?? 12, pageWords: 0.5, seed })) : [];
  emit({ type: 'policy', parameters: policy.numParameters, vocabulary: tokenizer.vocabSize, samples: samples.length });

  const reports: Partial<Record<TrainWebAgentStage, EvaluationReport>> = {};
  const evaluateAt = async (stage: TrainWebAgentStage): Promise<void> => {
    if (!tasks.test || tasks.test.length === 0) return;
    const report = await evaluate(tasks.test, { agent: small.agentFor(policy, {}, { constrainAction }), makeEnvironment, concurrency, maxTurns, ...(signal ? { signal } : {}) });
    reports[stage] = report;
    emit({ type: 'evaluation', stage, report });
  };
  const saveAt = async (stage: 'bc' | 'grpo'): Promise<void> => {
    if (options.out === undefined) return;
    const dir = path.join(options.out, stage === 'bc' ? 'agent-bc' : 'agent');
    await small.agentFor(policy, {}, { constrainAction }).save(dir);
    emit({ type: 'saved', stage, dir });
  };

  await evaluateAt('untrained');
  let bcResult: BehaviorCloningResult | undefined;
  if (bcOptions) {
    emit({ type: 'stage-start', stage: 'bc', steps: bcOptions.steps });
    const bc = new BehaviorCloning({
      policy, train: samples, epochs: 1_000_000, maxSteps: bcOptions.steps, batchTokens: bcOptions.batchTokens ?? 2048, workers: bcOptions.workers ?? 2,
      optimizer: { learningRate: bcOptions.learningRate ?? 2e-3 }, promptLossWeight: bcOptions.promptLossWeight ?? 0.1, seed,
      learningRateSchedule: linearDecaySchedule({ fraction: bcOptions.decayFraction ?? 0.3, steps: bcOptions.steps, ...(bcOptions.maxSeconds ? { seconds: bcOptions.maxSeconds } : {}) }),
    });
    bc.on('step', (e) => emit({ type: 'bc-step', step: e.step, loss: e.loss, learningRate: e.learningRate, seconds: e.seconds }));
    const caps = [signal, bcOptions.maxSeconds ? AbortSignal.timeout(Math.round(bcOptions.maxSeconds * 1000)) : undefined].filter((s): s is AbortSignal => s !== undefined);
    bcResult = await bc.train(caps.length > 0 ? { signal: AbortSignal.any(caps) } : {});
    signal?.throwIfAborted();
    await evaluateAt('bc');
    await saveAt('bc');
  }

  const iterations: IterationMetrics[] = [];
  if (options.grpo) {
    const g = options.grpo;
    emit({ type: 'stage-start', stage: 'grpo', steps: g.iterations });
    const grpo = new MultiTurnGRPO({
      policy, tokenizer, prompt, tasks: rlTasks, makeEnvironment, numIterations: g.iterations, numGenerations: g.numGenerations ?? 4, tasksPerIteration: g.tasksPerIteration ?? 4,
      agent: small.agentFor(policy, { temperature: g.temperature ?? 1 }, { constrainAction }), maxTurns, learningRate: g.learningRate ?? 2.5e-4, beta: g.beta ?? 0, dropZeroStd: true, seed,
    });
    const started = performance.now();
    const enough = new AbortController();
    grpo.on('iteration-end', (m) => {
      iterations.push(m);
      emit({ type: 'grpo-iteration', metrics: m });
      const elapsed = (performance.now() - started) / 1000;
      if (g.maxSeconds !== undefined && elapsed + elapsed / (m.iteration + 1) > g.maxSeconds) enough.abort();
    });
    try {
      await grpo.train({ signal: signal ? AbortSignal.any([signal, enough.signal]) : enough.signal });
    } finally {
      grpo.dispose();
    }
    signal?.throwIfAborted();
    await evaluateAt('grpo');
  }
  if (bcOptions || options.grpo) await saveAt('grpo');
  await writes;
  if (options.out !== undefined) {
    const results = { reports: Object.fromEntries(Object.entries(reports).map(([k, r]) => [k, { ...r, trajectories: undefined }])), behaviorCloning: bcResult, grpo: iterations, demonstrations: demonstrations.length };
    await writeFile(path.join(options.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  }
  return {
    agent: small.agentFor(policy, {}, { constrainAction }), policy: small, demonstrations, reports,
    ...(bcResult ? { behaviorCloning: bcResult } : {}), ...(options.grpo ? { grpo: iterations } : {}),
  };
}
