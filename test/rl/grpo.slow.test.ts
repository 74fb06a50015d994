// Tests for MultiTurnGRPO (src/rl/grpo.ts) on the browser-free ScriptedEnvironment with a tiny
// from-scratch model: an iteration runs G rollouts per task, reports finite metrics, changes the
// parameters when rewards differ within a group and leaves them when they do not (no signal, no
// KL at the start), leaks no tensor, is deterministic for a seed, samples tasks in a seeded cycle,
// and follows the turn curriculum.

import assert from 'node:assert/strict';
import fs, { type PathLike } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { OptionsError } from '../../src/errors.js';
import { AgentPrompt } from '../../src/agent/agent-prompt.js';
import { CheckpointError } from '../../src/model/checkpoint.js';
import { initBackend } from '../../src/model/backend.js';
import { HfTokenizer } from '../../src/model/tokenizer.js';
import { trainBpeTokenizer } from '../../src/model/bpe-trainer.js';
import { nextTokenLoss, packSequences, scoreSequences } from '../../src/model/training.js';
import { TransformerLM } from '../../src/model/transformer.js';
import { RolloutBuffer } from '../../src/data/rollout-buffer.js';
import type { Trajectory } from '../../src/data/trajectory.js';
import { grpoTokenStats, tokenArrays } from '../../src/rl/grpo-loss.js';
import { MultiTurnGRPO, type MultiTurnGRPOOptions } from '../../src/rl/grpo.js';
import type { LossTerm } from '../../src/rl/loss-terms.js';
import { Agent } from '../../src/agent/agent.js';
import { LocalChatPolicy } from '../../src/agent/chat.js';
import { RolloutError } from '../../src/rl/rollout.js';
import { answerIncludes } from '../../src/tasks/checkers.js';
import type { CheckResult, WebTask } from '../../src/tasks/types.js';
import { ScriptedEnvironment, scriptedShop, SCRIPTED_SHOP_PRODUCTS, SCRIPTED_SHOP_URL } from '../../src/testing/index.js';

const TASKS: WebTask[] = SCRIPTED_SHOP_PRODUCTS.map((p) => ({
  id: `price/${p.slug}`, intent: `What does the ${p.name} cost?`, startUrl: SCRIPTED_SHOP_URL, site: 'shop',
  check: answerIncludes([p.price]), meta: { template: 'price' },
}));

let tokenizer: HfTokenizer;
let prompt: AgentPrompt;

before(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
  const corpus = [...TASKS.map((t) => t.intent), 'Round Task Instruction link "Blue Ceramic Mug" do(action="Click", role="link", name="Home") exit(message="$12.00") <think></think><answer></answer>'];
  tokenizer = HfTokenizer.fromJson(trainBpeTokenizer(Array(20).fill(corpus).flat(), { vocabSize: 300, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] }));
  prompt = new AgentPrompt({ tokenizer, template: 'plain', think: false, maxPromptTokens: 480 });
});

const tiny = (seed = 3): TransformerLM => new TransformerLM({
  config: { vocab_size: tokenizer.vocabSize, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 32, max_position_embeddings: 512 },
  seed,
});

/** Rewards alternate 1, 0, 1, 0 in completion order (concurrency 1 makes the order fixed), so groups have signal. */
function alternating(): () => Promise<CheckResult> {
  let calls = 0;
  return () => Promise.resolve(calls++ % 2 === 0 ? { score: 1, reason: 'even' } : { score: 0, reason: 'odd' });
}

/** The run's options; `check` (default: alternating) becomes every task's checker, which the environment runs. */
function options(policy: TransformerLM, extra: Partial<MultiTurnGRPOOptions> & { check?: () => Promise<CheckResult> } = {}): MultiTurnGRPOOptions {
  const { check = alternating(), ...rest } = extra;
  const base: MultiTurnGRPOOptions = {
    policy, tokenizer, prompt, tasks: TASKS, makeEnvironment: () => new ScriptedEnvironment(scriptedShop()),
    numGenerations: 4, tasksPerIteration: 2, numIterations: 2, maxTurns: 2, maxNewTokens: 6, concurrency: 1,
    learningRate: 1e-2, beta: 0.04, seed: 7, ...rest,
  };
  return { ...base, tasks: base.tasks.map((task) => ({ ...task, check })) };
}

