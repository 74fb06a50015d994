// The generation contract: token prompts in, sampled completions with per-token behaviour
// logprobs out. GenerationEngine (over a TransformerLM) implements `Policy`; RemotePolicy and
// the chat adapters build on it. Type-only file: implementations import it, never the reverse.

import type { SamplingOptions } from './sampling.js';

/** One prompt to complete, with its own sampling settings (they override the engine's). */
export interface GenerationRequest extends SamplingOptions {
  /** Prompt token ids. */
  readonly promptIds: ArrayLike<number>;
  /**
   * Constrained decoding (Hugging Face's `prefix_allowed_tokens_fn`): called before each token
   * with the tokens generated so far (read it, do not keep it), returns the ids the next token
   * may be, or undefined for any. The draw is restricted to them as top-k restricts it; the
   * behaviour logprob stays the full-vocabulary one (see sampling.ts), so a trainer scoring the
   * completion needs no mask. An empty list, an id outside the vocabulary, a repeated id or a
   * throw rejects this request alone.
   */
  readonly allowedTokens?: (generated: readonly number[]) => readonly number[] | undefined;
}

/** A finished completion: plain data, behaviour logprobs per generated token. */
export interface Completion {
  readonly promptIds: Int32Array;
  readonly tokenIds: Int32Array;
  /** log pi(token) under the sampling temperature, one per token (see sampling.ts). */
  readonly logprobs: Float32Array;
  /** Decoded completion (without the stop string) when the engine has a decoder. */
  readonly text?: string;
  /** `stop`: a stop string or stop token ended it; `length`: maxNewTokens or the context limit. */
  readonly finishReason: 'stop' | 'length';
  /** The stop string or stop token id that ended it. */
  readonly stopReason?: string | number;
}

/** Turns token ids back into text (a tokenizer). Needed for stop strings and `text`. */
export interface TokenDecoder {
  decode(ids: readonly number[]): string;
}

export interface Policy {
  /** Completes every request; `sampling` fills fields a request leaves unset. Results in request order. */
  generate(requests: readonly GenerationRequest[], sampling?: SamplingOptions, options?: { signal?: AbortSignal }): Promise<Completion[]>;
}
