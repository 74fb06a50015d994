// The bundled sites and their task templates, in one place.

import { adminSite } from './admin/site.js';
import { adminTemplates } from './admin/tasks.js';
import { codeSite } from './code/site.js';
import { codeTemplates } from './code/tasks.js';
import { forumSite } from './forum/site.js';
import { forumTemplates } from './forum/tasks.js';
import type { SiteDefinition } from './framework/site.js';
import { mapSite } from './map/site.js';
import { mapTemplates } from './map/tasks.js';
import { shopSite } from './shop/site.js';
import { shopTemplates } from './shop/tasks.js';
import type { TaskTemplate } from './template.js';
import type { World } from './world.js';

/** The five bundled sites. */
export const BUNDLED_SITES: ReadonlyArray<SiteDefinition<World, never>> = [shopSite, adminSite, forumSite, codeSite, mapSite] as unknown as ReadonlyArray<SiteDefinition<World, never>>;

/** Every task template of the bundled sites. */
export const BUNDLED_TEMPLATES: readonly TaskTemplate[] = [...shopTemplates, ...adminTemplates, ...forumTemplates, ...codeTemplates, ...mapTemplates];
