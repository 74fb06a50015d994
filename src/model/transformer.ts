// TransformerLM: a decoder-only LM in tfjs with Hugging Face Llama/Qwen2 semantics (RMSNorm,
// RoPE in the rotate_half convention, grouped-query attention, SwiGLU, optional q/k/v bias) and
// HF weight names. Forward passes here; sampling in generation.ts; losses in training.ts.
// Reads top to bottom as nanoGPT does: embedding, attention, MLP, block, the model (hidden,
// head, logits, decodeStep); then the small helpers that hold the speed caches; then weights.
//
// Layout choices for speed on wasm: activations are 2D [B*T, C] for every
// projection (one fast matmul each), linear weights are stored [in, out] (HF stores [out, in];
// export/import transpose), attention stays rank 4, and rotate_half is one [Dh, Dh] matmul.
//
// Over 300 lines because the forward pass, `decodeStep` and weight import/export all depend on the
// private storage layout (HF names, linears stored [in, out]) and on the caches built from it
// (fused projections, causal masks, RoPE tables); prefill and decoding also share one `block`, with
// the attention passed in.

import * as tf from '@tensorflow/tfjs';
import { OptionsError } from '../errors.js';
import { bool, defineOptions, integer, nonNegativeInt, obj, positive, positiveInt } from '../options.js';
import { countParameters, resolveTransformerConfig, type TransformerConfig } from './config.js';

