// The model: a causal language model in tfjs (Hugging Face Llama/Qwen2 layout), its config,
// sampling, the GenerationEngine that serves it (KV cache, continuous batching), training
// primitives and AdamW, kernels and backends, tokenizers, safetensors and checkpoints.
// Imports nothing from env/, agent/ or rl/.
export { initBackend, backendInfo, BackendError, type BackendChoice, type BackendInfo, type BackendOptions } from './backend.js';
export { registerWasmTrainingKernels } from './wasm-kernels.js';
export {
  TRANSFORMER_CONFIG_DEFAULTS, resolveTransformerConfig, configFromHuggingFace, configToHuggingFace, countParameters,
  type TransformerConfig,
} from './config.js';
export { TransformerLM, parameterShapes, type TransformerLMOptions, type NamedWeight, type LayerCache } from './transformer.js';
export {
  GenerationEngine, GenerationError,
  type GenerationRequest, type Completion, type TokenDecoder, type GenerationEngineOptions, type GenerationStats,
} from './generation.js';
export { SAMPLING_DEFAULTS, resolveSampling, sampleToken, type SamplingOptions, type ResolvedSampling } from './sampling.js';
export {
  packSequences, tokenLogprobs, nextTokenLoss, negLogLikelihoodSum, lossWeight, scoreSequences,
  type ScoredSequence, type TokenBatch,
} from './training.js';
export { AdamW, ADAMW_DEFAULTS, type AdamWOptions, type AdamWState, type OptimizerStepResult } from './adamw.js';
export { DataParallelTrainer, DataParallelError, type DataParallelOptions } from './data-parallel.js';
export type { Policy } from './types.js';
export * from './tokenizer.js';
export { ByteLevelBpe, trainBpeTokenizer, BPE_PRETOKENIZE_PATTERN, type BpeTrainerOptions } from './bpe-trainer.js';
export {
  readSafetensorsHeader, readSafetensors, writeSafetensors, SafetensorsError,
  type SafetensorsEntry, type SafetensorsHeader, type SafetensorsTensor,
} from './safetensors.js';
export {
  saveCheckpoint, loadCheckpoint, CheckpointError, CheckpointIntegrityError, MANIFEST_FILE, MANIFEST_VERSION,
  type SaveCheckpointOptions, type LoadCheckpointOptions, type LoadedCheckpoint, type SavablePolicy, type CheckpointManifest,
} from './checkpoint.js';
