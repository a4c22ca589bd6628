/**
 * The viewer's part for a family that brings no view of its own (viewer/family.ts): its charts
 * as the family registers them (properties/<family>/family.ts `charts`), one copy per chart and
 * guest as its conformance monitor creates them, stepped by that very monitor in lockstep with
 * the implementation. What the page highlights is what conformance checked; when conformance
 * refuses a step, its message is the step's panel line and the step's model difference.
 */
import type { StateValue } from 'xstate';
import type { AnyCommand, StepResult, WorldConfig, WorldObservation } from '../core/index.ts';
import type { WorldSummary } from '../properties/property.ts';
import type { AnyFamily, ChartCopy } from '../properties/family.ts';
import { chartTree } from './chart-tree.ts';
import type { FamilyStep, FamilyView } from './family.ts';

/** Leaf paths of a state value: `{ driver: 'idle', device: { inflateq: 'busy' } }` → ['driver.idle', 'device.inflateq.busy']. */
export function leafPaths(v: StateValue, prefix = ''): string[] {
  if (typeof v === 'string') return [prefix ? `${prefix}.${v}` : v];
  return Object.entries(v).filter(([, s]) => s !== undefined).flatMap(([k, s]) => leafPaths(s as StateValue, prefix ? `${prefix}.${k}` : k));
}

/**
 * The view of one run of `config` by `family`'s own conformance monitor.
 *
 * @example
 *   const view = genericView(xen, config);
 *   view.instances.map((i) => i.label) // ['guest 0: xen-thread', 'guest 0: xen-hypervisor']
 */
export function genericView(family: AnyFamily, config: WorldConfig): FamilyView {
  let copies: readonly ChartCopy[] = [];
  const monitor = family.conformanceProperty({ onCharts: (c) => { copies = c; } }).monitor(config, family.world);
  if (copies.length === 0) throw new Error(`family ${family.name}: its conformance monitor announced no charts (ConformanceHooks.onCharts)`);
  const before = new Map<number, WorldSummary>();
  let index = 0;
  const active = () => copies.map((c) => leafPaths(c.state()));
  return {
    charts: Object.entries(family.charts).map(([name, m]) => chartTree(name, m)),
    instances: copies.map((c) => ({ chart: c.chart, guest: c.guest, label: `guest ${c.guest}: ${c.chart}` })),
    initial: active(),
    describe: (c: AnyCommand) => family.formatCommand(c),
    start(obs: WorldObservation) {
      obs.guests.forEach((_, g) => before.set(g, family.runner.summary(obs, g)));
    },
    step(command: AnyCommand, result: StepResult, obs: WorldObservation): FamilyStep {
      const g = command.guest;
      const v = monitor.step?.({ index: index++, command, result, obs, before: before.get(g) ?? family.runner.summary(obs, g), draining: false }) ?? null;
      if (obs.guests[g]) before.set(g, family.runner.summary(obs, g));
      const panel: [string, string][] = [[`g${g} model`, v ? `refused: ${v.message}` : 'agrees']];
      return { active: active(), panel, diff: v ? [v.message] : [] };
    },
  };
}
