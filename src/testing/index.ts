// `webagent-r1/testing`: test doubles for code built on this package: a browser-free scripted
// Environment for unit tests in milliseconds. For end-to-end runs on a real local shop with
// tasks, checkers and scripted experts, use the bundled suites (`startSuiteServer`,
// `BundledSuite` from the main entry point).

export {
  ScriptedEnvironment,
  type ScriptedEnvironmentOptions,
  type ScriptedElement,
  type ScriptedPageSpec,
  type ScriptedSite,
  type ScriptedNavigation,
  type ScriptedFaultContext,
  type ScriptedEpisode,
} from './scripted-environment.js';
export { scriptedShop, SCRIPTED_SHOP_URL, SCRIPTED_SHOP_PRODUCTS, type ShopState } from './scripted-shop.js';
