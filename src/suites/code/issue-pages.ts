// Issue and merge request pages of the code site: the filtered, paginated lists, the detail
// pages with their forms (state, labels, assignee, comments, merge) and the new-issue form.

import { esc, paginate, pager, withQuery } from '../framework/html.js';
import { LABELS, displayName, issuesOf, membersOf, mrsOf, type CodeData, type CodeProject, type CodeState, type IssueView, type MrView } from './data.js';
import { projectHeader, projectUrl, stateTabs, userLink } from './pages.js';

const PER_PAGE = 10;

export interface IssueFilter {
  readonly state: 'opened' | 'closed' | 'all';
  readonly label: string;
  readonly q: string;
  readonly page: number;
}

export function parseIssueFilter(query: URLSearchParams, page: number): IssueFilter {
  const s = query.get('state');
  return { state: s === 'closed' || s === 'all' ? s : 'opened', label: query.get('label') ?? '', q: (query.get('q') ?? '').trim(), page };
}

/** Issues matching the label and text filters (any state). */
function searched(issues: IssueView[], f: IssueFilter): IssueView[] {
  const num = /^#?(\d+)$/.exec(f.q);
  return issues.filter((i) => {
    if (f.label && !i.labels.includes(f.label)) return false;
    if (num) return i.iid === Number(num[1]);
    return !f.q || i.title.toLowerCase().includes(f.q.toLowerCase());
  });
}

export function issueListBody(data: CodeData, state: CodeState, p: CodeProject, f: IssueFilter): string {
  const base = projectUrl(p, '/-/issues');
  const matching = searched(issuesOf(p, state), f);
  const open = matching.filter((i) => i.state === 'opened');
  const closed = matching.filter((i) => i.state === 'closed');
  const shown = f.state === 'opened' ? open : f.state === 'closed' ? closed : matching;
  const list = paginate(shown, f.page, PER_PAGE);
  const keep = { label: f.label, q: f.q };
  const rows = list.items
    .map((i) => `<li><a href="${esc(projectUrl(p, `/-/issues/${i.iid}`))}">${esc(i.title)}</a><div class="muted">#${i.iid} · ${i.state === 'closed' ? 'closed · ' : ''}by ${esc(displayName(data, i.author))}${i.labels.length ? ` · ${esc(i.labels.join(', '))}` : ''}${i.assignee ? ` · assigned to ${esc(displayName(data, i.assignee))}` : ''}</div></li>`)
    .join('');
  const labelOptions = ['<option value="">Any label</option>', ...LABELS.map((l) => `<option${l === f.label ? ' selected' : ''}>${esc(l)}</option>`)].join('');
  return `${projectHeader(p, ['Issues'])}<h1>Issues</h1>
${stateTabs(base, f.state, [['opened', 'Open', open.length], ['closed', 'Closed', closed.length], ['all', 'All', matching.length]], keep)}
<form method="get" action="${esc(base)}"><input type="hidden" name="state" value="${f.state}"><label>Search issues <input type="search" name="q" value="${esc(f.q)}"></label><label>Label <select name="label">${labelOptions}</select></label><button>Filter</button> <a href="${esc(projectUrl(p, '/-/issues/new'))}">New issue</a></form>
${rows ? `<ul class="rows">${rows}</ul>` : '<p>No issues match.</p>'}${pager(list.page, list.pages, (n) => withQuery(base, { state: f.state === 'opened' ? undefined : f.state, label: f.label, q: f.q, page: n }))}`;
}

function comments(data: CodeData, list: IssueView['comments']): string {
  if (list.length === 0) return '<p class="muted">No comments yet.</p>';
  return `<ul class="rows">${list.map((c) => `<li><strong>${esc(displayName(data, c.author))}</strong>: ${esc(c.body)}</li>`).join('')}</ul>`;
}

