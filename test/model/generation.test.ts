// Tests for GenerationEngine (src/model/generation.ts) and sampling (src/model/sampling.ts):
// the KV cache against full recomputation and the float64 reference (test/helpers/
// reference-lm.ts), seeded sampling, the behaviour-logprob contract with scoreSequences, stop
// conditions, continuous batching, input validation, abort, leaks and disposal.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { OptionsError } from '../../src/errors.js';
import { initBackend } from '../../src/model/backend.js';
import type { TransformerConfig } from '../../src/model/config.js';
import { GenerationEngine, type Completion, type GenerationRequest, type TokenDecoder } from '../../src/model/generation.js';
import { scoreSequences } from '../../src/model/training.js';
import { TransformerLM } from '../../src/model/transformer.js';
import { argmax, logSoftmaxAt, maxRelDiff, referenceLogits } from '../helpers/reference-lm.js';

// max_position_embeddings 128 (not 64) so that one test crosses the cache's 64-position chunk.
const CONFIG: Partial<TransformerConfig> = {
  vocab_size: 50, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 24, max_position_embeddings: 128, attention_bias: true, tie_word_embeddings: false,
};
const PROMPTS = [[1, 2, 3], [10, 20, 30, 40, 11, 12, 13], [42], [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]];
const letters: TokenDecoder = { decode: (ids) => ids.map((i) => String.fromCharCode(97 + (i % 26))).join('') };

let policy: TransformerLM;

before(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
  policy = new TransformerLM({ config: CONFIG, seed: 11, initStd: 0.2 });
});
after(() => {
  policy.dispose();
});

const req = (promptIds: number[], extra: Partial<GenerationRequest> = {}): GenerationRequest => ({ promptIds, ...extra });

async function alone(r: GenerationRequest): Promise<Completion> {
  const engine = new GenerationEngine(policy, { maxBatch: 1 });
  try {
    return await engine.submit(r);
  } finally {
    engine.dispose();
  }
}

function assertSameCompletion(a: Completion, b: Completion, label: string): void {
  assert.deepEqual([...a.tokenIds], [...b.tokenIds], `${label}: tokens`);
  assert.ok(maxRelDiff(a.logprobs, b.logprobs) < 1e-4, `${label}: logprobs ${[...a.logprobs]} vs ${[...b.logprobs]}`);
  assert.equal(a.finishReason, b.finishReason, `${label}: finishReason`);
}

/** Last-position logits of each sequence, recomputed from scratch by the model (no cache). */
async function lastLogits(seqs: readonly number[][]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const ids of seqs) {
    const t = tf.tidy(() => policy.logits(tf.tensor2d(ids, [1, ids.length], 'int32')).slice([0, ids.length - 1, 0], [1, 1, -1]));
    out.push((await t.data()) as Float32Array);
    t.dispose();
  }
  return out;
}

