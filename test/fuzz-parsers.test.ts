// Fuzz tests of the text parsers and the prompt builder (issue 35): random and adversarial
// strings through parseAction (both grammars), AgentPrompt.parseReply (think and bare replies,
// both grammars) and prompt building; round trips of random valid actions through
// formatAction/parseAction and formatReply/parseReply; and a scaling check per adversarial
// family (CPU time at sizes n and 8n). Nothing may throw, each call has a CPU bound, and no
// family may grow near quadratically.
//
// Seeded: FUZZ_SEED=<n> reruns with another seed; a failure prints the seed, the case and the
// input (shortened). Times are CPU times (process.cpuUsage), as the machine is shared.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ActionFormatError, MAX_ACTION_CHARS, formatAction, parseAction, type ActionGrammar } from '../src/env/action-grammar.js';
import type { Action, ElementTarget, ObservationNode } from '../src/env/types.js';
import { AgentPrompt, type AgentState, type PromptObservation } from '../src/agent/agent-prompt.js';
import { copyConstraint, textPieces } from '../src/agent/constraint.js';
import { HfTokenizer } from '../src/model/tokenizer.js';
import { trainBpeTokenizer } from '../src/model/bpe-trainer.js';
import { Rng as Mulberry32 } from '../src/data/random.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) >>> 0 : 0x350002;
const GRAMMARS: readonly ActionGrammar[] = ['webagent-r1', 'webarena'];
/** CPU bound of one parse (any input up to 200k characters; a linear parse takes about 1 ms). */
const PARSE_BOUND_MS = 250;
/** CPU bound of building one prompt (pages up to 200k characters). */
const BUILD_BOUND_MS = 1500;
/** Largest allowed time ratio between sizes 8n and n: linear is 8, quadratic 64. */
const MAX_GROWTH = 24;

// ---------------------------------------------------------------- randomness and reporting

interface Rng {
  next(): number;
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
}

/** One mulberry32 stream per section, so that each section's cases do not depend on the others. */
function rng(section: string): Rng {
  let a = SEED;
  for (const ch of section) a = Math.imul(a ^ ch.charCodeAt(0), 0x9e3779b1) >>> 0;
  const stream = new Mulberry32(a);
  const next = (): number => stream.next();
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, chance: (p) => next() < p, pick: (xs) => xs[int(xs.length)]! };
}

/** `s` as a JSON string literal, its middle left out when it is long. */
function shorten(s: string): string {
  if (s.length <= 200) return JSON.stringify(s);
  return `${JSON.stringify(s.slice(0, 120))} … (${s.length - 180} more characters) … ${JSON.stringify(s.slice(-60))}`;
}

