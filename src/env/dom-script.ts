// The code WebEnvironment runs inside the page, as the JavaScript text the page evaluates: the
// page program (DOM_SCRIPT: a DOM walker that lists the page as compact observation rows with
// stable integer ids, and the in-page half of every element action), the init script installed
// in every document (initScript), and the short calls that run one op (domCall, domInvoke).
// One `page.evaluate` per observation or action: measured ~1.5 ms against ~4.6 ms for
// Playwright's aria snapshot, and 3x shorter text.
//
// The page code lives in src/env/page/ as type-checked, linted ES modules (walker.js there says
// how they become one function). They are read here as text, once, when this module loads,
// relative to this file: src/env/page/ when the sources run under tsx, dist/env/page/ in the
// build, which `npm run build` copies them to (the package ships dist/). Text, not a compiled
// function's toString(): code transpiled by tsx or esbuild may call helpers (`__name`) that do
// not exist in the page, and the page then runs exactly the code in those files.

import { readFileSync } from 'node:fs';
import { SHORT_TIMER_MS, STATE_BITS, type DomOp, type DomRow } from './dom-protocol.js';
import type { ElementState, ObservationNode } from './types.js';

export {
  STATE_BITS,
  SHORT_TIMER_MS,
  type DomRow,
  type DomOp,
  type DomObserveArgs,
  type DomObserveResult,
  type DomPrepareArgs,
  type DomPrepareResult,
  type DomVerifyResult,
  type DomScrollResult,
} from './dom-protocol.js';

/** The page program's modules, in the order their code runs in the page's function body. */
const PAGE_MODULES = ['elements.js', 'observe.js', 'targets.js', 'fill.js', 'act.js', 'walker.js'] as const;

/** Whole import declarations (one or more lines, ending at the first `;`). */
const IMPORT_DECLARATION = /^import\s[^;]*;[ \t]*\n/gm;
/** The `export` keyword of an exported top-level declaration. */
const EXPORT_KEYWORD = /^export (?=(?:async\s+)?function\b|const\b|let\b)/gm;
/** Names of top-level declarations (top-level code starts at column 0 in these files). */
const TOP_LEVEL_NAME = /^(?:(?:async\s+)?function\*?\s*|(?:const|let|var|class)\s+)([A-Za-z_$][\w$]*)/gm;

/** The code of src/env/page/`file` without its module syntax, to run inside a function body. */
function pageCode(file: string): string {
  const url = new URL(`./page/${file}`, import.meta.url);
  let text: string;
  try {
    text = readFileSync(url, 'utf8');
  } catch (error) {
    throw new Error(`webagent-r1: the in-page code ${url.pathname} is missing (a build must copy src/env/page/*.js next to dom-script.js; see package.json's build script)`, { cause: error });
  }
  const code = text.replace(IMPORT_DECLARATION, '').replace(EXPORT_KEYWORD, '');
  const left = /^\s*(?:import|export)\b.*$/m.exec(code);
  if (left) throw new Error(`webagent-r1: ${url.pathname}: module syntax the page code loader does not rewrite: ${left[0].trim()}`);
  return code;
}

/** The modules' code in one function body; their top-level names then share one scope, so no name may be declared twice. */
function functionBody(files: readonly string[]): string {
  const seen = new Map<string, string>();
  const parts = files.map((file) => {
    const code = pageCode(file);
    for (const [, name] of code.matchAll(TOP_LEVEL_NAME)) {
      const other = seen.get(name!);
      if (other !== undefined) throw new Error(`webagent-r1: the in-page modules ${other} and ${file} both declare ${name} at top level`);
      seen.set(name!, file);
    }
    return code;
  });
  return parts.join('\n');
}

/** An expression evaluating to `(op, args) => result`, the page program (src/env/page/walker.js); see `domCall`. */
export const DOM_SCRIPT = `((op, args) => {\n${functionBody(PAGE_MODULES)}\nreturn run(op, args);\n})`;

/** Name of the binding the init script calls when the page sets off a navigation. */
export const NAV_BINDING = '__webagentR1NavigationHint';

const HOOKS = functionBody(['hooks.js']);

/**
 * Installed with `addInitScript` in every document of an episode's context (src/env/page/hooks.js):
 * counts popups the document opens, flags navigations it sets off, tracks short timers and
 * trusted presses, compiles DOM_SCRIPT once per document; and, when `listeners` is on, records
 * elements that get click-like listeners through `addEventListener`, so the walker can list them
 * as actionable (a page cannot be asked for its listeners without the DevTools protocol).
 */
export function initScript(listeners: boolean): string {
  return `(() => {\n${HOOKS}\ninstallHooks(${listeners ? 'true' : 'false'}, ${JSON.stringify(NAV_BINDING)}, ${SHORT_TIMER_MS}, ${DOM_SCRIPT});\n})();`;
}

/** A JavaScript expression that runs `op` of DOM_SCRIPT with `args` in the page (the whole script, parsed at every call). */
export function domCall(op: DomOp, args: unknown): string {
  return `${DOM_SCRIPT}(${JSON.stringify(op)}, ${JSON.stringify(args)})`;
}

/** What `domInvoke` evaluates to in a document the init script did not run in. */
export const DOM_MISSING = '__webagent-r1: no DOM script in this document__';

/**
 * A short JavaScript expression that runs `op` with `args` through the DOM script the init
 * script compiled in the document, or evaluates to DOM_MISSING where there is none (then use
 * `domCall`). Parsing the whole script costs about 1 ms a call.
 */
export function domInvoke(op: DomOp, args: unknown): string {
  return `((f) => (f ? f(${JSON.stringify(op)}, ${JSON.stringify(args)}) : ${JSON.stringify(DOM_MISSING)}))(window[Symbol.for('webagent-r1.dom.call')])`;
}

const STATE_NAMES: ReadonlyArray<[number, (s: { -readonly [K in keyof ElementState]: ElementState[K] }) => void]> = [
  [STATE_BITS.checked, (s) => (s.checked = true)],
  [STATE_BITS.mixed, (s) => (s.checked = 'mixed')],
  [STATE_BITS.selected, (s) => (s.selected = true)],
  [STATE_BITS.disabled, (s) => (s.disabled = true)],
  [STATE_BITS.expanded, (s) => (s.expanded = true)],
  [STATE_BITS.collapsed, (s) => (s.expanded = false)],
  [STATE_BITS.focused, (s) => (s.focused = true)],
  [STATE_BITS.required, (s) => (s.required = true)],
];

/** Converts the walker's compact rows into observation nodes. */
export function rowsToNodes(rows: readonly DomRow[]): ObservationNode[] {
  return rows.map(([id, role, name, value, bits, level, depth, visible, inputType]) => {
    const node: { -readonly [K in keyof ObservationNode]: ObservationNode[K] } = { role, name };
    if (id) node.id = id;
    if (inputType) node.inputType = inputType;
    if (value !== null) node.value = value;
    if (bits) {
      const state: { -readonly [K in keyof ElementState]: ElementState[K] } = {};
      for (const [bit, set] of STATE_NAMES) if (bits & bit) set(state);
      node.state = state;
    }
    if (level) node.level = level;
    if (depth) node.depth = depth;
    node.visible = visible === 1;
    return node;
  });
}
