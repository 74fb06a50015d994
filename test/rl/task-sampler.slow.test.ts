// Tests for the task samplers (src/rl/task-sampler.ts) and their use by MultiTurnGRPO.
// Learnability: the Laplace weights, the weighted draw without replacement, the group counts and
// their discount, and a trainer drawing the templates whose groups had differing rewards more
// often, with counts that match the groups it rolled out and survive a save and restore.
// Novelty: intent words, the count-based score per (template, word), a draw that takes the
// unseen names first and spreads a round over them, and a trainer that draws the demonstrated
// tasks last and continues the same draw after a save and restore.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { Rng } from '../../src/data/random.js';
import type { Trajectory } from '../../src/data/trajectory.js';
import { OptionsError } from '../../src/errors.js';
import { AgentPrompt } from '../../src/agent/agent-prompt.js';
import { initBackend } from '../../src/model/backend.js';
import { HfTokenizer } from '../../src/model/tokenizer.js';
import { trainBpeTokenizer } from '../../src/model/bpe-trainer.js';
import { TransformerLM } from '../../src/model/transformer.js';
import { MultiTurnGRPO, type MultiTurnGRPOOptions } from '../../src/rl/grpo.js';
import { discount, drawLearnable, drawNovel, intentWords, learnability, learnabilitySampling, markSeen, novelty, noveltySampling, recordGroups, shuffledCycle, taskBucket, type LearnabilityState, type NoveltyState, type TaskSampler } from '../../src/rl/task-sampler.js';
import { answerIncludes } from '../../src/tasks/checkers.js';
import type { CheckResult, WebTask } from '../../src/tasks/types.js';
import { ScriptedEnvironment, scriptedShop, SCRIPTED_SHOP_PRODUCTS, SCRIPTED_SHOP_URL } from '../../src/testing/index.js';

const task = (id: string, template?: string): WebTask => ({
  id, intent: id, startUrl: SCRIPTED_SHOP_URL, site: 'shop', check: answerIncludes(['x']), meta: template === undefined ? {} : { template },
});

const trajectory = (groupId: string, reward: number, template?: string): Trajectory => ({
  taskId: `t-${groupId}`, groupId, ...(template !== undefined ? { template } : {}), turns: [], reward,
  stats: { turns: 0, invalidActions: 0, seconds: 0 },
} as unknown as Trajectory);

