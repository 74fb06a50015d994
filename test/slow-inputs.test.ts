// Regression tests for issue 35, item 2: inputs that made the parsers and the prompt builder
// super-linear (seconds to minutes of CPU on the synchronous path, stalling every concurrent
// episode). Each case is timed in CPU time (the machine is shared) against a bound a linear
// implementation meets by orders of magnitude; before the fix each took seconds.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ActionFormatError, MAX_ACTION_CHARS, formatAction, parseAction } from '../src/env/action-grammar.js';
import { renderObservationText } from '../src/env/observation-text.js';
import type { ObservationNode } from '../src/env/types.js';
import { AgentPrompt } from '../src/agent/agent-prompt.js';
import { copyConstraint, textPieces } from '../src/agent/constraint.js';
import { HfTokenizer } from '../src/model/tokenizer.js';
import { trainBpeTokenizer } from '../src/model/bpe-trainer.js';

/** CPU milliseconds `f` takes. */
function cpuMs(f: () => unknown): number {
  const start = process.cpuUsage();
  f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Runs `f` and asserts it took at most `limit` ms of CPU (before the fix: seconds). */
function fast(what: string, f: () => unknown, limit = 250): void {
  const ms = cpuMs(f);
  assert.ok(ms <= limit, `${what} took ${ms.toFixed(0)} ms of CPU (limit ${limit} ms)`);
}

const backticks = '`'.repeat(4000) + 'x';

describe('unclosed backtick runs (cubic fence regex in unwrap)', () => {
  test('parseAction in both grammars', () => {
    for (const grammar of ['webagent-r1', 'webarena'] as const) {
      let action: ReturnType<typeof parseAction> | undefined;
      fast(`parseAction(4000 backticks + x, ${grammar})`, () => (action = parseAction(backticks, grammar)));
      assert.equal(action!.type, 'invalid');
      // Fences still unwrap: the longest backtick run that both opens and closes the action.
      assert.deepEqual(parseAction('```python\ndo(action="Scroll Down")\n```'), { type: 'scroll', direction: 'down' });
      assert.deepEqual(parseAction('``go_back``', 'webarena'), { type: 'go_back' });
    }
  });

  test('AgentPrompt.parseReply', () => {
    for (const think of [true, false]) {
      const prompt = new AgentPrompt({ think });
      fast(`parseReply(<answer> + 4000 backticks, think ${think})`, () => prompt.parseReply(`<answer>${backticks}`));
      fast(`parseReply(4000 backticks, think ${think})`, () => prompt.parseReply(backticks));
    }
  });
});

describe('many <answer> tags (each unclosed one rescanned to the end)', () => {
  test('AgentPrompt.parseReply', () => {
    for (const think of [true, false]) {
      const prompt = new AgentPrompt({ think });
      const reply = '<answer>'.repeat(60_000);
      let parsed: ReturnType<AgentPrompt['parseReply']> | undefined;
      fast(`parseReply(60,000 × <answer>, think ${think})`, () => (parsed = prompt.parseReply(reply)));
      assert.equal(parsed!.action.type, 'invalid');
      const closed = `${'<answer>'.repeat(60_000)}go_back()</answer>`;
      fast(`parseReply(60,000 × <answer> then one closed, think ${think})`, () => (parsed = prompt.parseReply(`<think>t</think>${closed}`)));
      assert.equal(parsed!.action.type, 'invalid'); // the answer is `<answer>…go_back()`, as before
    }
  });
});

describe('long action text is refused, not parsed', () => {
  test(`an action longer than MAX_ACTION_CHARS (${MAX_ACTION_CHARS}) is invalid and says so`, () => {
    for (const grammar of ['webagent-r1', 'webarena'] as const) {
      // formatAction refuses to write what parseAction will not read; the text is written by hand.
      assert.throws(() => formatAction({ type: 'answer', text: 'a'.repeat(MAX_ACTION_CHARS) }, grammar), (e: unknown) => e instanceof ActionFormatError && e.message.includes(String(MAX_ACTION_CHARS)));
      const long = grammar === 'webarena' ? `stop [${'a'.repeat(MAX_ACTION_CHARS)}]` : `exit(message="${'a'.repeat(MAX_ACTION_CHARS)}")`;
      const action = parseAction(long, grammar);
      assert.equal(action.type, 'invalid');
      assert.match((action as { reason: string }).reason, new RegExp(`${long.length} characters.*${MAX_ACTION_CHARS}`));
      const fits = formatAction({ type: 'answer', text: 'a'.repeat(MAX_ACTION_CHARS - 20) }, grammar);
      assert.deepEqual(parseAction(fits, grammar), { type: 'answer', text: 'a'.repeat(MAX_ACTION_CHARS - 20) });
    }
  });
});

describe('runs of newlines in page text (prompt building)', () => {
  let tokenizer: HfTokenizer;
  before(() => {
    const corpus = ['hello world [1] link "Home"\n\n', 'Round Task Instruction'];
    tokenizer = HfTokenizer.fromJson(trainBpeTokenizer(Array(20).fill(corpus).flat(), { vocabSize: 300, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] }));
  });

  test('name targets strip ids line by line (the id pattern crossed line breaks)', () => {
    const prompt = new AgentPrompt({ targets: 'name' });
    // Whitespace runs not followed by an id: the old pattern tried each line start and scanned the whole run.
    const text = `${'\n'.repeat(40_000)}x\n  [1] link "Home"\n${' \n'.repeat(20_000)}y\n[2] button "Go"`;
    let page: { text: string } | undefined;
    fast('pageText(40,000 newlines, name targets)', () => (page = prompt.pageText({ text })));
    assert.equal(page!.text, `${'\n'.repeat(40_000)}x\n  link "Home"\n${' \n'.repeat(20_000)}y\nbutton "Go"`);
    fast('build(40,000 newlines, name targets)', () => prompt.build({ intent: 'go', observation: { text } }));
  });

  test('a token budget grows the page window in linear time (each step recounted the whole window)', () => {
    const page = `${'\n'.repeat(60_000)}[1] link "Home"`;
    const prompt = new AgentPrompt({ tokenizer, template: 'chatml', maxPromptTokens: 16_000, maxObservationChars: 24_000 });
    let built: ReturnType<AgentPrompt['build']> | undefined;
    fast('build(60,000 newlines, token budget)', () => (built = prompt.build({ intent: 'go', observation: { text: page } })), 1500);
    assert.ok(built!.observationTruncated);
    assert.ok(built!.promptIds!.length <= 16_000);
  });

  test('renderObservationText with a per-line counter gives the window the joined count gives', () => {
    const nodes: ObservationNode[] = Array.from({ length: 300 }, (_, i) => ({ role: 'text', name: i % 7 === 0 ? `a\nb${i}` : i % 3 === 0 ? '' : `line ${i}`, visible: i >= 150 }));
    const perLine = (line: string): number => line.split('\n').reduce((n, l) => n + Math.ceil(l.length / 3), 0) + line.split('\n').length - 1;
    for (const maxTokens of [40, 100, 250, 10_000]) {
      const joined = renderObservationText(nodes, { maxChars: 5000, maxTokens, countTokens: perLine });
      const additive = renderObservationText(nodes, { maxChars: 5000, maxTokens, countLineTokens: perLine });
      assert.deepEqual(additive, joined, `maxTokens ${maxTokens}`);
    }
  });
});

