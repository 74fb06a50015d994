// Option validation (issue 35, item 8): a table of bad option objects across every public owner.
// Each must throw an OptionsError (synchronously, or as the rejection of the async entry point
// before it does any work) whose message names the owner and the option's path, and for a
// mistyped key the valid name it most likely meant. Entry points that would start something
// (environments, browsers, servers, installers, training) are checked to have started nothing:
// their factories and hosts are spies. No Chromium, no network, a tiny model on the CPU backend.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { OptionsError } from '../src/errors.js';
import { BrowserPool } from '../src/env/browser-pool.js';
import { ensureChromiumOn, findChromium, type ChromiumHost } from '../src/env/chromium.js';
import type { Environment } from '../src/env/types.js';
import { WebEnvironment } from '../src/env/web-environment.js';
import { MiniWoBSuite } from '../src/miniwob/suite.js';
import { Agent } from '../src/agent/agent.js';
import { AgentPrompt } from '../src/agent/agent-prompt.js';
import { initBackend } from '../src/model/backend.js';
import { trainBpeTokenizer } from '../src/model/bpe-trainer.js';
import { LocalChatPolicy } from '../src/agent/chat.js';
import { GenerationEngine } from '../src/model/generation.js';
import { RemotePolicy } from '../src/agent/remote.js';
import { resolveSampling } from '../src/model/sampling.js';
import { servePolicy } from '../src/agent/serve.js';
import { AdamW } from '../src/model/adamw.js';
import { TransformerLM } from '../src/model/transformer.js';
import { loadJsonlOptions } from '../src/data/jsonl.js';
import { renameEntities } from '../src/rl/augment.js';
import { BehaviorCloning } from '../src/rl/behavior-cloning.js';
import { evaluate } from '../src/rl/evaluate.js';
import { MultiTurnGRPO, type MultiTurnGRPOOptions } from '../src/rl/grpo.js';
import { grpoLossOptions, grpoTokenLoss, grpoTokenStats } from '../src/rl/grpo-loss.js';
import { collectDemonstrationsOptions } from '../src/rl/demonstrations.js';
import { attachProgress, progressBar } from '../src/rl/progress.js';
import { noveltySampling } from '../src/rl/task-sampler.js';
import { runRollouts, type EpisodeJob } from '../src/rl/rollout.js';
import { startSuiteServer } from '../src/suites/server.js';
import { answerIncludes, pageContent, urlMatch } from '../src/tasks/checkers.js';
import { runExpert } from '../src/tasks/expert.js';
import type { WebTask } from '../src/tasks/types.js';
import { chatJudge, webArenaChecker } from '../src/webarena/evaluators.js';
import { loadWebArenaOptions } from '../src/webarena/config.js';
import { loadWebArenaTasksOptions, webArenaTaskOptions } from '../src/webarena/tasks.js';
import { mustExclude } from '../src/webarena/semantics.js';
import type { EvalConfig } from '../src/webarena/config.js';

// ---------------------------------------------------------------- fixtures (all cheap, nothing started)

await initBackend({ backend: 'cpu', log: () => {} });

/** Counts everything that would start work: environments made, hosts probed, installers run. */
const started = { environments: 0, host: 0 };
const makeEnvironment = (): Environment => {
  started.environments += 1;
  throw new Error('no environment may be made while options are bad');
};

const TASK: WebTask = { id: 't/1', intent: 'What is on the page?', startUrl: 'http://127.0.0.1:9/', site: 'shop', check: answerIncludes(['x']), meta: {} };
const JOBS: EpisodeJob[] = [{ task: TASK, groupId: 't/1', seed: 0 }];

const tokenizerJson = trainBpeTokenizer(['hello world', 'click the button', 'type the text'], { vocabSize: 300, specialTokens: ['<|im_start|>', '<|im_end|>'] });
const tokenizer = {
  encode: (text: string) => [...new TextEncoder().encode(text)].map((b) => b % 256),
  decode: (ids: readonly number[]) => ids.map((i) => String.fromCharCode(i)).join(''),
  tokenToId: (token: string) => (token === '<|im_end|>' ? 1 : undefined),
} as never;
void tokenizerJson;

