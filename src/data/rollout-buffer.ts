// The RolloutBuffer: trajectories of one iteration grouped by task, turned into M-GRPO training
// samples (WebAgent-R1, arXiv 2505.16421; advantages as TRL's GRPOTrainer computes them: group
// mean, unbiased std, `scaleRewards`), packed into padded-token-budget minibatches; plus JSONL
// files (one trajectory per line) and export as TRL/verl-style chat records. Plain data only.

import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { OptionsError, WebAgentError } from '../errors.js';
import type { Rng } from './random.js';
import { trajectoryFromJson, trajectoryToJson, validateTrajectory, type Trajectory, type TurnMessage } from './trajectory.js';

export interface AdvantageOptions {
  /**
   * How A = r - mean(group) is scaled (TRL's `scale_rewards`): `group` divides by the group's
   * std + epsilon (the paper's M-GRPO, default), `batch` by the std of every reward in the buffer
   * + epsilon, `none` leaves it (Dr. GRPO). std is the unbiased (N-1) std; a group of 1 has std 0.
   */
  readonly scaleRewards?: 'group' | 'batch' | 'none';
  /**
   * What is subtracted from a reward: `group` (default), the mean of its group (GRPO); `batch`,
   * the mean of every reward in the buffer (REINFORCE++'s global baseline; use with
   * `scaleRewards` `batch` or `none`). With `batch`, every trajectory whose reward differs from
   * the batch mean carries signal, including the groups whose members all agree, which a
   * near-deterministic policy makes most of; a group then counts as zero-variance for
   * `dropZeroStd` only if the whole batch is. `frac_reward_zero_std` still counts groups.
   */
  readonly baseline?: 'group' | 'batch';
  /** Added to the std before dividing. Default 1e-4 (TRL). */
  readonly epsilon?: number;
  /** Exclude groups whose rewards are all equal (they carry no signal, only KL). Default false. */
  readonly dropZeroStd?: boolean;
}

export interface SampleOptions extends AdvantageOptions {
  /**
   * How the loss is normalised (the token weights). `sequence` (paper, default): mean over the
   * tokens of a turn, the turns of a trajectory, the trajectories of a group, then over groups.
   * `token` (released code): mean over every completion token of the batch.
   */
  readonly lossType?: 'sequence' | 'token';
}

export const ADVANTAGE_DEFAULTS: Readonly<Required<SampleOptions>> = Object.freeze({
  scaleRewards: 'group', baseline: 'group', epsilon: 1e-4, dropZeroStd: false, lossType: 'sequence',
});

export interface AdvantageResult {
  /** One advantage per trajectory, by buffer index (0 for excluded trajectories). */
  readonly advantages: Float64Array;
  /** True for the trajectories of groups excluded by `dropZeroStd`, by buffer index. */
  readonly excluded: readonly boolean[];
  readonly metrics: {
    /** Mean reward over every trajectory. */
    readonly reward_mean: number;
    /** Mean over groups of the group's unbiased reward std (TRL's `reward_std` with group scaling). */
    readonly reward_std: number;
    /** Fraction of groups whose rewards are all equal (std 0, including groups of one). */
    readonly frac_reward_zero_std: number;
    /** Number of groups. */
    readonly groups: number;
  };
}

/** One training sample: one turn, its exact prompt, and what the loss needs per token. */
export interface TrainingSample {
  /** Prompt then completion token ids. */
  readonly ids: Int32Array;
  /** Index of the first completion token in `ids` (= prompt length); `packSequences` scores from here. */
  readonly completionStart: number;
  /** Behaviour logprobs, one per completion token. */
  readonly oldLogprobs: Float32Array;
  /** The trajectory's advantage, shared by every token of every turn. */
  readonly advantage: number;
  /** Weight of each completion token in the whole-batch loss: Σ over the batch's tokens is 1. */
  readonly tokenWeight: number;
  readonly trajectoryIndex: number;
  readonly turnIndex: number;
}

