// Containment: an episode's browser reaches the task's origins and nothing else. A recorder on
// other ports (HTTP, WebSocket upgrades and UDP, on every interface) counts every attempt to
// leave; a hostile page on the task's origin tries every route on load (iframes, window.open,
// fetch, XHR, WebSocket, EventSource, images, scripts, beacons, a service worker, WebRTC STUN
// and TURN, meta refresh, redirects), and the agent tries the rest (links, forms, goto with
// file:, javascript:, data: and loopback aliases). The recorder must see nothing. Also: the
// project's servers bind 127.0.0.1 only, and downloads never reach the disk.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { BrowserPool } from '../../src/env/browser-pool.js';
import { OriginProxy } from '../../src/env/origin-proxy.js';
import type { Action } from '../../src/env/types.js';
import { WebEnvironment } from '../../src/env/web-environment.js';
import { startSuiteServer } from '../../src/suites/server.js';

describe('containment: nothing leaves the task origins', () => {
  let recorder: Server;
  let recorderPort = 0;
  let udp: dgram.Socket;
  let udpPort = 0;
  const hits: string[] = [];
  let site: Server;
  let origin = '';
  let pool: BrowserPool;

  before(async () => {
    // The recorder listens on every interface (IPv4 and IPv6), so any loopback alias reaches it.
    recorder = createServer((req: IncomingMessage, res) => {
      hits.push(`http ${req.headers.host} ${req.url}`);
      res.writeHead(200, { 'content-type': 'text/html', 'access-control-allow-origin': '*' });
      res.end('<p>escaped</p>');
    });
    recorder.on('upgrade', (req, socket) => {
      hits.push(`upgrade ${req.headers.host} ${req.url}`);
      socket.destroy();
    });
    recorder.on('connect', (req, socket) => {
      hits.push(`connect ${req.url}`);
      socket.destroy();
    });
    await new Promise<void>((resolve) => recorder.listen({ port: 0, host: '::', ipv6Only: false }, resolve));
    recorderPort = (recorder.address() as AddressInfo).port;
    udp = dgram.createSocket({ type: 'udp4' });
    udp.on('message', (_m, from) => hits.push(`udp from ${from.address}:${from.port}`));
    await new Promise<void>((resolve) => udp.bind(0, '0.0.0.0', () => resolve()));
    udpPort = (udp.address() as AddressInfo).port;

    const out = (host: string): string => `http://${host}:${recorderPort}`;
    const hostile = `<p>Hostile page</p>
      <a href="${out('127.0.0.1')}/link">Outside link</a>
      <form action="${out('127.0.0.1')}/form" method="post"><input name="q" value="x"><button>Send form</button></form>
      <img src="${out('127.0.0.1')}/img.png">
      <script src="${out('localhost')}/script.js"></script>
      <iframe src="${out('127.0.0.1')}/iframe"></iframe>
      <link rel="stylesheet" href="${out('[::1]')}/style.css">
      <script>
        const o = ${JSON.stringify(out('127.0.0.1'))};
        try { fetch(o + '/fetch', { mode: 'no-cors' }).catch(() => {}); } catch (e) {}
        try { const x = new XMLHttpRequest(); x.open('GET', o + '/xhr'); x.send(); } catch (e) {}
        try { new WebSocket(${JSON.stringify(`ws://127.0.0.1:${recorderPort}/ws`)}); } catch (e) {}
        try { new EventSource(o + '/sse'); } catch (e) {}
        try { navigator.sendBeacon(o + '/beacon', 'x'); } catch (e) {}
        try { window.open(o + '/popup'); } catch (e) {}
        try { new Image().src = ${JSON.stringify(out('127.0.0.2'))} + '/alias-img'; } catch (e) {}
        try {
          const pc = new RTCPeerConnection({ iceServers: [
            { urls: 'stun:127.0.0.1:${udpPort}' },
            { urls: 'turn:127.0.0.1:${udpPort}?transport=udp', username: 'u', credential: 'p' },
            { urls: 'turn:127.0.0.1:${recorderPort}?transport=tcp', username: 'u', credential: 'p' },
          ] });
          pc.createDataChannel('x');
          pc.createOffer().then((offer) => pc.setLocalDescription(offer)).catch(() => {});
        } catch (e) {}
        try { navigator.serviceWorker.register('/sw.js').catch(() => {}); } catch (e) {}
      </script>`;
    site = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/redirect') {
        res.writeHead(302, { location: `${out('127.0.0.1')}/redirected` });
        res.end();
        return;
      }
      if (path === '/sw.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(`self.addEventListener('install', () => { fetch(${JSON.stringify(out('127.0.0.1'))} + '/sw-install').catch(() => {}); });`);
        return;
      }
      const body = path === '/refresh' ? `<meta http-equiv="refresh" content="0;url=${out('127.0.0.1')}/refresh"><p>Refreshing</p>` : path === '/calm' ? '<p>Calm page</p>' : hostile;
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><html><head><title>t</title><link rel="icon" href="data:,"></head><body>${body}</body></html>`);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    pool = new BrowserPool({ size: 1 });
  });

  after(async () => {
    await pool?.close();
    site?.closeAllConnections();
    recorder?.closeAllConnections();
    await new Promise((resolve) => site?.close(resolve));
    await new Promise((resolve) => recorder?.close(resolve));
    udp?.close();
  });

  test('a hostile page and an agent trying every route reach nothing outside the task', async () => {
    const env = new WebEnvironment({ pool, maxTurns: 40 });
    const task = { id: 'contain', intent: 'stay', startUrl: `${origin}/` };
    const outside = (host: string, path: string): string => `http://${host}:${recorderPort}${path}`;
    const errors: string[] = [];
    try {
      await env.reset(task);
      await new Promise((resolve) => setTimeout(resolve, 2_000)); // let WebRTC gather and the worker install
      const steps: Action[] = [
        { type: 'click', target: { role: 'link', name: 'Outside link' } },
        { type: 'click', target: { role: 'button', name: 'Send form' } },
        { type: 'goto', url: `${origin}/redirect` },
        { type: 'goto', url: `${origin}/refresh` },
        ...['127.0.0.1', 'localhost', '127.0.0.2', '127.1', '[::1]', '0.0.0.0', '2130706433', '0x7f000001', 'LOCALHOST.'].map((host): Action => ({ type: 'goto', url: outside(host, `/goto-${host}`) })),
        { type: 'goto', url: 'file:///etc/passwd' },
        { type: 'goto', url: `javascript:location.href=${JSON.stringify(outside('127.0.0.1', '/javascript'))}` },
        { type: 'goto', url: `data:text/html,<img src="${outside('127.0.0.1', '/data')}">` },
      ];
      for (const action of steps) {
        await env.reset(task);
        const r = await env.step(action);
        if (r.observation.lastActionError) errors.push(r.observation.lastActionError);
        // Whatever happened, the agent is still on the task's origin.
        assert.ok(r.observation.url.startsWith(origin) || r.observation.url === 'about:blank', `${JSON.stringify(action)} left for ${r.observation.url}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      await env.close();
    }
    assert.deepEqual(hits, [], `the recorder was reached: ${hits.join('; ')}`);
    // The agent was told its navigations were refused.
    assert.ok(errors.some((e) => /blocked|refused/.test(e)), errors.join('\n'));
  });

  test('WebRTC sends no UDP around the proxy (STUN and TURN over UDP)', async () => {
    const env = new WebEnvironment({ pool });
    const before = hits.length;
    try {
      await env.reset({ id: 'rtc', intent: 'stay', startUrl: `${origin}/calm` });
      const candidates = await env.page!.evaluate(async (port) => {
        const pc = new RTCPeerConnection({ iceServers: [{ urls: `stun:127.0.0.1:${port}` }] });
        const seen: string[] = [];
        pc.onicecandidate = (e) => { if (e.candidate) seen.push(e.candidate.candidate); };
        pc.createDataChannel('x');
        await pc.setLocalDescription(await pc.createOffer());
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        pc.close();
        return seen;
      }, udpPort);
      // No host or server-reflexive UDP candidate is gathered at all.
      assert.deepEqual(candidates.filter((c) => / udp /i.test(c)), []);
    } finally {
      await env.close();
    }
    assert.deepEqual(hits.slice(before), []);
  });

  test("the project's servers listen on 127.0.0.1 only", async () => {
    await using suite = await startSuiteServer();
    for (const url of Object.values(suite.urls)) assert.equal(new URL(url).hostname, '127.0.0.1', url);
    const proxy = await OriginProxy.start([origin]);
    try {
      assert.equal(new URL(proxy.url).hostname, '127.0.0.1');
    } finally {
      await proxy.close();
    }
    // Nothing answers on another interface address of this machine for the suite's ports.
    const port = Number(new URL(suite.urls.shop).port);
    const { networkInterfaces } = await import('node:os');
    const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) {
      const reached = await fetch(`http://${external.address}:${port}/`).then(() => true, () => false);
      assert.equal(reached, false, `the shop answered on ${external.address}`);
    }
  });
});
