// Writing and running scripted experts. An expert is a generator that reads observation text
// (through parseObservation/findElement), yields one action with a one-sentence rationale,
// and receives the next observation. `runExpert` drives one through an Environment, which
// scores the episode with the task's checker: that is a behaviour-cloning demonstration.
// `scoreEpisode` is how environments run a task's checker.

import type { Page } from 'playwright-core';
import { TaskError, WebAgentError } from '../errors.js';
import type { Demonstration, DemonstrationTurn } from '../data/demonstration.js';
import type { Environment, Observation, StepResult } from '../env/types.js';
import { bool, defineOptions, fn, obj, signal } from '../options.js';
import { runCheck } from './checkers.js';
import { findAll, pageText, type ElementQuery } from './observation.js';
import type { BrowserTask, CheckResult, ExpertScript, ExpertStep, WebTask } from './types.js';

/** An expert could not find what it needed on the page (a suite bug, or the page changed). */
export class ExpertError extends WebAgentError {
  constructor(message: string) {
    super('EXPERT_FAILED', message);
  }
}

function describe(q: ElementQuery): string {
  const role = q.role === undefined ? 'element' : typeof q.role === 'string' ? q.role : q.role.join('/');
  const name = q.name === undefined ? '' : typeof q.name === 'string' ? ` ${JSON.stringify(q.name)}` : ` matching ${String(q.name)}`;
  return `${role}${name}${q.nth && q.nth > 1 ? ` #${q.nth}` : ''}`;
}

/** The id of the element `query` names in the observation; throws ExpertError when absent. */
export function elementId(observation: Observation, query: ElementQuery): number {
  const found = findAll(observation, query);
  const line = found[(query.nth ?? 1) - 1];
  if (line?.id === undefined) {
    throw new ExpertError(`expert: no ${describe(query)} on ${observation.url} (${found.length} match(es)); page starts:\n${observation.text.slice(0, 600)}`);
  }
  return line.id;
}

/**
 * The rest of the first text line of the observation that starts with `prefix`
 * (`textAfter(obs, 'Price:')` on "Price: $12.99" gives "$12.99"); throws ExpertError when absent.
 */
export function textAfter(observation: Observation, prefix: string): string {
  const line = pageText(observation)
    .split('\n')
    .find((l) => l.startsWith(prefix));
  if (line === undefined) throw new ExpertError(`expert: no line starting ${JSON.stringify(prefix)} on ${observation.url}`);
  return line.slice(prefix.length).trim();
}

/** Whether the observation shows an element matching `query`. */
export function hasElement(observation: Observation, query: ElementQuery): boolean {
  return findAll(observation, query).length >= (query.nth ?? 1);
}

/** Step builders: each resolves its target to the id the observation shows. */
export const act = {
  click(obs: Observation, query: ElementQuery, thought: string): ExpertStep {
    return { action: { type: 'click', target: { id: elementId(obs, query) } }, thought };
  },
  type(obs: Observation, query: ElementQuery, text: string, thought: string, options: { readonly enter?: boolean } = {}): ExpertStep {
    return { action: { type: 'type', target: { id: elementId(obs, query) }, text, ...(options.enter ? { pressEnter: true } : {}) }, thought };
  },
  select(obs: Observation, query: ElementQuery, option: string, thought: string): ExpertStep {
    return { action: { type: 'select', target: { id: elementId(obs, query) }, option }, thought };
  },
  hover(obs: Observation, query: ElementQuery, thought: string): ExpertStep {
    return { action: { type: 'hover', target: { id: elementId(obs, query) } }, thought };
  },
  scroll(direction: 'up' | 'down', thought: string): ExpertStep {
    return { action: { type: 'scroll', direction }, thought };
  },
  goto(url: string, thought: string): ExpertStep {
    return { action: { type: 'goto', url }, thought };
  },
  back(thought: string): ExpertStep {
    return { action: { type: 'go_back' }, thought };
  },
  answer(text: string, thought: string): ExpertStep {
    return { action: { type: 'answer', text }, thought };
  },
};

/**
 * Follows a pager until an element matching `target` is on the page: yields "next page" clicks
 * and returns the observation that shows it. Use with `yield*`.
 */
