// The contract between a bundled site and the suite server: a site is a list of routes over the
// shared, seeded `World` (read-only) and the episode's own mutable state (a plain JSON object
// made fresh for every session). The server owns sessions, timing and the state endpoints.

import type { IncomingMessage } from 'node:http';

/** The five bundled sites. */
export const SITE_NAMES = ['shop', 'admin', 'forum', 'code', 'map'] as const;
export type SiteName = (typeof SITE_NAMES)[number];

/** Base URL of every bundled site (`http://127.0.0.1:PORT`, no trailing slash). */
export type SiteUrls = Readonly<Record<SiteName, string>>;

/** The parsed request a route handler gets. */
export interface RequestContext<World, State> {
  readonly req: IncomingMessage;
  readonly method: string;
  readonly url: URL;
  /** Path parameters (`/product/:slug` -> `{slug}`), URL-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Form fields of a POST (`application/x-www-form-urlencoded`); empty otherwise. */
  readonly form: URLSearchParams;
  /** The seeded data of all sites: read-only, shared by every session. */
  readonly world: World;
  /** This session's mutable state of the site (made on first use). Mutate it in place. */
  readonly state: State;
  /** Base URLs of all sites, for links between them. */
  readonly urls: SiteUrls;
}

/** What a handler returns. */
export type RouteResult =
  | { readonly html: string; readonly status?: number }
  | { readonly redirect: string }
  | { readonly json: unknown; readonly status?: number }
  | { readonly text: string; readonly status?: number; readonly contentType?: string };

export interface Route<World, State> {
  readonly method: 'GET' | 'POST';
  /** `/`, `/product/:slug`, `/r/:owner/:repo/issues/:n` ... (`:name` matches one path segment). */
  readonly path: string;
  readonly handle: (ctx: RequestContext<World, State>) => RouteResult | Promise<RouteResult>;
}

/** A bundled (or user-defined) site. */
export interface SiteDefinition<World, State> {
  readonly name: string;
  /**
   * Which state this site's sessions use: its own name by default. The admin site uses the
   * shop's state (it is the shop's back office).
   */
  readonly stateKey?: string;
  /** A fresh state for a new session. Must be plain JSON data (no Maps, no class instances). */
  readonly createState: (world: World) => State;
  /** Applies a task's setup request (`POST /__webagent/setup`) to a fresh state. */
  readonly setup?: (state: State, world: World, args: Record<string, unknown>) => void;
  readonly routes: ReadonlyArray<Route<World, State>>;
  /** Page for unknown paths (default: a plain 404 page). */
  readonly notFound?: (ctx: RequestContext<World, State>) => RouteResult;
}

/** A compiled route matcher (hand-written: a segment matcher is all the routing these sites need). */
export interface CompiledRoute<World, State> {
  readonly route: Route<World, State>;
  readonly match: (path: string) => Record<string, string> | undefined;
}

export function compileRoute<World, State>(route: Route<World, State>): CompiledRoute<World, State> {
  const parts = route.path.split('/').filter(Boolean);
  return {
    route,
    match(path) {
      const segs = path.split('/').filter(Boolean);
      if (segs.length !== parts.length) return undefined;
      const params: Record<string, string> = {};
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!;
        if (p.startsWith(':')) {
          try {
            params[p.slice(1)] = decodeURIComponent(segs[i]!);
          } catch {
            return undefined;
          }
        } else if (p !== segs[i]) return undefined;
      }
      return params;
    },
  };
}
