// Training kernels for the tfjs `wasm` backend (@tensorflow/tfjs-backend-wasm 4.22), written the way
// the package's own kernels are (dist/kernels/*.js: cwrap'd C entry points, makeOutput, dataIdMap ids).
// - UnsortedSegmentSum: missing on wasm; it is the gradient of gather (embedding lookups).
// - BatchMatMul / _FusedMatMul: the C kernel uses XNNPACK only for one [1,M,K]x[1,K,N] product with no
//   transpose flags and otherwise a naive loop (1.3-1.9 GFLOP/s). These wrappers transpose operands
//   explicitly (wasm Transpose kernel) and run each batch item through the XNNPACK path, on zero-copy
//   tensor ids that alias slices of the heap (as BackendWasm.move registers tensors), disposed after.
// - Slice / SplitV: the stock Slice reads its input with readSync, which on wasm copies the WHOLE
//   input out of the heap into a fresh ArrayBuffer for every slice, so splitting a fused q/k/v or
//   gate/up projection ([1024, 1152] into 3) took 13 ms instead of under 1. These copy the rows
//   straight from heap views; SplitV is replaced too because the stock one calls Slice directly.
// - Identity: tfjs's engine clones every tensor it saves for the backward pass, and the stock
//   wasm Identity copies the data (about 130 MB per training step of the 1M model). Tensors are
//   immutable (a Variable's assign swaps its dataId), so this one shares the data by reference
//   count, as the cpu backend's Identity and the wasm Reshape already do.
//
// Over 300 lines because every kernel here goes through the same private machinery: the view of
// BackendWasm's internals, tensor ids that alias heap slices, and the `replace`/`original` registry
// that keeps each stock kernel as the fallback; split per kernel, each file would need that
// machinery, widening what depends on the package's internals.

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm'; // registers the stock wasm kernels that are wrapped here

type WasmFn = (...args: (number | Uint8Array)[]) => void;

/** The parts of BackendWasm (dist/backend_wasm.js) these kernels use. */
interface WasmBackend {
  wasm: {
    cwrap(name: string, returnType: null, argTypes: string[]): WasmFn;
    tfjs: { registerTensor(id: number, size: number, memoryOffset: number): void; disposeData(id: number): void };
  };
  dataIdMap: { get(dataId: tf.DataId): { id: number; memoryOffset: number } | undefined };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

const W = 'wasm';
const F32 = 4;
const mine = new Set<tf.KernelFunc>();
const originals = new Map<string, tf.KernelConfig>();
const setUpFor = new Map<string, WeakSet<object>>();
const cwraps = new WeakMap<object, Map<string, WasmFn>>();

function wasmOf(backend: unknown): WasmBackend {
  return backend as WasmBackend;
}

function idOf(b: WasmBackend, t: tf.TensorInfo): number {
  const data = b.dataIdMap.get(t.dataId);
  if (data === undefined) throw new Error('wasm kernel: tensor data not found on the wasm backend');
  return data.id;
}

function offsetOf(b: WasmBackend, t: tf.TensorInfo): number {
  return b.dataIdMap.get(t.dataId)?.memoryOffset ?? 0;
}

/** Runs the wrapped stock kernel, calling its setupFunc first if this backend instance has not seen it. */
function original(name: string, args: KernelArgs): tf.TensorInfo {
  const config = originals.get(name);
  if (config === undefined) throw new Error(`wasm kernel ${name}: original kernel missing`);
  const backend = args.backend as object;
  let seen = setUpFor.get(name);
  if (seen === undefined) setUpFor.set(name, (seen = new WeakSet()));
  if (!seen.has(backend)) {
    config.setupFunc?.(backend as tf.KernelBackend);
    seen.add(backend);
  }
  return config.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

function cwrapOf(b: WasmBackend, name: string, argTypes: string[]): WasmFn {
  let fns = cwraps.get(b.wasm);
  if (fns === undefined) cwraps.set(b.wasm, (fns = new Map()));
  let fn = fns.get(name);
  if (fn === undefined) fns.set(name, (fn = b.wasm.cwrap(name, null, argTypes)));
  return fn;
}

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

function product(dims: readonly number[]): number {
  return dims.reduce((p, d) => p * d, 1);
}

/** x [N, ...rest] summed into [numSegments, ...rest] by segmentIds [N]; ids out of range are dropped. */
function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const b = wasmOf(args.backend);
  const x = args.inputs.x;
  const ids = args.inputs.segmentIds;
  const numSegments = Number(args.attrs?.numSegments);
  if (x === undefined || ids === undefined) throw new Error('UnsortedSegmentSum: inputs x and segmentIds are required');
  const rows = product(ids.shape);
  const inner = rows === 0 ? 0 : product(x.shape) / rows;
  const out = b.makeOutput([numSegments, ...x.shape.slice(ids.shape.length)], x.dtype);
  // Views only now: makeOutput may grow the heap, which detaches views taken before it.
  const o = b.typedArrayFromHeap(out);
  const xs = b.typedArrayFromHeap(x);
  const seg = b.typedArrayFromHeap(ids);
  o.fill(0);
  for (let r = 0; r < rows; r++) {
    const s = Math.trunc(seg[r]!);
    if (s < 0 || s >= numSegments) continue;
    const src = r * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) o[dst + j]! += xs[src + j]!;
  }
  return out;
}

