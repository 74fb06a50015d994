// Tests for the rollout engine (src/rl/rollout.ts) on the browser-free ScriptedEnvironment: episodes
// run concurrently and independently (a slow policy call does not hold the others), trajectories
// come back in job order with rewards from the task's checker, turn records carry the prompt, the
// reply and the parsed action, crashed episodes are re-run and recorded once, and a local
// TransformerLM's token records (prompt ids, completion ids, logprobs) land in the turns.
// One test runs through real Chromium: the browser is killed mid-rollout and no trajectory is
// lost or recorded half-done (skipped without a browser).

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Trajectory } from '../../src/data/trajectory.js';
import { BrowserPool } from '../../src/env/browser-pool.js';
import { findChromium } from '../../src/env/chromium.js';
import { WebEnvironment } from '../../src/env/web-environment.js';
import { AgentPrompt } from '../../src/agent/agent-prompt.js';
import { demonstrationReply } from '../../src/rl/behavior-cloning.js';
import { collectDemonstrations } from '../../src/rl/demonstrations.js';
import { startSuiteServer } from '../../src/suites/server.js';
import { BundledSuite } from '../../src/suites/suite.js';
import { OptionsError } from '../../src/errors.js';
import { Agent } from '../../src/agent/agent.js';
import { initBackend } from '../../src/model/backend.js';
import { LocalChatPolicy, type ChatPolicy, type ChatReply, type ChatRequest } from '../../src/agent/chat.js';
import { CHATML_TEMPLATE } from '../../src/agent/chat-template.js';
import { HfTokenizer } from '../../src/model/tokenizer.js';
import { trainBpeTokenizer } from '../../src/model/bpe-trainer.js';
import { TransformerLM } from '../../src/model/transformer.js';
import { estimatePassAtK, evaluate } from '../../src/rl/evaluate.js';
import { runRollouts, RolloutError, type EpisodeJob } from '../../src/rl/rollout.js';
import { answerIncludes } from '../../src/tasks/checkers.js';
import type { WebTask } from '../../src/tasks/types.js';
import { ScriptedEnvironment, scriptedShop, SCRIPTED_SHOP_PRODUCTS, SCRIPTED_SHOP_URL, type ShopState } from '../../src/testing/index.js';

const TASK: WebTask = {
  id: 'shop/mug-price', intent: 'What does the Blue Ceramic Mug cost?', startUrl: SCRIPTED_SHOP_URL, site: 'shop',
  check: answerIncludes(['12']), meta: { template: 'price' }, maxTurns: 4,
};

/** Replies by the first turn's sampling seed: even opens the product and then answers right, odd answers wrong at once. */
class SeededPolicy implements ChatPolicy {
  readonly name = 'seeded';
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly delayMs: (seed: number) => number = () => 0) {}
  async chat(requests: readonly ChatRequest[], sampling?: { seed?: number }): Promise<ChatReply[]> {
    const seed = requests[0]!.seed ?? sampling?.seed ?? 0;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, this.delayMs(seed)));
    this.inFlight -= 1;
    return requests.map((r) => {
      const round = r.messages.filter((m) => m.role === 'user').length;
      const good = seed % 2 === 0;
      const text = round === 1 && good
        ? '<think>open the mug</think><answer>do(action="Click", role="link", name="Blue Ceramic Mug")</answer>'
        : `<think>done</think><answer>exit(message="${round > 1 ? '$12.00' : '$99'}")</answer>`;
      return { text, finishReason: 'stop' as const };
    });
  }
}

const env = (extra = {}): ScriptedEnvironment<ShopState> => new ScriptedEnvironment(scriptedShop(extra));
const jobs = (n: number, seedOf: (i: number) => number): EpisodeJob[] => Array.from({ length: n }, (_, i) => ({ task: TASK, groupId: `g${Math.floor(i / 4)}`, seed: seedOf(i) }));

