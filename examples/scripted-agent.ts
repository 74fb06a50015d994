// A scripted agent does the bundled demo shop's tasks in real Chromium. Each turn the
// agent writes its action as text in WebAgent-R1's grammar; the text is parsed back into an
// action, executed, and the episode is scored 0/1 by the task's rule-based checker.
// The environment loop without a model (`npm run quickstart` trains one).
//
//   npx tsx examples/scripted-agent.ts [--chromium /path/to/chrome] [--episodes 5] [--quiet]

import { parseArgs } from 'node:util';
import { BrowserPool, WebEnvironment, ensureChromium, formatAction, parseAction, type Action } from '../src/index.js';
import { demoTasks, readDemoState, startDemoSite, type DemoTask } from '../src/testing/index.js';

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

/**
 * The scripted agent's replies: the task's expert solution written as text. With `fumble` it
 * first writes an unparseable reply, to show how a bad model output becomes an error the agent
 * reads in its next observation (the turn still counts).
 */
function scriptedReplies(task: DemoTask, fumble: boolean): string[] {
  return [...(fumble ? ['I am not sure what to do, maybe click the mug?'] : []), ...task.expert.map((a) => formatAction(a))];
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

  // 2. The bundled demo shop on 127.0.0.1, and one browser for all episodes.
  await using site = await startDemoSite();
  await using pool = new BrowserPool({ executablePath });
  await using env = new WebEnvironment({ pool, maxTurns: 15 });
  console.log(`Demo shop: ${site.url}\n`);

  const tasks = demoTasks(site);
  const results: Array<{ task: string; turns: number; reward: number; seconds: number }> = [];
  for (let e = 0; e < episodes; e++) {
    const task = tasks[e % tasks.length]!;
    const fumble = e === tasks.length; // the fifth episode shows an invalid reply and the recovery
    const started = Date.now();
    let obs = await env.reset(task);
    log(`=== Episode ${e + 1}: ${task.intent}`);
    log(`    start: ${obs.url} "${obs.title}" (${obs.nodes.filter((n) => n.id !== undefined).length} actionable elements)`);
    let turns = 0;
    let answer: string | undefined;
    for (const text of scriptedReplies(task, fumble)) {
      const action: Action = parseAction(text);
      const r = await env.step(action);
      turns = r.info.turn;
      obs = r.observation;
      log(`    Round ${turns}: ${text}`);
      log(`      -> ${obs.url}${obs.lastActionError ? `\n      ! ${obs.lastActionError}` : ''}${obs.notices.length ? `\n      i ${obs.notices.join('; ')}` : ''}`);
      if (r.terminated || r.truncated) {
        answer = r.info.answer;
        break;
      }
    }
    const final = await readDemoState(site, env.page, answer);
    const reward = task.check(final) ? 1 : 0;
    log(`    reward ${reward}${answer !== undefined ? ` (answer: ${JSON.stringify(answer)})` : ''}\n`);
    results.push({ task: task.id, turns, reward, seconds: (Date.now() - started) / 1000 });
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
