// Tests for the action grammars (WebAgent-R1 `do(...)` calls and WebArena `verb [arg]` commands).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ACTION_GRAMMARS, ActionFormatError, MAX_ACTION_CHARS, WAIT_MAX_MS, formatAction, parseAction, type ActionGrammar } from '../../src/env/action-grammar.js';
import { describeGrammar } from '../../src/env/grammar-help.js';
import { nameTargetOf, resolveTarget, withNameTarget } from '../../src/env/targets.js';
import type { Action, ElementTarget, ObservationNode } from '../../src/env/types.js';
import { OptionsError } from '../../src/errors.js';
import { Rng } from '../../src/data/random.js';

const NASTY = 'Café "Ø" [x] \\ y';

describe('webagent-r1 grammar', () => {
  const cases: [string, Action][] = [
    ['do(action="Click", element="12")', { type: 'click', target: { id: 12 } }],
    ['do(action="Type", argument="blue mug", element="3")', { type: 'type', target: { id: 3 }, text: 'blue mug' }],
    ['do(action="Search", argument="blue mug", element="3")', { type: 'type', target: { id: 3 }, text: 'blue mug', pressEnter: true }],
    ['do(action="Hover", element="3")', { type: 'hover', target: { id: 3 } }],
    ['do(action="Select Dropdown Option", argument="Red", element="7")', { type: 'select', target: { id: 7 }, option: 'Red' }],
    ['do(action="Scroll Up")', { type: 'scroll', direction: 'up' }],
    ['do(action="Scroll Down")', { type: 'scroll', direction: 'down' }],
    ['do(action="Press Enter")', { type: 'press', key: 'Enter' }],
    ['do(action="Press Key", argument="Control+a")', { type: 'press', key: 'Control+a' }],
    ['do(action="Goto", argument="https://example.com/a?b=1")', { type: 'goto', url: 'https://example.com/a?b=1' }],
    ['do(action="Go To", argument="https://example.com/")', { type: 'goto', url: 'https://example.com/' }],
    ['go_backward()', { type: 'go_back' }],
    ['go_forward()', { type: 'go_forward' }],
    ['exit(message="the answer")', { type: 'answer', text: 'the answer' }],
    ['do(action="Wait")', { type: 'wait' }],
    ['do(action="Wait", argument="500")', { type: 'wait', ms: 500 }],
    ['do(action="wait", argument="2000ms")', { type: 'wait', ms: 2000 }],
    ['do(action="Click", role="link", name="Blue Ceramic Mug")', { type: 'click', target: { role: 'link', name: 'Blue Ceramic Mug' } }],
    ['do(action="Click", role="link", name="Blue Ceramic Mug", nth="2")', { type: 'click', target: { role: 'link', name: 'Blue Ceramic Mug', nth: 2 } }],
    ['do(element="3", argument="x", action="Type")', { type: 'type', target: { id: 3 }, text: 'x' }],
    ['do(nth="3", name="OK", action="Hover", role="button")', { type: 'hover', target: { role: 'button', name: 'OK', nth: 3 } }],
  ];
  for (const [text, expected] of cases) {
    test(`parses ${text}`, () => assert.deepEqual(parseAction(text), expected));
  }

  test('the default grammar is webagent-r1', () => {
    assert.deepEqual(parseAction('do(action="Click", element="12")', 'webagent-r1'), parseAction('do(action="Click", element="12")'));
  });

  test('matches action names case-insensitively and formats them canonically', () => {
    assert.deepEqual(parseAction('do(action="click", element="12")'), { type: 'click', target: { id: 12 } });
    assert.deepEqual(parseAction('do(action="SELECT dropdown   option", argument="Red", element="7")'), {
      type: 'select',
      target: { id: 7 },
      option: 'Red',
    });
    assert.deepEqual(parseAction('do(action="sCrOlL dOwN")'), { type: 'scroll', direction: 'down' });
    assert.equal(formatAction(parseAction('do(action="search", argument="q", element="1")')), 'do(action="Search", argument="q", element="1")');
  });

  test('tolerates whitespace, single quotes, backticks, code fences and a trailing semicolon', () => {
    const click = { type: 'click', target: { id: 12 } };
    assert.deepEqual(parseAction('  do ( action = "Click" ,element="12" , )  '), click);
    assert.deepEqual(parseAction("do(action='Click', element='12')"), click);
    assert.deepEqual(parseAction('`do(action="Click", element="12")`'), click);
    assert.deepEqual(parseAction('```python\ndo(action="Click", element="12")\n```'), click);
    assert.deepEqual(parseAction('do(action="Click", element="12");'), click);
    assert.deepEqual(parseAction('do(action="Click", element=12)'), click);
  });

  test('decodes escapes inside values', () => {
    assert.deepEqual(parseAction('exit(message="say \\"hi\\"\\nback\\\\slash")'), { type: 'answer', text: 'say "hi"\nback\\slash' });
    assert.deepEqual(parseAction("exit(message='it\\'s')"), { type: 'answer', text: "it's" });
    assert.deepEqual(parseAction('exit(message="\\u00e9")'), { type: 'answer', text: 'é' });
  });

  test('formats in canonical keyword order', () => {
    assert.equal(formatAction({ type: 'type', target: { id: 3 }, text: 'blue mug' }), 'do(action="Type", argument="blue mug", element="3")');
    assert.equal(
      formatAction({ type: 'type', target: { role: 'textbox', name: 'Search', nth: 2 }, text: 'x', pressEnter: true }),
      'do(action="Search", argument="x", role="textbox", name="Search", nth="2")',
    );
    assert.equal(formatAction({ type: 'press', key: 'Enter' }), 'do(action="Press Enter")');
    assert.equal(formatAction({ type: 'press', key: 'Tab' }), 'do(action="Press Key", argument="Tab")');
    assert.equal(formatAction({ type: 'go_back' }), 'go_backward()');
    assert.equal(formatAction({ type: 'answer', text: 'a "b"' }), 'exit(message="a \\"b\\"")');
  });
});

