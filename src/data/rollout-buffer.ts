// The RolloutBuffer: trajectories of one iteration grouped by task, turned into M-GRPO training
// samples (WebAgent-R1, arXiv 2505.16421; advantages as TRL's GRPOTrainer computes them: group
// mean, unbiased std, `scaleRewards`), packed into padded-token-budget minibatches; plus JSONL
// files (one trajectory per line) and export as TRL/verl-style chat records. Plain data only.

import { randomBytes } from 'node:crypto';
import { open, readdir, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { OptionsError, WebAgentError } from '../errors.js';
import { fileProblem, isSystemError, openRegularFile, parseJsonText, redactQuoted } from './load-errors.js';
import { fsyncDir, holdTemporary, removeStep, renameStep, stepDone, temporaryIsStale, writeAll, writeNewFile } from './durable-io.js';
import type { Rng } from './random.js';
import { bool, custom, defineOptions, fn, nonNegative, obj, oneOf, positive, rule, type z } from '../options.js';
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

const advantageShape = {
  scaleRewards: oneOf(['group', 'batch', 'none']).optional(),
  baseline: oneOf(['group', 'batch']).optional(),
  epsilon: nonNegative('a finite number >= 0 (added to the reward std)').optional(),
  dropZeroStd: bool().optional(),
};

/** baseline 'batch' with a group's std (the default scaleRewards) scales a distance by the wrong spread. */
function batchBaselineRule(o: { readonly baseline?: string | undefined; readonly scaleRewards?: string | undefined }, ctx: z.core.$RefinementCtx): void {
  if (o.baseline === 'batch' && (o.scaleRewards ?? 'group') === 'group') {
    ctx.addIssue({ code: 'custom', path: ['baseline'], message: rule("'batch' needs scaleRewards 'batch' or 'none' (a group's std does not scale a reward's distance from the batch mean)") });
  }
}

/** The schema of AdvantageOptions (`RolloutBuffer.advantages`). */
export const advantageOptions = defineOptions<AdvantageOptions>()('RolloutBuffer', obj(advantageShape).superRefine(batchBaselineRule));

/** The schema of SampleOptions (`RolloutBuffer.samples`, and the trainers that take them). */
export const sampleOptions = defineOptions<SampleOptions>()('RolloutBuffer', obj({ ...advantageShape, lossType: oneOf(['sequence', 'token']).optional() }).superRefine(batchBaselineRule));

/** The schema of MinibatchOptions (`packByTokens`). */
export const minibatchOptions = defineOptions<MinibatchOptions>()('packByTokens', obj({
  maxTokens: positive('a number > 0 (padded tokens per minibatch)'),
  rng: custom<Rng>((v) => typeof (v as Partial<Rng> | null)?.shuffle === 'function', 'an Rng (a seeded generator with shuffle)').optional(),
}));

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
  sampleOptions.check(options);
  return { ...ADVANTAGE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<SampleOptions>;
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
  minibatchOptions.check(options);
  const { maxTokens, rng } = options;
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

/**
 * A JSONL file cannot be opened or read (missing, a folder, no permission); `path` is the file,
 * the message says what is wrong and what was expected there.
 */
export class JsonlFileError extends WebAgentError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('JSONL_UNREADABLE', message, options);
    this.path = path;
  }
}

const lineOf = (t: Trajectory): string => `${JSON.stringify(trajectoryToJson(t))}\n`;

/** Lines are gathered into writes of about this many characters. */
const WRITE_CHARS = 1 << 20;

/**
 * Writes `lines` to `path` atomically: a temporary file in the same directory, fsync, rename
 * over `path`, fsync of the directory, so a crash never leaves half a file under its name. A line
 * without its final new line gets one (lines never run together). Temporaries that killed
 * writers left beside `path` are removed first.
 */
