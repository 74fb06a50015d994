// Data-parallel training across worker threads, to use every core: tfjs-wasm computes on one
// core in Node apart from XNNPACK's matmuls, so element-wise kernels, small attention products
// and dispatch overhead leave the second core idle. Each worker holds a replica (own wasm
// backend, policy and AdamW); a step splits the batch's sequences between replicas, sums their
// gradients in shared memory and has every replica apply the same AdamW update, so replicas stay
// bit-identical. `syncTo` copies the trained weights into a policy (for generation).

import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { OptionsError, WebAgentError } from '../errors.js';
import { BACKEND_CHOICES, type BackendChoice } from './backend.js';
import { defineOptions, num, obj, oneOf } from '../options.js';
import { lossWeight, packSequences, type ScoredSequence } from './training.js';
import { ADAMW_DEFAULTS, adamWOptions, type AdamWOptions, type AdamWState, type OptimizerStepResult } from './adamw.js';
import type { TransformerLM } from './transformer.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './data-parallel-worker.js';

export interface DataParallelOptions {
  /** Replicas (worker threads). Default 2. */
  readonly workers?: number;
  /** wasm threads per replica. Default 1 (the replicas already fill the cores). */
  readonly threadsPerWorker?: number;
  /** Backend of the replicas. Default `wasm`. */
  readonly backend?: BackendChoice;
  readonly adamw?: AdamWOptions;
}

/** The schema of DataParallelOptions: checked by `DataParallelTrainer.create` before any worker starts. */
export const dataParallelOptions = defineOptions<DataParallelOptions>()('DataParallelTrainer', obj({
  workers: num({ int: true, min: 1, max: 64 }).optional(),
  threadsPerWorker: num({ int: true, min: 1, max: 64 }).optional(),
  backend: oneOf(BACKEND_CHOICES).optional(),
  adamw: adamWOptions.schema.optional(),
}));

/** A replica failed; the trainer is unusable afterwards (close it). */
export class DataParallelError extends WebAgentError {
  constructor(message: string) {
    super('DATA_PARALLEL_FAILED', message);
  }
}

interface Replica {
  readonly worker: Worker;
  readonly grads: Float32Array;
  pending?: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void };
}

/**
 * Starts a replica thread. In dist the worker is the compiled .js; when this module runs from
 * TypeScript sources (tests and examples under tsx) the worker registers tsx's loader first,
 * since loader hooks are not inherited by worker threads.
 */
