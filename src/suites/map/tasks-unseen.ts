// Held-out task templates of the map site (test-unseen only): compare two car routes, count the
// places of a category in a neighbourhood, and show driving directions from the home location.

import type { Observation } from '../../env/types.js';
import { all, answerExcludes, answerIncludes, answerNumber, pageContent } from '../../tasks/checkers.js';
import { act, ExpertError } from '../../tasks/expert.js';
import { parseObservation } from '../../tasks/observation.js';
import type { ExpertStep } from '../../tasks/types.js';
import type { TaskTemplate } from '../template.js';
import { manhattan, plural, shownKm, type MapPlace } from './data.js';
import { directions, firstNumber, readLine } from './experts.js';
import { areaKindPool, placePool, tuplePool } from './pools.js';

/** Triples (X, Y, Z) where Y and Z are clearly different distances from X by car. */
const triples = (world: Parameters<TaskTemplate['size']>[0], e: 'train' | 'test'): MapPlace[][] =>
  tuplePool(world, e, 'closer', 3, ([x, y, z]) => Math.abs(shownKm(x!, y!, 'car') - shownKm(x!, z!, 'car')) >= 0.3 && manhattan(x!, y!) > 0 && manhattan(x!, z!) > 0);

const closerByCar: TaskTemplate = {
  id: 'map.closer-by-car', site: 'map', kind: 'info', unseen: true, description: 'Which of two places is closer to a third by car',
  size: (world, e) => triples(world, e).length,
  instantiate(ctx) {
    const [x, y, z] = triples(ctx.world, ctx.entities)[ctx.index]! as [MapPlace, MapPlace, MapPlace];
    const yCloser = shownKm(x, y, 'car') < shownKm(x, z, 'car');
    const [near, far] = yCloser ? [y, z] : [z, y];
    return {
      intent: `Which is closer to ${x.name} by car: ${y.name} or ${z.name}?`,
      startPath: '/',
      check: all(answerIncludes([near.name]), answerExcludes([far.name])),
      meta: { from: x.name, options: [y.name, z.name], answer: near.name },
      *expert(_t, first) {
        yield* compare(first, false);
      },
      *wrongExpert(_t, first) {
        yield* compare(first, true);
      },
    };
    function* compare(first: Observation, wrong: boolean): Generator<ExpertStep, void, Observation> {
      let obs = yield* directions(first, x.name, y.name, 'car');
      const dy = Number(firstNumber(readLine(obs, 'Distance:')));
      obs = yield act.type(obs, { role: 'textbox', name: 'To' }, z.name, `${y.name} is ${dy} km away by car; now I check ${z.name}.`);
      obs = yield act.click(obs, { role: 'button', name: 'Get directions' }, 'The mode is still Car, so I get the second route.');
      const dz = Number(firstNumber(readLine(obs, 'Distance:')));
      const pick = (dy < dz) !== wrong ? y.name : z.name;
      yield act.answer(pick, wrong ? `I compare ${dy} km and ${dz} km but pick the wrong one.` : `${dy} km against ${dz} km, so ${pick} is closer by car.`);
    }
  },
};

const countKindInArea: TaskTemplate = {
  id: 'map.count-kind-in-area', site: 'map', kind: 'info', unseen: true, description: 'Count the places of a category in a neighbourhood',
  size: (world, e) => areaKindPool(world, e, 0, 99).length,
  instantiate(ctx) {
    const c = areaKindPool(ctx.world, ctx.entities, 0, 99)[ctx.index]!;
    const kinds = plural(c.kind);
    return {
      intent: `How many ${kinds.toLowerCase()} are there in the ${c.area.name} neighbourhood?`,
      startPath: '/',
      check: answerNumber(c.places.length),
      meta: { area: c.area.name, kind: c.kind, answer: c.places.length },
      *expert(_t, first) {
        let obs = yield act.click(first, { role: 'link', name: 'Categories' }, 'I browse by category to count places of one kind.');
        obs = yield act.click(obs, { role: 'link', name: kinds }, `I open the ${kinds.toLowerCase()} category.`);
        obs = yield act.select(obs, { role: 'combobox', name: 'Neighbourhood' }, c.area.name, `I restrict the list to ${c.area.name}.`);
        obs = yield act.click(obs, { role: 'button', name: 'Filter' }, 'I apply the filter.');
        yield act.answer(countOf(obs), 'The filtered list states how many places it has.');
      },
      *wrongExpert(_t, first) {
        let obs = yield act.click(first, { role: 'link', name: 'Categories' }, 'I browse by category.');
        obs = yield act.click(obs, { role: 'link', name: kinds }, `I open the ${kinds.toLowerCase()} category.`);
        yield act.answer(countOf(obs), 'I report the count shown, without filtering by neighbourhood.');
      },
    };
  },
};

/** The "N places" count of a category list. */
function countOf(obs: Observation): string {
  const line = parseObservation(obs.text).find((l) => l.role === 'text' && /^\d+ places?$/.test(l.name));
  if (!line) throw new ExpertError(`expert: no place count on ${obs.url}`);
  return firstNumber(line.name);
}

/** The name of the home place shown on My places ("Home:" followed by its link). */
function homeName(obs: Observation): string {
  const lines = parseObservation(obs.text);
  const i = lines.findIndex((l) => l.role === 'text' && l.name.startsWith('Home:'));
  const link = lines.slice(i + 1).find((l) => l.role === 'link');
  if (i < 0 || !link) throw new ExpertError(`expert: no home link on ${obs.url}`);
  return link.name;
}

const homeDirections: TaskTemplate = {
  id: 'map.home-directions', site: 'map', kind: 'navigation', unseen: true, description: 'Driving directions from the home location to a place',
  size: (world, e) => placePool(world, e).length,
  instantiate(ctx) {
    const pool = placePool(ctx.world, ctx.entities);
    const to = pool[ctx.index]!;
    const home = pool[(ctx.index + 1 + ctx.rng.int(0, pool.length - 3)) % pool.length]!;
    return {
      intent: `Show me driving directions from my home to ${to.name}.`,
      startPath: '/',
      setup: { home: home.slug },
      check: pageContent({ selector: '#route', includes: [`${home.name} to ${to.name} by car`, 'Distance:'] }),
      meta: { home: home.name, to: to.name },
      *expert(_t, first) {
        let obs = yield act.click(first, { role: 'link', name: 'My places' }, 'My home location is shown under My places.');
        const h = homeName(obs);
        obs = yield* directions(obs, h, to.name, 'car');
        yield act.answer('done', `The driving route from home (${h}) is shown.`);
      },
      *wrongExpert(_t, first) {
        let obs = yield act.click(first, { role: 'link', name: 'My places' }, 'My home location is shown under My places.');
        const h = homeName(obs);
        obs = yield* directions(obs, h, to.name, 'walk');
        yield act.answer('done', 'A route from home is shown (on foot, by mistake).');
      },
    };
  },
};

export const mapUnseenTemplates: TaskTemplate[] = [closerByCar, countKindInArea, homeDirections];
