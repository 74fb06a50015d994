// The child process of test/durability.slow.test.ts, killed with SIGKILL by the test or by itself.
//
//   node --import tsx test/helpers/durability-child.ts <light|grpo> <work> [--kill-at K | --list | --loop | --recover-only]
//
// Each run first does one whole cycle with nothing armed (the "recovery" cycle: it must remove
// what the last kill left, and the folder is listed into the journal afterwards), then arms:
//   --kill-at K     kills itself right after the K-th step that changes the disk (0: before the first)
//   --list          prints every step of one cycle (JSON lines) and exits
//   --loop          runs cycles until killed from outside
//   --recover-only  exits after the recovery cycle
// light: a cycle appends JSONL record i, saves checkpoint i of a tiny Qwen2 (weights from the
// index, through the real saveCheckpoint; no tfjs in this process) and atomically rewrites a
// one-record snapshot JSONL. grpo: a cycle runs one MultiTurnGRPO iteration on the scripted shop
// (tfjs wasm) and saves the run. Every step is journaled before it starts and after it ends.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setDurabilityProbe } from '../../src/data/durable-io.js';
import { appendJsonl, loadJsonl, saveJsonl } from '../../src/data/jsonl.js';
import { saveCheckpoint } from '../../src/model/checkpoint-folder.js';
import { journal, recordFor, stepLabel, TOKENIZER, weightsFor, type DurabilityParams } from './durability-data.js';

const [mode, workArg, flag, value] = process.argv.slice(2);
if ((mode !== 'light' && mode !== 'grpo') || workArg === undefined) throw new Error('usage: durability-child.ts <light|grpo> <work> [--kill-at K | --list | --loop | --recover-only]');
const work: string = workArg;
const params = JSON.parse(readFileSync(path.join(work, 'params.json'), 'utf8')) as DurabilityParams;
const ckpt = path.join(work, 'ckpt');
const records = path.join(work, 'records.jsonl');
const snapshot = path.join(work, 'snapshot.jsonl');

async function lightCycles(): Promise<() => Promise<void>> {
  let next = existsSync(records) ? (await loadJsonl(records)).length : 0;
  const policy = (i: number): Parameters<typeof saveCheckpoint>[1] => ({ config: params.config, exportWeights: () => Promise.resolve(weightsFor(params.shapes, i)) });
  return async () => {
    const i = next++;
    journal(work, { ev: 'appending', i });
    await appendJsonl(records, recordFor(i));
    journal(work, { ev: 'append', i });
    journal(work, { ev: 'saving', i });
    await saveCheckpoint(ckpt, policy(i), { tokenizer: TOKENIZER });
    journal(work, { ev: 'saved', i });
    journal(work, { ev: 'snapshotting', i });
    await saveJsonl(snapshot, [recordFor(i)]);
    journal(work, { ev: 'snapshot', i });
  };
}

async function grpoCycles(): Promise<() => Promise<void>> {
  const tf = await import('@tensorflow/tfjs');
  const { initBackend } = await import('../../src/model/backend.js');
  const { HfTokenizer } = await import('../../src/model/tokenizer.js');
  const { AgentPrompt } = await import('../../src/agent/agent-prompt.js');
  const { TransformerLM } = await import('../../src/model/transformer.js');
  const { MultiTurnGRPO } = await import('../../src/rl/grpo.js');
  const { grpoOptions, FINGERPRINT_IDS } = await import('./durability-grpo.js');
  await initBackend({ backend: 'wasm', log: () => {} });
  const tokenizer = HfTokenizer.fromJson(params.tokenizer!);
  const prompt = new AgentPrompt({ tokenizer, template: 'plain', think: false, maxPromptTokens: 480 });
  const policy = new TransformerLM({ config: params.config, seed: 3 });
  const grpo = new MultiTurnGRPO(grpoOptions(policy, tokenizer, prompt));
  if (existsSync(ckpt)) await grpo.restore(ckpt);
  return async () => {
    await grpo.iteration();
    const i = grpo.progress.iteration;
    const weights = await policy.exportWeights();
    const hash = createHash('sha256');
    for (const [name, w] of [...weights].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(name).update(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
    const logits = tf.tidy(() => policy.logits(tf.tensor2d([...FINGERPRINT_IDS], [1, FINGERPRINT_IDS.length], 'int32')));
    const data = (await logits.data()) as Float32Array;
    logits.dispose();
    journal(work, { ev: 'saving', i, sha: hash.digest('hex'), logits: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') });
    await grpo.save(ckpt);
    journal(work, { ev: 'saved', i });
  };
}

journal(work, { ev: 'start', pid: process.pid });
const cycle = mode === 'light' ? await lightCycles() : await grpoCycles();
await cycle(); // recovery: nothing armed
journal(work, { ev: 'listing', names: readdirSync(work).sort() });
if (flag === '--recover-only') {
  journal(work, { ev: 'finished' });
  process.exit(0);
}
let steps = 0;
if (flag === '--kill-at') {
  const at = Number(value);
  if (at === 0) process.kill(process.pid, 'SIGKILL');
  setDurabilityProbe(() => {
    if (++steps === at) process.kill(process.pid, 'SIGKILL');
  });
} else if (flag === '--list') {
  setDurabilityProbe(({ op, path: file }) => {
    process.stdout.write(`${JSON.stringify(stepLabel(work, op, file))}\n`);
  });
}
journal(work, { ev: 'armed' });
process.stdout.write('armed\n');
if (flag === '--loop') {
  for (;;) await cycle();
}
await cycle();
journal(work, { ev: 'finished' });
process.exit(0);
