// The suite server restarted in the middle of a run (its process killed): it comes back on the
// same URLs with the same control key, so tasks and checkers built before keep working; an
// episode that was in flight has lost its session, and its pages and checks say so (410 and a
// retryable SiteUnavailableError) instead of scoring it on a fresh state it did not build; a
// collection run over the restart ends with every expert's demonstration solved.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { BrowserPool } from '../../src/env/browser-pool.js';
import { WebEnvironment } from '../../src/env/web-environment.js';
import { SiteUnavailableError } from '../../src/errors.js';
import { collectDemonstrations } from '../../src/rl/demonstrations.js';
import { startSuiteServer, type SuiteServer } from '../../src/suites/server.js';
import { BundledSuite } from '../../src/suites/suite.js';
import { scoreEpisode } from '../../src/tasks/expert.js';

/** Kills the server process and waits until the restarted one answers on the same URLs. */
async function killAndWait(server: SuiteServer): Promise<void> {
  const before = { pid: server.pid, restarts: server.restarts };
  process.kill(before.pid, 'SIGKILL');
  const deadline = Date.now() + 30_000;
  while (server.restarts === before.restarts) {
    if (Date.now() > deadline) throw new Error('the suite server was not restarted within 30 s');
    await sleep(50);
  }
  assert.notEqual(server.pid, before.pid);
  const health = await fetch(`${server.urls.code}/__webagent/health`);
  assert.equal(health.status, 200);
}

describe('the suite server restarted mid-run', () => {
  let server: SuiteServer;
  let pool: BrowserPool;
  before(async () => {
    server = await startSuiteServer({ seed: 3 });
    pool = new BrowserPool({ size: 1 });
  });
  after(async () => {
    await pool?.close();
    await server?.close();
  });

  test('same URLs and control key after a restart; an episode in flight reads 410 and a SiteUnavailableError, never a fresh state', { timeout: 120_000 }, async () => {
    const suite = new BundledSuite(server);
    const [task] = suite.tasks({ split: 'train', templates: ['code.star-project'], perTemplate: 1 });
    const urls = { ...server.urls };
    const lease = await pool.newContext({});
    try {
      const page = await lease.context.newPage();
      await page.goto(task!.startUrl);
      // The expert stars the project: state the episode built.
      const before = (await task!.readState!(page)) as unknown;
      assert.ok(before !== null && typeof before === 'object');

      await killAndWait(server);
      assert.deepEqual(server.urls, urls);

      // The old session is gone: the page and the internal endpoint say so.
      const response = await page.goto(task!.startUrl);
      assert.equal(response?.status(), 410);
      assert.match(await page.locator('h1').innerText(), /Session lost/);
      await assert.rejects(task!.readState!(page), (e: unknown) => e instanceof SiteUnavailableError && e.retryable && /server restarted/.test(e.message));
      // A checker that needs the state does not score the episode 0: the fault propagates.
      await assert.rejects(scoreEpisode(task!, { answer: null, url: page.url(), page }), SiteUnavailableError);
    } finally {
      await lease.release();
    }

    // A new context (a new episode) works against the restarted server with the old key.
    const fresh = await pool.newContext({});
    try {
      const page = await fresh.context.newPage();
      assert.equal((await page.goto(task!.startUrl))?.status(), 200);
      const state = await task!.readState!(page);
      assert.ok(state !== null && typeof state === 'object');
    } finally {
      await fresh.release();
    }
  });

  test('an environment step on a page of a restarted site throws SiteUnavailableError (retryable), and the next reset works', { timeout: 120_000 }, async () => {
    const suite = new BundledSuite(server);
    const [task] = suite.tasks({ split: 'train', templates: ['code.close-issue'], perTemplate: 1 });
    await using env = new WebEnvironment({ pool, maxTurns: 5 });
    const first = await env.reset(task!);
    assert.ok(first.text.length > 0);
    await killAndWait(server);
    await assert.rejects(env.step({ type: 'goto', url: task!.startUrl }), (e: unknown) => e instanceof SiteUnavailableError && e.retryable);
    const again = await env.reset(task!);
    assert.equal(again.lastActionError ?? null, null);
  });

  test('a step to a site whose server is down (connection refused) ends the episode as SiteUnavailableError', { timeout: 120_000 }, async () => {
    const down = await startSuiteServer({ seed: 4 });
    const suite = new BundledSuite(down);
    const [task] = suite.tasks({ split: 'train', templates: ['code.close-issue'], perTemplate: 1 });
    await using env = new WebEnvironment({ pool, maxTurns: 5 });
    await env.reset(task!);
    await down.close(); // closed on purpose: not restarted
    await assert.rejects(env.step({ type: 'goto', url: task!.startUrl }), (e: unknown) => e instanceof SiteUnavailableError && /could not be reached/.test(e.message));
  });

  test('collecting demonstrations across a server restart: every expert episode solved, the interrupted ones re-run', { timeout: 300_000 }, async () => {
    const suite = new BundledSuite(server);
    const tasks = suite.tasks({ split: 'train', templates: ['code.star-project', 'code.close-issue', 'code.add-label', 'admin.ship-order'], perTemplate: 3 });
    let environments = 0;
    let killed: Promise<void> | undefined;
    const restartsBefore = server.restarts;
    const { demonstrations, failed } = await collectDemonstrations(tasks, {
      concurrency: 3,
      maxRetries: 3,
      makeEnvironment: () => {
        environments++;
        return new WebEnvironment({ pool, maxTurns: 12 });
      },
      // Killed once, while the other slots are in the middle of their episodes.
      onDemonstration: () => {
        killed ??= killAndWait(server);
      },
    });
    await killed;
    assert.equal(server.restarts, restartsBefore + 1);
    assert.deepEqual(failed, []);
    assert.equal(demonstrations.length, tasks.length);
    for (const d of demonstrations) assert.equal(d.score, 1, d.taskId);
    // Each re-run after a fault takes a fresh environment: more than one per slot means some
    // episode was interrupted by the restart and re-run.
    assert.ok(environments > 3, `${environments} environments for 3 slots: no episode was interrupted`);
  });
});