export interface MinibatchOptions {
  /** Budget of padded tokens per minibatch: count × longest `ids` length. */
  readonly maxTokens: number;
  /** Shuffle with this generator before packing (deterministic for a seed). Default: keep order. */
  readonly rng?: Rng;
}

/** Unbiased (N-1) standard deviation, as torch.std; 0 for fewer than two values. */
function std(values: readonly number[], mean: number): number {
  if (values.length < 2) return 0;
  let s = 0;
  for (const v of values) s += (v - mean) ** 2;
  return Math.sqrt(s / (values.length - 1));
}

const meanOf = (values: readonly number[]): number => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

/** A group's std at or below this counts as zero (torch.isclose(std, 0) in TRL). */
const ZERO_STD = 1e-8;

/** Whether a group's rewards differ by `advantages`' rule (std above zero): the group carries a gradient. */
export function rewardsDiffer(rewards: readonly number[]): boolean {
  return std(rewards, meanOf(rewards)) > ZERO_STD;
}

/** Throws the OptionsError that `advantages` / `samples` would for these options (for trainers that check at construction). */
export function checkSampleOptions(options: SampleOptions): void {
  resolveOptions(options);
}

function resolveOptions(options: SampleOptions): Required<SampleOptions> {
  const o = { ...ADVANTAGE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<SampleOptions>;
  if (!['group', 'batch', 'none'].includes(o.scaleRewards)) throw new OptionsError(`scaleRewards must be 'group', 'batch' or 'none', got ${String(o.scaleRewards)}`);
  if (!['group', 'batch'].includes(o.baseline)) throw new OptionsError(`baseline must be 'group' or 'batch', got ${String(o.baseline)}`);
  if (o.baseline === 'batch' && o.scaleRewards === 'group') throw new OptionsError("baseline 'batch' needs scaleRewards 'batch' or 'none' (a group's std does not scale a reward's distance from the batch mean)");
  if (!(Number.isFinite(o.epsilon) && o.epsilon >= 0)) throw new OptionsError(`epsilon (added to the reward std) must be a finite number >= 0, got ${String(o.epsilon)}`);
  if (!['sequence', 'token'].includes(o.lossType)) throw new OptionsError(`lossType must be 'sequence' or 'token', got ${String(o.lossType)}`);
  return o;
}

/** Trajectories of one iteration, grouped by `groupId` for group-relative advantages. */
export class RolloutBuffer {
  readonly #items: Trajectory[] = [];

  constructor(trajectories: readonly Trajectory[] = []) {
    this.add(...trajectories);
  }

  /** Adds trajectories after validating them all (nothing is added if one is malformed). */
  add(...trajectories: Trajectory[]): this {
    trajectories.forEach((t, k) => validateTrajectory(t, `trajectory ${this.#items.length + k}`));
    this.#items.push(...trajectories);
    return this;
  }

  get trajectories(): readonly Trajectory[] {
    return this.#items;
  }

  get size(): number {
    return this.#items.length;
  }

  clear(): void {
    this.#items.length = 0;
  }

  /** Trajectories by group id, groups in order of first appearance. */
  groups(): Map<string, Trajectory[]> {
    const out = new Map<string, Trajectory[]>();
    for (const t of this.#items) {
      const g = out.get(t.groupId);
      if (g) g.push(t);
      else out.set(t.groupId, [t]);
    }
    return out;
  }

  /** Group-relative advantages, one per trajectory: A = (r - mean(group)) / (std + epsilon); see `baseline` for the batch mean. */
  advantages(options: AdvantageOptions = {}): AdvantageResult {
    const { scaleRewards, baseline, epsilon, dropZeroStd } = resolveOptions(options);
    const rewards = this.#items.map((t) => t.reward);
    const byGroup = new Map<string, number[]>();
    this.#items.forEach((t, i) => {
      const g = byGroup.get(t.groupId);
      if (g) g.push(i);
      else byGroup.set(t.groupId, [i]);
    });
    const rewardMean = meanOf(rewards);
    const batchStd = std(rewards, rewardMean);
    const advantages = new Float64Array(rewards.length);
    const excluded = new Array<boolean>(rewards.length).fill(false);
    let zeroStd = 0;
    let stdSum = 0;
    for (const members of byGroup.values()) {
      const r = members.map((i) => rewards[i]!);
      const mean = meanOf(r);
      const s = std(r, mean);
      stdSum += s;
      if (s <= ZERO_STD) zeroStd++;
      const zero = baseline === 'batch' ? batchStd <= ZERO_STD : s <= ZERO_STD;
      for (const i of members) {
        if (zero) {
          excluded[i] = dropZeroStd;
          continue; // advantage exactly 0 (r - mean may be float noise)
        }
        const a = rewards[i]! - (baseline === 'batch' ? rewardMean : mean);
        advantages[i] = scaleRewards === 'group' ? a / (s + epsilon) : scaleRewards === 'batch' ? a / (batchStd + epsilon) : a;
      }
    }
    const groups = byGroup.size;
    return {
      advantages,
      excluded,
      metrics: { reward_mean: rewardMean, reward_std: groups ? stdSum / groups : 0, frac_reward_zero_std: groups ? zeroStd / groups : 0, groups },
    };
  }

  /**
   * One sample per turn of every non-excluded trajectory, with token weights that make the batch
   * loss a plain weighted sum over completion tokens (so minibatch gradients just add up):
   *
   * - `sequence`: L = -(1/#groups) Σ_g (1/G_g) Σ_i (1/|traj_i|) Σ_j (1/|a_ij|) Σ_t (...), so
   *   tokenWeight = 1 / (#groups · G_g · turns_i · tokens_ij);
   * - `token`: tokenWeight = 1 / (completion tokens of all samples).
   *
   * Turns with no completion tokens (a policy that reported no tokens) are skipped and not
   * counted in turns_i; a trajectory left with no such turn is not counted in G_g, and a group
   * left with none not in #groups. Hence the weights of the returned samples always sum to 1
   * (a mean over what exists). Advantages still use every trajectory's reward. A turn with
   * completion tokens but an empty prompt is an error: its first token could not be scored.
   */
  samples(options: SampleOptions = {}): TrainingSample[] {
    const o = resolveOptions(options);
    const { advantages, excluded } = this.advantages(o);
    const trainable = new Map<number, number[]>(); // trajectory index -> its turns with tokens
    const perGroup = new Map<string, number>(); // group -> trajectories with samples
    let totalTokens = 0;
    this.#items.forEach((t, i) => {
      if (excluded[i]) return;
      const turns: number[] = [];
      t.turns.forEach((turn, j) => {
        if (turn.completionIds.length === 0) return;
        if (turn.promptIds.length === 0) throw new OptionsError(`trajectory ${i} (task "${t.taskId}"): turns[${j}] has ${turn.completionIds.length} completion tokens but no promptIds; the first token needs a context to be scored`);
        turns.push(j);
        totalTokens += turn.completionIds.length;
      });
      if (turns.length === 0) return;
      trainable.set(i, turns);
      perGroup.set(t.groupId, (perGroup.get(t.groupId) ?? 0) + 1);
    });
    const out: TrainingSample[] = [];
    for (const [i, turns] of trainable) {
      const t = this.#items[i]!;
      for (const j of turns) {
        const turn = t.turns[j]!;
        const n = turn.completionIds.length;
        const ids = new Int32Array(turn.promptIds.length + n);
        ids.set(turn.promptIds, 0);
        ids.set(turn.completionIds, turn.promptIds.length);
        const tokenWeight = o.lossType === 'token' ? 1 / totalTokens : 1 / (perGroup.size * perGroup.get(t.groupId)! * turns.length * n);
        out.push({ ids, completionStart: turn.promptIds.length, oldLogprobs: turn.logprobs, advantage: advantages[i]!, tokenWeight, trajectoryIndex: i, turnIndex: j });
      }
    }
    return out;
  }

  /**
   * Splits samples into minibatches whose padded size (count × longest `ids` length) is at most
   * `maxTokens`: optionally shuffled by `rng` first, then packed greedily in order. A sample
   * longer than `maxTokens` on its own goes alone in a minibatch (over budget): nothing is
   * dropped or cut. Every sample appears exactly once. Does not depend on the buffer's contents.
   */
  minibatches(samples: readonly TrainingSample[], options: MinibatchOptions): TrainingSample[][] {
    return packByTokens(samples, options);
  }
}

