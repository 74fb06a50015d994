// Types of the page program (the .js files of this folder), for its type checker only: the
// records the init script (hooks.js) keeps on each window under `Symbol.for` keys, and the
// element type the walker reads. Global declarations: ./tsconfig.json is the only program
// that sees them (the root tsconfig excludes this folder).

interface Window {
  /**
   * The records under `Symbol.for('webagent-r1.*')` keys (not enumerable, so the page's own
   * code does not come across them); each read of one is annotated with its record's type.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- read into annotated declarations
  [slot: symbol]: any;
}

/**
 * An element as the page program reads it. It reads the members of particular kinds of element
 * (an input's value, a select's options, a label's control) after checking the tag name, which
 * the type checker does not follow, and it cannot narrow with `instanceof` (the elements of a
 * same-origin frame are instances of that frame's classes). So this type has HTMLElement's
 * members and, typed, those of the kinds of element the program reads; a value is annotated as
 * a PageElement where the program takes it from the DOM.
 */
type PageElement = HTMLElement
  & Pick<HTMLInputElement, 'value' | 'type' | 'checked' | 'indeterminate' | 'files' | 'labels' | 'required' | 'readOnly' | 'min' | 'max' | 'step' | 'select'>
  & Pick<HTMLSelectElement, 'options' | 'selectedOptions' | 'multiple' | 'size'>
  & Pick<HTMLOptionElement, 'selected' | 'label'>
  & Pick<HTMLLabelElement, 'control'>
  & Pick<HTMLIFrameElement, 'contentDocument'>
  & Pick<HTMLSlotElement, 'assignedNodes'>
  & Pick<HTMLDetailsElement, 'open'>;

/** `Symbol.for('webagent-r1.dom')`: the ids the walker gave elements, kept per document across calls. */
interface DomRegistry {
  next: number;
  ids: WeakMap<Element, number>;
  els: Map<number, WeakRef<Element>>;
  /** The role and name each element had in the last walk that listed it, for messages. */
  shown: WeakMap<Element, [string, string]>;
}

/** `Symbol.for('webagent-r1.popups')`: popups the document opened. */
interface PopupRecord {
  count: number;
}

/** `Symbol.for('webagent-r1.nav')`: a navigation was set off since the last walk. */
interface NavigationRecord {
  pending: boolean;
}

/** `Symbol.for('webagent-r1.timers')`: short timers by epoch, and the original timer functions. */
interface TimerRecord {
  epoch: number;
  /** Pending short timers ('t' + id, 'f' + id) and the epoch each belongs to. */
  live: Map<string, number>;
  /** The epoch of the timer callback running now, if any. */
  current: number | undefined;
  /** Called when a timer fires or is cleared, while the `timers` op waits. */
  wake: (() => void) | null;
  timeout: (f: () => void, ms: number) => number;
  clear: (id: number) => void;
  frame: (f: FrameRequestCallback) => number;
}

/** `Symbol.for('webagent-r1.press')`: trusted presses and clicks, counted, and their last targets. */
interface PressRecord {
  count: number;
  target: WeakRef<PageElement> | null;
  clicks: number;
  clicked: WeakRef<PageElement> | null;
}

/** A TreeWalker over `NodeFilter.SHOW_TEXT`: it visits text nodes only. */
interface TextWalker extends TreeWalker {
  nextNode(): Text | null;
}

/**
 * Where a click on an element lands (hitPoint): a point (x, y) where it reaches the element, else
 * what is hit at the element's centre (`hit`, null outside the viewport), or `none` when no part
 * of the element is visible.
 */
type HitPoint =
  | { none: true; x?: undefined; y?: undefined; hit?: undefined }
  | { x: number; y: number; none?: undefined; hit?: undefined }
  | { hit: PageElement | null; none?: undefined; x?: undefined; y?: undefined };

/**
 * An event as the init script's listeners read it: its target may be any node (or the window);
 * they read it as an element or a form where it has their members.
 */
type PageEvent<E extends Event = Event> = E & {
  readonly target: (EventTarget & Partial<Pick<Element, 'closest'>> & { target?: string }) | null;
};
