// Seeded data of the forum site (a Reddit-like board, like WebArena's Postmill): forums (one per
// topic), users, posts with scores and comment threads; and the per-session mutable state
// (the signed-in user's votes, subscriptions, new posts and comments, post edits). The base
// posts stay in the data; the state holds only what changed, so a fresh state is tiny.

import { ADJECTIVES, ANIMALS, COLORS, FIRST_NAMES, MATERIALS, NATURE, PLACE_KINDS, THINGS, TOPICS, entitySplit, rngFor, slugify, type Rng } from '../words.js';

export interface Forum {
  /** URL name, like `cooking`. */
  readonly slug: string;
  /** Display name, like `Cooking` (a topic of words.ts). */
  readonly name: string;
  readonly description: string;
  /** Subscribers besides the signed-in user. */
  readonly subscribers: number;
  readonly split: 'train' | 'test';
}

export interface ForumUser {
  /** Like `quiet_fox42`. */
  readonly username: string;
  /** YYYY-MM-DD. */
  readonly joined: string;
  readonly split: 'train' | 'test';
}

export interface ForumComment {
  readonly id: number;
  readonly postId: number;
  /** Comment replied to, or null for a top-level comment. */
  readonly parentId: number | null;
  readonly author: string;
  readonly body: string;
  /** Score before the signed-in user's vote. */
  readonly score: number;
}

export interface ForumPost {
  readonly id: number;
  /** Forum slug. */
  readonly forum: string;
  /** Unique. */
  readonly title: string;
  readonly body: string;
  readonly author: string;
  /** Score before the signed-in user's vote; distinct within a forum. */
  readonly score: number;
  /** Minutes since the reference date (larger = newer); distinct. */
  readonly minute: number;
  readonly comments: readonly ForumComment[];
  readonly split: 'train' | 'test';
}

export interface ForumData {
  readonly name: string;
  readonly forums: readonly Forum[];
  readonly forumBySlug: ReadonlyMap<string, Forum>;
  readonly users: readonly ForumUser[];
  readonly userByName: ReadonlyMap<string, ForumUser>;
  readonly posts: readonly ForumPost[];
  readonly postById: ReadonlyMap<number, ForumPost>;
  readonly commentById: ReadonlyMap<number, ForumComment>;
  /** Username of the signed-in user. */
  readonly me: string;
  /** Forums the signed-in user is subscribed to at the start of a session. */
  readonly initialSubscriptions: readonly string[];
}

/** A post written in this session. */
export interface NewPost {
  id: number;
  forum: string;
  title: string;
  body: string;
  author: string;
  minute: number;
}

/** A comment written in this session. */
export interface NewComment {
  id: number;
  postId: number;
  parentId: number | null;
  author: string;
  body: string;
}

/** Mutable per-session state (plain JSON). */
export interface ForumState {
  /** The signed-in user's votes by post id: 1 up, -1 down (absent = no vote). */
  postVotes: Record<string, 1 | -1>;
  commentVotes: Record<string, 1 | -1>;
  /** Forum slugs the signed-in user is subscribed to. */
  subscriptions: string[];
  newPosts: NewPost[];
  newComments: NewComment[];
  /** Edited title/body of the signed-in user's posts, by post id. */
  edits: Record<string, { title: string; body: string }>;
  nextPostId: number;
  nextCommentId: number;
}

const DESCRIPTIONS: Record<string, string> = {
  Cooking: 'Recipes, techniques and kitchen wins',
  Gardening: 'Beds, pots, seeds and compost',
  Cycling: 'Road, gravel, commuting and repairs',
  Photography: 'Gear, light and critique',
  Woodworking: 'Joinery, finishes and shop tips',
  Astronomy: 'Night skies, scopes and star parties',
  Running: 'Training plans, races and shoes',
  Knitting: 'Patterns, yarn and finished objects',
  Chess: 'Openings, puzzles and club games',
  Travel: 'Trips, routes and packing lists',
  Music: 'Playing, listening and gear',
  Books: 'Reading lists and discussion',
};

const COMMENT_TEXTS = [
  'Great write-up, thanks for sharing.', 'I tried this last month and it worked well.', 'Could you post a photo of the result?',
  'This is exactly what I needed today.', 'Not sure I agree, but interesting take.', 'Saving this for the weekend.',
  'How long did the whole thing take you?', 'Same thing happened to me last year.', 'Any tips for a complete beginner?',
  'Looks fantastic, well done!', 'I would go slower on the second step.', 'Where did you find the materials?',
  'This deserves more upvotes.', 'Have you tried doing it in the morning?', 'Nice, adding it to my list.',
  'The second option is the better one in my experience.',
];

