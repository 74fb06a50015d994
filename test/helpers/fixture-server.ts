// Fixture pages for the browser tests, served on 127.0.0.1 by the tests themselves. The same
// server is reachable as http://localhost:<port>, a different origin, for cross-origin cases.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const page = (title: string, body: string, head = ''): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,">${head}</head><body>${body}</body></html>`;

function pages(port: number): Record<string, string> {
  const other = `http://localhost:${port}`;
  return {
    '/': page(
      'Fixture home',
      `<h1>Fixture shop</h1>
      <p>Welcome to the   fixture
         shop.</p>
      <nav><a href="/form">Form page</a> <a href="/long">Long page</a> <a href="/external">External links</a></nav>
      <button id="plain">Plain button</button>
      <button disabled>Disabled button</button>
      <button style="display:none">Hidden button</button>
      <div style="position:relative"><button id="under">Covered button</button>
        <div style="position:absolute;inset:-10px;background:#fff;z-index:5">Overlay</div></div>
      <span role="button" tabindex="0" onclick="this.textContent='Span pressed'">Span button</span>
      <div id="handler">Listener div</div>
      <div contenteditable="true" aria-label="Notes"></div>
      <details><summary>More info</summary><p>Hidden details</p></details>
      <label><input type="checkbox" name="news"> Newsletter</label>
      <label><input type="radio" name="size" value="s"> Small</label>
      <label><input type="radio" name="size" value="l" checked> Large</label>
      <a href="/form">Duplicate</a> <a href="/long">Duplicate</a>
      <img src="data:," alt="Company logo">
      <table><tr><th>Item</th><th>Price</th></tr><tr><td>Mug</td><td>$12</td></tr></table>
      <p id="hovered">Not hovered</p><button id="hov" onmouseover="document.getElementById('hovered').textContent='Hovered!'">Hover me</button>
      <p id="key">No key</p>
      <script>
        document.getElementById('handler').addEventListener('click', (e) => { e.target.textContent = 'Listener fired'; });
        document.getElementById('plain').addEventListener('click', () => { document.getElementById('plain').textContent = 'Plain pressed'; });
        document.addEventListener('keydown', (e) => { if (e.key !== 'Tab') document.getElementById('key').textContent = 'Key ' + e.key; });
      </script>`,
    ),
    '/form': page(
      'Form',
      `<h1>Order form</h1>
      <form action="/echo" method="get">
        <label for="name">Full name</label> <input id="name" name="name" value="Ann">
        <label>Comment <textarea name="comment"></textarea></label>
        <label>Color <select name="color"><option>Red</option><option value="b">Blue</option><option disabled>Green</option></select></label>
        <label>Quantity <input type="number" name="qty" value="1"></label>
        <label>Password <input type="password" name="pw"></label>
        <input type="submit" value="Send">
      </form>`,
    ),
    '/echo': '', // filled per request
    '/target': page('Target', '<h1>Target page</h1><a href="/">Home</a>'),
    '/dialogs': page(
      'Dialogs',
      `<button onclick="alert('Saved!')">Alert</button>
       <button onclick="document.getElementById('r').textContent = confirm('Delete it?') ? 'confirmed' : 'cancelled'">Confirm</button>
       <p id="r">nothing yet</p>`,
    ),
    '/popups': page(
      'Popups',
      `<a href="/target" target="_blank">Open in new tab</a>
       <a href="${other}/target" target="_blank">Open other origin in new tab</a>
       <a href="${other.replace('http:', 'https:')}/target" target="_blank">Open other origin over HTTPS in new tab</a>
       <button onclick="window.open('/target')">Open window</button>`,
    ),
    '/download': page('Download', '<a href="/file.bin">Get file</a> <p>after</p>'),
    '/frames': page(
      'Frames',
      `<p>Outer text</p>
       <iframe src="/inner" title="Inner frame" style="width:400px;height:150px;border:5px solid black;padding:7px"></iframe>
       <iframe src="${other}/inner" title="Foreign frame"></iframe>`,
    ),
    '/inner': page('Inner', `<p id="s">Inner text</p><button onclick="document.getElementById('s').textContent='Inner clicked'">Inner button</button>`),
    '/long': page(
      'Long',
      Array.from({ length: 300 }, (_, i) => `<p>Paragraph number ${i} with some filler words to take space.</p>${i % 30 === 0 ? `<a href="/target">Link ${i}</a>` : ''}`).join('\n'),
    ),
    '/hang': page('Hang', `<button onclick="for(;;){}">Freeze</button>`),
    '/external': page(
      'External',
      `<a href="${other}/target">Other origin</a> <a href="file:///etc/passwd">Local file</a>
       <button onclick="location.href='${other}/target'">Script redirect</button>
       <a href="${other.replace('http:', 'https:')}/target">Other origin over HTTPS</a>
       <img src="${other}/pixel.png" alt="Foreign image"> <input aria-label="Kept">`,
    ),
    '/dynamic': page(
      'Dynamic',
      `<button onclick="fetch('/api/slow').then(r => r.text()).then(t => { document.getElementById('out').textContent = t; })">Load data</button>
       <p id="out">empty</p>`,
    ),
    '/mutate': page(
      'Mutate',
      `<ul id="l"><li><button>Alpha</button></li></ul>
       <button id="add" onclick="const b=document.createElement('button');b.textContent='Beta';document.getElementById('l').append(b)">Add</button>
       <button id="gone" onclick="this.remove()">Remove me</button>`,
    ),
    '/shadow': page(
      'Shadow',
      `<x-card></x-card><script>
        customElements.define('x-card', class extends HTMLElement { connectedCallback() {
          const r = this.attachShadow({ mode: 'open' });
          r.innerHTML = '<p>Shadow text</p><button>Shadow button</button>';
          r.querySelector('button').onclick = () => { r.querySelector('p').textContent = 'Shadow clicked'; };
        } });
      </script>`,
    ),
  };
}

export interface FixtureServer {
  readonly url: string;
  /** The same server under another origin (http://localhost:port). */
  readonly otherOrigin: string;
  /** Request paths seen, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startFixtureServer(): Promise<FixtureServer> {
  const requests: string[] = [];
  let table: Record<string, string> = {};
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url.pathname);
    if (url.pathname === '/echo') {
      const rows = [...url.searchParams].map(([k, v]) => `<li>${k}=${v.replace(/</g, '&lt;')}</li>`).join('');
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(page('Echo', `<h1>Received</h1><ul>${rows}</ul>`));
      return;
    }
    if (url.pathname === '/api/slow') {
      setTimeout(() => res.end('data loaded'), 300);
      return;
    }
    if (url.pathname === '/file.bin') {
      res.setHeader('content-type', 'application/octet-stream');
      res.setHeader('content-disposition', 'attachment; filename="report.bin"');
      res.end(Buffer.alloc(1024, 7));
      return;
    }
    if (url.pathname === '/slow') {
      const t = setTimeout(() => res.end(page('Slow', '<p>finally</p>')), 20_000);
      res.on('close', () => clearTimeout(t));
      return;
    }
    const html = table[url.pathname];
    if (html === undefined) {
      res.statusCode = 404;
      res.setHeader('content-type', 'text/html');
      res.end(page('Not found', '<p>404</p>'));
      return;
    }
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  table = pages(port);
  return {
    url: `http://127.0.0.1:${port}`,
    otherOrigin: `http://localhost:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
