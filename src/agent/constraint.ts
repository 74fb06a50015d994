// Constrained decoding at the text level: which values a reply may write inside quoted
// arguments such as `name="..."`. A ReplyConstraint looks at the reply written so far and
// says which next pieces of text are allowed; LocalChatPolicy turns that into the engine's
// `allowedTokens` with the tokenizer's token strings (Hugging Face's `prefix_allowed_tokens_fn`
// one level up). `QuotedValueConstraint` is the one the Agent's copy constraint uses: a small,
// hand-written state machine over the reply's characters (the npm grammar-constrained decoders
// are built for llama.cpp GBNF or JSON schemas, not for one quoted value at a time).
//
// Over 300 lines because both constraints (QuotedValueConstraint for copied values,
// ActionCallConstraint for the whole action) rest on the same parts: the bisected ValueSet of
// allowed values compared as JSON-escaped text, the `after` marker, the rule for characters split
// across tokens (U+FFFD) and the copied-argument pieces.

import { OptionsError } from '../errors.js';
import { R1_ACTIONS, WAIT_MAX_MS } from '../env/action-grammar.js';

/**
 * A rule on what a reply may be, checked piece by piece while it is sampled. `next(reply)` gets
 * the reply so far and returns a test for the text of the next token, or undefined when any token
 * may follow. The test is called once per vocabulary entry, so make it cheap: do the work on
 * `reply` in `next` and only extend it in the test.
 */
export interface ReplyConstraint {
  next(reply: string): ((piece: string) => boolean) | undefined;
  /**
   * Whether the reply may end here (an end-of-turn token may follow). Without it, end-of-turn
   * tokens are tested like any other token, by their text.
   */
  complete?(reply: string): boolean;
}

/** The values allowed inside `key="..."`; `whenAction` restricts the rule to calls whose `action="..."` is one of them. */
export interface QuotedValueSlot {
  readonly key: string;
  readonly values: readonly string[];
  readonly whenAction?: readonly string[];
}

export interface QuotedValueConstraintOptions {
  readonly slots: readonly QuotedValueSlot[];
  /** Only text after the last occurrence of this marker is checked (`<answer>` for replies that think first). */
  readonly after?: string;
}

interface Slot extends ValueSet {
  readonly whenAction: ReadonlySet<string> | undefined;
}

/** Where the scan of a reply stands: outside any string, or inside the value of `key`. */
interface ScanState {
  inString: boolean;
  escaped: boolean;
  /** The identifier just before `=` (outside strings), when the text is at `key=` or `key = `. */
  keyBefore: string | undefined;
  word: string;
  /** Inside a string: its key, and its text so far as written (escapes included). */
  key: string | undefined;
  value: string;
  /** The last closed `action="..."` value. */
  action: string | undefined;
}

const WORD_CHAR = /[A-Za-z0-9_]/;

/**
 * The part of the reply a constraint checks: all of it, or what follows the last `after` marker
 * (undefined before the marker, where nothing is checked: a piece may complete the marker and
 * start an argument in one go, but tokens are short, so only the next call sees the marker).
 */
function checkedText(reply: string, after: string | undefined): string | undefined {
  if (after === undefined) return reply;
  const at = reply.lastIndexOf(after);
  return at < 0 ? undefined : reply.slice(at + after.length);
}

/** Writes a value as it appears between double quotes in the action grammars (JSON escapes). */
const written = (value: string): string => JSON.stringify(value).slice(1, -1);

/** The allowed written values of one quoted slot, with what the scan needs to check a prefix. */
interface ValueSet {
  readonly values: ReadonlySet<string>;
  /** Whether some value starts with `prefix`. */
  hasPrefix(prefix: string): boolean;
  /** Whether some value goes on after `prefix` with a non-ASCII character (see QuotedValueConstraint). */
  widensAt(prefix: string): boolean;
}

