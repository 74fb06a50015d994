// Collecting expert demonstrations for the behaviour-cloning warm-up (WebAgent-R1, arXiv
// 2505.16421): runs each task's scripted expert (`runExpert`) with one environment per
// concurrent slot, re-running episodes whose browser crashed (EpisodeAbortedError), the way the
// rollout engine (rollout.ts) does; keeps the demonstrations that score 1 by default and reports
// the rest. Plus a JSONL file format for them (one demonstration per line, screenshots dropped),
// written atomically like rollout-buffer.ts's `saveJsonl`, read back with every record validated.

import type { FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { isSystemError, openRegularFile, parseJsonText, describeValue } from '../data/load-errors.js';
import { writeLinesAtomic } from '../data/rollout-buffer.js';
import type { Action, Environment, Observation } from '../env/types.js';
import { EpisodeAbortedError, OptionsError, isWebAgentError } from '../errors.js';
import { runExpert } from '../tasks/expert.js';
import type { WebTask } from '../tasks/types.js';
import type { ExpertDemonstration } from './behavior-cloning.js';
import { bool, defineOptions, fn, nonNegativeInt, obj, positiveInt, signal } from '../options.js';

/** One turn of a collected demonstration: what the expert saw, did, and why. */
export interface CollectedTurn {
  readonly observation: Observation;
  readonly action: Action;
  readonly thought: string;
}

/** An expert demonstration with the task it came from and its checker score. */
export interface CollectedDemonstration extends ExpertDemonstration {
  readonly taskId: string;
  readonly site: string;
  /** The task's `meta.template`, when it is a string. */
  readonly template?: string;
  /** The checker's score of the expert's episode (1 = solved). */
  readonly score: number;
  readonly turns: readonly CollectedTurn[];
}

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
  readonly onDemonstration?: (demo: CollectedDemonstration, task: WebTask) => void;
  readonly signal?: AbortSignal;
}

export interface CollectDemonstrationsResult {
  /** Kept demonstrations, in task order. */
  readonly demonstrations: CollectedDemonstration[];
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
  const outcomes: Array<{ demo: CollectedDemonstration } | { reason: string } | undefined> = new Array<undefined>(tasks.length);
  let next = 0;
  let fatal: { error: unknown } | undefined;
  const stopped = (): boolean => fatal !== undefined || options.signal?.aborted === true;