async function weights(policy: TransformerLM): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of policy.parameters) out.set(name, new Float32Array((await v.data()) as Float32Array));
  return out;
}

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let d = 0;
  for (const [name, x] of a) x.forEach((v, i) => { d = Math.max(d, Math.abs(v - b.get(name)![i]!)); });
  return d;
}

describe('MultiTurnGRPO', () => {
  test('an iteration: G rollouts per task, finite metrics, parameters move when a group has signal', async () => {
    const policy = tiny();
    const grpo = new MultiTurnGRPO(options(policy));
    try {
      const before = await weights(policy);
      const episodes: string[] = [];
      grpo.on('episode-end', (e) => episodes.push(e.trajectory.groupId));
      const m = await grpo.iteration();
      assert.equal(episodes.length, 8);
      assert.equal(new Set(episodes).size, 2);
      assert.equal(m.iteration, 0);
      assert.equal(m.reward_mean, 0.5);
      assert.equal(m.frac_reward_zero_std, 0);
      for (const [k, v] of Object.entries(m)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
      assert.ok(m.entropy > 0 && m.completion_tokens > 0 && m.turns_mean >= 1 && m.turns_mean <= 2);
      assert.ok(m.kl < 1e-6, `KL to a reference equal to the policy is 0 at the first step, got ${m.kl}`);
      assert.ok(Math.abs(m.clip_ratio) < 1e-9, 'ratio is 1 at the only update of fresh rollouts');
      assert.ok(m.grad_norm > 0);
      assert.ok(maxDiff(before, await weights(policy)) > 1e-4, 'the parameters changed');
      assert.equal(grpo.progress.iteration, 1);
    } finally {
      grpo.dispose();
      policy.dispose();
    }
  });

  test('the step goes uphill on the surrogate: Σ w A (new - old logprob) > 0 and the loss falls', async () => {
    const policy = tiny(9);
    const grpo = new MultiTurnGRPO(options(policy, { learningRate: 1e-3, beta: 0 }));
    try {
      const trajectories: Trajectory[] = [];
      grpo.on('episode-end', ({ trajectory }) => trajectories.push(trajectory));
      const m = await grpo.iteration();
      assert.ok(m.grad_norm > 0, 'the batch has signal');
      const buffer = new RolloutBuffer(trajectories);
      const samples = buffer.samples({ lossType: 'sequence', scaleRewards: 'group' });
      const arrays = tokenArrays(samples);
      const after = (await scoreSequences(policy, samples, 1)).flatMap((a) => [...a]);
      let gain = 0;
      after.forEach((lp, t) => { gain += arrays.weights[t]! * arrays.advantages[t]! * (lp - arrays.oldLogprobs[t]!); });
      assert.ok(gain > 0, `rewarded tokens gain logprob relative to unrewarded ones, got Σ w A Δ = ${gain}`);
      const atStart = grpoTokenStats({ logprobs: arrays.oldLogprobs, ...arrays }).loss;
      const atEnd = grpoTokenStats({ logprobs: after, ...arrays }).loss;
      assert.ok(atEnd < atStart, `the loss falls (${atStart} -> ${atEnd})`);
    } finally {
      grpo.dispose();
      policy.dispose();
    }
  });

  test('the first step at ratio 1: loss = -Σ w A (the oracle), no clipping, no KL yet', async () => {
    const policy = tiny(9);
    const grpo = new MultiTurnGRPO(options(policy));
    try {
      const trajectories: Trajectory[] = [];
      grpo.on('episode-end', ({ trajectory }) => trajectories.push(trajectory));
      const m = await grpo.iteration();
      const samples = new RolloutBuffer(trajectories).samples({ lossType: 'sequence', scaleRewards: 'group' });
      let expected = 0;
      for (const x of samples) expected -= (x.ids.length - x.completionStart) * x.tokenWeight * x.advantage;
      assert.ok(Math.abs(m.loss - expected) < 1e-5, `loss ${m.loss}, expected ${expected}`);
      assert.equal(m.clip_ratio, 0);
      assert.ok(Math.abs(m.kl) < 1e-6, `the policy is the reference at the first step: kl ${m.kl}`);
    } finally {
      grpo.dispose();
      policy.dispose();
    }
  });

  test('the agent is passed in: its constraint decodes the rollouts; a greedy agent, one over another model, or temperature beside it is refused', async () => {
    const policy = tiny(4);
    const other = tiny(5);
    const agentOver = (p: TransformerLM, temperature: number, constrainAction = false): Agent =>
      new Agent({ policy: new LocalChatPolicy({ policy: p, tokenizer, template: prompt.template }), prompt, sampling: { temperature, maxNewTokens: 12 }, constrainAction });
    try {
      const free = new MultiTurnGRPO(options(policy, { maxNewTokens: undefined, agent: agentOver(policy, 1) }));
      const constrained = new MultiTurnGRPO(options(policy, { maxNewTokens: undefined, agent: agentOver(policy, 1, true) }));
      try {
        const invalid = async (grpo: MultiTurnGRPO): Promise<number> => (await grpo.iteration()).invalid_action_rate;
        const a = await invalid(free);
        const b = await invalid(constrained);
        assert.ok(a > 0.5, `an untrained model without the constraint writes mostly invalid actions (${a})`);
        assert.ok(b < a, `the agent's constraint decodes the rollouts: ${b} invalid against ${a}`);
      } finally {
        free.dispose();
        constrained.dispose();
      }
      assert.throws(() => new MultiTurnGRPO(options(policy, { maxNewTokens: undefined, agent: agentOver(policy, 0) })), /samples greedily \(temperature 0\)/);
      assert.throws(() => new MultiTurnGRPO(options(policy, { maxNewTokens: undefined, agent: agentOver(other, 1) })), /LocalChatPolicy over `policy`/);
      assert.throws(() => new MultiTurnGRPO(options(policy, { agent: agentOver(policy, 1) })), /maxNewTokens .*configures the default agent/);
    } finally {
      policy.dispose();
      other.dispose();
    }
  });

  test('a LossTerm is added to every step: its gradient alone moves the weights when no group has signal', async () => {
    const policy = tiny(6);
    const calls: number[] = [];
    const l2: LossTerm = {
      name: 'l2',
      loss: ({ policy: p, step }) => {
        calls.push(step);
        return () => tf.mul(tf.sum(tf.square(p.parameters.get('model.norm.weight')!)), 1e-2) as tf.Scalar;
      },
    };
    const constant = (): Promise<CheckResult> => Promise.resolve({ score: 1, reason: 'always' });
    const grpo = new MultiTurnGRPO(options(policy, { beta: 0, check: constant, lossTerms: [l2], updatesPerIteration: 2 }));
    try {
      const before = await weights(policy);
      const m = await grpo.iteration();
      assert.equal(m.frac_reward_zero_std, 1);
      assert.deepEqual(calls, [0, 1], 'called at each optimizer step with its count');
      assert.ok(m.loss > 0, `the term's value is in the loss (${m.loss})`);
      const after = await weights(policy);
      assert.ok(maxDiff(new Map([['n', before.get('model.norm.weight')!]]), new Map([['n', after.get('model.norm.weight')!]])) > 1e-4, 'the term moved its weights');
      assert.ok(maxDiff(new Map([['e', before.get('model.embed_tokens.weight')!]]), new Map([['e', after.get('model.embed_tokens.weight')!]])) < 1e-7, 'and nothing else');
    } finally {
      grpo.dispose();
      policy.dispose();
    }
  });

  test('an abort during the rollouts stops train() promptly with nothing applied', async () => {
    const policy = tiny(8);
    const controller = new AbortController();
    let episodes = 0;
    const grpo = new MultiTurnGRPO(options(policy, { numIterations: 3 }));
    grpo.on('episode-end', () => {
      episodes += 1;
      if (episodes === 3) controller.abort();
    });
    try {
      const before = await weights(policy);
      const metrics = await grpo.train({ signal: controller.signal });
      assert.deepEqual(metrics, []);
      assert.equal(grpo.progress.iteration, 0);
      assert.equal(grpo.optimizer.step, 0);
      assert.ok(episodes < 8, `the iteration's other episodes were not run (${episodes} of 8)`);
      assert.ok(maxDiff(before, await weights(policy)) === 0, 'the weights are untouched');
    } finally {
      grpo.dispose();
      policy.dispose();
    }
  });

  test('updatesPerIteration: μ optimizer steps on the same rollouts, the later ones clipped against the behaviour logprobs', async () => {
    const one = tiny();
    const three = tiny();
    const a = new MultiTurnGRPO(options(one, { learningRate: 5e-2 }));
    const b = new MultiTurnGRPO(options(three, { learningRate: 5e-2, updatesPerIteration: 3 }));
    try {
      const ma = await a.iteration();
      const mb = await b.iteration();
      // Same seed, same policy: the rollouts (and their rewards) are the same; only the updates differ.
      assert.equal(mb.completion_tokens, ma.completion_tokens);
      assert.equal(a.optimizer.step, 1);
      assert.equal(b.optimizer.step, 3);
      assert.ok(Math.abs(ma.clip_ratio) < 1e-9);
      assert.ok(mb.clip_ratio > 0, `later steps move the ratio beyond 1 ± epsilon at this learning rate, got ${mb.clip_ratio}`);
      assert.ok(maxDiff(await weights(one), await weights(three)) > 1e-4, 'three steps moved the weights further');
      assert.throws(() => new MultiTurnGRPO(options(one, { updatesPerIteration: 0 })), /MultiTurnGRPO option updatesPerIteration must be a positive integer, got 0/);
    } finally {
      a.dispose();
      b.dispose();
      one.dispose();
      three.dispose();
    }
  });

  test('dynamicSampling: more rounds of tasks until enough groups have differing rewards, only those update', async () => {
    // Concurrency 1 fixes the order: round 0's 8 episodes all fail, later ones alternate 1, 0.
    const scorer = (): (() => Promise<CheckResult>) => {
      let calls = 0;
      const alt = alternating();
      return () => (calls++ < 8 ? Promise.resolve({ score: 0, reason: 'round 0' }) : alt());
    };
    const policy = tiny();
    const grpo = new MultiTurnGRPO(options(policy, { check: scorer(), dynamicSampling: { maxRounds: 3 } }));
    const capped = tiny();
    const none = new MultiTurnGRPO(options(capped, { check: () => Promise.resolve({ score: 0, reason: 'no' }), dynamicSampling: { maxRounds: 2 } }));
    try {
      const groups = new Set<string>();
      grpo.on('episode-end', (e) => groups.add(e.trajectory.groupId));
      const m = await grpo.iteration();
      assert.equal(m.sampling_rounds, 2, 'round 1 filled both groups with signal');
      assert.equal(m.groups_with_signal, 2);
      assert.equal(groups.size, 4);
      assert.equal(m.frac_reward_zero_std, 0.5);
      assert.equal(grpo.progress.taskPass * TASKS.length + grpo.progress.taskCursor, 4, 'the task cycle moved past both rounds');
      assert.ok(m.grad_norm > 0);

      const before = await weights(capped);
      const c = await none.iteration();
      assert.equal(c.sampling_rounds, 2, 'stops at maxRounds without signal');
      assert.equal(c.groups_with_signal, 0);
      assert.ok(maxDiff(before, await weights(capped)) < 1e-7, 'no group with signal: no update');
      assert.throws(() => new MultiTurnGRPO(options(policy, { dynamicSampling: { maxRounds: 0 } })), /MultiTurnGRPO option dynamicSampling\.maxRounds must be a positive integer, got 0/);
    } finally {
      grpo.dispose();
      none.dispose();
      policy.dispose();
      capped.dispose();
    }
  });

  test('warmupSteps: the learning rate rises linearly over the first optimizer steps', async () => {
    const policy = tiny();
    const grpo = new MultiTurnGRPO(options(policy, { learningRate: 1e-2, warmupSteps: 4, updatesPerIteration: 2 }));
    try {
      await grpo.iteration();
      assert.equal(grpo.optimizer.step, 2);
      assert.ok(Math.abs(grpo.optimizer.learningRate - 1e-2 * 2 / 4) < 1e-12, `second step at 2/4 of the rate, got ${grpo.optimizer.learningRate}`);
      await grpo.iteration();
      assert.ok(Math.abs(grpo.optimizer.learningRate - 1e-2) < 1e-12, 'the full rate from step 4 on');
      assert.throws(() => new MultiTurnGRPO(options(policy, { warmupSteps: -1 })), /warmupSteps must be an integer >= 0/);
    } finally {
      grpo.dispose();
      policy.dispose();
    }
  });

  test('an episode whose re-runs all crash is skipped with an episode-skipped event that says why', async () => {
    const policy = tiny();
    const doomed = TASKS[0]!.id;
    const grpo = new MultiTurnGRPO(options(policy, {
      tasks: TASKS.slice(0, 2), numIterations: 1, check: () => Promise.resolve({ score: 1, reason: 'all' }),
      makeEnvironment: () => new ScriptedEnvironment(scriptedShop({ failOn: ({ task }: { task: { id: string } }) => task.id === doomed })),
    }));
    const skipped: string[] = [];
    const ended: string[] = [];
    grpo.on('episode-skipped', (e) => skipped.push(`${e.taskId} ${e.error.name}: ${e.error.message}`));
    grpo.on('episode-end', (e) => ended.push(e.trajectory.taskId));
    try {
      const [m] = await grpo.train();
      assert.equal(skipped.length, 4, 'each of the doomed task\'s 4 generations');
      for (const line of skipped) assert.match(line, new RegExp(`^${doomed} RolloutError: .*crashed 3 times.*simulated by failOn`));
      assert.deepEqual(ended, Array(4).fill(TASKS[1]!.id), 'the other task\'s episodes are all kept');
      assert.equal(m!.episodes_skipped, 4);
    } finally {
      grpo.dispose();
      policy.dispose();
    }
  });

  test('when every episode of an iteration is skipped, train stops with a RolloutError instead of iterating on nothing', async () => {
    const policy = tiny();
    const grpo = new MultiTurnGRPO(options(policy, {
      tasks: TASKS.slice(0, 2), numIterations: 3, check: () => Promise.resolve({ score: 1, reason: 'all' }),
      makeEnvironment: () => new ScriptedEnvironment(scriptedShop({ failOn: () => true })),
    }));
    let iterations = 0;
    grpo.on('iteration-end', () => (iterations += 1));
    try {
      await assert.rejects(grpo.train(), (e: unknown) => e instanceof RolloutError && /all 8 episodes of iteration 0 were skipped.*simulated by failOn/.test(e.message));
      assert.equal(iterations, 0);
      assert.equal(grpo.progress.iteration, 0, 'the iteration does not count');
    } finally {
      grpo.dispose();
      policy.dispose();
    }
  });

  test('supervised anchor: the update loss adds coefficient x the NLL of the supervised minibatch', async () => {
    const samples = ['do(action="Click", role="link", name="Home")', 'exit(message="$12.00")', 'Round Task Instruction What does the Blue Ceramic Mug cost?']
      .map((text) => ({ ids: tokenizer.encode(text), completionStart: 2 }));
    const start = tiny(11);
    const expected = tf.tidy(() => nextTokenLoss(start, packSequences(samples, tokenizer.vocabSize)).arraySync() as number);
    const lossOf = async (extra: Partial<MultiTurnGRPOOptions>): Promise<{ loss: number; weights: Float32Array }> => {
      const policy = start.clone();
      const grpo = new MultiTurnGRPO(options(policy, { numIterations: 1, updatesPerIteration: 1, beta: 0, learningRate: 1e-3, ...extra }));
      try {
        const [m] = await grpo.train();
        return { loss: m!.loss, weights: (await policy.exportWeights()).get('model.embed_tokens.weight')!.data as Float32Array };
      } finally {
        grpo.dispose();
        policy.dispose();
      }
    };
    try {
      const plain = await lossOf({});
      const anchored = await lossOf({ supervised: { samples, coefficient: 0.5, batchTokens: 10_000 } });
      assert.ok(expected > 1, `an untrained model's NLL (${expected})`);
      assert.ok(Math.abs(anchored.loss - plain.loss - 0.5 * expected) < 1e-4, `${anchored.loss} - ${plain.loss} = 0.5 x ${expected}`);
      assert.ok(anchored.weights.some((w, i) => w !== plain.weights[i]), 'the supervised term changes the step');
    } finally {
      start.dispose();
    }
  });

  test('no signal (every reward equal) and no KL yet: the parameters stay', async () => {
    const policy = tiny();
    const grpo = new MultiTurnGRPO(options(policy, { check: () => Promise.resolve({ score: 0, reason: 'no' }) }));
    try {
      const before = await weights(policy);
      const m = await grpo.iteration();
      assert.equal(m.frac_reward_zero_std, 1);
      assert.ok(maxDiff(before, await weights(policy)) < 1e-7);
    } finally {
      grpo.dispose();
      policy.dispose();
    }
  });

  test('same seed, same run: metrics and weights agree; iterations leak no tensor', async () => {
    const runs: { metrics: number[][]; w: Map<string, Float32Array> }[] = [];
    for (let r = 0; r < 2; r++) {
      const policy = tiny(11);
      const grpo = new MultiTurnGRPO(options(policy, { numIterations: 3 }));
      try {
        const metrics: number[][] = [];
        let tensors = -1;
        grpo.on('iteration-end', (m) => {
          metrics.push([m.reward_mean, m.loss, m.grad_norm, m.kl, m.entropy, m.completion_tokens]);
          policy.clearCaches();
          grpo.reference?.clearCaches();
          if (m.iteration === 1) tensors = tf.memory().numTensors;
          if (m.iteration === 2) assert.equal(tf.memory().numTensors, tensors, 'an iteration leaves no tensor behind');
        });
        await grpo.train();
        runs.push({ metrics, w: await weights(policy) });
      } finally {
        grpo.dispose();
        policy.dispose();
      }
    }
    assert.deepEqual(runs[0]!.metrics, runs[1]!.metrics);
    assert.equal(maxDiff(runs[0]!.w, runs[1]!.w), 0);
  });

  test('4 iterations straight equal 2, save, a fresh trainer restoring, then 2 more', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'webagent-grpo-'));
    const dir = path.join(root, 'run'); // a link beside its version folder: both inside root
    try {
      const straight = tiny(21);
      const a = new MultiTurnGRPO(options(straight, { numIterations: 4 }));
      await a.train();
      const expected = await weights(straight);
      a.dispose();
      straight.dispose();

      const first = tiny(21);
      const b = new MultiTurnGRPO(options(first, { numIterations: 2, checkpoint: { dir, every: 1 } }));
      const saved: number[] = [];
      b.on('checkpoint', (e) => saved.push(e.iteration));
      await b.train();
      assert.deepEqual(saved, [1, 2]);
      b.dispose();
      first.dispose();

      const resumed = tiny(99); // different initial weights: everything must come from the checkpoint
      const c = new MultiTurnGRPO(options(resumed, { numIterations: 4 }));
      await c.restore(dir);
      assert.equal(c.progress.iteration, 2);
      await c.train();
      assert.equal(maxDiff(expected, await weights(resumed)), 0);
      c.dispose();
      resumed.dispose();
      const other = tiny(1);
      const d = new MultiTurnGRPO(options(other, { seed: 8 }));
      await assert.rejects(d.restore(dir), /seed 7/);
      await assert.rejects(d.restore(path.join(dir, 'nope')), /trainer.json/);
      d.dispose();
      other.dispose();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('save is crash-safe: a save cut at the switch leaves the previous run in place; torn files are refused naming them', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'webagent-grpo-'));
    const dir = path.join(root, 'run');
    const policy = tiny(21);
    const grpo = new MultiTurnGRPO(options(policy, { numIterations: 2 }));
    const realRename = fs.promises.rename;
    try {
      await grpo.train();
      await grpo.save(dir);
      const saved = await weights(policy);
      await grpo.train({}); // nothing left: a no-op
      grpo.progress.iteration = 3; // a later state, whose save is cut short
      policy.importWeights(new Map([...await policy.exportWeights()].map(([n, w]) => [n, { shape: w.shape, data: w.data.map((x) => x + 1) }])));
      // The save dies at the rename that would put the new run in place (as a kill there would leave it).
      fs.promises.rename = (async (from: PathLike, to: PathLike) => {
        if (path.resolve(String(to)) === dir) throw Object.assign(new Error('killed at the switch'), { code: 'EKILLED' });
        return realRename(from, to);
      }) as typeof fs.promises.rename;
      syncBuiltinESMExports();
      await assert.rejects(grpo.save(dir), /killed at the switch/);
      fs.promises.rename = realRename;
      syncBuiltinESMExports();

      const resumed = tiny(99);
      const c = new MultiTurnGRPO(options(resumed, { numIterations: 4 }));
      try {
        await c.restore(dir);
        assert.equal(c.progress.iteration, 2, 'the previous complete checkpoint');
        assert.equal(maxDiff(saved, await weights(resumed)), 0);
        // Torn files are refused by name before anything is loaded into the trainer.
        for (const file of ['optimizer.safetensors', 'trainer.json', path.join('policy', 'model.safetensors')]) {
          const full = path.join(dir, file);
          const good = await readFile(full);
          const torn = Buffer.from(good);
          torn[torn.byteLength - 2] = torn[torn.byteLength - 2]! ^ 0x01;
          await writeFile(full, torn);
          await assert.rejects(c.restore(dir), (e: unknown) => e instanceof CheckpointError && (e as CheckpointError & { file?: string }).file === file.split(path.sep).join('/') && e.message.includes(file.split(path.sep).join('/')), file);
          await writeFile(full, good);
        }
        await c.restore(dir);
      } finally {
        c.dispose();
        resumed.dispose();
      }
      // Nothing but the run and its one version folder is left beside it after the next save.
      await grpo.save(dir);
      const left = (await readdir(root)).sort();
      assert.equal(left.length, 2, left.join(', '));
      assert.ok(left[0] === 'run' && /^run@\d+$/.test(left[1]!), left.join(', '));
    } finally {
      fs.promises.rename = realRename;
      syncBuiltinESMExports();
      grpo.dispose();
      policy.dispose();
      await rm(root, { recursive: true, force: true });
    }
  });

  test('tasks come in a seeded shuffled cycle; the turn curriculum grows the horizon; bad options throw', async () => {
    const policy = tiny();
    const grpo = new MultiTurnGRPO(options(policy, { turnCurriculum: { start: 2, end: 8, over: 3 } }));
    const cycle = new MultiTurnGRPO(options(policy, { tasksPerIteration: TASKS.length, numGenerations: 2, maxTurns: 1, beta: 0 }));
    try {
      assert.deepEqual([0, 1, 2, 3, 9].map((i) => grpo.horizon(i)), [2, 4, 6, 8, 8]);
      const groups = new Map<string, string>();
      cycle.on('episode-end', ({ trajectory }) => groups.set(trajectory.groupId, trajectory.taskId));
      await cycle.train();
      const seen = [...groups.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).map((g) => groups.get(g)!);
      assert.equal(seen.length, TASKS.length * 2);
      assert.deepEqual([...seen.slice(0, TASKS.length)].sort(), TASKS.map((t) => t.id).sort());
      assert.deepEqual([...seen.slice(TASKS.length)].sort(), TASKS.map((t) => t.id).sort());
      assert.throws(() => new MultiTurnGRPO(options(policy, { numGenerations: 1 })), /MultiTurnGRPO option numGenerations must be an integer >= 2 \(advantages compare rollouts within a group\), got 1/);
      assert.throws(() => new MultiTurnGRPO(options(policy, { tasks: [] })), OptionsError);
      assert.throws(() => new MultiTurnGRPO(options(policy, { turnCurriculum: { start: 0, end: 2, over: 1 } })), /turnCurriculum/);
      assert.throws(() => new MultiTurnGRPO(options(policy, { supervised: { samples: [{ ids: [1, 2], completionStart: 1 }], coefficient: 0 } })), /supervised.coefficient must be/);
      assert.throws(() => new MultiTurnGRPO(options(policy, { supervised: { samples: [], coefficient: 1 } })), /supervised.samples must be a non-empty array/);
      assert.throws(() => new MultiTurnGRPO(options(policy, { scaleRewards: 'mean' as 'group' })), /MultiTurnGRPO option scaleRewards must be 'group', 'batch' or 'none', got "mean"/);
      assert.throws(() => new MultiTurnGRPO(options(policy, { lossType: 'turn' as 'token' })), /MultiTurnGRPO option lossType must be 'sequence' or 'token', got "turn"/);
    } finally {
      cycle.dispose();
      grpo.dispose();
      policy.dispose();
    }
  });
});
