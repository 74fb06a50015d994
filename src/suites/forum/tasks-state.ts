// State-changing templates of the forum site: vote on a post, subscribe/unsubscribe, reply to a
// post, create a post, edit your post's title, upvote or reply to every comment of a user on a
// post; and the held-out (unseen) "downvote the lowest-scored post of a forum".

import { stateMatch } from '../../tasks/checkers.js';
import type { Observation } from '../../env/types.js';
import { act, hasElement, seek } from '../../tasks/expert.js';
import { findAll } from '../../tasks/observation.js';
import type { ExpertStep } from '../../tasks/types.js';
import type { TaskTemplate } from '../template.js';
import { ADJECTIVES, NATURE, THINGS, MATERIALS } from '../words.js';
import { createForumState, type ForumState } from './data.js';
import { forumPool, listedPosts, myPostPool, openForum, openPost, postPool, repeatCommenterPool, sameText } from './experts.js';
import { allPosts, sortPosts } from './model.js';

const CAP = 150;
const REPLIES = ['Thanks for sharing this!', 'Great tips, I will try them this weekend.', 'Could you post an update later?', 'This was really helpful.', 'I had the same experience.', 'Nice work, looks great.'];
const NEXT = { role: 'link', name: 'Next page' } as const;

const upvotePost: TaskTemplate = {
  id: 'forum.upvote-post', site: 'forum', kind: 'state', description: 'Upvote a named post',
  size: (world, entities) => Math.min(CAP, postPool(world, entities).length),
  instantiate(ctx) {
    const post = postPool(ctx.world, ctx.entities)[ctx.index]!;
    return {
      intent: ctx.rng.pick([`Upvote the post "${post.title}".`, `Give the post "${post.title}" an upvote.`]),
      startPath: '/',
      check: stateMatch<ForumState>(`post ${post.id} upvoted`, (s) => s.postVotes[post.id] === 1 || `post ${post.id} vote is ${s.postVotes[post.id] ?? 'none'}`),
      meta: { post: post.title },
      *expert(_task, first) {
        const page = yield* openPost(first, post.title);
        yield act.click(page, { role: 'button', name: 'Upvote post' }, 'I click the up arrow of the post.');
        yield act.answer('done', 'The post is upvoted.');
      },
      *wrongExpert(_task, first) {
        const page = yield* openPost(first, post.title);
        const forumName = ctx.world.forum.forumBySlug.get(post.forum)!.name;
        const listing = yield act.click(page, { role: 'link', name: forumName }, 'I go to the forum the post is in.');
        const other = listedPosts(listing).find((p) => p.title !== post.title)!;
        const wrong = yield act.click(listing, { role: 'link', name: other.title }, 'I open the first post of the forum.');
        yield act.click(wrong, { role: 'button', name: 'Upvote post' }, 'I click the up arrow of this post.');
        yield act.answer('done', 'A post is upvoted.');
      },
    };
  },
};

const subscription: TaskTemplate = {
  id: 'forum.subscription', site: 'forum', kind: 'state', description: 'Subscribe to or unsubscribe from a named forum',
  size: (world, entities) => forumPool(world, entities).length,
  instantiate(ctx) {
    const forums = forumPool(ctx.world, ctx.entities);
    const forum = forums[ctx.index]!;
    const on = ctx.world.forum.initialSubscriptions.includes(forum.slug);
    const button = on ? `Unsubscribe from ${forum.name}` : `Subscribe to ${forum.name}`;
    const all = ctx.world.forum.forums;
    const neighbour = all[(all.indexOf(forum) + 1) % all.length]!;
    return {
      intent: on ? `Unsubscribe from the ${forum.name} forum.` : `Subscribe to the ${forum.name} forum.`,
      startPath: '/',
      check: stateMatch<ForumState>(`${on ? 'not ' : ''}subscribed to ${forum.slug}`, (s) => s.subscriptions.includes(forum.slug) !== on || `subscriptions are ${s.subscriptions.join(', ')}`),
      meta: { forum: forum.name, subscribe: !on },
      *expert(_task, first) {
        const forumsPage = yield act.click(first, { role: 'link', name: 'Forums' }, 'The forum list has a subscription button per forum.');
        yield act.click(forumsPage, { role: 'button', name: button }, `I click "${button}".`);
        yield act.answer('done', `The ${forum.name} subscription is changed.`);
      },
      *wrongExpert(_task, first) {
        const forumsPage = yield act.click(first, { role: 'link', name: 'Forums' }, 'The forum list has a subscription button per forum.');
        yield act.click(forumsPage, { role: 'button', name: new RegExp(`^(Subscribe to|Unsubscribe from) ${neighbour.name}$`) }, 'I click the subscription button on the next row.');
        yield act.answer('done', 'The subscription is changed.');
      },
    };
  },
};

