// The learning benchmark (issue 6): from scratch on the bundled suites, with the default small
// policy (createSmallPolicy), measure test-split success of: the untrained model, BC on a fixed
// demonstration budget, BC + GRPO, and a control that gives BC the extra wall time GRPO used
// (`bc_longer`). Everything runs here, in this process: expert demonstrations through real
// Chromium, a byte-level BPE tokenizer trained on their text, BC (two data-parallel replicas),
// GRPO with rollouts in Chromium on fresh train tasks, evaluations with greedy decoding. Writes
// bench/results/learn.json from this run.
//
//   npm run bench:learn -- [--templates a,b] [--unseen c,d] [--demos-per-template 4] [--test-per-template 6]
//                          [--bc-minutes 20] [--grpo-iterations 16] [--max-turns 6] [--seed 1]
//                          [--prompt-tokens 160] [--rename-copies 12] [--bc-lr 2e-3] [--bc-warmup 0] [--bc-decay 0.3] [--init-std 0.02]
//                          [--bc-prompt-weight 0.1] [--rename-words by-position|any-position] [--rename-novel 0.25] [--rename-page-words 0.5]
//                          [--grpo-generations 8] [--grpo-tasks 4] [--grpo-minutes 16] [--grpo-temperature 1.5] [--grpo-lr 5e-4] [--grpo-updates 4] [--grpo-rounds 2] [--grpo-warmup 4] [--grpo-world 2]
//                          [--grpo-sampling cycle|learnability|novelty] [--grpo-memory 0.9]
//                          [--grpo-supervised 1] [--constrain-copy 1] [--constrain-action 1]
//
// The defaults are the settings of the committed bench/results/learn.json run.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  BehaviorCloning, BrowserPool, BundledSuite, MultiTurnGRPO, STARTER_TEMPLATES, WebEnvironment, attachProgress, collectDemonstrations, createSmallPolicy, linearDecaySchedule, renameEntities, ensureChromium, evaluate, initBackend, startSuiteServer, learnabilitySampling, noveltySampling, shuffledCycle, type EvaluationReport, type TransformerLM, type WebTask,
} from '../src/index.js';
import { SMALL_POLICY_DEFAULTS } from '../src/agent/index.js';

