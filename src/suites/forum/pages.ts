// HTML pages of the forum site ("Commons", a Reddit/Postmill-like board): layout, post
// listings, post page with comment thread and vote buttons, reply/edit/submit forms, forums,
// subscriptions, user profiles and search. Compact by design: lists are paginated at 10 rows.

import { documentHtml, esc, paginate, pager, withQuery } from '../framework/html.js';
import type { ForumData, ForumState } from './data.js';
import { commentsOf, subscriberCount, type CommentView, type PostView, type SortKey } from './model.js';

const CSS = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c1c1c;background:#eef1f4;line-height:1.4}
a{color:#1a5fb4;text-decoration:none}a:hover{text-decoration:underline}
header.top{display:flex;align-items:center;gap:18px;padding:10px 24px;background:#22344a;color:#fff;flex-wrap:wrap}
header.top a{color:#fff}header.top .logo{font-weight:700;font-size:20px}
header.top nav{display:flex;gap:14px}
header.top form{display:flex;gap:4px;margin-left:auto}
header.top input{padding:5px 8px;border:0;border-radius:3px}
header.top button{padding:5px 10px;border:0;border-radius:3px;background:#f6c343;font-weight:600}
.me{font-size:13px;opacity:.85}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap}
main{max-width:900px;margin:0 auto;padding:18px 24px 40px}
h1{font-size:22px;margin:4px 0 8px}h2{font-size:17px;margin:18px 0 8px}
ul.list{list-style:none;padding:0;margin:0}
ul.list li{background:#fff;border:1px solid #d8dee4;border-radius:4px;padding:8px 12px;margin-bottom:6px}
.meta{color:#5c6670;font-size:13px}
.sorts{display:flex;gap:12px;margin:8px 0;font-size:14px}.sorts strong{color:#1c1c1c}
.post{background:#fff;border:1px solid #d8dee4;border-radius:4px;padding:12px 16px}
.votes{display:flex;align-items:center;gap:8px;margin:8px 0}
form.inline{display:inline}
button.vote{border:1px solid #c5ccd3;background:#f7f9fa;border-radius:3px;cursor:pointer;padding:1px 7px}
button.vote[aria-pressed=true]{background:#ff8b60;color:#fff}
.c{background:#fff;border-left:3px solid #d8dee4;padding:6px 10px;margin:6px 0}
.c p{margin:3px 0}
.acts{display:flex;gap:8px;align-items:center;font-size:13px}
form.stack{display:grid;gap:6px;max-width:560px}
form.stack input,form.stack textarea,form.stack select{padding:6px;font:inherit;border:1px solid #b9c2cb;border-radius:3px}
.btn{padding:6px 14px;border:0;border-radius:3px;background:#1a5fb4;color:#fff;font-weight:600;cursor:pointer}
.error{background:#fde8e8;color:#8a1f1f;padding:8px 12px;border-radius:4px}
.pager{margin-top:10px;display:flex;gap:12px}
`;

/** Base date of `minute` values. */
const EPOCH = Date.UTC(2025, 0, 1);
export const dateOf = (minute: number): string => new Date(EPOCH + minute * 60_000).toISOString().slice(0, 10);

export const postPath = (p: { forum: string; id: number }): string => `/f/${p.forum}/${p.id}`;
const points = (n: number): string => `${n} point${n === 1 || n === -1 ? '' : 's'}`;

export function layout(data: ForumData, title: string, body: string, query = ''): string {
  return documentHtml(
    `${title} — ${data.name}`,
    CSS,
    `<header class="top"><a class="logo" href="/">${esc(data.name)}</a>
<nav aria-label="Main"><a href="/forums">Forums</a><a href="/subscriptions">My subscriptions</a><a href="/submit">Submit a post</a><a href="/u/${esc(data.me)}">My profile</a></nav>
<form role="search" action="/search" method="get"><label class="sr-only" for="q">Search</label><input id="q" name="q" type="search" value="${esc(query)}"><button type="submit">Search</button></form>
<span class="me">Signed in as ${esc(data.me)}</span></header>
<main>${body}</main>`,
  );
}

/** A list of posts: title link and one meta line; `withForum` adds the forum name. */
export function postList(data: ForumData, posts: readonly PostView[], withForum: boolean): string {
  if (posts.length === 0) return '<p>No posts yet.</p>';
  const rows = posts.map((p) => {
    const forum = withForum ? ` · in ${esc(data.forumBySlug.get(p.forum)?.name ?? p.forum)}` : '';
    const n = p.commentCount;
    return `<li><a href="${postPath(p)}">${esc(p.title)}</a><div class="meta">${points(p.score)} · by ${esc(p.author)}${forum} · ${n} comment${n === 1 ? '' : 's'} · ${dateOf(p.minute)}</div></li>`;
  });
  return `<ul class="list">${rows.join('')}</ul>`;
}

function sortLinks(base: string, sort: SortKey): string {
  const names: Record<SortKey, string> = { hot: 'Hot', new: 'New', top: 'Top' };
  const items = (['hot', 'new', 'top'] as const).map((s) => (s === sort ? `<strong>${names[s]}</strong>` : `<a href="${esc(s === 'hot' ? base : withQuery(base, { sort: s }))}">${names[s]}</a>`));
  return `<div class="sorts" aria-label="Sort">Sort by: ${items.join(' ')}</div>`;
}

/** A paginated, sorted listing page body. */
export function listing(data: ForumData, base: string, sorted: readonly PostView[], sort: SortKey, page: number, withForum: boolean): string {
  const pg = paginate(sorted, page, 10);
  const href = (n: number): string => withQuery(base, { sort: sort === 'hot' ? undefined : sort, page: n > 1 ? n : undefined });
  return `${sortLinks(base, sort)}${postList(data, pg.items, withForum)}${pager(pg.page, pg.pages, href)}`;
}

function subscribeForm(data: ForumData, state: ForumState, slug: string, back: string): string {
  const on = state.subscriptions.includes(slug);
  const name = data.forumBySlug.get(slug)?.name ?? slug;
  return `<form class="inline" method="post" action="/f/${esc(slug)}/subscribe"><input type="hidden" name="action" value="${on ? 'unsubscribe' : 'subscribe'}"><input type="hidden" name="back" value="${esc(back)}"><button type="submit" aria-label="${on ? 'Unsubscribe from' : 'Subscribe to'} ${esc(name)}">${on ? 'Unsubscribe' : 'Subscribe'}</button></form>`;
}

export function forumPage(data: ForumData, state: ForumState, slug: string, sorted: readonly PostView[], sort: SortKey, page: number, back: string): string {
  const f = data.forumBySlug.get(slug)!;
  const head = `<h1>${esc(f.name)}</h1><p class="meta">${esc(f.description)} · ${subscriberCount(data, state, slug).toLocaleString('en-US')} subscribers</p>
<div class="acts">${subscribeForm(data, state, slug, back)} <a href="/submit?forum=${esc(slug)}">New post in ${esc(f.name)}</a></div>`;
  return layout(data, f.name, head + listing(data, `/f/${slug}`, sorted, sort, page, false));
}

export function forumsPage(data: ForumData, state: ForumState, only?: readonly string[]): string {
  const forums = only ? data.forums.filter((f) => only.includes(f.slug)) : data.forums;
  const rows = forums.map((f) => `<li><a href="/f/${f.slug}">${esc(f.name)}</a> ${subscribeForm(data, state, f.slug, only ? '/subscriptions' : '/forums')}<div class="meta">${esc(f.description)} · ${subscriberCount(data, state, f.slug).toLocaleString('en-US')} subscribers</div></li>`);
  const title = only ? 'My subscriptions' : 'All forums';
  const empty = only && forums.length === 0 ? '<p>You are not subscribed to any forum. <a href="/forums">Browse forums</a></p>' : '';
  return layout(data, title, `<h1>${title}</h1>${empty}<ul class="list">${rows.join('')}</ul>`);
}

function voteButtons(action: string, vote: number, what: string): [string, string] {
  const button = (dir: 'up' | 'down', label: string, glyph: string, pressed: boolean): string =>
    `<form class="inline" method="post" action="${esc(action)}"><input type="hidden" name="dir" value="${dir}"><button class="vote" type="submit" aria-pressed="${pressed}" aria-label="${esc(label)}">${glyph}</button></form>`;
  return [button('up', `Upvote ${what}`, '▲', vote === 1), button('down', `Downvote ${what}`, '▼', vote === -1)];
}

function commentItem(post: PostView, c: CommentView): string {
  const [up, down] = voteButtons(`${postPath(post)}/comment/${c.id}/vote`, c.vote, `comment by ${c.author}`);
  return `<li class="c" id="c${c.id}" style="margin-left:${Math.min(c.depth, 4) * 22}px"><div class="meta"><a href="/u/${esc(c.author)}">${esc(c.author)}</a> ${points(c.score)}</div><p>${esc(c.body)}</p>
<div class="acts">${up}${down}<a href="${postPath(post)}/reply/${c.id}" aria-label="Reply to ${esc(c.author)}">Reply</a></div></li>`;
}

export function postPage(data: ForumData, state: ForumState, post: PostView): string {
  const forum = data.forumBySlug.get(post.forum)!;
  const comments = commentsOf(data, state, post.id);
  const [up, down] = voteButtons(`${postPath(post)}/vote`, post.vote, 'post');
  const edit = post.author === data.me ? ` <a href="${postPath(post)}/edit">Edit post</a>` : '';
  const n = comments.length;
  const body = `<article class="post"><h1>${esc(post.title)}</h1>
<div class="meta">Submitted by <a href="/u/${esc(post.author)}">${esc(post.author)}</a> on ${dateOf(post.minute)} in <a href="/f/${forum.slug}">${esc(forum.name)}</a>${post.edited ? ' (edited)' : ''}</div>
<p>${esc(post.body)}</p><div class="votes">${up}<span>${points(post.score)}</span>${down}${edit}</div></article>
<h2>${n} comment${n === 1 ? '' : 's'}</h2><ul class="list">${comments.map((c) => commentItem(post, c)).join('')}</ul>
<form class="stack" method="post" action="${postPath(post)}/comment"><label for="body">Comment</label><textarea id="body" name="body" rows="3" required></textarea><button class="btn" type="submit">Post comment</button></form>`;
  return layout(data, post.title, body);
}

export function replyPage(data: ForumData, post: PostView, c: CommentView): string {
  const body = `<p class="meta">On <a href="${postPath(post)}">${esc(post.title)}</a></p><h1>Reply to ${esc(c.author)}</h1>
<blockquote>${esc(c.body)}</blockquote>
<form class="stack" method="post" action="${postPath(post)}/comment"><input type="hidden" name="parent" value="${c.id}"><label for="body">Reply</label><textarea id="body" name="body" rows="3" required></textarea><button class="btn" type="submit">Post reply</button></form>
<p><a href="${postPath(post)}">Cancel</a></p>`;
  return layout(data, `Reply to ${c.author}`, body);
}

export function editPage(data: ForumData, post: PostView): string {
  const body = `<h1>Edit post</h1><form class="stack" method="post" action="${postPath(post)}/edit">
<label for="title">Title</label><input id="title" name="title" type="text" required value="${esc(post.title)}">
<label for="body">Body</label><textarea id="body" name="body" rows="5">${esc(post.body)}</textarea>
<button class="btn" type="submit">Save changes</button></form><p><a href="${postPath(post)}">Cancel</a></p>`;
  return layout(data, 'Edit post', body);
}

export function submitPage(data: ForumData, forum: string, values: { title: string; body: string }, error = ''): string {
  const options = data.forums.map((f) => `<option value="${f.slug}"${f.slug === forum ? ' selected' : ''}>${esc(f.name)}</option>`).join('');
  const body = `<h1>Submit a post</h1>${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}<form class="stack" method="post" action="/submit">
<label for="forum">Forum</label><select id="forum" name="forum"><option value=""${forum ? '' : ' selected'}>Choose a forum</option>${options}</select>
<label for="title">Title</label><input id="title" name="title" type="text" required value="${esc(values.title)}">
<label for="body">Body</label><textarea id="body" name="body" rows="5">${esc(values.body)}</textarea>
<button class="btn" type="submit">Create post</button></form>`;
  return layout(data, 'Submit a post', body);
}

export function userPage(data: ForumData, username: string, karma: number, joined: string, tab: 'posts' | 'comments', nPosts: number, nComments: number, list: string): string {
  const u = esc(username);
  const tabs = tab === 'posts'
    ? `<strong>Posts (${nPosts})</strong> <a href="/u/${u}/comments">Comments (${nComments})</a>`
    : `<a href="/u/${u}">Posts (${nPosts})</a> <strong>Comments (${nComments})</strong>`;
  const body = `<h1>${u}</h1><p>Karma: ${karma.toLocaleString('en-US')} · joined ${esc(joined)}</p><div class="sorts">${tabs}</div>${list}`;
  return layout(data, username, body);
}

export function userCommentList(comments: ReadonlyArray<CommentView & { postTitle: string; forum: string }>, page: number, base: string): string {
  if (comments.length === 0) return '<p>No comments yet.</p>';
  const pg = paginate(comments, page, 10);
  const rows = pg.items.map((c) => `<li><div class="meta">${points(c.score)} · on <a href="/f/${c.forum}/${c.postId}#c${c.id}">${esc(c.postTitle)}</a></div><p>${esc(c.body)}</p></li>`);
  return `<ul class="list">${rows.join('')}</ul>${pager(pg.page, pg.pages, (n) => withQuery(base, { page: n > 1 ? n : undefined }))}`;
}

export function searchPage(data: ForumData, q: string, forums: readonly string[], users: readonly string[], postsHtml: string, nPosts: number): string {
  if (!q) return layout(data, 'Search', '<h1>Search</h1><p>Type a forum, user or post title into the search box.</p>');
  const f = forums.length ? `<h2>Forums</h2><ul class="list">${forums.map((s) => `<li><a href="/f/${s}">${esc(data.forumBySlug.get(s)!.name)}</a></li>`).join('')}</ul>` : '';
  const u = users.length ? `<h2>Users</h2><ul class="list">${users.slice(0, 8).map((n) => `<li><a href="/u/${esc(n)}">${esc(n)}</a></li>`).join('')}</ul>` : '';
  const body = `<h1>Results for “${esc(q)}”</h1>${f}${u}<h2>Posts (${nPosts})</h2>${postsHtml}`;
  return layout(data, `Search: ${q}`, body, q);
}
