// Tests for ScriptedEnvironment, the in-memory Environment of `webagent-r1/testing`, and its example shop.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseAction } from '../../src/env/action-grammar.js';
import { renderObservationText } from '../../src/env/observation-text.js';
import type { Action, EnvTask, Observation } from '../../src/env/types.js';
import { BrowserCrashedError, EnvironmentStateError, EpisodeAbortedError, OptionsError, PageCrashedError, StartPageError, TaskError } from '../../src/errors.js';
import { ScriptedEnvironment, type ScriptedEnvironmentOptions, type ScriptedPageSpec } from '../../src/testing/scripted-environment.js';
import { SCRIPTED_SHOP_PRODUCTS, SCRIPTED_SHOP_URL, scriptedShop } from '../../src/testing/scripted-shop.js';

const HOME = 'http://site.test/';
const task = (extra: Partial<EnvTask> = {}): EnvTask => ({ id: 'demo', intent: 'do things', startUrl: HOME, ...extra });
const shopTask: EnvTask = { id: 'shop', intent: 'buy two mugs', startUrl: SCRIPTED_SHOP_URL };

interface Demo {
  clicks: number;
  submitted: string[];
  showSecret: boolean;
}

/** A site exercising every element kind. */
function demo(extra: Partial<ScriptedEnvironmentOptions<Demo>> = {}): ScriptedEnvironmentOptions<Demo> {
  const pages: Record<string, ScriptedPageSpec<Demo>> = {
    [HOME]: {
      title: 'Home',
      elements: (s) => [
        { role: 'heading', name: 'Welcome', level: 1 },
        { role: 'text', name: 'Some   intro\ttext' },
        { role: 'textbox', name: 'Query', onSubmit: (q, site) => void site.state.submitted.push(q) },
        { role: 'textbox', name: 'Code', value: 'ABC', readonly: true },
        { role: 'combobox', name: 'Color', options: ['Red', 'Green', 'Blue'], onChange: (v, site) => site.notice(`color is ${v}`) },
        { role: 'checkbox', name: 'Subscribe' },
        { role: 'button', name: 'OK', onClick: (site) => void (site.state.clicks += 1) },
        { role: 'button', name: 'OK' },
        { role: 'button', name: 'Delete', disabled: true },
        { role: 'button', name: 'Toggle secret', onClick: (site) => void (site.state.showSecret = !site.state.showSecret) },
        { role: 'link', name: 'Secret', hidden: !s.state.showSecret, href: '/secret' },
        { role: 'link', name: `Clicked ${s.state.clicks} times`, key: 'counter' },
        { role: 'link', name: 'About', href: '/about' },
        { role: 'link', name: 'Elsewhere', href: 'http://evil.test/' },
        { role: 'link', name: 'Missing', href: '/missing' },
        { role: 'button', name: 'Check', onClick: (site) => (site.isChecked('Subscribe') && site.field('Color') === 'Blue' ? '/about?ok=1' : undefined) },
      ],
    },
    [`${HOME}about`]: { title: (s) => `About (${s.url.search || 'plain'})`, elements: [{ role: 'heading', name: 'About' }, { role: 'link', name: 'Home', href: '/' }] },
    [`${HOME}long`]: { title: 'Long', elements: Array.from({ length: 12 }, (_, i) => ({ role: 'link', name: `Item ${i + 1}`, href: '/about' })) },
    [`${HOME}secret`]: { title: 'Secret', elements: [{ role: 'text', name: 'found it' }] },
    'http://other.test/': { title: 'Other', elements: [{ role: 'text', name: 'other origin' }] },
  };
  return { pages, initialState: () => ({ clicks: 0, submitted: [], showSecret: false }), ...extra };
}

async function started(options: ScriptedEnvironmentOptions<Demo> = demo(), t: EnvTask = task()): Promise<[ScriptedEnvironment<Demo>, Observation]> {
  const env = new ScriptedEnvironment(options);
  return [env, await env.reset(t)];
}

const click = (name: string, role = 'link'): Action => ({ type: 'click', target: { role, name } });

