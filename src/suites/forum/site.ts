// The forum site ("Commons", a Reddit/Postmill-like board): routes over the seeded forum data
// and the session state. Forms POST and redirect (PRG); no JavaScript is needed anywhere.

import { pageParam, paginate, pager, withQuery } from '../framework/html.js';
import type { RequestContext, RouteResult, SiteDefinition } from '../framework/site.js';
import type { World } from '../world.js';
import { createForumState, type ForumState } from './data.js';
import { allPosts, commentView, karmaOf, postView, sortPosts, userActivity, type SortKey } from './model.js';
import { editPage, forumPage, forumsPage, layout, listing, postList, postPage, postPath, replyPage, searchPage, submitPage, userCommentList, userPage } from './pages.js';

type Ctx = RequestContext<World, ForumState>;

const notFound = (ctx: Ctx, what: string): RouteResult => ({ html: layout(ctx.world.forum, 'Not found', `<h1>Not found</h1><p>${what} does not exist.</p><p><a href="/forums">All forums</a></p>`), status: 404 });

function sortOf(ctx: Ctx): SortKey {
  const s = ctx.query.get('sort');
  return s === 'new' || s === 'top' ? s : 'hot';
}

/** The post of `/f/:forum/:id`, when the forum matches. */
function postOf(ctx: Ctx) {
  const p = postView(ctx.world.forum, ctx.state, Number(ctx.params['id']));
  return p && p.forum === ctx.params['forum'] ? p : undefined;
}

const safeBack = (back: string | null, fallback: string): string => (back && back.startsWith('/') && !back.startsWith('//') ? back : fallback);

function vote(votes: Record<string, 1 | -1>, id: number, dir: string | null): void {
  const want = dir === 'down' ? -1 : 1;
  if (votes[id] === want) delete votes[id];
  else votes[id] = want;
}

