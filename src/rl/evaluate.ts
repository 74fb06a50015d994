// Evaluation: success rate of any Agent (a trained or untrained local model, a remote API model)
// on a set of tasks, overall, per site and per template, pass@k, mean turns. Episodes run through
// the same rollout engine as training, so they are concurrent and crash-safe.

import type { Trajectory } from '../data/trajectory.js';
import type { Environment } from '../env/types.js';
import { OptionsError } from '../errors.js';
import type { Agent } from '../agent/agent.js';
import { samplingOptions, type SamplingOptions } from '../model/sampling.js';
import type { WebTask } from '../tasks/types.js';
import { defineOptions, fn, integer, obj, positiveInt, signal } from '../options.js';
import { agentSchema, runRollouts, type RolloutOptions } from './rollout.js';

export interface EvaluateOptions {
  readonly agent: Agent;
  readonly makeEnvironment: () => Environment | Promise<Environment>;
  /** Attempts per task. Default 1 (greedy decoding makes more pointless; sample with a temperature for pass@k). */
  readonly attempts?: number;
  /** Default: greedy (temperature 0). */
  readonly sampling?: SamplingOptions;
  readonly maxTurns?: number;
  readonly concurrency?: number;
  readonly seed?: number;
  readonly onTrajectory?: RolloutOptions['onTrajectory'];
  readonly signal?: AbortSignal;
}

/** The schema of EvaluateOptions: checked by `evaluate` before any environment is made. */
export const evaluateOptions = defineOptions<EvaluateOptions>()('evaluate', obj({
  agent: agentSchema,
  makeEnvironment: fn<EvaluateOptions['makeEnvironment']>('a function returning an Environment (or a promise of one)'),
  attempts: positiveInt('a positive integer').optional(),
  sampling: samplingOptions.schema.optional(),
  maxTurns: positiveInt('a positive integer').optional(),
  concurrency: positiveInt('a positive integer').optional(),
  seed: integer('an integer').optional(),
  onTrajectory: fn<NonNullable<EvaluateOptions['onTrajectory']>>('a function (trajectory, job) => void').optional(),
  signal: signal().optional(),
}));

/** Success over a group of episodes. */
export interface SuccessRate {
  readonly success: number;
  readonly episodes: number;
}

export interface EvaluationReport {
  /** Mean reward over every episode (pass@1 estimated from all attempts). */
  readonly success: number;
  readonly episodes: number;
  readonly tasks: number;
  /** Fraction of tasks solved at least once in `attempts` tries. */
  readonly passAtK: number;
  readonly attempts: number;
  readonly meanTurns: number;
  readonly invalidActionRate: number;
  readonly perSite: Readonly<Record<string, SuccessRate>>;
  readonly perTemplate: Readonly<Record<string, SuccessRate>>;
  /**
   * Success of each task over its attempts, by task id. With sampled attempts this shows which
   * tasks sampling can solve at all: a task at 0 gives RL from sampled outcomes nothing to learn.
   */
  readonly perTask: Readonly<Record<string, SuccessRate>>;
  readonly trajectories: readonly Trajectory[];
}

function tally(map: Map<string, { sum: number; n: number }>, key: string, reward: number): void {
  const entry = map.get(key) ?? { sum: 0, n: 0 };
  entry.sum += reward;
  entry.n += 1;
  map.set(key, entry);
}

function rates(map: Map<string, { sum: number; n: number }>): Record<string, SuccessRate> {
  return Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, { success: v.sum / v.n, episodes: v.n }]));
}

/** Runs every task `attempts` times with `agent` and reports success rates. */
export async function evaluate(tasks: readonly WebTask[], options: EvaluateOptions): Promise<EvaluationReport> {
  evaluateOptions.check(options);
  const attempts = options.attempts ?? 1;
  if (tasks.length === 0) throw new OptionsError('evaluate: no tasks');
  const seed = options.seed ?? 0;
  const jobs = tasks.flatMap((task) => Array.from({ length: attempts }, (_, a) => ({ task, groupId: task.id, seed: seed * 1_000_003 + a })));
  const trajectories = await runRollouts(jobs, {
    agent: options.agent,
    makeEnvironment: options.makeEnvironment,
    sampling: { temperature: 0, ...options.sampling },
    ...(options.maxTurns !== undefined ? { maxTurns: options.maxTurns } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.onTrajectory ? { onTrajectory: options.onTrajectory } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const perSite = new Map<string, { sum: number; n: number }>();
  const perTemplate = new Map<string, { sum: number; n: number }>();
  const perTask = new Map<string, { sum: number; n: number }>();
  const solved = new Set<string>();
  let rewardSum = 0;
  let turns = 0;
  let invalid = 0;
  for (const t of trajectories) {
    rewardSum += t.reward;
    turns += t.stats.turns;
    invalid += t.stats.invalidActions;
    if (t.reward > 0) solved.add(t.taskId);
    tally(perSite, t.site ?? 'unknown', t.reward);
    tally(perTemplate, t.template ?? 'unknown', t.reward);
    tally(perTask, t.taskId, t.reward);
  }
  return {
    success: rewardSum / trajectories.length,
    episodes: trajectories.length,
    tasks: tasks.length,
    passAtK: solved.size / new Set(tasks.map((t) => t.id)).size,
    attempts,
    meanTurns: turns / trajectories.length,
    invalidActionRate: turns > 0 ? invalid / turns : 0,
    perSite: rates(perSite),
    perTemplate: rates(perTemplate),
    perTask: rates(perTask),
    trajectories,
  };
}

/**
 * Unbiased estimate of pass@k from `n` attempts per task (Chen et al. 2021, the HumanEval
 * estimator): for each task with `c` of `n` attempts solved, 1 - C(n-c, k) / C(n, k), averaged over
 * tasks. So one evaluation with `attempts: n` reports pass@1 ... pass@n; at k = n it equals
 * `passAtK`. An attempt counts as solved when its reward is above 0, as in `passAtK`.
 */
export function estimatePassAtK(report: Pick<EvaluationReport, 'trajectories'>, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new OptionsError(`k must be an integer >= 1, got ${String(k)}`);
  const counts = new Map<string, { n: number; c: number }>();
  for (const t of report.trajectories) {
    const entry = counts.get(t.taskId) ?? { n: 0, c: 0 };
    entry.n += 1;
    if (t.reward > 0) entry.c += 1;
    counts.set(t.taskId, entry);
  }
  if (counts.size === 0) throw new OptionsError('estimatePassAtK: the report has no trajectories');
  let sum = 0;
  for (const [taskId, { n, c }] of counts) {
    if (k > n) throw new OptionsError(`estimatePassAtK: k = ${k} is more than the ${n} attempt(s) of task ${taskId}; evaluate with attempts >= k`);
    // C(n-c, k)/C(n, k) as a product of n - c + 1 .. n terms: finite where the binomials overflow.
    let fail = 1;
    for (let i = n - c + 1; i <= n; i++) fail *= 1 - k / i;
    sum += n - c < k ? 1 : 1 - fail;
  }
  return sum / counts.size;
}
