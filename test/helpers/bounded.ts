// Runs a function of a test-support module in a worker thread with a deadline, so a test can
// show that something hangs (synchronous code no test timeout can interrupt) or no longer does:
// the worker is terminated when the deadline passes and the result says so.

import { Worker } from 'node:worker_threads';

export type BoundedResult =
  | { readonly outcome: 'returned'; readonly value: unknown; readonly ms: number }
  | { readonly outcome: 'threw'; readonly error: { readonly name: string; readonly message: string; readonly [key: string]: unknown }; readonly ms: number }
  | { readonly outcome: 'timed out'; readonly ms: number };

// The worker registers tsx (as `--import tsx` does for the test process), imports the module and
// posts what the call did: its value, or the error's name, message and own primitive fields.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { register } = await import('tsx/esm/api');
  register();
  const mod = await import(workerData.module);
  try {
    parentPort.postMessage({ ok: true, value: await mod[workerData.name](...workerData.args) });
  } catch (e) {
    const error = {};
    for (const [k, v] of Object.entries(e ?? {})) if (['string', 'number', 'boolean'].includes(typeof v)) error[k] = v;
    parentPort.postMessage({ ok: false, error: { ...error, name: e?.name ?? 'Error', message: e?.message ?? String(e) } });
  }
})();
`;

/** Calls `name(...args)` exported by the module at `moduleUrl` in a worker; gives up after `ms` (the worker is terminated). */
export function runBounded(moduleUrl: URL, name: string, args: readonly unknown[], ms: number): Promise<BoundedResult> {
  const started = Date.now();
  const worker = new Worker(WORKER, { eval: true, workerData: { module: moduleUrl.href, name, args } });
  return new Promise<BoundedResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve({ outcome: 'timed out', ms: Date.now() - started });
    }, ms);
    worker.once('message', (m: { ok: boolean; value?: unknown; error?: { name: string; message: string } }) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(m.ok ? { outcome: 'returned', value: m.value, ms: Date.now() - started } : { outcome: 'threw', error: m.error!, ms: Date.now() - started });
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