const policy = new TransformerLM({ config: { vocab_size: 300, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 1, num_key_value_heads: 1, intermediate_size: 8, max_position_embeddings: 64 } });
const prompt = new AgentPrompt({ template: 'chatml', tokenizer });
const chatPolicy = { name: 'stub', chat: async () => { throw new Error('no policy call may happen while options are bad'); } };
const agent = new Agent({ policy: chatPolicy as never });

const grpoBase = (): MultiTurnGRPOOptions => ({ policy, tokenizer, prompt, tasks: [TASK], makeEnvironment });
const bcBase = { policy, train: [{ ids: [1, 2, 3], completionStart: 1 }] };
const f32 = (...v: number[]): Float32Array => Float32Array.from(v);
const lossBase = (): { logprobs: tf.Tensor1D; oldLogprobs: Float32Array; advantages: Float32Array; weights: Float32Array } =>
  ({ logprobs: tf.tensor1d([-1, -1]), oldLogprobs: f32(-1, -1), advantages: f32(1, -1), weights: f32(0.5, 0.5) });
const statsBase = { logprobs: [-1, -1], oldLogprobs: f32(-1, -1), advantages: f32(1, -1), weights: f32(0.5, 0.5) };
const EVAL: EvalConfig = { eval_types: ['string_match'], reference_answers: { exact_match: 'x' }, reference_url: '', program_html: [] } as never;
const WA_URLS = { shopping: 'http://127.0.0.1:7770' };

const host: ChromiumHost = new Proxy({} as ChromiumHost, {
  get(_target, key) {
    started.host += 1;
    throw new Error(`the Chromium host was asked for ${String(key)} while options were bad`);
  },
});

const trainer = new BehaviorCloning(bcBase);

// ---------------------------------------------------------------- the table

interface Bad {
  /** What the case is (test name). */
  readonly name: string;
  /** The owner the message must name. */
  readonly owner: string;
  /** The option path the message must name. */
  readonly path: string;
  /** For a mistyped key: the suggestion the message must make. */
  readonly suggest?: string;
  /** Before this change: the option was silently ignored or accepted, or failed only later (counted, not asserted). */
  readonly poor?: boolean;
  readonly run: () => unknown;
}

const bad: Bad[] = [];
const add = (owner: string, run: (o: never) => unknown, cases: ReadonlyArray<readonly [string, unknown, string?, boolean?]>): void => {
  for (const [path, options, suggest, poor] of cases) {
    bad.push({ name: `${owner} ${JSON.stringify(options, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}`, owner, path, ...(suggest ? { suggest } : {}), ...(poor ? { poor } : {}), run: () => run(options as never) });
  }
};

