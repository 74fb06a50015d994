// `webagent-r1/testing`: test doubles and demo sites for code built on this package.
// A browser-free scripted Environment for unit tests in milliseconds, and a real local demo
// shop (HTTP on 127.0.0.1) with tasks, checkers and scripted experts for end-to-end runs.

export {
  ScriptedEnvironment,
  scriptedShop,
  SCRIPTED_SHOP_URL,
  SCRIPTED_SHOP_PRODUCTS,
  type ScriptedEnvironmentOptions,
  type ScriptedElement,
  type ScriptedPageSpec,
  type ScriptedSite,
  type ScriptedNavigation,
  type ScriptedFaultContext,
  type ScriptedEpisode,
  type ShopState,
} from './scripted-environment.js';
export {
  startDemoSite,
  demoTasks,
  readDemoState,
  generateProducts,
  searchProducts,
  formatPrice,
  DEMO_ADDRESS,
  type DemoSite,
  type DemoSiteOptions,
  type DemoTask,
  type DemoProduct,
  type DemoCartLine,
  type DemoOrder,
  type DemoState,
  type DemoFinalState,
} from './demo-site.js';