/**
 * The values sorted, searched by bisection: the values starting with a prefix are a run of the
 * sorted list, beginning at the first value not below it. (A set of every prefix of every value
 * took time and memory quadratic in the length of a value, as of a long element name.)
 */
function valueSet(values: Iterable<string>): ValueSet {
  const all = new Set<string>([...values].map(written));
  const sorted = [...all].sort();
  /** The first value not below `s`, in code-unit order. */
  const firstFrom = (s: string): string | undefined => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < s) lo = mid + 1;
      else hi = mid;
    }
    return sorted[lo];
  };
  return {
    values: all,
    hasPrefix: (prefix) => firstFrom(prefix)?.startsWith(prefix) === true,
    // A value that goes on with a code unit of 0x80 or more is at or after prefix + U+0080.
    widensAt: (prefix) => firstFrom(`${prefix}\u0080`)?.startsWith(prefix) === true,
  };
}

/**
 * Allows, inside `key="..."` for each slot's key, only the slot's values (compared as written,
 * with JSON escapes). Values in single quotes, and keys without a slot, are not checked. A
 * character a tokenizer splits across tokens (non-ASCII text in byte-level BPE) decodes to U+FFFD
 * until it is whole: such a piece is allowed where some value goes on with a non-ASCII
 * character, and the token that completes it is not checked (the value is checked again after).
 */
export class QuotedValueConstraint implements ReplyConstraint {
  readonly after: string | undefined;
  private readonly slots = new Map<string, Slot>();

  constructor(options: QuotedValueConstraintOptions) {
    if (!Array.isArray(options?.slots) || options.slots.length === 0) throw new OptionsError('QuotedValueConstraint: `slots` must be a non-empty array of {key, values, whenAction?}');
    for (const [i, slot] of options.slots.entries()) {
      if (typeof slot?.key !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(slot.key)) throw new OptionsError(`QuotedValueConstraint: slots[${i}].key must be an identifier such as "name", got ${JSON.stringify(slot?.key)}`);
      if (this.slots.has(slot.key)) throw new OptionsError(`QuotedValueConstraint: two slots for key "${slot.key}"; merge their values`);
      const given: readonly unknown[] | undefined = Array.isArray(slot.values) ? (slot.values as readonly unknown[]) : undefined;
      if (given === undefined || given.length === 0 || given.some((v) => typeof v !== 'string')) {
        throw new OptionsError(`QuotedValueConstraint: slots[${i}].values must be a non-empty array of strings (leave the slot out to let "${slot.key}" be anything)`);
      }
      this.slots.set(slot.key, { ...valueSet(given as readonly string[]), whenAction: slot.whenAction ? new Set<string>(slot.whenAction.map(written)) : undefined });
    }
    if (options.after !== undefined && (typeof options.after !== 'string' || options.after === '')) throw new OptionsError('QuotedValueConstraint: `after` must be a non-empty string');
    this.after = options.after;
  }

  next(reply: string): ((piece: string) => boolean) | undefined {
    const text = checkedText(reply, this.after);
    if (text === undefined) return undefined;
    const state = this.start();
    if (!this.scan(state, text)) return undefined; // a value already off its list: the constraint was lifted earlier; do not wedge
    const slot = state.inString ? this.activeSlot(state) : undefined;
    if (slot !== undefined && state.value.includes('\uFFFD')) return undefined;
    return (piece) => {
      // Outside a string only a quote can go wrong (it may open a governed value).
      if (!state.inString && !piece.includes('"')) return true;
      const broken = piece.indexOf('\uFFFD');
      if (broken >= 0) {
        if (slot === undefined) return !piece.includes('"');
        const before = piece.slice(0, broken);
        return !before.includes('"') && !before.includes('\\') && slot.widensAt(state.value + before);
      }
      const s = { ...state };
      return this.scan(s, piece);
    };
  }

  private start(): ScanState {
    return { inString: false, escaped: false, keyBefore: undefined, word: '', key: undefined, value: '', action: undefined };
  }