/** [batch, rows, cols] -> [batch, cols, rows] by the wasm Transpose kernel; a new tensor to dispose. */
function transposed(b: WasmBackend, t: tf.TensorInfo, batch: number, rows: number, cols: number): tf.TensorInfo {
  const kernel = tf.getKernel('Transpose', W);
  const x: tf.TensorInfo = { dataId: t.dataId, shape: [batch, rows, cols], dtype: t.dtype };
  return kernel.kernelFunc({ inputs: { x }, backend: b as unknown as tf.KernelBackend, attrs: { perm: [0, 2, 1] } }) as tf.TensorInfo;
}

/** For each output batch item, the batch items of a and b it reads (numpy broadcasting of the outer dims). */
function batchPairs(outer: number[], aOuter: number[], bOuter: number[]): [number, number][] {
  const pairs: [number, number][] = [];
  const total = product(outer);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let ia = 0, ib = 0, sa = 1, sb = 1;
    for (let d = outer.length - 1; d >= 0; d--) {
      const coord = rest % outer[d]!;
      rest = Math.floor(rest / outer[d]!);
      const da = aOuter[d - (outer.length - aOuter.length)] ?? 1;
      const db = bOuter[d - (outer.length - bOuter.length)] ?? 1;
      if (da !== 1) ia += coord * sa;
      if (db !== 1) ib += coord * sb;
      sa *= da;
      sb *= db;
    }
    pairs.push([ia, ib]);
  }
  return pairs;
}

interface Plan {
  a: tf.TensorInfo; b: tf.TensorInfo; // operands as [batchA, M, K] and [batchB, K, N], contiguous
  temps: tf.TensorInfo[];
  aOuter: number[]; bOuter: number[]; outer: number[];
  m: number; k: number; n: number; batchA: number; batchB: number;
}

/** Shapes of a product and its operands made untransposed; undefined when the stock kernel should run. */
function plan(bk: WasmBackend, args: KernelArgs): Plan | undefined {
  const a = args.inputs.a;
  const b = args.inputs.b;
  if (a === undefined || b === undefined) throw new Error('MatMul: inputs a and b are required');
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const tA = args.attrs?.transposeA === true;
  const tB = args.attrs?.transposeB === true;
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const m = tA ? ac : ar, k = tA ? ar : ac, n = tB ? br : bc;
  if ((tB ? bc : br) !== k) return undefined; // let the stock kernel report the mismatch
  const aOuter = a.shape.slice(0, -2), bOuter = b.shape.slice(0, -2);
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(aOuter, bOuter);
  const batchA = product(aOuter), batchB = product(bOuter);
  if (m * n * k * batchA * batchB === 0) return undefined;
  const temps: tf.TensorInfo[] = [];
  let a3 = a, b3 = b;
  if (tA) temps.push((a3 = transposed(bk, a, batchA, k, m)));
  if (tB) temps.push((b3 = transposed(bk, b, batchB, n, k)));
  return { a: a3, b: b3, temps, aOuter, bOuter, outer, m, k, n, batchA, batchB };
}

/** Registers a tensor id aliasing `size` floats of the heap at `offset`. */
function view(b: WasmBackend, offset: number, size: number, views: number[]): number {
  const id = b.dataIdNextNumber++;
  b.wasm.tfjs.registerTensor(id, size, offset);
  views.push(id);
  return id;
}