describe('webarena grammar', () => {
  const cases: [string, Action][] = [
    ['click [12]', { type: 'click', target: { id: 12 } }],
    ['hover [12]', { type: 'hover', target: { id: 12 } }],
    ['type [3] [blue mug] [1]', { type: 'type', target: { id: 3 }, text: 'blue mug', pressEnter: true }],
    ['type [3] [blue mug] [0]', { type: 'type', target: { id: 3 }, text: 'blue mug' }],
    ['type [3] [blue mug]', { type: 'type', target: { id: 3 }, text: 'blue mug', pressEnter: true }],
    ['select [7] [Red]', { type: 'select', target: { id: 7 }, option: 'Red' }],
    ['press [Control+a]', { type: 'press', key: 'Control+a' }],
    ['scroll [up]', { type: 'scroll', direction: 'up' }],
    ['scroll [down]', { type: 'scroll', direction: 'down' }],
    ['goto [https://example.com/a?b=1]', { type: 'goto', url: 'https://example.com/a?b=1' }],
    ['go_back', { type: 'go_back' }],
    ['go_forward', { type: 'go_forward' }],
    ['stop [the answer]', { type: 'answer', text: 'the answer' }],
    ['stop []', { type: 'answer', text: '' }],
    ['stop [a [b] c]', { type: 'answer', text: 'a [b] c' }],
    ['wait', { type: 'wait' }],
    ['wait [500]', { type: 'wait', ms: 500 }],
    ['WAIT [ 0 ]', { type: 'wait', ms: 0 }],
    ['click [link "Blue Ceramic Mug"]', { type: 'click', target: { role: 'link', name: 'Blue Ceramic Mug' } }],
    ['click [link "Blue Ceramic Mug" 2]', { type: 'click', target: { role: 'link', name: 'Blue Ceramic Mug', nth: 2 } }],
    ['type [textbox "Q \\"x\\" ]"] [mug] [0]', { type: 'type', target: { role: 'textbox', name: 'Q "x" ]' }, text: 'mug' }],
  ];
  for (const [text, expected] of cases) {
    test(`parses ${text}`, () => assert.deepEqual(parseAction(text, 'webarena'), expected));
  }

  test('matches verbs case-insensitively and tolerates whitespace and backticks', () => {
    assert.deepEqual(parseAction('CLICK [12]', 'webarena'), { type: 'click', target: { id: 12 } });
    assert.deepEqual(parseAction('  click[ 12 ]  ', 'webarena'), { type: 'click', target: { id: 12 } });
    assert.deepEqual(parseAction('```click [12]```', 'webarena'), { type: 'click', target: { id: 12 } });
    assert.deepEqual(parseAction('Scroll [DOWN]', 'webarena'), { type: 'scroll', direction: 'down' });
  });

  test('formats type with an explicit Enter flag and names as JSON strings', () => {
    assert.equal(formatAction({ type: 'type', target: { id: 3 }, text: 'mug' }, 'webarena'), 'type [3] [mug] [0]');
    assert.equal(formatAction({ type: 'type', target: { id: 3 }, text: 'mug', pressEnter: true }, 'webarena'), 'type [3] [mug] [1]');
    assert.equal(formatAction({ type: 'click', target: { role: 'link', name: 'A "b"', nth: 2 } }, 'webarena'), 'click [link "A \\"b\\"" 2]');
    assert.equal(formatAction({ type: 'answer', text: '' }, 'webarena'), 'stop []');
  });
});

