// Task templates of the code site: information look-ups (issue counts, assignees, stars,
// branches, roles) and navigation (closed issues list, a file in the repository); the state
// templates are in tasks-state.ts. Every expert acts only through observations.

import { answerIncludes, answerNumber, urlMatch } from '../../tasks/checkers.js';
import { act } from '../../tasks/expert.js';
import { pageText, parseObservation } from '../../tasks/observation.js';
import type { Observation } from '../../env/types.js';
import type { ExpertStep } from '../../tasks/types.js';
import type { TaskTemplate } from '../template.js';
import type { CodeFile, CodeProject } from './data.js';
import { clickId, displayNameOf, issuePairs, openIssue, openMr, openProject, pool, valueOf } from './experts.js';
import { stateTemplates } from './tasks-state.js';
import { unseenTemplates } from './tasks-unseen.js';

const projectsOf = (world: Parameters<TaskTemplate['size']>[0], entities: 'train' | 'test'): CodeProject[] => pool(world, entities, 'projects', (ps) => ps);

/** The number in a state tab line like "Open 14" (current tab: text; other tabs: links). */
export function tabCount(obs: Observation, label: string): number {
  const re = new RegExp(`^${label} (\\d+)$`);
  for (const l of parseObservation(obs.text)) {
    const m = re.exec(l.name);
    if (m && (l.role === 'text' || l.role === 'link')) return Number(m[1]);
  }
  throw new Error(`no "${label} N" tab on ${obs.url}`);
}

const openIssueCount: TaskTemplate = {
  id: 'code.open-issue-count',
  site: 'code',
  kind: 'info',
  description: 'Count the open issues of a project',
  size: (world, entities) => projectsOf(world, entities).length,
  instantiate(ctx) {
    const p = projectsOf(ctx.world, ctx.entities)[ctx.index]!;
    const n = p.issues.filter((i) => i.state === 'opened').length;
    function* common(first: Observation): Generator<ExpertStep, number, Observation> {
      let obs = yield* openProject(first, p.name);
      obs = yield act.click(obs, { role: 'link', name: 'Issues' }, 'The Issues tab lists open issues with their count.');
      return tabCount(obs, 'Open');
    }
    return {
      intent: `How many open issues does the ${p.name} project have?`,
      startPath: '/',
      check: answerNumber(n),
      meta: { project: p.path, answer: n },
      *expert(_t, first) {
        const count = yield* common(first);
        yield act.answer(String(count), `The Open tab shows ${count}, the number of open issues.`);
      },
      *wrongExpert(_t, first) {
        const count = yield* common(first);
        yield act.answer(String(count + 1), 'I count the issues on the list and end up one too many.');
      },
    };
  },
};

const starCount: TaskTemplate = {
  id: 'code.star-count',
  site: 'code',
  kind: 'info',
  description: 'Read the star count of a project from its page',
  size: (world, entities) => projectsOf(world, entities).length,
  instantiate(ctx) {
    const p = projectsOf(ctx.world, ctx.entities)[ctx.index]!;
    const n = p.stars + (ctx.world.code.starred.includes(p.path) ? 1 : 0);
    const read = (obs: Observation): number => Number(/^(\d+) stars/m.exec(pageText(obs))?.[1] ?? NaN);
    return {
      intent: `How many stars does the ${p.name} project have?`,
      startPath: `/${p.path}`,
      check: answerNumber(n),
      meta: { project: p.path, answer: n },
      *expert(_t, first) {
        yield act.answer(String(read(first)), 'The project page shows the star count next to the Star button.');
      },
      *wrongExpert(_t, first) {
        yield act.answer(String(read(first) - 1), 'I leave out what I take to be my own star and answer one less.');
      },
    };
  },
};

const issueAssignee: TaskTemplate = {
  id: 'code.issue-assignee',
  site: 'code',
  kind: 'info',
  description: 'Find who is assigned to an issue',
  size: (world, entities) => pool(world, entities, 'assigned', (ps) => issuePairs(ps, (i) => i.assignee !== null && i.assignee !== i.author)).length,
  instantiate(ctx) {
    const { project: p, issue } = pool(ctx.world, ctx.entities, 'assigned', (ps) => issuePairs(ps, (i) => i.assignee !== null && i.assignee !== i.author))[ctx.index]!;
    const who = issue.assignee!;
    return {
      intent: `Who is assigned to issue #${issue.iid} in the ${p.name} project?`,
      startPath: '/',
      check: answerIncludes([[displayNameOf(ctx.world, who), who]]),
      meta: { project: p.path, issue: issue.iid, answer: displayNameOf(ctx.world, who) },
      *expert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield* openIssue(obs, issue.iid);
        yield act.answer(valueOf(obs, 'combobox', 'Assignee'), 'The issue sidebar shows the assignee.');
      },
      *wrongExpert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield* openIssue(obs, issue.iid);
        const lines = parseObservation(obs.text);
        const at = lines.findIndex((l) => l.id === undefined && / ago by$/.test(l.name));
        const author = lines.slice(at + 1).find((l) => l.role === 'link')?.name ?? '';
        yield act.answer(author, 'I take the person named at the top of the issue for the assignee.');
      },
    };
  },
};

