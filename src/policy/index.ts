// The Policy module: backends, the tfjs TransformerPolicy (HF Llama/Qwen2), sampling with a KV
// cache and continuous batching, and the scoring/training primitives.
export { initBackend, backendInfo, BackendError, type BackendChoice, type BackendInfo, type BackendOptions } from './backend.js';
export { registerWasmTrainingKernels } from './wasm-kernels.js';
export {
  TRANSFORMER_CONFIG_DEFAULTS, resolveTransformerConfig, configFromHuggingFace, configToHuggingFace, countParameters,
  type TransformerConfig,
} from './config.js';
export { TransformerPolicy, parameterShapes, type TransformerPolicyOptions, type NamedWeight, type LayerCache } from './transformer.js';
export {
  GenerationEngine, GenerationError,
  type GenerationRequest, type Completion, type TokenDecoder, type GenerationEngineOptions, type GenerationStats,
} from './generation.js';
export { SAMPLING_DEFAULTS, resolveSampling, sampleToken, type SamplingOptions, type ResolvedSampling } from './sampling.js';
export {
  packSequences, tokenLogprobs, nextTokenLoss, negLogLikelihoodSum, lossWeight, scoreSequences, AdamW, ADAMW_DEFAULTS,
  type ScoredSequence, type TokenBatch, type AdamWOptions, type AdamWState, type OptimizerStepResult,
} from './training.js';
export { DataParallelTrainer, DataParallelError, type DataParallelOptions } from './data-parallel.js';
export type { Policy } from './types.js';
export * from './tokenizer.js';
export {
  readSafetensorsHeader, readSafetensors, writeSafetensors, SafetensorsError,
  type SafetensorsEntry, type SafetensorsHeader, type SafetensorsTensor,
} from './safetensors.js';
export {
  saveCheckpoint, loadCheckpoint, CheckpointError, CheckpointIntegrityError, MANIFEST_FILE, MANIFEST_VERSION,
  type SaveCheckpointOptions, type LoadCheckpointOptions, type LoadedCheckpoint, type SavablePolicy, type CheckpointManifest,
} from './checkpoint.js';
export {
  ChatTemplate, ChatTemplateError, LocalChatPolicy, CHATML_TEMPLATE, PLAIN_TEMPLATE, END_OF_TURN_TOKENS,
  type ChatRole, type ChatMessage, type ChatRequest, type ChatReply, type ChatPolicy, type ChatTemplateOptions, type LocalChatPolicyOptions,
} from './chat.js';
export {
  AgentPrompt, PromptBudgetError, COMPRESSED_OBSERVATION,
  type AgentPromptOptions, type AgentState, type AgentHistoryTurn, type PromptObservation, type PromptTemplate,
  type BuiltPrompt, type EncodedTurn, type ParsedReply,
} from './agent-prompt.js';
export {
  QuotedValueConstraint, ActionCallConstraint, copyConstraint, actionConstraint, textPieces, COPIED_ARGUMENT_ACTIONS,
  type ReplyConstraint, type QuotedValueSlot, type QuotedValueConstraintOptions, type ActionCallConstraintOptions, type ActionElement,
} from './constraint.js';
export { Agent, type AgentOptions, type AgentStep, type FromPretrainedOptions } from './agent.js';
export { RemotePolicy, RemotePolicyError, REMOTE_POLICY_DEFAULTS, type RemotePolicyOptions, type RemoteRetryInfo } from './remote.js';
export { servePolicy, SERVE_POLICY_DEFAULTS, type ServePolicyOptions, type PolicyServer } from './serve.js';
