// JSON text for the file loaders: parseJsonText is JSON.parse without its message, and
// jsonSyntaxProblem says what is wrong with the text with a line and column only, found by
// jsonErrorIndex, a JSON scanner. Never the text itself: V8's JSON.parse messages quote the text
// they fail on (`Unexpected token 'x', "{"cookies": [{"value": "..." is not valid JSON`), and the
// files these loaders read hold cookies, typed passwords and answers.

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
