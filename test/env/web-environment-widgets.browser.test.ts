// Browser tests of WebEnvironment on the widgets real sites (and MiniWoB++ tasks) are made of:
// a menu that opens after a delay (the wait action, and steps that let short timers fire),
// suggestion lists whose items are separate targets, date/time/colour/number inputs, a list
// that scrolls inside its own container, an icon that changes on hover, and icon-only buttons.
// Pages are served on 127.0.0.1 by test/helpers/fixture-server.ts.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserPool } from '../../src/env/browser-pool.js';
import { findChromium } from '../../src/env/chromium.js';
import { WebEnvironment } from '../../src/env/web-environment.js';
import { WAIT_MAX_MS } from '../../src/env/action-grammar.js';
import type { EnvTask } from '../../src/env/types.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';

let server: FixtureServer;
let pool: BrowserPool;

before(async () => {
  assert.ok(findChromium(), 'browser tests need Chromium: apt-get install -y chromium, or set CHROMIUM_PATH');
  server = await startFixtureServer();
  pool = new BrowserPool();
});

after(async () => {
  await pool.close();
  await server.close();
});

const task = (path: string): EnvTask => ({ id: `t${path}`, intent: 'test', startUrl: server.url + path });

async function withEnv<T>(f: (env: WebEnvironment) => Promise<T>): Promise<T> {
  const env = new WebEnvironment({ pool });
  try {
    return await f(env);
  } finally {
    await env.close();
  }
}

describe('waiting for the page', () => {
  test('a suggestion menu shown 300 ms after typing is in the observation of the type step', async () => {
    await withEnv(async (env) => {
      await env.reset(task('/autocomplete'));
      const r = await env.step({ type: 'type', target: { role: 'textbox', name: 'Country' }, text: 'An' });
      assert.equal(r.observation.lastActionError, null);
      assert.match(r.observation.text, /Andorra/, `the menu is shown:\n${r.observation.text}`);
      assert.ok(r.info.elapsedMs < 1_500, `the step waited ${r.info.elapsedMs} ms`);
    });
  });

  test('a timer that sets off another (setTimeout, then requestAnimationFrame), and a short interval until it is cleared, are waited for too', async () => {
    await withEnv(async (env) => {
      await env.reset(task('/timers'));
      let r = await env.step({ type: 'click', target: { role: 'button', name: 'Chain' } });
      assert.match(r.observation.text, /^chain done$/m);
      r = await env.step({ type: 'click', target: { role: 'button', name: 'Slide' } });
      assert.match(r.observation.text, /^slid open$/m, 'a jQuery-1-style animation (setInterval every 13 ms, cleared when done)');
    });
  });

  test('background loops started at load do not slow steps; a loop the action starts is waited for at most about 1 s', async () => {
    await withEnv(async (env) => {
      await env.reset(task('/timers'));
      const quiet = [];
      for (let i = 0; i < 5; i++) {
        const r = await env.step({ type: 'click', target: { role: 'button', name: 'Quiet' } });
        assert.match(r.observation.text, new RegExp(`^quiet clicked ${i + 1}$`, 'm'));
        quiet.push(r.info.elapsedMs);
      }
      quiet.sort((a, b) => a - b);
      assert.ok(quiet[2]! < 250, `steps on a page with background timers took ${quiet.join(', ')} ms`);
      const spin = await env.step({ type: 'click', target: { role: 'button', name: 'Spin' } });
      assert.match(spin.observation.text, /^spinning \d+$/m);
      assert.ok(spin.info.elapsedMs >= 900 && spin.info.elapsedMs < 3_000, `the step with an endless animation took ${spin.info.elapsedMs} ms`);
      const after = await env.step({ type: 'click', target: { role: 'button', name: 'Quiet' } });
      assert.ok(after.info.elapsedMs < 700, `the next step is not held by the animation the previous one started: ${after.info.elapsedMs} ms`);
    });
  });

  test('the wait action lets a slower change happen; longer waits than the cap are refused', async () => {
    await withEnv(async (env) => {
      await env.reset(task('/timers'));
      let r = await env.step({ type: 'click', target: { role: 'button', name: 'Show late' } });
      assert.match(r.observation.text, /^nothing yet$/m, 'a 1.5 s timer is not waited for by the click');
      r = await env.step({ type: 'wait', ms: 2_000 });
      assert.equal(r.observation.lastActionError, null);
      assert.match(r.observation.text, /^late text$/m);
      assert.ok(r.info.elapsedMs >= 2_000, `waited ${r.info.elapsedMs} ms`);
      const started = Date.now();
      r = await env.step({ type: 'wait', ms: WAIT_MAX_MS + 1 });
      assert.match(r.observation.lastActionError ?? '', new RegExp(`wait is at most ${WAIT_MAX_MS} ms, got ${WAIT_MAX_MS + 1} ms`));
      assert.ok(Date.now() - started < 1_000, 'a refused wait does not wait');
      r = await env.step({ type: 'wait' });
      assert.equal(r.observation.lastActionError, null);
      assert.ok(r.info.elapsedMs >= 1_000, `the default wait is 1 s, waited ${r.info.elapsedMs} ms`);
    });
  });
});

