// Text grammars for Action: WebRL/WebAgent-R1 calls (`do(action="Click", element="12")`) and WebArena commands (`click [12]`), parsed without throwing and formatted to round-trip.
//
// Over 300 lines because parsing and formatting of both grammars are one contract: `formatAction`
// parses its own text back to guarantee the round trip, and both grammars share the scanner, the
// unescaping, the target and `wait` rules and the error wording.

import { OptionsError } from '../errors.js';
import { quote } from './observation-text.js';
import type { Action, ElementTarget } from './types.js';

/** `'webagent-r1'`: WebRL / WebAgent-R1 Python-call syntax (default). `'webarena'`: WebArena's `verb [arg]` syntax. */
export type ActionGrammar = 'webagent-r1' | 'webarena';

export const ACTION_GRAMMARS: readonly ActionGrammar[] = Object.freeze(['webagent-r1', 'webarena'] as const);

type ValidAction = Exclude<Action, { type: 'invalid' }>;

/** How long `wait` waits when no duration is given, in ms. */
export const WAIT_DEFAULT_MS = 1_000;
/** The longest `wait`, in ms: longer waits are refused (a parse error, or the step's `lastActionError`). */
export const WAIT_MAX_MS = 5_000;

/** Why `ms` is not a duration `wait` takes (a whole number of ms from 0 to WAIT_MAX_MS), else undefined. */
export function waitProblem(ms: unknown): string | undefined {
  if (ms === undefined) return undefined;
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0) return `wait takes a whole number of milliseconds, got ${quote(String(ms))}`;
  if (ms > WAIT_MAX_MS) return `wait is at most ${WAIT_MAX_MS} ms, got ${ms} ms; wait several times to wait longer`;
  return undefined;
}

/** Parses the duration argument of `wait` (digits, optionally followed by `ms`). */
function waitMs(text: string): number {
  const t = text.trim();
  const m = /^(\d+)\s*(?:ms)?$/i.exec(t);
  if (!m) fail(`wait takes a duration in milliseconds such as 500, got ${excerpt(text)}`);
  const ms = Number(m[1]);
  const problem = waitProblem(ms);
  if (problem !== undefined) fail(problem);
  return ms;
}

/** Thrown inside the parsers only; `parseAction` turns it into an `invalid` action. */
class ParseFailure extends Error {}
function fail(reason: string): never {
  throw new ParseFailure(reason);
}
const excerpt = (s: string): string => quote(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** A cursor over the action text. */
class Scanner {
  i = 0;
  constructor(readonly s: string) {}
  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }
  eat(c: string): boolean {
    const ok = this.s.startsWith(c, this.i);
    if (ok) this.i += c.length;
    return ok;
  }
  match(re: RegExp): string | undefined {
    re.lastIndex = this.i;
    const m = re.exec(this.s);
    if (m) this.i += m[0].length;
    return m?.[0];
  }
  peek = (): string => this.s[this.i] ?? '';
  done = (): boolean => this.i >= this.s.length;
  rest = (): string => this.s.slice(this.i);
  /** The quoted string at the cursor, quotes and escapes included, undecoded. */
  quoted(what: string): string {
    const q = this.peek();
    let j = this.i + 1;
    while (j < this.s.length && this.s[j] !== q) j += this.s[j] === '\\' ? 2 : 1;
    if (j >= this.s.length) fail(`unterminated string in ${what}; close it with ${q} and escape inner quotes as \\${q}`);
    const raw = this.s.slice(this.i, j + 1);
    this.i = j + 1;
    return raw;
  }
}

const WORD = /[A-Za-z_]\w*/y;
const ROLE = /^[A-Za-z][\w-]*$/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\', '/': '/' };

/** Decodes a double- or single-quoted value: JSON escapes plus `\'`; unknown escapes are kept verbatim. */
function unescape(raw: string): string {
  const decode = (all: string, e: string): string => (e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (ESCAPES[e] ?? all));
  return raw.slice(1, -1).replace(/\\(u[0-9a-fA-F]{4}|[\s\S])/g, decode);
}

function positiveInt(text: string, what: string): number {
  const t = text.trim();
  const n = Number(t);
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(n) || n < 1) fail(`${what} must be a positive integer, got ${quote(text)}`);
  return n;
}