export async function writeLinesAtomic(path: string, lines: Iterable<string>): Promise<void> {
  const full = resolve(path);
  const dir = dirname(full);
  const stale = new RegExp(`^${basename(full).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.[0-9a-f]{8}\\.tmp$`);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = stale.exec(name);
    if (m && temporaryIsStale(join(dir, name), Number(m[1]))) await removeStep(join(dir, name));
  }
  const tmp = `${full}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const release = holdTemporary(tmp);
  try {
    await writeNewFile(tmp, (function* chunks(): Generator<string> {
      let chunk = '';
      for (const line of lines) {
        chunk += line.endsWith('\n') ? line : `${line}\n`;
        if (chunk.length > WRITE_CHARS) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    })());
    await renameStep(tmp, full);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  } finally {
    release();
  }
  await fsyncDir(dir);
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
  /** Told about recoverable problems (a torn last line that was skipped or dropped, a missing final new line). */
  readonly onWarning?: (message: string) => void;
}

const TRAJECTORIES = 'a JSONL file of trajectories';

/** Opens a JSONL file for reading, or throws JsonlFileError saying why it cannot be (missing, a folder, no permission). */
async function openJsonl(path: string): Promise<FileHandle> {
  const opened = await openRegularFile(path, TRAJECTORIES);
  if (!opened.ok) throw new JsonlFileError(path, opened.problem);
  return opened.handle;
}

/** The lines of an open file, each with whether a new line ended it (only the last may lack one). Streamed. */
async function* linesOf(handle: FileHandle, path: string): AsyncGenerator<{ readonly text: string; readonly terminated: boolean }> {
  let pending: Buffer[] = [];
  const chunks = (async function* read(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of handle.createReadStream({ autoClose: false, start: 0 }) as AsyncIterable<Buffer>) yield chunk;
    } catch (error) {
      if (isSystemError(error)) throw new JsonlFileError(path, `reading ${path} failed (${error.code}); expected ${TRAJECTORIES}`);
      throw error;
    }
  })();
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      yield { text: (pending.length > 0 ? Buffer.concat([...pending, piece]) : piece).toString('utf8'), terminated: true };
      pending = [];
      start = nl + 1;
    }
    if (start < chunk.byteLength) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield { text: Buffer.concat(pending).toString('utf8'), terminated: false };
}

/**
 * What the last line of a JSONL file is when no new line ends it: a complete record (a writer
 * stopped between the record and its new line), or torn (not valid JSON: a proper prefix of a
 * JSON object never parses). Valid JSON that is not a record cannot be a torn write: that is a
 * JsonlFormatError, as anywhere else in the file.
 */
function unterminatedLine(path: string, line: number, text: string): { torn: true; reason: string } | { torn: false; record: Trajectory } {
  const parsed = parseJsonText(text, { oneLine: true });
  if (!parsed.ok) return { torn: true, reason: parsed.problem };
  try {
    return { torn: false, record: trajectoryFromJson(parsed.value, 'record') };
  } catch (error) {
    if (error instanceof OptionsError) throw new JsonlFormatError(path, line, `the last line is complete JSON but not a trajectory (${redactQuoted(error.message, parsed.value)}); it is not a torn write, so it is kept: fix or remove it`);
    throw error;
  }
}

/**
 * Reads a JSONL file of trajectories, streaming line by line, validating every record. A torn
 * last line (no new line ends it and it is not valid JSON: a write cut short by a crash) is
 * skipped and reported to `onWarning`; a last line that is a complete record without its new
 * line is kept. A malformed line anywhere else (a new line ends it, so its write finished), or a
 * record that fails validation, throws JsonlFormatError with the line number. Blank lines are ignored.
 * Errors and warnings say where a line is wrong, never what it holds (a record may hold typed
 * passwords); a file that cannot be read (missing, a folder, no permission) is a JsonlFileError.
 */
export async function loadJsonl(path: string, options: LoadJsonlOptions = {}): Promise<Trajectory[]> {
  loadJsonlOptions.check(options);
  const out: Trajectory[] = [];
  let lineNo = 0;
  const handle = await openJsonl(path);
  try {
    for await (const { text, terminated } of linesOf(handle, path)) {
      lineNo++;
      if (text.trim() === '') continue;
      if (!terminated) {
        const last = unterminatedLine(path, lineNo, text);
        if (last.torn) options.onWarning?.(`${path}:${lineNo}: skipped a torn last line (${Buffer.byteLength(text)} bytes, ${last.reason}), as left by a write cut short`);
        else out.push(last.record);
        continue;
      }
      const parsed = parseJsonText(text, { oneLine: true });
      if (!parsed.ok) throw new JsonlFormatError(path, lineNo, `malformed JSON: ${parsed.problem}; only a torn last line (no new line after it) is skipped`);
      try {
        out.push(trajectoryFromJson(parsed.value, 'record'));
      } catch (error) {
        if (error instanceof OptionsError) throw new JsonlFormatError(path, lineNo, redactQuoted(error.message, parsed.value));
        throw error;
      }
    }
  } finally {
    await handle.close();
  }
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

/** Reads bytes [from, to) of an open file. */
async function readRange(fh: FileHandle, from: number, to: number): Promise<Buffer> {
  const buf = Buffer.alloc(to - from);
  let done = 0;
  while (done < buf.byteLength) {
    const { bytesRead } = await fh.read(buf, done, buf.byteLength - done, from + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buf.subarray(0, done);
}

/** 1-based number of the line starting after byte `end` (the count of new lines before it, plus one). */
async function lineNumberAt(fh: FileHandle, end: number): Promise<number> {
  let count = 1;
  for (let pos = 0; pos < end; pos += 1 << 20) {
    const buf = await readRange(fh, pos, Math.min(end, pos + (1 << 20)));
    for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) count++;
  }
  return count;
}

const appendQueues = new Map<string, Promise<void>>();

/**
 * Appends one trajectory as a line of `path` (created if missing), for streaming runs, in one
 * write continued until whole. Appends to one path from this process are serialised. When the
 * file does not end with a new line (a writer stopped mid-record or just before the new line),
 * its last line is looked at first: a complete record is kept and the new line added before the
 * next one; a torn line (not valid JSON) is dropped and reported to `onWarning`; a complete line
 * that is not a record is left alone and the append refused (JsonlFormatError). Appends survive
 * the process being killed (the data is in the OS's cache); it does not fsync. Assumes one writing
 * process per file.
 */
export function appendJsonl(path: string, trajectory: Trajectory, options: LoadJsonlOptions = {}): Promise<void> {
  try {
    loadJsonlOptions.as('appendJsonl').check(options);
    validateTrajectory(trajectory, 'appendJsonl: trajectory');
  } catch (error) {
    return Promise.reject(error as Error);
  }
  const line = lineOf(trajectory);
  const key = resolve(path);
  const run = async (): Promise<void> => {
    const fh = await open(key, 'a+').catch((error: unknown) => {
      throw new JsonlFileError(path, fileProblem(error, path, 'file', TRAJECTORIES));
    });
    try {
      const { size } = await fh.stat();
      if (size === 0) stepDone('create', key);
      const nl = size > 0 ? await lastNewline(fh, size) : -1;
      let text = line;
      if (size > 0 && nl !== size - 1) {
        const lineNo = await lineNumberAt(fh, nl + 1);
        const last = unterminatedLine(path, lineNo, (await readRange(fh, nl + 1, size)).toString('utf8'));
        if (last.torn) {
          // Dropped here: the only bytes appendJsonl ever removes, a line that never parsed.
          await fh.truncate(nl + 1);
          stepDone('truncate', key);
          options.onWarning?.(`${path}:${lineNo}: dropped a torn last line (${size - nl - 1} bytes, not valid JSON) before appending: a write cut short`);
        } else {
          text = `\n${line}`;
          options.onWarning?.(`${path}:${lineNo}: the last record was complete but had no new line; added the missing newline before appending`);
        }
      }
      await writeAll(fh, Buffer.from(text, 'utf8'), key);
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

/** The schema of LoadJsonlOptions: checked by `loadJsonl` and `appendJsonl` before the file is opened. */
export const loadJsonlOptions = defineOptions<LoadJsonlOptions>()('loadJsonl', obj({
  onWarning: fn<NonNullable<LoadJsonlOptions['onWarning']>>('a function (message) => void').optional(),
}));
