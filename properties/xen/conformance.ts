/**
 * Conformance, lockstep: the implementation and the Xen charts (model/xen: the guest's balloon
 * thread and the hypervisor side) run side by side, one pair per guest. After every step its
 * effects become chart events (model/xen/events.ts); an event a chart does not accept is a
 * divergence, named by guest, chart state, event and the first rule it breaks. Then the
 * observation's abstraction must equal the charts' projection.
 */
import { createActor, type Actor, type AnyTransitionDefinition, type Snapshot, type StateValue } from 'xstate';
import type { XenObservation, XenSystemConfig } from '../../core/xen/index.ts';
import {
  abstractXenObservation, brokenRule, diffXenAbstract, formatXenEvent, HYPERVISOR_RULES, projectXenContexts, THREAD_RULES,
  xenHypervisorMachine, xenStepEvents, xenThreadMachine, type XenEvent, type XenHypervisorMachine, type XenThreadMachine,
} from '../../model/xen/index.ts';
import { formatStateValue } from '../../model/state-name.ts';
import { snapshotActor, forkUnlessHooked } from '../chart-step.ts';
import type { ChartCopy } from '../family.ts';
import type { XenMonitor, XenProperty, XenViolation } from './property.ts';

export interface XenConformanceHooks {
  onTransitions?(chart: string, transitions: readonly AnyTransitionDefinition[]): void;
  onState?(chart: string, value: StateValue): void;
  onCharts?(copies: readonly ChartCopy[]): void;
}

type Pair = { thread: Actor<XenThreadMachine>; hv: Actor<XenHypervisorMachine>; pod: [number, number] };

export function xenConformanceProperty(hooks: XenConformanceHooks = {}): XenProperty {
  return {
    name: 'conformance',
    kind: 'always',
    doc: 'every step of the implementation is a step the Xen charts allow, and the observation matches them',
    refs: 'model/xen (Linux balloon.c balloon_thread, update_schedule; xen/common/memory.c; p2m-pod.c); docs/families/xen.md',
    monitor: (config) => monitor(config, hooks),
  };
}

/** Where a fork starts: per guest, the two charts' snapshots and the PoD counts last seen. */
type XenFrom = { thread: Snapshot<unknown>; hv: Snapshot<unknown>; pod: [number, number] }[];

function monitor(config: XenSystemConfig, hooks: XenConformanceHooks, from?: XenFrom): XenMonitor {
  const inspect = (chart: string) => (ev: { type: string; _transitions?: AnyTransitionDefinition[] }) => {
    if (ev.type === '@xstate.microstep' && ev._transitions?.length) hooks.onTransitions?.(chart, ev._transitions);
  };
  const pairs: Pair[] = config.guests.map((guest, i) => {
    const input = { guest, system: config };
    const f = from?.[i];
    const thread = f ? snapshotActor(xenThreadMachine, input, f.thread as never) : createActor(xenThreadMachine, { input, ...(hooks.onTransitions ? { inspect: inspect('xen-thread') as never } : {}) });
    const hv = f ? snapshotActor(xenHypervisorMachine, input, f.hv as never) : createActor(xenHypervisorMachine, { input, ...(hooks.onTransitions ? { inspect: inspect('xen-hypervisor') as never } : {}) });
    thread.start(); hv.start();
    if (f) return { thread, hv, pod: [f.pod[0], f.pod[1]] };
    hooks.onState?.('xen-thread', thread.getSnapshot().value);
    hooks.onState?.('xen-hypervisor', hv.getSnapshot().value);
    const h = hv.getSnapshot().context;
    return { thread, hv, pod: [h.podEntries, h.podCache] };
  });
  hooks.onCharts?.(pairs.flatMap((p, guest) => [
    { chart: 'xen-thread', guest, state: () => p.thread.getSnapshot().value },
    { chart: 'xen-hypervisor', guest, state: () => p.hv.getSnapshot().value },
  ]));
  const fork = forkUnlessHooked(hooks, () => monitor(config, hooks, pairs.map((p) => ({ thread: p.thread.getSnapshot(), hv: p.hv.getSnapshot(), pod: p.pod }))));
  return {
    ...fork,
    step({ command, result, obs, index }) {
      const g = command.guest;
      const p = pairs[g];
      if (!p) return null;
      const og = obs.guests[g];
      const events = xenStepEvents(command, result, og, p.pod);
      if (og) p.pod = [og.xen.podEntries, og.xen.podCache];
      for (const e of events) {
        // A tick moves every guest's clock.
        const targets = e.type === 'TICK' ? pairs : [p];
        for (const q of targets) {
          const v = send(q, e, q === p ? g : pairs.indexOf(q), index);
          if (v) return v;
        }
      }
      return compare(g, obs, p);
    },
    audit(obs) {
      for (let g = 0; g < pairs.length; g++) { const v = compare(g, obs, pairs[g]); if (v) return v; }
      return null;
    },
  };
}

