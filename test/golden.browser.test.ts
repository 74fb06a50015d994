// Golden runs: the exact outputs of four short seeded runs, recorded before a restructuring and
// required after it (a refactor changes the shape of the code, not what it computes):
//
//   1. behavior cloning: 20 steps of a tiny small policy on recorded expert demonstrations;
//   2. MultiTurnGRPO: 2 iterations (mu = 2, a KL reference, the supervised anchor, whole-action
//      constrained decoding) on the
//      browser-free scripted shop, starting from the fixed checkpoint;
//   3. greedy evaluation of the fixed checkpoint on 6 bundled test tasks in real Chromium;
//   4. `generate` from the fixed checkpoint with a seed, sampled at temperature 1.
//
// Inputs are fixtures too (test/fixtures/golden/): the demonstrations the bundled experts made
// in Chromium (`demos.jsonl`) and the fixed checkpoint (`agent/`, the model run 1 trained).
// Weights must be bit-identical (a sha256 of every parameter's bytes); a case whose operation
// order legitimately changes may be relaxed to 1e-6 relative, and says so where it is compared.
// `GOLDEN_RECORD=1 node --import tsx --test test/golden.test.ts` records them again: only do that
// for a change that is meant to change behaviour, and say so in the commit.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Trajectory } from '../src/data/trajectory.js';
import { BrowserPool } from '../src/env/browser-pool.js';
import { WebEnvironment } from '../src/env/web-environment.js';
import { Agent } from '../src/agent/agent.js';
import { LocalChatPolicy } from '../src/agent/chat.js';
import { AgentPrompt } from '../src/agent/agent-prompt.js';
import { initBackend } from '../src/model/backend.js';
import { loadCheckpoint } from '../src/model/checkpoint.js';
import { GenerationEngine } from '../src/model/generation.js';
import { saveCheckpoint } from '../src/model/checkpoint-folder.js';
import { HfTokenizer } from '../src/model/tokenizer.js';
import type { TransformerLM } from '../src/model/transformer.js';
import { BehaviorCloning, demonstrationSamples } from '../src/rl/behavior-cloning.js';
import { collectDemonstrations } from '../src/rl/demonstrations.js';
import { loadDemonstrations, saveDemonstrations } from '../src/data/demonstration.js';
import { evaluate } from '../src/rl/evaluate.js';
import { MultiTurnGRPO } from '../src/rl/grpo.js';
import { createSmallPolicy, STARTER_TEMPLATES } from '../src/agent/small-policy.js';
import { BundledSuite } from '../src/suites/suite.js';
import { startSuiteServer } from '../src/suites/server.js';
import type { CheckResult, WebTask } from '../src/tasks/types.js';
import { ScriptedEnvironment, scriptedShop, SCRIPTED_SHOP_PRODUCTS, SCRIPTED_SHOP_URL } from '../src/testing/index.js';

const RECORD = process.env.GOLDEN_RECORD === '1';
const DIR = path.join(import.meta.dirname, 'fixtures', 'golden');
const DEMOS = path.join(DIR, 'demos.jsonl');
const AGENT = path.join(DIR, 'agent');
const SEED = 5;
/** The small policy's prompt format (createSmallPolicy's), with the tiny model's budgets. */
const FORMAT = { template: 'plain', think: false, targets: 'name', restateTask: true, showUrl: 'path', maxPromptTokens: 160 } as const;
const TINY = { vocabSize: 400, maxPromptTokens: 160, maxNewTokens: 32, model: { hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 192 } };

/** A parameter's fingerprint: enough to compare within a tolerance when bits may differ. */
interface TensorStats { readonly sum: number; readonly sumSquares: number; readonly samples: readonly number[] }
interface WeightsRecord { readonly sha256: string; readonly tensors: Readonly<Record<string, TensorStats>> }

async function weightsRecord(policy: TransformerLM): Promise<WeightsRecord> {
  const hash = createHash('sha256');
  const tensors: Record<string, TensorStats> = {};
  const weights = await policy.exportWeights();
  for (const name of [...weights.keys()].sort()) {
    const { data } = weights.get(name)!;
    hash.update(name).update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    let sum = 0;
    let sumSquares = 0;
    for (const x of data) {
      sum += x;
      sumSquares += x * x;
    }
    const step = Math.max(1, Math.floor(data.length / 8));
    tensors[name] = { sum, sumSquares, samples: Array.from({ length: Math.min(8, data.length) }, (_, i) => data[i * step]!) };
  }
  return { sha256: hash.digest('hex'), tensors };
}

/** A URL without its origin (the suite's servers listen on a new port every run). */
const pathOf = (url: string): string => (url.startsWith('http') ? url.slice(new URL(url).origin.length) : url);

/** What a trajectory did, turn by turn: the replies' tokens and behaviour logprobs, the actions, the reward. */
function trajectoryRecord(t: Trajectory): unknown {
  return {
    taskId: t.taskId, groupId: t.groupId, reward: t.reward, answer: t.answer, terminated: t.stats.terminated, truncated: t.stats.truncated,
    turns: t.turns.map((turn) => ({ url: pathOf(turn.observation.url), error: turn.observation.error, text: turn.text, action: turn.action, tokens: Array.from(turn.completionIds), logprobs: Array.from(turn.logprobs) })),
  };
}

