// Task samplers for MultiTurnGRPO (the `TaskSampler` extension point at the end: a shuffled
// cycle, learnability and novelty sampling). Learnability-weighted task sampling: A GRPO group carries a gradient only
// when its rewards differ; after behaviour cloning most groups do not (the policy solves a
// template's tasks in all G tries, or none). This draws each round's tasks by template, in
// proportion to a discounted estimate of how often that template's groups had differing rewards
// (the idea of Prioritized Level Replay, Jiang et al. 2021, and of learnability sampling,
// Foster & Foerster 2025). Hand-written: no npm package does this, and it is a few lines.

import { rewardsDiffer } from '../data/rollout-buffer.js';
import type { Trajectory } from '../data/trajectory.js';
import { hashString, Rng } from '../data/random.js';
import { OptionsError } from '../errors.js';
import type { WebTask } from '../tasks/types.js';

/** Per bucket (a template), the discounted counts of groups and of groups whose rewards differed. */
export type LearnabilityState = Record<string, { groups: number; signal: number }>;

/** A task's bucket: its `meta.template` when that is a string, else its id. */
export function taskBucket(task: Pick<WebTask, 'id' | 'meta'>): string {
  const t = task.meta?.template;
  return typeof t === 'string' ? t : task.id;
}

/**
 * The bucket's weight: the Laplace estimate (signal + 1) / (groups + 2) of the chance that its
 * next group has differing rewards. An untried bucket weighs 1/2, so every one is tried early,
 * and none ever falls to 0.
 */
export function learnability(state: LearnabilityState, bucket: string): number {
  const s = state[bucket];
  return s ? (s.signal + 1) / (s.groups + 2) : 0.5;
}

/**
 * `n` tasks: buckets drawn by weight without replacement (a round spans as many buckets as it
 * can; the draw starts over once all are used), a task drawn uniformly within each.
 */
export function drawLearnable(byBucket: ReadonlyMap<string, readonly WebTask[]>, state: LearnabilityState, n: number, rng: Rng): WebTask[] {
  const out: WebTask[] = [];
  let left: string[] = [];
  while (out.length < n) {
    if (left.length === 0) left = [...byBucket.keys()];
    const weights = left.map((b) => learnability(state, b));
    let u = rng.next() * weights.reduce((a, b) => a + b, 0);
    let i = 0;
    while (i < left.length - 1 && u >= weights[i]!) u -= weights[i++]!;
    const [bucket] = left.splice(i, 1);
    out.push(rng.pick(byBucket.get(bucket!)!));
  }
  return out;
}

/**
 * Adds a round's groups to the counts (a group has signal when its rewards differ, by the
 * buffer's zero-std rule, `rewardsDiffer`);
 * `bucketOf` names a trajectory's bucket (the trainer's: `taskBucket` of the group's task).
 */
export function recordGroups(state: LearnabilityState, trajectories: readonly Trajectory[], bucketOf: (t: Trajectory) => string): void {
  const groups = new Map<string, { bucket: string; rewards: number[] }>();
  for (const t of trajectories) {
    const g = groups.get(t.groupId) ?? { bucket: bucketOf(t), rewards: [] };
    g.rewards.push(t.reward);
    groups.set(t.groupId, g);
  }
  for (const { bucket, rewards } of groups.values()) {
    const s = (state[bucket] ??= { groups: 0, signal: 0 });
    s.groups += 1;
    if (rewardsDiffer(rewards)) s.signal += 1;
  }
}

/** Multiplies every count by `memory` (once an iteration), so old evidence fades as the policy changes. */
export function discount(state: LearnabilityState, memory: number): void {
  for (const s of Object.values(state)) {
    s.groups *= memory;
    s.signal *= memory;
  }
}

// Novelty (count-based) task sampling. After behaviour cloning on a few demonstrations, the
// policy knows the names those demonstrations used; tasks that name other things (a word it was
// never shown in that template) are where it fails, and where RL, which needs no demonstration,
// can learn what imitation could not. This draws, at each pick, the task whose least-seen intent
// word has been seen least often for its template, counting the demonstrated tasks' words
// (`seen`) and every earlier draw: a greedy coverage of the task set's (template, word) pairs,
// as count-based exploration does for states (Bellemare et al. 2016), here over tasks.
// Hand-written: no npm package does this.

