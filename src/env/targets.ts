// Resolves an action's element target (an id, or role + accessible name + ordinal) against the
// nodes of an observation, exactly as the observation prints them. Shared by WebEnvironment
// and ScriptedEnvironment so a policy sees the same errors in both.

import { quote } from './observation-text.js';
import type { Action, ElementTarget, ObservationNode } from './types.js';

export type TargetResolution = { readonly id: number; readonly node: ObservationNode } | { readonly error: string };

function describe(node: ObservationNode): string {
  return `[${node.id}] ${node.role} ${quote(node.name)}`;
}

function words(text: string): Set<string> {
  return new Set(text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean));
}

/** Up to `limit` candidates, those sharing most words with `name` first. */
function closest(candidates: readonly ObservationNode[], name: string, limit = 8): string {
  const want = words(name);
  const scored = candidates.map((node, i) => {
    let shared = 0;
    for (const w of words(node.name)) if (want.has(w)) shared += 1;
    return { node, shared, i };
  });
  scored.sort((a, b) => b.shared - a.shared || a.i - b.i);
  const shown = scored.slice(0, limit).map((s) => describe(s.node));
  const more = candidates.length - shown.length;
  return shown.join(', ') + (more > 0 ? ` and ${more} more` : '');
}

const plural = (role: string): string => (role.endsWith('x') ? `${role}es` : `${role}s`);

/** Finds the element a target names among `nodes`, or explains why none or several match. */
export function resolveTarget(nodes: readonly ObservationNode[], target: ElementTarget): TargetResolution {
  const actionable = nodes.filter((n) => n.id !== undefined);
  if ('id' in target) {
    const node = actionable.find((n) => n.id === target.id);
    return node ? { id: target.id, node } : { error: `element [${target.id}] is not on the page; use an id from the current observation` };
  }
  const role = target.role.trim().toLowerCase();
  const name = target.name.replace(/\s+/g, ' ').trim();
  const sameRole = actionable.filter((n) => n.role === role);
  const matches = sameRole.filter((n) => n.name === name);
  if (matches.length === 0) {
    const otherRoles = actionable.filter((n) => n.name === name);
    if (otherRoles.length > 0) {
      return { error: `no ${role} named ${quote(name)}; elements with that name: ${otherRoles.map(describe).join(', ')}` };
    }
    if (sameRole.length === 0) return { error: `no ${role} named ${quote(name)}: the page has no ${plural(role)}` };
    return { error: `no ${role} named ${quote(name)}; ${plural(role)} on the page: ${closest(sameRole, name)}` };
  }
  if (target.nth !== undefined) {
    const node = matches[target.nth - 1];
    if (!node) return { error: `there ${matches.length === 1 ? 'is 1' : `are ${matches.length}`} ${matches.length === 1 ? role : plural(role)} named ${quote(name)}, so nth ${target.nth} does not exist` };
    return { id: node.id!, node };
  }
  if (matches.length > 1) {
    return {
      error: `${matches.length} ${plural(role)} are named ${quote(name)}: ${matches.map(describe).join(', ')}; add nth (1 to ${matches.length}) or use an id`,
    };
  }
  const node = matches[0]!;
  return { id: node.id!, node };
}

/**
 * The role + name reference (with `nth` when several elements share both) of the element `id`
 * names, so that `resolveTarget` finds that same element. For turning id-based actions (experts,
 * large-model demonstrations) into the role + name form small policies write. Undefined when
 * the id is not on the page.
 */
export function nameTargetOf(nodes: readonly ObservationNode[], id: number): ElementTarget | undefined {
  const node = nodes.find((n) => n.id === id);
  if (node === undefined) return undefined;
  const name = node.name.replace(/\s+/g, ' ').trim();
  const matches = nodes.filter((n) => n.id !== undefined && n.role === node.role && n.name === name);
  const nth = matches.indexOf(node) + 1;
  return matches.length > 1 ? { role: node.role, name, nth } : { role: node.role, name };
}

/** `action` with an id target rewritten as a role + name reference on `nodes` (other actions unchanged). */
export function withNameTarget<A extends Action>(action: A, nodes: readonly ObservationNode[]): A {
  if (!('target' in action) || !('id' in action.target)) return action;
  const target = nameTargetOf(nodes, action.target.id);
  return target === undefined ? action : { ...action, target };
}
