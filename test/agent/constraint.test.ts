// Tests for text-level constrained decoding (src/agent/constraint.ts), its token-level form in
// LocalChatPolicy, the RemotePolicy's refusal, and the Agent's copy constraint.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OptionsError } from '../../src/errors.js';
import type { ObservationNode } from '../../src/env/types.js';
import { Agent } from '../../src/agent/agent.js';
import type { AgentState } from '../../src/agent/agent-prompt.js';
import { initBackend } from '../../src/model/backend.js';
import { LocalChatPolicy, type ChatPolicy, type ChatReply, type ChatRequest } from '../../src/agent/chat.js';
import { PLAIN_TEMPLATE } from '../../src/agent/chat-template.js';
import { ActionCallConstraint, QuotedValueConstraint, R1_CALL_NAMES, actionConstraint, copyConstraint, textPieces, type ReplyConstraint } from '../../src/agent/constraint.js';
import { formatAction, parseAction } from '../../src/env/action-grammar.js';
import { resolveTarget } from '../../src/env/targets.js';
import type { Action } from '../../src/env/types.js';
import { RemotePolicy } from '../../src/agent/remote.js';
import type { SamplingOptions } from '../../src/model/sampling.js';
import { HfTokenizer } from '../../src/model/tokenizer.js';
import { trainBpeTokenizer } from '../../src/model/bpe-trainer.js';
import { TransformerLM } from '../../src/model/transformer.js';

/** Whether `piece` may follow `reply` under `c` (undefined from next() allows anything). */
const allows = (c: ReplyConstraint, reply: string, piece: string): boolean => c.next(reply)?.(piece) ?? true;

describe('QuotedValueConstraint', () => {
  const names = new QuotedValueConstraint({ slots: [{ key: 'name', values: ['Save place', 'Save', 'Say "hi"'] }] });

  test('inside a governed value only prefixes of allowed values, and the closing quote only after a whole one', () => {
    const open = 'do(action="Click", role="button", name="';
    assert.ok(allows(names, open, 'Sa'));
    assert.ok(allows(names, open, 'Save pl'));
    assert.ok(!allows(names, open, 'Sv'));
    assert.ok(!allows(names, `${open}Sav`, '"'), 'Sav is not a value');
    assert.ok(allows(names, `${open}Save`, '"'), 'Save is a value');
    assert.ok(allows(names, `${open}Save`, ' place")'), 'a piece may close the value and go on');
    assert.ok(!allows(names, `${open}Save`, ' plate")'));
    assert.ok(!allows(names, `${open}Save place`, '<|im_end|>'), 'no ending inside a value');
  });

  test('values are compared as written, with JSON escapes', () => {
    const open = 'do(action="Click", role="button", name="';
    assert.ok(allows(names, `${open}Say `, '\\"hi'));
    assert.ok(!allows(names, `${open}Say `, '"'), 'an unescaped quote ends the value "Say "');
    assert.ok(allows(names, `${open}Say \\"hi\\"`, '"'));
  });

  test('outside values anything goes, except a quote that opens a governed value with a wrong start', () => {
    assert.ok(allows(names, 'do(action="Cl', 'ick'), 'action is not governed');
    assert.ok(allows(names, 'do(action="Click", role="button", ', 'name'));
    assert.ok(allows(names, 'do(action="Click", role="button", name=', '"Sa'));
    assert.ok(!allows(names, 'do(action="Click", role="button", name=', '"Su'));
    assert.ok(allows(names, 'do(action="Click", role="button", name = ', '"Sa'), 'spaces around = are read as the grammar reads them');
    assert.ok(allows(names, 'do(action="Click", nickname=', '"Su'), 'nickname is another key');
  });

  test('whenAction governs a key only in calls with those actions', () => {
    const c = new QuotedValueConstraint({ slots: [{ key: 'argument', values: ['blue mug'], whenAction: ['Type', 'Search'] }] });
    assert.ok(!allows(c, 'do(action="Search", argument="', 'red'));
    assert.ok(allows(c, 'do(action="Search", argument="', 'blue'));
    assert.ok(allows(c, 'do(action="Goto", argument="', 'http'), 'Goto URLs are free');
    assert.ok(allows(c, 'do(action="Press Key", argument="', 'Enter'));
  });

  test('`after` checks only text after the marker', () => {
    const c = new QuotedValueConstraint({ slots: [{ key: 'name', values: ['Save'] }], after: '<answer>' });
    assert.equal(c.next('<think>I will click name="'), undefined);
    assert.ok(allows(c, '<think>name="x"</think><answer>do(action="Click", role="button", name="', 'Sa'));
    assert.ok(!allows(c, '<think>name="x"</think><answer>do(action="Click", role="button", name="', 'x'));
  });

  test('a reply already off its list is not blocked (the constraint was lifted earlier)', () => {
    assert.equal(names.next('do(action="Click", role="button", name="Qu'), undefined);
    assert.equal(names.next('do(action="Click", role="button", name="Quit", nth="'), undefined);
  });

  test('bad slots get typed errors naming what to fix', () => {
    assert.throws(() => new QuotedValueConstraint({ slots: [] }), (e: unknown) => e instanceof OptionsError && /slots/.test(e.message));
    assert.throws(() => new QuotedValueConstraint({ slots: [{ key: 'name', values: [] }] }), (e: unknown) => e instanceof OptionsError && /slots\[0\]\.values must be a non-empty array/.test(e.message));
    assert.throws(() => new QuotedValueConstraint({ slots: [{ key: 'na me', values: ['x'] }] }), (e: unknown) => e instanceof OptionsError && /identifier/.test(e.message));
    assert.throws(() => new QuotedValueConstraint({ slots: [{ key: 'name', values: ['x'] }, { key: 'name', values: ['y'] }] }), (e: unknown) => e instanceof OptionsError && /two slots/.test(e.message));
    assert.throws(() => new QuotedValueConstraint({ slots: [{ key: 'name', values: [3 as never] }] }), OptionsError);
  });
});

