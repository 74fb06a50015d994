// The agent's actions as real (trusted) mouse and keyboard input, at the point the page program
// computed, and the in-page checks around them (what a click landed on, what a field took).
// A failed action is an ActionFailure: the agent reads why in the next observation.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { EpisodeAbortedError, WebAgentError } from '../errors.js';
import { WAIT_DEFAULT_MS, waitProblem } from './action-grammar.js';
import type { BrowserEpisode } from './browser-episode.js';
import { rowsToNodes } from './dom-script.js';
import type { DomPrepareArgs, DomPrepareResult, DomPressedResult, DomScrollResult, DomValueResult, DomVerifyResult } from './dom-protocol.js';
import { ActionFailure, NAV_RACE_RE, rethrowFaults } from './faults.js';
import { goInHistory, goto } from './navigation.js';
import { walk } from './page-walk.js';
import { resolveTarget } from './targets.js';
import type { Action, ElementTarget } from './types.js';

/** Longest a click waits for hover effects to let the pointer reach its element again, in ms (per attempt). */
const HOVER_SETTLE_MS = 500;

/**
 * Runs `action` (not `answer`, which the environment keeps) in the active tab. Returns the
 * action's error for the agent (null when it went through); throws environment faults.
 */
export async function runAction(ep: BrowserEpisode, action: Action): Promise<string | null> {
  try {
    await act(ep, action);
    return null;
  } catch (e) {
    // The page replaced its document while the action ran (a reload on a timer, a
    // navigation): the action's outcome is unknown, which the agent is told; the step goes on.
    if (!(e instanceof ActionFailure) && e instanceof Error && !(e instanceof WebAgentError) && NAV_RACE_RE.test(e.message) && !ep.leaseAborted) {
      return `the page loaded a new document while the ${action.type} ran, so it may not have happened; look at the page as it is now`;
    } else if (!(e instanceof ActionFailure)) throw e;
    else return e.message;
  }
}

async function act(ep: BrowserEpisode, action: Action): Promise<void> {
  const page = ep.page;
  const o = ep.options;
  switch (action.type) {
    case 'invalid':
      throw new ActionFailure(`invalid action: ${action.reason}`);
    case 'click': {
      const id = await targetId(ep, action.target);
      const p = await prepare(ep, { kind: 'click', id });
      if (!('x' in p)) break;
      await click(ep, page, id, p.x, p.y, p.hover === true);
      await checkPressed(ep, page, id, p.presses ?? -1, p.clicks ?? -1);
      break;
    }
    case 'hover': {
      const p = await prepare(ep, { kind: 'hover', id: await targetId(ep, action.target) });
      if (!('x' in p)) break;
      await input(ep, page.mouse.move(p.x, p.y), 'hovering');
      break;
    }
    case 'type': {
      const id = await targetId(ep, action.target);
      const p = await prepare(ep, { kind: 'type', id, text: action.text });
      if ('x' in p) {
        if (action.text === '') {
          if (p.clear) await input(ep, page.keyboard.press('Delete'), 'clearing the field');
        } else {
          await input(ep, page.keyboard.insertText(action.text), 'typing');
        }
        if (p.check) await checkValue(ep, id, action.text);
      }
      if (action.pressEnter) await input(ep, page.keyboard.press('Enter'), 'pressing Enter');
      break;
    }
    case 'wait': {
      const problem = waitProblem(action.ms);
      if (problem !== undefined) throw new ActionFailure(problem);
      const ms = action.ms ?? WAIT_DEFAULT_MS;
      await ep.guard(sleep(ms), ms + 1_000, 'waiting');
      break;
    }
    case 'select':
      await prepare(ep, { kind: 'select', id: await targetId(ep, action.target), option: action.option });
      break;
    case 'press':
      if (!action.key.trim()) throw new ActionFailure('press needs a key, for example Enter, Tab, Escape or Control+a');
      await input(ep, page.keyboard.press(action.key), `pressing ${action.key}`);
      break;
    case 'scroll': {
      const r = await ep.guard(ep.dom<DomScrollResult>(page, 'scroll', { direction: action.direction }), o.actionTimeout, 'scrolling');
      if ('error' in r) throw new ActionFailure(r.error);
      break;
    }
    case 'goto':
      ep.origins.checkGoto(action.url);
      await goto(ep, page, action.url);
      break;
    case 'go_back':
    case 'go_forward':
      await goInHistory(ep, page, action.type === 'go_back');
      break;
    case 'answer':
      break;
  }
}

async function targetId(ep: BrowserEpisode, target: ElementTarget): Promise<number> {
  if ('id' in target) return target.id;
  // Names are resolved against a fresh walk: the page may have changed since the last observation.
  const nodes = rowsToNodes((await walk(ep)).rows ?? []);
  const r = resolveTarget(nodes, target);
  if ('error' in r) throw new ActionFailure(r.error);
  return r.id;
}