describe('learnability sampler', () => {
  test('buckets are templates, else task ids; weights are (signal + 1) / (groups + 2), 1/2 untried', () => {
    assert.equal(taskBucket(task('a/1', 'a')), 'a');
    assert.equal(taskBucket(task('lone')), 'lone');
    const state: LearnabilityState = { a: { groups: 8, signal: 8 }, b: { groups: 8, signal: 0 } };
    assert.equal(learnability(state, 'a'), 0.9);
    assert.equal(learnability(state, 'b'), 0.1);
    assert.equal(learnability(state, 'c'), 0.5);
  });

  test('recordGroups counts groups (in the buckets it is told) and those whose rewards differ; discount scales both', () => {
    const state: LearnabilityState = {};
    recordGroups(state, [
      trajectory('0:0', 1, 'a'), trajectory('0:0', 0, 'a'), // a: signal
      trajectory('0:1', 1, 'a'), trajectory('0:1', 1, 'a'), // a: all solved
      trajectory('0:2', 0, 'b'), trajectory('0:2', 0, 'b'), // b: all failed
      trajectory('0:3', 0.5), trajectory('0:3', 0.5), // no template: its task id, all equal
    ], (t) => t.template ?? t.taskId);
    assert.deepEqual(state, { a: { groups: 2, signal: 1 }, b: { groups: 1, signal: 0 }, 't-0:3': { groups: 1, signal: 0 } });
    discount(state, 0.5);
    assert.deepEqual(state.a, { groups: 1, signal: 0.5 });
    assert.deepEqual(state.b, { groups: 0.5, signal: 0 });
  });

  test('draws buckets in proportion to their weights, distinct within a round while it can', () => {
    const byBucket = new Map([['a', [task('a/1', 'a'), task('a/2', 'a')]], ['b', [task('b/1', 'b')]], ['c', [task('c/1', 'c')]]]);
    const state: LearnabilityState = { a: { groups: 8, signal: 8 }, b: { groups: 8, signal: 0 }, c: { groups: 8, signal: 0 } };
    const rng = new Rng(5);
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const [t] = drawLearnable(byBucket, state, 1, rng);
      counts.set(taskBucket(t!), (counts.get(taskBucket(t!)) ?? 0) + 1);
    }
    // Weights 0.9, 0.1, 0.1: a is drawn 0.9 / 1.1 = 82% of the time.
    const a = counts.get('a')! / 3000;
    assert.ok(a > 0.79 && a < 0.85, `a drawn ${a}`);
    assert.ok(Math.abs(counts.get('b')! - counts.get('c')!) < 120, `b ${counts.get('b')}, c ${counts.get('c')}`);
    for (let i = 0; i < 50; i++) {
      const round = drawLearnable(byBucket, state, 5, rng).map(taskBucket);
      assert.deepEqual([...round.slice(0, 3)].sort(), ['a', 'b', 'c'], 'the first three are distinct buckets');
      assert.equal(new Set(round.slice(3)).size, 2, 'then the draw starts over');
    }
    assert.deepEqual(drawLearnable(byBucket, state, 4, new Rng(9)), drawLearnable(byBucket, state, 4, new Rng(9)), 'seeded');
  });
});

describe('novelty sampler', () => {
  const named = (intent: string, template = 'p'): WebTask => ({ ...task(`${template}/${intent}`, template), intent });

  test('intent words are distinct lower-cased letter runs; novelty is the least-seen (template, word) count and how many keys have it', () => {
    assert.deepEqual(intentWords('Star the cozy-bridge project. Star it!'), ['star', 'the', 'cozy', 'bridge', 'project', 'it']);
    const state: NoveltyState = {};
    markSeen(state, [named('Open Amber Fox'), named('Open Amber Owl')]);
    assert.equal(state['p\u0001amber'], 2);
    assert.deepEqual(novelty(state, named('Open Amber Fox')), { least: 1, fresh: 1 }); // Fox; Open and Amber twice
    assert.deepEqual(novelty(state, named('Open Blue Seal')), { least: 0, fresh: 2 });
    // The same words under another template are new there.
    assert.deepEqual(novelty(state, named('Open Amber Fox', 'q')), { least: 0, fresh: 3 });
  });

  test('draws the tasks naming unseen words first, spreading a round over different words, ties at random', () => {
    const [fox, owl, blueFox, cafe, blueOwl] = ['Open Amber Fox', 'Open Amber Owl', 'Open Blue Fox', 'Open Coral Seal Cafe', 'Open Blue Owl'].map((i) => named(i));
    const orders = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const state: NoveltyState = {};
      markSeen(state, [fox!, fox!]); // demonstrated twice
      const drawn = drawNovel([fox!, owl!, blueFox!, cafe!, blueOwl!], state, 5, new Rng(seed)).map((t) => t.intent);
      // Coral Seal Cafe names three unseen words; then Blue Owl two (Blue, Owl); then Amber Owl
      // and Blue Fox, whose least-seen words were seen once by now (a tie); the demonstrated
      // Amber Fox (every word seen twice) last.
      assert.deepEqual([drawn[0], drawn[1], drawn[4]], [cafe!.intent, blueOwl!.intent, fox!.intent], `seed ${seed}: ${drawn.join(', ')}`);
      assert.deepEqual(drawn.slice(2, 4).sort(), [owl!.intent, blueFox!.intent], `seed ${seed}: ${drawn.join(', ')}`);
      assert.equal(state['p\u0001open'], 7, 'every draw marks its words seen');
      orders.add(drawn.join(', '));
    }
    assert.equal(orders.size, 2, 'the tie between Amber Owl and Blue Fox goes either way with the seed');
  });
});

