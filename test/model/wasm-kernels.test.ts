// Tests of src/model/wasm-kernels.ts: UnsortedSegmentSum and the fast BatchMatMul/_FusedMatMul on the
// threaded wasm backend, compared with the cpu backend (or a plain-JS reference) within 1e-4 relative
// error; gradients of a tiny transformer-like model equal on wasm and cpu; no tensor leaks.
// Follows ../shared/STYLE.md (node:test, leak tests via tf.memory().numTensors).

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend.js';
import { registerWasmTrainingKernels } from '../../src/model/wasm-kernels.js';

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function rand(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(values(shape.reduce((p, d) => p * d, 1), seed), shape);
}

/** max |a-b| / max(1, |b|) over all elements; lengths must match. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'result sizes differ');
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

interface Result { shape: number[]; data: Float32Array | Int32Array | Uint8Array }

/** Runs `make` (which builds its own inputs) on one backend and reads every tensor it returns. */
async function runOn(backend: 'wasm' | 'cpu', make: () => tf.Tensor[]): Promise<Result[]> {
  assert.ok(await tf.setBackend(backend));
  try {
    const outs = tf.tidy(make);
    const results = await Promise.all(outs.map(async (t) => ({ shape: t.shape, data: await t.data() })));
    tf.dispose(outs);
    return results;
  } finally {
    await tf.setBackend('wasm');
  }
}

async function assertSame(make: () => tf.Tensor[], label: string): Promise<void> {
  const wasm = await runOn('wasm', make);
  const cpu = await runOn('cpu', make);
  assert.equal(wasm.length, cpu.length);
  wasm.forEach((w, i) => {
    assert.deepEqual(w.shape, cpu[i]!.shape, `${label}: shape of output ${i}`);
    const err = relErr(w.data, cpu[i]!.data);
    assert.ok(err < 1e-4, `${label}: output ${i} differs from cpu by ${err}`);
  });
}

function wasmDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

/** One warm-up call, then the call must leave tensor and backend data counts unchanged. */
async function assertNoLeak(label: string, make: () => tf.Tensor): Promise<void> {
  const first = tf.tidy(make);
  await first.data();
  first.dispose();
  const tensors = tf.memory().numTensors;
  const ids = wasmDataIds();
  const again = tf.tidy(make);
  await again.data();
  again.dispose();
  assert.equal(tf.memory().numTensors, tensors, `${label}: numTensors grew`);
  assert.equal(wasmDataIds(), ids, `${label}: wasm backend data ids grew`);
}

const COMBOS = [[false, false], [false, true], [true, false], [true, true]] as const;

function operandShapes(outer: number[], m: number, k: number, n: number, tA: boolean, tB: boolean, bOuter = outer): [number[], number[]] {
  return [[...outer, ...(tA ? [k, m] : [m, k])], [...bOuter, ...(tB ? [n, k] : [k, n])]];
}