describe('observations', () => {
  test('the first observation lists the page like the browser walker, ids in page order', async () => {
    const [, obs] = await started();
    assert.equal(obs.url, HOME);
    assert.equal(obs.title, 'Home');
    assert.equal(obs.lastActionError, null);
    assert.deepEqual(obs.notices, []);
    assert.equal(obs.truncated, false);
    const lines = obs.text.split('\n');
    assert.deepEqual(lines.slice(0, 9), [
      '# Welcome',
      'Some intro text',
      '[1] textbox "Query"',
      '[2] textbox "Code" value="ABC"',
      '[3] combobox "Color" value="Red"',
      '  [4] option "Red" selected',
      '  [5] option "Green"',
      '  [6] option "Blue"',
      '[7] checkbox "Subscribe"',
    ]);
    assert.ok(lines.includes('[10] button "Delete" disabled'));
    assert.ok(!obs.text.includes('Secret'), 'hidden elements are not shown');
    assert.ok(lines.includes('[12] link "Clicked 0 times"'));
  });

  test('the text is renderObservationText of the nodes, with and without a budget', async () => {
    const [env, obs] = await started();
    assert.equal(obs.text, renderObservationText(obs.nodes).text);
    assert.deepEqual(env.nodes, obs.nodes);
    const [, small] = await started({ ...demo(), budget: { maxChars: 200 } });
    const rendered = renderObservationText(small.nodes, { maxChars: 200 });
    assert.equal(small.truncated, true);
    assert.equal(small.text, rendered.text);
    assert.match(small.text, /lines below not shown \(scroll down to see them\)$/);
  });

  test('options inherit the dropdown row, text nodes have no id, fields carry a value', async () => {
    const [, obs] = await started();
    const option = obs.nodes.find((n) => n.role === 'option' && n.name === 'Red');
    assert.deepEqual(option, { id: 4, role: 'option', name: 'Red', depth: 1, state: { selected: true }, visible: true });
    assert.deepEqual(obs.nodes[0], { role: 'heading', name: 'Welcome', level: 1, visible: true });
    assert.deepEqual(obs.nodes[2], { id: 1, role: 'textbox', name: 'Query', value: '', visible: true });
  });
});

