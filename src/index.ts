// webagent-r1: train web agents with end-to-end multi-turn RL (WebAgent-R1, arXiv 2505.16421).
// Explicit named re-exports only; the `webagent-r1/testing` subpath holds mocks and demo sites.

export {
  WebAgentError,
  isWebAgentError,
  OptionsError,
  BrowserNotFoundError,
  BrowserLaunchError,
  EpisodeAbortedError,
  BrowserCrashedError,
  PageCrashedError,
  PageUnresponsiveError,
  PageUnstableError,
  SiteUnavailableError,
  BrowserOperationError,
  StartPageError,
  EnvironmentStateError,
  TaskError,
} from './errors.js';

export type {
  Action,
  ActionType,
  ElementTarget,
  ElementState,
  EnvTask,
  CheckResult,
  Environment,
  Observation,
  ObservationNode,
  ResetOptions,
  StepInfo,
  StepResult,
} from './env/types.js';
export { SESSION_LOST_HEADER } from './env/types.js';
export { WebEnvironment } from './env/web-environment.js';
export { WEB_ENVIRONMENT_DEFAULTS, type WebEnvironmentOptions } from './env/web-environment-options.js';
export { BrowserPool, BROWSER_POOL_DEFAULTS, type BrowserPoolOptions, type BrowserPoolStats, type ContextLease, type NewContextOptions } from './env/browser-pool.js';
export { findChromium, ensureChromium, chromiumInstallHint, CHROMIUM_FLAGS, type FindChromiumOptions, type EnsureChromiumOptions } from './env/chromium.js';
export { parseAction, formatAction, ActionFormatError, ACTION_GRAMMARS, R1_ACTIONS, WAIT_DEFAULT_MS, WAIT_MAX_MS, MAX_ACTION_CHARS, type ActionGrammar } from './env/action-grammar.js';
export { describeGrammar, type TargetStyle } from './env/grammar-help.js';
export { renderObservationText, formatNode, DEFAULT_MAX_OBSERVATION_CHARS, type ObservationBudget, type RenderedText, type NodeFormat } from './env/observation-text.js';
export { resolveTarget, nameTargetOf, withNameTarget, type TargetResolution } from './env/targets.js';

export * from './tasks/index.js';
export * from './suites/index.js';
export * from './model/index.js';
export * from './agent/index.js';
export * from './data/index.js';
export * from './rl/index.js';
export * from './webarena/index.js';
export * from './miniwob/index.js';
