// Shared by the durability test (test/durability.slow.test.ts) and its child (durability-child.ts),
// and free of tfjs so the light child starts fast: what the child writes at each save or append
// (deterministic from the index, so the parent knows what each one held), the journal the child
// keeps of what it finished, and the names of the steps a write goes through.

import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TransformerConfig } from '../../src/model/config.js';
import type { NamedWeight } from '../../src/model/transformer.js';
import type { Trajectory } from '../../src/data/trajectory.js';

/** What the parent hands the child in `<work>/params.json`. */
export interface DurabilityParams {
  readonly config: TransformerConfig;
  /** Parameter shapes of `config` (parameterShapes needs tfjs, so the parent computes them). */
  readonly shapes: Record<string, number[]>;
  /** GRPO mode: the tokenizer.json of a small BPE the parent trained. */
  readonly tokenizer?: Record<string, unknown>;
}

export const TOKENIZER = {
  json: { version: '1.0', added_tokens: [{ id: 48, content: '<s>', special: true }, { id: 49, content: '</s>', special: true }], model: { type: 'BPE' } },
  config: { bos_token: '<s>', eos_token: '</s>' },
} as const;

/** The weights of save `i`: every value a function of (save, tensor, position). */
export function weightsFor(shapes: Record<string, number[]>, i: number): Map<string, NamedWeight> {
  const out = new Map<string, NamedWeight>();
  let t = 0;
  for (const [name, shape] of Object.entries(shapes)) {
    t++;
    const n = shape.reduce((a, b) => a * b, 1);
    const base = name.includes('norm') ? 1 : 0;
    out.set(name, { shape, data: Float32Array.from({ length: n }, (_, k) => base + 0.25 * Math.sin(1.3 * k + 0.71 * t + 0.37 * (i + 1))) });
  }
  return out;
}

/** Record `i` of the JSONL file (taskId `r<i>`). */
export function recordFor(i: number): Trajectory {
  const turns = Array.from({ length: 1 + (i % 3) }, (_, j) => ({
    promptIds: Int32Array.from({ length: 20 + j }, (_, k) => (k * 7 + i) % 300),
    completionIds: Int32Array.from({ length: 6 }, (_, k) => (k * 13 + i + j) % 300),
    logprobs: Float32Array.from({ length: 6 }, (_, k) => -0.01 * (k + 1 + i)),
    text: `do(action="Click", element="${i + j}")`,
    action: { type: 'click', element: String(i + j) },
    observation: { url: `http://127.0.0.1/p/${i}`, title: `Page ${i}`, error: null },
    prompt: [{ role: 'system' as const, content: 'sys' }, { role: 'user' as const, content: `Round ${j + 1}: record ${i} ${'x'.repeat(i % 50)}` }],
  }));
  return {
    taskId: `r${i}`, groupId: `g${Math.floor(i / 4)}`, site: 'shop', turns, reward: i % 2, answer: `a${i}`,
    stats: { turns: turns.length, invalidActions: 0, elapsedMs: i, terminated: true, truncated: false },
  };
}

/** One line of the child's journal: what it is about to do, and what it finished. */
export type JournalEntry =
  | { ev: 'start'; pid: number }
  | { ev: 'appending' | 'append' | 'snapshotting' | 'snapshot' | 'saved'; i: number }
  | { ev: 'saving'; i: number; sha?: string; logits?: string }
  | { ev: 'listing'; names: string[] }
  | { ev: 'armed' }
  | { ev: 'finished' };

export function journal(work: string, entry: JournalEntry): void {
  appendFileSync(path.join(work, 'journal.jsonl'), `${JSON.stringify(entry)}\n`);
}

/** The journal so far (a line cut by a kill is skipped). */
export function readJournal(work: string): JournalEntry[] {
  let text = '';
  try {
    text = readFileSync(path.join(work, 'journal.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const out: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    try {
      if (line) out.push(JSON.parse(line) as JournalEntry);
    } catch {
      // the child was killed while writing this line
    }
  }
  return out;
}

/** A step's name without what differs between runs (pids, random tags, version numbers). */
export function stepLabel(work: string, op: string, file: string): string {
  const rel = path.relative(work, file).split(path.sep).join("/") || ".";
  return `${op} ${rel.replace(/-\d+-[0-9a-f]{8}/g, '-*').replace(/\.\d+\.[0-9a-f]{8}\.tmp$/, '.*.tmp').replace(/@\d+/g, '@N')}`;
}