describe('round trip', () => {
  const nasty = [NASTY, '', 'line1\nline2\r\n\ttab', 'x] [1', '] [0]', '")', "it's", '\\"', 'emoji 🙂 中文', '\u0000\u2028', '`;`'];
  const targets = [{ id: 1 }, { id: 9007199254740991 }, { role: 'link', name: NASTY }, { role: 'combo-box', name: '', nth: 2 }, { role: 'button', name: 'OK', nth: 1 }];
  const actions: Action[] = [
    { type: 'scroll', direction: 'up' },
    { type: 'scroll', direction: 'down' },
    { type: 'press', key: 'Enter' },
    { type: 'press', key: 'Control+Shift+]' },
    { type: 'goto', url: 'https://example.com/q?a="b"&c=[d]' },
    { type: 'go_back' },
    { type: 'go_forward' },
    { type: 'wait' },
    { type: 'wait', ms: 0 },
    { type: 'wait', ms: 1000 },
    { type: 'wait', ms: WAIT_MAX_MS },
  ];
  for (const target of targets) {
    actions.push({ type: 'click', target }, { type: 'hover', target });
    for (const text of nasty) {
      actions.push(
        { type: 'type', target, text },
        { type: 'type', target, text, pressEnter: true },
        { type: 'select', target, option: text },
        { type: 'answer', text },
      );
    }
  }
  for (const grammar of ACTION_GRAMMARS) {
    test(`parse(format(a)) equals a for ${actions.length} actions in ${grammar}`, () => {
      for (const action of actions) {
        const text = formatAction(action, grammar);
        assert.deepEqual(parseAction(text, grammar), action, `${grammar}: ${text}`);
      }
    });
  }

  test('parse never throws on mutated actions, and whatever it accepts round-trips', () => {
    const pieces = ['[', ']', '"', "'", '\\', '=', ',', '(', ')', ' ', '\n', '`', ';', '0', '7', 'x', 'é'];
    let seed = 42;
    const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    let accepted = 0;
    let rejected = 0;
    for (const grammar of ACTION_GRAMMARS) {
      for (let i = 0; i < 4000; i++) {
        let text = formatAction(actions[rand(actions.length)]!, grammar);
        for (let k = rand(3) + 1; k > 0; k--) {
          const at = rand(text.length + 1);
          text = rand(2) ? text.slice(0, at) + pieces[rand(pieces.length)]! + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
        }
        const action = parseAction(text, grammar);
        if (action.type === 'invalid') {
          rejected++;
          assert.ok(action.reason.length > 0 && action.text === text, text);
        } else {
          accepted++;
          assert.deepEqual(parseAction(formatAction(action, grammar), grammar), action, `${grammar}: ${text}`);
        }
      }
    }
    assert.ok(accepted > 500 && rejected > 500, `accepted ${accepted}, rejected ${rejected}`);
    assert.equal(parseAction(undefined as unknown as string).type, 'invalid');
  });

  test('pressEnter false formats like absent and parses as absent', () => {
    for (const grammar of ACTION_GRAMMARS) {
      const text = formatAction({ type: 'type', target: { id: 2 }, text: 'q', pressEnter: false }, grammar);
      assert.deepEqual(parseAction(text, grammar), { type: 'type', target: { id: 2 }, text: 'q' });
    }
  });
});

