// Option schemas of data entry points whose modules are edited elsewhere (rollout-buffer.ts's
// JSONL loading): the same mechanism as src/options.ts, so that module only needs its one
// `.check(options)` call. `defineOptions<I>()` fails to compile if a schema and its interface drift apart.

import { defineOptions, fn, obj } from '../options.js';
import type { LoadJsonlOptions } from './rollout-buffer.js';

/** The schema of LoadJsonlOptions: checked by `loadJsonl` and `appendJsonl` before the file is opened. */
export const loadJsonlOptions = defineOptions<LoadJsonlOptions>()('loadJsonl', obj({
  onWarning: fn<NonNullable<LoadJsonlOptions['onWarning']>>('a function (message) => void').optional(),
}));
