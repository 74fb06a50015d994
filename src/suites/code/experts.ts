// Shared pieces of the code site's task templates: entity pools per split (sorted, capped
// deterministically) and expert sub-scripts that move through the site by reading the
// observation (search a project, open its issues, find issue #N or merge request !N).

import type { Observation } from '../../env/types.js';
import { ExpertError, act } from '../../tasks/expert.js';
import { findElement, parseObservation } from '../../tasks/observation.js';
import type { ExpertStep } from '../../tasks/types.js';
import { rngFor } from '../words.js';
import { derived, type World } from '../world.js';
import { issueNow, type CodeIssue, type CodeProject, type CodeState } from './data.js';

export type Steps = Generator<ExpertStep, Observation, Observation>;

/** Most instances a template draws from one split. */
export const CAP = 150;

/**
 * A template's pool of entities for a split: built once per world, sorted by `build`, and when
 * longer than CAP shuffled with a fixed seed and cut, so the instances spread over all projects.
 */
export function pool<T>(world: World, entities: 'train' | 'test', key: string, build: (projects: CodeProject[]) => T[]): T[] {
  return derived(world, `code:${key}:${entities}`, () => {
    const all = build(world.code.projects.filter((p) => p.split === entities));
    return all.length > CAP ? rngFor(world.seed, 'code-pool', key, entities).shuffle(all).slice(0, CAP) : all;
  });
}

export interface IssueRef {
  readonly project: CodeProject;
  readonly issue: CodeIssue;
}

export function issuePairs(projects: CodeProject[], keep: (i: CodeIssue, p: CodeProject) => boolean): IssueRef[] {
  return projects.flatMap((project) => project.issues.filter((i) => keep(i, project)).map((issue) => ({ project, issue })));
}

/** Seeded issues whose open/closed state differs from the start, other than `except`. */
export function changedStates(state: CodeState, p: CodeProject, except: readonly number[]): number[] {
  return p.issues.filter((i) => !except.includes(i.iid) && issueNow(p, state, i.iid)?.state !== i.state).map((i) => i.iid);
}

export function displayNameOf(world: World, username: string): string {
  return world.code.userByName.get(username)?.name ?? username;
}

/** From any page: search the project by name and open it (2 steps). */
export function* openProject(obs: Observation, name: string): Steps {
  obs = yield act.type(obs, { role: 'searchbox', name: 'Search projects' }, name, `I search for the ${name} project with the header search box.`, { enter: true });
  return yield act.click(obs, { role: 'link', name }, `The ${name} project is in the search results, so I open it.`);
}

/** The id of the link just above the first text line starting with `prefix` (list rows: title link, then "#12 · ..."). */
export function linkAbove(obs: Observation, prefix: string): { id: number; name: string } {
  const lines = parseObservation(obs.text);
  const at = lines.findIndex((l) => l.id === undefined && l.name.startsWith(prefix));
  for (let i = at - 1; at >= 0 && i >= 0; i--) {
    const l = lines[i]!;
    if (l.role === 'link' && l.id !== undefined) return { id: l.id, name: l.name };
  }
  throw new ExpertError(`expert: no list row starting with ${JSON.stringify(prefix)} on ${obs.url}`);
}

export function clickId(id: number, thought: string): ExpertStep {
  return { action: { type: 'click', target: { id } }, thought };
}

/** On a project page: open the issue list, show all states and search for #iid, then open it (4 steps). */
export function* openIssue(obs: Observation, iid: number): Steps {
  obs = yield act.click(obs, { role: 'link', name: 'Issues' }, 'Issues live under the project\'s Issues tab, so I open it.');
  obs = yield act.click(obs, { role: 'link', name: /^All \d+$/ }, `Issue #${iid} may be open or closed, so I switch to all issues.`);
  obs = yield act.type(obs, { role: 'searchbox', name: 'Search issues' }, `#${iid}`, `I search for #${iid} to find the issue without paging.`, { enter: true });
  const row = linkAbove(obs, `#${iid} ·`);
  return yield clickId(row.id, `The result "${row.name}" is issue #${iid}, so I open it.`);
}

/** On a project page: open the merge request list (all states) and open !iid (3 steps). */
export function* openMr(obs: Observation, iid: number, allStates = true): Steps {
  obs = yield act.click(obs, { role: 'link', name: 'Merge requests' }, 'Merge requests have their own tab in the project, so I open it.');
  if (allStates) obs = yield act.click(obs, { role: 'link', name: /^All \d+$/ }, `I show merge requests of every state so that !${iid} is listed whatever its status.`);
  const row = linkAbove(obs, `!${iid} ·`);
  return yield clickId(row.id, `The row "${row.name}" is merge request !${iid}, so I open it.`);
}

/** Option names of a dropdown in the observation. */
export function optionsOf(obs: Observation, comboboxName: string): string[] {
  const lines = parseObservation(obs.text);
  const at = lines.findIndex((l) => l.role === 'combobox' && l.name === comboboxName);
  const out: string[] = [];
  for (let i = at + 1; at >= 0 && i < lines.length && lines[i]!.role === 'option'; i++) out.push(lines[i]!.name);
  return out;
}

/** The value shown in a form control. */
export function valueOf(obs: Observation, role: string, name: string): string {
  return findElement(obs, { role, name })?.value ?? '';
}
