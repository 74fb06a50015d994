// State-changing task templates of the code site: close an issue, add a label, assign, comment,
// create an issue, star a project, merge a merge request, add a member. Checkers read the
// session's state (`/__webagent/state`); wrong experts change the wrong thing or leave it unsaved.
//
// Over 300 lines because it holds the code site's eight state-changing templates, about 35 lines
// each: intent, a checker of the session state, and an expert and a wrong expert that must change,
// or miss, exactly what that checker reads.

import { stateMatch } from '../../tasks/checkers.js';
import { act } from '../../tasks/expert.js';
import { normalizeAnswer } from '../../tasks/checkers.js';
import type { TaskTemplate } from '../template.js';
import { COLORS, TECH, THINGS } from '../words.js';
import { LABELS, issueNow, membersOf, mrNow, type CodeProject, type CodeState, type Role } from './data.js';
import { changedStates, clickId, displayNameOf, issuePairs, linkAbove, openIssue, openMr, openProject, optionsOf, pool } from './experts.js';

const allIssues = (ps: CodeProject[]): ReturnType<typeof issuePairs> => issuePairs(ps, () => true);

const closeIssue: TaskTemplate = {
  id: 'code.close-issue',
  site: 'code',
  kind: 'state',
  description: 'Close an open issue',
  size: (world, entities) => pool(world, entities, 'open-issues', (ps) => issuePairs(ps, (i, x) => i.state === 'opened' && x.issues.filter((j) => j.state === 'opened').length >= 2)).length,
  instantiate(ctx) {
    const { project: p, issue } = pool(ctx.world, ctx.entities, 'open-issues', (ps) => issuePairs(ps, (i, x) => i.state === 'opened' && x.issues.filter((j) => j.state === 'opened').length >= 2))[ctx.index]!;
    return {
      intent: `Close issue #${issue.iid} in the ${p.name} project.`,
      startPath: '/',
      check: stateMatch<CodeState>(`issue #${issue.iid} of ${p.path} is closed and no other issue changed`, (s) => {
        if (issueNow(p, s, issue.iid)?.state !== 'closed') return `issue #${issue.iid} is not closed`;
        const other = changedStates(s, p, [issue.iid]);
        return other.length === 0 || `other issues changed state: ${other.map((n) => `#${n}`).join(', ')}`;
      }),
      meta: { project: p.path, issue: issue.iid },
      *expert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield* openIssue(obs, issue.iid);
        yield act.click(obs, { role: 'button', name: 'Close issue' }, 'This is the issue to close, so I press Close issue.');
        yield act.answer('done', `Issue #${issue.iid} now shows as closed.`);
      },
      *wrongExpert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield act.click(obs, { role: 'link', name: 'Issues' }, 'I open the open issues of the project.');
        const rows = obs.text.split('\n').filter((l) => /^#\d+ ·/.test(l) && !l.startsWith(`#${issue.iid} `));
        const row = linkAbove(obs, rows[0]!.split(' ')[0]! + ' ·');
        obs = yield clickId(row.id, `I open "${row.name}", taking it for issue #${issue.iid}.`);
        obs = yield act.click(obs, { role: 'button', name: 'Close issue' }, 'I close the issue.');
        yield act.answer('done', 'An issue was closed.');
      },
    };
  },
};

const addLabel: TaskTemplate = {
  id: 'code.add-label',
  site: 'code',
  kind: 'state',
  description: 'Add a label to an issue',
  size: (world, entities) => pool(world, entities, 'issues', allIssues).length,
  instantiate(ctx) {
    const { project: p, issue } = pool(ctx.world, ctx.entities, 'issues', allIssues)[ctx.index]!;
    const label = ctx.rng.pick(LABELS.filter((l) => !issue.labels.includes(l)));
    return {
      intent: `Add the label "${label}" to issue #${issue.iid} in the ${p.name} project.`,
      startPath: '/',
      check: stateMatch<CodeState>(`issue #${issue.iid} of ${p.path} has the label ${label} and keeps its others`, (s) => {
        const labels = issueNow(p, s, issue.iid)?.labels ?? [];
        if (!labels.includes(label)) return `issue #${issue.iid} has labels [${labels.join(', ')}], without ${label}`;
        return issue.labels.every((l) => labels.includes(l)) || `issue #${issue.iid} lost a label: [${labels.join(', ')}]`;
      }),
      meta: { project: p.path, issue: issue.iid, label },
      *expert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield* openIssue(obs, issue.iid);
        obs = yield act.select(obs, { role: 'combobox', name: 'Label to add' }, label, `I pick ${label} in the label dropdown.`);
        yield act.click(obs, { role: 'button', name: 'Add label' }, 'I press Add label to save it.');
        yield act.answer('done', `The issue now lists the ${label} label.`);
      },
      *wrongExpert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield* openIssue(obs, issue.iid);
        yield act.select(obs, { role: 'combobox', name: 'Label to add' }, label, `I pick ${label} in the label dropdown.`);
        yield act.answer('done', 'The label is chosen, so I stop without saving it.');
      },
    };
  },
};

