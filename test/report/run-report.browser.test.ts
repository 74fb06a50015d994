// The run report in real headless Chromium: a run folder from trainWebAgent (the scripted shop, a
// tiny model, a few steps) becomes report.html, which loads from a file:// URL with no console
// errors and no network request, draws its learning curves as SVG paths, lists every evaluation
// episode, and steps through an episode with the keyboard: the step label, the page text and the
// reply change; the filters narrow the list.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { findChromium } from '../../src/env/chromium.js';
import { OptionsError } from '../../src/errors.js';
import { initBackend } from '../../src/model/backend.js';
import { writeRunReport } from '../../src/report/run-report.js';
import { trainWebAgent } from '../../src/rl/train-web-agent.js';
import { answerIncludes } from '../../src/tasks/checkers.js';
import { act, textAfter } from '../../src/tasks/expert.js';
import type { ExpertScript, WebTask } from '../../src/tasks/types.js';
import { ScriptedEnvironment, scriptedShop, SCRIPTED_SHOP_PRODUCTS, SCRIPTED_SHOP_URL, type ShopState } from '../../src/testing/index.js';

const executablePath = findChromium();
const expert = (name: string): ExpertScript => function* (_task, first) {
  const page = yield act.click(first, { role: 'link', name }, `The ${name} is listed, so I open its page.`);
  yield act.answer(textAfter(page, 'Price:'), 'The page shows the price, so I answer it.');
};
const TASKS: WebTask[] = SCRIPTED_SHOP_PRODUCTS.map((p) => ({
  id: `price/${p.slug}`, intent: `What does the ${p.name} cost?`, startUrl: SCRIPTED_SHOP_URL, site: 'shop',
  check: answerIncludes([p.price]), expert: expert(p.name), meta: { template: 'price' },
}));
const TINY = { model: { hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, intermediate_size: 64, max_position_embeddings: 320 }, vocabSize: 400, maxPromptTokens: 256, maxNewTokens: 32 };

let dir: string;
let browser: Browser;

before(async () => {
  if (!executablePath) return;
  await initBackend({ backend: 'wasm', log: () => {} });
  dir = await mkdtemp(path.join(tmpdir(), 'run-report-'));
  const { agent } = await trainWebAgent({
    tasks: { train: TASKS, test: TASKS }, makeEnvironment: () => new ScriptedEnvironment<ShopState>(scriptedShop()), policy: { settings: TINY },
    behaviorCloning: { steps: 8, batchTokens: 1024, workers: 1, renameCopies: 1 }, grpo: { iterations: 2, numGenerations: 2, tasksPerIteration: 1 },
    maxTurns: 3, concurrency: 1, seed: 4, out: dir,
  });
  agent.dispose();
  browser = await chromium.launch({ executablePath });
});

after(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('run report', { skip: executablePath ? false : 'no Chromium found (findChromium)' }, () => {
  test('opens offline without console errors, draws its charts, and steps through episodes with the keyboard', async () => {
    const file = await writeRunReport(dir);
    assert.equal(file, path.join(dir, 'report.html'));
    const html = await readFile(file, 'utf8');
    assert.doesNotMatch(html, /(src|href)="https?:/, 'no external resource');
    const page = await (await browser.newContext()).newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => { if (!r.url().startsWith('file:')) problems.push(`request ${r.url()}`); });
    await page.goto(pathToFileURL(file).href);
    const paths = await page.$$eval('svg path.line', (els) => els.map((e) => e.getAttribute('d') ?? ''));
    assert.ok(paths.length >= 3, `${paths.length} curves drawn (BC loss and GRPO's)`);
    for (const d of paths) assert.match(d, /^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+$/, 'each curve has at least two points');
    assert.equal(await page.locator('.ep').count(), 9, '3 test episodes at each of 3 stages');
    assert.match(await page.locator('table').first().innerText(), /untrained[\s\S]*bc[\s\S]*grpo/i);

    // The first episode with more than one step: step through it with the arrow keys.
    const counts = await page.evaluate(() => (JSON.parse(document.getElementById('data')!.textContent!) as { steps: unknown[] }[]).map((e) => e.steps.length));
    const index = counts.findIndex((n) => n > 1);
    assert.ok(index >= 0, `an episode with 2+ steps (steps per episode: ${counts.join(', ')})`);
    for (let i = 0; i < index; i++) await page.keyboard.press('j');
    const before = { label: await page.locator('.step-label').innerText(), page: await page.locator('pre.page').innerText(), reply: await page.locator('pre.reply').innerText() };
    assert.match(before.label, /^step 1 of \d+$/);
    await page.keyboard.press('ArrowRight');
    const after = { label: await page.locator('.step-label').innerText(), page: await page.locator('pre.page').innerText() };
    assert.match(after.label, /^step 2 of \d+$/);
    assert.notEqual(after.page, before.page, 'the page text of step 2 is shown');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.locator('pre.reply').innerText(), before.reply);

    await page.selectOption('#f-stage', 'grpo');
    assert.equal(await page.locator('.ep').count(), 3, 'the stage filter narrows the list');
    assert.deepEqual(problems, []);
    await page.screenshot({ path: path.join(dir, 'report.png'), fullPage: true });
  });

  test('a folder that is not a run is a typed error that says what to pass', async () => {
    await assert.rejects(writeRunReport(tmpdir()), (e: unknown) => e instanceof OptionsError && /no readable results\.json/.test(e.message));
  });
});