// MultiTurnGRPO: constructed with a real tiny policy; makeEnvironment is a spy.
add('MultiTurnGRPO', (o: Partial<MultiTurnGRPOOptions>) => new MultiTurnGRPO({ ...grpoBase(), ...o }), [
  ['numGeneration', { numGeneration: 8 }, 'numGenerations', true],
  ['maxTurn', { maxTurn: 5 }, 'maxTurns', true],
  ['lr', { lr: 1e-4 }, 'learningRate', true],
  ['learning_rate', { learning_rate: 1e-4 }, 'learningRate', true],
  ['temprature', { temprature: 0.7 }, 'temperature', true],
  ['epsilon_high', { epsilon_high: 0.28 }, 'epsilonHigh', true],
  ['numIteration', { numIteration: 3 }, 'numIterations', true],
  ['checkpoint.directory', { checkpoint: { directory: '/tmp/x', every: 1 } }, 'checkpoint.dir', true],
  ['epsilon', { epsilon: -0.2 }, undefined, true],
  ['epsilon', { epsilon: 0 }, undefined, true],
  ['epsilon', { epsilon: 1.5 }, undefined, true],
  ['epsilon', { epsilon: Number.NaN }, undefined, true],
  ['epsilonHigh', { epsilonHigh: -1 }, undefined, true],
  ['epsilonHigh', { epsilonHigh: Infinity }, undefined, true],
  ['temperature', { temperature: -1 }, undefined, true],
  ['temperature', { temperature: Number.NaN }, undefined, true],
  ['temperature', { temperature: '0.7' }, undefined, true],
  ['beta', { beta: -0.001 }, undefined, true],
  ['beta', { beta: Infinity }, undefined, true],
  ['learningRate', { learningRate: 0 }, undefined, false],
  ['learningRate', { learningRate: -1e-4 }, undefined, false],
  ['learningRate', { learningRate: Infinity }, undefined, true],
  ['learningRate', { learningRate: Number.NaN }, undefined, false],
  ['weightDecay', { weightDecay: -0.1 }, undefined, false],
  ['maxGradNorm', { maxGradNorm: -1 }, undefined, false],
  ['betas[1]', { betas: [0.9, 1] }, undefined, false],
  ['betas', { betas: [0.9] }, undefined, true],
  ['numGenerations', { numGenerations: 1 }, undefined, false],
  ['numGenerations', { numGenerations: 2.5 }, undefined, false],
  ['tasksPerIteration', { tasksPerIteration: 0 }, undefined, false],
  ['numIterations', { numIterations: -3 }, undefined, false],
  ['maxTurns', { maxTurns: Infinity }, undefined, false],
  ['maxNewTokens', { maxNewTokens: 0 }, undefined, false],
  ['concurrency', { concurrency: 1.5 }, undefined, false],
  ['batchTokens', { batchTokens: '4096' }, undefined, false],
  ['episodeTimeoutMs', { episodeTimeoutMs: Infinity }, undefined, true],
  ['episodeTimeoutMs', { episodeTimeoutMs: 3e9 }, undefined, true],
  ['seed', { seed: 1.5 }, undefined, true],
  ['checkpoint.dir', { checkpoint: { dir: 5, every: 1 } }, undefined, true],
  ['checkpoint.dir', { checkpoint: { dir: '', every: 1 } }, undefined, true],
  ['checkpoint.every', { checkpoint: { dir: '/tmp/x', every: 0 } }, undefined, true],
  ['checkpoint.every', { checkpoint: { dir: '/tmp/x' } }, undefined, true],
  ['checkpoint', { checkpoint: '/tmp/x' }, undefined, true],
  ['agent', { agent: 'an agent' }, undefined, true],
  ['dropZeroStd', { dropZeroStd: 1 }, undefined, true],
  ['lossType', { lossType: 'turn' }, undefined, false],
  ['scaleRewards', { scaleRewards: 'mean' }, undefined, false],
  ['taskSampler', { taskSampler: 'random' }, undefined, false],
  ['taskSampler', { taskSampler: { name: 'no draw' } }, undefined, false],
  ['turnCurriculum.end', { turnCurriculum: { start: 5, end: 2, over: 3 } }, undefined, false],
  ['supervised.coefficient', { supervised: { samples: [{ ids: [1, 2], completionStart: 1 }], coefficient: -1 } }, undefined, false],
  ['dynamicSampling.maxRounds', { dynamicSampling: { maxRounds: 0 } }, undefined, false],
  ['tasks', { tasks: [] }, undefined, false],
  ['makeEnvironment', { makeEnvironment: 'env' }, undefined, true],
  ['policy', { policy: {} }, undefined, true],
  ['score', { score: 1 }, undefined, true],
]);

