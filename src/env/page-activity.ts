// Tracks what a page is doing after an action: the main-frame navigation it set off (requested,
// committed, loaded or failed) and the requests it started, so a step can wait for exactly
// that, bounded, and no longer.

import type { Page, Request } from 'playwright-core';

/** Tracks what the active page is doing: navigations of its main frame and requests in flight. */
export class PageActivity {
  /** Main-frame navigation requested since the last `settle` and not yet loaded/failed. */
  navigation: { request: Request; loaded: boolean; failed: boolean; committed: boolean } | undefined;
  blockedUrl: string | undefined;
  /** Requests started since `beginAction` and still running: the ones a step waits for. */
  readonly #started = new Set<Request>();
  #wake: (() => void) | undefined;

  /** Documents the main frame has committed (any navigation of it, the page's own included). */
  documents = 0;
  /** `documents` when the agent last observed the page. */
  documentsObserved = 0;

  /** Set when the page replaced its document while it was being read; cleared by a goto that lands. */
  replacedWhileRead = false;

  /**
   * True when the page is seen navigating by itself: it replaced its document while being read,
   * or since the agent last observed it (a reload on a timer).
   */
  get restless(): boolean {
    return this.replacedWhileRead || this.documents > this.documentsObserved;
  }

  /** The page said (through its binding) that it set off a navigation during this action. */
  navigationHinted = false;

  hintNavigation(): void {
    this.navigationHinted = true;
    this.#poke();
  }

  /** Marks the start of an action: only what happens from here on is waited for. */
  beginAction(): void {
    this.navigationHinted = false;
    this.navigation = undefined;
    this.blockedUrl = undefined;
    this.#started.clear();
  }

  /** True when the action started a navigation or requests that are still running. */
  get busy(): boolean {
    return this.navigation !== undefined || this.#started.size > 0;
  }

  /** Waits until a main-frame navigation has been requested, at most `ms`. */
  async navigationStart(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.navigation && this.blockedUrl === undefined && Date.now() < deadline && !this.page.isClosed()) await this.#changed(deadline);
  }

  /** Records a navigation of this page that the origin guard blocked. */
  block(url: string): void {
    this.blockedUrl = url;
    if (this.navigation?.request.url() === url) this.navigation.failed = true;
    this.#poke();
  }

  takeBlocked(): string | undefined {
    const url = this.blockedUrl;
    this.blockedUrl = undefined;
    return url;
  }

  constructor(readonly page: Page) {
    page.on('request', (r) => {
      this.#started.add(r);
      if (r.isNavigationRequest() && r.frame() === page.mainFrame()) this.navigation = { request: r, loaded: false, failed: false, committed: false };
      this.#poke();
    });
    const done = (r: Request, failed: boolean): void => {
      this.#started.delete(r);
      if (failed && this.navigation?.request === r) this.navigation.failed = true;
      this.#poke();
    };
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) this.documents += 1;
    });
    page.on('requestfinished', (r) => done(r, false));
    page.on('requestfailed', (r) => done(r, true));
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame() && this.navigation) this.navigation.committed = true;
      this.#poke();
    });
    page.on('load', () => {
      if (this.navigation) this.navigation.loaded = true;
      this.#poke();
    });
    page.on('download', () => {
      if (this.navigation) this.navigation.failed = true;
      this.#poke();
    });
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #changed(untilMs: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, Math.max(0, untilMs - Date.now()));
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  /**
   * Waits until a navigation the last action started has loaded (or failed), then until the
   * requests it started are done, each bounded. A navigation response that never commits
   * (204, download) is given up after 1 s.
   */
  async settle(navigationTimeout: number, settleTimeout: number, waitUntil: 'load' | 'domcontentloaded'): Promise<boolean> {
    const navDeadline = Date.now() + navigationTimeout;
    let loaded = true;
    while (this.navigation && !this.navigation.failed && Date.now() < navDeadline && !this.page.isClosed()) {
      const nav = this.navigation;
      if (nav.loaded) break;
      if (nav.committed && waitUntil === 'domcontentloaded') break;
      // (The navigation request began after beginAction, so #started holds it while it runs.)
      if (!nav.committed && !this.#started.has(nav.request)) {
        // Response arrived but no commit yet; give it a moment, then assume it will not commit.
        await this.#changed(Math.min(navDeadline, Date.now() + 1_000));
        if (!nav.committed && !nav.loaded) break;
        continue;
      }
      await this.#changed(navDeadline);
    }
    const nav = this.navigation;
    if (nav && !nav.failed && !nav.loaded && !(nav.committed && waitUntil === 'domcontentloaded') && Date.now() >= navDeadline) loaded = false;
    this.navigation = undefined;
    const deadline = Date.now() + settleTimeout;
    while (this.#started.size > 0 && Date.now() < deadline && !this.page.isClosed()) await this.#changed(deadline);
    return loaded;
  }
}

