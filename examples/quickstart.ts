// Quickstart: train a web agent from scratch on the bundled sites, WebAgent-R1's recipe end to end
// with `trainWebAgent`, in about 15 minutes on a 2-core machine without a GPU:
//
//   1. expert demonstrations: the bundled experts solve `train` tasks in real Chromium;
//   2. a small policy (createSmallPolicy): a BPE tokenizer trained on their text and a
//      0.6 M-parameter transformer (the default's width, 2 layers instead of 4: a training step
//      takes 0.6 of the time, so BC gets past the point where the model learns to copy names
//      within the budget);
//   3. behavior cloning on the demonstrations (a budget in steps, capped at --bc-minutes, both
//      cores, the learning rate decayed linearly to 0 over its last 30%);
//   4. multi-turn GRPO from online rollouts in Chromium, binary rewards from the task checkers;
//   5. greedy evaluation on the `test` split (same templates, entities never seen in training)
//      before training, after BC and after GRPO; a table; the agent saved in the run folder as a
//      Hugging Face folder that `Agent.fromPretrained(dir)` loads with no options.
//
// Evaluation and GRPO's rollouts decode under the whole-action constraint (`constrainAction`):
// every reply is one well-formed action on an element of the page, its typed text copied from
// the task; the model only chooses among those (pass --constrain-action 0 to see it without).
//
//   npm run quickstart -- [--templates a,b,c] [--demos-per-template 24] [--test-per-template 3]
//                         [--bc-steps 2500] [--bc-minutes 11] [--grpo-iterations 3] [--out runs/quickstart]
//                         [--chromium /path/to/chrome] [--seed 1] [--constrain-action 1]

import { parseArgs } from 'node:util';
import { BrowserPool, BundledSuite, STARTER_TEMPLATES, WebEnvironment, ensureChromium, initBackend, progressBar, startSuiteServer, trainWebAgent, writeRunReport, type EvaluationReport } from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    templates: { type: 'string', default: STARTER_TEMPLATES.join(',') },
    'demos-per-template': { type: 'string', default: '24' },
    'test-per-template': { type: 'string', default: '3' },
    'bc-steps': { type: 'string', default: '2500' },
    'bc-minutes': { type: 'string', default: '11' },
    'grpo-iterations': { type: 'string', default: '3' },
    'max-turns': { type: 'string', default: '6' },
    out: { type: 'string', default: 'runs/quickstart' },
    chromium: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'constrain-action': { type: 'string', default: '1' },
  },
});

function positive(name: keyof typeof args, integer = true): number {
  const v = Number(args[name]);
  if (!(v > 0) || (integer && !Number.isInteger(v))) {
    console.error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(args[name])}`);
    process.exit(2);
  }
  return v;
}
const demosPerTemplate = positive('demos-per-template');
const testPerTemplate = positive('test-per-template');
const bcSteps = positive('bc-steps');
const bcMinutes = positive('bc-minutes', false);
const grpoIterations = positive('grpo-iterations');
const maxTurns = positive('max-turns');
const seed = positive('seed');
if (args['constrain-action'] !== '0' && args['constrain-action'] !== '1') {
  console.error(`--constrain-action must be 0 or 1, got ${JSON.stringify(args['constrain-action'])}`);
  process.exit(2);
}
const constrainAction = args['constrain-action'] === '1';

async function main(): Promise<void> {
  const started = performance.now();
  const elapsed = (): string => `${((performance.now() - started) / 60000).toFixed(1)} min`;
  console.log(`tfjs backend: ${(await initBackend()).name}`);
  const executablePath = await ensureChromium({
    ...(args.chromium !== undefined ? { executablePath: args.chromium } : {}),
    log: (line) => console.error(`[browser install] ${line}`),
  });
  await using server = await startSuiteServer({ seed });
  await using pool = new BrowserPool({ executablePath });
  const suite = new BundledSuite(server);
  const templates = args.templates.split(',').map((t) => t.trim()).filter(Boolean);
  const known = new Set(suite.templatesOf('train').map((t) => t.id));
  const unknown = templates.filter((t) => !known.has(t));
  if (unknown.length > 0) throw new Error(`--templates: unknown train template(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  const test = suite.tasks({ split: 'test', templates, perTemplate: testPerTemplate });

  let bar: ReturnType<typeof progressBar> | undefined;
  const { agent, reports, behaviorCloning } = await trainWebAgent({
    tasks: {
      train: suite.tasks({ split: 'train', templates, perTemplate: demosPerTemplate }),
      test,
      // GRPO practises on fresh train instances (new entities), not only the demonstrated ones.
      rl: suite.tasks({ split: 'train', templates, perTemplate: 200 }),
    },
    makeEnvironment: () => new WebEnvironment({ pool, maxTurns }),
    // The default small policy's shape with 2 layers.
    policy: { settings: { model: { num_hidden_layers: 2 } } },
    behaviorCloning: { steps: bcSteps, maxSeconds: bcMinutes * 60 },
    grpo: { iterations: grpoIterations },
    maxTurns, seed, constrainAction, out: args.out,
    onEvent: (e) => {
      if (e.type === 'demonstrations') console.log(`${e.demonstrations} demonstrations (${e.failed} failed) of ${templates.length} templates, ${elapsed()}`);
      else if (e.type === 'policy') console.log(`policy: ${e.parameters.toLocaleString('en')} parameters, vocabulary ${e.vocabulary}, ${e.samples} BC samples`);
      else if (e.type === 'stage-start') bar = progressBar(e.steps, { label: e.stage });
      else if (e.type === 'bc-step') bar?.update(e.step, `loss ${e.loss.toFixed(3)}`);
      else if (e.type === 'grpo-iteration') bar?.update(e.metrics.iteration + 1, `reward ${e.metrics.reward_mean.toFixed(2)}`);
      else if (e.type === 'evaluation') {
        bar?.stop();
        bar = undefined;
        if (e.stage === 'untrained') console.log(`untrained: ${pct(e.report.success)} of ${test.length} test tasks, ${elapsed()}`);
        else if (e.stage === 'grpo') console.log(`GRPO: success ${pct(e.report.success)}, ${elapsed()}`);
      }
    },
  });
  if (behaviorCloning && reports.bc) console.log(`behavior cloning: ${behaviorCloning.steps} steps, loss ${behaviorCloning.trainLoss.toFixed(3)}; success ${pct(reports.bc.success)}, ${elapsed()}`);

  console.log('\n| template | untrained | BC | BC + GRPO |\n|---|---:|---:|---:|');
  const cell = (r: EvaluationReport | undefined, t?: string): string => pct((t === undefined ? r?.success : r?.perTemplate[t]?.success) ?? 0);
  for (const t of templates) console.log(`| ${t} | ${cell(reports.untrained, t)} | ${cell(reports.bc, t)} | ${cell(reports.grpo, t)} |`);
  console.log(`| **all (${test.length} test tasks)** | ${cell(reports.untrained)} | ${cell(reports.bc)} | ${cell(reports.grpo)} |`);
  console.log(`\nthe run, step by step: ${await writeRunReport(args.out)}`);
  console.log(`saved ${args.out}/agent (${elapsed()}). Load it with:\n  await Agent.fromPretrained('${args.out}/agent')`);
  agent.dispose();
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
