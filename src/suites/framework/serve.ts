// Serves sites over node:http on 127.0.0.1 with per-session state. Every browser context gets a
// `wa_sid` cookie on its first request (cookies ignore ports, so one session spans all sites of
// a server); each site's state for that session is made on first use from the seeded world, so
// a new episode in a new context starts from a fresh state and a reset costs one state copy.
//
// Internal endpoints on every site (under /__webagent/), all but `health` answered only to a
// request carrying the server's control key (header `x-webagent-key`, or `?key=` for a page a
// checker navigates to), which only checkers and setup code hold: the agent's browser can reach
// these URLs (they are on the task's own origin), so without the key it would read the answer.
//   GET  state    the session's state of this site, as JSON (what checkers read)
//   POST setup    applies a task's setup arguments (JSON body) to the session's state
//   GET  check    ?task=<id>: the task's verdict on the session's state (a page, for WebArena configs)
//   GET  metrics  server-side milliseconds per route and per state creation (?clear=1 resets)
//   GET  health   { ok: true } (no key needed: it tells nothing)

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESSION_LOST_HEADER } from '../../env/types.js';
import { esc } from './html.js';
import { compileRoute, type CompiledRoute, type RouteResult, type SiteDefinition, type SiteUrls } from './site.js';

const COOKIE = 'wa_sid';
/** Environment variable through which a restarted server process gets its predecessor's control key. */
export const CONTROL_KEY_ENV = 'WEBAGENT_SUITE_CONTROL_KEY';
/** Header that carries the control key of the internal endpoints. */
export const CONTROL_KEY_HEADER = 'x-webagent-key';

/** A fresh random control key (24 bytes, base64url). */
export function newControlKey(): string {
  return randomBytes(24).toString('base64url');
}

/** Whether the request carries `key` (header or `?key=`), compared in constant time. */
function hasKey(req: IncomingMessage, url: URL, key: string): boolean {
  const given = req.headers[CONTROL_KEY_HEADER];
  const candidate = (Array.isArray(given) ? given[0] : given) ?? url.searchParams.get('key') ?? '';
  const a = Buffer.from(candidate);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}
const MAX_SESSIONS = 4_000;
const MAX_SAMPLES = 20_000;
const MAX_BODY = 256 * 1024;

interface Session {
  readonly states: Map<string, unknown>;
}

/** Sessions shared by all sites of one server, least-recently-used evicted past MAX_SESSIONS. */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();

  get(sid: string | undefined): Session | undefined {
    if (sid === undefined) return undefined;
    const s = this.#sessions.get(sid);
    if (s) {
      this.#sessions.delete(sid);
      this.#sessions.set(sid, s);
    }
    return s;
  }

  create(): { sid: string; session: Session } {
    const sid = randomBytes(12).toString('base64url');
    const session = { states: new Map<string, unknown>() };
    this.#sessions.set(sid, session);
    while (this.#sessions.size > MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
    return { sid, session };
  }

  get size(): number {
    return this.#sessions.size;
  }
}

/** Timing samples of one site (server-side milliseconds). */
export class SiteMetrics {
  routes: Record<string, number[]> = {};
  resets: number[] = [];
  add(key: string, ms: number): void {
    const list = (this.routes[key] ??= []);
    if (list.length < MAX_SAMPLES) list.push(ms);
  }
  addReset(ms: number): void {
    if (this.resets.length < MAX_SAMPLES) this.resets.push(ms);
  }
  clear(): void {
    this.routes = {};
    this.resets = [];
  }
}

