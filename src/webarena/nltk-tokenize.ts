// NLTK's `word_tokenize` in TypeScript: Punkt sentence splitting, then NLTK's improved Treebank
// word tokenizer on each sentence. It follows the rules of nltk/nltk develop (the default branch):
// tokenize/destructive.py at 07a43d22, tokenize/punkt.py at 2e456761, tokenize/__init__.py at
// 006d620e, tabdata.py at 2e456761, data.py at 0004c8a1. Upstream compiles these patterns through
// nltk.redos, i.e. with Python's third-party `regex` engine, so the character classes below give
// \w, \d and \s that engine's Unicode meaning; Python string methods (split, strip, lower, isupper)
// keep theirs. Every pattern is written to run in linear time on any input.
//
// Over 300 lines because it ports one NLTK function, `word_tokenize`, whole: Punkt's sentence
// split, the Treebank word rules and the punkt_tab loader share the Python-regex character classes
// and the Python string helpers (`strip`, `split`, `int`) defined once here.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OptionsError } from '../errors.js';

/**
 * What Punkt knows about a language: the data of NLTK's `PunktParameters`.
 * All word types are lower-cased; a number's type is `##number##`.
 */
export interface PunktParameters {
  /** Abbreviations without their final period (`dr`, `e.g`): NLTK's `abbrev_types`. */
  readonly abbreviations: ReadonlySet<string>;
  /** Word-type pairs `"first second"` (one space) that are never split: NLTK's `collocations`. */
  readonly collocations: ReadonlySet<string>;
  /** Types that often start a sentence: NLTK's `sent_starters`. */
  readonly sentenceStarters: ReadonlySet<string>;
  /** Orthographic contexts a type was seen in, as a sum of {@link PUNKT_ORTHO} flags: NLTK's `ortho_context`. */
  readonly orthoContext: ReadonlyMap<string, number>;
}

/** Options of {@link wordTokenize} and {@link sentTokenize}. */
export interface NltkTokenizeOptions {
  /** Punkt's parameters; default {@link EMPTY_PUNKT_PARAMETERS}. {@link loadPunktParameters} reads NLTK's trained ones. */
  readonly punkt?: PunktParameters;
}

/** Orthographic context flags of NLTK's Punkt (`_ORTHO_BEG_UC` ...): where a type was seen, and in which case. */
export const PUNKT_ORTHO = Object.freeze({
  /** At the beginning of a sentence, upper case. */
  BEG_UC: 1 << 1,
  /** In the middle of a sentence, upper case. */
  MID_UC: 1 << 2,
  /** At an unknown position, upper case. */
  UNK_UC: 1 << 3,
  /** At the beginning of a sentence, lower case. */
  BEG_LC: 1 << 4,
  /** In the middle of a sentence, lower case. */
  MID_LC: 1 << 5,
  /** At an unknown position, lower case. */
  UNK_LC: 1 << 6,
  /** Any upper-case context. */
  UC: (1 << 1) | (1 << 2) | (1 << 3),
  /** Any lower-case context. */
  LC: (1 << 4) | (1 << 5) | (1 << 6),
});

/** The parameters of an untrained `PunktSentenceTokenizer()`: no abbreviations, collocations, starters or contexts. */
export const EMPTY_PUNKT_PARAMETERS: PunktParameters = Object.freeze({
  abbreviations: new Set<string>(),
  collocations: new Set<string>(),
  sentenceStarters: new Set<string>(),
  orthoContext: new Map<string, number>(),
});

