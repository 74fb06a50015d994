// Trajectory data: one episode of a web agent as plain data (typed arrays and JSON, no tensors),
// recorded per turn: each turn holds the exact prompt the policy acted on and
// the behaviour logprobs of its reply, so M-GRPO (WebAgent-R1, arXiv 2505.16421) can compute
// exact ratios. Also the validators and the JSON form used by the JSONL files of rollout-buffer.ts.
// `src/data` imports nothing from env/, policy/ or rl/: the shapes it needs are declared here.

import { OptionsError } from '../errors.js';

/** The parsed action of a turn as plain JSON; type `invalid` marks a reply that did not parse. */
export type ActionRecord = Readonly<{ type: string } & Record<string, unknown>>;

/** One chat message of a turn's prompt (the same shape as the policy's chat messages). */
export interface TurnMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** One turn: the prompt the policy saw, what it replied, and the page it acted on. */
export interface Turn {
  /** The exact prompt token ids the policy acted on (compressed history + this turn's observation). */
  readonly promptIds: Int32Array;
  /** The reply's token ids, end-of-turn token included. */
  readonly completionIds: Int32Array;
  /** Behaviour logprobs recorded while sampling, one per completion token. */
  readonly logprobs: Float32Array;
  /** The reply as text. */
  readonly text: string;
  readonly action: ActionRecord;
  /** Summary of the page the action was taken on. */
  readonly observation: { readonly url: string; readonly title: string; readonly error: string | null };
  /** The prompt as chat messages (for export as a chat dataset). */
  readonly prompt?: readonly TurnMessage[];
  /** What went wrong in this turn, if anything (for inspection only). */
  readonly error?: string;
}

/** One episode. The rollouts of one task in one iteration share a `groupId` (the GRPO group). */
export interface Trajectory {
  readonly taskId: string;
  readonly groupId: string;
  readonly site?: string;
  readonly template?: string;
  readonly turns: readonly Turn[];
  /** The episode's reward (binary task success in the paper). */
  readonly reward: number;
  /** The checker's verdict behind the reward: its one-line reason, and why it could not decide or failed, when so. */
  readonly check?: { readonly reason: string; readonly error?: string; readonly undecided?: 'unjudged' | 'unsupported' };
  /** The final answer the agent gave, if it gave one. */
  readonly answer?: string;
  /**
   * Why the episode stopped before the agent ended it or hit a limit, when it did (the task's
   * prompt outgrew the prompt budget). The reward is still the checker's verdict on the end state.
   */
  readonly error?: string;
  readonly stats: {
    readonly turns: number;
    readonly invalidActions: number;
    readonly elapsedMs: number;
    readonly terminated: boolean;
    readonly truncated: boolean;
  };
}

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant']);

type Fail = (message: string) => never;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return typeof v === 'string' ? `"${v.length > 40 ? `${v.slice(0, 40)}...` : v}"` : typeof v;
}

function str(v: unknown, field: string, fail: Fail, optional = false): void {
  if (optional && v === undefined) return;
  if (typeof v !== 'string') fail(`${field} must be a string, got ${describe(v)}`);
}

function validateTurn(turn: unknown, field: string, fail: Fail): void {
  if (!isObject(turn)) fail(`${field} must be an object, got ${describe(turn)}`);
  const { promptIds, completionIds, logprobs } = turn;
  for (const [name, ids] of [['promptIds', promptIds], ['completionIds', completionIds]] as const) {
    if (!(ids instanceof Int32Array)) fail(`${field}.${name} must be an Int32Array, got ${describe(ids)}`);
    const bad = ids.findIndex((id) => id < 0);
    if (bad >= 0) fail(`${field}.${name}[${bad}] = ${ids[bad]} is not a token id (must be an integer >= 0)`);
  }
  if (!(logprobs instanceof Float32Array)) fail(`${field}.logprobs must be a Float32Array, got ${describe(logprobs)}`);
  if (logprobs.length !== (completionIds as Int32Array).length) {
    fail(`${field}.logprobs has ${logprobs.length} entries for ${(completionIds as Int32Array).length} completionIds (one logprob per completion token)`);
  }
  const nonFinite = logprobs.findIndex((x) => !Number.isFinite(x));
  if (nonFinite >= 0) fail(`${field}.logprobs[${nonFinite}] = ${logprobs[nonFinite]} is not finite`);
  str(turn.text, `${field}.text`, fail);
  if (!isObject(turn.action) || typeof turn.action.type !== 'string') fail(`${field}.action must be an object with a string "type", got ${describe(turn.action)}`);
  const obs = turn.observation;
  if (!isObject(obs)) fail(`${field}.observation must be an object {url, title, error}, got ${describe(obs)}`);
  str(obs.url, `${field}.observation.url`, fail);
  str(obs.title, `${field}.observation.title`, fail);
  if (obs.error !== null) str(obs.error, `${field}.observation.error`, fail);
  if (turn.prompt !== undefined) {
    if (!Array.isArray(turn.prompt)) fail(`${field}.prompt must be an array of chat messages, got ${describe(turn.prompt)}`);
    turn.prompt.forEach((m: unknown, k) => {
      if (!isObject(m) || typeof m.role !== 'string' || !ROLES.has(m.role) || typeof m.content !== 'string') {
        fail(`${field}.prompt[${k}] must be {role: 'system' | 'user' | 'assistant', content: string}`);
      }
    });
  }
  str(turn.error, `${field}.error`, fail, true);
}