export function issueBody(data: CodeData, state: CodeState, p: CodeProject, i: IssueView): string {
  const url = projectUrl(p, `/-/issues/${i.iid}`);
  const open = i.state === 'opened';
  const members = membersOf(p, state);
  const assigneeOptions = ['<option value="">Unassigned</option>', ...members.map((m) => `<option value="${esc(m.username)}"${m.username === i.assignee ? ' selected' : ''}>${esc(displayName(data, m.username))}</option>`)].join('');
  const addable = LABELS.filter((l) => !i.labels.includes(l));
  const labels = i.labels.length
    ? i.labels
        .map((l) => `<a class="label" href="${esc(withQuery(projectUrl(p, '/-/issues'), { label: l }))}">${esc(l)}</a><form class="inline" method="post" action="${esc(url)}/label"><input type="hidden" name="remove" value="${esc(l)}"><button>Remove label ${esc(l)}</button></form>`)
        .join('')
    : '<span class="muted">None</span>';
  return `${projectHeader(p, [`<a href="${esc(projectUrl(p, '/-/issues'))}">Issues</a>`, `#${i.iid}`])}
<h1>${esc(i.title)}</h1>
<div><span class="state ${open ? '' : 'closed'}">${open ? 'Open' : 'Closed'}</span> Issue #${i.iid} opened ${i.age} days ago by ${userLink(data, i.author)}
<form class="inline" method="post" action="${esc(url)}/state"><input type="hidden" name="to" value="${open ? 'closed' : 'opened'}"><button>${open ? 'Close issue' : 'Reopen issue'}</button></form></div>
<p>${esc(i.description)}</p>
<div class="side"><div>Assignee: ${i.assignee ? userLink(data, i.assignee) : 'None'}</div>
<form method="post" action="${esc(url)}/assignee"><label>Assignee <select name="assignee">${assigneeOptions}</select></label><button>Save assignee</button></form>
<div>Labels: ${labels}</div>
<form method="post" action="${esc(url)}/label"><label>Label to add <select name="add">${addable.map((l) => `<option>${esc(l)}</option>`).join('')}</select></label><button>Add label</button></form></div>
<h2>Comments (${i.comments.length})</h2>${comments(data, i.comments)}
<form method="post" action="${esc(url)}/comment"><label>Comment <textarea name="body" required></textarea></label><button class="primary">Comment</button></form>`;
}

export function newIssueBody(data: CodeData, state: CodeState, p: CodeProject, error = ''): string {
  const members = membersOf(p, state);
  return `${projectHeader(p, [`<a href="${esc(projectUrl(p, '/-/issues'))}">Issues</a>`, 'New'])}<h1>New issue</h1>${error ? `<p class="flash">${esc(error)}</p>` : ''}
<form method="post" action="${esc(projectUrl(p, '/-/issues'))}">
<p><label>Title <input type="text" name="title" required></label></p>
<p><label>Description <textarea name="description"></textarea></label></p>
<p><label>Label <select name="label"><option value="">No label</option>${LABELS.map((l) => `<option>${esc(l)}</option>`).join('')}</select></label>
<label>Assignee <select name="assignee"><option value="">Unassigned</option>${members.map((m) => `<option value="${esc(m.username)}">${esc(displayName(data, m.username))}</option>`).join('')}</select></label></p>
<p><button class="primary">Create issue</button> <a href="${esc(projectUrl(p, '/-/issues'))}">Cancel</a></p></form>`;
}

export function mrListBody(data: CodeData, state: CodeState, p: CodeProject, query: URLSearchParams, page: number): string {
  const base = projectUrl(p, '/-/merge_requests');
  const s0 = query.get('state');
  const cur = s0 === 'merged' || s0 === 'closed' || s0 === 'all' ? s0 : 'opened';
  const all = mrsOf(p, state);
  const count = (s: string): number => all.filter((m) => m.state === s).length;
  const shown = cur === 'all' ? all : all.filter((m) => m.state === cur);
  const list = paginate(shown, page, PER_PAGE);
  const rows = list.items
    .map((m) => `<li><a href="${esc(projectUrl(p, `/-/merge_requests/${m.iid}`))}">${esc(m.title)}</a><div class="muted">!${m.iid} · ${m.state === 'opened' ? '' : `${m.state} · `}${esc(m.source)} → ${esc(m.target)} · by ${esc(displayName(data, m.author))}</div></li>`)
    .join('');
  return `${projectHeader(p, ['Merge requests'])}<h1>Merge requests</h1>
${stateTabs(base, cur, [['opened', 'Open', count('opened')], ['merged', 'Merged', count('merged')], ['closed', 'Closed', count('closed')], ['all', 'All', all.length]], {})}
${rows ? `<ul class="rows">${rows}</ul>` : '<p>No merge requests.</p>'}${pager(list.page, list.pages, (n) => withQuery(base, { state: cur === 'opened' ? undefined : cur, page: n }))}`;
}

export function mrBody(data: CodeData, p: CodeProject, m: MrView): string {
  const url = projectUrl(p, `/-/merge_requests/${m.iid}`);
  const stateForm = (to: string, label: string, cls = ''): string => `<form class="inline" method="post" action="${esc(url)}/state"><input type="hidden" name="to" value="${to}"><button${cls ? ` class="${cls}"` : ''}>${label}</button></form>`;
  const status = m.state === 'opened' ? 'Open' : m.state === 'merged' ? 'Merged' : 'Closed';
  const actions = m.state === 'opened' ? stateForm('merged', 'Merge', 'primary') + stateForm('closed', 'Close merge request') : m.state === 'closed' ? stateForm('opened', 'Reopen merge request') : '';
  return `${projectHeader(p, [`<a href="${esc(projectUrl(p, '/-/merge_requests'))}">Merge requests</a>`, `!${m.iid}`])}
<h1>${esc(m.title)}</h1>
<div><span class="state ${m.state === 'opened' ? '' : m.state}">${status}</span> Merge request !${m.iid} by ${userLink(data, m.author)}</div>
<table><tr><th>Source branch</th><td>${esc(m.source)}</td></tr><tr><th>Target branch</th><td>${esc(m.target)}</td></tr><tr><th>Status</th><td>${status}</td></tr></table>
<p>${esc(m.description)}</p><div>${actions}</div>
<h2>Comments (${m.comments.length})</h2>${comments(data, m.comments)}
<form method="post" action="${esc(url)}/comment"><label>Comment <textarea name="body" required></textarea></label><button class="primary">Comment</button></form>`;
}