const mrSourceBranch: TaskTemplate = {
  id: 'code.mr-source-branch',
  site: 'code',
  kind: 'info',
  description: 'Read the source branch of a merge request',
  size: (world, entities) => pool(world, entities, 'mrs', (ps) => ps.flatMap((project) => project.mrs.map((mr) => ({ project, mr })))).length,
  instantiate(ctx) {
    const { project: p, mr } = pool(ctx.world, ctx.entities, 'mrs', (ps) => ps.flatMap((project) => project.mrs.map((m) => ({ project, mr: m }))))[ctx.index]!;
    const branch = (obs: Observation, which: string): string => (new RegExp(`^${which} branch \\| (.+)$`, 'm').exec(pageText(obs))?.[1] ?? '').trim();
    return {
      intent: `What is the source branch of merge request !${mr.iid} in the ${p.name} project?`,
      startPath: '/',
      check: answerIncludes([mr.source]),
      meta: { project: p.path, mr: mr.iid, answer: mr.source },
      *expert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield* openMr(obs, mr.iid);
        yield act.answer(branch(obs, 'Source'), 'The merge request page lists its source branch.');
      },
      *wrongExpert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield* openMr(obs, mr.iid);
        yield act.answer(branch(obs, 'Target'), 'I read the branch the request merges into.');
      },
    };
  },
};

const closedIssues: TaskTemplate = {
  id: 'code.closed-issues-page',
  site: 'code',
  kind: 'navigation',
  description: 'Open the list of closed issues of a project',
  size: (world, entities) => projectsOf(world, entities).length,
  instantiate(ctx) {
    const p = projectsOf(ctx.world, ctx.entities)[ctx.index]!;
    return {
      intent: `Show me the closed issues of the ${p.name} project.`,
      startPath: '/',
      check: urlMatch(`${ctx.urls.code}/${p.path}/-/issues?state=closed`),
      meta: { project: p.path },
      *expert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield act.click(obs, { role: 'link', name: 'Issues' }, 'The Issues tab has open, closed and all issues.');
        yield act.click(obs, { role: 'link', name: /^Closed \d+$/ }, 'The Closed tab lists the closed issues.');
        yield act.answer('done', 'The closed issues of the project are on screen.');
      },
      *wrongExpert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield act.click(obs, { role: 'link', name: 'Issues' }, 'The Issues tab has open, closed and all issues.');
        yield act.click(obs, { role: 'link', name: /^All \d+$/ }, 'The All tab should include the closed ones.');
        yield act.answer('done', 'The issue list is on screen.');
      },
    };
  },
};

function filePairs(ps: CodeProject[]): Array<{ project: CodeProject; file: CodeFile }> {
  const dirOf = (path: string): string => path.split('/').slice(0, -1).join('/');
  return ps.flatMap((project) => project.files.filter((f) => project.files.filter((g) => dirOf(g.path) === dirOf(f.path)).length >= 2).map((file) => ({ project, file })));
}

const openFile: TaskTemplate = {
  id: 'code.open-file',
  site: 'code',
  kind: 'navigation',
  description: 'Open a file of a repository in the file browser',
  size: (world, entities) => pool(world, entities, 'files', filePairs).length,
  instantiate(ctx) {
    const { project: p, file } = pool(ctx.world, ctx.entities, 'files', filePairs)[ctx.index]!;
    const parts = file.path.split('/');
    const name = parts.pop()!;
    function* toDir(first: Observation): Generator<ExpertStep, Observation, Observation> {
      let obs = yield* openProject(first, p.name);
      for (const d of parts) obs = yield act.click(obs, { role: 'link', name: d }, `The file is inside the ${d} folder, so I open it.`);
      return obs;
    }
    return {
      intent: `Open the file ${file.path} in the ${p.name} repository.`,
      startPath: '/',
      check: urlMatch(`${ctx.urls.code}/${p.path}/-/blob/main/${file.path}`),
      meta: { project: p.path, file: file.path },
      *expert(_t, first) {
        const obs = yield* toDir(first);
        yield act.click(obs, { role: 'link', name }, `${name} is listed here, so I open it.`);
        yield act.answer('done', `The contents of ${file.path} are on screen.`);
      },
      *wrongExpert(_t, first) {
        let obs = yield* toDir(first);
        const lines = parseObservation(obs.text);
        const other = lines.find((l, i) => l.role === 'link' && l.id !== undefined && l.name !== name && lines[i + 1]?.name === 'file')!;
        obs = yield clickId(other.id!, `I open ${other.name}, which I mistake for the file asked for.`);
        yield act.answer('done', 'A file of the folder is on screen.');
      },
    };
  },
};

export const codeTemplates: TaskTemplate[] = [openIssueCount, starCount, issueAssignee, mrSourceBranch, closedIssues, openFile, ...stateTemplates, ...unseenTemplates];
