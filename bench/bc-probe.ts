// A behavior-cloning probe (issue 6 diagnostics): the same BC as bench:learn (createSmallPolicy,
// renamed copies, lr 2e-3, 2,048-token batches, 2 workers) on expert demonstrations of the
// starter templates, and every `--every` steps a teacher-forced check on held-out test
// demonstrations: greedy decoding of each expert turn's reply from the expert's own prompt,
// counted exact, per template. Turns that click fixed controls or `exit` need no copying (about
// 45% of them), so the moment the model learns to copy names from the task shows as a jump
// above that. A diagnostic, not a benchmark: it prints and writes nothing.
//
//   npx tsx bench/bc-probe.ts [--minutes 30] [--every 300] [--prompt-tokens 160] [--rename-copies 12]
//                             [--batch-tokens 2048] [--lr 2e-3] [--seed 1] [--bc-seed 1]
//                             [--train-demos train.jsonl --test-demos test.jsonl] [--prompt-weight 0] [--rename-words by-position]
// With --train-demos and --test-demos (saveDemonstrations JSONL) it skips collecting them.

import { parseArgs } from 'node:util';
import {
  BehaviorCloning, BrowserPool, GenerationEngine, BundledSuite, STARTER_TEMPLATES, WebEnvironment, collectDemonstrations, createSmallPolicy, ensureChromium,
  initBackend, loadDemonstrations, renameEntities, startSuiteServer, type Demonstration,
} from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    every: { type: 'string', default: '300' },
    'prompt-tokens': { type: 'string', default: '160' },
    'rename-copies': { type: 'string', default: '12' },
    'batch-tokens': { type: 'string', default: '2048' },
    'demos-per-template': { type: 'string', default: '48' },
    lr: { type: 'string', default: '2e-3' },
    seed: { type: 'string', default: '1' },
    'bc-seed': { type: 'string', default: '1' },
    'prompt-weight': { type: 'string', default: '0' },
    'rename-words': { type: 'string', default: 'by-position' },
    'train-demos': { type: 'string' },
    'test-demos': { type: 'string' },
  },
});
const num = (k: keyof typeof args): number => Number(args[k]);

async function main(): Promise<void> {
  await initBackend();
  const collect = async (): Promise<{ trainDemos: Demonstration[]; testDemos: Demonstration[] }> => {
    if (args['train-demos'] !== undefined && args['test-demos'] !== undefined) {
      return { trainDemos: await loadDemonstrations(args['train-demos']), testDemos: await loadDemonstrations(args['test-demos']) };
    }
    const executablePath = await ensureChromium();
    await using server = await startSuiteServer({ seed: num('seed') });
    await using pool = new BrowserPool({ executablePath });
    const makeEnvironment = (): WebEnvironment => new WebEnvironment({ pool, maxTurns: 6 });
    const suite = new BundledSuite(server);
    const train = suite.tasks({ split: 'train', templates: STARTER_TEMPLATES, perTemplate: num('demos-per-template') });
    const test = suite.tasks({ split: 'test', templates: STARTER_TEMPLATES, perTemplate: 4 });
    const demos = await collectDemonstrations([...train, ...test], { makeEnvironment, concurrency: 4 });
    const heldOut = new Set(test.map((t) => t.id));
    return {
      trainDemos: demos.demonstrations.filter((d) => !heldOut.has(d.taskId)),
      testDemos: demos.demonstrations.filter((d) => heldOut.has(d.taskId)),
    };
  };
  const { trainDemos, testDemos } = await collect();

  const small = createSmallPolicy(trainDemos, { seed: num('seed'), settings: { maxPromptTokens: num('prompt-tokens') } });
  const { policy, tokenizer } = small;
  const samples = small.samples(renameEntities(trainDemos, { copies: num('rename-copies'), words: args['rename-words'] as 'by-position' | 'any-position', seed: num('seed') }));
  const probe = testDemos.flatMap((d) => small.samples([d]).map((s) => ({ s, template: d.template ?? d.taskId })));
  console.log(`train demos ${trainDemos.length}, BC samples ${samples.length}; probe turns ${probe.length} of ${testDemos.length} test demos`);
  const end = tokenizer.encode('<|im_end|>')[0]!;

  const exactMatch = async (): Promise<Record<string, number>> => {
    const outs = await new GenerationEngine(policy, { maxBatch: small.settings.maxBatch }).generate(probe.map((p) => ({ promptIds: p.s.promptIds })), { temperature: 0, maxNewTokens: small.settings.maxNewTokens, stopTokenIds: [end] });
    const per = new Map<string, [number, number]>();
    let hits = 0;
    outs.forEach((o, i) => {
      const { s, template } = probe[i]!;
      const hit = Array.from(o.tokenIds).join() === Array.from(s.completionIds).join();
      hits += hit ? 1 : 0;
      const row = per.get(template) ?? [0, 0];
      row[0] += hit ? 1 : 0;
      row[1] += 1;
      per.set(template, row);
    });
    console.log(`  per template: ${[...per].map(([t, [h, n]]) => `${t} ${h}/${n}`).join(', ')}`);
    return { exact: Math.round((hits / outs.length) * 1000) / 1000 };
  };

  const bc = new BehaviorCloning({
    policy, train: samples, epochs: 1000, batchTokens: num('batch-tokens'), workers: 2, optimizer: { learningRate: num('lr') }, promptLossWeight: num('prompt-weight'), seed: num('bc-seed'),
    evaluate: { every: num('every'), run: exactMatch },
  });
  const started = performance.now();
  const at = (): string => `${((performance.now() - started) / 1000).toFixed(0)} s`;
  bc.on('step', (e) => {
    if (e.step % 50 === 0) console.log(`step ${e.step} loss ${e.loss.toFixed(3)} at ${at()}`);
  });
  bc.on('evaluation', (e) => console.log(`probe at step ${e.step}: ${JSON.stringify(e.metrics)} at ${at()}`));
  const result = await bc.train({ signal: AbortSignal.timeout(Math.round(num('minutes') * 60_000)) });
  console.log(`done: ${result.steps} steps, final epoch loss ${result.trainLoss.toFixed(3)}, ${result.seconds.toFixed(0)} s`);
  policy.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