before(async () => {
  const info = await initBackend({ backend: 'wasm', log: () => {} });
  assert.equal(info.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
});

describe('wasm UnsortedSegmentSum', () => {
  it('is registered for wasm', () => {
    assert.equal(typeof tf.getKernel('UnsortedSegmentSum', 'wasm').kernelFunc, 'function');
  });

  it('sums rank-3 rows by repeated ids, leaving empty segments zero (plain-JS reference)', async () => {
    const shape = [6, 2, 3];
    const x = values(36, 7);
    const ids = [3, 0, 3, 3, 1, 0];
    const expected = new Array<number>(5 * 6).fill(0);
    ids.forEach((s, r) => { for (let j = 0; j < 6; j++) expected[s * 6 + j]! += x[r * 6 + j]!; });
    const out = tf.unsortedSegmentSum(tf.tensor(x, shape), tf.tensor1d(ids, 'int32'), 5);
    assert.deepEqual(out.shape, [5, 2, 3]);
    const data = await out.data();
    out.dispose();
    assert.ok(relErr(data, expected) < 1e-6, `differs by ${relErr(data, expected)}`);
    assert.deepEqual(Array.from(data.slice(12, 18)), [0, 0, 0, 0, 0, 0]); // segment 2 is empty
    assert.deepEqual(Array.from(data.slice(24, 30)), [0, 0, 0, 0, 0, 0]); // segment 4 is empty
  });

  it('matches cpu for rank 1 and 2, and as the gradient of gather', async () => {
    await assertSame(() => [
      tf.unsortedSegmentSum(rand([9], 1), tf.tensor1d([0, 2, 2, 1, 0, 6, 6, 6, 2], 'int32'), 8),
      tf.unsortedSegmentSum(rand([5, 4], 2), tf.tensor1d([1, 1, 1, 3, 1], 'int32'), 4),
      tf.grad((table: tf.Tensor) => tf.sum(tf.mul(tf.gather(table, tf.tensor2d([[1, 4, 1], [0, 1, 6]], [2, 3], 'int32')), rand([2, 3, 5], 3))))(rand([7, 5], 4)),
    ], 'segment sum');
  });
});

describe('wasm BatchMatMul', () => {
  it('replaces the stock kernel, idempotently', () => {
    const kernel = tf.getKernel('BatchMatMul', 'wasm').kernelFunc;
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    assert.equal(tf.getKernel('BatchMatMul', 'wasm').kernelFunc, kernel);
  });

  const cases: { label: string; outer: number[]; bOuter?: number[]; m: number; k: number; n: number }[] = [
    { label: '2D 7x13x5', outer: [], m: 7, k: 13, n: 5 },
    { label: '2D 33x64x17', outer: [], m: 33, k: 64, n: 17 },
    { label: '3D [3] 7x13x5', outer: [3], m: 7, k: 13, n: 5 },
    { label: 'rank-4 [2,3] T=6 D=4', outer: [2, 3], m: 6, k: 4, n: 6 },
    { label: 'rank-4 [2,3] 6x6x4', outer: [2, 3], m: 6, k: 6, n: 4 },
    { label: 'broadcast a [1] x b [4]', outer: [1], bOuter: [4], m: 7, k: 13, n: 5 },
    { label: 'broadcast a [4] x b [1]', outer: [4], bOuter: [1], m: 7, k: 13, n: 5 },
    { label: 'broadcast a [4] x b 2D', outer: [4], bOuter: [], m: 5, k: 3, n: 9 },
  ];
  for (const c of cases) {
    it(`matches cpu: ${c.label}, all transpose combinations`, async () => {
      await assertSame(() => COMBOS.map(([tA, tB], i) => {
        const [aShape, bShape] = operandShapes(c.outer, c.m, c.k, c.n, tA, tB, c.bOuter);
        return tf.matMul(rand(aShape, 10 + i), rand(bShape, 20 + i), tA, tB);
      }), c.label);
    });
  }

  it('matches cpu for tf.fused.matMul with transposes, batch, bias and relu', async () => {
    await assertSame(() => COMBOS.flatMap(([tA, tB], i) => {
      const [a2, b2] = operandShapes([], 7, 13, 5, tA, tB);
      const [a3, b3] = operandShapes([3], 7, 13, 5, tA, tB);
      const [a4, b4] = operandShapes([3], 7, 13, 5, tA, tB, [1]);
      const bias = rand([5], 30 + i);
      return [
        tf.fused.matMul({ a: rand(a2, 10 + i), b: rand(b2, 20 + i), transposeA: tA, transposeB: tB, bias, activation: 'relu' }),
        tf.fused.matMul({ a: rand(a3, 11 + i), b: rand(b3, 21 + i), transposeA: tA, transposeB: tB, bias }),
        tf.fused.matMul({ a: rand(a4, 12 + i), b: rand(b4, 22 + i), transposeA: tA, transposeB: tB, bias, activation: 'relu' }),
      ];
    }), 'fused');
  });
});

/** A tiny embedding + rmsnorm + attention + gated MLP + logits model; returns the loss. */
function tinyLoss(v: Record<string, tf.Variable>): tf.Scalar {
  const [B, T, H, Dh, V] = [2, 5, 2, 4, 11];
  const d = H * Dh;
  const ids = tf.tensor2d([[1, 4, 1, 9, 0], [3, 3, 10, 2, 7]], [B, T], 'int32');
  let x = tf.gather(v.embed!, ids); // [B,T,d]
  const rms = (t: tf.Tensor, w: tf.Tensor): tf.Tensor => tf.mul(tf.mul(t, tf.rsqrt(tf.add(tf.mean(tf.square(t), -1, true), 1e-6))), w);
  const h = tf.reshape(rms(x, v.norm1!), [B * T, d]);
  const heads = (w: tf.Tensor): tf.Tensor => tf.transpose(tf.reshape(tf.matMul(h, w, false, true), [B, T, H, Dh]), [0, 2, 1, 3]);
  const q = heads(v.wq!), k = heads(v.wk!), val = heads(v.wv!);
  const rot = tf.concat([tf.neg(tf.slice(q, [0, 0, 0, Dh / 2], [-1, -1, -1, Dh / 2])), tf.slice(q, [0, 0, 0, 0], [-1, -1, -1, Dh / 2])], -1);
  const qr = tf.add(tf.mul(q, 0.8), tf.mul(rot, 0.6));
  const causal = tf.linalg.bandPart(tf.ones([T, T]), -1, 0);
  const scores = tf.where(tf.cast(causal, 'bool'), tf.div(tf.matMul(qr, k, false, true), Math.sqrt(Dh)), tf.fill([B, H, T, T], -1e9));
  const att = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), val), [0, 2, 1, 3]), [B * T, d]);
  x = tf.add(x, tf.reshape(tf.matMul(att, v.wo!), [B, T, d]));
  const g = tf.reshape(rms(x, v.norm2!), [B * T, d]);
  const gate = tf.matMul(g, v.wg!);
  const mlp = tf.matMul(tf.mul(tf.mul(gate, tf.sigmoid(gate)), tf.maximum(tf.matMul(g, v.wu!), -0.5)), v.wd!, false, false);
  const out = tf.add(tf.reshape(x, [B * T, d]), mlp);
  const logits = tf.matMul(out, v.embed!, false, true); // tied embeddings
  const logp = tf.logSoftmax(logits);
  const targets = tf.oneHot(tf.tensor1d([4, 1, 9, 0, 2, 3, 10, 2, 7, 5], 'int32'), V);
  const extra = tf.mean(tf.log(tf.add(tf.exp(tf.sum(tf.mul(logp, targets), -1)), 1)));
  return tf.add(tf.neg(tf.mean(tf.sum(tf.mul(logp, targets), -1))), extra) as tf.Scalar;
}

