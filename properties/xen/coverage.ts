/**
 * Coverage of the Xen charts: a seeded campaign on the reference with conformance hooked in;
 * every state entered and every transition taken is recorded against the charts' inventory
 * (model/inventory.ts), so the report cannot drift from the machines.
 */
import fc from 'fast-check';
import type { AnyTransitionDefinition, StateValue } from 'xstate';
import { createXenReference } from '../../impl/xen/index.ts';
import { chartInventory } from '../../model/inventory.ts';
import { xenCharts } from '../../model/xen/index.ts';
import { xenConformanceProperty } from './conformance.ts';
import { asSharedProperty } from './family.ts';
import { runXenCase } from './check.ts';
import { xenCheckConfig, xenCommandsArb } from './workload.ts';

export interface XenChartCoverage {
  chart: string;
  states: string[];
  transitions: string[];
  takenStates: Set<string>;
  takenTransitions: Set<string>;
}

/** Every leaf and parent path of a state value (`{ ops: 'serving', pod: 'off' }` → ops, ops.serving, pod, pod.off). */
function paths(v: StateValue, prefix = ''): string[] {
  if (typeof v === 'string') return [prefix ? `${prefix}.${v}` : v, ...(prefix ? [prefix] : [])];
  return Object.entries(v).flatMap(([k, sub]) => [prefix ? `${prefix}.${k}` : k, ...paths(sub as StateValue, prefix ? `${prefix}.${k}` : k)]);
}

export function runXenCoverage(o: { seed?: number; runs?: number } = {}): XenChartCoverage[] {
  const cov = Object.entries(xenCharts).map(([chart, m]) => {
    const inv = chartInventory(m);
    return { chart, inv, states: inv.states, transitions: inv.transitions.map((t) => t.label), takenStates: new Set<string>(), takenTransitions: new Set<string>() };
  });
  const byName = new Map(cov.map((c) => [c.chart, c]));
  const hooks = {
    onTransitions(chart: string, ts: readonly AnyTransitionDefinition[]) {
      const c = byName.get(chart)!;
      for (const t of ts) {
        const e = c.inv.byDef.get(t);
        if (!e) continue;
        c.takenTransitions.add(e.label);
        for (const target of e.targets) for (let p = target; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') c.takenStates.add(p);
      }
    },
    onState(chart: string, v: StateValue) { for (const p of paths(v)) byName.get(chart)!.takenStates.add(p); },
  };
  const prop = asSharedProperty(xenConformanceProperty(hooks));
  const config = xenCheckConfig();
  fc.check(fc.property(xenCommandsArb(config), (cmds) => runXenCase(createXenReference, config, cmds, [prop]).failure === null), { seed: o.seed ?? 42, numRuns: o.runs ?? 100 });
  return cov.map(({ chart, states, transitions, takenStates, takenTransitions }) => ({ chart, states, transitions, takenStates, takenTransitions }));
}
