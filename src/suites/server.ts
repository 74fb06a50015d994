// Starts the five bundled sites on 127.0.0.1, by default in a child process of their own, so
// that model computation on the main thread never stalls a page load.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebAgentError } from '../errors.js';
import { bool, defineOptions, integer, obj, port, timeoutMs } from '../options.js';
import { CONTROL_KEY_ENV, CONTROL_KEY_HEADER, serveSites } from './framework/serve.js';
import { SITE_NAMES, type SiteName, type SiteUrls } from './framework/site.js';
import { BUNDLED_SITES } from './sites.js';
import { bundledVerdict } from './verdict.js';
import { createWorld, type World } from './world.js';

/** The suite server could not start (or its process died). */
export class SuiteServerError extends WebAgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SUITE_SERVER', message, options);
  }
}

export interface SuiteServerOptions {
  /** Seed of the generated data (default 1): the same seed gives the same sites. */
  readonly seed?: number;
  /** Serve in this process instead of a child process (default false; for debugging). */
  readonly inProcess?: boolean;
  /** Fixed ports per site (default: free ports). */
  readonly ports?: Partial<Record<SiteName, number>>;
  /** How long the child process may take to start (default 20 s). */
  readonly startTimeoutMs?: number;
}

/** The schema of SuiteServerOptions: checked by `startSuiteServer` before anything starts. */
export const suiteServerOptions = defineOptions<SuiteServerOptions>()('startSuiteServer', obj({
  seed: integer('an integer').optional(),
  inProcess: bool().optional(),
  ports: obj({
    shop: port().optional(),
    admin: port().optional(),
    forum: port().optional(),
    code: port().optional(),
    map: port().optional(),
  }, `an object of ports by site (${SITE_NAMES.join(', ')})`).optional(),
  startTimeoutMs: timeoutMs().optional(),
}));

/** Server-side timings of one site (milliseconds). */
export interface SiteMetricsReport {
  readonly site: string;
  /** Handler time of each request, by `METHOD /route/:pattern`. */
  readonly routes: Record<string, number[]>;
  /** Time to make a fresh session state (the cost of a reset). */
  readonly resets: number[];
  readonly sessions: number;
}

export interface SuiteServer extends AsyncDisposable {
  readonly seed: number;
  /** Base URL of each site, like `http://127.0.0.1:41234`. */
  readonly urls: SiteUrls;
  /**
   * Key of the sites' internal endpoints (`/__webagent/state`, `setup`, `check`, `metrics`): sent
   * by checkers and setup code as the `x-webagent-key` header, never shown to the agent's
   * browser. Random per server.
   */
  readonly controlKey: string;
  /** The same seeded world the server serves (for building tasks and checking them). */
  readonly world: World;
  /**
   * Process id of the server process (this process when `inProcess`). A server process that
   * dies is restarted on the same ports with the same control key (unless it crashes more than
   * 5 times a minute); `pid` then names the new one. Episodes in flight lose their session: the
   * sites answer their requests with 410, and their checks fail with a retryable
   * SiteUnavailableError, so a rollout re-runs them instead of scoring them.
   */
  readonly pid: number;
  /** How many times the server process was restarted after dying. */
  readonly restarts: number;
  /** Server-side timings of a site; `clear` resets them after reading. */
  metrics(site: SiteName, options?: { readonly clear?: boolean }): Promise<SiteMetricsReport>;
  /** Stops the server. Safe to call twice. */
  close(): Promise<void>;
}

function validate(options: SuiteServerOptions): void {
  suiteServerOptions.check(options);
}

/**
 * Starts the shop, admin, forum, code and map sites on 127.0.0.1. Every browser context gets
 * its own fresh site state on its first request (a `wa_sid` cookie), shared by the five sites.
 */
