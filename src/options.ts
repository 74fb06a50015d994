// Option validation for every public option object, through one mechanism: a zod schema per
// option object, checked at construction (before any browser starts or any work is done). The
// schemas are strict (an unknown key is refused, with the nearest valid name suggested), every
// number has its real range, and every failure is an OptionsError whose message names the owner,
// the option's path, what it must be and what it got:
//
//   MultiTurnGRPO option checkpoint.dir must be a string (a folder path), got 5
//   MultiTurnGRPO: unknown option numGeneration; did you mean numGenerations?
//
// The option interfaces (with their TSDoc) stay the types users see; `defineOptions<I>()` checks
// at compile time that a schema describes exactly the interface `I` (same keys at every level,
// same types), so the two cannot drift apart.
//
// Over 300 lines because it is one mechanism in parts that depend on each other: the builders
// attach the phrase every issue reports (and `rule`'s sentence marker), the checker turns issues
// into the owner, path and value message, and the suggestions walk the same zod definitions to name
// the nearest option.

import { z } from 'zod';
import type { ResetOptions } from './env/types.js';
import { OptionsError } from './errors.js';

export { z };

// ---------------------------------------------------------------- compile-time agreement

/** `T` without `readonly`, down to a few levels (class instances and functions compare as they are). */
type Normalize<T, D extends unknown[] = []> = D['length'] extends 4
  ? T
  : T extends (...args: never[]) => unknown
    ? T
    : T extends object
      ? { -readonly [K in keyof T]: Normalize<T[K], [...D, 0]> }
      : T;

/** True when A and B are the same type (not just mutually assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;

/** `unknown` when the schema's input type is the interface (readonly aside), else a type naming both. */
export type SchemaMatches<Input, Interface> = Equal<Normalize<Input>, Normalize<Interface>> extends true
  ? unknown
  : { readonly 'the schema does not describe the option interface': { readonly schema: Input; readonly interface: Interface } };

// ---------------------------------------------------------------- schema builders

/**
 * Every builder takes the phrase that completes "option X must be ...": the message of every
 * issue the schema raises, so no library wording reaches a user.
 */
const e = (phrase: string): { error: string } => ({ error: phrase });

/** A finite number, optionally an integer, within bounds. `phrase` defaults to a description of the range. */
export function num(range: {
  readonly int?: boolean;
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Exclusive lower bound. */
  readonly gt?: number;
  /** Inclusive upper bound. */
  readonly max?: number;
  /** Exclusive upper bound. */
  readonly lt?: number;
} = {}, phrase?: string): z.ZodNumber {
  const p = e(phrase ?? describeRange(range));
  let s = z.number(p);
  if (range.int) s = s.int(p);
  if (range.min !== undefined) s = s.gte(range.min, p);
  if (range.gt !== undefined) s = s.gt(range.gt, p);
  if (range.max !== undefined) s = s.lte(range.max, p);
  if (range.lt !== undefined) s = s.lt(range.lt, p);
  return s;
}

function describeRange(r: { int?: boolean; min?: number; gt?: number; max?: number; lt?: number }): string {
  const what = r.int ? 'an integer' : 'a finite number';
  const low = r.min !== undefined ? { v: r.min, open: false } : r.gt !== undefined ? { v: r.gt, open: true } : undefined;
  const high = r.max !== undefined ? { v: r.max, open: false } : r.lt !== undefined ? { v: r.lt, open: true } : undefined;
  if (low && high) {
    if (r.int && !low.open && !high.open) return `${what} from ${low.v} to ${high.v}`;
    return `${what} in ${low.open ? '(' : '['}${low.v}, ${high.v}${high.open ? ')' : ']'}`;
  }
  if (low) return `${what} ${low.open ? '>' : '>='} ${low.v}`;
  if (high) return `${what} ${high.open ? '<' : '<='} ${high.v}`;
  return what;
}

