/**
 * What a chart is made of, read off the machine definition itself (machine.root and its
 * `states`, `transitions` and `always`): its states and every transition with a stable label.
 * Coverage counts against this list and `balloon chart` draws it, so neither can drift from the
 * machine.
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';

export interface ChartTransition {
  /** `driver.idle --BUFFER_QUEUED [inflateAllowed]--> driver.inflating` */
  label: string;
  source: string;
  /** Event type, or `always` for an eventless transition. */
  event: string;
  guard: string | null;
  /** Target state paths; empty for a targetless (internal) transition. */
  targets: string[];
  /**
   * The profiles alone under which it can be taken (its `meta.only`), or null for every one: a
   * family's looser profile (virtio `spec`) may allow steps its reference never takes.
   */
  only: string[] | null;
  def: AnyTransitionDefinition;
}

export interface ChartInventory {
  /** Paths of every state below the root, parents before children, document order. */
  states: string[];
  /** Paths of the atomic (leaf) states. */
  leaves: string[];
  transitions: ChartTransition[];
  /** Transition definitions to their entry, for recording taken transitions by identity. */
  byDef: Map<AnyTransitionDefinition, ChartTransition>;
}

/** The dotted path of a state below the machine root: `device.statsq.posted`; `(root)` for the root. */
export const statePath = (n: AnyStateNode): string => (n.path.length === 0 ? '(root)' : n.path.join('.'));

export function guardName(t: AnyTransitionDefinition): string | null {
  const g = t.guard as unknown;
  if (g === undefined || g === null) return null;
  if (typeof g === 'string') return g;
  if (typeof g === 'object' && 'type' in (g as object)) {
    const o = g as { type: string; params?: unknown };
    return o.params && typeof o.params === 'object' ? `${o.type}(${Object.values(o.params as object).join(',')})` : o.type;
  }
  return (g as { name?: string }).name || 'guard';
}

/** Every state and transition of `machine`, in document order. */
export function chartInventory(machine: AnyStateMachine): ChartInventory {
  const states: string[] = [];
  const leaves: string[] = [];
  const transitions: ChartTransition[] = [];
  const byDef = new Map<AnyTransitionDefinition, ChartTransition>();
  const add = (node: AnyStateNode, event: string, t: AnyTransitionDefinition) => {
    const source = statePath(node);
    const guard = guardName(t);
    const targets = (t.target ?? []).map((n: AnyStateNode) => statePath(n));
    const label = `${source} --${event}${guard ? ` [${guard}]` : ''}--> ${targets.length ? targets.join(', ') : '(internal)'}`;
    const meta = (t as { meta?: { only?: unknown } }).meta;
    const only = Array.isArray(meta?.only) ? (meta.only as string[]) : null;
    const entry = { label, source, event, guard, targets, only, def: t };
    transitions.push(entry);
    byDef.set(t, entry);
  };
  const walk = (node: AnyStateNode) => {
    if (node.path.length > 0) states.push(statePath(node));
    if (node.type === 'atomic' || node.type === 'final') leaves.push(statePath(node));
    for (const [event, list] of node.transitions) for (const t of list) add(node, event, t);
    for (const t of node.always ?? []) add(node, 'always', t);
    for (const child of Object.values(node.states) as AnyStateNode[]) walk(child);
  };
  walk(machine.root);
  return { states, leaves, transitions, byDef };
}