  const runTask = async (task: WebTask, getEnv: () => Promise<Environment>, dropEnv: () => Promise<void>): Promise<{ demo: CollectedDemonstration } | { reason: string }> => {
    if (!task.expert) return { reason: 'the task has no expert' };
    for (let attempt = 0; ; attempt++) {
      const env = await getEnv();
      try {
        const d = await runExpert(env, task, options.signal ? { signal: options.signal } : {});
        const template = task.meta?.['template'];
        const demo: CollectedDemonstration = {
          taskId: task.id,
          site: task.site,
          ...(typeof template === 'string' ? { template } : {}),
          // The instruction the page gave (MiniWoB++), as the agent will be prompted with it.
          intent: d.turns[0]?.observation.instruction ?? task.intent,
          score: d.result.score,
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
  const demonstrations: CollectedDemonstration[] = [];
  const failed: { taskId: string; reason: string }[] = [];
  outcomes.forEach((o, i) => {
    if (o && 'demo' in o) demonstrations.push(o.demo);
    else failed.push({ taskId: tasks[i]!.id, reason: o?.reason ?? 'not run' });
  });
  return { demonstrations, failed };
}

// ---------------------------------------------------------------- JSONL files

type Json = Record<string, unknown>;
type Fail = (field: string, problem: string) => never;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function expect(ok: boolean, fail: Fail, field: string, problem: string): void {
  if (!ok) fail(field, problem);
}

function checkString(o: Json, key: string, at: string, fail: Fail, optional = false): void {
  if (optional && o[key] === undefined) return;
  expect(typeof o[key] === 'string', fail, `${at}${key}`, 'must be a string');
}

function checkTarget(v: unknown, at: string, fail: Fail): void {
  if (!isObject(v)) return fail(at, 'must be an object ({ id } or { role, name })');
  if ('id' in v) return expect(Number.isInteger(v['id']), fail, `${at}.id`, 'must be an integer');
  checkString(v, 'role', `${at}.`, fail);
  checkString(v, 'name', `${at}.`, fail);
  if (v['nth'] !== undefined) expect(Number.isInteger(v['nth']) && (v['nth'] as number) >= 1, fail, `${at}.nth`, 'must be an integer >= 1');
}

const ACTION_FIELDS: Readonly<Record<Action['type'], readonly string[]>> = {
  click: ['target'], hover: ['target'], type: ['target', 'text'], select: ['target', 'option'], press: ['key'], scroll: ['direction'],
  goto: ['url'], go_back: [], go_forward: [], wait: [], answer: ['text'], invalid: ['text', 'reason'],
};

function checkAction(v: unknown, at: string, fail: Fail): void {
  if (!isObject(v)) return fail(at, 'must be an object');
  const fields = typeof v['type'] === 'string' && Object.hasOwn(ACTION_FIELDS, v['type']) ? ACTION_FIELDS[v['type'] as Action['type']] : undefined;
  if (!fields) return fail(`${at}.type`, `must be one of ${Object.keys(ACTION_FIELDS).join(', ')}, got ${describeValue(v['type'])}`);
  for (const f of fields) {
    if (f === 'target') checkTarget(v['target'], `${at}.target`, fail);
    else if (f === 'direction') expect(v['direction'] === 'up' || v['direction'] === 'down', fail, `${at}.direction`, 'must be "up" or "down"');
    else checkString(v, f, `${at}.`, fail);
  }
  if (v['pressEnter'] !== undefined) expect(typeof v['pressEnter'] === 'boolean', fail, `${at}.pressEnter`, 'must be a boolean');
  if (v['ms'] !== undefined) expect(Number.isInteger(v['ms']) && (v['ms'] as number) >= 0, fail, `${at}.ms`, 'must be an integer >= 0');
}

function checkObservation(v: unknown, at: string, fail: Fail): void {
  if (!isObject(v)) return fail(at, 'must be an object');
  for (const k of ['text', 'url', 'title']) checkString(v, k, `${at}.`, fail);
  expect(v['lastActionError'] === null || typeof v['lastActionError'] === 'string', fail, `${at}.lastActionError`, 'must be a string or null');
  expect(Array.isArray(v['notices']) && v['notices'].every((n) => typeof n === 'string'), fail, `${at}.notices`, 'must be an array of strings');
  expect(typeof v['truncated'] === 'boolean', fail, `${at}.truncated`, 'must be a boolean');
  const nodes = v['nodes'];
  if (!Array.isArray(nodes)) return fail(`${at}.nodes`, 'must be an array');
  nodes.forEach((n: unknown, i) => {
    const where = `${at}.nodes[${i}]`;
    if (!isObject(n)) return fail(where, 'must be an object');
    checkString(n, 'role', `${where}.`, fail);
    checkString(n, 'name', `${where}.`, fail);
    checkString(n, 'value', `${where}.`, fail, true);
    for (const k of ['id', 'level', 'depth']) if (n[k] !== undefined) expect(Number.isInteger(n[k]), fail, `${where}.${k}`, 'must be an integer');
    if (n['visible'] !== undefined) expect(typeof n['visible'] === 'boolean', fail, `${where}.visible`, 'must be a boolean');
    if (n['state'] !== undefined) expect(isObject(n['state']), fail, `${where}.state`, 'must be an object');
  });
}

/** Throws (through `fail`) unless `v` is a CollectedDemonstration as plain JSON. */
function checkDemonstration(v: unknown, fail: Fail): asserts v is CollectedDemonstration {
  if (!isObject(v)) return fail('record', 'must be a JSON object');
  for (const k of ['taskId', 'site', 'intent']) checkString(v, k, '', fail);
  expect(v['taskId'] !== '', fail, 'taskId', 'must not be empty');
  checkString(v, 'template', '', fail, true);
  expect(typeof v['score'] === 'number' && Number.isFinite(v['score']), fail, 'score', 'must be a finite number');
  const turns = v['turns'];
  if (!Array.isArray(turns)) return fail('turns', 'must be an array');
  turns.forEach((t: unknown, i) => {
    const at = `turns[${i}]`;
    if (!isObject(t)) return fail(at, 'must be an object');
    checkObservation(t['observation'], `${at}.observation`, fail);
    checkAction(t['action'], `${at}.action`, fail);
    checkString(t, 'thought', `${at}.`, fail);
  });
}

/** The demonstration as it is stored: observations without their screenshots. */
function storedForm(demo: CollectedDemonstration): CollectedDemonstration {
  return {
    ...demo,
    turns: demo.turns.map((t) => {
      const observation: { -readonly [K in keyof Observation]: Observation[K] } = { ...t.observation };
      delete observation.screenshot;
      return { ...t, observation };
    }),
  };
}

/**
 * Writes demonstrations to `path` as JSONL, one per line, screenshots dropped. The file is
 * written to a temporary name and renamed into place, so a crash never leaves half a file.
 */
export async function saveDemonstrations(path: string, demos: readonly CollectedDemonstration[]): Promise<void> {
  const records = demos.map((d, i) => {
    const record = storedForm(d);
    checkDemonstration(record, (field, problem) => {
      throw new OptionsError(`saveDemonstrations: demos[${i}]: ${field} ${problem}`);
    });
    return record;
  });
  await writeLinesAtomic(path, records.map((r) => `${JSON.stringify(r)}\n`));
}

const DEMONSTRATIONS = 'a JSONL file of demonstrations';

/** Opens a demonstrations file, or throws an OptionsError saying why it cannot be read (missing, a folder, no permission). */
async function openDemonstrations(path: string): Promise<FileHandle> {
  const opened = await openRegularFile(path, DEMONSTRATIONS);
  if (!opened.ok) throw new OptionsError(opened.problem);
  return opened.handle;
}

/**
 * Reads a JSONL file of demonstrations written by `saveDemonstrations`, validating every record.
 * Blank lines are ignored; a line that is not JSON, or a record missing a field or holding a wrong
 * value, throws an OptionsError naming the file, the line and the field, never what the line
 * holds (observations and typed text may hold passwords). A path that is missing, a folder or
 * unreadable is an OptionsError naming it and what was expected.
 */
export async function loadDemonstrations(path: string): Promise<CollectedDemonstration[]> {
  const out: CollectedDemonstration[] = [];
  const handle = await openDemonstrations(path);
  const lines = createInterface({ input: handle.createReadStream({ encoding: 'utf8', autoClose: false, start: 0 }), crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      const parsed = parseJsonText(line, { oneLine: true });
      if (!parsed.ok) throw new OptionsError(`${path}:${lineNo}: not a demonstration: malformed JSON: ${parsed.problem}`);
      const value = parsed.value;
      checkDemonstration(value, (field, problem) => {
        throw new OptionsError(`${path}:${lineNo}: not a demonstration: ${field} ${problem}`);
      });
      out.push(value);
    }
  } catch (error) {
    if (error instanceof OptionsError) throw error;
    if (isSystemError(error)) throw new OptionsError(`reading ${path} failed at line ${lineNo + 1} (${error.code}); expected ${DEMONSTRATIONS}`);
    throw error;
  } finally {
    lines.close();
    await handle.close();
  }
  return out;
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
