// Backend choice: the order, the overrides (option and WEBAGENT_BACKEND / WEBAGENT_THREADS) and
// the errors. Each case runs in a child process, since a process starts its backend once.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const backendModule = JSON.stringify(join(root, 'src', 'model', 'backend.ts'));

/** Runs initBackend(options) in a fresh process; resolves with its JSON report or error. */
async function start(options: string, env: Record<string, string> = {}): Promise<{ info?: Record<string, unknown>; error?: { name: string; message: string } }> {
  const script = `import { initBackend, backendInfo } from ${backendModule};
    try { await initBackend(${options}); console.log(JSON.stringify({ info: backendInfo() })); }
    catch (e) { console.log(JSON.stringify({ error: { name: e.name, message: e.message } })); }`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root, env: { ...process.env, WEBAGENT_BACKEND: '', WEBAGENT_THREADS: '', ...env }, timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { info?: Record<string, unknown>; error?: { name: string; message: string } };
}

test('auto falls past the uninstalled tfjs-node packages to multithreaded wasm, and says why', async () => {
  const { info } = await start('{ log: () => {} }');
  assert.equal(info?.choice, 'wasm');
  assert.equal(info?.name, 'wasm');
  assert.equal(info?.threads, 2, 'threaded wasm: one XNNPACK thread per CPU here');
  assert.match(String(info?.reason), /tfjs-node-gpu not loadable.*tfjs-node not loadable/);
});

test('WEBAGENT_BACKEND and WEBAGENT_THREADS choose; the option wins over the variable', async () => {
  const one = await start('{ log: () => {} }', { WEBAGENT_BACKEND: 'wasm', WEBAGENT_THREADS: '1' });
  assert.deepEqual([one.info?.choice, one.info?.threads, one.info?.reason], ['wasm', 1, 'WEBAGENT_BACKEND']);
  const cpu = await start("{ backend: 'cpu', log: () => {} }", { WEBAGENT_BACKEND: 'wasm' });
  assert.deepEqual([cpu.info?.choice, cpu.info?.name, cpu.info?.reason], ['cpu', 'cpu', 'option backend']);
});

test('bad choices fail with errors that say what to do', async () => {
  const bogus = await start('{ log: () => {} }', { WEBAGENT_BACKEND: 'tpu' });
  assert.equal(bogus.error?.name, 'OptionsError');
  assert.match(bogus.error!.message, /backend must be one of auto, node-gpu, node, wasm, cpu \(from WEBAGENT_BACKEND\), got "tpu"/);
  const threads = await start('{ threads: 0, log: () => {} }');
  assert.match(threads.error!.message, /threads must be an integer from 1 to 64/);
  const node = await start("{ backend: 'node', log: () => {} }");
  assert.equal(node.error?.name, 'BackendError');
  assert.match(node.error!.message, /@tensorflow\/tfjs-node not loadable.*npm install @tensorflow\/tfjs-node/);
});
