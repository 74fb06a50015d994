// Reading the active tab: one walk of the page program per observation, tried again while the
// page replaces its document under it, and the observation made from the walk's rows.

import { EpisodeAbortedError, PageUnresponsiveError } from '../errors.js';
import type { BrowserEpisode } from './browser-episode.js';
import { rowsToNodes } from './dom-script.js';
import type { DomObserveResult } from './dom-protocol.js';
import { NAV_RACE_RE } from './faults.js';
import { renderObservationText } from './observation-text.js';
import type { Observation } from './types.js';

/** Walks in a row that a new document may interrupt before the observation gives up on the page. */
const WALK_ATTEMPTS = 5;

/**
 * Walks the active tab. With `bail`, returns at once (no rows) when the page flags a navigation
 * or a popup beyond `popupsSeen` that has not shown up yet, or when its document went away.
 */
export async function walk(ep: BrowserEpisode, bail = false, popupsSeen = 0): Promise<DomObserveResult> {
  const o = ep.options;
  const args = { maxNameLength: o.maxNameLength, maxTextLength: o.maxTextLength, bail, popupsSeen };
  let timeout = o.observationTimeout;
  let stopped = false;
  for (let attempt = 0; ; attempt++) {
    const page = ep.page;
    try {
      const walk = await ep.guard(ep.dom<DomObserveResult>(page, 'observe', args), timeout, 'observing the page');
      ep.tabs.popupsSeen = walk.popups;
      if (walk.loading && walk.rows && attempt === 0) {
        // A document still being parsed (a navigation that committed after the settle gave up
        // waiting for it, on a loaded machine): its rows stop mid-page. Wait for it, walk again.
        await ep.guard(page.waitForLoadState('domcontentloaded', { timeout: o.navigationTimeout }), o.navigationTimeout + 1_000, 'waiting for the page').catch(() => {});
        continue;
      }
      return walk;
    } catch (e) {
      if (e instanceof EpisodeAbortedError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      if (msg.startsWith('timed out')) {
        if (!stopped) {
          // A walk can wait on a navigation to a server that never answers (the document is
          // about to be replaced): stop loading, as a person would, and read the page again,
          // briefly; a page still silent then has a stuck script.
          stopped = true;
          await ep.stopLoading();
          ep.notices.push(`the page did not answer while a page load was pending; loading was stopped`);
          timeout = Math.min(o.observationTimeout, 2_000);
          continue;
        }
        throw new PageUnresponsiveError(`the page ${page.url()} did not answer within ${o.observationTimeout} ms (a script may be stuck)`, { cause: e });
      }
      if (!NAV_RACE_RE.test(msg)) throw await ep.fault(e);
      if (ep.tabs.activity) ep.tabs.activity.replacedWhileRead = true;
      // A walk that only probes for a coming navigation has its answer: the document went away.
      if (bail) return { rows: null, url: page.url(), title: '', popups: 0, navPending: true };
      if (attempt + 1 >= WALK_ATTEMPTS) {
        // The page replaces its document faster than it can be read (a reload loop): the
        // observation is empty and says so, and the episode goes on (the agent may go elsewhere).
        ep.unstable = `the page loaded a new document ${WALK_ATTEMPTS} times while it was being read (it reloads or navigates by itself), so nothing of it could be read`;
        return { rows: [], url: page.url(), title: '', popups: ep.tabs.popupsSeen, navPending: false };
      }
      // The document changed under the walk (navigation mid-flight): wait for the new one, the
      // full navigation timeout once (a slow page), then briefly (a page that never holds still
      // must not hold the step for several timeouts).
      const wait = attempt === 0 ? o.navigationTimeout : Math.min(o.navigationTimeout, 1_000);
      await ep.guard(page.waitForLoadState('domcontentloaded', { timeout: wait }), wait + 1_000, 'waiting for the page').catch(() => {});
    }
  }
}

/** The observation of a walk: its rows as nodes and text, the action's error, the notices since the last one. */
export function observation(ep: BrowserEpisode, walk: DomObserveResult, actionError: string | null): { -readonly [K in keyof Observation]: Observation[K] } {
  const unstable = ep.unstable;
  ep.unstable = undefined;
  const lastActionError = unstable === undefined ? actionError : actionError === null ? unstable : `${actionError}; ${unstable}`;
  const activity = ep.tabs.activity;
  if (activity) activity.documentsObserved = activity.documents;
  const nodes = rowsToNodes(walk.rows ?? []);
  const { text, truncated } = renderObservationText(nodes, ep.options.budget);
  const notices = ep.notices;
  ep.notices = [];
  return { text, url: walk.url, title: walk.title, lastActionError, notices, truncated, nodes };
}

/** Adds a screenshot of the active tab to `observation` when the options ask for one. */
export async function withScreenshot(ep: BrowserEpisode, observation: { -readonly [K in keyof Observation]: Observation[K] }): Promise<Observation> {
  if (ep.options.screenshot) {
    const png = await ep.guard(ep.page.screenshot({ type: 'png', timeout: ep.options.actionTimeout }), ep.options.actionTimeout + 1_000, 'taking a screenshot');
    observation.screenshot = new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
  }
  return observation;
}
