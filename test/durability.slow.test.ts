// The durability suite (issue 35): child processes (test/helpers/durability-child.ts) save
// checkpoints of a tiny TransformerLM, save MultiTurnGRPO runs (scripted shop) and append
// JSONL records, and are killed with SIGKILL (a) at random times and (b) right after a chosen
// numbered step that changes the disk (every write, fsync, rename, link and removal of a cycle,
// enumerated by a --list run). After every kill: the previous complete checkpoint loads (or the
// one being saved, if the kill came after its switch) and its logits equal those it was saved
// with; no JSONL record is lost but the one being written; and the next save leaves no
// temporary behind. (c) A record torn mid-write (a kill inside a write system call, emulated by
// appending part of a record) is dropped by the next append, and nothing else is. Seeded: set
// DURABILITY_SEED to replay a run (the seed is printed). DURABILITY_FULL=1 also kills the
// MultiTurnGRPO child at every step of its save (by default: every step of the switch and 2
// sampled write steps, since each of its runs starts tfjs).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { rngFor } from '../src/data/random.js';
import { loadJsonl } from '../src/data/jsonl.js';
import { trajectoryToJson } from '../src/data/trajectory.js';
import { AgentPrompt } from '../src/agent/agent-prompt.js';
import { initBackend } from '../src/model/backend.js';
import { loadCheckpoint } from '../src/model/checkpoint.js';
import { resolveTransformerConfig, type TransformerConfig } from '../src/model/config.js';
import { HfTokenizer } from '../src/model/tokenizer.js';
import { parameterShapes, TransformerLM } from '../src/model/transformer.js';
import { MultiTurnGRPO } from '../src/rl/grpo.js';
import { readJournal, recordFor, weightsFor, type DurabilityParams, type JournalEntry } from './helpers/durability-data.js';
import { FINGERPRINT_IDS, grpoConfig, grpoOptions, trainTokenizerJson } from './helpers/durability-grpo.js';

const SEED = process.env.DURABILITY_SEED !== undefined ? Number(process.env.DURABILITY_SEED) : Math.floor(Math.random() * 2 ** 31);
const FULL = process.env.DURABILITY_FULL === '1';
const CHILD = fileURLToPath(new URL('./helpers/durability-child.ts', import.meta.url));
const RANDOM_LIGHT = 10;
const RANDOM_GRPO = 2;
const TORN_CHANCE = 0.6;
const GRPO_SAMPLED_WRITES = 2;

const LIGHT_CONFIG: TransformerConfig = resolveTransformerConfig({
  vocab_size: 50, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 24,
  max_position_embeddings: 64, tie_word_embeddings: false, attention_bias: true, rope_theta: 1_000_000,
});

