// Reads an observation's text back into lines (id, role, name, value, states), the way an
// expert or a rule-based agent reads a page: from what the agent is shown, never the DOM.

import type { Observation } from '../env/types.js';

/** One line of observation text. `id` is set on actionable elements (`[12] link "Home"`). */
export interface ObservationLine {
  readonly id?: number;
  /** `link`, `button`, ..., `heading` for `## Title` lines, `text` for plain text. */
  readonly role: string;
  readonly name: string;
  readonly value?: string;
  readonly states: readonly string[];
  readonly depth: number;
  /** Heading level for `heading` lines. */
  readonly level?: number;
  readonly line: string;
}

const ELEMENT_RE = /^\[(\d+)\] (\S+) ("(?:[^"\\]|\\.)*")(?: value=("(?:[^"\\]|\\.)*"))?((?: [a-z=]+)*)$/;

/** Parses observation text line by line. Lines it does not recognise become `text` lines. */
export function parseObservation(text: string): ObservationLine[] {
  const out: ObservationLine[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const body = line.trimStart();
    const depth = (line.length - body.length) >> 1;
    const m = ELEMENT_RE.exec(body);
    if (m) {
      out.push({ id: Number(m[1]), role: m[2]!, name: JSON.parse(m[3]!) as string, ...(m[4] ? { value: JSON.parse(m[4]) as string } : {}), states: m[5]!.trim().split(' ').filter(Boolean), depth, line });
      continue;
    }
    const h = /^(#{1,6}) (.*)$/.exec(body);
    if (h) out.push({ role: 'heading', name: h[2]!, level: h[1]!.length, states: [], depth, line });
    else out.push({ role: 'text', name: body, states: [], depth, line });
  }
  return out;
}

/** How to find an element in an observation. */
export interface ElementQuery {
  readonly role?: string | readonly string[];
  /** Exact accessible name, or a RegExp tested against it. */
  readonly name?: string | RegExp;
  /** 1-based: the k-th match (default 1). */
  readonly nth?: number;
}

function matches(line: ObservationLine, q: ElementQuery): boolean {
  if (line.id === undefined) return false;
  if (q.role !== undefined && !(typeof q.role === 'string' ? [q.role] : q.role).includes(line.role)) return false;
  if (q.name !== undefined && !(typeof q.name === 'string' ? line.name === q.name : q.name.test(line.name))) return false;
  return true;
}

/** All elements of the observation that match `query`, in page order. */
export function findAll(observation: Observation | string, query: ElementQuery): ObservationLine[] {
  const text = typeof observation === 'string' ? observation : observation.text;
  return parseObservation(text).filter((l) => matches(l, query));
}

/** The matching element, or undefined. */
export function findElement(observation: Observation | string, query: ElementQuery): ObservationLine | undefined {
  return findAll(observation, query)[(query.nth ?? 1) - 1];
}

/** The plain text lines and headings of the observation, joined by newlines. */
export function pageText(observation: Observation | string): string {
  const text = typeof observation === 'string' ? observation : observation.text;
  return parseObservation(text)
    .filter((l) => l.id === undefined)
    .map((l) => l.name)
    .join('\n');
}
