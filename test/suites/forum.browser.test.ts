// Tests of the bundled forum site: the standard battery (every template's expert scores 1 and
// its wrong ending 0 through a real browser), pages over HTTP, per-session state isolation
// between two concurrent episodes, and instance counts per split.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebEnvironment } from '../../src/env/web-environment.js';
import { createForumState, type ForumState } from '../../src/suites/forum/data.js';
import { forumTemplates } from '../../src/suites/forum/tasks.js';
import { runExpert } from '../../src/tasks/expert.js';
import { siteBattery } from '../helpers/suite-battery.js';

const h = siteBattery('forum');

async function get(path: string, cookie?: string): Promise<{ status: number; text: string; cookie: string }> {
  const res = await fetch(h.server.urls.forum + path, { headers: { 'x-webagent-key': h.server.controlKey, ...(cookie ? { cookie } : {}) }, redirect: 'manual' });
  const set = res.headers.get('set-cookie');
  return { status: res.status, text: await res.text(), cookie: set ? set.split(';')[0]! : (cookie ?? '') };
}

describe('forum: pages and state', () => {
  test('pages over HTTP render the seeded forums, posts, comments and users', async () => {
    const d = h.server.world.forum;
    const forums = await get('/forums');
    for (const f of d.forums) assert.ok(forums.text.includes(`>${f.name}</a>`), `forum list shows ${f.name}`);
    const post = d.posts.find((p) => p.comments.length >= 2)!;
    const page = await get(`/f/${post.forum}/${post.id}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(post.title.replace(/'/g, '&#39;')), 'post page shows the title');
    assert.ok(page.text.includes(`${post.comments.length} comments`), 'post page shows the comment count');
    for (const c of post.comments) assert.ok(page.text.includes(`/u/${c.author}`), `post page links commenter ${c.author}`);
    const top = await get(`/f/${post.forum}?sort=top`);
    assert.ok(top.text.includes('Page 1 of 3'), 'forum listing is paginated at 10');
    const user = await get(`/u/${post.author}`);
    assert.ok(user.text.includes('Karma: '), 'user page shows karma');
    const missing = await get('/f/nowhere/1');
    assert.equal(missing.status, 404);
  });

  test('a fresh state is tiny, and a vote over HTTP changes only its own session', async () => {
    const d = h.server.world.forum;
    assert.ok(JSON.stringify(createForumState(d)).length < 300);
    const a = await get('/');
    const b = await get('/');
    const post = d.posts[0]!;
    const res = await fetch(`${h.server.urls.forum}/f/${post.forum}/${post.id}/vote`, { method: 'POST', headers: { cookie: a.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'dir=up', redirect: 'manual' });
    assert.equal(res.status, 303);
    const sa = JSON.parse((await get('/__webagent/state', a.cookie)).text) as ForumState;
    const sb = JSON.parse((await get('/__webagent/state', b.cookie)).text) as ForumState;
    assert.equal(sa.postVotes[post.id], 1);
    assert.equal(sb.postVotes[post.id], undefined);
  });

  test('two concurrent episodes of the same state task do not see each other’s changes', async () => {
    const task = h.suite.task('forum.reply-post/train/0');
    const other = new WebEnvironment({ pool: h.pool });
    try {
      await other.reset(task);
      const d = await runExpert(h.env, task);
      assert.equal(d.result.score, 1);
      const mine = (await task.readState!(h.env.page)) as ForumState;
      const theirs = (await task.readState!(other.page)) as ForumState;
      assert.equal(mine.newComments.length, 1);
      assert.equal(theirs.newComments.length, 0);
    } finally {
      await other.close();
    }
  });

  test('instance counts meet the minimums', () => {
    const count = (split: 'train' | 'test' | 'test-unseen'): number => forumTemplates.reduce((n, t) => n + h.suite.sizeOf(t, split), 0);
    assert.ok(count('train') >= 450, `train ${count('train')}`);
    assert.ok(count('test') >= 70, `test ${count('test')}`);
    assert.ok(count('test-unseen') >= 2, `test-unseen ${count('test-unseen')}`);
    // Instances are distinct: no two intents of a template repeat within a split.
    for (const t of forumTemplates) {
      const intents = h.suite.tasks({ split: t.unseen ? 'test-unseen' : 'train', templates: [t.id] }).map((x) => x.intent);
      assert.equal(new Set(intents).size, intents.length, `${t.id} has repeated intents`);
    }
  });
});