  /** The slot that governs the string being scanned, if any. */
  private activeSlot(s: ScanState): Slot | undefined {
    if (s.key === undefined) return undefined;
    const slot = this.slots.get(s.key);
    if (slot === undefined) return undefined;
    if (slot.whenAction !== undefined && (s.action === undefined || !slot.whenAction.has(s.action))) return undefined;
    return slot;
  }

  /** Advances `s` over `text`; false as soon as a governed value leaves its list. */
  private scan(s: ScanState, text: string): boolean {
    for (const ch of text) {
      if (s.inString) {
        if (s.escaped) {
          s.escaped = false;
          s.value += ch;
        } else if (ch === '\\') {
          s.escaped = true;
          s.value += ch;
        } else if (ch === '"') {
          const slot = this.activeSlot(s);
          if (slot !== undefined && !slot.values.has(s.value)) return false;
          if (s.key === 'action') s.action = s.value;
          s.inString = false;
          s.key = undefined;
          s.value = '';
          continue;
        } else s.value += ch;
        const slot = this.activeSlot(s);
        if (slot !== undefined && !slot.hasPrefix(s.value)) return false;
        continue;
      }
      if (ch === '"') {
        s.inString = true;
        s.key = s.keyBefore;
        s.value = '';
        s.keyBefore = undefined;
        s.word = '';
        const slot = this.activeSlot(s);
        if (slot !== undefined && !slot.hasPrefix('')) return false;
      } else if (WORD_CHAR.test(ch)) {
        s.word += ch;
        s.keyBefore = undefined;
      } else if (ch === '=') {
        s.keyBefore = s.word === '' ? undefined : s.word;
        s.word = '';
      } else if (ch === ' ' && s.keyBefore !== undefined) {
        // `key= "..."`: keep the key across spaces after `=`.
      } else {
        s.word = '';
        if (ch !== ' ') s.keyBefore = undefined;
      }
    }
    return true;
  }
}

const OPENING_EDGE = new Set('"\'“”‘’`([{<');
const CLOSING_EDGE = new Set('"\'“”‘’`)]}>.,;:!?');
const isSpace = (c: string): boolean => /\s/.test(c);

/**
 * `piece` without the quotes, brackets and spaces that open it and the quotes, brackets,
 * punctuation and spaces that close it. Scanned from both ends: an end-anchored pattern tried
 * every position of a long punctuation run and was quadratic in it.
 */
function stripEdges(piece: string): string {
  let start = 0;
  while (start < piece.length && (OPENING_EDGE.has(piece[start]!) || isSpace(piece[start]!))) start++;
  let end = piece.length;
  while (end > start && (CLOSING_EDGE.has(piece[end - 1]!) || isSpace(piece[end - 1]!))) end--;
  return piece.slice(start, end);
}

/**
 * The word-aligned pieces of `text` an argument may copy: every run of up to `maxWords`
 * consecutive words, as written and with quotes and punctuation stripped from its ends
 * (`Save "Amber Walnut Place".` gives `Amber Walnut Place`).
 */
export function textPieces(text: string, maxWords = 16): string[] {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const out = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    for (let j = i + 1; j <= Math.min(words.length, i + maxWords); j++) {
      const piece = words.slice(i, j).join(' ');
      out.add(piece);
      const stripped = stripEdges(piece);
      if (stripped !== '') out.add(stripped);
    }
  }
  return [...out];
}

/** Actions whose `argument` is text the agent types or picks, which the copy constraint governs. */
export const COPIED_ARGUMENT_ACTIONS: readonly string[] = Object.freeze(['Type', 'Search', 'Select Dropdown Option']);

type ConstraintState = { readonly intent: string; readonly observation: { readonly nodes?: readonly { readonly id?: number; readonly role: string; readonly name: string }[] } };

