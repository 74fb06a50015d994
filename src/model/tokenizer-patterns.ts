// The regular expressions of a tokenizer.json (`Regex` patterns of Split and Replace steps in
// its normalizer, pre-tokenizer and decoder) run on every text encoded, on a backtracking engine.
// A hostile or careless pattern can take exponential time, so one `encode` never returns. This
// file finds them, refuses the constructs that backtrack catastrophically (checked statically, at
// load), and runs the tokenizer's work under a time budget when a pattern is not one of the
// well-known ones (a pattern can still be slow without those constructs: `\s*\s*\s*x` is O(n^4)).
//
// Refused, anywhere in a pattern:
//  - a backreference (`\1`, `\k<name>`) or a subexpression call (`\g<name>`);
//  - a nested quantifier: a group repeated more than once (`*`, `+`, `{n,}`, `{n,m}` with m > 1)
//    that holds a quantifier of its own (`(a+)+`, `(?:ab?)*`), or a quantifier applied to a
//    repeat (`a{1,3}+`, which @huggingface/tokenizers reads as `(?:a{1,3})+`);
//  - a repeated alternation: a group repeated more than once that holds `|` (`(a|aa)*`).
// Such patterns do not occur in published tokenizers; `(?i:'s|'t)?` (repeated at most once) and
// `\p{N}{1,3}` are fine.

import { Script } from 'node:vm';

/** A `Regex` pattern of a tokenizer.json, with where it is (`pre_tokenizer.pretokenizers[0].pattern.Regex`). */
export interface TokenizerPattern {
  readonly path: string;
  readonly regex: string;
}

