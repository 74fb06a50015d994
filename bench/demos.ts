// Benchmark of demonstration collection (src/rl/demonstrations.ts), in the style of bench/suites.ts:
// collects the experts' demonstrations for the whole bundled train split (`perTemplate` instances
// of every seen template) through real Chromium, 4 episodes at a time over one BrowserPool, and
// reports how many were kept, the failures, wall time, demonstrations per second and turns per
// demonstration. Writes bench/results/demos.json from this run (and the demonstrations as JSONL
// with --out). Usage: npx tsx bench/demos.ts [perTemplate=10] [--concurrency 4] [--out demos.jsonl]

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BrowserPool } from '../src/env/browser-pool.js';
import { ensureChromium } from '../src/env/chromium.js';
import { WebEnvironment } from '../src/env/web-environment.js';
import { collectDemonstrations } from '../src/rl/demonstrations.js';
import { saveDemonstrations } from '../src/data/demonstration.js';
import { startSuiteServer } from '../src/suites/server.js';
import { BundledSuite } from '../src/suites/suite.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'per-template': { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    out: { type: 'string' },
  },
});
const PER_TEMPLATE = Number(args['per-template'] ?? positionals[0] ?? '10');
const CONCURRENCY = Number(args.concurrency);
if (!Number.isInteger(PER_TEMPLATE) || PER_TEMPLATE < 1) throw new Error(`perTemplate must be an integer >= 1, got ${String(args['per-template'] ?? positionals[0])}`);
if (!Number.isInteger(CONCURRENCY) || CONCURRENCY < 1) throw new Error(`--concurrency must be an integer >= 1, got ${args.concurrency}`);

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

async function main(): Promise<void> {
  const executablePath = await ensureChromium({ log: (l) => console.error(l) });
  await using server = await startSuiteServer();
  const suite = new BundledSuite(server);
  const tasks = suite.tasks({ split: 'train', perTemplate: PER_TEMPLATE });
  const templates = suite.templatesOf('train').length;
  console.error(`collecting ${tasks.length} train tasks (${templates} templates x up to ${PER_TEMPLATE}) with ${CONCURRENCY} environments`);
  await using pool = new BrowserPool({ executablePath });
  let done = 0;
  const started = performance.now();
  const { demonstrations, failed } = await collectDemonstrations(tasks, {
    concurrency: CONCURRENCY,
    makeEnvironment: () => new WebEnvironment({ pool, maxTurns: 30 }),
    onDemonstration: () => {
      if (++done % 25 === 0) console.error(`  ${done} demonstrations, ${((performance.now() - started) / 1000).toFixed(1)} s`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const turns = demonstrations.map((d) => d.turns.length);
  const totalTurns = turns.reduce((a, b) => a + b, 0);
  const obsChars = demonstrations.flatMap((d) => d.turns.map((t) => t.observation.text.length));
  const bySite: Record<string, number> = {};
  for (const d of demonstrations) bySite[d.site] = (bySite[d.site] ?? 0) + 1;
  if (args.out) await saveDemonstrations(args.out, demonstrations);

  const out = {
    benchmark: 'demos',
    description: 'collectDemonstrations over the bundled train split (perTemplate instances of every seen template) through real Chromium: one BrowserPool (1 browser), `concurrency` WebEnvironments; demonstrations = expert episodes scoring 1; seconds = wall time of collectDemonstrations (browser launch included, suite server start excluded)',
    date: new Date().toISOString(),
    node: process.version,
    per_template: PER_TEMPLATE,
    concurrency: CONCURRENCY,
    templates,
    tasks: tasks.length,
    demonstrations: demonstrations.length,
    failures: failed.length,
    seconds: Number(seconds.toFixed(2)),
    demos_per_second: Number((demonstrations.length / seconds).toFixed(3)),
    turns_per_demo_mean: Number((totalTurns / Math.max(1, demonstrations.length)).toFixed(2)),
    turns_per_demo_p50: quantile(turns, 0.5),
    turns_per_demo_max: turns.length ? Math.max(...turns) : 0,
    turns_per_second: Number((totalTurns / seconds).toFixed(2)),
    obs_chars_p50: quantile(obsChars, 0.5),
    by_site: bySite,
    failed,
  };
  const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'demos.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`demonstrations: ${out.demonstrations}/${out.tasks} (${out.failures} failed) in ${out.seconds} s = ${out.demos_per_second} demos/s, ${out.turns_per_second} turns/s`);
  console.log(`turns per demo: mean ${out.turns_per_demo_mean}, p50 ${out.turns_per_demo_p50}, max ${out.turns_per_demo_max}; by site ${JSON.stringify(bySite)}`);
  for (const f of failed) console.log(`  FAILED ${f.taskId}: ${f.reason}`);
  if (args.out) console.log(`wrote ${args.out}`);
  console.log(`wrote ${file}`);
}

await main();
