/**
 * Free page hinting inside `balloon check --family virtio` (issue 20): the hinting harness's
 * pieces, one definition, run on every guest that negotiated FREE_PAGE_HINT.
 *
 * - The properties of properties/virtio/hinting/ (the command contract, the data oracle of the
 *   hinting pool, what the device may drop) become virtio properties: each keeps one monitor per
 *   hinting guest and feeds it the `hint` commands of that guest, their `hinting` effects and the
 *   observation's `hinting` part.
 * - The hinting chart (model/virtio/hinting-machine.ts) is stepped by conformance, beside the
 *   guest chart, one copy per hinting guest, and reports to coverage as chart `virtio-hinting`.
 *
 * A configuration without FREE_PAGE_HINT gets the plain monitors: nothing here runs for it.
 */
import { createActor, type Actor, type AnyTransitionDefinition, type SnapshotFrom } from 'xstate';
import { hintingOn, profileOf, type Command, type Effect, type StepResult, type SystemConfig } from '../../../core/virtio/index.ts';
import { hintConfigFor, type HintCommand, type HintEffect, type HintErrorCode, type HintStepResult } from '../../../core/virtio/hinting.ts';
import { formatHintEvent, hintMachine, hintStepEvents } from '../../../model/virtio/hinting-machine.ts';
import { formatStateValue } from '../../../model/state-name.ts';
import { forkUnlessHooked, snapshotActor } from '../../chart-step.ts';
import { compiledActor, machineSnapshot } from '../../chart-compiled.ts';
import type { ConformanceHooks } from '../../family.ts';
import type { Violation } from '../../property.ts';
import type { VirtioMonitor, VirtioProperty, VirtioStepContext } from '../property.ts';
import { hintContract } from './contract.ts';
import { compare, explain, hintDataOracle, hintDeviceDrops, type HintMonitor, type HintProperty, type HintStep } from './properties.ts';

/** The name of the hinting chart in `balloon chart`, coverage and the family's `charts`. */
export const HINT_CHART_NAME = 'virtio-hinting';

/** The guests of `config` that negotiated FREE_PAGE_HINT. */
export const hintingGuests = (config: SystemConfig): number[] => config.guests.flatMap((g, i) => (hintingOn(g.features) ? [i] : []));

/** A hinting step as the hinting harness's words: the `op`, and the step's `hinting` effects under its outcome. */
function hintStep(command: Extract<Command, { kind: 'hint' }>, result: StepResult): { op: HintCommand; result: HintStepResult } {
  const effects: HintEffect[] = [];
  for (const e of result.effects as readonly Effect[]) if (e.kind === 'hinting') effects.push(...e.effects);
  return {
    op: command.op,
    result: result.outcome === 'accepted' ? { outcome: 'accepted', effects } : { outcome: 'refused', code: result.code as HintErrorCode, effects },
  };
}

/** A hinting step a run has seen, as its guest's monitor took it: what a fork replays into fresh hinting monitors. */
interface Seen { guest: number; step: HintStep }

/** A hinting property of properties/virtio/hinting/ as a virtio property, one monitor per hinting guest. */
function lift(p: HintProperty): VirtioProperty {
  return {
    name: p.name,
    kind: 'always',
    doc: `${p.doc} (on every guest that negotiated FREE_PAGE_HINT)`,
    refs: `${p.refs}; VIRTIO 1.2 5.5.3 bit 3`,
    monitor(config) {
      const hc = hintConfigFor(profileOf(config));
      const on = new Set(hintingGuests(config));
      const make = (seen: readonly Seen[]): VirtioMonitor => {
        const monitors = new Map<number, HintMonitor>([...on].map((g) => [g, p.monitor(hc)]));
        const history = [...seen];
        // A fork rebuilds the hinting monitors from the hinting steps seen (few: one per `hint` command).
        for (const s of seen) monitors.get(s.guest)!.step(s.step);
        return {
          step(ctx: VirtioStepContext): Violation | null {
            const c = ctx.command;
            if (c.kind !== 'hint') return null;
            const g = c.guest;
            const m = monitors.get(g);
            // A guest without the feature refuses with device/no-hinting: command-contract judges it (core/virtio/contracts.ts).
            if (!m) return null;
            const obs = ctx.obs.guests[g]?.hinting;
            if (!obs) return { guest: g, message: `guest ${g} negotiated FREE_PAGE_HINT, but its observation has no hinting part (core/virtio/observation.ts GuestObservation.hinting)` };
            const { op, result } = hintStep(c, ctx.result);
            const step: HintStep = { command: op, result, obs, index: ctx.index };
            history.push({ guest: g, step });
            const v = m.step(step);
            return v ? { guest: g, ...(v.gpfn !== undefined ? { gpfn: v.gpfn } : {}), message: `guest ${g} (free page hinting): ${v.message}` } : null;
          },
          fork: () => make(history),
        };
      };
      return on.size === 0 ? { fork() { return this; } } : make([]);
    },
  };
}

