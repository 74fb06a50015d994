// Benchmark of the Policy model: training throughput (forward + backward + AdamW on a masked
// next-token loss) against the same model and step in PyTorch on the same machine, sampling
// with and without the KV cache, prefill, and the backend's matmul speed. Writes
// bench/results/policy.json from this run. Usage: npm run bench:policy [-- --steps 5 --models 1m,8m]
//
// `--train-only <model>` prints one JSON line (used to measure the same step on one thread in a
// child process: the backend's thread count is fixed per process).

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendInfo } from '../src/model/backend.js';
import type { TransformerConfig } from '../src/model/config.js';
import { GenerationEngine } from '../src/model/generation.js';
import { DataParallelTrainer } from '../src/model/data-parallel.js';
import { nextTokenLoss, packSequences, type ScoredSequence } from '../src/model/training.js';
import { AdamW } from '../src/model/adamw.js';
import { TransformerLM } from '../src/model/transformer.js';
import { Rng } from '../src/data/random.js';
import { runTorchTrain } from './torch-peer.js';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    models: { type: 'string', default: '1m,8m' },
    'train-only': { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    'no-threads-compare': { type: 'boolean', default: false },
  },
});

const BATCH = 8;
const SEQ = 256;
const COMPLETION = 64; // supervised tokens at the end of each row (the rest is prompt context)
const GEN_PROMPT = 256;
const GEN_NEW = 32;

const MODELS: Record<string, Partial<TransformerConfig>> = {
  '1m': { hidden_size: 128, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 4, intermediate_size: 384, vocab_size: 2048, tie_word_embeddings: true, max_position_embeddings: 512 },
  '8m': { hidden_size: 256, num_hidden_layers: 8, num_attention_heads: 8, num_key_value_heads: 8, intermediate_size: 768, vocab_size: 2048, tie_word_embeddings: true, max_position_embeddings: 512 },
};

function randomIds(rng: Rng, n: number, vocab: number): number[] {
  return Array.from({ length: n }, () => rng.int(0, vocab - 1));
}

/** GFLOP/s of the model's widest projection, [B*T, d] x [d, I], on this backend. */
async function matmulGflops(config: Partial<TransformerConfig>): Promise<number> {
  const m = BATCH * SEQ;
  const k = config.hidden_size!;
  const n = config.intermediate_size!;
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  for (let i = 0; i < 3; i++) tf.matMul(a, b).dispose();
  const reps = 20;
  const started = performance.now();
  for (let i = 0; i < reps; i++) {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  a.dispose();
  b.dispose();
  return (2 * m * k * n * reps) / seconds / 1e9;
}

function trainingBatch(config: Partial<TransformerConfig>): ScoredSequence[] {
  const rng = new Rng(7);
  return Array.from({ length: BATCH }, () => ({ ids: randomIds(rng, SEQ, config.vocab_size!), completionStart: SEQ - COMPLETION }));
}

/** One process: forward + backward + AdamW on this process's backend (threaded wasm). */
async function trainTokensPerSecond(config: Partial<TransformerConfig>, steps: number, warmup: number): Promise<{ tokensPerS: number; loss: number; params: number }> {
  const policy = new TransformerLM({ config, seed: 1 });
  const optimizer = new AdamW(policy.parameters, { learningRate: 1e-3, weightDecay: 0.01, maxGradNorm: 1 });
  const batch = packSequences(trainingBatch(config));
  let loss = NaN;
  for (let i = 0; i < warmup; i++) loss = (await optimizer.minimize(() => nextTokenLoss(policy, batch))).loss;
  const started = performance.now();
  for (let i = 0; i < steps; i++) loss = (await optimizer.minimize(() => nextTokenLoss(policy, batch))).loss;
  const seconds = (performance.now() - started) / 1000;
  const params = policy.numParameters;
  optimizer.dispose();
  policy.dispose();
  return { tokensPerS: (BATCH * SEQ * steps) / seconds, loss, params };
}

/** The same step data-parallel: one single-threaded wasm replica per core (data-parallel.ts). */
async function dataParallelTokensPerSecond(config: Partial<TransformerConfig>, steps: number, warmup: number, workers: number): Promise<{ tokensPerS: number; loss: number }> {
  const policy = new TransformerLM({ config, seed: 1 });
  const trainer = await DataParallelTrainer.create(policy, { workers, threadsPerWorker: 1, adamw: { learningRate: 1e-3, weightDecay: 0.01, maxGradNorm: 1 } });
  const batch = trainingBatch(config);
  let loss = NaN;
  try {
    for (let i = 0; i < warmup; i++) loss = (await trainer.step(batch)).loss;
    const started = performance.now();
    for (let i = 0; i < steps; i++) loss = (await trainer.step(batch)).loss;
    const seconds = (performance.now() - started) / 1000;
    return { tokensPerS: (BATCH * SEQ * steps) / seconds, loss };
  } finally {
    await trainer.close();
    policy.dispose();
  }
}

async function generation(config: Partial<TransformerConfig>): Promise<{ cached: number; uncached: number; prefill: number }> {
  const policy = new TransformerLM({ config, seed: 1 });
  const rng = new Rng(11);
  const requests = Array.from({ length: BATCH }, (_, i) => ({ promptIds: randomIds(rng, GEN_PROMPT, config.vocab_size!), seed: i, maxNewTokens: GEN_NEW }));
  const result = { cached: 0, uncached: 0, prefill: 0 };
  for (const useCache of [true, false]) {
    const engine = new GenerationEngine(policy, { maxBatch: BATCH, useCache, sampling: { temperature: 1 } });
    await engine.generate(requests.map((r) => ({ ...r, maxNewTokens: 2 }))); // warm-up: shapes, kernels
    const before = { ...engine.stats };
    const started = performance.now();
    const out = await engine.generate(requests);
    const seconds = (performance.now() - started) / 1000;
    const generated = out.reduce((n, c) => n + c.tokenIds.length, 0);
    if (useCache) {
      result.cached = generated / seconds;
      result.prefill = (engine.stats.prefillTokens - before.prefillTokens) / ((engine.stats.prefillMs - before.prefillMs) / 1000);
    } else {
      result.uncached = generated / seconds;
    }
    engine.dispose();
  }
  policy.dispose();
  return result;
}

/** The same training measurement in a child process whose backend has one thread. */
function oneThreadTrain(model: string, steps: number, warmup: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--train-only', model, '--steps', String(steps), '--warmup', String(warmup)], {
      env: { ...process.env, WEBAGENT_THREADS: '1', WEBAGENT_BACKEND: 'wasm' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve((JSON.parse(line) as { train_tokens_per_s: number }).train_tokens_per_s);
      } catch {
        resolve(null);
      }
    });
  });
}

