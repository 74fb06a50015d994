// Tests for demonstration collection (src/rl/demonstrations.ts), following the rollout engine's
// tests: on the browser-free ScriptedEnvironment, demonstrations come back in task order with the
// expert's turns, wrong endings are dropped or kept by `onlySuccessful`, crashed episodes are
// re-run and recorded once, tasks without an expert are reported, every environment is closed,
// and the JSONL files round-trip and reject malformed lines by line and field. One test collects
// real demonstrations from the bundled suites through Chromium (skipped without a browser).

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BrowserPool } from '../../src/env/browser-pool.js';
import { findChromium } from '../../src/env/chromium.js';
import type { Environment } from '../../src/env/types.js';
import { WebEnvironment } from '../../src/env/web-environment.js';
import { OptionsError } from '../../src/errors.js';
import { collectDemonstrations } from '../../src/rl/demonstrations.js';
import { loadDemonstrations, saveDemonstrations, type Demonstration } from '../../src/data/demonstration.js';
import { startSuiteServer } from '../../src/suites/server.js';
import { BundledSuite } from '../../src/suites/suite.js';
import { answerIncludes } from '../../src/tasks/checkers.js';
import { act, textAfter } from '../../src/tasks/expert.js';
import type { ExpertScript, WebTask } from '../../src/tasks/types.js';
import { ScriptedEnvironment, scriptedShop, SCRIPTED_SHOP_PRODUCTS, SCRIPTED_SHOP_URL, type ScriptedEnvironmentOptions, type ShopState } from '../../src/testing/index.js';

const product = (slug: string): { slug: string; name: string; price: string } => {
  const p = SCRIPTED_SHOP_PRODUCTS.find((x) => x.slug === slug);
  assert.ok(p, slug);
  return p;
};

/** Opens the product from the home page (or through a search first) and answers its price; `wrong` answers $99. */
function priceExpert(name: string, options: { search?: boolean; wrong?: boolean } = {}): ExpertScript {
  return function* (_task, first) {
    let obs = first;
    if (options.search) obs = yield act.type(obs, { role: 'searchbox', name: 'Search products' }, name.split(' ')[1]!, 'I search for the product.', { enter: true });
    obs = yield act.click(obs, { role: 'link', name }, 'The product is listed, so I open it.');
    yield act.answer(options.wrong ? '$99.00' : textAfter(obs, 'Price:'), 'The product page shows the price.');
  };
}

function priceTask(slug: string, options: { search?: boolean; wrong?: boolean; expert?: ExpertScript | null } = {}): WebTask {
  const p = product(slug);
  const expert = options.expert === null ? {} : { expert: options.expert ?? priceExpert(p.name, options) };
  return {
    id: `shop/${slug}-price${options.wrong ? '-wrong' : ''}`, site: 'shop', intent: `What does the ${p.name} cost?`, startUrl: SCRIPTED_SHOP_URL,
    check: answerIncludes([p.price.slice(1)]), meta: { template: 'price' }, maxTurns: 6, ...expert,
  };
}

/** makeEnvironment over scripted shops that records how many were made and closed. */
function environments(extra: Omit<ScriptedEnvironmentOptions<ShopState>, 'pages' | 'initialState'> = {}): { make: () => Environment; made: number; closed: number } {
  const out = {
    made: 0,
    closed: 0,
    make: (): Environment => {
      out.made++;
      const env = new ScriptedEnvironment(scriptedShop(extra));
      const close = env.close.bind(env);
      env.close = async () => {
        out.closed++;
        await close();
      };
      return env;
    },
  };
  return out;
}

