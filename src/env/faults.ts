// How WebEnvironment tells what went wrong: an action that failed (the agent is told, the
// episode goes on) from a fault of the environment (typed, retryable, the episode ends), and
// which browser errors mean a crash, a hang, or a page that replaced its document mid-call.

import type { ContextLease } from './browser-pool.js';
import { BrowserCrashedError, BrowserOperationError, EpisodeAbortedError, PageCrashedError, PageUnresponsiveError, PageUnstableError, WebAgentError } from '../errors.js';

/** An action failure reported to the agent, not a fault of the environment. */
export class ActionFailure extends Error {}

/** For best-effort waits: ignore their failure unless it is an environment fault. */
export function rethrowFaults(e: unknown): void {
  if (e instanceof EpisodeAbortedError) throw e;
}

/** The page, its context or the browser is gone. */
export const CLOSED_RE = /Target page, context or browser has been closed|Target closed|Browser has been closed|browser has disconnected|Page crashed|has been closed/i;
/** The page replaced its document (or frame) under the call. */
export const NAV_RACE_RE = /Execution context was destroyed|Cannot find context with specified id|navigation|frame was detached|Frame has been detached/i;
/** Errors of Playwright's client API read `<object>.<method>: <reason>` (`page.evaluate: ...`). */
const PLAYWRIGHT_API_RE = /^[a-z][A-Za-z]*\.[a-z][A-Za-z]*: /;
/** Connection-level failures of a navigation: the server is not there (not a slow or refused page). */
export const SITE_DOWN_RE = /net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|CONNECTION_CLOSED|EMPTY_RESPONSE|ADDRESS_UNREACHABLE)\b/;

/**
 * Maps an unexpected error to the fault it reveals (crash, hang) or passes it on. `lease` and
 * `pageCrash` are the episode's: an episode already ended by one of them ends with its reason.
 */
export function faultOf(e: unknown, lease: ContextLease | undefined, pageCrash: AbortSignal | undefined): unknown {
  if (e instanceof EpisodeAbortedError) return e;
  if (lease?.signal.aborted) return lease.signal.reason;
  if (pageCrash?.aborted) return pageCrash.reason;
  const msg = e instanceof Error ? e.message : String(e);
  if (CLOSED_RE.test(msg)) {
    if (lease && !lease.browser.isConnected()) return new BrowserCrashedError('the browser crashed or disconnected during the episode', { cause: e });
    return new PageCrashedError(`the page was closed during the episode: ${msg.split('\n')[0]}`, { cause: e });
  }
  if (msg.startsWith('timed out')) return new PageUnresponsiveError(`the page stopped responding: ${msg}`, { cause: e });
  // Every other failure of a browser call leaves as a typed, retryable abort of this episode.
  if (e instanceof Error && !(e instanceof WebAgentError) && PLAYWRIGHT_API_RE.test(msg)) {
    const first = msg.split('\n')[0]!;
    if (NAV_RACE_RE.test(msg)) return new PageUnstableError(`the page kept loading new documents while the environment needed it still: ${first}`, { cause: e });
    return new BrowserOperationError(`a browser operation failed: ${first}`, { cause: e });
  }
  return e;
}
