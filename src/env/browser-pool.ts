// Owns the browsers that episodes run in: local Chromium processes launched with CHROMIUM_FLAGS,
// or remote browsers (a fleet) reached through Playwright's browser-server
// protocol or CDP, spread round-robin. Hands out one BrowserContext per episode, notices when a
// browser dies, relaunches it, and fails the episodes that were on it with a typed error.

import { setMaxListeners } from 'node:events';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import { BrowserCrashedError, BrowserLaunchError, EnvironmentStateError } from '../errors.js';
import { arrayOf, bool, defineOptions, obj, oneOf, positiveInt, str, timeoutMs } from '../options.js';
import { CHROMIUM_FLAGS, chromiumInstallHint, findChromium } from './chromium.js';
import { OriginProxy } from './origin-proxy.js';

export interface BrowserPoolOptions {
  /** Chromium/Chrome executable; default: `findChromium()` (CHROMIUM_PATH, system paths). */
  readonly executablePath?: string;
  /** Run headless (default true). */
  readonly headless?: boolean;
  /** Extra Chromium flags, appended to `CHROMIUM_FLAGS`. */
  readonly args?: readonly string[];
  /** Number of local browser processes to spread contexts over (default 1). */
  readonly size?: number;
  /**
   * Remote browsers instead of local ones: `ws://` endpoints of `browserType.launchServer()`
   * (protocol `playwright`, default) or CDP endpoints (`http://host:9222`, protocol `cdp`).
   * Contexts are spread over them round-robin, least-loaded first.
   */
  readonly endpoints?: readonly string[];
  readonly protocol?: 'playwright' | 'cdp';
  /** Time allowed to launch or connect, in ms (default 30,000). */
  readonly launchTimeout?: number;
  /** Time allowed to close a context before it is abandoned, in ms (default 5,000). */
  readonly closeTimeout?: number;
}

type PoolDefaults = Required<Pick<BrowserPoolOptions, 'headless' | 'size' | 'protocol' | 'launchTimeout' | 'closeTimeout'>>;

export const BROWSER_POOL_DEFAULTS: Readonly<PoolDefaults> = Object.freeze({
  headless: true,
  size: 1,
  protocol: 'playwright',
  launchTimeout: 30_000,
  closeTimeout: 5_000,
});

/**
 * The abort controller of one browser: every episode on that browser listens to it (plus one
 * listener per guarded action), so many concurrent episodes legitimately exceed Node's default
 * 10-listener warning threshold; the listeners are removed when each action settles.
 */
function crashController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/** A browser context lent to one episode. `signal` aborts if the browser dies under it. */
export interface ContextLease {
  readonly context: BrowserContext;
  readonly browser: Browser;
  /** Aborted with a `BrowserCrashedError` when the browser crashes or disconnects. */
  readonly signal: AbortSignal;
  /**
   * True when the context was opened with `onlyOrigins` applied at the network level: Chromium
   * sends every request outside those origins to a proxy that refuses it.
   */
  readonly networkGuard: boolean;
  /** Closes the context (bounded by `closeTimeout`) and returns the slot. Idempotent. */
  release(): Promise<void>;
}

/** What `newContext` does beyond Playwright's context options. */
export interface NewContextOptions {
  /**
   * Refuse all traffic to origins outside this set (http(s) origins like
   * `http://127.0.0.1:8080`), at the network level: applied on local browsers when the context
   * options set no proxy of their own, and reported by `ContextLease.networkGuard`. A remote
   * browser cannot reach the refusing proxy on this machine, so there it is not applied.
   */
  readonly onlyOrigins?: Iterable<string>;
}

export interface BrowserPoolStats {
  readonly launches: number;
  readonly crashes: number;
  readonly openContexts: number;
}

interface Slot {
  readonly endpoint: string | undefined;
  browser: Browser | undefined;
  launching: Promise<Browser> | undefined;
  contexts: number;
  /** Aborted when the current browser of this slot goes away. */
  crash: AbortController;
}

