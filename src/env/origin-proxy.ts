// The network half of the origin guard: an HTTP proxy on 127.0.0.1, one per browser context,
// that refuses every request outside the context's allowed origins. The allowed origins are also
// in the context's proxy bypass list, so Chromium sends their traffic directly and only the rest
// reaches this proxy. Measured here (bench:env), this costs nothing per step, where DevTools Fetch
// interception of documents cost 4-7% of a step's CPU: interception routes every load of the
// page through the DevTools interceptor.
// Requests to allowed origins do reach the proxy from Playwright's own HTTP client
// (`page.request`, `context.request`), which reads the bypass list by host name only: those are
// forwarded. Hand-written on node:http and node:net: proxy libraries on npm forward everything,
// and a filter in front of one would be most of this file.

import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * Refuses plain-HTTP requests outside the allowed origins with 204 No Content (a navigation
 * answered 204 does not navigate: the page stays as it was, with no error page) and tunnels
 * (HTTPS) with 403 (Chromium then shows its error page; the environment goes back from it).
 */
export class OriginProxy {
  readonly #server: Server;
  /** Client connections and tunnels' upstream connections, destroyed on close. */
  readonly #sockets: Set<Socket>;
  readonly url: string;
  /** Playwright's `proxy` context option for this proxy and its origins. */
  readonly playwrightProxy: { readonly server: string; readonly bypass: string };

  private constructor(server: Server, sockets: Set<Socket>, bypass: string) {
    this.#server = server;
    this.#sockets = sockets;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.playwrightProxy = Object.freeze({ server: this.url, bypass });
  }

  /** Starts a proxy that lets through `origins` (http(s) origins like `http://127.0.0.1:8080`) only. */
  static async start(origins: Iterable<string>): Promise<OriginProxy> {
    const allowed = new Set<string>();
    // CONNECT targets (`host:port`) that may be tunnelled, and where to.
    const tunnels = new Map<string, { host: string; port: number }>();
    // Ports are always written out, since a bypass rule without a port matches every port of the
    // host; `<-loopback>` undoes Chromium's implicit bypass of localhost, so that other local
    // ports are refused too.
    const bypass = ['<-loopback>'];
    for (const origin of origins) {
      const u = new URL(origin);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') continue;
      const port = u.port || (u.protocol === 'https:' ? '443' : '80');
      allowed.add(u.origin);
      tunnels.set(`${u.hostname}:${port}`, { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
      bypass.push(`${u.protocol}//${u.hostname}:${port}`);
    }
    const sockets = new Set<Socket>();
    const server = createServer((req, res) => {
      let target: URL | undefined;
      try {
        target = new URL(req.url ?? '');
      } catch {
        // not an absolute URL: not a proxy request
      }
      if (!target || target.protocol !== 'http:' || !allowed.has(target.origin)) {
        req.resume();
        res.writeHead(204, { connection: 'close' });
        res.end();
        return;
      }
      const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    server.on('connect', (req, socket: Socket, head: Buffer) => {
      socket.on('error', () => {});
      const tunnel = tunnels.get(req.url ?? '');
      if (!tunnel) {
        socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
        return;
      }
      const upstream = connect(tunnel.port, tunnel.host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    // Idle browser connections must not keep a finished process alive.
    server.unref();
    return new OriginProxy(server, sockets, bypass.join(','));
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
