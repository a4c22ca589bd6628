/**
 * Conformance, lockstep: the implementation and the Hyper-V charts (model/hyperv: the guest's
 * driver and the host's side of its channel) run side by side, one pair per guest. After every
 * step its effects become chart events (model/hyperv/events.ts); an event a chart does not accept
 * is a divergence, named by guest, chart state, event and the first rule it breaks. Then the
 * observation's abstraction must equal the charts' projection.
 */
import { createActor, type Actor, type AnyTransitionDefinition, type Snapshot, type StateValue } from 'xstate';
import type { HvObservation, HvSystemConfig } from '../../core/hyperv/index.ts';
import {
  abstractHvObservation, brokenRule, diffHvAbstract, formatHvEvent, GUEST_RULES, HOST_RULES, hvGuestMachine, hvHostMachine,
  hvStepEvents, projectHvCharts, type HvEvent, type HvGuestMachine, type HvHostMachine,
} from '../../model/hyperv/index.ts';
import { formatStateValue } from '../../model/state-name.ts';
import { snapshotActor, forkUnlessHooked } from '../chart-step.ts';
import type { ChartCopy } from '../family.ts';
import type { HvMonitor, HvProperty, HvViolation } from './property.ts';

export interface HvConformanceHooks {
  onTransitions?(chart: string, transitions: readonly AnyTransitionDefinition[]): void;
  onState?(chart: string, value: StateValue): void;
  onCharts?(copies: readonly ChartCopy[]): void;
}

type Pair = { guest: Actor<HvGuestMachine>; host: Actor<HvHostMachine> };
type RuleList = readonly { says: string; holds(c: never, e: HvEvent): boolean }[];

/** Which rules govern an event, for the message when a chart refuses it. */
const GOVERNING: Record<string, string[]> = {
  G_VERSION: ['versionAccepted', 'versionRetried', 'versionExhausted'], G_CAPS: ['capsAccepted'], G_BALLOON: ['balloonAsLinux'],
  G_UNBALLOON: ['unballoonPart'], G_HOT_ADD: ['hotAddWithinRange'], G_OFFLINE: ['offlineFits'], G_STATUS: ['statusTruthful'],
  G_REFUSED: ['refusedAlone'], ALLOC: ['allocFits'], FREE: ['freeFits'],
  H_REQUEST: ['balloonTowardTarget', 'unballoonTowardTarget', 'hotAddOffered'], H_RESPONSE: ['balloonPart', 'unballoonAnswered', 'hotAddAnswered'],
  TARGET_SET: ['targetClamped'],
};

export function hvConformanceProperty(hooks: HvConformanceHooks = {}): HvProperty {
  return {
    name: 'conformance',
    kind: 'always',
    doc: 'every step of the implementation is a step the Hyper-V charts allow, and the observation matches them',
    refs: 'model/hyperv (Linux hv_balloon.c version_resp, balloon_up, balloon_down, hot_add_req, post_status); docs/families/hyperv.md',
    monitor: (config) => monitor(config, hooks),
  };
}

/** Where a fork starts: per guest, the two charts' snapshots. */
type HvFrom = { guest: Snapshot<unknown>; host: Snapshot<unknown> }[];

function monitor(config: HvSystemConfig, hooks: HvConformanceHooks, from?: HvFrom): HvMonitor {
  const inspect = (chart: string) => (ev: { type: string; _transitions?: AnyTransitionDefinition[] }) => {
    if (ev.type === '@xstate.microstep' && ev._transitions?.length) hooks.onTransitions?.(chart, ev._transitions);
  };
  const pairs: Pair[] = config.guests.map((guest, i) => {
    const input = { guest, system: config };
    const f = from?.[i];
    const g = f ? snapshotActor(hvGuestMachine, input, f.guest as never) : createActor(hvGuestMachine, { input, ...(hooks.onTransitions ? { inspect: inspect('hyperv-guest') as never } : {}) });
    const h = f ? snapshotActor(hvHostMachine, input, f.host as never) : createActor(hvHostMachine, { input, ...(hooks.onTransitions ? { inspect: inspect('hyperv-host') as never } : {}) });
    g.start(); h.start();
    if (f) return { guest: g, host: h };
    hooks.onState?.('hyperv-guest', g.getSnapshot().value);
    hooks.onState?.('hyperv-host', h.getSnapshot().value);
    return { guest: g, host: h };
  });
  hooks.onCharts?.(pairs.flatMap((p, guest) => [
    { chart: 'hyperv-guest', guest, state: () => p.guest.getSnapshot().value },
    { chart: 'hyperv-host', guest, state: () => p.host.getSnapshot().value },
  ]));
  const fork = forkUnlessHooked(hooks, () => monitor(config, hooks, pairs.map((p) => ({ guest: p.guest.getSnapshot(), host: p.host.getSnapshot() }))));
  return {
    ...fork,
    step({ command, result, obs, index }) {
      const i = command.guest;
      const p = pairs[i];
      if (!p) return null;
      for (const e of hvStepEvents(command, result, obs.guests[i])) {
        const v = send(p, e, i, index);
        if (v) return v;
      }
      return compare(i, obs, p);
    },
    audit(obs) {
      for (let i = 0; i < pairs.length; i++) { const v = compare(i, obs, pairs[i]); if (v) return v; }
      return null;
    },
  };
}

function send(p: Pair, e: HvEvent, i: number, index: number): HvViolation | null {
  const toHost = e.type.startsWith('H_') || e.type === 'TARGET_SET';
  const [name, actor, rules] = toHost ? ['host', p.host, HOST_RULES] as const : ['guest', p.guest, GUEST_RULES] as const;
  const before = actor.getSnapshot();
  actor.send(e as never);
  const after = actor.getSnapshot();
  if (after === before && (actor.logic as { getTransitionData(s: unknown, e: unknown): unknown[] }).getTransitionData(before, e).length === 0) {
    let why: string | null = null;
    for (const n of GOVERNING[e.type] ?? []) {
      const r = (rules as Record<string, RuleList>)[n];
      if (r && !why) why = brokenRule(r as never, before.context as never, e);
    }
    return { guest: i, message: `guest ${i} diverged at step ${index}: the ${name} chart in [${formatStateValue(before.value)}] does not take ${formatHvEvent(e)}${why ? `: ${why}` : ''}` };
  }
  return null;
}

function compare(i: number, obs: HvObservation, p: Pair): HvViolation | null {
  const og = obs.guests[i];
  if (!og) return null;
  const g = p.guest.getSnapshot();
  const h = p.host.getSnapshot();
  const diff = diffHvAbstract(abstractHvObservation(og), projectHvCharts(g.value, g.context, h.value, h.context));
  if (diff.length === 0) return null;
  return { guest: i, message: `guest ${i}: the observation differs from the Hyper-V charts in [${formatStateValue(g.value)}] / [${formatStateValue(h.value)}]: ${diff.join('; ')}` };
}
