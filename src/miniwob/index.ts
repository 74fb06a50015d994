// MiniWoB++ environment: the public surface of src/miniwob.

export { MiniWoBSuite, MINIWOB_DEFAULTS, MINIWOB_STARTER_TASKS } from './suite.js';
export type { MiniWoBSuiteOptions, MiniWoBTaskOptions } from './suite.js';
export { checkMiniWoB, isMiniWoBDone, readMiniWoBReward, startMiniWoBEpisode } from './protocol.js';
export type { MiniWoBReward } from './protocol.js';
export { serveStatic } from './static-server.js';
export type { StaticServer } from './static-server.js';
