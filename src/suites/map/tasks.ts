// Task templates of the map site: information look-ups (address, phone, hours, route distance
// and time, closest place of a category), navigation (open a place, show directions) and state
// changes (save places, set home, suggest an edit, remove a saved place), each with a scripted
// expert and a plausible wrong ending. State templates live in tasks-state.ts.

import { answerIncludes, answerNumber, pageContent, urlMatch } from '../../tasks/checkers.js';
import { act } from '../../tasks/expert.js';
import type { TaskTemplate } from '../template.js';
import { manhattan, shownKm, travelMinutes, type MapPlace } from './data.js';
import { closingTime, dayHours, directions, firstNumber, nearbyLinks, openPlace, placeLinks, readLine } from './experts.js';
import { closestPool, placePool, tuplePool } from './pools.js';
import { mapStateTemplates } from './tasks-state.js';
import { mapUnseenTemplates } from './tasks-unseen.js';

/** Alternative ways to write a time ("14:00", "2 pm", "2:00 pm", "2pm"). */
export function timeVariants(hhmm: string): string[] {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const h12 = h % 12 === 0 ? 12 : h % 12;
  const ap = h < 12 ? 'am' : 'pm';
  const mm = String(m).padStart(2, '0');
  const out = [hhmm, `${h12}:${mm} ${ap}`, `${h12}:${mm}${ap}`];
  if (m === 0) out.push(`${h12} ${ap}`, `${h12}${ap}`);
  return out;
}

/** Ways to write a phone number: "(555) 201-3344", "555-201-3344", "5552013344", "555 201 3344". */
export function phoneVariants(phone: string): string[] {
  const d = phone.replace(/\D/g, '');
  return [phone, `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`, d, `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`, `(${d.slice(0, 3)}) ${d.slice(3, 6)} ${d.slice(6)}`];
}

/** Pairs at least 1 km apart (Manhattan), so walk / bike / car give clearly different numbers. */
const farPairs = (tag: string, maxM = Infinity) => (world: Parameters<TaskTemplate['size']>[0], e: 'train' | 'test'): MapPlace[][] =>
  tuplePool(world, e, tag, 2, ([a, b]) => manhattan(a!, b!) >= 1000 && manhattan(a!, b!) <= maxM);

const placeAddress: TaskTemplate = {
  id: 'map.place-address', site: 'map', kind: 'info', description: 'Look up the street address of a named place',
  size: (world, e) => placePool(world, e).length,
  instantiate(ctx) {
    const p = placePool(ctx.world, ctx.entities)[ctx.index]!;
    return {
      intent: `What is the street address of ${p.name}?`,
      startPath: '/',
      check: answerIncludes([p.address]),
      meta: { place: p.name, answer: p.address },
      *expert(_t, first) {
        const obs = yield* openPlace(first, p.name);
        yield act.answer(readLine(obs, 'Address:'), 'The place page lists the address, so I report it.');
      },
      *wrongExpert(_t, first) {
        let obs = yield* openPlace(first, p.name);
        const other = nearbyLinks(obs)[0]!;
        obs = yield act.click(obs, { role: 'link', name: other }, `I open ${other} from the Nearby list, mistaking it for the place.`);
        yield act.answer(readLine(obs, 'Address:'), 'This page lists an address, so I report it.');
      },
    };
  },
};

const placePhone: TaskTemplate = {
  id: 'map.place-phone', site: 'map', kind: 'info', description: 'Look up the phone number of a named place',
  size: (world, e) => placePool(world, e).length,
  instantiate(ctx) {
    const pool = placePool(ctx.world, ctx.entities);
    const p = pool[(ctx.index * 7 + 3) % pool.length]!;
    return {
      intent: `I need to call ${p.name}. What is its phone number?`,
      startPath: '/',
      check: answerIncludes([phoneVariants(p.phone)]),
      meta: { place: p.name, answer: p.phone },
      *expert(_t, first) {
        const obs = yield* openPlace(first, p.name);
        yield act.answer(readLine(obs, 'Phone:'), 'The place page shows the phone number, so I report it.');
      },
      *wrongExpert(_t, first) {
        let obs = yield* openPlace(first, p.name);
        const other = nearbyLinks(obs)[0]!;
        obs = yield act.click(obs, { role: 'link', name: other }, `I open ${other}, the first nearby place, by mistake.`);
        yield act.answer(readLine(obs, 'Phone:'), 'This page shows a phone number, so I report it.');
      },
    };
  },
};

