// The learning benchmark (issue 6): from scratch on the bundled suites, with the default small
// policy, measure test-split success of: the untrained model, BC on a fixed demonstration budget,
// BC + GRPO, and a control that gives BC the extra wall time GRPO used (`bc_longer`). Everything
// runs here, in this process: expert demonstrations through real Chromium, a byte-level BPE
// tokenizer trained on their text, BC (two data-parallel replicas), GRPO with rollouts in
// Chromium, evaluations with greedy decoding. Writes bench/results/learn.json from this run.
//
//   npm run bench:learn -- [--templates 10] [--demos-per-template 8] [--bc-epochs 6] [--grpo-iterations 10] [--test-per-template 3]

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  Agent, AgentPrompt, BehaviorCloning, BrowserPool, BundledSuite, LocalChatPolicy, MultiTurnGRPO, TransformerPolicy, WebEnvironment,
  attachProgress, demonstrationSamples, ensureChromium, evaluate, initBackend, startSuiteServer, trainBpeTokenizer, HfTokenizer,
  type EvaluationReport, type WebTask,
} from '../src/index.js';
import { Rng } from '../src/data/random.js';
import { collectDemonstrations } from '../src/rl/demonstrations.js';

const { values: args } = parseArgs({
  options: {
    templates: { type: 'string', default: '10' },
    'demos-per-template': { type: 'string', default: '8' },
    'test-per-template': { type: 'string', default: '3' },
    'bc-epochs': { type: 'string', default: '6' },
    'grpo-iterations': { type: 'string', default: '10' },
    'max-turns': { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
  },
});
const num = (k: keyof typeof args): number => Number(args[k]);
const settings = {
  templates: num('templates'),
  demos_per_template: num('demos-per-template'),
  test_per_template: num('test-per-template'),
  bc_epochs: num('bc-epochs'),
  grpo_iterations: num('grpo-iterations'),
  max_turns: num('max-turns'),
  seed: num('seed'),
  model: { hidden_size: 128, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 4, intermediate_size: 384, max_position_embeddings: 512 },
  vocab_size: 2000,
  max_prompt_tokens: 448,
  max_new_tokens: 48,
  prompt: 'plain template, role+name targets, bare actions (no <think>)',
  bc: { learning_rate: 1e-3, batch_tokens: 4096, workers: 2 },
  grpo: { num_generations: 4, tasks_per_iteration: 4, learning_rate: 2e-4, beta: 0.001, temperature: 1, max_grad_norm: 1 },
};

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

  // Templates: a seeded sample over every site, so each site is represented.
  const rng = new Rng(settings.seed);
  const chosen = rng.shuffle(suite.templatesOf('train')).slice(0, settings.templates).map((t) => t.id);
  const train = suite.tasks({ split: 'train', templates: chosen, perTemplate: settings.demos_per_template });
  const test = suite.tasks({ split: 'test', templates: chosen, perTemplate: settings.test_per_template });
  const unseenTemplates = suite.templatesOf('test-unseen').slice(0, 4).map((t) => t.id);
  const unseen = suite.tasks({ split: 'test-unseen', templates: unseenTemplates, perTemplate: settings.test_per_template });
  console.log(`templates ${chosen.length}: train ${train.length}, test ${test.length}, unseen ${unseen.length}`);

  const { demonstrations, failed } = await collectDemonstrations(train, { makeEnvironment, concurrency: 4 });
  console.log(`demonstrations ${demonstrations.length} (${failed.length} failed) at ${seconds()} s`);

  // Tokenizer from the demonstrations' text (intents, pages without ids, actions in the policy's format).
  const draft = new AgentPrompt({ template: 'plain', think: false });
  const corpus: string[] = [];
  for (const d of demonstrations) {
    corpus.push(d.intent);
    for (const t of d.turns) corpus.push(draft.pageText(t.observation).text, draft.formatReply(t.action));
  }
  const tokenizer = HfTokenizer.fromJson(trainBpeTokenizer(corpus, { vocabSize: settings.vocab_size, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] }));
  const prompt = new AgentPrompt({ tokenizer, template: 'plain', think: false, maxPromptTokens: settings.max_prompt_tokens });
  const samples = demonstrations.flatMap((d) => demonstrationSamples(prompt, d));
  const supervised = samples.reduce((a, s) => a + s.completionIds.length, 0);
  console.log(`samples ${samples.length}, ${supervised} supervised tokens, vocab ${tokenizer.vocabSize}`);

  const policy = new TransformerPolicy({ config: { ...settings.model, vocab_size: tokenizer.vocabSize, tie_word_embeddings: true }, seed: settings.seed });
  const agentOf = (p: TransformerPolicy): Agent => new Agent({ policy: new LocalChatPolicy({ policy: p, tokenizer, template: prompt.template }), prompt, sampling: { maxNewTokens: settings.max_new_tokens } });
  const evalOn = (p: TransformerPolicy, tasks: readonly WebTask[]): Promise<EvaluationReport> =>
    evaluate(tasks, { agent: agentOf(p), makeEnvironment, concurrency: 4, maxTurns: settings.max_turns });

  const untrained = await evalOn(policy, test);
  console.log(`untrained ${successOf(untrained)} at ${seconds()} s`);

  const bcStart = performance.now();
  const bc = new BehaviorCloning({ policy, train: samples, epochs: settings.bc_epochs, batchTokens: settings.bc.batch_tokens, workers: settings.bc.workers, optimizer: { learningRate: settings.bc.learning_rate } });
  const bcSteps = Math.ceil(settings.bc_epochs * samples.reduce((a, s) => a + s.ids.length, 0) / (settings.bc.batch_tokens * 0.6));
  const detachBc = attachProgress(bc, bcSteps, { label: 'bc' });
  const bcResult = await bc.train();
  detachBc();
  const bcSeconds = (performance.now() - bcStart) / 1000;
  const bcReport = await evalOn(policy, test);
  const bcUnseen = await evalOn(policy, unseen);
  console.log(`bc ${successOf(bcReport)} (loss ${bcResult.trainLoss.toFixed(3)}, ${bcResult.steps} steps, ${bcSeconds.toFixed(0)} s) at ${seconds()} s`);

  // Control: BC continued for GRPO's wall time, from the same BC weights.
  const control = policy.clone();
  const grpoStart = performance.now();
  const grpo = new MultiTurnGRPO({
    policy, tokenizer, prompt, tasks: train, makeEnvironment, numGenerations: settings.grpo.num_generations, tasksPerIteration: settings.grpo.tasks_per_iteration,
    numIterations: settings.grpo_iterations, maxTurns: settings.max_turns, maxNewTokens: settings.max_new_tokens, learningRate: settings.grpo.learning_rate,
    beta: settings.grpo.beta, temperature: settings.grpo.temperature, maxGradNorm: settings.grpo.max_grad_norm, seed: settings.seed,
  });
  const iterations: unknown[] = [];
  grpo.on('iteration-end', (m) => iterations.push(m));
  const detach = attachProgress(grpo, settings.grpo_iterations, { label: 'grpo' });
  await grpo.train();
  detach();
  grpo.dispose();
  const grpoSeconds = (performance.now() - grpoStart) / 1000;
  const grpoReport = await evalOn(policy, test);
  const grpoUnseen = await evalOn(policy, unseen);
  console.log(`grpo ${successOf(grpoReport)} (${grpoSeconds.toFixed(0)} s) at ${seconds()} s`);

  const longer = new BehaviorCloning({ policy: control, train: samples, epochs: 1000, batchTokens: settings.bc.batch_tokens, workers: settings.bc.workers, optimizer: { learningRate: settings.bc.learning_rate } });
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), grpoSeconds * 1000);
  await longer.train({ signal: stop.signal });
  clearTimeout(timer);
  const longerReport = await evalOn(control, test);
  console.log(`bc_longer ${successOf(longerReport)} at ${seconds()} s`);

  const perSite: Record<string, Record<string, number>> = {};
  for (const [name, r] of [['untrained', untrained], ['bc', bcReport], ['bc_longer', longerReport], ['grpo', grpoReport]] as const) {
    for (const [site, rate] of Object.entries(r.perSite)) (perSite[site] ??= {})[name] = rate.success;
  }
  const result = {
    benchmark: 'learn',
    date: new Date().toISOString(),
    untrained: successOf(untrained),
    bc: successOf(bcReport),
    bc_longer: successOf(longerReport),
    grpo: successOf(grpoReport),
    test_tasks: test.length,
    unseen_template: { bc: successOf(bcUnseen), grpo: successOf(grpoUnseen), tasks: unseen.length },
    per_site: perSite,
    wall_s: seconds(),
    bc_s: Math.round(bcSeconds),
    grpo_s: Math.round(grpoSeconds),
    demonstrations: demonstrations.length,
    supervised_tokens: supervised,
    bc_steps: bcResult.steps,
    bc_train_loss: bcResult.trainLoss,
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