test('textPieces: word-aligned runs, with edge quotes and punctuation stripped', () => {
  const pieces = textPieces('Save "Amber Walnut Place".');
  for (const p of ['Save', 'Amber Walnut Place', 'Amber', 'Walnut Place', '"Amber Walnut Place".', 'Save "Amber']) assert.ok(pieces.includes(p), p);
  assert.ok(!pieces.includes('Amber Place'));
  assert.ok(!pieces.includes('mber'));
  assert.equal(textPieces('a b c d', 2).includes('a b c'), false);
});

const node = (n: Partial<ObservationNode> & Pick<ObservationNode, 'role' | 'name'>): ObservationNode => ({ visible: true, ...n });
const PAGE: ObservationNode[] = [
  node({ role: 'heading', name: 'Amber Walnut Place', level: 1 }),
  node({ id: 1, role: 'link', name: 'Amber Walnut Place' }),
  node({ id: 2, role: 'button', name: 'Save place' }),
  node({ id: 3, role: 'combobox', name: 'Sort' }),
  node({ role: 'option', name: 'Price: low to high', depth: 1 }),
  node({ id: 4, role: 'textbox', name: 'Search places' }),
  node({ id: 5, role: 'button', name: '' }),
];
const STATE: AgentState = { intent: 'Save "Amber Walnut Place".', observation: { text: 'cut', nodes: PAGE } };

describe('copyConstraint', () => {
  test('name targets: role and name among the actionable elements; typed text from the instruction or an option', () => {
    const c = copyConstraint(STATE, { targets: 'name' })!;
    const click = 'do(action="Click", role="button", name="';
    assert.ok(allows(c, click, 'Save place"'));
    assert.ok(!allows(c, click, 'Save places"'));
    assert.ok(allows(c, click, '"'), 'a button without a name is named name="" (resolveTarget matches it)');
    assert.ok(!allows(c, 'do(action="Click", role="', 'heading'), 'the heading has no id');
    assert.ok(allows(c, 'do(action="Click", role="', 'button"'));
    const search = 'do(action="Search", argument="';
    assert.ok(allows(c, search, 'Amber Walnut Place"'));
    assert.ok(!allows(c, search, 'Amber Walnut Plaza'));
    assert.ok(allows(c, 'do(action="Select Dropdown Option", argument="', 'Price: low to high"'), 'an option name');
    assert.ok(allows(c, 'do(action="Goto", argument="', 'http://elsewhere"'), 'Goto is free');
  });

  test('id targets: element among the actionable ids; nothing to constrain gives undefined', () => {
    const c = copyConstraint(STATE, { targets: 'id' })!;
    assert.ok(allows(c, 'do(action="Click", element="', '2"'));
    assert.ok(!allows(c, 'do(action="Click", element="', '7'));
    assert.equal(copyConstraint({ intent: '', observation: { nodes: [] } }, { targets: 'name' }), undefined);
  });
});

