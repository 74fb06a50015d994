// The MiniWoB++ page protocol (Farama-Foundation/miniwob-plusplus, core/core.js), as a driver
// speaks it: seed and start an episode, wait for WOB_TASK_READY, read the utterance, then read
// WOB_DONE_GLOBAL after each action and the reward globals at the end. BrowserGym drives the
// pages the same way.

import type { Page } from 'playwright-core';
import { StartPageError, TaskError } from '../errors.js';
import type { CheckContext, CheckResult } from '../tasks/types.js';

/** The globals a MiniWoB++ page (core.js) defines, as seen from `page.evaluate`. */
interface MiniWoBWindow {
  core?: { EPISODE_MAX_TIME: number; startEpisodeReal(): void; getUtterance(): unknown };
  Math: Math & { seedrandom?: (seed: number) => void };
  WOB_TASK_READY?: boolean;
  WOB_DONE_GLOBAL?: boolean;
  WOB_RAW_REWARD_GLOBAL?: number;
  WOB_REWARD_GLOBAL?: number;
  WOB_REWARD_REASON?: unknown;
}

/** The end of a MiniWoB++ episode as the page reports it. */
export interface MiniWoBReward {
  /** `WOB_DONE_GLOBAL`: the page ended the episode (success, failure, or its own time limit). */
  readonly done: boolean;
  /** `WOB_RAW_REWARD_GLOBAL`, in -1..1; success is > 0. */
  readonly rawReward: number;
  /** `WOB_REWARD_GLOBAL`: the raw reward discounted by the time taken. */
  readonly reward: number;
  /** `WOB_REWARD_REASON`, when the page gave one. */
  readonly reason: string | null;
}

/**
 * Starts the episode of the task page loaded in `page` with `seed` and returns its instruction.
 * The page's own `window.onload` has shown the START cover by then (core.startEpisode); this
 * starts the real episode as clicking the cover would, with the seeded random generator.
 */
export async function startMiniWoBEpisode(page: Page, seed: number, options: { readonly episodeMaxTimeMs: number; readonly readyTimeoutMs: number }): Promise<string> {
  const timeout = options.readyTimeoutMs;
  const deadline = Date.now() + timeout;
  // With waitUntil 'domcontentloaded' the page's onload (which creates the cover that
  // startEpisodeReal hides) may not have run yet; 'complete' is set in the same task as onload.
  await page.waitForFunction(() => document.readyState === 'complete', undefined, { timeout }).catch((error: unknown) => {
    throw new StartPageError(`MiniWoB++ page ${page.url()} did not finish loading within ${timeout} ms`, { cause: error });
  });
  const started = await page.evaluate(
    ({ seed, maxTime }) => {
      const w = window as unknown as MiniWoBWindow;
      const core = w.core;
      if (typeof core !== 'object' || core === null || typeof core.startEpisodeReal !== 'function') return 'the page has no MiniWoB++ `core` (core/core.js did not load, or this is not a task page)';
      if (typeof w.Math.seedrandom !== 'function') return 'the page has no Math.seedrandom (an old or modified core/core.js)';
      try {
        w.Math.seedrandom(seed);
        core.EPISODE_MAX_TIME = maxTime;
        core.startEpisodeReal();
      } catch (e) {
        return `core.startEpisodeReal() threw: ${e instanceof Error ? e.message : String(e)}`;
      }
      return null;
    },
    { seed, maxTime: options.episodeMaxTimeMs },
  );
  if (started !== null) throw new TaskError(`MiniWoB++ page ${page.url()}: ${started}; check the task name and that the checkout's core/core.js is served next to it`);
  // Tasks that load resources set WOB_TASK_READY = false in genProblem and true when done.
  await page.waitForFunction(() => (window as unknown as MiniWoBWindow).WOB_TASK_READY !== false, undefined, { timeout: Math.max(1, deadline - Date.now()) }).catch((error: unknown) => {
    throw new StartPageError(`MiniWoB++ page ${page.url()} did not become ready within ${timeout} ms (WOB_TASK_READY stayed false)`, { cause: error });
  });
  const utterance = await page.evaluate(() => {
    // The START cover must not sit over the task: hide it if the page shows it still (or again).
    const cover = document.getElementById('sync-task-cover');
    if (cover && getComputedStyle(cover).display !== 'none') cover.style.display = 'none';
    const u = (window as unknown as MiniWoBWindow).core!.getUtterance();
    return typeof u === 'object' && u !== null && 'utterance' in u ? (u as { utterance: unknown }).utterance : u;
  });
  if (typeof utterance !== 'string' || utterance.trim() === '') throw new TaskError(`MiniWoB++ page ${page.url()}: core.getUtterance() gave no instruction (got ${JSON.stringify(utterance)})`);
  return utterance.trim();
}

/** `WOB_DONE_GLOBAL`: whether the page has ended the episode. */
export function isMiniWoBDone(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as MiniWoBWindow).WOB_DONE_GLOBAL === true);
}

/** Reads the reward globals of the page. */
export function readMiniWoBReward(page: Page): Promise<MiniWoBReward> {
  // No function is defined inside the callbacks given to page.evaluate: under tsx (the tests),
  // esbuild would wrap it in a `__name` helper that does not exist in the page.
  return page.evaluate(() => {
    const w = window as unknown as MiniWoBWindow;
    const [raw, reward, reason] = [w.WOB_RAW_REWARD_GLOBAL, w.WOB_REWARD_GLOBAL, w.WOB_REWARD_REASON];
    return {
      done: w.WOB_DONE_GLOBAL === true,
      rawReward: typeof raw === 'number' && Number.isFinite(raw) ? raw : 0,
      reward: typeof reward === 'number' && Number.isFinite(reward) ? reward : 0,
      reason: reason === null || reason === undefined ? null : typeof reason === 'string' ? reason : JSON.stringify(reason),
    };
  });
}

/** The checker of every MiniWoB++ task: 1 iff the page ended the episode with a raw reward > 0. */
export async function checkMiniWoB(ctx: CheckContext): Promise<CheckResult> {
  if (!ctx.page) return { score: 0, reason: 'no final page to read the MiniWoB++ reward from (the episode ran without a browser)' };
  const r = await readMiniWoBReward(ctx.page);
  if (!r.done) return { score: 0, reason: 'the episode was not finished: the page never ended it (WOB_DONE_GLOBAL is false)' };
  const reason = `raw reward ${r.rawReward} (time-discounted ${Number(r.reward.toFixed(4))}): ${r.reason ?? 'the page gave no reason'}`;
  return { score: r.rawReward > 0 ? 1 : 0, reason };
}