const replyPost: TaskTemplate = {
  id: 'forum.reply-post', site: 'forum', kind: 'state', description: 'Reply to a named post with a given comment',
  size: (world, entities) => Math.min(CAP, postPool(world, entities).length),
  instantiate(ctx) {
    const post = postPool(ctx.world, ctx.entities)[ctx.index]!;
    const text = ctx.rng.pick(REPLIES);
    return {
      intent: `Reply to the post "${post.title}" with the comment "${text}"`,
      startPath: '/',
      check: stateMatch<ForumState>('the reply is saved', (s) => s.newComments.some((c) => c.postId === post.id && c.parentId === null && sameText(c.body, text)) || 'no such top-level comment on the post'),
      meta: { post: post.title, text },
      *expert(_task, first) {
        const page = yield* openPost(first, post.title);
        const typed = yield act.type(page, { role: 'textbox', name: 'Comment' }, text, 'I write the reply in the comment box under the post.');
        yield act.click(typed, { role: 'button', name: 'Post comment' }, 'I submit the comment.');
        yield act.answer('done', 'The reply is posted.');
      },
      *wrongExpert(_task, first) {
        const page = yield* openPost(first, post.title);
        yield act.type(page, { role: 'textbox', name: 'Comment' }, text, 'I write the reply in the comment box under the post.');
        yield act.answer('done', 'I consider the reply written.');
      },
    };
  },
};

const TITLE_PATTERNS = [
  (f: string, w: string, n: string) => `Looking for advice on ${f} near ${n} ${w}`,
  (f: string, w: string, n: string) => `Show and tell: my ${w.toLowerCase()} ${f} setup at ${n}`,
  (f: string, w: string, n: string) => `${n} ${f} group: who wants to join?`,
  (f: string, w: string) => `First time trying ${f} with a ${w.toLowerCase()}`,
  (f: string, w: string, n: string) => `Weekly ${f} thread from ${n} ${w}`,
  (f: string, w: string) => `Which ${w.toLowerCase()} do you use for ${f}?`,
];

const createPost: TaskTemplate = {
  id: 'forum.create-post', site: 'forum', kind: 'state', description: 'Create a post with a title and body in a named forum',
  size: (world, entities) => forumPool(world, entities).length * TITLE_PATTERNS.length * 2,
  instantiate(ctx) {
    const forums = forumPool(ctx.world, ctx.entities);
    const forum = forums[ctx.index % forums.length]!;
    const k = Math.floor(ctx.index / forums.length);
    const word = k % 2 === 0 ? ctx.rng.pick(THINGS) : `${ctx.rng.pick(MATERIALS)} ${ctx.rng.pick(THINGS)}`;
    const title = TITLE_PATTERNS[Math.floor(k / 2) % TITLE_PATTERNS.length]!(forum.name.toLowerCase(), word, ctx.rng.pick(NATURE));
    const body = `${ctx.rng.pick(ADJECTIVES)} ideas welcome. I am new to ${forum.name.toLowerCase()} and would love some pointers.`;
    const all = ctx.world.forum.forums;
    const wrongForum = all[(all.indexOf(forum) + 1) % all.length]!;
    return {
      intent: `Create a post in the ${forum.name} forum titled "${title}" with the body "${body}"`,
      startPath: '/',
      check: stateMatch<ForumState>('the post is created in the right forum', (s) =>
        s.newPosts.some((p) => p.forum === forum.slug && sameText(p.title, title) && sameText(p.body, body)) || `new posts: ${JSON.stringify(s.newPosts.map((p) => [p.forum, p.title]))}`),
      meta: { forum: forum.name, title, body },
      *expert(_task, first) {
        let obs = yield act.click(first, { role: 'link', name: 'Submit a post' }, 'I open the form for a new post.');
        obs = yield act.select(obs, { role: 'combobox', name: 'Forum' }, forum.name, `I choose the ${forum.name} forum.`);
        obs = yield act.type(obs, { role: 'textbox', name: 'Title' }, title, 'I type the title.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Body' }, body, 'I type the body.');
        yield act.click(obs, { role: 'button', name: 'Create post' }, 'I submit the post.');
        yield act.answer('done', 'The post is created.');
      },
      *wrongExpert(_task, first) {
        let obs = yield act.click(first, { role: 'link', name: 'Submit a post' }, 'I open the form for a new post.');
        obs = yield act.select(obs, { role: 'combobox', name: 'Forum' }, wrongForum.name, `I choose the ${wrongForum.name} forum.`);
        obs = yield act.type(obs, { role: 'textbox', name: 'Title' }, title, 'I type the title.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Body' }, body, 'I type the body.');
        yield act.click(obs, { role: 'button', name: 'Create post' }, 'I submit the post.');
        yield act.answer('done', 'The post is created.');
      },
    };
  },
};