/** Per (bucket, word) key, how many drawn or seen tasks of that bucket had the word in their intent. */
export type NoveltyState = Record<string, number>;

/** The distinct words of an intent: lower-cased runs of letters (hyphens and punctuation split them). */
export function intentWords(intent: string): string[] {
  return [...new Set(intent.toLowerCase().split(/[^\p{L}]+/u).filter((w) => w.length > 0))];
}

function noveltyKeys(task: Pick<WebTask, 'id' | 'intent' | 'meta'>): string[] {
  return intentWords(task.intent).map((w) => `${taskBucket(task)}\u0001${w}`);
}

/** Counts the words of `tasks` (demonstrated ones, or a task just drawn) as seen once more, per template. */
export function markSeen(state: NoveltyState, tasks: ReadonlyArray<Pick<WebTask, 'id' | 'intent' | 'meta'>>): void {
  for (const task of tasks) for (const k of noveltyKeys(task)) state[k] = (state[k] ?? 0) + 1;
}

/**
 * A task's novelty: how often its least-seen (template, word) key was seen (`least`, lower is
 * more novel) and how many of its keys were seen that few times (`fresh`, more is more novel).
 */
export function novelty(state: NoveltyState, task: Pick<WebTask, 'id' | 'intent' | 'meta'>): { least: number; fresh: number } {
  const counts = noveltyKeys(task).map((k) => state[k] ?? 0);
  const least = Math.min(...counts);
  return { least, fresh: counts.filter((c) => c === least).length };
}

/**
 * `n` tasks, each the most novel one left (lowest `least`, then highest `fresh`; ties drawn at
 * random), its words marked seen before the next pick, so a round spans different words. A round
 * repeats a task only once it has drawn every one.
 */
