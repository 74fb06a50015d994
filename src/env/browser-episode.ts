// One episode of a WebEnvironment: its browser context (lease), tabs, origin guards, the notices
// for the next observation, and what ends it as a fault (a page crash, a site that lost the
// session). Every browser call of the episode goes through `guard` (the deadline and the crash
// signals) and every call into the page through `dom`. Made by `reset`, dropped when the
// episode ends; the step's phases (actions.ts, settle.ts, page-walk.ts) work on it.

import type { CDPSession, Dialog, Download, Page } from 'playwright-core';
import { PageCrashedError } from '../errors.js';
import type { ContextLease } from './browser-pool.js';
import { withDeadline } from './deadline.js';
import { domCall, domInvoke, DOM_MISSING, type DomOp } from './dom-script.js';
import { faultOf, rethrowFaults, SITE_DOWN_RE } from './faults.js';
import { OriginGuard } from './origin-guard.js';
import { Tabs } from './tabs.js';
import { SESSION_LOST_HEADER } from './types.js';
import type { ResolvedWebEnvironmentOptions } from './web-environment-options.js';

export class BrowserEpisode {
  readonly tabs: Tabs;
  readonly origins: OriginGuard;
  /** Aborted with a PageCrashedError when a page of the episode crashes. */
  readonly pageCrash = new AbortController();
  /** Told to the agent with the next observation. */
  notices: string[] = [];
  /** Set by a walk that gave up because the page kept replacing its document; read by the next observation. */
  unstable: string | undefined;
  /** Why the episode's site became unusable: it lost the session (see SESSION_LOST_HEADER) or could not be reached. */
  sessionLost: string | undefined;
  /** Where the step's goto came from and went (checked after the settle: the old page's reload may win late). */
  gotoFrom: { readonly left: string; readonly url: string } | undefined;
  /** The lease while the episode runs; undefined once it has ended (see `end`). */
  #lease: ContextLease | undefined;
  readonly #sessions = new WeakMap<Page, Promise<CDPSession>>();

  constructor(
    readonly options: Readonly<ResolvedWebEnvironmentOptions>,
    readonly lease: ContextLease,
    allowed: Set<string> | null,
  ) {
    this.#lease = lease;
    const notice = (message: string): void => {
      this.notices.push(message);
    };
    this.tabs = new Tabs({
      popups: options.popups,
      notice,
      retractNotice: () => {
        this.notices.pop();
      },
      watch: (page) => this.#watch(page),
      guard: (page) => this.origins.guardPage(page),
    });
    this.origins = new OriginGuard(
      allowed,
      lease.networkGuard,
      { blocked: (page, url) => this.tabs.activityOf(page)?.block(url), notice, tabRefused: (url) => this.tabs.refuse(url) },
      (page) => this.cdp(page),
    );
  }

  /** The active tab (set from the first page on). */
  get page(): Page {
    return this.tabs.page!;
  }

  /** The browser under the episode crashed or disconnected (false once the episode has ended). */
  get leaseAborted(): boolean {
    return this.#lease?.signal.aborted === true;
  }

  /** Races `p` against `ms` and the episode's crash signals (see withDeadline). */
  guard<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    return withDeadline(p, ms, what, [this.#lease?.signal, this.pageCrash.signal]);
  }

  /** Maps an unexpected error to the fault it reveals (crash, hang) or passes it on. */
  async fault(e: unknown): Promise<unknown> {
    return faultOf(e, this.#lease, this.pageCrash.signal);
  }

  /**
   * Runs `op` of the DOM script in `page`: through the copy the init script compiled in the
   * document, or, in a document it did not run in, by sending the whole script.
   */
  async dom<T>(page: Page, op: DomOp, args: unknown): Promise<T> {
    const r = await page.evaluate(domInvoke(op, args));
    return (r === DOM_MISSING ? await page.evaluate(domCall(op, args)) : r) as T;
  }

  /** A DevTools session on `page` (Chromium only), made on first use. */
  cdp(page: Page): Promise<CDPSession> {
    let session = this.#sessions.get(page);
    if (!session) {
      session = page.context().newCDPSession(page);
      this.#sessions.set(page, session);
    }
    return session;
  }

  /** Stops the active tab's loading (a navigation left pending blocks every evaluate in the page). */
  async stopLoading(): Promise<void> {
    const page = this.tabs.page;
    if (!page) return;
    await this.guard(this.cdp(page).then((s) => s.send('Page.stopLoading')), this.options.actionTimeout, 'stopping the page load').catch(rethrowFaults);
  }

  /** Ends the episode: its tabs are no longer the environment's, and its context is released. */
  async end(): Promise<void> {
    this.#lease = undefined;
    this.tabs.page = undefined;
    this.tabs.activity = undefined;
    await this.lease.release();
  }

  /** Listens to a page the episode adopts: dialogs, downloads, a crash, a site that lost the session or is down. */
  #watch(page: Page): void {
    page.on('dialog', (d) => this.#onDialog(d));
    page.on('download', (d) => this.#onDownload(d));
    page.on('crash', () => this.pageCrash.abort(new PageCrashedError(`the page ${page.url()} crashed (renderer process died)`)));
    page.on('response', (response) => {
      if (this.sessionLost === undefined && response.headers()[SESSION_LOST_HEADER] === 'lost') this.sessionLost = `the site at ${response.url().split('?')[0]} no longer holds this episode's session (its server restarted)`;
    });
    // A page of the task's own sites that cannot be reached at all (its server is down or
    // restarting): the episode cannot be judged fairly, so it ends as a retryable fault. Only
    // the top document of the task's origins counts (not a dead link elsewhere, not a resource).
    page.on('requestfailed', (request) => {
      const allowed = this.origins.allowed;
      if (this.sessionLost !== undefined || !allowed || !request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
      const failure = request.failure()?.errorText ?? '';
      if (!SITE_DOWN_RE.test(failure)) return;
      let origin: string;
      try {
        origin = new URL(request.url()).origin;
      } catch {
        return;
      }
      if (allowed.has(origin)) this.sessionLost = `the site at ${origin} could not be reached (${failure}): its server is down or restarting`;
    });
  }

  #onDialog(dialog: Dialog): void {
    const type = dialog.type();
    const accept = type === 'beforeunload' || this.options.dialogs === 'accept';
    const answer = accept ? dialog.accept() : dialog.dismiss();
    answer.catch(() => {});
    if (type !== 'beforeunload') this.notices.push(`${type} dialog ${JSON.stringify(dialog.message())} was ${accept ? 'accepted' : 'dismissed'}`);
  }

  #onDownload(download: Download): void {
    this.notices.push(`download of ${JSON.stringify(download.suggestedFilename())} was blocked; files are not saved in this environment`);
    download.cancel().catch(() => {});
  }
}