const assignIssue: TaskTemplate = {
  id: 'code.assign-issue',
  site: 'code',
  kind: 'state',
  description: 'Assign an issue to a project member',
  size: (world, entities) => pool(world, entities, 'issues', allIssues).length,
  instantiate(ctx) {
    const { project: p, issue } = pool(ctx.world, ctx.entities, 'issues', allIssues)[ctx.index]!;
    const who = ctx.rng.pick(p.members.filter((m) => m.username !== issue.assignee && m.username !== ctx.world.code.me)).username;
    const name = displayNameOf(ctx.world, who);
    return {
      intent: `Assign issue #${issue.iid} in the ${p.name} project to ${name}.`,
      startPath: '/',
      check: stateMatch<CodeState>(`issue #${issue.iid} of ${p.path} is assigned to ${who}`, (s) => {
        const a = issueNow(p, s, issue.iid)?.assignee ?? null;
        return a === who || `issue #${issue.iid} is assigned to ${a ?? 'nobody'}`;
      }),
      meta: { project: p.path, issue: issue.iid, assignee: who },
      *expert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield* openIssue(obs, issue.iid);
        obs = yield act.select(obs, { role: 'combobox', name: 'Assignee' }, name, `I choose ${name} as the assignee.`);
        yield act.click(obs, { role: 'button', name: 'Save assignee' }, 'I save the new assignee.');
        yield act.answer('done', `The issue is now assigned to ${name}.`);
      },
      *wrongExpert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield* openIssue(obs, issue.iid);
        const other = optionsOf(obs, 'Assignee').find((o) => o !== name && o !== 'Unassigned')!;
        obs = yield act.select(obs, { role: 'combobox', name: 'Assignee' }, other, `I choose ${other}, confusing them with ${name}.`);
        obs = yield act.click(obs, { role: 'button', name: 'Save assignee' }, 'I save the new assignee.');
        yield act.answer('done', 'The assignee is saved.');
      },
    };
  },
};

const COMMENTS = ['I can reproduce this on version 2.1.', 'Fixed in the latest release, please retest.', 'Moving this to the next milestone.', 'Can someone from the team take a look?', 'Duplicate of an older report.'];

const commentIssue: TaskTemplate = {
  id: 'code.comment-issue',
  site: 'code',
  kind: 'state',
  description: 'Leave a comment on an issue',
  size: (world, entities) => pool(world, entities, 'issues', allIssues).length,
  instantiate(ctx) {
    const { project: p, issue } = pool(ctx.world, ctx.entities, 'issues', allIssues)[ctx.index]!;
    const text = ctx.rng.pick(COMMENTS);
    const me = ctx.world.code.me;
    return {
      intent: `Comment "${text}" on issue #${issue.iid} in the ${p.name} project.`,
      startPath: '/',
      check: stateMatch<CodeState>(`issue #${issue.iid} of ${p.path} has my comment`, (s) => {
        const list = issueNow(p, s, issue.iid)?.comments ?? [];
        return list.some((c) => c.author === me && normalizeAnswer(c.body).includes(normalizeAnswer(text))) || `no new comment "${text}" on #${issue.iid}`;
      }),
      meta: { project: p.path, issue: issue.iid, comment: text },
      *expert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield* openIssue(obs, issue.iid);
        obs = yield act.type(obs, { role: 'textbox', name: 'Comment' }, text, 'I write the comment in the comment box.');
        yield act.click(obs, { role: 'button', name: 'Comment' }, 'I post the comment.');
        yield act.answer('done', 'The comment is shown under the issue.');
      },
      *wrongExpert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield* openIssue(obs, issue.iid);
        yield act.type(obs, { role: 'textbox', name: 'Comment' }, text, 'I write the comment in the comment box.');
        yield act.answer('done', 'The comment is written, so I stop before posting it.');
      },
    };
  },
};

