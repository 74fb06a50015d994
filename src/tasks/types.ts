// Tasks and reward checkers: a WebTask is an EnvTask that also knows its site, how to score the
// end of an episode (a Checker of the final page, the final answer and the episode's site
// state), and optionally how to read that state and how an expert solves it.

import type { Page } from 'playwright-core';
import type { Action, EnvTask, Observation } from '../env/types.js';

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

/** A checker's verdict: `score` is 1 (task done) or 0, `reason` says why in one line. */
export interface CheckResult {
  readonly score: number;
  readonly reason: string;
  /** Set when the checker threw (it then scores 0). */
  readonly error?: string;
  /**
   * Set when the score is 0 only because the check could not be decided here: `unjudged` (a
   * fuzzy match with no judge configured), `unsupported` (a WebArena `func:` helper that cannot
   * run from the page). Reports count these apart from real failures.
   */
  readonly undecided?: 'unjudged' | 'unsupported';
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
export interface WebTask extends EnvTask {
  /** The site the task is on (`shop`, `forum`, or a user's own site name). */
  readonly site: string;
  /** Scores the episode's end. */
  readonly check: Checker;
  /** Reads the episode's site state from its final page (for site-state checkers). */
  readonly readState?: (page: Page) => Promise<unknown>;
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