describe('actions', () => {
  test('click a link navigates; ids restart on the new page; title can be computed', async () => {
    const [env] = await started();
    const r = await env.step(click('About'));
    assert.equal(r.observation.lastActionError, null);
    assert.equal(r.observation.url, `${HOME}about`);
    assert.equal(r.observation.title, 'About (plain)');
    assert.equal(r.observation.text, '## About\n[1] link "Home"');
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, false);
    assert.equal(r.info.turn, 1);
    assert.deepEqual(r.info.action, click('About'));
  });

  test('click runs onClick against the episode state; keyed elements keep their id when renamed', async () => {
    const [env] = await started();
    const r = await env.step({ type: 'click', target: { role: 'button', name: 'OK', nth: 1 } });
    assert.equal(env.episode.state?.clicks, 1);
    assert.match(r.observation.text, /^\[12\] link "Clicked 1 times"$/m);
    assert.match(r.observation.text, /^\[8\] button "OK" focused$/m);
    const byId = await env.step({ type: 'click', target: { id: 8 } });
    assert.equal(byId.observation.lastActionError, null);
    assert.equal(env.episode.state?.clicks, 2);
  });

  test('checkbox toggles; handlers read fields and checks and may return a URL', async () => {
    const [env] = await started();
    let r = await env.step(click('Subscribe', 'checkbox'));
    assert.match(r.observation.text, /^\[7\] checkbox "Subscribe" checked focused$/m);
    r = await env.step(click('Check', 'button'));
    assert.equal(r.observation.url, HOME, 'no navigation while Color is Red');
    await env.step({ type: 'select', target: { id: 3 }, option: 'Blue' });
    r = await env.step(click('Check', 'button'));
    assert.equal(r.observation.url, `${HOME}about?ok=1`);
    assert.equal(r.observation.title, 'About (?ok=1)');
    await env.step({ type: 'go_back' });
    r = await env.step({ type: 'hover', target: { id: 7 } });
    assert.match(r.observation.text, /^\[7\] checkbox "Subscribe"$/m, 'going back loads the page afresh');
  });

  test('type sets the value and focus; pressEnter and press Enter submit; other keys do nothing', async () => {
    const [env] = await started();
    let r = await env.step({ type: 'type', target: { role: 'textbox', name: 'Query' }, text: 'blue mug' });
    assert.match(r.observation.text, /^\[1\] textbox "Query" value="blue mug" focused$/m);
    assert.deepEqual(env.episode.state?.submitted, []);
    r = await env.step({ type: 'press', key: 'Tab' });
    assert.equal(r.observation.lastActionError, null);
    assert.deepEqual(env.episode.state?.submitted, []);
    r = await env.step({ type: 'press', key: 'Enter' });
    assert.deepEqual(env.episode.state?.submitted, ['blue mug']);
    r = await env.step({ type: 'type', target: { id: 1 }, text: 'red', pressEnter: true });
    assert.deepEqual(env.episode.state?.submitted, ['blue mug', 'red']);
    r = await env.step({ type: 'type', target: { id: 1 }, text: '' });
    assert.match(r.observation.text, /^\[1\] textbox "Query" focused$/m);
    r = await env.step({ type: 'press', key: '  ' });
    assert.equal(r.observation.lastActionError, 'press needs a key, for example Enter, Tab, Escape or Control+a');
  });

  test('press Enter on a focused button clicks it', async () => {
    const [env] = await started();
    await env.step({ type: 'click', target: { role: 'button', name: 'OK', nth: 1 } });
    await env.step({ type: 'press', key: 'Enter' });
    assert.equal(env.episode.state?.clicks, 2);
  });

  test('select marks the option, fires onChange (notice shown once), matches case-insensitively', async () => {
    const [env] = await started();
    let r = await env.step({ type: 'select', target: { role: 'combobox', name: 'Color' }, option: 'green' });
    assert.equal(r.observation.lastActionError, null);
    assert.match(r.observation.text, /\[3\] combobox "Color" value="Green"\n {2}\[4\] option "Red"\n {2}\[5\] option "Green" selected/);
    assert.deepEqual(r.observation.notices, ['color is Green']);
    r = await env.step({ type: 'hover', target: { id: 3 } });
    assert.deepEqual(r.observation.notices, []);
  });

  test('hover succeeds and changes nothing, even on a disabled element', async () => {
    const [env, first] = await started();
    const r = await env.step({ type: 'hover', target: { role: 'button', name: 'Delete' } });
    assert.equal(r.observation.lastActionError, null);
    assert.equal(r.observation.text, first.text);
  });

  test('scroll shifts the visible flags and stops at both ends', async () => {
    const [env, obs] = await started({ ...demo(), viewportRows: 5 }, task({ startUrl: `${HOME}long` }));
    const visible = (o: Observation): string[] => o.nodes.filter((n) => n.visible).map((n) => n.name);
    assert.deepEqual(visible(obs), ['Item 1', 'Item 2', 'Item 3', 'Item 4', 'Item 5']);
    let r = await env.step({ type: 'scroll', direction: 'up' });
    assert.equal(r.observation.lastActionError, 'cannot scroll up: already at the top of the page');
    r = await env.step({ type: 'scroll', direction: 'down' });
    assert.equal(r.observation.lastActionError, null);
    assert.deepEqual(visible(r.observation), ['Item 5', 'Item 6', 'Item 7', 'Item 8', 'Item 9']);
    r = await env.step({ type: 'scroll', direction: 'down' });
    assert.deepEqual(visible(r.observation), ['Item 8', 'Item 9', 'Item 10', 'Item 11', 'Item 12']);
    r = await env.step({ type: 'scroll', direction: 'down' });
    assert.equal(r.observation.lastActionError, 'cannot scroll down: already at the bottom of the page');
    r = await env.step({ type: 'scroll', direction: 'up' });
    assert.deepEqual(visible(r.observation), ['Item 4', 'Item 5', 'Item 6', 'Item 7', 'Item 8']);
  });

  test('acting on an element outside the viewport scrolls it into view', async () => {
    const [env] = await started({ ...demo(), viewportRows: 3 }, task({ startUrl: `${HOME}long` }));
    const r = await env.step({ type: 'hover', target: { id: 10 } });
    assert.deepEqual(r.observation.nodes.filter((n) => n.visible).map((n) => n.id), [9, 10, 11]);
  });

  test('goto, go_back and go_forward walk the history', async () => {
    const [env] = await started();
    let r = await env.step({ type: 'go_back' });
    assert.equal(r.observation.lastActionError, 'cannot go back: there is no previous page');
    r = await env.step({ type: 'goto', url: `${HOME}about` });
    assert.equal(r.observation.url, `${HOME}about`);
    r = await env.step({ type: 'go_back' });
    assert.equal(r.observation.url, HOME);
    assert.equal(r.observation.lastActionError, null);
    r = await env.step({ type: 'go_forward' });
    assert.equal(r.observation.url, `${HOME}about`);
    r = await env.step({ type: 'go_forward' });
    assert.equal(r.observation.lastActionError, 'cannot go forward: there is no next page');
  });

  test('answer terminates with info.answer and the episode keeps it', async () => {
    const [env] = await started();
    const r = await env.step({ type: 'answer', text: '42' });
    assert.equal(r.terminated, true);
    assert.equal(r.truncated, false);
    assert.equal(r.info.answer, '42');
    assert.equal(r.observation.url, HOME);
    assert.deepEqual({ ...env.episode, state: undefined, task: undefined }, { task: undefined, turn: 1, done: true, answer: '42', url: HOME, state: undefined });
  });

  test('wait counts as a turn and observes the page again (scripted pages change only through actions)', async () => {
    const [env, first] = await started();
    for (const action of [{ type: 'wait' }, { type: 'wait', ms: 5000 }] as const) {
      const r = await env.step(action);
      assert.equal(r.observation.lastActionError, null);
      assert.equal(r.observation.text, first.text);
    }
    assert.equal(env.episode.turn, 2);
  });

  test('an invalid action counts as a turn and reports its reason', async () => {
    const [env, first] = await started();
    const action = parseAction('do(action="Fly")');
    assert.equal(action.type, 'invalid');
    const r = await env.step(action);
    assert.equal(r.observation.lastActionError, `invalid action: ${(action as { reason: string }).reason}`);
    assert.equal(r.observation.text, first.text);
    assert.equal(r.info.turn, 1);
  });
});

