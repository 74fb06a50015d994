// Tests for BehaviorCloning (src/rl/behavior-cloning.ts): demonstrations become one sample per
// turn with the acting-time prompt (compressed history, the policy's own reply format, role+name
// targets rewritten from the expert's ids), only assistant tokens are trained, the loss falls on
// a tiny model, validation and evaluation hooks fire, maxSteps and abort stop it, no tensor leaks,
// and data-parallel replicas train the same way.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { Observation } from '../src/env/types.js';
import { OptionsError } from '../src/errors.js';
import { AgentPrompt } from '../src/policy/agent-prompt.js';
import { initBackend } from '../src/policy/backend.js';
import { HfTokenizer, trainBpeTokenizer } from '../src/policy/tokenizer.js';
import { TransformerPolicy } from '../src/policy/transformer.js';
import { BehaviorCloning, demonstrationSamples, linearDecaySchedule, type ExpertDemonstration } from '../src/rl/behavior-cloning.js';
import { ScriptedEnvironment, scriptedShop, SCRIPTED_SHOP_URL, SCRIPTED_SHOP_PRODUCTS } from '../src/testing/index.js';

let tokenizer: HfTokenizer;
let demos: ExpertDemonstration[];

/** Expert episodes on the scripted shop: open a product, answer its price. */
async function recordDemos(): Promise<ExpertDemonstration[]> {
  const env = new ScriptedEnvironment(scriptedShop());
  const out: ExpertDemonstration[] = [];
  for (const product of SCRIPTED_SHOP_PRODUCTS) {
    const intent = `What does the ${product.name} cost?`;
    const first: Observation = await env.reset({ id: product.slug, intent, startUrl: SCRIPTED_SHOP_URL });
    const link = first.nodes.find((n) => n.role === 'link' && n.name === product.name)!;
    const second = (await env.step({ type: 'click', target: { id: link.id! } })).observation;
    out.push({
      intent,
      turns: [
        { observation: first, action: { type: 'click', target: { id: link.id! } }, thought: `open the ${product.name}` },
        { observation: second, action: { type: 'answer', text: product.price }, thought: 'the price is shown' },
      ],
    });
  }
  await env.close();
  return out;
}

before(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
  demos = await recordDemos();
  const corpus = demos.flatMap((d) => [d.intent, ...d.turns.map((t) => t.observation.text)]);
  tokenizer = HfTokenizer.fromJson(trainBpeTokenizer(Array(20).fill([...corpus, 'Round Task Instruction do(action="Click", role="link", name="x") exit(message="$1.00") <think></think><answer></answer>']).flat(), {
    vocabSize: 400, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'],
  }));
});

/** Sum of |w - w0| over all weights: how far `policy` moved from the exported weights `from`. */
async function weightChange(policy: TransformerPolicy, from: Awaited<ReturnType<TransformerPolicy['exportWeights']>>): Promise<number> {
  let change = 0;
  for (const [name, w] of await policy.exportWeights()) w.data.forEach((x, i) => { change += Math.abs(x - from.get(name)!.data[i]!); });
  return change;
}

const tiny = (): TransformerPolicy => new TransformerPolicy({
  config: { vocab_size: tokenizer.vocabSize, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 1024 },
  seed: 5,
});

describe('demonstrationSamples', () => {
  test('one sample per turn with the acting-time prompt; name targets rewritten from ids; only the reply is trained', () => {
    const prompt = new AgentPrompt({ tokenizer, template: 'plain' });
    const demo = demos[0]!;
    const samples = demonstrationSamples(prompt, demo);
    assert.equal(samples.length, 2);
    assert.equal(samples[0]!.completionText, '<think>open the Blue Ceramic Mug</think><answer>do(action="Click", role="link", name="Blue Ceramic Mug")</answer><|im_end|>');
    assert.equal(samples[1]!.completionText, '<think>the price is shown</think><answer>exit(message="$12.00")</answer><|im_end|>');
    const context1 = tokenizer.decode(samples[1]!.promptIds);
    assert.ok(context1.includes(`Round 1\n\nTask Instruction: ${demo.intent}\n\n** Simplified html **`), context1);
    assert.ok(context1.includes('<answer>do(action="Click", role="link", name="Blue Ceramic Mug")</answer><|im_end|>'), 'the earlier reply is in the prompt');
    assert.ok(context1.includes('Round 2'));
    for (const s of samples) {
      assert.equal(s.lossMask.reduce((a, b) => a + b, 0), s.completionIds.length);
      assert.equal(tokenizer.decode([...s.ids].filter((_, i) => s.lossMask[i] === 1)), s.completionText);
    }
    const ids = new AgentPrompt({ tokenizer, template: 'chatml', systemPrompt: false, targets: 'id' });
    assert.match(demonstrationSamples(ids, demo)[0]!.completionText, /do\(action="Click", element="\d+"\)/);
  });
});