/** A weight in Hugging Face layout (linears [out, in]), as checkpoints store it. */
export interface NamedWeight {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * wasm memory ends at 4 GB, and XNNPACK keeps a packed copy of every weight matrix it multiplies
 * by: float32 weights over about 1.6 GB cannot run there (they fail with out-of-memory deep in
 * XNNPACK, which then hangs). Checked up front so the error says what to do.
 */
export const WASM_MAX_WEIGHT_BYTES = 1.6e9;

function assertFitsBackend(config: TransformerConfig): void {
  const bytes = countParameters(config) * 4;
  if (tf.getBackend() === 'wasm' && bytes > WASM_MAX_WEIGHT_BYTES) {
    throw new OptionsError(`this model has ${(bytes / 1e9).toFixed(2)} GB of float32 weights: with XNNPACK's packed copies that exceeds the wasm backend's 4 GB memory; `
      + 'use the cpu backend (WEBAGENT_BACKEND=cpu, or initBackend({ backend: "cpu" }) before anything else) or install @tensorflow/tfjs-node');
  }
}

export interface TransformerLMOptions {
  /** Model shape; missing fields take TRANSFORMER_CONFIG_DEFAULTS. */
  readonly config?: Partial<TransformerConfig>;
  /** Seed of the initial weights. Default 0. */
  readonly seed?: number;
  /** Std of the normal init of matrices (HF `initializer_range`). Default 0.02. */
  readonly initStd?: number;
  /** False makes a frozen model (a reference model): its variables take no gradients. */
  readonly trainable?: boolean;
  /**
   * Keep fused q/k/v and gate/up copies of the weights for generation (faster decoding, about
   * 45% more weight memory). Default: only for models up to 100 M parameters, because the wasm
   * backend's memory ends at 4 GB (a 0.5 B model's weights alone take 2 GB in float32).
   */
  readonly cacheFusedWeights?: boolean;
  /**
   * Query rows of causal attention computed together (training and prefill). Each block of rows
   * multiplies only the keys up to its last row, so the masked upper triangle is mostly skipped:
   * 64 does 62% of the products at 256 tokens, and measured about a third less attention time
   * (forward + backward) on wasm. 0 computes the whole [T, T] square. Default 64.
   */
  readonly attentionBlock?: number;
}

const positiveField = positiveInt('a positive integer');

/** The schema of TransformerLMOptions: checked by the constructor, before any weight is made. */
export const transformerLMOptions = defineOptions<TransformerLMOptions>()('TransformerLM', obj({
  config: obj({
    vocab_size: positiveField.optional(),
    hidden_size: positiveField.optional(),
    num_hidden_layers: positiveField.optional(),
    num_attention_heads: positiveField.optional(),
    num_key_value_heads: positiveField.optional(),
    intermediate_size: positiveField.optional(),
    rope_theta: positive('a finite number > 0').optional(),
    rms_norm_eps: positive('a finite number > 0').optional(),
    tie_word_embeddings: bool().optional(),
    max_position_embeddings: positiveField.optional(),
    attention_bias: bool().optional(),
  }, 'an object of TransformerConfig fields (vocab_size, hidden_size, ...)').optional(),
  seed: integer('an integer').optional(),
  initStd: positive('a finite number > 0').optional(),
  trainable: bool().optional(),
  cacheFusedWeights: bool().optional(),
  attentionBlock: nonNegativeInt('an integer >= 0 (0 = the whole square)').optional(),
}));

/** Per-layer decoding cache: keys [slots, kvHeads, capacity, Dh], values transposed [slots, kvHeads, Dh, capacity]. */
export interface LayerCache {
  k: tf.Tensor4D;
  vt: tf.Tensor4D;
}

// Added to masked attention scores: large enough that exp() underflows to 0 in float32.
const MASK = 1e9;
const MASK_CACHE = 8; // causal masks kept, by width (least recently used dropped)
let instances = 0;

/** The HF name of every parameter of a config, with its HF shape, in checkpoint order. */
export function parameterShapes(config: TransformerConfig): Map<string, number[]> {
  const d = config.hidden_size;
  const dh = d / config.num_attention_heads;
  const q = config.num_attention_heads * dh;
  const kv = config.num_key_value_heads * dh;
  const shapes = new Map<string, number[]>([['model.embed_tokens.weight', [config.vocab_size, d]]]);
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const p = `model.layers.${i}`;
    shapes.set(`${p}.self_attn.q_proj.weight`, [q, d]);
    shapes.set(`${p}.self_attn.k_proj.weight`, [kv, d]);
    shapes.set(`${p}.self_attn.v_proj.weight`, [kv, d]);
    if (config.attention_bias) {
      shapes.set(`${p}.self_attn.q_proj.bias`, [q]);
      shapes.set(`${p}.self_attn.k_proj.bias`, [kv]);
      shapes.set(`${p}.self_attn.v_proj.bias`, [kv]);
    }
    shapes.set(`${p}.self_attn.o_proj.weight`, [d, q]);
    shapes.set(`${p}.mlp.gate_proj.weight`, [config.intermediate_size, d]);
    shapes.set(`${p}.mlp.up_proj.weight`, [config.intermediate_size, d]);
    shapes.set(`${p}.mlp.down_proj.weight`, [d, config.intermediate_size]);
    shapes.set(`${p}.input_layernorm.weight`, [d]);
    shapes.set(`${p}.post_attention_layernorm.weight`, [d]);
  }
  shapes.set('model.norm.weight', [d]);
  if (!config.tie_word_embeddings) shapes.set('lm_head.weight', [config.vocab_size, d]);
  return shapes;
}

/** Linear weights are stored transposed ([in, out]) for the fast matmul path. */
function isLinearWeight(name: string): boolean {
  return name.endsWith('_proj.weight') || name === 'lm_head.weight';
}

