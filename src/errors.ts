// Typed errors for webagent-r1: one base class with a marker symbol (so `isWebAgentError` works
// across duplicated package copies), one subclass per failure a caller may want to handle.

const MARKER = Symbol.for('webagent-r1.error');

/** Base class of every error this package throws. `code` is stable and machine-readable. */
export class WebAgentError extends Error {
  readonly [MARKER] = true;
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** True for any error thrown by this package, even from another copy of it. */
export function isWebAgentError(error: unknown): error is WebAgentError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
}

/** An option or argument is invalid. Thrown at construction, before any browser starts. */
export class OptionsError extends WebAgentError {
  constructor(message: string) {
    super('INVALID_OPTIONS', message);
  }
}

/** No Chromium/Chrome executable could be found or installed. The message says what to install. */
export class BrowserNotFoundError extends WebAgentError {
  constructor(message: string) {
    super('BROWSER_NOT_FOUND', message);
  }
}

/** Launching or connecting to a browser failed. */
export class BrowserLaunchError extends WebAgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BROWSER_LAUNCH_FAILED', message, options);
  }
}

/**
 * The episode could not continue because of an environment fault, not the agent's action:
 * the browser crashed or disconnected, the page's renderer crashed, or the page stopped
 * responding. Nothing of the episode should be recorded as a result; it is safe to re-run.
 */
export class EpisodeAbortedError extends WebAgentError {
  readonly retryable = true;
}

/** The browser that hosted the episode crashed or disconnected. The pool relaunches it. */
export class BrowserCrashedError extends EpisodeAbortedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BROWSER_CRASHED', message, options);
  }
}

/** The page's renderer process crashed. */
export class PageCrashedError extends EpisodeAbortedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PAGE_CRASHED', message, options);
  }
}

/** The page did not answer within the observation timeout (for example an endless script). */
export class PageUnresponsiveError extends EpisodeAbortedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PAGE_UNRESPONSIVE', message, options);
  }
}

/**
 * The page kept replacing its document (reloading or navigating on a timer) while the
 * environment needed it still, so the episode could not go on. Safe to re-run.
 */
export class PageUnstableError extends EpisodeAbortedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PAGE_UNSTABLE', message, options);
  }
}

/**
 * A browser operation failed in a way the environment has no better name for (an error of the
 * Playwright protocol). The episode is abandoned; it is safe to re-run.
 */
export class BrowserOperationError extends EpisodeAbortedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BROWSER_OPERATION', message, options);
  }
}

/**
 * A task's site could not be reached, or no longer holds the episode's session (its server
 * restarted, so the state the agent built is gone): the episode's state cannot be set up or
 * checked, and its reward would be wrong. Safe to re-run.
 */
export class SiteUnavailableError extends EpisodeAbortedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SITE_UNAVAILABLE', message, options);
  }
}

/** The environment was used in a state that does not allow the call (closed, not reset, episode over). */
export class EnvironmentStateError extends WebAgentError {
  constructor(message: string) {
    super('ENVIRONMENT_STATE', message);
  }
}

/** A task given to `reset` is malformed (missing start URL, disallowed scheme, ...). */
export class TaskError extends WebAgentError {
  constructor(message: string) {
    super('INVALID_TASK', message);
  }
}

/** The task's start page did not load (site down, wrong URL, timeout). Safe to retry. */
export class StartPageError extends EpisodeAbortedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('START_PAGE_FAILED', message, options);
  }
}
