// Benchmark: steps per second of WebEnvironment (observe + act) against a plain playwright-core
// loop doing the same page work (same bundled-shop pages, same action mix, same in-page walker and
// observation text) in the same run, at 1, 4 and 8 concurrent contexts on one browser.
// Writes bench/results/env.json from this run. Usage: npm run bench:env [-- --rounds 5 --cycles 6]
//
// The site changed: earlier runs (bench/results/env.json of 2026-12-04 and the README's table)
// measured the hand-written demo shop that src/testing used to serve in this process. The
// benchmark now runs on the bundled suites' shop (startSuiteServer, served from its own
// process), with the same kinds of steps on its search, product and category pages; numbers
// are not comparable with those earlier rows.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { BrowserPool } from '../src/env/browser-pool.js';
import { CHROMIUM_FLAGS, ensureChromium } from '../src/env/chromium.js';
import { domCall, rowsToNodes, type DomObserveResult, type DomPrepareResult } from '../src/env/dom-script.js';
import { renderObservationText } from '../src/env/observation-text.js';
import type { ObservationNode } from '../src/env/types.js';
import { WebEnvironment } from '../src/env/web-environment.js';
import { startSuiteServer } from '../src/suites/server.js';
import { PER_PAGE, searchProducts, sortProducts } from '../src/suites/shop/catalog.js';
import type { ShopData } from '../src/suites/shop/data.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '16' },
    cycles: { type: 'string', default: '2' },
    contexts: { type: 'string', default: '1,4,8' },
  },
});
const ROUNDS = Number(args.rounds);
const CYCLES = Number(args.cycles);
const CONTEXTS = args.contexts.split(',').map(Number);
const OBSERVE_ARGS = { maxNameLength: 100, maxTextLength: 300 };

/**
 * One cycle of the action mix, as (role, name) of the element acted on, resolved to the id the
 * current observation shows. 3 navigations (search submit, product link, the product's category
 * link) and 6 in-page actions (type, select, type, hover, scroll down, scroll up) out of 9 steps.
 */
type Step =
  | { kind: 'click'; role: string; name: string; navigates: boolean }
  | { kind: 'type'; role: string; name: string; text: string }
  | { kind: 'select'; role: string; name: string; option: string }
  | { kind: 'hover'; role: string; name: string }
  | { kind: 'scroll'; direction: 'up' | 'down' };

function actionMix(shop: ShopData): Step[] {
  // The first product with a Size dropdown, in stock, with the most reviews (4: the only product
  // pages taller than the 720-pixel viewport, so the scrolls move), listed on the first page of
  // the search for its kind (results are sorted by name, PER_PAGE a page).
  const product = shop.products.find((p) => {
    if (p.sizes.length < 2 || p.stock < 1 || p.reviews.length < 4) return false;
    return sortProducts(searchProducts(shop, p.thing.toLowerCase()), 'name').findIndex((x) => x.id === p.id) < PER_PAGE;
  });
  if (!product) throw new Error('the shop has no product for the benchmark');
  const category = shop.categories.find((c) => c.slug === product.category)!;
  return [
    { kind: 'type', role: 'textbox', name: 'Search', text: product.thing.toLowerCase() },
    { kind: 'click', role: 'button', name: 'Search', navigates: true },
    { kind: 'click', role: 'link', name: product.name, navigates: true },
    { kind: 'select', role: 'combobox', name: 'Size', option: product.sizes[1]! },
    { kind: 'type', role: 'spinbutton', name: 'Quantity', text: '2' },
    { kind: 'hover', role: 'button', name: 'Add to cart' },
    { kind: 'scroll', direction: 'down' },
    { kind: 'scroll', direction: 'up' },
    { kind: 'click', role: 'link', name: category.name, navigates: true },
  ];
}

function idOf(nodes: readonly ObservationNode[], role: string, name: string): number {
  const node = nodes.find((n) => n.id !== undefined && n.role === role && n.name === name);
  if (!node) throw new Error(`benchmark page has no ${role} "${name}"`);
  return node.id!;
}

// ------------------------------------------------------------------ the plain playwright loop

interface RawObservation {
  nodes: ObservationNode[];
  text: string;
  url: string;
}

