// The Environment contract: plain-data observations out, typed actions in, and the episode's
// score from the environment itself (the task's checker, called by the environment as
// BrowserGym's `task.validate` is). Browser-free: trainers and agents depend on this file only.
// Implemented by WebEnvironment (real Chromium, with the browser hooks of the tasks module's
// `BrowserTask`) and, for unit tests, by ScriptedEnvironment on the `webagent-r1/testing` subpath.

/**
 * Which element an action acts on: the integer id shown in the observation (`[12]`), or a
 * role and accessible name exactly as the observation prints them (`link "Blue Ceramic Mug"`),
 * with `nth` (1-based) to pick the k-th of several equal matches.
 */
export type ElementTarget = { readonly id: number } | { readonly role: string; readonly name: string; readonly nth?: number };

/**
 * Response header by which a site ends the current episode as an environment fault: any
 * response of the episode's pages carrying `x-webagent-session: lost` (the bundled sites send it
 * with a 410 when their server restarted and no longer holds the episode's session) makes the
 * next `reset` or `step` throw a retryable SiteUnavailableError, so the episode is re-run
 * instead of being scored on a state it did not build.
 */
export const SESSION_LOST_HEADER = 'x-webagent-session';

/** One action of the agent. Every grammar parses into, and formats from, this union. */
export type Action =
  | { readonly type: 'click'; readonly target: ElementTarget }
  | { readonly type: 'type'; readonly target: ElementTarget; readonly text: string; readonly pressEnter?: boolean }
  | { readonly type: 'select'; readonly target: ElementTarget; readonly option: string }
  | { readonly type: 'hover'; readonly target: ElementTarget }
  | { readonly type: 'press'; readonly key: string }
  | { readonly type: 'scroll'; readonly direction: 'up' | 'down' }
  | { readonly type: 'goto'; readonly url: string }
  | { readonly type: 'go_back' }
  | { readonly type: 'go_forward' }
  /**
   * Lets time pass (`ms`, default `WAIT_DEFAULT_MS`, at most `WAIT_MAX_MS`) and observes again:
   * for pages that change by themselves (a menu that opens after a delay, a result that loads).
   */
  | { readonly type: 'wait'; readonly ms?: number }
  | { readonly type: 'answer'; readonly text: string }
  /**
   * Text that did not parse into an action. Stepping it changes nothing on the page; the
   * reason becomes the next observation's `lastActionError` and the turn counts.
   */
  | { readonly type: 'invalid'; readonly text: string; readonly reason: string };

export type ActionType = Action['type'];

/** Element states shown in the observation. */
export interface ElementState {
  readonly checked?: boolean | 'mixed';
  readonly selected?: boolean;
  readonly disabled?: boolean;
  readonly expanded?: boolean;
  readonly focused?: boolean;
  readonly required?: boolean;
}

/**
 * One line of page content, as the DOM walker (or a scripted page) produces it. Actionable
 * elements carry an `id`; static text does not.
 */
export interface ObservationNode {
  /** Integer id, present only on actionable elements. */
  readonly id?: number;
  /** ARIA role (explicit or implicit), `text` for static text, `heading` for headings. */
  readonly role: string;
  /** Accessible name, or the text itself for static text. */
  readonly name: string;
  readonly value?: string;
  readonly state?: ElementState;
  /** Heading level 1..6. */
  readonly level?: number;
  /** Indentation depth (options inside a select, elements inside an iframe). */
  readonly depth?: number;
  /**
   * The `type` of an input whose text format is not free text (`date`, `time`, `datetime-local`,
   * `month`, `week`, `color`), shown as `type=date` on its line. Absent on text inputs.
   */
  readonly inputType?: string;
  /** Whether any part of the element lies in the viewport. Truncation keeps visible lines first. */
  readonly visible?: boolean;
}

/** What the agent sees after each reset and step. Plain data, never a live page. */
export interface Observation {
  /** The page as text: one line per element or text block, `[id] role "name" ...` for actionable ones. */
  readonly text: string;
  readonly url: string;
  readonly title: string;
  /** Why the last action failed (bad id, hidden element, timeout, unparseable text, ...), else null. */
  readonly lastActionError: string | null;
  /** Things that happened that the agent should know of: dialogs, blocked downloads, popups. */
  readonly notices: readonly string[];
  /** True when the text was cut to fit the budget; the text says where. */
  readonly truncated: boolean;
  /** The structured lines the text was made from. */
  readonly nodes: readonly ObservationNode[];
  /** PNG bytes of the viewport, when screenshots are enabled. */
  readonly screenshot?: Uint8Array;
  /**
   * The instruction the page itself gave for this episode (MiniWoB++'s utterance); agents use it
   * in place of the task's intent. Set only on the first observation, by a task's `ready` hook.
   */
  readonly instruction?: string;
}

/** Extra facts about a step, for logging and reward checking. */
export interface StepInfo {
  /** 1-based number of the step just taken. */
  readonly turn: number;
  readonly action: Action;
  /** Final answer, when the action was `answer`. */
  readonly answer?: string;
  /** Wall time the step took, in milliseconds. */
  readonly elapsedMs: number;
}

export interface StepResult {
  readonly observation: Observation;
  /** The episode is over: the agent answered, or the task's `isDone` said the page ended it. */
  readonly terminated: boolean;
  /** The turn limit was reached without an answer. */
  readonly truncated: boolean;
  readonly info: StepInfo;
}

/**
 * The minimal task an environment can run. The tasks module's `BrowserTask` adds the browser
 * hooks and `WebTask` the reward checker; users may pass anything of this shape.
 */
export interface EnvTask {
  readonly id: string;
  /** The instruction given to the agent. */
  readonly intent: string;
  /** Absolute http(s) URL the episode starts on. */
  readonly startUrl: string;
  /** Turn limit; the environment's `maxTurns` option applies when absent. */
  readonly maxTurns?: number;
  /**
   * Origins (`http://127.0.0.1:8080`) the agent may navigate to, besides the start URL's.
   * `'*'` allows any http(s) origin.
   */
  readonly allowedOrigins?: readonly string[] | '*';
}

export interface ResetOptions {
  readonly signal?: AbortSignal;
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

/** The Environment interface: `reset(task)`, `step(action)`, `score()`, `close()`. */
export interface Environment<Task extends EnvTask = EnvTask> extends AsyncDisposable {
  /** Starts a fresh episode of `task` and returns the first observation. */
  reset(task: Task, options?: ResetOptions): Promise<Observation>;
  /** Executes one action. Action failures are reported in the observation, never thrown. */
  step(action: Action): Promise<StepResult>;
  /**
   * Scores the episode as it stands: runs the task's checker on the final state (the final
   * answer, the final URL, and what the environment has of the page and the site's state).
   * Call it after the last step, whether the episode was answered, ran out of turns or was cut
   * short, and before the next `reset`. A checker that throws scores 0 with the error kept; a
   * task without a checker is a TaskError.
   */
  score(): Promise<CheckResult>;
  /** Releases everything the environment holds. Safe to call twice. */
  close(): Promise<void>;
}