describe('items of lists and menus', () => {
  test('suggestions of a jQuery-UI-style autocomplete are separate options, and one can be chosen', async () => {
    await withEnv(async (env) => {
      await env.reset(task('/autocomplete'));
      let r = await env.step({ type: 'type', target: { role: 'textbox', name: 'Country' }, text: 'An' });
      assert.doesNotMatch(r.observation.text, /"Andorra Angola/, 'the list is not one element');
      for (const name of ['Andorra', 'Angola', 'Anguilla', 'Antigua']) assert.match(r.observation.text, new RegExp(`^\\[\\d+\\] option "${name}"$`, 'm'));
      r = await env.step({ type: 'click', target: { role: 'option', name: 'Angola' } });
      assert.equal(r.observation.lastActionError, null);
      assert.match(r.observation.text, /^chose Angola$/m);
      assert.match(r.observation.text, /textbox "Country" value="Angola"/);
    });
  });

  test('lists in a click-handling container, role=menu lists and combobox popups have one target per item; a single clickable keeps its text', async () => {
    await withEnv(async (env) => {
      const obs = await env.reset(task('/lists'));
      for (const line of ['clickable "Apple"', 'clickable "Banana"', 'clickable "Cherry"', 'menuitem "Copy"', 'menuitem "Paste"', 'option "Paris"', 'option "Porto"',
        'link "Linked item"', 'link "Second link"', 'clickable "Click here please"']) {
        assert.match(obs.text, new RegExp(`^\\[\\d+\\] ${line.replace(/[()]/g, '\\$&')}$`, 'm'), line);
      }
      assert.match(obs.text, /^Pick a fruit$/m, 'the container is not a target; its own text stays');
      assert.doesNotMatch(obs.text, /"(Apple Banana|Copy Paste|Paris Porto|Linked item Second)/, 'no container is listed with its items as its name');
      let r = await env.step({ type: 'click', target: { role: 'clickable', name: 'Banana' } });
      assert.match(r.observation.text, /^picked Banana$/m);
      r = await env.step({ type: 'click', target: { role: 'menuitem', name: 'Paste' } });
      assert.match(r.observation.text, /^menu Paste$/m);
      r = await env.step({ type: 'click', target: { role: 'option', name: 'Porto' } });
      assert.match(r.observation.text, /^city Porto$/m);
      r = await env.step({ type: 'click', target: { role: 'clickable', name: 'Click here please' } });
      assert.match(r.observation.text, /clickable "single clicked"/);
    });
  });
});

describe('inputs with a value format', () => {
  test('date, time, datetime-local, month, week, colour and range inputs are filled; the observation shows their type', async () => {
    await withEnv(async (env) => {
      const obs = await env.reset(task('/inputs'));
      assert.match(obs.text, /^\[\d+\] textbox "Birthday" type=date$/m);
      assert.match(obs.text, /^\[\d+\] textbox "Colour" type=color value="#000000"$/m);
      assert.match(obs.text, /^\[\d+\] textbox "Nickname" value="Bo"$/m, 'text inputs are shown as before');
      const cases: Array<[string, string, string, string]> = [
        ['Birthday', '2024-05-31', '2024-05-31', 'date'],
        ['Alarm', '14:30', '14:30', 'time'],
        ['Meeting', '2024-05-31T09:15', '2024-05-31T09:15', 'datetime-local'],
        ['Month', '2024-05', '2024-05', 'month'],
        ['Week', '2024-W22', '2024-W22', 'week'],
        ['Colour', '#FF8800', '#ff8800', 'color'],
      ];
      for (const [name, text, value, type] of cases) {
        const r = await env.step({ type: 'type', target: { role: 'textbox', name }, text });
        assert.equal(r.observation.lastActionError, null, `${name}: ${r.observation.lastActionError}`);
        assert.match(r.observation.text, new RegExp(`^\\[\\d+\\] textbox "${name}" type=${type} value="${value}" focused$`, 'm'), name);
        assert.match(r.observation.text, new RegExp(`changes, last \\w+=${value}$`, 'm'), `${name}: the page got a change event`);
      }
      let r = await env.step({ type: 'type', target: { role: 'slider', name: 'Volume' }, text: '8' });
      assert.equal(r.observation.lastActionError, null);
      assert.match(r.observation.text, /slider "Volume" value="8"/);
      r = await env.step({ type: 'type', target: { role: 'textbox', name: 'Birthday' }, text: '06/01/2024' });
      assert.equal(r.observation.lastActionError, null, 'the order the (en-US) date field shows is read too');
      assert.match(r.observation.text, /textbox "Birthday" type=date value="2024-06-01"/);
      r = await env.step({ type: 'type', target: { role: 'textbox', name: 'Alarm' }, text: '9:05 pm' });
      assert.match(r.observation.text, /textbox "Alarm" type=time value="21:05"/);
      r = await env.step({ type: 'type', target: { role: 'spinbutton', name: 'Count' }, text: '12', pressEnter: true });
      assert.equal(r.observation.lastActionError, null);
      assert.match(r.observation.url, /birthday=2024-06-01&alarm=21%3A05&meeting=2024-05-31T09%3A15&month=2024-05&week=2024-W22&colour=%23ff8800&volume=8&count=12/);
    });
  });

  test('text a date, time, colour, range or number input cannot take is an error naming the format', async () => {
    await withEnv(async (env) => {
      await env.reset(task('/inputs'));
      const cases: Array<[string, string, string, RegExp]> = [
        ['textbox', 'Birthday', 'next Friday', /: date input wants YYYY-MM-DD \(or MM\/DD\/YYYY, the order this browser shows\), got "next Friday"$/],
        ['textbox', 'Birthday', '2024-02-30', /did not take "2024-02-30" \(not a valid date\)$/],
        ['textbox', 'Alarm', 'noon', /time input wants HH:MM/],
        ['textbox', 'Meeting', '2024-05-31', /datetime-local input wants YYYY-MM-DDTHH:MM/],
        ['textbox', 'Month', 'May', /month input wants YYYY-MM/],
        ['textbox', 'Week', '22', /week input wants YYYY-Www/],
        ['textbox', 'Colour', 'orange', /color input wants a colour as #rrggbb/],
        ['slider', 'Volume', 'loud', /range input wants a number from 0 to 10/],
        ['slider', 'Volume', '11', /takes numbers from 0 to 10 in steps of 1; "11" would be 10/],
        ['spinbutton', 'Count', 'twelve', /number input wants a number such as 42 or -3.5, got "twelve"/],
      ];
      for (const [role, name, text, expected] of cases) {
        const r = await env.step({ type: 'type', target: { role, name }, text });
        assert.match(r.observation.lastActionError ?? '', expected, `${name} ${text}: ${r.observation.lastActionError}`);
        assert.match(r.observation.lastActionError ?? '', new RegExp(`^\\[\\d+\\] ${role} "${name}"`), 'the message names the field');
      }
      const obs = env.nodes;
      assert.equal(obs.find((n) => n.name === 'Birthday')?.value, '', 'the field was left as it was');
      assert.equal(obs.find((n) => n.name === 'Volume')?.value, '5');
    });
  });
});

describe('scrolling containers and covered elements', () => {
  test('an element below the fold of a scrolling container is scrolled into view and clicked', async () => {
    await withEnv(async (env) => {
      await env.reset(task('/scroller'));
      // Item 9 lies inside the window's viewport but below the box's fold; item 25 below both.
      for (const n of [9, 25]) {
        const r = await env.step({ type: 'click', target: { role: 'button', name: `Item ${n}` } });
        assert.equal(r.observation.lastActionError, null);
        assert.match(r.observation.text, new RegExp(`^picked item ${n}$`, 'm'));
      }
      const back = await env.step({ type: 'click', target: { role: 'button', name: 'Item 2' } });
      assert.match(back.observation.text, /^picked item 2$/m, 'and back up');
    });
  });

  test('messages name a covering element by role and a short name, never the page\'s CSS or a long text', async () => {
    await withEnv(async (env) => {
      await env.reset(task('/pointer'));
      let r = await env.step({ type: 'click', target: { role: 'button', name: 'Ghost button' } });
      const ghost = r.observation.lastActionError ?? '';
      assert.match(ghost, /^\[\d+\] button "Ghost button" is covered by (html|body);/);
      assert.doesNotMatch(ghost, /unused-rule-marker|margin|Pointer/);
      r = await env.step({ type: 'click', target: { role: 'button', name: 'Blocked button' } });
      const blocked = r.observation.lastActionError ?? '';
      assert.match(blocked, /^\[\d+\] button "Blocked button" is covered by div "(A notice that covers the button [^"]*…)"; close or scroll away/);
      assert.ok(/div "([^"]*)"/.exec(blocked)![1]!.length <= 40, `a short name: ${blocked}`);
    });
  });
});

describe('hover effects', () => {
  test('an icon that collapses for a moment on mouseenter still gets the click, not its row', async () => {
    await withEnv(async (env) => {
      await env.reset(task('/hover-icon'));
      const r = await env.step({ type: 'click', target: { role: 'clickable', name: 'Like' } });
      assert.equal(r.observation.lastActionError, null);
      assert.match(r.observation.text, /^icon clicked$/m);
    });
  });

  test('an element that goes away under the mouse is an error, and nothing is clicked', async () => {
    await withEnv(async (env) => {
      await env.reset(task('/hover-icon'));
      const r = await env.step({ type: 'click', target: { role: 'clickable', name: 'Runaway' } });
      assert.match(r.observation.lastActionError ?? '', /^\[\d+\] clickable "Runaway" changed when the mouse moved over it, and the click would land on \[\d+\] clickable "Row text" instead/);
      assert.match(r.observation.text, /^nothing clicked$/m, 'the row was not clicked either');
    });
  });
});

describe('names of icon-only elements', () => {
  test('icon buttons are named from an SVG title, a labelled icon, or their place in their row', async () => {
    await withEnv(async (env) => {
      const obs = await env.reset(task('/icons'));
      const lines = obs.text.split('\n');
      const ann = lines.indexOf('Ann: Lovely morning at the lake');
      assert.deepEqual(lines.slice(ann + 1, ann + 6).map((l) => l.replace(/^\[\d+\] /, '')), [
        'button "Reply"',
        'button "Retweet"',
        'button "button 1 of 2 near: Ann: Lovely morning at the lake"',
        'button "button 2 of 2 near: Ann: Lovely morning at the lake"',
        'button "Plain text button"',
      ]);
      assert.match(obs.text, /^\[\d+\] button "button near: Font size"$/m, 'the only unnamed button of its row is named by the row alone');
      const names = obs.nodes.filter((n) => n.role === 'button').map((n) => n.name);
      assert.equal(names.filter((n) => n === '').length, 0, 'no button is unnamed');
      assert.equal(new Set(names).size, names.length - 3, 'only Reply, Retweet and the text button repeat across the two rows');
      let r = await env.step({ type: 'click', target: { role: 'button', name: 'button 1 of 2 near: Bob: Traffic again on the bridge' } });
      assert.match(r.observation.text, /^like 1$/m);
      r = await env.step({ type: 'click', target: { role: 'button', name: 'Reply', nth: 2 } });
      assert.match(r.observation.text, /^reply 1$/m);
    });
  });
});
