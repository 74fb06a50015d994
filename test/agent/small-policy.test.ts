// Tests for the default small policy (src/rl/small-policy.ts): the tokenizer is trained on the
// demonstrations' text so a name tokenizes the same in the task and in the action, BC samples use
// role + name targets within the prompt budget, the model follows the defaults, bad budgets and
// empty input are refused, the agent it makes acts in an environment, and while acting it sees
// token for token the prompts BC trains on.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { Observation } from '../../src/env/types.js';
import { OptionsError } from '../../src/errors.js';
import { initBackend } from '../../src/model/backend.js';
import type { Demonstration } from '../../src/data/demonstration.js';
import { SMALL_POLICY_DEFAULTS, createSmallPolicy } from '../../src/agent/small-policy.js';
import { runEpisode } from '../../src/rl/rollout.js';
import { Agent } from '../../src/agent/agent.js';
import { LocalChatPolicy, type ChatPolicy } from '../../src/agent/chat.js';
import type { WebTask } from '../../src/tasks/types.js';
import { ScriptedEnvironment, scriptedShop, SCRIPTED_SHOP_URL, SCRIPTED_SHOP_PRODUCTS } from '../../src/testing/index.js';

let demos: Pick<Demonstration, 'intent' | 'turns'>[];

before(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
  const env = new ScriptedEnvironment(scriptedShop());
  demos = [];
  for (const product of SCRIPTED_SHOP_PRODUCTS) {
    const intent = `Open the page of the ${product.name}.`;
    const first: Observation = await env.reset({ id: product.slug, intent, startUrl: SCRIPTED_SHOP_URL });
    const link = first.nodes.find((n) => n.role === 'link' && n.name === product.name)!;
    const second = (await env.step({ type: 'click', target: { id: link.id! } })).observation;
    demos.push({ intent, turns: [{ observation: first, action: { type: 'click', target: { id: link.id! } } }, { observation: second, action: { type: 'answer', text: 'done' } }] });
  }
  await env.close();
});