const lc = (s: string): string => s.toLowerCase();
/** `A`/`An` at a sentence start. */
const titleA = (word: string): string => (/^[aeiou]/i.test(word) ? `An ${word}` : `A ${word}`);
/** `a` or `an` before `word`. */
const a = (word: string): string => (/^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`);

function makeTitle(rng: Rng, topic: string): string {
  const t = lc(topic);
  switch (rng.int(0, 6)) {
    case 0: return `My ${lc(rng.pick(ADJECTIVES))} ${lc(rng.pick(MATERIALS))} ${lc(rng.pick(THINGS))} for ${t}`;
    case 1: return `${rng.pick(ADJECTIVES)} ${rng.pick(NATURE)} ${t} meetup this weekend`;
    case 2: return `Tips for ${t} near ${rng.pick(NATURE)} ${rng.pick(PLACE_KINDS)}`;
    case 3: return `Is ${a(lc(rng.pick(COLORS)))} ${lc(rng.pick(MATERIALS))} ${lc(rng.pick(THINGS))} worth it for ${t}?`;
    case 4: return `${rng.pick(FIRST_NAMES)}'s ${lc(rng.pick(ADJECTIVES))} ${t} guide`;
    case 5: return `${titleA(lc(rng.pick(ADJECTIVES)))} week of ${t} at ${rng.sample(NATURE, 2).join(' ')}`;
    default: return `${rng.pick(ADJECTIVES)} ${t} questions from ${a(lc(rng.pick(ANIMALS)))} fan`;
  }
}

function makeBody(rng: Rng, topic: string): string {
  const first = `I have been into ${lc(topic)} for ${rng.int(2, 15)} years and wanted to share this.`;
  const second = rng.pick([
    `It started with ${a(lc(rng.pick(COLORS)))} ${lc(rng.pick(THINGS))} and a free afternoon.`,
    `The ${rng.pick(NATURE)} ${rng.pick(PLACE_KINDS)} crowd helped a lot.`,
    `What would you change?`,
    `Happy to answer questions below.`,
  ]);
  return `${first} ${second}`;
}

/** Username of the signed-in user. */
export const ME = 'clever_otter7';
const POSTS_PER_FORUM = 24;

export function createForumData(seed: number): ForumData {
  const rng = rngFor(seed, 'forum');
  const forums: Forum[] = TOPICS.map((name) => ({
    slug: slugify(name),
    name,
    description: DESCRIPTIONS[name] ?? `All about ${lc(name)}`,
    subscribers: rng.int(120, 9800),
    split: entitySplit(name),
  }));
  const users: ForumUser[] = [{ username: ME, joined: '2023-04-11', split: entitySplit(ME) }];
  const names = new Set([ME]);
  while (users.length < 64) {
    const username = `${lc(rng.pick(ADJECTIVES))}_${lc(rng.pick(ANIMALS))}${rng.int(1, 99)}`;
    if (names.has(username)) continue;
    names.add(username);
    users.push({ username, joined: `20${rng.int(18, 24)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`, split: entitySplit(username) });
  }
  const others = users.slice(1).map((u) => u.username);
  const posts: ForumPost[] = [];
  const titles = new Set<string>();
  const minutes = new Set<number>();
  let commentId = 1;
  for (const forum of forums) {
    const scores = new Set<number>();
    for (let i = 0; i < POSTS_PER_FORUM; i++) {
      let title = makeTitle(rng, forum.name);
      while (titles.has(title)) title = makeTitle(rng, forum.name);
      titles.add(title);
      let score = rng.chance(0.15) ? rng.int(-9, 5) : rng.int(1, 480);
      while (scores.has(score)) score = rng.int(-9, 480);
      scores.add(score);
      let minute = rng.int(0, 260_000);
      while (minutes.has(minute)) minute = rng.int(0, 260_000);
      minutes.add(minute);
      const id = posts.length + 1;
      const author = rng.chance(0.07) ? ME : rng.pick(others);
      const nComments = rng.chance(0.12) ? 0 : rng.int(1, 7);
      const regular = nComments >= 3 && rng.chance(0.6) ? rng.pick(others.filter((u) => u !== author)) : undefined;
      const comments: ForumComment[] = [];
      for (let c = 0; c < nComments; c++) {
        const by = regular !== undefined && (c === 0 || c === nComments - 1 || (c === 2 && nComments >= 6)) ? regular : rng.pick(others);
        const parent = c > 0 && rng.chance(0.3) ? rng.pick(comments).id : null;
        comments.push({ id: commentId++, postId: id, parentId: parent, author: by, body: rng.pick(COMMENT_TEXTS), score: rng.int(-3, 60) });
      }
      posts.push({ id, forum: forum.slug, title, body: makeBody(rng, forum.name), author, score, minute, comments, split: entitySplit(title) });
    }
  }
  const initialSubscriptions = ['gardening', 'chess', 'cycling', 'books'];
  return {
    name: 'Commons',
    forums,
    forumBySlug: new Map(forums.map((f) => [f.slug, f])),
    users,
    userByName: new Map(users.map((u) => [u.username, u])),
    posts,
    postById: new Map(posts.map((p) => [p.id, p])),
    commentById: new Map(posts.flatMap((p) => p.comments.map((c) => [c.id, c] as const))),
    me: ME,
    initialSubscriptions,
  };
}

export function createForumState(data: ForumData): ForumState {
  return { postVotes: {}, commentVotes: {}, subscriptions: [...data.initialSubscriptions], newPosts: [], newComments: [], edits: {}, nextPostId: 10_001, nextCommentId: 50_001 };
}