/** What the copy rule lets a Type, Search or Select Dropdown Option write: the instruction's word-aligned pieces and the page's option names. */
function copiedArguments(state: ConstraintState): string[] {
  const optionNames = (state.observation.nodes ?? []).filter((n) => n.role === 'option' && n.name !== '').map((n) => n.name);
  return [...new Set([...textPieces(state.intent), ...optionNames])];
}

/**
 * The copy constraint of a turn, for replies in the `webagent-r1` grammar: an element named in
 * the reply must be one of the current page's actionable elements (`role` and `name` among
 * theirs with name targets, `element` among their ids with id targets), and the text of a
 * `Type`, `Search` or `Select Dropdown Option` must be a word-aligned piece of the task
 * instruction or the name of an option on the page. Other values (`Goto` URLs, `Press Key`
 * keys, the `exit` message) are free. Returns undefined when nothing is left to constrain.
 *
 * The full element list comes from the observation's nodes, not from the prompt's text, which a
 * token budget may have cut above the control to click. It suits tasks whose typed text comes
 * from the instruction, as on the bundled suites and WebArena's search tasks; leave it off where
 * the agent must compose text of its own.
 */
export function copyConstraint(
  state: ConstraintState,
  options: { readonly targets: 'id' | 'name'; readonly after?: string },
): QuotedValueConstraint | undefined {
  const actionable = (state.observation.nodes ?? []).filter((n) => n.id !== undefined);
  const slots: QuotedValueSlot[] = [];
  if (actionable.length > 0) {
    if (options.targets === 'name') {
      slots.push({ key: 'role', values: [...new Set(actionable.map((n) => n.role))] });
      // An element without an accessible name is named `name=""`, as resolveTarget matches it.
      slots.push({ key: 'name', values: [...new Set(actionable.map((n) => n.name))] });
    } else slots.push({ key: 'element', values: actionable.map((n) => String(n.id)) });
  }
  const argument = copiedArguments(state);
  if (argument.length > 0) slots.push({ key: 'argument', values: argument, whenAction: COPIED_ARGUMENT_ACTIONS });
  if (slots.length === 0) return undefined;
  return new QuotedValueConstraint({ slots, ...(options.after !== undefined ? { after: options.after } : {}) });
}

// ---------------------------------------------------------------- the whole action

/**
 * One place the reply can be at, in a small nondeterministic automaton whose continuations are
 * closures: inside a literal (`at` characters of `text` written), inside a quoted value (`set`
 * undefined: any text), or at the end, where only an end-of-turn token may follow.
 */
type Place =
  | { readonly kind: 'literal'; readonly text: string; readonly at: number; readonly then: () => readonly Place[] }
  | { readonly kind: 'value'; readonly set: ValueSet | undefined; readonly nonEmpty: boolean; readonly value: string; readonly escaped: boolean; readonly then: (value: string) => readonly Place[] }
  | { readonly kind: 'end' };

const END: Place = { kind: 'end' };
const literal = (text: string, then: () => readonly Place[]): Place => ({ kind: 'literal', text, at: 0, then });
const quoted = (set: ValueSet | undefined, then: (value: string) => readonly Place[], nonEmpty = false): Place => ({ kind: 'value', set, nonEmpty, value: '', escaped: false, then });

/** The places after writing `ch` at `place` (none: `ch` cannot go there). */
function step(place: Place, ch: string): readonly Place[] {
  switch (place.kind) {
    case 'end':
      return [];
    case 'literal':
      if (place.text[place.at] !== ch) return [];
      return place.at + 1 < place.text.length ? [{ ...place, at: place.at + 1 }] : place.then();
    case 'value': {
      if (!place.escaped && ch === '"') {
        const whole = place.set === undefined ? !place.nonEmpty || place.value.trim() !== '' : place.set.values.has(place.value);
        return whole ? place.then(place.value) : [];
      }
      const value = place.value + ch;
      if (place.set !== undefined && !place.set.hasPrefix(value)) return [];
      return [{ ...place, value, escaped: !place.escaped && ch === '\\' }];
    }
  }
}