describe('greedy decoding', () => {
  test('KV cache equals no cache, token for token, in a mixed-length batch', async () => {
    const sampling = { temperature: 0, maxNewTokens: 16 };
    const cached = await new GenerationEngine(policy, { sampling }).generate(PROMPTS.map((p) => req(p)));
    const plain = await new GenerationEngine(policy, { sampling, useCache: false }).generate(PROMPTS.map((p) => req(p)));
    cached.forEach((c, i) => assertSameCompletion(c, plain[i]!, `prompt ${i}`));
    assert.ok(cached.every((c) => c.tokenIds.length === 16 && c.finishReason === 'length'));
  });

  test('the cache grows past its first 64-position chunk correctly', async () => {
    const long = Array.from({ length: 58 }, (_, i) => (i * 7) % 50);
    const sampling = { temperature: 0, maxNewTokens: 14 };
    const [cached] = await new GenerationEngine(policy, { sampling }).generate([req(long), req([3, 4])]);
    const [plain] = await new GenerationEngine(policy, { sampling, useCache: false }).generate([req(long)]);
    assertSameCompletion(cached!, plain!, 'long prompt');
  });

  test('tokens are the argmax of the float64 reference, step by step, with its logprobs', async () => {
    const weights = await policy.exportWeights();
    const [c] = await new GenerationEngine(policy).generate([req(PROMPTS[1]!)], { temperature: 0, maxNewTokens: 8 });
    const seq = [...PROMPTS[1]!];
    for (let k = 0; k < 8; k++) {
      const ref = referenceLogits(policy.config, weights, seq).at(-1)!;
      const best = argmax(ref);
      assert.equal(c!.tokenIds[k], best, `step ${k}`);
      assert.ok(Math.abs(c!.logprobs[k]! - logSoftmaxAt(ref, best)) < 1e-4, `step ${k} logprob`);
      seq.push(best);
    }
  });

  test('top-k 1 and top-p 1e-6 at temperature 1 equal greedy', async () => {
    const greedy = await new GenerationEngine(policy).generate(PROMPTS.map((p) => req(p)), { temperature: 0, maxNewTokens: 10 });
    const topK = await new GenerationEngine(policy).generate(PROMPTS.map((p) => req(p)), { temperature: 1, topK: 1, maxNewTokens: 10, seed: 5 });
    const topP = await new GenerationEngine(policy).generate(PROMPTS.map((p) => req(p)), { temperature: 1, topP: 1e-6, maxNewTokens: 10, seed: 6 });
    greedy.forEach((g, i) => {
      // Both report log softmax at temperature 1 over the full vocabulary.
      assertSameCompletion(topK[i]!, g, `topK ${i}`);
      assertSameCompletion(topP[i]!, g, `topP ${i}`);
    });
  });
});

describe('sampling', () => {
  test('seeded: same seed same tokens, other seeds differ, batch-independent', async () => {
    const r = req(PROMPTS[0]!, { temperature: 1, maxNewTokens: 20, seed: 7 });
    const a = await alone(r);
    const b = await alone(r);
    assert.deepEqual([...a.tokenIds], [...b.tokenIds]);
    const c = await alone({ ...r, seed: 8 });
    assert.notDeepEqual([...c.tokenIds], [...a.tokenIds]);
    const batched = await new GenerationEngine(policy, { maxBatch: 4 }).generate([
      req(PROMPTS[1]!, { maxNewTokens: 5, seed: 1 }), r, req(PROMPTS[2]!, { seed: 2 }), req(PROMPTS[3]!, { maxNewTokens: 30, seed: 3 }),
    ], { temperature: 1, maxNewTokens: 20 });
    assertSameCompletion(batched[1]!, a, 'batched vs alone');
  });

  test('behaviour logprobs equal scoreSequences of prompt + completion at the same temperature', async () => {
    const temperature = 0.7;
    const done = await new GenerationEngine(policy).generate(PROMPTS.map((p) => req(p)), { temperature, maxNewTokens: 12, seed: 21 });
    const scored = await scoreSequences(policy, done.map((c) => ({ ids: [...c.promptIds, ...c.tokenIds], completionStart: c.promptIds.length })), temperature);
    done.forEach((c, i) => {
      assert.equal(scored[i]!.length, c.tokenIds.length);
      assert.ok(maxRelDiff(c.logprobs, scored[i]!) < 1e-4, `sequence ${i}: ${[...c.logprobs]} vs ${[...scored[i]!]}`);
    });
    // And they are the temperature-0.7 density, not the temperature-1 one.
    const atOne = await scoreSequences(policy, [{ ids: [...done[0]!.promptIds, ...done[0]!.tokenIds], completionStart: done[0]!.promptIds.length }]);
    assert.ok(maxRelDiff(done[0]!.logprobs, atOne[0]!) > 1e-2);
  });
});