add('BehaviorCloning', (o: object) => new BehaviorCloning({ ...bcBase, ...o }), [
  ['epoch', { epoch: 3 }, 'epochs', true],
  ['lr', { lr: 1e-3 }, undefined, true],
  ['optimizer.lr', { optimizer: { lr: 1e-3 } }, 'optimizer.learningRate', true],
  ['optimizer.learningRate', { optimizer: { learningRate: -1 } }, undefined, true],
  ['optimizer.learningRate', { optimizer: { learningRate: Infinity } }, undefined, true],
  ['optimizer.epsilon', { optimizer: { epsilon: -1e-8 } }, undefined, true],
  ['optimizer.beta1', { optimizer: { beta1: 1 } }, undefined, true],
  ['epochs', { epochs: 0 }],
  ['maxSteps', { maxSteps: 1.5 }],
  ['batchTokens', { batchTokens: Number.NaN }],
  ['validateEvery', { validateEvery: -1 }],
  ['warmupSteps', { warmupSteps: -1 }],
  ['promptLossWeight', { promptLossWeight: Infinity }],
  ['workers', { workers: 100 }, undefined, true],
  ['seed', { seed: 'one' }, undefined, true],
  ['evaluate.every', { evaluate: { every: 0, run: async () => ({}) } }, undefined, true],
  ['evaluate.run', { evaluate: { every: 5 } }, undefined, true],
  ['learningRateSchedule', { learningRateSchedule: 0.5 }],
  ['validation', { validation: 'held-out' }, undefined, true],
  ['train', { train: [] }],
]);

add('runRollouts', (o: object) => runRollouts(JOBS, { agent, makeEnvironment, ...o }), [
  ['maxTurn', { maxTurn: 3 }, 'maxTurns', true],
  ['concurency', { concurency: 2 }, 'concurrency', true],
  ['concurrency', { concurrency: 0 }],
  ['maxTurns', { maxTurns: 0 }, undefined, true],
  ['episodeTimeoutMs', { episodeTimeoutMs: Infinity }],
  ['episodeTimeoutMs', { episodeTimeoutMs: 1e12 }, undefined, true],
  ['maxRetries', { maxRetries: -1 }, undefined, true],
  ['sampling.temperature', { sampling: { temperature: -1 } }, undefined, true],
  ['sampling.temprature', { sampling: { temprature: 0.5 } }, 'sampling.temperature', true],
  ['skipCrashed', { skipCrashed: 'yes' }, undefined, true],
  ['agent', { agent: {} }, undefined, true],
  ['signal', { signal: true }, undefined, true],
]);

add('evaluate', (o: object) => evaluate([TASK], { agent, makeEnvironment, ...o }), [
  ['attempt', { attempt: 4 }, 'attempts', true],
  ['attempts', { attempts: 0 }],
  ['attempts', { attempts: 2.5 }],
  ['sampling.temperature', { sampling: { temperature: Number.NaN } }, undefined, true],
  ['sampling.topP', { sampling: { topP: 1.5 } }, undefined, true],
  ['maxTurns', { maxTurns: -2 }, undefined, true],
  ['concurrency', { concurrency: 0 }],
  ['seed', { seed: 0.5 }, undefined, true],
  ['makeEnvironment', { makeEnvironment: null }, undefined, true],
]);

add('grpoTokenLoss', (o: object) => grpoTokenLoss({ ...lossBase(), ...o }), [
  ['epsilon', { epsilon: -0.2 }],
  ['epsilon', { epsilon: 0 }, undefined, true],
  ['epsilonHigh', { epsilonHigh: Infinity }],
  ['beta', { beta: -1 }],
  ['epsilon_high', { epsilon_high: 0.3 }, 'epsilonHigh', true],
  ['weights', { weights: [0.5, 0.5] }, undefined, true],
]);
add('grpoTokenStats', (o: object) => grpoTokenStats({ ...statsBase, ...o }), [
  ['epsilon', { epsilon: 1 }],
  ['bta', { bta: 0.1 }, 'beta', true],
]);

add('progressBar', (o: object) => progressBar(10, o), [
  ['every', { every: 0 }, undefined, true],
  ['every', { every: Number.NaN }, undefined, true],
  ['lable', { lable: 'x' }, 'label', true],
  ['stream', { stream: 'stderr' }, undefined, true],
]);
add('attachProgress', (o: object) => attachProgress(trainer, 10, o), [
  ['every', { every: -5 }, undefined, true],
  ['label', { label: 3 }, undefined, true],
]);