function nameTarget(role: string, name: string, nth: string | undefined): ElementTarget {
  if (!ROLE.test(role)) fail(`role must be a single word such as "link" or "button", got ${quote(role)}`);
  return nth === undefined ? { role, name } : { role, name, nth: positiveInt(nth, 'nth (1-based)') };
}

/** `text` trimmed, without one trailing `;`. */
function trimmed(text: string): string {
  const s = text.trim();
  return s.endsWith(';') ? s.slice(0, -1).trimEnd() : s;
}

/**
 * Strips surrounding whitespace, backticks or a code fence, and a trailing `;`. The fence is
 * the longest run of k backticks that both opens and closes the text (`x`, ```lang\n...```),
 * found by counting the runs at both ends: a pattern with a back-reference tried every split
 * of the run and was cubic in the length of an unclosed one.
 */
function unwrap(text: string): string {
  const s = trimmed(text);
  let open = 0;
  while (open < s.length && s.charCodeAt(open) === 96) open++;
  let close = 0;
  while (close < s.length && s.charCodeAt(s.length - 1 - close) === 96) close++;
  const k = Math.min(open, close, Math.floor(s.length / 2));
  if (k === 0) return s;
  let body = s.slice(k, s.length - k);
  if (k >= 3) {
    // A language tag such as ```python: letters and hyphens up to the first new line.
    let i = 0;
    while (i < body.length && /[A-Za-z-]/.test(body[i]!)) i++;
    if (body[i] === '\n') body = body.slice(i + 1);
  }
  return trimmed(body);
}

// ---------------------------------------------------------------- webagent-r1

const TARGET_FORM = 'element="<id>" or role="..." name="..."';
const TARGET_KEYS = ['element', 'role', 'name', 'nth'];
/** One `do(action=...)` form; `build` gets the argument (undefined when an optional one is left out) and a parser for the element keywords. */
type R1Spec = { name: string; arg?: string; optional?: boolean; target?: boolean; build: (arg: string | undefined, target: () => ElementTarget) => ValidAction };
const R1_SPECS: readonly R1Spec[] = [
  { name: 'Click', target: true, build: (_, t) => ({ type: 'click', target: t() }) },
  { name: 'Type', arg: '<text>', target: true, build: (text, t) => ({ type: 'type', target: t(), text: text! }) },
  { name: 'Search', arg: '<text>', target: true, build: (text, t) => ({ type: 'type', target: t(), text: text!, pressEnter: true }) },
  { name: 'Hover', target: true, build: (_, t) => ({ type: 'hover', target: t() }) },
  { name: 'Select Dropdown Option', arg: '<option>', target: true, build: (option, t) => ({ type: 'select', target: t(), option: option! }) },
  { name: 'Scroll Up', build: () => ({ type: 'scroll', direction: 'up' }) },
  { name: 'Scroll Down', build: () => ({ type: 'scroll', direction: 'down' }) },
  { name: 'Press Enter', build: () => ({ type: 'press', key: 'Enter' }) },
  { name: 'Press Key', arg: '<key>', build: (key) => ({ type: 'press', key: key!.trim() }) },
  { name: 'Goto', arg: '<url>', build: (url) => ({ type: 'goto', url: url!.trim() }) },
  // WebRL / AutoWebGLM write `do(action="Wait")`; the duration in ms is optional.
  { name: 'Wait', arg: '<ms>', optional: true, build: (ms) => (ms === undefined ? { type: 'wait' } : { type: 'wait', ms: waitMs(ms) }) },
];
/**
 * The `do(action=...)` forms of the `webagent-r1` grammar: each action's name, its `argument`
 * placeholder if it takes one (`optional` when it may be left out), and whether it takes an element.
 */