describe('constrained decoding (allowedTokens)', () => {
  const logSoftmax = (row: Float32Array, i: number): number => {
    const max = Math.max(...row);
    return row[i]! - max - Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
  };

  test('greedy takes the best allowed token, with the full-vocabulary logprob', async () => {
    const allowed = [5, 7, 9, 31];
    const [c] = await new GenerationEngine(policy).generate([req(PROMPTS[1]!, { allowedTokens: () => allowed })], { temperature: 0, maxNewTokens: 6 });
    const seq = [...PROMPTS[1]!];
    for (let k = 0; k < 6; k++) {
      const [row] = await lastLogits([seq]);
      const best = allowed.reduce((b, i) => (row![i]! > row![b]! ? i : b));
      assert.equal(c!.tokenIds[k], best, `step ${k}`);
      assert.ok(Math.abs(c!.logprobs[k]! - logSoftmax(row!, best)) < 1e-4, `step ${k} logprob`);
      seq.push(best);
    }
    // The constraint bites: unconstrained greedy picks some other token on this prompt.
    const [free] = await new GenerationEngine(policy).generate([req(PROMPTS[1]!)], { temperature: 0, maxNewTokens: 6 });
    assert.ok([...free!.tokenIds].some((t) => !allowed.includes(t)));
  });

  test('allowing every token changes nothing, greedy or sampled', async () => {
    const every = Array.from({ length: CONFIG.vocab_size! }, (_, i) => i);
    for (const sampling of [{ temperature: 0, maxNewTokens: 10 }, { temperature: 1, maxNewTokens: 10, seed: 3 }, { temperature: 0.8, topK: 5, maxNewTokens: 10, seed: 4 }]) {
      const free = await new GenerationEngine(policy).generate(PROMPTS.map((p) => req(p)), sampling);
      const open = await new GenerationEngine(policy).generate(PROMPTS.map((p) => req(p, { allowedTokens: () => every })), sampling);
      free.forEach((f, i) => assertSameCompletion(open[i]!, f, `T ${sampling.temperature} prompt ${i}`));
    }
  });

  test('the callback sees the tokens so far and can force a completion; undefined allows any', async () => {
    const seen: number[][] = [];
    const script = [[3], undefined, [4], [49]];
    const [c] = await new GenerationEngine(policy).generate([req(PROMPTS[0]!, { stopTokenIds: [49], allowedTokens: (g) => { seen.push([...g]); return script[g.length]; } })], { temperature: 0, maxNewTokens: 10 });
    assert.equal(c!.tokenIds[0], 3);
    assert.equal(c!.tokenIds[2], 4);
    assert.equal(c!.tokenIds[3], 49);
    assert.equal(c!.finishReason, 'stop');
    assert.deepEqual(seen, [[], [3], [3, c!.tokenIds[1]!], [3, c!.tokenIds[1]!, 4]]);
  });

  test('sampled: every token is allowed, and the logprobs equal scoreSequences (no mask needed to score)', async () => {
    const even = Array.from({ length: 25 }, (_, i) => 2 * i);
    const temperature = 1.2;
    const done = await new GenerationEngine(policy).generate(PROMPTS.map((p, i) => req(p, { seed: 40 + i, allowedTokens: () => even })), { temperature, maxNewTokens: 12 });
    for (const c of done) assert.ok([...c.tokenIds].every((t) => t % 2 === 0), `${[...c.tokenIds]}`);
    const scored = await scoreSequences(policy, done.map((c) => ({ ids: [...c.promptIds, ...c.tokenIds], completionStart: c.promptIds.length })), temperature);
    done.forEach((c, i) => assert.ok(maxRelDiff(c.logprobs, scored[i]!) < 1e-4, `sequence ${i}`));
  });

  test('a bad constraint rejects its own request with a typed error and leaves the others alone', async () => {
    const engine = new GenerationEngine(policy, { maxBatch: 4, sampling: { temperature: 0, maxNewTokens: 5 } });
    try {
      const boom = new Error('constraint bug');
      const results = await Promise.allSettled([
        engine.submit(req(PROMPTS[0]!, { allowedTokens: (g) => (g.length < 2 ? undefined : []) })),
        engine.submit(req(PROMPTS[1]!, { allowedTokens: () => [1, 99] })),
        engine.submit(req(PROMPTS[2]!, { allowedTokens: () => [4, 4] })),
        engine.submit(req(PROMPTS[3]!, { allowedTokens: () => { throw boom; } })),
        engine.submit(req(PROMPTS[1]!)),
        engine.submit(req(PROMPTS[0]!, { allowedTokens: () => { throw undefined; } })), // a constraint may throw anything
      ]);
      const reason = (i: number): unknown => (results[i] as PromiseRejectedResult).reason;
      assert.ok(reason(0) instanceof OptionsError && /allowedTokens \(after 2 generated tokens\) returned no token/.test((reason(0) as Error).message), String(reason(0)));
      assert.ok(reason(1) instanceof OptionsError && /returned 99, not a token id in \[0, 50\)/.test((reason(1) as Error).message), String(reason(1)));
      assert.ok(reason(2) instanceof OptionsError && /returned token 4 twice/.test((reason(2) as Error).message), String(reason(2)));
      assert.equal(reason(3), boom);
      assert.equal(results[4]!.status, 'fulfilled');
      assert.equal((results[4] as PromiseFulfilledResult<Completion>).value.tokenIds.length, 5);
      assert.equal(results[5]!.status, 'rejected');
      await assert.rejects(engine.submit(req(PROMPTS[0]!, { allowedTokens: [1, 2] as never })), (e: unknown) => e instanceof OptionsError && /allowedTokens must be a function/.test(e.message));
      // The engine still serves after the failures.
      assert.equal((await engine.submit(req(PROMPTS[0]!))).tokenIds.length, 5);
    } finally {
      engine.dispose();
    }
  });
});

