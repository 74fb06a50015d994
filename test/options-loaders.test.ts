// Option schemas of the loaders: LoadCheckpointOptions, SaveCheckpointOptions,
// ReadSafetensorsOptions and HfTokenizerOptions, each beside the loader that checks it. Bad
// objects are OptionsErrors naming the owner, the path and, for a typo, the meant name; good
// ones pass.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OptionsError } from '../src/errors.js';
import { loadCheckpointOptions } from '../src/model/checkpoint.js';
import { saveCheckpointOptions } from '../src/model/checkpoint-folder.js';
import { readSafetensorsOptions } from '../src/model/safetensors.js';
import { hfTokenizerOptions } from '../src/model/tokenizer.js';

const BAD: ReadonlyArray<readonly [{ check(v: unknown): void }, unknown, RegExp]> = [
  [loadCheckpointOptions, { trainable: 'no' }, /^loadCheckpoint option trainable must be true or false, got "no"$/],
  [loadCheckpointOptions, { verfy: false }, /^loadCheckpoint: unknown option verfy; did you mean verify\?$/],
  [loadCheckpointOptions, { allowNonFinite: 1 }, /^loadCheckpoint option allowNonFinite must be true or false, got 1$/],
  [saveCheckpointOptions, { tokenizer: { json: {} } }, /^saveCheckpoint option tokenizer must be an HfTokenizer or an object \{ json, config \}/],
  [saveCheckpointOptions, { generationConfig: [] }, /^saveCheckpoint option generationConfig must be a plain object/],
  [readSafetensorsOptions, { names: 'model.norm.weight' }, /^readSafetensors option names must be an iterable of tensor names/],
  [readSafetensorsOptions, { allowNonfinite: true }, /^readSafetensors: unknown option allowNonfinite; did you mean allowNonFinite\?$/],
  [hfTokenizerOptions, { patternTimeoutMs: Infinity }, /^HfTokenizer option patternTimeoutMs must be a positive integer of milliseconds \(at most 2147483647\), got Infinity$/],
  [hfTokenizerOptions, { patternTimeout: 5 }, /^HfTokenizer: unknown option patternTimeout; did you mean patternTimeoutMs\?$/],
];

test('bad loader options are OptionsErrors naming the owner and the path', () => {
  for (const [schema, options, message] of BAD) {
    assert.throws(() => schema.check(options), (e: unknown) => e instanceof OptionsError && message.test(e.message), JSON.stringify(options));
  }
});

test('good loader options pass', () => {
  assert.doesNotThrow(() => loadCheckpointOptions.check({ trainable: false, verify: true, allowNonFinite: false }));
  assert.doesNotThrow(() => saveCheckpointOptions.check({ tokenizer: { json: {}, config: {} }, generationConfig: { eos_token_id: 1 } }));
  // An HfTokenizer carries more than json and config: it is passed as it is.
  assert.doesNotThrow(() => saveCheckpointOptions.check({ tokenizer: { json: {}, config: {}, vocabSize: 5, chatTemplate: '' } as never }));
  assert.doesNotThrow(() => readSafetensorsOptions.check({ names: new Set(['a']), allowNonFinite: true }));
  assert.doesNotThrow(() => hfTokenizerOptions.check({ patternTimeoutMs: 10_000 }));
});