// ------------------------------------------------------------------ character classes
// Contents of [...] classes, so they can be combined. Python `regex` (V0) defines \w as these
// Unicode properties, \d as \p{Nd} and \s as \p{White_Space}; [^\W\d] is \w without \p{Nd},
// which no other property here overlaps.
const WORD = String.raw`\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}`;
const LETTER = String.raw`\p{Alphabetic}\p{M}\p{Pc}\p{Join_Control}`;
const SPACE = String.raw`\p{White_Space}`;
/** Python's str.isspace() characters, used by str.split(), strip() and rstrip(). */
const PY_SPACE = String.raw`\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
/** Python's string.whitespace, which Punkt uses to find the word before a candidate boundary. */
const ASCII_SPACE = new Set([' ', '\t', '\n', '\r', '\x0b', '\x0c']);

const PY_SPACE_CHAR = new RegExp(`^[${PY_SPACE}]$`, 'u');
const PY_SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, 'u');
const NOT_PY_SPACE = new RegExp(`[^${PY_SPACE}]`, 'u');
const isWhiteSpace = (ch: string): boolean => /^\p{White_Space}$/u.test(ch);

/** Python's `s.rstrip()`, by scanning (a `\s+$` regex is quadratic on long inner runs of spaces). */
function pyRstrip(s: string): string {
  let end = s.length;
  while (end > 0 && PY_SPACE_CHAR.test(s.charAt(end - 1))) end--;
  return s.slice(0, end);
}
/** Python's `s.strip()`. */
function pyStrip(s: string): string {
  const stripped = pyRstrip(s);
  let start = 0;
  while (start < stripped.length && PY_SPACE_CHAR.test(stripped.charAt(start))) start++;
  return stripped.slice(start);
}
/** Python's `s.split()`: runs of whitespace separate, no empty strings. */
const pySplit = (s: string): string[] => s.split(PY_SPACE_RUN).filter((t) => t !== '');

// ------------------------------------------------------------------ Treebank word tokenizer
// A word boundary before (after) a word character, as Python's \b next to a letter.
const NOT_AFTER_WORD = `(?<![${WORD}])`;
const NOT_BEFORE_WORD = `(?![${WORD}])`;

// Opening single quote: split off an ' that follows no word character and precedes one, unless
// the letters after it are a whole clitic (re, ve, ll, m, t, s, d, n) as in 's or 'll.
const OPENING_SINGLE_QUOTE = new RegExp(
  `${NOT_AFTER_WORD}'(?!(?:re|ve|ll|m|t|s|d|n)${NOT_BEFORE_WORD})(?=[${WORD}])`,
  'giu',
);

// Robert MacIntyre's contractions, case-insensitive. Python's `regex` also lets "i" match U+0130
// under (?i), which JavaScript's case folding does not, hence [i\u0130].
const CONTRACTIONS = [
  `${NOT_AFTER_WORD}(can)(not)${NOT_BEFORE_WORD}`,
  `${NOT_AFTER_WORD}(d)('ye)${NOT_BEFORE_WORD}`,
  `${NOT_AFTER_WORD}(g[i\\u0130]m)(me)${NOT_BEFORE_WORD}`,
  `${NOT_AFTER_WORD}(gon)(na)${NOT_BEFORE_WORD}`,
  `${NOT_AFTER_WORD}(got)(ta)${NOT_BEFORE_WORD}`,
  `${NOT_AFTER_WORD}(lem)(me)${NOT_BEFORE_WORD}`,
  `${NOT_AFTER_WORD}(more)('n)${NOT_BEFORE_WORD}`,
  `${NOT_AFTER_WORD}(wan)(na)(?=[${SPACE}])`,
  ` ('t)([i\\u0130]s)${NOT_BEFORE_WORD}`,
  ` ('t)(was)${NOT_BEFORE_WORD}`,
].map((source) => new RegExp(source, 'giu'));

/** Every contraction pattern above matches one of these (case-insensitively), so text without them skips the ten patterns. */
const MAY_HAVE_CONTRACTION = /can|d'ye|g[i\u0130]mme|gonna|gotta|lemme|more'n|wanna|'t/iu;

/** Whether `text` contains one of the characters of `chars`. */
function hasAny(text: string, chars: string): boolean {
  for (const ch of chars) if (text.includes(ch)) return true;
  return false;
}

/** Closing brackets and quotes that may follow a sentence's final period (the first final-period rule also takes spaces). */
const FINAL_CLOSERS_WIDE = new Set([']', ')', '}', '>', '"', "'", '\u00bb', '\u201d', '\u2019', ' ']);
const FINAL_CLOSERS = new Set([']', ')', '}', '>', '"', "'"]);

/**
 * NLTK's final-period rule `([^\.])(\.)([<closers>]*)\s*$`, done by scanning instead of
 * backtracking (the pattern is quadratic on a period followed by many spaces). It matches only
 * where the period is the last character, before the trailing whitespace, that is not a closer,
 * and follows a character that is not a period; the closers after it (greedily, so with the
 * spaces that follow when a space counts as one) are kept and the remaining whitespace dropped.
 */
