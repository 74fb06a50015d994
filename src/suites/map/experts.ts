// Expert building blocks of the map site: open a place through search, fill the directions
// form, read "Label: value" lines and result lists from the observation text. Experts act only
// through observations, like a policy would.

import type { Observation } from '../../env/types.js';
import { act, ExpertError } from '../../tasks/expert.js';
import { findAll, parseObservation } from '../../tasks/observation.js';
import type { ExpertStep } from '../../tasks/types.js';
import { MODE_LABEL, type TravelMode } from './data.js';

export type Steps<T = Observation> = Generator<ExpertStep, T, Observation>;

/** The value of the first text line starting with a label ("Phone: (555) ..." -> "(555) ..."). */
export { textAfter as readLine } from '../../tasks/expert.js';

/** Names of the links that end with ` {kind}` (place links of that category), in page order. */
export function placeLinks(obs: Observation, kind?: string): string[] {
  const re = kind === undefined ? /^[A-Z][a-z]+ (?:[A-Z][a-z]+ )?[A-Z][a-z]+$/ : new RegExp(` ${kind}$`);
  const skip = new Set(['OpenCityMap', 'My places', 'Next page', 'Previous page']);
  return findAll(obs, { role: 'link', name: re })
    .map((l) => l.name)
    .filter((n) => !skip.has(n));
}

/** Names of the "Nearby" links of a place page, closest first. */
export function nearbyLinks(obs: Observation): string[] {
  const lines = parseObservation(obs.text);
  const start = lines.findIndex((l) => l.role === 'heading' && l.name === 'Nearby');
  if (start < 0) throw new ExpertError(`expert: no Nearby list on ${obs.url}`);
  return lines
    .slice(start + 1)
    .filter((l) => l.role === 'link' && !l.name.startsWith('More '))
    .map((l) => l.name);
}

/** Searches for the place by its full name and opens it from the results. */
export function* openPlace(obs: Observation, name: string): Steps {
  obs = yield act.type(obs, { role: 'textbox', name: 'Search' }, name, `I search the map for "${name}" by its name.`, { enter: true });
  return yield act.click(obs, { role: 'link', name }, `${name} is in the search results, so I open its page.`);
}

/** Opens the directions form from the header and asks for a route from `from` to `to` by `mode`. */
export function* directions(obs: Observation, from: string, to: string, mode: TravelMode, openForm = true): Steps {
  if (openForm) obs = yield act.click(obs, { role: 'link', name: 'Directions' }, 'Routes are planned on the Directions page, so I open it.');
  obs = yield act.type(obs, { role: 'textbox', name: 'From' }, from, `The route starts at ${from}, so I enter it as From.`);
  obs = yield act.type(obs, { role: 'textbox', name: 'To' }, to, `The route ends at ${to}, so I enter it as To.`);
  obs = yield act.select(obs, { role: 'combobox', name: 'Travel mode' }, MODE_LABEL[mode], `The trip is by ${MODE_LABEL[mode].toLowerCase()}, so I pick that travel mode.`);
  return yield act.click(obs, { role: 'button', name: 'Get directions' }, 'Both ends and the mode are set, so I ask for the route.');
}

/** Closing time of "09:00–14:00" ("14:00"), or the text itself ("Closed"). */
export const closingTime = (hours: string): string => hours.split('–')[1] ?? hours;

/** The hours of one day from an "Opening hours: Mon–Fri ...; Sat ...; Sun ..." line. */
export function dayHours(line: string, day: 'Mon–Fri' | 'Sat' | 'Sun'): string {
  const part = line.split(';').map((s) => s.trim()).find((s) => s.startsWith(`${day} `));
  if (part === undefined) throw new ExpertError(`expert: no ${day} hours in "${line}"`);
  return part.slice(day.length + 1);
}

/** The first number in a line ("3.4 km" -> "3.4"). */
export function firstNumber(text: string): string {
  const m = /\d+(?:\.\d+)?/.exec(text);
  if (!m) throw new ExpertError(`expert: no number in "${text}"`);
  return m[0];
}
