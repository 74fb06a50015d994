// trainWebAgent on the browser-free scripted shop: the whole recipe (experts' demonstrations, the
// default small policy, behavior cloning, multi-turn GRPO, evaluations before and after each
// stage, the run folder) at a tiny size, budgets in steps and iterations. What it learns in a few
// steps is not asserted; that every stage ran with the budgets given, reported through typed
// events, and saved agents that load with no options, is. Also R1-Zero (no demonstrations) and
// the typed errors of bad options.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { Agent } from '../../src/agent/agent.js';
import { OptionsError } from '../../src/errors.js';
import { initBackend } from '../../src/model/backend.js';
import { trainWebAgent, type TrainWebAgentEvent } from '../../src/rl/train-web-agent.js';
import { act, textAfter } from '../../src/tasks/expert.js';
import { answerIncludes } from '../../src/tasks/checkers.js';
import type { ExpertScript, WebTask } from '../../src/tasks/types.js';
import { ScriptedEnvironment, scriptedShop, SCRIPTED_SHOP_PRODUCTS, SCRIPTED_SHOP_URL, type ShopState } from '../../src/testing/index.js';

/** Opens the product's page and answers its price. */
const expert = (name: string): ExpertScript => function* (_task, first) {
  const page = yield act.click(first, { role: 'link', name }, `The ${name} is listed, so I open its page.`);
  yield act.answer(textAfter(page, 'Price:'), 'The page shows the price, so I answer it.');
};
const TASKS: WebTask[] = SCRIPTED_SHOP_PRODUCTS.map((p) => ({
  id: `price/${p.slug}`, intent: `What does the ${p.name} cost?`, startUrl: SCRIPTED_SHOP_URL, site: 'shop',
  check: answerIncludes([p.price]), expert: expert(p.name), meta: { template: 'price' },
}));
const TINY = { model: { hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, intermediate_size: 64, max_position_embeddings: 320 }, vocabSize: 400, maxPromptTokens: 256, maxNewTokens: 32 };
const makeEnvironment = (): ScriptedEnvironment<ShopState> => new ScriptedEnvironment(scriptedShop());

before(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe('trainWebAgent', () => {
  test('demonstrations, BC, GRPO and evaluations at every stage, with the budgets given; the saved agents load with no options', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'train-web-agent-'));
    const events: TrainWebAgentEvent[] = [];
    try {
      const result = await trainWebAgent({
        tasks: { train: TASKS, test: TASKS.slice(0, 2) }, makeEnvironment, policy: { settings: TINY },
        behaviorCloning: { steps: 6, batchTokens: 1024, workers: 1, renameCopies: 1 }, grpo: { iterations: 1, numGenerations: 2, tasksPerIteration: 1 },
        maxTurns: 3, concurrency: 1, seed: 2, out, onEvent: (e) => events.push(e),
      });
      try {
        assert.equal(result.demonstrations.length, 3, 'every expert scored 1');
        assert.ok(result.demonstrations.every((d) => d.score === 1 && d.turns.length === 2));
        assert.equal(result.behaviorCloning?.steps, 6, 'BC ran exactly its step budget');
        assert.equal(result.grpo?.length, 1, 'GRPO ran exactly its iterations');
        assert.deepEqual(Object.keys(result.reports), ['untrained', 'bc', 'grpo']);
        for (const r of Object.values(result.reports)) assert.equal(r.episodes, 2);
        const types = events.map((e) => e.type);
        assert.deepEqual([...new Set(types)], ['demonstrations', 'policy', 'evaluation', 'stage-start', 'bc-step', 'saved', 'grpo-iteration']);
        assert.equal(types.filter((t) => t === 'bc-step').length, 6);
        assert.deepEqual(events.filter((e) => e.type === 'evaluation').map((e) => (e as { stage: string }).stage), ['untrained', 'bc', 'grpo']);
        assert.deepEqual((await readdir(out)).filter((n) => !n.includes('@')).sort(), ['agent', 'agent-bc', 'episodes.jsonl', 'metrics.jsonl', 'results.json'], 'the saved agents (links to their crash-safe folders), the metrics, the episodes and the results');
        const metrics = (await readFile(path.join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { stage: string });
        assert.deepEqual(metrics.map((m) => m.stage), [...Array(6).fill('bc'), 'grpo'], 'every BC step and GRPO iteration, in order');
        const episodes = (await readFile(path.join(out, 'episodes.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { stage: string; check: { reason: string } });
        assert.deepEqual(episodes.map((e) => e.stage), ['untrained', 'untrained', 'bc', 'bc', 'grpo', 'grpo']);
        assert.ok(episodes.every((e) => typeof e.check.reason === 'string'), 'each with the checker\'s reason');
        const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as { reports: Record<string, { success: number }>; grpo: unknown[] };
        assert.equal(results.grpo.length, 1);
        assert.equal(results.reports.grpo!.success, result.reports.grpo!.success);
        const loaded = await Agent.fromPretrained(path.join(out, 'agent'));
        try {
          assert.deepEqual(loaded.settings(), result.agent.settings(), 'the saved agent is the returned one');
        } finally {
          loaded.dispose();
        }
      } finally {
        result.agent.dispose();
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  test('R1-Zero: no demonstrations, a tokenizer from the tasks\' text, GRPO alone', async () => {
    const result = await trainWebAgent({
      tasks: { train: TASKS }, makeEnvironment, demonstrations: false, behaviorCloning: false, policy: { settings: TINY, corpus: ['link "Blue Ceramic Mug"', 'Price: $12.00'] },
      grpo: { iterations: 1, numGenerations: 2, tasksPerIteration: 1 }, maxTurns: 2, concurrency: 1,
    });
    try {
      assert.equal(result.demonstrations.length, 0);
      assert.equal(result.behaviorCloning, undefined);
      assert.equal(result.grpo?.length, 1);
      assert.deepEqual(result.reports, {}, 'no test tasks, no evaluation');
    } finally {
      result.agent.dispose();
    }
  });

  test('bad options are typed errors that say what to pass', async () => {
    await assert.rejects(trainWebAgent({ tasks: {} as never, makeEnvironment }), (e: unknown) => e instanceof OptionsError && /tasks\.train must be an array/.test(e.message));
    await assert.rejects(trainWebAgent({ tasks: { train: TASKS }, makeEnvironment, behaviorCloning: { steps: 0 } }), (e: unknown) => e instanceof OptionsError && /behaviorCloning\.steps must be a positive integer/.test(e.message));
    await assert.rejects(trainWebAgent({ tasks: { train: TASKS }, makeEnvironment, demonstrations: false, behaviorCloning: { steps: 5 }, policy: { settings: TINY, corpus: ['x y z'] } }), (e: unknown) => e instanceof OptionsError && /behaviorCloning needs demonstrations/.test(e.message));
  });
});
