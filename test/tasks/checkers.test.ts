// Tests for the reward checkers (no browser: page-content checks are in suite-framework.test.ts)
// and for reading observation text back into elements.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { all, answerExact, answerExcludes, answerIncludes, answerNumber, any, custom, normalizeAnswer, normalizeUrl, numbersIn, pageContent, runCheck, stateMatch, urlMatch } from '../../src/tasks/checkers.js';
import { findAll, findElement, pageText, parseObservation } from '../../src/tasks/observation.js';
import type { CheckContext, Checker, WebTask } from '../../src/tasks/types.js';

const task: WebTask = { id: 't', site: 'x', intent: 'i', startUrl: 'http://127.0.0.1:1/', check: () => ({ score: 1, reason: '' }), meta: {} };

function ctx(answer: string | null, url = 'http://127.0.0.1:1/', state?: unknown): CheckContext {
  return {
    task,
    answer,
    url,
    state<T>(): Promise<T> {
      if (state === undefined) return Promise.reject(new Error('no state in this test'));
      return Promise.resolve(state as T);
    },
  };
}

const score = async (c: Checker, x: CheckContext): Promise<number> => (await runCheck(c, x)).score;

describe('answer checkers', () => {
  test('normalizeAnswer lower-cases, trims, strips outer quotes and collapses spaces', () => {
    assert.equal(normalizeAnswer('  "Blue   Mug" '), 'blue mug');
    assert.equal(normalizeAnswer("'x'"), 'x');
    assert.equal(normalizeAnswer('"unbalanced'), '"unbalanced');
  });

  test('answerExact', async () => {
    const c = answerExact('Shipped');
    assert.equal(await score(c, ctx('shipped')), 1);
    assert.equal(await score(c, ctx(' "SHIPPED" ')), 1);
    assert.equal(await score(c, ctx('not shipped')), 0);
    const none = await runCheck(c, ctx(null));
    assert.equal(none.score, 0);
    assert.match(none.reason, /no answer/);
  });

  test('answerIncludes: every phrase, arrays are alternatives', async () => {
    const c = answerIncludes(['12 Harbor Road', ['London', 'Londres']]);
    assert.equal(await score(c, ctx('It is at 12 harbor road, Londres')), 1);
    assert.equal(await score(c, ctx('12 Harbor Road, Paris')), 0);
    assert.equal(await score(c, ctx('London')), 0);
    assert.throws(() => answerIncludes([]), /at least one phrase/);
  });

  test('answerExcludes passes only without the phrases', async () => {
    const c = answerExcludes(['canceled']);
    assert.equal(await score(c, ctx('shipped')), 1);
    assert.equal(await score(c, ctx('Canceled')), 0);
    assert.equal(await score(c, ctx(null)), 1);
  });

  test('numbersIn reads money, signs and thousands separators', () => {
    assert.deepEqual(numbersIn('$1,234.50 and -3 or 12 km, .5'), [1234.5, -3, 12, 0.5]);
  });

  test('answerNumber: one number within tolerance; several different numbers fail', async () => {
    const c = answerNumber(12.5, { tolerance: 0.005 });
    assert.equal(await score(c, ctx('$12.50')), 1);
    assert.equal(await score(c, ctx('12.5')), 1);
    assert.equal(await score(c, ctx('The total is 12.5 (12.5 with tax)')), 1);
    assert.equal(await score(c, ctx('12.51')), 0);
    assert.equal(await score(c, ctx('12.5 or 13')), 0);
    assert.equal(await score(c, ctx('twelve')), 0);
    assert.throws(() => answerNumber(Number.NaN), /finite/);
  });
});

describe('URL checkers', () => {
  test('normalizeUrl: trailing slash, localhost, sorted query, no fragment', () => {
    assert.equal(normalizeUrl('http://localhost:8080/a/b/?z=1&a=2#frag'), 'http://127.0.0.1:8080/a/b?a=2&z=1');
    assert.equal(normalizeUrl('HTTP://Example.COM:80/'), 'http://example.com');
  });

  test('urlMatch exact and contains, with alternatives', async () => {
    const exact = urlMatch(['http://127.0.0.1:9/orders?status=shipped', 'http://127.0.0.1:9/other']);
    assert.equal(await score(exact, ctx(null, 'http://localhost:9/orders/?status=shipped')), 1);
    assert.equal(await score(exact, ctx(null, 'http://127.0.0.1:9/orders?status=pending')), 0);
    const contains = urlMatch('/orders', { mode: 'contains' });
    assert.equal(await score(contains, ctx(null, 'http://127.0.0.1:9/orders/7')), 1);
    const noQuery = urlMatch('http://127.0.0.1:9/orders', { ignoreQuery: true });
    assert.equal(await score(noQuery, ctx(null, 'http://127.0.0.1:9/orders?page=2')), 1);
  });
});

