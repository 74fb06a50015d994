// Choosing the tfjs backend at start-up, in this order: tfjs-node-gpu (CUDA), then
// tfjs-node, then WebAssembly (multithreaded where it starts, with the training kernels of
// wasm-kernels.ts), then plain JS. Overridable by option or WEBAGENT_BACKEND; logged and queryable.

import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { OptionsError, WebAgentError } from '../errors.js';
import { defineOptions, fn, num, obj, oneOf } from '../options.js';
import { registerWasmTrainingKernels } from './wasm-kernels.js';
import { useThreadedWasm } from './wasm-threads.js';

/** What a user may ask for. `auto` tries node-gpu, node, wasm, cpu in that order. */
export type BackendChoice = 'auto' | 'node-gpu' | 'node' | 'wasm' | 'cpu';
/** Every BackendChoice, in the order `auto` tries them after itself. */
export const BACKEND_CHOICES = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'] as const satisfies readonly BackendChoice[];
const CHOICES: readonly BackendChoice[] = BACKEND_CHOICES;

export interface BackendOptions {
  /** Backend to use; default `process.env.WEBAGENT_BACKEND` or `auto`. */
  backend?: BackendChoice;
  /**
   * Threads for the wasm backend's XNNPACK pool; default `WEBAGENT_THREADS` or the number of
   * CPUs (at most 8). 1 loads the single-threaded binary.
   */
  threads?: number;
  /** Where the choice is reported; default `console.error`. Pass `() => {}` to silence. */
  log?: (message: string) => void;
}

/** The schema of BackendOptions: checked by `initBackend` on every call, before anything starts. */
export const backendOptions = defineOptions<BackendOptions>()('initBackend', obj({
  backend: oneOf(BACKEND_CHOICES).optional(),
  threads: num({ int: true, min: 1, max: 64 }).optional(),
  log: fn<(message: string) => void>('a function (message) => void').optional(),
}));

/** The backend in use, as `backendInfo()` reports it. */
export interface BackendInfo {
  /** tfjs backend name: `tensorflow` (tfjs-node and tfjs-node-gpu), `wasm` or `cpu`. */
  readonly name: string;
  /** What was chosen: `node-gpu`, `node`, `wasm` or `cpu`. */
  readonly choice: Exclude<BackendChoice, 'auto'>;
  /** Threads the backend computes on (1 for cpu; the XNNPACK pool size for wasm). */
  readonly threads: number;
  /** Why this one: the option, the environment variable, or what failed before it. */
  readonly reason: string;
}

/** The backend could not be started (an explicit choice that is not installed or failed). */
export class BackendError extends WebAgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BACKEND_UNAVAILABLE', message, options);
  }
}

let current: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

/** The backend chosen by `initBackend`, or undefined before it ran. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

function resolveChoice(options: BackendOptions): { choice: BackendChoice; source: string } {
  if (options.backend !== undefined) return { choice: options.backend, source: 'option backend' };
  const env = process.env.WEBAGENT_BACKEND;
  if (env !== undefined && env !== '') return { choice: env as BackendChoice, source: 'WEBAGENT_BACKEND' };
  return { choice: 'auto', source: 'default' };
}

function resolveThreads(options: BackendOptions): number {
  const raw = options.threads ?? (process.env.WEBAGENT_THREADS ? Number(process.env.WEBAGENT_THREADS) : Math.min(8, os.cpus().length));
  if (!Number.isInteger(raw) || raw < 1 || raw > 64) {
    throw new OptionsError(`threads must be an integer from 1 to 64 (option threads or WEBAGENT_THREADS), got ${String(raw)}`);
  }
  return raw;
}

async function tryNode(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<string | undefined> {
  try {
    await import(pkg);
    await tf.setBackend('tensorflow');
    await tf.ready();
    return undefined;
  } catch (error) {
    return `${pkg} not loadable (${(error as Error).message.split('\n')[0]})`;
  }
}

async function startWasm(threads: number): Promise<{ threads: number; note: string }> {
  await import('@tensorflow/tfjs-backend-wasm');
  registerWasmTrainingKernels();
  let note = '';
  if (threads > 1) {
    try {
      await useThreadedWasm(threads);
    } catch (error) {
      note = `; threaded wasm failed (${(error as Error).message}), single-threaded`;
    }
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") returned false');
  await tf.ready();
  const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  return { threads: getThreadsCount(), note };
}

async function start(options: BackendOptions): Promise<BackendInfo> {
  const { choice, source } = resolveChoice(options);
  if (!CHOICES.includes(choice)) {
    throw new OptionsError(`backend must be one of ${CHOICES.join(', ')} (from ${source}), got "${choice}"`);
  }
  const threads = resolveThreads(options);
  const failures: string[] = [];
  const candidates: Exclude<BackendChoice, 'auto'>[] = choice === 'auto' ? ['node-gpu', 'node', 'wasm', 'cpu'] : [choice];
  for (const candidate of candidates) {
    if (candidate === 'node-gpu' || candidate === 'node') {
      const failure = await tryNode(candidate === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
      if (failure === undefined) return { name: tf.getBackend(), choice: candidate, threads: os.cpus().length, reason: `${source}${failures.length ? `; ${failures.join('; ')}` : ''}` };
      failures.push(failure);
    } else if (candidate === 'wasm') {
      try {
        const wasm = await startWasm(threads);
        return { name: 'wasm', choice: 'wasm', threads: wasm.threads, reason: `${source}${failures.length ? `; ${failures.join('; ')}` : ''}${wasm.note}` };
      } catch (error) {
        failures.push(`wasm failed (${(error as Error).message})`);
      }
    } else {
      await tf.setBackend('cpu');
      await tf.ready();
      return { name: 'cpu', choice: 'cpu', threads: 1, reason: `${source}${failures.length ? `; ${failures.join('; ')}` : ''}` };
    }
  }
  throw new BackendError(`backend "${choice}" (from ${source}) could not start: ${failures.join('; ')}. ` +
    'Install it (npm install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu) or choose another with WEBAGENT_BACKEND=wasm.');
}

/**
 * Starts the tfjs backend once per process and reports it. Later calls return the same info
 * (options are ignored after the first call; the backend cannot be swapped under live tensors).
 */
export function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  try {
    backendOptions.check(options);
  } catch (error) {
    return Promise.reject(error);
  }
  pending ??= start(options).then(
    (info) => {
      current = info;
      (options.log ?? ((m: string) => console.error(m)))(`webagent-r1: tfjs backend ${info.choice} (${info.name}, ${info.threads} thread${info.threads === 1 ? '' : 's'}; ${info.reason})`);
      return info;
    },
    (error: unknown) => {
      pending = undefined;
      throw error;
    },
  );
  return pending;
}
