// A step's settle phase, between the action and the observation: wait for exactly what the
// action set off (a navigation, the requests it started, a popup, short timers), bounded, and
// no longer; then the walk the observation is made from.

import type { Page } from 'playwright-core';
import type { BrowserEpisode } from './browser-episode.js';
import type { DomObserveResult, DomTimersResult } from './dom-protocol.js';
import { ActionFailure, NAV_RACE_RE, rethrowFaults } from './faults.js';
import { goto, navigate } from './navigation.js';
import { walk } from './page-walk.js';
import type { Action } from './types.js';

/** Longest a step waits for the short timers its action set off (a menu opening 300 ms after typing), in ms. */
const TIMER_SETTLE_MS = 1_000;

/** The episode as the step found it, before the action. */
export interface StepStart {
  /** The active tab. */
  readonly before: Page;
  /** Popups its document had opened at the last walk. */
  readonly popups: number;
  /** Tabs the episode's pages had opened. */
  readonly opened: number;
}

/** Marks the start of a step: only what happens from here on is waited for. */
export function startStep(ep: BrowserEpisode): StepStart {
  const start = { before: ep.page, popups: ep.tabs.popupsSeen, opened: ep.tabs.opened };
  ep.tabs.activity!.beginAction();
  ep.tabs.refusedTab = undefined;
  return start;
}

/**
 * Waits for what `action` set off and walks the page as it is then. Returns the walk and the
 * step's action error (`error`, or the failure of a goto made again after the old page's late
 * reload took the tab back).
 */
export async function settleStep(ep: BrowserEpisode, action: Action, start: StepStart, error: string | null): Promise<{ walk: DomObserveResult; error: string | null }> {
  const { before } = start;
  // Walk the page unless a navigation is already known to be under way; the walk bails out
  // (cheaply) when the page flags a navigation or popup that has not shown up yet.
  const activity = ep.tabs.activity!;
  const navKnown = activity.navigation !== undefined || activity.navigationHinted || ep.tabs.page !== before;
  let probe = navKnown ? undefined : await walk(ep, true, start.popups);
  const popupPending = probe !== undefined && probe.popups > start.popups && ep.tabs.opened === start.opened;
  let waited = await settle(ep, before, popupPending, probe?.navPending ?? activity.navigationHinted);
  const from = ep.gotoFrom;
  ep.gotoFrom = undefined;
  if (action.type === 'goto' && error === null && from !== undefined && ep.tabs.page === before && before.url() === from.left && from.url !== from.left) {
    // The old page's own reload committed after the goto had landed (it was already under
    // way): go again, with the page's scripts paused, so the agent gets the page it asked for.
    try {
      await goto(ep, before, from.url, true);
    } catch (e) {
      if (!(e instanceof ActionFailure)) throw e;
      error = e.message;
    }
    ep.gotoFrom = undefined;
    waited = (await settle(ep, before, false, false)) || waited;
  }
  if (ep.lease.networkGuard && ep.tabs.activity?.blockedUrl?.startsWith('https:')) {
    // The network guard refused an HTTPS page (a tunnel it will not open): Chromium commits
    // its error page in place of the page, so go back to the page the agent was on.
    // (A refused plain-HTTP page is answered 204 and does not navigate at all.)
    waited = true;
    await leaveErrorPage(ep);
  }
  if (probe?.rows && probe.timers && ep.tabs.page === before) {
    // The action set off short timers (a debounced search, a menu that opens after a delay):
    // let them fire, then wait for what they set off in turn (requests, a navigation).
    waited = true;
    await waitTimers(ep, probe.timerEpoch ?? 0);
    await settle(ep, before, false, ep.tabs.activity!.navigationHinted);
  }
  if (!probe || waited || !probe.rows) probe = await walk(ep);
  return { walk: probe, error };
}

/**
 * Waits for what the action set off: a navigation, requests it started, a popup that became
 * active. Called after the observation walk, which is itself the round trip through the
 * renderer that lets those events arrive, so a step with no side effects costs no extra call.
 * Returns whether anything was waited for (then the walk must be repeated).
 */
async function settle(ep: BrowserEpisode, before: Page, popupPending: boolean, navPending: boolean): Promise<boolean> {
  const o = ep.options;
  let waited = false;
  if (navPending && !ep.tabs.activity!.navigation && ep.tabs.page === before) {
    // The page set off a navigation whose request has not been seen yet: wait for it (bounded).
    waited = true;
    await ep.tabs.activity!.navigationStart(Math.min(o.navigationTimeout, 2_000));
  }
  if (popupPending && ep.tabs.refusedTab === undefined) {
    // The page opened a tab that Playwright has not announced yet: wait for it (bounded).
    waited = true;
    await ep.tabs.waitForOpened(Math.min(o.navigationTimeout, 3_000));
  }
  const page = ep.page;
  const activity = ep.tabs.activity!;
  if (page !== before) {
    waited = true;
    await ep.guard(page.waitForLoadState(o.waitUntil, { timeout: o.navigationTimeout }), o.navigationTimeout + 1_000, 'loading the new tab').catch(rethrowFaults);
    const blockedInTab = ep.tabs.takeBlocked();
    // A tab opened onto a disallowed origin (blocked, or loaded before the guard attached):
    // close it and go back to its opener.
    if ((blockedInTab !== undefined || !ep.origins.allows(page.url())) && (await ep.tabs.closeToOpener(page, blockedInTab ?? page.url()))) return true;
  }
  if (activity.busy) {
    waited = true;
    const loaded = await ep.guard(activity.settle(o.navigationTimeout, o.settleTimeout, o.waitUntil), o.navigationTimeout + o.settleTimeout + 1_000, 'waiting for the page to load');
    if (!loaded) {
      await ep.stopLoading();
      ep.notices.push(`the page did not finish loading within ${o.navigationTimeout} ms; loading was stopped`);
    }
  }
  return waited;
}

/** Waits (bounded) for the short timers of `epoch` (those the action set off) to fire. */
async function waitTimers(ep: BrowserEpisode, epoch: number): Promise<void> {
  await ep.guard(ep.dom<DomTimersResult>(ep.page, 'timers', { epoch, ms: TIMER_SETTLE_MS }), TIMER_SETTLE_MS + ep.options.observationTimeout, 'waiting for the page\'s timers').catch((e: unknown) => {
    // The page went away under the wait (a timer navigated): the settle after it handles that.
    if (e instanceof Error && NAV_RACE_RE.test(e.message)) return;
    throw e;
  });
}

/** Goes back from the error page Chromium shows for an HTTPS page the network guard refused. */
async function leaveErrorPage(ep: BrowserEpisode): Promise<void> {
  const page = ep.page;
  const o = ep.options;
  const isError = (url: URL): boolean => url.protocol === 'chrome-error:';
  // The error page commits just after the request failed, which may be after the settle; until
  // it has loaded, the page's history cannot be read (DevTools: not attached to a page).
  const shown = await ep.guard(page.waitForURL(isError, { waitUntil: 'load', timeout: 2_000 }), 3_000, 'waiting for the error page').then(() => true, (e: unknown) => {
    rethrowFaults(e);
    return false;
  });
  if (!shown) return;
  await navigate(ep, page.goBack({ waitUntil: o.waitUntil, timeout: o.navigationTimeout }), 'going back from the blocked page').catch((e: unknown) => {
    if (!(e instanceof ActionFailure)) throw e;
  });
}