describe('action errors (same strings as WebEnvironment)', () => {
  const cases: [string, Action, string][] = [
    ['unknown id', { type: 'click', target: { id: 99 } }, 'element [99] is not on the page; use an id from the current observation'],
    ['ambiguous name', click('OK', 'button'), '2 buttons are named "OK": [8] button "OK", [9] button "OK"; add nth (1 to 2) or use an id'],
    ['nth out of range', { type: 'click', target: { role: 'button', name: 'OK', nth: 3 } }, 'there are 2 buttons named "OK", so nth 3 does not exist'],
    ['unknown name', click('Nope', 'checkbox'), 'no checkbox named "Nope"; checkboxes on the page: [7] checkbox "Subscribe"'],
    ['disabled', click('Delete', 'button'), '[10] button "Delete" is disabled'],
    ['unknown option', { type: 'select', target: { id: 3 }, option: 'Purple' }, '[3] combobox "Color" has no option "Purple"; options are: "Red", "Green", "Blue"'],
    ['select on a button', { type: 'select', target: { id: 10 }, option: 'x' }, '[10] button "Delete" is not a dropdown (select); click it instead'],
    ['click an option', { type: 'click', target: { id: 5 } }, '[5] option "Green" is an option of a dropdown; use the select action on [3] combobox "Color" instead'],
    ['type into a button', { type: 'type', target: { id: 8 }, text: 'x' }, '[8] button "OK" is not a text field; it cannot be typed into'],
    ['type into a read-only field', { type: 'type', target: { id: 2 }, text: 'x' }, '[2] textbox "Code" is read-only'],
    ['file: URL', { type: 'goto', url: 'file:///etc/passwd' }, 'file: URLs are refused'],
    ['other scheme', { type: 'goto', url: 'ftp://site.test/' }, 'ftp: URLs are refused; only http(s) pages can be visited'],
    ['relative goto', { type: 'goto', url: '/about' }, 'goto needs an absolute URL like http://host/path, got "/about"'],
    ['blocked origin', { type: 'goto', url: 'http://other.test/' }, 'navigation to http://other.test/ was blocked: this task may only visit http://site.test'],
    ['blocked link', click('Elsewhere'), 'navigation to http://evil.test/ was blocked: this task may only visit http://site.test'],
    ['unknown page', { type: 'goto', url: `${HOME}nowhere` }, `going to ${HOME}nowhere failed: the scripted site has no page at ${HOME}nowhere`],
    ['link to an unknown page', click('Missing'), `opening ${HOME}missing failed: the scripted site has no page at ${HOME}missing`],
    ['a wait over the cap', { type: 'wait', ms: 60_000 }, 'wait is at most 5000 ms, got 60000 ms; wait several times to wait longer'],
    ['a wait of no whole milliseconds', { type: 'wait', ms: 1.5 }, 'wait takes a whole number of milliseconds, got "1.5"'],
  ];
  for (const [what, action, message] of cases) {
    test(what, async () => {
      const [env, first] = await started();
      const r = await env.step(action);
      assert.equal(r.observation.lastActionError, message);
      assert.equal(r.observation.url, HOME);
      // A clicked link keeps the focus, as in the browser; nothing else changes.
      assert.equal(r.observation.text.replace(/ focused$/m, ''), first.text);
      assert.equal(r.observation.text.includes(' focused'), action.type === 'click' && !r.observation.lastActionError?.includes('is disabled') && 'name' in action.target && action.target.role === 'link');
      assert.equal(env.episode.state?.clicks, 0);
    });
  }

  test('an element hidden after it was shown is reported as hidden by id', async () => {
    const [env] = await started();
    let r = await env.step(click('Toggle secret', 'button'));
    assert.match(r.observation.text, /^\[17\] link "Secret"$/m, 'an element shown later gets the next free id');
    r = await env.step(click('Toggle secret', 'button'));
    assert.ok(!r.observation.text.includes('Secret"'));
    r = await env.step({ type: 'click', target: { id: 17 } });
    assert.equal(r.observation.lastActionError, '[17] link "Secret" is hidden');
    r = await env.step(click('Secret'));
    assert.match(r.observation.lastActionError ?? '', /^no link named "Secret"; links on the page: /);
  });

  test('allowedOrigins opens other origins, "*" opens all', async () => {
    for (const allowedOrigins of [['http://other.test'], '*'] as const) {
      const [env] = await started(demo(), task({ allowedOrigins }));
      const r = await env.step({ type: 'goto', url: 'http://other.test/' });
      assert.equal(r.observation.lastActionError, null);
      assert.equal(r.observation.text, 'other origin');
    }
  });
});