describe('stopping', () => {
  test('stopTokenIds stop right after the token; maxNewTokens gives length', async () => {
    const [g] = await new GenerationEngine(policy).generate([req(PROMPTS[3]!)], { temperature: 0, maxNewTokens: 12 });
    const stopAt = 4;
    const stopId = g!.tokenIds[stopAt]!;
    const first = g!.tokenIds.indexOf(stopId);
    const [s] = await new GenerationEngine(policy).generate([req(PROMPTS[3]!, { stopTokenIds: [stopId, 49 === stopId ? 48 : 49].filter((t) => !g!.tokenIds.slice(0, first).includes(t)) })], { temperature: 0, maxNewTokens: 12 });
    assert.deepEqual([...s!.tokenIds], [...g!.tokenIds.slice(0, first + 1)]);
    assert.equal(s!.finishReason, 'stop');
    assert.equal(s!.stopReason, stopId);
    assert.equal(g!.finishReason, 'length');
    assert.equal(g!.stopReason, undefined);
  });

  test('stop strings with a decoder stop and are cut from the text', async () => {
    const engine = new GenerationEngine(policy, { decoder: letters, sampling: { temperature: 0, maxNewTokens: 16 } });
    const [g] = await engine.generate([req(PROMPTS[0]!)]);
    const full = letters.decode([...g!.tokenIds]);
    assert.equal(g!.text, full);
    const stop = full.slice(5, 7);
    const at = full.indexOf(stop);
    const [s] = await engine.generate([req(PROMPTS[0]!, { stop: ['never-there', stop] })]);
    assert.equal(s!.finishReason, 'stop');
    assert.equal(s!.stopReason, stop);
    assert.equal(s!.text, full.slice(0, at));
    assert.deepEqual([...s!.tokenIds], [...g!.tokenIds.slice(0, at + stop.length)]);
  });

  test('stop strings without a decoder reject clearly', async () => {
    await assert.rejects(new GenerationEngine(policy).generate([req([1, 2], { stop: ['x'] })], { temperature: 0 }), (e: unknown) => e instanceof OptionsError && /decoder/.test(e.message));
  });
});

