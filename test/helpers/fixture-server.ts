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
    // A jQuery-UI-style autocomplete: suggestions show 300 ms after typing, in a list whose
    // click handler is on the <ul> (event delegation).
    '/autocomplete': page(
      'Autocomplete',
      `<label for="country">Country</label> <input id="country" autocomplete="off"> <p id="chosen">none chosen</p>
      <script>
        const names = ['Andorra', 'Angola', 'Anguilla', 'Antigua', 'Argentina', 'Belgium'];
        const input = document.getElementById('country');
        const menu = document.createElement('ul');
        menu.className = 'ui-menu ui-widget ui-autocomplete';
        menu.style.display = 'none';
        document.body.append(menu);
        menu.addEventListener('click', (e) => {
          const li = e.target.closest('li');
          if (!li) return;
          input.value = li.textContent;
          document.getElementById('chosen').textContent = 'chose ' + li.textContent;
          menu.style.display = 'none';
        });
        let pending;
        input.addEventListener('input', () => {
          clearTimeout(pending);
          pending = setTimeout(() => {
            const q = input.value.toLowerCase();
            menu.innerHTML = names.filter((n) => n.toLowerCase().startsWith(q))
              .map((n) => '<li class="ui-menu-item"><div class="ui-menu-item-wrapper">' + n + '</div></li>').join('');
            menu.style.display = '';
          }, 300);
        });
      </script>`,
    ),
    '/lists': page(
      'Lists',
      `<div id="picker"><p>Pick a fruit</p><ul><li>Apple</li><li>Banana</li><li>Cherry</li></ul></div>
      <ul role="menu" aria-label="Actions"><li>Copy</li><li>Paste</li></ul>
      <div id="combo"><input role="combobox" aria-label="City" aria-controls="cities" aria-expanded="true"><div id="cities"><div>Paris</div><div>Porto</div></div></div>
      <ul id="nav"><li><a href="/target">Linked item</a></li><li><a href="/form">Second link</a></li></ul>
      <div id="single" onclick="this.textContent = 'single clicked'">Click <b>here</b> please</div>
      <p id="out">nothing picked</p>
      <script>
        const out = document.getElementById('out');
        document.getElementById('picker').addEventListener('click', (e) => { if (e.target.tagName === 'LI') out.textContent = 'picked ' + e.target.textContent; });
        document.querySelector('[role=menu]').addEventListener('click', (e) => { out.textContent = 'menu ' + e.target.textContent; });
        document.getElementById('cities').addEventListener('click', (e) => { out.textContent = 'city ' + e.target.textContent; });
        document.getElementById('nav').addEventListener('click', () => {});
      </script>`,
    ),
    '/timers': page(
      'Timers',
      `<button id="late" onclick="setTimeout(() => { document.getElementById('late-out').textContent = 'late text'; }, 1500)">Show late</button>
      <p id="late-out">nothing yet</p>
      <button id="chain" onclick="setTimeout(() => requestAnimationFrame(() => { document.getElementById('chain-out').textContent = 'chain done'; }), 200)">Chain</button>
      <p id="chain-out">chain idle</p>
      <button id="slide" onclick="let h = 0; const t = setInterval(() => { h += 10; if (h >= 150) { clearInterval(t); document.getElementById('slide-out').textContent = 'slid open'; } }, 13)">Slide</button>
      <p id="slide-out">closed</p>
      <button id="spin" onclick="const f = () => { document.getElementById('spin-out').textContent = 'spinning ' + (++window.spins); requestAnimationFrame(f); }; window.spins = 0; f();">Spin</button>
      <p id="spin-out">not spinning</p>
      <button id="quiet" onclick="document.getElementById('quiet-out').textContent = 'quiet clicked ' + (++window.quiet)">Quiet</button>
      <p id="quiet-out">quiet idle</p>
      <script>
        window.quiet = 0;
        // Background loops started at load: a step must not wait for them.
        (function tick() { window.ticks = (window.ticks || 0) + 1; setTimeout(tick, 50); })();
        (function frame() { requestAnimationFrame(frame); })();
        setInterval(() => { window.clock = (window.clock || 0) + 1; }, 20);
      </script>`,
    ),
    '/inputs': page(
      'Inputs',
      `<form action="/echo" method="get">
        <label>Birthday <input type="date" name="birthday"></label>
        <label>Alarm <input type="time" name="alarm"></label>
        <label>Meeting <input type="datetime-local" name="meeting"></label>
        <label>Month <input type="month" name="month"></label>
        <label>Week <input type="week" name="week"></label>
        <label>Colour <input type="color" name="colour" value="#000000"></label>
        <label>Volume <input type="range" name="volume" min="0" max="10" value="5"></label>
        <label>Count <input type="number" name="count"></label>
        <label>Nickname <input type="text" name="nick" value="Bo"></label>
        <input type="submit" value="Send">
      </form>
      <p id="changes">no changes</p>
      <script>
        let n = 0;
        document.querySelector('form').addEventListener('change', (e) => { document.getElementById('changes').textContent = (++n) + ' changes, last ' + e.target.name + '=' + e.target.value; });
      </script>`,
    ),
    '/scroller': page(
      'Scroller',
      `<h1>Scrolling list</h1>
      <div id="box" style="height:150px;overflow:auto;border:1px solid #000">
        ${Array.from({ length: 30 }, (_, i) => `<div style="height:30px"><button onclick="document.getElementById('picked').textContent = 'picked item ${i + 1}'">Item ${i + 1}</button></div>`).join('')}
      </div>
      <p id="picked">nothing picked</p>`,
      '<style>body { font-family: sans-serif; } .unused-rule-marker { color: red; }</style>',
    ),
    '/pointer': page(
      'Pointer',
      `<button style="pointer-events:none;margin-bottom:60px">Ghost button</button>
      <div style="position:relative"><button>Blocked button</button>
        <div style="position:absolute;inset:-10px;z-index:5;background:#fff">A notice that covers the button and goes on and on with a long text that nobody reads</div></div>`,
      '<style>.unused-rule-marker { color: red; } body { margin: 8px; }</style>',
    ),
    // An icon that, on the first mouseenter, swaps its image: it collapses for a moment while the
    // new image loads, so a click sent with the move would land on the row around it.
    '/hover-icon': page(
      'Hover icon',
      `<div id="row" style="padding:20px;border:1px solid #ccc">Row text
        <img id="icon" alt="Like" width="24" height="24" src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='24' height='24'%3E%3Crect width='24' height='24' fill='gray'/%3E%3C/svg%3E">
        <img id="runaway" alt="Runaway" width="24" height="24" src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='24' height='24'%3E%3Crect width='24' height='24' fill='red'/%3E%3C/svg%3E">
      </div>
      <p id="out">nothing clicked</p>
      <script>
        const out = document.getElementById('out');
        const icon = document.getElementById('icon');
        document.getElementById('row').addEventListener('click', () => { out.textContent = 'row clicked'; });
        icon.addEventListener('click', (e) => { e.stopPropagation(); out.textContent = 'icon clicked'; });
        let swapped = false;
        icon.addEventListener('mouseenter', () => {
          if (swapped) return;
          swapped = true;
          icon.style.display = 'none';
          setTimeout(() => { icon.src = icon.src.replace('gray', 'blue'); icon.style.display = ''; }, 80);
        });
        const runaway = document.getElementById('runaway');
        runaway.addEventListener('click', (e) => { e.stopPropagation(); out.textContent = 'runaway clicked'; });
        runaway.addEventListener('mouseenter', () => { runaway.style.display = 'none'; });
      </script>`,
    ),
    '/icons': page(
      'Icons',
      ['Ann: Lovely morning at the lake', 'Bob: Traffic again on the bridge'].map((text, i) => `<div class="post" id="post${i}">
        <p>${text}</p>
        <div class="actions">
          <button onclick="document.getElementById('out').textContent = 'reply ${i}'"><svg width="16" height="16"><title>Reply</title><rect width="16" height="16"/></svg></button>
          <button onclick="document.getElementById('out').textContent = 'retweet ${i}'"><span aria-label="Retweet" class="icon"></span></button>
          <button onclick="document.getElementById('out').textContent = 'like ${i}'"><span class="icon like"></span></button>
          <button onclick="document.getElementById('out').textContent = 'share ${i}'"><img src="data:," width="16" height="16"></button>
          <button>Plain text button</button>
        </div></div>`).join('\n') + `<div class="toolbar"><span>Font size</span> <button onclick="document.getElementById('out').textContent = 'font'"><i class="icon"></i></button></div>
        <p id="out">no action</p>`,
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
