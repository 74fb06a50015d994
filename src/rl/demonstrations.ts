// Collecting expert demonstrations for the behaviour-cloning warm-up (WebAgent-R1, arXiv
// 2505.16421): runs each task's scripted expert (`runExpert`) with one environment per
// concurrent slot, re-running episodes whose browser crashed (EpisodeAbortedError), the way the
// rollout engine (rollout.ts) does; keeps the demonstrations that score 1 by default and reports
// the rest. The file format is data/demonstration.ts's.

import type { Demonstration } from '../data/demonstration.js';
import type { Environment } from '../env/types.js';
import { EpisodeAbortedError, isWebAgentError } from '../errors.js';
import { runExpert } from '../tasks/expert.js';
import type { WebTask } from '../tasks/types.js';
import { bool, defineOptions, fn, nonNegativeInt, obj, positiveInt, signal } from '../options.js';

export interface CollectDemonstrationsOptions {
  /** Makes one environment per concurrent slot (for example `new WebEnvironment({ pool })` over a shared pool). */
  readonly makeEnvironment: () => Environment | Promise<Environment>;
  /** Episodes run at once. Default 4. */
  readonly concurrency?: number;
  /** Re-runs of an episode that crashed (EpisodeAbortedError). Default 2. */
  readonly maxRetries?: number;
  /** Keep only demonstrations that score 1 and report the others in `failed`. Default true. */
  readonly onlySuccessful?: boolean;
  /** Called with each kept demonstration, in completion order. */
  readonly onDemonstration?: (demo: Demonstration, task: WebTask) => void;
  readonly signal?: AbortSignal;
}

export interface CollectDemonstrationsResult {
  /** Kept demonstrations, in task order. */
  readonly demonstrations: Demonstration[];
  /** Tasks without a kept demonstration, in task order, with the reason. */
  readonly failed: { readonly taskId: string; readonly reason: string }[];
}

const message = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * Runs the expert of every task and returns the demonstrations in task order. A task without an
 * expert, an expert that throws (it could not find what it needed), an episode that crashed more
 * than `maxRetries` times and, with `onlySuccessful`, an episode scoring below 1 are reported in
 * `failed`, never thrown. Failing to make an environment, and the signal, reject. Every
 * environment is closed in all cases.
 */
export async function collectDemonstrations(tasks: readonly WebTask[], options: CollectDemonstrationsOptions): Promise<CollectDemonstrationsResult> {
  collectDemonstrationsOptions.check(options);
  const concurrency = options.concurrency ?? 4;
  const maxRetries = options.maxRetries ?? 2;
  const onlySuccessful = options.onlySuccessful ?? true;
  options.signal?.throwIfAborted();
  const outcomes: Array<{ demo: Demonstration } | { reason: string } | undefined> = new Array<undefined>(tasks.length);
  let next = 0;
  let fatal: { error: unknown } | undefined;
  const stopped = (): boolean => fatal !== undefined || options.signal?.aborted === true;

  const runTask = async (task: WebTask, getEnv: () => Promise<Environment>, dropEnv: () => Promise<void>): Promise<{ demo: Demonstration } | { reason: string }> => {
    if (!task.expert) return { reason: 'the task has no expert' };
    for (let attempt = 0; ; attempt++) {
      const env = await getEnv();
      try {
        const d = await runExpert(env, task, options.signal ? { signal: options.signal } : {});
        const demo: Demonstration = {
          taskId: d.taskId, site: d.site, ...(d.template !== undefined ? { template: d.template } : {}), intent: d.intent, score: d.score,
          turns: d.turns.map((t) => ({ observation: t.observation, action: t.action, thought: t.thought })),
        };
        if (onlySuccessful && d.result.score !== 1) return { reason: `the expert scored ${d.result.score}: ${d.result.reason}` };
        return { demo };
      } catch (error) {
        if (options.signal?.aborted) throw error;
        const retryable = error instanceof EpisodeAbortedError || (isWebAgentError(error) && (error as { retryable?: boolean }).retryable === true);
        if (!retryable) return { reason: message(error) };
        // A fresh environment for the re-run (or the next task): the crashed one may hold a dead context.
        await dropEnv();
        if (attempt >= maxRetries) return { reason: `the episode crashed ${attempt + 1} time(s); last: ${message(error)}` };
      }
    }
  };

  const slot = async (): Promise<void> => {
    let env: Environment | undefined;
    const getEnv = async (): Promise<Environment> => (env ??= await options.makeEnvironment());
    const dropEnv = async (): Promise<void> => {
      const old = env;
      env = undefined;
      await old?.close().catch(() => undefined);
    };
    try {
      while (!stopped() && next < tasks.length) {
        const index = next++;
        const task = tasks[index]!;
        const outcome = await runTask(task, getEnv, dropEnv);
        outcomes[index] = outcome;
        if ('demo' in outcome) options.onDemonstration?.(outcome.demo, task);
      }
    } catch (error) {
      fatal ??= { error };
    } finally {
      await dropEnv();
    }
  };

  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, slot));
  options.signal?.throwIfAborted();
  if (fatal) throw fatal.error;
  const demonstrations: Demonstration[] = [];
  const failed: { taskId: string; reason: string }[] = [];
  outcomes.forEach((o, i) => {
    if (o && 'demo' in o) demonstrations.push(o.demo);
    else failed.push({ taskId: tasks[i]!.id, reason: o?.reason ?? 'not run' });
  });
  return { demonstrations, failed };
}

/** The schema of CollectDemonstrationsOptions: checked by `collectDemonstrations` before any environment is made. */
export const collectDemonstrationsOptions = defineOptions<CollectDemonstrationsOptions>()('collectDemonstrations', obj({
  makeEnvironment: fn<CollectDemonstrationsOptions['makeEnvironment']>('a function returning an Environment (or a promise of one)'),
  concurrency: positiveInt('a positive integer').optional(),
  maxRetries: nonNegativeInt('an integer >= 0').optional(),
  onlySuccessful: bool().optional(),
  onDemonstration: fn<NonNullable<CollectDemonstrationsOptions['onDemonstration']>>('a function (demonstration, task) => void').optional(),
  signal: signal().optional(),
}));
