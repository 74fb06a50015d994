// The forum as a session sees it: base data merged with the session state (edits, new posts and
// comments, the signed-in user's votes), plus sorting, karma and search. Shared by the pages and
// the task checkers so both agree on what the site shows.

import type { ForumData, ForumState } from './data.js';

/** A post as shown: current title/body and score. */
export interface PostView {
  readonly id: number;
  readonly forum: string;
  readonly title: string;
  readonly body: string;
  readonly author: string;
  readonly score: number;
  readonly minute: number;
  readonly commentCount: number;
  /** The signed-in user's vote (0 = none). */
  readonly vote: number;
  readonly edited: boolean;
}

export interface CommentView {
  readonly id: number;
  readonly postId: number;
  readonly parentId: number | null;
  readonly author: string;
  readonly body: string;
  readonly score: number;
  readonly vote: number;
  readonly depth: number;
}

export type SortKey = 'hot' | 'new' | 'top';
export const SORTS: readonly SortKey[] = ['hot', 'new', 'top'];

/** Minutes of the reference "now" (newest base posts are a little older). */
const NOW_MINUTE = 262_000;

function newCommentsOf(state: ForumState, postId: number): ForumState['newComments'] {
  return state.newComments.filter((c) => c.postId === postId);
}

/** The post with `id` as shown in this session, or undefined. */
export function postView(data: ForumData, state: ForumState, id: number): PostView | undefined {
  const base = data.postById.get(id);
  const vote = state.postVotes[id] ?? 0;
  if (base) {
    const edit = state.edits[id];
    return {
      id, forum: base.forum, title: edit?.title ?? base.title, body: edit?.body ?? base.body, author: base.author,
      score: base.score + vote, minute: base.minute, commentCount: base.comments.length + newCommentsOf(state, id).length, vote, edited: edit !== undefined,
    };
  }
  const p = state.newPosts.find((x) => x.id === id);
  if (!p) return undefined;
  const edit = state.edits[id];
  return { id, forum: p.forum, title: edit?.title ?? p.title, body: edit?.body ?? p.body, author: p.author, score: 1 + vote, minute: p.minute, commentCount: newCommentsOf(state, id).length, vote, edited: edit !== undefined };
}

/** Every post (base then new) as shown. */
export function allPosts(data: ForumData, state: ForumState): PostView[] {
  const ids = [...data.posts.map((p) => p.id), ...state.newPosts.map((p) => p.id)];
  return ids.map((id) => postView(data, state, id)!);
}

function hotness(p: PostView): number {
  const hours = Math.max(0, NOW_MINUTE - p.minute) / 60;
  return (p.score + 1) / Math.pow(hours / 24 + 2, 1.5);
}

export function sortPosts(posts: PostView[], sort: SortKey): PostView[] {
  const out = [...posts];
  if (sort === 'new') out.sort((a, b) => b.minute - a.minute || a.id - b.id);
  else if (sort === 'top') out.sort((a, b) => b.score - a.score || a.id - b.id);
  else out.sort((a, b) => hotness(b) - hotness(a) || a.id - b.id);
  return out;
}

/** Comments of a post in thread order (each reply right after its parent's subtree). */
export function commentsOf(data: ForumData, state: ForumState, postId: number): CommentView[] {
  const base = data.postById.get(postId)?.comments ?? [];
  const flat = [
    ...base.map((c) => ({ id: c.id, postId, parentId: c.parentId, author: c.author, body: c.body, score: c.score })),
    ...newCommentsOf(state, postId).map((c) => ({ id: c.id, postId, parentId: c.parentId, author: c.author, body: c.body, score: 1 })),
  ];
  const children = new Map<number | null, typeof flat>();
  for (const c of flat) {
    const parent = c.parentId !== null && flat.some((x) => x.id === c.parentId) ? c.parentId : null;
    const list = children.get(parent) ?? [];
    list.push(c);
    children.set(parent, list);
  }
  const out: CommentView[] = [];
  const walk = (parent: number | null, depth: number): void => {
    for (const c of children.get(parent) ?? []) {
      const vote = state.commentVotes[c.id] ?? 0;
      out.push({ ...c, score: c.score + vote, vote, depth });
      walk(c.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** One comment as shown, with the post it belongs to. */
export function commentView(data: ForumData, state: ForumState, id: number): CommentView | undefined {
  const base = data.commentById.get(id);
  const postId = base?.postId ?? state.newComments.find((c) => c.id === id)?.postId;
  if (postId === undefined) return undefined;
  return commentsOf(data, state, postId).find((c) => c.id === id);
}

/** Posts and comments by `username`, newest posts first. */
export function userActivity(data: ForumData, state: ForumState, username: string): { posts: PostView[]; comments: Array<CommentView & { postTitle: string; forum: string }> } {
  const posts = sortPosts(allPosts(data, state).filter((p) => p.author === username), 'new');
  const comments: Array<CommentView & { postTitle: string; forum: string }> = [];
  for (const p of data.posts) {
    if (!p.comments.some((c) => c.author === username) && !state.newComments.some((c) => c.postId === p.id && c.author === username)) continue;
    const view = postView(data, state, p.id)!;
    for (const c of commentsOf(data, state, p.id)) if (c.author === username) comments.push({ ...c, postTitle: view.title, forum: p.forum });
  }
  for (const np of state.newPosts) {
    for (const c of commentsOf(data, state, np.id)) if (c.author === username) comments.push({ ...c, postTitle: postView(data, state, np.id)!.title, forum: np.forum });
  }
  return { posts, comments };
}

/** Sum of the scores of the user's posts and comments, as shown. */
export function karmaOf(data: ForumData, state: ForumState, username: string): number {
  const { posts, comments } = userActivity(data, state, username);
  return posts.reduce((s, p) => s + p.score, 0) + comments.reduce((s, c) => s + c.score, 0);
}

/** Subscriber count shown for a forum. */
export function subscriberCount(data: ForumData, state: ForumState, slug: string): number {
  const f = data.forumBySlug.get(slug);
  return (f?.subscribers ?? 0) + (state.subscriptions.includes(slug) ? 1 : 0);
}