export const forumSite: SiteDefinition<World, ForumState> = {
  name: 'forum',
  createState: (world) => createForumState(world.forum),
  routes: [
    {
      method: 'GET', path: '/',
      handle(ctx) {
        const d = ctx.world.forum;
        const subs = ctx.state.subscriptions;
        const posts = sortPosts(allPosts(d, ctx.state).filter((p) => subs.includes(p.forum)), sortOf(ctx));
        const intro = `<h1>Your front page</h1><p class="meta">Posts from your ${subs.length} subscribed forums.</p>`;
        return { html: layout(d, 'Front page', intro + listing(d, '/', posts, sortOf(ctx), pageParam(ctx.query), true)) };
      },
    },
    { method: 'GET', path: '/forums', handle: (ctx) => ({ html: forumsPage(ctx.world.forum, ctx.state) }) },
    { method: 'GET', path: '/subscriptions', handle: (ctx) => ({ html: forumsPage(ctx.world.forum, ctx.state, ctx.world.forum.forums.map((f) => f.slug).filter((s) => ctx.state.subscriptions.includes(s))) }) },
    {
      method: 'GET', path: '/f/:forum',
      handle(ctx) {
        const d = ctx.world.forum;
        const slug = ctx.params['forum']!;
        if (!d.forumBySlug.has(slug)) return notFound(ctx, `The forum ${slug}`);
        const posts = sortPosts(allPosts(d, ctx.state).filter((p) => p.forum === slug), sortOf(ctx));
        return { html: forumPage(d, ctx.state, slug, posts, sortOf(ctx), pageParam(ctx.query), ctx.url.pathname + ctx.url.search) };
      },
    },
    {
      method: 'POST', path: '/f/:forum/subscribe',
      handle(ctx) {
        const slug = ctx.params['forum']!;
        if (!ctx.world.forum.forumBySlug.has(slug)) return notFound(ctx, `The forum ${slug}`);
        const subs = ctx.state.subscriptions;
        const on = subs.includes(slug);
        if (ctx.form.get('action') === 'unsubscribe') {
          if (on) subs.splice(subs.indexOf(slug), 1);
        } else if (!on) subs.push(slug);
        return { redirect: safeBack(ctx.form.get('back'), `/f/${slug}`) };
      },
    },
    {
      method: 'GET', path: '/f/:forum/:id',
      handle(ctx) {
        const p = postOf(ctx);
        return p ? { html: postPage(ctx.world.forum, ctx.state, p) } : notFound(ctx, 'That post');
      },
    },
    {
      method: 'POST', path: '/f/:forum/:id/vote',
      handle(ctx) {
        const p = postOf(ctx);
        if (!p) return notFound(ctx, 'That post');
        vote(ctx.state.postVotes, p.id, ctx.form.get('dir'));
        return { redirect: postPath(p) };
      },
    },
    {
      method: 'POST', path: '/f/:forum/:id/comment/:cid/vote',
      handle(ctx) {
        const p = postOf(ctx);
        const c = commentView(ctx.world.forum, ctx.state, Number(ctx.params['cid']));
        if (!p || !c || c.postId !== p.id) return notFound(ctx, 'That comment');
        vote(ctx.state.commentVotes, c.id, ctx.form.get('dir'));
        return { redirect: `${postPath(p)}#c${c.id}` };
      },
    },
    {
      method: 'GET', path: '/f/:forum/:id/reply/:cid',
      handle(ctx) {
        const p = postOf(ctx);
        const c = commentView(ctx.world.forum, ctx.state, Number(ctx.params['cid']));
        if (!p || !c || c.postId !== p.id) return notFound(ctx, 'That comment');
        return { html: replyPage(ctx.world.forum, p, c) };
      },
    },
    {
      method: 'POST', path: '/f/:forum/:id/comment',
      handle(ctx) {
        const p = postOf(ctx);
        if (!p) return notFound(ctx, 'That post');
        const body = (ctx.form.get('body') ?? '').trim();
        if (!body) return { redirect: postPath(p) };
        const parentRaw = ctx.form.get('parent');
        const parent = parentRaw ? commentView(ctx.world.forum, ctx.state, Number(parentRaw)) : undefined;
        const id = ctx.state.nextCommentId++;
        ctx.state.newComments.push({ id, postId: p.id, parentId: parent && parent.postId === p.id ? parent.id : null, author: ctx.world.forum.me, body: body.slice(0, 2000) });
        return { redirect: `${postPath(p)}#c${id}` };
      },
    },
    {
      method: 'GET', path: '/f/:forum/:id/edit',
      handle(ctx) {
        const p = postOf(ctx);
        if (!p || p.author !== ctx.world.forum.me) return notFound(ctx, 'An editable post there');
        return { html: editPage(ctx.world.forum, p) };
      },
    },
    {
      method: 'POST', path: '/f/:forum/:id/edit',
      handle(ctx) {
        const p = postOf(ctx);
        if (!p || p.author !== ctx.world.forum.me) return notFound(ctx, 'An editable post there');
        const title = (ctx.form.get('title') ?? '').trim() || p.title;
        ctx.state.edits[p.id] = { title: title.slice(0, 300), body: (ctx.form.get('body') ?? '').trim().slice(0, 5000) };
        return { redirect: postPath(p) };
      },
    },
    {
      method: 'GET', path: '/submit',
      handle(ctx) {
        const f = ctx.query.get('forum') ?? '';
        return { html: submitPage(ctx.world.forum, ctx.world.forum.forumBySlug.has(f) ? f : '', { title: '', body: '' }) };
      },
    },
    {
      method: 'POST', path: '/submit',
      handle(ctx) {
        const d = ctx.world.forum;
        const forum = ctx.form.get('forum') ?? '';
        const title = (ctx.form.get('title') ?? '').trim();
        const body = (ctx.form.get('body') ?? '').trim();
        if (!d.forumBySlug.has(forum) || !title) {
          return { html: submitPage(d, d.forumBySlug.has(forum) ? forum : '', { title, body }, !title ? 'Please give the post a title.' : 'Please choose a forum.'), status: 400 };
        }
        const id = ctx.state.nextPostId++;
        ctx.state.newPosts.push({ id, forum, title: title.slice(0, 300), body: body.slice(0, 5000), author: d.me, minute: 262_000 + ctx.state.newPosts.length });
        return { redirect: `/f/${forum}/${id}` };
      },
    },
    {
      method: 'GET', path: '/u/:user',
      handle(ctx) {
        const d = ctx.world.forum;
        const u = d.userByName.get(ctx.params['user']!);
        if (!u) return notFound(ctx, `The user ${ctx.params['user']!}`);
        const { posts, comments } = userActivity(d, ctx.state, u.username);
        const pg = paginate(posts, pageParam(ctx.query), 10);
        const list = (posts.length ? postList(d, pg.items, true) : '<p>No posts yet.</p>') + pager(pg.page, pg.pages, (n) => withQuery(`/u/${u.username}`, { page: n > 1 ? n : undefined }));
        return { html: userPage(d, u.username, karmaOf(d, ctx.state, u.username), u.joined, 'posts', posts.length, comments.length, list) };
      },
    },
    {
      method: 'GET', path: '/u/:user/comments',
      handle(ctx) {
        const d = ctx.world.forum;
        const u = d.userByName.get(ctx.params['user']!);
        if (!u) return notFound(ctx, `The user ${ctx.params['user']!}`);
        const { posts, comments } = userActivity(d, ctx.state, u.username);
        const list = userCommentList(comments, pageParam(ctx.query), `/u/${u.username}/comments`);
        return { html: userPage(d, u.username, karmaOf(d, ctx.state, u.username), u.joined, 'comments', posts.length, comments.length, list) };
      },
    },
    {
      method: 'GET', path: '/search',
      handle(ctx) {
        const d = ctx.world.forum;
        const q = (ctx.query.get('q') ?? '').trim();
        const needle = q.toLowerCase();
        if (!needle) return { html: searchPage(d, '', [], [], '', 0) };
        const forums = d.forums.filter((f) => f.name.toLowerCase().includes(needle)).map((f) => f.slug);
        const users = d.users.filter((u) => u.username.includes(needle)).map((u) => u.username);
        const posts = sortPosts(allPosts(d, ctx.state).filter((p) => p.title.toLowerCase().includes(needle)), 'top');
        const pg = paginate(posts, pageParam(ctx.query), 10);
        const html = postList(d, pg.items, true) + pager(pg.page, pg.pages, (n) => withQuery('/search', { q, page: n > 1 ? n : undefined }));
        return { html: searchPage(d, q, forums, users, html, posts.length) };
      },
    },
  ],
  notFound: (ctx) => notFound(ctx, 'That page'),
};