add('renameEntities', (o: object) => renameEntities([], o), [
  ['copy', { copy: 2 }, 'copies', true],
  ['copies', { copies: -1 }],
  ['copies', { copies: 1.5 }],
  ['words', { words: 'random' }],
  ['novelWords', { novelWords: 1.5 }],
  ['pageWords', { pageWords: -0.1 }],
  ['seed', { seed: 'x' }, undefined, true],
]);

add('startSuiteServer', (o: object) => startSuiteServer(o), [
  ['seed', { seed: 1.5 }],
  ['port', { port: 8080 }, 'ports', true],
  ['ports.shop', { ports: { shop: 70000 } }],
  ['ports.shopp', { ports: { shopp: 8080 } }, 'ports.shop'],
  ['startTimeoutMs', { startTimeoutMs: Infinity }, undefined, true],
  ['startTimeoutMs', { startTimeoutMs: 0 }, undefined, true],
  ['inProcess', { inProcess: 'yes' }, undefined, true],
]);

add('MiniWoBSuite', (o: object) => MiniWoBSuite.open('/nonexistent/miniwob', o), [
  ['episodeMaxTimeMs', { episodeMaxTimeMs: 0 }],
  ['episodeMaxTimeMs', { episodeMaxTimeMs: 1e10 }, undefined, true],
  ['readyTimeoutMs', { readyTimeoutMs: Infinity }],
  ['port', { port: 65536 }],
  ['readyTimeout', { readyTimeout: 5000 }, 'readyTimeoutMs', true],
]);

add('findChromium', (o: object) => findChromium(o), [
  ['executablePath', { executablePath: 5 }, undefined, true],
  ['executablePath', { executablePath: '' }, undefined, true],
  ['executable', { executable: '/usr/bin/chromium' }, 'executablePath', true],
]);
add('ensureChromium', (o: object) => ensureChromiumOn(host, o), [
  ['timeout', { timeout: Infinity }, undefined, true],
  ['timeout', { timeout: -1 }, undefined, true],
  ['log', { log: 'stdout' }, undefined, true],
  ['timeoutMs', { timeoutMs: 1000 }, 'timeout', true],
]);

add('urlMatch', (o: object) => urlMatch('http://a/', o), [
  ['mode', { mode: 'prefix' }, undefined, true],
  ['ignoreQuery', { ignoreQuery: 'yes' }, undefined, true],
  ['ignoreQueries', { ignoreQueries: true }, 'ignoreQuery', true],
]);
add('pageContent', (o: object) => pageContent(o as never), [
  ['include', { include: ['x'] }, 'includes', true],
  ['includes', { includes: 'x' }, undefined, true],
  ['includes[0]', { includes: [5] }, undefined, true],
  ['excludes[0]', { excludes: [''] }, undefined, true],
  ['selector', { selector: 5, includes: ['x'] }, undefined, true],
  ['options', { selector: 'h1', js: 'document.title', includes: ['x'] }],
]);

add('runExpert', (o: object) => runExpert({} as Environment, TASK, o), [
  ['wrong', { wrong: 'yes' }, undefined, true],
  ['expert', { expert: 'script' }, undefined, true],
  ['signals', { signals: new AbortController().signal }, 'signal', true],
]);

add('webArenaChecker', (o: object) => webArenaChecker(EVAL, { intent: 'q', ...o }), [
  ['semantics', { semantics: 'webarena-2' }],
  ['navigationTimeout', { navigationTimeout: Infinity }, undefined, true],
  ['urls.shopping', { urls: { shopping: 'not a url' } }, undefined, true],
  ['urls.shop', { urls: { shop: 'http://x' } }, 'urls.shopping', true],
  ['judge', { judge: {} }, undefined, true],
  ['helpers.f', { helpers: { f: 'x' } }, undefined, true],
  ['intnt', { intnt: 'q' }, 'intent', true],
]);
add('chatJudge', (o: object) => chatJudge(chatPolicy as never, o), [
  ['maxNewTokens', { maxNewTokens: 0 }, undefined, true],
]);
add('mustExclude', (o: object) => mustExclude('a', 'b', o), [
  ['punkt', { punkt: {} }, undefined, true],
]);

