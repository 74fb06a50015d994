// Quickstart: train a web agent from scratch on the bundled sites, WebAgent-R1's recipe end to end,
// in about 15 minutes on a 2-core machine without a GPU:
//
//   1. expert demonstrations: the bundled experts solve `train` tasks in real Chromium;
//   2. a small policy (createSmallPolicy): a BPE tokenizer trained on their text and a
//      0.6 M-parameter transformer (the default's width, 2 layers instead of 4: a training step
//      takes 0.6 of the time, so BC gets past the point where the model learns to copy names
//      within the budget; bench:learn trains the default 4-layer model for 20 minutes);
//   3. behavior cloning on the demonstrations (a time budget, both cores, the learning rate
//      decayed linearly to 0 over its last 30%);
//   4. multi-turn GRPO from online rollouts in Chromium, binary rewards from the task checkers;
//   5. greedy evaluation on the `test` split (same templates, entities never seen in training)
//      before training, after BC and after GRPO; a table; the checkpoint saved as a Hugging Face
//      folder that `Agent.fromPretrained` loads.
//
// Evaluation and GRPO's rollouts decode under the whole-action constraint (`constrainAction`):
// every reply is one well-formed action on an element of the page, its typed text copied from
// the task; the model only chooses among those (pass --constrain-action 0 to see it without).
//
//   npm run quickstart -- [--templates a,b,c] [--demos-per-template 24] [--test-per-template 3]
//                         [--bc-minutes 11] [--bc-steps N] [--grpo-iterations 3] [--out checkpoints/quickstart]
//                         [--chromium /path/to/chrome] [--seed 1] [--constrain-action 1]

import { parseArgs } from 'node:util';
import {
  BehaviorCloning, BrowserPool, BundledSuite, MultiTurnGRPO, WebEnvironment, attachProgress, collectDemonstrations, createSmallPolicy, linearDecaySchedule, renameEntities,
  ensureChromium, evaluate, initBackend, progressBar, saveCheckpoint, startSuiteServer, STARTER_TEMPLATES, type EvaluationReport, type WebTask,
} from '../src/index.js';


