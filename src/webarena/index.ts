// WebArena / WebArena-Lite compatibility: configs, evaluators with WebArena's semantics, and
// configs as WebTasks that run in WebEnvironment and score through the rollout engine.

export {
  EVAL_TYPES, WEBARENA_PLACEHOLDERS, WEBARENA_SITES, WebArenaConfigError, loadWebArenaConfigs, parseWebArenaConfig, substitutePlaceholders,
} from './config.js';
export type {
  EvalConfig, EvalType, InvalidWebArenaConfig, LoadWebArenaOptions, ProgramHtmlCheck, ReferenceAnswers, RequiredContents, WebArenaConfig, WebArenaSite, WebArenaSiteUrls,
} from './config.js';
export { chatJudge, cleanAnswer, mustInclude, webArenaChecker, webArenaProgramHtml, webArenaStringMatch, webArenaUrlMatch } from './evaluators.js';
export type { WebArenaEvalOptions, WebArenaHelper, WebArenaJudge } from './evaluators.js';
export { bundledWebArenaUrls, loadWebArenaTasks, webArenaTask } from './tasks.js';
export type { WebArenaTaskOptions } from './tasks.js';
export { webArenaConfigOf } from './export.js';