describe('MultiTurnGRPO taskSampler', () => {
  // Two templates: 'flat' always scores 0 (no signal), 'mixed' alternates 1, 0 within its groups.
  const TASKS: WebTask[] = SCRIPTED_SHOP_PRODUCTS.flatMap((p) => ['flat', 'mixed'].map((template) => ({
    id: `${template}/${p.slug}`, intent: `What does the ${p.name} cost?`, startUrl: SCRIPTED_SHOP_URL, site: 'shop',
    check: answerIncludes([p.price]), meta: { template },
  })));
  let tokenizer: HfTokenizer;
  let prompt: AgentPrompt;
  before(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    const corpus = [...TASKS.map((t) => t.intent), 'Round Task Instruction link "Blue Ceramic Mug" do(action="Click", role="link", name="Home") exit(message="$12.00")'];
    tokenizer = HfTokenizer.fromJson(trainBpeTokenizer(Array(20).fill(corpus).flat(), { vocabSize: 300, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] }));
    prompt = new AgentPrompt({ tokenizer, template: 'plain', think: false, maxPromptTokens: 480 });
  });
  const tiny = (seed: number): TransformerLM => new TransformerLM({
    config: { vocab_size: tokenizer.vocabSize, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 32, max_position_embeddings: 512 },
    seed,
  });
  /** Every task's checker (the environment runs it): 'mixed' tasks score 1, 0, 1, ... in order; the others 0. */
  const checked = (): WebTask[] => {
    let calls = 0;
    const check = ({ task }: { task: WebTask }): Promise<CheckResult> => Promise.resolve(task.meta.template === 'mixed' && calls++ % 2 === 0 ? { score: 1, reason: 'mixed, even' } : { score: 0, reason: 'no' });
    return TASKS.map((task) => ({ ...task, check }));
  };
  const options = (policy: TransformerLM, extra: Partial<MultiTurnGRPOOptions> = {}): MultiTurnGRPOOptions => ({
    policy, tokenizer, prompt, tasks: checked(), makeEnvironment: () => new ScriptedEnvironment(scriptedShop()),
    numGenerations: 2, tasksPerIteration: 1, numIterations: 12, maxTurns: 1, maxNewTokens: 4, concurrency: 1,
    learningRate: 1e-3, beta: 0, seed: 3, taskSampler: learnabilitySampling({ memory: 1 }), ...extra,
  });

  test('draws the template whose groups have signal more often; counts match the groups rolled out', async () => {
    const policy = tiny(4);
    const grpo = new MultiTurnGRPO(options(policy));
    const cycle = tiny(4);
    const plain = new MultiTurnGRPO(options(cycle, { taskSampler: shuffledCycle() }));
    try {
      const groups = new Map<string, string>();
      grpo.on('episode-end', ({ trajectory: t }) => groups.set(t.groupId, t.template!));
      await grpo.train();
      const drawn = [...groups.values()];
      const mixed = drawn.filter((t) => t === 'mixed').length;
      assert.equal(drawn.length, 12);
      // With memory 1 the counts are exact: every group of 'mixed' had signal, none of 'flat'.
      assert.deepEqual(grpo.progress.learnability, { mixed: { groups: mixed, signal: mixed }, flat: { groups: 12 - mixed, signal: 0 } });
      assert.ok(mixed > 6, `mixed drawn ${mixed} of 12 times, no more than the cycle's 6`);
      const cycled: string[] = [];
      plain.on('episode-end', ({ trajectory: t }) => cycled.push(t.template!));
      await plain.train();
      assert.equal(cycled.filter((t) => t === 'mixed').length, 12, 'the cycle draws each task as often (6 of 12 groups, 2 episodes each)');
      assert.equal(plain.progress.learnability, undefined);
      assert.throws(() => learnabilitySampling({ memory: 0 }), (e: unknown) => e instanceof OptionsError && /^learnabilitySampling: memory must be a number in \(0, 1\], got 0$/.test(e.message));
      assert.throws(() => new MultiTurnGRPO(options(policy, { taskSampler: 'random' as unknown as TaskSampler })), /MultiTurnGRPO option taskSampler must be a TaskSampler/);
      assert.throws(() => noveltySampling({ seen: 'demos' as unknown as WebTask[] }), /noveltySampling: seen must be an array of tasks/);
    } finally {
      grpo.dispose();
      plain.dispose();
      policy.dispose();
      cycle.dispose();
    }
  });

  test('novelty draws the tasks naming what the seen (demonstrated) tasks did not first, and counts every draw', async () => {
    const policy = tiny(4);
    const seen = TASKS.filter((t) => t.id.endsWith('/mug'));
    const grpo = new MultiTurnGRPO(options(policy, { numIterations: 6, taskSampler: noveltySampling({ seen }) }));
    try {
      const drawn: string[] = [];
      grpo.on('episode-end', ({ trajectory: t }) => { if (!drawn.includes(t.taskId)) drawn.push(t.taskId); });
      await grpo.train();
      assert.equal(drawn.length, 6);
      assert.deepEqual(drawn.slice(0, 4).sort(), ['flat/kettle', 'flat/teapot', 'mixed/kettle', 'mixed/teapot'], drawn.join(', '));
      assert.deepEqual(drawn.slice(4).sort(), ['flat/mug', 'mixed/mug']);
      // Per template: 'what' in the seen mug task and in the three drawn; 'kettle' in the one drawn.
      assert.equal(grpo.progress.novelty?.['flat\u0001what'], 4);
      assert.equal(grpo.progress.novelty?.['mixed\u0001kettle'], 1);
      assert.equal(grpo.progress.learnability, undefined);
    } finally {
      grpo.dispose();
      policy.dispose();
    }
  });

  for (const [kind, sampler] of [
    ['learnability', () => learnabilitySampling({ memory: 0.8 })],
    ['novelty', () => noveltySampling({ seen: TASKS.slice(0, 2) })],
  ] as const) test(`${kind}: a run saved after 2 iterations and restored draws the same tasks as one straight run`, async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'webagent-sampler-'));
    const dir = path.join(root, 'run'); // a link beside its version folder: both inside root
    const ids = (g: MultiTurnGRPO): string[] => {
      const out: string[] = [];
      g.on('episode-end', ({ trajectory: t }) => out.push(t.groupId));
      return out;
    };
    const a = tiny(4);
    const b = tiny(4);
    const c = tiny(9);
    const straight = new MultiTurnGRPO(options(a, { numIterations: 5, taskSampler: sampler() }));
    const first = new MultiTurnGRPO(options(b, { numIterations: 2, taskSampler: sampler(), checkpoint: { dir, every: 2 } }));
    try {
      const all = ids(straight);
      await straight.train();
      const head = ids(first);
      await first.train();
      // A fresh scorer for the resumed half: the alternation restarts, as in the straight run's
      // remaining groups (each group's 2 episodes start on an even call).
      const resumed = new MultiTurnGRPO(options(c, { numIterations: 5, taskSampler: sampler() }));
      try {
        await resumed.restore(dir);
        assert.deepEqual(resumed.progress[kind], first.progress[kind]);
        assert.ok(first.progress[kind] !== undefined);
        const tail = ids(resumed);
        await resumed.train();
        assert.deepEqual([...head, ...tail], all);
        assert.deepEqual(resumed.progress[kind], straight.progress[kind]);
      } finally {
        resumed.dispose();
      }
    } finally {
      straight.dispose();
      first.dispose();
      a.dispose();
      b.dispose();
      c.dispose();
      await rm(root, { recursive: true, force: true });
    }
  });
});