// Policy classes.
add('AgentPrompt', (o: object) => new AgentPrompt(o), [
  ['showUrl', { showUrl: 'host' }],
  ['maxPromptToken', { maxPromptToken: 100 }, 'maxPromptTokens'],
  ['maxObservationChars', { maxObservationChars: 0 }],
  ['minObservationTokens', { minObservationTokens: -1 }, undefined, true],
  ['think', { think: 'yes' }, undefined, true],
]);
add('Agent', (o: object) => new Agent({ policy: chatPolicy as never, ...o }), [
  ['sampling.temperature', { sampling: { temperature: -1 } }, undefined, true],
  ['sampling.maxNewToken', { sampling: { maxNewToken: 5 } }, 'sampling.maxNewTokens', true],
  ['constrainCopy', { constrainCopy: 'yes' }],
  ['prompt.showUrl', { prompt: { showUrl: 3 } }],
]);
add('Agent.fromPretrained', (o: object) => Agent.fromPretrained('/nonexistent', o), [
  ['backend.backend', { backend: { backend: 'gpu' } }, undefined, true],
  ['samplng', { samplng: {} }, 'sampling', true],
]);
add('RemotePolicy', (o: object) => new RemotePolicy({ baseURL: 'http://127.0.0.1:9/v1', model: 'm', ...o }), [
  ['baseURL', { baseURL: 'ftp://x' }],
  ['timeoutMs', { timeoutMs: Infinity }],
  ['timeoutMs', { timeoutMs: 0 }],
  ['maxConcurrency', { maxConcurrency: 0 }],
  ['maxRetry', { maxRetry: 3 }, 'maxRetries', true],
  ['retryDelayMs', { retryDelayMs: -1 }],
]);
add('servePolicy', (o: object) => servePolicy(chatPolicy as never, o), [
  ['port', { port: 70000 }],
  ['defaults.temperature', { defaults: { temperature: -1 } }],
  ['maxN', { maxN: 0 }],
  ['hostname', { hostname: '0.0.0.0' }, 'host', true],
]);
add('AdamW', (o: object) => new AdamW(new Map(), o), [
  ['epsilon', { epsilon: -1 }],
  ['learningRate', { learningRate: Infinity }, undefined, true],
  ['lr', { lr: 0.1 }, 'learningRate', true],
]);
add('TransformerLM', (o: object) => new TransformerLM(o), [
  ['config.hidden_size', { config: { hidden_size: 0 } }, undefined, true],
  ['config.hiddenSize', { config: { hiddenSize: 8 } }, 'config.hidden_size', true],
  ['initStd', { initStd: -1 }],
]);
add('GenerationEngine', (o: object) => new GenerationEngine(policy, o), [
  ['maxBatch', { maxBatch: 0 }],
  ['sampling.topK', { sampling: { topK: -1 } }],
]);
add('LocalChatPolicy', (o: object) => new LocalChatPolicy({ policy, tokenizer, ...o }), [
  ['name', { name: '' }, undefined, true],
  ['templat', { templat: 'x' }, 'template', true],
]);
add('trainBpeTokenizer', (o: object) => trainBpeTokenizer([], { vocabSize: 300, ...o }), [
  ['vocabSize', { vocabSize: 100 }],
  ['minFrequency', { minFrequency: 0 }],
  ['specialToken', { specialToken: ['<s>'] }, 'specialTokens', true],
]);
add('initBackend', (o: object) => initBackend(o), [
  ['threads', { threads: 0 }],
  ['thread', { thread: 2 }, 'threads', true],
]);
add('sampling', (o: object) => resolveSampling(o), [
  ['temperature', { temperature: -1 }],
  ['topP', { topP: 0 }],
  ['stop', { stop: 'END' }],
]);