const round = (x: number | null, digits = 0): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

async function main(): Promise<void> {
  const steps = Number(args.steps);
  const warmup = Number(args.warmup);
  const info: BackendInfo = await initBackend({ log: (m) => console.error(m) });
  if (args['train-only']) {
    const r = await trainTokensPerSecond(MODELS[args['train-only']]!, steps, warmup);
    console.log(JSON.stringify({ train_tokens_per_s: r.tokensPerS }));
    return;
  }
  const rows: Record<string, unknown>[] = [];
  for (const name of args.models.split(',')) {
    const config = MODELS[name];
    if (!config) throw new Error(`unknown model "${name}" (choose from ${Object.keys(MODELS).join(', ')})`);
    console.error(`[${name}] matmul...`);
    const gflops = await matmulGflops(config);
    console.error(`[${name}] training ${steps} steps (one process, ${info.threads} threads)...`);
    const train = await trainTokensPerSecond(config, steps, warmup);
    const workers = Math.max(2, info.threads);
    console.error(`[${name}] training ${steps} steps (data-parallel, ${workers} replicas)...`);
    const parallel = info.choice === 'wasm' ? await dataParallelTokensPerSecond(config, steps, warmup, workers) : null;
    const best = Math.max(train.tokensPerS, parallel?.tokensPerS ?? 0);
    console.error(`[${name}] generation...`);
    const gen = await generation(config);
    const oneThread = info.threads > 1 && !args['no-threads-compare'] && name === '1m' ? await oneThreadTrain(name, steps, warmup) : null;
    const torch = args['no-torch'] ? null : await runTorchTrain({
      hidden: config.hidden_size!, layers: config.num_hidden_layers!, heads: config.num_attention_heads!, kvHeads: config.num_key_value_heads!,
      intermediate: config.intermediate_size!, vocab: config.vocab_size!, seq: SEQ, batch: BATCH, completion: COMPLETION, tie: true,
      steps: Math.max(steps, 10), warmup: Math.max(warmup, 3), // at least what torch needs to settle (allocator warm-up)
    }, { log: (m) => console.error(m) });
    const torchTps = torch?.train_tokens_per_s ?? null;
    rows.push({
      model: name,
      params: train.params,
      config,
      backend: `${info.choice} (${info.threads} thread${info.threads === 1 ? '' : 's'})`,
      matmul_gflops: round(gflops, 1),
      // The SDK's best training path on this backend (data-parallel replicas on wasm).
      train_tokens_per_s: round(best),
      train_tokens_per_s_data_parallel: round(parallel?.tokensPerS ?? null),
      train_tokens_per_s_one_process: round(train.tokensPerS),
      train_tokens_per_s_one_thread: round(oneThread),
      torch_train_tokens_per_s: round(torchTps),
      train_ratio_vs_torch: torchTps ? round(best / torchTps, 3) : null,
      gen_tokens_per_s_cached: round(gen.cached, 1),
      gen_tokens_per_s_uncached: round(gen.uncached, 1),
      gen_cache_speedup: round(gen.cached / gen.uncached, 2),
      prefill_tokens_per_s: round(gen.prefill),
      final_loss: round(parallel?.loss ?? train.loss, 3),
      torch: torch ? { version: torch.torch_version, threads: torch.threads, blas: torch.blas ?? null } : null,
    });
  }
  const out = {
    generated_at: new Date().toISOString(),
    setup: { batch: BATCH, seq: SEQ, completion_tokens: COMPLETION, gen_prompt: GEN_PROMPT, gen_new_tokens: GEN_NEW, steps, warmup, backend: info },
    models: rows,
  };
  const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'policy.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  const cols = ['model', 'params', 'backend', 'matmul_gflops', 'train_tokens_per_s', 'train_tokens_per_s_data_parallel', 'train_tokens_per_s_one_process', 'train_tokens_per_s_one_thread', 'torch_train_tokens_per_s', 'train_ratio_vs_torch', 'gen_tokens_per_s_cached', 'gen_tokens_per_s_uncached', 'gen_cache_speedup', 'prefill_tokens_per_s'];
  console.log(`| ${cols.join(' | ')} |\n|${cols.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${cols.map((c) => String(r[c] ?? 'null')).join(' | ')} |`);
  console.log(`wrote ${file}`);
}

await main();