describe('continuous batching', () => {
  test('maxBatch 2 and five requests of different lengths: each equals running it alone', async () => {
    const lengths = [3, 9, 5, 12, 2];
    const requests = lengths.map((n, i) => req(PROMPTS[i % PROMPTS.length]!, { maxNewTokens: n, seed: 100 + i, temperature: 1 }));
    const engine = new GenerationEngine(policy, { maxBatch: 2 });
    const together = await engine.generate(requests);
    engine.dispose();
    for (const [i, r] of requests.entries()) {
      assert.equal(together[i]!.tokenIds.length, lengths[i]);
      assertSameCompletion(together[i]!, await alone(r), `request ${i}`);
    }
  });

  // Submitted from a completion callback (a microtask): a later test checks that timers also run between steps.
  test('a request submitted mid-generation joins and completes', async () => {
    const engine = new GenerationEngine(policy, { maxBatch: 4, sampling: { temperature: 1 } });
    const long = req(PROMPTS[3]!, { maxNewTokens: 40, seed: 1 });
    const late = req(PROMPTS[1]!, { maxNewTokens: 6, seed: 2 });
    let longDone = false;
    const first = engine.submit(long).then((c) => ((longDone = true), c));
    let stepsAtJoin = -1;
    const joined = engine.submit(req([9], { maxNewTokens: 3 })).then(() => {
      stepsAtJoin = engine.stats.steps;
      return engine.submit(late);
    });
    const j = await joined;
    assert.ok(stepsAtJoin >= 2, `joined after ${stepsAtJoin} steps`);
    assert.equal(longDone, false, 'the late short request should finish while the long one still runs');
    assertSameCompletion(j, await alone({ ...late, temperature: 1 }), 'joined');
    assertSameCompletion(await first, await alone({ ...long, temperature: 1 }), 'long');
    engine.dispose();
  });

  test('the engine yields to the event loop between steps (timers and I/O can submit or abort mid-generation)', async () => {
    const engine = new GenerationEngine(policy, { sampling: { temperature: 1, maxNewTokens: 60 } });
    let done = false;
    const p = engine.submit(req([1, 2, 3])).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 0));
    const doneAtTimer = done;
    await p;
    engine.dispose();
    assert.equal(doneAtTimer, false, 'a 60-token generation finished before a 0 ms timer fired');
  });
});