/**
 * Packs any token sequences into minibatches whose padded size (count × longest `ids` length)
 * is at most `maxTokens`, optionally shuffled by `rng` first, greedily in order. A sequence
 * longer than the budget goes alone. Every item appears exactly once.
 */
export function packByTokens<T extends { readonly ids: ArrayLike<number> }>(items: readonly T[], options: MinibatchOptions): T[][] {
  const { maxTokens, rng } = options;
  if (!(Number.isFinite(maxTokens) && maxTokens > 0)) throw new OptionsError(`maxTokens must be a number > 0 (padded tokens per minibatch), got ${String(maxTokens)}`);
  const order = rng ? rng.shuffle(items) : [...items];
  const batches: T[][] = [];
  let current: T[] = [];
  let longest = 0;
  for (const s of order) {
    const width = Math.max(longest, s.ids.length);
    if (current.length > 0 && (current.length + 1) * width > maxTokens) {
      batches.push(current);
      current = [s];
      longest = s.ids.length;
    } else {
      current.push(s);
      longest = width;
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** A JSONL file has a malformed or invalid record; `line` is 1-based. */
export class JsonlFormatError extends WebAgentError {
  readonly path: string;
  readonly line: number;
  constructor(path: string, line: number, message: string) {
    super('INVALID_JSONL', `${path}:${line}: ${message}`);
    this.path = path;
    this.line = line;
  }
}

const lineOf = (t: Trajectory): string => `${JSON.stringify(trajectoryToJson(t))}\n`;

/**
 * Writes `lines` (each ending in a new line) to `path` atomically: a temporary file in the same
 * directory, fsync, then rename over `path`, so a crash never leaves half a file under its name.
 */
export async function writeLinesAtomic(path: string, lines: Iterable<string>): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  const fh = await open(tmp, 'wx');
  let ok = false;
  try {
    let chunk = '';
    for (const line of lines) {
      chunk += line;
      if (chunk.length > 1 << 20) {
        await fh.write(chunk);
        chunk = '';
      }
    }
    if (chunk) await fh.write(chunk);
    await fh.sync();
    ok = true;
  } finally {
    await fh.close();
    if (!ok) await rm(tmp, { force: true });
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Writes trajectories to `path`, one JSON object per line (typed arrays as number arrays),
 * atomically (see writeLinesAtomic).
 */
export async function saveJsonl(path: string, trajectories: readonly Trajectory[]): Promise<void> {
  trajectories.forEach((t, i) => validateTrajectory(t, `saveJsonl: trajectory ${i}`));
  await writeLinesAtomic(path, trajectories.map(lineOf));
}

export interface LoadJsonlOptions {
  /** Told about recoverable problems (a truncated last line that was skipped). */
  readonly onWarning?: (message: string) => void;
}

/**
 * Reads a JSONL file of trajectories, streaming line by line, validating every record. A
 * malformed last line (a write cut short by a crash) is skipped and reported to `onWarning`; a
 * malformed line anywhere else, or a record that fails validation, throws JsonlFormatError with
 * the line number. Blank lines are ignored.
 */
export async function loadJsonl(path: string, options: LoadJsonlOptions = {}): Promise<Trajectory[]> {
  const out: Trajectory[] = [];
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  let broken: { line: number; reason: string } | undefined;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    if (broken) throw new JsonlFormatError(path, broken.line, `malformed JSON (${broken.reason}); only a truncated last line is skipped`);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      broken = { line: lineNo, reason: error instanceof Error ? error.message : String(error) };
      continue;
    }
    try {
      out.push(trajectoryFromJson(value, 'record'));
    } catch (error) {
      if (error instanceof OptionsError) throw new JsonlFormatError(path, lineNo, error.message);
      throw error;
    }
  }
  if (broken) options.onWarning?.(`${path}:${broken.line}: skipped a truncated last line (${broken.reason}), as left by a write cut short`);
  return out;
}

/** Offset of the last '\n' in the file, or -1. Reads backwards in chunks. */
async function lastNewline(fh: FileHandle, size: number): Promise<number> {
  let pos = size;
  let chunk = 1; // the common case: the file ends with a newline
  while (pos > 0) {
    const len = Math.min(chunk, pos);
    pos -= len;
    const buf = Buffer.alloc(len);
    const { bytesRead } = await fh.read(buf, 0, len, pos);
    const k = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (k >= 0) return pos + k;
    chunk = 1 << 16;
  }
  return -1;
}

const appendQueues = new Map<string, Promise<void>>();

/**
 * Appends one trajectory as a line of `path` (created if missing), for streaming runs. Appends
 * to one path from this process are serialised. If the file ends in a partial line (a crash
 * mid-write), that line is cut off first and reported to `onWarning`, so the file stays
 * loadable. Assumes one writing process per file.
 */
export function appendJsonl(path: string, trajectory: Trajectory, options: LoadJsonlOptions = {}): Promise<void> {
  try {
    validateTrajectory(trajectory, 'appendJsonl: trajectory');
  } catch (error) {
    return Promise.reject(error as Error);
  }
  const line = lineOf(trajectory);
  const key = resolve(path);
  const run = async (): Promise<void> => {
    const fh = await open(key, 'a+');
    try {
      const { size } = await fh.stat();
      const nl = size > 0 ? await lastNewline(fh, size) : -1;
      if (size > 0 && nl !== size - 1) {
        await fh.truncate(nl + 1);
        options.onWarning?.(`${path}: removed a truncated last line (${size - nl - 1} bytes) before appending`);
      }
      await fh.write(line);
    } finally {
      await fh.close();
    }
  };
  const next = (appendQueues.get(key) ?? Promise.resolve()).then(run, run);
  appendQueues.set(key, next);
  const cleanup = (): void => {
    if (appendQueues.get(key) === next) appendQueues.delete(key);
  };
  void next.then(cleanup, cleanup);
  return next;
}

/** One turn as a TRL/verl-style chat record: the prompt's messages plus the reply. */
export interface ChatRecord {
  readonly messages: TurnMessage[];
  readonly reward: number;
  readonly advantage?: number;
  readonly task_id: string;
  readonly group_id: string;
  /** 0-based index of the turn in its trajectory. */
  readonly turn: number;
}

/**
 * One chat record per turn: `[...turn.prompt, {role: 'assistant', content: turn.text}]` with the
 * trajectory's reward (and advantage, when `advantages` by trajectory index is given). Every turn
 * must carry its `prompt` messages.
 */
export function toChatRecords(trajectories: readonly Trajectory[], advantages?: ArrayLike<number>): ChatRecord[] {
  if (advantages !== undefined && advantages.length !== trajectories.length) throw new OptionsError(`toChatRecords: ${advantages.length} advantages for ${trajectories.length} trajectories (one per trajectory)`);
  const out: ChatRecord[] = [];
  trajectories.forEach((t, i) => {
    t.turns.forEach((turn, j) => {
      if (!turn.prompt) throw new OptionsError(`toChatRecords: trajectory ${i} (task "${t.taskId}") turns[${j}] has no prompt messages to export`);
      out.push({
        messages: [...turn.prompt, { role: 'assistant', content: turn.text }],
        reward: t.reward,
        ...(advantages !== undefined ? { advantage: advantages[i]! } : {}),
        task_id: t.taskId,
        group_id: t.groupId,
        turn: j,
      });
    });
  });
  return out;
}