function failure(what: string, where: string, input: string): Error {
  return new assert.AssertionError({ message: `${what}\n  seed ${SEED} (rerun with FUZZ_SEED=${SEED}), ${where}, input of ${input.length} characters:\n  ${shorten(input)}` });
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** `f()`, failing with the case and its input when it throws or takes more than `bound` ms of CPU. */
function timed<T>(what: string, where: string, input: string, bound: number, f: () => T): T {
  const start = process.cpuUsage();
  let out: T;
  try {
    out = f();
  } catch (error) {
    throw failure(`${what} threw ${String((error as Error)?.stack ?? error)}`, where, input);
  }
  const ms = cpuSince(start);
  if (ms > bound) throw failure(`${what} took ${ms.toFixed(0)} ms of CPU (bound ${bound} ms)`, where, input);
  return out;
}

// ---------------------------------------------------------------- generators

const ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
const SYNTAX = ['"', "'", '`', '[', ']', '(', ')', '{', '}', '<', '>', '=', ',', ';', '\\', ' ', '\n', '\t', '\r', '#', '/'];
const UNICODE = [
  '😀', '𝔘', '\u{10FFFF}', 'e\u0301', '\u0301', '\u0336', '\u05d0', '\u0627\u0644', '\u202e', '\u202d', '\u200f', '\u200b', '\u200d',
  '\ufeff', '\ud800', '\udfff', '\udc00\ud800', '\0', '\u2028', '\u2029', '\u00a0', '\u3000', '\u000b', '\u000c', 'ß', 'İ', '\ufffd', '“', '’',
];
const TOKENS = [
  'do(', 'do (', 'DO(', 'action=', 'action="Click"', '"Type"', '"Search"', '"Select Dropdown Option"', '"Scroll  Down"', '"Wait"', 'argument=', 'element=',
  '"12"', '12', '-3', 'role=', 'name=', 'nth=', '"2"', ', ', ')', '))', 'exit(message="', '"), exit(message="x', 'go_backward()', 'go_forward()',
  '<think>', '</think>', '<answer>', '</answer>', '<answer ', '</ans', '```', '```python\n', '`', '\\"', "\\'", '\\\\', '\\u', '\\u00e9', '\\ud83d',
  '\\n', '\\x41', 'click [', 'type [', 'hover [', 'select [', 'press [', 'scroll [', 'goto [', 'stop [', 'wait [', 'go_back', 'new_tab', '[1]', ' [0]',
  ' [1]', 'link "', 'button "Go"', '] [', '\n\n\n', '    ', ';', 'Scroll Down', 'Press Enter', '500ms', '9999999999999999999', 'https://example.com/?q="]"',
  '[12] link "Home"', '  [3] button "Add"', '<|im_end|>', '<|im_start|>', '{{ x }}', '{% if %}', '\0',
];

/** Random text of about `len` characters: ASCII, syntax characters, odd unicode and grammar tokens. */
function randomText(r: Rng, len: number): string {
  const parts: string[] = [];
  let n = 0;
  while (n < len) {
    const roll = r.next();
    const piece = roll < 0.35 ? r.pick(ASCII) : roll < 0.55 ? r.pick(SYNTAX) : roll < 0.7 ? r.pick(UNICODE) : r.pick(TOKENS);
    parts.push(piece);
    n += piece.length;
  }
  return parts.join('');
}

/** Mostly short, sometimes long, rarely huge (to 200k characters). */
function randomSize(r: Rng): number {
  const roll = r.next();
  if (roll < 0.7) return r.int(80);
  if (roll < 0.9) return 80 + r.int(2000);
  if (roll < 0.985) return 2000 + r.int(18_000);
  return 20_000 + r.int(180_000);
}

const rep = (unit: string, size: number): string => unit.repeat(Math.max(1, Math.ceil(size / unit.length)));

/** Adversarial families: each makes a string of about `size` characters of one kind of trouble. */
const FAMILIES: readonly (readonly [string, (size: number) => string])[] = [
  ['unclosed backticks', (n) => `${'`'.repeat(n)}x`],
  ['backtick fence one short', (n) => `${'`'.repeat(n / 2)}go_back()${'`'.repeat(n / 2 - 1)}`],
  ['fence with a long language tag', (n) => `\`\`\`${'a'.repeat(n)}\`\`\``],
  ['unterminated string of escaped quotes', (n) => `do(action="${rep('\\"', n)}`],
  ['backslash run', (n) => `exit(message="${'\\'.repeat(n)}`],
  ['injected calls', (n) => `do(action="Type", argument="${rep('"), exit(message="x', n)}", element="1")`],
  ['many keywords', (n) => `do(${Array.from({ length: Math.ceil(n / 10) }, (_, i) => `k${i}="v", `).join('')}`],
  ['spaces inside the call', (n) => `do${' '.repeat(n / 4)}(${' '.repeat(n / 4)}action${' '.repeat(n / 4)}=${' '.repeat(n / 4)}"Wait"`],
  ['open brackets', (n) => `type [1] ${'['.repeat(n)}`],
  ['close brackets', (n) => `click [${']'.repeat(n)}`],
  ['bracket pairs', (n) => `type [1] ${rep('] [', n)}1`],
  ['digit run', (n) => `wait [${'9'.repeat(n)}`],
  ['quoted role names', (n) => `click [${rep('link "x" ', n)}]`],
  ['answer tags', (n) => rep('<answer>', n)],
  ['think tags', (n) => `${rep('<think>', n)}<answer>go_back()`],
  ['nested tags', (n) => `${rep('<think><answer>', n / 2)}${rep('</answer></think>', n / 2)}`],
  ['close tags', (n) => `${rep('</answer>', n)}<answer>`],
  ['newline runs', (n) => `${'\n'.repeat(n)}x`],
  ['blank lines with spaces', (n) => `${rep(' \n', n)}[1x`],
  ['CRLF runs before an id', (n) => `${rep('\r\n\t', n)}[12 x`],
  ['NUL bytes', (n) => '\0'.repeat(n)],
  ['semicolons and spaces', (n) => `go_back${rep(' ;', n)}`],
  ['punctuation run', (n) => `${'.'.repeat(n)}x`],
  ['combining marks', (n) => `e${'\u0301'.repeat(n)}`],
  ['lone surrogates', (n) => `${'\ud800'.repeat(n)}x`],
  ['astral, RTL and zero-width', (n) => rep('😀\u202e\u200b\u05d0', n)],
  ['JSON escapes in a name', (n) => `click [link "${rep('\\u00', n)}"]`],
];

const ROLES = ['link', 'button', 'textbox', 'combobox', 'menuitem-radio', 'option', 'x_1', 'Tab'];

/** A text value for actions and observations: often plain, often odd, sometimes long. */
function valueText(r: Rng, longChance = 0.02): string {
  if (r.chance(0.25)) return r.pick(['', 'blue mug', 'Blue Ceramic Mug', 'a "quoted" name', 'back\\slash', 'line\nbreak', '  spaced  ', 'x] [0', '</answer>', '<think>']);
  return randomText(r, r.chance(longChance) ? 2000 + r.int(11_000) : r.int(40));
}

function randomTarget(r: Rng): ElementTarget {
  if (r.chance(0.5)) return { id: r.chance(0.05) ? Number.MAX_SAFE_INTEGER - r.int(1000) : 1 + r.int(5000) };
  const role = r.chance(0.8) ? r.pick(ROLES) : `r${randomText(r, 6).replace(/[^\w-]/g, '')}`;
  const name = valueText(r);
  return r.chance(0.3) ? { role, name, nth: 1 + r.int(r.chance(0.1) ? 1e9 : 20) } : { role, name };
}

/** A non-empty text without surrounding whitespace (keys and URLs are trimmed when parsed). */
function trimmedText(r: Rng): string {
  const t = valueText(r).trim();
  return t === '' ? 'a' : t;
}

type ValidAction = Exclude<Action, { type: 'invalid' }>;

function randomAction(r: Rng): ValidAction {
  switch (r.int(11)) {
    case 0: return { type: 'click', target: randomTarget(r) };
    case 1: return { type: 'hover', target: randomTarget(r) };
    case 2: return r.chance(0.5) ? { type: 'type', target: randomTarget(r), text: valueText(r) } : { type: 'type', target: randomTarget(r), text: valueText(r), pressEnter: true };
    case 3: return { type: 'select', target: randomTarget(r), option: valueText(r) };
    case 4: return { type: 'scroll', direction: r.chance(0.5) ? 'up' : 'down' };
    case 5: return { type: 'press', key: r.chance(0.3) ? 'Enter' : trimmedText(r) };
    case 6: return { type: 'goto', url: r.chance(0.5) ? `https://example.com/?q=${valueText(r).replace(/\s/g, '+')}` : trimmedText(r) };
    case 7: return r.chance(0.3) ? { type: 'wait' } : { type: 'wait', ms: r.int(5001) };
    case 8: return { type: r.chance(0.5) ? 'go_back' : 'go_forward' };
    default: return { type: 'answer', text: valueText(r) };
  }
}

/**
 * The action as `grammar` writes it, or undefined when it would be longer than parseAction reads
 * (formatAction refuses those with an ActionFormatError naming the limit).
 */
function formatted(action: Action, grammar: ActionGrammar): string | undefined {
  try {
    return formatAction(action, grammar);
  } catch (error) {
    if (error instanceof ActionFormatError && error.message.includes(`over the ${MAX_ACTION_CHARS} parseAction reads`)) return undefined;
    throw error;
  }
}

/** A formatted valid action with 1 to 4 random edits: inserted text, deleted or repeated slices, a cut. */
function mutatedAction(r: Rng): string {
  const grammar = r.pick(GRAMMARS);
  // An action too long to be written: its text over the limit, as a model might produce it.
  let s = formatted(randomAction(r), grammar) ?? (grammar === 'webarena' ? `stop [${randomText(r, MAX_ACTION_CHARS)}]` : `exit(message="${randomText(r, MAX_ACTION_CHARS)}")`);
  for (let k = 1 + r.int(4); k > 0; k--) {
    const at = r.int(s.length + 1);
    const roll = r.next();
    if (roll < 0.4) s = s.slice(0, at) + (r.chance(0.5) ? r.pick(TOKENS) : randomText(r, 1 + r.int(8))) + s.slice(at);
    else if (roll < 0.6) s = s.slice(0, at) + s.slice(at + 1 + r.int(6));
    else if (roll < 0.8) s = s.slice(0, at) + s.slice(at, at + 1 + r.int(12)).repeat(2 + r.int(r.chance(0.1) ? 5000 : 5)) + s.slice(at);
    else s = s.slice(0, at);
  }
  const wrap = r.int(6);
  if (wrap === 0) return `<think>${randomText(r, r.int(30))}</think><answer>${s}</answer>`;
  if (wrap === 1) return `<answer>${s}`;
  if (wrap === 2) return `\`\`\`${r.chance(0.5) ? 'python' : ''}\n${s}\n\`\`\``;
  return s;
}

// ---------------------------------------------------------------- checks of one input

const PROMPTS = [
  { name: 'think, webagent-r1', prompt: new AgentPrompt({ think: true }) },
  { name: 'bare, webagent-r1', prompt: new AgentPrompt({ think: false }) },
  { name: 'think, webarena', prompt: new AgentPrompt({ think: true, grammar: 'webarena' }) },
  { name: 'bare, webarena', prompt: new AgentPrompt({ think: false, grammar: 'webarena' }) },
];

function checkAction(action: Action, input: string, what: string, where: string): void {
  if (typeof action !== 'object' || action === null || typeof action.type !== 'string') throw failure(`${what} returned ${String(action)}`, where, input);
  if (action.type === 'invalid') {
    if (typeof action.reason !== 'string' || action.reason === '') throw failure(`${what} gave an invalid action without a reason`, where, input);
    if (typeof action.text !== 'string') throw failure(`${what} gave an invalid action without its text`, where, input);
  }
}

/** Every parser on `input`: nothing throws, each call within its bound, results well formed. */
function parseEverywhere(input: string, where: string): void {
  for (const grammar of GRAMMARS) {
    const what = `parseAction(…, ${grammar})`;
    const action = timed(what, where, input, PARSE_BOUND_MS, () => parseAction(input, grammar));
    checkAction(action, input, what, where);
    if (input.length > MAX_ACTION_CHARS && action.type !== 'invalid') throw failure(`${what} parsed an action over MAX_ACTION_CHARS`, where, input);
  }
  for (const { name, prompt } of PROMPTS) {
    const what = `parseReply (${name})`;
    const parsed = timed(what, where, input, PARSE_BOUND_MS, () => prompt.parseReply(input));
    checkAction(parsed.action, input, what, where);
    if (typeof parsed.actionText !== 'string') throw failure(`${what} gave no actionText`, where, input);
  }
}

// ---------------------------------------------------------------- the tests

const counts = { parsed: 0, actions: 0, parsedBack: 0, replies: 0, prompts: 0, refusedLong: 0 };

describe(`fuzz parsers (seed ${SEED})`, () => {
  test('random, mutated and adversarial strings: nothing throws, every call within its CPU bound', () => {
    const r = rng('strings');
    const cases = 12_000;
    for (let i = 0; i < cases; i++) {
      const roll = r.next();
      let input: string;
      if (roll < 0.4) input = randomText(r, randomSize(r));
      else if (roll < 0.75) input = mutatedAction(r);
      else {
        const [, make] = r.pick(FAMILIES);
        input = make(r.chance(0.2) ? 20_000 + r.int(180_000) : 1 + r.int(12_000));
      }
      parseEverywhere(input, `string case ${i}`);
      counts.parsed++;
    }
  });

  test('round trips: random valid actions format and parse back to the same action, alone, fenced and in replies', () => {
    const r = rng('round trips');
    for (let i = 0; i < 6000; i++) {
      const grammar = GRAMMARS[i % 2]!;
      const action = randomAction(r);
      const written = formatted(action, grammar);
      const where = `round trip ${i} of ${JSON.stringify(action).slice(0, 300)}`;
      if (written === undefined) {
        // Too long to be read back: refused when written, never written as text parseAction rejects.
        if (JSON.stringify(action).length < MAX_ACTION_CHARS - 100) throw failure('formatAction refused a short action as too long', where, JSON.stringify(action));
        counts.refusedLong++;
        continue;
      }
      const variants = [written, `  ${written};\n`, `\`${written}\``, `\`\`\`\n${written}\n\`\`\``, `\`\`\`text\n${written};\n\`\`\``];
      for (const text of variants) {
        const parsed = timed(`parseAction(…, ${grammar})`, where, text, PARSE_BOUND_MS, () => parseAction(text, grammar));
        if (text.length > MAX_ACTION_CHARS) {
          if (parsed.type !== 'invalid' || !parsed.reason.includes(String(MAX_ACTION_CHARS))) throw failure(`an action over MAX_ACTION_CHARS was not refused with the limit in its reason`, where, text);
          continue;
        }
        try {
          assert.deepEqual(parsed, action);
        } catch (error) {
          throw failure(`did not parse back (${grammar}): ${(error as Error).message}`, where, text);
        }
        counts.parsedBack++;
      }
      counts.actions++;
      // Replies: tags are not escaped inside actions, so actions whose text holds them cannot be
      // told from the reply's own tags; the thought must not hold an <answer> either.
      if (written.length > MAX_ACTION_CHARS || /<\/?(answer|think)>/.test(written)) continue;
      let thought = randomText(r, r.int(60));
      while (/<\/?(answer|think)>/.test(thought)) thought = thought.replace(/<\/?(answer|think)>/g, '');
      for (const think of [true, false]) {
        const prompt = PROMPTS.find((p) => p.prompt.think === think && p.prompt.grammar === grammar)!.prompt;
        const reply = prompt.formatReply(action, thought);
        const parsed = timed(`parseReply (think ${think}, ${grammar})`, where, reply, PARSE_BOUND_MS, () => prompt.parseReply(reply));
        try {
          assert.deepEqual(parsed.action, action);
        } catch (error) {
          throw failure(`reply did not parse back (think ${think}, ${grammar}): ${(error as Error).message}`, where, reply);
        }
        counts.replies++;
      }
    }
  });

  describe('prompt building from adversarial observations', () => {
    let tokenizer: HfTokenizer;
    before(() => {
      const corpus = ['Round 1 Task Instruction: buy a mug', '[1] link "Home"\n[2] button "Add to cart"', 'do(action="Click", element="3")', 'URL: http://x/ Title: Shop'];
      tokenizer = HfTokenizer.fromJson(trainBpeTokenizer(Array(20).fill(corpus).flat(), { vocabSize: 320, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] }));
    });

    function randomNode(r: Rng, big: number): ObservationNode {
      const actionable = r.chance(0.5);
      const role = actionable ? r.pick(ROLES) : r.pick(['text', 'heading', 'img', randomText(r, 5)]);
      const name = r.chance(0.05) ? randomText(r, big) : valueText(r);
      return {
        ...(actionable ? { id: 1 + r.int(1e6) } : {}),
        role,
        name,
        ...(r.chance(0.2) ? { value: valueText(r) } : {}),
        ...(r.chance(0.2) ? { depth: r.int(4) } : {}),
        ...(r.chance(0.1) ? { level: 1 + r.int(6) } : {}),
        ...(r.chance(0.05) ? { inputType: r.pick(['date', 'color', randomText(r, 8)]) } : {}),
        ...(r.chance(0.1) ? { state: { checked: r.pick([true, false, 'mixed'] as const), disabled: r.chance(0.5), focused: r.chance(0.5) } } : {}),
        visible: r.chance(0.7),
      };
    }

    function randomObservation(r: Rng, big: number): PromptObservation {
      const text = r.chance(0.3) ? r.pick(FAMILIES)[1](big) : randomText(r, r.chance(0.2) ? big : r.int(400));
      const nodes = r.chance(0.5) ? Array.from({ length: r.int(r.chance(0.1) ? 2000 : 40) }, () => randomNode(r, big)) : undefined;
      return {
        text,
        url: r.pick(['http://127.0.0.1:8080/shop?q=1', 'https://[::1]:9/a#b', '', 'javascript:alert(1)', `http://${randomText(r, 30)}`, randomText(r, r.chance(0.1) ? big : 60)]),
        title: valueText(r),
        lastActionError: r.chance(0.5) ? null : randomText(r, r.chance(0.1) ? big : 200),
        notices: Array.from({ length: r.int(3) }, () => valueText(r)),
        ...(nodes ? { nodes } : {}),
      };
    }

    function randomState(r: Rng, big: number): AgentState {
      const history = Array.from({ length: r.int(4) }, () => ({
        observation: randomObservation(r, Math.min(big, 4000)),
        reply: r.chance(0.5) ? mutatedAction(r) : randomText(r, r.int(300)),
      }));
      return { intent: r.chance(0.8) ? valueText(r) : randomText(r, 2000), history, observation: randomObservation(r, big) };
    }

    test('AgentPrompt.build and copyConstraint without a token budget: nothing throws, pages up to 200k characters', () => {
      const r = rng('prompts');
      const prompts = [
        new AgentPrompt(),
        new AgentPrompt({ targets: 'name', template: 'plain', restateTask: true, showUrl: 'path' }),
        new AgentPrompt({ grammar: 'webarena', think: false, compress: false, targets: 'name', maxObservationChars: 500 }),
        new AgentPrompt({ template: 'plain', targets: 'id', showUrl: false, wait: true }),
      ];
      for (let i = 0; i < 400; i++) {
        const state = randomState(r, r.chance(0.1) ? 50_000 + r.int(150_000) : 2000);
        const prompt = prompts[i % prompts.length]!;
        const where = `prompt case ${i} (prompt ${i % prompts.length})`;
        const input = state.observation.text;
        const built = timed('AgentPrompt.build', where, input, BUILD_BOUND_MS, () => prompt.build(state));
        if (typeof built.text !== 'string' || built.messages.length < 1) throw failure('build gave no prompt', where, input);
        if (state.intent.length <= 2000) timed('copyConstraint', where, state.intent, BUILD_BOUND_MS, () => copyConstraint(state, { targets: prompt.targets, after: '<answer>' }));
        counts.prompts++;
      }
    });

    test('AgentPrompt.build and encode within a token budget: nothing throws, the prompt fits', () => {
      const r = rng('budget prompts');
      for (let i = 0; i < 60; i++) {
        // Room for a short system prompt and task (over it, PromptBudgetError is the documented answer).
        const max = 400 + r.int(3000);
        const systemPrompt = r.pick([false, 'You are a web agent.'] as const);
        const prompt = new AgentPrompt({ tokenizer, template: r.pick(['chatml', 'plain'] as const), targets: r.pick(['id', 'name'] as const), systemPrompt, maxPromptTokens: max });
        const state = { ...randomState(r, r.chance(0.2) ? 20_000 : 1500), intent: r.chance(0.5) ? 'Add the blue mug to the cart' : randomText(r, 20) };
        const where = `budget prompt case ${i} (maxPromptTokens ${max})`;
        const input = state.observation.text;
        const built = timed('AgentPrompt.build', where, input, BUILD_BOUND_MS * 2, () => prompt.build(state));
        if (!(built.promptIds!.length <= max)) throw failure(`the prompt has ${built.promptIds!.length} tokens, over ${max}`, where, input);
        const reply = r.chance(0.5) ? mutatedAction(r) : randomText(r, 200);
        timed('AgentPrompt.encode', where, reply, BUILD_BOUND_MS * 2, () => prompt.encode(state, reply));
        counts.prompts++;
      }
    });
  });

  test('same results as the patterns they replaced, on short inputs', () => {
    // The regular expressions parseReply, pageText and textPieces used before issue 35: fine
    // on short inputs, where they define the behaviour the scanners keep.
    const r = rng('reference');
    const tagged = ['<think>', '</think>', '<answer>', '</answer>', 'x', ' ', '\n', '<', '>', '/', 'go_back()'];
    const lines = ['\n', '\r', '\u2028', ' ', '\t', '\u00a0', '[1] ', '[12]', '[', '] ', 'x', '1'];
    const words = ['"', "'", '“', '.', ',', '(', ')', '[', ']', '<', '>', '!', '?', 'a', 'Mug', ' ', '\n', '`'];
    const name = new AgentPrompt({ targets: 'name' });
    for (let i = 0; i < 3000; i++) {
      let reply = '';
      for (let k = r.int(14); k > 0; k--) reply += r.pick(tagged);
      const thought = /<think>([\s\S]*?)(<\/think>|$)/.exec(reply)?.[1]?.trim();
      const answers = [...reply.matchAll(/<answer>([\s\S]*?)<\/answer>/g)];
      const open = /<answer>([\s\S]*)$/.exec(reply);
      for (const { prompt } of PROMPTS.slice(0, 2)) {
        const expected = answers.length > 0 ? answers.at(-1)![1]!.trim()
          : prompt.think ? (open === null ? '' : open[1]!.trim())
            : reply.replace(/<think>[\s\S]*?(<\/think>|$)/, '').trim();
        const parsed = prompt.parseReply(reply);
        assert.equal(parsed.actionText, expected, `actionText of ${JSON.stringify(reply)} (think ${prompt.think}, seed ${SEED})`);
        assert.equal(parsed.thought, thought || undefined, `thought of ${JSON.stringify(reply)} (seed ${SEED})`);
      }
      let page = '';
      for (let k = r.int(16); k > 0; k--) page += r.pick(lines);
      assert.equal(name.pageText({ text: page }).text, page.replace(/^(\s*)\[\d+\] /gm, '$1'), `page ${JSON.stringify(page)} (seed ${SEED})`);
      let text = '';
      for (let k = r.int(12); k > 0; k--) text += r.pick(words);
      const edge = /^[\s"'“”‘’`([{<]+|[\s"'“”‘’`)\]}>.,;:!?]+$/g;
      const expected = new Set<string>();
      const ws = text.split(/\s+/).filter((w) => w !== '');
      for (let a = 0; a < ws.length; a++) {
        for (let b = a + 1; b <= Math.min(ws.length, a + 16); b++) {
          const piece = ws.slice(a, b).join(' ');
          expected.add(piece);
          if (piece.replace(edge, '') !== '') expected.add(piece.replace(edge, ''));
        }
      }
      assert.deepEqual(textPieces(text), [...expected], `pieces of ${JSON.stringify(text)} (seed ${SEED})`);
    }
  });

  test(`scaling: per adversarial family, CPU time at 8n is well under quadratic growth (ratio < ${MAX_GROWTH})`, () => {
    const cpu = (f: () => void): number => {
      const start = process.cpuUsage();
      f();
      return cpuSince(start);
    };
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    /**
     * CPU ms of one call of f(input): the median of single calls (at least 5 and 4 ms in all,
     * after a warm-up call), so a garbage collection or a busy neighbour in one call does not count.
     */
    const perCall = (f: (s: string) => unknown, input: string): number => {
      f(input);
      const times: number[] = [];
      let total = 0;
      while (times.length < 5 || (total < 4 && times.length < 500)) {
        const start = process.cpuUsage();
        f(input);
        const ms = cpuSince(start);
        times.push(ms);
        total += ms;
      }
      return median(times);
    };
    /** Growth from `small` to `large`: the ratio of the medians of `reps` measurements at each. */
    const growth = (f: (s: string) => unknown, small: string, large: string, reps: number): number => {
      const a: number[] = [];
      const b: number[] = [];
      for (let k = 0; k < reps; k++) {
        a.push(perCall(f, small));
        b.push(perCall(f, large));
      }
      return median(b) / median(a);
    };
    const plain = new AgentPrompt();
    const name = new AgentPrompt({ targets: 'name', template: 'plain' });
    // Parsers below MAX_ACTION_CHARS (above it the text is refused unread); the rest to 200k.
    const targets: readonly (readonly [string, number, (s: string) => unknown])[] = [
      ['parseAction webagent-r1', 1200, (s) => parseAction(s, 'webagent-r1')],
      ['parseAction webarena', 1200, (s) => parseAction(s, 'webarena')],
      ['parseReply think', 10_000, (s) => PROMPTS[0]!.prompt.parseReply(s)],
      ['parseReply bare', 10_000, (s) => PROMPTS[3]!.prompt.parseReply(s)],
      ['pageText name targets', 10_000, (s) => name.pageText({ text: s })],
      ['build', 10_000, (s) => plain.build({ intent: 'buy a mug', observation: { text: s, url: s.slice(0, 5000), title: s.slice(0, 300) } })],
      ['textPieces', 500, (s) => textPieces(s)],
    ];
    let worst = { ratio: 0, what: '' };
    const total = cpu(() => {
      for (const [family, make] of FAMILIES) {
        for (const [what, n, f] of targets) {
          const small = make(n);
          const large = make(8 * n);
          let ratio = growth(f, small, large, 3);
          if (ratio >= MAX_GROWTH) ratio = growth(f, small, large, 7); // once more, longer, before calling it noise-free
          assert.ok(ratio < MAX_GROWTH, `${what} on "${family}": ${ratio.toFixed(1)}× the CPU time at ${large.length} characters as at ${small.length} (linear is 8×, quadratic 64×; seed ${SEED}):\n  ${shorten(small)}`);
          if (ratio > worst.ratio) worst = { ratio, what: `${what} on "${family}"` };
        }
      }
    });
    console.log(`# scaling: ${FAMILIES.length} families × ${targets.length} targets in ${total.toFixed(0)} ms of CPU; largest growth ${worst.ratio.toFixed(1)}× (${worst.what})`);
  });

  test('case counts: every case of the suite ran', () => {
    console.log(`# fuzz seed ${SEED}: ${counts.parsed} strings × ${GRAMMARS.length + PROMPTS.length} parsers; ${counts.actions} valid actions (${counts.refusedLong} more refused as too long to write), ${counts.parsedBack} texts parsed back, ${counts.replies} replies parsed back; ${counts.prompts} prompts; ${(process.cpuUsage().user / 1e6).toFixed(1)} s of CPU (user) in this process`);
    assert.equal(counts.parsed, 12_000);
    assert.equal(counts.actions + counts.refusedLong, 6000);
    assert.ok(counts.parsedBack > 0 && counts.replies > 0 && counts.prompts > 0, JSON.stringify(counts));
  });
});
