// The README's first command, `npm run quickstart`, end to end at a tiny size: demonstrations in
// Chromium, the small policy from scratch, BC, one GRPO iteration, evaluations before and after,
// the table, and a saved agent that Agent.fromPretrained loads with no options and acts with (skipped without a
// browser). Its results are not asserted (a few seconds of training teach nothing); that it
// runs, prints every stage and saves a loadable model is.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { findChromium } from '../src/env/chromium.js';
import { Agent } from '../src/agent/agent.js';

const chromium = findChromium();

describe('npm run quickstart', () => {
  test('trains, evaluates, prints the table and saves a checkpoint Agent.fromPretrained loads', { skip: chromium ? false : 'no Chromium found (findChromium)', timeout: 600_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'webagent-quickstart-'));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [
        '--import', 'tsx', 'examples/quickstart.ts', '--templates', 'map.open-place,map.save-place', '--demos-per-template', '2', '--test-per-template', '1',
        '--bc-minutes', '5', '--bc-steps', '3', '--grpo-iterations', '1', '--max-turns', '4', '--out', join(out, 'run'), '--chromium', chromium!,
      ], { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, WEBAGENT_BACKEND: 'wasm' } });
      assert.match(stdout, /4 demonstrations \(0 failed\) of 2 templates/);
      assert.match(stdout, /untrained: \d+% of 2 test tasks/);
      assert.match(stdout, /behavior cloning: 3 steps, loss \d/);
      assert.match(stdout, /GRPO: success \d+%/);
      assert.match(stdout, /\| map\.open-place \| \d+% \| \d+% \| \d+% \|/);
      assert.match(stdout, /\| \*\*all \(2 test tasks\)\*\* \|/);
      const files = await readdir(join(out, 'run', 'agent'));
      for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'generation_config.json', 'webagent-agent.json']) assert.ok(files.includes(f), `${f} saved`);
      assert.match(stdout, new RegExp(`Load it with:\\n  await Agent\\.fromPretrained\\('${join(out, 'run', 'agent').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'\\)`), 'the printed line needs no options');
      // As the printed line says: no options (the settings travel with the weights), here only fewer new tokens.
      const agent = await Agent.fromPretrained(join(out, 'run', 'agent'), { sampling: { maxNewTokens: 4 } });
      assert.equal(agent.prompt.targets, 'name');
      assert.equal(agent.constrainAction, true);
      try {
        const step = await agent.act({ intent: 'Open the map page of Bay Cafe.', observation: { text: 'link "Bay Cafe"', url: 'http://127.0.0.1:1/', title: 'Map', lastActionError: null, notices: [], nodes: [] } });
        assert.ok(step.completion!.tokenIds.length <= 4);
      } finally {
        agent.dispose();
      }
      // Under the action constraint it was saved with (as the quickstart decodes), even this barely
      // trained model writes one valid action on an element of the page.
      const constrained = await Agent.fromPretrained(join(out, 'run', 'agent'), { sampling: { maxNewTokens: 96 } });
      try {
        const nodes = [{ id: 1, role: 'link', name: 'Bay Cafe', visible: true }, { id: 2, role: 'textbox', name: 'Search places', visible: true }];
        const step = await constrained.act({ intent: 'Open the map page of Bay Cafe.', observation: { text: 'link "Bay Cafe"\ntextbox "Search places"', url: 'http://127.0.0.1:1/', title: 'Map', lastActionError: null, notices: [], nodes } });
        assert.notEqual(step.action.type, 'invalid', `constrained reply ${JSON.stringify(step.reply)} parses`);
        const name = /name="([^"]*)"/.exec(step.reply)?.[1];
        if (name !== undefined) assert.ok(['Bay Cafe', 'Search places'].includes(name), `names ${name}, an element of the page`);
      } finally {
        constrained.dispose();
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