/** Deep equality, except that numbers may differ by `rel` relative (`rel` 0: exactly equal). */
function assertClose(actual: unknown, expected: unknown, rel: number, where = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const ok = rel === 0 ? Object.is(actual, expected) : Math.abs(actual - expected) <= rel * Math.max(1e-30, Math.abs(expected));
    assert.ok(ok, `${where}: ${actual} differs from the golden ${expected}${rel ? ` by more than ${rel} relative` : ''}`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: not an array`);
    assert.equal(actual.length, expected.length, `${where}: length`);
    expected.forEach((e, i) => assertClose(actual[i], e, rel, `${where}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${where}: not an object`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${where}: keys`);
    for (const [k, e] of Object.entries(expected)) assertClose((actual as Record<string, unknown>)[k], e, rel, `${where}.${k}`);
    return;
  }
  assert.deepEqual(actual, expected, where);
}

/** Weights: bit-identical unless `rel` > 0 (then every fingerprint within `rel`). */
function assertWeights(actual: WeightsRecord, expected: WeightsRecord, rel: number, what: string): void {
  if (rel === 0) {
    assert.equal(actual.sha256, expected.sha256, `${what}: the weights are not bit-identical to the golden run's`);
    return;
  }
  assertClose(actual.tensors, expected.tensors, rel, what);
}

async function golden(name: string, actual: unknown): Promise<unknown> {
  const file = path.join(DIR, `${name}.json`);
  if (RECORD) {
    await writeFile(file, `${JSON.stringify(actual, null, 1)}\n`);
    return actual;
  }
  return JSON.parse(await readFile(file, 'utf8')) as unknown;
}

