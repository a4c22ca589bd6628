/**
 * Conformance, lockstep: the implementation and the virtio-balloon statechart (model/virtio) run
 * side by side. After every step the step's effects become chart events (model/virtio/events.ts);
 * an event the chart does not accept is a divergence, named by guest, chart state, event and the
 * spec rule it breaks. Then the abstraction of the observation (target, actual, the driver's
 * balloon counts, buffers in flight per queue) must equal the chart's projection; the host's
 * balloon size, which costs a pass over the gpfns, is compared in the periodic audit.
 *
 * Each guest's chart is its snapshot, stepped by the chart compiled from its XState definition
 * (properties/chart-compiled.ts): the macrostep an actor's `send` runs, with what depends only on
 * the active states worked out once, without building, starting and restoring an actor per guest
 * per case. A fork steps XState's own snapshots by the chart's memoized pure transition
 * (properties/chart-step.ts). With coverage hooks, which watch microsteps, the charts are live
 * actors instead.
 */
import { createActor, type Actor, type AnyTransitionDefinition, type SnapshotFrom, type StateValue } from 'xstate';
import { profileOf, type Observation, type SystemConfig } from '../core/virtio/index.ts';
import { formatStateValue } from '../model/state-name.ts';
import {
  abstractObservation, blankAbstract, diffAbstract, sameAbstract, explainRefusal, formatEvent, guestMachine, hostBalloonSize,
  modelInput, projectContext, stepEvents, type GuestEvent, type GuestMachine,
} from '../model/virtio/index.ts';
import { allHold } from '../model/virtio/rules.ts';
import { ownPending, type GuestModelContext } from '../model/virtio/context.ts';
import type { Violation } from './property.ts';
import { chartInitial, chartStep, chartStepDirect } from './chart-step.ts';
import { compiledChart, machineSnapshot } from './chart-compiled.ts';
import type { VirtioMonitor as PropertyMonitor, VirtioProperty as Property } from './virtio/property.ts';

import type { ConformanceHooks } from './family.ts';

export type { ConformanceHooks };

export const CHART_NAME = 'virtio-guest';

/** The conformance property with optional coverage hooks (the plain one is `conformance`). */
export function conformanceProperty(hooks: ConformanceHooks = {}): Property {
  return {
    name: 'conformance',
    kind: 'always',
    doc: 'every step of the implementation is a step the virtio-balloon statechart allows, and the observation matches the chart',
    refs: 'VIRTIO 1.x 5.5.6, 5.5.6.1; docs/families/virtio.md, invariants 5-8 and 10',
    monitor: (config) => conformanceMonitor(config, hooks),
  };
}

/**
 * The lockstep monitor for one run.
 *
 * Without hooks (a campaign, replay, the explorer's root), no actor at all: each guest's chart is
 * its snapshot, stepped by the compiled chart (chartMonitor below, chart-compiled.ts), from the
 * compiled initial snapshot for its input. An actor per guest per case cost its construction, its
 * start and the restore of a persisted snapshot (about 150 µs a guest measured) before its first
 * event, and each event an XState macrostep (about 35 µs); the compiled chart's event costs the
 * chart's guards and assigns and a few lookups (issue 21). Should the chart use what the compiler
 * does not cover, XState's pure transition steps it (chart-step.ts chartStepDirect). The verdicts
 * are the actors' (the same transition, the same refusal test, the same comparisons:
 * test/properties/conformance.test.ts runs both over the same steps, and
 * test/properties/chart-compiled.test.ts walks the compiled chart beside a live actor).
 */
export function conformanceMonitor(config: SystemConfig, hooks: ConformanceHooks = {}): PropertyMonitor {
  if (!hooks.onTransitions && !hooks.onState && !hooks.onCharts) {
    const inputs = config.guests.map((g) => modelInput(g, config.maxBatch, profileOf(config)));
    const compiled = compiledChart(guestMachine);
    if (compiled) return chartMonitor(inputs.map((i) => compiled.initial(i) as unknown as GuestSnap), (_l, _i, before, e) => compiled.step(before as never, e as never) as never);
    return chartMonitor(inputs.map(initialSnapshot), chartStepDirect);
  }
  return actorMonitor(config, hooks);
}

/**
 * The lockstep monitor over live actors, for coverage hooks (they watch the actors' microsteps
 * and states, and read the charts while the run goes on). It has no fork: the hooks' counts and
 * charts are their caller's (chart-step.ts forkUnlessHooked).
 */
