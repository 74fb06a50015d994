// GenerationEngine: batched sampling from a TransformerLM with a KV cache and continuous
// batching. Requests are submitted at any time (each rollout episode submits its own turn);
// between two decoding steps the engine prefills waiting requests into free slots and retires
// finished ones, so a long completion never holds a short one back and a new episode never
// waits for a whole batch to drain. (The alternative, batching whatever is pending once per
// call, stalls every episode on the slowest sequence: the released WebAgent-R1 code's problem.)
//
// The cache is one [S, kvHeads, C, Dh] tensor per layer and per K/V: rows are live sequences,
// C grows in chunks as the longest one grows; rows join by concat and leave by gather.
//
// Over 300 lines because the queue, the live rows and the per-layer KV cache are one piece of
// state: admit, step and retire each change which sequences are live and which cache rows they own
// together, so the scheduling and the cache code must see both.

import * as tf from '@tensorflow/tfjs';
import { OptionsError, WebAgentError } from '../errors.js';
import { Rng } from '../data/random.js';
import { bool, custom, defineOptions, obj, positiveInt } from '../options.js';
import { resolveSampling, samplingOptions, sampleToken, type ResolvedSampling, type SamplingOptions } from './sampling.js';
import type { LayerCache, TransformerLM } from './transformer.js';
import type { Completion, GenerationRequest, Policy, TokenDecoder } from './types.js';

export type { Completion, GenerationRequest, TokenDecoder } from './types.js';

export interface GenerationEngineOptions {
  /** Most sequences decoded together. Default 8. */
  readonly maxBatch?: number;
  /** Defaults for every request (each request's own fields win). */
  readonly sampling?: SamplingOptions;
  /** Decoder for stop strings and completion text. */
  readonly decoder?: TokenDecoder;
  /** false recomputes the whole sequence at every step (no KV cache): a baseline. Default true. */
  readonly useCache?: boolean;
}

/** The schema of GenerationEngineOptions: checked by the constructor. */
export const generationEngineOptions = defineOptions<GenerationEngineOptions>()('GenerationEngine', obj({
  maxBatch: positiveInt('an integer >= 1 (sequences decoded together)').optional(),
  sampling: samplingOptions.schema.optional(),
  decoder: custom<TokenDecoder>((v) => typeof (v as Partial<TokenDecoder> | null)?.decode === 'function', 'a TokenDecoder (an object with decode(ids), such as a tokenizer)').optional(),
  useCache: bool().optional(),
}));

/** Counters since the engine was made (for benchmarks and progress displays). */
export interface GenerationStats {
  prefillTokens: number;
  prefillMs: number;
  decodeTokens: number;
  decodeMs: number;
  steps: number;
}

/** Generation failed for a reason other than the request itself (a kernel error, disposal). */
export class GenerationError extends WebAgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GENERATION_FAILED', message, options);
  }
}

interface Sequence {
  readonly sampling: ResolvedSampling;
  readonly allowedTokens: GenerationRequest['allowedTokens'];
  readonly prompt: Int32Array;
  readonly tokens: number[];
  readonly logprobs: number[];
  readonly rng: Rng;
  readonly resolve: (c: Completion) => void;
  readonly reject: (e: unknown) => void;
  readonly signal: AbortSignal | undefined;
  finish?: { reason: 'stop' | 'length'; stop?: string | number; text?: string };
  /** Why this sequence is rejected when it retires (its allowedTokens failed; boxed, as a throw may be of anything). */
  failure?: { readonly error: unknown };
}

const CHUNK = 64; // cache capacity grows in steps of this many positions

/** Serves a TransformerLM as a `Policy`: holds its KV cache and batches; the model is the caller's. */
export class GenerationEngine implements Policy {
  readonly model: TransformerLM;
  readonly maxBatch: number;
  readonly stats: GenerationStats = { prefillTokens: 0, prefillMs: 0, decodeTokens: 0, decodeMs: 0, steps: 0 };
  private readonly defaults: SamplingOptions | undefined;
  private readonly decoder: TokenDecoder | undefined;
  private readonly useCache: boolean;
  private readonly queue: Sequence[] = [];
  private active: Sequence[] = [];
  private cache: LayerCache[] = [];
  private running = false;
  private disposed = false;

  constructor(model: TransformerLM, options: GenerationEngineOptions = {}) {
    this.model = model;
    generationEngineOptions.check(options);
    this.maxBatch = options.maxBatch ?? 8;
    this.defaults = options.sampling;
    this.decoder = options.decoder;
    this.useCache = options.useCache ?? true;
  }