describe('runRollouts', () => {
  test('runs episodes concurrently and returns scored trajectories in job order', async () => {
    const policy = new SeededPolicy();
    const agent = new Agent({ policy, prompt: { targets: 'name' } });
    const made: ScriptedEnvironment<ShopState>[] = [];
    const seen: string[] = [];
    const result = await runRollouts(jobs(8, (i) => i), {
      agent, concurrency: 4, makeEnvironment: () => { const e = env(); made.push(e); return e; },
      onTrajectory: (t) => seen.push(t.taskId),
    });
    assert.equal(result.length, 8);
    assert.equal(seen.length, 8);
    assert.equal(made.length, 4, 'one environment per concurrent slot, reused across episodes');
    for (const t of result) {
      assert.equal(t.taskId, TASK.id);
      assert.equal(t.site, 'shop');
      assert.equal(t.template, 'price');
      assert.ok(t.reward === 0 || t.reward === 1);
      assert.equal(t.stats.terminated, true);
      assert.equal(t.stats.turns, t.turns.length);
      const last = t.turns.at(-1)!;
      assert.equal(last.action.type, 'answer');
      assert.equal(t.reward, last.action.text === '$12.00' ? 1 : 0);
      assert.ok(last.prompt!.some((m) => m.role === 'system'));
      if (t.turns.length === 2) {
        assert.deepEqual(t.turns[0]!.action, { type: 'click', target: { role: 'link', name: 'Blue Ceramic Mug' } });
        assert.equal(t.turns[1]!.observation.url, `${SCRIPTED_SHOP_URL}product/mug`);
      }
    }
    assert.deepEqual(result.map((t) => t.groupId), ['g0', 'g0', 'g0', 'g0', 'g1', 'g1', 'g1', 'g1']);
    assert.ok(result.some((t) => t.reward === 1) && result.some((t) => t.reward === 0), 'seeds give both outcomes');
    assert.ok(policy.maxInFlight > 1 && policy.maxInFlight <= 4, `max in flight ${policy.maxInFlight}`);
  });

  test('a slow policy call does not stall the other episodes', async () => {
    const order: number[] = [];
    const policy = new SeededPolicy((seed) => (seed % 7 === 0 ? 300 : 5));
    const agent = new Agent({ policy, prompt: { targets: 'name' } });
    const started = Date.now();
    await runRollouts(jobs(6, (i) => i), {
      agent, concurrency: 6, makeEnvironment: () => env(),
      onTrajectory: () => order.push(Date.now() - started),
    });
    assert.equal(order.length, 6);
    // Not lock-step: some episodes finished long before the slowest one (ratios, not absolute
    // times, so a loaded machine does not fail it).
    assert.ok(order.at(-1)! >= 290 && order[0]! * 2 < order.at(-1)!, `finish times ${order.join(', ')}`);
  });

  test('episodeTimeoutMs: a fractional timeout is rounded up, not a crash; a bad one is an OptionsError', async () => {
    const agent = new Agent({ policy: new SeededPolicy(), prompt: { targets: 'name' } });
    // AbortSignal.timeout throws ERR_OUT_OF_RANGE for 2500.5 ms; a benchmark lost a run to that.
    const result = await runRollouts(jobs(2, (i) => i), { agent, concurrency: 2, makeEnvironment: () => env(), episodeTimeoutMs: 2500.5 });
    assert.deepEqual(result.map((t) => t.reward), [1, 0]);
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await assert.rejects(runRollouts(jobs(1, () => 0), { agent, makeEnvironment: () => env(), episodeTimeoutMs: bad }), (e: unknown) => e instanceof OptionsError && /episodeTimeoutMs/.test(e.message));
    }
  });

  test('a task whose prompt outgrows the budget ends its episode with the error; the other episodes run on', async () => {
    const corpus = ['Task Instruction What does the Blue Ceramic Mug cost? link "Blue Ceramic Mug" exit(message="12")'];
    const tokenizer = HfTokenizer.fromJson(trainBpeTokenizer(Array(20).fill(corpus).flat() as string[], { vocabSize: 300, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] }));
    const agent = new Agent({ policy: new SeededPolicy(), prompt: { targets: 'name', tokenizer, maxPromptTokens: 3500 } });
    const long: WebTask = { ...TASK, id: 'shop/long', intent: `${'Please read all of this first. '.repeat(120)}What does the Blue Ceramic Mug cost?` };
    const result = await runRollouts([{ task: TASK, groupId: 'g0', seed: 0 }, { task: long, groupId: 'g1', seed: 0 }, { task: TASK, groupId: 'g2', seed: 2 }], {
      agent, concurrency: 2, makeEnvironment: () => env(),
    });
    assert.deepEqual(result.map((t) => t.taskId), ['shop/mug-price', 'shop/long', 'shop/mug-price']);
    const [first, stopped, third] = result as [Trajectory, Trajectory, Trajectory];
    assert.match(stopped.error ?? '', /maxPromptTokens 3500 leaves no room for the page/);
    assert.equal(stopped.turns.length, 0);
    assert.equal(stopped.reward, 0);
    assert.equal(stopped.stats.truncated, true);
    for (const t of [first, third]) {
      assert.equal(t.error, undefined);
      assert.equal(t.reward, 1);
    }
  });

  test('a crashed episode is re-run and recorded once; repeated crashes fail with RolloutError', async () => {
    let crashes = 0;
    const retries: number[] = [];
    const agent = new Agent({ policy: new SeededPolicy(), prompt: { targets: 'name' } });
    const result = await runRollouts(jobs(3, () => 2), {
      agent, concurrency: 1,
      makeEnvironment: () => env({ failOn: ({ action }: { action: { type: string } | null }) => action?.type === 'answer' && crashes++ === 0 }),
      onRetry: (_job, attempt) => retries.push(attempt),
    });
    assert.equal(result.length, 3);
    assert.deepEqual(retries, [1]);
    for (const t of result) assert.equal(t.turns.filter((x) => x.action.type === 'answer').length, 1);
    await assert.rejects(
      runRollouts(jobs(1, () => 2), { agent, maxRetries: 1, makeEnvironment: () => env({ failOn: () => true }) }),
      (e: unknown) => e instanceof RolloutError && /crashed 2 times/.test(e.message),
    );
    await assert.rejects(runRollouts([], { agent, concurrency: 0, makeEnvironment: () => env() }), OptionsError);
  });

  test('skipCrashed leaves out an episode that crashes on every re-run and keeps the others', async () => {
    const agent = new Agent({ policy: new SeededPolicy(), prompt: { targets: 'name' } });
    const skipped: string[] = [];
    const seen: string[] = [];
    const all = jobs(4, (i) => 2 * i); // even seeds: open the product, then answer right
    all[2] = { ...all[2]!, task: { ...TASK, id: 'shop/doomed' } };
    const result = await runRollouts(all, {
      agent, concurrency: 2, maxRetries: 1, skipCrashed: true,
      makeEnvironment: () => env({ failOn: ({ task }: { task: { id: string } }) => task.id === 'shop/doomed' }),
      onTrajectory: (t) => seen.push(t.taskId),
      onSkip: (job, error) => skipped.push(`${job.task.id}:${error instanceof RolloutError}`),
    });
    assert.deepEqual(skipped, ['shop/doomed:true']);
    assert.deepEqual(result.map((t) => t.taskId), [TASK.id, TASK.id, TASK.id], 'the others, in job order');
    assert.deepEqual(result.map((t) => t.reward), [1, 1, 1]);
    assert.equal(seen.length, 3, 'the skipped episode is never recorded');
  });
});

