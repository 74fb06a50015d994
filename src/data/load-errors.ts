// Error text for the file loaders (tokenizer, checkpoints, safetensors, JSONL, WebArena configs,
// storage states, demonstrations): what went wrong opening a path, said with the path and what
// was expected there (a file or a folder), and what is wrong with JSON text, said with a line and
// column only. Never the file's contents: V8's JSON.parse messages quote the text they fail on
// (`Unexpected token 'x', "{"cookies": [{"value": "..." is not valid JSON`), and the files these
// loaders read hold cookies, typed passwords and answers. Each loader wraps these phrases in its
// own typed error.
//
// Over 300 lines because of `jsonErrorIndex`, a whole JSON scanner (about 130 lines) that finds
// where parsing failed so a message gives a line and column instead of V8's quote of the text. It
// stays with the file and value phrases because every helper here keeps one promise: say where and
// what, never what the file holds.

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

/** Where in a text the index falls, 1-based. */
function lineColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: index - start + 1 };
}

const isWhitespace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/**
 * The index of the first character at which `text` stops being valid JSON (text.length when it
 * ends too early), or -1 when it is valid. An iterative scan with an explicit stack (deep nesting
 * cannot overflow the call stack); run only after JSON.parse has failed.
 */
export function jsonErrorIndex(text: string): number {
  const n = text.length;
  const stack: number[] = []; // '{' or '[' char codes
  let i = 0;
  const ws = (): void => {
    while (i < n && isWhitespace(text.charCodeAt(i))) i++;
  };
  /** Scans a string at i (on its quote); returns false at the offending character. */
  const string = (): boolean => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = text.charCodeAt(i + 1);
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) {
            if (i + k >= n) {
              i = n;
              return false;
            }
            if (!isHex(text.charCodeAt(i + k))) {
              i += k;
              return false;
            }
          }
          i += 6;
        } else if ([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74].includes(e)) i += 2;
        else {
          i = Math.min(i + 1, n);
          return false;
        }
      } else i++;
    }
    return false;
  };
  const digits = (): boolean => {
    if (!isDigit(text.charCodeAt(i))) return false;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    return true;
  };
  const number = (): boolean => {
    if (text.charCodeAt(i) === 0x2d) i++;
    if (text.charCodeAt(i) === 0x30) i++;
    else if (!digits()) return false;
    if (text.charCodeAt(i) === 0x2e) {
      i++;
      if (!digits()) return false;
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const s = text.charCodeAt(i);
      if (s === 0x2b || s === 0x2d) i++;
      if (!digits()) return false;
    }
    return true;
  };
  const literal = (word: string): boolean => {
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) return false;
    return true;
  };
  /** Scans one value at i; false at the offending character (i is left on it). */
  const value = (): boolean | 'open' => {
    ws();
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      i++;
      ws();
      if (text.charCodeAt(i) === (c === 0x7b ? 0x7d : 0x5d)) {
        i++;
        return true;
      }
      stack.push(c);
      return 'open';
    }
    if (c === 0x22) return string();
    if (c === 0x2d || isDigit(c)) return number();
    if (c === 0x74) return literal('true');
    if (c === 0x66) return literal('false');
    if (c === 0x6e) return literal('null');
    return false;
  };
  /** In an object, at a key: `"key" :`. */
  const key = (): boolean => {
    ws();
    if (text.charCodeAt(i) !== 0x22 || !string()) return false;
    ws();
    if (text.charCodeAt(i) !== 0x3a) return false;
    i++;
    return true;
  };
  for (;;) {
    const top = stack[stack.length - 1];
    if (top === 0x7b && !key()) return Math.min(i, n);
    const v = value();
    if (v === false) return Math.min(i, n);
    if (v === 'open') continue;
    // After a complete value: close containers, or a comma and the next member.
    for (;;) {
      ws();
      if (stack.length === 0) return i < n ? i : -1;
      const open = stack[stack.length - 1]!;
      const c = text.charCodeAt(i);
      if (c === (open === 0x7b ? 0x7d : 0x5d)) {
        stack.pop();
        i++;
        continue;
      }
      if (c === 0x2c) {
        i++;
        break;
      }
      return Math.min(i, n);
    }
  }
}

/**
 * What is wrong with JSON text, without quoting any of it: "it is empty", "it ends before the
 * JSON is complete (line 3, column 1): truncated?", "unexpected character at line 2, column 17".
 * Line and column are 1-based; `oneLine` gives the column only (a line of a JSONL file).
 */
export function jsonSyntaxProblem(text: string, options: { readonly oneLine?: boolean } = {}): string {
  if (text.trim() === '') return 'it is empty';
  if (text.charCodeAt(0) === 0xfeff) return 'it starts with a byte order mark (U+FEFF); save it as UTF-8 without one';
  const index = jsonErrorIndex(text);
  if (index < 0) return 'JSON.parse refused it';
  const { line, column } = lineColumn(text, index);
  const where = options.oneLine ? `column ${column}` : `line ${line}, column ${column}`;
  if (index >= text.length) return `it ends before the JSON is complete (${where}): truncated?`;
  return `unexpected character at ${where}`;
}

export type JsonText = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

/**
 * JSON.parse without its message: `{ ok: false, problem }` says what is wrong (jsonSyntaxProblem,
 * with `options`) and never quotes the text, so the problem may go into an error message or a log.
 */
export function parseJsonText(text: string, options: { readonly oneLine?: boolean } = {}): JsonText {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    if (!(error instanceof SyntaxError)) return { ok: false, problem: `it cannot be parsed (${error instanceof Error ? error.name : typeof error})` };
    return { ok: false, problem: jsonSyntaxProblem(text, options) };
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