const NEW_TITLE = [(t: string) => `${t} (updated)`, (t: string) => `[Solved] ${t}`, (t: string) => `${t} - part 2`];

const editTitle: TaskTemplate = {
  id: 'forum.edit-post-title', site: 'forum', kind: 'state', description: "Change the title of one of the signed-in user's posts",
  size: (world, entities) => myPostPool(world, entities).length * NEW_TITLE.length,
  instantiate(ctx) {
    const mine = myPostPool(ctx.world, ctx.entities);
    const post = mine[ctx.index % mine.length]!;
    const title = NEW_TITLE[Math.floor(ctx.index / mine.length)]!(post.title);
    const target = { role: 'link', name: post.title } as const;
    return {
      intent: `Change the title of my post "${post.title}" to "${title}".`,
      startPath: '/',
      check: stateMatch<ForumState>('the title is changed', (s) => (s.edits[post.id] !== undefined && sameText(s.edits[post.id]!.title, title)) || `edit of post ${post.id}: ${JSON.stringify(s.edits[post.id] ?? null)}`),
      meta: { post: post.title, title },
      *expert(_task, first) {
        let obs = yield act.click(first, { role: 'link', name: 'My profile' }, 'My posts are listed on my profile.');
        obs = yield* seek(obs, target, NEXT, 'The post');
        obs = yield act.click(obs, target, 'I open the post.');
        obs = yield act.click(obs, { role: 'link', name: 'Edit post' }, 'I open the edit form.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Title' }, title, 'I replace the title.');
        yield act.click(obs, { role: 'button', name: 'Save changes' }, 'I save the edit.');
        yield act.answer('done', 'The title is changed.');
      },
      *wrongExpert(_task, first) {
        let obs = yield act.click(first, { role: 'link', name: 'My profile' }, 'My posts are listed on my profile.');
        obs = yield* seek(obs, target, NEXT, 'The post');
        obs = yield act.click(obs, target, 'I open the post.');
        obs = yield act.click(obs, { role: 'link', name: 'Edit post' }, 'I open the edit form.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Title' }, title, 'I replace the title.');
        yield act.click(obs, { role: 'link', name: 'Cancel' }, 'I leave the edit form.');
        yield act.answer('done', 'The title is changed.');
      },
    };
  },
};

const upvoteUserComments: TaskTemplate = {
  id: 'forum.upvote-user-comments', site: 'forum', kind: 'state', description: 'Upvote every comment a named user wrote on a named post',
  size: (world, entities) => Math.min(CAP, repeatCommenterPool(world, entities).length),
  instantiate(ctx) {
    const { post, user, comments } = repeatCommenterPool(ctx.world, ctx.entities)[ctx.index]!;
    const button = `Upvote comment by ${user}`;
    return {
      intent: `Upvote every comment by ${user} on the post "${post.title}".`,
      startPath: '/',
      maxTurns: 15,
      check: stateMatch<ForumState>(`all ${comments.length} comments upvoted`, (s) => {
        const missing = comments.filter((c) => s.commentVotes[c.id] !== 1);
        return missing.length === 0 || `${missing.length} of ${comments.length} comments by ${user} not upvoted`;
      }),
      meta: { post: post.title, user, comments: comments.length },
      *expert(_task, first) {
        let obs = yield* openPost(first, post.title);
        for (let i = 0; i < 10; i++) {
          const todo = findAll(obs, { role: 'button', name: button }).find((l) => !l.states.includes('checked'));
          if (!todo) break;
          obs = yield { action: { type: 'click', target: { id: todo.id! } }, thought: `I upvote the next comment by ${user} that is not upvoted yet.` };
        }
        yield act.answer('done', `Every comment by ${user} is upvoted.`);
      },
      *wrongExpert(_task, first) {
        const obs = yield* openPost(first, post.title);
        yield act.click(obs, { role: 'button', name: button }, `I upvote the comment by ${user}.`);
        yield act.answer('done', `The comment by ${user} is upvoted.`);
      },
    };
  },
};

