// State-changing task templates of the map site: save a place, set home, save every place of
// a category in a neighbourhood (multi-step), suggest an edit (multi-field form) and remove a
// saved place. Checked against the session state (`/__webagent/state`).

import type { Observation } from '../../env/types.js';
import type { ExpertStep } from '../../tasks/types.js';
import { stateMatch } from '../../tasks/checkers.js';
import { act } from '../../tasks/expert.js';
import type { TaskTemplate } from '../template.js';
import { normalizeHours, phoneDigits, plural, type MapState } from './data.js';
import { nearbyLinks, openPlace, placeLinks } from './experts.js';
import { areaKindPool, placePool } from './pools.js';

const savePlace: TaskTemplate = {
  id: 'map.save-place', site: 'map', kind: 'state', description: 'Save a named place to My places',
  size: (world, e) => placePool(world, e).length,
  instantiate(ctx) {
    const pool = placePool(ctx.world, ctx.entities);
    const p = pool[(ctx.index * 13 + 1) % pool.length]!;
    return {
      intent: `Save ${p.name} to My places.`,
      startPath: '/',
      check: stateMatch<MapState>(`${p.name} is saved`, (s) => s.saved.includes(p.slug) || `${p.name} is not in My places (saved: ${s.saved.join(', ') || 'none'})`),
      meta: { place: p.name },
      *expert(_t, first) {
        const obs = yield* openPlace(first, p.name);
        yield act.click(obs, { role: 'button', name: 'Save place' }, `I save ${p.name} with the Save place button.`);
        yield act.answer('done', `${p.name} is now in My places.`);
      },
      *wrongExpert(_t, first) {
        let obs = yield* openPlace(first, p.name);
        const other = nearbyLinks(obs)[0]!;
        obs = yield act.click(obs, { role: 'link', name: other }, `I open ${other} from Nearby, thinking it is the place.`);
        obs = yield act.click(obs, { role: 'button', name: 'Save place' }, 'I save the place that is open.');
        yield act.answer('done', 'A place was saved.');
      },
    };
  },
};

const setHome: TaskTemplate = {
  id: 'map.set-home', site: 'map', kind: 'state', description: 'Set a named place as the home location',
  size: (world, e) => placePool(world, e).length,
  instantiate(ctx) {
    const pool = placePool(ctx.world, ctx.entities);
    const p = pool[(ctx.index * 17 + 9) % pool.length]!;
    return {
      intent: `Set ${p.name} as my home location on the map.`,
      startPath: '/',
      check: stateMatch<MapState>(`home is ${p.name}`, (s) => s.home === p.slug || `home is ${s.home ?? 'not set'}, not ${p.slug}`),
      meta: { place: p.name },
      *expert(_t, first) {
        const obs = yield* openPlace(first, p.name);
        yield act.click(obs, { role: 'button', name: 'Set as home' }, `The place page has a Set as home button, so I use it for ${p.name}.`);
        yield act.answer('done', `${p.name} is now the home location.`);
      },
      *wrongExpert(_t, first) {
        const obs = yield* openPlace(first, p.name);
        yield act.click(obs, { role: 'button', name: 'Save place' }, 'I click Save place, taking it for setting home.');
        yield act.answer('done', 'The place is stored.');
      },
    };
  },
};

const saveAreaKind: TaskTemplate = {
  id: 'map.save-area-kind', site: 'map', kind: 'state', description: 'Save every place of a category in a neighbourhood (multi-step)',
  size: (world, e) => areaKindPool(world, e, 2, 4).length,
  instantiate(ctx) {
    const c = areaKindPool(ctx.world, ctx.entities, 2, 4)[ctx.index]!;
    const kinds = plural(c.kind);
    const want = c.places.map((p) => p.slug);
    return {
      intent: `Save every ${c.kind.toLowerCase()} in the ${c.area.name} neighbourhood to My places.`,
      startPath: '/',
      check: stateMatch<MapState>(`all ${want.length} ${kinds.toLowerCase()} of ${c.area.name} are saved`, (s) => {
        const missing = want.filter((w) => !s.saved.includes(w));
        return missing.length === 0 || `not saved: ${missing.join(', ')}`;
      }),
      meta: { area: c.area.name, kind: c.kind, places: c.places.map((p) => p.name) },
      maxTurns: 30,
      *expert(_t, first) {
        yield* saveAll(first, false);
      },
      *wrongExpert(_t, first) {
        yield* saveAll(first, true);
      },
    };
    function* saveAll(first: Observation, stopEarly: boolean): Generator<ExpertStep, void, Observation> {
      let obs = yield act.click(first, { role: 'link', name: 'Categories' }, 'I browse by category to list the places of one kind.');
      obs = yield act.click(obs, { role: 'link', name: kinds }, `I open the ${kinds.toLowerCase()} category.`);
      obs = yield act.select(obs, { role: 'combobox', name: 'Neighbourhood' }, c.area.name, `Only ${c.area.name} matters, so I pick that neighbourhood.`);
      obs = yield act.click(obs, { role: 'button', name: 'Filter' }, 'I apply the neighbourhood filter.');
      const names = placeLinks(obs, c.kind);
      const todo = stopEarly ? names.slice(0, -1) : names;
      for (let i = 0; i < todo.length; i++) {
        const name = todo[i]!;
        obs = yield act.click(obs, { role: 'link', name }, `I open ${name}, ${i + 1} of ${names.length} ${kinds.toLowerCase()} listed.`);
        obs = yield act.click(obs, { role: 'button', name: 'Save place' }, `I save ${name}.`);
        if (i < todo.length - 1) {
          obs = yield act.click(obs, { role: 'link', name: `More ${kinds.toLowerCase()} in ${c.area.name}` }, 'I go back to the filtered list for the next one.');
        }
      }
      yield act.answer('done', stopEarly ? 'I saved the places (missing the last one in the list).' : `All ${names.length} ${kinds.toLowerCase()} in ${c.area.name} are saved.`);
    }
  },
};