const DESCRIPTIONS = ['It fails every time on a fresh install.', 'Seen on the main branch since last week.', 'Users asked for this in the forum.', 'Steps: run the tests twice in a row.'];

const createIssue: TaskTemplate = {
  id: 'code.create-issue',
  site: 'code',
  kind: 'state',
  description: 'Create an issue with a title, description, label and assignee',
  size: (world, entities) => pool(world, entities, 'projects', (ps) => ps).length * 3,
  instantiate(ctx) {
    const ps = pool(ctx.world, ctx.entities, 'projects', (x) => x);
    const p = ps[ctx.index % ps.length]!;
    const rng = ctx.rng;
    const title = rng.pick([
      `Add ${rng.pick(COLORS).toLowerCase()} theme to the ${rng.pick(TECH)}`,
      `Crash when the ${rng.pick(TECH)} gets an empty ${rng.pick(THINGS).toLowerCase()}`,
      `Document the ${rng.pick(TECH)} ${rng.pick(THINGS).toLowerCase()} option`,
    ]);
    const description = rng.pick(DESCRIPTIONS);
    const label = rng.pick(LABELS);
    const who = rng.pick(p.members.filter((m) => m.username !== ctx.world.code.me)).username;
    const name = displayNameOf(ctx.world, who);
    return {
      intent: `Create an issue in the ${p.name} project titled "${title}" with the description "${description}", the label "${label}", assigned to ${name}.`,
      startPath: '/',
      check: stateMatch<CodeState>(`a new issue "${title}" in ${p.path} with label ${label}, assigned to ${who}`, (s) => {
        const made = (s.created[p.path] ?? []).filter((i) => normalizeAnswer(i.title) === normalizeAnswer(title));
        if (made.length === 0) return `no new issue titled "${title}" in ${p.path}`;
        const ok = made.find((i) => i.labels.includes(label) && i.assignee === who && normalizeAnswer(i.description).includes(normalizeAnswer(description)));
        return ok !== undefined || `the new issue has labels [${made[0]!.labels.join(', ')}], assignee ${made[0]!.assignee ?? 'none'}, description "${made[0]!.description}"`;
      }),
      meta: { project: p.path, title, label, assignee: who },
      *expert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield act.click(obs, { role: 'link', name: 'Issues' }, 'New issues are created from the Issues tab.');
        obs = yield act.click(obs, { role: 'link', name: 'New issue' }, 'I open the new issue form.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Title' }, title, 'I type the title.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Description' }, description, 'I type the description.');
        obs = yield act.select(obs, { role: 'combobox', name: 'Label' }, label, `I choose the ${label} label.`);
        obs = yield act.select(obs, { role: 'combobox', name: 'Assignee' }, name, `I assign it to ${name}.`);
        yield act.click(obs, { role: 'button', name: 'Create issue' }, 'Everything is filled in, so I create the issue.');
        yield act.answer('done', 'The new issue page is shown.');
      },
      *wrongExpert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield act.click(obs, { role: 'link', name: 'Issues' }, 'New issues are created from the Issues tab.');
        obs = yield act.click(obs, { role: 'link', name: 'New issue' }, 'I open the new issue form.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Title' }, title, 'I type the title.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Description' }, description, 'I type the description.');
        obs = yield act.select(obs, { role: 'combobox', name: 'Assignee' }, name, `I assign it to ${name}.`);
        yield act.click(obs, { role: 'button', name: 'Create issue' }, 'I create the issue, forgetting the label.');
        yield act.answer('done', 'The new issue page is shown.');
      },
    };
  },
};

const starProject: TaskTemplate = {
  id: 'code.star-project',
  site: 'code',
  kind: 'state',
  description: 'Star a project',
  size: (world, entities) => pool(world, entities, 'unstarred', (ps) => ps.filter((p) => !world.code.starred.includes(p.path))).length,
  instantiate(ctx) {
    const p = pool(ctx.world, ctx.entities, 'unstarred', (ps) => ps.filter((x) => !ctx.world.code.starred.includes(x.path)))[ctx.index]!;
    return {
      intent: `Star the ${p.name} project.`,
      startPath: '/',
      check: stateMatch<CodeState>(`${p.path} is starred`, (s) => s.starred.includes(p.path) || `${p.path} is not starred`),
      meta: { project: p.path },
      *expert(_t, first) {
        const obs = yield* openProject(first, p.name);
        yield act.click(obs, { role: 'button', name: 'Star' }, 'The project page has a Star button.');
        yield act.answer('done', 'The button now reads Unstar, so the project is starred.');
      },
      *wrongExpert(_t, first) {
        yield* openProject(first, p.name);
        yield act.answer('done', 'I open the project and take that for starring it.');
      },
    };
  },
};