export const R1_ACTIONS: readonly { readonly name: string; readonly argument?: string; readonly optional?: boolean; readonly target: boolean }[] = Object.freeze(
  R1_SPECS.map((x) => Object.freeze({ name: x.name, ...(x.arg !== undefined ? { argument: x.arg } : {}), ...(x.optional ? { optional: true } : {}), target: x.target === true })),
);
const R1_LOOKUP = new Map<string, R1Spec>(R1_SPECS.map((s) => [s.name.toLowerCase(), s]));
R1_LOOKUP.set('go to', R1_LOOKUP.get('goto')!);
const R1_CALLS = 'do(action="...", ...), exit(message="..."), go_backward() or go_forward()';
const r1Form = (x: R1Spec): string => `do(action="${x.name}"${x.arg ? `${x.optional ? '[' : ''}, argument="${x.arg}"${x.optional ? ']' : ''}` : ''}${x.target ? ', element="<id>"' : ''})`;

function parseR1(s: string): ValidAction {
  const sc = new Scanner(s);
  const fn = sc.match(WORD)?.toLowerCase();
  if (fn === undefined || !['do', 'exit', 'go_backward', 'go_forward'].includes(fn)) fail(`expected ${R1_CALLS}, got ${excerpt(s)}`);
  sc.ws();
  if (!sc.eat('(')) fail(`expected "(" after ${fn}; write ${fn}(...)`);
  const args = new Map<string, string>();
  const unclosed = `missing ")" at the end of ${fn}(...)`;
  for (;;) {
    sc.ws();
    if (sc.eat(')')) break;
    const key = sc.match(WORD) ?? fail(sc.done() ? unclosed : `expected keyword="value" in ${fn}(...), got ${excerpt(sc.rest())}`);
    sc.ws();
    if (!sc.eat('=')) fail(`expected "=" after keyword ${key}; write ${key}="..."`);
    sc.ws();
    const bare = (): string => sc.match(/-?\d+/y) ?? fail(`value of ${key}= must be a quoted string, got ${excerpt(sc.rest())}`);
    const value = sc.peek() === '"' || sc.peek() === "'" ? unescape(sc.quoted(`${key}=`)) : bare();
    if (args.has(key.toLowerCase())) fail(`duplicate keyword ${key}=`);
    args.set(key.toLowerCase(), value);
    sc.ws();
    if (sc.eat(')')) break;
    if (!sc.eat(',')) fail(sc.done() ? unclosed : `expected "," or ")" after ${key}=..., got ${excerpt(sc.rest())}`);
  }
  sc.ws();
  if (!sc.done()) fail(`unexpected text after ")": ${excerpt(sc.rest())}`);
  const only = (allowed: readonly string[], what: string, form: string): void => {
    for (const k of args.keys()) if (!allowed.includes(k)) fail(`${what} does not take ${k}=; expected ${form}`);
  };
  if (fn === 'go_backward' || fn === 'go_forward') {
    only([], `${fn}()`, `${fn}()`);
    return { type: fn === 'go_backward' ? 'go_back' : 'go_forward' };
  }
  if (fn === 'exit') {
    only(['message'], 'exit()', 'exit(message="<answer>")');
    return { type: 'answer', text: args.get('message') ?? fail('exit needs message="<answer>"') };
  }
  const raw = args.get('action') ?? fail(`do() needs action="..."; expected one of ${R1_SPECS.map((x) => x.name).join(', ')}`);
  const spec =
    R1_LOOKUP.get(raw.trim().replace(/\s+/g, ' ').toLowerCase()) ??
    fail(`unknown action ${quote(raw)}; expected one of ${R1_SPECS.map((x) => x.name).join(', ')}`);
  only(['action', ...(spec.arg ? ['argument'] : []), ...(spec.target ? TARGET_KEYS : [])], spec.name, r1Form(spec));
  const given = args.get('argument');
  const arg = spec.arg === undefined || (spec.optional && given === undefined) ? undefined : (given ?? fail(`${spec.name} needs argument="${spec.arg}"; expected ${r1Form(spec)}`));
  if ((spec.arg === '<key>' || spec.arg === '<url>') && !arg!.trim()) fail(`${spec.name} needs a non-empty argument="${spec.arg}"`);
  return spec.build(arg, () => r1Target(args, spec.name));
}