function actorMonitor(config: SystemConfig, hooks: ConformanceHooks): PropertyMonitor {
  const inspect = hooks.onTransitions
    ? (ev: { type: string; _transitions?: AnyTransitionDefinition[] }) => {
      if (ev.type === '@xstate.microstep' && ev._transitions?.length) hooks.onTransitions!(CHART_NAME, ev._transitions);
    }
    : undefined;
  const actors: Actor<GuestMachine>[] = config.guests.map((g) => {
    const a = createActor(guestMachine, {
      input: modelInput(g, config.maxBatch, profileOf(config)),
      ...(inspect ? { inspect: inspect as never } : {}),
    });
    a.start();
    hooks.onState?.(CHART_NAME, a.getSnapshot().value);
    return a;
  });
  hooks.onCharts?.(actors.map((a, guest) => ({ chart: CHART_NAME, guest, state: () => a.getSnapshot().value })));
  return {
    step({ command, result, obs, index }) {
      const g = command.guest;
      const actor = actors[g];
      if (!actor) return null;
      for (const e of stepEvents(command, result)) {
        const before = actor.getSnapshot();
        // Fast path for the commonest events, idle steps that leave the chart as it is: check
        // their rule on the context instead of a macrostep (coverage still sends them).
        if (!hooks.onTransitions && idleUnchanged(before.context, e)) continue;
        actor.send(e);
        const after = actor.getSnapshot();
        if (after.status !== 'active') return { guest: g, message: `guest ${g}: the chart stopped (${after.status}) on ${formatEvent(e)}` };
        if (after === before && guestMachine.getTransitionData(before as never, e).length === 0) return refusal(g, before.value, before.context, e, index);
      }
      return compare(g, obs, actor);
    },
    audit(obs) {
      for (let g = 0; g < actors.length; g++) {
        const v = compare(g, obs, actors[g]);
        if (v) return v;
        const c = actors[g].getSnapshot().context;
        const host = hostBalloonSize(obs.guests[g]);
        if (host !== c.hostBalloon) {
          return { guest: g, message: `guest ${g}: the device holds ${host} gpfns in the balloon, the chart ${c.hostBalloon} (inv 6: host and guest agree)` };
        }
      }
      return null;
    },
  };
}

type GuestSnap = SnapshotFrom<GuestMachine>;

// The chart's initial snapshot per input (its text as key), shared by every run of that input
// (snapshots are never mutated: a step makes a new one); bounded, so that a long run of many
// configurations does not keep them all.
const initials = new Map<string, GuestSnap>();
function initialSnapshot(input: ReturnType<typeof modelInput>): GuestSnap {
  const key = JSON.stringify(input);
  let s = initials.get(key);
  if (!s) {
    if (initials.size >= 256) initials.clear();
    s = chartInitial(guestMachine, input);
    initials.set(key, s);
  }
  return s;
}

/**
 * The lockstep monitor over the charts' snapshots instead of live actors, for forks: each event
 * goes through the chart's pure transition, memoized (properties/chart-step.ts chartStep), and a
 * fork shares the (immutable) snapshots. It judges exactly as the actor-based monitor does: the
 * same events, the same refusal test (no transition of the state takes the event), the same
 * comparisons (test/explore/fork.test.ts compares a forked case with a whole run, verdicts and messages).
 */
function chartMonitor(snaps: GuestSnap[], step: typeof chartStep = chartStep): PropertyMonitor {
  return {
    // A fork steps by the memoized transition: the explorer's forks revisit their states.
    fork: () => chartMonitor(snaps.map((s) => machineSnapshot(guestMachine, s as never) as GuestSnap)),
    step({ command, result, obs, index }) {
      const g = command.guest;
      if (snaps[g] === undefined) return null;
      for (const e of stepEvents(command, result)) {
        const before = snaps[g];
        if (idleUnchanged(before.context, e)) continue;
        const r = step(guestMachine, before.context.cfg, before, e);
        if (r.refused) return refusal(g, before.value, before.context, e, index);
        if (r.next === null) continue;
        snaps[g] = r.next;
        if (r.next.status !== 'active') return { guest: g, message: `guest ${g}: the chart stopped (${r.next.status}) on ${formatEvent(e)}` };
      }
      return compareSnap(g, obs, snaps[g]);
    },
    audit(obs) {
      for (let g = 0; g < snaps.length; g++) {
        const v = compareSnap(g, obs, snaps[g]);
        if (v) return v;
        const host = hostBalloonSize(obs.guests[g]);
        if (host !== snaps[g].context.hostBalloon) {
          return { guest: g, message: `guest ${g}: the device holds ${host} gpfns in the balloon, the chart ${snaps[g].context.hostBalloon} (inv 6: host and guest agree)` };
        }
      }
      return null;
    },
  };
}

// The per-step comparison fills these two, so a step that agrees allocates nothing.
const implSide = blankAbstract();
const modelSide = blankAbstract();

function compareSnap(g: number, obs: Observation, s: GuestSnap): Violation | null {
  const impl = abstractObservation(obs.guests[g], implSide);
  const model = projectContext(s.context, modelSide);
  if (sameAbstract(impl, model)) return null;
  const diff = diffAbstract(impl, model);
  return { guest: g, message: `guest ${g}: the observation differs from the chart in [${formatStateValue(s.value)}]: ${diff.join('; ')}` };
}

function refusal(g: number, state: StateValue, context: Parameters<typeof explainRefusal>[0], e: GuestEvent, index: number): Violation {
  const why = explainRefusal(context, e) ?? `no transition of that state takes it (VIRTIO 5.5.6 order of operations)`;
  return { guest: g, message: `guest ${g} diverged at step ${index}: ${formatEvent(e)} is not allowed in [${formatStateValue(state)}]: ${why}` };
}

/** compareSnap on a live actor's snapshot (the hooked monitors, whose actors report to coverage). */
const compare = (g: number, obs: Observation, actor: Actor<GuestMachine>): Violation | null => compareSnap(g, obs, actor.getSnapshot());

/** An idle step the chart allows and that changes nothing: DEVICE_IDLE, or DRIVER_IDLE with no config-change work to retire. */
function idleUnchanged(c: GuestModelContext, e: GuestEvent): boolean {
  if (e.type === 'DEVICE_IDLE') return allHold('queueEmpty', c, e);
  if (e.type !== 'DRIVER_IDLE' || !allHold('driverMayIdle', c, e)) return false;
  return !c.wantsWork || ownPending(c, 'inflate') || ownPending(c, 'deflate');
}

/** Lockstep conformance of the implementation to the virtio-balloon statechart. */
export const conformance: Property = conformanceProperty();