/** Common ranges. */
export const positiveInt = (phrase?: string): z.ZodNumber => num({ int: true, min: 1 }, phrase);
export const nonNegativeInt = (phrase?: string): z.ZodNumber => num({ int: true, min: 0 }, phrase);
export const integer = (phrase?: string): z.ZodNumber => num({ int: true }, phrase);
export const positive = (phrase?: string): z.ZodNumber => num({ gt: 0 }, phrase);
export const nonNegative = (phrase?: string): z.ZodNumber => num({ min: 0 }, phrase);
/** Longest delay Node's timers take (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;
/** A duration in whole ms, from 1 to MAX_TIMER_MS (timers and AbortSignal.timeout take whole ms). */
export const timeoutMs = (phrase = `a positive integer of milliseconds (at most ${MAX_TIMER_MS})`): z.ZodNumber => num({ int: true, min: 1, max: MAX_TIMER_MS }, phrase);
/** A TCP port, 0 for any free one. */
export const port = (phrase = 'an integer from 0 to 65535 (0 = any free port)'): z.ZodNumber => num({ int: true, min: 0, max: 65_535 }, phrase);

export const bool = (phrase = 'true or false'): z.ZodBoolean => z.boolean(e(phrase));

export function str(phrase = 'a string', options: { readonly nonEmpty?: boolean } = {}): z.ZodString {
  const s = z.string(e(phrase));
  return options.nonEmpty ? s.min(1, e(phrase)) : s;
}