function r1Target(args: ReadonlyMap<string, string>, action: string): ElementTarget {
  const [element, role, name, nth] = TARGET_KEYS.map((k) => args.get(k));
  if (element !== undefined) {
    if (role !== undefined || name !== undefined || nth !== undefined) fail(`${action} takes either element="<id>" or role="..." name="...", not both`);
    return { id: positiveInt(element, 'element id') };
  }
  if (role === undefined && name === undefined) fail(`${action} needs ${TARGET_FORM}`);
  if (role === undefined || name === undefined) fail(`${action} needs both role="..." and name="..." (or element="<id>")`);
  return nameTarget(role, name, nth);
}

function formatR1(a: ValidAction): string {
  const call = (action: string, argument?: string, t?: ElementTarget): string => {
    const parts = [`action=${quote(action)}`];
    if (argument !== undefined) parts.push(`argument=${quote(argument)}`);
    if (t && 'id' in t) parts.push(`element=${quote(String(t.id))}`);
    else if (t) parts.push(`role=${quote(t.role)}`, `name=${quote(t.name)}`, ...(t.nth === undefined ? [] : [`nth=${quote(String(t.nth))}`]));
    return `do(${parts.join(', ')})`;
  };
  switch (a.type) {
    case 'click': return call('Click', undefined, a.target);
    case 'hover': return call('Hover', undefined, a.target);
    case 'type': return call(a.pressEnter ? 'Search' : 'Type', a.text, a.target);
    case 'select': return call('Select Dropdown Option', a.option, a.target);
    case 'scroll': return call(a.direction === 'up' ? 'Scroll Up' : 'Scroll Down');
    case 'press': return a.key === 'Enter' ? call('Press Enter') : call('Press Key', a.key);
    case 'goto': return call('Goto', a.url);
    case 'wait': return a.ms === undefined ? call('Wait') : call('Wait', String(a.ms));
    case 'go_back': return 'go_backward()';
    case 'go_forward': return 'go_forward()';
    case 'answer': return `exit(message=${quote(a.text)})`;
    default: return badAction(a);
  }
}

// ---------------------------------------------------------------- webarena

const WA_VERBS = ['click', 'hover', 'type', 'select', 'press', 'scroll', 'goto', 'go_back', 'go_forward', 'wait', 'stop'];
const WA_TAB_VERBS = ['new_tab', 'tab_focus', 'close_tab'];

/** Parses `[12]`, `[link "Name"]` or `[link "Name" 2]` at the start of `rest`; returns the target and what follows. */
function waTarget(rest: string, verb: string): [ElementTarget, string] {
  const form = `${verb} [<id>] or ${verb} [role "name"]`;
  const sc = new Scanner(rest);
  if (!sc.eat('[')) fail(`${verb} needs an element; expected ${form}`);
  sc.ws();
  const word = sc.match(/[^\s\]"]+/y);
  sc.ws();
  let target: ElementTarget;
  if (sc.peek() === '"') {
    if (word === undefined) fail(`missing role before the name; expected ${form}`);
    const name = jsonString(sc.quoted('the element name'));
    sc.ws();
    const nth = sc.match(/[^\s\]]+/y);
    sc.ws();
    target = nameTarget(word, name, nth);
  } else {
    if (word === undefined) fail(`${verb} needs an element; expected ${form}`);
    if (sc.peek() !== ']') fail(`the element name must be quoted, e.g. ${verb} [link "Blue Ceramic Mug"]; got ${excerpt(rest)}`);
    target = { id: positiveInt(word, 'element id') };
  }
  if (!sc.eat(']')) fail(`missing "]" after the element; expected ${form}`);
  return [target, sc.rest().trim()];
}

function jsonString(raw: string): string {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return fail(`element name ${excerpt(raw)} is not a valid JSON string`);
  }
}

/** The text of one greedy `[...]` group spanning all of `body` (the text may itself contain brackets). */
function waText(body: string, form: string): string {
  if (!body.startsWith('[')) fail(body ? `expected ${form}, got ${excerpt(body)}` : `missing argument; expected ${form}`);
  if (!body.endsWith(']')) fail(`missing closing "]"; expected ${form}`);
  return body.slice(1, -1);
}

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

/**
 * The `[0]` or `[1]` that ends `type [..] [text] [0|1]`, read backwards from the end of `after`
 * (`] [1]` with optional spaces): whether it asks for Enter, and where the text's `]` ends.
 */