function padFinalPeriod(text: string, closers: ReadonlySet<string>, spaceAfterPeriod: boolean): string {
  let end = text.length;
  while (end > 0 && isWhiteSpace(text.charAt(end - 1))) end--;
  let dot = end - 1;
  while (dot >= 0 && closers.has(text.charAt(dot))) dot--;
  if (dot < 1 || text.charAt(dot) !== '.' || text.charAt(dot - 1) === '.') return text;
  let closersEnd = end;
  if (closers.has(' ')) while (closersEnd < text.length && text.charAt(closersEnd) === ' ') closersEnd++;
  return `${text.slice(0, dot)} .${spaceAfterPeriod ? ' ' : ''}${text.slice(dot + 1, closersEnd)} `;
}

/**
 * Splits one sentence into tokens: NLTK's `NLTKWordTokenizer().tokenize(sentence)`
 * (`convert_parentheses=False`), the tokenizer `nltk.word_tokenize` applies to each Punkt sentence.
 * Only the sentence's last period is split off; `5.` inside a sentence stays one token.
 */
export function treebankWordTokenize(sentence: string): string[] {
  // Each rule is skipped when the text lacks the characters it needs (checked on the text as it
  // is at that step): the output is the same, and short sentences tokenize several times faster.
  let text = sentence;
  // Starting quotes: pad curly/low opening quotes and backtick runs, a leading " becomes ``,
  // and " or '' after a space or an opening bracket becomes ``.
  if (hasAny(text, '«“‘„`')) text = text.replace(/([«“‘„]|`+)/gu, ' $1 ');
  if (text.startsWith('"')) text = '``' + text.slice(1);
  if (text.includes('``')) text = text.replace(/``/gu, ' `` ');
  if (text.includes('"') || text.includes("''")) text = text.replace(/([ ([{<])("|'')/gu, '$1 `` ');
  if (text.includes("'")) text = text.replace(OPENING_SINGLE_QUOTE, "' ");
  // Punctuation.
  text = padFinalPeriod(text, FINAL_CLOSERS_WIDE, true);
  if (hasAny(text, ':,')) {
    text = text.replace(/([:,])(\P{Nd})/gu, ' $1 $2');
    text = text.replace(/([:,])(?=\n?$)/gu, ' $1 ');
  }
  if (text.includes('..')) text = text.replace(/\.{2,}/gu, ' $& ');
  if (hasAny(text, ';@#$%&')) text = text.replace(/[;@#$%&]/gu, ' $& ');
  if (hasAny(text, '\u2012\u2013\u2014\u2015')) text = text.replace(/[\u2012-\u2015]/gu, ' $& ');
  text = padFinalPeriod(text, FINAL_CLOSERS, false);
  if (hasAny(text, '?!')) text = text.replace(/[?!]/gu, ' $& ');
  if (text.includes("' ")) text = text.replace(/([^'])' /gu, "$1 ' ");
  if (text.includes('*')) text = text.replace(/\*/gu, ' $& ');
  // Brackets and double dashes.
  if (hasAny(text, '[](){}<>')) text = text.replace(/[\][(){}<>]/gu, ' $& ');
  if (text.includes('--')) text = text.replace(/--/gu, ' -- ');
  // Ending quotes and clitics, on the text padded with a space at both ends.
  text = ` ${text} `;
  if (hasAny(text, '»”’')) text = text.replace(/([»”’])/gu, ' $1 ');
  if (text.includes("''")) text = text.replace(/''/gu, " '' ");
  if (text.includes('"')) text = text.replace(/"/gu, " '' ");
  // Whitespace runs become one space, so that the clitic rules see "'s " before any whitespace;
  // without an apostrophe that changes nothing the remaining rules or the split can see.
  if (text.includes("'")) {
    text = text.replace(/\p{White_Space}+/gu, ' ');
    text = text.replace(/([^' ])('[sS]|'[mM]|'[dD]|') /gu, '$1 $2 ');
    text = text.replace(/([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) /gu, '$1 $2 ');
  }
  if (MAY_HAVE_CONTRACTION.test(text)) for (const contraction of CONTRACTIONS) text = text.replace(contraction, ' $1 $2 ');
  return pySplit(text);
}

// ------------------------------------------------------------------ Punkt
/** Characters that cannot be inside a Punkt word (and, after . ? !, make it a candidate boundary). */
const NON_WORD = '[)";}\\]*:@\'({[\u2018\u2019\u201c\u201d\u00ab\u00bb?!]';
/** Multi-character punctuation: -- runs, ellipses, spaced ellipses. */
const MULTI_CHAR = `(?:-{2,}|\\.{2,}|(?:\\.[${SPACE}]){2,}\\.)`;
/** Characters that cannot start a Punkt word. */
const WORD_START = '[^("`{\\[:;&#*@)}\\]\\-,]';
/** Punkt's word tokenizer (periods stay attached), run on one line at a time. */
const PUNKT_WORD = new RegExp(
  `${MULTI_CHAR}` +
    `|(?=${WORD_START})[^${SPACE}]+?(?=[${SPACE}]|$|${NON_WORD}|${MULTI_CHAR}|,(?=$|[${SPACE}]|${NON_WORD}|${MULTI_CHAR}))` +
    `|[^${SPACE}]`,
  'gu',
);
/** A candidate sentence end, followed by punctuation (group 1) or by whitespace and the next token (group 2). */
const PERIOD_CONTEXT = new RegExp(`[.?!](?=(${NON_WORD}|[${SPACE}]+([^${SPACE}]+)))`, 'gu');
/** Closing quotes/brackets after a boundary that belong to the sentence before it (`$`: a newline or the end). */
const BOUNDARY_REALIGNMENT = new RegExp(`^["')\\]}\u2018\u2019\u201c\u201d\u00ab\u00bb]+?(?:[${SPACE}]+|(?=--)|(?=\\n)|$)`, 'u');
const NUMERIC = /^-?[.,]?\p{Nd}[\p{Nd},.-]*\.?$/u;
const ELLIPSIS = /^\.\.+$/u;
const INITIAL = new RegExp(`^[${LETTER}]\\.$`, 'u');
const UPPER_FIRST = /^\p{Uppercase}/u;
const LOWER_FIRST = /^\p{Lowercase}/u;
/** Tokens a sentence cannot start with (Punkt's `PUNCTUATION`). */
const PUNKT_PUNCTUATION = new Set([';', ':', ',', '.', '!', '?']);

/** A Punkt token and its annotations (`PunktToken`); the training-only line/paragraph flags are not needed here. */
interface PunktToken {
  readonly tok: string;
  /** Lower-cased token, or `##number##` for a number. */
  readonly type: string;
  readonly periodFinal: boolean;
  sentbreak: boolean;
  abbr: boolean;
  ellipsis: boolean;
}

function punktToken(tok: string): PunktToken {
  const lower = tok.toLowerCase();
  return { tok, type: NUMERIC.test(lower) ? '##number##' : lower, periodFinal: tok.endsWith('.'), sentbreak: false, abbr: false, ellipsis: false };
}

const typeNoPeriod = (t: PunktToken): string => (t.type.length > 1 && t.type.endsWith('.') ? t.type.slice(0, -1) : t.type);
const typeNoSentPeriod = (t: PunktToken): string => (t.sentbreak ? typeNoPeriod(t) : t.type);
// Python's tok[0].isupper() / islower(): the first code point has the Uppercase / Lowercase property.
const firstUpper = (t: PunktToken): boolean => UPPER_FIRST.test(t.tok);
const firstLower = (t: PunktToken): boolean => LOWER_FIRST.test(t.tok);

/** First pass: decisions from the token alone (sentence-end marks, ellipses, known abbreviations, other period-final words). */
function firstPass(t: PunktToken, params: PunktParameters): void {
  if (t.tok === '.' || t.tok === '?' || t.tok === '!') t.sentbreak = true;
  else if (ELLIPSIS.test(t.tok)) t.ellipsis = true;
  else if (t.periodFinal && !t.tok.endsWith('..')) {
    const stem = t.tok.slice(0, -1).toLowerCase();
    const lastPart = stem.slice(stem.lastIndexOf('-') + 1);
    if (params.abbreviations.has(stem) || params.abbreviations.has(lastPart)) t.abbr = true;
    else t.sentbreak = true;
  }
}

/** The orthographic heuristic: does this token start a sentence? `true`, `false` or `'unknown'`. */
function orthoHeuristic(t: PunktToken, params: PunktParameters): boolean | 'unknown' {
  if (PUNKT_PUNCTUATION.has(t.tok)) return false;
  const context = params.orthoContext.get(typeNoSentPeriod(t)) ?? 0;
  if (firstUpper(t) && context & PUNKT_ORTHO.LC && !(context & PUNKT_ORTHO.MID_UC)) return true;
  if (firstLower(t) && (context & PUNKT_ORTHO.UC || !(context & PUNKT_ORTHO.BEG_LC))) return false;
  return 'unknown';
}

/** Second pass on a period-final token given the token after it: collocations, abbreviations and ellipses, initials and numbers. */
function secondPass(t: PunktToken, next: PunktToken | undefined, params: PunktParameters): void {
  if (!next || !t.periodFinal) return;
  const type = typeNoPeriod(t);
  const nextType = typeNoSentPeriod(next);
  const isInitial = INITIAL.test(t.tok);
  // Collocation heuristic: a known pair is never split.
  if (params.collocations.has(`${type} ${nextType}`)) {
    t.sentbreak = false;
    t.abbr = true;
    return;
  }
  // An abbreviation or ellipsis also ends the sentence when the next word looks like a sentence
  // start, orthographically or as a frequent sentence starter.
  if ((t.abbr || t.ellipsis) && !isInitial) {
    if (orthoHeuristic(next, params) === true) {
      t.sentbreak = true;
      return;
    }
    if (firstUpper(next) && params.sentenceStarters.has(nextType)) {
      t.sentbreak = true;
      return;
    }
  }
  // Initials and numbers are not sentence ends when the next word does not start a sentence;
  // an initial before an unknown word that is never seen in lower case is not one either.
  if (isInitial || type === '##number##') {
    const startsSentence = orthoHeuristic(next, params);
    if (startsSentence === false) {
      t.sentbreak = false;
      t.abbr = true;
      return;
    }
    if (startsSentence === 'unknown' && isInitial && firstUpper(next) && !((params.orthoContext.get(nextType) ?? 0) & PUNKT_ORTHO.LC)) {
      t.sentbreak = false;
      t.abbr = true;
    }
  }
}

/**
 * Punkt's `text_contains_sentbreak` over Punkt's `_tokenize_words`: tokenize each non-blank line
 * (periods stay attached), annotate the tokens with both passes, and tell whether a token follows
 * a sentence break. Like NLTK's generators it stops early: a token's second pass needs only the
 * token after it.
 */
function containsSentenceBreak(text: string, params: PunktParameters): boolean {
  let pending: PunktToken | undefined;
  let found = false;
  for (const line of text.includes('\n') ? text.split('\n') : [text]) {
    if (!NOT_PY_SPACE.test(line)) continue; // Python: if line.strip(); blank lines matter only to training
    PUNKT_WORD.lastIndex = 0;
    for (let m = PUNKT_WORD.exec(line); m; m = PUNKT_WORD.exec(line)) {
      const t = punktToken(m[0]);
      firstPass(t, params);
      if (pending) {
        secondPass(pending, t, params);
        if (found) return true;
        if (pending.sentbreak) found = true;
      }
      pending = t;
    }
  }
  return found;
}

/**
 * Punkt's `_match_potential_end_contexts`: each candidate boundary with its context (the word
 * before it, the mark, and what follows). A candidate whose word overlaps the previous
 * candidate's replaces it, so a run like `!!!` yields only its last mark.
 */
function forEachEndContext(text: string, visit: (match: RegExpExecArray, context: string) => void): void {
  let previous: RegExpExecArray | null = null;
  let prevStart = 0;
  let prevStop = 0;
  PERIOD_CONTEXT.lastIndex = 0;
  for (let match = PERIOD_CONTEXT.exec(text); match; match = PERIOD_CONTEXT.exec(text)) {
    // The last ASCII whitespace between the previous word and this mark; like NLTK, one found at
    // offset 0 of that stretch counts as none.
    let lastSpace = 0;
    for (let i = match.index - 1; i >= prevStop; i--) {
      if (ASCII_SPACE.has(text.charAt(i))) {
        lastSpace = i - prevStop;
        break;
      }
    }
    const wordStart = lastSpace ? prevStop + lastSpace + 1 : prevStart;
    if (previous && prevStop <= wordStart) visit(previous, text.slice(prevStart, prevStop) + previous[0] + (previous[1] ?? ''));
    previous = match;
    prevStart = wordStart;
    prevStop = match.index;
  }
  if (previous) visit(previous, text.slice(prevStart, prevStop) + previous[0] + (previous[1] ?? ''));
}

/**
 * Punkt's `_slices_from_text` followed by `_realign_boundaries`: the sentences' [start, end)
 * offsets, flat (start0, end0, start1, end1, ...).
 */
function sentenceSpans(text: string, params: PunktParameters): number[] {
  const slices: number[] = [];
  let lastBreak = 0;
  // The verdict depends on the context string alone; repetitive text repeats contexts.
  const verdicts = new Map<string, boolean>();
  forEachEndContext(text, (match, context) => {
    let isBreak = verdicts.get(context);
    if (isBreak === undefined) verdicts.set(context, (isBreak = containsSentenceBreak(context, params)));
    if (!isBreak) return;
    const end = match.index + 1;
    slices.push(lastBreak, end);
    // The next sentence starts at the next token, or right after the mark when punctuation follows it.
    lastBreak = match[2] !== undefined ? end + (match[1] as string).length - match[2].length : end;
  });
  slices.push(lastBreak, pyRstrip(text).length);

  const spans: number[] = [];
  let realign = 0;
  for (let i = 0; i < slices.length; i += 2) {
    const start = (slices[i] as number) + realign;
    const stop = slices[i + 1] as number;
    if (i + 2 >= slices.length) {
      if (start < stop) spans.push(start, stop);
      break;
    }
    const nextStart = slices[i + 2] as number;
    const m = BOUNDARY_REALIGNMENT.exec(text.slice(nextStart, slices[i + 3]));
    if (m) {
      spans.push(start, nextStart + pyRstrip(m[0]).length);
      realign = m[0].length;
    } else {
      realign = 0;
      if (start < stop) spans.push(start, stop);
    }
  }
  return spans;
}

/** The sentences of `text` as strings. */
function sentences(text: string, params: PunktParameters): string[] {
  const spans = sentenceSpans(text, params);
  const out: string[] = [];
  for (let i = 0; i < spans.length; i += 2) out.push(text.slice(spans[i], spans[i + 1]));
  return out;
}

/**
 * Splits text into sentences: NLTK's `PunktSentenceTokenizer(params).tokenize(text)`, which is
 * `nltk.sent_tokenize(text)` when `params` is NLTK's trained model (see {@link loadPunktParameters}).
 * Defaults to the untrained parameters ({@link EMPTY_PUNKT_PARAMETERS}).
 */
export function sentTokenize(text: string, options: NltkTokenizeOptions = {}): string[] {
  return sentences(text, options.punkt ?? EMPTY_PUNKT_PARAMETERS);
}

/**
 * Splits text into word tokens: NLTK's `nltk.word_tokenize(text)` (`preserve_line=False`), that is
 * {@link sentTokenize} then {@link treebankWordTokenize} on each sentence. Numbers keep their
 * decimal point, thousands commas, dashes, slashes and suffixes (`0.00`, `3,000`, `5-star`, `5/10`,
 * `5th` are one token each); a period is split off only where Punkt ends a sentence.
 */
export function wordTokenize(text: string, options: NltkTokenizeOptions = {}): string[] {
  // A sentence's tokens depend on the sentence alone; repetitive text repeats sentences.
  const tokensOf = new Map<string, string[]>();
  const out: string[] = [];
  for (const sentence of sentences(text, options.punkt ?? EMPTY_PUNKT_PARAMETERS)) {
    let tokens = tokensOf.get(sentence);
    if (!tokens) tokensOf.set(sentence, (tokens = treebankWordTokenize(sentence)));
    for (const token of tokens) out.push(token);
  }
  return out;
}

// ------------------------------------------------------------------ punkt_tab loading
/** Where Python's `str.splitlines` breaks lines ("\r\n" counts as one break). */
const PY_LINE_BREAKS = new Set(['\n', '\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029']);
const PUNKT_TAB_FILES = ['abbrev_types.txt', 'collocations.tab', 'sent_starters.txt', 'ortho_context.tab'] as const;

/**
 * The lines of a punkt_tab file as NLTK reads them: UTF-8 (a leading BOM skipped), split where
 * Python's `str.splitlines` splits, and only a final "\n" removed from each line (a "\r" of "\r\n"
 * stays, as in NLTK).
 */
async function punktTabLines(dir: string, name: string): Promise<string[]> {
  const path = join(dir, name);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new OptionsError(`loadPunktParameters: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); a punkt_tab language folder holds ${PUNKT_TAB_FILES.join(', ')}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new OptionsError(`loadPunktParameters: ${path} is not valid UTF-8`);
  }
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (!PY_LINE_BREAKS.has(text.charAt(i))) continue;
    if (text.charAt(i) === '\r' && text.charAt(i + 1) === '\n') i++;
    lines.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines.map((line) => (line.endsWith('\n') ? line.slice(0, -1) : line));
}

/** Python's `int(s)` for a decimal string: surrounding whitespace, a sign, digits (any script) with single underscores. */
function pythonInt(s: string): number | undefined {
  const body = pyStrip(s);
  if (!/^[+-]?\p{Nd}+(?:_\p{Nd}+)*$/u.test(body)) return undefined;
  let value = 0n;
  for (const ch of body) {
    if (!/\p{Nd}/u.test(ch)) continue;
    // Decimal digits come in runs of whole 0..9 sets, so a digit's value is its offset in its run, mod 10.
    const cp = ch.codePointAt(0) as number;
    let runStart = cp;
    while (/\p{Nd}/u.test(String.fromCodePoint(runStart - 1))) runStart--;
    value = value * 10n + BigInt((cp - runStart) % 10);
  }
  if (body.startsWith('-')) value = -value;
  // Only the low flag bits matter; a value beyond 2^53 keeps them through 32-bit truncation.
  return Number.isSafeInteger(Number(value)) ? Number(value) : Number(BigInt.asIntN(32, value));
}

/**
 * Reads NLTK's trained Punkt model from a `punkt_tab/<language>/` folder (for English,
 * `nltk_data/tokenizers/punkt_tab/english`), as NLTK's `punkt.load_punkt_params` does: one type a
 * line in `abbrev_types.txt` and `sent_starters.txt`, `first<TAB>second` lines in
 * `collocations.tab`, `type<TAB>flags` lines in `ortho_context.tab`. With the result,
 * {@link wordTokenize} and {@link sentTokenize} give what `nltk.word_tokenize` / `nltk.sent_tokenize` give.
 * Throws {@link OptionsError} naming the file when the folder or a file is missing or malformed
 * (a collocations line that is not two tab-separated fields, an ortho_context line that is not a
 * type and an integer).
 */
export async function loadPunktParameters(dir: string): Promise<PunktParameters> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw new OptionsError(`loadPunktParameters: ${dir} does not exist; pass a punkt_tab language folder such as nltk_data/tokenizers/punkt_tab/english`);
  }
  if (!isDir) throw new OptionsError(`loadPunktParameters: ${dir} is not a folder; pass a punkt_tab language folder such as nltk_data/tokenizers/punkt_tab/english`);

  const collocations = new Set<string>();
  const collocationLines = await punktTabLines(dir, 'collocations.tab');
  collocationLines.forEach((line, i) => {
    const fields = line.split('\t');
    if (fields.length !== 2) throw new OptionsError(`loadPunktParameters: ${join(dir, 'collocations.tab')} line ${i + 1} has ${fields.length} tab-separated field(s), expected 2 (first and second word type): ${JSON.stringify(line)}`);
    collocations.add(`${fields[0]} ${fields[1]}`);
  });
  const sentenceStarters = new Set(await punktTabLines(dir, 'sent_starters.txt'));
  const abbreviations = new Set(await punktTabLines(dir, 'abbrev_types.txt'));
  const orthoContext = new Map<string, number>();
  const orthoLines = await punktTabLines(dir, 'ortho_context.tab');
  orthoLines.forEach((line, i) => {
    const fields = line.split('\t');
    const flags = fields.length === 2 ? pythonInt(fields[1] as string) : undefined;
    if (flags === undefined) throw new OptionsError(`loadPunktParameters: ${join(dir, 'ortho_context.tab')} line ${i + 1} is not a word type, a tab and an integer: ${JSON.stringify(line)}`);
    orthoContext.set(fields[0] as string, flags);
  });
  return { abbreviations, collocations, sentenceStarters, orthoContext };
}
