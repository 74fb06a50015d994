// Tasks and reward checkers, and the browser's side of a task: a BrowserTask is an EnvTask
// with the Playwright hooks a browser environment runs (setup, ready, isDone, readState); a
// WebTask is a BrowserTask that also knows its site, how to score the end of an episode (a
// Checker of the final page, the final answer and the episode's site state) and how an expert
// solves it. With env/, the only module that needs Playwright's types.

import type { BrowserContext, Page } from 'playwright-core';
import type { Action, CheckResult, EnvTask, Observation } from '../env/types.js';

export type { CheckResult } from '../env/types.js';

/** What a task's or environment's `setup` hook gets: the fresh context and its first page. */
export interface EpisodeSetup {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly task: EnvTask;
}

/** A task with the hooks a browser environment (WebEnvironment) runs around its episode. */
export interface BrowserTask extends EnvTask {
  /**
   * Runs after the episode's browser context is made and before the start page loads, after the
   * environment's own `setup` option: sign in, set cookies, seed the episode's site state.
   */
  readonly setup?: (episode: EpisodeSetup) => Promise<void>;
  /**
   * Runs after the start page has loaded and before the first observation: start the page's
   * episode, wait until it is ready. An `instruction` it returns is put on the first observation
   * (the page states the task, as MiniWoB++ pages do). It has the environment's
   * `navigationTimeout`.
   */
  readonly ready?: (episode: EpisodeSetup) => Promise<{ readonly instruction?: string } | void>;
  /**
   * Runs after every action: true when the page has ended the episode by itself (MiniWoB++'s
   * `WOB_DONE_GLOBAL`); the step is then `terminated`. It has the environment's `actionTimeout`;
   * a failure is an environment fault.
   */
  readonly isDone?: (page: Page) => Promise<boolean>;
  /** Reads the episode's site state from its final page (for site-state checkers). */
  readonly readState?: (page: Page) => Promise<unknown>;
  /** Scores the episode's end (`Environment.score` runs it). */
  readonly check?: Checker;
}

/** What a checker sees of an episode's end. */
export interface CheckContext {
  readonly task: WebTask;
  /** The final answer (`answer`/`stop` action), or null when the episode ended without one. */
  readonly answer: string | null;
  /** URL of the final page. */
  readonly url: string;
  /** The final page, still open (page-content checks evaluate on it); absent without a browser. */
  readonly page?: Page;
  /** The episode's site state, read through the task's `readState`. Throws when it cannot be read. */
  state<T = unknown>(): Promise<T>;
}

/** A reward checker: a function of the episode's end. May throw; `runCheck` turns that into 0. */
export type Checker = (ctx: CheckContext) => CheckResult | Promise<CheckResult>;

/** One step of an expert demonstration: the action and a one-sentence rationale for it. */
export interface ExpertStep {
  readonly action: Action;
  readonly thought: string;
}

/**
 * A scripted solver. It is a generator over observations: it yields a step, gets back the
 * observation that step produced, and ends by yielding an `answer` action. It acts only through
 * observations (reading element ids from the text) and actions, like a policy.
 */
export type ExpertScript = (task: WebTask, first: Observation) => Generator<ExpertStep, void, Observation>;

/** A web task: intent, start page, checker, and what the suite knows about it. */
export interface WebTask extends BrowserTask {
  /** The site the task is on (`shop`, `forum`, or a user's own site name). */
  readonly site: string;
  /** Scores the episode's end. */
  readonly check: Checker;
  /** A scripted solver producing demonstrations, when the suite has one. */
  readonly expert?: ExpertScript;
  /**
   * The same solver made to end plausibly wrong (wrong item, wrong quantity, wrong answer,
   * change left unsaved): demonstrations of failure, and proof that the checker can say 0.
   */
  readonly wrongExpert?: ExpertScript;
  /** Template id, split, entities, expected answer and other facts about the instance. */
  readonly meta: Readonly<Record<string, unknown>>;
}
