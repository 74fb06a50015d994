// WebArena / WebArena-Lite compatibility: configs, evaluators with WebArena's semantics, and
// configs as WebTasks that run in WebEnvironment and score through the rollout engine.

export {
  EVAL_TYPES, WEBARENA_PLACEHOLDERS, WEBARENA_SITES, WebArenaConfigError, loadWebArenaConfigs, parseWebArenaConfig, substituteConfig, substitutePlaceholders,
} from './config.js';
export type {
  EvalConfig, EvalType, InvalidWebArenaConfig, LoadWebArenaOptions, ProgramHtmlCheck, ReferenceAnswers, RequiredContents, WebArenaConfig, WebArenaSite, WebArenaSiteUrls,
} from './config.js';
export { chatJudge, webArenaChecker, webArenaProgramHtml, webArenaStringMatch, webArenaUrlMatch } from './evaluators.js';
export { cleanAnswer, cleanUrl, compareInequality, exactMatch, mustExclude, mustInclude, pythonStr, strToInt, urlMatches, WEBARENA_SEMANTICS } from './semantics.js';
export type { WebArenaSemantics } from './semantics.js';
export { BUILT_IN_HELPERS, parseHelperCall, redditGetPostUrl } from './helpers.js';
export { EMPTY_PUNKT_PARAMETERS, loadPunktParameters, sentTokenize, treebankWordTokenize, wordTokenize } from './nltk-tokenize.js';
export type { PunktParameters } from './nltk-tokenize.js';
export type { WebArenaEvalOptions, WebArenaHelper, WebArenaJudge } from './evaluators.js';
export { bundledWebArenaUrls, loadWebArenaTasks, webArenaTask } from './tasks.js';
export type { WebArenaTaskOptions } from './tasks.js';
export { webArenaConfigOf } from './export.js';
