// Building blocks of the shop's scripted experts. They act only through observations: find
// elements by role and name, follow pagers, and read facts from the page text (product list
// lines, "Price: $12.99", order rows), the way a person reads the storefront.

import type { Observation } from '../../env/types.js';
import { act, ExpertError, seek } from '../../tasks/expert.js';
import { parseObservation, type ElementQuery, type ObservationLine } from '../../tasks/observation.js';
import type { ExpertStep } from '../../tasks/types.js';
import type { ListTarget } from './pools.js';

export type Steps<T = Observation> = Generator<ExpertStep, T, Observation>;

export const SEARCH: ElementQuery = { role: 'textbox', name: 'Search' };
export const NEXT: ElementQuery = { role: 'link', name: 'Next page' };
export const CART: ElementQuery = { role: 'link', name: /^Cart \(\d+\)$/ };

export const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The rest of the first text line starting with a prefix ("Price: " -> "$12.99"). */
export { textAfter as readLine } from '../../tasks/expert.js';

/** Product links of a listing: links followed by a "$price · Rated r · stock" line. */
export function productLinks(obs: Observation): Array<{ line: ObservationLine; meta: string }> {
  const lines = parseObservation(obs.text);
  const out: Array<{ line: ObservationLine; meta: string }> = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const l = lines[i]!;
    const next = lines[i + 1]!;
    if (l.role === 'link' && next.id === undefined && /^\$[\d,.]+ · Rated/.test(next.name)) out.push({ line: l, meta: next.name });
  }
  return out;
}

/** The text line right after the element matching `query` (a table row's other cells). */
export function lineAfter(obs: Observation, query: { role: string; name: string }): string {
  const lines = parseObservation(obs.text);
  const i = lines.findIndex((l) => l.role === query.role && l.name === query.name);
  const next = lines[i + 1];
  if (i < 0 || !next || next.id !== undefined) throw new ExpertError(`expert: no text after ${query.role} ${JSON.stringify(query.name)} on ${obs.url}`);
  return next.name;
}

/** Searches for the product by its full name and opens its page. */
export function* openProduct(obs: Observation, name: string): Steps {
  obs = yield act.type(obs, SEARCH, name, `I search the catalogue for the ${name} by its name.`, { enter: true });
  return yield act.click(obs, { role: 'link', name }, `The ${name} is in the search results, so I open its page.`);
}

/** Goes to the product list of `t`: the category page from the home page, or a one-word search. */
export function* openList(obs: Observation, t: ListTarget): Steps {
  if (t.kind === 'category') {
    if (!obs.text.includes('## Shop by category')) {
      const logo = parseObservation(obs.text).find((l) => l.role === 'link');
      obs = yield act.click(obs, { role: 'link', name: logo?.name ?? '' }, 'The categories are listed on the home page, so I go there through the store logo.');
    }
    return yield act.click(obs, { role: 'link', name: t.label }, `I open the ${t.label} category.`);
  }
  return yield act.type(obs, SEARCH, t.label, `I search for "${t.label}" to list every product with that word in its name.`, { enter: true });
}

/** From any page: My orders, then the pager until order #id is listed. */
export function* findOrder(obs: Observation, id: number): Steps {
  obs = yield act.click(obs, { role: 'link', name: 'My orders' }, 'My past orders are under "My orders".');
  return yield* seek(obs, { role: 'link', name: `Order #${id}` }, NEXT, `Order #${id}`);
}

/** On a product page: picks the options that are shown, sets the quantity, adds to the cart. */
export function* addToCart(obs: Observation, name: string, quantity: number, options: { size?: string | undefined; finish?: string | undefined }): Steps {
  if (options.size) obs = yield act.select(obs, { role: 'combobox', name: 'Size' }, options.size, `I choose size ${options.size}.`);
  if (options.finish) obs = yield act.select(obs, { role: 'combobox', name: 'Finish' }, options.finish, `I choose the ${options.finish} finish.`);
  if (quantity !== 1) obs = yield act.type(obs, { role: 'spinbutton', name: 'Quantity' }, String(quantity), `I set the quantity to ${quantity}.`);
  return yield act.click(obs, { role: 'button', name: 'Add to cart' }, `Everything is set, so I add the ${name} to the cart.`);
}

/** Sorts the current listing by the link labelled `label` (no step when already sorted so). */
export function* sortBy(obs: Observation, label: string, why: string): Steps {
  if (!parseObservation(obs.text).some((l) => l.role === 'link' && l.name === label) && obs.text.includes(label)) return obs;
  return yield act.click(obs, { role: 'link', name: label }, why);
}