  /** Queues one request; resolves when its completion is finished. */
  submit(request: GenerationRequest, options: { signal?: AbortSignal } = {}): Promise<Completion> {
    if (this.disposed) return Promise.reject(new OptionsError('this GenerationEngine was disposed'));
    let sampling: ResolvedSampling;
    let prompt: Int32Array;
    try {
      sampling = resolveSampling(this.defaults, request);
      prompt = this.checkPrompt(request.promptIds);
      if (sampling.stop.length > 0 && this.decoder === undefined) throw new OptionsError('stop strings need a decoder: pass `decoder` (a tokenizer) to the GenerationEngine');
      if (request.allowedTokens !== undefined && typeof request.allowedTokens !== 'function') throw new OptionsError('allowedTokens must be a function (generated token ids) => allowed ids | undefined');
      options.signal?.throwIfAborted();
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<Completion>((resolve, reject) => {
      this.queue.push({ sampling, allowedTokens: request.allowedTokens, prompt, tokens: [], logprobs: [], rng: new Rng(sampling.seed), resolve, reject, signal: options.signal });
      if (!this.running) {
        this.running = true;
        void this.loop();
      }
    });
  }

  /** Completes every request (continuously batched); results in request order. */
  generate(requests: readonly GenerationRequest[], sampling?: SamplingOptions, options: { signal?: AbortSignal } = {}): Promise<Completion[]> {
    return Promise.all(requests.map((r) => this.submit(sampling ? { ...sampling, ...stripUndefined(r), promptIds: r.promptIds } : r, options)));
  }

  private checkPrompt(ids: ArrayLike<number>): Int32Array {
    const { vocab_size: vocab, max_position_embeddings: maxPos } = this.model.config;
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') throw new OptionsError('promptIds must be an array of token ids');
    if (ids.length === 0) throw new OptionsError('promptIds is empty: a prompt needs at least one token (e.g. BOS)');
    if (ids.length >= maxPos) throw new OptionsError(`prompt of ${ids.length} tokens leaves no room below max_position_embeddings (${maxPos})`);
    const out = Int32Array.from(ids);
    for (let i = 0; i < out.length; i++) {
      if (!(out[i]! >= 0 && out[i]! < vocab) || out[i] !== ids[i]) throw new OptionsError(`promptIds[${i}] = ${String(ids[i])} is not a token id in [0, ${vocab})`);
    }
    return out;
  }

  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0 || this.active.length > 0) {
        // Reading wasm results resolves as a microtask: yield a macrotask per step so timers,
        // browser I/O and new submissions run between decoding steps.
        await new Promise((resolve) => setImmediate(resolve));
        this.dropAborted();
        if (this.queue.length > 0 && this.active.length < this.maxBatch) await this.admit();
        if (this.active.length > 0) await this.step();
      }
    } catch (error) {
      const failure = error instanceof WebAgentError ? error : new GenerationError(`generation failed: ${(error as Error).message}`, { cause: error });
      for (const s of [...this.active, ...this.queue]) s.reject(failure);
      this.active = [];
      this.queue.length = 0;
      this.freeCache();
    } finally {
      this.running = false;
    }
  }

  /** Aborted requests: waiting ones are rejected now, live ones leave at this step boundary. */
  private dropAborted(): void {
    const waiting = this.queue.filter((s) => {
      if (!s.signal?.aborted) return true;
      s.reject(s.signal.reason);
      return false;
    });
    this.queue.splice(0, this.queue.length, ...waiting);
    let any = false;
    for (const s of this.active) {
      if (s.signal?.aborted && !s.finish) {
        s.finish = { reason: 'length' };
        any = true;
      }
    }
    if (any) this.retire();
  }

  /** Prefills waiting requests into free rows and samples their first token. */
  private async admit(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch - this.active.length);
    try {
      await this.prefill(batch);
    } catch (error) {
      // Rows that never reached `active` would otherwise never settle.
      for (const s of batch) if (!this.active.includes(s)) s.reject(error);
      throw error;
    }
  }

  private async prefill(batch: Sequence[]): Promise<void> {
    const started = performance.now();
    const lengths = batch.map((s) => s.prompt.length);
    const width = Math.max(...lengths);
    const ids = new Int32Array(batch.length * width);
    batch.forEach((s, i) => ids.set(s.prompt, i * width));
    const lastRows = lengths.map((n, i) => i * width + n - 1);
    const kv: LayerCache[] = [];
    const logits = tf.tidy(() => {
      const hidden = this.model.hidden(tf.tensor2d(ids, [batch.length, width], 'int32'), this.useCache ? kv : undefined, true);
      const out = this.model.head(tf.gather(hidden, lastRows), true);
      if (this.useCache) for (const layer of kv) [layer.k, layer.vt].forEach((t) => tf.keep(t));
      return out;
    });
    if (this.useCache) this.joinCache(kv, width);
    this.active.push(...batch);
    const rows = (await logits.data()) as Float32Array;
    logits.dispose();
    this.stats.prefillTokens += lengths.reduce((a, b) => a + b, 0);
    this.stats.prefillMs += performance.now() - started;
    this.sampleRows(batch, rows);
    this.retire();
  }

  /** Appends prefilled keys/values (time axis `width`) as new cache rows. */
  private joinCache(kv: LayerCache[], width: number): void {
    const current = this.cache[0]?.k.shape[2] ?? 0;
    const capacity = Math.max(current, Math.min(this.model.config.max_position_embeddings, Math.ceil((width + 1) / CHUNK) * CHUNK));
    this.cache = kv.map((layer, i) => {
      const grown = tf.tidy(() => {
        const old = this.cache[i];
        const k = old ? tf.concat([padTime(old.k, capacity, 2), padTime(layer.k, capacity, 2)], 0) : padTime(layer.k, capacity, 2);
        const vt = old ? tf.concat([padTime(old.vt, capacity, 3), padTime(layer.vt, capacity, 3)], 0) : padTime(layer.vt, capacity, 3);
        return { k, vt };
      });
      this.cache[i]?.k.dispose();
      this.cache[i]?.vt.dispose();
      layer.k.dispose();
      layer.vt.dispose();
      return grown;
    });
  }

  /** Position of each live sequence's newest token (the one fed to the next step). */
  private positions(): number[] {
    return this.active.map((s) => s.prompt.length + s.tokens.length - 1);
  }

  /** One decoding step for every live sequence. */
  private async step(): Promise<void> {
    const started = performance.now();
    const positions = this.positions();
    const longest = Math.max(...positions) + 1;
    let logits: tf.Tensor2D;
    if (this.useCache) {
      const capacity = this.cache[0]!.k.shape[2];
      if (longest > capacity) this.growCache(Math.min(this.model.config.max_position_embeddings, capacity + CHUNK));
      const tokens = tf.tensor1d(this.active.map((s) => s.tokens[s.tokens.length - 1]!), 'int32');
      const pos = tf.tensor1d(positions, 'int32');
      logits = this.model.decodeStep(tokens, pos, this.cache);
      tokens.dispose();
      pos.dispose();
    } else {
      const width = longest;
      const ids = new Int32Array(this.active.length * width);
      this.active.forEach((s, i) => {
        ids.set(s.prompt, i * width);
        ids.set(s.tokens, i * width + s.prompt.length);
      });
      logits = tf.tidy(() => {
        const hidden = this.model.hidden(tf.tensor2d(ids, [this.active.length, width], 'int32'), undefined, true);
        return this.model.head(tf.gather(hidden, positions.map((p, i) => i * width + p)), true);
      });
    }
    const rows = (await logits.data()) as Float32Array;
    logits.dispose();
    this.stats.steps++;
    this.stats.decodeTokens += this.active.length;
    this.stats.decodeMs += performance.now() - started;
    this.sampleRows(this.active, rows);
    this.retire();
  }

  private growCache(capacity: number): void {
    this.cache = this.cache.map((layer) => {
      const grown = tf.tidy(() => ({ k: padTime(layer.k, capacity, 2), vt: padTime(layer.vt, capacity, 3) }));
      layer.k.dispose();
      layer.vt.dispose();
      return grown;
    });
  }

  /** Samples one token per row and marks sequences that are done. */
  private sampleRows(seqs: readonly Sequence[], rows: Float32Array): void {
    const vocab = this.model.config.vocab_size;
    const maxPos = this.model.config.max_position_embeddings;
    seqs.forEach((s, i) => {
      if (s.finish) return;
      let allowed: readonly number[] | undefined;
      try {
        allowed = s.allowedTokens ? checkAllowed(s.allowedTokens(s.tokens), vocab, s.tokens.length) : undefined;
      } catch (error) {
        s.failure = { error };
        s.finish = { reason: 'length' };
        return;
      }
      const { token, logprob } = sampleToken(rows.subarray(i * vocab, (i + 1) * vocab), s.sampling, s.rng, allowed);
      s.tokens.push(token);
      s.logprobs.push(logprob);
      if (s.sampling.stopTokenIds.includes(token)) {
        s.finish = { reason: 'stop', stop: token };
      } else if (s.sampling.stop.length > 0) {
        const text = this.decoder!.decode(s.tokens);
        let cut = -1;
        let which: string | undefined;
        for (const stop of s.sampling.stop) {
          const at = text.indexOf(stop);
          if (at >= 0 && (cut < 0 || at < cut)) [cut, which] = [at, stop];
        }
        if (which !== undefined) s.finish = { reason: 'stop', stop: which, text: text.slice(0, cut) };
      }
      if (!s.finish && (s.tokens.length >= s.sampling.maxNewTokens || s.prompt.length + s.tokens.length >= maxPos)) {
        s.finish = { reason: 'length' };
      }
    });
  }

  /** Resolves finished sequences and drops their cache rows. */
  private retire(): void {
    const keep: number[] = [];
    const still: Sequence[] = [];
    this.active.forEach((s, i) => {
      if (!s.finish) {
        keep.push(i);
        still.push(s);
        return;
      }
      if (s.failure !== undefined) {
        s.reject(s.failure.error);
        return;
      }
      if (s.signal?.aborted) {
        s.reject(s.signal.reason);
        return;
      }
      const text = s.finish.text ?? (this.decoder ? this.decoder.decode(s.tokens) : undefined);
      s.resolve({
        promptIds: s.prompt,
        tokenIds: Int32Array.from(s.tokens),
        logprobs: Float32Array.from(s.logprobs),
        ...(text !== undefined ? { text } : {}),
        finishReason: s.finish.reason,
        ...(s.finish.stop !== undefined ? { stopReason: s.finish.stop } : {}),
      });
    });
    if (still.length === this.active.length) return;
    this.active = still;
    if (!this.useCache) return;
    if (still.length === 0) {
      this.freeCache();
      return;
    }
    this.cache = this.cache.map((layer) => {
      const kept = tf.tidy(() => ({ k: tf.gather(layer.k, keep, 0), vt: tf.gather(layer.vt, keep, 0) }));
      layer.k.dispose();
      layer.vt.dispose();
      return kept;
    });
  }

  private freeCache(): void {
    for (const layer of this.cache) {
      layer.k.dispose();
      layer.vt.dispose();
    }
    this.cache = [];
  }

  /** Rejects whatever is pending and frees the cache. The model itself is not disposed. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const error = new OptionsError('the GenerationEngine was disposed');
    for (const s of [...this.queue, ...this.active]) s.reject(error);
    this.queue.length = 0;
    this.active = [];
    this.freeCache();
  }
}

/** Zero-pads the time axis (2 for keys, 3 for transposed values) to `capacity`; a new tensor. */
function padTime(t: tf.Tensor4D, capacity: number, axis: 2 | 3): tf.Tensor4D {
  const extra = capacity - t.shape[axis];
  if (extra === 0) return t.clone();
  const pads: Array<[number, number]> = [[0, 0], [0, 0], [0, 0], [0, 0]];
  pads[axis] = [0, extra];
  return tf.pad(t, pads);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Checks what an `allowedTokens` callback returned: distinct ids of the vocabulary, at least one. */
function checkAllowed(ids: readonly number[] | undefined, vocab: number, generated: number): readonly number[] | undefined {
  if (ids === undefined) return undefined;
  const where = `allowedTokens (after ${generated} generated token${generated === 1 ? '' : 's'})`;
  if (!Array.isArray(ids)) throw new OptionsError(`${where} must return an array of token ids or undefined, got ${typeof ids}`);
  if (ids.length === 0) throw new OptionsError(`${where} returned no token: the constraint leaves no way to continue (allow a stop token where a completion may end)`);
  const seen = new Set<number>();
  for (const id of ids) {
    if (!(Number.isInteger(id) && id >= 0 && id < vocab)) throw new OptionsError(`${where} returned ${String(id)}, not a token id in [0, ${vocab})`);
    if (seen.has(id)) throw new OptionsError(`${where} returned token ${id} twice; give each id once`);
    seen.add(id);
  }
  return ids;
}
