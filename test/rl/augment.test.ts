// Tests for the renaming augmentation (src/rl/augment.ts): the names a demonstration copies from
// its task are found (typed text that occurs in the intent; never quantities), and renamed copies
// replace them consistently in the intent, pages, element names, actions and URLs with new
// combinations of words seen in training, by position or at any position.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Observation } from '../../src/env/types.js';
import { OptionsError } from '../../src/errors.js';
import { copiedNames, pageWordsOf, renameEntities } from '../../src/rl/augment.js';
import type { Demonstration } from '../../src/data/demonstration.js';

function page(name: string, url = 'http://127.0.0.1:1/'): Observation {
  return {
    text: `[1] textbox "Search"\n[2] link "${name}"\n[3] link "Cart"`, url, title: 'Shop', lastActionError: null, notices: [], truncated: false,
    nodes: [{ id: 1, role: 'textbox', name: 'Search', visible: true }, { id: 2, role: 'link', name, visible: true }, { id: 3, role: 'link', name: 'Cart', visible: true }],
  };
}

function demo(name: string): Pick<Demonstration, 'intent' | 'turns'> {
  return {
    intent: `Add 2 of the ${name} to my cart.`,
    turns: [
      { observation: page('Home'), action: { type: 'type', target: { id: 1 }, text: name, pressEnter: true } },
      { observation: page(name, `http://127.0.0.1:1/search?q=${name.replaceAll(' ', '+')}`), action: { type: 'type', target: { id: 1 }, text: '2' } },
      { observation: page(name, `http://127.0.0.1:1/product/${name.toLowerCase().replaceAll(' ', '-')}?from=${encodeURIComponent(name)}`), action: { type: 'click', target: { role: 'link', name } } },
    ],
  };
}