describe('episodes', () => {
  test('truncated at task.maxTurns, then stepping is an EnvironmentStateError', async () => {
    const [env] = await started(demo(), task({ maxTurns: 2 }));
    const first = await env.step({ type: 'hover', target: { id: 1 } });
    assert.equal(first.truncated, false);
    const second = await env.step({ type: 'hover', target: { id: 1 } });
    assert.equal(second.truncated, true);
    assert.equal(second.terminated, false);
    assert.equal(env.episode.done, true);
    await assert.rejects(env.step({ type: 'hover', target: { id: 1 } }), (e: unknown) => e instanceof EnvironmentStateError && /the episode of task "demo" is over/.test(e.message));
  });

  test('the maxTurns option applies when the task sets none; answering on the last turn terminates', async () => {
    const [env] = await started({ ...demo(), maxTurns: 3 });
    for (let i = 1; i <= 2; i++) assert.equal((await env.step({ type: 'scroll', direction: 'down' })).truncated, false);
    const last = await env.step({ type: 'answer', text: 'done' });
    assert.deepEqual([last.terminated, last.truncated], [true, false]);
    const [env2] = await started({ ...demo(), maxTurns: 1 });
    assert.equal((await env2.step({ type: 'go_back' })).truncated, true);
  });

  test('step before reset, use after close, close twice', async () => {
    const env = new ScriptedEnvironment(demo());
    await assert.rejects(env.step(click('About')), { name: 'EnvironmentStateError', message: 'no episode is running; call reset(task) first' });
    await env.reset(task());
    await env.close();
    await env.close();
    await env[Symbol.asyncDispose]();
    await assert.rejects(env.step(click('About')), { name: 'EnvironmentStateError', message: 'ScriptedEnvironment is closed' });
    await assert.rejects(env.reset(task()), EnvironmentStateError);
  });

  test('every reset gets fresh state; two environments on one task share nothing', async () => {
    let made = 0;
    const options = { ...demo(), initialState: () => ((made += 1), { clicks: 0, submitted: [], showSecret: false }) };
    const a = new ScriptedEnvironment(options);
    const b = new ScriptedEnvironment(options);
    await Promise.all([a.reset(task()), b.reset(task())]);
    await a.step({ type: 'click', target: { role: 'button', name: 'OK', nth: 1 } });
    await a.step({ type: 'click', target: { role: 'button', name: 'OK', nth: 1 } });
    await b.step({ type: 'click', target: { role: 'button', name: 'OK', nth: 1 } });
    assert.equal(a.episode.state?.clicks, 2);
    assert.equal(b.episode.state?.clicks, 1);
    const before = a.episode.state;
    const obs = await a.reset(task());
    assert.equal(a.episode.state?.clicks, 0);
    assert.notEqual(a.episode.state, before);
    assert.equal(before?.clicks, 2, 'the old state object is left as it was');
    assert.deepEqual([a.episode.turn, a.episode.done, a.episode.answer], [0, false, undefined]);
    assert.match(obs.text, /Clicked 0 times/);
    assert.equal(made, 3);
  });

  test('failOn simulates a crash that ends the episode; a retry starts afresh', async () => {
    let crashes = 0;
    const env = new ScriptedEnvironment(demo({ failOn: ({ action, turn }) => action?.type === 'goto' && turn === 2 && crashes++ === 0 }));
    await env.reset(task());
    await env.step({ type: 'goto', url: `${HOME}about` });
    await assert.rejects(env.step({ type: 'goto', url: HOME }), (e: unknown) => e instanceof BrowserCrashedError && e instanceof EpisodeAbortedError && e.retryable);
    assert.equal(env.episode.done, true);
    assert.equal(env.episode.url, undefined);
    await assert.rejects(env.step(click('About')), { message: 'no episode is running; call reset(task) first' });
    await env.reset(task());
    await env.step({ type: 'goto', url: `${HOME}about` });
    const r = await env.step({ type: 'goto', url: HOME });
    assert.equal(r.observation.url, HOME);
  });

  test('failOn may return its own error, also at reset', async () => {
    const crash = new PageCrashedError('simulated renderer crash');
    const env = new ScriptedEnvironment(demo({ failOn: ({ action, url, state }) => (action === null && url === undefined && state.clicks === 0 ? crash : false) }));
    await assert.rejects(env.reset(task()), (e: unknown) => e === crash);
    await assert.rejects(env.step(click('About')), EnvironmentStateError);
  });

  test('latencyMs slows resets and steps; an aborted reset rejects', async () => {
    const env = new ScriptedEnvironment(demo({ latencyMs: 25 }));
    const t0 = Date.now();
    await env.reset(task());
    assert.ok(Date.now() - t0 >= 20);
    const r = await env.step(click('About'));
    assert.ok(r.info.elapsedMs >= 20, `elapsed ${r.info.elapsedMs}`);
    const controller = new AbortController();
    const pending = env.reset(task(), { signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, { name: 'AbortError' });
    await assert.rejects(env.reset(task(), { signal: AbortSignal.abort() }), { name: 'AbortError' });
  });

  test('tasks are validated like WebEnvironment; a missing start page is a StartPageError', async () => {
    const env = new ScriptedEnvironment(demo());
    await assert.rejects(env.reset(task({ startUrl: 'file:///tmp/x.html' })), { name: 'TaskError', message: 'task "demo": startUrl must be http(s); file: URLs are refused' });
    await assert.rejects(env.reset(task({ maxTurns: 0 })), TaskError);
    await assert.rejects(env.reset(task({ allowedOrigins: ['not a url'] })), TaskError);
    await assert.rejects(env.reset(task({ startUrl: `${HOME}nowhere` })), (e: unknown) => e instanceof StartPageError && e.message.includes(`${HOME}nowhere did not load`));
  });
});

describe('options', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['maxTurns', { maxTurns: 0 }, /option maxTurns must be a positive integer, got 0/],
    ['viewportRows', { viewportRows: 2.5 }, /option viewportRows must be a positive integer/],
    ['latencyMs', { latencyMs: -1 }, /option latencyMs must be a number >= 0/],
    ['initialState', { initialState: {} }, /option initialState must be a function/],
    ['failOn', { failOn: true }, /option failOn must be a function/],
    ['budget', { budget: { maxTokens: 10 } }, /option budget.maxTokens needs budget.countTokens/],
    ['pages empty', { pages: {} }, /option pages must be an object with at least one page/],
    ['pages key', { pages: { '/relative': { title: 'x', elements: [] } } }, /option pages\["\/relative"\]: the key must be an absolute http\(s\) URL/],
    ['pages file key', { pages: { 'file:///x': { title: 'x', elements: [] } } }, /pages\["file:\/\/\/x"\]/],
    ['page title', { pages: { [HOME]: { elements: [] } } }, /pages\["http:\/\/site.test\/"\].title must be/],
    ['element', { pages: { [HOME]: { title: 'x', elements: [{ role: 'link' }] } } }, /elements\[0\] needs a role and a name/],
  ];
  for (const [what, patch, message] of cases) {
    test(`rejects bad ${what}`, () => {
      assert.throws(() => new ScriptedEnvironment({ ...demo(), ...patch } as ScriptedEnvironmentOptions<Demo>), (e: unknown) => e instanceof OptionsError && message.test(e.message));
    });
  }
});