/** Round-trips through JSON, as the golden file does (drops undefined, keeps numbers exact). */
const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('golden runs (a refactor must reproduce them)', () => {
  before(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    if (!RECORD) return;
    // Record the inputs: demonstrations from the bundled experts in Chromium.
    await mkdir(DIR, { recursive: true });
    await using server = await startSuiteServer({ seed: SEED });
    await using pool = new BrowserPool({ size: 1 });
    const suite = new BundledSuite(server);
    const tasks = suite.tasks({ split: 'train', templates: [...STARTER_TEMPLATES], perTemplate: 4 });
    const { demonstrations } = await collectDemonstrations(tasks, { makeEnvironment: () => new WebEnvironment({ pool, maxTurns: 8 }), concurrency: 2 });
    await saveDemonstrations(DEMOS, demonstrations);
  });

  test('1. behavior cloning: 20 steps from a seeded small policy', async () => {
    const demos = await loadDemonstrations(DEMOS);
    assert.ok(demos.length >= 10, `only ${demos.length} demonstrations in ${DEMOS}`);
    const small = createSmallPolicy(demos, { seed: SEED, settings: TINY });
    try {
      const steps: unknown[] = [];
      const bc = new BehaviorCloning({ policy: small.policy, train: small.samples(demos), epochs: 100, maxSteps: 20, batchTokens: 1024, optimizer: { learningRate: 3e-3 }, warmupSteps: 3, promptLossWeight: 0.1, seed: SEED });
      bc.on('step', (e) => steps.push({ step: e.step, epoch: e.epoch, loss: e.loss, gradNorm: e.gradNorm, learningRate: e.learningRate, tokens: e.tokens }));
      const result = await bc.train();
      const actual = plain({ vocabSize: small.tokenizer.vocabSize, parameters: small.policy.numParameters, steps, result: { steps: result.steps, trainLoss: result.trainLoss }, weights: await weightsRecord(small.policy) });
      if (RECORD) {
        // The fixed checkpoint of runs 2-4: this model, saved as users save one.
        const tmp = await mkdtemp(path.join(os.tmpdir(), 'golden-'));
        await saveCheckpoint(path.join(tmp, 'agent'), small.policy, { tokenizer: small.tokenizer });
        await rm(AGENT, { recursive: true, force: true });
        await cp(path.join(tmp, 'agent'), AGENT, { recursive: true, dereference: true });
        await rm(tmp, { recursive: true, force: true });
      }
      const { weights, ...rest } = actual;
      const { weights: goldenWeights, ...goldenRest } = (await golden('behavior-cloning', actual)) as typeof actual;
      assertClose(rest, goldenRest, 0, 'behavior cloning');
      assertWeights(weights, goldenWeights, 0, 'behavior cloning');
    } finally {
      small.policy.dispose();
    }
  });

  test('2. MultiTurnGRPO: 2 iterations on the scripted shop (mu = 2, beta > 0, supervised anchor, constrained actions)', async () => {
    const { policy, tokenizerDir } = await loadCheckpoint(AGENT, { trainable: true });
    const tokenizer = await HfTokenizer.fromFiles(tokenizerDir!);
    const prompt = new AgentPrompt({ ...FORMAT, tokenizer });
    // Rewards alternate 1, 0, 1, 0 in completion order (one episode at a time), so every group has signal.
    let calls = 0;
    const alternating = (): Promise<CheckResult> => Promise.resolve(calls++ % 2 === 0 ? { score: 1, reason: 'even' } : { score: 0, reason: 'odd' });
    const tasks: WebTask[] = SCRIPTED_SHOP_PRODUCTS.map((p) => ({ id: `price/${p.slug}`, intent: `What does the ${p.name} cost?`, startUrl: SCRIPTED_SHOP_URL, site: 'shop', check: alternating, meta: { template: 'price' } }));
    // The supervised anchor: the first demonstrations' BC samples, in this prompt's format.
    const anchor = (await loadDemonstrations(DEMOS)).slice(0, 4).flatMap((d) => demonstrationSamples(prompt, d));
    const trajectories: unknown[] = [];
    const grpo = new MultiTurnGRPO({
      policy, tokenizer, prompt, tasks, makeEnvironment: () => new ScriptedEnvironment(scriptedShop()),
      numGenerations: 4, tasksPerIteration: 2, numIterations: 2, updatesPerIteration: 2, maxTurns: 3, concurrency: 1,
      agent: new Agent({ policy: new LocalChatPolicy({ policy, tokenizer, template: prompt.template }), prompt, sampling: { temperature: 1, maxNewTokens: 24 }, constrainAction: true }),
      learningRate: 3e-3, beta: 0.04, seed: SEED, supervised: { samples: anchor, coefficient: 0.5, batchTokens: 512 },
    });
    grpo.on('episode-end', (e) => trajectories.push(trajectoryRecord(e.trajectory)));
    try {
      const metrics = (await grpo.train()).map(({ rollout_s: _r, update_s: _u, ...m }) => m);
      const actual = plain({ metrics, trajectories, weights: await weightsRecord(policy) });
      const expected = (await golden('multi-turn-grpo', actual)) as typeof actual;
      // kl and clip_ratio come from the loss's own float32 ratio tensors since the rebuild (before:
      // a float64 recomputation from the read-back logprobs): within 1e-6 relative; the rest exact.
      const diagnostics = (m: Record<string, number>[]): unknown => m.map(({ kl, clip_ratio }) => ({ kl, clip_ratio }));
      const rest = (m: Record<string, number>[]): unknown => m.map(({ kl: _k, clip_ratio: _c, ...r }) => r);
      assertClose(rest(actual.metrics), rest(expected.metrics), 0, 'metrics');
      assertClose(diagnostics(actual.metrics), diagnostics(expected.metrics), 1e-6, 'metrics');
      assertClose(actual.trajectories, expected.trajectories, 0, 'trajectories');
      assertWeights(actual.weights, expected.weights, 0, 'MultiTurnGRPO');
    } finally {
      grpo.dispose();
      policy.dispose();
    }
  });

  describe('3. greedy evaluation of the fixed checkpoint on 6 bundled test tasks (real Chromium)', () => {
    let pool: BrowserPool;
    after(async () => pool?.close());
    test('same trajectories, same report', async () => {
      await using server = await startSuiteServer({ seed: SEED });
      pool = new BrowserPool({ size: 1 });
      const tasks = new BundledSuite(server).tasks({ split: 'test', templates: [...STARTER_TEMPLATES], perTemplate: 1 });
      assert.equal(tasks.length, 6);
      const agent = await Agent.fromPretrained(AGENT, { ...FORMAT, sampling: { maxNewTokens: TINY.maxNewTokens }, constrainAction: true });
      const trajectories: unknown[] = [];
      try {
        const report = await evaluate(tasks, { agent, makeEnvironment: () => new WebEnvironment({ pool, maxTurns: 4 }), concurrency: 1, maxTurns: 4, onTrajectory: (t) => trajectories.push(trajectoryRecord(t)) });
        const { meanTurns, success, episodes, invalidActionRate, perTemplate } = report;
        const actual = plain({ report: { success, episodes, meanTurns, invalidActionRate, perTemplate }, trajectories });
        const expected = (await golden('evaluation', actual)) as typeof actual;
        assertClose(actual, expected, 0);
      } finally {
        agent.dispose();
      }
    });
  });

  test('4. generate with a seed (temperature 1) from the fixed checkpoint', async () => {
    const { policy, tokenizerDir } = await loadCheckpoint(AGENT, { trainable: false });
    const tokenizer = await HfTokenizer.fromFiles(tokenizerDir!);
    try {
      const prompts = ['Task: What does the Blue Ceramic Mug cost?', 'link "Home" button "Search"'].map((text) => tokenizer.encode(text));
      const completions = await new GenerationEngine(policy).generate(prompts.map((promptIds, i) => ({ promptIds, seed: SEED + i })), { temperature: 1, maxNewTokens: 20 });
      const actual = plain(completions.map((c) => ({ tokens: Array.from(c.tokenIds), logprobs: Array.from(c.logprobs), finishReason: c.finishReason })));
      const expected = await golden('generate', actual);
      assertClose(actual, expected, 0);
    } finally {
      policy.dispose();
    }
  });
});