function enterFlag(after: string): { enter: boolean; end: number } | undefined {
  let i = after.length - 1;
  const back = (): void => {
    while (isSpace(after[i])) i--;
  };
  if (after[i--] !== ']') return undefined;
  back();
  const digit = after[i--];
  if (digit !== '0' && digit !== '1') return undefined;
  back();
  if (after[i--] !== '[') return undefined;
  back();
  if (i < 0 || after[i] !== ']') return undefined;
  return { enter: digit === '1', end: i + 1 };
}

function parseWA(s: string): ValidAction {
  const verb = /^[A-Za-z_]+/.exec(s)?.[0];
  const lower = verb?.toLowerCase() ?? '';
  const rest = s.slice(verb?.length ?? 0).trim();
  if (WA_TAB_VERBS.includes(lower)) fail(`tab actions are not supported (${lower}); stay in one tab and use goto [url] or go_back`);
  if (!WA_VERBS.includes(lower)) fail(`unknown action ${excerpt(verb ?? s)}; expected one of ${WA_VERBS.join(', ')}`);
  switch (lower) {
    case 'go_back':
    case 'go_forward':
      if (rest) fail(`${lower} takes no arguments, got ${excerpt(rest)}`);
      return { type: lower };
    case 'click':
    case 'hover': {
      const [target, after] = waTarget(rest, lower);
      if (after) fail(`unexpected text after ${lower} [...]: ${excerpt(after)}`);
      return { type: lower, target };
    }
    case 'type': {
      const [target, after] = waTarget(rest, 'type');
      const flag = enterFlag(after);
      const text = waText(flag ? after.slice(0, flag.end) : after, 'type [<id>] [text] [0|1]');
      return !flag || flag.enter ? { type: 'type', target, text, pressEnter: true } : { type: 'type', target, text };
    }
    case 'select': {
      const [target, after] = waTarget(rest, 'select');
      return { type: 'select', target, option: waText(after, 'select [<id>] [option]') };
    }
    case 'press':
      return { type: 'press', key: waText(rest, 'press [key]').trim() || fail('press needs a key, e.g. press [Control+a]') };
    case 'scroll': {
      const dir = waText(rest, 'scroll [up] or scroll [down]').trim().toLowerCase().replace(/^direction\s*=\s*/, '');
      if (dir !== 'up' && dir !== 'down') fail(`scroll direction must be up or down, got ${excerpt(dir)}`);
      return { type: 'scroll', direction: dir as 'up' | 'down' };
    }
    case 'goto':
      return { type: 'goto', url: waText(rest, 'goto [url]').trim() || fail('goto needs a URL, e.g. goto [https://example.com]') };
    case 'wait':
      return rest ? { type: 'wait', ms: waitMs(waText(rest, 'wait or wait [ms]')) } : { type: 'wait' };
    default:
      return { type: 'answer', text: waText(rest, 'stop [answer] (stop [] for no answer)') };
  }
}

function formatWA(a: ValidAction): string {
  const el = (t: ElementTarget): string => ('id' in t ? String(t.id) : `${t.role} ${quote(t.name)}${t.nth === undefined ? '' : ` ${t.nth}`}`);
  switch (a.type) {
    case 'click': return `click [${el(a.target)}]`;
    case 'hover': return `hover [${el(a.target)}]`;
    case 'type': return `type [${el(a.target)}] [${a.text}] [${a.pressEnter ? 1 : 0}]`;
    case 'select': return `select [${el(a.target)}] [${a.option}]`;
    case 'scroll': return `scroll [${a.direction}]`;
    case 'press': return `press [${a.key}]`;
    case 'goto': return `goto [${a.url}]`;
    case 'wait': return a.ms === undefined ? 'wait' : `wait [${a.ms}]`;
    case 'go_back': return 'go_back';
    case 'go_forward': return 'go_forward';
    case 'answer': return `stop [${a.text}]`;
    default: return badAction(a);
  }
}

// ---------------------------------------------------------------- public API

function badAction(a: never): never {
  throw new ActionFormatError(`cannot format action of type ${quote(String((a as { type?: unknown } | null)?.type))}`, 'type');
}