describe('scriptedShop', () => {
  test('search, add to cart with a quantity, place an order; the state records it', async () => {
    const env = new ScriptedEnvironment(scriptedShop({ maxTurns: 10 }));
    const home = await env.reset(shopTask);
    assert.equal(home.title, 'Shop');
    for (const p of SCRIPTED_SHOP_PRODUCTS) assert.match(home.text, new RegExp(`link "${p.name}"`));
    const steps = [
      'do(action="Search", argument="mug", role="searchbox", name="Search products")',
      'do(action="Click", role="link", name="Blue Ceramic Mug")',
      'do(action="Select Dropdown Option", argument="2", role="combobox", name="Quantity")',
      'do(action="Click", role="button", name="Add to cart")',
      'do(action="Click", role="link", name="Cart (2)")',
      'do(action="Click", role="button", name="Place order")',
    ];
    let last: Observation = home;
    for (const text of steps) {
      const r = await env.step(parseAction(text));
      assert.equal(r.observation.lastActionError, null, text);
      last = r.observation;
    }
    assert.equal(last.url, `${SCRIPTED_SHOP_URL}cart`);
    assert.match(last.text, /2 × Blue Ceramic Mug\nOrder placed\. Thank you!\n\[1\] button "Place order" disabled/);
    assert.deepEqual(env.episode.state, { cart: [{ product: 'Blue Ceramic Mug', quantity: 2 }], searches: ['mug'], ordered: true });
    const done = await env.step({ type: 'answer', text: 'ordered' });
    assert.equal(done.terminated, true);
    assert.equal(env.episode.answer, 'ordered');
  });

  test('search results filter products; an empty cart cannot be ordered', async () => {
    const env = new ScriptedEnvironment(scriptedShop());
    await env.reset(shopTask);
    let r = await env.step({ type: 'type', target: { id: 1 }, text: 'zzz', pressEnter: true });
    assert.equal(r.observation.url, `${SCRIPTED_SHOP_URL}search?q=zzz`);
    assert.match(r.observation.text, /No products match\./);
    r = await env.step({ type: 'type', target: { id: 1 }, text: 'kettle', pressEnter: true });
    assert.match(r.observation.text, /\[3\] link "Red Kettle"$/);
    r = await env.step(click('Cart (0)'));
    assert.match(r.observation.text, /Your cart is empty\./);
    r = await env.step(click('Place order', 'button'));
    assert.equal(r.observation.lastActionError, '[1] button "Place order" is disabled');
    assert.equal(env.episode.state?.ordered, false);
  });
});
