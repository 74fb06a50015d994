// The `webagent-r1` command end to end at a tiny size: `train` on two bundled templates (expert
// demonstrations in Chromium, 3 BC steps, 1 GRPO iteration, evaluations, the run folder), then
// `eval` of the saved agent, which loads with no options; and bad flags as one-line errors.
// Results are not asserted (a few steps teach nothing); that each command runs and writes and
// prints what it says is.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { findChromium } from '../src/env/chromium.js';

const chromium = findChromium();
const cli = (args: string[]): Promise<{ stdout: string; stderr: string }> =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, WEBAGENT_BACKEND: 'wasm' } });

describe('webagent-r1 (CLI)', () => {
  test('train writes the run folder and prints the table; eval evaluates the saved agent', { skip: chromium ? false : 'no Chromium found (findChromium)', timeout: 600_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'webagent-cli-'));
    try {
      const templates = 'map.open-place,map.save-place';
      const train = await cli(['train', '--templates', templates, '--demos-per-template', '2', '--test-per-template', '1', '--bc-steps', '3', '--grpo-iterations', '1', '--max-turns', '4', '--out', join(out, 'run'), '--chromium', chromium!]);
      assert.match(train.stdout, /4 demonstrations \(0 failed\)/);
      assert.match(train.stdout, /untrained: \d+% of 2 test episodes/);
      assert.match(train.stdout, /\| map\.open-place \| \d+% \| \d+% \| \d+% \|/);
      assert.match(train.stdout, /evaluate it again with: webagent-r1 eval .*run\/agent/);
      assert.deepEqual((await readdir(join(out, 'run'))).filter((n) => !n.includes('@')).sort(), ['agent', 'agent-bc', 'episodes.jsonl', 'metrics.jsonl', 'report.html', 'results.json']);
      const report = await cli(['report', join(out, 'run')]);
      assert.equal(report.stdout.trim(), join(out, 'run', 'report.html'));
      const evaluated = await cli(['eval', join(out, 'run', 'agent'), '--templates', templates, '--per-template', '1', '--max-turns', '4', '--chromium', chromium!]);
      assert.match(evaluated.stdout, /\| map\.save-place \| \d+% \|/);
      assert.match(evaluated.stdout, /\| \*\*all \(2 tasks\)\*\* \| \d+% \|/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  test('bad flags are one-line errors naming the flag and what it takes', async () => {
    await assert.rejects(cli(['train', '--bc-steps', 'many']), (e: { stderr: string }) => /--bc-steps takes a positive integer, got "many"/.test(e.stderr));
    await assert.rejects(cli(['eval', 'x', '--split', 'validation']), (e: { stderr: string }) => /--split takes train, test or test-unseen, got "validation"/.test(e.stderr));
    await assert.rejects(cli(['fly']), (e: { stderr: string }) => /unknown command 'fly'/.test(e.stderr));
  });
});