async function rawObserve(page: Page): Promise<RawObservation> {
  const walk = (await page.evaluate(domCall('observe', OBSERVE_ARGS))) as DomObserveResult;
  const nodes = rowsToNodes(walk.rows!);
  return { nodes, text: renderObservationText(nodes).text, url: walk.url };
}

async function rawPoint(page: Page, kind: 'click' | 'hover' | 'type', id: number, text = ''): Promise<{ x: number; y: number }> {
  const r = (await page.evaluate(domCall('prepare', kind === 'type' ? { kind, id, text } : { kind, id }))) as DomPrepareResult;
  if (!('x' in r)) throw new Error(`raw loop: ${'error' in r ? r.error : 'no point'}`);
  return r;
}

/** What a hand-written playwright-core agent loop does for one step: act, then observe. */
async function rawStep(page: Page, step: Step, obs: RawObservation): Promise<RawObservation> {
  switch (step.kind) {
    case 'click': {
      const p = await rawPoint(page, 'click', idOf(obs.nodes, step.role, step.name));
      if (step.navigates) await Promise.all([page.waitForEvent('load'), page.mouse.click(p.x, p.y)]);
      else await page.mouse.click(p.x, p.y);
      break;
    }
    case 'type': {
      await rawPoint(page, 'type', idOf(obs.nodes, step.role, step.name), step.text);
      await page.keyboard.insertText(step.text);
      break;
    }
    case 'select': {
      const r = (await page.evaluate(domCall('prepare', { kind: 'select', id: idOf(obs.nodes, step.role, step.name), option: step.option }))) as DomPrepareResult;
      if ('error' in r) throw new Error(r.error);
      break;
    }
    case 'hover': {
      const p = await rawPoint(page, 'hover', idOf(obs.nodes, step.role, step.name));
      await page.mouse.move(p.x, p.y);
      break;
    }
    case 'scroll':
      await page.evaluate(domCall('scroll', { direction: step.direction }));
      break;
  }
  return rawObserve(page);
}

// ------------------------------------------------------------------ the framework loop

async function envStep(env: WebEnvironment, step: Step, nodes: readonly ObservationNode[]): Promise<{ nodes: readonly ObservationNode[]; text: string; error: string | null }> {
  const target = step.kind === 'scroll' ? undefined : { id: idOf(nodes, step.role, step.name) };
  const action =
    step.kind === 'click' ? { type: 'click' as const, target: target! }
    : step.kind === 'type' ? { type: 'type' as const, target: target!, text: step.text }
    : step.kind === 'select' ? { type: 'select' as const, target: target!, option: step.option }
    : step.kind === 'hover' ? { type: 'hover' as const, target: target! }
    : { type: 'scroll' as const, direction: step.direction };
  const r = await env.step(action);
  return { nodes: r.observation.nodes, text: r.observation.text, error: r.observation.lastActionError };
}

// ------------------------------------------------------------------ measurement

interface Phase {
  steps: number;
  seconds: number;
  texts: string[];
}