const { values: args } = parseArgs({
  options: {
    templates: { type: 'string', default: STARTER_TEMPLATES.join(',') },
    unseen: { type: 'string', default: 'map.home-directions,forum.author-karma' },
    'demos-per-template': { type: 'string', default: '4' },
    'test-per-template': { type: 'string', default: '6' },
    'bc-minutes': { type: 'string', default: '20' },
    'grpo-iterations': { type: 'string', default: '16' },
    // Wall-clock cap on GRPO in minutes (0: off): no iteration starts that the mean iteration so
    // far says would end past it (iteration times vary by 20% and more on a shared machine, and
    // the control gets GRPO's time again, so an overrun counts twice against the hour).
    'grpo-minutes': { type: 'string', default: '16' },
    'max-turns': { type: 'string', default: '6' },
    seed: { type: 'string', default: '1' },
    'prompt-tokens': { type: 'string', default: String(SMALL_POLICY_DEFAULTS.maxPromptTokens) },
    'rename-copies': { type: 'string', default: '12' },
    'bc-lr': { type: 'string', default: '2e-3' },
    'bc-warmup': { type: 'string', default: '0' },
    // Fraction of each BC run's wall-clock budget, at its end, over which the learning rate falls
    // linearly to 0 (0: constant). The bc_longer control uses the same shape over its own budget.
    'bc-decay': { type: 'string', default: '0.3' },
    'init-std': { type: 'string', default: String(SMALL_POLICY_DEFAULTS.initStd) },
    // BehaviorCloning's promptLossWeight: loss weight of the prompt tokens (0: replies only).
    'bc-prompt-weight': { type: 'string', default: '0.1' },
    'rename-words': { type: 'string', default: 'by-position' },
    // renameEntities' novelWords: chance that a word of a renamed name is made up (0: never).
    'rename-novel': { type: 'string', default: '0.25' },
    // renameEntities' pageWords: chance that a word of a renamed name is a capitalised word from
    // the demonstrations' pages instead (0: never).
    'rename-page-words': { type: 'string', default: '0.5' },
    'grpo-generations': { type: 'string', default: '8' },
    'grpo-tasks': { type: 'string', default: '4' },
    'grpo-temperature': { type: 'string', default: '1.5' },
    'grpo-lr': { type: 'string', default: '5e-4' },
    // MultiTurnGRPO's updatesPerIteration (μ): optimizer steps on each iteration's rollouts.
    'grpo-updates': { type: 'string', default: '4' },
    // MultiTurnGRPO's dynamicSampling.maxRounds (1: off): rounds of tasks per iteration until
    // --grpo-tasks groups have differing rewards.
    'grpo-rounds': { type: 'string', default: '2' },
    // MultiTurnGRPO's taskSampler: 'cycle' (a shuffled cycle over the tasks), 'learnability'
    // (templates drawn by how often their groups had differing rewards, discounted by
    // --grpo-memory each iteration) or 'novelty' (first the tasks whose intents name words the
    // demonstrated tasks of their template did not, by count-based novelty over (template, word)).
    'grpo-sampling': { type: 'string', default: 'cycle' },
    'grpo-memory': { type: 'string', default: '0.9' },
    // MultiTurnGRPO's warmupSteps: optimizer steps of linear learning-rate warm-up.
    'grpo-warmup': { type: 'string', default: '4' },
    // Seed of the world GRPO's tasks come from (0: the demonstrations' world, --seed). Another
    // seed is a second copy of the sites with other entities: tasks no demonstration covers,
    // which RL can learn from (it needs only the checker) and BC cannot. Entities of the test
    // split stay out of train tasks in every world (entitySplit decides by name).
    'grpo-world': { type: 'string', default: '2' },
    // MultiTurnGRPO's supervised.coefficient (0: off): every GRPO update also takes this times the
    // NLL of a minibatch of BC's own samples (the PPO-ptx anchor).
    'grpo-supervised': { type: 'string', default: '1' },
    // 1: every arm (evaluations and GRPO's rollouts) decodes under the Agent's copy constraint
    // (constrainCopy): replies can only name elements of the page and type text copied from the
    // instruction. BC is then also evaluated without it (`bc_unconstrained`), for reference.
    'constrain-copy': { type: 'string', default: '1' },
    // 1: every arm decodes under the Agent's whole-action constraint (constrainAction): each reply
    // is one action in the grammar's canonical form naming an element of the page (with the copy
    // rule for typed text when --constrain-copy is 1), so GRPO's samples are never invalid actions.
    'constrain-action': { type: 'string', default: '1' },
  },
});
const num = (k: keyof typeof args): number => Number(args[k]);
const settings = {
  templates: args.templates.split(','),
  unseen_templates: args.unseen.split(','),
  demos_per_template: num('demos-per-template'),
  test_per_template: num('test-per-template'),
  bc_minutes: num('bc-minutes'),
  grpo_iterations: num('grpo-iterations'),
  grpo_minutes: num('grpo-minutes'),
  max_turns: num('max-turns'),
  seed: num('seed'),
  constrain_copy: num('constrain-copy') === 1,
  constrain_action: num('constrain-action') === 1,
  small_policy: { ...SMALL_POLICY_DEFAULTS, maxPromptTokens: num('prompt-tokens'), initStd: num('init-std') },
  prompt: 'plain template, role+name targets, bare actions (no <think>), earlier pages compressed, URLs without their origin',
  bc: { learning_rate: num('bc-lr'), warmup_steps: num('bc-warmup'), decay_fraction: num('bc-decay'), prompt_loss_weight: num('bc-prompt-weight'), batch_tokens: 2048, workers: 2, rename_copies: num('rename-copies'), rename_words: args['rename-words'] as 'by-position' | 'any-position', rename_novel_words: num('rename-novel'), rename_page_words: num('rename-page-words') },
  grpo: { num_generations: num('grpo-generations'), tasks_per_iteration: num('grpo-tasks'), learning_rate: num('grpo-lr'), updates_per_iteration: num('grpo-updates'), dynamic_sampling_rounds: num('grpo-rounds'), task_sampling: args['grpo-sampling'] as 'cycle' | 'learnability' | 'novelty', learnability_memory: num('grpo-memory'), warmup_steps: num('grpo-warmup'), supervised_coefficient: num('grpo-supervised'), beta: 0, drop_zero_std: true, temperature: num('grpo-temperature'), max_grad_norm: 1, world_seed: num('grpo-world') === 0 ? num('seed') : num('grpo-world'), tasks: 'train-split instances (up to 200 per template) of the world of world_seed' },
};