/** The hinting properties in the virtio suite, the command contract first. */
export const virtioHintProperties: readonly VirtioProperty[] = [lift(hintContract), lift(hintDataOracle), lift(hintDeviceDrops)];

type HintSnap = SnapshotFrom<typeof hintMachine>;

/**
 * The hinting chart in lockstep with each hinting guest's hinting steps: every event allowed by
 * the chart's rules (model/virtio/hinting-rules.ts) and the chart's command id, page counts and
 * queue equal to the observation's. With hooks, live actors whose microsteps go to coverage.
 */
function hintChartMonitor(config: SystemConfig, hooks: ConformanceHooks, from?: ReadonlyMap<number, HintSnap>): VirtioMonitor {
  const input = hintConfigFor(profileOf(config));
  const inspect = hooks.onTransitions
    ? (ev: { type: string; _transitions?: AnyTransitionDefinition[] }) => {
      if (ev.type === '@xstate.microstep' && ev._transitions?.length) hooks.onTransitions!(HINT_CHART_NAME, ev._transitions);
    }
    : undefined;
  const actors = new Map<number, Actor<typeof hintMachine>>();
  for (const g of hintingGuests(config)) {
    const start = from?.get(g);
    // Without hooks, the chart compiled from its definition (properties/chart-compiled.ts, issue
    // 21): no actor built per guest per case, no XState macrostep per event.
    const a = start ? snapshotActor(hintMachine, input, machineSnapshot(hintMachine, start))
      : inspect || hooks.onState ? createActor(hintMachine, { input, ...(inspect ? { inspect: inspect as never } : {}) }).start()
      : compiledActor(hintMachine, input) ?? snapshotActor(hintMachine, input, createActor(hintMachine, { input }).getSnapshot());
    if (!start) hooks.onState?.(HINT_CHART_NAME, a.getSnapshot().value);
    actors.set(g, a);
  }
  const fork = forkUnlessHooked(hooks, () => hintChartMonitor(config, hooks, new Map([...actors].map(([g, a]) => [g, a.getSnapshot()]))));
  return {
    ...fork,
    step({ command, result, obs, index }) {
      if (command.kind !== 'hint') return null;
      const a = actors.get(command.guest);
      const h = obs.guests[command.guest]?.hinting;
      if (!a || !h) return null; // a guest without hinting: hint-contract judges the refusal
      const g = command.guest;
      const s = hintStep(command, result);
      for (const e of hintStepEvents(s.op, s.result)) {
        const before = a.getSnapshot();
        a.send(e);
        const after = a.getSnapshot();
        if (after === before && hintMachine.getTransitionData(before as never, e as never).length === 0) {
          return { guest: g, message: `guest ${g} diverged at step ${index} (free page hinting): ${formatHintEvent(e)} is not allowed in [${formatStateValue(before.value)}]: ${explain(before.context, e)}` };
        }
      }
      const v = compare(a.getSnapshot().context, h, index);
      return v ? { guest: g, message: `guest ${g} (free page hinting): ${v.message}` } : null;
    },
  };
}

/** Two monitors as one: the first's verdict first; forkable when both are. */
function both(a: VirtioMonitor, b: VirtioMonitor): VirtioMonitor {
  const m: VirtioMonitor = {
    step: (ctx) => a.step?.(ctx) ?? b.step?.(ctx) ?? null,
    ...(a.audit ? { audit: (obs) => a.audit!(obs) } : {}),
    ...(a.end ? { end: (ctx) => a.end!(ctx) } : {}),
  };
  // The guest chart's monitor may listen to some effect kinds only; a refused hinting step may have none, so both hear every step.
  if (a.fork && b.fork) m.fork = () => both(a.fork!(), b.fork!());
  return m;
}

/**
 * Conformance with the hinting chart: the guest chart's lockstep (properties/conformance.ts) and,
 * on a configuration where some guest negotiated FREE_PAGE_HINT, the hinting chart's.
 */
export function withHintingConformance(base: (hooks?: ConformanceHooks) => VirtioProperty): (hooks?: ConformanceHooks) => VirtioProperty {
  return (hooks = {}) => {
    const p = base(hooks);
    return {
      ...p,
      doc: `${p.doc}; with FREE_PAGE_HINT, every hinting step is one the hinting chart (model/virtio/hinting-machine.ts) allows, and its counts match`,
      refs: `${p.refs}; VIRTIO 1.2 5.5.6.5.1 and 5.5.6.5.2, statements 37, 38, 39, 40, 41, 42, 43, 46, 48 and 49 (the hinting chart)`,
      monitor(config, world) {
        const m = p.monitor(config, world);
        return hintingGuests(config).length === 0 ? m : both(m, hintChartMonitor(config, hooks));
      },
    };
  };
}
