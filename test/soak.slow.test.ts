// The soak's short version: 64 episodes of multi-turn GRPO in real Chromium with a small policy,
// sampled every 16; after the first sample the live tensor count is constant, no browser context
// stays open between iterations, and Chromium's processes and the RSS do not keep growing.
// (`npm run soak` runs 500 or more episodes.)

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flatness, soak } from '../bench/soak-run.js';

describe('soak (short)', () => {
  test('64 GRPO episodes leave tensors, contexts, Chromium processes and RSS flat after warm-up', { timeout: 900_000 }, async () => {
    const result = await soak({ episodes: 60, every: 16, log: (line) => console.log(line) });
    assert.ok(result.episodes >= 60, `${result.episodes} episodes`);
    assert.ok(result.samples.length >= 3, `${result.samples.length} samples`);
    // RSS settles more slowly in a short run (the wasm heap and V8 grow to their working size).
    assert.deepEqual(flatness(result.samples, { rssGrowth: 0.5 }), []);
  });
});
