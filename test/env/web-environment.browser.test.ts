// Browser tests of WebEnvironment against fixture pages served on 127.0.0.1: observations,
// every action kind, every action error path, dialogs, popups, downloads, frames, truncation,
// origin blocking, a hung page and a killed browser.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';
import { request as httpRequest } from 'node:http';
import { BrowserPool } from '../../src/env/browser-pool.js';
import { OriginProxy } from '../../src/env/origin-proxy.js';
import { findChromium } from '../../src/env/chromium.js';
import { WebEnvironment } from '../../src/env/web-environment.js';
import type { WebEnvironmentOptions } from '../../src/env/web-environment-options.js';
import { parseAction } from '../../src/env/action-grammar.js';
import { BrowserCrashedError, EnvironmentStateError, OptionsError, PageUnresponsiveError, StartPageError, TaskError } from '../../src/errors.js';
import type { Action, EnvTask, Observation } from '../../src/env/types.js';
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

const task = (path: string, extra: Partial<EnvTask> = {}): EnvTask => ({ id: `t${path}`, intent: 'test', startUrl: server.url + path, ...extra });

async function withEnv<T>(options: WebEnvironmentOptions, f: (env: WebEnvironment) => Promise<T>): Promise<T> {
  const env = new WebEnvironment({ pool, ...options });
  try {
    return await f(env);
  } finally {
    await env.close();
  }
}

/** The id the observation shows for `role "name"`. */
function idOf(obs: Observation, role: string, name: string): number {
  const node = obs.nodes.find((n) => n.role === role && n.name === name && n.id !== undefined);
  assert.ok(node, `no ${role} "${name}" in:\n${obs.text}`);
  return node.id!;
}

