// Demonstrations: episodes an expert solved, the training data of behaviour cloning. Unlike a
// Trajectory (which records the policy's own tokens and behaviour logprobs), a demonstration
// keeps each turn's whole observation, the action and the thought behind it, and no tokens: the
// policy's prompt is rebuilt from it at training time, in whatever format the policy uses. Plus
// its JSONL file format (one demonstration per line, screenshots dropped), written atomically
// like rollout-buffer.ts's `saveJsonl` and read back with every record validated.

import type { FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Action, Observation } from '../env/types.js';
import { OptionsError } from '../errors.js';
import { describeValue, isSystemError, openRegularFile } from './load-errors.js';
import { parseJsonText } from './json-text.js';
import { writeLinesAtomic } from './jsonl.js';

/** One turn of a demonstration: what was seen, what was done, and why. */
export interface DemonstrationTurn {
  /** The observation before the action (the prompt is built from it). */
  readonly observation: Observation;
  readonly action: Action;
  /** A one-sentence rationale, written as the reply's thought when the prompt format has one. */
  readonly thought?: string;
}

/**
 * An episode of a task, with the checker's score (1 = solved: the ones behaviour cloning
 * trains on). Behaviour cloning reads `intent` and `turns` only, so its functions take
 * `Pick<Demonstration, 'intent' | 'turns'>`.
 */
export interface Demonstration {
  readonly taskId: string;
  readonly site: string;
  /** The task's `meta.template`, when it is a string. */
  readonly template?: string;
  /** The instruction the agent is prompted with (the page's own, when it gave one). */
  readonly intent: string;
  /** The checker's score of the episode (1 = solved). */
  readonly score: number;
  readonly turns: readonly DemonstrationTurn[];
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

/** Throws (through `fail`) unless `v` is a Demonstration as plain JSON (stored with a thought on every turn). */
function checkDemonstration(v: unknown, fail: Fail): asserts v is Demonstration {
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
function storedForm(demo: Demonstration): Demonstration {
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
export async function saveDemonstrations(path: string, demos: readonly Demonstration[]): Promise<void> {
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
export async function loadDemonstrations(path: string): Promise<Demonstration[]> {
  const out: Demonstration[] = [];
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

