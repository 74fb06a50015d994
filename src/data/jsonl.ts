// Trajectory files: JSONL with one trajectory per line, written atomically (temporary file,
// fsync, rename) and appended to crash-safely (a torn last line is found and reported, never
// read as a record). Export as TRL/verl-style chat records is in chat-records.ts.

import { randomBytes } from 'node:crypto';
import { open, readdir, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { OptionsError, WebAgentError } from '../errors.js';
import { fileProblem, isSystemError, openRegularFile, redactQuoted } from './load-errors.js';
import { parseJsonText } from './json-text.js';
import { fsyncDir, holdTemporary, removeStep, renameStep, stepDone, temporaryIsStale, writeAll, writeNewFile } from './durable-io.js';
import { defineOptions, fn, obj } from '../options.js';
import { trajectoryFromJson, trajectoryToJson, validateTrajectory, type Trajectory } from './trajectory.js';

/** A JSONL file has a malformed or invalid record; `line` is 1-based. */
export class JsonlFormatError extends WebAgentError {
  readonly path: string;
  readonly line: number;
  constructor(path: string, line: number, message: string) {
    super('INVALID_JSONL', `${path}:${line}: ${message}`);
    this.path = path;
    this.line = line;
  }
}

/**
 * A JSONL file cannot be opened or read (missing, a folder, no permission); `path` is the file,
 * the message says what is wrong and what was expected there.
 */
export class JsonlFileError extends WebAgentError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('JSONL_UNREADABLE', message, options);
    this.path = path;
  }
}

const lineOf = (t: Trajectory): string => `${JSON.stringify(trajectoryToJson(t))}\n`;

/** Lines are gathered into writes of about this many characters. */
const WRITE_CHARS = 1 << 20;

/**
 * Writes `lines` to `path` atomically: a temporary file in the same directory, fsync, rename
 * over `path`, fsync of the directory, so a crash never leaves half a file under its name. A line
 * without its final new line gets one (lines never run together). Temporaries that killed
 * writers left beside `path` are removed first.
 */