async function prepare(ep: BrowserEpisode, args: DomPrepareArgs): Promise<DomPrepareResult> {
  const r = await ep.guard(ep.dom<DomPrepareResult>(ep.page, 'prepare', args), ep.options.actionTimeout, 'locating the element').catch((e: unknown) => {
    if (e instanceof Error && NAV_RACE_RE.test(e.message)) throw new ActionFailure(`element [${args.id}] is not on the page any more (the page changed); use an id from the current observation`);
    throw e;
  });
  if ('error' in r) throw new ActionFailure(r.error);
  return r;
}

async function input(ep: BrowserEpisode, p: Promise<void>, what: string): Promise<void> {
  try {
    await ep.guard(p, ep.options.actionTimeout, what);
  } catch (e) {
    if (e instanceof EpisodeAbortedError) throw e;
    if (e instanceof Error && /Unknown key/i.test(e.message)) throw new ActionFailure(`unknown key in ${what}: ${e.message.split('\n')[0]}; use names like Enter, Tab, Escape, ArrowDown, Control+a`);
    if (e instanceof Error && e.message.startsWith('timed out')) throw new ActionFailure(`${what} timed out after ${ep.options.actionTimeout} ms`);
    throw e;
  }
}

/**
 * A real left click on element `id` at (x, y). Where page code listens to the mouse moving onto
 * the element (`hover`): move the mouse there, check that the element is still what the pointer
 * is on once hover effects have applied (an icon that swaps its image on mouseenter may
 * collapse for a moment and pass the click to its parent), then press and release; where the
 * element moved, the mouse follows it once; if the pointer still does not reach it, the click
 * is not made and the step reports why. Elsewhere nothing can move under the pointer (CSS
 * :hover rules aside): move, press and release are sent without waiting for each other's
 * acknowledgement (Chromium queues them in order), one round trip; an awaited move alone
 * waits for the next frame.
 */
async function click(ep: BrowserEpisode, page: Page, id: number, x: number, y: number, hover: boolean): Promise<void> {
  const session = await ep.cdp(page);
  const event = (type: 'mouseMoved' | 'mousePressed' | 'mouseReleased', px: number, py: number) =>
    session.send('Input.dispatchMouseEvent', { type, x: px, y: py, button: type === 'mouseMoved' ? 'none' : 'left', buttons: type === 'mousePressed' ? 1 : 0, clickCount: type === 'mouseMoved' ? 0 : 1 });
  if (!hover) {
    await input(ep, Promise.all([event('mouseMoved', x, y), event('mousePressed', x, y), event('mouseReleased', x, y)]).then(() => undefined), 'clicking');
    return;
  }
  let at = { x, y };
  for (let attempt = 0; ; attempt++) {
    await input(ep, event('mouseMoved', at.x, at.y).then(() => undefined), 'moving the mouse');
    const v = await ep.guard(ep.dom<DomVerifyResult>(page, 'verify', { id, x: at.x, y: at.y, wait: HOVER_SETTLE_MS, retry: attempt === 0 }), ep.options.actionTimeout, 'checking what the mouse is on').catch((e: unknown) => {
      if (e instanceof Error && NAV_RACE_RE.test(e.message)) throw new ActionFailure(`the page changed when the mouse moved over element [${id}]; the click was not made`);
      throw e;
    });
    if ('error' in v) throw new ActionFailure(v.error);
    at = { x: v.x, y: v.y };
    if (!v.moved) break;
  }
  await input(ep, Promise.all([event('mousePressed', at.x, at.y), event('mouseReleased', at.x, at.y)]).then(() => undefined), 'clicking');
}

/**
 * After a click, asks the page where its press landed: the hit test and the press are two
 * steps, and an element that moves or flickers over the target in between takes the click.
 * A press elsewhere is an action error; a page that navigated away at once is not checked.
 */
async function checkPressed(ep: BrowserEpisode, page: Page, id: number, since: number, clicksSince: number): Promise<void> {
  // A click that set off a navigation did something; and a pending navigation blocks every
  // evaluate in the page (a server that never answers would hold the step), so none is asked.
  const activity = ep.tabs.activity;
  if (since < 0 || page !== ep.tabs.page || !activity || activity.navigation !== undefined || activity.navigationHinted) return;
  const r = await ep.guard(ep.dom<DomPressedResult>(page, 'pressed', { id, since, clicksSince }), Math.min(ep.options.actionTimeout, 1_000), 'checking where the click landed').catch((e: unknown) => {
    // The page went away or is waiting on a navigation announced late: the press is not checked.
    if (e instanceof Error && (NAV_RACE_RE.test(e.message) || e.message.startsWith('timed out'))) return { ok: true } as const;
    throw e;
  });
  if ('error' in r) throw new ActionFailure(r.error);
}

/** Reads back a field typed into whose value the browser may refuse (a number input), and reports a refusal. */
async function checkValue(ep: BrowserEpisode, id: number, text: string): Promise<void> {
  const r = await ep.guard(ep.dom<DomValueResult>(ep.page, 'value', { id }), ep.options.actionTimeout, 'reading the field back').catch((e: unknown) => {
    rethrowFaults(e);
    return undefined;
  });
  if (r && r.value !== null && r.value !== text.trim()) throw new ActionFailure(`${r.what} did not take ${JSON.stringify(text)}; its value is ${JSON.stringify(r.value)}`);
}