/** Whether `text` is accepted whole: every prefix allowed piece by piece, and the end allowed after it. */
const accepts = (c: ActionCallConstraint, text: string): boolean => {
  for (let i = 0; i < text.length; i++) if (!allows(c, text.slice(0, i), text[i]!)) return false;
  return c.complete(text);
};

describe('ActionCallConstraint', () => {
  const DUPES: ObservationNode[] = [...PAGE, node({ id: 6, role: 'link', name: 'Details' }), node({ id: 7, role: 'link', name: 'Details' })];
  const c = actionConstraint({ intent: STATE.intent, observation: { nodes: DUPES } }, { targets: 'name' });

  test('accepts every action formatAction writes for the page, and ends only after the whole action', () => {
    const targets = [{ role: 'link', name: 'Amber Walnut Place' }, { role: 'button', name: 'Save place' }, { role: 'button', name: '' }, { role: 'link', name: 'Details', nth: 2 }];
    const actions: Action[] = [
      ...targets.flatMap((target): Action[] => [{ type: 'click', target }, { type: 'hover', target }, { type: 'type', target, text: 'Amber Walnut Place' }, { type: 'type', target, text: 'Amber', pressEnter: true }]),
      { type: 'select', target: { role: 'combobox', name: 'Sort' }, option: 'Price: low to high' },
      { type: 'scroll', direction: 'down' }, { type: 'press', key: 'Enter' }, { type: 'press', key: 'Control+a' }, { type: 'goto', url: 'http://127.0.0.1:1/a?b="c"' },
      { type: 'go_back' }, { type: 'go_forward' }, { type: 'answer', text: 'any "text" at all' },
    ];
    for (const a of actions) {
      const text = formatAction(a);
      assert.ok(accepts(c, text), text);
      assert.equal(c.complete(text.slice(0, -1)), false, `no end before the last character of ${text}`);
      assert.equal(allows(c, text, ' '), false, `nothing after ${text}`);
    }
  });

  test('rejects what the parser or the page would refuse', () => {
    for (const text of [
      'do(action="Tap", role="button", name="Save place")', // no such action
      'do(action="Click", role="link", name="Save place")', // a button's name with the link role
      'do(action="Click", role="heading", name="Amber Walnut Place")', // not actionable
      'do(action="Click", role="link", name="Details")', // two links share it: nth needed
      'do(action="Click", role="link", name="Details", nth="3")', // only two
      'do(action="Click", role="link", name="Amber Walnut Place", nth="1")', // only one: no nth
      'do(action="Scroll Down", role="button", name="Save place")', // Scroll takes no element
      'do(action="Type", role="textbox", name="Search places")', // Type needs its argument first
      'do(action="Type", argument="Walnut Amber", role="textbox", name="Search places")', // not copied from the instruction
      'do(action="Click",role="button", name="Save place")', // not the canonical spacing
      'do(action="Goto", argument="")', // the parser needs a URL
      'do(action="Press Key", argument=" ")',
      'click [2]',
    ]) assert.equal(accepts(c, text), false, text);
  });

  test('id targets, free arguments without copy, and the after/closing markers', () => {
    const ids = actionConstraint(STATE, { targets: 'id', copy: false });
    assert.ok(accepts(ids, 'do(action="Type", argument="anything", element="4")'));
    assert.ok(!accepts(ids, 'do(action="Click", element="9")'));
    assert.ok(!accepts(ids, 'do(action="Click", role="button", name="Save place")'));
    const tagged = actionConstraint(STATE, { targets: 'name', after: '<answer>', closing: '</answer>' });
    assert.ok(allows(tagged, '<think>any', ' text'), 'free before the marker');
    assert.equal(tagged.complete('<think>x</think><answer>go_backward()'), false, 'the closing text is required');
    assert.ok(tagged.complete('<think>x</think><answer>go_backward()</answer>'));
    assert.ok(!allows(tagged, '<answer>', 'click'));
  });

  test('Wait only where the grammar given allows it: bare or with whole milliseconds up to the cap', () => {
    assert.ok(!allows(c, 'do(action="', 'Wait'), 'not offered by default (prompts that do not teach it)');
    const waiting = actionConstraint(STATE, { targets: 'name', wait: true });
    for (const text of ['do(action="Wait")', 'do(action="Wait", argument="500")', 'do(action="Wait", argument="0")', 'do(action="Wait", argument="5000")']) {
      assert.ok(accepts(waiting, text), text);
      assert.notEqual(parseAction(text).type, 'invalid', text);
    }
    for (const text of ['do(action="Wait", argument="5001")', 'do(action="Wait", argument="soon")', 'do(action="Wait", argument="")', 'do(action="Wait", role="button", name="Save place")']) {
      assert.equal(accepts(waiting, text), false, text);
    }
    assert.ok(accepts(waiting, 'do(action="Scroll Down")'), 'the other actions stay');
    assert.throws(() => new ActionCallConstraint({ targets: 'name', elements: [], wait: 1 as never }), (e: unknown) => e instanceof OptionsError && /`wait` must be true or false/.test(e.message));
  });

  test('an action set offers only its calls: Click and Type leave no exit, Goto, Press Key or go_backward', () => {
    const some = actionConstraint(STATE, { targets: 'name', actions: ['Click', 'Type'] });
    assert.ok(accepts(some, 'do(action="Click", role="button", name="Save place")'));
    assert.ok(accepts(some, 'do(action="Type", argument="Amber Walnut Place", role="textbox", name="Search places")'));
    for (const text of ['exit(message="done")', 'go_backward()', 'go_forward()', 'do(action="Goto", argument="http://x/")', 'do(action="Press Key", argument="Enter")', 'do(action="Hover", role="button", name="Save place")', 'do(action="Scroll Down")']) {
      assert.equal(accepts(some, text), false, text);
    }
    assert.ok(!allows(some, '', 'e'), 'exit( cannot even start');
    const answering = actionConstraint(STATE, { targets: 'name', actions: ['exit', 'Wait'] });
    assert.ok(accepts(answering, 'exit(message="12")') && accepts(answering, 'do(action="Wait")'), 'a listed Wait is offered without `wait`');
    assert.equal(accepts(answering, 'do(action="Click", role="button", name="Save place")'), false);
    assert.deepEqual(R1_CALL_NAMES.slice(-3), ['exit', 'go_backward', 'go_forward']);
    assert.throws(() => actionConstraint(STATE, { targets: 'name', actions: ['Tap'] }), (e: unknown) => e instanceof OptionsError && /unknown action "Tap".*Click/.test(e.message));
    assert.throws(() => actionConstraint(STATE, { targets: 'name', actions: [] }), (e: unknown) => e instanceof OptionsError && /non-empty array of call names/.test(e.message));
  });

  test('no element on the page leaves only the actions without one; bad options get typed errors', () => {
    const empty = actionConstraint({ intent: 'x', observation: { nodes: [] } }, { targets: 'name' });
    assert.ok(accepts(empty, 'do(action="Scroll Down")'));
    assert.ok(!allows(empty, 'do(action="Click', '"'), 'Click needs an element');
    assert.throws(() => new ActionCallConstraint({ targets: 'both' as never, elements: [] }), (e: unknown) => e instanceof OptionsError && /targets must be "id" or "name"/.test(e.message));
    assert.throws(() => new ActionCallConstraint({ targets: 'id', elements: [{ role: 'link', name: 'x' }] }), (e: unknown) => e instanceof OptionsError && /elements\[0\] needs an id/.test(e.message));
    assert.throws(() => new ActionCallConstraint({ targets: 'name', elements: [], arguments: [] }), (e: unknown) => e instanceof OptionsError && /`arguments` must be a non-empty array/.test(e.message));
  });
});