export class TransformerLM {
  readonly config: TransformerConfig;
  /** Parameters by Hugging Face name. Linear weights are stored [in, out] (HF's transpose). */
  readonly parameters: ReadonlyMap<string, tf.Variable>;
  readonly trainable: boolean;
  readonly numParameters: number;
  private readonly headDim: number;
  private readonly ropeCos: tf.Tensor2D; // [maxPos, Dh]
  private readonly ropeSin: tf.Tensor2D; // [maxPos, Dh]
  private readonly rotateHalf: tf.Tensor2D; // [Dh, Dh]: x @ R = rotate_half(x)
  private readonly causal = new Map<number, tf.Tensor2D>(); // T -> [T, T] additive mask
  private disposed = false;
  private readonly cacheFusedWeights: boolean;
  /** Query rows per block of causal attention (0: the whole square); see TransformerLMOptions. */
  readonly attentionBlock: number;
  /** Inference-only copies (fused projections, transposed tied head) keyed by their sources' dataIds. */
  private readonly inferenceCache = new Map<string, { sources: unknown[]; value: { weight: tf.Tensor2D; bias: tf.Tensor1D | undefined } }>();

  constructor(options: TransformerLMOptions = {}) {
    transformerLMOptions.check(options);
    this.config = resolveTransformerConfig(options.config);
    this.trainable = options.trainable ?? true;
    assertFitsBackend(this.config);
    this.cacheFusedWeights = options.cacheFusedWeights ?? countParameters(this.config) <= 100e6;
    this.attentionBlock = options.attentionBlock ?? 64;
    const initStd = options.initStd ?? 0.02;
    const seed = options.seed ?? 0;
    const c = this.config;
    this.headDim = c.hidden_size / c.num_attention_heads;
    this.numParameters = countParameters(c);
    const uid = `wa_policy_${instances++}`;
    const params = new Map<string, tf.Variable>();
    let index = 0;
    for (const [name, shape] of parameterShapes(c)) {
      const stored = isLinearWeight(name) ? [shape[1]!, shape[0]!] : shape;
      const init = tf.tidy(() => {
        if (name.endsWith('layernorm.weight') || name === 'model.norm.weight') return tf.ones(stored);
        if (name.endsWith('.bias')) return tf.zeros(stored);
        return tf.randomNormal(stored, 0, initStd, 'float32', seed * 1000 + index);
      });
      params.set(name, tf.variable(init, this.trainable, `${uid}/${name}`));
      init.dispose();
      index++;
    }
    this.parameters = params;
    const dh = this.headDim;
    [this.ropeCos, this.ropeSin, this.rotateHalf] = ropeTables(c.max_position_embeddings, dh, c.rope_theta);
  }

  /** Parameter by HF name (stored layout). Throws a typed error for an unknown name. */
  param(name: string): tf.Variable {
    const p = this.parameters.get(name);
    if (p === undefined) throw new OptionsError(`no parameter named "${name}" in this model`);
    return p;
  }

  /** Trainable variables in a stable order (for optimizers and gradient lists). */
  variables(): tf.Variable[] {
    return [...this.parameters.values()];
  }

  // ---------------------------------------------------------------- the model, top to bottom

  /** Token embeddings of ids [B, T] as rows [B*T, d]. */
  private embed(ids: tf.Tensor2D): tf.Tensor2D {
    const [b, t] = ids.shape;
    return tf.gather(this.param('model.embed_tokens.weight'), ids.reshape([b * t])) as tf.Tensor2D;
  }

  /**
   * Self-attention of layer `i` on normed h [B*T, d] -> [B*T, d]: q, k, v projections (one fused
   * matmul), RoPE, then `attend`, which gets q [B, T, H, Dh] (scaled by 1/sqrt(Dh)) and the new
   * k, v [B, T, Hkv, Dh] and returns [B*T, H*Dh]; then the output projection.
   */
  private attention(
    i: number, h: tf.Tensor2D, b: number, t: number, cos: tf.Tensor4D, sin: tf.Tensor4D, inference: boolean,
    attend: (q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D) => tf.Tensor2D,
  ): tf.Tensor2D {
    const c = this.config;
    const p = `model.layers.${i}.self_attn`;
    const dh = this.headDim;
    const kvWidth = c.num_key_value_heads * dh;
    const [q0, k0, v0] = this.project(h, [`${p}.q_proj`, `${p}.k_proj`, `${p}.v_proj`], [c.num_attention_heads * dh, kvWidth, kvWidth], inference);
    const q = this.rope(q0!.reshape([b, t, c.num_attention_heads, dh]), cos, sin).mul(1 / Math.sqrt(dh)) as tf.Tensor4D;
    const k = this.rope(k0!.reshape([b, t, c.num_key_value_heads, dh]), cos, sin);
    const v = v0!.reshape([b, t, c.num_key_value_heads, dh]) as tf.Tensor4D;
    return this.linear(attend(q, k, v), `${p}.o_proj`);
  }