describe('observation', () => {
  test('lists actionable elements with ids, roles, names, values and states', async () => {
    await withEnv({}, async (env) => {
      const obs = await env.reset(task('/'));
      assert.equal(obs.title, 'Fixture home');
      assert.equal(obs.url, server.url + '/');
      assert.equal(obs.lastActionError, null);
      assert.equal(obs.truncated, false);
      const lines = obs.text.split('\n');
      assert.equal(lines[0], '# Fixture shop');
      assert.equal(lines[1], 'Welcome to the fixture shop.', 'whitespace of static text is collapsed');
      assert.match(obs.text, /^\[\d+\] link "Form page"$/m);
      assert.match(obs.text, /^\[\d+\] button "Plain button"$/m);
      assert.match(obs.text, /^\[\d+\] button "Disabled button" disabled$/m);
      assert.doesNotMatch(obs.text, /Hidden button/, 'display:none elements are not listed');
      assert.match(obs.text, /^\[\d+\] button "Span button"$/m, 'role=button');
      assert.match(obs.text, /^\[\d+\] clickable "Listener div"$/m, 'addEventListener click handler');
      assert.match(obs.text, /^\[\d+\] textbox "Notes"$/m, 'contenteditable');
      assert.match(obs.text, /^\[\d+\] button "More info" collapsed$/m, 'summary');
      assert.match(obs.text, /^\[\d+\] checkbox "Newsletter"$/m);
      assert.match(obs.text, /^\[\d+\] radio "Large" checked$/m);
      assert.match(obs.text, /^img "Company logo"$/m);
      assert.match(obs.text, /^Item \| Price$/m);
      assert.match(obs.text, /^Mug \| \$12$/m);
      assert.doesNotMatch(obs.text, /^Newsletter$/m, 'label text is not repeated as static text');
      const ids = obs.nodes.filter((n) => n.id !== undefined).map((n) => n.id!);
      assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    });
  });

  test('form controls show values, options and password masking', async () => {
    await withEnv({}, async (env) => {
      const obs = await env.reset(task('/form'));
      assert.match(obs.text, /^\[\d+\] textbox "Full name" value="Ann"$/m);
      assert.match(obs.text, /^\[\d+\] combobox "Color" value="Red"$/m);
      assert.match(obs.text, /^ {2}\[\d+\] option "Red" selected$/m);
      assert.match(obs.text, /^ {2}\[\d+\] option "Blue"$/m);
      assert.match(obs.text, /^\[\d+\] spinbutton "Quantity" value="1"$/m);
      assert.match(obs.text, /^\[\d+\] button "Send"$/m);
    });
  });

  test('ids are stable while the page does not change, and new elements get new ids', async () => {
    await withEnv({}, async (env) => {
      const first = await env.reset(task('/mutate'));
      const alpha = idOf(first, 'button', 'Alpha');
      const add = idOf(first, 'button', 'Add');
      const again = await env.step({ type: 'hover', target: { id: alpha } });
      assert.equal(again.observation.text, first.text);
      const added = await env.step({ type: 'click', target: { id: add } });
      assert.equal(idOf(added.observation, 'button', 'Alpha'), alpha);
      assert.equal(idOf(added.observation, 'button', 'Add'), add);
      const beta = idOf(added.observation, 'button', 'Beta');
      assert.ok(![alpha, add].includes(beta));
    });
  });

  test('same-origin iframes are included and act-on-able; cross-origin ones are listed', async () => {
    await withEnv({}, async (env) => {
      const blocked = await env.reset(task('/frames'));
      assert.match(blocked.notices.join('\n'), new RegExp(`a frame's navigation to ${server.otherOrigin}/inner was blocked`));
      const obs = await env.reset(task('/frames', { allowedOrigins: [server.otherOrigin] }));
      assert.match(obs.text, /^iframe "Inner frame"$/m);
      assert.match(obs.text, /^ {2}Inner text$/m);
      assert.match(obs.text, /^ {2}\[\d+\] button "Inner button"$/m);
      assert.match(obs.text, /^iframe "Foreign frame \(cross-origin, content not shown\)"$/m);
      const r = await env.step({ type: 'click', target: { role: 'button', name: 'Inner button' } });
      assert.equal(r.observation.lastActionError, null);
      assert.match(r.observation.text, /^ {2}Inner clicked$/m, 'the click landed inside the iframe (border and padding accounted for)');
    });
  });

  test('open shadow roots are walked', async () => {
    await withEnv({}, async (env) => {
      const obs = await env.reset(task('/shadow'));
      assert.match(obs.text, /^Shadow text$/m);
      const r = await env.step({ type: 'click', target: { role: 'button', name: 'Shadow button' } });
      assert.equal(r.observation.lastActionError, null);
      assert.match(r.observation.text, /^Shadow clicked$/m);
    });
  });

  test('a character budget truncates around the viewport and says so; scrolling moves the window', async () => {
    await withEnv({ budget: { maxChars: 1500 } }, async (env) => {
      const obs = await env.reset(task('/long'));
      assert.equal(obs.truncated, true);
      assert.ok(obs.text.length <= 1500, `text is ${obs.text.length} chars`);
      assert.match(obs.text, /^Paragraph number 0 /m, 'the top of the page is in view');
      assert.match(obs.text, /^… \d+ lines below not shown \(scroll down to see them\)$/m);
      const r = await env.step({ type: 'scroll', direction: 'down' });
      assert.equal(r.observation.lastActionError, null);
      assert.match(r.observation.text, /^… \d+ lines above not shown \(scroll up to see them\)$/m);
      assert.doesNotMatch(r.observation.text, /^Paragraph number 0 /m);
      const full = await env.reset(task('/long'));
      assert.equal(full.nodes.length > 300, true, 'nodes keep the whole page');
    });
  });

  test('a token budget with a counter truncates too', async () => {
    await withEnv({ budget: { maxChars: 1_000_000, maxTokens: 200, countTokens: (t) => t.split(/\s+/).length } }, async (env) => {
      const obs = await env.reset(task('/long'));
      assert.equal(obs.truncated, true);
      assert.ok(obs.text.split(/\s+/).length <= 200);
    });
  });

  test('screenshots are attached as PNG bytes when enabled', async () => {
    await withEnv({ screenshot: true }, async (env) => {
      const obs = await env.reset(task('/target'));
      assert.ok(obs.screenshot instanceof Uint8Array);
      assert.deepEqual([...obs.screenshot.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    });
  });
});

describe('actions', () => {
  test('click on a link navigates and waits for the new page', async () => {
    await withEnv({}, async (env) => {
      const obs = await env.reset(task('/'));
      const r = await env.step({ type: 'click', target: { id: idOf(obs, 'link', 'Form page') } });
      assert.equal(r.observation.url, server.url + '/form');
      assert.equal(r.observation.title, 'Form');
      assert.equal(r.terminated, false);
      assert.equal(r.info.turn, 1);
    });
  });

  test('click on buttons, role=button and listener elements', async () => {
    await withEnv({}, async (env) => {
      await env.reset(task('/'));
      let r = await env.step({ type: 'click', target: { role: 'button', name: 'Plain button' } });
      assert.match(r.observation.text, /button "Plain pressed"/);
      r = await env.step({ type: 'click', target: { role: 'button', name: 'Span button' } });
      assert.match(r.observation.text, /button "Span pressed"/);
      r = await env.step({ type: 'click', target: { role: 'clickable', name: 'Listener div' } });
      assert.match(r.observation.text, /clickable "Listener fired"/);
      r = await env.step({ type: 'click', target: { role: 'checkbox', name: 'Newsletter' } });
      assert.match(r.observation.text, /checkbox "Newsletter" checked/);
      r = await env.step({ type: 'click', target: { role: 'button', name: 'More info' } });
      assert.match(r.observation.text, /button "More info" expanded/);
      assert.match(r.observation.text, /^Hidden details$/m);
    });
  });

  test('type, select and submit a form with Enter', async () => {
    await withEnv({}, async (env) => {
      await env.reset(task('/form'));
      let r = await env.step({ type: 'type', target: { role: 'textbox', name: 'Full name' }, text: 'Bob Stone' });
      assert.equal(r.observation.lastActionError, null);
      assert.match(r.observation.text, /textbox "Full name" value="Bob Stone" focused/, 'typing replaces the old value');
      r = await env.step({ type: 'type', target: { role: 'textbox', name: 'Comment' }, text: 'line "one"' });
      assert.match(r.observation.text, /textbox "Comment" value="line \\"one\\""/);
      r = await env.step({ type: 'select', target: { role: 'combobox', name: 'Color' }, option: 'Blue' });
      assert.equal(r.observation.lastActionError, null);
      assert.match(r.observation.text, /combobox "Color" value="Blue"/);
      r = await env.step({ type: 'type', target: { role: 'textbox', name: 'Password' }, text: 'secret' });
      assert.match(r.observation.text, /textbox "Password" value="••••••"/);
      r = await env.step({ type: 'type', target: { role: 'spinbutton', name: 'Quantity' }, text: '3', pressEnter: true });
      assert.equal(r.observation.url.startsWith(server.url + '/echo?'), true, r.observation.url);
      assert.match(r.observation.text, /name=Bob Stone/);
      assert.match(r.observation.text, /color=b/);
      assert.match(r.observation.text, /qty=3/);
    });
  });

  test('typing an empty string clears the field', async () => {
    await withEnv({}, async (env) => {
      await env.reset(task('/form'));
      const r = await env.step({ type: 'type', target: { role: 'textbox', name: 'Full name' }, text: '' });
      assert.equal(r.observation.lastActionError, null);
      assert.match(r.observation.text, /^\[\d+\] textbox "Full name" focused$/m);
    });
  });

  test('hover and press key', async () => {
    await withEnv({}, async (env) => {
      await env.reset(task('/'));
      let r = await env.step({ type: 'hover', target: { role: 'button', name: 'Hover me' } });
      assert.match(r.observation.text, /^Hovered!$/m);
      r = await env.step({ type: 'press', key: 'Escape' });
      assert.equal(r.observation.lastActionError, null);
      assert.match(r.observation.text, /^Key Escape$/m);
    });
  });

  test('goto, go back and go forward', async () => {
    await withEnv({}, async (env) => {
      await env.reset(task('/'));
      let r = await env.step({ type: 'goto', url: server.url + '/target' });
      assert.equal(r.observation.title, 'Target');
      r = await env.step({ type: 'go_back' });
      assert.equal(r.observation.title, 'Fixture home');
      r = await env.step({ type: 'go_forward' });
      assert.equal(r.observation.title, 'Target');
      assert.equal(r.observation.lastActionError, null);
    });
  });

  test('answer terminates the episode; a turn limit truncates it; stepping after either is an error', async () => {
    await withEnv({}, async (env) => {
      await env.reset(task('/'));
      const r = await env.step({ type: 'answer', text: '$12' });
      assert.equal(r.terminated, true);
      assert.equal(r.truncated, false);
      assert.equal(r.info.answer, '$12');
      assert.equal(env.episode.answer, '$12');
      await assert.rejects(env.step({ type: 'scroll', direction: 'down' }), EnvironmentStateError);

      await env.reset(task('/', { maxTurns: 2 }));
      const a = await env.step({ type: 'hover', target: { role: 'button', name: 'Plain button' } });
      assert.equal(a.truncated, false);
      const b = await env.step({ type: 'hover', target: { role: 'button', name: 'Plain button' } });
      assert.equal(b.truncated, true);
      assert.equal(b.terminated, false);
      await assert.rejects(env.step({ type: 'answer', text: 'x' }), /is over/);
    });
  });

  test('actions after an action that changed the page (dynamic fetch) see the loaded result', async () => {
    await withEnv({}, async (env) => {
      await env.reset(task('/dynamic'));
      const r = await env.step({ type: 'click', target: { role: 'button', name: 'Load data' } });
      assert.match(r.observation.text, /^data loaded$/m, 'the step waited for the fetch the click started');
    });
  });
});

describe('action errors become lastActionError', () => {
  const cases: Array<[string, string, Action | ((obs: Observation) => Action), RegExp]> = [
    ['missing id', '/', { type: 'click', target: { id: 9999 } }, /element \[9999\] is not on the page/],
    ['disabled element', '/', (o) => ({ type: 'click', target: { id: idOf(o, 'button', 'Disabled button') } }), /button "Disabled button" is disabled/],
    ['covered element', '/', (o) => ({ type: 'click', target: { id: idOf(o, 'button', 'Covered button') } }), /"Covered button" is covered by .*Overlay/],
    ['ambiguous name', '/', { type: 'click', target: { role: 'link', name: 'Duplicate' } }, /2 links are named "Duplicate": \[\d+\] link "Duplicate", \[\d+\] link "Duplicate"; add nth/],
    ['no such name', '/', { type: 'click', target: { role: 'link', name: 'Form pag' } }, /no link named "Form pag"; links on the page: \[\d+\] link "Form page"/],
    ['nth out of range', '/', { type: 'click', target: { role: 'link', name: 'Duplicate', nth: 3 } }, /nth 3 does not exist/],
    ['unknown option', '/form', { type: 'select', target: { role: 'combobox', name: 'Color' }, option: 'Purple' }, /has no option "Purple"; options are: "Red", "Blue", "Green"/],
    ['disabled option', '/form', { type: 'select', target: { role: 'combobox', name: 'Color' }, option: 'Green' }, /option "Green" .* is disabled/],
    ['select on a non-select', '/form', { type: 'select', target: { role: 'button', name: 'Send' }, option: 'x' }, /is not a dropdown/],
    ['type into a button', '/form', { type: 'type', target: { role: 'button', name: 'Send' }, text: 'x' }, /is not a text field/],
    ['unknown key', '/', { type: 'press', key: 'Florp' }, /unknown key/],
    ['invalid action text', '/', parseAction('I think I should click the button'), /^invalid action: /],
    ['file: URL', '/', { type: 'goto', url: 'file:///etc/passwd' }, /file: URLs are refused/],
    ['other scheme', '/', { type: 'goto', url: 'chrome://settings' }, /chrome: URLs are refused/],
    ['relative goto', '/', { type: 'goto', url: '/form' }, /absolute URL/],
    ['no history', '/', { type: 'go_back' }, /cannot go back: there is no previous page/],
    ['at the top already', '/', { type: 'scroll', direction: 'up' }, /cannot scroll up: already at the top/],
  ];
  for (const [name, path, action, expected] of cases) {
    test(name, async () => {
      await withEnv({}, async (env) => {
        const obs = await env.reset(task(path));
        const r = await env.step(typeof action === 'function' ? action(obs) : action);
        assert.match(r.observation.lastActionError ?? '', expected);
        assert.equal(r.terminated, false);
        assert.equal(r.info.turn, 1, 'a failed action still counts as a turn');
        const next = await env.step({ type: 'hover', target: { id: obs.nodes.find((n) => n.id !== undefined)!.id! } });
        assert.equal(next.observation.lastActionError, null, 'the error is reported once');
      });
    });
  }

  test('a navigation timeout is an action error, not a crash', async () => {
    await withEnv({ navigationTimeout: 1_000 }, async (env) => {
      await env.reset(task('/'));
      const r = await env.step({ type: 'goto', url: server.url + '/slow' });
      assert.match(r.observation.lastActionError ?? '', /going to .*\/slow failed: Timeout 1000ms exceeded/);
    });
  });

  test('a removed element is reported as gone', async () => {
    await withEnv({}, async (env) => {
      const obs = await env.reset(task('/mutate'));
      const gone = idOf(obs, 'button', 'Remove me');
      await env.step({ type: 'click', target: { id: gone } });
      const r = await env.step({ type: 'click', target: { id: gone } });
      assert.match(r.observation.lastActionError ?? '', new RegExp(`element \\[${gone}\\] is not on the page`));
    });
  });
});

describe('origins, dialogs, popups, downloads', () => {
  for (const originGuard of ['network', 'navigation'] as const) {
    test(`navigation to another origin is blocked and reported, by link, by script, by goto and over HTTPS (originGuard ${originGuard})`, async () => {
      await withEnv({ originGuard }, async (env) => {
        const before = server.requests.length;
        await env.reset(task('/external'));
        await env.step({ type: 'type', target: { role: 'textbox', name: 'Kept' }, text: 'typed before' });
        let r = await env.step({ type: 'click', target: { role: 'link', name: 'Other origin' } });
        assert.match(r.observation.lastActionError ?? '', new RegExp(`navigation to ${server.otherOrigin}/target was blocked: this task may only visit ${server.url}`));
        assert.equal(r.observation.url, server.url + '/external');
        r = await env.step({ type: 'click', target: { role: 'button', name: 'Script redirect' } });
        assert.match(r.observation.lastActionError ?? '', /was blocked/);
        r = await env.step({ type: 'goto', url: server.otherOrigin + '/target' });
        assert.match(r.observation.lastActionError ?? '', /was blocked/);
        // An HTTPS page is refused before any TLS (no server here speaks it): the agent stays on
        // (or is brought back to) its page, with what it typed.
        r = await env.step({ type: 'click', target: { role: 'link', name: 'Other origin over HTTPS' } });
        assert.match(r.observation.lastActionError ?? '', new RegExp(`navigation to ${server.otherOrigin.replace('http:', 'https:')}/target was blocked`));
        assert.equal(r.observation.url, server.url + '/external');
        assert.match(r.observation.text, /textbox "Kept" value="typed before"/);
        assert.ok(!server.requests.slice(before).includes('/target'), 'the blocked page was never requested');
        r = await env.step({ type: 'click', target: { role: 'link', name: 'Local file' } });
        assert.equal(r.observation.url, server.url + '/external', 'a file: link does not navigate');
      });
    });
  }

  test('OriginProxy forwards its origins (plain and tunnelled) and refuses the rest: 204 plain, 403 tunnel', async () => {
    const proxy = await OriginProxy.start([server.url]);
    try {
      const { port } = new URL(proxy.url);
      const viaProxy = (target: string): Promise<{ status: number; body: string }> =>
        new Promise((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, path: target, headers: { host: new URL(target).host } }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
          req.end();
        });
      const tunnel = (hostPort: string): Promise<string> =>
        new Promise((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, method: 'CONNECT', path: hostPort });
          req.on('connect', (res, socket) => {
            socket.destroy();
            resolve(String(res.statusCode));
          });
          req.on('error', reject);
          req.end();
        });
      const mine = await viaProxy(`${server.url}/echo?through=proxy`);
      assert.equal(mine.status, 200);
      assert.match(mine.body, /through=proxy/);
      const mark = server.requests.length;
      assert.equal((await viaProxy(`${server.otherOrigin}/target`)).status, 204);
      assert.ok(!server.requests.slice(mark).includes('/target'));
      assert.equal(await tunnel(new URL(server.url).host), '200');
      assert.equal(await tunnel(new URL(server.otherOrigin).host), '403');
      assert.match(proxy.playwrightProxy.bypass, new RegExp(`^<-loopback>,${server.url}$`));
    } finally {
      await proxy.close();
    }
  });

  test("originGuard network refuses other origins' images and scripts too; navigation lets them load", async () => {
    for (const originGuard of ['network', 'navigation'] as const) {
      await withEnv({ originGuard }, async (env) => {
        const before = server.requests.length;
        await env.reset(task('/external'));
        const loaded = server.requests.slice(before).includes('/pixel.png');
        assert.equal(loaded, originGuard === 'navigation', `originGuard ${originGuard}: the foreign image was ${loaded ? '' : 'not '}requested`);
        // Playwright's own client (task hooks and checkers read site state with it) shares the
        // context's proxy: the task's origins answer, others are refused the same way.
        const own = await env.page.request.get(server.url + '/echo?via=request');
        assert.equal(own.status(), 200);
        assert.match(await own.text(), /via=request/);
        const mark = server.requests.length;
        const other = await env.page.request.get(server.otherOrigin + '/target').then((r) => r.status(), (e: Error) => e.message);
        if (originGuard === 'network') {
          assert.notEqual(other, 200, 'the other origin was refused');
          assert.ok(!server.requests.slice(mark).includes('/target'), 'the other origin was never reached');
        }
      });
    }
  });

  test('allowedOrigins lets a task visit other origins', async () => {
    await withEnv({}, async (env) => {
      await env.reset(task('/external', { allowedOrigins: [server.otherOrigin] }));
      const r = await env.step({ type: 'click', target: { role: 'link', name: 'Other origin' } });
      assert.equal(r.observation.lastActionError, null);
      assert.equal(r.observation.url, server.otherOrigin + '/target');
    });
  });

  test('dialogs are accepted (or dismissed) and reported', async () => {
    await withEnv({}, async (env) => {
      await env.reset(task('/dialogs'));
      let r = await env.step({ type: 'click', target: { role: 'button', name: 'Alert' } });
      assert.deepEqual(r.observation.notices, ['alert dialog "Saved!" was accepted']);
      r = await env.step({ type: 'click', target: { role: 'button', name: 'Confirm' } });
      assert.match(r.observation.text, /^confirmed$/m);
      r = await env.step({ type: 'hover', target: { role: 'button', name: 'Alert' } });
      assert.deepEqual(r.observation.notices, [], 'notices are reported once');
    });
    await withEnv({ dialogs: 'dismiss' }, async (env) => {
      await env.reset(task('/dialogs'));
      const r = await env.step({ type: 'click', target: { role: 'button', name: 'Confirm' } });
      assert.deepEqual(r.observation.notices, ['confirm dialog "Delete it?" was dismissed']);
      assert.match(r.observation.text, /^cancelled$/m);
    });
  });

  test('popups become the active page by default', async () => {
    await withEnv({}, async (env) => {
      await env.reset(task('/popups'));
      let r = await env.step({ type: 'click', target: { role: 'link', name: 'Open in new tab' } });
      assert.equal(r.observation.title, 'Target');
      assert.deepEqual(r.observation.notices, ['a new tab was opened and is now the active page']);
      r = await env.step({ type: 'click', target: { role: 'link', name: 'Home' } });
      assert.equal(r.observation.title, 'Fixture home');
      assert.equal(env.context.pages().length, 2);
    });
  });

  for (const originGuard of ['network', 'navigation'] as const) {
    test(`a popup onto a disallowed origin (HTTP or HTTPS) is blocked and the opener stays active (originGuard ${originGuard})`, async () => {
      await withEnv({ originGuard }, async (env) => {
        await env.reset(task('/popups'));
        // (The navigation guard attaches to a tab after its first request has gone: it closes a
        // tab that loaded another origin, which an HTTPS origin with no server here never does.)
        const https = originGuard === 'network' ? [['Open other origin over HTTPS in new tab', server.otherOrigin.replace('http:', 'https:')]] : [];
        for (const [name, origin] of [['Open other origin in new tab', server.otherOrigin], ...https]) {
          const r = await env.step({ type: 'click', target: { role: 'link', name: name! } });
          assert.match(r.observation.lastActionError ?? '', new RegExp(`navigation to ${origin}/target was blocked`));
          assert.equal(r.observation.title, 'Popups');
          // A refused tab may show up (with Chromium's error page) after the step: it is closed.
          for (let waited = 0; env.context.pages().length > 1 && waited < 3_000; waited += 50) await new Promise((f) => setTimeout(f, 50));
          assert.equal(env.context.pages().length, 1, `${name}: the refused tab was closed`);
          const still = await env.step({ type: 'hover', target: { role: 'link', name: 'Open in new tab' } });
          assert.equal(still.observation.title, 'Popups', 'the opener is still the active page');
        }
        const next = await env.step({ type: 'click', target: { role: 'link', name: 'Open in new tab' } });
        assert.equal(next.observation.title, 'Target', 'the environment still acts on its pages');
      });
    });
  }

  test('popups are closed with popups: close', async () => {
    await withEnv({ popups: 'close' }, async (env) => {
      await env.reset(task('/popups'));
      const r = await env.step({ type: 'click', target: { role: 'button', name: 'Open window' } });
      assert.equal(r.observation.title, 'Popups');
      assert.match(r.observation.notices.join('\n'), /was opened and closed/);
    });
  });

  test('downloads are blocked, reported and not saved', async () => {
    const tmpBefore = new Set(readdirSync(tmpdir()));
    await withEnv({}, async (env) => {
      await env.reset(task('/download'));
      const r = await env.step({ type: 'click', target: { role: 'link', name: 'Get file' } });
      assert.equal(r.observation.title, 'Download', 'the page stays');
      assert.match(r.observation.notices.join('\n'), /download of "report.bin" was blocked/);
    });
    const created = readdirSync(tmpdir()).filter((f) => !tmpBefore.has(f) && f.includes('report'));
    assert.deepEqual(created, []);
  });
});

