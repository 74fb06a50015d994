// The string, number and URL rules of the two reference harnesses, one function per rule, each
// reproducing what the Python code does (quirks included) so a score from this SDK means what
// the same score means there:
// - 'webarena-lite': THUDM/VisualAgentBench `VAB-WebArena-Lite/new/evaluators.py` (the harness
//   WebAgent-R1's numbers come from);
// - 'webarena': web-arena-x/webarena `evaluation_harness/evaluators.py`.
// Where the harnesses differ, the doc of the rule says how.
//
// Over 300 lines because each rule is written beside the Python built-ins it reproduces
// (`str.strip`, `int()`, `float()`, `repr`, `urlparse`, `parse_qs`), so a rule, both harnesses'
// variants of it and the Python behaviour it rests on read together.

import { bool, custom, defineOptions, obj, oneOf } from '../options.js';
import { wordTokenize, type PunktParameters } from './nltk-tokenize.js';

/** Which harness's evaluator rules to follow. */
export type WebArenaSemantics = 'webarena-lite' | 'webarena';

export const WEBARENA_SEMANTICS: readonly WebArenaSemantics[] = Object.freeze(['webarena-lite', 'webarena']);

/** Characters Python's `str.strip()` removes (`str.isspace()`), which differ from JavaScript's `trim()`. */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

/** Python's `str.strip()` with no argument. */
export function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

/**
 * `StringEvaluator.clean_answer`: strip one pair of outer single quotes, else of outer double
 * quotes (a lone `'` or `"` becomes empty, as Python's `s[1:-1]` makes it), then lower-case.
 * WebArena first strips surrounding whitespace; WebArena-Lite does not, so there `" N/A"` is
 * not `"n/a"`.
 */
export function cleanAnswer(text: string, semantics: WebArenaSemantics): string {
  let s = semantics === 'webarena' ? pyStrip(text) : text;
  if (s.startsWith("'") && s.endsWith("'")) s = s.slice(1, -1);
  else if (s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1);
  return s.toLowerCase();
}

/** Options of the token rule: NLTK's Punkt parameters for the sentence split (default: untrained). */
export interface TokenRuleOptions {
  readonly punkt?: PunktParameters;
}

/** The harness names, as option checks take them. */
export const webArenaSemanticsSchema = oneOf(['webarena-lite', 'webarena']);

/** NLTK Punkt parameters (as `loadPunktParameters` returns them), duck-typed. */
export const punktSchema = custom<PunktParameters>(
  (v) => typeof v === 'object' && v !== null && (v as Partial<PunktParameters>).abbreviations instanceof Set,
  'NLTK Punkt parameters (from loadPunktParameters)',
);

/** The schema of TokenRuleOptions: checked by `mustExclude`. */
export const tokenRuleOptions = defineOptions<TokenRuleOptions>()('mustExclude', obj({ punkt: punktSchema.optional() }));
/** `mustInclude`'s options: the token rule's and `tokenize`. */
const mustIncludeOptions = defineOptions<TokenRuleOptions & { readonly tokenize?: boolean }>()('mustInclude', obj({ punkt: punktSchema.optional(), tokenize: bool().optional() }));

/** `exact_match(ref, pred)`: both cleaned, then equal. */
export function exactMatch(ref: string, pred: string, semantics: WebArenaSemantics): boolean {
  return cleanAnswer(pred, semantics) === cleanAnswer(ref, semantics);
}

/**
 * `must_include(ref, pred)`. Both cleaned; then, if the reference is one token, it must be a
 * whole token of `nltk.word_tokenize(pred)` (so "5" is not in "the 5th review": NLTK keeps
 * `5th` one token), else a substring.
 * - WebArena-Lite applies the token rule to every reference that `word_tokenize` makes one
 *   token, in string_match and program_html alike.
 * - WebArena applies it only when `tokenize` is set (string_match with a one-entry list) and
 *   the cleaned reference is a single character.
 */
export function mustInclude(ref: string, pred: string, semantics: WebArenaSemantics, options: TokenRuleOptions & { readonly tokenize?: boolean } = {}): boolean {
  mustIncludeOptions.check(options);
  const cleanRef = cleanAnswer(ref, semantics);
  const cleanPred = cleanAnswer(pred, semantics);
  const punkt = options.punkt ? { punkt: options.punkt } : {};
  const tokenRule = semantics === 'webarena-lite'
    ? wordTokenize(cleanRef, punkt).length === 1
    : options.tokenize === true && [...cleanRef].length === 1 && wordTokenize(cleanRef, punkt).length === 1;
  if (tokenRule) return wordTokenize(cleanPred, punkt).includes(cleanRef);
  return cleanPred.includes(cleanRef);
}