describe('runRollouts with a local TransformerLM', () => {
  let tokenizer: HfTokenizer;
  before(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    const corpus = Array(30).fill(['Round Task Instruction What does the Blue Ceramic Mug cost? link "Blue Ceramic Mug" do(action="Click", role="link", name="Home") exit(message="12")']).flat() as string[];
    tokenizer = HfTokenizer.fromJson(trainBpeTokenizer(corpus, { vocabSize: 300, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] }));
  });

  test('turns carry the exact prompt ids, completion ids and behaviour logprobs', async () => {
    const model = new TransformerLM({ config: { vocab_size: tokenizer.vocabSize, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 32, max_position_embeddings: 4096 }, seed: 1 });
    try {
      const policy = new LocalChatPolicy({ policy: model, tokenizer, template: CHATML_TEMPLATE });
      const agent = new Agent({ policy, prompt: { targets: 'name', template: policy.template, tokenizer }, sampling: { maxNewTokens: 8, temperature: 1 } });
      const result: Trajectory[] = await runRollouts(jobs(4, (i) => 100 + i), { agent, concurrency: 4, maxTurns: 2, makeEnvironment: () => env() });
      for (const t of result) {
        assert.ok(t.turns.length >= 1);
        for (const turn of t.turns) {
          assert.ok(turn.promptIds.length > 50);
          assert.ok(turn.completionIds.length >= 1 && turn.completionIds.length <= 8);
          assert.equal(turn.logprobs.length, turn.completionIds.length);
          assert.ok([...turn.logprobs].every((x) => x <= 0 && Number.isFinite(x)));
          assert.deepEqual([...turn.promptIds], tokenizer.encode(policy.template.render(turn.prompt!, { addGenerationPrompt: true }), { addSpecialTokens: false }));
        }
      }
      // Same seeds, same trajectories.
      const again = await runRollouts(jobs(4, (i) => 100 + i), { agent, concurrency: 2, maxTurns: 2, makeEnvironment: () => env() });
      assert.deepEqual(again.map((t) => t.turns.map((x) => [...x.completionIds])), result.map((t) => t.turns.map((x) => [...x.completionIds])));
    } finally {
      model.dispose();
    }
  });
});