function startWorker(workerData: WorkerInit): Worker {
  const self = fileURLToPath(import.meta.url);
  if (!self.endsWith('.ts')) return new Worker(new URL('./data-parallel-worker.js', import.meta.url), { workerData });
  const url = new URL('./data-parallel-worker.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); });`, { eval: true, workerData });
}

export class DataParallelTrainer {
  private readonly replicas: Replica[];
  private readonly sum: Float32Array;
  private readonly layout: Array<[string, number, number]>;
  private closed = false;
  /** Current learning rate (set before a step to schedule it). */
  learningRate: number;
  /** Milliseconds of the last step's slowest replica gradient, and of the whole step. */
  readonly timings = { gradMs: 0, stepMs: 0 };

  private constructor(replicas: Replica[], sum: Float32Array, layout: Array<[string, number, number]>, learningRate: number, private readonly vocabSize: number) {
    this.replicas = replicas;
    this.sum = sum;
    this.layout = layout;
    this.learningRate = learningRate;
  }

  /** Starts the replicas from `policy`'s current weights. */
  static async create(policy: TransformerLM, options: DataParallelOptions = {}): Promise<DataParallelTrainer> {
    dataParallelOptions.check(options);
    const count = options.workers ?? 2;
    const threads = options.threadsPerWorker ?? 1;
    const adamw = { ...ADAMW_DEFAULTS, ...options.adamw };
    const layout: Array<[string, number, number]> = [];
    let total = 0;
    for (const [name, variable] of policy.parameters) {
      layout.push([name, total, variable.size]);
      total += variable.size;
    }
    const weights = [...(await policy.exportWeights())];
    const sumBuffer = new SharedArrayBuffer(total * 4);
    const replicas: Replica[] = [];
    const ready: Promise<WorkerReply>[] = [];
    for (let i = 0; i < count; i++) {
      const gradBuffer = new SharedArrayBuffer(total * 4);
      const init: WorkerInit = { config: policy.config, weights, adamw, backend: options.backend ?? 'wasm', threads, layout, gradBuffer, sumBuffer };
      const worker = startWorker(init);
      const replica: Replica = { worker, grads: new Float32Array(gradBuffer) };
      worker.on('message', (reply: WorkerReply) => {
        const pending = replica.pending;
        replica.pending = undefined;
        if (reply.type === 'error') pending?.reject(new DataParallelError(`replica ${i} failed: ${reply.message}`));
        else pending?.resolve(reply);
      });
      worker.on('error', (error) => replica.pending?.reject(new DataParallelError(`replica ${i} crashed: ${error.message}`)));
      worker.on('exit', (code) => replica.pending?.reject(new DataParallelError(`replica ${i} exited with code ${code}`)));
      ready.push(new Promise((resolve, reject) => (replica.pending = { resolve, reject })));
      replicas.push(replica);
    }
    const trainer = new DataParallelTrainer(replicas, new Float32Array(sumBuffer), layout, adamw.learningRate, policy.config.vocab_size);
    try {
      await Promise.all(ready);
    } catch (error) {
      await trainer.close();
      throw error;
    }
    return trainer;
  }

  get workers(): number {
    return this.replicas.length;
  }

  private call(replica: Replica, request: WorkerRequest): Promise<WorkerReply> {
    if (this.closed) return Promise.reject(new OptionsError('this DataParallelTrainer was closed'));
    return new Promise((resolve, reject) => {
      replica.pending = { resolve, reject };
      replica.worker.postMessage(request);
    });
  }

  /**
   * One AdamW step on the mean masked next-token loss of `sequences` (the same loss as
   * nextTokenLoss on all of them in one batch). Sequences are dealt to replicas to balance
   * their token counts.
   */
  async step(sequences: readonly ScoredSequence[]): Promise<OptimizerStepResult> {
    const started = performance.now();
    if (this.closed) throw new OptionsError('this DataParallelTrainer was closed');
    const packed = packSequences(sequences, this.vocabSize);
    if (packed.rows.length === 0) throw new OptionsError('the batch has no scored tokens: every loss mask is 0');
    const totalWeight = lossWeight(packed);
    const shares: ScoredSequence[][] = this.replicas.map(() => []);
    const load = this.replicas.map(() => 0);
    const order = sequences.map((s, i) => [s.ids.length, i] as const).sort((a, b) => b[0] - a[0]);
    for (const [length, i] of order) {
      const r = load.indexOf(Math.min(...load));
      shares[r]!.push(toPlain(sequences[i]!));
      load[r]! += length;
    }
    const replies = await Promise.all(this.replicas.map((r, i) => this.call(r, { type: 'grad', sequences: shares[i]!, totalWeight })));
    this.timings.gradMs = Math.max(...replies.map((r) => (r.type === 'grad' ? r.ms : 0)));
    const lossSum = replies.reduce((a, r) => a + (r.type === 'grad' ? r.lossSum : 0), 0);
    // All-reduce on the coordinator: sum of the replicas' gradients into the shared buffer.
    const sum = this.sum;
    sum.set(this.replicas[0]!.grads);
    for (let r = 1; r < this.replicas.length; r++) {
      const g = this.replicas[r]!.grads;
      for (let j = 0; j < sum.length; j++) sum[j]! += g[j]!;
    }
    const applied = await Promise.all(this.replicas.map((r) => this.call(r, { type: 'apply', learningRate: this.learningRate })));
    this.timings.stepMs = performance.now() - started;
    const gradNorm = applied[0]!.type === 'applied' ? applied[0]!.gradNorm : NaN;
    return { loss: lossSum / totalWeight, gradNorm };
  }

  /** Copies the replicas' (identical) weights into `policy`. */
  async syncTo(policy: TransformerLM): Promise<void> {
    const reply = await this.call(this.replicas[0]!, { type: 'weights' });
    if (reply.type !== 'weights') throw new DataParallelError('replica 0 did not return weights');
    policy.importWeights(new Map(reply.weights));
  }

  /** The replicas' (identical) AdamW state: step count and moments, as `AdamW.state()` gives them. */
  async optimizerState(): Promise<AdamWState> {
    const reply = await this.call(this.replicas[0]!, { type: 'optimizer-state' });
    if (reply.type !== 'optimizer-state') throw new DataParallelError('replica 0 did not return its optimizer state');
    return reply.state;
  }

  /** Loads an AdamW state (`AdamW.state()`, or `optimizerState()` of another trainer) into every replica. */
  async loadOptimizerState(state: AdamWState): Promise<void> {
    await Promise.all(this.replicas.map((r) => this.call(r, { type: 'load-optimizer-state', state })));
  }

  /** Stops every replica. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.replicas.map((r) => r.worker.terminate()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Parameter names in the order of the shared gradient buffer. */
  get parameterNames(): string[] {
    return this.layout.map(([name]) => name);
  }
}

/** Structured-clone-friendly copy (typed arrays stay typed). */
function toPlain(s: ScoredSequence): ScoredSequence {
  return {
    ids: Int32Array.from(s.ids),
    ...(s.lossMask !== undefined ? { lossMask: s.lossMask instanceof Uint8Array ? Uint8Array.from(s.lossMask) : Float32Array.from(s.lossMask) } : {}),
    ...(s.completionStart !== undefined ? { completionStart: s.completionStart } : {}),
  };
}