// Environments (the committed part): no browser starts.
add('WebEnvironment', (o: object) => new WebEnvironment(o), [
  ['viewport.width', { viewport: { width: 0, height: 600 } }, undefined, true],
  ['viewport.height', { viewport: { width: 800, height: 1.5 } }, undefined, true],
  ['viewport', { viewport: '800x600' }, undefined, true],
  ['settleTimeout', { settleTimeout: Infinity }, undefined, true],
  ['maxTurn', { maxTurn: 5 }, 'maxTurns', true],
]);
add('BrowserPool', (o: object) => new BrowserPool(o), [
  ['size', { size: 0 }],
]);

// Owners whose modules another change is editing: their schemas, checked directly.
add('loadJsonl', (o: object) => loadJsonlOptions.check(o), [
  ['onWarn', { onWarn: () => {} }, 'onWarning', true],
]);
add('collectDemonstrations', (o: object) => collectDemonstrationsOptions.check({ makeEnvironment, ...o }), [
  ['concurrency', { concurrency: 0 }],
  ['maxRetry', { maxRetry: 1 }, 'maxRetries', true],
  ['onlySuccessful', { onlySuccessful: 'yes' }, undefined, true],
]);
add('webArenaTask', (o: object) => webArenaTaskOptions.check({ urls: WA_URLS, ...o }), [
  ['maxTurns', { maxTurns: 0 }, undefined, true],
  ['authdir', { authdir: '/x' }, 'authDir', true],
]);
add('loadWebArenaConfigs', (o: object) => loadWebArenaOptions.check(o), [
  ['skipInvalid', { skipInvalid: 'yes' }, undefined, true],
]);
add('loadWebArenaTasks', (o: object) => loadWebArenaTasksOptions.check({ urls: WA_URLS, ...o }), [
  ['skip_invalid', { skip_invalid: true }, 'skipInvalid', true],
]);
add('grpoTokenLoss', (o: object) => grpoLossOptions.check(o), [
  ['beta', { beta: Number.NaN }],
]);

// ---------------------------------------------------------------- tests

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('bad options are OptionsErrors naming the owner and the path', () => {
  test(`the table holds at least 150 bad option objects (${bad.length}; ${bad.filter((b) => b.poor).length} of them ignored, accepted or failing late before)`, () => {
    assert.ok(bad.length >= 150, `only ${bad.length} cases`);
  });

  for (const c of bad) {
    test(c.name, async () => {
      let error: unknown;
      let result: unknown;
      try {
        result = c.run();
      } catch (e) {
        error = e;
      }
      if (error === undefined) {
        assert.ok(result instanceof Promise, 'neither threw nor returned a promise');
        error = await result.then(() => assert.fail('resolved'), (e: unknown) => e);
      }
      assert.ok(error instanceof OptionsError, `not an OptionsError: ${String(error)}`);
      const { message } = error;
      assert.ok(message.startsWith(`${c.owner} `) || message.startsWith(`${c.owner}:`), `owner ${c.owner} not named first: ${message}`);
      if (c.path === 'options') assert.match(message, /^\S+: /);
      else assert.match(message, new RegExp(`(option|unknown option) ${escape(c.path)}(?![\\w$.[])`), `path ${c.path} not named: ${message}`);
      if (c.suggest !== undefined) assert.ok(message.includes(`did you mean ${c.suggest}?`), `no suggestion ${c.suggest}: ${message}`);
      assert.equal(started.environments, 0, 'an environment was made');
      assert.equal(started.host, 0, 'the Chromium host was probed');
    });
  }
});