function tinyGrads(): tf.Tensor[] {
  const shapes: Record<string, number[]> = {
    embed: [11, 8], norm1: [8], norm2: [8], wq: [8, 8], wk: [8, 8], wv: [8, 8], wo: [8, 8], wg: [8, 12], wu: [8, 12], wd: [12, 8],
  };
  const vars: Record<string, tf.Variable> = {};
  Object.entries(shapes).forEach(([name, shape], i) => { vars[name] = tf.variable(tf.add(rand(shape, 100 + i), name.startsWith('norm') ? 1 : 0)); });
  const { value, grads } = tf.variableGrads(() => tinyLoss(vars), Object.values(vars));
  const result = [value, ...Object.values(vars).map((v) => grads[v.name]!)];
  tf.dispose(Object.values(vars));
  return result;
}

describe('training on wasm', () => {
  it('gives the loss and gradients of a tiny model that cpu gives', async () => {
    const [loss] = await runOn('wasm', tinyGrads);
    assert.ok(Number.isFinite(loss!.data[0]) && loss!.data[0]! > 1, `loss ${loss!.data[0]}`);
    await assertSame(tinyGrads, 'tiny model grads');
  });
});

describe('no leaks', () => {
  it('leaves tensor and backend data counts unchanged after each kernel', async () => {
    const x = rand([6, 2, 3], 5), ids = tf.tensor1d([3, 0, 3, 3, 1, 0], 'int32'), bias = rand([5], 6);
    await assertNoLeak('segment sum', () => tf.unsortedSegmentSum(x, ids, 5));
    for (const [tA, tB] of COMBOS) {
      const [a4, b4] = operandShapes([2, 3], 6, 4, 5, tA, tB);
      const [a2, b2] = operandShapes([], 7, 13, 5, tA, tB);
      await assertNoLeak(`matMul 4D ${tA} ${tB}`, () => tf.matMul(rand(a4, 1), rand(b4, 2), tA, tB));
      await assertNoLeak(`matMul 2D ${tA} ${tB}`, () => tf.matMul(rand(a2, 3), rand(b2, 4), tA, tB));
      await assertNoLeak(`fused ${tA} ${tB}`, () => tf.fused.matMul({ a: rand(a2, 3), b: rand(b2, 4), transposeA: tA, transposeB: tB, bias }));
    }
    await assertNoLeak('broadcast matMul', () => tf.matMul(rand([1, 7, 13], 7), rand([4, 13, 5], 8)));
    await assertNoLeak('training step grads', () => tf.tidy(() => { const [loss, ...rest] = tinyGrads(); tf.dispose(rest); return loss!; }));
    tf.dispose([x, ids, bias]);
  });
});