describe('collectDemonstrations on a scripted shop', () => {
  test('returns the experts\' demonstrations in task order, with their turns, and closes every environment', async () => {
    // The first task searches first (one more turn), so it finishes after the second.
    const tasks = [priceTask('mug', { search: true }), priceTask('kettle'), priceTask('teapot')];
    const envs = environments({ latencyMs: 150 });
    const completed: string[] = [];
    const { demonstrations, failed } = await collectDemonstrations(tasks, { makeEnvironment: envs.make, concurrency: 2, onDemonstration: (d, t) => completed.push(`${d.taskId}@${t.id}`) });
    assert.deepEqual(failed, []);
    assert.deepEqual(demonstrations.map((d) => d.taskId), ['shop/mug-price', 'shop/kettle-price', 'shop/teapot-price']);
    assert.deepEqual(completed, ['shop/kettle-price@shop/kettle-price', 'shop/mug-price@shop/mug-price', 'shop/teapot-price@shop/teapot-price']);
    assert.equal(envs.made, 2);
    assert.equal(envs.closed, 2);
    const [mug, kettle] = demonstrations;
    assert.ok(mug && kettle);
    assert.deepEqual({ site: mug.site, template: mug.template, score: mug.score, intent: mug.intent }, { site: 'shop', template: 'price', score: 1, intent: 'What does the Blue Ceramic Mug cost?' });
    assert.deepEqual(mug.turns.map((t) => t.action.type), ['type', 'click', 'answer']);
    assert.deepEqual(mug.turns.map((t) => t.observation.url), [SCRIPTED_SHOP_URL, `${SCRIPTED_SHOP_URL}search?q=Ceramic`, `${SCRIPTED_SHOP_URL}product/mug`]);
    assert.deepEqual(kettle.turns.map((t) => t.thought), ['The product is listed, so I open it.', 'The product page shows the price.']);
    assert.deepEqual(kettle.turns[1]!.action, { type: 'answer', text: '$35.00' });
    const click = kettle.turns[0]!;
    assert.equal(click.action.type, 'click');
    const target = click.action.type === 'click' ? click.action.target : undefined;
    const node = click.observation.nodes.find((n) => n.name === 'Red Kettle');
    assert.ok(node?.id !== undefined && target && 'id' in target);
    assert.equal(target.id, node.id, 'the click names the id the observation shows');
  });

  test('a wrong ending is reported with onlySuccessful (the default) and kept without it', async () => {
    const tasks = [priceTask('mug'), priceTask('kettle', { wrong: true })];
    const strict = await collectDemonstrations(tasks, { makeEnvironment: environments().make });
    assert.deepEqual(strict.demonstrations.map((d) => d.taskId), ['shop/mug-price']);
    assert.equal(strict.failed.length, 1);
    assert.equal(strict.failed[0]!.taskId, 'shop/kettle-price-wrong');
    assert.match(strict.failed[0]!.reason, /scored 0: answer "\$99.00" does not include "35.00"/);
    const all = await collectDemonstrations(tasks, { makeEnvironment: environments().make, onlySuccessful: false });
    assert.deepEqual(all.failed, []);
    assert.deepEqual(all.demonstrations.map((d) => [d.taskId, d.score]), [['shop/mug-price', 1], ['shop/kettle-price-wrong', 0]]);
    assert.deepEqual(all.demonstrations[1]!.turns.at(-1)!.action, { type: 'answer', text: '$99.00' });
  });

  test('a crashed episode is re-run in a fresh environment and recorded once', async () => {
    let crashes = 0;
    const envs = environments({
      failOn: (c) => {
        if (c.task.id !== 'shop/kettle-price' || c.action?.type !== 'answer' || crashes > 0) return false;
        crashes++;
        return true;
      },
    });
    const seen: string[] = [];
    const { demonstrations, failed } = await collectDemonstrations([priceTask('mug'), priceTask('kettle'), priceTask('teapot')], {
      makeEnvironment: envs.make, concurrency: 1, onDemonstration: (d) => seen.push(d.taskId),
    });
    assert.equal(crashes, 1);
    assert.deepEqual(failed, []);
    assert.deepEqual(seen, ['shop/mug-price', 'shop/kettle-price', 'shop/teapot-price']);
    assert.deepEqual(demonstrations.map((d) => [d.taskId, d.turns.length, d.score]), [['shop/mug-price', 2, 1], ['shop/kettle-price', 2, 1], ['shop/teapot-price', 2, 1]]);
    assert.equal(envs.made, 2, 'the crashed environment is replaced');
    assert.equal(envs.closed, 2);
  });

  test('an episode that keeps crashing is reported after maxRetries re-runs', async () => {
    let attempts = 0;
    const envs = environments({ failOn: (c) => c.task.id === 'shop/mug-price' && c.action === null && ++attempts > 0 });
    const { demonstrations, failed } = await collectDemonstrations([priceTask('mug'), priceTask('kettle')], { makeEnvironment: envs.make, maxRetries: 1, concurrency: 1 });
    assert.equal(attempts, 2);
    assert.deepEqual(demonstrations.map((d) => d.taskId), ['shop/kettle-price']);
    assert.equal(failed[0]!.taskId, 'shop/mug-price');
    assert.match(failed[0]!.reason, /crashed 2 time\(s\); last: BrowserCrashedError/);
    assert.equal(envs.made, envs.closed);
  });

  test('a task without an expert, or whose expert throws, is in `failed` and the others still run', async () => {
    const lost: ExpertScript = function* (_task, first) {
      yield act.click(first, { role: 'link', name: 'Purple Toaster' }, 'I open the toaster.');
    };
    const tasks = [priceTask('mug', { expert: null }), priceTask('kettle'), priceTask('teapot', { expert: lost })];
    const envs = environments();
    const { demonstrations, failed } = await collectDemonstrations(tasks, { makeEnvironment: envs.make });
    assert.deepEqual(demonstrations.map((d) => d.taskId), ['shop/kettle-price']);
    assert.deepEqual(failed.map((f) => f.taskId), ['shop/mug-price', 'shop/teapot-price']);
    assert.equal(failed[0]!.reason, 'the task has no expert');
    assert.match(failed[1]!.reason, /^ExpertError: expert: no link "Purple Toaster"/);
    assert.equal(envs.made, envs.closed);
  });

  test('invalid options throw OptionsError; the signal stops the run and still closes the environments', async () => {
    await assert.rejects(collectDemonstrations([priceTask('mug')], { makeEnvironment: environments().make, concurrency: 0 }), OptionsError);
    await assert.rejects(collectDemonstrations([priceTask('mug')], { makeEnvironment: environments().make, maxRetries: -1 }), OptionsError);
    const controller = new AbortController();
    const envs = environments({ latencyMs: 2 });
    const tasks = ['mug', 'kettle', 'teapot', 'mug', 'kettle'].map((s) => priceTask(s));
    let demos = 0;
    await assert.rejects(
      collectDemonstrations(tasks, { makeEnvironment: envs.make, concurrency: 1, signal: controller.signal, onDemonstration: () => (++demos === 1 ? controller.abort() : undefined) }),
      { name: 'AbortError' },
    );
    assert.equal(demos, 1);
    assert.equal(envs.made, envs.closed);
  });
});