const saturdayHours: TaskTemplate = {
  id: 'map.saturday-hours', site: 'map', kind: 'info', description: 'Look up when a place closes on Saturdays',
  size: (world, e) => placePool(world, e, (p) => p.hours.saturday !== 'Closed', 'sat').length,
  instantiate(ctx) {
    const p = placePool(ctx.world, ctx.entities, (x) => x.hours.saturday !== 'Closed', 'sat')[ctx.index]!;
    const close = closingTime(p.hours.saturday);
    return {
      intent: `What time does ${p.name} close on Saturdays?`,
      startPath: '/',
      check: answerIncludes([timeVariants(close)]),
      meta: { place: p.name, answer: close },
      *expert(_t, first) {
        const obs = yield* openPlace(first, p.name);
        const sat = dayHours(readLine(obs, 'Opening hours:'), 'Sat');
        yield act.answer(closingTime(sat), `The opening hours say Sat ${sat}, so it closes at the end of that range.`);
      },
      *wrongExpert(_t, first) {
        const obs = yield* openPlace(first, p.name);
        const wk = dayHours(readLine(obs, 'Opening hours:'), 'Mon–Fri');
        yield act.answer(closingTime(wk), 'I read the first hours listed, which are the weekday ones.');
      },
    };
  },
};

const driveDistance: TaskTemplate = {
  id: 'map.drive-distance', site: 'map', kind: 'info', description: 'Road distance by car between two places, in km',
  size: (world, e) => farPairs('drive')(world, e).length,
  instantiate(ctx) {
    const [a, b] = farPairs('drive')(ctx.world, ctx.entities)[ctx.index]! as [MapPlace, MapPlace];
    const km = shownKm(a, b, 'car');
    return {
      intent: `How many kilometres is the drive from ${a.name} to ${b.name}?`,
      startPath: '/',
      check: answerNumber(km, { tolerance: 0.05 }),
      meta: { from: a.name, to: b.name, answer: km },
      *expert(_t, first) {
        const obs = yield* directions(first, a.name, b.name, 'car');
        yield act.answer(firstNumber(readLine(obs, 'Distance:')), 'The car route shows its distance, so I report it in km.');
      },
      *wrongExpert(_t, first) {
        const obs = yield* directions(first, a.name, b.name, 'walk');
        yield act.answer(firstNumber(readLine(obs, 'Distance:')), 'The route shows a distance, so I report it (but it is the walking route).');
      },
    };
  },
};

const walkTime: TaskTemplate = {
  id: 'map.walk-time', site: 'map', kind: 'info', description: 'Walking time in minutes between two places',
  size: (world, e) => farPairs('walk', 6000)(world, e).length,
  instantiate(ctx) {
    const [a, b] = farPairs('walk', 6000)(ctx.world, ctx.entities)[ctx.index]! as [MapPlace, MapPlace];
    const min = travelMinutes(a, b, 'walk');
    return {
      intent: `How many minutes does it take to walk from ${a.name} to ${b.name}?`,
      startPath: '/',
      check: answerNumber(min, { tolerance: 0.5 }),
      meta: { from: a.name, to: b.name, answer: min },
      *expert(_t, first) {
        let obs = yield* openPlace(first, a.name);
        obs = yield act.click(obs, { role: 'link', name: 'Directions from here' }, `The walk starts at ${a.name}, so I ask for directions from here.`);
        obs = yield* directions(obs, a.name, b.name, 'walk', false);
        yield act.answer(firstNumber(readLine(obs, 'Time:')), 'The walking route shows the time in minutes, so I report it.');
      },
      *wrongExpert(_t, first) {
        const obs = yield* directions(first, a.name, b.name, 'bike');
        yield act.answer(firstNumber(readLine(obs, 'Time:')), 'The route shows a time, so I report it (but for the bike).');
      },
    };
  },
};

