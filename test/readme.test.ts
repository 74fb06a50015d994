// The README is a guide, not a lab notebook: at most 300 lines, the two commands right after the
// opening paragraph, its results tables exactly what scripts/readme-tables.mjs generates from
// bench/results/*.json (never typed by hand), and every local image it shows exists.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

test('at most 300 lines, and the two commands come first', () => {
  const lines = readme.trimEnd().split('\n');
  assert.ok(lines.length <= 300, `README.md has ${lines.length} lines`);
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(firstBlock && readme.indexOf(firstBlock[0]) < readme.indexOf('\n## '), 'the first code block comes before the first section');
  assert.match(firstBlock![1]!, /^npm install && npm run quickstart\s/m);
  assert.match(firstBlock![1]!, /^npm test\s/m);
});

test('the results tables are the ones the script generates from bench/results', () => {
  const check = spawnSync(process.execPath, [join(root, 'scripts', 'readme-tables.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr || check.stdout);
});

test('every local image the README shows exists', () => {
  for (const [, src] of readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) {
    if (/^https?:/.test(src!)) continue;
    assert.ok(existsSync(join(root, src!)), `${src} exists`);
  }
});
