// Run by loader-hardening.test.ts (as an unprivileged user when the tests run as root, since root
// reads any file): calls each loader on the path given and prints, as one JSON line, the name,
// message and fields of what each threw. Usage: loader-errors-child.ts '<json [{loader, path}]>'.

import { loadJsonl } from '../../src/data/jsonl.js';
import { loadCheckpoint } from '../../src/model/checkpoint.js';
import { readSafetensors } from '../../src/model/safetensors.js';
import { HfTokenizer } from '../../src/model/tokenizer.js';
import { loadDemonstrations } from '../../src/data/demonstration.js';
import { loadWebArenaConfigs, parseWebArenaConfig, webArenaTask } from '../../src/webarena/index.js';

const LOADERS: Record<string, (path: string) => unknown> = {
  tokenizer: (p) => HfTokenizer.fromFiles(p),
  checkpoint: (p) => loadCheckpoint(p),
  safetensors: (p) => readSafetensors(p),
  jsonl: (p) => loadJsonl(p),
  demonstrations: (p) => loadDemonstrations(p),
  webarena: (p) => loadWebArenaConfigs(p),
  storage: (p) => webArenaTask(parseWebArenaConfig({
    task_id: 1, require_login: true, storage_state: p, start_url: '__SHOPPING__', intent: 'x', eval: { eval_types: ['url_match'], reference_url: 'x' },
  }), { urls: { shopping: 'http://127.0.0.1:9' } }),
};

const cases = JSON.parse(process.argv[2] ?? '[]') as { loader: string; path: string }[];
const out: unknown[] = [];
for (const { loader, path } of cases) {
  try {
    await LOADERS[loader]!(path);
    out.push({ loader, outcome: 'loaded' });
  } catch (e) {
    const error = e as Error & Record<string, unknown>;
    out.push({ loader, outcome: 'threw', name: error.name, message: error.message, code: error.code, isWebAgentError: typeof error.code === 'string' && error.code === error.code.toUpperCase() && !('syscall' in error) });
  }
}
process.stdout.write(`${JSON.stringify(out)}\n`);
