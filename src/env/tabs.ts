// The episode's tabs: which page the agent acts on (the active tab) with its PageActivity, the
// tabs the page opens (followed, or closed when popups are closed), a followed tab's opener to
// return to, and new tabs the network guard refused before they had a page.

import type { Page } from 'playwright-core';
import { PageActivity } from './page-activity.js';

/** What the tabs need from their episode. */
export interface TabHooks {
  readonly popups: 'follow' | 'close';
  /** Tells the agent something with the next observation. */
  notice(message: string): void;
  /** Takes back the latest notice. */
  retractNotice(): void;
  /** Starts watching a page the episode adopts (dialogs, downloads, crashes, responses). */
  watch(page: Page): void;
  /** Puts the origin guard on a followed tab (its first navigation may already be under way). */
  guard(page: Page): Promise<void>;
}

export class Tabs {
  /** The active tab. */
  page: Page | undefined;
  activity: PageActivity | undefined;
  /** Popups the active document had opened at the last walk. */
  popupsSeen = 0;
  /** Pages the episode's pages opened. */
  opened = 0;
  /** A new tab's first navigation, refused by the network guard before the tab had a frame. */
  refusedTab: string | undefined;
  /** HTTPS tabs refused that way whose error page has not shown up yet. */
  #refusedTabs = 0;
  /** The page a followed popup was opened from, to return to if the popup must be closed. */
  #opener: { page: Page; activity: PageActivity } | undefined;
  /** Wakes a step waiting for a popup the page opened. */
  #onOpened: (() => void) | undefined;
  readonly #activities = new WeakMap<Page, PageActivity>();

  constructor(private readonly hooks: TabHooks) {}

  /** Makes `page` the active tab. */
  adopt(page: Page): void {
    this.page = page;
    this.activity = new PageActivity(page);
    this.#activities.set(page, this.activity);
    this.hooks.watch(page);
  }

  activityOf(page: Page): PageActivity | undefined {
    return this.#activities.get(page);
  }

  /** A page of the context was opened: the first page, or a tab the active page opened. */
  opening(page: Page): void {
    if (!this.page) {
      this.adopt(page);
      return;
    }
    if (this.#refusedTabs > 0 && page.url().startsWith('chrome-error://')) {
      // A tab whose first page (HTTPS) the network guard refused, already reported: Chromium
      // shows it with its error page; close it, the agent stays where it was.
      this.#refusedTabs -= 1;
      page.close().catch(() => {});
      return;
    }
    this.opened += 1;
    this.#onOpened?.();
    if (this.hooks.popups === 'close') {
      this.hooks.notice(`a new tab (${page.url() || 'about:blank'}) was opened and closed; popups are closed in this environment`);
      page.close().catch(() => {});
      return;
    }
    this.hooks.notice('a new tab was opened and is now the active page');
    this.#opener = { page: this.page, activity: this.activity! };
    this.adopt(page);
    this.hooks.guard(page).catch(() => {});
  }

  /**
   * A new tab's first navigation was refused by the network guard: Chromium then never shows the
   * tab, or shows its error page for HTTPS, which `opening` closes; stop waiting for it.
   */
  refuse(url: string): void {
    this.refusedTab = url;
    if (url.startsWith('https:')) this.#refusedTabs += 1;
    this.#onOpened?.();
  }

  /** Waits (at most `ms`) for a tab the page opened that Playwright has not announced yet. */
  async waitForOpened(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#onOpened = finish;
    });
    this.#onOpened = undefined;
  }

  /** The navigation the guard refused in the active tab, or the refused new tab, since last asked. */
  takeBlocked(): string | undefined {
    const blocked = this.activity?.takeBlocked() ?? this.refusedTab;
    this.refusedTab = undefined;
    return blocked;
  }

  /**
   * Closes `page`, a followed popup that landed on a disallowed origin (`url`), and makes its
   * opener the active tab again, which then reports the refusal. False when there is no opener.
   */
  async closeToOpener(page: Page, url: string): Promise<boolean> {
    const opener = this.#opener;
    if (!opener) return false;
    await page.close().catch(() => {});
    this.page = opener.page;
    this.activity = opener.activity;
    this.hooks.retractNotice();
    opener.activity.block(url);
    return true;
  }
}