describe('evaluate', () => {
  test('success overall, per site and per template, pass@k and mean turns for any ChatPolicy', async () => {
    const tasks: WebTask[] = SCRIPTED_SHOP_PRODUCTS.map((p) => ({
      id: `price/${p.slug}`, intent: `What does the ${p.name} cost?`, startUrl: SCRIPTED_SHOP_URL, site: p.slug === 'mug' ? 'mugs' : 'shop',
      check: answerIncludes([p.price]), meta: { template: p.slug === 'mug' ? 'mug-price' : 'price' },
    }));
    // Answers "$12.00" to everything: right for the mug only.
    const policy: ChatPolicy = { name: 'mug', chat: (reqs) => Promise.resolve(reqs.map(() => ({ text: '<answer>exit(message="$12.00")</answer>', finishReason: 'stop' as const }))) };
    const report = await evaluate(tasks, { agent: new Agent({ policy }), makeEnvironment: () => env(), attempts: 2, concurrency: 3 });
    assert.equal(report.episodes, tasks.length * 2);
    assert.equal(report.tasks, tasks.length);
    assert.equal(report.success, 1 / tasks.length);
    assert.equal(report.passAtK, 1 / tasks.length);
    assert.equal(report.meanTurns, 1);
    assert.equal(report.invalidActionRate, 0);
    assert.deepEqual(report.perSite, { mugs: { success: 1, episodes: 2 }, shop: { success: 0, episodes: (tasks.length - 1) * 2 } });
    assert.deepEqual(report.perTemplate, { 'mug-price': { success: 1, episodes: 2 }, price: { success: 0, episodes: (tasks.length - 1) * 2 } });
    assert.deepEqual(report.perTask, Object.fromEntries(tasks.map((t) => [t.id, { success: t.id === 'price/mug' ? 1 : 0, episodes: 2 }]).sort(([a], [b]) => String(a).localeCompare(String(b)))));
    assert.deepEqual(Object.keys(report.perTask), tasks.map((t) => t.id).sort((a, b) => a.localeCompare(b)));
    // The unbiased estimator at k = attempts is the empirical pass@k; at k = 1 (binary rewards) the mean success.
    assert.equal(estimatePassAtK(report, 2), report.passAtK);
    assert.equal(estimatePassAtK(report, 1), report.success);
    await assert.rejects(evaluate([], { agent: new Agent({ policy }), makeEnvironment: () => env() }), OptionsError);
  });

  test('estimatePassAtK: HumanEval estimator golden values and typed errors', () => {
    const attempts = (taskId: string, rewards: number[]): Trajectory[] => rewards.map((reward) => ({ taskId, reward }) as unknown as Trajectory);
    // a: 1 of 4 solved, b: 0 of 4, c: 2 of 4 (attempts interleaved: grouping is by task id).
    const trajectories = [...attempts('a', [0, 1, 0, 0]), ...attempts('b', [0, 0, 0, 0]), ...attempts('c', [1, 0, 0, 1])].sort((x, y) => x.reward - y.reward);
    const close = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} != ${expected}`);
    close(estimatePassAtK({ trajectories }, 1), (0.25 + 0 + 0.5) / 3);
    // k = 2: a 1 - C(3,2)/C(4,2) = 1/2, c 1 - C(2,2)/C(4,2) = 5/6.
    close(estimatePassAtK({ trajectories }, 2), (0.5 + 0 + 5 / 6) / 3);
    close(estimatePassAtK({ trajectories }, 3), (0.75 + 0 + 1) / 3);
    close(estimatePassAtK({ trajectories }, 4), 2 / 3);
    assert.throws(() => estimatePassAtK({ trajectories }, 5), (e: unknown) => e instanceof OptionsError && /k = 5 is more than the 4 attempt\(s\) of task a/.test(e.message));
    assert.throws(() => estimatePassAtK({ trajectories }, 0), OptionsError);
    assert.throws(() => estimatePassAtK({ trajectories: [] }, 1), OptionsError);
  });
});

const chromium = findChromium();

describe('runRollouts through a real browser', () => {
  test('a browser killed mid-rollout loses no trajectory: crashed episodes re-run, each recorded once and whole', { skip: chromium ? false : 'no Chromium found (findChromium)' }, async () => {
    await using server = await startSuiteServer();
    await using pool = new BrowserPool({ executablePath: chromium! });
    const suite = new BundledSuite(server);
    const tasks = suite.tasks({ split: 'train', templates: ['map.open-place'], perTemplate: 3 });
    const environments: WebEnvironment[] = [];
    const makeEnvironment = (): WebEnvironment => {
      const e = new WebEnvironment({ pool, maxTurns: 6 });
      environments.push(e);
      return e;
    };
    // The experts' replies, recorded first, become a policy that replays them by task and round.
    const { demonstrations } = await collectDemonstrations(tasks, { makeEnvironment, concurrency: 3 });
    assert.equal(demonstrations.length, 3);
    const prompt = new AgentPrompt({ template: 'plain', think: false, targets: 'name' });
    const replies = new Map(demonstrations.map((d) => [d.intent, d.turns.map((t) => demonstrationReply(prompt, t))]));
    let calls = 0;
    let killed = 0;
    const policy: ChatPolicy = {
      name: 'replay',
      async chat(requests) {
        calls += 1;
        if (calls === 4) {
          // Kill the browser process while every episode is between two actions.
          const browserOf = (e: WebEnvironment): ReturnType<WebEnvironment['context']['browser']> => {
            try {
              return e.context.browser();
            } catch {
              return null; // no episode running in this environment
            }
          };
          const browser = environments.map(browserOf).find((b) => b)!;
          const session = await browser.newBrowserCDPSession();
          const info = (await session.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ type: string; id: number }> };
          process.kill(info.processInfo.find((p) => p.type === 'browser')!.id, 'SIGKILL');
          killed += 1;
        }
        return requests.map((r) => {
          const intent = tasks.find((t) => r.messages.some((m) => m.content.includes(t.intent)))!.intent;
          const round = r.messages.filter((m) => m.role === 'user').length;
          return { text: replies.get(intent)![round - 1] ?? 'exit(message="lost")', finishReason: 'stop' as const };
        });
      },
    };
    const agent = new Agent({ policy, prompt });
    const recorded: Trajectory[] = [];
    const retries: string[] = [];
    const jobs = tasks.flatMap((task) => [0, 1].map((g) => ({ task, groupId: task.id, seed: g })));
    const crashesBefore = pool.stats.crashes;
    const result = await runRollouts(jobs, {
      agent, makeEnvironment, concurrency: 6, maxTurns: 6,
      onTrajectory: (t) => recorded.push(t), onRetry: (job) => retries.push(job.task.id),
    });
    assert.equal(killed, 1);
    assert.equal(pool.stats.crashes - crashesBefore, 1, 'the kill was seen as one browser crash');
    assert.ok(retries.length >= 1, 'episodes in flight were re-run');
    assert.equal(result.length, jobs.length);
    assert.equal(recorded.length, jobs.length, 'each episode recorded exactly once');
    for (const t of result) {
      const demo = demonstrations.find((d) => d.taskId === t.taskId)!;
      assert.equal(t.turns.length, demo.turns.length, `${t.taskId}: a whole episode, not the crashed part`);
      assert.equal(t.reward, 1, `${t.taskId} solved after its re-run`);
    }
    for (const e of environments) await e.close();
    assert.equal(pool.stats.openContexts, 0);
  });
});
