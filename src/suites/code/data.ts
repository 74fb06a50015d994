// Seeded data of the code site (a GitLab-like code host): users, groups, projects with members,
// a small file tree, issues and merge requests; and the per-session mutable state (issue
// states/labels/assignees/comments, new issues, merge request states, members, stars), plus the
// helpers that merge the two into what the pages show.
//
// Over 300 lines because the seeded data, the copy-on-write session state and the views that merge
// them are one model of the site: the views depend on how the seed lays issues out (iid = index +
// 1) and how the state keys its changes (project path, then iid).

import { ADJECTIVES, ANIMALS, COLORS, FIRST_NAMES, LAST_NAMES, NATURE, TECH, THINGS, entitySplit, rngFor, type Rng } from '../words.js';

export type Role = 'Guest' | 'Reporter' | 'Developer' | 'Maintainer' | 'Owner';
export const ROLES: readonly Role[] = ['Guest', 'Reporter', 'Developer', 'Maintainer', 'Owner'];
export type IssueStatus = 'opened' | 'closed';
export type MrStatus = 'opened' | 'merged' | 'closed';

export const LABELS = ['bug', 'feature', 'documentation', 'enhancement', 'question', 'wontfix', 'duplicate', 'security', 'performance', 'good first issue'] as const;

export interface CodeUser {
  /** `ada_lovelace`. */
  readonly username: string;
  /** `Ada Lovelace`. */
  readonly name: string;
  readonly split: 'train' | 'test';
}

export interface CodeGroup {
  /** `river-otter`. */
  readonly path: string;
  readonly description: string;
}

export interface CodeMember {
  username: string;
  role: Role;
}

export interface CodeComment {
  author: string;
  body: string;
}

export interface CodeIssue {
  readonly iid: number;
  readonly title: string;
  readonly description: string;
  readonly author: string;
  /** Days ago it was opened. */
  readonly age: number;
  readonly state: IssueStatus;
  readonly labels: readonly string[];
  readonly assignee: string | null;
  readonly comments: readonly CodeComment[];
}

export interface CodeMergeRequest {
  readonly iid: number;
  readonly title: string;
  readonly description: string;
  readonly author: string;
  readonly source: string;
  readonly target: string;
  readonly state: MrStatus;
  readonly comments: readonly CodeComment[];
}

export interface CodeFile {
  /** `src/utils/format.ts`. */
  readonly path: string;
  readonly content: string;
}

export interface CodeProject {
  /** `quiet-parser` (unique over the site). */
  readonly name: string;
  /** Group path or username. */
  readonly namespace: string;
  /** `river-otter/quiet-parser`. */
  readonly path: string;
  readonly description: string;
  /** Stars from other users (the signed-in user's star is in the session state). */
  readonly stars: number;
  readonly members: readonly CodeMember[];
  readonly files: readonly CodeFile[];
  readonly issues: readonly CodeIssue[];
  readonly mrs: readonly CodeMergeRequest[];
  readonly split: 'train' | 'test';
}

export interface CodeData {
  readonly name: string;
  readonly users: readonly CodeUser[];
  readonly userByName: ReadonlyMap<string, CodeUser>;
  readonly groups: readonly CodeGroup[];
  /** Sorted by name. */
  readonly projects: readonly CodeProject[];
  readonly projectByPath: ReadonlyMap<string, CodeProject>;
  /** The signed-in user's username. */
  readonly me: string;
  /** Projects the signed-in user has starred at the start of a session. */
  readonly starred: readonly string[];
}

export interface IssueState {
  state: IssueStatus;
  labels: string[];
  assignee: string | null;
  /** Comments added in this session. */
  comments: CodeComment[];
}

export interface NewIssue extends IssueState {
  iid: number;
  title: string;
  description: string;
  author: string;
}

export interface MrState {
  state: MrStatus;
  /** Comments added in this session. */
  comments: CodeComment[];
}

/**
 * Mutable per-session state (plain JSON), copy-on-write: only what changed in the session is
 * here, keyed by project path (and iid); everything else reads from the seeded data.
 */