export async function startSuiteServer(options: SuiteServerOptions = {}): Promise<SuiteServer> {
  validate(options);
  const seed = options.seed ?? 1;
  const world = createWorld(seed);
  let urls: SiteUrls;
  let controlKey: string;
  let stop: () => Promise<void>;
  let pid = process.pid;
  let restarts = 0;
  if (options.inProcess) {
    const served = await serveSites({ world, sites: BUNDLED_SITES, verdict: bundledVerdict(world, () => urls), ...(options.ports ? { ports: options.ports as Record<string, number> } : {}) });
    urls = served.urls as SiteUrls;
    controlKey = served.controlKey;
    stop = served.close;
  } else {
    const timeout = options.startTimeoutMs ?? 20_000;
    let current = await startServerProcess(seed, options.ports ?? {}, undefined, timeout);
    ({ urls, controlKey } = current);
    // The ports the sites got: a restarted process takes the same ones (and the same control
    // key), so task URLs and checkers built before a crash keep working.
    const ports = Object.fromEntries(Object.entries(urls).map(([site, url]) => [site, Number(new URL(url).port)]));
    pid = current.child.pid ?? -1;
    let closing = false;
    const crashes: number[] = [];
    const supervise = (running: ServerProcess): void => {
      void running.exited.then(async () => {
        if (closing) return;
        // Restarted unless it keeps crashing (more than 5 times a minute).
        const now = Date.now();
        crashes.push(now);
        while (crashes.length > 0 && crashes[0]! < now - 60_000) crashes.shift();
        if (crashes.length > 5) {
          process.stderr.write(`webagent-r1: the suite server process crashed ${crashes.length} times within a minute; not restarting it\n`);
          return;
        }
        try {
          const next = await startServerProcess(seed, ports, controlKey, timeout);
          if (closing) {
            await next.stop();
            return;
          }
          current = next;
          pid = next.child.pid ?? -1;
          restarts++;
          supervise(next);
        } catch (error) {
          process.stderr.write(`webagent-r1: could not restart the suite server process: ${error instanceof Error ? error.message : String(error)}\n`);
        }
      });
    };
    supervise(current);
    stop = async () => {
      closing = true;
      await current.stop();
    };
  }
  let closed: Promise<void> | undefined;
  const server: SuiteServer = {
    seed,
    urls,
    controlKey,
    world,
    get pid() {
      return pid;
    },
    get restarts() {
      return restarts;
    },
    async metrics(site, o = {}) {
      const res = await fetch(`${urls[site]}/__webagent/metrics${o.clear ? '?clear=1' : ''}`, { headers: { [CONTROL_KEY_HEADER]: controlKey } });
      if (!res.ok) throw new SuiteServerError(`metrics of ${site}: HTTP ${res.status}`);
      return (await res.json()) as SiteMetricsReport;
    },
    close() {
      closed ??= stop();
      return closed;
    },
    [Symbol.asyncDispose]() {
      return server.close();
    },
  };
  return server;
}

interface ServerProcess {
  readonly child: ChildProcess;
  readonly urls: SiteUrls;
  readonly controlKey: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** Asks the process to close, kills it after 3 s, resolves when it has exited. */
  stop(): Promise<void>;
}

/**
 * Forks the server process for `seed` on `ports` (free ones where missing) and waits for its
 * ready message. The control key, when given, goes through the environment of the child (readable
 * only by this user), never its command line.
 */
async function startServerProcess(seed: number, ports: Partial<Record<SiteName, number>>, controlKey: string | undefined, timeout: number): Promise<ServerProcess> {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const entry = fileURLToPath(new URL(`./server-process${ext}`, import.meta.url));
  const env = controlKey === undefined ? process.env : { ...process.env, [CONTROL_KEY_ENV]: controlKey };
  const child: ChildProcess = fork(entry, [String(seed), JSON.stringify(ports)], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], env });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    process.stderr.write(d);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const ready = await new Promise<{ urls: SiteUrls; controlKey: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new SuiteServerError(`the suite server did not start within ${timeout} ms${stderr ? `:\n${stderr}` : ''}`));
    }, timeout);
    child.once('message', (m: { type?: string; urls?: SiteUrls; controlKey?: string }) => {
      clearTimeout(timer);
      if (m.type === 'ready' && m.urls && m.controlKey) resolve({ urls: m.urls, controlKey: m.controlKey });
      else reject(new SuiteServerError(`unexpected first message from the suite server: ${JSON.stringify(m)}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new SuiteServerError(`the suite server process exited (${signal ?? `code ${code}`}) before it was ready${stderr ? `:\n${stderr}` : ''}`));
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new SuiteServerError(`could not start the suite server process: ${e.message}`, { cause: e }));
    });
  });
  // The server process must not keep the user's process alive on its own.
  child.unref();
  child.channel?.unref();
  return {
    child,
    ...ready,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.send?.({ type: 'close' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