/** The schema of BrowserPoolOptions: checked by the constructor, before any browser starts. */
export const browserPoolOptions = defineOptions<BrowserPoolOptions>()('BrowserPool', obj({
  executablePath: str('a non-empty path to a Chromium or Chrome executable', { nonEmpty: true }).optional(),
  headless: bool().optional(),
  args: arrayOf(str('a string (a Chromium flag)'), 'an array of Chromium flags (strings)').optional(),
  size: positiveInt('a positive integer (browser processes)').optional(),
  endpoints: arrayOf(
    str('a ws://, wss://, http:// or https:// URL').regex(/^(wss?|https?):\/\//, { error: 'a ws://, wss://, http:// or https:// URL' }),
    'a non-empty array of endpoint URLs (omit it to launch locally)',
    { nonEmpty: true },
  ).optional(),
  protocol: oneOf(['playwright', 'cdp']).optional(),
  launchTimeout: timeoutMs().optional(),
  closeTimeout: timeoutMs().optional(),
}));

export class BrowserPool implements AsyncDisposable {
  readonly options: Readonly<BrowserPoolOptions & PoolDefaults>;
  readonly #slots: Slot[];
  #next = 0;
  #closed = false;
  #launches = 0;
  #crashes = 0;
  readonly #leases = new Set<ContextLease>();
  #executable: string | undefined;

  constructor(options: BrowserPoolOptions = {}) {
    browserPoolOptions.check(options);
    this.options = Object.freeze({ ...BROWSER_POOL_DEFAULTS, ...options });
    const endpoints = options.endpoints ?? Array.from({ length: this.options.size }, () => undefined);
    this.#slots = endpoints.map((endpoint) => ({ endpoint, browser: undefined, launching: undefined, contexts: 0, crash: crashController() }));
  }

  get stats(): BrowserPoolStats {
    return { launches: this.#launches, crashes: this.#crashes, openContexts: this.#leases.size };
  }

  /** Launches (or connects) every browser now instead of on first use. */
  async warmUp(): Promise<void> {
    await Promise.all(this.#slots.map((s) => this.#browserOf(s)));
  }

  /** Opens a fresh BrowserContext on the least-loaded browser (round-robin among equals). */
  async newContext(contextOptions: BrowserContextOptions = {}, options: NewContextOptions = {}): Promise<ContextLease> {
    if (this.#closed) throw new EnvironmentStateError('BrowserPool is closed');
    const slot = this.#pick();
    slot.contexts += 1;
    try {
      const browser = await this.#browserOf(slot);
      const signal = slot.crash.signal;
      const networkGuard = options.onlyOrigins !== undefined && slot.endpoint === undefined && contextOptions.proxy === undefined;
      const guard = networkGuard ? await OriginProxy.start(options.onlyOrigins!) : undefined;
      let context: BrowserContext;
      try {
        context = await browser.newContext({ ...contextOptions, ...(guard ? { proxy: guard.playwrightProxy } : {}) });
      } catch (error) {
        await guard?.close();
        throw error;
      }
      let released = false;
      const lease: ContextLease = {
        context,
        browser,
        signal,
        networkGuard,
        release: async () => {
          if (released) return;
          released = true;
          this.#leases.delete(lease);
          slot.contexts -= 1;
          if (!signal.aborted) await withTimeout(context.close(), this.options.closeTimeout).catch(() => {}); // else the browser took it
          await guard?.close();
        },
      };
      this.#leases.add(lease);
      return lease;
    } catch (error) {
      slot.contexts -= 1;
      if (slot.crash.signal.aborted) throw new BrowserCrashedError('the browser crashed while a context was being opened', { cause: error });
      throw error;
    }
  }

  #pick(): Slot {
    const n = this.#slots.length;
    let best: Slot | undefined;
    for (let i = 0; i < n; i++) {
      const s = this.#slots[(this.#next + i) % n]!;
      if (!best || s.contexts < best.contexts) best = s;
    }
    this.#next = (this.#next + 1) % n;
    return best!;
  }

  #browserOf(slot: Slot): Promise<Browser> {
    if (slot.browser?.isConnected()) return Promise.resolve(slot.browser);
    if (slot.launching) return slot.launching;
    const launching = this.#start(slot).finally(() => {
      slot.launching = undefined;
    });
    slot.launching = launching;
    return launching;
  }

  async #start(slot: Slot): Promise<Browser> {
    const timeout = this.options.launchTimeout;
    let browser: Browser;
    try {
      if (slot.endpoint !== undefined) {
        browser = this.options.protocol === 'cdp'
          ? await chromium.connectOverCDP(slot.endpoint, { timeout })
          : await chromium.connect(slot.endpoint, { timeout });
      } else {
        this.#executable ??= findChromium(this.options.executablePath !== undefined ? { executablePath: this.options.executablePath } : {});
        if (this.#executable === undefined) throw new BrowserLaunchError(chromiumInstallHint());
        browser = await chromium.launch({
          executablePath: this.#executable,
          headless: this.options.headless,
          args: [...CHROMIUM_FLAGS, ...(this.options.args ?? [])],
          timeout,
        });
      }
    } catch (error) {
      if (error instanceof BrowserLaunchError) throw error;
      const where = slot.endpoint !== undefined ? `connect to ${slot.endpoint}` : `launch ${this.#executable ?? 'Chromium'}`;
      throw new BrowserLaunchError(`could not ${where}: ${(error as Error).message}`, { cause: error });
    }
    this.#launches += 1;
    if (this.#closed) {
      await browser.close().catch(() => {});
      throw new EnvironmentStateError('BrowserPool was closed while a browser was starting');
    }
    slot.browser = browser;
    slot.crash = crashController();
    const crash = slot.crash;
    browser.on('disconnected', () => {
      if (slot.browser === browser) slot.browser = undefined;
      if (this.#closed) return;
      this.#crashes += 1;
      crash.abort(new BrowserCrashedError(`the browser${slot.endpoint ? ` at ${slot.endpoint}` : ''} crashed or disconnected; it will be relaunched for the next episode`));
    });
    return browser;
  }

  /** Closes every context and browser (remote browsers are disconnected, not killed). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#leases].map((l) => l.release()));
    await Promise.all(
      this.#slots.map(async (s) => {
        const b = s.browser ?? (await s.launching?.catch(() => undefined));
        s.browser = undefined;
        if (b) await withTimeout(b.close(), this.options.closeTimeout).catch(() => {});
      }),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Resolves like `promise`, or rejects after `ms` (the promise keeps running). */
export function withTimeout<T>(promise: Promise<T>, ms: number, message = `timed out after ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
