// Entry of the suite server's own process (started by startSuiteServer): generates the world for
// the seed in argv, serves the five sites, reports their URLs and control key to the parent over
// IPC (never on the command line, which other local users can read), and exits when the parent
// goes away.

import { CONTROL_KEY_ENV, serveSites } from './framework/serve.js';
import type { SiteUrls } from './framework/site.js';
import { BUNDLED_SITES } from './sites.js';
import { bundledVerdict } from './verdict.js';
import { createWorld } from './world.js';

const seed = Number(process.argv[2] ?? '1');
const ports = process.argv[3] ? (JSON.parse(process.argv[3]) as Record<string, number>) : undefined;
// A restarted server keeps its predecessor's control key (the checkers already hold it).
const controlKey = process.env[CONTROL_KEY_ENV];
delete process.env[CONTROL_KEY_ENV];
const world = createWorld(seed);
// The verdict hook reads the URLs once the sites are up (it is only called by requests).
const up: { urls?: SiteUrls } = {};
const served = await serveSites({ world, sites: BUNDLED_SITES, verdict: bundledVerdict(world, () => up.urls!), ...(ports ? { ports } : {}), ...(controlKey ? { controlKey } : {}) });
up.urls = served.urls as SiteUrls;
process.on('disconnect', () => {
  void served.close().finally(() => process.exit(0));
});
process.on('message', (m: unknown) => {
  if (typeof m === 'object' && m !== null && (m as { type?: string }).type === 'close') void served.close().finally(() => process.exit(0));
});
process.send?.({ type: 'ready', urls: served.urls, controlKey: served.controlKey });