const mergeMr: TaskTemplate = {
  id: 'code.merge-mr',
  site: 'code',
  kind: 'state',
  description: 'Merge an open merge request',
  size: (world, entities) => pool(world, entities, 'open-mrs', (ps) => ps.flatMap((project) => project.mrs.filter((m) => m.state === 'opened').map((mr) => ({ project, mr })))).length,
  instantiate(ctx) {
    const { project: p, mr } = pool(ctx.world, ctx.entities, 'open-mrs', (ps) => ps.flatMap((project) => project.mrs.filter((m) => m.state === 'opened').map((x) => ({ project, mr: x }))))[ctx.index]!;
    return {
      intent: `Merge merge request !${mr.iid} in the ${p.name} project.`,
      startPath: '/',
      check: stateMatch<CodeState>(`!${mr.iid} of ${p.path} is merged`, (s) => {
        const now = mrNow(p, s, mr.iid)?.state;
        if (now !== 'merged') return `!${mr.iid} is ${now ?? 'missing'}`;
        const other = p.mrs.find((m) => m.iid !== mr.iid && mrNow(p, s, m.iid)?.state !== m.state);
        return other === undefined || `!${other.iid} changed too`;
      }),
      meta: { project: p.path, mr: mr.iid },
      *expert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield* openMr(obs, mr.iid, false);
        yield act.click(obs, { role: 'button', name: 'Merge' }, 'The request is open, so I press Merge.');
        yield act.answer('done', `Merge request !${mr.iid} shows as merged.`);
      },
      *wrongExpert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield* openMr(obs, mr.iid, false);
        yield act.click(obs, { role: 'button', name: 'Close merge request' }, 'I press the button that finishes the request.');
        yield act.answer('done', 'The merge request is no longer open.');
      },
    };
  },
};

const ADD_ROLES: readonly Role[] = ['Reporter', 'Developer', 'Maintainer'];

const addMember: TaskTemplate = {
  id: 'code.add-member',
  site: 'code',
  kind: 'state',
  description: 'Invite a user to a project with a role',
  size: (world, entities) => pool(world, entities, 'non-members', (ps) => nonMembers(world, ps, entities)).length,
  instantiate(ctx) {
    const { project: p, username } = pool(ctx.world, ctx.entities, 'non-members', (ps) => nonMembers(ctx.world, ps, ctx.entities))[ctx.index]!;
    const role = ctx.rng.pick(ADD_ROLES);
    const name = displayNameOf(ctx.world, username);
    return {
      intent: `Add ${name} to the ${p.name} project as a ${role}.`,
      startPath: '/',
      check: stateMatch<CodeState>(`${username} is a ${role} of ${p.path}`, (s) => {
        const m = membersOf(p, s).find((x) => x.username === username);
        return m?.role === role || (m ? `${username} is a ${m.role}` : `${username} is not a member`);
      }),
      meta: { project: p.path, user: username, role },
      *expert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield act.click(obs, { role: 'link', name: 'Members' }, 'Members are managed on the Members tab.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Username' }, name, `I enter ${name} in the invite form.`);
        obs = yield act.select(obs, { role: 'combobox', name: 'Role' }, role, `I choose the ${role} role.`);
        yield act.click(obs, { role: 'button', name: 'Invite member' }, 'I send the invitation.');
        yield act.answer('done', `${name} is listed as a ${role}.`);
      },
      *wrongExpert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield act.click(obs, { role: 'link', name: 'Members' }, 'Members are managed on the Members tab.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Username' }, name, `I enter ${name} in the invite form.`);
        yield act.click(obs, { role: 'button', name: 'Invite member' }, 'I send the invitation with the default role.');
        yield act.answer('done', `${name} is now a member.`);
      },
    };
  },
};

function nonMembers(world: Parameters<TaskTemplate['size']>[0], ps: CodeProject[], entities: 'train' | 'test'): Array<{ project: CodeProject; username: string }> {
  const users = world.code.users.filter((u) => u.split === entities && u.username !== world.code.me);
  return ps.flatMap((project) => users.filter((u) => !project.members.some((m) => m.username === u.username)).map((u) => ({ project, username: u.username })));
}

export const stateTemplates: TaskTemplate[] = [closeIssue, addLabel, assignIssue, commentIssue, createIssue, starProject, mergeMr, addMember];
