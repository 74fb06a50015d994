// Starts the five bundled sites (shop, admin, forum, code, map) on 127.0.0.1 in their own process
// and keeps them up until Ctrl-C, printing their URLs and a few tasks of each site to try by hand.
// Usage: npm run serve:suites [-- --seed 1]

import { parseArgs } from 'node:util';
import { BundledSuite, SITE_NAMES, startSuiteServer } from '../src/index.js';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' } } });
const server = await startSuiteServer({ seed: Number(values.seed) });
const suite = new BundledSuite(server);
console.log(`bundled sites (seed ${server.seed}, server pid ${server.pid}):`);
for (const site of SITE_NAMES) console.log(`  ${site.padEnd(6)} ${server.urls[site]}/`);
for (const split of ['train', 'test', 'test-unseen'] as const) console.log(`${split}: ${suite.tasks({ split }).length} task instances`);
console.log('\na few test tasks:');
for (const site of SITE_NAMES) {
  for (const t of suite.tasks({ split: 'test', sites: [site], perTemplate: 1 }).slice(0, 2)) console.log(`  [${t.id}] ${t.intent}\n      start: ${t.startUrl}`);
}
console.log('\nEach browser gets its own fresh site state on its first visit. Ctrl-C to stop.');
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// The server process is unref'ed so libraries never hang on it; keep this script alive explicitly.
setInterval(() => {}, 1 << 30);
