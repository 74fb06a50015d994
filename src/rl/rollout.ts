// The rollout engine: runs many episodes at once (tasks x generations), each in its own
// Environment (with WebEnvironment: its own browser context and a fresh site state), each
// awaiting its own policy call. A local policy's GenerationEngine batches all pending calls into
// one forward pass and lets sequences join and leave between decoding steps (continuous
// batching), so a slow page or a long reply never stalls the other episodes; the released
// WebAgent-R1 code instead waited for every episode at every turn. An episode whose browser or
// page crashed (EpisodeAbortedError) is re-run from the start and never recorded half-done.

import { hashString } from '../data/random.js';
import type { Trajectory, Turn } from '../data/trajectory.js';
import type { Environment, Observation } from '../env/types.js';
import { EpisodeAbortedError, WebAgentError, isWebAgentError } from '../errors.js';
import type { Agent } from '../agent/agent.js';
import { PromptBudgetError, type AgentHistoryTurn } from '../agent/agent-prompt.js';
import { samplingOptions, type SamplingOptions } from '../model/sampling.js';
import type { ScoredSequence } from '../model/training.js';
import { bool, custom, defineOptions, fn, MAX_TIMER_MS, nonNegativeInt, num, obj, positiveInt, signal } from '../options.js';
import type { WebTask } from '../tasks/types.js';

/** One episode to run: a task, the group its rollouts share, and the seed of its sampling. */
export interface EpisodeJob {
  readonly task: WebTask;
  readonly groupId: string;
  readonly seed: number;
}

export interface RolloutOptions {
  readonly agent: Agent;
  /** Makes one environment per concurrent episode slot (for example `new WebEnvironment({ pool })` over a shared pool). */
  readonly makeEnvironment: () => Environment | Promise<Environment>;
  /** Episodes run at once. Default 8. */
  readonly concurrency?: number;
  /** Turn limit when the task has none. Default 10. */
  readonly maxTurns?: number;
  /** Sampling for every turn (temperature, maxNewTokens...); each turn's seed is derived from the job's. */
  readonly sampling?: SamplingOptions;
  /** Wall-time limit of one episode; it then ends truncated with what it has. Default 120 s. */
  readonly episodeTimeoutMs?: number;
  /** Re-runs of an episode whose browser crashed. Default 2. */
  readonly maxRetries?: number;
  /** Called with each finished trajectory, in completion order. */
  readonly onTrajectory?: (trajectory: Trajectory, job: EpisodeJob) => void;
  /** Called when an episode is re-run after a crash. */
  readonly onRetry?: (job: EpisodeJob, attempt: number, error: EpisodeAbortedError) => void;
  /**
   * Leave out an episode that still crashes after `maxRetries` re-runs (it is reported to
   * `onSkip` and missing from the result) instead of failing the whole call with RolloutError.
   * For trainers, where one episode lost to an overloaded browser should not end a run. Default false.
   */
  readonly skipCrashed?: boolean;
  /** Called with each episode left out by `skipCrashed`. */
  readonly onSkip?: (job: EpisodeJob, error: RolloutError) => void;
  readonly signal?: AbortSignal;
}

/** An Agent, duck-typed (so an Agent of another copy of the package passes). */
export const agentSchema = custom<Agent>((v) => typeof (v as Partial<Agent> | null)?.actBatch === 'function' && typeof (v as Partial<Agent> | null)?.act === 'function', 'an Agent');
/** A WebTask, as far as option checks look: an object with a string id and intent. */
export const webTaskSchema = custom<WebTask>(
  (v) => typeof v === 'object' && v !== null && typeof (v as Partial<WebTask>).id === 'string' && typeof (v as Partial<WebTask>).intent === 'string',
  'a WebTask (an object with id and intent strings)',
);
/** A training sequence: an object with `ids` (an array of token ids). */
export const scoredSequenceSchema = custom<ScoredSequence>(
  (v) => typeof v === 'object' && v !== null && typeof (v as Partial<ScoredSequence>).ids?.length === 'number',
  'a sequence { ids, lossMask? or completionStart? }',
);
/** A duration of an episode: finite, > 0, within Node's timer range. */
export const episodeTimeoutSchema = num({ gt: 0, max: MAX_TIMER_MS }, `a number of milliseconds > 0 (at most ${MAX_TIMER_MS})`);

/** The schema of RolloutOptions: checked by `runRollouts` before any environment is made. */
export const rolloutOptions = defineOptions<RolloutOptions>()('runRollouts', obj({
  agent: agentSchema,
  makeEnvironment: fn<RolloutOptions['makeEnvironment']>('a function returning an Environment (or a promise of one)'),
  concurrency: positiveInt('a positive integer').optional(),
  maxTurns: positiveInt('a positive integer').optional(),
  sampling: samplingOptions.schema.optional(),
  episodeTimeoutMs: episodeTimeoutSchema.optional(),
  maxRetries: nonNegativeInt('an integer >= 0').optional(),
  onTrajectory: fn<NonNullable<RolloutOptions['onTrajectory']>>('a function (trajectory, job) => void').optional(),
  onRetry: fn<NonNullable<RolloutOptions['onRetry']>>('a function (job, attempt, error) => void').optional(),
  skipCrashed: bool().optional(),
  onSkip: fn<NonNullable<RolloutOptions['onSkip']>>('a function (job, error) => void').optional(),
  signal: signal().optional(),
}));

/** First wait before re-running a crashed episode; doubled at each further attempt. */
const RETRY_DELAY_MS = 500;

/** An episode failed for a reason that re-running does not fix (a policy error, a checker bug). */
export class RolloutError extends WebAgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ROLLOUT_FAILED', message, options);
  }
}