const MATMUL_ARGS = ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number'];
const FUSED_ARGS = [...MATMUL_ARGS.slice(0, 8), 'number', 'number', 'number', 'number', 'number'];
const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, prelu: 3, leakyrelu: 4, sigmoid: 5, elu: 6 };

/** Calls `product(aId, aShape, bId, bShape, outId)` once per batch item (once in all when b has batch 1). */
type Product = (aId: number, aShape: Uint8Array, bId: number, bShape: Uint8Array, outId: number) => void;

function runProducts(bk: WasmBackend, p: Plan, product3: Product, views: number[]): tf.TensorInfo {
  const { m, k, n, batchA, batchB } = p;
  const out = bk.makeOutput([product(p.outer), m, n], 'float32');
  const aId = idOf(bk, p.a), bId = idOf(bk, p.b), outId = idOf(bk, out);
  const bShape = shapeBytes([1, k, n]);
  if (batchB === 1) {
    // Every a item times the one b: one [batchA*M, K] x [K, N] product (the output is contiguous too).
    product3(aId, shapeBytes([1, batchA * m, k]), bId, bShape, outId);
  } else {
    const aOff = offsetOf(bk, p.a), bOff = offsetOf(bk, p.b), outOff = offsetOf(bk, out);
    const aShape = shapeBytes([1, m, k]);
    batchPairs(p.outer, p.aOuter, p.bOuter).forEach(([ia, ib], i) => {
      const av = batchA === 1 ? aId : view(bk, aOff + ia * m * k * F32, m * k, views);
      const bv = view(bk, bOff + ib * k * n * F32, k * n, views);
      const ov = view(bk, outOff + i * m * n * F32, m * n, views);
      product3(av, aShape, bv, bShape, ov);
    });
  }
  return { dataId: out.dataId, shape: [...p.outer, m, n], dtype: 'float32' };
}

function release(bk: WasmBackend, p: Plan, views: number[]): void {
  // Disposing a view also deletes the XNNPACK operator the C side cached on it.
  for (const id of views) bk.wasm.tfjs.disposeData(id);
  for (const t of p.temps) bk.disposeData(t.dataId);
}

function batchMatMul(args: KernelArgs): tf.TensorInfo {
  const bk = wasmOf(args.backend);
  const p = plan(bk, args);
  if (p === undefined) return original('BatchMatMul', args);
  const views: number[] = [];
  try {
    const fast = cwrapOf(bk, 'BatchMatMul', MATMUL_ARGS);
    return runProducts(bk, p, (a, aShape, b, bShape, out) => fast(a, aShape, 3, b, bShape, 3, 0, 0, out), views);
  } finally {
    release(bk, p, views);
  }
}

/**
 * tf.fused.matMul (inputs already rank 3): the same plan, with bias and activation fused in each
 * XNNPACK call. The bias goes in as a per-call alias so that no operator-cache key outlives the call.
 * With PReLU weights the stock kernel runs on the untransposed operands (naive loop when batched).
 */
function fusedMatMul(args: KernelArgs): tf.TensorInfo {
  const bk = wasmOf(args.backend);
  const activation = ACTIVATIONS[String(args.attrs?.activation ?? 'linear')];
  const p = activation === undefined ? undefined : plan(bk, args);
  if (p === undefined) return original('_FusedMatMul', args);
  const views: number[] = [];
  try {
    const { bias, preluActivationWeights } = args.inputs;
    if (preluActivationWeights != null || (bias != null && bias.shape.length !== 1)) {
      const a: tf.TensorInfo = { ...p.a, shape: [p.batchA, p.m, p.k] };
      const b: tf.TensorInfo = { ...p.b, shape: [p.batchB, p.k, p.n] };
      const attrs = { ...args.attrs, transposeA: false, transposeB: false };
      const out = original('_FusedMatMul', { ...args, inputs: { ...args.inputs, a, b }, attrs });
      return { dataId: out.dataId, shape: [...p.outer, p.m, p.n], dtype: out.dtype };
    }
    const biasId = bias == null ? 0 : view(bk, offsetOf(bk, bias), p.n, views);
    const alpha = Number(args.attrs?.leakyreluAlpha ?? 0);
    const fast = cwrapOf(bk, '_FusedMatMul', FUSED_ARGS);
    return runProducts(bk, p, (a, aShape, b, bShape, out) => fast(a, aShape, 3, b, bShape, 3, 0, 0, activation!, biasId, 0, alpha, out), views);
  } finally {
    release(bk, p, views);
  }
}