const replyUserComments: TaskTemplate = {
  id: 'forum.reply-user-comments', site: 'forum', kind: 'state', description: 'Reply with a given text to every comment a named user wrote on a named post',
  size: (world, entities) => Math.min(CAP, repeatCommenterPool(world, entities).length),
  instantiate(ctx) {
    const { post, user, comments } = repeatCommenterPool(ctx.world, ctx.entities)[ctx.index]!;
    const text = ctx.rng.pick(['Thanks for the tip!', 'Good point, agreed.', 'Could you say more about this?', 'Same here!']);
    const link = `Reply to ${user}`;
    function* reply(start: Observation, count: number): Generator<ExpertStep, Observation, Observation> {
      let obs = start;
      for (let k = 1; k <= count; k++) {
        obs = yield act.click(obs, { role: 'link', name: link, nth: k }, `I open the reply form of comment ${k} by ${user}.`);
        obs = yield act.type(obs, { role: 'textbox', name: 'Reply' }, text, 'I write the reply.');
        obs = yield act.click(obs, { role: 'button', name: 'Post reply' }, 'I post the reply, which takes me back to the thread.');
      }
      return obs;
    }
    return {
      intent: `Reply "${text}" to each comment by ${user} on the post "${post.title}".`,
      startPath: '/',
      maxTurns: 20,
      check: stateMatch<ForumState>(`all ${comments.length} comments answered`, (s) => {
        const missing = comments.filter((c) => !s.newComments.some((n) => n.parentId === c.id && sameText(n.body, text)));
        return missing.length === 0 || `${missing.length} of ${comments.length} comments by ${user} have no such reply`;
      }),
      meta: { post: post.title, user, comments: comments.length, text },
      *expert(_task, first) {
        const obs = yield* openPost(first, post.title);
        yield* reply(obs, findAll(obs, { role: 'link', name: link }).length);
        yield act.answer('done', `Every comment by ${user} has my reply.`);
      },
      *wrongExpert(_task, first) {
        const obs = yield* openPost(first, post.title);
        yield* reply(obs, 1);
        yield act.answer('done', `The comment by ${user} has my reply.`);
      },
    };
  },
};

const downvoteLowest: TaskTemplate = {
  id: 'forum.downvote-lowest', site: 'forum', kind: 'state', unseen: true, description: 'Downvote the lowest-scored post of a named forum',
  // Held out as a template: every forum may appear.
  size: (world) => world.forum.forums.length,
  instantiate(ctx) {
    const d = ctx.world.forum;
    const forum = d.forums[ctx.index]!;
    const ranked = sortPosts(allPosts(d, createForumState(d)).filter((p) => p.forum === forum.slug), 'top');
    const lowest = ranked.at(-1)!;
    return {
      intent: `Downvote the lowest-scored post in the ${forum.name} forum.`,
      startPath: '/',
      check: stateMatch<ForumState>(`post ${lowest.id} downvoted`, (s) => s.postVotes[lowest.id] === -1 || `post ${lowest.id} vote is ${s.postVotes[lowest.id] ?? 'none'}`),
      meta: { forum: forum.name, post: lowest.title },
      *expert(_task, first) {
        let obs = yield* openForum(first, forum.name);
        obs = yield act.click(obs, { role: 'link', name: 'Top' }, 'Sorted by top, the lowest-scored post is last.');
        while (hasElement(obs, NEXT)) obs = yield act.click(obs, NEXT, 'The last post is on a later page.');
        const last = listedPosts(obs).at(-1)!;
        obs = yield act.click(obs, { role: 'link', name: last.title }, `The last post (${last.score} points) is the lowest-scored; I open it.`);
        yield act.click(obs, { role: 'button', name: 'Downvote post' }, 'I click the down arrow.');
        yield act.answer('done', 'The lowest-scored post is downvoted.');
      },
      *wrongExpert(_task, first) {
        let obs = yield* openForum(first, forum.name);
        obs = yield act.click(obs, { role: 'link', name: 'Top' }, 'Sorted by top, the lowest-scored post is last.');
        const last = listedPosts(obs).at(-1)!;
        obs = yield act.click(obs, { role: 'link', name: last.title }, 'I open the last post on this page.');
        yield act.click(obs, { role: 'button', name: 'Downvote post' }, 'I click the down arrow.');
        yield act.answer('done', 'The post is downvoted.');
      },
    };
  },
};

export const stateTemplates: TaskTemplate[] = [upvotePost, subscription, replyPost, createPost, editTitle, upvoteUserComments, replyUserComments, downvoteLowest];
