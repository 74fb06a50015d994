// The code site (CodeHub, a GitLab-like code host): routes over the seeded projects and the
// session's state. Dashboards, explore/search, user and group pages, project overview with a
// file browser, issues, merge requests and members. Forms POST and redirect (PRG).

import { esc, paginate, pageParam, withQuery } from '../framework/html.js';
import type { RequestContext, Route, RouteResult, SiteDefinition } from '../framework/site.js';
import type { World } from '../world.js';
import { ROLES, createCodeState, issueMut, issueOf, membersMut, membersOf, mrMut, mrsOf, type CodeProject, type CodeState, type Role } from './data.js';
import { issueBody, issueListBody, mrBody, mrListBody, newIssueBody, parseIssueFilter } from './issue-pages.js';
import { codeBlock, layout, overviewBody, pathCrumbs, projectHeader, projectList, projectUrl, treeListing, userLink } from './pages.js';

type Ctx = RequestContext<World, CodeState>;

const notFound = (ctx: Ctx, what: string): RouteResult => ({ html: layout(ctx.world.code, 'Not found', `<h1>Page not found</h1><p>${esc(what)}</p><p><a href="/">Back to your projects</a></p>`), status: 404 });

function projectOf(ctx: Ctx): CodeProject | undefined {
  return ctx.world.code.projectByPath.get(`${ctx.params.ns}/${ctx.params.p}`);
}

/** A route on a project: resolves the project or answers 404. */
function onProject(method: 'GET' | 'POST', path: string, fn: (ctx: Ctx, p: CodeProject) => RouteResult): Route<World, CodeState> {
  return {
    method,
    path: `/:ns/:p${path}`,
    handle(ctx) {
      const p = projectOf(ctx);
      return p ? fn(ctx, p) : notFound(ctx, `No project ${ctx.params.ns}/${ctx.params.p}.`);
    },
  };
}

function page(ctx: Ctx, title: string, body: string): RouteResult {
  return { html: layout(ctx.world.code, title, body) };
}

function yourProjects(ctx: Ctx): RouteResult {
  const data = ctx.world.code;
  const mine = data.projects.filter((p) => membersOf(p, ctx.state).some((m) => m.username === data.me));
  const list = paginate(mine, pageParam(ctx.query), 10);
  return page(ctx, 'Your projects', projectList(data, ctx.state, 'Your projects', list, (n) => withQuery('/', { page: n })));
}

function fileRoutes(): Array<Route<World, CodeState>> {
  const routes: Array<Route<World, CodeState>> = [];
  const segs = ['a', 'b', 'c', 'd'];
  for (let depth = 1; depth <= 4; depth++) {
    const tail = segs.slice(0, depth).map((s) => `/:${s}`).join('');
    const pathOf = (ctx: Ctx): string => segs.slice(0, depth).map((s) => ctx.params[s]).join('/');
    routes.push(
      onProject('GET', `/-/tree/main${tail}`, (ctx, p) => {
        const dir = pathOf(ctx);
        if (!p.files.some((f) => f.path.startsWith(`${dir}/`))) return notFound(ctx, `No folder ${dir} in ${p.name}.`);
        return page(ctx, `${dir} · ${p.name}`, `${projectHeader(p, pathCrumbs(p, dir))}<h1>${esc(dir)}</h1>${treeListing(p, dir)}`);
      }),
      onProject('GET', `/-/blob/main${tail}`, (ctx, p) => {
        const path = pathOf(ctx);
        const f = p.files.find((x) => x.path === path);
        if (!f) return notFound(ctx, `No file ${path} in ${p.name}.`);
        const name = path.split('/').pop()!;
        const lines = f.content.split('\n').length;
        return page(ctx, `${path} · ${p.name}`, `${projectHeader(p, pathCrumbs(p, path))}<h1>${esc(name)}</h1><p class="muted">${esc(path)} · ${lines} lines · ${f.content.length} bytes</p>${codeBlock(f.content)}`);
      }),
    );
  }
  return routes;
}

function addComment(list: Array<{ author: string; body: string }>, ctx: Ctx): void {
  const body = (ctx.form.get('body') ?? '').trim().slice(0, 2000);
  if (body) list.push({ author: ctx.world.code.me, body });
}

