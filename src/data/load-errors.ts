// Error text for the file loaders (tokenizer, checkpoints, safetensors, JSONL, WebArena configs,
// storage states, demonstrations): what went wrong opening a path, said with the path and what
// was expected there (a file or a folder), and what is wrong with a record's values, said without
// them (describeValue, redactQuoted). Never the file's contents: the files these loaders read hold
// cookies, typed passwords and answers. Each loader wraps these phrases in its own typed error.
// What is wrong with JSON text, said with a line and column only, is json-text.ts's.

import { readFileSync } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';

/** A Node system error (fs, net): it has a string `code` such as ENOENT. */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * Why `path` could not be opened or read, as a phrase naming the path and `expected` (what the
 * loader wanted there: "a tokenizer.json file", "a checkpoint folder"). `kind` says whether that
 * is a file or a folder, so a folder found where a file belongs (EISDIR), or the reverse
 * (ENOTDIR), is said plainly. Errors that are not system errors are described by their name only.
 */
export function fileProblem(error: unknown, path: string, kind: 'file' | 'folder', expected: string): string {
  const want = `expected ${expected}`;
  if (!isSystemError(error)) return `cannot read ${path} (${error instanceof Error ? error.name : typeof error}); ${want}`;
  switch (error.code) {
    case 'ENOENT': return `${path} does not exist; ${want}`;
    case 'EISDIR': return `${path} is a folder, not a file; ${want}`;
    case 'ENOTDIR': return kind === 'folder' ? `${path} is not a folder; ${want}` : `${path}: a part of the path is not a folder; ${want}`;
    case 'EACCES':
    case 'EPERM': return `${path} cannot be read: permission denied (${error.code}); ${want}`;
    case 'ELOOP': return `${path}: too many symbolic links (a link loop?); ${want}`;
    case 'ENAMETOOLONG': return `${path}: the path is too long; ${want}`;
    case 'EMFILE':
    case 'ENFILE': return `cannot open ${path}: too many open files (${error.code}); ${want}`;
    default: return `cannot read ${path} (${error.code}); ${want}`;
  }
}

/**
 * Whether `path` is a folder: undefined when it is, else the problem (missing, a file, unreadable)
 * as `fileProblem` says it.
 */
export async function folderProblem(path: string, expected: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? undefined : `${path} is a file, not a folder; expected ${expected}`;
  } catch (error) {
    return fileProblem(error, path, 'folder', expected);
  }
}

/**
 * What kind of value `v` is, never what it holds: "null", "an array of 3 items", "an object",
 * "a string of 40 characters", "a number", "a boolean". For validators of user files, whose
 * values may be cookies, typed passwords or answers.
 */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `an array of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (typeof v === 'string') return `a string of ${v.length} character${v.length === 1 ? '' : 's'}`;
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/** Strings of a parsed record looked at by redactQuoted at most (a record may hold a whole page). */
const REDACT_MAX_STRINGS = 100_000;

/**
 * `message` (a validator's error about `record`) with every string of the record it quotes after
 * "got " or "= " (as `"s"`, as JSON, or as its first 40 characters and "...") replaced by
 * "a string of N characters": validators written for values in memory quote what they refuse,
 * and a record read from a user's file must not be echoed. Other text of the message is kept.
 */
export function redactQuoted(message: string, record: unknown): string {
  const strings = new Set<string>();
  const stack: unknown[] = [record];
  let seen = 0;
  while (stack.length > 0 && seen < REDACT_MAX_STRINGS) {
    const v = stack.pop();
    seen++;
    if (typeof v === 'string') strings.add(v);
    else if (typeof v === 'object' && v !== null) {
      const items = Array.isArray(v) ? (v as unknown[]) : [...Object.keys(v), ...Object.values(v)];
      for (const item of items) if (typeof item === 'string' || (typeof item === 'object' && item !== null)) stack.push(item);
    }
  }
  const forms: [string, number][] = [];
  for (const s of strings) {
    forms.push([JSON.stringify(s), s.length], [`"${s}"`, s.length]);
    if (s.length > 40) forms.push([`"${s.slice(0, 40)}..."`, s.length]);
  }
  forms.sort((a, b) => b[0].length - a[0].length);
  let out = message;
  for (const [form, length] of forms) {
    if (!out.includes(form)) continue;
    const kind = `a string of ${length} character${length === 1 ? '' : 's'}`;
    for (const before of ['got ', '= ']) out = out.split(`${before}${form}`).join(`${before}${kind}`);
  }
  return out;
}

/** A whole text file, or why it cannot be read (fileProblem: missing, a folder, no permission). */
export async function readTextFile(path: string, expected: string): Promise<{ readonly ok: true; readonly text: string } | { readonly ok: false; readonly problem: string }> {
  try {
    return { ok: true, text: await readFile(path, 'utf8') };
  } catch (error) {
    return { ok: false, problem: fileProblem(error, path, 'file', expected) };
  }
}

/** readTextFile, synchronously. */
export function readTextFileSync(path: string, expected: string): { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problem: string } {
  try {
    return { ok: true, text: readFileSync(path, 'utf8') };
  } catch (error) {
    return { ok: false, problem: fileProblem(error, path, 'file', expected) };
  }
}

/**
 * A path opened for reading, or why it cannot be (fileProblem: missing, no permission; or a
 * folder or other non-regular file, found on the open handle so nothing is read twice).
 */
export async function openRegularFile(path: string, expected: string): Promise<{ readonly ok: true; readonly handle: FileHandle } | { readonly ok: false; readonly problem: string }> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    return { ok: false, problem: fileProblem(error, path, 'file', expected) };
  }
  try {
    const info = await handle.stat();
    if (info.isFile()) return { ok: true, handle };
    await handle.close();
    return { ok: false, problem: `${path} is ${info.isDirectory() ? 'a folder, not a file' : 'not a regular file'}; expected ${expected}` };
  } catch (error) {
    await handle.close().catch(() => undefined);
    return { ok: false, problem: fileProblem(error, path, 'file', expected) };
  }
}
