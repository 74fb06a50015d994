// HTML of the code site (CodeHub, a GitLab-like code host): the page shell with its header,
// the project header and tabs, and the list/detail building blocks the routes compose.

import { documentHtml, esc, pager, withQuery } from '../framework/html.js';
import { displayName, membersOf, starsOf, type CodeData, type CodeProject, type CodeState } from './data.js';

const CSS = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,sans-serif;color:#1f1e24;background:#fbfafd}
a{color:#1f75cb;text-decoration:none}a:hover{text-decoration:underline}
header.top{display:flex;gap:16px;align-items:center;background:#292961;color:#fff;padding:8px 16px}
header.top a{color:#fff}.brand{font-weight:700;font-size:17px}header.top nav{display:flex;gap:14px;margin-left:auto}
header.top input{padding:3px 6px;border-radius:4px;border:0;margin-left:6px}
main{max-width:980px;margin:0 auto;padding:12px 20px}
h1{font-size:22px;margin:6px 0}h2{font-size:17px;margin:14px 0 6px}
.crumbs{color:#626168;font-size:13px}.muted{color:#626168;font-size:13px}
.tabs{display:flex;gap:14px;border-bottom:1px solid #dcdcde;padding:6px 0;margin:8px 0}
ul.rows{list-style:none;padding:0;margin:0;border:1px solid #dcdcde;border-radius:4px;background:#fff}
ul.rows li{padding:6px 10px;border-bottom:1px solid #ececef}ul.rows li:last-child{border-bottom:0}
.label{display:inline-block;background:#e9e6fa;color:#4b3f99;border-radius:9px;padding:0 8px;margin-right:4px;font-size:12px}
.state{display:inline-block;border-radius:4px;padding:0 8px;color:#fff;background:#108548}.state.closed{background:#1f75cb}.state.merged{background:#6b4fbb}
form.inline{display:inline-block;margin:0 6px 4px 0}button{padding:3px 10px;border:1px solid #bfbfc3;border-radius:4px;background:#fff;cursor:pointer}
button.primary{background:#1f75cb;color:#fff;border-color:#1f75cb}.side{border:1px solid #dcdcde;border-radius:4px;background:#fff;padding:8px 12px;margin:8px 0}
table{border-collapse:collapse;background:#fff}td,th{padding:3px 10px;border-bottom:1px solid #ececef;text-align:left}
table.code td{font:13px monospace;border:0;padding:0 8px;white-space:pre}table.code td.n{color:#89888d;text-align:right}
label{margin-right:8px}textarea{width:100%;max-width:560px;height:60px}input[type=text]{width:320px}
.pager{margin:8px 0;display:flex;gap:12px}.flash{background:#fdf1dd;padding:6px 10px;border-radius:4px}
`;

/** A whole page: the site header and `body`. */
export function layout(data: CodeData, title: string, body: string): string {
  const me = data.userByName.get(data.me)!;
  const header = `<header class="top"><a class="brand" href="/">CodeHub</a>
<form action="/explore" method="get"><label>Search projects<input type="search" name="q"></label></form>
<nav><a href="/">Your projects</a><a href="/dashboard/starred">Starred projects</a><a href="/explore">Explore</a><a href="/${esc(me.username)}">${esc(me.name)}</a></nav></header>`;
  return documentHtml(`${title} · CodeHub`, CSS, `${header}<main>${body}</main>`);
}

export function projectUrl(p: CodeProject, rest = ''): string {
  return `/${p.namespace}/${p.name}${rest}`;
}

/** Breadcrumbs, name, and tabs of a project page. */
export function projectHeader(p: CodeProject, crumbs: string[] = []): string {
  const trail = [`<a href="/${esc(p.namespace)}">${esc(p.namespace)}</a>`, `<a href="${esc(projectUrl(p))}">${esc(p.name)}</a>`, ...crumbs].join(' / ');
  return `<div class="crumbs">${trail}</div>
<nav class="tabs" aria-label="Project"><a href="${esc(projectUrl(p))}">Overview</a><a href="${esc(projectUrl(p, '/-/issues'))}">Issues</a><a href="${esc(projectUrl(p, '/-/merge_requests'))}">Merge requests</a><a href="${esc(projectUrl(p, '/-/project_members'))}">Members</a></nav>`;
}

/** One project row of a project list. */
export function projectRow(data: CodeData, state: CodeState, p: CodeProject): string {
  return `<li><a href="${esc(projectUrl(p))}">${esc(p.name)}</a> <span class="muted">${esc(p.namespace)} · ${starsOf(p, state)} stars · ${esc(p.description.slice(0, 60))}</span></li>`;
}

/** A paginated list of projects with a heading (empty lists say so). */
export function projectList(data: CodeData, state: CodeState, heading: string, list: { items: CodeProject[]; page: number; pages: number; total: number }, href: (page: number) => string, extra = ''): string {
  const rows = list.items.map((p) => projectRow(data, state, p)).join('');
  return `<h1>${esc(heading)}</h1>${extra}<p class="muted">${list.total} project${list.total === 1 ? '' : 's'}</p>${rows ? `<ul class="rows">${rows}</ul>` : '<p>No projects.</p>'}${pager(list.page, list.pages, href)}`;
}

export function userLink(data: CodeData, username: string): string {
  return `<a href="/${esc(username)}">${esc(displayName(data, username))}</a>`;
}

/** The directory listing of `dir` ('' = root): directories first, then files. */
export function treeListing(p: CodeProject, dir: string): string {
  const prefix = dir ? `${dir}/` : '';
  const dirs = new Set<string>();
  const files: string[] = [];
  for (const f of p.files) {
    if (!f.path.startsWith(prefix)) continue;
    const rest = f.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash >= 0) dirs.add(rest.slice(0, slash));
    else files.push(rest);
  }
  const rows = [
    ...[...dirs].sort().map((d) => `<tr><td><a href="${esc(projectUrl(p, `/-/tree/main/${prefix}${d}`))}">${esc(d)}</a></td><td class="muted">folder</td></tr>`),
    ...files.sort().map((f) => `<tr><td><a href="${esc(projectUrl(p, `/-/blob/main/${prefix}${f}`))}">${esc(f)}</a></td><td class="muted">file</td></tr>`),
  ];
  return `<table aria-label="Files">${rows.join('')}</table>`;
}

/** Breadcrumb links of a path inside the repository. */
export function pathCrumbs(p: CodeProject, path: string): string[] {
  const parts = path.split('/');
  return parts.map((part, i) => (i === parts.length - 1 ? esc(part) : `<a href="${esc(projectUrl(p, `/-/tree/main/${parts.slice(0, i + 1).join('/')}`))}">${esc(part)}</a>`));
}

export function codeBlock(content: string): string {
  const lines = content.split('\n');
  return `<table class="code">${lines.map((l, i) => `<tr><td class="n">${i + 1}</td><td>${esc(l)}</td></tr>`).join('')}</table>`;
}

/** State tabs of a list (issues or merge requests), keeping the other filters. */
export function stateTabs(base: string, current: string, tabs: ReadonlyArray<[string, string, number]>, keep: Record<string, string>): string {
  return `<nav class="tabs" aria-label="State">${tabs
    .map(([value, label, n]) => (value === current ? `<strong>${esc(label)} ${n}</strong>` : `<a href="${esc(withQuery(base, { ...keep, state: value }))}">${esc(label)} ${n}</a>`))
    .join('')}</nav>`;
}

/** The project overview: description, star button, files and README. */
export function overviewBody(data: CodeData, state: CodeState, p: CodeProject): string {
  const starred = state.starred.includes(p.path);
  const readme = p.files.find((f) => f.path === 'README.md');
  const owner = membersOf(p, state).find((m) => m.role === 'Owner');
  return `${projectHeader(p)}<h1>${esc(p.name)}</h1><p>${esc(p.description)}</p>
<div><form class="inline" method="post" action="${esc(projectUrl(p, '/star'))}"><button>${starred ? 'Unstar' : 'Star'}</button></form><span>${starsOf(p, state)} stars</span> · <span class="muted">Owner: ${owner ? esc(displayName(data, owner.username)) : '—'}</span></div>
<h2>Files</h2>${treeListing(p, '')}${readme ? `<h2>README.md</h2><div class="side">${readme.content
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => `<div>${esc(l.replace(/^#+ /, ''))}</div>`)
    .join('')}</div>` : ''}`;
}
