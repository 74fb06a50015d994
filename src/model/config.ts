// TransformerConfig: the decoder-only LM's shape, with Hugging Face Llama/Qwen2 `config.json`
// field names (snake_case on purpose: a config.json loads and saves without renaming).

import { OptionsError } from '../errors.js';

/** The fields of a Hugging Face Llama / Qwen2 `config.json` this model reads and writes. */
export interface TransformerConfig {
  readonly vocab_size: number;
  readonly hidden_size: number;
  readonly num_hidden_layers: number;
  readonly num_attention_heads: number;
  /** Grouped-query attention: heads share key/value heads in groups. Equal to heads = plain MHA. */
  readonly num_key_value_heads: number;
  /** SwiGLU width (Llama uses about 8/3 x hidden, rounded). */
  readonly intermediate_size: number;
  readonly rope_theta: number;
  readonly rms_norm_eps: number;
  /** The output head reuses `model.embed_tokens.weight` (no `lm_head.weight`). */
  readonly tie_word_embeddings: boolean;
  readonly max_position_embeddings: number;
  /** Qwen2 has biases on q/k/v projections; Llama has none. */
  readonly attention_bias: boolean;
}

/**
 * Defaults sized for a model trained from scratch here: about 1 M parameters (measured: it
 * learns to copy names from the intent within about 1-2 M tokens). Tied embeddings because the
 * vocabulary is a quarter of the parameters at this size.
 */
export const TRANSFORMER_CONFIG_DEFAULTS: TransformerConfig = Object.freeze({
  vocab_size: 2048,
  hidden_size: 128,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 4,
  intermediate_size: 384,
  rope_theta: 10_000,
  rms_norm_eps: 1e-6,
  tie_word_embeddings: true,
  max_position_embeddings: 2048,
  attention_bias: false,
});

const INTEGER_FIELDS = [
  'vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads',
  'intermediate_size', 'max_position_embeddings',
] as const;

/** Fills defaults and validates; the error names the field and what to change. */
export function resolveTransformerConfig(partial: Partial<TransformerConfig> = {}): TransformerConfig {
  const config: TransformerConfig = {
    ...TRANSFORMER_CONFIG_DEFAULTS,
    // Llama configs omit num_key_value_heads when it equals the head count.
    num_key_value_heads: partial.num_key_value_heads ?? partial.num_attention_heads ?? TRANSFORMER_CONFIG_DEFAULTS.num_key_value_heads,
    ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined && v !== null)),
  };
  for (const field of INTEGER_FIELDS) {
    const value = config[field];
    if (!Number.isInteger(value) || value < 1) throw new OptionsError(`config.${field} must be a positive integer, got ${String(value)}`);
  }
  if (config.hidden_size % config.num_attention_heads !== 0) {
    throw new OptionsError(`config.hidden_size (${config.hidden_size}) must be divisible by num_attention_heads (${config.num_attention_heads})`);
  }
  if (config.num_attention_heads % config.num_key_value_heads !== 0) {
    throw new OptionsError(`config.num_attention_heads (${config.num_attention_heads}) must be a multiple of num_key_value_heads (${config.num_key_value_heads})`);
  }
  if ((config.hidden_size / config.num_attention_heads) % 2 !== 0) {
    throw new OptionsError(`head dim hidden_size / num_attention_heads must be even for RoPE, got ${config.hidden_size / config.num_attention_heads}`);
  }
  if (!(config.rope_theta > 0)) throw new OptionsError(`config.rope_theta must be > 0, got ${String(config.rope_theta)}`);
  if (!(config.rms_norm_eps > 0)) throw new OptionsError(`config.rms_norm_eps must be > 0, got ${String(config.rms_norm_eps)}`);
  if (typeof config.tie_word_embeddings !== 'boolean') throw new OptionsError('config.tie_word_embeddings must be a boolean');
  if (typeof config.attention_bias !== 'boolean') throw new OptionsError('config.attention_bias must be a boolean');
  return Object.freeze(config);
}

/** The architecture a config's weights follow: Qwen2 when q/k/v are biased, else Llama. */
export function architectureOf(config: Pick<TransformerConfig, 'attention_bias'>): 'Qwen2' | 'Llama' {
  return config.attention_bias ? 'Qwen2' : 'Llama';
}

/** `rope_scaling` / `rope_parameters` that mean plain RoPE (transformers' `rope_type: "default"`). */
function plainRope(value: unknown): { readonly theta?: number } | undefined {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const type = v['rope_type'] ?? v['type'] ?? 'default';
  if (type !== 'default') return undefined;
  const extra = Object.keys(v).filter((k) => !['rope_type', 'type', 'rope_theta'].includes(k));
  if (extra.length > 0) return undefined;
  return typeof v['rope_theta'] === 'number' ? { theta: v['rope_theta'] } : {};
}