describe('wasm Slice and SplitV (copy-free)', () => {
  it('replace the stock kernels', () => {
    const slice = tf.getKernel('Slice', 'wasm').kernelFunc;
    const split = tf.getKernel('SplitV', 'wasm').kernelFunc;
    registerWasmTrainingKernels();
    assert.equal(tf.getKernel('Slice', 'wasm').kernelFunc, slice);
    assert.equal(tf.getKernel('SplitV', 'wasm').kernelFunc, split);
  });

  it('slices equal cpu exactly: ranks 1-5, inner and outer boxes, whole trailing axes, int32, empty', async () => {
    const x5 = (): tf.Tensor => rand([2, 3, 4, 5, 6], 41);
    await assertSame(() => [
      tf.slice(rand([10], 40), [3], [4]),
      tf.slice(rand([6, 7], 42), [1, 2], [4, 3]),
      tf.slice(rand([6, 7], 43), [2, 0], [3, 7]), // whole rows: one contiguous run
      tf.slice(rand([6, 7], 44), [0, 6], [6, 1]), // a column
      tf.slice(rand([3, 4, 5], 45), [1, 1, 0], [2, 2, 5]),
      tf.slice(rand([3, 4, 5], 46), [0, 0, 2], [3, 4, 2]),
      tf.slice(rand([2, 5, 3, 4], 47), [0, 1, 0, 0], [2, 3, 3, 4]),
      tf.slice(rand([2, 5, 3, 4], 48), [1, 2, 1, 1], [1, 2, 2, 3]),
      tf.slice(x5(), [1, 0, 1, 2, 0], [1, 3, 2, 2, 6]),
      tf.slice(x5(), [0, 1, 0, 0, 3], [2, 1, 4, 5, 3]),
      tf.slice(tf.tensor2d(values(12, 49).map((v) => Math.round(v * 100)), [3, 4], 'int32'), [1, 1], [2, 2]),
      tf.slice(rand([4, 3], 50), [1, 0], [0, 3]),
    ], 'slice');
  });

  it('splits equal cpu exactly along each axis, and its gradient (concat) too', async () => {
    await assertSame(() => [
      ...tf.split(rand([8, 12], 51), [5, 4, 3], 1),
      ...tf.split(rand([8, 12], 52), 4, 0),
      ...tf.split(rand([2, 6, 3, 4], 53), [1, 2, 3], 1),
      ...tf.split(rand([2, 3, 9], 54), 3, -1),
      tf.grad((x: tf.Tensor) => {
        const [a, b, c] = tf.split(x, [2, 3, 1], 1);
        return tf.sum(tf.add(tf.mul(a!, 2), tf.sum(tf.mul(b!, c!), 1, true)));
      })(rand([5, 6], 55)),
    ], 'split');
  });

  it('leak no tensor and no backend data', async () => {
    await assertNoLeak('slice', () => tf.slice(rand([6, 7], 56), [1, 2], [4, 3]));
    await assertNoLeak('split', () => tf.concat(tf.split(rand([6, 9], 57), 3, 1), 0));
  });
});

describe('wasm Identity (shared data)', () => {
  it('clones share data by reference count: each survives the other, both freed at the end', async () => {
    const ids = wasmDataIds();
    const x = rand([3, 4], 60);
    const expected = Array.from(await x.data());
    const y = tf.clone(x);
    assert.equal(wasmDataIds(), ids + 1, 'the clone holds no copy of the data');
    x.dispose();
    assert.deepEqual(Array.from(await y.data()), expected, 'the clone outlives the original');
    const z = y.clone();
    y.dispose();
    assert.deepEqual(Array.from(await z.data()), expected);
    z.dispose();
    assert.equal(wasmDataIds(), ids, 'the data is freed with the last reference');
  });

  it('a variable assigned after a clone leaves the clone unchanged', async () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const c = v.clone();
    const next = tf.tensor1d([7, 8, 9]);
    v.assign(next);
    assert.deepEqual(Array.from(await c.data()), [1, 2, 3]);
    assert.deepEqual(Array.from(await v.data()), [7, 8, 9]);
    tf.dispose([v, c, next]);
  });
});
