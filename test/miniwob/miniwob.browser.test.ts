// Browser tests of the MiniWoB++ environment (src/miniwob) against fixture task pages that speak
// the MiniWoB++ page protocol (test/fixtures/miniwob-plusplus: a minimal core.js and three tasks),
// served on 127.0.0.1 by the suite itself: listing, seeding, the page's instruction and reward,
// the START cover, the page's time limit, truncation, rollouts with a scripted agent, errors, and
// examples/miniwob.ts against a scripted OpenAI-compatible endpoint.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BrowserPool } from '../../src/env/browser-pool.js';
import { findChromium } from '../../src/env/chromium.js';
import { WebEnvironment } from '../../src/env/web-environment.js';
import type { WebEnvironmentOptions } from '../../src/env/web-environment-options.js';
import type { Observation } from '../../src/env/types.js';
import { EnvironmentStateError, OptionsError, TaskError } from '../../src/errors.js';
import { MiniWoBSuite } from '../../src/miniwob/suite.js';
import { serveStatic } from '../../src/miniwob/static-server.js';
import { Agent } from '../../src/agent/agent.js';
import type { ChatPolicy } from '../../src/agent/chat.js';
import { evaluate } from '../../src/rl/evaluate.js';
import { runRollouts } from '../../src/rl/rollout.js';
import { scoreEpisode } from '../../src/tasks/expert.js';
import type { WebTask } from '../../src/tasks/types.js';

const CHECKOUT = fileURLToPath(new URL('../fixtures/miniwob-plusplus', import.meta.url));
const TASKS_DIR = join(CHECKOUT, 'miniwob', 'html', 'miniwob');

let suite: MiniWoBSuite;
let pool: BrowserPool;

before(async () => {
  assert.ok(findChromium(), 'browser tests need Chromium: apt-get install -y chromium, or set CHROMIUM_PATH');
  suite = await MiniWoBSuite.open(TASKS_DIR);
  pool = new BrowserPool();
});

after(async () => {
  await pool.close();
  await suite.close();
});

async function withEnv<T>(options: WebEnvironmentOptions, f: (env: WebEnvironment) => Promise<T>): Promise<T> {
  const env = new WebEnvironment({ pool, ...options });
  try {
    return await f(env);
  } finally {
    await env.close();
  }
}

const one = (name: string, seed = 0, maxTurns?: number): WebTask => suite.task(name, seed, maxTurns !== undefined ? { maxTurns } : {});
const score = (env: WebEnvironment, task: WebTask, obs: Observation) => scoreEpisode(task, { answer: null, url: obs.url, page: env.page });
const click = (name: string, role = 'button') => ({ type: 'click', target: { role, name } }) as const;
const wordOf = (instruction: string): string => /"([^"]+)"/.exec(instruction)![1]!;