export function drawNovel(tasks: readonly WebTask[], state: NoveltyState, n: number, rng: Rng): WebTask[] {
  const out: WebTask[] = [];
  let left = [...tasks];
  while (out.length < n) {
    if (left.length === 0) left = [...tasks];
    let best = { least: Infinity, fresh: 0 };
    let ties: number[] = [];
    left.forEach((task, i) => {
      const v = novelty(state, task);
      if (v.least < best.least || (v.least === best.least && v.fresh > best.fresh)) {
        best = v;
        ties = [i];
      } else if (v.least === best.least && v.fresh === best.fresh) ties.push(i);
    });
    const [pick] = left.splice(rng.pick(ties), 1);
    markSeen(state, [pick!]);
    out.push(pick!);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The extension point: how a trainer draws each round's tasks.

/**
 * Where training stands, as saved in a checkpoint: the iteration, and whatever the task sampler
 * keeps there (its own keys; JSON values) so a restored run draws the same tasks.
 */
export interface GrpoProgress {
  iteration: number;
  /** The shuffled cycle's position in its current pass, and the pass number. */
  taskCursor: number;
  taskPass: number;
  /** learnabilitySampling's discounted group counts per template. */
  learnability?: LearnabilityState;
  /** noveltySampling's times each (template, word) was seen (in `seen` and in draws). */
  novelty?: NoveltyState;
}

/** What a sampler is told at each draw. */
export interface TaskDraw {
  readonly iteration: number;
  /** Round of the iteration (more than one under dynamic sampling). */
  readonly round: number;
  /** The trainer's seed. */
  readonly seed: number;
  /** The run's progress: the sampler keeps its state in its own keys of it, so a checkpoint holds it. */
  readonly progress: GrpoProgress;
}

/**
 * Draws each round's tasks for a trainer (`MultiTurnGRPO`'s `taskSampler`). `draw` returns `n`
 * tasks of `tasks`; `beginIteration` (optional) is called before an iteration's first draw, and
 * `record` (optional) with each round's trajectories and the task each came from, for samplers
 * that learn from outcomes. Randomness comes from the seed, iteration and round, so a restored
 * run draws what an uninterrupted one would.
 */
export interface TaskSampler {
  readonly name: string;
  draw(tasks: readonly WebTask[], n: number, at: TaskDraw): WebTask[];
  beginIteration?(progress: GrpoProgress): void;
  record?(trajectories: readonly Trajectory[], taskOf: (t: Trajectory) => WebTask, progress: GrpoProgress): void;
}

/** The default: a seeded shuffled cycle over the tasks (every task once per pass, a new order each pass). */
export function shuffledCycle(): TaskSampler {
  return {
    name: 'cycle',
    draw(tasks, n, { seed, progress }) {
      const out: WebTask[] = [];
      while (out.length < n) {
        const order = new Rng(hashString(`${seed}\u0001tasks\u0001${progress.taskPass}`)).shuffle(tasks);
        out.push(order[progress.taskCursor]!);
        progress.taskCursor += 1;
        if (progress.taskCursor >= tasks.length) {
          progress.taskCursor = 0;
          progress.taskPass += 1;
        }
      }
      return out;
    },
  };
}

const roundRng = (kind: string, { seed, iteration, round }: TaskDraw): Rng => new Rng(hashString(`${seed}\u0001${kind}\u0001${iteration}\u0001${round}`));

/**
 * Learnability sampling: templates (`task.meta.template`, else each task is its own) drawn in
 * proportion to the Laplace estimate of how often their groups had differing rewards, counted
 * over past rounds and discounted by `memory` each iteration; distinct templates within a round
 * while it can, a task uniformly within each. Spends rollouts where GRPO has a gradient
 * (Prioritized Level Replay's idea); no template's weight ever falls to 0.
 */
export function learnabilitySampling(options: { readonly memory?: number } = {}): TaskSampler {
  const memory = options.memory ?? 0.9;
  if (!(typeof memory === 'number' && memory > 0 && memory <= 1)) throw new OptionsError(`learnabilitySampling: memory must be a number in (0, 1], got ${JSON.stringify(memory)}`);
  const buckets = new WeakMap<readonly WebTask[], Map<string, WebTask[]>>();
  const byBucket = (tasks: readonly WebTask[]): Map<string, WebTask[]> => {
    let map = buckets.get(tasks);
    if (!map) {
      map = new Map();
      for (const task of tasks) {
        const list = map.get(taskBucket(task));
        if (list) list.push(task);
        else map.set(taskBucket(task), [task]);
      }
      buckets.set(tasks, map);
    }
    return map;
  };
  return {
    name: 'learnability',
    beginIteration: (progress) => discount(progress.learnability ??= {}, memory),
    draw: (tasks, n, at) => drawLearnable(byBucket(tasks), at.progress.learnability ??= {}, n, roundRng('learnability', at)),
    record: (trajectories, taskOf, progress) => recordGroups(progress.learnability ??= {}, trajectories, (t) => taskBucket(taskOf(t))),
  };
}

/**
 * Novelty sampling: at each pick, the task whose least-seen intent word was seen least often for
 * its template, then the one with the most words seen that few times (count-based novelty over
 * (template, word) pairs), counting the words of `seen` (the demonstrated tasks) and of every
 * earlier draw; ties at random. RL goes first where the demonstrations named nothing.
 */
export function noveltySampling(options: { readonly seen?: ReadonlyArray<Pick<WebTask, 'id' | 'intent' | 'meta'>> } = {}): TaskSampler {
  const seen = options.seen ?? [];
  if (!Array.isArray(seen) || seen.some((t) => typeof (t as Partial<WebTask> | null)?.intent !== 'string')) {
    throw new OptionsError('noveltySampling: seen must be an array of tasks (each with an `intent` string)');
  }
  return {
    name: 'novelty',
    draw(tasks, n, at) {
      if (!at.progress.novelty) markSeen(at.progress.novelty = {}, seen);
      return drawNovel(tasks, at.progress.novelty, n, roundRng('novelty', at));
    },
  };
}