const { values: args } = parseArgs({
  options: {
    templates: { type: 'string', default: STARTER_TEMPLATES.join(',') },
    'demos-per-template': { type: 'string', default: '24' },
    'test-per-template': { type: 'string', default: '3' },
    'bc-minutes': { type: 'string', default: '11' },
    'bc-steps': { type: 'string' },
    'grpo-iterations': { type: 'string', default: '3' },
    'max-turns': { type: 'string', default: '6' },
    out: { type: 'string', default: 'checkpoints/quickstart' },
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
const bcMinutes = positive('bc-minutes', false);
// An optional step cap as well (whichever comes first): a run of fixed size on any machine.
const bcSteps = args['bc-steps'] !== undefined ? positive('bc-steps') : undefined;
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
  const makeEnvironment = (): WebEnvironment => new WebEnvironment({ pool, maxTurns });
  const suite = new BundledSuite(server);
  const templates = args.templates.split(',').map((t) => t.trim()).filter(Boolean);
  const known = new Set(suite.templatesOf('train').map((t) => t.id));
  const unknown = templates.filter((t) => !known.has(t));
  if (unknown.length > 0) throw new Error(`--templates: unknown train template(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  const train = suite.tasks({ split: 'train', templates, perTemplate: demosPerTemplate });
  const test = suite.tasks({ split: 'test', templates, perTemplate: testPerTemplate });

  // 1. Expert demonstrations in Chromium.
  const demoBar = progressBar(train.length, { label: 'demos' });
  let collected = 0;
  const { demonstrations, failed } = await collectDemonstrations(train, { makeEnvironment, concurrency: 4, onDemonstration: () => demoBar.update(++collected) });
  demoBar.stop();
  console.log(`${demonstrations.length} demonstrations (${failed.length} failed) of ${templates.length} templates, ${elapsed()}`);

  // 2. The small policy (the default's shape with 2 layers), its tokenizer trained on the demonstrations' text.
  const small = createSmallPolicy(demonstrations, { seed, settings: { model: { num_hidden_layers: 2 } } });
  const { policy, tokenizer, prompt } = small;
  // Each demonstration also with its task's names recombined (renameEntities), so BC teaches
  // copying the name from the task rather than remembering the training tasks' names; half the
  // new names' words drawn from the pages, not only from the names (so any word can be part of a
  // name), 12 copies and a little loss on the prompt tokens (which repeat the names) as in bench:learn.
  const samples = small.samples(renameEntities(demonstrations, { copies: 12, pageWords: 0.5, seed }));
  console.log(`policy: ${policy.numParameters.toLocaleString('en')} parameters, vocabulary ${tokenizer.vocabSize}, ${samples.length} BC samples`);
  const evalOn = (tasks: readonly WebTask[]): Promise<EvaluationReport> => evaluate(tasks, { agent: small.agentFor(policy, {}, { constrainAction }), makeEnvironment, concurrency: 4, maxTurns });

  const untrained = await evalOn(test);
  console.log(`untrained: ${pct(untrained.success)} of ${test.length} test tasks, ${elapsed()}`);

  // 3. Behavior cloning for a fixed time (or --bc-steps, whichever ends first); the rate falls
  // linearly to 0 over the last 30% of it.
  const decay = linearDecaySchedule({ fraction: 0.3, seconds: bcMinutes * 60, ...(bcSteps ? { steps: bcSteps } : {}) });
  const bc = new BehaviorCloning({
    policy, train: samples, epochs: 1000, batchTokens: 2048, workers: 2, optimizer: { learningRate: 2e-3 }, learningRateSchedule: decay, promptLossWeight: 0.1, seed,
    ...(bcSteps ? { maxSteps: bcSteps } : {}),
  });
  const detachBc = attachProgress(bc, { seconds: bcMinutes * 60 }, { label: 'bc' });
  const bcResult = await bc.train({ signal: AbortSignal.timeout(Math.round(bcMinutes * 60_000)) });
  detachBc();
  const afterBc = await evalOn(test);
  console.log(`behavior cloning: ${bcResult.steps} steps, loss ${bcResult.trainLoss.toFixed(3)}; success ${pct(afterBc.success)}, ${elapsed()}`);

  // 4. Multi-turn GRPO on fresh train tasks (new entities, not only the demonstrated ones).
  const rlTasks = suite.tasks({ split: 'train', templates, perTemplate: 200 });
  const grpo = new MultiTurnGRPO({
    policy, tokenizer, prompt, tasks: rlTasks, makeEnvironment, numGenerations: 4, tasksPerIteration: 4, numIterations: grpoIterations,
    agent: small.agentFor(policy, { temperature: 1 }, { constrainAction }), maxTurns, learningRate: 2.5e-4, beta: 0, dropZeroStd: true, seed,
  });
  const detach = attachProgress(grpo, grpoIterations, { label: 'grpo' });
  await grpo.train();
  detach();
  grpo.dispose();
  const afterGrpo = await evalOn(test);
  console.log(`GRPO: success ${pct(afterGrpo.success)}, ${elapsed()}`);

  // 5. The table and the checkpoint.
  console.log('\n| template | untrained | BC | BC + GRPO |\n|---|---:|---:|---:|');
  for (const t of templates) {
    const cell = (r: EvaluationReport): string => pct(r.perTemplate[t]?.success ?? 0);
    console.log(`| ${t} | ${cell(untrained)} | ${cell(afterBc)} | ${cell(afterGrpo)} |`);
  }
  console.log(`| **all (${test.length} test tasks)** | ${pct(untrained.success)} | ${pct(afterBc.success)} | ${pct(afterGrpo.success)} |`);
  await saveCheckpoint(args.out, policy, { tokenizer });
  console.log(`\nsaved ${args.out} (${elapsed()}). Load it with:`);
  console.log(`  Agent.fromPretrained('${args.out}', { template: 'plain', think: false, targets: 'name', restateTask: true, maxPromptTokens: ${small.settings.maxPromptTokens}${constrainAction ? ', constrainAction: true' : ''} })`);
  policy.dispose();
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
