// Renders observation nodes as the text an agent reads, and cuts it to a character or token
// budget around the part of the page that is in the viewport. Shared by WebEnvironment and
// the scripted test environment so both print pages identically.

import { fn, obj, positiveInt, rule } from '../options.js';
import type { ElementState, ObservationNode } from './types.js';

/** Budget for the observation text. Lines are dropped whole, never cut in the middle. */
export interface ObservationBudget {
  /** Maximum characters of page text (default 12,000). */
  readonly maxChars?: number;
  /** Maximum tokens of page text, counted with `countTokens`. */
  readonly maxTokens?: number;
  /**
   * Token counter for `maxTokens` (for example a tokenizer's encode length). The window is
   * recounted as a whole each time it grows by a line, so a cut page costs time quadratic in
   * the lines kept (at most `maxChars` of them); `countLineTokens` avoids that.
   */
  readonly countTokens?: (text: string) => number;
  /**
   * Token counter of one line, for counts that add up over lines: a text's tokens are then the
   * sum of its lines' counts plus one per line break between them. The window grows in time
   * linear in the page, one count per line. Used instead of `countTokens` when both are given.
   */
  readonly countLineTokens?: (line: string) => number;
}

export const DEFAULT_MAX_OBSERVATION_CHARS = 12_000;

/** The schema of ObservationBudget (also ScriptedEnvironment's `budget`). */
export const observationBudgetSchema = obj({
  maxChars: positiveInt('a positive integer (characters)').optional(),
  maxTokens: positiveInt('a positive integer (tokens)').optional(),
  countTokens: fn<NonNullable<ObservationBudget['countTokens']>>('a function counting the tokens of a text').optional(),
  countLineTokens: fn<NonNullable<ObservationBudget['countLineTokens']>>('a function counting the tokens of a line').optional(),
}, 'an object { maxChars?, maxTokens?, countTokens?, countLineTokens? }').superRefine((b, ctx) => {
  if (b.maxTokens !== undefined && b.countTokens === undefined && b.countLineTokens === undefined) {
    ctx.addIssue({ code: 'custom', path: ['maxTokens'], message: rule('needs budget.countTokens (or budget.countLineTokens), a function counting the tokens of a text') });
  }
});

function stateText(state: ElementState | undefined): string {
  if (!state) return '';
  let s = '';
  if (state.checked === 'mixed') s += ' checked=mixed';
  else if (state.checked === true) s += ' checked';
  if (state.selected) s += ' selected';
  if (state.expanded === true) s += ' expanded';
  else if (state.expanded === false) s += ' collapsed';
  if (state.disabled) s += ' disabled';
  if (state.required) s += ' required';
  if (state.focused) s += ' focused';
  return s;
}

/** Quotes a name or value the way observations and action grammars both do (JSON string syntax). */
export function quote(text: string): string {
  return JSON.stringify(text);
}

/** How lines are written. */
export interface NodeFormat {
  /**
   * Show actionable elements' ids (`[12] link "Mug"`). Default true; false writes
   * `link "Mug"`, for agents that target elements by role and name.
   */
  readonly ids?: boolean;
}

/** One observation line: `[12] link "Blue Ceramic Mug"`, `[5] textbox "Birthday" type=date value="2024-05-31"`, `## Reviews`, or plain text. */
export function formatNode(node: ObservationNode, format: NodeFormat = {}): string {
  const indent = node.depth ? '  '.repeat(node.depth) : '';
  if (node.id !== undefined) {
    const value = node.value !== undefined && node.value !== '' ? ` value=${quote(node.value)}` : '';
    const id = format.ids === false ? '' : `[${node.id}] `;
    const type = node.inputType ? ` type=${node.inputType}` : '';
    return `${indent}${id}${node.role} ${quote(node.name)}${type}${value}${stateText(node.state)}`;
  }
  if (node.role === 'heading') return `${indent}${'#'.repeat(node.level ?? 2)} ${node.name}`;
  if (node.role === 'text') return `${indent}${node.name}`;
  return `${indent}${node.role} ${quote(node.name)}`;
}