if (args['constrain-copy'] !== '0' && args['constrain-copy'] !== '1') throw new Error(`--constrain-copy must be 0 or 1, got ${args['constrain-copy']}`);
if (args['constrain-action'] !== '0' && args['constrain-action'] !== '1') throw new Error(`--constrain-action must be 0 or 1, got ${args['constrain-action']}`);
if (!(settings.bc.decay_fraction >= 0 && settings.bc.decay_fraction <= 1)) throw new Error(`--bc-decay must be a fraction from 0 to 1, got ${args['bc-decay']}`);
if (!(settings.bc.rename_novel_words >= 0 && settings.bc.rename_novel_words <= 1)) throw new Error(`--rename-novel must be a fraction from 0 to 1, got ${args['rename-novel']}`);
if (!(settings.bc.rename_page_words >= 0 && settings.bc.rename_page_words <= 1)) throw new Error(`--rename-page-words must be a fraction from 0 to 1, got ${args['rename-page-words']}`);
if (settings.bc.rename_words !== 'by-position' && settings.bc.rename_words !== 'any-position') throw new Error(`--rename-words must be by-position or any-position, got ${args['rename-words']}`);
for (const [flag, v] of [['--grpo-generations', settings.grpo.num_generations], ['--grpo-tasks', settings.grpo.tasks_per_iteration], ['--grpo-updates', settings.grpo.updates_per_iteration], ['--grpo-rounds', settings.grpo.dynamic_sampling_rounds]] as const) {
  if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${flag} must be an integer >= 1, got ${v}`);
}
if (!['cycle', 'learnability', 'novelty'].includes(settings.grpo.task_sampling)) throw new Error(`--grpo-sampling must be cycle, learnability or novelty, got ${args['grpo-sampling']}`);
if (!(settings.grpo.learnability_memory > 0 && settings.grpo.learnability_memory <= 1)) throw new Error(`--grpo-memory must be a number in (0, 1], got ${args['grpo-memory']}`);
if (!(Number.isInteger(settings.grpo.world_seed) && settings.grpo.world_seed >= 1)) throw new Error(`--grpo-world must be a world seed (an integer >= 1), or 0 for --seed's; got ${args['grpo-world']}`);
if (!(Number.isInteger(settings.grpo.warmup_steps) && settings.grpo.warmup_steps >= 0)) throw new Error(`--grpo-warmup must be an integer >= 0, got ${args['grpo-warmup']}`);
if (!(settings.grpo.supervised_coefficient >= 0 && Number.isFinite(settings.grpo.supervised_coefficient))) throw new Error(`--grpo-supervised must be a number >= 0 (0: off), got ${args['grpo-supervised']}`);
if (!(settings.grpo.learning_rate > 0 && Number.isFinite(settings.grpo.learning_rate))) throw new Error(`--grpo-lr must be a number > 0, got ${args['grpo-lr']}`);
if (!(settings.grpo_minutes >= 0 && Number.isFinite(settings.grpo_minutes))) throw new Error(`--grpo-minutes must be a number of minutes >= 0 (0: off), got ${args['grpo-minutes']}`);
if (!(settings.grpo.temperature > 0 && Number.isFinite(settings.grpo.temperature))) throw new Error(`--grpo-temperature must be a number > 0, got ${args['grpo-temperature']}`);
if (!(settings.bc.prompt_loss_weight >= 0 && Number.isFinite(settings.bc.prompt_loss_weight))) throw new Error(`--bc-prompt-weight must be a number >= 0, got ${args['bc-prompt-weight']}`);

function successOf(r: EvaluationReport): number {
  return Math.round(r.success * 1000) / 1000;
}

async function main(): Promise<void> {
  const started = performance.now();
  const seconds = (): number => Math.round((performance.now() - started) / 100) / 10;
  await initBackend();
  const executablePath = await ensureChromium();
  await using server = await startSuiteServer({ seed: settings.seed });
  await using pool = new BrowserPool({ executablePath });
  const makeEnvironment = (): WebEnvironment => new WebEnvironment({ pool, maxTurns: settings.max_turns });
  const suite = new BundledSuite(server);

  const known = new Set(suite.templatesOf('train').map((t) => t.id));
  const unknownTemplates = settings.templates.filter((t) => !known.has(t));
  if (unknownTemplates.length > 0) throw new Error(`--templates: unknown train template(s) ${unknownTemplates.join(', ')}`);
  const train = suite.tasks({ split: 'train', templates: settings.templates, perTemplate: settings.demos_per_template });
  const test = suite.tasks({ split: 'test', templates: settings.templates, perTemplate: settings.test_per_template });
  const unseen = suite.tasks({ split: 'test-unseen', templates: settings.unseen_templates, perTemplate: settings.test_per_template });
  // GRPO learns from train instances beyond the demonstrated ones (and, with --grpo-world, from
  // a second world's entities); BC only from the demonstrated ones.
  await using rlServer = settings.grpo.world_seed === settings.seed ? undefined : await startSuiteServer({ seed: settings.grpo.world_seed });
  const rlTasks = (rlServer ? new BundledSuite(rlServer) : suite).tasks({ split: 'train', templates: settings.templates, perTemplate: 200 });
  console.log(`templates ${settings.templates.length}: demos ${train.length}, test ${test.length}, unseen ${unseen.length}, rl tasks ${rlTasks.length} (world ${settings.grpo.world_seed})`);

  const { demonstrations, failed } = await collectDemonstrations(train, { makeEnvironment, concurrency: 4 });
  console.log(`demonstrations ${demonstrations.length} (${failed.length} failed) at ${seconds()} s`);

  const small = createSmallPolicy(demonstrations, { seed: settings.seed, settings: { maxPromptTokens: settings.small_policy.maxPromptTokens, initStd: settings.small_policy.initStd } });
  const { policy, tokenizer, prompt } = small;
  const samples = small.samples(renameEntities(demonstrations, { copies: settings.bc.rename_copies, words: settings.bc.rename_words, novelWords: settings.bc.rename_novel_words, pageWords: settings.bc.rename_page_words, seed: settings.seed }));
  const supervised = samples.reduce((a, s) => a + s.completionIds.length, 0);
  console.log(`samples ${samples.length}, ${supervised} supervised tokens, vocab ${tokenizer.vocabSize}, ${policy.numParameters} parameters`);
  const evalOn = (p: TransformerLM, tasks: readonly WebTask[], constrained = true): Promise<EvaluationReport> =>
    evaluate(tasks, { agent: small.agentFor(p, {}, constrained ? { constrainCopy: settings.constrain_copy, constrainAction: settings.constrain_action } : {}), makeEnvironment, concurrency: 4, maxTurns: settings.max_turns });
  const bcFor = (p: TransformerLM, budgetS: number): BehaviorCloning =>
    new BehaviorCloning({ policy: p, train: samples, epochs: 1000, batchTokens: settings.bc.batch_tokens, workers: settings.bc.workers, optimizer: { learningRate: settings.bc.learning_rate }, warmupSteps: settings.bc.warmup_steps, learningRateSchedule: linearDecaySchedule({ fraction: settings.bc.decay_fraction, seconds: budgetS }), promptLossWeight: settings.bc.prompt_loss_weight, seed: settings.seed });

  const untrained = await evalOn(policy, test);
  console.log(`untrained ${successOf(untrained)} at ${seconds()} s`);

  const bcStart = performance.now();
  const bc = bcFor(policy, settings.bc_minutes * 60);
  const detachBc = attachProgress(bc, { seconds: settings.bc_minutes * 60 }, { label: 'bc' });
  const bcResult = await bc.train({ signal: AbortSignal.timeout(Math.round(settings.bc_minutes * 60_000)) });
  detachBc();
  const bcSeconds = (performance.now() - bcStart) / 1000;
  const bcReport = await evalOn(policy, test);
  const bcUnseen = await evalOn(policy, unseen);
  const bcUnconstrained = settings.constrain_copy || settings.constrain_action ? await evalOn(policy, test, false) : undefined;
  console.log(`bc ${successOf(bcReport)}${bcUnconstrained ? ` (${successOf(bcUnconstrained)} unconstrained)` : ''} (loss ${bcResult.trainLoss.toFixed(3)}, ${bcResult.steps} steps, ${bcSeconds.toFixed(0)} s) at ${seconds()} s`);

  // Control: BC continued for GRPO's wall time, from the same BC weights.
  const control = policy.clone();
  const grpoStart = performance.now();
  const grpo = new MultiTurnGRPO({
    policy, tokenizer, prompt, tasks: rlTasks, makeEnvironment, numGenerations: settings.grpo.num_generations, tasksPerIteration: settings.grpo.tasks_per_iteration,
    numIterations: settings.grpo_iterations, updatesPerIteration: settings.grpo.updates_per_iteration,
    ...(settings.grpo.dynamic_sampling_rounds > 1 ? { dynamicSampling: { maxRounds: settings.grpo.dynamic_sampling_rounds } } : {}), maxTurns: settings.max_turns, learningRate: settings.grpo.learning_rate, warmupSteps: settings.grpo.warmup_steps,
    taskSampler: settings.grpo.task_sampling === 'learnability' ? learnabilitySampling({ memory: settings.grpo.learnability_memory })
      : settings.grpo.task_sampling === 'novelty' ? noveltySampling({ seen: train }) : shuffledCycle(),
    ...(settings.grpo.supervised_coefficient > 0 ? { supervised: { samples, coefficient: settings.grpo.supervised_coefficient, batchTokens: settings.bc.batch_tokens } } : {}),
    agent: small.agentFor(policy, { temperature: settings.grpo.temperature }, { constrainCopy: settings.constrain_copy, constrainAction: settings.constrain_action }),
    beta: settings.grpo.beta, dropZeroStd: settings.grpo.drop_zero_std, maxGradNorm: settings.grpo.max_grad_norm, seed: settings.seed,
  });
  const iterations: unknown[] = [];
  grpo.on('iteration-end', (m) => iterations.push(m));
  const detach = attachProgress(grpo, settings.grpo_iterations, { label: 'grpo' });
  // --grpo-minutes: the stop is asked for at the end of an iteration, and train checks it before
  // starting the next one, so no iteration is cut short.
  const enough = new AbortController();
  if (settings.grpo_minutes > 0) {
    grpo.on('iteration-end', (m) => {
      const elapsed = (performance.now() - grpoStart) / 1000;
      if (elapsed + elapsed / (m.iteration + 1) > settings.grpo_minutes * 60) enough.abort();
    });
  }
  await grpo.train({ signal: enough.signal });
  detach();
  grpo.dispose();
  const grpoSeconds = (performance.now() - grpoStart) / 1000;
  const grpoReport = await evalOn(policy, test);
  const grpoUnseen = await evalOn(policy, unseen);
  console.log(`grpo ${successOf(grpoReport)} (${grpoSeconds.toFixed(0)} s) at ${seconds()} s`);

  const longer = bcFor(control, grpoSeconds);
  const detachLonger = attachProgress(longer, { seconds: grpoSeconds }, { label: 'bc_longer' });
  const longerResult = await longer.train({ signal: AbortSignal.timeout(Math.round(grpoSeconds * 1000)) });
  detachLonger();
  const longerReport = await evalOn(control, test);
  console.log(`bc_longer ${successOf(longerReport)} at ${seconds()} s`);

  const perSite: Record<string, Record<string, number>> = {};
  const perTemplate: Record<string, Record<string, number>> = {};
  for (const [name, r] of [['untrained', untrained], ['bc', bcReport], ['bc_longer', longerReport], ['grpo', grpoReport]] as const) {
    for (const [site, rate] of Object.entries(r.perSite)) (perSite[site] ??= {})[name] = rate.success;
    for (const [template, rate] of Object.entries(r.perTemplate)) (perTemplate[template] ??= {})[name] = rate.success;
  }
  const result = {
    benchmark: 'learn',
    date: new Date().toISOString(),
    untrained: successOf(untrained),
    bc: successOf(bcReport),
    bc_longer: successOf(longerReport),
    grpo: successOf(grpoReport),
    ...(bcUnconstrained ? { bc_unconstrained: successOf(bcUnconstrained) } : {}),
    test_tasks: test.length,
    unseen_template: { bc: successOf(bcUnseen), grpo: successOf(grpoUnseen), tasks: unseen.length },
    per_site: perSite,
    per_template: perTemplate,
    wall_s: seconds(),
    bc_s: Math.round(bcSeconds),
    grpo_s: Math.round(grpoSeconds),
    demonstrations: demonstrations.length,
    supervised_tokens: supervised,
    bc_steps: bcResult.steps,
    bc_train_loss: bcResult.trainLoss,
    bc_longer_steps: longerResult.steps,
    bc_longer_train_loss: longerResult.trainLoss,
    grpo_iterations: iterations,
    settings,
  };
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'learn.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log('\n| untrained | bc | bc_longer | grpo | grpo - bc | test tasks | wall s |\n|---:|---:|---:|---:|---:|---:|---:|');
  console.log(`| ${result.untrained} | ${result.bc} | ${result.bc_longer} | ${result.grpo} | ${(result.grpo - result.bc).toFixed(3)} | ${result.test_tasks} | ${result.wall_s} |`);
  control.dispose();
  policy.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