describe('the issue\'s examples, word for word', () => {
  test('typos name the meant option', () => {
    assert.throws(() => new MultiTurnGRPO({ ...grpoBase(), numGeneration: 8 } as never), (e: unknown) => e instanceof OptionsError && e.message === 'MultiTurnGRPO: unknown option numGeneration; did you mean numGenerations?');
    assert.throws(() => new MultiTurnGRPO({ ...grpoBase(), lr: 1e-4 } as never), (e: unknown) => e instanceof OptionsError && e.message === 'MultiTurnGRPO: unknown option lr; did you mean learningRate?');
  });
  test('checkpoint.dir: 5 fails at construction, before any iteration', () => {
    assert.throws(() => new MultiTurnGRPO({ ...grpoBase(), checkpoint: { dir: 5 as never, every: 1 } }), (e: unknown) => e instanceof OptionsError && e.message === 'MultiTurnGRPO option checkpoint.dir must be a string (a folder path), got 5');
  });
  test('negative epsilon and temperature are refused', () => {
    assert.throws(() => new MultiTurnGRPO({ ...grpoBase(), epsilon: -0.2 }), /^OptionsError: MultiTurnGRPO option epsilon must be a number in \(0, 1\) \(the ratio is clipped below at 1 - epsilon\), got -0\.2$/);
    assert.throws(() => new MultiTurnGRPO({ ...grpoBase(), temperature: -1 }), /^OptionsError: MultiTurnGRPO option temperature must be a finite number >= 0 \(0 = greedy\), got -1$/);
  });
  test('an invalid viewport fails at construction with a typed error', () => {
    assert.throws(() => new WebEnvironment({ viewport: { width: -1, height: 600 } }), (e: unknown) => e instanceof OptionsError && /^WebEnvironment option viewport\.width must be an integer from 1 to 16384 \(CSS pixels\), got -1$/.test(e.message));
  });
});

describe('good options pass', () => {
  test('trainers, rollouts and helpers accept valid options', async () => {
    const grpo = new MultiTurnGRPO({
      ...grpoBase(), numGenerations: 2, tasksPerIteration: 1, numIterations: 1, maxTurns: 3, temperature: 0.7, epsilon: 0.2, epsilonHigh: 0.28,
      beta: 0, learningRate: 1e-4, betas: [0.9, 0.99], checkpoint: { dir: '/tmp/never-written', every: 5 }, taskSampler: noveltySampling({ seen: [TASK] }),
      scaleRewards: 'none', turnCurriculum: { start: 1, end: 3, over: 2 }, episodeTimeoutMs: 60_000,
    });
    assert.equal(grpo.horizon(0), 1);
    const bc = new BehaviorCloning({ ...bcBase, epochs: 2, optimizer: { learningRate: 1e-3 }, evaluate: { every: 5, run: async () => ({}) }, workers: 1 });
    assert.equal(bc.options.epochs, 2);
    assert.equal(renameEntities([], { copies: 0, words: 'any-position', novelWords: 0.5, pageWords: 1 }).length, 0);
    assert.equal(typeof urlMatch('http://a/', { mode: 'contains', ignoreQuery: true }), 'function');
    assert.equal(typeof pageContent({ selector: 'h1', includes: ['a', ['b', 'c']] }), 'function');
    const loss = grpoTokenLoss({ ...lossBase(), epsilon: 0.2, epsilonHigh: 0.28, beta: 0 });
    assert.ok(Number.isFinite(loss.dataSync()[0]));
    loss.dispose();
    assert.ok(Number.isFinite(grpoTokenStats({ ...statsBase, epsilon: 0.1 }).loss));
    const bar = progressBar(4, { label: 'x', every: 2, stream: { isTTY: false, write: () => true } as never });
    bar.update(2);
    bar.stop();
    assert.equal(typeof webArenaChecker(EVAL, { intent: 'q', semantics: 'webarena', urls: WA_URLS, navigationTimeout: 1000 }), 'function');
    collectDemonstrationsOptions.check({ makeEnvironment, concurrency: 2, maxRetries: 0, onlySuccessful: false });
    webArenaTaskOptions.check({ urls: WA_URLS, maxTurns: 5, semantics: 'webarena-lite' });
    loadWebArenaTasksOptions.check({ urls: WA_URLS, skipInvalid: true });
    const env = new WebEnvironment({ viewport: { width: 800, height: 600 }, settleTimeout: 0 });
    await env.close();
    assert.equal(started.environments, 0);
  });
});
