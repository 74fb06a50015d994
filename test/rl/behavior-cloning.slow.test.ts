// Tests for BehaviorCloning (src/rl/behavior-cloning.ts): demonstrations become one sample per
// turn with the acting-time prompt (compressed history, the policy's own reply format, role+name
// targets rewritten from the expert's ids), only assistant tokens are trained, the loss falls on
// a tiny model, validation and evaluation hooks fire, maxSteps and abort stop it, no tensor leaks,
// data-parallel replicas train the same way, and a run saved and restored into a new trainer
// continues exactly (bit-identical weights, the same losses), refusing torn files and other folders.

import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { Observation } from '../../src/env/types.js';
import { OptionsError } from '../../src/errors.js';
import { AgentPrompt } from '../../src/agent/agent-prompt.js';
import { initBackend } from '../../src/model/backend.js';
import { CheckpointIntegrityError, saveCheckpoint } from '../../src/model/checkpoint-folder.js';
import { HfTokenizer } from '../../src/model/tokenizer.js';
import { trainBpeTokenizer } from '../../src/model/bpe-trainer.js';
import { TransformerLM } from '../../src/model/transformer.js';
import { BEHAVIOR_CLONING_DEFAULTS, BehaviorCloning, demonstrationSamples, linearDecaySchedule, type BehaviorCloningOptions } from '../../src/rl/behavior-cloning.js';
import type { Demonstration } from '../../src/data/demonstration.js';
import { ScriptedEnvironment, scriptedShop, SCRIPTED_SHOP_URL, SCRIPTED_SHOP_PRODUCTS } from '../../src/testing/index.js';

let tokenizer: HfTokenizer;
let demos: Pick<Demonstration, 'intent' | 'turns'>[];

/** Expert episodes on the scripted shop: open a product, answer its price. */
async function recordDemos(): Promise<Pick<Demonstration, 'intent' | 'turns'>[]> {
  const env = new ScriptedEnvironment(scriptedShop());
  const out: Pick<Demonstration, 'intent' | 'turns'>[] = [];
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
async function weightChange(policy: TransformerLM, from: Awaited<ReturnType<TransformerLM['exportWeights']>>): Promise<number> {
  let change = 0;
  for (const [name, w] of await policy.exportWeights()) w.data.forEach((x, i) => { change += Math.abs(x - from.get(name)!.data[i]!); });
  return change;
}

const tiny = (seed = 5): TransformerLM => new TransformerLM({
  config: { vocab_size: tokenizer.vocabSize, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 1024 },
  seed,
});

/** Whether two exports hold the same weights, bit for bit. */
function sameBits(a: Awaited<ReturnType<TransformerLM['exportWeights']>>, b: Awaited<ReturnType<TransformerLM['exportWeights']>>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, w] of a) {
    const other = b.get(name);
    if (!other || !Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).equals(Buffer.from(other.data.buffer, other.data.byteOffset, other.data.byteLength))) return false;
  }
  return true;
}

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