describe('validation, abort, leaks', () => {
  test('bad input rejects with OptionsError naming the field', async () => {
    const engine = new GenerationEngine(policy);
    const cases: Array<[GenerationRequest, RegExp]> = [
      [req([]), /promptIds/],
      [req([1, 50]), /promptIds\[1\]/],
      [req([1, -1]), /promptIds\[1\]/],
      [req([1, 2.5]), /promptIds\[1\]/],
      [req([1], { topP: 0 }), /topP/],
      [req([1], { temperature: -0.5 }), /temperature/],
      [req([1], { maxNewTokens: 0 }), /maxNewTokens/],
      [req([1], { topK: 1.5 }), /topK/],
      [req(Array.from({ length: 128 }, () => 1)), /max_position_embeddings/],
    ];
    for (const [r, pattern] of cases) {
      await assert.rejects(engine.submit(r), (e: unknown) => e instanceof OptionsError && pattern.test(e.message), `${JSON.stringify({ ...r, promptIds: Array.from(r.promptIds).slice(0, 3) })}`);
    }
    assert.throws(() => new GenerationEngine(policy, { maxBatch: 0 }), /maxBatch/);
    engine.dispose();
  });

  test('an AbortSignal aborts one request and leaves the others alone', async () => {
    const engine = new GenerationEngine(policy, { sampling: { temperature: 1, maxNewTokens: 30 } });
    const controller = new AbortController();
    const rs = PROMPTS.slice(0, 3).map((p, i) => req(p, { seed: 30 + i, temperature: 1, maxNewTokens: 30 }));
    const a = engine.submit(rs[0]!);
    let bDone = false;
    const b = engine.submit(rs[1]!, { signal: controller.signal }).finally(() => (bDone = true));
    const c = engine.submit(rs[2]!);
    // Aborted mid-generation, from a short request's completion (a microtask).
    let abortedAfter = -1;
    void engine.submit(req([9], { maxNewTokens: 4 })).then(() => {
      abortedAfter = engine.stats.steps;
      controller.abort();
    });
    await assert.rejects(b, (e: unknown) => e instanceof Error && e.name === 'AbortError');
    assert.ok(abortedAfter >= 3 && abortedAfter < 29, `aborted after ${abortedAfter} steps`);
    assert.equal(bDone, true);
    assertSameCompletion(await a, await alone(rs[0]!), 'a');
    assertSameCompletion(await c, await alone(rs[2]!), 'c');
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(engine.submit(rs[0]!, { signal: pre.signal }), { name: 'AbortError' });
    engine.dispose();
  });

  test('no tensors leak across generate calls; dispose frees the cache', async () => {
    const options = { maxBatch: 2, sampling: { temperature: 1, maxNewTokens: 8 } };
    const requests = PROMPTS.map((p) => req(p));
    // A first engine runs the same shapes, so that the model's per-length masks exist already.
    const warmUp = new GenerationEngine(policy, options);
    await warmUp.generate(requests);
    warmUp.dispose();
    const start = tf.memory().numTensors;
    const engine = new GenerationEngine(policy, options);
    await engine.generate(requests);
    assert.equal(tf.memory().numTensors, start);
    await engine.generate(PROMPTS.map((p, i) => req(p, { seed: i })));
    assert.equal(tf.memory().numTensors, start);
    const plain = new GenerationEngine(policy, { useCache: false, sampling: { maxNewTokens: 4 } });
    await plain.generate(requests);
    const warm = tf.memory().numTensors;
    await plain.generate(requests);
    assert.equal(tf.memory().numTensors, warm);
    engine.dispose();
    plain.dispose();
  });

  test('dispose rejects pending requests and frees its cache', async () => {
    await lastLogits([[1], [1, 2], [1, 2, 3]]); // the model's causal masks for these widths exist
    const start = tf.memory().numTensors;
    const engine = new GenerationEngine(policy, { maxBatch: 2, sampling: { maxNewTokens: 50 } });
    const long = engine.submit(req([1, 2, 3]));
    let held = 0;
    // Disposed mid-generation, from a short request's completion (a microtask).
    const short = engine.submit(req([7], { maxNewTokens: 2 })).then(() => {
      held = tf.memory().numTensors - start;
      engine.dispose();
    });
    const queued = engine.submit(req([4, 5]));
    await short;
    assert.ok(held > 0, 'the cache holds tensors mid-generation');
    for (const p of [long, queued]) await assert.rejects(p, (e: unknown) => e instanceof OptionsError && /disposed/.test(e.message));
    await assert.rejects(engine.submit(req([1])), /disposed/);
    // A step in flight when the engine was disposed frees its tensors when it finishes.
    for (const deadline = Date.now() + 5_000; tf.memory().numTensors !== start && Date.now() < deadline;) await new Promise((r) => setImmediate(r));
    assert.equal(tf.memory().numTensors, start);
  });

  test('a failing prefill rejects the requests it held instead of leaving them pending', async () => {
    const doomed = new TransformerLM({ config: CONFIG, seed: 3 });
    const engine = new GenerationEngine(doomed, { sampling: { maxNewTokens: 4 } });
    const pending = [engine.submit(req([1, 2])), engine.submit(req([3]))];
    doomed.dispose(); // before the engine's first step: its prefill throws
    for (const p of pending) await assert.rejects(p, /disposed/);
    engine.dispose();
  });
});
