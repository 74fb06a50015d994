// Held-out task templates of the code site (only in `test-unseen`): close every open issue
// with a label (a filtered list worked through one by one), name the project's single
// Maintainer, and count merged merge requests.

import { answerIncludes, answerNumber, stateMatch } from '../../tasks/checkers.js';
import { act } from '../../tasks/expert.js';
import { parseObservation } from '../../tasks/observation.js';
import type { TaskTemplate } from '../template.js';
import type { CodeProject, CodeState } from './data.js';
import { LABELS, issueNow } from './data.js';
import { changedStates, clickId, displayNameOf, linkAbove, openProject, pool } from './experts.js';
import type { Observation } from '../../env/types.js';
import type { ExpertStep } from '../../tasks/types.js';

function labelTargets(ps: CodeProject[]): Array<{ project: CodeProject; label: string; iids: number[] }> {
  return ps.flatMap((project) =>
    LABELS.map((label) => ({ project, label, iids: project.issues.filter((i) => i.state === 'opened' && i.labels.includes(label)).map((i) => i.iid) })).filter((t) => t.iids.length >= 2 && t.iids.length <= 3),
  );
}

/** Whether the filtered issue list shows any issue row. */
const hasRows = (obs: Observation): boolean => obs.text.split('\n').some((l) => /^#\d+ ·/.test(l));

const closeLabelled: TaskTemplate = {
  id: 'code.close-labelled-issues',
  site: 'code',
  kind: 'state',
  unseen: true,
  description: 'Close every open issue that has a given label',
  size: (world, entities) => pool(world, entities, 'label-targets', labelTargets).length,
  instantiate(ctx) {
    const { project: p, label, iids } = pool(ctx.world, ctx.entities, 'label-targets', labelTargets)[ctx.index]!;
    function* filtered(first: Observation): Generator<ExpertStep, Observation, Observation> {
      let obs = yield* openProject(first, p.name);
      obs = yield act.click(obs, { role: 'link', name: 'Issues' }, 'I open the project\'s issues.');
      obs = yield act.select(obs, { role: 'combobox', name: 'Label' }, label, `I filter the open issues by the ${label} label.`);
      return yield act.click(obs, { role: 'button', name: 'Filter' }, 'I apply the filter.');
    }
    function* closeOne(obs: Observation): Generator<ExpertStep, Observation, Observation> {
      const row = linkAbove(obs, '#');
      obs = yield clickId(row.id, `"${row.name}" is still open with the ${label} label, so I open it.`);
      obs = yield act.click(obs, { role: 'button', name: 'Close issue' }, 'I close this issue.');
      return yield act.click(obs, { role: 'link', name: label }, `The ${label} label links back to the open issues with that label.`);
    }
    return {
      intent: `Close every open issue labelled "${label}" in the ${p.name} project.`,
      startPath: '/',
      maxTurns: 30,
      check: stateMatch<CodeState>(`issues ${iids.map((n) => `#${n}`).join(', ')} of ${p.path} are closed, no other changed`, (s) => {
        const open = iids.filter((n) => issueNow(p, s, n)?.state !== 'closed');
        if (open.length) return `still open: ${open.map((n) => `#${n}`).join(', ')}`;
        const other = changedStates(s, p, iids);
        return other.length === 0 || `other issues changed state: ${other.map((n) => `#${n}`).join(', ')}`;
      }),
      meta: { project: p.path, label, issues: iids },
      *expert(_t, first) {
        let obs = yield* filtered(first);
        for (let k = 0; k < 10 && hasRows(obs); k++) obs = yield* closeOne(obs);
        yield act.answer('done', `No open issue with the ${label} label is left.`);
      },
      *wrongExpert(_t, first) {
        let obs = yield* filtered(first);
        for (let k = 0; k < iids.length - 1 && hasRows(obs); k++) obs = yield* closeOne(obs);
        yield act.answer('done', 'I closed the issues I saw and stop before the last one.');
      },
    };
  },
};

function singleMaintainer(ps: CodeProject[]): CodeProject[] {
  return ps.filter((p) => p.members.filter((m) => m.role === 'Maintainer').length === 1);
}

/** Name of the member whose row says `role` on the members page. */
function memberWithRole(obs: Observation, role: string): string {
  const lines = parseObservation(obs.text);
  const at = lines.findIndex((l) => l.id === undefined && l.name.endsWith(`| ${role}`));
  return lines[at - 1]?.name ?? '';
}

const maintainer: TaskTemplate = {
  id: 'code.maintainer-member',
  site: 'code',
  kind: 'info',
  unseen: true,
  description: 'Name the member of a project who has the Maintainer role',
  size: (world, entities) => pool(world, entities, 'one-maintainer', singleMaintainer).length,
  instantiate(ctx) {
    const p = pool(ctx.world, ctx.entities, 'one-maintainer', singleMaintainer)[ctx.index]!;
    const who = p.members.find((m) => m.role === 'Maintainer')!.username;
    const name = displayNameOf(ctx.world, who);
    return {
      intent: `Which member of the ${p.name} project has the Maintainer role?`,
      startPath: '/',
      check: answerIncludes([[name, who]]),
      meta: { project: p.path, answer: name },
      *expert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield act.click(obs, { role: 'link', name: 'Members' }, 'Roles are listed on the Members tab.');
        yield act.answer(memberWithRole(obs, 'Maintainer'), 'The members table shows one Maintainer.');
      },
      *wrongExpert(_t, first) {
        let obs = yield* openProject(first, p.name);
        obs = yield act.click(obs, { role: 'link', name: 'Members' }, 'Roles are listed on the Members tab.');
        yield act.answer(memberWithRole(obs, 'Owner'), 'I answer the member at the top of the table.');
      },
    };
  },
};

const mergedCount: TaskTemplate = {
  id: 'code.merged-mr-count',
  site: 'code',
  kind: 'info',
  unseen: true,
  description: 'Count the merged merge requests of a project',
  size: (world, entities) => pool(world, entities, 'projects', (ps) => ps).length,
  instantiate(ctx) {
    const p = pool(ctx.world, ctx.entities, 'projects', (ps) => ps)[ctx.index]!;
    const n = p.mrs.filter((m) => m.state === 'merged').length;
    function* read(first: Observation): Generator<ExpertStep, number, Observation> {
      let obs = yield* openProject(first, p.name);
      obs = yield act.click(obs, { role: 'link', name: 'Merge requests' }, 'Merge requests have their own tab with counts per state.');
      const tab = parseObservation(obs.text).find((l) => /^Merged \d+$/.test(l.name));
      return Number(tab?.name.split(' ')[1] ?? NaN);
    }
    return {
      intent: `How many merge requests of the ${p.name} project have been merged?`,
      startPath: '/',
      check: answerNumber(n),
      meta: { project: p.path, answer: n },
      *expert(_t, first) {
        const count = yield* read(first);
        yield act.answer(String(count), `The Merged tab shows ${count}.`);
      },
      *wrongExpert(_t, first) {
        const count = yield* read(first);
        yield act.answer(String(count + 1), 'I also count the request that is still waiting for review.');
      },
    };
  },
};

export const unseenTemplates: TaskTemplate[] = [closeLabelled, maintainer, mergedCount];
