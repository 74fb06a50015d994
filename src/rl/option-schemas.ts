// Option schemas of rl entry points whose modules are edited elsewhere (demonstrations.ts holds
// the file-loading code): the same mechanism as src/options.ts, kept here so that module only
// needs its one `.check(options)` call. Each schema stays next to the interface it describes by
// name, and `defineOptions<I>()` fails to compile if the two drift apart.

import { bool, defineOptions, fn, nonNegativeInt, obj, positiveInt, signal } from '../options.js';
import type { CollectDemonstrationsOptions } from './demonstrations.js';

/** The schema of CollectDemonstrationsOptions: checked by `collectDemonstrations` before any environment is made. */
export const collectDemonstrationsOptions = defineOptions<CollectDemonstrationsOptions>()('collectDemonstrations', obj({
  makeEnvironment: fn<CollectDemonstrationsOptions['makeEnvironment']>('a function returning an Environment (or a promise of one)'),
  concurrency: positiveInt('a positive integer').optional(),
  maxRetries: nonNegativeInt('an integer >= 0').optional(),
  onlySuccessful: bool().optional(),
  onDemonstration: fn<NonNullable<CollectDemonstrationsOptions['onDemonstration']>>('a function (demonstration, task) => void').optional(),
  signal: signal().optional(),
}));
