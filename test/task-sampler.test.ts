// Tests for the learnability task sampler (src/rl/task-sampler.ts) and its use by MultiTurnGRPO:
// the Laplace weights, the weighted draw without replacement, the group counts and their
// discount, and a trainer drawing the templates whose groups had differing rewards more often,
// with counts that match the groups it rolled out and survive a save and restore.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { Rng } from '../src/data/random.js';
import type { Trajectory } from '../src/data/trajectory.js';
import { OptionsError } from '../src/errors.js';
import { AgentPrompt } from '../src/policy/agent-prompt.js';
import { initBackend } from '../src/policy/backend.js';
import { HfTokenizer, trainBpeTokenizer } from '../src/policy/tokenizer.js';
import { TransformerPolicy } from '../src/policy/transformer.js';
import { MultiTurnGRPO, type MultiTurnGRPOOptions } from '../src/rl/grpo.js';
import { discount, drawLearnable, learnability, recordGroups, taskBucket, type LearnabilityState } from '../src/rl/task-sampler.js';
import { answerIncludes } from '../src/tasks/checkers.js';
import type { CheckResult, WebTask } from '../src/tasks/types.js';
import { ScriptedEnvironment, scriptedShop, SCRIPTED_SHOP_PRODUCTS, SCRIPTED_SHOP_URL } from '../src/testing/index.js';

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

describe('MultiTurnGRPO taskSampling learnability', () => {
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
  const tiny = (seed: number): TransformerPolicy => new TransformerPolicy({
    config: { vocab_size: tokenizer.vocabSize, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 32, max_position_embeddings: 512 },
    seed,
  });
  const score = (): ((t: WebTask) => Promise<CheckResult>) => {
    let calls = 0;
    return (t) => Promise.resolve(t.meta.template === 'mixed' && calls++ % 2 === 0 ? { score: 1, reason: 'mixed, even' } : { score: 0, reason: 'no' });
  };
  const options = (policy: TransformerPolicy, extra: Partial<MultiTurnGRPOOptions> = {}): MultiTurnGRPOOptions => ({
    policy, tokenizer, prompt, tasks: TASKS, makeEnvironment: () => new ScriptedEnvironment(scriptedShop()),
    numGenerations: 2, tasksPerIteration: 1, numIterations: 12, maxTurns: 1, maxNewTokens: 4, concurrency: 1,
    learningRate: 1e-3, beta: 0, seed: 3, score: score(), taskSampling: { kind: 'learnability', memory: 1 }, ...extra,
  });

  test('draws the template whose groups have signal more often; counts match the groups rolled out', async () => {
    const policy = tiny(4);
    const grpo = new MultiTurnGRPO(options(policy));
    const cycle = tiny(4);
    const plain = new MultiTurnGRPO(options(cycle, { taskSampling: 'cycle' }));
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
      assert.throws(() => new MultiTurnGRPO(options(policy, { taskSampling: { kind: 'learnability', memory: 0 } })), (e: unknown) => e instanceof OptionsError && /taskSampling.memory must be in \(0, 1\], got 0/.test(e.message));
      assert.throws(() => new MultiTurnGRPO(options(policy, { taskSampling: 'random' as 'cycle' })), /taskSampling must be 'cycle' or \{ kind: 'learnability', memory\? \}, got "random"/);
    } finally {
      grpo.dispose();
      plain.dispose();
      policy.dispose();
      cycle.dispose();
    }
  });

  test('a run saved after 2 iterations and restored draws the same tasks as one straight run', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'webagent-sampler-'));
    const ids = (g: MultiTurnGRPO): string[] => {
      const out: string[] = [];
      g.on('episode-end', ({ trajectory: t }) => out.push(t.groupId));
      return out;
    };
    const a = tiny(4);
    const b = tiny(4);
    const c = tiny(9);
    const straight = new MultiTurnGRPO(options(a, { numIterations: 5, taskSampling: { kind: 'learnability', memory: 0.8 } }));
    const first = new MultiTurnGRPO(options(b, { numIterations: 2, taskSampling: { kind: 'learnability', memory: 0.8 }, checkpoint: { dir, every: 2 } }));
    try {
      const all = ids(straight);
      await straight.train();
      const head = ids(first);
      await first.train();
      // A fresh scorer for the resumed half: the alternation restarts, as in the straight run's
      // remaining groups (each group's 2 episodes start on an even call).
      const resumed = new MultiTurnGRPO(options(c, { numIterations: 5, taskSampling: { kind: 'learnability', memory: 0.8 } }));
      try {
        await resumed.restore(dir);
        assert.deepEqual(resumed.progress.learnability, first.progress.learnability);
        const tail = ids(resumed);
        await resumed.train();
        assert.deepEqual([...head, ...tail], all);
        assert.deepEqual(resumed.progress.learnability, straight.progress.learnability);
      } finally {
        resumed.dispose();
      }
    } finally {
      straight.dispose();
      first.dispose();
      a.dispose();
      b.dispose();
      c.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
