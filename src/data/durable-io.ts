// Crash-safe file writing shared by checkpoint folders and JSONL files: whole writes (a short
// write is continued, never taken for the end), fsync of each file and of the folder that names
// it, temporary names that carry the writer's process id (so a later writer can tell a dead
// writer's leftovers from a live one's), and a probe the durability tests use to kill the
// process right after any numbered step that changes the disk.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, symlink, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';

/** A kind of step that changes what is on disk. */
export type DurableOp = 'create' | 'write' | 'truncate' | 'fsync' | 'fsync-dir' | 'mkdir' | 'rename' | 'symlink' | 'remove';

/** One step done: `op` on `path` (for a rename, the new name). */
export interface DurableStep {
  readonly op: DurableOp;
  readonly path: string;
}

let probe: ((step: DurableStep) => void) | undefined;

/**
 * Internal test hook: `fn` is called synchronously right after every step that changes the disk
 * (the durability tests kill the process from it at a chosen step). Not part of the public API.
 */
export function setDurabilityProbe(fn: ((step: DurableStep) => void) | undefined): void {
  probe = fn;
}

/** Reports a finished step to the probe. */
export function stepDone(op: DurableOp, path: string): void {
  probe?.({ op, path });
}

/**
 * Writes all of `bytes` at the handle's position (the end, for a handle opened to append). A
 * write can return fewer bytes than asked (a signal, a full disk); the rest is written after it.
 */
export async function writeAll(handle: FileHandle, bytes: Uint8Array, file: string): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, null);
    if (bytesWritten <= 0) throw new Error(`${file}: the write made no progress at byte ${done} of ${bytes.byteLength}`);
    done += bytesWritten;
  }
  stepDone('write', file);
}

/** Size and sha256 (hex) of a file's bytes. */
export interface FileDigest {
  readonly sha256: string;
  readonly bytes: number;
}

/**
 * Creates `file` (it must not exist), writes `chunks` in order, fsyncs and closes it, and returns
 * the size and sha256 of what was written (hashed on the way, never read back).
 */
export async function writeNewFile(file: string, chunks: Iterable<Uint8Array | string>): Promise<FileDigest> {
  const hash = createHash('sha256');
  const handle = await open(file, 'wx');
  stepDone('create', file);
  let bytes = 0;
  try {
    for (const chunk of chunks) {
      const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      hash.update(data);
      await writeAll(handle, data, file);
      bytes += data.byteLength;
    }
    await handle.sync();
    stepDone('fsync', file);
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Size and sha256 of a file on disk, streamed. */
export async function digestFile(file: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).byteLength;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * fsyncs a folder, so the names created, renamed or removed in it survive a power cut (a file's
 * own fsync does not cover its name). A file system that cannot fsync a folder (Windows) is skipped.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(dir, 'r');
  } catch (error) {
    if (process.platform === 'win32' && ['EISDIR', 'EPERM', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!['EINVAL', 'EPERM', 'EISDIR', 'ENOTSUP', 'EBADF'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle.close();
  }
  stepDone('fsync-dir', dir);
}

export async function renameStep(from: string, to: string): Promise<void> {
  await rename(from, to);
  stepDone('rename', to);
}

export async function mkdirStep(dir: string): Promise<void> {
  await mkdir(dir);
  stepDone('mkdir', dir);
}

export async function symlinkStep(target: string, link: string): Promise<void> {
  // A junction on Windows needs no privilege (and takes an absolute target).
  await symlink(target, link, process.platform === 'win32' ? 'junction' : 'dir');
  stepDone('symlink', link);
}

export async function removeStep(file: string): Promise<void> {
  await rm(file, { recursive: true, force: true });
  stepDone('remove', file);
}

/** `<pid>-<8 hex>`: a temporary name's unique part, naming the process that writes it. */
export function temporaryTag(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Whether a process with this id is running (a temporary of a running writer is not stale). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temporaries this process is writing now (absolute paths). */
const active = new Set<string>();

/** Marks a temporary as being written by this process until the returned function is called. */
export function holdTemporary(file: string): () => void {
  const key = resolve(file);
  active.add(key);
  return () => {
    active.delete(key);
  };
}

/**
 * Whether a temporary named with `pid` was left by a writer that is gone: one of this process
 * that it is not writing now (its id may be a killed writer's, reused), or one of a dead process.
 */
export function temporaryIsStale(file: string, pid: number): boolean {
  if (active.has(resolve(file))) return false;
  return pid === process.pid || !processAlive(pid);
}