/** An element an action may name: its role and name, or its id. */
export interface ActionElement {
  readonly role: string;
  readonly name: string;
  readonly id?: number;
}

export interface ActionCallConstraintOptions {
  /** How replies name elements: `role="..." name="..."` (with `nth` where several share both) or `element="<id>"`. */
  readonly targets: 'id' | 'name';
  /** The elements actions may name (the page's actionable elements); with id targets each needs its `id`. */
  readonly elements: readonly ActionElement[];
  /** The allowed values of `argument` in Type, Search and Select Dropdown Option; undefined: any text. */
  readonly arguments?: readonly string[];
  /** Only text after the last occurrence of this marker is checked (`<answer>` for replies that think first). */
  readonly after?: string;
  /** Text that must follow the action before the reply ends (`</answer>`). */
  readonly closing?: string;
  /**
   * Allow `do(action="Wait")` (with an optional `argument="<ms>"`). Default false: the prompt
   * grammar of the agent decides (AgentPrompt's `wait` option); models trained on prompts that
   * do not teach Wait are not offered it.
   */
  readonly wait?: boolean;
  /**
   * The calls a reply may make: action names of R1_ACTIONS (`Click`, `Type`, ...) and `exit`,
   * `go_backward`, `go_forward` (see R1_CALL_NAMES). With it, Wait is offered only when listed.
   * Default: every call (Wait as `wait` says).
   */
  readonly actions?: readonly string[];
}

/** Every call of the `webagent-r1` grammar by name: the `do` actions of R1_ACTIONS, then `exit`, `go_backward`, `go_forward`. */
export const R1_CALL_NAMES: readonly string[] = Object.freeze([...R1_ACTIONS.map((a) => a.name), 'exit', 'go_backward', 'go_forward']);

/** Checks an action set (names of R1_CALL_NAMES) and returns it as a Set; `owner` names the caller in errors. */
export function actionSet(actions: readonly string[], owner: string): ReadonlySet<string> {
  if (!Array.isArray(actions) || actions.length === 0) throw new OptionsError(`${owner}: \`actions\` must be a non-empty array of call names (${R1_CALL_NAMES.join(', ')})`);
  for (const name of actions) {
    if (!R1_CALL_NAMES.includes(name)) throw new OptionsError(`${owner}: unknown action ${JSON.stringify(name)} in \`actions\`; the webagent-r1 grammar's calls are ${R1_CALL_NAMES.join(', ')}`);
  }
  return new Set(actions);
}

/** The durations a constrained Wait may write: whole milliseconds up to WAIT_MAX_MS, as the parser reads them. */
let waitDurations: ValueSet | undefined;
const waitArguments = (): ValueSet => (waitDurations ??= valueSet(Array.from({ length: WAIT_MAX_MS + 1 }, (_, i) => String(i))));

/**
 * The reply must be exactly one action of the `webagent-r1` grammar in the form `formatAction`
 * writes it: `do(action="<one of R1_ACTIONS>", ...)` with the keys that action takes in their
 * order (`argument`, then `role` and `name` of one of `elements`, `nth` where several share both,
 * or `element`), `exit(message="...")`, `go_backward()` or `go_forward()`, and nothing after the
 * closing parenthesis. Copied arguments come from `arguments` when given; Goto URLs, Press Key
 * keys and exit messages are free text. With it a sampled reply is always an action the parser
 * reads and the page can take, so RL's exploration is spent on which action, not on spelling.
 * `complete` tells LocalChatPolicy when an end-of-turn token may follow.
 */
export class ActionCallConstraint implements ReplyConstraint {
  private readonly root: () => readonly Place[];
  private readonly after: string | undefined;
  /** The last reply scanned and its places: LocalChatPolicy asks `next` and `complete` about the same reply each token. */
  private last: { readonly reply: string; readonly places: readonly Place[] | undefined } | undefined;

