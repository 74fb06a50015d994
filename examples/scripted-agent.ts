// A scripted agent does tasks of the bundled shop in real Chromium. Each turn the agent writes
// its action as text in WebAgent-R1's grammar (what to write is decided by the task's scripted
// expert, which reads element ids from the observation text); the text is parsed back into an
// action, executed, and the episode is scored 0/1 by the task's rule-based checker.
// The environment loop without a model (`npm run quickstart` trains one).
//
//   npx tsx examples/scripted-agent.ts [--chromium /path/to/chrome] [--episodes 5] [--quiet]

import { parseArgs } from 'node:util';
import {
  BrowserPool, BundledSuite, WebEnvironment, ensureChromium, formatAction, parseAction, startSuiteServer,
  type Action, type ExpertStep, type Observation, type WebTask,
} from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    chromium: { type: 'string' },
    episodes: { type: 'string', default: '5' },
    quiet: { type: 'boolean', default: false },
  },
});
const episodes = Number(args.episodes);
if (!Number.isInteger(episodes) || episodes < 1) {
  console.error(`--episodes must be a positive integer, got ${JSON.stringify(args.episodes)}`);
  process.exit(2);
}

/** A price look-up (search), add to cart with options, a checkout with an address, a count over a listing. */
const TEMPLATES = ['shop.product-price', 'shop.add-to-cart', 'shop.checkout', 'shop.count'];

/**
 * The scripted agent: each reply is the task's expert's next action, written as text. With
 * `fumble` its first reply is unparseable, to show how a bad model output becomes an error the
 * agent reads in its next observation (the turn still counts).
 */
class ScriptedAgent {
  readonly #task: WebTask;
  #expert: Generator<ExpertStep, void, Observation> | undefined;
  #fumble: boolean;

  constructor(task: WebTask, fumble: boolean) {
    this.#task = task;
    this.#fumble = fumble;
  }

  /** The reply to `observation`, or undefined when the expert has nothing left to do. */
  reply(observation: Observation): string | undefined {
    if (this.#fumble) {
      this.#fumble = false;
      return 'I am not sure what to do, maybe click the mug?';
    }
    // The expert starts on the first observation it is shown, and gets each later one back.
    this.#expert ??= this.#task.expert!(this.#task, observation);
    const next = this.#expert.next(observation);
    return next.done ? undefined : formatAction(next.value.action);
  }
}

function log(line: string): void {
  if (!args.quiet) console.log(line);
}

async function main(): Promise<void> {
  // 1. A browser: --chromium, CHROMIUM_PATH, a system Chrome/Chromium, else install one.
  const executablePath = await ensureChromium({
    ...(args.chromium !== undefined ? { executablePath: args.chromium } : {}),
    log: (line) => console.error(`[browser install] ${line}`),
  });
  console.log(`Chromium: ${executablePath}`);

  // 2. The bundled sites on 127.0.0.1 (their own process; every episode gets a fresh session),
  // and one browser for all episodes.
  await using server = await startSuiteServer();
  await using pool = new BrowserPool({ executablePath });
  await using env = new WebEnvironment({ pool, maxTurns: 15 });
  console.log(`Bundled shop: ${server.urls.shop}\n`);

  const suite = new BundledSuite(server);
  const tasks = TEMPLATES.map((template) => suite.tasks({ split: 'test', templates: [template], perTemplate: 1 })[0]!);
  const results: Array<{ task: string; turns: number; reward: number; seconds: number }> = [];
  for (let e = 0; e < episodes; e++) {
    const task = tasks[e % tasks.length]!;
    const agent = new ScriptedAgent(task, e === tasks.length); // the fifth episode shows an invalid reply and the recovery
    const started = Date.now();
    let obs = await env.reset(task);
    log(`=== Episode ${e + 1}: ${task.intent}`);
    log(`    start: ${obs.url} "${obs.title}" (${obs.nodes.filter((n) => n.id !== undefined).length} actionable elements)`);
    let turns = 0;
    let answer: string | null = null;
    for (let text = agent.reply(obs); text !== undefined; text = agent.reply(obs)) {
      const action: Action = parseAction(text);
      const r = await env.step(action);
      turns = r.info.turn;
      obs = r.observation;
      log(`    Round ${turns}: ${text}`);
      log(`      -> ${obs.url}${obs.lastActionError ? `\n      ! ${obs.lastActionError}` : ''}${obs.notices.length ? `\n      i ${obs.notices.join('; ')}` : ''}`);
      if (r.terminated || r.truncated) {
        answer = r.info.answer ?? null;
        break;
      }
    }
    // The environment runs the task's checker: on the answer, the final page and, for the cart
    // and checkout tasks, the episode's site state.
    const result = await env.score();
    log(`    reward ${result.score}: ${result.reason}${answer !== null ? ` (answer: ${JSON.stringify(answer)})` : ''}\n`);
    results.push({ task: task.id, turns, reward: result.score, seconds: (Date.now() - started) / 1000 });
  }

  console.log('| episode | task | turns | reward | seconds |');
  console.log('|---:|---|---:|---:|---:|');
  results.forEach((r, i) => console.log(`| ${i + 1} | ${r.task} | ${r.turns} | ${r.reward} | ${r.seconds.toFixed(2)} |`));
  const success = results.reduce((s, r) => s + r.reward, 0) / results.length;
  console.log(`\nsuccess rate ${(success * 100).toFixed(0)}% over ${results.length} episodes`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
