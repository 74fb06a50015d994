// The Policy interface: token prompts in, sampled completions with per-token behaviour
// logprobs out. TransformerPolicy (via its GenerationEngine) implements it; the adapters
// (AgentPrompt, RemotePolicy) build on it. Type-only file.

import type { Completion, GenerationRequest } from './generation.js';
import type { SamplingOptions } from './sampling.js';

export interface Policy {
  /** Completes every request; `sampling` fills fields a request leaves unset. Results in request order. */
  generate(requests: readonly GenerationRequest[], sampling?: SamplingOptions, options?: { signal?: AbortSignal }): Promise<Completion[]>;
}
