// The RL module: the rollout engine and the M-GRPO loss (trainers build on these).
export { runRollouts, runEpisode, RolloutError, type EpisodeJob, type RolloutOptions } from './rollout.js';
export {
  grpoTokenLoss, grpoTokenObjective, grpoTokenStats, tokenArrays, GRPO_LOSS_DEFAULTS,
  type GrpoObjective, type GrpoLossOptions, type GrpoTokenInputs, type GrpoStatsInputs, type GrpoTokenStats, type TokenSample, type TokenArrays,
} from './grpo-loss.js';
export {
  BehaviorCloning, BEHAVIOR_CLONING_DEFAULTS, demonstrationSamples, demonstrationReply, linearDecaySchedule,
  type BehaviorCloningDefaults, type BehaviorCloningOptions, type BehaviorCloningEvents, type BehaviorCloningResult,
} from './behavior-cloning.js';
export { supervisedAnchor, type LossTerm, type LossTermContext } from './loss-terms.js';
export {
  MultiTurnGRPO, MULTI_TURN_GRPO_DEFAULTS,
  type MultiTurnGRPOOptions, type MultiTurnGRPOEvents, type IterationMetrics,
} from './grpo.js';
export {
  intentWords, learnability, learnabilitySampling, novelty, noveltySampling, shuffledCycle, taskBucket,
  type GrpoProgress, type LearnabilityState, type NoveltyState, type TaskDraw, type TaskSampler,
} from './task-sampler.js';
export { trainWebAgent, type TrainWebAgentOptions, type TrainWebAgentResult, type TrainWebAgentEvent, type TrainWebAgentStage, type TrainWebAgentBc, type TrainWebAgentGrpo } from './train-web-agent.js';
export { estimatePassAtK, evaluate, type EvaluateOptions, type EvaluationReport, type SuccessRate } from './evaluate.js';
export { attachProgress, progressBar, type ProgressOptions, type ProgressTotal } from './progress.js';
export { collectDemonstrations, type CollectDemonstrationsOptions, type CollectDemonstrationsResult } from './demonstrations.js';
export { renameEntities, copiedNames, type RenameOptions } from './augment.js';
