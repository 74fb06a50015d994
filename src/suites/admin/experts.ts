// Expert building blocks of the admin tasks: open an order, product or customer through the
// admin's own search boxes, read labelled lines and order tables from the observation text, and
// walk a list's pages. They act only through observations, like a policy would.

import type { Observation } from '../../env/types.js';
import { act, ExpertError, hasElement } from '../../tasks/expert.js';
import { parseObservation } from '../../tasks/observation.js';
import type { ExpertStep } from '../../tasks/types.js';

export type Steps<T = Observation> = Generator<ExpertStep, T, Observation>;

const NEXT = { role: 'link', name: 'Next page' } as const;

/** Goes to the orders list, searches for the order number and opens the order. */
export function* openOrder(obs: Observation, id: number): Steps {
  obs = yield act.click(obs, { role: 'link', name: 'Orders' }, 'Orders are managed on the Orders page, so I open it.');
  obs = yield act.type(obs, { role: 'textbox', name: 'Search orders' }, String(id), `The list is long, so I search for order number ${id}.`, { enter: true });
  return yield act.click(obs, { role: 'link', name: `#${id}` }, `Order #${id} is in the results, so I open it.`);
}

/** Goes to the products grid, searches for the product by name and opens its edit page. */
export function* openProduct(obs: Observation, name: string): Steps {
  obs = yield act.click(obs, { role: 'link', name: 'Products' }, 'Products are edited from the Products grid, so I open it.');
  obs = yield act.type(obs, { role: 'textbox', name: 'Search products' }, name, `The catalogue has many pages, so I search for the ${name} by name.`, { enter: true });
  return yield act.click(obs, { role: 'link', name }, `The ${name} is in the results, so I open its edit page.`);
}

/** Goes to the customers list, searches for the customer and opens their page. */
export function* openCustomer(obs: Observation, name: string): Steps {
  obs = yield act.click(obs, { role: 'link', name: 'Customers' }, 'Customer records are under Customers, so I open that list.');
  obs = yield act.type(obs, { role: 'textbox', name: 'Search customers' }, name, `I search the customer list for ${name}.`, { enter: true });
  return yield act.click(obs, { role: 'link', name }, `${name} is in the results, so I open the customer page.`);
}

/** The rest of the first text line starting with a prefix ("Order total: $45.00" -> "$45.00"). */
export { textAfter as lineAfter } from '../../tasks/expert.js';

/** The value of the textbox (or combobox) named `name`. */
export function fieldValue(obs: Observation, name: string): string {
  const el = parseObservation(obs.text).find((l) => l.id !== undefined && l.name === name);
  if (!el) throw new ExpertError(`expert: no field ${JSON.stringify(name)} on ${obs.url}`);
  return el.value ?? '';
}

export interface OrderRow {
  readonly id: number;
  readonly date: string;
  /** Empty on a customer's page (the table has no customer column there). */
  readonly customer: string;
  readonly status: string;
  readonly total: string;
}

/** Rows of the order table on the page: a `#N` link followed by its "date | ... | total" line. */
export function orderRows(obs: Observation): OrderRow[] {
  const lines = parseObservation(obs.text);
  const out: OrderRow[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const l = lines[i]!;
    const m = l.role === 'link' ? /^#(\d+)$/.exec(l.name) : null;
    const next = lines[i + 1]!;
    if (!m || next.id !== undefined) continue;
    const cells = next.name.split(' | ');
    if (cells.length === 4) out.push({ id: Number(m[1]), date: cells[0]!, customer: cells[1]!, status: cells[2]!, total: cells[3]! });
    else if (cells.length === 3) out.push({ id: Number(m[1]), date: cells[0]!, customer: '', status: cells[1]!, total: cells[2]! });
  }
  return out;
}

/** Reads the order rows of every page of the current list, following "Next page". */
export function* allOrderRows(obs: Observation, what: string): Steps<{ obs: Observation; rows: OrderRow[] }> {
  const rows = orderRows(obs);
  for (let i = 0; i < 30 && hasElement(obs, NEXT); i++) {
    obs = yield act.click(obs, NEXT, `The list of ${what} continues, so I read the next page too.`);
    rows.push(...orderRows(obs));
  }
  return { obs, rows };
}

/** Filters the orders list by status and dates (empty strings leave a filter unset). */
export function* filterOrders(obs: Observation, f: { status?: string; from?: string; to?: string; q?: string }, why: string): Steps {
  if (!hasElement(obs, { role: 'combobox', name: 'Status' })) obs = yield act.click(obs, { role: 'link', name: 'Orders' }, 'I open the Orders page to use its filters.');
  if (f.q) obs = yield act.type(obs, { role: 'textbox', name: 'Search orders' }, f.q, `I narrow the list to ${f.q}.`);
  if (f.status) obs = yield act.select(obs, { role: 'combobox', name: 'Status' }, f.status, `I choose the ${f.status} status in the filter.`);
  if (f.from) obs = yield act.type(obs, { role: 'textbox', name: 'From date' }, f.from, `The range starts on ${f.from}.`);
  if (f.to) obs = yield act.type(obs, { role: 'textbox', name: 'To date' }, f.to, `The range ends on ${f.to}.`);
  return yield act.click(obs, { role: 'button', name: 'Filter' }, why);
}
