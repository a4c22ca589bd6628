/**
 * A statechart as a plain tree the page can draw without Mermaid or any other library (the page
 * must work offline): read off the machine definition itself (machine.root and its `states`, the
 * same walk as model/inventory.ts), so the drawing cannot drift from the chart that runs.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { chartInventory } from '../model/inventory.ts';

export interface ChartNode {
  /** The state's own key (`idle`); the machine id for the root. */
  key: string;
  /** Dotted path below the root (`driver.idle`), '' for the root: what the page highlights by. */
  path: string;
  type: 'parallel' | 'compound' | 'atomic' | 'final' | 'history';
  /** Events this state takes, with their guards (`BUFFER_QUEUED [inflateAllowed]`), for the tooltip. */
  events: string[];
  children: ChartNode[];
}

export interface ChartDrawing {
  /** The chart's name, as in its family's `charts` (properties/<family>/family.ts). */
  name: string;
  root: ChartNode;
}

/**
 * The drawing of one machine.
 *
 * @example
 *   chartTree(name, machine).root.children.map((c) => c.key) // the top-level regions, in document order
 */
export function chartTree(name: string, machine: AnyStateMachine): ChartDrawing {
  const inv = chartInventory(machine);
  const events = new Map<string, string[]>();
  for (const t of inv.transitions) {
    const list = events.get(t.source) ?? [];
    list.push(`${t.event}${t.guard ? ` [${t.guard}]` : ''}`);
    events.set(t.source, list);
  }
  const walk = (n: AnyStateNode): ChartNode => {
    const path = n.path.join('.');
    return {
      key: n.path.length ? n.key : machine.id,
      path,
      type: n.type,
      events: events.get(path || '(root)') ?? [],
      children: (Object.values(n.states) as AnyStateNode[]).map(walk),
    };
  };
  return { name, root: walk(machine.root) };
}
