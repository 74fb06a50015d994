// The forum site. (Placeholder: replaced when the site is built.)

import type { SiteDefinition } from '../framework/site.js';
import type { World } from '../world.js';
import { createForumState, type ForumState } from '../forum/data.js';

export const forumSite: SiteDefinition<World, ForumState> = {
  name: 'forum',
  createState: (world) => createForumState(world.forum),
  routes: [{ method: 'GET', path: '/', handle: () => ({ html: '<!doctype html><title>forum</title><h1>forum</h1>' }) }],
};