  /**
   * Causal full-sequence attention (training and prefill). Sequences start at position 0.
   * q [B, T, H, Dh], k/v [B, T, Hkv, Dh] -> [B*T, H*Dh]; rank-4 tensors throughout.
   */
  private fullAttention(b: number, t: number, q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor2D {
    const qh = q.transpose([0, 2, 1, 3]) as tf.Tensor4D; // [B, H, T, Dh]
    const kh = this.expandKv(k.transpose([0, 2, 1, 3]));
    const vh = this.expandKv(v.transpose([0, 2, 1, 3]));
    const mask = this.causalMask(t);
    const rows = this.attentionBlock;
    let out: tf.Tensor4D; // [B, H, T, Dh]
    if (rows === 0 || t <= rows) {
      out = tf.matMul(tf.softmax(tf.add(tf.matMul(qh, kh, false, true), mask)), vh); // scores [B, H, T, T]
    } else {
      // Rows a..e-1 see keys 0..e-1 only: scores [B, H, e-a, e].
      const parts: tf.Tensor4D[] = [];
      for (let a = 0; a < t; a += rows) {
        const e = Math.min(t, a + rows);
        const q = tf.slice(qh, [0, 0, a, 0], [-1, -1, e - a, -1]);
        const k = e === t ? kh : tf.slice(kh, [0, 0, 0, 0], [-1, -1, e, -1]);
        const v = e === t ? vh : tf.slice(vh, [0, 0, 0, 0], [-1, -1, e, -1]);
        parts.push(tf.matMul(tf.softmax(tf.add(tf.matMul(q, k, false, true), tf.slice(mask, [a, 0], [e - a, e]))), v));
      }
      out = tf.concat(parts, 2);
    }
    return out.transpose([0, 2, 1, 3]).reshape([b * t, this.config.hidden_size]) as tf.Tensor2D;
  }

  /** SwiGLU MLP of layer `i` on normed h [B*T, d] -> [B*T, d]: gate and up (one fused matmul), silu(gate) * up, down. */
  private mlp(i: number, h: tf.Tensor2D, inference: boolean): tf.Tensor2D {
    const c = this.config;
    const p = `model.layers.${i}.mlp`;
    const [gate, up] = this.project(h, [`${p}.gate_proj`, `${p}.up_proj`], [c.intermediate_size, c.intermediate_size], inference);
    const act = tf.mul(tf.mul(gate!, tf.sigmoid(gate!)), up!) as tf.Tensor2D;
    return this.linear(act, `${p}.down_proj`);
  }

  /** Decoder block `i` on x [B*T, d]: pre-norm residual attention, then pre-norm residual MLP. */
  private block(
    i: number, x: tf.Tensor2D, b: number, t: number, cos: tf.Tensor4D, sin: tf.Tensor4D, inference: boolean,
    attend: (q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D) => tf.Tensor2D,
  ): tf.Tensor2D {
    const p = `model.layers.${i}`;
    const x1 = tf.add<tf.Tensor2D>(x, this.attention(i, this.rmsNorm(x, `${p}.input_layernorm.weight`), b, t, cos, sin, inference, attend));
    return tf.add(x1, this.mlp(i, this.rmsNorm(x1, `${p}.post_attention_layernorm.weight`), inference));
  }

  /**
   * Final hidden states [B*T, d] (after the last norm) of right-padded sequences starting at
   * position 0. Synchronous tensor code: call inside tf.tidy or a gradient function.
   * `kvOut` receives each layer's keys [B, Hkv, T, Dh] and transposed values [B, Hkv, Dh, T]
   * (for the decoding cache); `inference` uses cached fused weights (no gradients flow).
   */
  hidden(ids: tf.Tensor2D, kvOut?: LayerCache[], inference = false): tf.Tensor2D {
    this.assertUsable();
    const [b, t] = ids.shape;
    if (t > this.config.max_position_embeddings) {
      throw new OptionsError(`sequence of ${t} tokens exceeds max_position_embeddings (${this.config.max_position_embeddings})`);
    }
    const [cos, sin] = this.ropeAt(t);
    let x = this.embed(ids);
    for (let i = 0; i < this.config.num_hidden_layers; i++) {
      x = this.block(i, x, b, t, cos, sin, inference, (q, k, v) => {
        if (kvOut) kvOut[i] = { k: k.transpose([0, 2, 1, 3]) as tf.Tensor4D, vt: v.transpose([0, 2, 3, 1]) as tf.Tensor4D };
        return this.fullAttention(b, t, q, k, v);
      });
    }
    return this.rmsNorm(x, 'model.norm.weight');
  }

  /**
   * Logits [N, V] of final hidden states [N, d]. `inference` multiplies by a cached [d, V]
   * copy of a tied embedding (an untransposed product: XNNPACK keeps its packed weights).
   */
  head(hidden: tf.Tensor2D, inference = false): tf.Tensor2D {
    if (!this.config.tie_word_embeddings) return tf.matMul(hidden, this.param('lm_head.weight'));
    const embed = this.param('model.embed_tokens.weight');
    if (!inference) return tf.matMul(hidden, embed, false, true);
    const hit = this.inferenceCache.get('head');
    if (hit && hit.sources[0] === embed.dataId) return tf.matMul(hidden, hit.value.weight);
    if (hit) hit.value.weight.dispose();
    const weight = tf.keep(tf.transpose(embed) as tf.Tensor2D);
    this.inferenceCache.set('head', { sources: [embed.dataId], value: { weight, bias: undefined } });
    return tf.matMul(hidden, weight);
  }

  /** Logits [B, T, V] for ids [B, T]. Caller owns the result (use inside tf.tidy). */
  logits(ids: tf.Tensor2D): tf.Tensor3D {
    const [b, t] = ids.shape;
    return this.head(this.hidden(ids)).reshape([b, t, this.config.vocab_size]);
  }

  /**
   * One decoding step for `s` cache slots: token [S] at position [S] (int32) attends to the
   * slot's cached keys/values at positions < position, plus itself. Updates `cache` in place
   * (old tensors disposed) and returns logits [S, V].
   *
   * With one query per row, attention is two broadcast products reduced over the last axis
   * (q * K summed over Dh; p * V^T summed over positions): element-wise kernels, where a
   * batched matmul would make one XNNPACK operator per (row, head).
   */
  decodeStep(tokens: tf.Tensor1D, positions: tf.Tensor1D, cache: LayerCache[]): tf.Tensor2D {
    this.assertUsable();
    const [s] = tokens.shape;
    const capacity = cache[0]!.k.shape[2];
    const c = this.config;
    const dh = this.headDim;
    const newCache: LayerCache[] = [];
    const logits = tf.tidy(() => {
      const pos = positions.reshape([s, 1]) as tf.Tensor2D;
      const [cos, sin] = this.ropeAt(1, pos);
      const slots = tf.range(0, capacity, 1, 'int32').reshape([1, capacity]);
      const write = tf.equal(slots, pos).cast('float32'); // [S, C]: 1 at this step's position
      const keep = tf.sub(1, write);
      // Positions after the row's own are empty or stale: masked.
      const bias = tf.mul(tf.sub(tf.lessEqual(slots, pos).cast('float32'), 1), MASK).reshape([s, 1, capacity]);
      let x = this.embed(tokens.reshape([s, 1]));
      for (let i = 0; i < c.num_hidden_layers; i++) {
        x = this.block(i, x, s, 1, cos, sin, true, (q, k, v) => {
          const old = cache[i]!;
          // k, v: [S, 1, Hkv, Dh] -> [S, Hkv, 1, Dh] and [S, Hkv, Dh, 1] (a reshape when T = 1).
          const kNew = tf.add(tf.mul(old.k, keep.reshape([s, 1, capacity, 1])), tf.mul(k.reshape([s, c.num_key_value_heads, 1, dh]), write.reshape([s, 1, capacity, 1]))) as tf.Tensor4D;
          const vtNew = tf.add(tf.mul(old.vt, keep.reshape([s, 1, 1, capacity])), tf.mul(v.reshape([s, c.num_key_value_heads, dh, 1]), write.reshape([s, 1, 1, capacity]))) as tf.Tensor4D;
          newCache[i] = { k: tf.keep(kNew), vt: tf.keep(vtNew) };
          const qh = q.reshape([s, c.num_attention_heads, 1, dh]);
          const scores = tf.add(tf.sum(tf.mul(qh, this.expandKv(kNew)), -1), bias); // [S, H, C]
          const probs = tf.softmax(scores).reshape([s, c.num_attention_heads, 1, capacity]);
          return tf.sum(tf.mul(probs, this.expandKv(vtNew)), -1).reshape([s, c.hidden_size]) as tf.Tensor2D; // [S, H*Dh]
        });
      }
      return this.head(this.rmsNorm(x, 'model.norm.weight'), true);
    });
    for (let i = 0; i < cache.length; i++) {
      cache[i]!.k.dispose();
      cache[i]!.vt.dispose();
      cache[i] = newCache[i]!;
    }
    return logits;
  }

  // ---------------------------------------------------------------- helpers: norm, projections, RoPE, masks
  // The speed caches live here: causal masks by width, and fused / transposed weights for inference.

  private causalMask(t: number): tf.Tensor2D {
    let mask = this.causal.get(t);
    if (mask === undefined) {
      mask = tf.tidy(() => tf.mul(tf.sub(tf.linalg.bandPart(tf.ones([t, t]), -1, 0), 1), MASK) as tf.Tensor2D);
      this.causal.set(t, tf.keep(mask));
      // Keep the few most recent widths only: batches of many widths must not pile up masks.
      if (this.causal.size > MASK_CACHE) {
        const [oldest, old] = this.causal.entries().next().value as [number, tf.Tensor2D];
        this.causal.delete(oldest);
        old.dispose();
      }
    } else {
      this.causal.delete(t);
      this.causal.set(t, mask);
    }
    return mask;
  }

  private rmsNorm(x: tf.Tensor2D, weight: string): tf.Tensor2D {
    const variance = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, this.config.rms_norm_eps))), this.param(weight));
  }

  private linear(x: tf.Tensor2D, name: string): tf.Tensor2D {
    return tf.matMul(x, this.param(`${name}.weight`)) as tf.Tensor2D;
  }

  /**
   * Several projections of one input as one matmul ([in, sum of outs]): fewer, wider products
   * run nearer XNNPACK's peak, and the backward pass transposes the input once, not per
   * projection. While training the concatenation is rebuilt each pass (gradients flow to the
   * HF-named variables through it); for inference it is cached until a weight changes.
   */
  private fused(names: readonly string[], inference: boolean): { weight: tf.Tensor2D; bias: tf.Tensor1D | undefined } {
    const vars = names.map((n) => this.param(`${n}.weight`));
    const biases = names.map((n) => this.parameters.get(`${n}.bias`));
    const build = (): { weight: tf.Tensor2D; bias: tf.Tensor1D | undefined } => ({
      weight: (vars.length === 1 ? vars[0]! : tf.concat(vars, 1)) as tf.Tensor2D,
      bias: biases.every((b) => b !== undefined) ? ((biases.length === 1 ? biases[0]! : tf.concat(biases as tf.Variable[], 0)) as tf.Tensor1D) : undefined,
    });
    if (!inference || names.length === 1 || !this.cacheFusedWeights) return build(); // a lone projection is the variable itself
    const key = names.join('+');
    const sources = [...vars, ...biases].map((v) => v?.dataId);
    const hit = this.inferenceCache.get(key);
    if (hit && hit.sources.length === sources.length && hit.sources.every((d, i) => d === sources[i])) return hit.value;
    if (hit) tf.dispose([hit.value.weight, ...(hit.value.bias ? [hit.value.bias] : [])]);
    const value = tf.tidy(() => {
      const v = build();
      // Copies, never the variables themselves: the cache owns and disposes what it holds.
      return { weight: v.weight.clone(), bias: v.bias?.clone() };
    });
    tf.keep(value.weight);
    if (value.bias) tf.keep(value.bias);
    this.inferenceCache.set(key, { sources, value });
    return value;
  }

  /** x @ fused weights (+ bias), split back into the projections' widths. */
  private project(x: tf.Tensor2D, names: readonly string[], widths: readonly number[], inference: boolean): tf.Tensor2D[] {
    const { weight, bias } = this.fused(names, inference);
    const y = bias ? tf.add<tf.Tensor2D>(tf.matMul(x, weight), bias) : (tf.matMul(x, weight) as tf.Tensor2D);
    return widths.length === 1 ? [y] : tf.split(y, [...widths], 1);
  }

  /** RoPE on [B, T, heads, Dh] with cos/sin broadcastable to it ([1|B, T, 1, Dh]). */
  private rope(x: tf.Tensor4D, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor4D {
    const [b, t, h, dh] = x.shape;
    const rotated = tf.matMul(tf.reshape(x, [b * t * h, dh]), this.rotateHalf).reshape([b, t, h, dh]);
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
  }

  /** [B, T, Hkv, Dh] keys/values as [B, H, T, Dh]: heads of one group share a kv head. */
  private expandKv(x: tf.Tensor4D): tf.Tensor4D {
    const groups = this.config.num_attention_heads / this.config.num_key_value_heads;
    if (groups === 1) return x;
    const index = Array.from({ length: this.config.num_attention_heads }, (_, h) => Math.floor(h / groups));
    return tf.gather(x, index, 1);
  }

  /**
   * cos/sin for positions: `start..start+t-1` for all rows, or per row from a [B, T] int32
   * tensor. Shapes [1|B, T, 1, Dh].
   */
  private ropeAt(t: number, positions?: tf.Tensor2D): [tf.Tensor4D, tf.Tensor4D] {
    const dh = this.headDim;
    if (positions === undefined) {
      return [this.ropeCos.slice([0, 0], [t, dh]).reshape([1, t, 1, dh]), this.ropeSin.slice([0, 0], [t, dh]).reshape([1, t, 1, dh])];
    }
    const [b] = positions.shape;
    const flat = positions.reshape([-1]);
    return [tf.gather(this.ropeCos, flat).reshape([b, t, 1, dh]), tf.gather(this.ropeSin, flat).reshape([b, t, 1, dh])];
  }

  // ---------------------------------------------------------------- weights

  /** Weights in Hugging Face layout and names (linears [out, in]), for checkpoints. */
  async exportWeights(): Promise<Map<string, NamedWeight>> {
    this.assertUsable();
    const out = new Map<string, NamedWeight>();
    for (const [name, variable] of this.parameters) {
      const hf = isLinearWeight(name) ? tf.transpose(variable) : variable;
      const data = (await hf.data()) as Float32Array;
      out.set(name, { shape: hf.shape, data: new Float32Array(data) });
      if (hf !== variable) hf.dispose();
    }
    return out;
  }

  /**
   * Loads weights in HF layout. Every parameter must be present with its HF shape; extra
   * names (for example rotary buffers) are ignored. Errors name the tensor and both shapes.
   */
  importWeights(weights: ReadonlyMap<string, NamedWeight>): void {
    this.assertUsable();
    const shapes = parameterShapes(this.config);
    for (const [name, shape] of shapes) {
      const w = weights.get(name);
      if (w === undefined) throw new OptionsError(`weight "${name}" is missing (expected shape [${shape.join(', ')}])`);
      if (w.shape.length !== shape.length || w.shape.some((n, i) => n !== shape[i])) {
        throw new OptionsError(`weight "${name}" has shape [${w.shape.join(', ')}], the config needs [${shape.join(', ')}]`);
      }
      if (w.data.length !== shape.reduce((a, n) => a * n, 1)) throw new OptionsError(`weight "${name}" holds ${w.data.length} values for shape [${shape.join(', ')}]`);
    }
    for (const [name, shape] of shapes) {
      const w = weights.get(name)!;
      tf.tidy(() => {
        const t = tf.tensor(w.data, shape, 'float32');
        this.param(name).assign(isLinearWeight(name) ? tf.transpose(t) : t);
      });
    }
  }

  /** A copy with the same weights (e.g. the frozen reference model: `trainable: false`). */
  clone(options: { trainable?: boolean } = {}): TransformerLM {
    this.assertUsable();
    const copy = new TransformerLM({ config: this.config, trainable: options.trainable ?? this.trainable, cacheFusedWeights: this.cacheFusedWeights, attentionBlock: this.attentionBlock });
    for (const [name, variable] of this.parameters) copy.param(name).assign(variable);
    return copy;
  }

  /** Copies another model's weights (same config) into this one, e.g. to refresh a reference. */
  copyFrom(other: TransformerLM): void {
    this.assertUsable();
    for (const [name, variable] of other.parameters) this.param(name).assign(variable);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private assertUsable(): void {
    if (this.disposed) throw new OptionsError('this TransformerLM was disposed');
  }

  /**
   * Frees what the model caches between calls: causal masks (the 8 most recent widths) and the
   * inference copies of fused and transposed weights. They are rebuilt on demand.
   */
  clearCaches(): void {
    for (const m of this.causal.values()) m.dispose();
    for (const { value } of this.inferenceCache.values()) tf.dispose([value.weight, ...(value.bias ? [value.bias] : [])]);
    this.inferenceCache.clear();
    this.causal.clear();
  }

  /** Frees every tensor the model owns. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.parameters.values()) v.dispose();
    this.clearCaches();
    this.ropeCos.dispose();
    this.ropeSin.dispose();
    this.rotateHalf.dispose();
  }
}

/** cos/sin tables [maxPos, Dh] (HF: frequencies duplicated) and the rotate_half matrix. */
function ropeTables(maxPos: number, dh: number, theta: number): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
  const half = dh / 2;
  const cos = new Float32Array(maxPos * dh);
  const sin = new Float32Array(maxPos * dh);
  for (let p = 0; p < maxPos; p++) {
    for (let j = 0; j < dh; j++) {
      const angle = p / Math.pow(theta, (2 * (j % half)) / dh);
      cos[p * dh + j] = Math.cos(angle);
      sin[p * dh + j] = Math.sin(angle);
    }
  }
  // rotate_half(x) = cat(-x[half:], x[:half]): (x @ R)[j] = -x[j + half] (j < half), x[j - half] (j >= half).
  const rot = new Float32Array(dh * dh);
  for (let j = 0; j < half; j++) {
    rot[(j + half) * dh + j] = -1;
    rot[j * dh + j + half] = 1;
  }
  return [tf.tensor2d(cos, [maxPos, dh]), tf.tensor2d(sin, [maxPos, dh]), tf.tensor2d(rot, [dh, dh])];
}