describe('round trip: random actions', () => {
  /** A seeded generator (mulberry32), so a failure names an action that can be rebuilt. */
  function generator(seed: number): { int: (n: number) => number; pick: <T>(xs: readonly T[]) => T; chance: (p: number) => boolean } {
    const rng = new Rng(seed);
    const next = (): number => rng.next();
    const int = (n: number): number => Math.floor(next() * n);
    return { int, pick: (xs) => xs[int(xs.length)]!, chance: (p) => next() < p };
  }
  // Pieces that have broken grammars: quotes, escapes, brackets, the grammar's own syntax,
  // control and line-separator characters, lone surrogates, astral characters, code fences.
  const PIECES = ['a', 'Z', '0', '9', ' ', '  ', '\n', '\t', '\r\n', '"', "'", '\\', '\\"', '[', ']', '] [1]', '[0]', ' [1]', '(', ')', '")', '=', ',', ';', '`', '```', 'é', '中文', '🙂',
    '\u0000', '\u001f', '\u2028', '\ud800', '\udfff', 'do(action="Click", element="1")', 'stop [', '\\u0041', 'element="', '>', '&amp;'];
  const ROLE_CHARS = 'abcXYZ019_-';

  function randomText(g: ReturnType<typeof generator>, max: number): string {
    let out = '';
    for (let n = g.int(max + 1); n > 0; n--) out += g.pick(PIECES);
    return out;
  }
  /** A string parseAction keeps as it is after trimming (keys and URLs): non-empty, no white space at the ends. */
  function trimmedText(g: ReturnType<typeof generator>): string {
    const t = randomText(g, 8).trim();
    return t === '' ? 'k' : t;
  }
  function randomTarget(g: ReturnType<typeof generator>): ElementTarget {
    if (g.chance(0.4)) return { id: g.chance(0.1) ? Number.MAX_SAFE_INTEGER : 1 + g.int(10_000) };
    let role = g.pick([...'abcdefXYZ']);
    for (let n = g.int(8); n > 0; n--) role += g.pick([...ROLE_CHARS]);
    const name = randomText(g, 10);
    return g.chance(0.3) ? { role, name, nth: 1 + g.int(g.chance(0.1) ? Number.MAX_SAFE_INTEGER - 1 : 20) } : { role, name };
  }
  function randomAction(g: ReturnType<typeof generator>): Action {
    switch (g.int(11)) {
      case 0: return { type: 'click', target: randomTarget(g) };
      case 1: return { type: 'hover', target: randomTarget(g) };
      case 2: return g.chance(0.5) ? { type: 'type', target: randomTarget(g), text: randomText(g, 30) } : { type: 'type', target: randomTarget(g), text: randomText(g, 30), pressEnter: true };
      case 3: return { type: 'select', target: randomTarget(g), option: randomText(g, 20) };
      case 4: return { type: 'press', key: g.chance(0.2) ? 'Enter' : trimmedText(g) };
      case 5: return { type: 'scroll', direction: g.pick(['up', 'down'] as const) };
      case 6: return { type: 'goto', url: trimmedText(g) };
      case 7: return { type: 'go_back' };
      case 8: return { type: 'go_forward' };
      case 9: return g.chance(0.3) ? { type: 'wait' } : { type: 'wait', ms: g.chance(0.1) ? WAIT_MAX_MS : g.int(WAIT_MAX_MS + 1) };
      default: return { type: 'answer', text: randomText(g, 40) };
    }
  }

  for (const grammar of ACTION_GRAMMARS) {
    test(`${grammar}: parseAction(formatAction(a)) equals a for 20000 random valid actions`, () => {
      const g = generator(grammar === 'webarena' ? 7 : 11);
      const kinds = new Map<string, number>();
      for (let i = 0; i < 20_000; i++) {
        const action = randomAction(g);
        const text = formatAction(action, grammar);
        const back = parseAction(text, grammar);
        if (JSON.stringify(back) !== JSON.stringify(action)) assert.deepEqual(back, action, `${grammar} #${i}: ${JSON.stringify(text)}`);
        kinds.set(action.type, (kinds.get(action.type) ?? 0) + 1);
      }
      assert.equal(kinds.size, 11, 'every action type was tried');
    });
  }

  test('formatAction refuses malformed actions with an ActionFormatError naming the field, in both grammars', () => {
    const cases: [unknown, string | undefined, RegExp][] = [
      [{ type: 'click', target: { id: 0 } }, 'target.id', /^cannot format click: target\.id must be a positive integer, got 0$/],
      [{ type: 'click', target: { id: -3 } }, 'target.id', /positive integer, got -3/],
      [{ type: 'click', target: { id: 1.5 } }, 'target.id', /positive integer, got 1\.5/],
      [{ type: 'click', target: { id: Number.NaN } }, 'target.id', /positive integer, got NaN/],
      [{ type: 'click', target: { id: 2 ** 53 } }, 'target.id', /positive integer/],
      [{ type: 'hover', target: { id: '12' } }, 'target.id', /positive integer, got "12"/],
      [{ type: 'click' }, 'target', /^cannot format click: target must be \{id\} or \{role, name, nth\?\}, got undefined$/],
      [{ type: 'click', target: { id: 1, role: 'link', name: 'x' } }, 'target', /either id or role and name, not both/],
      [{ type: 'click', target: { role: 'a link', name: 'x' } }, 'target.role', /single word/],
      [{ type: 'click', target: { role: '', name: 'x' } }, 'target.role', /single word/],
      [{ type: 'click', target: { role: 'link' } }, 'target.name', /^cannot format click: target\.name must be a string, got undefined$/],
      [{ type: 'click', target: { role: 'link', name: 'x', nth: 0 } }, 'target.nth', /positive integer \(1-based\), got 0/],
      [{ type: 'type', target: { id: 1 } }, 'text', /^cannot format type: text must be a string, got undefined$/],
      [{ type: 'type', target: { id: 1 }, text: 5 }, 'text', /must be a string, got 5/],
      [{ type: 'type', target: { id: 1 }, text: 'x', pressEnter: 'yes' }, 'pressEnter', /must be true or false, got "yes"/],
      [{ type: 'select', target: { id: 1 }, option: null }, 'option', /must be a string, got null/],
      [{ type: 'press', key: '' }, 'key', /must not be empty/],
      [{ type: 'press', key: '  ' }, 'key', /must not be empty/],
      [{ type: 'press', key: ' Tab' }, 'key', /must not start or end with white space/],
      [{ type: 'press' }, 'key', /must be a string, got undefined/],
      [{ type: 'goto', url: 'https://example.com/\n' }, 'url', /white space/],
      [{ type: 'goto', url: '' }, 'url', /must not be empty/],
      [{ type: 'scroll', direction: 'left' }, 'direction', /must be "up" or "down", got "left"/],
      [{ type: 'scroll' }, 'direction', /got undefined/],
      [{ type: 'wait', ms: WAIT_MAX_MS + 1 }, 'ms', /wait is at most 5000 ms/],
      [{ type: 'wait', ms: -1 }, 'ms', /whole number of milliseconds/],
      [{ type: 'wait', ms: 2.5 }, 'ms', /whole number of milliseconds/],
      [{ type: 'wait', ms: '500' }, 'ms', /whole number of milliseconds/],
      [{ type: 'answer' }, 'text', /must be a string, got undefined/],
      [{ type: 'answer', text: 'x'.repeat(MAX_ACTION_CHARS) }, undefined, new RegExp(`^cannot format answer: it is 100(0[1-9]|[1-9]\\d) characters long as text, over the ${MAX_ACTION_CHARS} parseAction reads`)],
      [{ type: 'clik', target: { id: 1 } }, 'type', /^cannot format action of type "clik"; expected one of click, hover, type, select, press, scroll, goto, go_back, go_forward, wait, answer$/],
      [{}, 'type', /action of type undefined/],
      [null, undefined, /^cannot format an action that is null/],
      [{ type: 'invalid', reason: 'x' }, 'text', /^cannot format invalid: text must be a string, got undefined$/],
    ];
    for (const grammar of ACTION_GRAMMARS) {
      for (const [action, field, message] of cases) {
        assert.throws(() => formatAction(action as Action, grammar), (e: unknown) => {
          assert.ok(e instanceof ActionFormatError && e instanceof OptionsError && e.code === 'INVALID_ACTION', `${grammar} ${JSON.stringify(action)}: ${String(e)}`);
          assert.equal(e.field, field, `${grammar} ${JSON.stringify(action)}: ${e.message}`);
          assert.match(e.message, message);
          return true;
        }, `${grammar}: ${JSON.stringify(action)?.slice(0, 80)}`);
      }
    }
  });

  test('randomly broken actions: formatAction throws ActionFormatError or writes text parseAction reads back', () => {
    const g = generator(3);
    const junk: unknown[] = [undefined, null, 0, -1, 1.5, Number.NaN, Infinity, '', ' ', ' x ', 'x', true, [], {}, [1], { id: 1 }, 2 ** 53, '\n'];
    const fields = ['type', 'target', 'text', 'option', 'key', 'direction', 'url', 'ms', 'pressEnter', 'id', 'role', 'name', 'nth'];
    let refused = 0;
    let written = 0;
    for (const grammar of ACTION_GRAMMARS) {
      for (let i = 0; i < 5000; i++) {
        const action = JSON.parse(JSON.stringify(randomAction(g))) as Record<string, unknown>;
        const holder = isObject(action.target) && g.chance(0.5) ? action.target : action;
        holder[g.pick(fields)] = g.pick(junk);
        let text: string;
        try {
          text = formatAction(action as unknown as Action, grammar);
        } catch (e) {
          assert.ok(e instanceof ActionFormatError, `${grammar} ${JSON.stringify(action)}: ${String(e)}`);
          refused++;
          continue;
        }
        written++;
        const back = parseAction(text, grammar);
        assert.notEqual(back.type, 'invalid', `${grammar}: ${JSON.stringify(action)} wrote ${JSON.stringify(text)}, which parseAction rejects`);
        assert.equal(formatAction(back, grammar), text, `${grammar}: ${JSON.stringify(action)}`);
      }
    }
    assert.ok(refused > 1000 && written > 1000, `refused ${refused}, written ${written}`);
  });
});

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

