#!/usr/bin/env node
// The `webagent-r1` command: `train` (trainWebAgent on the bundled suites), `eval` (a saved agent
// on the bundled suites), `report` (a run folder's report.html), `serve` (a saved agent as an
// OpenAI-compatible endpoint) and `sites`
// (the bundled websites, for a person to browse). Built on commander; each command's --help says
// what it does and what every flag takes. Ctrl-C stops cleanly: browsers and servers are closed.

import { Command, InvalidArgumentError } from 'commander';
import { Agent } from './agent/agent.js';
import { servePolicy } from './agent/serve.js';
import { BrowserPool } from './env/browser-pool.js';
import { ensureChromium } from './env/chromium.js';
import { WebEnvironment } from './env/web-environment.js';
import { isWebAgentError } from './errors.js';
import { initBackend } from './model/backend.js';
import { evaluate, type EvaluationReport } from './rl/evaluate.js';
import { progressBar } from './rl/progress.js';
import { trainWebAgent } from './rl/train-web-agent.js';
import { writeRunReport } from './report/run-report.js';
import { STARTER_TEMPLATES } from './agent/small-policy.js';
import { startSuiteServer } from './suites/server.js';
import { BundledSuite } from './suites/suite.js';
import { SITE_NAMES } from './suites/framework/site.js';

const positiveInt = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} takes a positive integer, got ${JSON.stringify(value)}`);
  return n;
};
const positiveNumber = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} takes a number > 0, got ${JSON.stringify(value)}`);
  return n;
};
const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);
const pct = (x: number | undefined): string => `${((x ?? 0) * 100).toFixed(0)}%`;

