// The run folder of BehaviorCloning.save/restore: its file names and format tag, where a run
// stands between steps (BcProgress), and trainer.json's progress checked field by field.

import { createHash } from 'node:crypto';
import { OptionsError } from '../errors.js';
import { tokenLossWeight, type ScoredSequence } from '../model/training.js';

export const CHECKPOINT_FORMAT = 'webagent-r1/behavior-cloning@1';
export const TRAINER_FILE = 'trainer.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
/** What a run folder holds (a real folder at the save's path is replaced only if it holds nothing else). */
export const RUN_FILES = new Set(['policy', OPTIMIZER_FILE, TRAINER_FILE, 'webagent-manifest.json']);
export const RESTORE_HINT = 'pass a folder written by BehaviorCloning.save() (or its `checkpoint` option)';

/** Where a run stands between steps: with the weights and the AdamW state, all a run needs to continue exactly. */
export interface BcProgress {
  /** Optimizer steps done. */
  step: number;
  /** The current epoch (from 0). */
  epoch: number;
  /** Batches of the epoch's shuffled order already trained. */
  batch: number;
  /** The sample-order Rng's state at the start of `epoch`: the epoch's shuffle is replayed from it. */
  order: number;
  /** Supervised tokens trained on. */
  tokens: number;
  /** The current (or, between epochs, the last) epoch's loss sum (loss × tokens per step) and token count. */
  epochLoss: number;
  epochTokens: number;
  /** The last validation loss, if any. */
  validationLoss: number | undefined;
  /** Seconds of training in earlier `train()` calls (and in the run a checkpoint was saved from). */
  seconds: number;
}

/** A number for JSON: non-finite values (a diverged loss) as their strings, which JSON has no numbers for. */
export const jsonNumber = (x: number): number | string => (Number.isFinite(x) ? x : String(x));

/** sha256 of sequences' token ids and per-token loss weights: which training data a checkpoint's sample order indexes. */
export function sequencesDigest(list: readonly ScoredSequence[]): string {
  const hash = createHash('sha256');
  for (const s of list) {
    const ids = Int32Array.from(s.ids);
    const weights = new Float32Array(ids.length);
    for (let i = 1; i < ids.length; i++) weights[i] = tokenLossWeight(s, i);
    hash.update(new Uint8Array(Uint32Array.of(ids.length).buffer)).update(new Uint8Array(ids.buffer)).update(new Uint8Array(weights.buffer));
  }
  return hash.digest('hex');
}

/** The progress of a trainer.json, checked field by field (`where` names the file in messages). */
export function readProgress(raw: unknown, where: string): BcProgress {
  const bad = (key: string, want: string): never => {
    throw new OptionsError(`BehaviorCloning.restore: ${where} has no valid progress${key === '' ? '' : `.${key}`} (${want}); ${RESTORE_HINT}`);
  };
  if (typeof raw !== 'object' || raw === null) bad('', 'an object');
  const r = raw as Record<string, unknown>;
  const count = (key: string): number => {
    const v = r[key];
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : bad(key, 'an integer >= 0');
  };
  const loss = (key: string): number => {
    const v = r[key];
    if (typeof v === 'number') return v;
    return typeof v === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(v) ? Number(v) : bad(key, 'a number');
  };
  const order = count('order');
  if (order > 0xffffffff) bad('order', 'a 32-bit generator state');
  const seconds = r.seconds;
  if (typeof seconds !== 'number' || !(seconds >= 0) || !Number.isFinite(seconds)) bad('seconds', 'a finite number >= 0');
  return {
    step: count('step'), epoch: count('epoch'), batch: count('batch'), order, tokens: count('tokens'),
    epochLoss: loss('epochLoss'), epochTokens: count('epochTokens'),
    validationLoss: r.validationLoss === undefined || r.validationLoss === null ? undefined : loss('validationLoss'),
    seconds: seconds as number,
  };
}