describe('malformed input', () => {
  const cases: [string, ActionGrammar, RegExp][] = [
    ['', 'webagent-r1', /^empty action$/],
    ['   \n ', 'webarena', /^empty action$/],
    ['do(action="Clik", element="1")', 'webagent-r1', /^unknown action "Clik"; expected one of Click, Type, Search, Hover, Select Dropdown Option/],
    ['do(action="Click")', 'webagent-r1', /^Click needs element="<id>" or role="\.\.\." name="\.\.\."$/],
    ['do(action="Click", element="abc")', 'webagent-r1', /^element id must be a positive integer, got "abc"$/],
    ['do(action="Click", element="0")', 'webagent-r1', /^element id must be a positive integer, got "0"$/],
    ['do(action="Hover", element="-4")', 'webagent-r1', /^element id must be a positive integer, got "-4"$/],
    ['do(action="Click", element="1.5")', 'webagent-r1', /positive integer, got "1\.5"/],
    ['do(action="Click", element="12)', 'webagent-r1', /^unterminated string in element=/],
    ['I think I should click', 'webagent-r1', /^expected do\(action="\.\.\.", \.\.\.\), exit\(message="\.\.\."\), go_backward\(\) or go_forward\(\), got "I think/],
    ['do(action="Type", element="3")', 'webagent-r1', /^Type needs argument="<text>"; expected do\(action="Type", argument="<text>", element="<id>"\)$/],
    ['do(element="3")', 'webagent-r1', /^do\(\) needs action="\.\.\."/],
    ['do(action="Click", role="link")', 'webagent-r1', /^Click needs both role="\.\.\." and name="\.\.\."/],
    ['do(action="Click", role="link", name="A", nth="0")', 'webagent-r1', /^nth \(1-based\) must be a positive integer, got "0"$/],
    ['do(action="Click", element="3", role="link", name="A")', 'webagent-r1', /either element="<id>" or role/],
    ['do(action="Scroll Up", element="3")', 'webagent-r1', /^Scroll Up does not take element=; expected do\(action="Scroll Up"\)$/],
    ['do(action="Click", element="1") now', 'webagent-r1', /^unexpected text after "\)": "now"$/],
    ['do(action="Click", element="1"', 'webagent-r1', /^missing "\)" at the end of do\(\.\.\.\)$/],
    ['do(action="Click", element="1", element="2")', 'webagent-r1', /^duplicate keyword element=$/],
    ['do(action=Click)', 'webagent-r1', /^value of action= must be a quoted string/],
    ['exit()', 'webagent-r1', /^exit needs message="<answer>"$/],
    ['go_backward(steps="2")', 'webagent-r1', /^go_backward\(\) does not take steps=; expected go_backward\(\)$/],
    ['do(action="Press Key", argument="")', 'webagent-r1', /^Press Key needs a non-empty argument="<key>"$/],
    ['do(action="Wait", argument="soon")', 'webagent-r1', /^wait takes a duration in milliseconds such as 500, got "soon"$/],
    ['do(action="Wait", argument="5001")', 'webagent-r1', /^wait is at most 5000 ms, got 5001 ms; wait several times to wait longer$/],
    ['do(action="Wait", element="3")', 'webagent-r1', /^Wait does not take element=; expected do\(action="Wait"\[, argument="<ms>"\]\)$/],
    ['do(action="Clik", element="1")', 'webagent-r1', /expected one of .*, Goto, Wait$/],
    ['clik [12]', 'webarena', /^unknown action "clik"; expected one of click, hover, type/],
    ['click []', 'webarena', /^click needs an element; expected click \[<id>\] or click \[role "name"\]$/],
    ['click', 'webarena', /^click needs an element/],
    ['click [abc]', 'webarena', /^element id must be a positive integer, got "abc"$/],
    ['click [0]', 'webarena', /^element id must be a positive integer, got "0"$/],
    ['click [link Blue Mug]', 'webarena', /the element name must be quoted/],
    ['click [link "Blue Mug]', 'webarena', /^unterminated string in the element name/],
    ['click [link "A" 0]', 'webarena', /^nth \(1-based\) must be a positive integer, got "0"$/],
    ['click [12] please', 'webarena', /^unexpected text after click/],
    ['type [3]', 'webarena', /^missing argument; expected type \[<id>\] \[text\] \[0\|1\]$/],
    ['type [3] [abc', 'webarena', /^missing closing "\]"/],
    ['scroll [left]', 'webarena', /^scroll direction must be up or down, got "left"$/],
    ['press []', 'webarena', /^press needs a key/],
    ['stop', 'webarena', /^missing argument; expected stop \[answer\]/],
    ['go_back [1]', 'webarena', /^go_back takes no arguments/],
    ['wait [9000]', 'webarena', /^wait is at most 5000 ms, got 9000 ms/],
    ['wait [-5]', 'webarena', /^wait takes a duration in milliseconds such as 500, got "-5"$/],
    ['wait 500', 'webarena', /^expected wait or wait \[ms\], got "500"$/],
    ['new_tab', 'webarena', /^tab actions are not supported \(new_tab\)/],
    ['tab_focus [2]', 'webarena', /^tab actions are not supported \(tab_focus\)/],
    ['close_tab', 'webarena', /^tab actions are not supported/],
    ['I think I should click [12]', 'webarena', /^unknown action "I"/],
    ['do(action="Click", element="12")', 'bogus' as ActionGrammar, /^unknown action grammar "bogus"; expected one of webagent-r1, webarena$/],
  ];
  for (const [text, grammar, reason] of cases) {
    test(`${grammar}: ${JSON.stringify(text)} is invalid`, () => {
      const action = parseAction(text, grammar);
      assert.equal(action.type, 'invalid');
      assert.ok(action.type === 'invalid');
      assert.equal(action.text, text);
      assert.match(action.reason, reason);
    });
  }

  test('formatting an invalid action gives back its text', () => {
    const action = parseAction('clik [12]', 'webarena');
    for (const grammar of ACTION_GRAMMARS) assert.equal(formatAction(action, grammar), 'clik [12]');
  });

  test('formatAction throws OptionsError for an unknown grammar', () => {
    assert.throws(() => formatAction({ type: 'go_back' }, 'bogus' as ActionGrammar), OptionsError);
    assert.throws(() => describeGrammar('bogus' as ActionGrammar), OptionsError);
  });
});

describe('describeGrammar', () => {
  test('lists every action form with a parseable example', () => {
    const r1 = describeGrammar('webagent-r1');
    for (const form of ['Click', 'Type', 'Search', 'Hover', 'Select Dropdown Option', 'Scroll Up', 'Scroll Down', 'Press Enter', 'Press Key', 'Goto']) {
      assert.ok(r1.includes(`do(action="${form}"`), form);
    }
    for (const form of ['go_backward()', 'go_forward()', 'exit(message=', 'role="link", name="Blue Ceramic Mug", nth="2"']) assert.ok(r1.includes(form), form);
    const wa = describeGrammar('webarena');
    for (const form of ['click [12]', 'hover [', 'type [3] [blue mug] [0]', 'type [3] [blue mug] [1]', 'select [7] [Red]', 'press [', 'scroll [up]', 'scroll [down]', 'goto [', 'go_back', 'go_forward', 'stop [', 'click [link "Blue Ceramic Mug" 2]']) {
      assert.ok(wa.includes(form), form);
    }
    for (const grammar of ACTION_GRAMMARS) {
      const examples = describeGrammar(grammar).split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim().split(/ {2,}/)[0]!);
      assert.ok(examples.length >= 14);
      for (const ex of examples) assert.notEqual(parseAction(ex, grammar).type, 'invalid', ex);
    }
  });

  test('lists the wait action, unless asked not to (the list of prompts written before it)', () => {
    assert.match(describeGrammar('webagent-r1'), /^ {2}do\(action="Wait"\) +wait 1 s for the page to change$/m);
    assert.match(describeGrammar('webagent-r1'), /^ {2}do\(action="Wait", argument="3000"\) +wait that many milliseconds \(at most 5000\)$/m);
    assert.match(describeGrammar('webarena'), /^ {2}wait +wait 1 s/m);
    assert.match(describeGrammar('webarena'), /^ {2}wait \[3000\] +wait that many/m);
    for (const grammar of ACTION_GRAMMARS) {
      const without = describeGrammar(grammar, { wait: false });
      assert.doesNotMatch(without, /wait/i);
      assert.equal(without.split('\n').length, describeGrammar(grammar).split('\n').length - 2);
    }
    assert.throws(() => describeGrammar('webarena', { wait: 'no' as never }), OptionsError);
  });

  test('targets: id teaches ids only, name teaches role + name only; every example parses', () => {
    for (const grammar of ACTION_GRAMMARS) {
      for (const targets of ['id', 'name'] as const) {
        const text = describeGrammar(grammar, { targets });
        const examples = text.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim().split(/ {2,}/)[0]!);
        const actions = examples.map((ex) => parseAction(ex, grammar));
        for (const [i, a] of actions.entries()) assert.notEqual(a.type, 'invalid', examples[i]);
        const targeted = actions.filter((a) => 'target' in a).map((a) => (a as { target: object }).target);
        assert.ok(targeted.length >= 5);
        for (const t of targeted) assert.equal('id' in t, targets === 'id', `${grammar}/${targets}: ${JSON.stringify(t)}`);
      }
    }
    assert.throws(() => describeGrammar('webarena', { targets: 'xpath' as never }), OptionsError);
  });
});