/** A raw GET of `path` (not normalised, unlike fetch's URL parser); resolves to the status. */
function rawGet(url: string, path: string, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(url), { path, method }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('MiniWoBSuite', () => {
  test('lists the task pages of the folder, sorted, and makes one WebTask per name and seed', async () => {
    assert.deepEqual(suite.taskNames(), ['click-button', 'click-test', 'enter-text']);
    assert.equal(suite.dir, TASKS_DIR);
    assert.match(suite.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/miniwob\/$/);
    const [task] = suite.tasks({ names: ['click-test'], seeds: [3], maxTurns: 4 });
    assert.equal(task!.id, 'miniwob.click-test/seed-3');
    assert.equal(task!.site, 'miniwob');
    assert.equal(task!.startUrl, `${suite.baseUrl}click-test.html`);
    assert.equal(task!.maxTurns, 4);
    assert.deepEqual(task!.meta, { template: 'miniwob.click-test', task: 'click-test', seed: 3, episodeMaxTimeMs: 1_000_000 });
    assert.deepEqual(suite.tasks({ seeds: 2 }).map((t) => t.id), [
      'miniwob.click-button/seed-0', 'miniwob.click-button/seed-1', 'miniwob.click-test/seed-0',
      'miniwob.click-test/seed-1', 'miniwob.enter-text/seed-0', 'miniwob.enter-text/seed-1',
    ]);
    // The checkout root and its html folder work as well as the miniwob/html/miniwob folder.
    for (const path of [CHECKOUT, join(CHECKOUT, 'miniwob', 'html')]) {
      await using other = await MiniWoBSuite.open(path);
      assert.equal(other.dir, TASKS_DIR);
    }
  });

  test('the file server sets content types and refuses paths outside its folder', async () => {
    const core = await fetch(new URL('../../core/core.js', suite.baseUrl));
    assert.equal(core.status, 200);
    assert.match(core.headers.get('content-type')!, /^text\/javascript/);
    assert.match((await fetch(new URL('../../core/core.css', suite.baseUrl))).headers.get('content-type')!, /^text\/css/);
    const page = await fetch(`${suite.baseUrl}click-test.html`);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    assert.match(await page.text(), /genProblem/);
    const origin = new URL(suite.baseUrl).origin;
    assert.equal(await rawGet(origin, '/miniwob/click-test.html', 'HEAD'), 200);
    assert.equal(await rawGet(origin, '/miniwob/click-test.html', 'POST'), 405);
    assert.equal(await rawGet(origin, '/miniwob/nope.html'), 404);
    assert.equal(await rawGet(origin, '/miniwob/'), 404, 'folders are not listed');
    assert.equal(await rawGet(origin, '/../../miniwob.test.ts'), 404);
    assert.equal(await rawGet(origin, '/..%2f..%2f..%2fminiwob.test.ts'), 404);
    assert.equal(await rawGet(origin, '/%00'), 404);
    // A symbolic link out of the served folder is refused too; the server closes cleanly.
    const dir = mkdtempSync(join(tmpdir(), 'miniwob-static-'));
    try {
      mkdirSync(join(dir, 'root'));
      writeFileSync(join(dir, 'secret.txt'), 'secret');
      writeFileSync(join(dir, 'root', 'ok.json'), '{}');
      symlinkSync(join(dir, 'secret.txt'), join(dir, 'root', 'link.txt'));
      const server = await serveStatic(join(dir, 'root'));
      assert.equal((await fetch(`${server.url}/ok.json`)).headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(await rawGet(server.url, '/link.txt'), 404);
      await server.close();
      await server.close();
      await assert.rejects(fetch(`${server.url}/ok.json`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('errors name what is wrong: a missing folder, no core/core.js, an unknown task, a bad URL, bad options', async () => {
    await assert.rejects(MiniWoBSuite.open(join(CHECKOUT, 'missing')), (e: unknown) => e instanceof OptionsError && /does not exist; pass the miniwob\/html\/miniwob folder/.test(e.message));
    await assert.rejects(MiniWoBSuite.open(join(TASKS_DIR, 'click-test.html')), (e: unknown) => e instanceof OptionsError && /is not a folder/.test(e.message));
    const dir = mkdtempSync(join(tmpdir(), 'miniwob-nocore-'));
    try {
      writeFileSync(join(dir, 'click-test.html'), '<title>x</title>');
      await assert.rejects(MiniWoBSuite.open(dir), (e: unknown) => e instanceof OptionsError && /has no core\/core\.js next to it/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => suite.tasks({ names: ['click'] }), (e: unknown) => e instanceof OptionsError && /unknown MiniWoB\+\+ task "click".*did you mean click-button, click-test/.test(e.message));
    assert.throws(() => suite.task('../core/core'), OptionsError);
    assert.throws(() => suite.tasks({ seeds: 0 }), OptionsError);
    assert.throws(() => suite.tasks({ seeds: [1.5] }), OptionsError);
    await assert.rejects(MiniWoBSuite.open(TASKS_DIR, { episodeMaxTimeMs: 0 }), /episodeMaxTimeMs must be a positive integer/);
    await assert.rejects(MiniWoBSuite.open('ftp://example.com/miniwob/'), OptionsError);
    const origin = new URL(suite.baseUrl).origin;
    await assert.rejects(MiniWoBSuite.open(`${origin}/nowhere/deeper/`), (e: unknown) => e instanceof OptionsError && /no MiniWoB\+\+ core at .*\/nowhere\/core\/core\.js \(HTTP 404\)/.test(e.message));
  });

  test('a suite opened from a URL runs named tasks; its tasks cannot be listed; a page without core is a TaskError', async () => {
    await using remote = await MiniWoBSuite.open(suite.baseUrl.slice(0, -1));
    assert.equal(remote.baseUrl, suite.baseUrl);
    assert.equal(remote.dir, undefined);
    assert.throws(() => remote.taskNames(), /cannot be listed over HTTP/);
    assert.throws(() => remote.tasks(), /pass names/);
    await withEnv({}, async (env) => {
      const [task] = remote.tasks({ names: ['click-test'] });
      const obs = await env.reset(task!);
      assert.equal(obs.instruction, 'Click the button.');
      await assert.rejects(env.reset(remote.task('no-such-task')), (e: unknown) => e instanceof TaskError && /has no MiniWoB\+\+ `core`/.test(e.message));
    });
  });
});

describe('MiniWoB++ episodes in WebEnvironment', () => {
  test('the seeded utterance is stable for a seed and differs between seeds; it is the first observation\'s instruction', async () => {
    await withEnv({}, async (env) => {
      const instructions: string[] = [];
      for (const seed of [0, 1, 2, 3, 4]) instructions.push((await env.reset(one('click-button', seed))).instruction!);
      for (const i of instructions) assert.match(i, /^Click on the "\w+" button\.$/);
      assert.ok(new Set(instructions).size > 1, `seeds give different problems: ${instructions.join(' | ')}`);
      const again = await env.reset(one('click-button', 3));
      assert.equal(again.instruction, instructions[3]);
      assert.match(again.text, new RegExp(`\\[\\d+\\] button "${wordOf(again.instruction!)}"`));
    });
  });

  test('a correct episode scores 1 and is terminated as soon as the page says done', async () => {
    await withEnv({}, async (env) => {
      const task = one('click-test');
      const first = await env.reset(task);
      assert.equal(first.instruction, 'Click the button.');
      const r = await env.step(click('Click Me!'));
      assert.equal(r.observation.lastActionError, null);
      assert.equal(r.terminated, true);
      assert.equal(r.truncated, false);
      assert.equal(r.observation.instruction, undefined, 'only the first observation carries the instruction');
      await assert.rejects(env.step(click('Not me')), EnvironmentStateError);
      const result = await score(env, task, r.observation);
      assert.equal(result.score, 1);
      // The time discount depends on how long the click took; to 4 decimals a fast one is 1.
      assert.match(result.reason, /^raw reward 1 \(time-discounted (?:1|0\.\d+)\): clicked the button$/);
    });
  });

  test('a second endEpisode does not change the reward', async () => {
    await withEnv({}, async (env) => {
      const task = one('click-test');
      await env.reset(task);
      const r = await env.step(click('Click Me!'));
      await env.page.evaluate(() => (window as unknown as { core: { endEpisode(r: number, t: boolean, why: string): void } }).core.endEpisode(-1, false, 'late'));
      const result = await score(env, task, r.observation);
      assert.equal(result.score, 1);
      assert.match(result.reason, /clicked the button/);
    });
  });

  test('a wrong action scores 0 with the page\'s reason', async () => {
    await withEnv({}, async (env) => {
      const task = one('click-button', 5);
      const first = await env.reset(task);
      const target = wordOf(first.instruction!);
      const wrong = first.nodes.find((n) => n.role === 'button' && n.name !== target)!.name;
      const r = await env.step(click(wrong));
      assert.equal(r.terminated, true);
      const result = await score(env, task, r.observation);
      assert.equal(result.score, 0);
      assert.equal(result.reason, `raw reward -1 (time-discounted -1): clicked "${wrong}" instead of "${target}"`);
    });
  });

  test('an object utterance ({ utterance }) is the instruction; typing the seeded word scores 1', async () => {
    await withEnv({}, async (env) => {
      const task = one('enter-text', 7);
      const first = await env.reset(task);
      assert.match(first.instruction!, /^Enter "\w+" into the text field and press Submit\.$/);
      const typed = await env.step({ type: 'type', target: { role: 'textbox', name: 'Text' }, text: wordOf(first.instruction!) });
      assert.equal(typed.terminated, false);
      const r = await env.step(click('Submit'));
      assert.equal(r.terminated, true);
      assert.equal((await score(env, task, r.observation)).score, 1);
    });
  });

  test('the START cover does not block the agent, also when the start page counts as loaded before onload', async () => {
    await withEnv({ waitUntil: 'domcontentloaded' }, async (env) => {
      const task = one('click-test');
      const first = await env.reset(task);
      assert.doesNotMatch(first.text, /START/);
      const cover = await env.page.evaluate(() => getComputedStyle(document.getElementById('sync-task-cover')!).display);
      assert.equal(cover, 'none', 'the page made its cover (onload ran) and it is hidden');
      const r = await env.step(click('Click Me!'));
      assert.equal(r.observation.lastActionError, null, 'the click reached the button under where the cover was');
      assert.equal((await score(env, task, r.observation)).score, 1);
    });
  });

  test('an episode that runs out of EPISODE_MAX_TIME scores 0; a click on the cover shown again is refused', async () => {
    await using short = await MiniWoBSuite.open(TASKS_DIR, { episodeMaxTimeMs: 300 });
    await withEnv({}, async (env) => {
      const task = short.task('click-test');
      await env.reset(task);
      await new Promise((resolve) => setTimeout(resolve, 600));
      const r = await env.step(click('Click Me!'));
      // The page ended the episode and showed START again; clicking it would start a new problem.
      assert.match(r.observation.lastActionError ?? '', /covered by/);
      assert.equal(r.terminated, true);
      const result = await score(env, task, r.observation);
      assert.equal(result.score, 0);
      assert.match(result.reason, /^raw reward -1 .*: timed out$/);
    });
  });

  test('an episode never finished (truncated at maxTurns) scores 0 with a reason', async () => {
    await withEnv({}, async (env) => {
      const task = one('click-test', 0, 1);
      await env.reset(task);
      const r = await env.step({ type: 'hover', target: { role: 'button', name: 'Click Me!' } });
      assert.equal(r.terminated, false);
      assert.equal(r.truncated, true);
      const result = await score(env, task, r.observation);
      assert.equal(result.score, 0);
      assert.match(result.reason, /not finished: the page never ended it/);
    });
  });

  test('ready and isDone must be functions', async () => {
    await withEnv({}, async (env) => {
      const task = one('click-test');
      await assert.rejects(env.reset({ ...task, ready: 'yes' } as unknown as WebTask), (e: unknown) => e instanceof TaskError && /ready must be a function/.test(e.message));
      await assert.rejects(env.reset({ ...task, isDone: true } as unknown as WebTask), (e: unknown) => e instanceof TaskError && /isDone must be a function/.test(e.message));
    });
  });
});

describe('MiniWoB++ through the rollout engine', () => {
  test('runRollouts and evaluate give the agent the page\'s instruction as the intent', async () => {
    const intents: string[] = [];
    // Reads the instruction from the prompt, as a trained policy would, and clicks what it names.
    const policy: ChatPolicy = {
      name: 'scripted',
      async chat(requests) {
        return requests.map((r) => {
          const user = r.messages.filter((m) => m.role === 'user').at(-1)!.content;
          const instruction = /Click on the "\w+" button\.|Click the button\./.exec(user)?.[0] ?? '';
          intents.push(instruction);
          const name = instruction.startsWith('Click on') ? wordOf(instruction) : 'Click Me!';
          return { text: `<think>The page asks: ${instruction}</think><answer>do(action="Click", role="button", name="${name}")</answer>`, finishReason: 'stop' as const };
        });
      },
    };
    const agent = new Agent({ policy, prompt: { targets: 'name' } });
    const tasks = [...suite.tasks({ names: ['click-button'], seeds: [0, 1, 2] }), one('click-test')];
    const trajectories = await runRollouts(tasks.map((task, i) => ({ task, groupId: task.id, seed: i })), {
      agent, concurrency: 2, maxTurns: 3, makeEnvironment: () => new WebEnvironment({ pool }),
    });
    assert.equal(trajectories.length, 4);
    for (const t of trajectories) {
      assert.equal(t.reward, 1, `${t.taskId} solved`);
      assert.equal(t.turns.length, 1);
      assert.equal(t.stats.terminated, true);
      assert.equal(t.site, 'miniwob');
      const prompt = t.turns[0]!.prompt!.map((m) => m.content).join('\n');
      assert.doesNotMatch(prompt, /the page states the instruction/, 'the placeholder intent is not shown');
    }
    assert.equal(intents.filter((i) => i === '').length, 0, 'every prompt held the page\'s instruction');
    const report = await evaluate(tasks, { agent, concurrency: 2, maxTurns: 3, makeEnvironment: () => new WebEnvironment({ pool }) });
    assert.equal(report.success, 1);
    assert.deepEqual(report.perTemplate, { 'miniwob.click-button': { success: 1, episodes: 3 }, 'miniwob.click-test': { success: 1, episodes: 1 } });
    assert.equal(pool.stats.openContexts, 0);
  });
});

describe('examples/miniwob.ts', () => {
  test('evaluates a remote policy (a scripted OpenAI-compatible endpoint) on the checkout and prints the success', async () => {
    // Answers like a model: finds the page's instruction and the id of the button it names.
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const messages = (JSON.parse(body) as { messages: Array<{ role: string; content: string }> }).messages;
        const user = messages.filter((m) => m.role === 'user').at(-1)!.content;
        const label = /Click on the "(\w+)" button\./.exec(user)?.[1] ?? 'Click Me!';
        const id = new RegExp(`\\[(\\d+)\\] button "${label.replace(/[!.]/g, '\\$&')}"`).exec(user)?.[1] ?? '0';
        const content = `<think>click ${label}</think><answer>do(action="Click", element="${id}")</answer>`;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const { stdout } = await promisify(execFile)(process.execPath, [
        '--import', 'tsx', 'examples/miniwob.ts', CHECKOUT, '--remote', base, '--model', 'scripted', '--api-key-env', 'MINIWOB_TEST_NO_KEY',
        '--tasks', 'click-test,click-button', '--seeds', '2', '--chromium', findChromium()!,
      ], { timeout: 180_000 });
      assert.match(stdout, /^click-button +2\/2$/m);
      assert.match(stdout, /^click-test +2\/2$/m);
      assert.match(stdout, /^overall 100\.0% of 4 episodes/m);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
