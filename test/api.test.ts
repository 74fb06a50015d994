// The public API, pinned: every name each entry point of the package exports (values and types,
// read by the TypeScript compiler from the sources the build compiles) against the snapshot in
// test/fixtures/api.json. An export added or removed fails here until the snapshot is updated on
// purpose (API_SNAPSHOT_RECORD=1 node --import tsx --test test/api.test.ts), so the API changes
// only by decision. The root stays the user's path: at most 80 values (classes, functions,
// constants), with the types of their options and results beside them.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SNAPSHOT = join(root, 'test', 'fixtures', 'api.json');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
// Each subpath of package.json's exports and the source file its dist entry is built from.
const entries = Object.keys(packageJson.exports).filter((k) => k !== './package.json').map((k) => [k, join(root, 'src', k === '.' ? 'index.ts' : `${k.slice(2)}/index.ts`)] as const);

/** Names of each entry point; with `valuesOnly`, those that exist at run time (not types only). */
function exportedNames(valuesOnly = false): Record<string, string[]> {
  const program = ts.createProgram(entries.map(([, file]) => file), { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  return Object.fromEntries(entries.map(([subpath, file]) => {
    const symbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    const isValue = (s: ts.Symbol): boolean => ((s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s).flags & ts.SymbolFlags.Value) !== 0;
    return [subpath, checker.getExportsOfModule(symbol).filter((s) => !valuesOnly || isValue(s)).map((s) => s.getName()).sort()];
  }));
}

test('every entry point exports exactly the names of the API snapshot', () => {
  const actual = exportedNames();
  if (process.env.API_SNAPSHOT_RECORD === '1') writeFileSync(SNAPSHOT, `${JSON.stringify(actual, null, 2)}\n`);
  const expected = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Record<string, string[]>;
  for (const subpath of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const [a, e] = [new Set(actual[subpath] ?? []), new Set(expected[subpath] ?? [])];
    const added = [...a].filter((n) => !e.has(n));
    const removed = [...e].filter((n) => !a.has(n));
    assert.deepEqual({ added, removed }, { added: [], removed: [] }, `webagent-r1${subpath === '.' ? '' : subpath.slice(1)}: exports changed; if on purpose, record the snapshot again (API_SNAPSHOT_RECORD=1)`);
  }
});

test('the package root is the user\'s path: at most 80 values, and the short checker names only on the checkers namespace', () => {
  const rootNames = exportedNames(true)['.']!;
  assert.ok(rootNames.length <= 80, `the root exports ${rootNames.length} values: ${rootNames.join(', ')}`);
  for (const name of ['any', 'all', 'custom', 'esc', 'money', 'registerWasmTrainingKernels']) assert.ok(!rootNames.includes(name), `${name} is not a root export`);
  assert.ok(rootNames.includes('checkers'));
});