/** One of the given strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, phrase?: string): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, e(phrase ?? listOf(values.map((v) => `'${v}'`))));
}

/** `a`, `a or b`, `a, b or c`. */
export function listOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]!}`;
}

export function arrayOf<T extends z.ZodType>(item: T, phrase: string, options: { readonly nonEmpty?: boolean } = {}): z.ZodArray<T> {
  const s = z.array(item, e(phrase));
  return options.nonEmpty ? s.min(1, e(phrase)) : s;
}

/** An object of any keys, each value checked by `value` (name -> callback tables). */
export function record<T extends z.ZodType>(value: T, phrase: string): z.ZodRecord<z.ZodString, T> {
  return z.record(z.string(), value, e(phrase));
}

/** One of several schemas; `phrase` is reported unless the value is of one member's kind with a bad field. */
export function union<const T extends readonly [z.ZodType, z.ZodType, ...z.ZodType[]]>(options: T, phrase: string): z.ZodUnion<T> {
  return z.union(options, e(phrase));
}

/** Exactly `value`. */
export function literal<const T extends string | number | boolean>(value: T, phrase?: string): z.ZodLiteral<T> {
  return z.literal(value, e(phrase ?? JSON.stringify(value)));
}

/** Whether `text` is an absolute http: or https: URL. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** An absolute http(s) URL; `phrase` is what is expected ("an absolute http(s) URL such as ..."). */
export function httpUrl(phrase: string): z.ZodString {
  return str(phrase).refine(isHttpUrl, { error: phrase });
}

/** A value checked by `test` only (class instances, duck-typed interfaces, opaque data). */
export function custom<T>(test: (value: unknown) => boolean, phrase: string): z.ZodCustom<T, T> {
  return z.custom<T>((v) => test(v), e(phrase));
}

/** A function (callbacks, factories): checked as a function, not deeper. */
export function fn<T>(phrase = 'a function'): z.ZodCustom<T, T> {
  return custom<T>((v) => typeof v === 'function', phrase);
}

/** An AbortSignal (duck-typed, so signals of another realm pass). */
export function signal(): z.ZodCustom<AbortSignal, AbortSignal> {
  return custom<AbortSignal>(
    (v) => typeof v === 'object' && v !== null && typeof (v as AbortSignal).aborted === 'boolean' && typeof (v as AbortSignal).addEventListener === 'function',
    'an AbortSignal',
  );
}

/** An instance of `cls`. */
export function instanceOf<T>(cls: abstract new (...args: never[]) => T, phrase: string): z.ZodCustom<T, T> {
  return custom<T>((v) => v instanceof cls, phrase);
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object with exactly these keys (others are refused with a suggestion). */
export function obj<S extends z.ZodRawShape>(shape: S, phrase = 'an object'): z.ZodObject<S, z.core.$strict> {
  return z.strictObject(shape, e(phrase));
}

/** Adds a rule across fields: when `test` fails, `sentence` (a whole sentence) is reported at `path`. */
export function rule(sentence: string): string {
  return `${SENTENCE}${sentence}`;
}
const SENTENCE = '\u0000';

// ---------------------------------------------------------------- checking

/** The option object of one owner, with its schema. */
export class OptionsSchema<I, S extends z.ZodType = z.ZodType> {
  constructor(
    /** Who takes the options, as messages name it (`MultiTurnGRPO`, `startSuiteServer`). */
    readonly owner: string,
    /** The schema, to nest in another option object's schema. */
    readonly schema: S,
  ) {}

  /** Throws an OptionsError naming the owner and the path when `value` is not a valid `I`. */
  check(value: unknown): void {
    const result = this.schema.safeParse(value, { error: fallbackPhrase });
    if (!result.success) throw new OptionsError(formatIssues(this.owner, this.schema, value, result.error.issues));
  }

  /** The schema of `I` under another owner name (for entry points sharing an option type). */
  as(owner: string): OptionsSchema<I, S> {
    return new OptionsSchema<I, S>(owner, this.schema);
  }
}

/**
 * `defineOptions<I>()(owner, schema)`: the checker of option interface `I`. Does not compile unless
 * the schema's type is exactly `I` (readonly aside): keys, optionality and value types.
 */
export function defineOptions<I>() {
  return <S extends z.ZodType>(owner: string, schema: S & SchemaMatches<z.input<S>, I>): OptionsSchema<I, S> => new OptionsSchema<I, S>(owner, schema);
}

/** Phrases for issues of a schema part built without one (a library default never reaches users). */
function fallbackPhrase(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `of type ${issue.expected}`;
    case 'too_small':
      return `${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return `${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return issue.values.map((v) => JSON.stringify(v)).join(', ');
    default:
      return 'valid';
  }
}

type Issue = z.core.$ZodIssue;
type Key = PropertyKey;

function formatIssues(owner: string, schema: z.ZodType, input: unknown, issues: readonly Issue[]): string {
  const sentences = flatten(issues, [])
    .sort((a, b) => Number(b.issue.code === 'unrecognized_keys') - Number(a.issue.code === 'unrecognized_keys'))
    .flatMap(({ issue, path }) => describe(schema, input, issue, path));
  const unique = [...new Set(sentences)];
  const [first, ...rest] = unique;
  const head = first!.startsWith(':') ? `${owner}${first}` : `${owner} ${first}`;
  return rest.length === 0 ? head : `${head} (also: ${rest.map((s) => s.replace(/^: /, '')).join('; ')})`;
}

/**
 * Issues with absolute paths. A failed union is replaced by the issues of the one member that
 * matched the value's type (an object of the right kind with a bad field), when there is one.
 */
function flatten(issues: readonly Issue[], prefix: readonly Key[]): Array<{ issue: Issue; path: Key[] }> {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const deeper = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0 || i.code === 'unrecognized_keys'));
      if (deeper.length === 1) return flatten(deeper[0]!, path);
      // Several members of the value's kind: the one it is closest to (fewest issues; a wrong
      // discriminant such as `kind` adds one), when a single member is closest.
      const fewest = Math.min(...deeper.map((branch) => branch.length));
      const closest = deeper.filter((branch) => branch.length === fewest);
      if (closest.length === 1) return flatten(closest[0]!, path);
    }
    return [{ issue, path }];
  });
}

function describe(schema: z.ZodType, input: unknown, issue: Issue, path: readonly Key[]): string[] {
  if (issue.code === 'unrecognized_keys') {
    const known = keysAt(schema, path);
    return issue.keys.map((key) => {
      const where = formatPath([...path, key]);
      const near = nearest(key, known);
      if (near !== undefined) return `: unknown option ${where}; did you mean ${formatPath([...path, near])}?`;
      const list = known.length > 0 ? `; the options${path.length ? ` of ${formatPath(path)}` : ''} are ${known.join(', ')}` : '';
      return `: unknown option ${where}${list}`;
    });
  }
  const where = path.length === 0 ? 'options' : `option ${formatPath(path)}`;
  if (issue.message.startsWith(SENTENCE)) return [`${path.length === 0 ? ':' : where} ${issue.message.slice(SENTENCE.length)}`.replace(/^: ?/, ': ')];
  const value = valueAt(input, path);
  if (value.found === false || value.value === undefined) return [`${where} must be ${issue.message}; it is missing`];
  return [`${where} must be ${issue.message}, got ${show(value.value)}`];
}

function valueAt(input: unknown, path: readonly Key[]): { found: boolean; value?: unknown } {
  let v = input;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || !(key in v)) return { found: false };
    v = (v as Record<Key, unknown>)[key];
  }
  return { found: true, value: v };
}

/** How a bad value is shown in a message: numbers and strings as they are, others by kind. */
export function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null || value === undefined) return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  if (Array.isArray(value)) {
    if (value.length <= 4 && value.every((x) => typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean' || x === null)) return `[${value.map((x) => show(x)).join(', ')}]`;
    return `an array of ${value.length}`;
  }
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  const name = proto?.constructor?.name;
  if (proto === null || name === 'Object') {
    try {
      const json = JSON.stringify(value);
      if (json !== undefined && json.length <= 60) return json;
    } catch {
      // cyclic: described below
    }
    return 'an object';
  }
  return `a ${name ?? 'value'}`;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

function formatPath(path: readonly Key[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENT.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

// ---------------------------------------------------------------- suggestions

interface Def {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly innerType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly element?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly items?: readonly z.ZodType[];
  readonly in?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => schema._zod.def as unknown as Def;

/** The object schemas a path leads to (through optional, unions, arrays, records). */
function objectsAt(schema: z.ZodType, path: readonly Key[]): Array<Record<string, z.ZodType>> {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
    case 'nonoptional':
      return objectsAt(def.innerType!, path);
    case 'pipe':
      return objectsAt(def.in!, path);
    case 'union':
      return def.options!.flatMap((o) => objectsAt(o, path));
    case 'object': {
      if (path.length === 0) return [def.shape!];
      const next = def.shape![String(path[0])];
      return next ? objectsAt(next, path.slice(1)) : [];
    }
    case 'array':
      return path.length === 0 ? [] : objectsAt(def.element!, path.slice(1));
    case 'record':
      return path.length === 0 ? [] : objectsAt(def.valueType!, path.slice(1));
    case 'tuple': {
      const item = def.items![Number(path[0])];
      return path.length === 0 || !item ? [] : objectsAt(item, path.slice(1));
    }
    default:
      return [];
  }
}

function keysAt(schema: z.ZodType, path: readonly Key[]): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((shape) => Object.keys(shape)))];
}

/** Edit distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** Lower case without separators: `learning_rate`, `LearningRate` and `learningRate` agree. */
const fold = (s: string): string => s.replace(/[_\-\s]/g, '').toLowerCase();
/** First letter of each camelCase or snake_case word: `learningRate` -> `lr`. */
const initials = (s: string): string => (s.match(/(^[a-zA-Z])|[A-Z]|(?<=[_-])[a-zA-Z]/g) ?? []).join('').toLowerCase();

/** English plural of a folded name's last word: `copy` -> `copies`, `maxretry` -> `maxretries`, `epoch` -> `epochs`. */
const plural = (s: string): string => (/[^aeiou]y$/.test(s) ? `${s.slice(0, -1)}ies` : /(s|x|z|ch|sh)$/.test(s) ? `${s}es` : `${s}s`);

/**
 * The valid name a mistyped `key` most likely meant: the same name cased or separated otherwise,
 * a close spelling (edit distance up to a third of the length, at least 1, at most 3), the
 * initials (`lr` for `learningRate`), a prefix (`maxTurn` for `maxTurns`) or the singular or plural
 * (`maxRetry` for `maxRetries`). Undefined when none is close.
 */
export function nearest(key: string, candidates: readonly string[]): string | undefined {
  const k = fold(key);
  if (k === '') return undefined;
  const exact = candidates.find((c) => fold(c) === k);
  if (exact !== undefined) return exact;
  let best: { name: string; score: number } | undefined;
  for (const c of candidates) {
    const f = fold(c);
    const distance = editDistance(k, f);
    const limit = Math.min(3, Math.max(1, Math.floor(Math.max(k.length, f.length) / 3)));
    let score = distance <= limit ? distance : Infinity;
    if (k.length >= 2 && initials(c) === k && initials(c).length >= 2) score = Math.min(score, 1.5);
    if (k.length >= 3 && (f.startsWith(k) || k.startsWith(f))) score = Math.min(score, Math.abs(f.length - k.length) <= 3 ? 1 : 2.5);
    if (k.length >= 3 && (plural(k) === f || plural(f) === k)) score = Math.min(score, 1);
    if (score < (best?.score ?? Infinity)) best = { name: c, score };
  }
  return best?.name;
}

// ---------------------------------------------------------------- schemas shared by several modules

/** The schema of ResetOptions (`reset(task, options)` of every environment). */
export const resetOptions = defineOptions<ResetOptions>()('reset', obj({ signal: signal().optional() }));
