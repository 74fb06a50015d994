// Shared pieces of the forum's scripted experts and task pools: reading post listings and
// post pages from observation text, the common "search for a post and open it" opening, and
// the entity pools templates draw from (sorted, split-filtered, deterministic).

import { ExpertError, act } from '../../tasks/expert.js';
import { parseObservation, pageText } from '../../tasks/observation.js';
import type { Observation } from '../../env/types.js';
import type { ExpertStep } from '../../tasks/types.js';
import { normalizeAnswer } from '../../tasks/checkers.js';
import type { World } from '../world.js';
import type { Forum, ForumComment, ForumPost, ForumUser } from './data.js';

type Entities = 'train' | 'test';

/** Posts of a split, in id order. */
export const postPool = (world: World, entities: Entities): ForumPost[] => world.forum.posts.filter((p) => p.split === entities);

/** Forums of a split, in list order. */
export const forumPool = (world: World, entities: Entities): Forum[] => world.forum.forums.filter((f) => f.split === entities);

/** Users other than the signed-in one, of a split, by name. */
export const userPool = (world: World, entities: Entities): ForumUser[] =>
  world.forum.users.filter((u) => u.split === entities && u.username !== world.forum.me).sort((a, b) => a.username.localeCompare(b.username));

/** The signed-in user's base posts of a split. */
export const myPostPool = (world: World, entities: Entities): ForumPost[] => postPool(world, entities).filter((p) => p.author === world.forum.me);

/** (post, user) pairs where a user other than the signed-in one wrote 2+ comments on the post. */
export function repeatCommenterPool(world: World, entities: Entities): Array<{ post: ForumPost; user: string; comments: ForumComment[] }> {
  const out: Array<{ post: ForumPost; user: string; comments: ForumComment[] }> = [];
  for (const post of postPool(world, entities)) {
    const by = new Map<string, ForumComment[]>();
    for (const c of post.comments) by.set(c.author, [...(by.get(c.author) ?? []), c]);
    for (const [user, comments] of [...by].sort((a, b) => a[0].localeCompare(b[0]))) {
      if (comments.length >= 2 && user !== world.forum.me) out.push({ post, user, comments });
    }
  }
  return out;
}

/** Text equality as the checkers see it (case and spacing ignored). */
export const sameText = (a: string, b: string): boolean => normalizeAnswer(a) === normalizeAnswer(b);

/** A post row of a listing: its title link and the meta line under it. */
export interface ListedPost {
  readonly title: string;
  readonly score: number;
  readonly author: string;
}

/** The posts a listing page shows, in order (a link followed by "N points · by user ..."). */
export function listedPosts(obs: Observation): ListedPost[] {
  const lines = parseObservation(obs.text);
  const out: ListedPost[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const link = lines[i]!;
    const meta = /^(-?\d+) points? · by (\S+)/.exec(lines[i + 1]!.role === 'text' ? lines[i + 1]!.name : '');
    if (link.role === 'link' && link.id !== undefined && meta) out.push({ title: link.name, score: Number(meta[1]), author: meta[2]! });
  }
  return out;
}

/** The post's score on a post page (the first standalone "N points" line). */
export function postScore(obs: Observation): number {
  const line = pageText(obs).split('\n').find((l) => /^-?\d+ points?$/.test(l));
  if (line === undefined) throw new ExpertError(`expert: no score on ${obs.url}`);
  return Number(line.split(' ')[0]);
}

/** The author link name on a post page (the link right after "Submitted by"). */
export function postAuthor(obs: Observation): string {
  const lines = parseObservation(obs.text);
  const i = lines.findIndex((l) => l.role === 'text' && l.name === 'Submitted by');
  const link = lines[i + 1];
  if (i < 0 || link?.role !== 'link') throw new ExpertError(`expert: no author on ${obs.url}`);
  return link.name;
}

/** Searches for the post title and opens the post: two steps. Use with `yield*`. */
export function* openPost(first: Observation, title: string): Generator<ExpertStep, Observation, Observation> {
  const results = yield act.type(first, { role: 'searchbox', name: 'Search' }, title, 'I search the forum for the post by its title.', { enter: true });
  return yield act.click(results, { role: 'link', name: title }, 'The post is among the results, so I open it.');
}

/** Goes from any page to a forum's listing through the forum list: two steps. */
export function* openForum(first: Observation, forumName: string): Generator<ExpertStep, Observation, Observation> {
  const forums = yield act.click(first, { role: 'link', name: 'Forums' }, 'I open the list of all forums.');
  return yield act.click(forums, { role: 'link', name: forumName }, `I open the ${forumName} forum.`);
}