/**
 * WebArena-Lite's `must_exclude(ref, pred)`: true when the reference is absent, by the same
 * token rule as its `must_include` (WebArena's evaluator has no must_exclude).
 */
export function mustExclude(ref: string, pred: string, options: TokenRuleOptions = {}): boolean {
  tokenRuleOptions.check(options);
  return !mustInclude(ref, pred, 'webarena-lite', options);
}

/** Python's `int(s)` for a str: optional sign, ASCII digits with single underscores between them. */
function pyInt(s: string): number | null {
  const t = pyStrip(s);
  if (!/^[+-]?\d+(?:_\d+)*$/.test(t)) return null;
  return Number(t.replace(/_/g, ''));
}

/**
 * WebArena-Lite's `NumericEvaluator.str_2_int`: strip, drop every comma, then Python's `int()`;
 * `null` where Python returns None (`"12.5"`, `"twelve"`, `""`).
 */
export function strToInt(s: string): number | null {
  let t = pyStrip(s);
  if (t.includes(',')) t = t.replace(/,/g, '');
  return pyInt(t);
}

/** Python's `float(s)` for a str, or null where it raises ValueError. */
function pyFloat(s: string): number | null {
  const t = pyStrip(s).replace(/(?<=\d)_(?=\d)/g, '');
  if (/^[+-]?(?:inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(t)) return null;
  return Number(t);
}

/** Where the reference harness raises (a malformed inequality, an unknown URL note): the check scores 0 with this error. */
export class ReferenceRaisedError extends Error {}

/**
 * WebArena-Lite's `NumericEvaluator.compare_inequality(value, "< 700")`: the first of `<=`,
 * `>=`, `==`, `<`, `>` that occurs in the string is the operator (so `"=< 5"` reads as `<`),
 * the text after it the number, compared with tolerance 1e-8. Throws ReferenceRaisedError where
 * Python raises (no operator, the operator twice, no number after it).
 */
export function compareInequality(value: number, inequality: string, tol = 1e-8): boolean {
  const ops: ReadonlyArray<[string, (x: number, y: number) => boolean]> = [
    ['<=', (x, y) => x <= y + tol],
    ['>=', (x, y) => x >= y - tol],
    ['==', (x, y) => Math.abs(x - y) <= tol],
    ['<', (x, y) => x < y + tol],
    ['>', (x, y) => x > y - tol],
  ];
  for (const [op, fn] of ops) {
    if (!inequality.includes(op)) continue;
    const parts = inequality.split(op);
    if (parts.length !== 2) throw new ReferenceRaisedError(`${JSON.stringify(inequality)} holds ${op} more than once`);
    const num = pyFloat(parts[1]!);
    if (num === null) throw new ReferenceRaisedError(`${JSON.stringify(inequality)}: ${JSON.stringify(pyStrip(parts[1]!))} after ${op} is not a number`);
    return fn(value, num);
  }
  throw new ReferenceRaisedError(`Invalid inequality string: ${JSON.stringify(inequality)} (no <=, >=, ==, < or >)`);
}

/** Python's `repr` of a str: single quotes unless the text has `'` and no `"`. */
function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c <= 0xa0) || c === 0xad) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.test(ch) || (/\p{Zs}/u.test(ch) && ch !== ' ')) {
      out += c <= 0xffff ? `\\u${c.toString(16).padStart(4, '0')}` : `\\U${c.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** Python's repr of a float as Playwright hands JavaScript numbers to Python (integers become int). */
function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Object.is(n, -0)) return '-0.0';
  if (Number.isInteger(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER) return String(n);
  // Python's float repr: shortest round-trip digits like JavaScript's, exponents of two digits
  // at least, and scientific notation from 1e16 up and below 1e-4.
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp >= 16 || exp < -4) {
    const [mant, e] = n.toExponential().split('e') as [string, string];
    const sign = e.startsWith('-') ? '-' : '+';
    return `${mant}e${sign}${e.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  const s = String(n);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

/**
 * Python's `str(x)` of what `page.evaluate` returned through Playwright for Python: strings as
 * they are, `None`/`True`/`False`, numbers as int or float, lists and dicts as their repr. The
 * harnesses read locator results with `str(page.evaluate(...))`, so a locator that returns
 * null gives the text "None".
 */
export function pythonStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return pyReprString(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (value instanceof Date) return `datetime.datetime(${value.toISOString()})`;
  if (typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${pyReprString(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  return String(value);
}

/**
 * `URLEvaluator`'s `clean_url`. WebArena: every trailing `/` removed. WebArena-Lite: every
 * `localhost` in the URL replaced by `127.0.0.1`, then one trailing `/` removed.
 */
export function cleanUrl(url: string, semantics: WebArenaSemantics): string {
  if (semantics === 'webarena') return url.replace(/\/+$/, '');
  const s = url.split('localhost').join('127.0.0.1');
  return s.endsWith('/') ? s.slice(0, -1) : s;
}

/** Schemes whose last path segment carries `;params` in Python's `urlparse` (`uses_params`). */
const USES_PARAMS = new Set(['', 'ftp', 'hdl', 'prospero', 'http', 'imap', 'https', 'shttp', 'rtsp', 'rtsps', 'rtspu', 'sip', 'sips', 'mms', 'sftp', 'tel']);

/** Python's `urllib.parse.urlparse(url)`: netloc, path, query (no normalisation at all). */
export function pyUrlparse(url: string): { scheme: string; netloc: string; path: string; params: string; query: string; fragment: string } {
  // Leading C0 controls and spaces go, and tabs and newlines anywhere (WHATWG, as urlsplit does).
  let start = 0;
  while (start < url.length && url.charCodeAt(start) <= 0x20) start++;
  let rest = url.slice(start).replace(/[\t\r\n]/g, '');
  let scheme = '';
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (m) {
    scheme = m[1]!.toLowerCase();
    rest = rest.slice(m[0].length);
  }
  let netloc = '';
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end < 0 ? rest.slice(2) : rest.slice(2, end + 2);
    rest = end < 0 ? '' : rest.slice(end + 2);
  }
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let path = rest;
  let params = '';
  if (USES_PARAMS.has(scheme) && path.includes(';')) {
    const slash = path.lastIndexOf('/');
    const semi = path.indexOf(';', slash < 0 ? 0 : slash);
    if (semi >= 0) {
      params = path.slice(semi + 1);
      path = path.slice(0, semi);
    }
  }
  return { scheme, netloc, path, params, query, fragment };
}

/** Python's `unquote_plus`: `+` is a space, `%XX` sequences decode as UTF-8 with replacement. */
function unquotePlus(s: string): string {
  const text = s.replace(/\+/g, ' ');
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  let out = '';
  const flush = (): void => {
    if (bytes.length) out += new TextDecoder('utf-8', { fatal: false }).decode(new Uint8Array(bytes));
    bytes.length = 0;
  };
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      flush();
      out += text[i];
    }
  }
  flush();
  return out;
}

/** Python's `urllib.parse.parse_qs(query)`: `&`-separated pairs, blank values and bare names dropped. */
export function pyParseQs(query: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const pair of query.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const value = pair.slice(eq + 1);
    if (!value.length) continue;
    const name = unquotePlus(pair.slice(0, eq));
    out.set(name, [...(out.get(name) ?? []), unquotePlus(value)]);
  }
  return out;
}

/**
 * `url_match` on the final URL against ` |OR| `-separated references.
 * - WebArena-Lite (`URLExactEvaluator`, default note `EXACT`): `EXACT` is string equality after
 *   cleaning; `GOLD in PRED` is a raw substring test of the whole reference URL in the final
 *   one (so reordered or re-encoded query parameters fail).
 * - WebArena (`URLEvaluator`, default note `GOLD in PRED`, the only note it reads): some
 *   reference's `netloc + path` is a substring of the final one's, and every query key of the
 *   references has one of its reference values among the final URL's values of that key
 *   (`parse_qs`: decoded, blank values dropped, order free).
 * Returns whether it matches; throws where the harness raises (an unknown note).
 */
export function urlMatches(referenceUrl: string, finalUrl: string, note: string | undefined, semantics: WebArenaSemantics): boolean {
  const refs = referenceUrl.split(' |OR| ').map((u) => cleanUrl(u, semantics));
  const pred = cleanUrl(finalUrl, semantics);
  if (semantics === 'webarena-lite') {
    const rule = note ?? 'EXACT';
    if (rule === 'EXACT') return refs.includes(pred);
    if (rule === 'GOLD in PRED') return refs.some((r) => pred.includes(r));
    throw new ReferenceRaisedError(`Unknown matching rule: ${rule}`);
  }
  const rule = note ?? 'GOLD in PRED';
  if (rule !== 'GOLD in PRED') throw new ReferenceRaisedError(`Unknown matching rule: ${rule} (WebArena's evaluator reads only "GOLD in PRED")`);
  const base = (u: string): string => {
    const p = pyUrlparse(u);
    return p.netloc + p.path;
  };
  const refQuery = new Map<string, Set<string>>();
  for (const r of refs) for (const [k, vs] of pyParseQs(pyUrlparse(r).query)) for (const v of vs) refQuery.set(k, (refQuery.get(k) ?? new Set()).add(v));
  const predBase = base(pred);
  if (!refs.some((r) => predBase.includes(base(r)))) return false;
  const predQuery = pyParseQs(pyUrlparse(pred).query);
  for (const [k, values] of refQuery) if (!(predQuery.get(k) ?? []).some((v) => values.has(v))) return false;
  return true;
}
