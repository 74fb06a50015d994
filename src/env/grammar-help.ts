// The grammar as a prompt teaches it: `describeGrammar` writes the action forms of a grammar
// with one example of each, formatted by `formatAction` so the examples always parse.

import { OptionsError } from '../errors.js';
import { checkGrammar, formatAction, WAIT_DEFAULT_MS, WAIT_MAX_MS, type ActionGrammar } from './action-grammar.js';
import { quote } from './observation-text.js';
import type { Action, ElementTarget } from './types.js';

type ValidAction = Exclude<Action, { type: 'invalid' }>;

/** How actions name elements in a prompt: by observation id, by role + name, or either. */
export type TargetStyle = 'id' | 'name' | 'both';

// Example targets: an id form and the equivalent role + name form, with how each reads in prose.
type Example = readonly [(t: ElementTarget) => ValidAction, { role: string; name: string }, number, (label: string) => string];
const LINK = { role: 'link', name: 'Blue Ceramic Mug' };
const BOX = { role: 'textbox', name: 'Search' };
const MENU = { role: 'combobox', name: 'Color' };
const ID_EXAMPLES: readonly Example[] = [
  [(t) => ({ type: 'click', target: t }), LINK, 12, (l) => `click ${l}`],
  [(t) => ({ type: 'hover', target: t }), LINK, 12, (l) => `hover over ${l}`],
  [(t) => ({ type: 'type', target: t, text: 'blue mug' }), BOX, 3, (l) => `type text into ${l}`],
  [(t) => ({ type: 'type', target: t, text: 'blue mug', pressEnter: true }), BOX, 3, (l) => `type text into ${l}, then press Enter`],
  [(t) => ({ type: 'select', target: t, option: 'Red' }), MENU, 7, (l) => `choose option "Red" of ${l}`],
];
const PLAIN_EXAMPLES: readonly [ValidAction, string][] = [
  [{ type: 'scroll', direction: 'up' }, 'scroll the page up'],
  [{ type: 'scroll', direction: 'down' }, 'scroll the page down'],
  [{ type: 'press', key: 'Enter' }, 'press Enter'],
  [{ type: 'press', key: 'Control+a' }, 'press a key or key combination'],
  [{ type: 'goto', url: 'https://example.com/' }, 'open a URL'],
  [{ type: 'go_back' }, 'go back one page'],
  [{ type: 'go_forward' }, 'go forward one page'],
  [{ type: 'wait' }, `wait ${WAIT_DEFAULT_MS / 1000} s for the page to change`],
  [{ type: 'wait', ms: 3000 }, `wait that many milliseconds (at most ${WAIT_MAX_MS})`],
  [{ type: 'answer', text: 'the answer' }, 'finish the task with this answer'],
];

function examples(targets: TargetStyle, wait: boolean): [ValidAction, string][] {
  const out: [ValidAction, string][] = [];
  for (const [make, ref, id, describe] of ID_EXAMPLES) {
    if (targets !== 'name') out.push([make({ id }), describe(`element [${id}]`)]);
    if (targets !== 'id') out.push([make(ref), describe(`the ${ref.role} named "${ref.name}"`)]);
  }
  if (targets !== 'id') out.push([{ type: 'click', target: { ...LINK, nth: 2 } }, 'the 2nd of several elements with that role and name']);
  return [...out, ...PLAIN_EXAMPLES.filter(([a]) => wait || a.type !== 'wait')];
}

const HELP: Record<ActionGrammar, readonly [string, Record<TargetStyle, string>, string]> = {
  'webagent-r1': [
    'Write exactly one action per turn as a call with keyword arguments in double quotes:',
    {
      both: 'Elements are element="<id>" as shown in the page, or role="..." name="..." with an optional nth="2".',
      id: 'Elements are element="<id>" with the id shown in brackets in the page.',
      name: 'Elements are role="..." name="..." exactly as the page shows them, with nth="2" for the 2nd of several.',
    },
    'Inside values write \\" for a quote, \\\\ for a backslash and \\n for a new line.',
  ],
  webarena: [
    'Write exactly one action per turn as a lower-case verb followed by bracketed arguments:',
    {
      both: 'Elements are [<id>] as shown in the page, or [role "name"] with an optional ordinal: [link "Blue Ceramic Mug" 2].',
      id: 'Elements are [<id>] with the id shown in brackets in the page.',
      name: 'Elements are [role "name"] exactly as the page shows them, with an ordinal for the 2nd of several: [link "Blue Ceramic Mug" 2].',
    },
    'The last argument of type is 1 to press Enter after typing, 0 not to. Use stop [] to finish without an answer.',
  ],
};

/**
 * Multi-line help text listing every action form of `grammar` with an example, for system
 * prompts. `targets` picks which element references it teaches (default both); `wait: false`
 * leaves the wait action out (the action list of prompts written before it existed).
 */
export function describeGrammar(grammar: ActionGrammar, options: { targets?: TargetStyle; wait?: boolean } = {}): string {
  checkGrammar(grammar);
  const targets = options.targets ?? 'both';
  if (!['id', 'name', 'both'].includes(targets)) throw new OptionsError(`targets must be "id", "name" or "both", got ${quote(String(targets))}`);
  if (options.wait !== undefined && typeof options.wait !== 'boolean') throw new OptionsError(`wait must be true or false, got ${quote(String(options.wait))}`);
  const list = examples(targets, options.wait ?? true);
  const lines = list.map(([a]) => formatAction(a, grammar));
  const width = Math.max(...lines.map((l) => l.length));
  const [head, elements, escapes] = HELP[grammar];
  return [head, ...lines.map((l, i) => `  ${l.padEnd(width)}  ${list[i]![1]}`), elements[targets], escapes].join('\n');
}
