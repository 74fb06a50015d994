// The package as users get it: `npm pack`, install the tarball into a fresh temporary project,
// then import the public API and the `testing` subpath from there, at run time (ESM) and in
// the type checker (the emitted .d.ts files).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let project: string;

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
}

before(() => {
  project = mkdtempSync(join(tmpdir(), 'webagent-r1-pack-'));
  run(npm, ['pack', '--silent', '--pack-destination', project], root);
  const tarball = readdirSync(project).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack produced a tarball');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // Dependencies come from the npm cache that installing this repository filled.
  run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--silent', join(project, tarball), '@types/node@20', 'typescript@~6.0.3'], project);
});

after(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

test('the tarball holds the build and no sources or tests', () => {
  const listing = run('tar', ['-tzf', join(project, readdirSync(project).find((f) => f.endsWith('.tgz'))!)], project);
  assert.match(listing, /package\/dist\/index\.js/);
  assert.match(listing, /package\/dist\/index\.d\.ts/);
  assert.match(listing, /package\/dist\/testing\/index\.js/);
  assert.match(listing, /package\/LICENSE/);
  assert.doesNotMatch(listing, /package\/(src|test|bench)\//);
});

test('ESM imports of the package and its testing subpath work, and a scripted episode runs', () => {
  writeFileSync(
    join(project, 'use.mjs'),
    `import { WebEnvironment, BrowserPool, parseAction, formatAction, isWebAgentError, OptionsError } from 'webagent-r1';
     import { ScriptedEnvironment, scriptedShop, SCRIPTED_SHOP_URL } from 'webagent-r1/testing';
     if (typeof WebEnvironment !== 'function' || typeof BrowserPool !== 'function' || typeof ScriptedEnvironment !== 'function' || typeof scriptedShop !== 'function' || SCRIPTED_SHOP_URL !== 'http://shop.test/') throw new Error('missing exports');
     const action = parseAction('do(action="Click", role="link", name="Blue Ceramic Mug")');
     if (formatAction(action, 'webarena') !== 'click [link "Blue Ceramic Mug"]') throw new Error('grammar');
     try { new WebEnvironment({ maxTurns: -1 }); } catch (e) { if (!(e instanceof OptionsError) || !isWebAgentError(e)) throw e; }
     const env = new ScriptedEnvironment(scriptedShop());
     const url = 'http://shop.test/';
     const obs = await env.reset({ id: 'pack', intent: 'look', startUrl: url });
     const r = await env.step({ type: 'answer', text: 'done' });
     await env.close();
     console.log(JSON.stringify({ lines: obs.text.split('\\n').length, terminated: r.terminated }));`,
  );
  const out = JSON.parse(run(process.execPath, ['use.mjs'], project)) as { lines: number; terminated: boolean };
  assert.ok(out.lines > 1);
  assert.equal(out.terminated, true);
});

test('the emitted types check in a consumer project (NodeNext, strict)', () => {
  writeFileSync(
    join(project, 'tsconfig.json'),
    // skipLibCheck: @tensorflow/tfjs's own .d.ts files do not check under strict (missing
    // EmscriptenModule and Long globals, a LayersModel/InferenceModel mismatch); every tfjs user needs it.
    // Our declarations are still what check.ts type-checks against.
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, skipLibCheck: true, noEmit: true, types: ['node'], lib: ['ES2023', 'DOM', 'ESNext.Disposable'] }, include: ['check.ts'] }),
  );
  writeFileSync(
    join(project, 'check.ts'),
    `import { WebEnvironment, TransformerLM, GenerationEngine, checkers, type Action, type Environment, type Observation, type StepResult } from 'webagent-r1';
     import type { Completion } from 'webagent-r1/model';
     import { MiniWoBSuite } from 'webagent-r1/miniwob';
     void checkers.answerIncludes(['x']); void MiniWoBSuite;
     import { ScriptedEnvironment, scriptedShop, type ScriptedEnvironmentOptions, type ShopState } from 'webagent-r1/testing';
     const a: Action = { type: 'click', target: { role: 'link', name: 'Home' } };
     async function run(env: Environment): Promise<Observation> {
       await env.reset({ id: 'x', intent: 'y', startUrl: 'http://shop.test/' });
       const r: StepResult = await env.step(a);
       return r.observation;
     }
     const shop: ScriptedEnvironmentOptions<ShopState> = scriptedShop({ maxTurns: 5 });
     void run(new ScriptedEnvironment(shop));
     void run(new WebEnvironment());
     // @ts-expect-error: scriptedShop() makes its own pages
     scriptedShop({ pages: {} });
     // @ts-expect-error: an action type that does not exist must not type-check
     const bad: Action = { type: 'teleport' };
     const policy = new TransformerLM({ config: { vocab_size: 32, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2 } });
     const done: Promise<Completion[]> = new GenerationEngine(policy).generate([{ promptIds: [1, 2] }], { maxNewTokens: 2 });
     void bad; void done;`,
  );
  const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
  run(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
});
