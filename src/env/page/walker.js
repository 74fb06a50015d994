// @ts-check
// The page program: WebEnvironment's code that runs inside the page, one call per observation
// or action step (`op` with `args`, answered with plain JSON; see dom-protocol.ts).
//
// It is written as ES modules (this folder) so that it is type-checked (./tsconfig.json: DOM,
// no Node) and linted like the rest of the project, but it reaches the page as one JavaScript
// expression: dom-script.ts reads these files as text, removes their import declarations and
// `export` keywords, and puts their code, in the order of PAGE_MODULES, into the body of
// `(op, args) => { ...; return run(op, args); }`. So every call builds its constants and
// helpers afresh, as one closure (per-call caches such as the row cache start empty), and the
// only state kept between calls is on the window (the element ids, the init script's records).
// Not a compiled function's `toString()`: code transpiled by tsx or esbuild may call helpers
// (`__name`) that do not exist in the page. So these files must keep to what that text
// rewriting understands: imports and exports only as whole top-level declarations.

import { prepare, verify, waitTimers, valueOp, scroll, pressed } from './act.js';
import { observe } from './observe.js';
/** @import { DomOp } from '../dom-protocol.js' */

/**
 * Runs one op of the page program.
 * @param {DomOp} op
 * @param {any} args the op's arguments (Dom*Args in dom-protocol.ts)
 */
export function run(op, args) {
  if (op === 'observe') return observe(args);
  if (op === 'pressed') return pressed(args);
  if (op === 'prepare') return prepare(args);
  if (op === 'verify') return verify(args);
  if (op === 'timers') return waitTimers(args);
  if (op === 'value') return valueOp(args);
  if (op === 'scroll') return scroll(args.direction);
  throw new Error('unknown op ' + op);
}