describe('BehaviorCloning', () => {
  test('the loss on expert replies falls; validation and evaluation fire', async () => {
    const prompt = new AgentPrompt({ tokenizer, template: 'plain' });
    const train = demos.flatMap((d) => demonstrationSamples(prompt, d));
    const policy = tiny();
    try {
      const bc = new BehaviorCloning({
        policy, train, validation: train.slice(0, 2), epochs: 40, batchTokens: 2048, optimizer: { learningRate: 3e-3 }, validateEvery: 20,
        evaluate: { every: 30, run: (step) => Promise.resolve({ step }) },
      });
      const before = await bc.loss(train);
      const steps: number[] = [];
      const validations: number[] = [];
      const evaluations: number[] = [];
      bc.on('step', (e) => steps.push(e.loss));
      bc.on('validation', (e) => validations.push(e.step));
      bc.on('evaluation', (e) => evaluations.push(e.metrics.step!));
      const result = await bc.train();
      const after = await bc.loss(train);
      assert.ok(after < before * 0.5, `loss ${before.toFixed(3)} -> ${after.toFixed(3)}`);
      assert.equal(result.steps, steps.length);
      assert.ok(result.tokens > 0 && result.validationLoss !== undefined && Math.abs(result.validationLoss - (await bc.loss(train.slice(0, 2)))) < 1e-4);
      assert.ok(validations.length >= 2 && validations.every((s) => s % 20 === 0 || s === result.steps));
      assert.ok(evaluations.includes(30) && evaluations.at(-1) === result.steps);
    } finally {
      policy.dispose();
    }
  });

  test('maxSteps and abort stop training; no tensor leaks; bad options are OptionsErrors', async () => {
    const prompt = new AgentPrompt({ tokenizer, template: 'plain' });
    const train = demos.flatMap((d) => demonstrationSamples(prompt, d));
    const policy = tiny();
    try {
      const r = await new BehaviorCloning({ policy, train, epochs: 100, maxSteps: 3, batchTokens: 600 }).train();
      assert.equal(r.steps, 3);
      // The same run again (same batch widths, so the same cached causal masks): no tensor left behind.
      const tensors = tf.memory().numTensors;
      await new BehaviorCloning({ policy, train, epochs: 100, maxSteps: 3, batchTokens: 600 }).train();
      assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind by training');
      const controller = new AbortController();
      const bc = new BehaviorCloning({ policy, train, epochs: 100, batchTokens: 600 });
      bc.on('step', (e) => { if (e.step === 2) controller.abort(); });
      const aborted = await bc.train({ signal: controller.signal });
      assert.equal(aborted.aborted, true);
      assert.equal(aborted.steps, 2);
      assert.throws(() => new BehaviorCloning({ policy, train: [] }), /BehaviorCloning option train must be a non-empty array of sequences \(ids with a loss mask or completionStart\), got \[\]/);
      assert.throws(() => new BehaviorCloning({ policy, train, epochs: 0 }), OptionsError);
      assert.throws(() => new BehaviorCloning({ policy, train: [{ ids: new Array(2000).fill(1), completionStart: 1 }] }), /max_position_embeddings/);
      assert.throws(() => new BehaviorCloning({ policy, train: [{ ids: [1, 2, 3], lossMask: [0, 0, 0] }] }), /no trained tokens/);
    } finally {
      policy.dispose();
    }
  });

  test('warmupSteps ramps the learning rate linearly; the first update is that much smaller', async () => {
    const prompt = new AgentPrompt({ tokenizer, template: 'plain' });
    const train = demos.flatMap((d) => demonstrationSamples(prompt, d));
    const initial = tiny();
    const start = await initial.exportWeights();
    initial.dispose();
    const run = async (warmupSteps: number | undefined, maxSteps: number): Promise<{ rates: number[]; change: number }> => {
      const policy = tiny();
      try {
        const bc = new BehaviorCloning({ policy, train, epochs: 100, maxSteps, batchTokens: 600, optimizer: { learningRate: 4e-3 }, ...(warmupSteps !== undefined ? { warmupSteps } : {}) });
        const rates: number[] = [];
        bc.on('step', (e) => rates.push(e.learningRate));
        await bc.train();
        return { rates, change: await weightChange(policy, start) };
      } finally {
        policy.dispose();
      }
    };
    const full = await run(undefined, 1);
    const warm = await run(4, 1);
    assert.deepEqual(full.rates, [4e-3]);
    assert.deepEqual((await run(4, 6)).rates.map((r) => Math.round(r * 1e6) / 1e6), [1e-3, 2e-3, 3e-3, 4e-3, 4e-3, 4e-3]);
    // Adam's first step moves each weight by about the learning rate, so a quarter of the rate is about a quarter of the change.
    const ratio = warm.change / full.change;
    assert.ok(ratio > 0.2 && ratio < 0.3, `first-step change ratio ${ratio.toFixed(3)}`);
    const policy = tiny();
    try {
      assert.throws(() => new BehaviorCloning({ policy, train, warmupSteps: -1 }), /warmupSteps must be an integer >= 0/);
      assert.throws(() => new BehaviorCloning({ policy, train, warmupSteps: 2.5 }), OptionsError);
    } finally {
      policy.dispose();
    }
  });

  test('learningRateSchedule multiplies the rate (after warm-up) by step and time; a bad value or a throwing listener stops training with the steps kept', async () => {
    const prompt = new AgentPrompt({ tokenizer, template: 'plain' });
    const train = demos.flatMap((d) => demonstrationSamples(prompt, d));
    const policy = tiny();
    try {
      const asked: Array<{ step: number; seconds: number }> = [];
      const bc = new BehaviorCloning({
        policy, train, epochs: 100, maxSteps: 5, batchTokens: 600, optimizer: { learningRate: 4e-3 }, warmupSteps: 2,
        learningRateSchedule: (at) => {
          asked.push({ ...at });
          return at.step < 3 ? 1 : 0.25;
        },
      });
      const rates: number[] = [];
      bc.on('step', (e) => rates.push(e.learningRate));
      await bc.train();
      assert.deepEqual(rates.map((r) => Math.round(r * 1e6) / 1e6), [2e-3, 4e-3, 4e-3, 1e-3, 1e-3]);
      assert.deepEqual(asked.map((a) => a.step), [0, 1, 2, 3, 4]);
      assert.ok(asked.every((a, i) => a.seconds >= 0 && (i === 0 || a.seconds >= asked[i - 1]!.seconds)), 'seconds since the start, non-decreasing');

      const before = await policy.exportWeights();
      const stepsDone: number[] = [];
      // Data-parallel: the replicas' weights reach the policy only through a sync.
      const bad = new BehaviorCloning({ policy, train, epochs: 100, maxSteps: 10, batchTokens: 600, workers: 2, optimizer: { learningRate: 4e-3 }, learningRateSchedule: ({ step }) => (step < 2 ? 1 : Number.NaN) });
      bad.on('step', (e) => stepsDone.push(e.step));
      await assert.rejects(bad.train(), (e: unknown) => e instanceof OptionsError && /learningRateSchedule returned NaN at step 2/.test(e.message));
      assert.deepEqual(stepsDone, [1, 2]);
      assert.ok((await weightChange(policy, before)) > 0, 'the two steps before the bad value are in the policy');
      // The same for any user code in the loop, such as a step listener that throws.
      const before2 = await policy.exportWeights();
      const loud = new BehaviorCloning({ policy, train, epochs: 100, maxSteps: 10, batchTokens: 600, workers: 2, optimizer: { learningRate: 4e-3 } });
      loud.on('step', (e) => {
        if (e.step === 2) throw new Error('listener failed');
      });
      await assert.rejects(loud.train(), /listener failed/);
      assert.ok((await weightChange(policy, before2)) > 0, 'the steps before the listener threw are in the policy');
      assert.throws(() => new BehaviorCloning({ policy, train, learningRateSchedule: 0.5 as unknown as () => number }), OptionsError);
    } finally {
      policy.dispose();
    }
  });

  test('promptLossWeight also trains on the prompt: the prompt loss falls further, tokens count replies only; bad weights are OptionsErrors', async () => {
    const prompt = new AgentPrompt({ tokenizer, template: 'plain' });
    const train = demos.flatMap((d) => demonstrationSamples(prompt, d));
    // The prompts as sequences of their own (every token but the first trained): their loss shows what the model learned of them.
    const prompts = train.map((s) => ({ ids: s.promptIds, completionStart: 1 }));
    const plain = tiny();
    const weighted = tiny();
    try {
      const before = await new BehaviorCloning({ policy: plain, train }).loss(prompts);
      const r0 = await new BehaviorCloning({ policy: plain, train, epochs: 100, maxSteps: 8, batchTokens: 2048, seed: 1, optimizer: { learningRate: 4e-3 } }).train();
      const r1 = await new BehaviorCloning({ policy: weighted, train, epochs: 100, maxSteps: 8, batchTokens: 2048, seed: 1, workers: 2, optimizer: { learningRate: 4e-3 }, promptLossWeight: 0.5 }).train();
      assert.equal(r1.tokens, r0.tokens, 'tokens counts the trained reply tokens either way');
      const afterPlain = await new BehaviorCloning({ policy: plain, train }).loss(prompts);
      const afterWeighted = await new BehaviorCloning({ policy: weighted, train }).loss(prompts);
      assert.ok(afterWeighted < afterPlain - 0.1 && afterWeighted < before - 0.1, `prompt loss: ${before.toFixed(3)} before, ${afterPlain.toFixed(3)} without, ${afterWeighted.toFixed(3)} with the weight`);
      for (const bad of [-0.1, Number.NaN, Infinity]) {
        assert.throws(() => new BehaviorCloning({ policy: plain, train, promptLossWeight: bad }), (e: unknown) => e instanceof OptionsError && /promptLossWeight must be a finite number >= 0/.test(e.message));
      }
    } finally {
      plain.dispose();
      weighted.dispose();
    }
  });

  test('two data-parallel replicas train like one thread', async () => {
    const prompt = new AgentPrompt({ tokenizer, template: 'plain' });
    const train = demos.flatMap((d) => demonstrationSamples(prompt, d));
    const a = tiny();
    const b = tiny();
    try {
      const ra = await new BehaviorCloning({ policy: a, train, epochs: 2, batchTokens: 2048, seed: 1 }).train();
      const rb = await new BehaviorCloning({ policy: b, train, epochs: 2, batchTokens: 2048, seed: 1, workers: 2 }).train();
      assert.equal(ra.steps, rb.steps);
      assert.ok(Math.abs(ra.trainLoss - rb.trainLoss) < 1e-3, `${ra.trainLoss} vs ${rb.trainLoss}`);
      const wa = await a.exportWeights();
      const wb = await b.exportWeights();
      let maxDiff = 0;
      for (const [name, w] of wa) w.data.forEach((x, i) => { maxDiff = Math.max(maxDiff, Math.abs(x - wb.get(name)!.data[i]!)); });
      assert.ok(maxDiff < 1e-3, `weights differ by ${maxDiff}`);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});

describe('linearDecaySchedule', () => {
  test('full rate, then a linear fall to 0 over the last fraction of a time or step budget, whichever runs out first', () => {
    const byTime = linearDecaySchedule({ fraction: 0.25, seconds: 100 });
    assert.equal(byTime({ step: 0, seconds: 0 }), 1);
    assert.equal(byTime({ step: 999, seconds: 75 }), 1);
    assert.equal(byTime({ step: 0, seconds: 87.5 }), 0.5);
    assert.equal(byTime({ step: 0, seconds: 100 }), 0);
    assert.equal(byTime({ step: 0, seconds: 130 }), 0);
    const both = linearDecaySchedule({ fraction: 0.5, seconds: 100, steps: 10 });
    assert.equal(both({ step: 5, seconds: 0 }), 1);
    assert.equal(both({ step: 8, seconds: 0 }), 0.4);
    assert.equal(both({ step: 2, seconds: 75 }), 0.5);
    const constant = linearDecaySchedule({ fraction: 0, seconds: 100 });
    assert.equal(constant({ step: 0, seconds: 99.9 }), 1);
  });

  test('refuses a fraction outside 0..1, a budget that is not a positive number, and no budget', () => {
    assert.throws(() => linearDecaySchedule({ fraction: 1.5, seconds: 10 }), (e: unknown) => e instanceof OptionsError && /fraction must be from 0 to 1, got 1.5/.test(e.message));
    assert.throws(() => linearDecaySchedule({ fraction: 0.3, seconds: 0 }), (e: unknown) => e instanceof OptionsError && /seconds must be a number > 0, got 0/.test(e.message));
    assert.throws(() => linearDecaySchedule({ fraction: 0.3, steps: Number.NaN }), (e: unknown) => e instanceof OptionsError && /steps must be a number > 0/.test(e.message));
    assert.throws(() => linearDecaySchedule({ fraction: 0.3 }), (e: unknown) => e instanceof OptionsError && /seconds, steps or both/.test(e.message));
  });
});
