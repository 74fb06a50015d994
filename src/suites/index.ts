// The bundled task suites: five local websites, their task templates, and the server.

export { SITE_NAMES } from './framework/site.js';
export type { RequestContext, Route, RouteResult, SiteDefinition, SiteName, SiteUrls } from './framework/site.js';
export { serveSites, SessionStore } from './framework/serve.js';
export { documentHtml, esc, money, pageParam, pager, paginate, withQuery } from './framework/html.js';
export { startSuiteServer, SuiteServerError } from './server.js';
export type { SiteMetricsReport, SuiteServer, SuiteServerOptions } from './server.js';
export { BundledSuite } from './suite.js';
export type { SuiteTaskQuery } from './suite.js';
export { SPLITS } from './template.js';
export type { Split, TaskTemplate, TemplateContext, TemplateInstance } from './template.js';
export { BUNDLED_SITES, BUNDLED_TEMPLATES } from './sites.js';
export { createWorld } from './world.js';
export type { World } from './world.js';
export { Rng, entitySplit, hashString, rngFor, slugify } from './words.js';
