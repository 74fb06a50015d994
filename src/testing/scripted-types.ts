// The shapes of a scripted site for ScriptedEnvironment: pages as plain data (elements with
// roles, names and handlers), the per-episode site object handlers see, options and the episode
// snapshot. Type-only.

import type { ObservationBudget } from '../env/observation-text.js';
import type { Action, EnvTask } from '../env/types.js';

/** Where a handler sends the browser: a URL (absolute, or relative to the current page), or nothing to stay. */
export type ScriptedNavigation = string | void | undefined;
type Handler<A extends unknown[]> = (...args: A) => ScriptedNavigation | Promise<ScriptedNavigation>;

/** What page code sees. One site object per episode; `state` is fresh at every `reset`. */
export interface ScriptedSite<S> {
  /** Server-side state of this episode, made by `initialState()` at every reset. Mutate it freely. */
  readonly state: S;
  readonly task: EnvTask;
  /** URL of the current page, query string included (a page keyed `http://h/search` serves `http://h/search?q=x`). */
  readonly url: URL;
  /** Current value of the field (textbox, searchbox, combobox, ...) named `name` on the current page, else undefined. */
  field(name: string): string | undefined;
  /** Whether the checkbox, radio or switch named `name` on the current page is checked. */
  isChecked(name: string): boolean;
  /** Adds a line to the next observation's `notices`, as the browser does for dialogs and blocked downloads. */
  notice(text: string): void;
}

/**
 * One line of a scripted page. Roles the browser treats as actionable (link, button, textbox,
 * searchbox, combobox, checkbox, radio, option, tab, menuitem, switch, ...) get an `[id]`;
 * `heading` prints as `## name`, `text` as plain text, other roles (img, ...) as `role "name"`.
 * Field values, checked state and focus live in the page visit: navigating (even back) starts
 * the page afresh from this spec, as a browser reload would.
 */
export interface ScriptedElement<S = Record<string, unknown>> {
  readonly role: string;
  /** Accessible name, or the text itself for `text` and `heading`. */
  readonly name: string;
  /** Identity for stable ids when the name changes between renders (`Cart (2)`); defaults to role + name + occurrence. */
  readonly key?: string;
  /** Initial value of a textbox/searchbox/spinbutton; the selected option of a combobox (default: the first option). */
  readonly value?: string;
  /** Options of a combobox (a `<select>`): printed as `option` rows one level deeper, with their own ids. */
  readonly options?: readonly string[];
  /** Initial checked state of a checkbox/radio/switch; clicking toggles it (a radio only checks). */
  readonly checked?: boolean | 'mixed';
  readonly disabled?: boolean;
  /** Not shown. Acting on its id from an earlier observation fails with `... is hidden`. */
  readonly hidden?: boolean;
  /** A field that cannot be typed into (`... is read-only`). */
  readonly readonly?: boolean;
  readonly required?: boolean;
  readonly expanded?: boolean;
  readonly selected?: boolean;
  /** Heading level 1..6 (default 2). */
  readonly level?: number;
  /** Indentation depth. */
  readonly depth?: number;
  /** Clicking navigates here (absolute, or relative to the current page) unless `onClick` returns a URL. */
  readonly href?: string;
  /** Runs on click (after a checkbox toggles) and on Enter while focused; may mutate `site.state` and return a URL. */
  readonly onClick?: Handler<[site: ScriptedSite<S>]>;
  /** Runs after typing into the field or selecting an option, with the new value. */
  readonly onChange?: Handler<[value: string, site: ScriptedSite<S>]>;
  /** Runs when Enter is pressed in the field (`type` with `pressEnter`, or `press Enter` while it is focused). */
  readonly onSubmit?: Handler<[value: string, site: ScriptedSite<S>]>;
}

/** A page: its title and its elements, static or computed from the site (state, URL) at every observation. */
export interface ScriptedPageSpec<S = Record<string, unknown>> {
  readonly title: string | ((site: ScriptedSite<S>) => string);
  readonly elements: readonly ScriptedElement<S>[] | ((site: ScriptedSite<S>) => readonly ScriptedElement<S>[]);
}

/** What `failOn` is asked about: `action` is null at `reset`. */
export interface ScriptedFaultContext<S> {
  readonly action: Action | null;
  readonly turn: number;
  readonly url: string | undefined;
  readonly state: S;
  readonly task: EnvTask;
}

export interface ScriptedEnvironmentOptions<S = Record<string, unknown>> {
  /**
   * Pages keyed by absolute http(s) URL. A URL is served by the page keyed by its exact URL
   * (without `#hash`), else by the one keyed by its origin + path (ignoring the query string).
   */
  readonly pages: Readonly<Record<string, ScriptedPageSpec<S>>>;
  /** Makes the per-episode `site.state`; called at every reset so episodes never share state (default `{}`). */
  readonly initialState?: () => S;
  /** Turn limit when the task sets none (default 15, as WebEnvironment). */
  readonly maxTurns?: number;
  /** Lines that fit in the viewport: the rest of a longer page is `visible: false` until scrolled to (default 30). */
  readonly viewportRows?: number;
  /** Size budget of the observation text (default 12,000 characters). */
  readonly budget?: ObservationBudget;
  /** Simulated time every reset and step takes, in ms (default 0). */
  readonly latencyMs?: number;
  /**
   * Simulates an environment fault before a reset or step: return true to throw a
   * `BrowserCrashedError`, or return an error (e.g. a `PageCrashedError`) to throw it. Either
   * ends the episode, as a real crash does, so retry logic can be tested.
   */
  readonly failOn?: (context: ScriptedFaultContext<S>) => boolean | Error | void;
}

/** Public snapshot of the current (or last) episode, for reward checks. */
export interface ScriptedEpisode<S> {
  readonly task: EnvTask | undefined;
  readonly turn: number;
  readonly done: boolean;
  readonly answer: string | undefined;
  /** URL of the current page; undefined before reset and after a fault. */
  readonly url: string | undefined;
  /** The episode's `site.state`, as the page handlers left it. */
  readonly state: S | undefined;
}
