// The reward checkers, as the package root's `checkers` namespace (`checkers.answerIncludes`,
// `checkers.any`, ...): short names such as `any`, `all` and `custom` stay out of the root's scope.

export { all, answerExact, answerExcludes, answerIncludes, answerNumber, any, custom, normalizeAnswer, normalizeUrl, pageContent, runCheck, stateMatch, urlMatch } from './checkers.js';
export type { PageContentOptions, UrlMatchOptions } from './checkers.js';