export async function writeLinesAtomic(path: string, lines: Iterable<string>): Promise<void> {
  const full = resolve(path);
  const dir = dirname(full);
  const stale = new RegExp(`^${basename(full).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.[0-9a-f]{8}\\.tmp$`);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = stale.exec(name);
    if (m && temporaryIsStale(join(dir, name), Number(m[1]))) await removeStep(join(dir, name));
  }
  const tmp = `${full}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const release = holdTemporary(tmp);
  try {
    await writeNewFile(tmp, (function* chunks(): Generator<string> {
      let chunk = '';
      for (const line of lines) {
        chunk += line.endsWith('\n') ? line : `${line}\n`;
        if (chunk.length > WRITE_CHARS) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    })());
    await renameStep(tmp, full);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  } finally {
    release();
  }
  await fsyncDir(dir);
}

/**
 * Writes trajectories to `path`, one JSON object per line (typed arrays as number arrays),
 * atomically (see writeLinesAtomic).
 */
export async function saveJsonl(path: string, trajectories: readonly Trajectory[]): Promise<void> {
  trajectories.forEach((t, i) => validateTrajectory(t, `saveJsonl: trajectory ${i}`));
  await writeLinesAtomic(path, trajectories.map(lineOf));
}

export interface LoadJsonlOptions {
  /** Told about recoverable problems (a torn last line that was skipped or dropped, a missing final new line). */
  readonly onWarning?: (message: string) => void;
}

const TRAJECTORIES = 'a JSONL file of trajectories';

/** Opens a JSONL file for reading, or throws JsonlFileError saying why it cannot be (missing, a folder, no permission). */
async function openJsonl(path: string): Promise<FileHandle> {
  const opened = await openRegularFile(path, TRAJECTORIES);
  if (!opened.ok) throw new JsonlFileError(path, opened.problem);
  return opened.handle;
}

/** The lines of an open file, each with whether a new line ended it (only the last may lack one). Streamed. */
async function* linesOf(handle: FileHandle, path: string): AsyncGenerator<{ readonly text: string; readonly terminated: boolean }> {
  let pending: Buffer[] = [];
  const chunks = (async function* read(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of handle.createReadStream({ autoClose: false, start: 0 }) as AsyncIterable<Buffer>) yield chunk;
    } catch (error) {
      if (isSystemError(error)) throw new JsonlFileError(path, `reading ${path} failed (${error.code}); expected ${TRAJECTORIES}`);
      throw error;
    }
  })();
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      yield { text: (pending.length > 0 ? Buffer.concat([...pending, piece]) : piece).toString('utf8'), terminated: true };
      pending = [];
      start = nl + 1;
    }
    if (start < chunk.byteLength) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield { text: Buffer.concat(pending).toString('utf8'), terminated: false };
}

/**
 * What the last line of a JSONL file is when no new line ends it: a complete record (a writer
 * stopped between the record and its new line), or torn (not valid JSON: a proper prefix of a
 * JSON object never parses). Valid JSON that is not a record cannot be a torn write: that is a
 * JsonlFormatError, as anywhere else in the file.
 */
function unterminatedLine(path: string, line: number, text: string): { torn: true; reason: string } | { torn: false; record: Trajectory } {
  const parsed = parseJsonText(text, { oneLine: true });
  if (!parsed.ok) return { torn: true, reason: parsed.problem };
  try {
    return { torn: false, record: trajectoryFromJson(parsed.value, 'record') };
  } catch (error) {
    if (error instanceof OptionsError) throw new JsonlFormatError(path, line, `the last line is complete JSON but not a trajectory (${redactQuoted(error.message, parsed.value)}); it is not a torn write, so it is kept: fix or remove it`);
    throw error;
  }
}

/**
 * Reads a JSONL file of trajectories, streaming line by line, validating every record. A torn
 * last line (no new line ends it and it is not valid JSON: a write cut short by a crash) is
 * skipped and reported to `onWarning`; a last line that is a complete record without its new
 * line is kept. A malformed line anywhere else (a new line ends it, so its write finished), or a
 * record that fails validation, throws JsonlFormatError with the line number. Blank lines are ignored.
 * Errors and warnings say where a line is wrong, never what it holds (a record may hold typed
 * passwords); a file that cannot be read (missing, a folder, no permission) is a JsonlFileError.
 */
export async function loadJsonl(path: string, options: LoadJsonlOptions = {}): Promise<Trajectory[]> {
  loadJsonlOptions.check(options);
  const out: Trajectory[] = [];
  let lineNo = 0;
  const handle = await openJsonl(path);
  try {
    for await (const { text, terminated } of linesOf(handle, path)) {
      lineNo++;
      if (text.trim() === '') continue;
      if (!terminated) {
        const last = unterminatedLine(path, lineNo, text);
        if (last.torn) options.onWarning?.(`${path}:${lineNo}: skipped a torn last line (${Buffer.byteLength(text)} bytes, ${last.reason}), as left by a write cut short`);
        else out.push(last.record);
        continue;
      }
      const parsed = parseJsonText(text, { oneLine: true });
      if (!parsed.ok) throw new JsonlFormatError(path, lineNo, `malformed JSON: ${parsed.problem}; only a torn last line (no new line after it) is skipped`);
      try {
        out.push(trajectoryFromJson(parsed.value, 'record'));
      } catch (error) {
        if (error instanceof OptionsError) throw new JsonlFormatError(path, lineNo, redactQuoted(error.message, parsed.value));
        throw error;
      }
    }
  } finally {
    await handle.close();
  }
  return out;
}

/** Offset of the last '\n' in the file, or -1. Reads backwards in chunks. */
async function lastNewline(fh: FileHandle, size: number): Promise<number> {
  let pos = size;
  let chunk = 1; // the common case: the file ends with a newline
  while (pos > 0) {
    const len = Math.min(chunk, pos);
    pos -= len;
    const buf = Buffer.alloc(len);
    const { bytesRead } = await fh.read(buf, 0, len, pos);
    const k = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (k >= 0) return pos + k;
    chunk = 1 << 16;
  }
  return -1;
}

/** Reads bytes [from, to) of an open file. */
async function readRange(fh: FileHandle, from: number, to: number): Promise<Buffer> {
  const buf = Buffer.alloc(to - from);
  let done = 0;
  while (done < buf.byteLength) {
    const { bytesRead } = await fh.read(buf, done, buf.byteLength - done, from + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buf.subarray(0, done);
}

/** 1-based number of the line starting after byte `end` (the count of new lines before it, plus one). */
async function lineNumberAt(fh: FileHandle, end: number): Promise<number> {
  let count = 1;
  for (let pos = 0; pos < end; pos += 1 << 20) {
    const buf = await readRange(fh, pos, Math.min(end, pos + (1 << 20)));
    for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) count++;
  }
  return count;
}

const appendQueues = new Map<string, Promise<void>>();

/**
 * Appends one trajectory as a line of `path` (created if missing), for streaming runs, in one
 * write continued until whole. Appends to one path from this process are serialised. When the
 * file does not end with a new line (a writer stopped mid-record or just before the new line),
 * its last line is looked at first: a complete record is kept and the new line added before the
 * next one; a torn line (not valid JSON) is dropped and reported to `onWarning`; a complete line
 * that is not a record is left alone and the append refused (JsonlFormatError). Appends survive
 * the process being killed (the data is in the OS's cache); it does not fsync. Assumes one writing
 * process per file.
 */
export function appendJsonl(path: string, trajectory: Trajectory, options: LoadJsonlOptions = {}): Promise<void> {
  try {
    loadJsonlOptions.as('appendJsonl').check(options);
    validateTrajectory(trajectory, 'appendJsonl: trajectory');
  } catch (error) {
    return Promise.reject(error as Error);
  }
  const line = lineOf(trajectory);
  const key = resolve(path);
  const run = async (): Promise<void> => {
    const fh = await open(key, 'a+').catch((error: unknown) => {
      throw new JsonlFileError(path, fileProblem(error, path, 'file', TRAJECTORIES));
    });
    try {
      const { size } = await fh.stat();
      if (size === 0) stepDone('create', key);
      const nl = size > 0 ? await lastNewline(fh, size) : -1;
      let text = line;
      if (size > 0 && nl !== size - 1) {
        const lineNo = await lineNumberAt(fh, nl + 1);
        const last = unterminatedLine(path, lineNo, (await readRange(fh, nl + 1, size)).toString('utf8'));
        if (last.torn) {
          // Dropped here: the only bytes appendJsonl ever removes, a line that never parsed.
          await fh.truncate(nl + 1);
          stepDone('truncate', key);
          options.onWarning?.(`${path}:${lineNo}: dropped a torn last line (${size - nl - 1} bytes, not valid JSON) before appending: a write cut short`);
        } else {
          text = `\n${line}`;
          options.onWarning?.(`${path}:${lineNo}: the last record was complete but had no new line; added the missing newline before appending`);
        }
      }
      await writeAll(fh, Buffer.from(text, 'utf8'), key);
    } finally {
      await fh.close();
    }
  };
  const next = (appendQueues.get(key) ?? Promise.resolve()).then(run, run);
  appendQueues.set(key, next);
  const cleanup = (): void => {
    if (appendQueues.get(key) === next) appendQueues.delete(key);
  };
  void next.then(cleanup, cleanup);
  return next;
}

/** The schema of LoadJsonlOptions: checked by `loadJsonl` and `appendJsonl` before the file is opened. */
export const loadJsonlOptions = defineOptions<LoadJsonlOptions>()('loadJsonl', obj({
  onWarning: fn<NonNullable<LoadJsonlOptions['onWarning']>>('a function (message) => void').optional(),
}));