describe('nameTargetOf / withNameTarget', () => {
  const nodes: ObservationNode[] = [
    { id: 1, role: 'link', name: 'Home' },
    { id: 2, role: 'button', name: 'Add to cart' },
    { role: 'text', name: 'Add to cart' },
    { id: 3, role: 'button', name: 'Add to cart' },
    { id: 4, role: 'link', name: 'Add to cart' },
  ];
  test('gives the reference that resolves back to the same element, with nth only when needed', () => {
    assert.deepEqual(nameTargetOf(nodes, 1), { role: 'link', name: 'Home' });
    assert.deepEqual(nameTargetOf(nodes, 2), { role: 'button', name: 'Add to cart', nth: 1 });
    assert.deepEqual(nameTargetOf(nodes, 3), { role: 'button', name: 'Add to cart', nth: 2 });
    assert.deepEqual(nameTargetOf(nodes, 4), { role: 'link', name: 'Add to cart' });
    assert.equal(nameTargetOf(nodes, 9), undefined);
    for (const id of [1, 2, 3, 4]) assert.equal((resolveTarget(nodes, nameTargetOf(nodes, id)!) as { id: number }).id, id);
    assert.deepEqual(withNameTarget({ type: 'type', target: { id: 3 }, text: 'x' }, nodes), { type: 'type', target: { role: 'button', name: 'Add to cart', nth: 2 }, text: 'x' });
    assert.deepEqual(withNameTarget({ type: 'scroll', direction: 'down' }, nodes), { type: 'scroll', direction: 'down' });
  });
});