/**
 * Checks that `value` is a well-formed in-memory Trajectory (typed arrays, matching lengths,
 * finite reward and logprobs, non-negative integer ids). Throws OptionsError whose message starts
 * with `label` and names the offending field (`trajectory 3 (task "shop/1"): turns[2].logprobs ...`).
 */
export function validateTrajectory(value: unknown, label: string): asserts value is Trajectory {
  const fail: Fail = (message) => {
    const task = isObject(value) && typeof value.taskId === 'string' ? ` (task "${value.taskId}")` : '';
    throw new OptionsError(`${label}${task}: ${message}`);
  };
  if (!isObject(value)) fail(`must be an object, got ${describe(value)}`);
  const t = value as Record<string, unknown>;
  str(t.taskId, 'taskId', fail);
  str(t.groupId, 'groupId', fail);
  str(t.site, 'site', fail, true);
  str(t.template, 'template', fail, true);
  str(t.answer, 'answer', fail, true);
  str(t.error, 'error', fail, true);
  if (t.check !== undefined) {
    const c = t.check;
    if (!isObject(c)) fail(`check must be an object {reason, error?, undecided?}, got ${describe(c)}`);
    str(c.reason, 'check.reason', fail);
    str(c.error, 'check.error', fail, true);
    if (c.undecided !== undefined && c.undecided !== 'unjudged' && c.undecided !== 'unsupported') fail(`check.undecided must be "unjudged" or "unsupported", got ${describe(c.undecided)}`);
  }
  if (typeof t.reward !== 'number' || !Number.isFinite(t.reward)) fail(`reward must be a finite number, got ${typeof t.reward === 'number' ? t.reward : describe(t.reward)}`);
  if (!Array.isArray(t.turns)) fail(`turns must be an array, got ${describe(t.turns)}`);
  (t.turns as unknown[]).forEach((turn, j) => validateTurn(turn, `turns[${j}]`, fail));
  const stats = t.stats;
  if (!isObject(stats)) fail(`stats must be an object, got ${describe(stats)}`);
  for (const key of ['turns', 'invalidActions', 'elapsedMs'] as const) {
    if (typeof stats[key] !== 'number' || !Number.isFinite(stats[key])) fail(`stats.${key} must be a finite number, got ${describe(stats[key])}`);
  }
  for (const key of ['terminated', 'truncated'] as const) {
    if (typeof stats[key] !== 'boolean') fail(`stats.${key} must be a boolean, got ${describe(stats[key])}`);
  }
}

/** The JSON form of a trajectory: typed arrays become plain number arrays. */
export function trajectoryToJson(t: Trajectory): unknown {
  return {
    ...t,
    turns: t.turns.map((turn) => ({
      ...turn,
      promptIds: Array.from(turn.promptIds),
      completionIds: Array.from(turn.completionIds),
      logprobs: Array.from(turn.logprobs),
    })),
  };
}

/**
 * Reads the JSON form back (plain arrays become Int32Array / Float32Array, exactly: float32
 * values survive the float64 text round trip) and validates it. Throws OptionsError as
 * `validateTrajectory` does.
 */
export function trajectoryFromJson(value: unknown, label: string): Trajectory {
  const fail: Fail = (message) => {
    throw new OptionsError(`${label}: ${message}`);
  };
  if (!isObject(value)) fail(`must be a JSON object, got ${describe(value)}`);
  const t = value as Record<string, unknown>;
  if (!Array.isArray(t.turns)) fail(`turns must be an array, got ${describe(t.turns)}`);
  const turns = (t.turns as unknown[]).map((turn, j) => {
    if (!isObject(turn)) fail(`turns[${j}] must be an object, got ${describe(turn)}`);
    const ints = (name: 'promptIds' | 'completionIds'): Int32Array => {
      const v = turn[name];
      if (!Array.isArray(v)) fail(`turns[${j}].${name} must be an array of token ids, got ${describe(v)}`);
      const bad = (v as unknown[]).findIndex((x) => !Number.isInteger(x) || (x as number) < 0 || (x as number) > 0x7fffffff);
      if (bad >= 0) fail(`turns[${j}].${name}[${bad}] = ${JSON.stringify((v as unknown[])[bad])} is not a token id (must be an integer >= 0)`);
      return Int32Array.from(v as number[]);
    };
    const lp = turn.logprobs;
    if (!Array.isArray(lp)) fail(`turns[${j}].logprobs must be an array of numbers, got ${describe(lp)}`);
    const badLp = (lp as unknown[]).findIndex((x) => typeof x !== 'number');
    if (badLp >= 0) fail(`turns[${j}].logprobs[${badLp}] = ${JSON.stringify((lp as unknown[])[badLp])} is not a number`);
    return { ...turn, promptIds: ints('promptIds'), completionIds: ints('completionIds'), logprobs: Float32Array.from(lp as number[]) };
  });
  const out = { ...t, turns };
  validateTrajectory(out, label);
  return out;
}