describe('demonstration JSONL files', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'webagent-demos-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const collect = async (): Promise<Demonstration[]> =>
    (await collectDemonstrations([priceTask('mug', { search: true }), priceTask('teapot')], { makeEnvironment: environments().make })).demonstrations;

  test('save then load gives the same demonstrations, without screenshots', async () => {
    const demos = await collect();
    assert.equal(demos.length, 2);
    const first = demos[0]!;
    const withShot: Demonstration = { ...first, turns: first.turns.map((t) => ({ ...t, observation: { ...t.observation, screenshot: new Uint8Array([137, 80, 78, 71]) } })) };
    const path = join(dir, 'demos.jsonl');
    await saveDemonstrations(path, [withShot, demos[1]!]);
    const text = await readFile(path, 'utf8');
    assert.equal(text.split('\n').length, 3, 'two lines and a final newline');
    assert.ok(!text.includes('screenshot'));
    const loaded = await loadDemonstrations(path);
    assert.deepEqual(loaded, demos);
  });

  test('a malformed line or record is rejected with its line number and field', async () => {
    const [demo] = await collect();
    assert.ok(demo);
    const good = JSON.stringify(demo);
    const path = join(dir, 'bad.jsonl');
    await writeFile(path, `${good}\n\n${good.slice(0, 40)}\n`);
    await assert.rejects(loadDemonstrations(path), (e: unknown) => e instanceof OptionsError && /bad\.jsonl:3: .*malformed JSON/.test(e.message));
    const badAction = JSON.stringify({ ...demo, turns: [demo.turns[0], { ...demo.turns[1], action: { type: 'fly' } }] });
    await writeFile(path, `${good}\n${badAction}\n`);
    await assert.rejects(loadDemonstrations(path), (e: unknown) => e instanceof OptionsError && /bad\.jsonl:2: .*turns\[1\]\.action\.type must be one of/.test(e.message));
    const noScore: Record<string, unknown> = { ...demo };
    delete noScore['score'];
    await writeFile(path, `${JSON.stringify(noScore)}\n`);
    await assert.rejects(loadDemonstrations(path), (e: unknown) => e instanceof OptionsError && /bad\.jsonl:1: .*score must be a finite number/.test(e.message));
    const waited = { ...demo, turns: [{ ...demo.turns[0]!, action: { type: 'wait' as const } }, { ...demo.turns[1]!, action: { type: 'wait' as const, ms: 500 } }] };
    await writeFile(path, `${JSON.stringify(waited)}\n`);
    assert.deepEqual(await loadDemonstrations(path), [waited], 'wait actions load');
    await writeFile(path, `${JSON.stringify({ ...waited, turns: [{ ...demo.turns[0], action: { type: 'wait', ms: 'soon' } }] })}\n`);
    await assert.rejects(loadDemonstrations(path), /bad\.jsonl:1: .*turns\[0\]\.action\.ms must be an integer >= 0/);
    const badNode = JSON.stringify({ ...demo, turns: [{ ...demo.turns[0], observation: { ...demo.turns[0]!.observation, nodes: [{ role: 'link' }] } }] });
    await writeFile(path, `${badNode}\n`);
    await assert.rejects(loadDemonstrations(path), /bad\.jsonl:1: .*turns\[0\]\.observation\.nodes\[0\]\.name must be a string/);
  });
});

