// Benchmark of the bundled suites: per site, the experts' success over sampled test instances
// (test and test-unseen) through real Chromium, observation size in tokens (characters / 4 until
// a default tokenizer exists), server-side milliseconds per page and per fresh session state.
// Writes bench/results/suites.json from this run. Usage: npm run bench:suites [-- --per-site 50]

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BrowserPool } from '../src/env/browser-pool.js';
import { ensureChromium } from '../src/env/chromium.js';
import { WebEnvironment } from '../src/env/web-environment.js';
import { SITE_NAMES, type SiteName } from '../src/suites/framework/site.js';
import { startSuiteServer } from '../src/suites/server.js';
import { BundledSuite } from '../src/suites/suite.js';
import { Rng } from '../src/suites/words.js';
import { runExpert } from '../src/tasks/expert.js';
import type { WebTask } from '../src/tasks/types.js';

const { values: args } = parseArgs({
  options: {
    'per-site': { type: 'string', default: '50' },
    workers: { type: 'string', default: '2' },
    sites: { type: 'string', default: SITE_NAMES.join(',') },
  },
});
const PER_SITE = Number(args['per-site']);
const WORKERS = Number(args.workers);
const SITES = args.sites.split(',') as SiteName[];

const tokens = (text: string): number => Math.ceil(text.length / 4);

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i]!;
}

/** `n` test instances of the site, spread over its templates (test and test-unseen), seeded. */
function sample(suite: BundledSuite, site: SiteName, n: number): WebTask[] {
  const byTemplate = [...suite.tasks({ split: 'test', sites: [site] }), ...suite.tasks({ split: 'test-unseen', sites: [site] })].reduce((m, t) => {
    const k = String(t.meta.template);
    m.set(k, [...(m.get(k) ?? []), t]);
    return m;
  }, new Map<string, WebTask[]>());
  const rng = new Rng(20251121);
  const pools = [...byTemplate.values()].map((ts) => rng.shuffle(ts));
  const out: WebTask[] = [];
  for (let round = 0; out.length < n && pools.some((p) => p.length > round); round++) {
    for (const p of pools) if (p[round] && out.length < n) out.push(p[round]!);
  }
  return out;
}

async function main(): Promise<void> {
  const executablePath = await ensureChromium({ log: (l) => console.error(l) });
  const server = await startSuiteServer();
  const suite = new BundledSuite(server);
  const pool = new BrowserPool({ executablePath });
  const envs = Array.from({ length: WORKERS }, () => new WebEnvironment({ pool }));
  const rows = [];
  try {
    for (const site of SITES) {
      const tasks = sample(suite, site, PER_SITE);
      await server.metrics(site, { clear: true });
      const obsTokens: number[] = [];
      const episodeMs: number[] = [];
      const failures: string[] = [];
      let ok = 0;
      let next = 0;
      await Promise.all(
        envs.map(async (env) => {
          while (next < tasks.length) {
            const task = tasks[next++]!;
            const t0 = performance.now();
            const d = await runExpert(env, task);
            episodeMs.push(performance.now() - t0);
            for (const turn of d.turns) obsTokens.push(tokens(turn.observation.text));
            if (d.result.score === 1) ok++;
            else failures.push(`${task.id}: ${d.result.reason}`);
          }
        }),
      );
      // Wall time of WebEnvironment.reset (new context + start page) on a few instances.
      const resets: number[] = [];
      for (const task of tasks.slice(0, 10)) {
        const t0 = performance.now();
        await envs[0]!.reset(task);
        resets.push(performance.now() - t0);
      }
      const m = await server.metrics(site);
      const pageMs = Object.entries(m.routes)
        .filter(([k]) => !k.includes('(internal)'))
        .flatMap(([, v]) => v);
      const row = {
        site,
        instances: tasks.length,
        templates: new Set(tasks.map((t) => t.meta.template)).size,
        expert_success: Number((ok / tasks.length).toFixed(3)),
        median_obs_tokens: quantile(obsTokens, 0.5),
        p95_obs_tokens: quantile(obsTokens, 0.95),
        max_obs_tokens: Math.max(...obsTokens),
        server_ms_p50: Number(quantile(pageMs, 0.5).toFixed(3)),
        server_ms_p95: Number(quantile(pageMs, 0.95).toFixed(3)),
        reset_ms_p50: Number(quantile(m.resets, 0.5).toFixed(3)),
        env_reset_ms_p50: Number(quantile(resets, 0.5).toFixed(1)),
        episode_s_mean: Number((episodeMs.reduce((a, b) => a + b, 0) / episodeMs.length / 1000).toFixed(2)),
        failures,
      };
      rows.push(row);
      console.error(`${site}: expert ${ok}/${tasks.length}, obs tokens p50 ${row.median_obs_tokens} p95 ${row.p95_obs_tokens}, server p50 ${row.server_ms_p50} ms, reset p50 ${row.reset_ms_p50} ms`);
      for (const f of failures) console.error(`  FAILED ${f}`);
    }
  } finally {
    await Promise.all(envs.map((e) => e.close()));
    await pool.close();
    await server.close();
  }
  const counts = Object.fromEntries(
    (['train', 'test', 'test-unseen'] as const).map((split) => [split, suite.tasks({ split }).length]),
  );
  const out = {
    benchmark: 'suites',
    description: 'per site: expert success over sampled test + test-unseen instances through real Chromium; observation tokens = characters/4 of the observation text at every expert turn; server_ms = server-side handler time per page request; reset_ms = time to make a fresh session state on the server; env_reset_ms = WebEnvironment.reset wall time (new context + start page)',
    date: new Date().toISOString(),
    node: process.version,
    instances: counts,
    templates: suite.templates.length,
    sites: rows,
  };
  const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'suites.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`instances: train ${counts.train}, test ${counts.test}, test-unseen ${counts['test-unseen']}; templates ${suite.templates.length}`);
  console.log('| site | instances | expert_success | median_obs_tokens | p95_obs_tokens | server_ms_p50 | reset_ms_p50 | env_reset_ms_p50 |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.site} | ${r.instances} | ${r.expert_success} | ${r.median_obs_tokens} | ${r.p95_obs_tokens} | ${r.server_ms_p50} | ${r.reset_ms_p50} | ${r.env_reset_ms_p50} |`);
  console.log(`wrote ${file}`);
}

await main();