/** The `Regex` patterns in the normalizer, pre-tokenizer and decoder of a tokenizer.json, at any depth. */
export function tokenizerPatterns(json: Record<string, unknown>): TokenizerPattern[] {
  const out: TokenizerPattern[] = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > 64 || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`, depth + 1));
      return;
    }
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'pattern' && typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>).Regex === 'string') {
        out.push({ path: `${path}.pattern.Regex`, regex: (v as { Regex: string }).Regex });
      } else walk(v, `${path}.${key}`, depth + 1);
    }
  };
  for (const part of ['normalizer', 'pre_tokenizer', 'decoder']) walk(json[part], part, 0);
  return out;
}

/**
 * Pre-tokenizer patterns of published tokenizers, which run without a time budget: Qwen2 /
 * Qwen2.5 / Qwen3, Llama 3 and this package's trainer (BPE_PRETOKENIZE_PATTERN). Each is linear in
 * the text: no alternative that can fail after a repeat is left without a later alternative that
 * consumes the same run (`\s*[\r\n]+` fails on spaces, and `\s+(?!\S)|\s+` then takes them).
 */
export const TRUSTED_PATTERNS: ReadonlySet<string> = new Set([
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  '[\\p{L}\\p{M}]+|\\p{N}|[^\\p{White_Space}\\p{L}\\p{M}\\p{N}]+|\\p{White_Space}+',
]);

/** One group being scanned: whether it holds a quantifier or an alternation (at any depth). */
interface Frame {
  quantified: boolean;
  alternation: boolean;
}

type Last =
  | { readonly kind: 'none' }
  | { readonly kind: 'atom' }
  | { readonly kind: 'group'; readonly inner: Frame }
  | { readonly kind: 'quantifier'; readonly max: number; readonly brace: boolean; modified: boolean };

// As @huggingface/tokenizers reads `{...}`: `{n}`, `{n,}`, `{n,m}`, `{,m}`; anything else is a literal brace.
const BRACE_QUANTIFIER = /^\{(\d+)?(?:(,)(\d*))?\}/;
// Group openers: (?: (?= (?! (?<= (?<! (?> (?<name> (?'name' (?P<name> (?i: (?i-m:
const GROUP_PREFIX = /^\(\?(?:[:=!>]|<[=!]|<[A-Za-z_]\w*>|'[A-Za-z_]\w*'|P<[A-Za-z_]\w*>|[imxW]*(?:-[imxW]*)?:)/;
const INLINE_OPTIONS = /^\(\?[imxW]*(?:-[imxW]*)?\)/;

/** The index just past the character class opening at `start` (nested classes as Oniguruma has them). */
function classEnd(p: string, start: number): number {
  let j = start + 1;
  if (p[j] === '^') j++;
  if (p[j] === ']') j++; // a `]` first in a class is a literal
  let depth = 1;
  while (j < p.length) {
    const c = p[j];
    if (c === '\\') j += 2;
    else if (c === '[') {
      depth++;
      j++;
      if (p[j] === '^') j++;
    } else if (c === ']') {
      j++;
      if (--depth === 0) return j;
    } else j++;
  }
  return p.length;
}

/**
 * Why `pattern` (Oniguruma syntax, as tokenizer.json holds it) may backtrack catastrophically
 * (see the top of this file), or undefined when it has none of the refused constructs.
 */
export function patternProblem(pattern: string): string | undefined {
  const stack: Frame[] = [{ quantified: false, alternation: false }];
  let last: Last = { kind: 'none' };
  let i = 0;
  const at = (index: number): string => `at character ${index + 1}`;
  while (i < pattern.length) {
    const c = pattern[i]!;
    const top = stack[stack.length - 1]!;
    if (c === '\\') {
      const d = pattern[i + 1];
      if (d !== undefined && d >= '1' && d <= '9') return `a backreference (\\${d}) ${at(i)}: backreferences can take exponential time`;
      if ((d === 'k' || d === 'g') && (pattern[i + 2] === '<' || pattern[i + 2] === "'")) {
        return `a ${d === 'k' ? 'backreference' : 'subexpression call'} (\\${d}${pattern[i + 2]}...) ${at(i)}: it can take exponential time`;
      }
      if (d !== undefined && 'pPxu'.includes(d) && pattern[i + 2] === '{') {
        const close = pattern.indexOf('}', i + 3);
        i = close < 0 ? pattern.length : close + 1;
      } else i += 2;
      last = { kind: 'atom' };
      continue;
    }
    if (c === '[') {
      i = classEnd(pattern, i);
      last = { kind: 'atom' };
      continue;
    }
    if (c === '(') {
      const rest = pattern.slice(i, i + 64);
      if (rest.startsWith('(?#')) {
        const close = pattern.indexOf(')', i);
        i = close < 0 ? pattern.length : close + 1;
        continue;
      }
      const options = INLINE_OPTIONS.exec(rest);
      if (options) {
        i += options[0].length;
        continue;
      }
      stack.push({ quantified: false, alternation: false });
      i += GROUP_PREFIX.exec(rest)?.[0].length ?? 1;
      last = { kind: 'none' };
      continue;
    }
    if (c === ')') {
      i++;
      if (stack.length === 1) {
        last = { kind: 'atom' }; // unbalanced: the regex compiler refuses it
        continue;
      }
      const inner = stack.pop()!;
      const parent = stack[stack.length - 1]!;
      parent.quantified ||= inner.quantified;
      parent.alternation ||= inner.alternation;
      last = { kind: 'group', inner };
      continue;
    }
    if (c === '|') {
      top.alternation = true;
      last = { kind: 'none' };
      i++;
      continue;
    }
    let max: number | undefined;
    let length = 1;
    if (c === '*' || c === '+') max = Infinity;
    else if (c === '?') max = 1;
    else if (c === '{') {
      const m = BRACE_QUANTIFIER.exec(pattern.slice(i, i + 40));
      if (m && (m[1] !== undefined || (m[2] !== undefined && m[3] !== ''))) {
        max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
        length = m[0].length;
      }
    }
    if (max === undefined) {
      last = { kind: 'atom' };
      i++;
      continue;
    }
    const brace = c === '{';
    if (last.kind === 'quantifier') {
      // `a*?` is lazy and `a*+` possessive: modifiers, not repeats (@huggingface/tokenizers drops
      // the `+`). After a `{n,m}`, a `+` or `*` is a second repeat (it rewrites `a{1,3}+` as `(?:a{1,3})+`).
      if (!last.modified && (c === '?' || (c === '+' && !last.brace))) {
        last.modified = true;
        i += length;
        continue;
      }
      if (max > 1 && last.max > 1) return `a nested quantifier ${at(i)} (a repeat of a repeat): it can take exponential time`;
    } else if (last.kind === 'group' && max > 1) {
      if (last.inner.quantified) return `a nested quantifier ${at(i)} (a repeated group that holds a quantifier): it can take exponential time`;
      if (last.inner.alternation) return `a repeated alternation ${at(i)} (a repeated group that holds "|"): it can take exponential time`;
    }
    top.quantified = true;
    last = { kind: 'quantifier', max: last.kind === 'quantifier' ? Math.max(max, last.max) : max, brace, modified: false };
    i += length;
  }
  return undefined;
}

// ---------------------------------------------------------------- time budget

const SLOT = Symbol.for('webagent-r1.tokenizer-budget');
// One compiled script calls the function in the slot; vm's timeout interrupts it (regular
// expression matching included) when the budget runs out.
const CALL = new Script(`globalThis[Symbol.for('webagent-r1.tokenizer-budget')]()`, { filename: 'webagent-r1-tokenizer-budget' });

/** Thrown by `withinBudget` when `run` did not finish in time. */
export class BudgetExceeded extends Error {}

/**
 * Runs `run` synchronously, interrupted after `ms` milliseconds (then BudgetExceeded). Costs
 * about 0.2 ms a call (a watchdog thread), so it is used only for unfamiliar patterns.
 */
export function withinBudget<T>(ms: number, run: () => T): T {
  const g = globalThis as unknown as Record<symbol, unknown>;
  const previous = g[SLOT];
  let result: { value: T } | undefined;
  g[SLOT] = (): void => {
    result = { value: run() };
  };
  try {
    CALL.runInThisContext({ timeout: ms, displayErrors: false });
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new BudgetExceeded(`over ${ms} ms`);
    throw error;
  } finally {
    g[SLOT] = previous;
  }
  return result!.value;
}
