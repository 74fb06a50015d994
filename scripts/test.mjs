#!/usr/bin/env node
// Runs the test files of one kind, found by name under test/ (which mirrors src/):
//   unit     *.test.ts            no browser, no npm install, no training; under 2 minutes
//   browser  *.browser.test.ts    real Chromium and real local servers
//   slow     *.slow.test.ts       training runs, npm pack/install, soak and crash (SIGKILL) suites
//   all      every kind, unit first
// Usage: node scripts/test.mjs <unit|browser|slow|all> [node --test options...]
// Files run one at a time (--test-concurrency=1): browser and training tests share two cores.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const KINDS = ['unit', 'browser', 'slow'];
const kindOf = (file) => (file.endsWith('.browser.test.ts') ? 'browser' : file.endsWith('.slow.test.ts') ? 'slow' : 'unit');

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' || entry.name === 'helpers' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

const [kind = 'all', ...extra] = process.argv.slice(2);
if (kind !== 'all' && !KINDS.includes(kind)) {
  console.error(`scripts/test.mjs: unknown kind ${JSON.stringify(kind)}; use one of ${[...KINDS, 'all'].join(', ')}`);
  process.exit(2);
}
const all = testFiles(join(root, 'test')).sort();
const files = (kind === 'all' ? KINDS : [kind]).flatMap((k) => all.filter((f) => kindOf(f) === k));
if (files.length === 0) {
  console.error(`scripts/test.mjs: no ${kind} test files under test/`);
  process.exit(2);
}
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...extra, ...files], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
