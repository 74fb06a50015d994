// Checkpoints carry the agent: Agent.save writes the model, the tokenizer and the agent's own
// settings (webagent-agent.json), and Agent.fromPretrained(dir) with no options rebuilds the same
// agent: same prompt text, same constrained greedy replies. Options still override; a plain
// Hugging Face folder (no settings file) loads as before; a broken settings file is a typed error.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Agent, AGENT_SETTINGS_FILE } from '../../src/agent/agent.js';
import { createSmallPolicy, type SmallPolicy } from '../../src/agent/small-policy.js';
import { OptionsError } from '../../src/errors.js';
import { initBackend } from '../../src/model/backend.js';
import { saveCheckpoint } from '../../src/model/checkpoint.js';
import type { AgentState } from '../../src/agent/agent-prompt.js';
import { SCRIPTED_SHOP_PRODUCTS } from '../../src/testing/index.js';

const TINY = { model: { hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, intermediate_size: 64, max_position_embeddings: 320 }, vocabSize: 400, maxPromptTokens: 256, maxNewTokens: 24 };
const STATE: AgentState = {
  intent: 'What does the Blue Ceramic Mug cost?',
  observation: {
    text: '[1] link "Blue Ceramic Mug"\n[2] link "Red Kettle"\n[3] searchbox "Search"', url: 'http://shop.test/', title: 'Shop',
    nodes: [{ id: 1, role: 'link', name: 'Blue Ceramic Mug' }, { id: 2, role: 'link', name: 'Red Kettle' }, { id: 3, role: 'searchbox', name: 'Search' }],
  },
};

let small: SmallPolicy;
let dir: string;

before(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
  const corpus = SCRIPTED_SHOP_PRODUCTS.flatMap((p) => [`What does the ${p.name} cost?`, `link "${p.name}"`, 'do(action="Click", role="link", name="x")']);
  small = createSmallPolicy([], { corpus: Array(10).fill(corpus).flat(), seed: 3, settings: TINY });
  dir = await mkdtemp(path.join(tmpdir(), 'agent-save-'));
});

after(async () => {
  small.policy.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('Agent.save and Agent.fromPretrained', () => {
  test('a saved agent reloads with no options: same settings, same prompt, same constrained greedy replies', async () => {
    const agent = small.agentFor(small.policy, {}, { constrainAction: true, actions: ['Click', 'Type', 'exit'] });
    const out = path.join(dir, 'agent');
    await agent.save(out);
    const settings = JSON.parse(await readFile(path.join(out, AGENT_SETTINGS_FILE), 'utf8')) as Record<string, unknown>;
    assert.equal(settings.format, 'webagent-r1/agent');
    assert.deepEqual(settings.actions, ['Click', 'Type', 'exit']);
    const loaded = await Agent.fromPretrained(out);
    try {
      assert.deepEqual(loaded.settings(), agent.settings());
      assert.equal(loaded.prompt.build(STATE).text, agent.prompt.build(STATE).text, 'the same prompt, budget and format');
      const [a, b] = [await agent.act(STATE), await loaded.act(STATE)];
      assert.equal(b.reply, a.reply);
      assert.deepEqual(b.action, a.action);
      assert.notEqual(a.action.type, 'invalid', `constrained reply: ${a.reply}`);
    } finally {
      loaded.dispose();
    }
  });

  test('options override the saved settings; a plain folder loads without them; a bad settings file is a typed error', async () => {
    const out = path.join(dir, 'agent2');
    await small.agentFor(small.policy, {}, { constrainAction: true }).save(out);
    const free = await Agent.fromPretrained(out, { constrainAction: false, constrainCopy: false, sampling: { maxNewTokens: 5 } });
    try {
      assert.equal(free.constrainAction, false);
      assert.equal(free.sampling.maxNewTokens, 5);
      assert.equal(free.prompt.targets, 'name', 'the rest of the saved settings still apply');
    } finally {
      free.dispose();
    }
    const plain = path.join(dir, 'plain');
    await saveCheckpoint(plain, small.policy, { tokenizer: small.tokenizer });
    await assert.rejects(Agent.fromPretrained(plain), /chat_template|template/, 'without settings a tokenizer with no chat template needs the template option, as before');
    const given = await Agent.fromPretrained(plain, { template: 'plain', think: false });
    given.dispose();
    await writeFile(path.join(out, AGENT_SETTINGS_FILE), '{"format":"webagent-r1/agent","version":99,"prompt":{}}');
    await assert.rejects(Agent.fromPretrained(out), (e: unknown) => e instanceof OptionsError && /version 99/.test(e.message));
  });

  test('an agent over a remote model cannot be saved', async () => {
    const agent = new Agent({ policy: { name: 'remote', chat: () => Promise.resolve([]) }, prompt: { template: 'plain' } });
    await assert.rejects(agent.save(path.join(dir, 'x')), (e: unknown) => e instanceof OptionsError && /LocalChatPolicy over a TransformerLM/.test(e.message));
  });
});