/**
 * Reads a Hugging Face `config.json` object (model_type `llama` or `qwen2`), by the rules of
 * transformers' modelling code for each architecture:
 * - Qwen2 (`Qwen2Attention`): q/k/v always have biases and o_proj none; Qwen2's config has no
 *   `attention_bias` field, so a stray one is ignored, as transformers ignores it.
 * - Llama (`LlamaAttention`, `LlamaMLP`): `attention_bias: true` puts biases on q, k, v **and**
 *   o_proj, and `mlp_bias: true` on the MLP; this model has neither o_proj nor MLP biases, so
 *   both are refused rather than loaded wrong.
 * - Both: `head_dim` other than hidden_size / num_attention_heads, RoPE scaling other than
 *   `default` (in `rope_scaling` or transformers 5's `rope_parameters`) and sliding-window
 *   attention are refused; unknown fields are ignored.
 */
export function configFromHuggingFace(json: Record<string, unknown>): TransformerConfig {
  const type = json.model_type;
  if (type !== undefined && type !== 'llama' && type !== 'qwen2') {
    throw new OptionsError(`config.json model_type "${String(type)}" is not supported; use a llama or qwen2 checkpoint`);
  }
  const arch = type === 'qwen2' ? 'Qwen2' : 'Llama';
  const refuse = (message: string): never => {
    throw new OptionsError(`${arch} config.json: ${message}`);
  };
  const scaling = plainRope(json.rope_scaling);
  if (!scaling) refuse(`rope_scaling ${JSON.stringify(json.rope_scaling)} is not supported (plain RoPE only); remove it or use a model without it`);
  const parameters = plainRope(json.rope_parameters);
  if (!parameters) refuse(`rope_parameters ${JSON.stringify(json.rope_parameters)} is not supported (plain RoPE, rope_type "default", only)`);
  if (json.use_sliding_window === true) refuse('use_sliding_window is not supported (full causal attention only); set it to false');
  if (json.hidden_act !== undefined && json.hidden_act !== 'silu') refuse(`hidden_act "${String(json.hidden_act)}" is not supported (SwiGLU with silu only)`);
  if (arch === 'Llama' && json.attention_bias === true) {
    refuse("attention_bias true gives Llama biases on q_proj, k_proj, v_proj and o_proj (transformers' LlamaAttention); this model has q/k/v biases only (the Qwen2 layout) and no o_proj bias");
  }
  if (arch === 'Llama' && json.mlp_bias === true) refuse("mlp_bias true (biases on the MLP projections) is not supported; this model's MLP has no biases");
  const pick = <K extends keyof TransformerConfig>(key: K): TransformerConfig[K] | undefined => json[key] as TransformerConfig[K] | undefined;
  const hidden = pick('hidden_size');
  const heads = pick('num_attention_heads');
  const headDim = json.head_dim;
  if (headDim !== undefined && headDim !== null && typeof hidden === 'number' && typeof heads === 'number' && headDim !== hidden / heads) {
    refuse(`head_dim ${String(headDim)} differs from hidden_size / num_attention_heads = ${hidden / heads}; this model's heads are hidden_size / num_attention_heads wide`);
  }
  return resolveTransformerConfig({
    vocab_size: pick('vocab_size'),
    hidden_size: hidden,
    num_hidden_layers: pick('num_hidden_layers'),
    num_attention_heads: heads,
    num_key_value_heads: pick('num_key_value_heads'),
    intermediate_size: pick('intermediate_size'),
    rope_theta: pick('rope_theta') ?? parameters?.theta ?? scaling?.theta,
    rms_norm_eps: pick('rms_norm_eps'),
    tie_word_embeddings: pick('tie_word_embeddings') ?? false,
    max_position_embeddings: pick('max_position_embeddings'),
    attention_bias: arch === 'Qwen2' ? true : (pick('attention_bias') ?? false),
  });
}

/** A `config.json` object Hugging Face transformers loads: Qwen2 when biased, else Llama. */
export function configToHuggingFace(config: TransformerConfig): Record<string, unknown> {
  const qwen = config.attention_bias;
  return {
    architectures: [qwen ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM'],
    model_type: qwen ? 'qwen2' : 'llama',
    hidden_act: 'silu',
    torch_dtype: 'float32',
    ...config,
    head_dim: config.hidden_size / config.num_attention_heads,
  };
}

/** Number of parameters (embeddings counted once when tied). */
export function countParameters(config: TransformerConfig): number {
  const d = config.hidden_size;
  const dh = d / config.num_attention_heads;
  const kv = config.num_key_value_heads * dh;
  const attention = d * d * 2 + d * kv * 2 + (config.attention_bias ? d + 2 * kv : 0);
  const mlp = 3 * d * config.intermediate_size;
  const layer = attention + mlp + 2 * d;
  const head = config.tie_word_embeddings ? 0 : config.vocab_size * d;
  return config.vocab_size * d + config.num_hidden_layers * layer + d + head;
}