export function checkGrammar(grammar: unknown): asserts grammar is ActionGrammar {
  const ok = ACTION_GRAMMARS.includes(grammar as ActionGrammar);
  if (!ok) throw new OptionsError(`unknown action grammar ${quote(String(grammar))}; expected one of ${ACTION_GRAMMARS.join(', ')}`);
}

/**
 * The longest action text `parseAction` reads, in characters (surrounding whitespace and code
 * fence included). Longer text is an `invalid` action, refused unread: no action a policy has
 * reason to write comes near it (typed text and answers run to a few hundred characters), and it
 * bounds the work of one parse, which runs on the synchronous path every episode shares. An
 * action formatted from a longer text does not round-trip.
 */
export const MAX_ACTION_CHARS = 10_000;

/**
 * Parses one action written in `grammar`. Never throws: text that is not a valid action yields
 * `{ type: 'invalid', text, reason }` with a reason that names the problem and the expected form.
 * Text longer than MAX_ACTION_CHARS is invalid. Parsing takes time linear in the text.
 */
export function parseAction(text: string, grammar: ActionGrammar = 'webagent-r1'): Action {
  const input = typeof text === 'string' ? text : String(text);
  try {
    checkGrammar(grammar);
    if (input.length > MAX_ACTION_CHARS) {
      return { type: 'invalid', text: input, reason: `the action is ${input.length} characters long, over the limit of ${MAX_ACTION_CHARS}; write one short action` };
    }
    const s = unwrap(input);
    if (!s) return { type: 'invalid', text: input, reason: 'empty action' };
    return grammar === 'webarena' ? parseWA(s) : parseR1(s);
  } catch (error) {
    const reason = error instanceof ParseFailure || error instanceof OptionsError ? error.message : `unparseable action: ${String(error)}`;
    return { type: 'invalid', text: input, reason };
  }
}

/**
 * formatAction was given an action it cannot write as text that parseAction reads back as the same
 * action: a field missing or of the wrong type, an element id that is not a positive integer, a
 * role that is not one word, a key or URL that is empty or padded with spaces, a wait too long, a
 * text too long to parse. `field` names the field at fault (`target.id`, `key`), when there is one.
 */
export class ActionFormatError extends OptionsError {
  override readonly code: string = 'INVALID_ACTION';
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(message);
    this.field = field;
  }
}