export interface CodeState {
  /** Seeded issues changed in this session: path -> iid -> current state. */
  issues: Record<string, Record<string, IssueState>>;
  /** Issues created in this session. */
  created: Record<string, NewIssue[]>;
  /** Merge requests changed in this session: path -> iid -> current state. */
  mrs: Record<string, Record<string, MrState>>;
  /** Member lists changed in this session (the whole list). */
  members: Record<string, CodeMember[]>;
  /** Project paths the signed-in user has starred. */
  starred: string[];
}

const UTILS = ['format', 'retry', 'logger', 'config', 'errors'] as const;
const COMMENT_TEXTS = [
  'I can reproduce this on the main branch.', 'Thanks, looking into it.', 'Could you share the full log?', 'This is fixed by the open merge request.',
  'Same here after upgrading.', 'Low priority for now.', 'Let us discuss this in the next sync.', 'Confirmed, adding a test for it.',
];

function issueTitle(rng: Rng): string {
  const tech = rng.pick(TECH);
  const thing = rng.pick(THINGS).toLowerCase();
  const color = rng.pick(COLORS).toLowerCase();
  const util = rng.pick(UTILS);
  return rng.pick([
    `Crash when the ${tech} gets an empty ${thing}`, `Add a ${color} theme to the ${tech} page`, `Improve the ${util} docs`, `Flaky test in ${tech}.test.ts`,
    `Slow ${tech} startup with many ${thing}s`, `Missing error message in ${util}.ts`, `Support ${thing} names with spaces`, `Update the ${tech} dependencies`,
    `Typo in the README ${util} section`, `Add retry option to the ${tech}`, `Memory leak in the ${tech} ${util}`, `Wrong ${color} colour in the ${thing} view`,
  ]);
}

function fileContents(p: { name: string; description: string }, tech: string, utils: readonly string[], docs: boolean): CodeFile[] {
  const files: CodeFile[] = [
    { path: 'README.md', content: `# ${p.name}\n\n${p.description}\n\n## Install\n\nnpm install ${p.name}\n\n## Usage\n\nimport { create } from '${p.name}';` },
    { path: 'package.json', content: `{\n  "name": "${p.name}",\n  "version": "1.${p.name.length % 9}.0",\n  "type": "module",\n  "main": "dist/index.js",\n  "scripts": { "build": "tsc", "test": "node --test" },\n  "license": "MIT"\n}` },
    { path: 'LICENSE', content: 'MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\nof this software, to deal in the Software without restriction.' },
    { path: '.gitignore', content: 'node_modules/\ndist/\ncoverage/' },
    { path: 'src/index.ts', content: `export { create } from './${tech}.js';\nexport type { Options } from './${tech}.js';` },
    {
      path: `src/${tech}.ts`,
      content: `import { ${utils[0]} } from './utils/${utils[0]}.js';\n\nexport interface Options {\n  readonly retries?: number;\n}\n\nexport function create(options: Options = {}) {\n  return { name: '${p.name}', retries: options.retries ?? 3, ${utils[0]} };\n}`,
    },
    ...utils.map((u) => ({ path: `src/utils/${u}.ts`, content: `// ${u} helpers of the ${tech}.\n\nexport function ${u}(input: string): string {\n  return input.trim();\n}` })),
    { path: `test/${tech}.test.ts`, content: `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { create } from '../src/index.js';\n\ntest('create', () => {\n  assert.equal(create().retries, 3);\n});` },
  ];
  if (docs) files.push({ path: 'docs/usage.md', content: `# Using ${p.name}\n\nCall create() with options.\nSet retries to change how often the ${tech} retries.` });
  return files;
}

export const PROJECT_COUNT = 60;

