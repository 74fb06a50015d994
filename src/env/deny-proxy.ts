// The network half of the origin guard: an HTTP proxy on 127.0.0.1 that refuses everything.
// A context is pointed at it with its task's allowed origins in the proxy bypass list, so
// Chromium itself sends allowed traffic directly and only the rest reaches this proxy. Measured
// here (bench:env), this costs nothing per step, where DevTools Fetch interception of documents
// cost 4-7% of a step's CPU: interception routes every load of the page through the DevTools
// interceptor. Hand-written: a dozen lines on node:http, no proxy library does "refuse all".

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Answers plain-HTTP requests with 204 No Content (a navigation answered 204 does not navigate:
 * the page stays as it was, with no error page) and refuses HTTPS tunnels with 403 (Chromium
 * then shows its error page; the environment goes back from it).
 */
export class DenyProxy {
  readonly #server: Server;
  readonly url: string;

  private constructor(server: Server) {
    this.#server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  static async start(): Promise<DenyProxy> {
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(204, { connection: 'close' });
      res.end();
    });
    server.on('connect', (_req, socket) => {
      socket.on('error', () => {});
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
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
    return new DenyProxy(server);
  }

  /**
   * Playwright `proxy` context option that sends every request outside `origins` (http(s)
   * origins like `http://127.0.0.1:8080`) to this proxy. Ports are always written out, since a
   * bypass rule without a port would match every port of the host; `<-loopback>` undoes
   * Chromium's implicit bypass of localhost, so other local ports are refused too.
   */
  proxyFor(origins: Iterable<string>): { server: string; bypass: string } {
    const rules = ['<-loopback>'];
    for (const origin of origins) {
      const u = new URL(origin);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') continue;
      rules.push(`${u.protocol}//${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`);
    }
    return { server: this.url, bypass: rules.join(',') };
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