describe('renameEntities', () => {
  test('copiedNames: typed text found in the intent, not quantities', () => {
    assert.deepEqual(copiedNames(demo('Blue Ceramic Mug')), ['Blue Ceramic Mug']);
    assert.deepEqual(copiedNames({ intent: 'Search for x', turns: [] }), []);
  });

  for (const words of ['by-position', 'any-position'] as const) test(`renamed copies replace the name everywhere, URLs too, with training words (${words})`, () => {
    const demos = [demo('Blue Ceramic Mug'), demo('Red Steel Bowl'), demo('Green Oak Lamp')];
    const out = renameEntities(demos, { copies: 4, seed: 7, ...(words === 'any-position' ? { words } : {}) });
    assert.equal(out.length, 3 + 3 * 4);
    assert.deepEqual(out.slice(0, 3), demos, 'originals first, unchanged');
    const byPosition = [new Set(['Blue', 'Red', 'Green']), new Set(['Ceramic', 'Steel', 'Oak']), new Set(['Mug', 'Bowl', 'Lamp'])];
    const all = new Set(byPosition.flatMap((p) => [...p]));
    let changed = 0;
    let moved = 0;
    for (const copy of out.slice(3)) {
      const [name] = copiedNames(copy);
      assert.ok(name, 'the copy still copies a name from its task');
      const parts = name.split(' ');
      assert.equal(parts.length, 3, 'the word count is kept');
      parts.forEach((w, i) => assert.ok((words === 'by-position' ? byPosition[i]! : all).has(w), `${w} is a training word${words === 'by-position' ? ` at position ${i}` : ''}`));
      if (!byPosition[0]!.has(parts[0]!)) moved += 1;
      assert.equal(copy.turns[1]!.observation.url, `http://127.0.0.1:1/search?q=${parts.join('+')}`, 'the query form of the name');
      assert.equal(copy.turns[2]!.observation.url, `http://127.0.0.1:1/product/${parts.join('-').toLowerCase()}?from=${parts.join('%20')}`, 'slug and percent forms');
      assert.equal(copy.intent, `Add 2 of the ${name} to my cart.`);
      const [first, second, third] = copy.turns;
      assert.equal((first!.action as { text: string }).text, name);
      assert.equal((second!.action as { text: string }).text, '2', 'quantities untouched');
      assert.deepEqual(third!.action, { type: 'click', target: { role: 'link', name } });
      assert.equal(second!.observation.nodes[1]!.name, name);
      assert.match(second!.observation.text, new RegExp(`link "${name}"`));
      assert.equal(first!.observation.nodes[1]!.name, 'Home');
      if (!['Blue Ceramic Mug', 'Red Steel Bowl', 'Green Oak Lamp'].includes(name)) changed += 1;
    }
    assert.ok(changed >= 6, `most copies get a new combination (${changed} of 12)`);
    if (words === 'any-position') assert.ok(moved >= 3, `words move between positions: ${moved} of 12 names start with a word no name started with`);
    assert.deepEqual(renameEntities(demos, { copies: 4, seed: 7, words }), out, 'seeded');
  });

  test('novelWords: made-up words (pieces of training words) in place of training words, consistently', () => {
    const demos = [demo('Blue Ceramic Mug'), demo('Red Steel Bowl'), demo('Green Oak Lamp'), { ...demo('bold-api'), intent: 'Star the bold-api project.' }];
    const training = new Set(['blue', 'ceramic', 'mug', 'red', 'steel', 'bowl', 'green', 'oak', 'lamp', 'bold', 'api']);
    assert.deepEqual(renameEntities(demos, { copies: 3, seed: 5, novelWords: 0 }), renameEntities(demos, { copies: 3, seed: 5 }), 'novelWords 0 renames as before');
    const out = renameEntities(demos, { copies: 3, seed: 5, novelWords: 1 });
    for (const copy of out.slice(4)) {
      const [name] = copiedNames(copy);
      assert.ok(name, 'the copy still copies a name from its task');
      const parts = name.split(/[ -]/);
      for (const w of parts) {
        assert.ok(!training.has(w.toLowerCase()) && w.length >= 3, `${w} is made up`);
        assert.match(w, /^\p{L}+$/u);
      }
      if (name.includes(' ')) {
        assert.ok(parts.every((w) => /^\p{Lu}\p{Ll}+$/u.test(w)), `capitalised as the training names: ${name}`);
        assert.equal(copy.turns[1]!.observation.url, `http://127.0.0.1:1/search?q=${parts.join('+')}`, 'URL forms follow');
      } else {
        assert.match(name, /^\p{Ll}+-\p{Ll}+$/u, `a slug-like name keeps its hyphen and case: ${name}`);
        assert.equal(copy.intent, `Star the ${name} project.`);
      }
      assert.equal((copy.turns[0]!.action as { text: string }).text, name);
      assert.deepEqual(copy.turns[2]!.action, { type: 'click', target: { role: 'link', name } });
    }
    assert.throws(() => renameEntities(demos, { novelWords: 1.5 }), /novelWords must be a fraction from 0 to 1/);
  });

  test('pageWords: words from the pages (not only from names) in new names, lower-cased in slugs', () => {
    const demos = [demo('Blue Ceramic Mug'), demo('Red Steel Bowl'), { ...demo('bold-api'), intent: 'Star the bold-api project.' }];
    assert.deepEqual(pageWordsOf(demos), ['Search', 'Home', 'Cart', 'Blue', 'Ceramic', 'Mug', 'Red', 'Steel', 'Bowl'], 'capitalised words of 3+ letters, first appearance order; not the lower-case slug');
    assert.deepEqual(renameEntities(demos, { copies: 3, seed: 5, pageWords: 0 }), renameEntities(demos, { copies: 3, seed: 5 }), 'pageWords 0 renames as before');
    const pageWords = new Set(pageWordsOf(demos));
    const out = renameEntities(demos, { copies: 6, seed: 5, pageWords: 1 });
    let uiWords = 0;
    for (const copy of out.slice(3)) {
      const [name] = copiedNames(copy);
      assert.ok(name, 'the copy still copies a name from its task');
      if (name.includes(' ')) {
        for (const w of name.split(' ')) {
          assert.ok(pageWords.has(w), `${w} is a page word`);
          if (['Search', 'Home', 'Cart'].includes(w)) uiWords += 1;
        }
        assert.equal(copy.turns[1]!.observation.url, `http://127.0.0.1:1/search?q=${name.replaceAll(' ', '+')}`, 'URL forms follow');
      } else {
        const parts = name.split('-');
        assert.equal(parts.length, 2, `a slug keeps its hyphen: ${name}`);
        for (const w of parts) assert.ok(pageWords.has(w[0]!.toUpperCase() + w.slice(1)) && w === w.toLowerCase(), `${w} is a lower-cased page word`);
        assert.equal(copy.intent, `Star the ${name} project.`);
      }
      assert.deepEqual(copy.turns[2]!.action, { type: 'click', target: { role: 'link', name } });
    }
    assert.ok(uiWords >= 3, `words that no name used appear in new names (${uiWords})`);
    assert.throws(() => renameEntities(demos, { pageWords: -0.1 }), /pageWords must be a fraction from 0 to 1/);
  });

  test('a bad copy count is an OptionsError', () => {
    assert.throws(() => renameEntities([], { copies: -1 }), OptionsError);
    assert.throws(() => renameEntities([], { words: 'random' as never }), /renameEntities option words must be 'by-position' or 'any-position', got "random"/);
  });
});