export interface RenderedText {
  readonly text: string;
  readonly truncated: boolean;
}

/**
 * Joins the nodes into text. When the text exceeds the budget, keeps a window of whole lines
 * that starts at the first line in the viewport, grows downwards and upwards alternately while
 * it fits, and marks what was cut with a line that says how many lines and where.
 */
export function renderObservationText(nodes: readonly ObservationNode[], budget: ObservationBudget = {}, format: NodeFormat = {}): RenderedText {
  const lines = nodes.map((node) => formatNode(node, format));
  const maxChars = budget.maxChars ?? DEFAULT_MAX_OBSERVATION_CHARS;
  const { maxTokens, countLineTokens } = budget;
  const countTokens = countLineTokens === undefined ? budget.countTokens : undefined;
  // Per-line counts, each taken once, for countLineTokens.
  const lineTokens: (number | undefined)[] = [];
  const tokensOfLine = (i: number): number => (lineTokens[i] ??= countLineTokens!(lines[i]!));
  const full = lines.join('\n');
  const fullTokens = (): number => {
    if (countTokens !== undefined) return countTokens(full);
    let total = Math.max(0, lines.length - 1);
    for (let i = 0; i < lines.length; i++) total += tokensOfLine(i);
    return total;
  };
  const counted = maxTokens !== undefined && (countTokens !== undefined || countLineTokens !== undefined);
  if (full.length <= maxChars && (!counted || fullTokens() <= maxTokens)) return { text: full, truncated: false };

  // Character cost of each line plus its newline; token budgets are checked on the joined window.
  let first = nodes.findIndex((n) => n.visible);
  if (first < 0) first = 0;
  let lo = first;
  let hi = first; // window is lines[lo, hi)
  let chars = 0;
  let tokens = 0; // of the window's lines, without the line breaks (countLineTokens)
  const markerReserve = 120; // room for the two "lines above/below" markers
  const window = (a: number, b: number): string => lines.slice(a, b).join('\n');
  let grewDown = true;
  let grewUp = true;
  while (grewDown || grewUp) {
    grewDown = false;
    grewUp = false;
    const down = lines[hi];
    if (down !== undefined && chars + down.length + 1 + markerReserve <= maxChars && fitsTokens(hi + 1, lo, hi)) {
      chars += down.length + 1;
      if (countLineTokens !== undefined) tokens += tokensOfLine(hi);
      hi += 1;
      grewDown = true;
    }
    const up = lines[lo - 1];
    if (up !== undefined && chars + up.length + 1 + markerReserve <= maxChars && fitsTokens(hi, lo - 1, lo - 1)) {
      chars += up.length + 1;
      if (countLineTokens !== undefined) tokens += tokensOfLine(lo - 1);
      lo -= 1;
      grewUp = true;
    }
  }
  /** Whether the window [a, b), the current one plus line `added`, fits the token budget. */
  function fitsTokens(b: number, a: number, added: number): boolean {
    if (!counted) return true;
    const count = countTokens !== undefined ? countTokens(window(a, b)) : tokens + tokensOfLine(added) + (b - a - 1);
    return count + 24 <= maxTokens!;
  }
  if (hi === lo && lines[lo] !== undefined) {
    // Even one line is over budget: keep its head so the agent still sees something.
    lines[lo] = lines[lo]!.slice(0, Math.max(0, maxChars - markerReserve)) + ' …';
    hi = lo + 1;
  }
  const parts: string[] = [];
  if (lo > 0) parts.push(`… ${lo} line${lo === 1 ? '' : 's'} above not shown (scroll up to see them)`);
  parts.push(window(lo, hi));
  const below = lines.length - hi;
  if (below > 0) parts.push(`… ${below} line${below === 1 ? '' : 's'} below not shown (scroll down to see them)`);
  return { text: parts.join('\n'), truncated: true };
}
