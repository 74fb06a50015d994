// A reader and writer of the safetensors format (huggingface/safetensors: 8-byte little-endian u64
// header length N, N bytes of JSON header, raw little-endian tensor data). Hand-written: there is
// no maintained safetensors package for Node. Reads F32, F16 and BF16 into
// Float32Array with positioned reads, one tensor at a time (a multi-GB file is never held in
// memory, and no byte is read twice); writes F32 through a temp file renamed into place.
//
// Over 300 lines because the reader and the writer are the two halves of one format: the header
// layout (length prefix, JSON with data_offsets, `__metadata__`), the dtype sizes and the
// byte-order handling are defined once here, and the reader's checks (offsets in range, no
// overlaps, sizes by dtype) are the rules the writer's output must meet.

import { rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fsyncDir, renameStep, temporaryTag, writeNewFile } from '../data/durable-io.js';
import { openRegularFile } from '../data/load-errors.js';
import { parseJsonText } from '../data/json-text.js';
import { WebAgentError } from '../errors.js';
import { bool, custom, defineOptions, obj } from '../options.js';

/**
 * A safetensors file cannot be read, is malformed, holds something this reader cannot decode, or
 * holds NaN or infinite values (refused unless `allowNonFinite`).
 */
export class SafetensorsError extends WebAgentError {
  /** The tensor at fault, when there is one. */
  readonly tensor: string | undefined;
  /** How many values of `tensor` are NaN or infinite, when that is the fault. */
  readonly nonFiniteValues: number | undefined;
  constructor(message: string, options: { tensor?: string; nonFiniteValues?: number; cause?: unknown } = {}) {
    super('INVALID_SAFETENSORS', message, options.cause === undefined ? undefined : { cause: options.cause });
    this.tensor = options.tensor;
    this.nonFiniteValues = options.nonFiniteValues;
  }
}

/** Options of readSafetensors. */
export interface ReadSafetensorsOptions {
  /** Read only these tensors (default all). */
  readonly names?: Iterable<string>;
  /**
   * Load tensors holding NaN or infinite values. Default false: such a tensor is refused with a
   * SafetensorsError naming it and the count (weights of a diverged run or a corrupt file would
   * make every output NaN).
   */
  readonly allowNonFinite?: boolean;
}

/** One tensor entry of a header. `dataOffsets` are relative to the end of the header. */
export interface SafetensorsEntry {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly dataOffsets: readonly [number, number];
}

export interface SafetensorsHeader {
  readonly tensors: ReadonlyMap<string, SafetensorsEntry>;
  /** `__metadata__` (string to string), `{}` when absent. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Byte position of the data section (8 + header length). */
  readonly dataStart: number;
  readonly fileSize: number;
}

/** A decoded tensor. `dtype` is the dtype stored in the file; `data` is always float32. */
export interface SafetensorsTensor {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Bytes per element of the safetensors dtypes (for validating offsets of any dtype). */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, F8_E4M3: 1, F8_E5M2: 1,
  I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};
const READABLE = new Set(['F32', 'F16', 'BF16']);
// The reference implementation refuses headers over 100 MB; a bigger one is a corrupt length.
const MAX_HEADER = 100_000_000;
// Half-precision tensors are read and converted in chunks of this many bytes (no full raw copy).
const CHUNK_BYTES = 1 << 22;
const LITTLE_ENDIAN = os.endianness() === 'LE';

