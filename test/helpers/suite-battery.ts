// The standard acceptance battery of a bundled site, shared by test/suite-<site>.test.ts:
// for every template, the expert scores 1 on sampled train and test instances through a real
// browser and its plausible wrong ending scores 0; every observation stays within budget.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BrowserPool } from '../../src/env/browser-pool.js';
import { WebEnvironment } from '../../src/env/web-environment.js';
import type { SiteName } from '../../src/suites/framework/site.js';
import { startSuiteServer, type SuiteServer } from '../../src/suites/server.js';
import { BundledSuite } from '../../src/suites/suite.js';
import type { Split } from '../../src/suites/template.js';
import { runExpert, type Demonstration } from '../../src/tasks/expert.js';
import type { WebTask } from '../../src/tasks/types.js';

/** p95 observation budget of the suites issue: 600 tokens at characters / 4. */
export const MAX_OBS_CHARS = 2400;

export interface Harness {
  server: SuiteServer;
  suite: BundledSuite;
  pool: BrowserPool;
  env: WebEnvironment;
}

/** Starts a suite server (own process) and a browser for the tests of one describe block. */
export function useHarness(): Harness {
  const h = {} as Harness;
  before(async () => {
    h.server = await startSuiteServer();
    h.suite = new BundledSuite(h.server);
    h.pool = new BrowserPool({ size: 1 });
    h.env = new WebEnvironment({ pool: h.pool });
  });
  after(async () => {
    await h.env?.close();
    await h.pool?.close();
    await h.server?.close();
  });
  return h;
}

function explain(d: Demonstration): string {
  const steps = d.turns.map((t, i) => `  ${i + 1}. ${JSON.stringify(t.action)} — ${t.thought}`).join('\n');
  return `${d.taskId}: score ${d.result.score} (${d.result.reason})\n${steps}\n  final URL ${d.finalUrl}, answer ${JSON.stringify(d.answer)}`;
}

/** Instances to try of a template: the first `n` of each split it has, spread over its range. */
function sampleTasks(h: Harness, templateId: string, split: Split, n: number): WebTask[] {
  const all = h.suite.tasks({ split, templates: [templateId] });
  if (all.length === 0) return [];
  const step = Math.max(1, Math.floor(all.length / n));
  return Array.from({ length: Math.min(n, all.length) }, (_, i) => all[(i * step) % all.length]!);
}

/**
 * For every template of `site`: the expert scores 1 on `train` (2) and `test` or `test-unseen`
 * (1) instances, observations stay within MAX_OBS_CHARS, and the wrong expert scores 0.
 */
export function siteBattery(site: SiteName): Harness {
  const h = useHarness();
  describe(`${site}: every template's expert through a real browser`, () => {
    test('the site has at least 10 seen and 2 unseen templates', () => {
      const templates = h.suite.templates.filter((t) => t.site === site);
      assert.ok(templates.filter((t) => !t.unseen).length >= 10, 'seen templates');
      assert.ok(templates.filter((t) => t.unseen).length >= 2, 'unseen templates');
      for (const kind of ['info', 'navigation', 'state'] as const) assert.ok(templates.some((t) => t.kind === kind), `a ${kind} template`);
    });
    test('experts score 1 on train and test instances and wrong endings score 0', async (t) => {
      for (const template of h.suite.templates.filter((x) => x.site === site)) {
        const splits: Array<[Split, number]> = template.unseen ? [['test-unseen', 2]] : [['train', 2], ['test', 1]];
        for (const [split, n] of splits) {
          const tasks = sampleTasks(h, template.id, split, n);
          assert.ok(tasks.length > 0, `${template.id} has instances in ${split}`);
          for (const task of tasks) {
            const d = await runExpert(h.env, task);
            assert.equal(d.result.score, 1, explain(d));
            for (const turn of d.turns) assert.ok(turn.observation.text.length <= MAX_OBS_CHARS * 1.5, `${task.id}: observation of ${turn.observation.url} has ${turn.observation.text.length} chars`);
          }
        }
        const [wrongTask] = sampleTasks(h, template.id, template.unseen ? 'test-unseen' : 'train', 1);
        const w = await runExpert(h.env, wrongTask!, { wrong: true });
        assert.equal(w.result.score, 0, `wrong ending should score 0: ${explain(w)}`);
        t.diagnostic(`${template.id}: ok`);
      }
    });
  });
  return h;
}
