// Option schemas of the WebArena entry points whose modules are edited elsewhere (tasks.ts and
// config.ts's loading code): the same mechanism as src/options.ts, so those modules only need
// their one `.check(options)` call. `defineOptions<I>()` fails to compile if a schema and its
// interface drift apart.

import { bool, defineOptions, obj, positiveInt, str } from '../options.js';
import type { LoadWebArenaOptions } from './config.js';
import { webArenaHelpersSchema, webArenaJudgeSchema, webArenaSiteUrlsSchema } from './evaluators.js';
import { punktSchema, webArenaSemanticsSchema } from './semantics.js';
import type { WebArenaTaskOptions } from './tasks.js';

const taskShape = {
  urls: webArenaSiteUrlsSchema,
  judge: webArenaJudgeSchema.optional(),
  authDir: str('a non-empty string (a folder path)', { nonEmpty: true }).optional(),
  maxTurns: positiveInt('a positive integer').optional(),
  helpers: webArenaHelpersSchema.optional(),
  semantics: webArenaSemanticsSchema.optional(),
  punkt: punktSchema.optional(),
};

/** The schema of WebArenaTaskOptions: checked by `webArenaTask`. */
export const webArenaTaskOptions = defineOptions<WebArenaTaskOptions>()('webArenaTask', obj(taskShape));

export { loadWebArenaOptions } from './config.js';

/** The schema of `loadWebArenaTasks`'s options (WebArenaTaskOptions & LoadWebArenaOptions): checked before it reads anything. */
export const loadWebArenaTasksOptions = defineOptions<WebArenaTaskOptions & LoadWebArenaOptions>()('loadWebArenaTasks', obj({ ...taskShape, skipInvalid: bool().optional() }));
