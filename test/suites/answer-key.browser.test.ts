// The answer key is out of the agent's reach: every bundled site serves its control endpoints
// (`/__webagent/state`, `check`, `setup`, `metrics`) on the task's own origin, which the origin
// guard must allow, so they answer only to the server's control key. An agent that goes to
// them by any route (goto, a link, a page's fetch, an iframe) reads a refusal, and the attack
// that once earned rewards on 27 of 70 test templates (go to the check page, answer what it says)
// earns none.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BrowserPool } from '../../src/env/browser-pool.js';
import { WebEnvironment } from '../../src/env/web-environment.js';
import { startSuiteServer, type SuiteServer } from '../../src/suites/server.js';
import { BundledSuite } from '../../src/suites/suite.js';
import { scoreEpisode } from '../../src/tasks/expert.js';
import type { WebTask } from '../../src/tasks/types.js';

describe('the answer key is unreachable from an episode', () => {
  let server: SuiteServer;
  let pool: BrowserPool;
  let env: WebEnvironment;
  let suite: BundledSuite;
  before(async () => {
    server = await startSuiteServer();
    suite = new BundledSuite(server);
    pool = new BrowserPool({ size: 1 });
    env = new WebEnvironment({ pool, maxTurns: 5 });
  });
  after(async () => {
    await env?.close();
    await pool?.close();
    await server?.close();
  });

  const siteUrl = (task: WebTask): string => server.urls[task.site as keyof typeof server.urls];
  const controlUrls = (task: WebTask): string[] => [
    `${siteUrl(task)}/__webagent/check?task=${encodeURIComponent(task.id)}`,
    `${siteUrl(task)}/__webagent/state`,
    `${siteUrl(task)}/__webagent/metrics`,
  ];
  /** What a refused control endpoint may show: the refusal and nothing of the task. */
  const refused = (text: string): void => {
    assert.match(text, /forbidden: this endpoint needs the suite server's control key/);
    assert.doesNotMatch(text, /verdict|expected|pass|cart|"routes"/i, text.slice(0, 300));
  };

  test('goto, a link, a fetch and an iframe all read a refusal', async () => {
    const task = suite.tasks({ split: 'test', templates: ['shop.product-price'], perTemplate: 1 })[0]!;
    for (const url of controlUrls(task)) {
      // goto
      await env.reset(task);
      const r = await env.step({ type: 'goto', url });
      refused(r.observation.text);
      // a link on the page (as a hostile page or a forum post could carry), clicked by the agent
      await env.reset(task);
      await env.page!.evaluate((u) => {
        const a = document.createElement('a');
        a.href = u;
        a.textContent = 'Secret answers';
        document.body.prepend(a);
      }, url);
      const clicked = await env.step({ type: 'click', target: { role: 'link', name: 'Secret answers' } });
      assert.equal(clicked.observation.lastActionError, null);
      refused(clicked.observation.text);
      // a script of the page: fetch with the session's cookies, and an iframe
      const fetched = await env.page!.evaluate(async (u) => {
        const res = await fetch(u, { credentials: 'include' });
        return { status: res.status, text: await res.text() };
      }, url);
      assert.equal(fetched.status, 403);
      refused(fetched.text);
      const framed = await env.page!.evaluate(async (u) => {
        const frame = document.createElement('iframe');
        frame.src = u;
        document.body.append(frame);
        await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
        return frame.contentDocument?.body.innerText ?? '';
      }, url);
      refused(framed);
    }
    // The checker itself still reads the state (with the key, outside the page).
    await env.reset(task);
    assert.ok(await task.readState!(env.page!));
  });

  test('going to the check page and answering what it says earns nothing on any test template', async () => {
    const tasks = suite.tasks({ split: 'test', perTemplate: 1 });
    assert.ok(tasks.length >= 60, `${tasks.length} templates`);
    let rewarded = 0;
    const won: string[] = [];
    for (const task of tasks) {
      await env.reset(task);
      const obs = (await env.step({ type: 'goto', url: controlUrls(task)[0]! })).observation;
      const expected = /expected:? ([^\n;]+)/i.exec(obs.text)?.[1] ?? obs.text.slice(0, 200);
      const end = await env.step({ type: 'answer', text: expected });
      const r = await scoreEpisode(task, { answer: expected, url: end.observation.url, ...(env.page ? { page: env.page } : {}) });
      if (r.score > 0) {
        rewarded++;
        won.push(task.id);
      }
    }
    assert.equal(rewarded, 0, `rewarded on ${won.join(', ')}`);
  });
});