const COMMENTS = ['New owner', 'Renovated', 'Checked by phone', 'Visited today', 'Hours changed'];

const suggestEdit: TaskTemplate = {
  id: 'map.suggest-edit', site: 'map', kind: 'state', description: 'Suggest an edit of phone and weekday hours with a comment (multi-field form)',
  size: (world, e) => placePool(world, e).length,
  instantiate(ctx) {
    const pool = placePool(ctx.world, ctx.entities);
    const p = pool[(ctx.index * 19 + 4) % pool.length]!;
    const rng = ctx.rng;
    const phone = `(555) ${rng.int(200, 989)}-${String(rng.int(0, 9999)).padStart(4, '0')}`;
    const hours = `${rng.pick(['06:00', '06:30', '11:00', '11:30'])}–${rng.pick(['16:00', '23:00'])}`;
    const comment = rng.pick(COMMENTS);
    return {
      intent: `Suggest an edit for ${p.name}: its phone number is now ${phone} and its weekday hours are ${hours}. Write "${comment}" as the comment.`,
      startPath: '/',
      check: stateMatch<MapState>(`edit of ${p.name} saved`, (s) => {
        const e = s.edits[p.slug];
        if (!e) return `no edit of ${p.name} was submitted`;
        if (phoneDigits(e.phone) !== phoneDigits(phone)) return `phone is ${e.phone}, not ${phone}`;
        if (normalizeHours(e.weekday) !== hours) return `weekday hours are ${e.weekday}, not ${hours}`;
        if (!e.comment.toLowerCase().includes(comment.toLowerCase())) return `comment ${JSON.stringify(e.comment)} lacks ${JSON.stringify(comment)}`;
        return true;
      }),
      meta: { place: p.name, phone, hours, comment },
      *expert(_t, first) {
        let obs = yield* openPlace(first, p.name);
        obs = yield act.click(obs, { role: 'link', name: 'Suggest an edit' }, 'Changes to a place are sent with Suggest an edit.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Phone' }, phone, 'I replace the phone number with the new one.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Weekday hours (Mon–Fri)' }, hours, 'I enter the new weekday hours.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Comment' }, comment, 'I add the requested comment.');
        yield act.click(obs, { role: 'button', name: 'Submit suggestion' }, 'All fields are filled, so I submit the suggestion.');
        yield act.answer('done', 'The edit was submitted.');
      },
      *wrongExpert(_t, first) {
        let obs = yield* openPlace(first, p.name);
        obs = yield act.click(obs, { role: 'link', name: 'Suggest an edit' }, 'Changes to a place are sent with Suggest an edit.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Phone' }, phone, 'I replace the phone number with the new one.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Comment' }, comment, 'I add the comment, forgetting the hours.');
        yield act.click(obs, { role: 'button', name: 'Submit suggestion' }, 'I submit the suggestion.');
        yield act.answer('done', 'The edit was submitted.');
      },
    };
  },
};

const removeSaved: TaskTemplate = {
  id: 'map.remove-saved', site: 'map', kind: 'state', description: 'Remove one place from a pre-filled My places list',
  size: (world, e) => placePool(world, e).length,
  instantiate(ctx) {
    const pool = placePool(ctx.world, ctx.entities);
    const p = pool[ctx.index]!;
    const others = ctx.rng.sample(pool.filter((x) => x !== p), 3);
    const saved = [others[0]!, p, others[1]!, others[2]!].map((x) => x.slug);
    const keep = saved.filter((s) => s !== p.slug);
    return {
      intent: `Remove ${p.name} from My places, keeping the other saved places.`,
      startPath: '/',
      setup: { saved },
      check: stateMatch<MapState>(`${p.name} removed, others kept`, (s) => {
        if (s.saved.includes(p.slug)) return `${p.name} is still saved`;
        const lost = keep.filter((k) => !s.saved.includes(k));
        return lost.length === 0 || `other saved places were removed: ${lost.join(', ')}`;
      }),
      meta: { place: p.name, saved },
      *expert(_t, first) {
        const obs = yield act.click(first, { role: 'link', name: 'My places' }, 'Saved places are listed under My places.');
        yield act.click(obs, { role: 'button', name: `Remove ${p.name}` }, `I remove ${p.name} with its Remove button.`);
        yield act.answer('done', `${p.name} is no longer saved.`);
      },
      *wrongExpert(_t, first) {
        let obs = yield act.click(first, { role: 'link', name: 'My places' }, 'Saved places are listed under My places.');
        const buttons = placeLinks(obs);
        const next = buttons[buttons.indexOf(p.name) + 1] ?? buttons[0]!;
        obs = yield act.click(obs, { role: 'button', name: `Remove ${next}` }, 'I click the Remove button on the row below by mistake.');
        yield act.answer('done', 'The place was removed.');
      },
    };
  },
};

export const mapStateTemplates: TaskTemplate[] = [savePlace, setHome, saveAreaKind, suggestEdit, removeSaved];
