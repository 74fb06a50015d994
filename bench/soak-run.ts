// The soak run shared by `npm run soak` (500+ episodes) and its short version in the tests (60):
// multi-turn GRPO with a small policy on the bundled sites in real Chromium, episodes with
// policy calls and a training step every iteration, and every 50 episodes a sample of what
// would leak if anything did: live tfjs tensors, the process's RSS, Chromium processes and open
// browser contexts.

import { readdirSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import {
  BrowserPool, BundledSuite, MultiTurnGRPO, WebEnvironment, collectDemonstrations, createSmallPolicy, ensureChromium, initBackend, startSuiteServer,
} from '../src/index.js';

export interface SoakSample {
  readonly episodes: number;
  readonly iteration: number;
  readonly numTensors: number;
  readonly rssMb: number;
  readonly chromiumProcesses: number;
  readonly openContexts: number;
}

export interface SoakResult {
  readonly samples: readonly SoakSample[];
  readonly episodes: number;
  readonly skipped: number;
  readonly wallMs: number;
}

/** Chromium processes (browser, renderers, utilities) whose parent chain leads to this process. */
function chromiumProcesses(): number {
  const parent = new Map<number, number>();
  const isChromium = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
      if (/chrom/i.test(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0] ?? '')) isChromium.add(Number(entry));
    } catch {
      // the process ended while being read
    }
  }
  let count = 0;
  for (const pid of isChromium) {
    for (let p: number | undefined = pid, hops = 0; p && hops < 64; p = parent.get(p), hops++) {
      if (p === process.pid) {
        count++;
        break;
      }
    }
  }
  return count;
}

/**
 * Runs GRPO iterations until `episodes` episodes have ended, sampling every `every` episodes.
 * `log` gets one line a sample.
 */
export async function soak(options: { readonly episodes: number; readonly every?: number; readonly seed?: number; readonly log?: (line: string) => void }): Promise<SoakResult> {
  const every = options.every ?? 50;
  const seed = options.seed ?? 1;
  const log = options.log ?? (() => {});
  const started = Date.now();
  await initBackend({ log: () => {} });
  const executablePath = await ensureChromium();
  await using server = await startSuiteServer({ seed });
  await using pool = new BrowserPool({ executablePath, size: 1 });
  const makeEnvironment = (): WebEnvironment => new WebEnvironment({ pool, maxTurns: 3 });
  const suite = new BundledSuite(server);
  const templates = ['shop.open-product', 'map.open-place'];
  const { demonstrations } = await collectDemonstrations(suite.tasks({ split: 'train', templates, perTemplate: 2 }), { makeEnvironment, concurrency: 2 });
  const small = createSmallPolicy(demonstrations, { seed, settings: { model: { num_hidden_layers: 1 } } });
  const grpo = new MultiTurnGRPO({
    policy: small.policy, tokenizer: small.tokenizer, prompt: small.prompt, makeEnvironment,
    tasks: suite.tasks({ split: 'train', templates, perTemplate: 50 }),
    numGenerations: 4, tasksPerIteration: 2, numIterations: Math.ceil(options.episodes / 8) + 1,
    maxTurns: 3, maxNewTokens: small.settings.maxNewTokens, concurrency: 4, learningRate: 1e-4, beta: 0, seed,
  });
  const samples: SoakSample[] = [];
  let episodes = 0;
  let skipped = 0;
  let iteration = 0;
  const sample = (): void => {
    const s: SoakSample = {
      episodes, iteration,
      numTensors: tf.memory().numTensors,
      rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
      chromiumProcesses: chromiumProcesses(),
      openContexts: pool.stats.openContexts,
    };
    samples.push(s);
    log(`episodes ${s.episodes} (iteration ${s.iteration}): tensors ${s.numTensors}, RSS ${s.rssMb} MB, Chromium processes ${s.chromiumProcesses}, open contexts ${s.openContexts}`);
  };
  const controller = new AbortController();
  let nextSample = every;
  grpo.on('episode-end', () => {
    episodes++;
  });
  grpo.on('episode-skipped', () => {
    skipped++;
  });
  // Samples are taken between iterations, when no episode is running: what is left then is kept.
  grpo.on('iteration-end', (m) => {
    iteration = m.iteration;
    if (episodes >= nextSample) {
      sample();
      while (nextSample <= episodes) nextSample += every;
    }
    if (episodes >= options.episodes) controller.abort();
  });
  try {
    await grpo.train({ signal: controller.signal });
  } catch (e) {
    if (!controller.signal.aborted) throw e;
  } finally {
    grpo.dispose();
    small.policy.dispose();
  }
  return { samples, episodes, skipped, wallMs: Date.now() - started };
}

/**
 * Flat after warm-up: the samples after the first (warm-up) keep the same tensor count, no
 * context stays open between iterations, Chromium's process count and RSS do not keep growing.
 * Returns the problems found (empty when flat).
 */
export function flatness(samples: readonly SoakSample[], options: { readonly rssGrowth?: number } = {}): string[] {
  const problems: string[] = [];
  if (samples.length < 3) return [`only ${samples.length} samples; need 3 or more`];
  const [, ...after] = samples;
  const tensors = new Set(after.map((s) => s.numTensors));
  if (tensors.size > 1) problems.push(`tensor count changed after warm-up: ${after.map((s) => s.numTensors).join(', ')}`);
  for (const s of samples) if (s.openContexts > 0) problems.push(`${s.openContexts} browser contexts open between iterations at ${s.episodes} episodes`);
  const chromium = after.map((s) => s.chromiumProcesses);
  if (Math.max(...chromium) > Math.max(samples[0]!.chromiumProcesses, chromium[0]!) + 2) problems.push(`Chromium processes grew: ${samples.map((s) => s.chromiumProcesses).join(', ')}`);
  const base = after[0]!.rssMb;
  const last = after.at(-1)!.rssMb;
  const allowed = options.rssGrowth ?? 0.25;
  if (last > base * (1 + allowed)) problems.push(`RSS grew ${Math.round((last / base - 1) * 100)}% after warm-up (${base} -> ${last} MB, allowed ${allowed * 100}%)`);
  return problems;
}