function summary(observation: Observation): Turn['observation'] {
  return { url: observation.url, title: observation.title, error: observation.lastActionError };
}

/** Runs one episode of `job` in `env` with `agent`; throws EpisodeAbortedError on a crash. */
export async function runEpisode(env: Environment, job: EpisodeJob, options: Omit<RolloutOptions, 'makeEnvironment' | 'concurrency' | 'onTrajectory' | 'onRetry'>): Promise<Trajectory> {
  const started = Date.now();
  const maxTurns = job.task.maxTurns ?? options.maxTurns ?? 10;
  // AbortSignal.timeout takes whole milliseconds (a fraction throws ERR_OUT_OF_RANGE).
  const timeout = AbortSignal.timeout(Math.ceil(options.episodeTimeoutMs ?? 120_000));
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let observation = await env.reset(job.task, { signal });
  // A page that states its own instruction (MiniWoB++'s utterance) overrides the task's intent.
  const intent = observation.instruction ?? job.task.intent;
  const history: AgentHistoryTurn[] = [];
  const turns: Turn[] = [];
  let answer: string | null = null;
  let terminated = false; // answered; otherwise the episode ends truncated (turn or time limit)
  let invalidActions = 0;
  let stoppedBy: string | undefined;
  for (let t = 0; t < maxTurns; t++) {
    if (timeout.aborted) break;
    options.signal?.throwIfAborted();
    const seed = hashString(`${job.seed}\u0001${t}`);
    let step;
    try {
      step = await options.agent.act({ intent, history, observation }, { sampling: { ...options.sampling, seed }, signal });
    } catch (error) {
      if (timeout.aborted && !options.signal?.aborted) break;
      // This task's prompt does not fit the budget (a long intent): the episode ends here, kept
      // and scored like any other, rather than failing every other episode of the run with it.
      if (error instanceof PromptBudgetError) {
        stoppedBy = error.message;
        break;
      }
      throw error;
    }
    const c = step.completion;
    turns.push({
      promptIds: c ? Int32Array.from(c.promptIds) : new Int32Array(0),
      completionIds: c ? Int32Array.from(c.tokenIds) : new Int32Array(0),
      logprobs: c ? Float32Array.from(c.logprobs) : new Float32Array(0),
      text: step.reply,
      action: step.action as Turn['action'],
      observation: summary(observation),
      prompt: step.prompt.messages,
    });
    if (step.action.type === 'invalid') invalidActions += 1;
    history.push({ observation, reply: step.reply });
    const result = await env.step(step.action);
    observation = result.observation;
    if (result.terminated) {
      terminated = true;
      answer = result.info.answer ?? null;
      break;
    }
    if (result.truncated) break;
  }
  const check = await env.score();
  const template = job.task.meta?.template;
  return {
    taskId: job.task.id,
    groupId: job.groupId,
    site: job.task.site,
    ...(typeof template === 'string' ? { template } : {}),
    turns,
    reward: check.score,
    check: { reason: check.reason, ...(check.error !== undefined ? { error: check.error } : {}), ...(check.undecided !== undefined ? { undecided: check.undecided } : {}) },
    ...(answer !== null ? { answer } : {}),
    ...(stoppedBy !== undefined ? { error: stoppedBy } : {}),
    stats: { turns: turns.length, invalidActions, elapsedMs: Date.now() - started, terminated, truncated: !terminated },
  };
}

/**
 * Runs every job with at most `concurrency` episodes at once and returns the trajectories in
 * job order. Crashed episodes are re-run (up to `maxRetries`; then the call fails, or with
 * `skipCrashed` the episode is left out); any other failure rejects after the running episodes
 * have ended, and every environment is closed in all cases.
 */
export async function runRollouts(jobs: readonly EpisodeJob[], options: RolloutOptions): Promise<Trajectory[]> {
  rolloutOptions.check(options);
  const concurrency = options.concurrency ?? 8;
  const maxRetries = options.maxRetries ?? 2;
  const results: Array<Trajectory | undefined> = new Array<Trajectory | undefined>(jobs.length);
  let next = 0;
  let failure: unknown;
  const slot = async (): Promise<void> => {
    let env: Environment | undefined;
    try {
      while (failure === undefined && next < jobs.length) {
        const index = next++;
        const job = jobs[index]!;
        for (let attempt = 0; ; attempt++) {
          env ??= await options.makeEnvironment();
          try {
            const trajectory = await runEpisode(env, job, options);
            results[index] = trajectory;
            options.onTrajectory?.(trajectory, job);
            break;
          } catch (error) {
            const retryable = error instanceof EpisodeAbortedError || (isWebAgentError(error) && (error as { retryable?: boolean }).retryable === true);
            if (!retryable || options.signal?.aborted) throw error;
            if (attempt >= maxRetries) {
              const exhausted = new RolloutError(`episode of task ${job.task.id} crashed ${attempt + 1} times; last: ${(error as Error).message}`, { cause: error });
              if (!options.skipCrashed) throw exhausted;
              options.onSkip?.(job, exhausted);
              await env.close().catch(() => undefined);
              env = undefined;
              break;
            }
            options.onRetry?.(job, attempt + 1, error as EpisodeAbortedError);
            // A fresh environment for the re-run: the crashed one may hold a dead context. Wait
            // a little longer each time: an overloaded browser needs the load to drop.
            await env.close().catch(() => undefined);
            env = undefined;
            await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * 2 ** attempt));
          }
        }
      }
    } catch (error) {
      failure ??= error;
    } finally {
      await env?.close().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, slot));
  if (failure !== undefined) throw failure;
  return results.filter((t): t is Trajectory => t !== undefined);
}