describe('faults and validation', () => {
  test('a hung page fails the episode with PageUnresponsiveError, and the environment recovers', async () => {
    await withEnv({ observationTimeout: 1_500, actionTimeout: 1_500 }, async (env) => {
      await env.reset(task('/hang'));
      await assert.rejects(env.step({ type: 'click', target: { role: 'button', name: 'Freeze' } }), PageUnresponsiveError);
      await assert.rejects(env.step({ type: 'go_back' }), EnvironmentStateError, 'the failed episode is over');
      const obs = await env.reset(task('/target'));
      assert.equal(obs.title, 'Target');
    });
  });

  test('a killed browser fails the episode with BrowserCrashedError and is relaunched', async () => {
    const own = new BrowserPool();
    const env = new WebEnvironment({ pool: own });
    try {
      await env.reset(task('/'));
      const session = await env.context.browser()!.newBrowserCDPSession();
      const info = (await session.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ type: string; id: number }> };
      const pid = info.processInfo.find((p) => p.type === 'browser')!.id;
      process.kill(pid, 'SIGKILL');
      const started = Date.now();
      await assert.rejects(env.step({ type: 'click', target: { role: 'button', name: 'Plain button' } }), BrowserCrashedError);
      assert.ok(Date.now() - started < 10_000, 'the failure is prompt, not a hang');
      assert.equal(own.stats.crashes, 1);
      const obs = await env.reset(task('/target'));
      assert.equal(obs.title, 'Target');
      assert.equal(own.stats.launches, 2);
    } finally {
      await env.close();
      await own.close();
    }
    assert.equal(own.stats.openContexts, 0);
  });

  test('preparing a context is timed by resetTimeout, not actionTimeout', async () => {
    // Many contexts opened at once on a loaded machine take longer than one action may: a
    // 1 ms action timeout must not fail a reset, a 1 ms reset timeout must (typed retryable).
    await withEnv({ actionTimeout: 1 }, async (env) => {
      const obs = await env.reset(task('/target'));
      assert.match(obs.text, /Target page/);
    });
    const open = pool.stats.openContexts;
    await withEnv({ resetTimeout: 1 }, async (env) => {
      await assert.rejects(env.reset(task('/target')), (e: unknown) => e instanceof PageUnresponsiveError && /during reset/.test(e.message) && e.retryable === true);
      assert.equal(pool.stats.openContexts, open, 'the failed reset closed its context');
    });
  });

  test('an unreachable start page is a typed StartPageError', async () => {
    await withEnv({ navigationTimeout: 2_000 }, async (env) => {
      await assert.rejects(env.reset({ id: 'x', intent: '', startUrl: 'http://127.0.0.1:9/' }), StartPageError);
    });
  });

  test('bad tasks and options fail fast with messages that name the problem', async () => {
    assert.throws(() => new WebEnvironment({ maxTurns: 0 }), (e: unknown) => e instanceof OptionsError && /maxTurns must be a positive integer/.test(e.message));
    assert.throws(() => new WebEnvironment({ popups: 'open' as 'follow' }), /popups must be 'follow' or 'close'/);
    assert.throws(() => new WebEnvironment({ resetTimeout: 0 }), /resetTimeout must be a positive integer/);
    assert.throws(() => new WebEnvironment({ originGuard: 'proxy' as 'network' }), /originGuard must be 'network' or 'navigation'/);
    assert.throws(() => new WebEnvironment({ budget: { maxTokens: 10 } }), /needs budget.countTokens/);
    assert.throws(() => new BrowserPool({ endpoints: ['nope'] }), /BrowserPool option endpoints\[0\] must be a ws:\/\/, wss:\/\/, http:\/\/ or https:\/\/ URL, got "nope"/);
    await withEnv({}, async (env) => {
      await assert.rejects(env.reset({ id: 'f', intent: '', startUrl: 'file:///etc/passwd' }), (e: unknown) => e instanceof TaskError && /file: URLs are refused/.test(e.message));
      await assert.rejects(env.reset({ id: 'r', intent: '', startUrl: '/relative' }), /not an absolute URL/);
      await assert.rejects(env.step({ type: 'go_back' }), /call reset\(task\) first/);
    });
  });

  test('contexts are closed after each episode and on close', async () => {
    const own = new BrowserPool();
    const env = new WebEnvironment({ pool: own });
    await env.reset(task('/'));
    await env.reset(task('/form'));
    assert.equal(own.stats.openContexts, 1);
    await env.close();
    assert.equal(own.stats.openContexts, 0);
    await env.close();
    await assert.rejects(env.reset(task('/')), /closed/);
    await own.close();
  });
});

describe('remote browsers', () => {
  test('episodes run on browsers reached through endpoints, spread round-robin', async () => {
    const exe = findChromium()!;
    const servers = await Promise.all([0, 1].map(() => chromium.launchServer({ executablePath: exe, args: ['--disable-gpu', '--disable-background-networking'] })));
    const remote = new BrowserPool({ endpoints: servers.map((s) => s.wsEndpoint()) });
    try {
      const envs = [new WebEnvironment({ pool: remote }), new WebEnvironment({ pool: remote })];
      const observations = await Promise.all(envs.map((e) => e.reset(task('/target'))));
      assert.deepEqual(observations.map((o) => o.title), ['Target', 'Target']);
      assert.notEqual(envs[0]!.context.browser(), envs[1]!.context.browser(), 'one context per remote browser');
      assert.equal(remote.stats.launches, 2);
      await Promise.all(envs.map((e) => e.close()));
    } finally {
      await remote.close();
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});
