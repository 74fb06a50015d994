// Information and navigation templates of the forum site: post score, comment count, top or
// newest post's author, a user's profile, a forum's sorted listing; and the held-out (unseen)
// "karma of a post's author" question.

import { answerExact, answerNumber, urlMatch } from '../../tasks/checkers.js';
import { act } from '../../tasks/expert.js';
import { pageText } from '../../tasks/observation.js';
import type { TaskTemplate } from '../template.js';
import { createForumState } from './data.js';
import { forumPool, listedPosts, openForum, openPost, postAuthor, postPool, postScore, userPool } from './experts.js';
import { karmaOf, sortPosts, allPosts } from './model.js';

const CAP = 150;

const postScoreTemplate: TaskTemplate = {
  id: 'forum.post-score', site: 'forum', kind: 'info', description: 'Report the score of a named post',
  size: (world, entities) => Math.min(CAP, postPool(world, entities).length),
  instantiate(ctx) {
    const post = postPool(ctx.world, ctx.entities)[ctx.index]!;
    return {
      intent: ctx.rng.pick([`What is the score of the post "${post.title}"?`, `How many points does the forum post "${post.title}" have?`]),
      startPath: '/',
      check: answerNumber(post.score),
      meta: { post: post.title, answer: post.score },
      *expert(_task, first) {
        const page = yield* openPost(first, post.title);
        yield act.answer(String(postScore(page)), 'The post page shows its points between the vote arrows, so I report them.');
      },
      *wrongExpert(_task, first) {
        const page = yield* openPost(first, post.title);
        const score = postScore(page);
        yield act.answer(String(score + 1), 'I report the score, miscounting it by one.');
      },
    };
  },
};

const commentCount: TaskTemplate = {
  id: 'forum.comment-count', site: 'forum', kind: 'info', description: 'Count the comments on a named post',
  size: (world, entities) => Math.min(CAP, postPool(world, entities).length),
  instantiate(ctx) {
    const post = postPool(ctx.world, ctx.entities)[ctx.index]!;
    const n = post.comments.length;
    const read = (text: string): number => Number(/^(\d+) comments?$/m.exec(text)?.[1] ?? NaN);
    return {
      intent: `How many comments does the post "${post.title}" have?`,
      startPath: '/',
      check: answerNumber(n),
      meta: { post: post.title, answer: n },
      *expert(_task, first) {
        const page = yield* openPost(first, post.title);
        yield act.answer(String(read(pageText(page))), 'The heading above the thread gives the number of comments.');
      },
      *wrongExpert(_task, first) {
        const results = yield act.type(first, { role: 'searchbox', name: 'Search' }, post.title, 'I search the forum for the post by its title.', { enter: true });
        const line = pageText(results).split('\n').find((l) => / comments? · /.test(l)) ?? '';
        const shown = Number(/(\d+) comments?/.exec(line)?.[1] ?? 0);
        yield act.answer(String(shown + 1), 'I count the comments from the search result, adding my own guess of one more.');
      },
    };
  },
};

const topAuthor: TaskTemplate = {
  id: 'forum.top-post-author', site: 'forum', kind: 'info', description: 'Name the author of the top-scoring or newest post of a forum',
  size: (world, entities) => forumPool(world, entities).length * 2,
  instantiate(ctx) {
    const forums = forumPool(ctx.world, ctx.entities);
    const forum = forums[ctx.index % forums.length]!;
    const sort = ctx.index < forums.length ? 'top' : 'new';
    const d = ctx.world.forum;
    const posts = sortPosts(allPosts(d, createForumState(d)).filter((p) => p.forum === forum.slug), sort);
    const author = posts[0]!.author;
    const link = sort === 'top' ? 'Top' : 'New';
    return {
      intent: sort === 'top' ? `Who wrote the highest-scoring post in the ${forum.name} forum?` : `Who wrote the most recent post in the ${forum.name} forum?`,
      startPath: '/',
      check: answerExact(author),
      meta: { forum: forum.name, sort, answer: author },
      *expert(_task, first) {
        const listing = yield* openForum(first, forum.name);
        const sorted = yield act.click(listing, { role: 'link', name: link }, `I sort the forum by ${link.toLowerCase()} so the post I need comes first.`);
        yield act.answer(listedPosts(sorted)[0]!.author, 'The first post of the sorted listing shows its author after "by".');
      },
      *wrongExpert(_task, first) {
        const listing = yield* openForum(first, forum.name);
        const rows = listedPosts(listing);
        const wrong = rows.find((r) => r.author !== author) ?? rows[0]!;
        yield act.answer(wrong.author, 'I read the author of the first post without changing the sort order.');
      },
    };
  },
};