async function runEnv(pool: BrowserPool, startUrl: string, n: number, mix: Step[]): Promise<Phase> {
  const envs = Array.from({ length: n }, () => new WebEnvironment({ pool, maxTurns: 10_000 }));
  const task = { id: 'bench', intent: 'benchmark', startUrl };
  const first = await Promise.all(envs.map((e) => e.reset(task)));
  const texts: string[] = [];
  const t0 = performance.now();
  await Promise.all(
    envs.map(async (env, w) => {
      let nodes = first[w]!.nodes;
      for (let c = 0; c < CYCLES; c++) {
        for (const step of mix) {
          const r = await envStep(env, step, nodes);
          if (r.error) throw new Error(`WebEnvironment step failed: ${r.error}`);
          nodes = r.nodes;
          if (w === 0 && c === 0) texts.push(r.text);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(envs.map((e) => e.close()));
  return { steps: n * CYCLES * mix.length, seconds, texts };
}

async function runRaw(browser: import('playwright-core').Browser, startUrl: string, n: number, mix: Step[]): Promise<Phase> {
  const contexts = await Promise.all(Array.from({ length: n }, () => browser.newContext({ viewport: { width: 1280, height: 720 } })));
  const pages = await Promise.all(contexts.map((c) => c.newPage()));
  const first = await Promise.all(
    pages.map(async (p) => {
      await p.goto(startUrl);
      return rawObserve(p);
    }),
  );
  const texts: string[] = [];
  const t0 = performance.now();
  await Promise.all(
    pages.map(async (page, w) => {
      let obs = first[w]!;
      for (let c = 0; c < CYCLES; c++) {
        for (const step of mix) {
          obs = await rawStep(page, step, obs);
          if (w === 0 && c === 0) texts.push(obs.text);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(contexts.map((c) => c.close()));
  return { steps: n * CYCLES * mix.length, seconds, texts };
}

async function main(): Promise<void> {
  const executablePath = await ensureChromium({ log: (l) => console.error(l) });
  const server = await startSuiteServer();
  const startUrl = `${server.urls.shop}/`;
  const pool = new BrowserPool({ executablePath });
  await pool.warmUp();
  const rawBrowser = await chromium.launch({ executablePath, args: [...CHROMIUM_FLAGS] });
  const mix = actionMix(server.world.shop);
  const rows: Array<{ contexts: number; env_steps_per_s: number; raw_steps_per_s: number; ratio: number; rounds_env: number[]; rounds_raw: number[] }> = [];
  try {
    // Warm-up of both paths (JIT, caches), not measured.
    await runEnv(pool, startUrl, 1, mix);
    await runRaw(rawBrowser, startUrl, 1, mix);
    for (const n of CONTEXTS) {
      const phases = { env: [] as Phase[], raw: [] as Phase[] };
      for (let r = 0; r < ROUNDS; r++) {
        // ABBA order: drift of a shared, noisy machine hits both loops alike.
        const order = r % 2 === 0 ? (['env', 'raw'] as const) : (['raw', 'env'] as const);
        for (const which of order) {
          const phase = which === 'env' ? await runEnv(pool, startUrl, n, mix) : await runRaw(rawBrowser, startUrl, n, mix);
          phases[which].push(phase);
          if (r === 0 && which === 'raw') {
            const envTexts = (await runEnv(pool, startUrl, 1, mix)).texts;
            if (JSON.stringify(envTexts) !== JSON.stringify(phase.texts)) {
              throw new Error('the plain loop and WebEnvironment observed different text; the comparison would not be fair');
            }
          }
        }
      }
      // Steps per second over all rounds (total steps / total time) for each loop.
      const rate = (ps: Phase[]): number => ps.reduce((a, p) => a + p.steps, 0) / ps.reduce((a, p) => a + p.seconds, 0);
      const envRate = rate(phases.env);
      const rawRate = rate(phases.raw);
      rows.push({
        contexts: n,
        env_steps_per_s: Number(envRate.toFixed(1)),
        raw_steps_per_s: Number(rawRate.toFixed(1)),
        ratio: Number((envRate / rawRate).toFixed(3)),
        rounds_env: phases.env.map((p) => Number((p.steps / p.seconds).toFixed(1))),
        rounds_raw: phases.raw.map((p) => Number((p.steps / p.seconds).toFixed(1))),
      });
      console.error(`contexts ${n}: env ${envRate.toFixed(1)} steps/s, raw ${rawRate.toFixed(1)} steps/s`);
    }
  } finally {
    await pool.close();
    await rawBrowser.close();
    await server.close();
  }
  const out = {
    benchmark: 'env',
    description: 'WebEnvironment observe+act steps/s vs a plain playwright-core loop doing the same page work (the bundled shop, same action mix, same observation text); total steps / total time over ABBA-alternating rounds; rounds_* are per-round rates',
    site: 'bundled shop (startSuiteServer, seed 1)',
    date: new Date().toISOString(),
    node: process.version,
    chromium: executablePath,
    action_mix: mix.map((s) => s.kind),
    steps_per_phase_per_context: CYCLES * mix.length,
    rounds: ROUNDS,
    rows: rows.map(({ contexts, env_steps_per_s, raw_steps_per_s, ratio, rounds_env, rounds_raw }) => ({ contexts, env_steps_per_s, raw_steps_per_s, ratio, rounds_env, rounds_raw })),
  };
  const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'env.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log('| contexts | WebEnvironment steps/s | plain playwright steps/s | ratio |');
  console.log('|---:|---:|---:|---:|');
  for (const r of out.rows) console.log(`| ${r.contexts} | ${r.env_steps_per_s} | ${r.raw_steps_per_s} | ${r.ratio} |`);
  console.log(`wrote ${file}`);
}

await main();