export function createCodeData(seed: number): CodeData {
  const rng = rngFor(seed, 'code');
  const users: CodeUser[] = [];
  const unames = new Set<string>();
  while (users.length < 48) {
    const name = `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
    if (unames.has(name)) continue;
    unames.add(name);
    users.push({ username: name.toLowerCase().replace(' ', '_'), name, split: entitySplit(name) });
  }
  const me = users[0]!.username;
  const groups: CodeGroup[] = [];
  const gnames = new Set<string>();
  while (groups.length < 6) {
    const path = `${rng.pick(NATURE)}-${rng.pick(ANIMALS)}`.toLowerCase();
    if (gnames.has(path)) continue;
    gnames.add(path);
    groups.push({ path, description: `Projects of the ${path} team.` });
  }
  const others = users.slice(1);
  const projects: CodeProject[] = [];
  const pnames = new Set<string>();
  while (projects.length < PROJECT_COUNT) {
    const adj = rng.pick(ADJECTIVES).toLowerCase();
    const tech = rng.pick(TECH);
    const name = `${adj}-${tech}`;
    if (pnames.has(name)) continue;
    pnames.add(name);
    const byGroup = rng.chance(0.5);
    const ownerUser = rng.pick(others);
    const namespace = byGroup ? rng.pick(groups).path : ownerUser.username;
    const description = `A ${adj} ${tech} for ${rng.pick(THINGS).toLowerCase()} data, written in TypeScript.`;
    // Members: the owner, then 3-6 others (sometimes the signed-in user).
    const members: CodeMember[] = [{ username: ownerUser.username, role: 'Owner' }];
    const pool = rng.sample(others.filter((u) => u !== ownerUser), rng.int(3, 6));
    for (const u of pool) members.push({ username: u.username, role: rng.pick(['Maintainer', 'Developer', 'Developer', 'Reporter', 'Guest'] as const) });
    if (rng.chance(0.45)) members.push({ username: me, role: rng.pick(['Maintainer', 'Developer'] as const) });
    const workers = members.filter((m) => m.role !== 'Guest').map((m) => m.username);
    const utils = rng.sample(UTILS, rng.int(1, 2));
    const files = fileContents({ name, description }, tech, utils, rng.chance(0.5));
    const issues: CodeIssue[] = [];
    const nIssues = rng.int(12, 32);
    for (let i = 1; i <= nIssues; i++) {
      const labels = rng.sample(LABELS, rng.pick([0, 1, 1, 1, 2, 2]));
      issues.push({
        iid: i,
        title: issueTitle(rng),
        description: rng.pick(['Steps to reproduce are in the log below.', 'Seen on version 1.2 and later.', 'Reported by a user on the forum.', 'Would make the API easier to use.', 'Happens about once a day.']),
        author: rng.chance(0.7) ? rng.pick(members).username : rng.pick(users).username,
        age: nIssues - i + rng.int(1, 5),
        state: rng.chance(0.4) ? 'closed' : 'opened',
        labels,
        assignee: rng.chance(0.7) ? rng.pick(workers) : null,
        comments: Array.from({ length: rng.int(0, 3) }, () => ({ author: rng.pick(members).username, body: rng.pick(COMMENT_TEXTS) })),
      });
    }
    const mrs: CodeMergeRequest[] = [];
    const nMrs = rng.int(3, 8);
    for (let i = 1; i <= nMrs; i++) {
      const branchTech = rng.pick(TECH);
      const thing = rng.pick(THINGS).toLowerCase();
      const kind = rng.pick(['feature', 'fix', 'docs'] as const);
      mrs.push({
        iid: i,
        title: kind === 'feature' ? `Add ${thing} support to the ${branchTech}` : kind === 'fix' ? `Fix ${branchTech} crash on empty ${thing}` : `Document the ${branchTech} ${thing} option`,
        description: rng.pick(['Adds tests too.', 'Closes an old issue.', 'Small change, ready for review.', 'Needs a second pair of eyes.']),
        author: rng.pick(workers),
        source: `${kind}/${branchTech}-${thing}`,
        target: rng.chance(0.85) ? 'main' : 'develop',
        state: rng.pick(['opened', 'opened', 'opened', 'merged', 'merged', 'closed'] as const),
        comments: Array.from({ length: rng.int(0, 2) }, () => ({ author: rng.pick(members).username, body: rng.pick(['Looks good to me.', 'Please add a test.', 'Rebased on main.', 'Approved.']) })),
      });
    }
    projects.push({ name, namespace, path: `${namespace}/${name}`, description, stars: rng.int(0, 60), members, files, issues, mrs, split: entitySplit(name) });
  }
  projects.sort((a, b) => a.name.localeCompare(b.name));
  const starred = projects.filter(() => rng.chance(0.2)).map((p) => p.path);
  return {
    name: 'CodeHub',
    users,
    userByName: new Map(users.map((u) => [u.username, u])),
    groups,
    projects,
    projectByPath: new Map(projects.map((p) => [p.path, p])),
    me,
    starred,
  };
}

/** A fresh session state: nothing changed yet, the seeded stars of the signed-in user. */
export function createCodeState(data: CodeData): CodeState {
  return { issues: {}, created: {}, mrs: {}, members: {}, starred: [...data.starred] };
}

// ---------------------------------------------------------------- views (seed + session state)

/** The current state of a seeded or created issue (read-only use), or undefined. */
export function issueNow(p: CodeProject, state: CodeState, iid: number): IssueState | undefined {
  const changed = state.issues[p.path]?.[iid];
  if (changed) return changed;
  const seeded = p.issues[iid - 1];
  if (seeded) return { state: seeded.state, labels: [...seeded.labels], assignee: seeded.assignee, comments: [] };
  return state.created[p.path]?.find((n) => n.iid === iid);
}

/** The issue's record to change (copied into the state on first change). */
export function issueMut(p: CodeProject, state: CodeState, iid: number): IssueState | undefined {
  if (iid > p.issues.length) return state.created[p.path]?.find((n) => n.iid === iid);
  const now = issueNow(p, state, iid);
  if (!now) return undefined;
  return ((state.issues[p.path] ??= {})[iid] ??= now);
}

/** An issue as the session sees it (base data with the session's changes applied): same fields as CodeIssue. */
export type IssueView = CodeIssue;

/** Every issue of a project as shown now, newest first. */
export function issuesOf(project: CodeProject, state: CodeState): IssueView[] {
  const changed = state.issues[project.path] ?? {};
  const seeded = project.issues.map((i): IssueView => {
    const m = changed[i.iid];
    return m ? { ...i, state: m.state, labels: m.labels, assignee: m.assignee, comments: [...i.comments, ...m.comments] } : i;
  });
  const created = (state.created[project.path] ?? []).map((n): IssueView => ({ ...n, age: 0 }));
  return [...seeded, ...created].reverse();
}

export function issueOf(project: CodeProject, state: CodeState, iid: number): IssueView | undefined {
  return issuesOf(project, state).find((i) => i.iid === iid);
}

/** The current state of a merge request. */
export function mrNow(p: CodeProject, state: CodeState, iid: number): MrState | undefined {
  const changed = state.mrs[p.path]?.[iid];
  if (changed) return changed;
  const m = p.mrs[iid - 1];
  return m ? { state: m.state, comments: [] } : undefined;
}

export function mrMut(p: CodeProject, state: CodeState, iid: number): MrState | undefined {
  const now = mrNow(p, state, iid);
  return now ? ((state.mrs[p.path] ??= {})[iid] ??= now) : undefined;
}

export interface MrView extends Omit<CodeMergeRequest, 'state' | 'comments'> {
  readonly state: MrStatus;
  readonly comments: readonly CodeComment[];
}

export function mrsOf(project: CodeProject, state: CodeState): MrView[] {
  return project.mrs.map((m): MrView => {
    const c = state.mrs[project.path]?.[m.iid];
    return c ? { ...m, state: c.state, comments: [...m.comments, ...c.comments] } : m;
  }).reverse();
}

export function membersOf(project: CodeProject, state: CodeState): readonly CodeMember[] {
  return state.members[project.path] ?? project.members;
}

export function membersMut(project: CodeProject, state: CodeState): CodeMember[] {
  return (state.members[project.path] ??= project.members.map((m) => ({ ...m })));
}

/** The star count shown now. */
export function starsOf(project: CodeProject, state: CodeState): number {
  return project.stars + (state.starred.includes(project.path) ? 1 : 0);
}

export function displayName(data: CodeData, username: string | null): string {
  if (username === null) return 'Unassigned';
  return data.userByName.get(username)?.name ?? username;
}