export const codeSite: SiteDefinition<World, CodeState> = {
  name: 'code',
  createState: (world) => createCodeState(world.code),
  routes: [
    { method: 'GET', path: '/', handle: yourProjects },
    { method: 'GET', path: '/dashboard/projects', handle: yourProjects },
    {
      method: 'GET',
      path: '/dashboard/starred',
      handle(ctx) {
        const data = ctx.world.code;
        const list = paginate(data.projects.filter((p) => ctx.state.starred.includes(p.path)), pageParam(ctx.query), 10);
        return page(ctx, 'Starred projects', projectList(data, ctx.state, 'Starred projects', list, (n) => withQuery('/dashboard/starred', { page: n })));
      },
    },
    {
      method: 'GET',
      path: '/explore',
      handle(ctx) {
        const data = ctx.world.code;
        const q = (ctx.query.get('q') ?? '').trim().toLowerCase();
        const found = data.projects.filter((p) => !q || p.name.includes(q) || p.path.includes(q) || p.description.toLowerCase().includes(q));
        const list = paginate(found, pageParam(ctx.query), 10);
        const heading = q ? `Projects matching “${q}”` : 'Explore projects';
        return page(ctx, 'Explore', projectList(data, ctx.state, heading, list, (n) => withQuery('/explore', { q, page: n })));
      },
    },
    {
      method: 'GET',
      path: '/:ns',
      handle(ctx) {
        const data = ctx.world.code;
        const ns = ctx.params.ns!;
        const user = data.userByName.get(ns);
        const group = data.groups.find((g) => g.path === ns);
        if (!user && !group) return notFound(ctx, `No user or group ${ns}.`);
        const projects = user ? data.projects.filter((p) => p.namespace === ns || membersOf(p, ctx.state).some((m) => m.username === ns)) : data.projects.filter((p) => p.namespace === ns);
        const list = paginate(projects, pageParam(ctx.query), 10);
        const intro = user ? `<p class="muted">@${esc(user.username)}</p>` : `<p>${esc(group!.description)}</p>`;
        return page(ctx, user ? user.name : ns, projectList(data, ctx.state, user ? user.name : `Group ${ns}`, list, (n) => withQuery(`/${ns}`, { page: n }), intro));
      },
    },
    onProject('GET', '', (ctx, p) => page(ctx, p.name, overviewBody(ctx.world.code, ctx.state, p))),
    onProject('POST', '/star', (ctx, p) => {
      const s = ctx.state.starred;
      const i = s.indexOf(p.path);
      if (i >= 0) s.splice(i, 1);
      else s.push(p.path);
      return { redirect: projectUrl(p) };
    }),
    ...fileRoutes(),
    onProject('GET', '/-/issues', (ctx, p) => page(ctx, `Issues · ${p.name}`, issueListBody(ctx.world.code, ctx.state, p, parseIssueFilter(ctx.query, pageParam(ctx.query))))),
    onProject('GET', '/-/issues/new', (ctx, p) => page(ctx, `New issue · ${p.name}`, newIssueBody(ctx.world.code, ctx.state, p))),
    onProject('POST', '/-/issues', (ctx, p) => {
      const title = (ctx.form.get('title') ?? '').trim().slice(0, 200);
      if (!title) return { html: layout(ctx.world.code, 'New issue', newIssueBody(ctx.world.code, ctx.state, p, 'The title is required.')), status: 400 };
      const label = ctx.form.get('label') ?? '';
      const assignee = ctx.form.get('assignee') ?? '';
      const created = (ctx.state.created[p.path] ??= []);
      const iid = p.issues.length + created.length + 1;
      created.push({
        iid,
        title,
        description: (ctx.form.get('description') ?? '').trim().slice(0, 2000),
        author: ctx.world.code.me,
        state: 'opened',
        labels: label ? [label] : [],
        assignee: membersOf(p, ctx.state).some((m) => m.username === assignee) ? assignee : null,
        comments: [],
      });
      return { redirect: projectUrl(p, `/-/issues/${iid}`) };
    }),
    onProject('GET', '/-/issues/:n', (ctx, p) => {
      const i = issueOf(p, ctx.state, Number(ctx.params.n));
      return i ? page(ctx, `${i.title} · ${p.name}`, issueBody(ctx.world.code, ctx.state, p, i)) : notFound(ctx, `No issue #${ctx.params.n} in ${p.name}.`);
    }),
    onProject('POST', '/-/issues/:n/:action', (ctx, p) => {
      const iid = Number(ctx.params.n);
      const m = Number.isInteger(iid) && iid > 0 ? issueMut(p, ctx.state, iid) : undefined;
      if (!m) return notFound(ctx, `No issue #${ctx.params.n} in ${p.name}.`);
      const action = ctx.params.action;
      if (action === 'state') {
        const to = ctx.form.get('to');
        if (to === 'closed' || to === 'opened') m.state = to;
      } else if (action === 'label') {
        const add = ctx.form.get('add');
        const remove = ctx.form.get('remove');
        if (add && !m.labels.includes(add)) m.labels.push(add);
        if (remove) m.labels = m.labels.filter((l) => l !== remove);
      } else if (action === 'assignee') {
        const a = ctx.form.get('assignee') ?? '';
        if (a === '') m.assignee = null;
        else if (membersOf(p, ctx.state).some((x) => x.username === a)) m.assignee = a;
      } else if (action === 'comment') addComment(m.comments, ctx);
      else return notFound(ctx, `Unknown issue action ${action}.`);
      return { redirect: projectUrl(p, `/-/issues/${iid}`) };
    }),
    onProject('GET', '/-/merge_requests', (ctx, p) => page(ctx, `Merge requests · ${p.name}`, mrListBody(ctx.world.code, ctx.state, p, ctx.query, pageParam(ctx.query)))),
    onProject('GET', '/-/merge_requests/:n', (ctx, p) => {
      const m = mrsOf(p, ctx.state).find((x) => x.iid === Number(ctx.params.n));
      return m ? page(ctx, `${m.title} · ${p.name}`, mrBody(ctx.world.code, p, m)) : notFound(ctx, `No merge request !${ctx.params.n} in ${p.name}.`);
    }),
    onProject('POST', '/-/merge_requests/:n/:action', (ctx, p) => {
      const iid = Number(ctx.params.n);
      const m = Number.isInteger(iid) && iid > 0 ? mrMut(p, ctx.state, iid) : undefined;
      if (!m) return notFound(ctx, `No merge request !${ctx.params.n} in ${p.name}.`);
      if (ctx.params.action === 'state') {
        const to = ctx.form.get('to');
        if (m.state !== 'merged' && (to === 'merged' || to === 'closed' || to === 'opened')) m.state = to;
      } else if (ctx.params.action === 'comment') addComment(m.comments, ctx);
      return { redirect: projectUrl(p, `/-/merge_requests/${iid}`) };
    }),
    onProject('GET', '/-/project_members', (ctx, p) => {
      const data = ctx.world.code;
      const members = membersOf(p, ctx.state);
      const flash = ctx.query.get('msg') ?? '';
      const rows = members.map((m) => `<tr><td>${userLink(data, m.username)}</td><td>@${esc(m.username)}</td><td>${m.role}</td></tr>`).join('');
      const roleOptions = ROLES.filter((r) => r !== 'Owner').map((r) => `<option${r === 'Guest' ? ' selected' : ''}>${r}</option>`).join('');
      return page(
        ctx,
        `Members · ${p.name}`,
        `${projectHeader(p, ['Members'])}<h1>Project members</h1>${flash ? `<p class="flash" role="status">${esc(flash)}</p>` : ''}
<table aria-label="Members"><tr><th>Name</th><th>Username</th><th>Role</th></tr>${rows}</table>
<h2>Invite a member</h2><form method="post" action="${esc(projectUrl(p, '/-/project_members'))}"><label>Username <input type="text" name="username" required></label><label>Role <select name="role">${roleOptions}</select></label><button class="primary">Invite member</button></form>`,
      );
    }),
    onProject('POST', '/-/project_members', (ctx, p) => {
      const data = ctx.world.code;
      const username = (ctx.form.get('username') ?? '').trim().replace(/^@/, '').toLowerCase();
      const role = ctx.form.get('role') as Role | null;
      const back = (msg: string): RouteResult => ({ redirect: withQuery(projectUrl(p, '/-/project_members'), { msg }) });
      const user = data.userByName.get(username) ?? data.users.find((u) => u.name.toLowerCase() === username);
      if (!user) return back(`No user ${username}.`);
      if (!role || !ROLES.includes(role) || role === 'Owner') return back('Choose a role.');
      const members = membersMut(p, ctx.state);
      const existing = members.find((m) => m.username === user.username);
      if (existing?.role === 'Owner') return back(`${user.name} is the owner.`);
      if (existing) existing.role = role;
      else members.push({ username: user.username, role });
      return back(`${user.name} is now a ${role}.`);
    }),
  ],
  notFound: (ctx) => notFound(ctx, `No page at ${ctx.url.pathname}.`),
};