export function* seek(obs: Observation, target: ElementQuery, next: ElementQuery, what: string, maxPages = 50): Generator<ExpertStep, Observation, Observation> {
  let current = obs;
  for (let i = 0; i < maxPages && !hasElement(current, target); i++) {
    if (!hasElement(current, next)) throw new ExpertError(`expert: ran out of pages looking for ${describe(target)} on ${current.url}`);
    current = yield act.click(current, next, `${what} is not on this page, so I go to the next page.`);
  }
  if (!hasElement(current, target)) throw new ExpertError(`expert: ${describe(target)} not found within ${maxPages} pages`);
  return current;
}

/**
 * An expert's episode: the demonstration it makes (its turns always carry a thought) and how
 * the episode ended, with the checker's verdict.
 */
export interface ExpertEpisode extends Demonstration {
  readonly taskId: string;
  readonly site: string;
  readonly score: number;
  readonly turns: readonly (DemonstrationTurn & { readonly thought: string })[];
  readonly answer: string | null;
  readonly finalUrl: string;
  readonly terminated: boolean;
  readonly truncated: boolean;
  readonly result: CheckResult;
}

/** The end of an episode, as a checker needs it. */
export interface EpisodeEnd {
  readonly answer: string | null;
  readonly url: string;
  /** The final page, still open, when the environment has a browser. */
  readonly page?: Page;
  /** Reads the episode's site state another way than the task's `readState(page)` (an in-memory site). */
  readonly state?: () => Promise<unknown>;
}

/**
 * Runs the task's checker on an episode's end: what `Environment.score` does. Call it before
 * the next `reset` (which closes the final page). A checker that throws scores 0 with the reason
 * kept; a task without a checker is a TaskError.
 */
export function scoreEpisode(task: BrowserTask, end: EpisodeEnd): Promise<CheckResult> {
  if (typeof task.check !== 'function') {
    return Promise.reject(new TaskError(`task ${JSON.stringify(task.id)} has no check, so its episode cannot be scored: give it a checker (WebTask.check)`));
  }
  const ctx = {
    task: task as WebTask,
    answer: end.answer,
    url: end.url,
    ...(end.page ? { page: end.page } : {}),
    async state<T>(): Promise<T> {
      if (end.state) return (await end.state()) as T;
      if (!task.readState) throw new Error(`task ${task.id} has no readState, so its site state cannot be checked`);
      if (!end.page) throw new Error('the site state is read through the final page, and there is none');
      return (await task.readState(end.page)) as T;
    },
  };
  return runCheck(task.check, ctx);
}

export interface RunExpertOptions {
  /** Run the task's `wrongExpert` (a plausible wrong ending) instead of its expert. */
  readonly wrong?: boolean;
  /** A different script than the task's own. */
  readonly expert?: ExpertScript;
  readonly signal?: AbortSignal;
}

/** The schema of RunExpertOptions: checked by `runExpert` before the environment is reset. */
export const runExpertOptions = defineOptions<RunExpertOptions>()('runExpert', obj({
  wrong: bool().optional(),
  expert: fn<ExpertScript>('a generator function (task, first observation) => actions').optional(),
  signal: signal().optional(),
}));

/** Runs an expert through `env` for one episode of `task`; the environment scores it. */
export async function runExpert(env: Environment, task: WebTask, options: RunExpertOptions = {}): Promise<ExpertEpisode> {
  runExpertOptions.check(options);
  const script = options.expert ?? (options.wrong ? task.wrongExpert : task.expert);
  if (!script) throw new ExpertError(`task ${task.id} has no ${options.wrong ? 'wrongExpert' : 'expert'}`);
  let observation = await env.reset(task, options.signal ? { signal: options.signal } : {});
  const gen = script(task, observation);
  const turns: (DemonstrationTurn & { readonly thought: string })[] = [];
  let answer: string | null = null;
  let last: StepResult | undefined;
  let next = gen.next(observation);
  while (!next.done) {
    options.signal?.throwIfAborted();
    const { action, thought } = next.value;
    turns.push({ observation, action, thought });
    last = await env.step(action);
    observation = last.observation;
    if (action.type === 'answer') answer = action.text;
    if (last.terminated || last.truncated) break;
    next = gen.next(observation);
  }
  const result = await env.score();
  const template = task.meta?.['template'];
  return {
    taskId: task.id, site: task.site, ...(typeof template === 'string' ? { template } : {}),
    // The instruction the page gave (MiniWoB++), as the agent will be prompted with it.
    intent: turns[0]?.observation.instruction ?? task.intent,
    score: result.score, turns, answer, finalUrl: observation.url, terminated: last?.terminated ?? false, truncated: last?.truncated ?? false, result,
  };
}