  constructor(options: ActionCallConstraintOptions) {
    if (options?.targets !== 'id' && options?.targets !== 'name') throw new OptionsError(`ActionCallConstraint: targets must be "id" or "name", got ${JSON.stringify(options?.targets)}`);
    if (!Array.isArray(options.elements)) throw new OptionsError('ActionCallConstraint: `elements` must be an array of {role, name, id?} (the page\'s actionable elements)');
    for (const [i, e] of options.elements.entries()) {
      if (typeof e?.role !== 'string' || typeof e.name !== 'string') throw new OptionsError(`ActionCallConstraint: elements[${i}] must have a string role and name`);
      if (options.targets === 'id' && !(Number.isSafeInteger(e.id) && e.id! >= 1)) throw new OptionsError(`ActionCallConstraint: elements[${i}] needs an id (a positive integer) with targets "id"`);
    }
    if (options.arguments !== undefined && (!Array.isArray(options.arguments) || options.arguments.length === 0 || options.arguments.some((v) => typeof v !== 'string'))) {
      throw new OptionsError('ActionCallConstraint: `arguments` must be a non-empty array of strings (leave it out to let arguments be any text)');
    }
    if (options.wait !== undefined && typeof options.wait !== 'boolean') throw new OptionsError(`ActionCallConstraint: \`wait\` must be true or false, got ${JSON.stringify(options.wait)}`);
    for (const key of ['after', 'closing'] as const) {
      if (options[key] !== undefined && (typeof options[key] !== 'string' || options[key] === '')) throw new OptionsError(`ActionCallConstraint: \`${key}\` must be a non-empty string`);
    }
    this.after = options.after;
    const closing = options.closing;
    const finish = (): readonly Place[] => (closing === undefined ? [END] : [literal(closing, () => [END])]);
    const close = (): readonly Place[] => [literal(')', finish)];
    const copied = options.arguments === undefined ? undefined : valueSet(options.arguments);

    // Element references: name targets pair each role with its own names, and ask for nth
    // exactly where several elements share a role and name (as resolveTarget does).
    let target: () => readonly Place[];
    if (options.targets === 'name') {
      const byRole = new Map<string, Map<string, number>>();
      for (const e of options.elements) {
        const names = byRole.get(e.role) ?? new Map<string, number>();
        names.set(e.name, (names.get(e.name) ?? 0) + 1);
        byRole.set(e.role, names);
      }
      const roles = valueSet(byRole.keys());
      // Per role: its names, and for a name several elements share, the allowed nth values.
      const namesOf = new Map([...byRole].map(([role, names]) => [written(role), {
        set: valueSet(names.keys()),
        nth: new Map([...names].filter(([, c]) => c > 1).map(([n, c]) => [written(n), valueSet(Array.from({ length: c }, (_, i) => String(i + 1)))])),
      }]));
      target = () => [literal(', role="', () => [quoted(roles, (role) => {
        const names = namesOf.get(role)!;
        return [literal(', name="', () => [quoted(names.set, (name) => {
          const nth = names.nth.get(name);
          return nth !== undefined ? [literal(', nth="', () => [quoted(nth, close)])] : close();
        })])];
      })])];
    } else {
      const ids = valueSet(options.elements.map((e) => String(e.id)));
      target = () => [literal(', element="', () => [quoted(ids, close)])];
    }
    const calls = options.actions === undefined ? undefined : actionSet(options.actions, 'ActionCallConstraint');
    const allowed = R1_ACTIONS.filter((a) => (calls === undefined ? a.name !== 'Wait' || options.wait === true : calls.has(a.name)));
    const forms = new Map(allowed.map((a) => [written(a.name), a]));
    const actionNames = valueSet(allowed.map((a) => a.name));
    const canTarget = options.elements.length > 0;
    const afterAction = (name: string): readonly Place[] => {
      const form = forms.get(name)!;
      if (form.target && !canTarget) return [];
      const rest = form.target ? target : close;
      if (form.argument === undefined) return rest();
      // Wait's duration is whole milliseconds up to the cap (digits the parser reads), or left out.
      if (form.argument === '<ms>') return [literal(', argument="', () => [quoted(waitArguments(), () => rest())]), ...(form.optional ? rest() : [])];
      const set = COPIED_ARGUMENT_ACTIONS.includes(form.name) ? copied : undefined;
      // Press Key and Goto need a non-empty argument (the parser refuses an empty one).
      const nonEmpty = form.argument === '<key>' || form.argument === '<url>';
      return [literal(', argument="', () => [quoted(set, () => rest(), nonEmpty)])];
    };
    const offered = (name: string): boolean => calls === undefined || calls.has(name);
    this.root = () => [
      ...(allowed.length > 0 ? [literal('do(action="', () => [quoted(actionNames, afterAction)])] : []),
      ...(offered('exit') ? [literal('exit(message="', () => [quoted(undefined, close)])] : []),
      ...(offered('go_backward') ? [literal('go_backward()', finish)] : []),
      ...(offered('go_forward') ? [literal('go_forward()', finish)] : []),
    ];
  }

