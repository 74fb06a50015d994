// Option schemas of policy entry points whose modules are edited elsewhere (checkpoint.ts,
// checkpoint-folder.ts, safetensors.ts, tokenizer.ts): the same mechanism as src/options.ts, so
// those modules only need their one `.check(options)` call. `defineOptions<I>()` fails to
// compile if a schema and its interface drift apart.

import { bool, custom, defineOptions, isPlainObject, obj, timeoutMs } from '../options.js';
import type { LoadCheckpointOptions, SaveCheckpointOptions } from './checkpoint.js';
import type { ReadSafetensorsOptions } from './safetensors.js';
import type { HfTokenizerOptions } from './tokenizer.js';

const jsonObject = (what: string) => custom<Record<string, unknown>>(isPlainObject, `a plain object (${what})`);

/** The schema of LoadCheckpointOptions: checked by `loadCheckpoint` before it reads the folder. */
export const loadCheckpointOptions = defineOptions<LoadCheckpointOptions>()('loadCheckpoint', obj({
  trainable: bool().optional(),
  verify: bool().optional(),
  allowNonFinite: bool().optional(),
}));

/** The schema of SaveCheckpointOptions: checked by `saveCheckpoint` before anything is written. */
export const saveCheckpointOptions = defineOptions<SaveCheckpointOptions>()('saveCheckpoint', obj({
  // An HfTokenizer is passed as it is (it has json and config among its other fields).
  tokenizer: custom<NonNullable<SaveCheckpointOptions['tokenizer']>>(
    (v) => typeof v === 'object' && v !== null && isPlainObject((v as { json?: unknown }).json) && isPlainObject((v as { config?: unknown }).config),
    'an HfTokenizer or an object { json, config } (tokenizer.json and tokenizer_config.json contents)',
  ).optional(),
  generationConfig: jsonObject('fields of generation_config.json').optional(),
}));

/** The schema of ReadSafetensorsOptions: checked by `readSafetensors` before it opens the file. */
export const readSafetensorsOptions = defineOptions<ReadSafetensorsOptions>()('readSafetensors', obj({
  names: custom<Iterable<string>>(
    (v) => typeof v !== 'string' && typeof (v as Partial<Iterable<string>> | null)?.[Symbol.iterator] === 'function',
    'an iterable of tensor names (an array or a Set of strings)',
  ).optional(),
  allowNonFinite: bool().optional(),
}));

/** The schema of HfTokenizerOptions: checked by the tokenizer loaders before they read a file. */
export const hfTokenizerOptions = defineOptions<HfTokenizerOptions>()('HfTokenizer', obj({
  patternTimeoutMs: timeoutMs().optional(),
}));