describe('adversarial observations', () => {
  test('copyConstraint with a long element name (every prefix of every value was hashed into a set)', () => {
    const state = { intent: 'Save it', observation: { nodes: [{ id: 1, role: 'link', name: 'x'.repeat(40_000) }, { id: 2, role: 'option', name: `${'é'.repeat(40_000)}` }, { id: 3, role: 'link', name: 'Home' }] } };
    let c: ReturnType<typeof copyConstraint>;
    fast('copyConstraint(names of 40,000 characters)', () => (c = copyConstraint(state, { targets: 'name' })));
    const allows = (reply: string, piece: string): boolean => c!.next(reply)?.(piece) ?? true;
    const open = 'do(action="Click", role="link", name="';
    assert.ok(allows(open, 'Ho') && allows(open, 'xxx') && !allows(open, 'Hx') && allows(`${open}Home`, '"') && !allows(`${open}Hom`, '"'));
    const select = 'do(action="Select Dropdown Option", argument="';
    assert.ok(allows(select, '\uFFFD') && !allows('do(action="Select Dropdown Option", argument="Sa', '\uFFFD') && allows(`${select}é`, 'é') && !allows(`${select}é`, 'x'));
  });

  test('a URL or title too long for the token budget is cut in the last resort, not a PromptBudgetError', () => {
    const corpus = ['hello world [1] link "Home"\n\n', 'Round Task Instruction'];
    const tokenizer = HfTokenizer.fromJson(trainBpeTokenizer(Array(20).fill(corpus).flat(), { vocabSize: 300, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] }));
    const prompt = new AgentPrompt({ tokenizer, template: 'plain', maxPromptTokens: 300 });
    const built = prompt.build({ intent: 'go', observation: { text: 'page', title: 'T'.repeat(5000), url: `http://x/${'q'.repeat(3000)}` } });
    assert.ok(built.promptIds!.length <= 300);
    assert.match(built.text, /^Round 1\n\nTask Instruction: go\n\nURL: http:\/\/x\/q{71}…\nTitle: T{80}…\n\(the page is not shown/);
  });
});

describe('copy constraint pieces', () => {
  test('textPieces strips long punctuation runs in linear time (the edge pattern rescanned each position)', () => {
    const text = `Save ${'.'.repeat(20_000)}x "Amber Walnut Place".`;
    let pieces: string[] = [];
    fast('textPieces(20,000 dots + x)', () => (pieces = textPieces(text)));
    assert.ok(pieces.includes('Amber Walnut Place'));
    assert.ok(pieces.includes(`${'.'.repeat(20_000)}x "Amber Walnut Place`));
  });
});