/** An AbortSignal that Ctrl-C (or SIGTERM) aborts; a second Ctrl-C exits at once. */
function interruptSignal(what: string): AbortSignal {
  const controller = new AbortController();
  const stop = (): void => {
    if (controller.signal.aborted) process.exit(130);
    console.error(`\nstopping ${what} (Ctrl-C again to quit at once)...`);
    controller.abort(new Error(`${what} stopped by the user`));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return controller.signal;
}

function checkTemplates(suite: BundledSuite, templates: readonly string[] | undefined, split: 'train' | 'test' | 'test-unseen'): void {
  if (templates === undefined) return;
  const known = new Set(suite.templatesOf(split).map((t) => t.id));
  const unknown = templates.filter((t) => !known.has(t));
  if (unknown.length > 0) throw new InvalidArgumentError(`--templates: unknown ${split} template(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
}

function printTable(columns: readonly [string, EvaluationReport | undefined][], templates: readonly string[], tasks: number): void {
  console.log(`\n| template | ${columns.map(([name]) => name).join(' | ')} |\n|---|${columns.map(() => '---:').join('|')}|`);
  for (const t of templates) console.log(`| ${t} | ${columns.map(([, r]) => pct(r?.perTemplate[t]?.success)).join(' | ')} |`);
  console.log(`| **all (${tasks} tasks)** | ${columns.map(([, r]) => pct(r?.success)).join(' | ')} |`);
}

const program = new Command('webagent-r1')
  .description('Train and evaluate web agents with end-to-end multi-turn RL (WebAgent-R1) on real Chromium.')
  .showHelpAfterError('(add --help for usage)');

program.command('train')
  .description('Train an agent from scratch on the bundled sites: expert demonstrations, behavior cloning, multi-turn GRPO, greedy evaluation on the test split before and after each stage. Saves the agent (and the agent after BC) in --out.')
  .option('--templates <ids>', `comma-separated task templates (default: the starter set, ${STARTER_TEMPLATES.length} templates)`, list)
  .option('--demos-per-template <n>', 'train tasks demonstrated per template', positiveInt('--demos-per-template'), 24)
  .option('--test-per-template <n>', 'test tasks evaluated per template', positiveInt('--test-per-template'), 3)
  .option('--bc-steps <n>', 'behavior cloning budget in optimizer steps', positiveInt('--bc-steps'), 2500)
  .option('--bc-minutes <m>', 'wall-time cap on behavior cloning', positiveNumber('--bc-minutes'))
  .option('--grpo-iterations <n>', 'multi-turn GRPO budget in iterations', positiveInt('--grpo-iterations'), 3)
  .option('--max-turns <n>', 'turn limit of an episode', positiveInt('--max-turns'), 6)
  .option('--seed <n>', 'seed of the sites, the policy, data order and sampling', positiveInt('--seed'), 1)
  .option('--out <dir>', 'run folder: agent-bc/, agent/, results.json', 'runs/webagent')
  .option('--chromium <path>', 'a Chromium or Chrome executable (default: found or installed)')
  .action(async (o: { templates?: string[]; demosPerTemplate: number; testPerTemplate: number; bcSteps: number; bcMinutes?: number; grpoIterations: number; maxTurns: number; seed: number; out: string; chromium?: string }) => {
    const signal = interruptSignal('training');
    await initBackend();
    const executablePath = await ensureChromium({ ...(o.chromium ? { executablePath: o.chromium } : {}), log: (line) => console.error(`[browser install] ${line}`) });
    await using server = await startSuiteServer({ seed: o.seed });
    await using pool = new BrowserPool({ executablePath });
    const suite = new BundledSuite(server);
    checkTemplates(suite, o.templates, 'train');
    const templates = o.templates ?? [...STARTER_TEMPLATES];
    const test = suite.tasks({ split: 'test', templates, perTemplate: o.testPerTemplate });
    let bar: ReturnType<typeof progressBar> | undefined;
    const { agent, reports } = await trainWebAgent({
      tasks: { train: suite.tasks({ split: 'train', templates, perTemplate: o.demosPerTemplate }), test, rl: suite.tasks({ split: 'train', templates, perTemplate: 200 }) },
      makeEnvironment: () => new WebEnvironment({ pool, maxTurns: o.maxTurns }),
      policy: { settings: { model: { num_hidden_layers: 2 } } },
      behaviorCloning: { steps: o.bcSteps, ...(o.bcMinutes ? { maxSeconds: o.bcMinutes * 60 } : {}) },
      grpo: { iterations: o.grpoIterations }, maxTurns: o.maxTurns, seed: o.seed, out: o.out, signal,
      onEvent: (e) => {
        if (e.type === 'demonstrations') console.log(`${e.demonstrations} demonstrations (${e.failed} failed)`);
        else if (e.type === 'policy') console.log(`policy: ${e.parameters.toLocaleString('en')} parameters, vocabulary ${e.vocabulary}`);
        else if (e.type === 'stage-start') bar = progressBar(e.steps, { label: e.stage });
        else if (e.type === 'bc-step') bar?.update(e.step, `loss ${e.loss.toFixed(3)}`);
        else if (e.type === 'grpo-iteration') bar?.update(e.metrics.iteration + 1, `reward ${e.metrics.reward_mean.toFixed(2)}`);
        else if (e.type === 'evaluation') {
          bar?.stop();
          bar = undefined;
          console.log(`${e.stage}: ${pct(e.report.success)} of ${e.report.episodes} test episodes`);
        } else if (e.type === 'saved') console.log(`saved ${e.dir}`);
      },
    });
    agent.dispose();
    printTable([['untrained', reports.untrained], ['BC', reports.bc], ['BC + GRPO', reports.grpo]], templates, test.length);
    console.log(`\nreport: ${await writeRunReport(o.out)}`);
    console.log(`evaluate it again with: webagent-r1 eval ${o.out}/agent`);
  });

program.command('report')
  .description('Write report.html into a run folder (webagent-r1 train --out, or trainWebAgent\'s out): learning curves, evaluation tables and every evaluation episode step by step. One file; opens offline.')
  .argument('<run>', 'the run folder')
  .action(async (dir: string) => {
    console.log(await writeRunReport(dir));
  });

program.command('eval')
  .description('Evaluate a saved agent (a folder Agent.save or `webagent-r1 train` wrote) greedily on the bundled sites.')
  .argument('<agent>', 'the agent folder (for example runs/webagent/agent)')
  .option('--split <split>', 'train, test or test-unseen', 'test')
  .option('--templates <ids>', 'comma-separated task templates (default: every template of the split)', list)
  .option('--per-template <n>', 'tasks per template', positiveInt('--per-template'), 3)
  .option('--max-turns <n>', 'turn limit of an episode', positiveInt('--max-turns'), 6)
  .option('--concurrency <n>', 'episodes at once', positiveInt('--concurrency'), 4)
  .option('--seed <n>', 'seed of the sites', positiveInt('--seed'), 1)
  .option('--chromium <path>', 'a Chromium or Chrome executable (default: found or installed)')
  .action(async (dir: string, o: { split: string; templates?: string[]; perTemplate: number; maxTurns: number; concurrency: number; seed: number; chromium?: string }) => {
    if (o.split !== 'train' && o.split !== 'test' && o.split !== 'test-unseen') throw new InvalidArgumentError(`--split takes train, test or test-unseen, got ${JSON.stringify(o.split)}`);
    const signal = interruptSignal('evaluation');
    const agent = await Agent.fromPretrained(dir);
    try {
      const executablePath = await ensureChromium({ ...(o.chromium ? { executablePath: o.chromium } : {}), log: (line) => console.error(`[browser install] ${line}`) });
      await using server = await startSuiteServer({ seed: o.seed });
      await using pool = new BrowserPool({ executablePath });
      const suite = new BundledSuite(server);
      checkTemplates(suite, o.templates, o.split);
      const tasks = suite.tasks({ split: o.split, perTemplate: o.perTemplate, ...(o.templates ? { templates: o.templates } : {}) });
      const bar = progressBar(tasks.length, { label: 'eval' });
      let done = 0;
      const report = await evaluate(tasks, { agent, makeEnvironment: () => new WebEnvironment({ pool, maxTurns: o.maxTurns }), concurrency: o.concurrency, maxTurns: o.maxTurns, signal, onTrajectory: () => bar.update(++done) });
      bar.stop();
      printTable([[dir, report]], Object.keys(report.perTemplate).sort(), tasks.length);
    } finally {
      agent.dispose();
    }
  });

program.command('serve')
  .description('Serve a saved agent\'s model as an OpenAI-compatible chat completions endpoint on 127.0.0.1.')
  .argument('<agent>', 'the agent folder')
  .option('--port <n>', 'port (0: any free port)', (v) => (v === '0' ? 0 : positiveInt('--port')(v)), 8000)
  .action(async (dir: string, o: { port: number }) => {
    const agent = await Agent.fromPretrained(dir);
    const server = await servePolicy(agent.policy, { port: o.port });
    console.log(`serving ${dir} at ${server.url} (POST /chat/completions). Ctrl-C to stop.`);
    const stop = (): void => {
      void server.close().then(() => {
        agent.dispose();
        process.exit(0);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

program.command('sites')
  .description('Serve the five bundled websites (shop, admin, forum, code, map) on 127.0.0.1 for a person to browse, with a few test tasks of each.')
  .option('--seed <n>', 'seed of the sites\' data', positiveInt('--seed'), 1)
  .action(async (o: { seed: number }) => {
    const server = await startSuiteServer({ seed: o.seed });
    const suite = new BundledSuite(server);
    console.log(`bundled sites (seed ${server.seed}):`);
    for (const site of SITE_NAMES) console.log(`  ${site.padEnd(6)} ${server.urls[site]}/`);
    console.log('\na few test tasks:');
    for (const site of SITE_NAMES) for (const t of suite.tasks({ split: 'test', sites: [site], perTemplate: 1 }).slice(0, 2)) console.log(`  [${t.id}] ${t.intent}\n      start: ${t.startUrl}`);
    console.log('\nCtrl-C to stop.');
    const stop = (): void => {
      void server.close().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    setInterval(() => {}, 1 << 30); // the server process is unref'ed; keep this one alive
  });

program.parseAsync().catch((error: unknown) => {
  if (error instanceof InvalidArgumentError) console.error(`error: ${error.message}`);
  else if (isWebAgentError(error) || error instanceof Error) console.error(`error: ${error.message}`);
  else console.error(`error: ${String(error)}`);
  process.exitCode = error instanceof InvalidArgumentError ? 2 : 1;
});