describe('BehaviorCloning save and restore', () => {
  type StepRecord = { step: number; epoch: number; loss: number; gradNorm: number; learningRate: number; tokens: number };
  /** Options of the resume tests: warm-up, a step schedule, prompt weight and the epoch's loss sums all span the save. */
  const resumable = (policy: TransformerLM, extra: Partial<BehaviorCloningOptions> = {}): BehaviorCloningOptions => {
    const prompt = new AgentPrompt({ tokenizer, template: 'plain' });
    const train = demos.flatMap((d) => demonstrationSamples(prompt, d));
    return {
      policy, train, validation: train.slice(0, 2), epochs: 3, maxSteps: 4, batchTokens: 400, seed: 3, warmupSteps: 3, promptLossWeight: 0.1,
      optimizer: { learningRate: 4e-3 }, learningRateSchedule: linearDecaySchedule({ fraction: 0.5, steps: 4 }), tokenizer, ...extra,
    };
  };
  const record = (bc: BehaviorCloning, into: StepRecord[]): void => {
    bc.on('step', ({ seconds: _s, ...e }) => into.push(e));
  };

  for (const workers of [1, 2]) {
    test(`${workers === 1 ? 'one thread' : 'two data-parallel replicas'}: 2 steps, save, a new trainer restoring, 2 more steps equal 4 straight (bit-identical weights, same losses)`, async () => {
      const root = await mkdtemp(path.join(os.tmpdir(), 'webagent-bc-'));
      const dir = path.join(root, 'run');
      const straightPolicy = tiny();
      const firstPolicy = tiny();
      const resumedPolicy = tiny(99); // other initial weights: everything must come from the checkpoint
      try {
        const straight: StepRecord[] = [];
        const a = new BehaviorCloning(resumable(straightPolicy, { workers }));
        record(a, straight);
        const whole = await a.train();
        assert.equal(whole.steps, 4);
        assert.deepEqual(straight.map((e) => e.epoch), [0, 0, 0, 0], 'one epoch: its loss sums from before the save are in the result');

        const halves: StepRecord[] = [];
        const controller = new AbortController();
        const b = new BehaviorCloning(resumable(firstPolicy, { workers }));
        record(b, halves);
        b.on('step', (e) => { if (e.step === 2) controller.abort(); });
        const first = await b.train({ signal: controller.signal });
        assert.equal(first.steps, 2);
        assert.equal(first.aborted, true);
        await b.save(dir);

        const c = new BehaviorCloning(resumable(resumedPolicy, { workers }));
        record(c, halves);
        await c.restore(dir);
        const rest = await c.train();
        assert.deepEqual(halves, straight, 'the same steps: losses, gradient norms, learning rates, epochs, tokens');
        assert.ok(sameBits(await resumedPolicy.exportWeights(), await straightPolicy.exportWeights()), 'bit-identical weights');
        assert.deepEqual({ ...rest, seconds: 0 }, { ...whole, seconds: 0 }, 'the same result (steps, train loss of the epoch, validation loss, tokens)');
        assert.ok(rest.seconds >= first.seconds, 'seconds continue from the saved run');
        // The saved policy folder is a Hugging Face folder with the tokenizer.
        assert.ok(JSON.parse(await readFile(path.join(dir, 'policy', 'tokenizer.json'), 'utf8')));
        // A finished run takes no more steps.
        const again = await c.train();
        assert.equal(again.steps, 4);
        assert.equal(halves.length, 4);
      } finally {
        straightPolicy.dispose();
        firstPolicy.dispose();
        resumedPolicy.dispose();
        await rm(root, { recursive: true, force: true });
      }
    });
  }

  test('the checkpoint option saves during training and at the end; a run resumed from a mid-run save (in the second epoch) ends where the whole run did', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'webagent-bc-'));
    const dir = path.join(root, 'run');
    const copy = path.join(root, 'at-step-4');
    const policy = tiny();
    const resumedPolicy = tiny(99);
    // 3 batches an epoch: the save at step 4 is in the second epoch, whose sample order comes from the first's.
    const settings = { maxSteps: 8, batchTokens: 700, validateEvery: 3, learningRateSchedule: linearDecaySchedule({ fraction: 0.5, steps: 12 }) };
    try {
      const a = new BehaviorCloning(resumable(policy, { ...settings, checkpoint: { dir, every: 4 } }));
      const saves: number[] = [];
      a.on('checkpoint', (e) => {
        saves.push(e.step);
        if (e.step === 4) cpSync(dir, copy, { recursive: true, dereference: true });
      });
      const steps: Array<{ epoch: number; loss: number }> = [];
      a.on('step', (e) => steps.push({ epoch: e.epoch, loss: e.loss }));
      const whole = await a.train();
      // Step 8's save, then the final validation (8 is not a multiple of 3) changed the state: saved again.
      assert.deepEqual(saves, [4, 8, 8]);
      assert.deepEqual(steps.map((e) => e.epoch), [0, 0, 0, 1, 1, 1, 2, 2]);
      const c = new BehaviorCloning(resumable(resumedPolicy, settings));
      const resumed: Array<{ epoch: number; loss: number }> = [];
      c.on('step', (e) => resumed.push({ epoch: e.epoch, loss: e.loss }));
      await c.restore(copy);
      const rest = await c.train();
      assert.deepEqual(resumed, steps.slice(4));
      assert.ok(sameBits(await resumedPolicy.exportWeights(), await policy.exportWeights()), 'bit-identical weights');
      assert.deepEqual({ ...rest, seconds: 0 }, { ...whole, seconds: 0 });
      // The last save holds the end of the run.
      const d = new BehaviorCloning(resumable(resumedPolicy, settings));
      await d.restore(dir);
      assert.equal((await d.train()).steps, 8);
    } finally {
      policy.dispose();
      resumedPolicy.dispose();
      await rm(root, { recursive: true, force: true });
    }
  });

  test('a torn or missing file is refused naming it, and nothing is loaded; other folders and runs are OptionsErrors saying what to pass', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'webagent-bc-'));
    const dir = path.join(root, 'run');
    const policy = tiny();
    const fresh = tiny(99);
    try {
      const controller = new AbortController();
      const a = new BehaviorCloning(resumable(policy));
      a.on('step', (e) => { if (e.step === 2) controller.abort(); });
      await a.train({ signal: controller.signal });
      await a.save(dir);
      const before = await fresh.exportWeights();
      const c = new BehaviorCloning(resumable(fresh));
      const unchanged = async (): Promise<void> => assert.ok(sameBits(await fresh.exportWeights(), before), 'no weight loaded');
      for (const file of ['optimizer.safetensors', 'trainer.json', 'policy/model.safetensors', 'policy/config.json']) {
        const full = path.join(dir, ...file.split('/'));
        const good = await readFile(full);
        const torn = Buffer.from(good);
        torn[torn.byteLength - 2] = torn[torn.byteLength - 2]! ^ 0x01;
        await writeFile(full, torn);
        await assert.rejects(c.restore(dir), (e: unknown) => e instanceof CheckpointIntegrityError && e.file === file && e.message.includes(file), `torn ${file}`);
        await writeFile(full, good.subarray(0, good.byteLength >> 1));
        await assert.rejects(c.restore(dir), (e: unknown) => e instanceof CheckpointIntegrityError && e.file === file && /bytes/.test(e.message), `cut ${file}`);
        await unlink(full);
        await assert.rejects(c.restore(dir), (e: unknown) => e instanceof CheckpointIntegrityError && e.file === file && /missing/.test(e.message), `missing ${file}`);
        await writeFile(full, good);
        await unchanged();
      }
      // Nothing was loaded into the trainer either: it starts at step 0.
      const steps: number[] = [];
      const probe = new BehaviorCloning(resumable(tiny(99), { maxSteps: 1 }));
      probe.on('step', (e) => steps.push(e.step));
      await probe.train();
      probe.options.policy.dispose();
      assert.deepEqual(steps, [1]);

      // A Hugging Face model folder, a MultiTurnGRPO run, a missing folder.
      const model = path.join(root, 'model');
      await saveCheckpoint(model, policy);
      await assert.rejects(c.restore(model), (e: unknown) => e instanceof OptionsError && e.message.includes(path.join(model, 'trainer.json')) && /does not exist/.test(e.message) && /BehaviorCloning\.save\(\)/.test(e.message));
      const grpoRun = path.join(root, 'grpo');
      await mkdir(grpoRun);
      await writeFile(path.join(grpoRun, 'trainer.json'), JSON.stringify({ format: 'webagent-r1/multi-turn-grpo@1', progress: { iteration: 1 } }));
      await assert.rejects(c.restore(grpoRun), (e: unknown) => e instanceof OptionsError && /has a webagent-r1\/multi-turn-grpo@1 file, not webagent-r1\/behavior-cloning@1; pass a folder written by BehaviorCloning\.save\(\)/.test(e.message));
      await writeFile(path.join(grpoRun, 'trainer.json'), '{"format": ');
      await assert.rejects(c.restore(grpoRun), (e: unknown) => e instanceof OptionsError && /trainer\.json is not valid JSON/.test(e.message));
      await assert.rejects(c.restore(path.join(root, 'nope')), (e: unknown) => e instanceof OptionsError && /trainer\.json does not exist/.test(e.message));
      // A run of other settings: its sample position would mean nothing here.
      await assert.rejects(new BehaviorCloning(resumable(fresh, { seed: 4 })).restore(dir), (e: unknown) => e instanceof OptionsError && /made with seed 3, this trainer has seed 4; pass seed: 3/.test(e.message));
      await assert.rejects(new BehaviorCloning(resumable(fresh, { batchTokens: 800 })).restore(dir), /pass batchTokens: 400/);
      await assert.rejects(new BehaviorCloning(resumable(fresh, { train: resumable(fresh).train.slice(1) })).restore(dir), /other sequences.*pass the same `train`/);
      const wide = new TransformerLM({ config: { ...fresh.config, rope_theta: 500 }, seed: 1 });
      await assert.rejects(new BehaviorCloning(resumable(wide)).restore(dir), /rope_theta 10000, this trainer's policy 500; make the policy with the saved config/);
      wide.dispose();
      await unchanged();
      // Saving or restoring while training is refused.
      const busy = new BehaviorCloning(resumable(fresh));
      const running = busy.train();
      await assert.rejects(busy.save(path.join(root, 'busy')), /train\(\) is running/);
      await assert.rejects(busy.restore(dir), /train\(\) is running/);
      await assert.rejects(busy.train(), /training already/);
      await running;
    } finally {
      policy.dispose();
      fresh.dispose();
      await rm(root, { recursive: true, force: true });
    }
  });

  test('defaults are resolved from BEHAVIOR_CLONING_DEFAULTS (frozen)', () => {
    assert.ok(Object.isFrozen(BEHAVIOR_CLONING_DEFAULTS) && Object.isFrozen(BEHAVIOR_CLONING_DEFAULTS.optimizer));
    assert.deepEqual({ ...BEHAVIOR_CLONING_DEFAULTS, optimizer: { ...BEHAVIOR_CLONING_DEFAULTS.optimizer } }, {
      promptLossWeight: 0, epochs: 1, batchTokens: 4096, warmupSteps: 0, seed: 0, workers: 1,
      optimizer: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, maxGradNorm: 1 },
    });
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