async function readFully(handle: FileHandle, target: Uint8Array, position: number, file: string): Promise<void> {
  let done = 0;
  while (done < target.byteLength) {
    const { bytesRead } = await handle.read(target, done, target.byteLength - done, position + done);
    if (bytesRead === 0) throw new SafetensorsError(`${file}: unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** Opens a safetensors file for reading: a SafetensorsError naming the path when it is missing, a folder or unreadable. */
async function openFile(file: string): Promise<FileHandle> {
  const opened = await openRegularFile(file, 'a safetensors file');
  if (!opened.ok) throw new SafetensorsError(opened.problem);
  return opened.handle;
}

/** Parses and validates the header of an open file (two small reads). */
async function readHeaderFrom(handle: FileHandle, file: string): Promise<SafetensorsHeader> {
  const fileSize = (await handle.stat()).size;
  const name = path.basename(file);
  if (fileSize < 8) throw new SafetensorsError(`${name}: ${fileSize} bytes is too short for a safetensors file (needs an 8-byte header length)`);
  const lengthBytes = new Uint8Array(8);
  await readFully(handle, lengthBytes, 0, name);
  const length = new DataView(lengthBytes.buffer).getBigUint64(0, true);
  if (length > BigInt(fileSize - 8) || length > BigInt(MAX_HEADER)) {
    throw new SafetensorsError(`${name}: header length ${length} is beyond the file size ${fileSize} (or over 100 MB): not a safetensors file, or truncated`);
  }
  const n = Number(length);
  const headerBytes = new Uint8Array(n);
  await readFully(handle, headerBytes, 8, name);
  const parsed = parseJsonText(new TextDecoder().decode(headerBytes));
  if (!parsed.ok) throw new SafetensorsError(`${name}: the header is not valid JSON: ${parsed.problem}`);
  const json = parsed.value;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SafetensorsError(`${name}: the header is not a JSON object`);
  const dataStart = 8 + n;
  const dataSize = fileSize - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (typeof value !== 'object' || value === null) throw new SafetensorsError(`${name}: __metadata__ must be an object of strings`);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(`${name}: __metadata__.${k} must be a string, got ${typeof v}`);
        metadata[k] = v;
      }
      continue;
    }
    const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    const offsets = entry?.data_offsets;
    if (typeof entry?.dtype !== 'string' || !Array.isArray(entry.shape) || !entry.shape.every(isCount)
      || !Array.isArray(offsets) || offsets.length !== 2 || !isCount(offsets[0]) || !isCount(offsets[1])) {
      throw new SafetensorsError(`${name}: tensor "${key}" needs {dtype: string, shape: int[], data_offsets: [begin, end]}`, { tensor: key });
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataSize) {
      throw new SafetensorsError(`${name}: tensor "${key}" data_offsets [${begin}, ${end}] are out of range (data section is ${dataSize} bytes)`, { tensor: key });
    }
    const shape = entry.shape as number[];
    const bytes = DTYPE_BYTES[entry.dtype];
    const count = shape.reduce((a, d) => a * d, 1);
    if (bytes !== undefined && count * bytes !== end - begin) {
      throw new SafetensorsError(
        `${name}: tensor "${key}" (${entry.dtype}, shape [${shape.join(', ')}]) needs ${count * bytes} bytes, its data_offsets span ${end - begin}`, { tensor: key });
    }
    tensors.set(key, { dtype: entry.dtype, shape, dataOffsets: [begin, end] });
  }
  const sorted = [...tensors].sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0]);
  for (let i = 1; i < sorted.length; i++) {
    const [prevName, prev] = sorted[i - 1]!;
    const [curName, cur] = sorted[i]!;
    if (cur.dataOffsets[0] < prev.dataOffsets[1]) {
      throw new SafetensorsError(`${name}: tensors "${prevName}" and "${curName}" overlap (bytes [${prev.dataOffsets.join(', ')}] and [${cur.dataOffsets.join(', ')}])`, { tensor: curName });
    }
  }
  return { tensors, metadata, dataStart, fileSize };
}

/** Reads only the header: names, dtypes, shapes, offsets and `__metadata__`. */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  const handle = await openFile(file);
  try {
    return await readHeaderFrom(handle, file);
  } finally {
    await handle.close();
  }
}

let halfTable: Float32Array | undefined;
/** IEEE 754 binary16 -> float32 for all 65536 bit patterns (subnormals, inf and NaN included). */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    let value: number;
    if (exponent === 0) value = mantissa * 2 ** -24; // zero and subnormals: m / 1024 * 2^-14
    else if (exponent === 31) value = mantissa === 0 ? Infinity : NaN;
    else value = (1 + mantissa / 1024) * 2 ** (exponent - 15);
    halfTable[h] = sign * value;
  }
  return halfTable;
}

/** Decodes little-endian F16/BF16 bytes into out[at...]. */
function decodeHalf(dtype: string, raw: Uint8Array, out: Float32Array, at: number): void {
  const n = raw.byteLength >> 1;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (dtype === 'F16') {
    const table = halfToFloatTable();
    for (let i = 0; i < n; i++) out[at + i] = table[view.getUint16(2 * i, true)]!;
  } else {
    // bfloat16 is the top half of a float32: shifting the bits back is exact for every value.
    const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
    for (let i = 0; i < n; i++) bits[at + i] = view.getUint16(2 * i, true) << 16;
  }
}

/** NaN and infinite values among `data[from, to)`, counted on the float32 bits (exponent all ones). */
function countNonFinite(data: Float32Array, from: number, to: number, into: { nan: number; infinite: number }): void {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let i = from; i < to; i++) {
    const b = bits[i]!;
    if ((b & 0x7f800000) === 0x7f800000) {
      if ((b & 0x007fffff) === 0) into.infinite++;
      else into.nan++;
    }
  }
}

async function readTensor(handle: FileHandle, header: SafetensorsHeader, name: string, file: string, allowNonFinite: boolean): Promise<SafetensorsTensor> {
  const entry = header.tensors.get(name)!;
  if (!READABLE.has(entry.dtype)) {
    throw new SafetensorsError(`${path.basename(file)}: tensor "${name}" has dtype ${entry.dtype}; only F32, F16 and BF16 can be read`, { tensor: name });
  }
  const [begin, end] = entry.dataOffsets;
  const position = header.dataStart + begin;
  const count = entry.shape.reduce((a, d) => a * d, 1);
  const bad = { nan: 0, infinite: 0 };
  const data = new Float32Array(count);
  if (entry.dtype === 'F32') {
    await readFully(handle, new Uint8Array(data.buffer), position, file);
    if (!LITTLE_ENDIAN) {
      const view = new DataView(data.buffer);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i, true);
    }
    if (!allowNonFinite) countNonFinite(data, 0, count, bad);
  } else {
    const chunk = new Uint8Array(Math.min(CHUNK_BYTES, end - begin));
    for (let offset = 0; offset < end - begin; offset += chunk.byteLength) {
      const part = chunk.subarray(0, Math.min(chunk.byteLength, end - begin - offset));
      await readFully(handle, part, position + offset, file);
      decodeHalf(entry.dtype, part, data, offset >> 1);
      // Counted on the chunk just decoded, while it is in cache.
      if (!allowNonFinite) countNonFinite(data, offset >> 1, (offset + part.byteLength) >> 1, bad);
    }
  }
  const nonFinite = bad.nan + bad.infinite;
  if (nonFinite > 0) {
    throw new SafetensorsError(
      `${path.basename(file)}: tensor "${name}" holds ${nonFinite} non-finite values (${bad.nan} NaN, ${bad.infinite} infinite) of ${count}: `
      + 'the weights are corrupt or from a run that diverged; pass allowNonFinite: true to load them anyway', { tensor: name, nonFiniteValues: nonFinite });
  }
  return { dtype: entry.dtype, shape: entry.shape, data };
}

/**
 * Reads a safetensors file's tensors (all, or `names` only) as float32. The header is read with
 * a small positioned read, then each tensor's byte range into its own buffer. A tensor holding
 * NaN or infinite values is refused (SafetensorsError with `tensor` and `nonFiniteValues`)
 * unless `allowNonFinite`; the values are counted as each tensor is read.
 */
export async function readSafetensors(file: string, options: ReadSafetensorsOptions = {}): Promise<{
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}> {
  readSafetensorsOptions.check(options);
  const handle = await openFile(file);
  try {
    const header = await readHeaderFrom(handle, file);
    const names = options.names === undefined ? [...header.tensors.keys()] : [...options.names];
    for (const name of names) {
      if (!header.tensors.has(name)) throw new SafetensorsError(`${path.basename(file)}: no tensor named "${name}"`, { tensor: name });
    }
    const tensors = new Map<string, SafetensorsTensor>();
    for (const name of names) tensors.set(name, await readTensor(handle, header, name, file, options.allowNonFinite === true));
    return { tensors, metadata: { ...header.metadata } };
  } finally {
    await handle.close();
  }
}

/** Small tensors are gathered into writes of up to this many bytes (fewer system calls). */
const WRITE_CHUNK = 1 << 20;

type WritableTensors = ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;

/**
 * The bytes of a safetensors file of float32 tensors (insertion order; header space-padded to 8
 * bytes), as chunks to write in order: the header is built and every tensor checked before the
 * first chunk exists, so a bad tensor throws before anything is written. A large tensor's chunk
 * is a view of its own data (little-endian hosts), never a copy.
 */
export function encodeSafetensors(tensors: WritableTensors, metadata?: Readonly<Record<string, string>>): Iterable<Uint8Array> {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`metadata.${k} must be a string (safetensors __metadata__ is string to string)`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new SafetensorsError('a tensor cannot be named "__metadata__"', { tensor: name });
    if (!t.shape.every(isCount)) throw new SafetensorsError(`tensor "${name}" has an invalid shape ${JSON.stringify(t.shape)}`, { tensor: name });
    const count = t.shape.reduce((a, d) => a * d, 1);
    if (t.data.length !== count) {
      throw new SafetensorsError(`tensor "${name}" holds ${t.data.length} values, its shape [${t.shape.join(', ')}] needs ${count}`, { tensor: name });
    }
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.byteLength));
  const order = [...tensors.values()];
  return (function* chunks(): Generator<Uint8Array> {
    let pending: Uint8Array[] = [prefix, headerBytes];
    let size = prefix.byteLength + headerBytes.byteLength;
    const flush = function* (): Generator<Uint8Array> {
      if (pending.length === 1) yield pending[0]!;
      else if (pending.length > 1) yield Buffer.concat(pending, size);
      pending = [];
      size = 0;
    };
    for (const t of order) {
      let bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      if (!LITTLE_ENDIAN) {
        bytes = new Uint8Array(t.data.byteLength);
        const view = new DataView(bytes.buffer);
        t.data.forEach((v, i) => view.setFloat32(4 * i, v, true));
      }
      if (size + bytes.byteLength > WRITE_CHUNK) yield* flush();
      if (bytes.byteLength >= WRITE_CHUNK) {
        yield bytes;
        continue;
      }
      pending.push(bytes);
      size += bytes.byteLength;
    }
    yield* flush();
  })();
}

/**
 * Writes float32 tensors as a safetensors file (see `encodeSafetensors`) into a temp file beside
 * `file`, fsyncs it, renames it over `file` and fsyncs the folder, so a crash never leaves a
 * half-written file under the final name. (A checkpoint folder writes its files with
 * `encodeSafetensors` into a new folder instead; see checkpoint-folder.ts.)
 */
export async function writeSafetensors(file: string, tensors: WritableTensors, metadata?: Readonly<Record<string, string>>): Promise<void> {
  const chunks = encodeSafetensors(tensors, metadata);
  const temp = `${file}.tmp-${temporaryTag()}`;
  try {
    await writeNewFile(temp, chunks);
    await renameStep(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(path.dirname(path.resolve(file)));
}

/** The schema of ReadSafetensorsOptions: checked by `readSafetensors` before it opens the file. */
export const readSafetensorsOptions = defineOptions<ReadSafetensorsOptions>()('readSafetensors', obj({
  names: custom<Iterable<string>>(
    (v) => typeof v !== 'string' && typeof (v as Partial<Iterable<string>> | null)?.[Symbol.iterator] === 'function',
    'an iterable of tensor names (an array or a Set of strings)',
  ).optional(),
  allowNonFinite: bool().optional(),
}));