/** The types of actions formatAction writes (and `invalid`, written as its text). */
const ACTION_TYPES: readonly ValidAction['type'][] = ['click', 'hover', 'type', 'select', 'press', 'scroll', 'goto', 'go_back', 'go_forward', 'wait', 'answer'];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A value as an error shows it: short strings quoted, longer ones cut, other values by kind. */
const shown = (v: unknown): string => (typeof v === 'string' ? excerpt(v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/** The target as parseAction gives it back ({id} or {role, name[, nth]}), or throws ActionFormatError saying what is wrong. */
function canonicalTarget(t: unknown, type: string): ElementTarget {
  const bad = (field: string, problem: string): never => {
    throw new ActionFormatError(`cannot format ${type}: ${field} ${problem}`, field);
  };
  if (!isRecord(t)) return bad('target', `must be {id} or {role, name, nth?}, got ${shown(t)}`);
  if (t.id !== undefined) {
    if (t.role !== undefined || t.name !== undefined || t.nth !== undefined) bad('target', 'takes either id or role and name, not both');
    if (typeof t.id !== 'number' || !Number.isSafeInteger(t.id) || t.id < 1) bad('target.id', `must be a positive integer, got ${shown(t.id)}`);
    return { id: t.id as number };
  }
  if (typeof t.role !== 'string' || !ROLE.test(t.role)) bad('target.role', `must be a single word such as "link" or "button", got ${shown(t.role)}`);
  if (typeof t.name !== 'string') bad('target.name', `must be a string, got ${shown(t.name)}`);
  if (t.nth === undefined) return { role: t.role as string, name: t.name as string };
  if (typeof t.nth !== 'number' || !Number.isSafeInteger(t.nth) || t.nth < 1) bad('target.nth', `must be a positive integer (1-based), got ${shown(t.nth)}`);
  return { role: t.role as string, name: t.name as string, nth: t.nth as number };
}

/**
 * The action as parseAction gives it back (known fields only, `pressEnter` only when true), or
 * throws ActionFormatError naming the field that no text of either grammar can carry.
 */
function canonicalAction(a: unknown): ValidAction {
  if (!isRecord(a)) throw new ActionFormatError(`cannot format an action that is ${shown(a)}; expected an object with a "type"`);
  const type = a.type;
  const bad = (field: string, problem: string): never => {
    throw new ActionFormatError(`cannot format ${String(type)}: ${field} ${problem}`, field);
  };
  const string = (field: string): string => (typeof a[field] === 'string' ? (a[field] as string) : bad(field, `must be a string, got ${shown(a[field])}`));
  /** A string that parseAction trims and refuses empty (a key, a URL). */
  const trimmedString = (field: string): string => {
    const v = string(field);
    if (v.trim() === '') bad(field, 'must not be empty');
    if (v.trim() !== v) bad(field, `must not start or end with white space (parseAction trims it), got ${excerpt(v)}`);
    return v;
  };
  switch (type) {
    case 'click':
    case 'hover':
      return { type, target: canonicalTarget(a.target, type) };
    case 'type': {
      const target = canonicalTarget(a.target, type);
      const text = string('text');
      if (a.pressEnter !== undefined && typeof a.pressEnter !== 'boolean') bad('pressEnter', `must be true or false, got ${shown(a.pressEnter)}`);
      return a.pressEnter === true ? { type, target, text, pressEnter: true } : { type, target, text };
    }
    case 'select':
      return { type, target: canonicalTarget(a.target, type), option: string('option') };
    case 'press':
      return { type, key: trimmedString('key') };
    case 'scroll':
      if (a.direction !== 'up' && a.direction !== 'down') bad('direction', `must be "up" or "down", got ${shown(a.direction)}`);
      return { type, direction: a.direction as 'up' | 'down' };
    case 'goto':
      return { type, url: trimmedString('url') };
    case 'wait': {
      if (a.ms === undefined) return { type };
      const problem = waitProblem(a.ms);
      if (problem !== undefined) bad('ms', `is not a duration wait takes: ${problem}`);
      return { type, ms: a.ms as number };
    }
    case 'answer':
      return { type, text: string('text') };
    case 'go_back':
    case 'go_forward':
      return { type };
    default:
      throw new ActionFormatError(`cannot format action of type ${shown(type)}; expected one of ${ACTION_TYPES.join(', ')}`, 'type');
  }
}

const sameAction = (x: Action, y: ValidAction): boolean => JSON.stringify(x) === JSON.stringify(y);

/**
 * Formats an action in `grammar` so that `parseAction` gives it back. An `invalid` action formats
 * as its text (parseAction reads it as invalid again). An action no text can carry (a field
 * missing or of the wrong type, an element id that is not a positive integer, a key or URL
 * padded with spaces, text over MAX_ACTION_CHARS) throws ActionFormatError: the text is parsed
 * back before it is returned, so this never writes text that parseAction rejects or reads as
 * another action. `pressEnter: false` formats as absent, and fields an action does not have are
 * ignored.
 */
export function formatAction(action: Action, grammar: ActionGrammar = 'webagent-r1'): string {
  checkGrammar(grammar);
  if (isRecord(action) && action.type === 'invalid') {
    if (typeof action.text !== 'string') throw new ActionFormatError(`cannot format invalid: text must be a string, got ${shown(action.text)}`, 'text');
    return action.text;
  }
  const canonical = canonicalAction(action);
  const text = grammar === 'webarena' ? formatWA(canonical) : formatR1(canonical);
  if (text.length > MAX_ACTION_CHARS) {
    throw new ActionFormatError(`cannot format ${canonical.type}: it is ${text.length} characters long as text, over the ${MAX_ACTION_CHARS} parseAction reads; shorten it`);
  }
  const back = parseAction(text, grammar);
  if (!sameAction(back, canonical)) {
    // Every field is checked above; this is the guarantee should a check miss a case.
    throw new ActionFormatError(`cannot format ${canonical.type} in the ${grammar} grammar: its text reads back ${back.type === 'invalid' ? `as invalid (${back.reason})` : 'as another action'}`);
  }
  return text;
}