/**
 * Copies the box `begin`/`size` of x into a new tensor from heap views (no readSync copy). Trailing
 * axes taken whole are merged into one contiguous run, so a slice of rows is one copy per row.
 */
function sliceOf(b: WasmBackend, x: tf.TensorInfo, begin: readonly number[], size: readonly number[]): tf.TensorInfo {
  const out = b.makeOutput([...size], x.dtype);
  if (product(size) === 0) return out;
  // Views only now: makeOutput may grow the heap, which detaches views taken before it.
  const xs = b.typedArrayFromHeap(x);
  const o = b.typedArrayFromHeap(out);
  const rank = x.shape.length;
  const strides = [...tf.util.computeStrides(x.shape), 1];
  let axis = rank - 1; // the outermost axis of the contiguous run
  while (axis > 0 && begin[axis] === 0 && size[axis] === x.shape[axis]) axis -= 1;
  const run = size[axis]! * strides[axis]!;
  const outerShape = size.slice(0, axis);
  const rows = product(outerShape);
  const index = new Array<number>(axis).fill(0);
  let dst = 0;
  for (let r = 0; r < rows; r++) {
    let src = begin[axis]! * strides[axis]!;
    for (let d = 0; d < axis; d++) src += (begin[d]! + index[d]!) * strides[d]!;
    o.set(xs.subarray(src, src + run), dst);
    dst += run;
    for (let d = axis - 1; d >= 0; d--) {
      if (++index[d]! < outerShape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

function slice(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs.x;
  if (x === undefined) throw new Error('Slice: input x is required');
  if (x.dtype === 'string') return original('Slice', args);
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, args.attrs?.begin as number[], args.attrs?.size as number[]);
  return sliceOf(wasmOf(args.backend), x, begin!, size!);
}

function splitV(args: KernelArgs): tf.TensorInfo[] {
  const x = args.inputs.x;
  if (x === undefined) throw new Error('SplitV: input x is required');
  if (x.dtype === 'string') return original('SplitV', args) as unknown as tf.TensorInfo[];
  const axis = tf.util.parseAxisParam(args.attrs?.axis as number, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, args.attrs?.numOrSizeSplits as number[] | number, axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[axis] = s;
    const part = sliceOf(wasmOf(args.backend), x, begin, size);
    begin[axis] = begin[axis]! + s;
    return part;
  });
}

function identity(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs.x;
  if (x === undefined) throw new Error('Identity: input x is required');
  if (x.dtype === 'string') return original('Identity', args);
  (args.backend as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

function replace(name: string, kernelFunc: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]): void {
  const current = tf.getKernel(name, W) as tf.KernelConfig | undefined;
  if (current !== undefined && mine.has(current.kernelFunc)) return;
  const func = kernelFunc as unknown as tf.KernelFunc;
  if (current !== undefined) {
    originals.set(name, current);
    tf.unregisterKernel(name, W);
  }
  mine.add(func);
  tf.registerKernel({
    kernelName: name,
    backendName: W,
    kernelFunc: func,
    // Runs when a wasm backend initialises after this registration; later ones set up lazily.
    setupFunc: current?.setupFunc === undefined ? undefined : (backend) => {
      current.setupFunc?.(backend);
      let seen = setUpFor.get(name);
      if (seen === undefined) setUpFor.set(name, (seen = new WeakSet()));
      seen.add(backend);
    },
  });
}

/**
 * Registers UnsortedSegmentSum, the fast BatchMatMul/_FusedMatMul and the copy-free Slice/SplitV
 * and Identity for the `wasm` backend.
 * Idempotent; may run before or after the wasm backend initialises.
 */
export function registerWasmTrainingKernels(): void {
  replace('UnsortedSegmentSum', unsortedSegmentSum);
  replace('BatchMatMul', batchMatMul);
  replace('_FusedMatMul', fusedMatMul);
  replace('Slice', slice);
  replace('SplitV', splitV);
  replace('Identity', identity);
}