const userPage: TaskTemplate = {
  id: 'forum.user-page', site: 'forum', kind: 'navigation', description: "Open a named user's profile page",
  size: (world, entities) => Math.min(CAP, userPool(world, entities).length),
  instantiate(ctx) {
    const user = userPool(ctx.world, ctx.entities)[ctx.index]!.username;
    return {
      intent: ctx.rng.pick([`Go to the profile page of the user ${user}.`, `Show me ${user}'s profile.`]),
      startPath: '/',
      check: urlMatch(`${ctx.urls.forum}/u/${user}`),
      meta: { user },
      *expert(_task, first) {
        const results = yield act.type(first, { role: 'searchbox', name: 'Search' }, user, 'I search for the user by name.', { enter: true });
        yield act.click(results, { role: 'link', name: user }, 'The user is listed under Users, so I open the profile.');
        yield act.answer('done', 'This is the profile page of the user.');
      },
      *wrongExpert(_task, first) {
        const results = yield act.type(first, { role: 'searchbox', name: 'Search' }, user, 'I search for the user by name.', { enter: true });
        yield act.click(results, { role: 'link', name: 'My profile' }, 'I open the profile link in the header.');
        yield act.answer('done', 'I stop on this profile page.');
      },
    };
  },
};

const forumSorted: TaskTemplate = {
  id: 'forum.forum-sorted', site: 'forum', kind: 'navigation', description: 'Open a forum sorted by top or new',
  size: (world, entities) => forumPool(world, entities).length * 2,
  instantiate(ctx) {
    const forums = forumPool(ctx.world, ctx.entities);
    const forum = forums[ctx.index % forums.length]!;
    const sort = ctx.index < forums.length ? 'top' : 'new';
    const other = sort === 'top' ? 'New' : 'Top';
    const link = sort === 'top' ? 'Top' : 'New';
    return {
      intent: sort === 'top' ? `Show me the top posts of the ${forum.name} forum.` : `Open the ${forum.name} forum with the newest posts first.`,
      startPath: '/',
      check: urlMatch(`${ctx.urls.forum}/f/${forum.slug}?sort=${sort}`),
      meta: { forum: forum.name, sort },
      *expert(_task, first) {
        const listing = yield* openForum(first, forum.name);
        yield act.click(listing, { role: 'link', name: link }, `I switch the listing to the ${link} sort.`);
        yield act.answer('done', `The ${forum.name} forum is now sorted by ${link.toLowerCase()}.`);
      },
      *wrongExpert(_task, first) {
        const listing = yield* openForum(first, forum.name);
        yield act.click(listing, { role: 'link', name: other }, `I switch the listing to the ${other} sort.`);
        yield act.answer('done', 'I stop on this sorted listing.');
      },
    };
  },
};

const authorKarma: TaskTemplate = {
  id: 'forum.author-karma', site: 'forum', kind: 'info', unseen: true, description: 'Report the karma of the author of a named post',
  size: (world, entities) => Math.min(CAP, postPool(world, entities).filter((p) => p.author !== world.forum.me).length),
  instantiate(ctx) {
    const d = ctx.world.forum;
    const post = postPool(ctx.world, ctx.entities).filter((p) => p.author !== d.me)[ctx.index]!;
    const karma = karmaOf(d, createForumState(d), post.author);
    return {
      intent: `How much karma does the author of the post "${post.title}" have?`,
      startPath: '/',
      check: answerNumber(karma),
      meta: { post: post.title, author: post.author, answer: karma },
      *expert(_task, first) {
        const page = yield* openPost(first, post.title);
        const author = postAuthor(page);
        const profile = yield act.click(page, { role: 'link', name: author }, 'The author is linked next to "Submitted by", so I open the profile.');
        const line = pageText(profile).split('\n').find((l) => l.startsWith('Karma:')) ?? '';
        yield act.answer(/Karma: ([-\d,]+)/.exec(line)?.[1] ?? '', 'The profile shows the karma at the top.');
      },
      *wrongExpert(_task, first) {
        const page = yield* openPost(first, post.title);
        yield act.answer(String(postScore(page)), "I report the post's points as the author's karma.");
      },
    };
  },
};

export const readTemplates: TaskTemplate[] = [postScoreTemplate, commentCount, topAuthor, userPage, forumSorted, authorKarma];