function send(p: Pair, e: XenEvent, g: number, index: number): XenViolation | null {
  for (const [name, actor, rules] of [['thread', p.thread, THREAD_RULES], ['hypervisor', p.hv, HYPERVISOR_RULES]] as const) {
    if (name === 'hypervisor' && e.type !== 'HYPERCALL' && e.type !== 'POD' && e.type !== 'RESET') continue;
    const before = actor.getSnapshot();
    actor.send(e as never);
    const after = actor.getSnapshot();
    if (after === before && (actor.logic as { getTransitionData(s: unknown, e: unknown): unknown[] }).getTransitionData(before, e).length === 0) {
      const why = firstBroken(rules as Record<string, readonly { says: string; holds(c: never, e: XenEvent): boolean }[]>, before.context as never, e);
      return { guest: g, message: `guest ${g} diverged at step ${index}: the ${name} chart in [${formatStateValue(before.value)}] does not take ${formatXenEvent(e)}${why ? `: ${why}` : ''}` };
    }
  }
  return null;
}

/** The first broken rule among the rule lists that govern `e`, for the message. */
function firstBroken(rules: Record<string, readonly { says: string; holds(c: never, e: XenEvent): boolean }[]>, c: never, e: XenEvent): string | null {
  const governing: Record<string, string[]> = {
    PASS: ['passSkipped', 'passEndsDone', 'passEndsEagain', 'passEndsCancelled'],
    HYPERCALL: e.type !== 'HYPERCALL' ? [] : e.origin === 'hostile' ? ['hostileRefused'] : [e.op === 'decrease' ? 'decreaseAsLinux' : 'populateAsLinux', 'driverOpWellFormed'],
    CURRENT: ['currentAccounted'], POPULATED: ['populatedToAllocator'], TARGET_SET: ['targetClamped'], TICK: ['timeForward'],
    ALLOC: ['allocFits'], FREE: ['freeFits'], LENT: ['lendFits'], UNLENT: ['unlendFits'], POD: ['podBalanced', 'podOutstanding'],
  };
  for (const n of governing[e.type] ?? []) {
    const r = rules[n];
    if (!r) continue;
    const b = brokenRule(r as never, c, e);
    if (b) return b;
  }
  return null;
}

function compare(g: number, obs: XenObservation, p: Pair): XenViolation | null {
  const og = obs.guests[g];
  if (!og) return null;
  const t = p.thread.getSnapshot();
  const model = projectXenContexts(t.context, p.hv.getSnapshot().context, String(t.value));
  const diff = diffXenAbstract(abstractXenObservation(og), model);
  if (diff.length === 0) return null;
  return { guest: g, message: `guest ${g}: the observation differs from the Xen charts in [${String(t.value)}]: ${diff.join('; ')}` };
}

export const xenConformance: XenProperty = xenConformanceProperty();