describe('createSmallPolicy', () => {
  test('trains a tokenizer on the demonstrations and builds name-target samples within the budget', () => {
    const small = createSmallPolicy(demos, { settings: { vocabSize: 600, maxPromptTokens: 200 }, seed: 3 });
    try {
      const { tokenizer, policy, settings } = small;
      assert.equal(policy.config.vocab_size, tokenizer.vocabSize);
      assert.equal(policy.config.hidden_size, SMALL_POLICY_DEFAULTS.model.hidden_size);
      assert.equal(settings.maxPromptTokens, 200);
      const samples = small.samples(demos);
      assert.equal(samples.length, demos.length * 2);
      const product = SCRIPTED_SHOP_PRODUCTS[0]!;
      const first = samples[0]!;
      assert.ok(first.promptIds.length <= 200, `prompt has ${first.promptIds.length} tokens`);
      assert.equal(first.completionText, `do(action="Click", role="link", name="${product.name}")<|im_end|>`);
      // The name's tokens in the action are exactly its tokens in the task (copyable).
      const name = tokenizer.encode(product.name);
      const find = (hay: readonly number[]): boolean => hay.some((_, i) => name.every((t, k) => hay[i + k] === t));
      assert.ok(find(first.promptIds), 'the name as tokenized in the prompt');
      assert.ok(find(first.completionIds), 'the same tokens in the completion');
      const words = product.name.split(' ').length;
      assert.ok(name.length <= 2 * words - 1, `a seen name is one token per word and space, got ${name.length} for ${words} words`);
    } finally {
      small.policy.dispose();
    }
  });

  test('under a budget the tokenizer knows the budget\'s own wording, and URLs lose their origin', () => {
    // Long pages (40 links), so the budget cuts them and writes its "… N lines below not shown" line.
    const long = (name: string): Observation => {
      const nodes = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, role: 'link', name: i === 30 ? name : `Item ${i + 1}`, visible: i < 10 }));
      return { text: nodes.map((n) => `[${n.id}] link "${n.name}"`).join('\n'), url: `http://127.0.0.1:41234/list?q=${plus(name)}`, title: 'List', lastActionError: null, notices: [], truncated: false, nodes };
    };
    const plus = (name: string): string => name.replaceAll(' ', '+');
    const longDemos: Pick<Demonstration, 'intent' | 'turns'>[] = SCRIPTED_SHOP_PRODUCTS.map((p) => ({
      intent: `Open the ${p.name}.`,
      turns: [{ observation: long(p.name), action: { type: 'click', target: { role: 'link', name: p.name } } }, { observation: long(p.name), action: { type: 'answer', text: 'done' } }],
    }));
    const small = createSmallPolicy(longDemos, { settings: { vocabSize: 600, maxPromptTokens: 120 }, seed: 3 });
    try {
      const texts = small.samples(longDemos).map((s) => small.tokenizer.decode(s.promptIds));
      const marker = texts.map((t) => /… \d+ lines? below not shown \(scroll down to see them\)/.exec(t)?.[0]).find((m) => m !== undefined);
      assert.ok(marker, 'the budget cut some page');
      const n = small.tokenizer.encode(marker, { addSpecialTokens: false }).length;
      assert.ok(n <= 24, `the marker is about a token per word and space, got ${n} tokens for ${JSON.stringify(marker)}`);
      for (const t of texts) {
        assert.doesNotMatch(t, /URL: http/, 'the origin is left out');
        assert.match(t, /URL: \/list\?q=/);
      }
    } finally {
      small.policy.dispose();
    }
  });

  test('its agent acts in an environment and leaks no tensors', async () => {
    const small = createSmallPolicy(demos, { settings: { vocabSize: 600, maxNewTokens: 8 }, seed: 3 });
    const env = new ScriptedEnvironment(scriptedShop());
    try {
      const observation = await env.reset({ id: 'x', intent: demos[0]!.intent, startUrl: SCRIPTED_SHOP_URL });
      const agent = small.agentFor();
      await agent.act({ intent: demos[0]!.intent, history: [], observation }); // burn-in
      const before = tf.memory().numTensors;
      const step = await agent.act({ intent: demos[0]!.intent, history: [], observation });
      assert.equal(tf.memory().numTensors, before);
      assert.ok(step.completion && step.completion.tokenIds.length <= 8, 'at most maxNewTokens generated');
      assert.ok(typeof step.action.type === 'string');
    } finally {
      await env.close();
      small.policy.dispose();
    }
  });

  test('acting prompts are token for token the prompts BC trains on, turn after turn (an expert-replaying policy solves every task)', async () => {
    // BC teaches the model to answer the training prompts; it can only help if the agent, while
    // acting (runEpisode -> Agent -> LocalChatPolicy), builds and tokenizes exactly those prompts,
    // history included. A policy that answers with the expert's reply only when the prompt ids
    // match the training sample's exposes any drift between the two paths.
    const small = createSmallPolicy(demos, { settings: { vocabSize: 600, maxPromptTokens: 160 }, seed: 3 });
    const local = new LocalChatPolicy({ policy: small.policy, tokenizer: small.tokenizer, template: small.prompt.template });
    try {
      const expected = new Map(demos.map((d) => [d.intent, small.samples([d])]));
      let current = '';
      let turn = 0;
      const mismatches: string[] = [];
      const replay: ChatPolicy = {
        name: 'expert-replay',
        chat: (requests) => Promise.resolve(requests.map((r) => {
          const want = expected.get(current)![turn++]!;
          const ids = local.encodePrompt(r.messages);
          if (ids.join() !== Array.from(want.promptIds).join()) mismatches.push(`${current} turn ${turn}: acting prompt ${JSON.stringify(small.tokenizer.decode(ids))} vs trained ${JSON.stringify(small.tokenizer.decode(Array.from(want.promptIds)))}`);
          return { text: want.completionText.replace(/<\|im_end\|>$/, ''), finishReason: 'stop' as const };
        })),
      };
      const agent = new Agent({ policy: replay, prompt: small.prompt });
      for (const demo of demos) {
        current = demo.intent;
        turn = 0;
        const task: WebTask = { id: demo.intent, site: 'shop', intent: demo.intent, startUrl: SCRIPTED_SHOP_URL, meta: {}, check: () => ({ score: 1, reason: 'not scored here' }) };
        const env = new ScriptedEnvironment(scriptedShop());
        try {
          const trajectory = await runEpisode(env, { task, groupId: task.id, seed: 1 }, { agent, maxTurns: 4 });
          assert.equal(trajectory.turns.length, demo.turns.length, `${demo.intent}: the replayed episode ends when the expert's did`);
          assert.deepEqual(trajectory.turns.map((t) => t.action?.type), demo.turns.map((t) => t.action.type));
        } finally {
          await env.close();
        }
      }
      assert.deepEqual(mismatches, []);
      assert.equal(turn, demos.at(-1)!.turns.length, 'every turn was asked');
    } finally {
      small.policy.dispose();
    }
  });

  test('settings.model overrides single fields of the shape and keeps the rest', () => {
    const small = createSmallPolicy(demos, { settings: { vocabSize: 600, model: { num_hidden_layers: 2 } }, seed: 3 });
    try {
      assert.equal(small.policy.config.num_hidden_layers, 2);
      assert.equal(small.settings.model.num_hidden_layers, 2);
      assert.equal(small.policy.config.hidden_size, SMALL_POLICY_DEFAULTS.model.hidden_size);
      assert.equal(small.policy.config.intermediate_size, SMALL_POLICY_DEFAULTS.model.intermediate_size);
      assert.equal(SMALL_POLICY_DEFAULTS.model.num_hidden_layers, 4, 'the defaults are untouched');
    } finally {
      small.policy.dispose();
    }
  });

  test('corpus: more text for the tokenizer, so its names become tokens of their own', () => {
    const plain = createSmallPolicy(demos, { settings: { vocabSize: 600 }, seed: 3 });
    const extra = createSmallPolicy(demos, { settings: { vocabSize: 600 }, seed: 3, corpus: ['Open the page of Zanzibar Quokka.', 'Star the Zanzibar Quokka project.'] });
    try {
      for (const word of ['Zanzibar', 'Quokka']) {
        assert.ok(plain.tokenizer.encode(word).length > 1, `${word} comes in pieces without the corpus`);
        assert.equal(extra.tokenizer.encode(word).length, 1, `${word} is one token with it`);
      }
      assert.equal(extra.policy.config.vocab_size, extra.tokenizer.vocabSize, 'the model is sized to the tokenizer');
    } finally {
      plain.policy.dispose();
      extra.policy.dispose();
    }
    assert.throws(() => createSmallPolicy(demos, { corpus: 'Zanzibar' as never }), (e: unknown) => e instanceof OptionsError && /corpus must be an array of strings/.test(e.message));
    assert.throws(() => createSmallPolicy(demos, { corpus: ['ok', 3 as never] }), (e: unknown) => e instanceof OptionsError && /corpus\[1\] must be a string/.test(e.message));
  });

  test('builds from a corpus alone (R1-Zero), and refuses no text at all and a prompt budget beyond the model', () => {
    const intents = SCRIPTED_SHOP_PRODUCTS.map((p) => `What does the ${p.name} cost?`);
    const zero = createSmallPolicy([], { corpus: Array(8).fill(intents).flat(), seed: 1 });
    try {
      const name = SCRIPTED_SHOP_PRODUCTS[0]!.name;
      assert.ok(zero.tokenizer.encode(name, { addSpecialTokens: false }).length < name.length / 2, 'names of the corpus are learned as tokens');
      assert.equal(zero.agentFor().prompt, zero.prompt, 'its agent acts with the prompt it was built with');
    } finally {
      zero.policy.dispose();
    }
    assert.throws(() => createSmallPolicy([]), (e: unknown) => e instanceof OptionsError && /no text to train the tokenizer on/.test(e.message));
    assert.throws(() => createSmallPolicy([], { corpus: ['  '] }), (e: unknown) => e instanceof OptionsError && /give demonstrations .* or a corpus/.test(e.message));
    assert.throws(() => createSmallPolicy(demos, { settings: { maxPromptTokens: 400 } }), (e: unknown) => e instanceof OptionsError && /max_position_embeddings \(320\)/.test(e.message));
  });
});