describe('composition and faults', () => {
  test('stateMatch reads the state; a string result is the failure reason', async () => {
    const c = stateMatch<{ cart: number[] }>('cart has 2 items', (s) => s.cart.length === 2 || `cart has ${s.cart.length} items`);
    assert.equal(await score(c, ctx(null, undefined, { cart: [1, 2] })), 1);
    const r = await runCheck(c, ctx(null, undefined, { cart: [1] }));
    assert.deepEqual([r.score, r.reason], [0, 'cart has 1 items']);
  });

  test('all is the product and reports the first failure; any passes on one', async () => {
    const yes = custom('yes', () => true);
    const no = custom('no', () => 'nope');
    assert.equal(await score(all(yes, yes), ctx('a')), 1);
    const r = await runCheck(all(yes, no, yes), ctx('a'));
    assert.deepEqual([r.score, r.reason], [0, 'nope']);
    assert.equal(await score(any(no, yes), ctx('a')), 1);
    assert.match((await runCheck(any(no, no), ctx('a'))).reason, /none passed: nope \| nope/);
  });

  test('a checker that throws scores 0 and records the error, also inside all()', async () => {
    const boom: Checker = () => {
      throw new Error('locator exploded');
    };
    const r = await runCheck(boom, ctx('a'));
    assert.equal(r.score, 0);
    assert.match(r.reason, /checker threw: locator exploded/);
    assert.equal(r.error, 'locator exploded');
    assert.equal(await score(all(custom('ok', () => true), boom), ctx('a')), 0);
    const missingState = await runCheck(stateMatch('x', () => true), ctx('a'));
    assert.match(missingState.reason, /no state in this test/);
  });

  test('a checker returning garbage scores 0', async () => {
    const r = await runCheck((() => ({ nope: 1 })) as unknown as Checker, ctx('a'));
    assert.equal(r.score, 0);
    assert.match(r.reason, /no valid/);
  });

  test('pageContent without a page scores 0; bad options are refused', async () => {
    assert.equal(await score(pageContent({ includes: ['x'] }), ctx('a')), 0);
    assert.throws(() => pageContent({ selector: 'h1', js: '1', includes: ['x'] }), /not both/);
    assert.throws(() => pageContent({ selector: 'h1' }), /needs includes/);
  });
});

describe('reading observation text', () => {
  const text = [
    '# Maple & Clay',
    '[1] link "Home"',
    '[2] textbox "Search" value="blue \\"mug\\"" focused',
    'Price: $12.00',
    '  [3] checkbox "Gift wrap" checked',
    '[4] link "Home"',
    '## Reviews',
  ].join('\n');

  test('parseObservation splits elements, headings and text', () => {
    const lines = parseObservation(text);
    assert.equal(lines.length, 7);
    assert.deepEqual(lines[0], { role: 'heading', name: 'Maple & Clay', level: 1, states: [], depth: 0, line: '# Maple & Clay' });
    assert.deepEqual({ ...lines[2], line: undefined }, { id: 2, role: 'textbox', name: 'Search', value: 'blue "mug"', states: ['focused'], depth: 0, line: undefined });
    assert.equal(lines[4]!.depth, 1);
    assert.deepEqual(lines[4]!.states, ['checked']);
    assert.equal(lines[3]!.role, 'text');
  });

  test('findElement by role and name, nth, RegExp', () => {
    assert.equal(findElement(text, { role: 'link', name: 'Home' })?.id, 1);
    assert.equal(findElement(text, { role: 'link', name: 'Home', nth: 2 })?.id, 4);
    assert.equal(findElement(text, { name: /^Gift/ })?.id, 3);
    assert.equal(findElement(text, { role: 'button', name: 'Home' }), undefined);
    assert.equal(findAll(text, { role: ['link', 'checkbox'] }).length, 3);
  });

  test('pageText keeps text and headings only', () => {
    assert.equal(pageText(text), 'Maple & Clay\nPrice: $12.00\nReviews');
  });
});