describe('constrained decoding through LocalChatPolicy', () => {
  let tokenizer: HfTokenizer;
  let model: TransformerLM;
  let local: LocalChatPolicy;
  const OPEN = 'do(action="Click", role="link", name="';
  const ALLOWED = ['Blue Mug', 'Red Shoes', 'Cart'];

  /** Forces the reply to start with OPEN (the random model would not write it), then delegates. */
  const forced = (inner: ReplyConstraint | undefined): ReplyConstraint => ({
    next(reply) {
      if (reply.length < OPEN.length) return (piece) => OPEN.startsWith(reply + piece) || (reply + piece).startsWith(OPEN) && (inner?.next(OPEN)?.((reply + piece).slice(OPEN.length)) ?? true);
      return inner?.next(reply);
    },
  });
  const valueOf = (reply: string): string | undefined => /^do\(action="Click", role="link", name="((?:[^"\\]|\\.)*)"/.exec(reply)?.[1];

  before(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    const corpus = ['do(action="Click", role="link", name="Blue Mug")', 'Red Shoes in the Cart', 'Click the blue mug and add it to the cart.', 'hello world 123 "quoted"'];
    tokenizer = HfTokenizer.fromJson(trainBpeTokenizer(Array(10).fill(corpus).flat(), { vocabSize: 300, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] }));
    model = new TransformerLM({
      config: { vocab_size: tokenizer.vocabSize, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 256 },
      seed: 5, initStd: 0.2,
    });
    local = new LocalChatPolicy({ policy: model, tokenizer, template: PLAIN_TEMPLATE });
  });
  after(() => model.dispose());

  const requests = (constraint: ReplyConstraint, n: number): ChatRequest[] =>
    Array.from({ length: n }, (_, i) => ({ messages: [{ role: 'user', content: `Open item ${i}` }], constraint, seed: 100 + i }));
  const sampling: SamplingOptions = { temperature: 1.5, maxNewTokens: 64 };

  test('every sampled value is an allowed one; without the value rule the same model writes others', async () => {
    const constrained = await local.chat(requests(forced(new QuotedValueConstraint({ slots: [{ key: 'name', values: ALLOWED }] })), 8), sampling);
    for (const r of constrained) {
      assert.ok(r.text.startsWith(OPEN), r.text);
      assert.ok(ALLOWED.includes(valueOf(r.text) ?? '?'), `value of ${JSON.stringify(r.text)}`);
    }
    const free = await local.chat(requests(forced(undefined), 8), sampling);
    assert.ok(free.every((r) => r.text.startsWith(OPEN)));
    assert.ok(free.some((r) => !ALLOWED.includes(valueOf(r.text) ?? '?')), 'the value rule must be what keeps the values on the list');
  });

  test('under the action constraint every finished reply is an action the page can take; without it the same model writes none', async () => {
    const c = actionConstraint(STATE, { targets: 'name' });
    const long: SamplingOptions = { temperature: 1.5, maxNewTokens: 160 };
    const constrained = await local.chat(requests(c, 8), long);
    const finished = constrained.filter((r) => r.finishReason === 'stop');
    assert.ok(finished.length >= 4, `${finished.length} of 8 finished`);
    for (const r of finished) {
      const action = parseAction(r.text);
      assert.notEqual(action.type, 'invalid', r.text);
      if ('target' in action) assert.ok(!('error' in resolveTarget(PAGE, action.target)), `${r.text} names an element of the page`);
    }
    for (const r of constrained.filter((x) => x.finishReason === 'length')) assert.ok(c.next(r.text) !== undefined, `${JSON.stringify(r.text)} is still on the grammar`);
    const free = await local.chat(requests({ next: () => undefined }, 8), long);
    assert.ok(free.every((r) => parseAction(r.text).type === 'invalid'), 'the constraint must be what makes the replies actions');
  });

  test('an agent with an action set samples only those calls under the constraint, and calls a reply outside it invalid', async () => {
    const long: SamplingOptions = { temperature: 1.5, maxNewTokens: 160 };
    const c = actionConstraint(STATE, { targets: 'name', actions: ['Click', 'Type'] });
    const finished = (await local.chat(requests(c, 8), long)).filter((r) => r.finishReason === 'stop');
    assert.ok(finished.length >= 4, `${finished.length} of 8 finished`);
    for (const r of finished) assert.ok(['click', 'type'].includes(parseAction(r.text).type), r.text);
    const scripted: ChatPolicy = { name: 'scripted', chat: async (reqs) => reqs.map(() => ({ text: 'exit(message="12")', finishReason: 'stop' as const })) };
    const agent = new Agent({ policy: scripted, prompt: { template: 'plain', think: false }, actions: ['Click', 'Type'] });
    const step = await agent.act(STATE);
    assert.equal(step.action.type, 'invalid');
    assert.match((step.action as { reason: string }).reason, /exit is not in this agent's action set \(Click, Type\)/);
    const open = new Agent({ policy: scripted, prompt: { template: 'plain', think: false } });
    assert.equal((await open.act(STATE)).action.type, 'answer', 'without an action set the same reply is an answer');
    assert.throws(() => new Agent({ policy: scripted, actions: ['Fly'] }), (e: unknown) => e instanceof OptionsError && /unknown action "Fly"/.test(e.message));
  });

  test('complete() alone decides when an end-of-turn token may come', async () => {
    const never: ReplyConstraint = { next: () => (piece) => piece === '<|im_end|>' || piece === 'a', complete: () => false };
    const [r] = await local.chat([{ messages: [{ role: 'user', content: 'x' }], constraint: never, seed: 3 }], { temperature: 1.5, maxNewTokens: 40 });
    assert.equal(r!.finishReason, 'length');
    const always: ReplyConstraint = { next: () => (piece) => piece === '<|im_end|>' || piece === 'a', complete: () => true };
    const [e] = await local.chat([{ messages: [{ role: 'user', content: 'x' }], constraint: always, seed: 3 }], { temperature: 1.5, maxNewTokens: 40 });
    assert.equal(e!.finishReason, 'stop');
    // A request's own stop tokens are stop tokens too: 'a' may not come where the reply may not end.
    const [a] = tokenizer.encode('a', { addSpecialTokens: false });
    const ab: ReplyConstraint = { next: () => (piece) => piece === 'a' || piece === 'b', complete: () => false };
    const [s] = await local.chat([{ messages: [{ role: 'user', content: 'x' }], constraint: ab, seed: 3, stopTokenIds: [a!] }], { temperature: 1.5, maxNewTokens: 40 });
    assert.equal(s!.finishReason, 'length');
    assert.ok(!s!.completion!.tokenIds.includes(a!));
  });

  test('a constraint that allows no token is lifted for that token instead of failing the request', async () => {
    const [reply] = await local.chat([{ messages: [{ role: 'user', content: 'x' }], constraint: { next: () => () => false } }], { temperature: 0, maxNewTokens: 5 });
    assert.ok((reply as ChatReply).completion!.tokenIds.length > 0);
  });

  test('bad requests get typed errors', async () => {
    await assert.rejects(local.chat([{ messages: [{ role: 'user', content: 'x' }], constraint: {} as never }]), (e: unknown) => e instanceof OptionsError && /requests\[0\]\.constraint must be a ReplyConstraint/.test(e.message));
    const both = { messages: [{ role: 'user', content: 'x' }], constraint: { next: () => undefined }, allowedTokens: () => undefined } as ChatRequest;
    await assert.rejects(local.chat([both]), (e: unknown) => e instanceof OptionsError && /both a constraint and allowedTokens/.test(e.message));
  });

  test('token pieces read as they do after other text', () => {
    const pieces = local.tokenPieces();
    assert.equal(pieces.length, tokenizer.vocabSize);
    const ids = tokenizer.encode(' Blue Mug', { addSpecialTokens: false });
    assert.equal(ids.map((id) => pieces[id]).join(''), ' Blue Mug');
  });

  test('the Agent attaches the copy constraint built from the full element list, not the cut page text', async () => {
    const seen: ChatRequest[] = [];
    class Spy extends LocalChatPolicy {
      override async chat(rs: readonly ChatRequest[], s?: SamplingOptions): Promise<ChatReply[]> {
        seen.push(...rs);
        return super.chat(rs, s);
      }
    }
    const agent = new Agent({ policy: new Spy({ policy: model, tokenizer, template: PLAIN_TEMPLATE }), prompt: { template: 'plain', targets: 'name', think: false }, constrainCopy: true, sampling: { maxNewTokens: 4 } });
    await agent.act(STATE);
    const c = seen[0]!.constraint!;
    assert.ok(c !== undefined);
    assert.ok(allows(c, 'do(action="Click", role="button", name="', 'Save place"'));
    assert.ok(!allows(c, 'do(action="Click", role="button", name="', 'Cart'));
    const plain = new Agent({ policy: new Spy({ policy: model, tokenizer, template: PLAIN_TEMPLATE }), prompt: { template: 'plain', targets: 'name', think: false }, sampling: { maxNewTokens: 4 } });
    await plain.act(STATE);
    assert.equal(seen[1]!.constraint, undefined, 'off by default');
    const whole = new Agent({ policy: new Spy({ policy: model, tokenizer, template: PLAIN_TEMPLATE }), prompt: { template: 'plain', targets: 'name', think: false }, constrainAction: true, sampling: { maxNewTokens: 4 } });
    await whole.act(STATE);
    const a = seen[2]!.constraint!;
    assert.ok(a instanceof ActionCallConstraint);
    assert.ok(!allows(a, 'do(action="Click", role="link", name="', 'Save place"'), 'the name goes with its own role');
    assert.ok(!allows(a, 'do(action="Search", argument="', 'Amber Walnut Plaza'), 'the copy rule comes with it');
    assert.ok(!allows(a, 'do(action="', 'Wait"'), 'no Wait: the prompt does not teach it');
    const waiting = new Agent({ policy: new Spy({ policy: model, tokenizer, template: PLAIN_TEMPLATE }), prompt: { template: 'plain', targets: 'name', think: false, wait: true }, constrainAction: true, sampling: { maxNewTokens: 4 } });
    await waiting.act(STATE);
    assert.ok(allows(seen[3]!.constraint!, 'do(action="', 'Wait"'), 'a prompt that teaches Wait lets the constraint write it');
  });

  test('constrainCopy needs a local policy and the webagent-r1 grammar', () => {
    const remote = new RemotePolicy({ baseURL: 'http://127.0.0.1:9/v1', model: 'm' });
    assert.throws(() => new Agent({ policy: remote, constrainCopy: true }), (e: unknown) => e instanceof OptionsError && /constrainCopy needs a LocalChatPolicy/.test(e.message));
    assert.throws(() => new Agent({ policy: local, prompt: { template: 'plain', grammar: 'webarena' }, constrainCopy: true }), (e: unknown) => e instanceof OptionsError && /"webagent-r1" grammar/.test(e.message));
    assert.throws(() => new Agent({ policy: local, prompt: { template: 'plain' }, constrainCopy: 'yes' as never }), (e: unknown) => e instanceof OptionsError && /constrainCopy must be true or false/.test(e.message));
    assert.throws(() => new Agent({ policy: remote, constrainAction: true }), (e: unknown) => e instanceof OptionsError && /constrainAction needs a LocalChatPolicy/.test(e.message));
    assert.throws(() => new Agent({ policy: local, prompt: { template: 'plain' }, constrainAction: 1 as never }), (e: unknown) => e instanceof OptionsError && /constrainAction must be true or false/.test(e.message));
  });
});

test('RemotePolicy rejects a constrained request before sending it', async () => {
  const remote = new RemotePolicy({ baseURL: 'http://127.0.0.1:9/v1', model: 'm' });
  await assert.rejects(remote.chat([{ messages: [{ role: 'user', content: 'x' }], constraint: { next: () => undefined } }]), (e: unknown) => e instanceof OptionsError && /cannot constrain decoding/.test(e.message));
});
