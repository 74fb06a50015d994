// What WebEnvironment and its in-page program (src/env/page/) say to each other: the ops, their
// arguments and their results. Types and two constants only, importing nothing, so that the
// page program's type checker (src/env/page/tsconfig.json: DOM, no Node) reads this same file
// and both sides are checked against one contract.

/**
 * Row of the walker's output: [id (0 = none), role, name, value|null, stateBits, level, depth,
 * visible(0/1), inputType|null (inputs whose text has a format: date, time, color, ...)].
 */
export type DomRow = [number, string, string, string | null, number, number, number, number, (string | null)?];

export const STATE_BITS = {
  checked: 1,
  mixed: 2,
  selected: 4,
  disabled: 8,
  expanded: 16,
  collapsed: 32,
  focused: 64,
  required: 128,
} as const;

export interface DomObserveArgs {
  readonly maxNameLength: number;
  readonly maxTextLength: number;
  /** Return at once, without rows, when a navigation or a popup (beyond `popupsSeen`) is pending. */
  readonly bail?: boolean;
  readonly popupsSeen?: number;
}

export interface DomObserveResult {
  /** Null when the walk bailed out because a navigation or popup is pending. */
  readonly rows: DomRow[] | null;
  readonly url: string;
  readonly title: string;
  /** Popups this document tried to open so far (window.open, target=_blank). */
  readonly popups: number;
  /** A navigation was set off (form submitted, link followed) since the last walk. */
  readonly navPending: boolean;
  /** The document was still being parsed (`document.readyState === 'loading'`): the rows may be partial. */
  readonly loading?: boolean;
  /**
   * Short timers (setTimeout up to SHORT_TIMER_MS, requestAnimationFrame) scheduled since the
   * previous walk, by the page's own code or by timers they set off, that have not fired yet.
   */
  readonly timers?: number;
  /** The group those timers belong to, for the `timers` op to wait on. */
  readonly timerEpoch?: number;
}

/** Timers with a delay up to this (ms) are short: a step waits for those its action set off. */
export const SHORT_TIMER_MS = 500;

export type DomPrepareArgs =
  | { readonly kind: 'click' | 'hover'; readonly id: number }
  | { readonly kind: 'type'; readonly id: number; readonly text: string }
  | { readonly kind: 'select'; readonly id: number; readonly option: string };

/**
 * `x, y`: where to act (top-viewport coordinates); for `type`, the field is focused and its text
 * selected, `clear` when it has text, `check` when the value must be read back after typing
 * (number inputs); for `click`, `hover` when page code listens to the mouse moving onto it. `done`: the action was completed in the page (select; a date, time, color or
 * range input filled with its value).
 */
export type DomPrepareResult =
  | { readonly error: string }
  | { readonly x: number; readonly y: number; readonly clear?: boolean; readonly check?: boolean; readonly hover?: boolean; readonly presses?: number; readonly clicks?: number }
  | { readonly done: true };

/** `verify`: after the mouse moved to (x, y), whether element `id` is under it; waits up to `wait` ms for hover effects, and with `retry` looks for another point of it. */
export interface DomVerifyArgs {
  readonly id: number;
  readonly x: number;
  readonly y: number;
  readonly wait: number;
  readonly retry: boolean;
}

/** `verify`: the point where the element is under the mouse now (`moved` when not the one asked about), or why not. */
export type DomVerifyResult = { readonly error: string } | { readonly x: number; readonly y: number; readonly moved?: boolean };

/** `timers`: wait at most `ms` for the short timers of `epoch` to fire. */
export interface DomTimersArgs {
  readonly epoch: number;
  readonly ms: number;
}

/** `timers`: how many of those timers are still pending. */
export interface DomTimersResult {
  readonly left: number;
}

/** `value`: read back the value of element `id`. */
export interface DomValueArgs {
  readonly id: number;
}

/** `value`: the element's value (null when it has none or is gone) and how messages name it. */
export interface DomValueResult {
  readonly value: string | null;
  readonly what: string;
}

export interface DomScrollArgs {
  readonly direction: 'up' | 'down';
}

export type DomScrollResult = { readonly error: string } | { readonly done: true };

/** `pressed`: did the presses and clicks since the counts `since` and `clicksSince` (-1: unknown) land on element `id`? */
export interface DomPressedArgs {
  readonly id: number;
  readonly since: number;
  readonly clicksSince: number;
}

export type DomPressedResult = { readonly ok: true } | { readonly error: string };

export type DomOp = 'observe' | 'prepare' | 'verify' | 'timers' | 'value' | 'scroll' | 'pressed';