  /** The places after the reply so far; undefined when it is unchecked (before `after`) or already off the grammar (the constraint was lifted). */
  private places(reply: string): readonly Place[] | undefined {
    if (this.last?.reply !== reply) this.last = { reply, places: this.scan(reply) };
    return this.last.places;
  }

  private scan(reply: string): readonly Place[] | undefined {
    const text = checkedText(reply, this.after);
    if (text === undefined) return undefined;
    let places = this.root();
    for (const ch of text) {
      // A character split across tokens decodes to U+FFFD until it is whole: inside a governed
      // value that cannot be checked yet, so that token is left free.
      if (ch === '\uFFFD' && places.some((p) => p.kind === 'value' && p.set !== undefined)) return undefined;
      places = places.flatMap((p) => (ch === '\uFFFD' && p.kind === 'value' ? [{ ...p, value: p.value + ch, escaped: false }] : step(p, ch)));
      if (places.length === 0) return undefined;
    }
    return places;
  }

  next(reply: string): ((piece: string) => boolean) | undefined {
    const start = this.places(reply);
    if (start === undefined) return undefined;
    return (piece) => {
      let places = start;
      for (const ch of piece) {
        if (ch === '\uFFFD') {
          // The first byte(s) of a character: fine in free text, or where a governed value goes on with a non-ASCII character.
          return places.some((p) => p.kind === 'value' && (p.set === undefined || (!p.escaped && p.set.widensAt(p.value))));
        }
        places = places.flatMap((p) => step(p, ch));
        if (places.length === 0) return false;
      }
      return true;
    };
  }

  complete(reply: string): boolean {
    const places = this.places(reply);
    return places === undefined || places.some((p) => p.kind === 'end');
  }
}

/**
 * The action constraint of a turn, for replies in the `webagent-r1` grammar: the reply is one
 * whole action (see `ActionCallConstraint`) naming one of the current page's actionable
 * elements; with `copy` (the default) the text of Type, Search and Select Dropdown Option is
 * also a piece of the instruction or an option's name, as in `copyConstraint`.
 */
export function actionConstraint(
  state: ConstraintState,
  options: { readonly targets: 'id' | 'name'; readonly copy?: boolean; readonly after?: string; readonly closing?: string; readonly wait?: boolean; readonly actions?: readonly string[] },
): ActionCallConstraint {
  const elements = (state.observation.nodes ?? []).filter((n) => n.id !== undefined);
  const argument = options.copy === false ? [] : copiedArguments(state);
  return new ActionCallConstraint({
    targets: options.targets,
    elements,
    ...(argument.length > 0 ? { arguments: argument } : {}),
    ...(options.after !== undefined ? { after: options.after } : {}),
    ...(options.closing !== undefined ? { closing: options.closing } : {}),
    ...(options.wait !== undefined ? { wait: options.wait } : {}),
    ...(options.actions !== undefined ? { actions: options.actions } : {}),
  });
}
