// The origin guards: an episode's pages may visit the task's origins only. The agent's goto is
// checked before it is made. Pages are guarded by the network guard when the context has one
// (BrowserPool's OriginProxy refuses every request to another origin; this only reports the
// refused navigations) or else by the navigation guard: documents are intercepted through a
// DevTools Fetch pattern on each page's own session, so images, scripts and XHRs never pause
// (Playwright's `route` would pause every request).

import type { CDPSession, Frame, Page, Request } from 'playwright-core';
import { ActionFailure } from './faults.js';

/** Where a guard reports what it refused. */
export interface RefusalReports {
  /** A document of `page`'s main frame was refused. */
  blocked(page: Page, url: string): void;
  /** Something the agent is told with the next observation. */
  notice(message: string): void;
  /** A new tab's first navigation was refused, before the tab had a frame (network guard). */
  tabRefused(url: string): void;
}

export class OriginGuard {
  /**
   * @param allowed the task's origins (null: any)
   * @param network whether the context's traffic already goes through the network guard
   * @param cdp the DevTools session of a page, for the navigation guard
   */
  constructor(
    readonly allowed: ReadonlySet<string> | null,
    readonly network: boolean,
    private readonly reports: RefusalReports,
    private readonly cdp: (page: Page) => Promise<CDPSession>,
  ) {}

  /** Whether the guard lets a page go to `url` (anything that is not http(s) is not its to police). */
  allows(url: string): boolean {
    if (!this.allowed || !/^https?:/.test(url)) return true;
    try {
      return this.allowed.has(new URL(url).origin);
    } catch {
      return false;
    }
  }

  blockedMessage(url: string): string {
    return `navigation to ${url} was blocked: this task may only visit ${[...(this.allowed ?? [])].join(', ')}`;
  }

  /** Checks the URL of the agent's goto: absolute, http(s), and of an allowed origin; else an ActionFailure. */
  checkGoto(raw: string): void {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ActionFailure(`goto needs an absolute URL like http://host/path, got ${JSON.stringify(raw)}`);
    }
    if (url.protocol === 'file:') throw new ActionFailure('file: URLs are refused');
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ActionFailure(`${url.protocol} URLs are refused; only http(s) pages can be visited`);
    if (this.allowed && !this.allowed.has(url.origin)) throw new ActionFailure(this.blockedMessage(raw));
  }

  /**
   * The navigation guard on `page`: refuses its documents (main frame and frames) from other
   * origins. Nothing to do without limits or with the network guard (see `reportRequest`).
   */
  async guardPage(page: Page): Promise<void> {
    const allowed = this.allowed;
    if (!allowed) return;
    if (this.network) return;
    const session = await this.cdp(page);
    const tree = await session.send('Page.getFrameTree');
    const mainFrameId = tree.frameTree.frame.id;
    session.on('Fetch.requestPaused', (event) => {
      const url = event.request.url;
      let origin = '';
      try {
        origin = new URL(url).origin;
      } catch {
        // not a URL with an origin (data:, about:): not ours to police
      }
      const isHttp = url.startsWith('http:') || url.startsWith('https:');
      if (isHttp && !allowed.has(origin)) {
        if (event.frameId === mainFrameId) this.reports.blocked(page, url);
        else this.reports.notice(frameBlocked(url));
        // ERR_ABORTED, unlike other errors, does not replace the page with Chromium's error page.
        session.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'Aborted' }).catch(() => {});
        return;
      }
      session.send('Fetch.continueRequest', { requestId: event.requestId }).catch(() => {});
    });
    await session.send('Fetch.enable', { patterns: [{ urlPattern: '*', resourceType: 'Document', requestStage: 'Request' }] });
  }

  /**
   * The network guard's reports: the proxy refuses navigations to other origins (see
   * OriginProxy), and this tells the agent. Given every request of the context: a new tab's
   * first request comes before its frame exists, so it is not a request of any page yet.
   */
  reportRequest(request: Request): void {
    if (!request.isNavigationRequest() || this.allows(request.url())) return;
    const url = request.url();
    let frame: Frame | undefined;
    try {
      frame = request.frame();
    } catch {
      // (Chromium then never shows the tab, or shows its error page for HTTPS.)
      this.reports.tabRefused(url);
      return;
    }
    const page = frame.page();
    if (frame === page.mainFrame()) this.reports.blocked(page, url);
    else this.reports.notice(frameBlocked(url));
  }
}

function frameBlocked(url: string): string {
  return `a frame's navigation to ${url} was blocked (origin not allowed)`;
}
