// The environment: the browser-free Environment contract (observations, actions, the episode's
// score), WebEnvironment over real Chromium, the browser pool and finder, and the action grammars.
// The `webagent-r1/env` subpath; the package root exports the common part of it.

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
} from './types.js';
export { SESSION_LOST_HEADER } from './types.js';
export { WebEnvironment } from './web-environment.js';
export { WEB_ENVIRONMENT_DEFAULTS, type WebEnvironmentOptions } from './web-environment-options.js';
export { BrowserPool, BROWSER_POOL_DEFAULTS, type BrowserPoolOptions, type BrowserPoolStats, type ContextLease, type NewContextOptions } from './browser-pool.js';
export { findChromium, ensureChromium, chromiumInstallHint, CHROMIUM_FLAGS, type FindChromiumOptions, type EnsureChromiumOptions } from './chromium.js';
export { parseAction, formatAction, ActionFormatError, ACTION_GRAMMARS, R1_ACTIONS, WAIT_DEFAULT_MS, WAIT_MAX_MS, MAX_ACTION_CHARS, type ActionGrammar } from './action-grammar.js';
export { describeGrammar, type TargetStyle } from './grammar-help.js';
export { renderObservationText, formatNode, DEFAULT_MAX_OBSERVATION_CHARS, type ObservationBudget, type RenderedText, type NodeFormat } from './observation-text.js';
export { resolveTarget, nameTargetOf, withNameTarget, type TargetResolution } from './targets.js';
