// A plain-JS float64 reference of the decoder LM (Hugging Face Llama/Qwen2 semantics: RMSNorm,
// RoPE in the rotate_half convention, grouped-query attention, SwiGLU, optional q/k/v bias),
// written straight from the math in scratch/policy-helper-common.md, one loop per formula, on
// weights in HF layout (linears [out, in]) as TransformerLM.exportWeights() returns them.
// Slow and obvious on purpose: the tests compare the tfjs model against it.

import type { TransformerConfig } from '../../src/model/config.js';

/** A weight in HF layout, as exportWeights() returns it. */
export interface RefWeight {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

type Vec = Float64Array;

function get(weights: ReadonlyMap<string, RefWeight>, name: string): RefWeight {
  const w = weights.get(name);
  if (w === undefined) throw new Error(`reference: weight ${name} missing`);
  return w;
}

/** y = W x (+ b) with W [out, in] in HF layout. */
function linear(weights: ReadonlyMap<string, RefWeight>, name: string, x: Vec): Vec {
  const w = get(weights, `${name}.weight`);
  const [out, inp] = [w.shape[0]!, w.shape[1]!];
  if (inp !== x.length) throw new Error(`reference: ${name} expects ${inp} inputs, got ${x.length}`);
  const bias = weights.get(`${name}.bias`);
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = bias ? bias.data[o]! : 0;
    for (let i = 0; i < inp; i++) s += w.data[o * inp + i]! * x[i]!;
    y[o] = s;
  }
  return y;
}

function rmsNorm(x: Vec, w: RefWeight, eps: number): Vec {
  let ms = 0;
  for (const v of x) ms += v * v;
  ms /= x.length;
  const r = 1 / Math.sqrt(ms + eps);
  return x.map((v, i) => v * r * w.data[i]!);
}

/** RoPE on one head vector at absolute position p (HF: frequencies duplicated, rotate_half). */
function rope(x: Vec, p: number, theta: number): Vec {
  const dh = x.length;
  const half = dh / 2;
  const out = new Float64Array(dh);
  for (let j = 0; j < dh; j++) {
    const angle = p * (1 / Math.pow(theta, (2 * (j % half)) / dh));
    const rot = j < half ? -x[j + half]! : x[j - half]!;
    out[j] = x[j]! * Math.cos(angle) + rot * Math.sin(angle);
  }
  return out;
}

const silu = (z: number): number => z / (1 + Math.exp(-z));

/** Logits [T][V] of one sequence (positions 0..T-1), in float64. */
export function referenceLogits(config: TransformerConfig, weights: ReadonlyMap<string, RefWeight>, ids: readonly number[]): Float64Array[] {
  const d = config.hidden_size;
  const H = config.num_attention_heads;
  const Hkv = config.num_key_value_heads;
  const dh = d / H;
  const group = H / Hkv;
  const eps = config.rms_norm_eps;
  const T = ids.length;
  const embed = get(weights, 'model.embed_tokens.weight');
  let xs: Vec[] = ids.map((id) => Float64Array.from({ length: d }, (_, c) => embed.data[id * d + c]!));
  for (let l = 0; l < config.num_hidden_layers; l++) {
    const p = `model.layers.${l}`;
    const qs: Vec[][] = [];
    const ks: Vec[][] = [];
    const vs: Vec[][] = [];
    for (let t = 0; t < T; t++) {
      const h = rmsNorm(xs[t]!, get(weights, `${p}.input_layernorm.weight`), eps);
      const q = linear(weights, `${p}.self_attn.q_proj`, h);
      const k = linear(weights, `${p}.self_attn.k_proj`, h);
      const v = linear(weights, `${p}.self_attn.v_proj`, h);
      qs.push(Array.from({ length: H }, (_, hh) => rope(q.slice(hh * dh, (hh + 1) * dh), t, config.rope_theta)));
      ks.push(Array.from({ length: Hkv }, (_, hh) => rope(k.slice(hh * dh, (hh + 1) * dh), t, config.rope_theta)));
      vs.push(Array.from({ length: Hkv }, (_, hh) => v.slice(hh * dh, (hh + 1) * dh)));
    }
    const next: Vec[] = [];
    for (let t = 0; t < T; t++) {
      const att = new Float64Array(H * dh);
      for (let hh = 0; hh < H; hh++) {
        const kvh = Math.floor(hh / group);
        const scores: number[] = [];
        for (let j = 0; j <= t; j++) {
          let s = 0;
          for (let c = 0; c < dh; c++) s += qs[t]![hh]![c]! * ks[j]![kvh]![c]!;
          scores.push(s / Math.sqrt(dh));
        }
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const z = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= t; j++) {
          for (let c = 0; c < dh; c++) att[hh * dh + c]! += (e[j]! / z) * vs[j]![kvh]![c]!;
        }
      }
      const o = linear(weights, `${p}.self_attn.o_proj`, att);
      const x1 = xs[t]!.map((v, i) => v + o[i]!);
      const h2 = rmsNorm(x1, get(weights, `${p}.post_attention_layernorm.weight`), eps);
      const g = linear(weights, `${p}.mlp.gate_proj`, h2);
      const u = linear(weights, `${p}.mlp.up_proj`, h2);
      const down = linear(weights, `${p}.mlp.down_proj`, g.map((z, i) => silu(z) * u[i]!));
      next.push(x1.map((v, i) => v + down[i]!));
    }
    xs = next;
  }
  const head = config.tie_word_embeddings ? embed : get(weights, 'lm_head.weight');
  const V = config.vocab_size;
  return xs.map((x) => {
    const h = rmsNorm(x, get(weights, 'model.norm.weight'), eps);
    const logits = new Float64Array(V);
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += head.data[v * d + c]! * h[c]!;
      logits[v] = s;
    }
    return logits;
  });
}

/** log softmax(row / temperature)[token], float64. */
export function logSoftmaxAt(row: ArrayLike<number>, token: number, temperature = 1): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]! / temperature);
  let z = 0;
  for (let i = 0; i < row.length; i++) z += Math.exp(row[i]! / temperature - max);
  return row[token]! / temperature - max - Math.log(z);
}

/** Index of the largest entry (first on ties). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** max |a - b| / max(1, |b|) over two equal-length arrays (b the reference). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}