let root = '';
before(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
  root = await mkdtemp(path.join(os.tmpdir(), 'webagent-durability-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

interface ChildResult { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly stdout: string; readonly stderr: string }

/** Runs the child; with `killAfterMs`, SIGKILLs it that long after it armed. A child alive after 120 s is killed and reported. */
function runChild(mode: 'light' | 'grpo', work: string, args: readonly string[], killAfterMs?: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, work, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const watchdog = setTimeout(() => {
      stderr += '\n[durability test: killed after 120 s]';
      child.kill('SIGKILL');
    }, 120_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (killAfterMs !== undefined && timer === undefined && stdout.includes('armed\n')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(watchdog);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The steps a --list run printed, in order. */
function stepsOf(result: ChildResult): string[] {
  assert.equal(result.code, 0, `--list run failed: ${result.stderr}`);
  return result.stdout.split('\n').filter((l) => l.startsWith('"')).map((l) => JSON.parse(l) as string);
}

/** One kill and what was checked after it. */
interface Kill {
  readonly kind: string;
  readonly at: string;
  readonly problems: string[];
  lost: number;
}

const kills: Kill[] = [];

function lastOf(journal: readonly JournalEntry[], ev: JournalEntry['ev']): (JournalEntry & { i: number }) | undefined {
  for (let k = journal.length - 1; k >= 0; k--) if (journal[k]!.ev === ev) return journal[k] as JournalEntry & { i: number };
  return undefined;
}

/** The save the checkpoint must be: the last complete one, or the one in flight (not yet journaled as saved). */
function checkpointCandidates(journal: readonly JournalEntry[]): { saved: number | undefined; inflight: number | undefined } {
  const saved = lastOf(journal, 'saved')?.i;
  const saving = lastOf(journal, 'saving')?.i;
  const lastSavedAt = journal.lastIndexOf(lastOf(journal, 'saved')!);
  const lastSavingAt = journal.lastIndexOf(lastOf(journal, 'saving')!);
  return { saved, inflight: saving !== undefined && lastSavingAt > lastSavedAt ? saving : undefined };
}

/** The next child's listing after its recovery cycle: the last kill's temporaries must be gone. */
function checkListing(work: string, kill: Kill | undefined): void {
  if (kill === undefined) return;
  const listing = lastOf(readJournal(work), 'listing') as unknown as { names: string[] } | undefined;
  if (listing === undefined) {
    kill.problems.push('the next run journaled no listing');
    return;
  }
  const stale = listing.names.filter((n) => /\.(saving|link|legacy|removing)-\d+-[0-9a-f]{8}$|\.tmp$/.test(n));
  const versions = listing.names.filter((n) => /^ckpt@\d+$/.test(n));
  if (stale.length > 0 || versions.length !== 1 || !listing.names.includes('ckpt')) {
    kill.problems.push(`after the next save the folder holds ${listing.names.join(', ')} (temporaries or versions left)`);
  }
}

async function logitsOf(policy: TransformerLM): Promise<Float32Array> {
  const out = tf.tidy(() => policy.logits(tf.tensor2d([...FINGERPRINT_IDS], [1, FINGERPRINT_IDS.length], 'int32')));
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

const sameFloats = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && a.every((x, k) => Object.is(x, b[k]));

/** Light: what a kill left. `committed`: whether the kill came after the switch of the cycle's save (injected kills only). */
async function verifyLight(work: string, kill: Kill, expected: (i: number) => Promise<Float32Array>, committed?: boolean): Promise<void> {
  const journal = readJournal(work);
  const { saved, inflight } = checkpointCandidates(journal);
  if (saved !== undefined || inflight !== undefined) {
    try {
      const { policy, verified } = await loadCheckpoint(path.join(work, 'ckpt'));
      const got = await logitsOf(policy);
      policy.dispose();
      let match: number | undefined;
      for (const i of [saved, inflight]) if (i !== undefined && match === undefined && sameFloats(got, await expected(i))) match = i;
      if (!verified) kill.problems.push('the checkpoint has no manifest');
      if (match === undefined) {
        kill.problems.push(`the checkpoint loads, but its logits are neither save ${saved}'s (the last complete one) nor the in-flight save ${inflight}'s`);
        kill.lost++;
      } else if (committed !== undefined && match !== (committed ? inflight ?? saved : saved)) {
        kill.problems.push(`the checkpoint is save ${match}, expected ${committed ? inflight ?? saved : saved} (kill ${committed ? 'after' : 'before'} the switch)`);
      }
    } catch (error) {
      kill.problems.push(`the checkpoint does not load: ${(error as Error).message}`);
      kill.lost++;
    }
  }
  await verifyRecords(work, kill);
  const snapped = lastOf(journal, 'snapshot')?.i;
  const snapping = lastOf(journal, 'snapshotting')?.i;
  if (snapped !== undefined) {
    try {
      const snapshot = await loadJsonl(path.join(work, 'snapshot.jsonl'));
      if (snapshot.length !== 1 || ![`r${snapped}`, `r${snapping}`].includes(snapshot[0]!.taskId)) {
        kill.problems.push(`snapshot.jsonl holds ${snapshot.map((t) => t.taskId).join(', ')}, expected r${snapped} or r${snapping}`);
        kill.lost++;
      }
    } catch (error) {
      kill.problems.push(`snapshot.jsonl: ${(error as Error).message}`);
      kill.lost++;
    }
  }
}

/** Every record appended is in records.jsonl, in order, each as written; none but the one being written is missing. */
async function verifyRecords(work: string, kill: Kill): Promise<void> {
  const journal = readJournal(work);
  const appended = lastOf(journal, 'append')?.i ?? -1;
  const appending = lastOf(journal, 'appending')?.i ?? -1;
  try {
    const records = await loadJsonl(path.join(work, 'records.jsonl'));
    const bad = records.findIndex((t, k) => t.taskId !== `r${k}`);
    if (bad >= 0) kill.problems.push(`record ${bad} is ${records[bad]!.taskId}: a record was lost or duplicated`);
    if (records.length < appended + 1) {
      kill.problems.push(`${records.length} records, ${appended + 1} were appended`);
      kill.lost += appended + 1 - records.length;
    }
    if (records.length > appending + 1) kill.problems.push(`${records.length} records, only ${appending + 1} were ever appended`);
    const last = records.at(-1);
    if (last !== undefined) assert.deepEqual(trajectoryToJson(last), trajectoryToJson(recordFor(records.length - 1)));
  } catch (error) {
    if (appended >= 0 || !(error as NodeJS.ErrnoException).code) {
      kill.problems.push(`records.jsonl: ${(error as Error).message}`);
      kill.lost += appended + 1;
    }
  }
}

describe('durability under SIGKILL (issue 35)', () => {
  test('checkpoints, MultiTurnGRPO runs and JSONL files survive kills at every step and at random times', { timeout: 600_000 }, async (t) => {
    const started = performance.now();
    t.diagnostic(`seed ${SEED} (replay with DURABILITY_SEED=${SEED})`);

    const lightLane = async (): Promise<void> => {
      const rng = rngFor(SEED, 'light'); // each lane its own stream: the lanes interleave by timing
      const work = path.join(root, 'light');
      await mkdir(work);
      const params: DurabilityParams = { config: LIGHT_CONFIG, shapes: Object.fromEntries(parameterShapes(LIGHT_CONFIG)) };
      await writeFile(path.join(work, 'params.json'), JSON.stringify(params));
      const reference = new TransformerLM({ config: LIGHT_CONFIG });
      const cache = new Map<number, Float32Array>();
      const expected = async (i: number): Promise<Float32Array> => {
        if (!cache.has(i)) {
          reference.importWeights(weightsFor(params.shapes, i));
          cache.set(i, await logitsOf(reference));
        }
        return cache.get(i)!;
      };
      try {
        const steps = stepsOf(await runChild('light', work, ['--list']));
        t.diagnostic(`light cycle: ${steps.length} steps: ${steps.join(' | ')}`);
        const switchAt = steps.indexOf('rename ckpt') + 1;
        assert.ok(switchAt > 0, 'the checkpoint switch is a step');
        let previous: Kill | undefined;
        // (b) injected: right after each step of a cycle (0: before its first).
        for (let k = 0; k <= steps.length; k++) {
          const result = await runChild('light', work, ['--kill-at', String(k)]);
          checkListing(work, previous);
          const kill: Kill = { kind: 'injected, light', at: k === 0 ? 'before the first step' : `step ${k} (${steps[k - 1]})`, problems: [], lost: 0 };
          if (result.signal !== 'SIGKILL') kill.problems.push(`the child was not killed (exit ${result.code}): ${result.stderr.slice(-2000)}`);
          await verifyLight(work, kill, expected, k >= switchAt);
          kills.push(kill);
          previous = kill;
        }
        // (a) random times, and (c) a record torn mid-write after some of them.
        let torn: Kill | undefined;
        for (let r = 0; r < RANDOM_LIGHT; r++) {
          const delay = rng.int(0, 200);
          const result = await runChild('light', work, ['--loop'], delay);
          checkListing(work, previous);
          if (torn !== undefined) {
            // The run after the tear appended over it: every record must be there, in order, none torn.
            await verifyRecords(work, torn);
            kills.push(torn);
            torn = undefined;
          }
          const kill: Kill = { kind: 'random, light', at: `${delay} ms after arming`, problems: [], lost: 0 };
          if (result.signal !== 'SIGKILL') kill.problems.push(`the child was not killed (exit ${result.code}): ${result.stderr.slice(-2000)}`);
          await verifyLight(work, kill, expected);
          kills.push(kill);
          previous = kill;
          if (rng.chance(TORN_CHANCE)) {
            const next = (await loadJsonl(path.join(work, 'records.jsonl'))).length;
            const line = `${JSON.stringify(trajectoryToJson(recordFor(next)))}\n`;
            const cut = rng.int(1, line.length - 1); // up to the whole record without its newline (kept, then)
            await appendFile(path.join(work, 'records.jsonl'), line.slice(0, cut));
            torn = { kind: 'torn tail (emulated), light', at: `record ${next} cut at byte ${cut} of ${line.length}`, problems: [], lost: 0 };
          }
        }
        const last = await runChild('light', work, ['--recover-only']);
        if (last.code !== 0) previous?.problems.push(`the recovery run failed: ${last.stderr.slice(-2000)}`);
        checkListing(work, previous);
        if (torn !== undefined) {
          await verifyRecords(work, torn);
          kills.push(torn);
        }
      } finally {
        reference.dispose();
      }
    };

    const grpoLane = async (): Promise<void> => {
      const rng = rngFor(SEED, 'grpo');
      const work = path.join(root, 'grpo');
      await mkdir(work);
      const tokenizerJson = trainTokenizerJson();
      const tokenizer = HfTokenizer.fromJson(tokenizerJson);
      const config = grpoConfig(tokenizer.vocabSize);
      await writeFile(path.join(work, 'params.json'), JSON.stringify({ config, shapes: Object.fromEntries(parameterShapes(config)), tokenizer: tokenizerJson } satisfies DurabilityParams));
      const prompt = new AgentPrompt({ tokenizer, template: 'plain', think: false, maxPromptTokens: 480 });
      const policy = new TransformerLM({ config, seed: 99 });
      const trainer = new MultiTurnGRPO(grpoOptions(policy, tokenizer, prompt));
      const ckpt = path.join(work, 'ckpt');
      const verify = async (kill: Kill, committed?: boolean): Promise<void> => {
        const journal = readJournal(work);
        const { saved, inflight } = checkpointCandidates(journal);
        if (saved === undefined && inflight === undefined) return;
        try {
          await trainer.restore(ckpt);
          const k = trainer.progress.iteration;
          const want = committed === undefined ? undefined : committed ? inflight ?? saved : saved;
          if (k !== saved && k !== inflight) {
            kill.problems.push(`restored iteration ${k}, neither the last complete save (${saved}) nor the in-flight one (${inflight})`);
            kill.lost++;
            return;
          }
          if (want !== undefined && k !== want) kill.problems.push(`restored iteration ${k}, expected ${want} (kill ${committed ? 'after' : 'before'} the switch)`);
          const entry = [...journal].reverse().find((e) => e.ev === 'saving' && e.i === k) as (JournalEntry & { sha: string; logits: string }) | undefined;
          const weights = await policy.exportWeights();
          const hash = createHash('sha256');
          for (const [name, w] of [...weights].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(name).update(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
          const got = await logitsOf(policy);
          const saidBytes = Buffer.from(entry!.logits, 'base64');
          const said = new Float32Array(saidBytes.buffer.slice(saidBytes.byteOffset, saidBytes.byteOffset + saidBytes.byteLength));
          if (hash.digest('hex') !== entry!.sha || !sameFloats(got, said)) {
            kill.problems.push(`iteration ${k} restored with weights or logits other than those saved`);
            kill.lost++;
          }
          const loaded = await loadCheckpoint(path.join(ckpt, 'policy'));
          const hf = await logitsOf(loaded.policy);
          loaded.policy.dispose();
          if (!loaded.verified || !sameFloats(hf, said)) kill.problems.push('policy/ does not load as a verified Hugging Face folder with the saved logits');
        } catch (error) {
          kill.problems.push(`the run does not restore: ${(error as Error).message}`);
          kill.lost++;
        }
      };
      try {
        const steps = stepsOf(await runChild('grpo', work, ['--list']));
        t.diagnostic(`MultiTurnGRPO save: ${steps.length} steps: ${steps.join(' | ')}`);
        const switchAt = steps.indexOf('rename ckpt') + 1;
        const topManifest = steps.indexOf('fsync ckpt.saving-*/webagent-manifest.json') + 1;
        assert.ok(switchAt > 0 && topManifest > 0);
        const all = Array.from({ length: steps.length + 1 }, (_, k) => k);
        const chosen = FULL ? all : [...rng.sample(all.slice(1, topManifest), GRPO_SAMPLED_WRITES), ...all.slice(topManifest)].sort((a, b) => a - b);
        let previous: Kill | undefined;
        for (const k of chosen) {
          const result = await runChild('grpo', work, ['--kill-at', String(k)]);
          checkListing(work, previous);
          const kill: Kill = { kind: FULL ? 'injected, MultiTurnGRPO (every step)' : 'injected, MultiTurnGRPO (switch + sampled writes)', at: k === 0 ? 'before the first step' : `step ${k} (${steps[k - 1]})`, problems: [], lost: 0 };
          if (result.signal !== 'SIGKILL') kill.problems.push(`the child was not killed (exit ${result.code}): ${result.stderr.slice(-2000)}`);
          await verify(kill, k >= switchAt);
          kills.push(kill);
          previous = kill;
        }
        for (let r = 0; r < RANDOM_GRPO; r++) {
          const delay = rng.int(0, 2500);
          const result = await runChild('grpo', work, ['--loop'], delay);
          checkListing(work, previous);
          const kill: Kill = { kind: 'random, MultiTurnGRPO', at: `${delay} ms after arming`, problems: [], lost: 0 };
          if (result.signal !== 'SIGKILL') kill.problems.push(`the child was not killed (exit ${result.code}): ${result.stderr.slice(-2000)}`);
          await verify(kill);
          kills.push(kill);
          previous = kill;
        }
        // The next save after the last kill, made here: it must remove what the kill left.
        await trainer.restore(ckpt);
        await trainer.save(ckpt);
        const names = readdirSync(work).sort();
        if (names.some((n) => /\.(saving|link|legacy|removing)-|\.tmp$/.test(n)) || names.filter((n) => /^ckpt@\d+$/.test(n)).length !== 1) {
          previous?.problems.push(`after the next save the folder holds ${names.join(', ')}`);
        }
      } finally {
        trainer.dispose();
        policy.dispose();
      }
    };

    await Promise.all([lightLane(), grpoLane()]);

    const kinds = [...new Set(kills.map((k) => k.kind))];
    const rows = kinds.map((kind) => {
      const of = kills.filter((k) => k.kind === kind);
      return { kind, tried: of.length, survived: of.filter((k) => k.problems.length === 0).length, lost: of.reduce((a, k) => a + k.lost, 0) };
    });
    const seconds = (performance.now() - started) / 1000;
    for (const r of rows) t.diagnostic(`${r.kind}: ${r.tried} kills tried, ${r.survived} survived, ${r.lost} lost`);
    t.diagnostic(`${kills.length} kills in ${seconds.toFixed(1)} s (seed ${SEED})`);
    const failed = kills.filter((k) => k.problems.length > 0);
    assert.deepEqual(failed.map((k) => `${k.kind}, ${k.at}: ${k.problems.join('; ')}`), [], `seed ${SEED} (replay with DURABILITY_SEED=${SEED})`);
    assert.ok(rows.every((r) => r.lost === 0 && r.tried > 0), `seed ${SEED}`);
  });
});
