// Tests of the code site (CodeHub): the standard battery (every template's expert scores 1
// through a real browser, its wrong ending 0, observations within budget), pages over HTTP,
// per-session state isolation between concurrent episodes, and instance counts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebEnvironment } from '../../src/env/web-environment.js';
import { issueNow, type CodeState } from '../../src/suites/code/data.js';
import { runExpert } from '../../src/tasks/expert.js';
import { siteBattery } from '../helpers/suite-battery.js';

const h = siteBattery('code');

describe('code: site pages and state', () => {
  test('pages over HTTP render the seeded projects, files, issues and members', async () => {
    const base = h.server.urls.code;
    const data = h.server.world.code;
    const p = data.projects[0]!;
    const explore = await (await fetch(`${base}/explore`)).text();
    assert.ok(explore.includes(p.name), 'explore lists the first project');
    const search = await (await fetch(`${base}/explore?q=${p.name}`)).text();
    assert.ok(search.includes(`href="/${p.path}"`), 'search finds the project');
    const overview = await (await fetch(`${base}/${p.path}`)).text();
    assert.ok(overview.includes('README.md') && overview.includes(`${p.stars + (data.starred.includes(p.path) ? 1 : 0)} stars`));
    const issue = p.issues[0]!;
    const issuePage = await (await fetch(`${base}/${p.path}/-/issues/${issue.iid}`)).text();
    assert.ok(issuePage.includes(`Issue #${issue.iid}`) && issuePage.includes(issue.description));
    const list = await (await fetch(`${base}/${p.path}/-/issues?state=all`)).text();
    assert.ok(list.includes(`All ${p.issues.length}`), 'the All tab counts every issue');
    const file = p.files.find((f) => f.path.startsWith('src/'))!;
    const blob = await (await fetch(`${base}/${p.path}/-/blob/main/${file.path}`)).text();
    assert.ok(blob.includes(`${file.content.split('\n').length} lines`));
    const members = await (await fetch(`${base}/${p.path}/-/project_members`)).text();
    for (const m of p.members) assert.ok(members.includes(`@${m.username}`));
    const mr = p.mrs[0]!;
    assert.ok((await (await fetch(`${base}/${p.path}/-/merge_requests/${mr.iid}`)).text()).includes(mr.source));
    assert.equal((await fetch(`${base}/nobody/nothing`)).status, 404);
  });

  test('a state change is seen only by its own session, also between concurrent episodes', async () => {
    const task = h.suite.task('code.close-issue/train/0');
    const { project, issue } = task.meta as { project: string; issue: number };
    const p = h.server.world.code.projectByPath.get(project)!;
    const other = new WebEnvironment({ pool: h.pool });
    try {
      // Two episodes of the same task at once: one runs the expert, the other only looks.
      const [done] = await Promise.all([runExpert(h.env, task), other.reset(task)]);
      assert.equal(done.result.score, 1, done.result.reason);
      const mine = (await task.readState!(h.env.page)) as CodeState;
      const theirs = (await task.readState!(other.page)) as CodeState;
      assert.equal(issueNow(p, mine, issue)?.state, 'closed');
      assert.equal(issueNow(p, theirs, issue)?.state, 'opened', 'the other session still sees the issue open');
      const page = await (await other.page.request.get(`${h.server.urls.code}/${project}/-/issues/${issue}`)).text();
      assert.ok(page.includes('Close issue'), 'the other session\'s page still offers Close issue');
      // A fresh episode starts from the seeded state again.
      await h.env.reset(task);
      const fresh = (await task.readState!(h.env.page)) as CodeState;
      assert.equal(issueNow(p, fresh, issue)?.state, 'opened');
    } finally {
      await other.close();
    }
  });

  test('instance counts meet the minimums', () => {
    const count = (split: 'train' | 'test' | 'test-unseen'): number => h.suite.tasks({ split, sites: ['code'] }).length;
    assert.ok(count('train') >= 450, `train ${count('train')}`);
    assert.ok(count('test') >= 70, `test ${count('test')}`);
    assert.ok(count('test-unseen') >= 2, `test-unseen ${count('test-unseen')}`);
    const ids = new Set(h.suite.tasks({ split: 'train', sites: ['code'] }).map((t) => t.intent));
    assert.ok(ids.size > 400, 'train intents are mostly distinct');
  });
});