const chromium = findChromium();

describe('collectDemonstrations through a real browser', () => {
  test('bundled train tasks of three templates: every expert scores 1 and observations carry element nodes', { skip: chromium ? false : 'no Chromium found (findChromium)' }, async () => {
    await using server = await startSuiteServer();
    const suite = new BundledSuite(server);
    const templates = ['shop', 'forum', 'admin'].map((site) => suite.templatesOf('train').find((t) => t.site === site)!.id);
    const tasks = suite.tasks({ split: 'train', perTemplate: 1, templates });
    assert.equal(tasks.length, 3);
    await using pool = new BrowserPool({ executablePath: chromium! });
    const made: WebEnvironment[] = [];
    const { demonstrations, failed } = await collectDemonstrations(tasks, {
      concurrency: 2,
      makeEnvironment: () => {
        const env = new WebEnvironment({ pool, maxTurns: 20 });
        made.push(env);
        return env;
      },
    });
    assert.deepEqual(failed, []);
    assert.deepEqual(demonstrations.map((d) => d.taskId), tasks.map((t) => t.id));
    assert.deepEqual(new Set(demonstrations.map((d) => d.template)), new Set(templates));
    assert.deepEqual(demonstrations.map((d) => d.template), tasks.map((t) => t.meta['template']));
    for (const d of demonstrations) {
      assert.equal(d.score, 1, d.taskId);
      assert.ok(d.turns.length >= 1 && d.turns.at(-1)!.action.type === 'answer', d.taskId);
      for (const t of d.turns) assert.ok(t.observation.nodes.some((n) => n.id !== undefined && n.role !== 'text'), `${d.taskId}: ${t.observation.url} has element nodes`);
    }
    assert.equal(made.length, 2);
    const path = join(tmpdir(), `webagent-demos-real-${process.pid}.jsonl`);
    try {
      await saveDemonstrations(path, demonstrations);
      assert.deepEqual((await loadDemonstrations(path)).map((d) => d.turns.length), demonstrations.map((d) => d.turns.length));
    } finally {
      await rm(path, { force: true });
    }
  });
});
