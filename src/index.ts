// webagent-r1: train web agents with end-to-end multi-turn RL (WebAgent-R1, arXiv 2505.16421).
//
// The package root is the user's path, named explicitly: the environment, tasks and checkers, the
// bundled websites, agents and chat models, the trainers and `trainWebAgent`, evaluation, errors.
// Everything else is on a subpath: `webagent-r1/model` (the language model, its engine,
// tokenizers, checkpoints, training primitives), `/agent`, `/env`, `/tasks`, `/data`, `/rl`
// (each module whole), `/suites`, `/webarena`, `/miniwob`, and `/testing` (test doubles).
// test/api.test.ts pins this list: an export added or removed fails it until the snapshot is updated.

export {
  WebAgentError, isWebAgentError, OptionsError, TaskError,
  BrowserNotFoundError, BrowserLaunchError, BrowserCrashedError, BrowserOperationError,
  PageCrashedError, PageUnresponsiveError, PageUnstableError, StartPageError, SiteUnavailableError,
  EpisodeAbortedError, EnvironmentStateError,
} from './errors.js';

// The environment.
export type {
  Action, ActionType, ElementTarget, Observation, ObservationNode, StepResult, StepInfo, EnvTask, Environment, ResetOptions, CheckResult,
} from './env/types.js';
export { WebEnvironment } from './env/web-environment.js';
export type { WebEnvironmentOptions } from './env/web-environment-options.js';
export { BrowserPool, type BrowserPoolOptions } from './env/browser-pool.js';
export { ensureChromium, findChromium } from './env/chromium.js';
export { parseAction, formatAction, type ActionGrammar } from './env/action-grammar.js';

// Tasks, checkers and experts.
export type { WebTask, BrowserTask, Checker, CheckContext, ExpertScript, ExpertStep, EpisodeSetup } from './tasks/types.js';
export * as checkers from './tasks/checkers-namespace.js';
export { act, textAfter, elementId, hasElement, seek, runExpert, scoreEpisode, ExpertError, type ExpertEpisode } from './tasks/expert.js';

// The bundled websites.
export { startSuiteServer, type SuiteServer, type SuiteServerOptions } from './suites/server.js';
export { BundledSuite } from './suites/suite.js';
export { SITE_NAMES } from './suites/framework/site.js';

// Agents and chat models.
export { Agent, type AgentOptions, type AgentStep, type AgentSettings, type FromPretrainedOptions } from './agent/agent.js';
export { AgentPrompt, type AgentPromptOptions, type AgentState } from './agent/agent-prompt.js';
export { LocalChatPolicy, type ChatPolicy, type LocalChatPolicyOptions } from './agent/chat.js';
export { ChatTemplate, type ChatMessage } from './agent/chat-template.js';
export { RemotePolicy, RemotePolicyError, type RemotePolicyOptions } from './agent/remote.js';
export { servePolicy, type ServePolicyOptions, type PolicyServer } from './agent/serve.js';
export { createSmallPolicy, STARTER_TEMPLATES, type SmallPolicy, type SmallPolicySettings } from './agent/small-policy.js';

// Training and evaluation.
export { trainWebAgent, type TrainWebAgentOptions, type TrainWebAgentResult, type TrainWebAgentEvent } from './rl/train-web-agent.js';
export { BehaviorCloning, linearDecaySchedule, demonstrationSamples, type BehaviorCloningOptions, type BehaviorCloningResult } from './rl/behavior-cloning.js';
export { MultiTurnGRPO, type IterationMetrics } from './rl/grpo.js';
export type { MultiTurnGRPOOptions } from './rl/grpo-options.js';
export { shuffledCycle, learnabilitySampling, noveltySampling, type TaskSampler } from './rl/task-sampler.js';
export { supervisedAnchor, type LossTerm } from './rl/loss-terms.js';
export { evaluate, type EvaluateOptions, type EvaluationReport } from './rl/evaluate.js';
export { runRollouts, RolloutError, type RolloutOptions } from './rl/rollout.js';
export { collectDemonstrations } from './rl/demonstrations.js';
export { renameEntities } from './rl/augment.js';
export { attachProgress, progressBar } from './rl/progress.js';
export { writeRunReport } from './report/run-report.js';

// Data: trajectories, demonstrations, the rollout buffer.
export { saveDemonstrations, loadDemonstrations, type Demonstration, type DemonstrationTurn } from './data/demonstration.js';
export type { Trajectory, Turn } from './data/trajectory.js';
export { RolloutBuffer } from './data/rollout-buffer.js';
export { saveJsonl, loadJsonl, appendJsonl } from './data/jsonl.js';

// The model, for loading, saving and the backend (the rest is `webagent-r1/model`).
export { TransformerLM } from './model/transformer.js';
export { GenerationEngine } from './model/generation.js';
export { initBackend } from './model/backend.js';
export { saveCheckpoint, loadCheckpoint } from './model/checkpoint.js';
export { HfTokenizer } from './model/tokenizer.js';
