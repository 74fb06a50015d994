// The code site. (Placeholder: replaced when the site is built.)

import type { SiteDefinition } from '../framework/site.js';
import type { World } from '../world.js';
import { createCodeState, type CodeState } from '../code/data.js';

export const codeSite: SiteDefinition<World, CodeState> = {
  name: 'code',
  createState: (world) => createCodeState(world.code),
  routes: [{ method: 'GET', path: '/', handle: () => ({ html: '<!doctype html><title>code</title><h1>code</h1>' }) }],
};