const closestKind: TaskTemplate = {
  id: 'map.closest-kind', site: 'map', kind: 'info', description: 'The place of a category closest to a named place',
  size: (world, e) => closestPool(world, e).length,
  instantiate(ctx) {
    const c = closestPool(ctx.world, ctx.entities)[ctx.index]!;
    const k = c.kind.toLowerCase();
    return {
      intent: `Which ${k} is closest to ${c.from.name}?`,
      startPath: '/',
      check: answerIncludes([c.closest.name]),
      meta: { from: c.from.name, kind: c.kind, answer: c.closest.name, second: c.second.name },
      *expert(_t, first) {
        const obs = yield act.type(first, { role: 'textbox', name: 'Search' }, `${c.kind} near ${c.from.name}`, `The search sorts by distance with "near", so I search for a ${k} near ${c.from.name}.`, { enter: true });
        yield act.answer(placeLinks(obs, c.kind)[0]!, 'The results are sorted by distance, so the first one is the closest.');
      },
      *wrongExpert(_t, first) {
        const obs = yield act.type(first, { role: 'textbox', name: 'Search' }, `${c.kind} near ${c.from.name}`, `I search for a ${k} near ${c.from.name}.`, { enter: true });
        yield act.answer(placeLinks(obs, c.kind)[1]!, 'I report the second result, misreading the list order.');
      },
    };
  },
};

const openPlacePage: TaskTemplate = {
  id: 'map.open-place', site: 'map', kind: 'navigation', description: 'Open the page of a named place',
  size: (world, e) => placePool(world, e).length,
  instantiate(ctx) {
    const pool = placePool(ctx.world, ctx.entities);
    const p = pool[(ctx.index * 11 + 5) % pool.length]!;
    return {
      intent: `Open the map page of ${p.name}.`,
      startPath: '/',
      check: urlMatch(`${ctx.urls.map}/place/${p.slug}`, { ignoreQuery: true }),
      meta: { place: p.name },
      *expert(_t, first) {
        yield* openPlace(first, p.name);
        yield act.answer('done', `The page of ${p.name} is open.`);
      },
      *wrongExpert(_t, first) {
        let obs = yield* openPlace(first, p.name);
        const other = nearbyLinks(obs)[0]!;
        obs = yield act.click(obs, { role: 'link', name: other }, `I click ${other} in the Nearby list by mistake.`);
        yield act.answer('done', 'A place page is open.');
      },
    };
  },
};

const bikeDirections: TaskTemplate = {
  id: 'map.bike-directions', site: 'map', kind: 'navigation', description: 'Show cycling directions between two places',
  size: (world, e) => farPairs('bike')(world, e).length,
  instantiate(ctx) {
    const [a, b] = farPairs('bike')(ctx.world, ctx.entities)[ctx.index]! as [MapPlace, MapPlace];
    return {
      intent: `Show me cycling directions from ${a.name} to ${b.name}.`,
      startPath: '/',
      check: pageContent({ selector: '#route', includes: [`${a.name} to ${b.name} by bike`, 'Distance:'] }),
      meta: { from: a.name, to: b.name },
      *expert(_t, first) {
        let obs = yield* openPlace(first, b.name);
        obs = yield act.click(obs, { role: 'link', name: 'Directions to here' }, `The trip ends at ${b.name}, so I ask for directions to it.`);
        yield* directions(obs, a.name, b.name, 'bike', false);
        yield act.answer('done', 'The cycling route is shown.');
      },
      *wrongExpert(_t, first) {
        yield* directions(first, a.name, b.name, 'walk');
        yield act.answer('done', 'A route is shown (I left the travel mode on Walk).');
      },
    };
  },
};

export const mapTemplates: TaskTemplate[] = [
  placeAddress, placePhone, saturdayHours, driveDistance, walkTime, closestKind, openPlacePage, bikeDirections,
  ...mapStateTemplates, ...mapUnseenTemplates,
];
