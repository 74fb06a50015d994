// The agent's navigations: goto (against pages that reload or navigate by themselves), back and
// forward through the episode's history, and the bounded wait every navigation runs in.

import type { Page } from 'playwright-core';
import { EpisodeAbortedError } from '../errors.js';
import type { BrowserEpisode } from './browser-episode.js';
import { ActionFailure } from './faults.js';

/** How many times the agent's goto is tried against a page that keeps navigating by itself. */
const GOTO_TRIES = 3;

/**
 * The agent's goto. A page that reloads or navigates by itself races it: Playwright reports the
 * goto as interrupted, Chromium aborts it (net::ERR_ABORTED), or the goto completes and the old
 * document's reload commits after it, leaving the tab where it was. The goto is what was asked
 * for, so when the page has navigated by itself since the agent last saw it, or the first try
 * lost, the page's scripts are paused while the tab goes to about:blank (no script can
 * navigate it then; the blank page stays in the tab's history) and the goto starts from there.
 * Where it landed is kept in `ep.gotoFrom`, for the step to check again after its settle.
 */
export async function goto(ep: BrowserEpisode, page: Page, url: string, quiet = false): Promise<void> {
  const o = ep.options;
  const left = page.url();
  ep.gotoFrom = undefined;
  const restless = quiet || (ep.tabs.activity?.restless ?? false);
  for (let attempt = 0; ; attempt++) {
    try {
      if (attempt > 0 || restless) await leaveQuietly(ep, page);
      const response = await navigate(ep, page.goto(url, { waitUntil: o.waitUntil, timeout: o.navigationTimeout }), `going to ${url}`);
      if (ep.tabs.activity?.blockedUrl !== undefined) return; // the network guard refused it (reported as such)
      // Back on the page it left (Playwright then returns no response, or the response of the
      // goto that the reload replaced), unless the goto itself led there (a redirect).
      const landedOn = response?.url();
      const oldPageWon = page.url() === left && url !== left && landedOn !== left;
      if (!oldPageWon) {
        if (ep.tabs.activity) ep.tabs.activity.replacedWhileRead = false;
        // Checked again after the settle, unless the goto itself led back there (a redirect).
        if (landedOn !== left) ep.gotoFrom = { left, url };
        return;
      }
      if (attempt >= GOTO_TRIES - 1) throw new ActionFailure(`going to ${url} failed: the page at ${left} kept navigating by itself and took the tab back ${GOTO_TRIES} times`);
    } catch (e) {
      if (!(e instanceof ActionFailure) || !/interrupted by another navigation|net::ERR_ABORTED/.test(e.message) || attempt >= GOTO_TRIES - 1) throw e;
    }
  }
}

/** go_back / go_forward. The episode's history starts at the start page, not at the blank page before it. */
export async function goInHistory(ep: BrowserEpisode, page: Page, back: boolean): Promise<void> {
  const o = ep.options;
  const history = await ep.guard(ep.cdp(page).then((s) => s.send('Page.getNavigationHistory')), o.actionTimeout, 'reading the history');
  const target = history.currentIndex + (back ? -1 : 1);
  const entry = history.entries[target];
  if (!entry || (target === 0 && entry.url === 'about:blank')) {
    throw new ActionFailure(back ? 'cannot go back: there is no previous page' : 'cannot go forward: there is no next page');
  }
  await navigate(ep, back ? page.goBack({ waitUntil: o.waitUntil, timeout: o.navigationTimeout }) : page.goForward({ waitUntil: o.waitUntil, timeout: o.navigationTimeout }), `going ${back ? 'back' : 'forward'}`);
}

/** Takes the tab to about:blank with the page's scripts paused, so that none can navigate it. */
async function leaveQuietly(ep: BrowserEpisode, page: Page): Promise<void> {
  const session = await ep.cdp(page);
  await ep.guard(session.send('Emulation.setScriptExecutionDisabled', { value: true }), ep.options.actionTimeout, 'pausing the page\'s scripts');
  try {
    await navigate(ep, page.goto('about:blank', { waitUntil: 'commit', timeout: ep.options.navigationTimeout }), 'leaving a page that keeps navigating');
  } finally {
    await ep.guard(session.send('Emulation.setScriptExecutionDisabled', { value: false }), ep.options.actionTimeout, 'resuming scripts');
  }
}

/**
 * Waits for a navigation (bounded). A failure is the action's (ActionFailure), after loading
 * was stopped; a navigation the origin guard refused resolves to null (reported as refused).
 */
export async function navigate<T>(ep: BrowserEpisode, p: Promise<T>, what: string): Promise<T | null> {
  try {
    return await ep.guard(p, ep.options.navigationTimeout + 1_000, what);
  } catch (e) {
    if (e instanceof EpisodeAbortedError) throw e;
    const blocked = ep.tabs.activity?.blockedUrl;
    if (blocked !== undefined) return null;
    // A navigation left pending blocks every later evaluate in the page: stop it.
    await ep.stopLoading();
    const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    throw new ActionFailure(`${what} failed: ${msg.replace(/^page\.\w+: /, '')}`);
  }
}
