// One replica of data-parallel training (see data-parallel.ts): a worker thread with its own
// tfjs wasm backend, its own TransformerLM and AdamW. Per step it writes the gradient of
// its share of the loss into its shared buffer, waits for the sum of all replicas' gradients,
// and applies the same AdamW update as every other replica (so replicas stay identical).

import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendChoice } from './backend.js';
import { negLogLikelihoodSum, packSequences, type ScoredSequence } from './training.js';
import { AdamW, type AdamWOptions, type AdamWState } from './adamw.js';
import { TransformerLM, type NamedWeight } from './transformer.js';
import type { TransformerConfig } from './config.js';

/** What the coordinator passes at start-up. */
export interface WorkerInit {
  readonly config: TransformerConfig;
  readonly weights: Array<[string, NamedWeight]>;
  readonly adamw: AdamWOptions;
  readonly backend: BackendChoice;
  readonly threads: number;
  /** Names in flat-buffer order with their offsets (stored layout sizes). */
  readonly layout: Array<[string, number, number]>;
  /** This replica's gradient buffer and the shared sum (Float32 views over SharedArrayBuffers). */
  readonly gradBuffer: SharedArrayBuffer;
  readonly sumBuffer: SharedArrayBuffer;
}

export type WorkerRequest =
  | { type: 'grad'; sequences: ScoredSequence[]; totalWeight: number }
  | { type: 'apply'; learningRate: number }
  | { type: 'weights' }
  | { type: 'optimizer-state' }
  | { type: 'load-optimizer-state'; state: AdamWState }
  | { type: 'close' };

export type WorkerReply =
  | { type: 'ready'; backend: string; threads: number }
  | { type: 'grad'; lossSum: number; tokens: number; ms: number }
  | { type: 'applied'; gradNorm: number }
  | { type: 'weights'; weights: Array<[string, NamedWeight]> }
  | { type: 'optimizer-state'; state: AdamWState }
  | { type: 'loaded' }
  | { type: 'error'; message: string };

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  const port = parentPort!;
  const info = await initBackend({ backend: init.backend, threads: init.threads, log: () => {} });
  const policy = new TransformerLM({ config: init.config });
  policy.importWeights(new Map(init.weights));
  const optimizer = new AdamW(policy.parameters, init.adamw);
  const grads = new Float32Array(init.gradBuffer);
  const sum = new Float32Array(init.sumBuffer);
  port.postMessage({ type: 'ready', backend: info.name, threads: info.threads } satisfies WorkerReply);

  port.on('message', (request: WorkerRequest) => {
    void (async () => {
      try {
        if (request.type === 'grad') {
          const started = performance.now();
          if (request.sequences.length === 0) {
            grads.fill(0);
            port.postMessage({ type: 'grad', lossSum: 0, tokens: 0, ms: 0 } satisfies WorkerReply);
            return;
          }
          const batch = packSequences(request.sequences, init.config.vocab_size);
          // Sum of this share's (weighted) NLL over the whole batch's total loss weight: replicas'
          // gradients add up to the gradient of the batch's weighted mean.
          const scale = 1 / request.totalWeight;
          const names = init.layout.map(([name]) => name);
          const vars = names.map((n) => policy.param(n));
          const { value, grads: g } = tf.variableGrads(() => tf.mul(negLogLikelihoodSum(policy, batch), scale) as tf.Scalar, vars);
          for (let i = 0; i < names.length; i++) {
            const [, offset, size] = init.layout[i]!;
            const t = g[vars[i]!.name]!;
            grads.set((await t.data()) as Float32Array, offset);
            if (t.size !== size) throw new Error(`gradient of ${names[i]} has ${t.size} values, expected ${size}`);
          }
          const loss = (await value.data())[0]!;
          tf.dispose(g);
          value.dispose();
          port.postMessage({ type: 'grad', lossSum: loss / scale, tokens: batch.rows.length, ms: performance.now() - started } satisfies WorkerReply);
        } else if (request.type === 'apply') {
          optimizer.learningRate = request.learningRate;
          const byName = new Map<string, tf.Tensor>();
          for (const [name, offset, size] of init.layout) byName.set(name, tf.tensor(sum.subarray(offset, offset + size), policy.param(name).shape));
          const norm = optimizer.apply(byName);
          tf.dispose([...byName.values()]);
          const gradNorm = (await norm.data())[0]!;
          norm.dispose();
          port.postMessage({ type: 'applied', gradNorm } satisfies WorkerReply);
        } else if (request.type === 'weights') {
          port.postMessage({ type: 'weights', weights: [...(await policy.exportWeights())] } satisfies WorkerReply);
        } else if (request.type === 'optimizer-state') {
          const state = await optimizer.state();
          // The moments are fresh copies: moved to the coordinator, not cloned.
          port.postMessage({ type: 'optimizer-state', state } satisfies WorkerReply, [...state.m.values(), ...state.v.values()].map((a) => a.buffer as ArrayBuffer));
        } else if (request.type === 'load-optimizer-state') {
          optimizer.loadState(request.state);
          port.postMessage({ type: 'loaded' } satisfies WorkerReply);
        } else {
          optimizer.dispose();
          policy.dispose();
          port.close();
        }
      } catch (error) {
        port.postMessage({ type: 'error', message: (error as Error).stack ?? String(error) } satisfies WorkerReply);
      }
    })();
  });
}

await main();
