// Your own task suite, the way the bundled ones are made: a small site of yours (here a tiny
// library served by serveSites, so every episode gets its own fresh state; any URL you can reach
// works as well), tasks with checkers, and an optional expert that demonstrates each task.
// Runs every task's expert through real Chromium and prints the scores.
// Usage: npx tsx examples/custom-suite.ts

import {
  BrowserPool, WebEnvironment, act, ensureChromium, runExpert, type WebTask,
} from '../src/index.js';
import { all, answerIncludes, pageText, stateMatch, urlMatch } from '../src/tasks/index.js';
import { esc, serveSites, type SiteDefinition } from '../src/suites/index.js';

// ---------------------------------------------------------------- the site

interface Book {
  slug: string;
  title: string;
  author: string;
}
interface Library {
  books: Book[];
}
/** Per-episode state: what this visitor has borrowed. */
interface Loans {
  borrowed: string[];
}

const library: Library = {
  books: [
    { slug: 'the-quiet-harbor', title: 'The Quiet Harbor', author: 'Grace Hopper' },
    { slug: 'cedar-and-stone', title: 'Cedar and Stone', author: 'Linus Okafor' },
    { slug: 'a-map-of-owls', title: 'A Map of Owls', author: 'Ada Lovelace' },
  ],
};

const page = (title: string, body: string): string => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><nav><a href="/">Catalogue</a> <a href="/loans">My loans</a></nav><main>${body}</main></body></html>`;

const site: SiteDefinition<Library, Loans> = {
  name: 'library',
  createState: () => ({ borrowed: [] }),
  routes: [
    { method: 'GET', path: '/', handle: (c) => ({ html: page('Catalogue', `<h1>Catalogue</h1><ul>${c.world.books.map((b) => `<li><a href="/book/${b.slug}">${esc(b.title)}</a></li>`).join('')}</ul>`) }) },
    {
      method: 'GET',
      path: '/book/:slug',
      handle: (c) => {
        const b = c.world.books.find((x) => x.slug === c.params.slug);
        if (!b) return { html: page('Not found', '<h1>No such book</h1>'), status: 404 };
        const out = c.state.borrowed.includes(b.slug);
        return { html: page(b.title, `<h1>${esc(b.title)}</h1><p>Author: ${esc(b.author)}</p>${out ? '<p>You have borrowed this book.</p>' : `<form method="post" action="/book/${b.slug}/borrow"><button>Borrow</button></form>`}`) };
      },
    },
    {
      method: 'POST',
      path: '/book/:slug/borrow',
      handle: (c) => {
        if (!c.state.borrowed.includes(c.params.slug!)) c.state.borrowed.push(c.params.slug!);
        return { redirect: '/loans' };
      },
    },
    { method: 'GET', path: '/loans', handle: (c) => ({ html: page('My loans', `<h1>My loans</h1><ul>${c.state.borrowed.map((s) => `<li>${esc(library.books.find((b) => b.slug === s)!.title)}</li>`).join('') || '<li>Nothing borrowed yet.</li>'}</ul>`) }) },
  ],
};

// ---------------------------------------------------------------- the tasks

function tasksFor(url: string, controlKey: string): WebTask[] {
  // The state endpoint answers only to the server's control key, which the agent's browser never sees.
  const readState = async (p: import('playwright-core').Page): Promise<unknown> => (await p.request.get(`${url}/__webagent/state`, { headers: { 'x-webagent-key': controlKey } })).json();
  const book = library.books[2]!;
  return [
    {
      id: 'library.author',
      site: 'library',
      intent: `Who wrote "${book.title}"?`,
      startUrl: `${url}/`,
      check: answerIncludes([book.author]),
      meta: {},
      *expert(_task, first) {
        const obs = yield act.click(first, { role: 'link', name: book.title }, 'The book is listed in the catalogue, so I open it.');
        const line = pageText(obs).split('\n').find((l) => l.startsWith('Author:')) ?? '';
        yield act.answer(line.replace('Author: ', ''), 'The book page names its author.');
      },
    },
    {
      id: 'library.borrow',
      site: 'library',
      intent: `Borrow "${book.title}".`,
      startUrl: `${url}/`,
      readState,
      check: all(stateMatch<Loans>('the book is borrowed, nothing else', (s) => (s.borrowed.length === 1 && s.borrowed[0] === book.slug) || `borrowed: ${s.borrowed.join(', ') || 'nothing'}`)),
      meta: {},
      *expert(_task, first) {
        const obs = yield act.click(first, { role: 'link', name: book.title }, 'I open the book I was asked to borrow.');
        yield act.click(obs, { role: 'button', name: 'Borrow' }, 'The page has a Borrow button, so I press it.');
        yield act.answer('done', 'My loans now lists the book.');
      },
      *wrongExpert(_task, first) {
        const obs = yield act.click(first, { role: 'link', name: library.books[0]!.title }, 'I open the first book (the wrong one).');
        yield act.click(obs, { role: 'button', name: 'Borrow' }, 'I borrow it.');
        yield act.answer('done', 'Done.');
      },
    },
    {
      id: 'library.open-loans',
      site: 'library',
      intent: 'Show me my loans.',
      startUrl: `${url}/`,
      check: urlMatch(`${url}/loans`),
      meta: {},
      *expert(_task, first) {
        yield act.click(first, { role: 'link', name: 'My loans' }, 'The header links to My loans.');
        yield act.answer('done', 'This is the loans page.');
      },
    },
  ];
}

// ---------------------------------------------------------------- run them

const executablePath = await ensureChromium({ log: (l) => console.error(l) });
const served = await serveSites({ world: library, sites: [site as unknown as SiteDefinition<Library, never>] });
const pool = new BrowserPool({ executablePath });
const env = new WebEnvironment({ pool });
try {
  console.log('| task | expert | score | reason |');
  console.log('|---|---|---:|---|');
  for (const task of tasksFor(served.urls.library!, served.controlKey)) {
    for (const wrong of [false, true]) {
      if (wrong && !task.wrongExpert) continue;
      const d = await runExpert(env, task, { wrong });
      console.log(`| ${task.id} | ${wrong ? 'wrong' : 'expert'} | ${d.result.score} | ${d.result.reason} |`);
    }
  }
} finally {
  await env.close();
  await pool.close();
  await served.close();
}
