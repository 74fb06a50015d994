// Tasks and reward checkers: the public surface of src/tasks.

export type { BrowserTask, CheckContext, Checker, EpisodeSetup, ExpertScript, ExpertStep, WebTask } from './types.js';
export { all, answerExact, answerExcludes, answerIncludes, answerNumber, any, checkerSpec, custom, normalizeAnswer, normalizeUrl, numbersIn, pageContent, runCheck, stateMatch, urlMatch } from './checkers.js';
export type { CheckerSpec, PageContentOptions, UrlMatchOptions } from './checkers.js';
export { findAll, findElement, pageText, parseObservation } from './observation.js';
export type { ElementQuery, ObservationLine } from './observation.js';
export { ExpertError, act, elementId, hasElement, runExpert, scoreEpisode, seek, textAfter } from './expert.js';
export type { EpisodeEnd, ExpertEpisode, RunExpertOptions } from './expert.js';