function cookieSid(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === COOKIE) return part.slice(i + 1).trim();
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new RangeError(`request body over ${MAX_BODY} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, result: RouteResult, headers: Record<string, string>): void {
  const base = { 'cache-control': 'no-store', ...headers };
  if ('redirect' in result) {
    res.writeHead(303, { ...base, location: result.redirect });
    res.end();
  } else if ('html' in result) {
    res.writeHead(result.status ?? 200, { ...base, 'content-type': 'text/html; charset=utf-8' });
    res.end(result.html);
  } else if ('json' in result) {
    res.writeHead(result.status ?? 200, { ...base, 'content-type': 'application/json' });
    res.end(JSON.stringify(result.json));
  } else {
    res.writeHead(result.status ?? 200, { ...base, 'content-type': result.contentType ?? 'text/plain; charset=utf-8' });
    res.end(result.text);
  }
}

/** Applies a `POST /__webagent/setup` body to the session's state; bad input is a 400 naming the problem. */
function applySetup<World>(def: SiteDefinition<World, unknown>, world: World, body: string, state: () => unknown): RouteResult {
  if (!def.setup) return { json: { error: `site ${def.name} has no setup` }, status: 400 };
  let args: unknown;
  try {
    args = JSON.parse(body || '{}');
  } catch (e) {
    return { json: { error: `setup body is not JSON: ${(e as Error).message}` }, status: 400 };
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return { json: { error: 'setup body must be a JSON object' }, status: 400 };
  try {
    def.setup(state(), world, args as Record<string, unknown>);
  } catch (e) {
    return { json: { error: `setup of ${def.name} failed: ${e instanceof Error ? e.message : String(e)}` }, status: 400 };
  }
  return { json: { ok: true } };
}

export interface ServedSite {
  readonly name: string;
  readonly server: Server;
  readonly metrics: SiteMetrics;
  port: number;
}

/**
 * Starts one HTTP server per site on 127.0.0.1 (free ports unless `ports` gives them) sharing
 * `store`. Returns the servers and their base URLs.
 */
export async function serveSites<World>(options: {
  readonly world: World;
  readonly sites: ReadonlyArray<SiteDefinition<World, never>>;
  readonly store?: SessionStore;
  readonly ports?: Readonly<Record<string, number>>;
  readonly host?: string;
  /**
   * Scores a task on the session's state of a site, for `GET /__webagent/check?task=<id>`: a
   * page whose `#verdict` reads `pass` or `fail` (and `#reason` why), so a checker outside this
   * process (a WebArena `program_html` check) can read the same verdict the task's checker gives.
   */
  readonly verdict?: (site: string, taskId: string, state: unknown) => Promise<{ readonly score: number; readonly reason: string }>;
  /** Key the internal endpoints require (default: a fresh random one, returned as `controlKey`). */
  readonly controlKey?: string;
}): Promise<{ sites: ServedSite[]; urls: Record<string, string>; controlKey: string; close: () => Promise<void> }> {
  const { world } = options;
  const controlKey = options.controlKey ?? newControlKey();
  if (controlKey.length < 16) throw new RangeError('serveSites: controlKey must be at least 16 characters');
  const host = options.host ?? '127.0.0.1';
  const store = options.store ?? new SessionStore();
  const urls: Record<string, string> = {};
  const served: ServedSite[] = [];
  for (const def0 of options.sites) {
    const def = def0 as unknown as SiteDefinition<World, unknown>;
    const compiled: Array<CompiledRoute<World, unknown>> = def.routes.map(compileRoute);
    const metrics = new SiteMetrics();
    const stateKey = def.stateKey ?? def.name;
    const stateOf = (session: Session): unknown => {
      let s = session.states.get(stateKey);
      if (s === undefined) {
        const owner = (options.sites as unknown as ReadonlyArray<SiteDefinition<World, unknown>>).find((d) => d.name === stateKey) ?? def;
        const t0 = performance.now();
        s = owner.createState(world);
        metrics.addReset(performance.now() - t0);
        session.states.set(stateKey, s);
      }
      return s;
    };
    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const t0 = performance.now();
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? host}`);
      const method = req.method ?? 'GET';
      const headers: Record<string, string> = {};
      let sid = cookieSid(req);
      let session = store.get(sid);
      const internal = url.pathname.startsWith('/__webagent/') ? url.pathname.slice('/__webagent/'.length) : undefined;
      // A session cookie this server does not know: the server restarted (or evicted the
      // session) in the middle of an episode, so the state the episode built is gone. Answered
      // 410, never with a fresh state: an episode that went on with one would be scored on a
      // state it did not make. A new browser context (a new episode) starts a new session.
      if (!session && sid !== undefined && internal !== 'metrics' && internal !== 'health' && (internal === undefined || hasKey(req, url, controlKey))) {
        const gone = 'this session no longer exists on the server (the suite server restarted or dropped it); start a new episode in a new browser context';
        send(res, internal !== undefined ? { json: { error: `session lost: ${gone}` }, status: 410 } : { html: `<!doctype html><title>Session lost</title><h1>Session lost</h1><p>${esc(gone)}.</p>`, status: 410 }, { ...headers, [SESSION_LOST_HEADER]: 'lost' });
        return;
      }
      // Metrics and health checks are not episodes: they never open a session.
      if (!session && internal !== 'metrics' && internal !== 'health') {
        ({ sid, session } = store.create());
        headers['set-cookie'] = `${COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Lax`;
      }
      let key = `${method} (internal)`;
      let result: RouteResult;
      if (internal !== undefined) {
        const what = internal;
        if (what !== 'health' && !hasKey(req, url, controlKey)) {
          // Nothing about the endpoint, the task or the state: only that the key is missing.
          send(res, { json: { error: 'forbidden: this endpoint needs the suite server\'s control key' }, status: 403 }, headers);
          return;
        }
        if (what === 'state' && method === 'GET') result = { json: stateOf(session!) };
        else if (what === 'setup' && method === 'POST') result = applySetup(def, world, await readBody(req), () => stateOf(session!));
        else if (what === 'metrics' && method === 'GET') {
          result = { json: { site: def.name, routes: metrics.routes, resets: metrics.resets, sessions: store.size } };
          if (url.searchParams.get('clear') === '1') metrics.clear();
        } else if (what === 'health') result = { json: { ok: true, site: def.name } };
        else if (what === 'check' && method === 'GET' && options.verdict) {
          const id = url.searchParams.get('task') ?? '';
          const v = await options.verdict(def.name, id, stateOf(session!)).catch((e: unknown) => ({ score: 0, reason: `cannot check task ${id}: ${e instanceof Error ? e.message : String(e)}` }));
          result = { html: `<!doctype html><title>Check of ${esc(id)}</title><p id="verdict">${v.score > 0 ? 'pass' : 'fail'}</p><p id="reason">${esc(v.reason)}</p>` };
        }
        else result = { json: { error: `unknown endpoint ${url.pathname}` }, status: 404 };
        send(res, result, headers);
        return;
      }
      let params: Record<string, string> | undefined;
      const hit = compiled.find((c) => c.route.method === method && (params = c.match(url.pathname)) !== undefined);
      const form = method === 'POST' ? new URLSearchParams(await readBody(req)) : new URLSearchParams();
      const ctx = { req, method, url, params: params ?? {}, query: url.searchParams, form, world, urls: urls as SiteUrls, get state() {
        return stateOf(session!);
      } };
      if (hit) {
        key = `${method} ${hit.route.path}`;
        result = await hit.route.handle(ctx);
      } else {
        result = def.notFound ? def.notFound(ctx) : { html: `<!doctype html><title>Not found</title><h1>Page not found</h1><p>No page at ${url.pathname.replace(/[<>&"]/g, '')}.</p><p><a href="/">Home</a></p>`, status: 404 };
      }
      send(res, result, headers);
      metrics.add(key, performance.now() - t0);
    };
    const server = createServer((req, res) => {
      handle(req, res).catch((e: unknown) => {
        const msg = e instanceof Error ? e.message : String(e);
        if (!res.headersSent) res.writeHead(msg.includes('body over') ? 413 : 500, { 'content-type': 'text/plain' });
        res.end(`error: ${msg}`);
      });
    });
    server.keepAliveTimeout = 60_000;
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.ports?.[def.name] ?? 0, host, () => resolve((server.address() as AddressInfo).port));
    });
    urls[def.name] = `http://${host}:${port}`;
    served.push({ name: def.name, server, metrics, port });
  }
  return {
    sites: served,
    urls,
    controlKey,
    close: () =>
      Promise.all(
        served.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.server.closeAllConnections();
              s.server.close(() => resolve());
            }),
        ),
      ).then(() => undefined),
  };
}
