/**
 * Conformance, lockstep: the implementation and the VirtualBox charts (model/virtualbox: the
 * guest's balloon and the host side) run side by side, one pair per guest. After every step its
 * effects become chart events (model/virtualbox/events.ts); an event a chart does not take is a
 * divergence, named by guest, chart state, event and the first rule it breaks. Then what the
 * observation says of the driver and the host must equal what the charts hold.
 */
import { createActor, type Actor, type AnyTransitionDefinition, type Snapshot, type StateValue } from 'xstate';
import type { VboxGuestObservation } from '../../core/virtualbox/index.ts';
import {
  brokenRule, formatVboxEvent, forVboxGuest, forVboxHost, GUEST_RULES, HOST_RULES, vboxGuestMachine, vboxHostMachine, vboxStepEvents,
  type Rule, type VboxEvent, type VboxGuestMachine, type VboxHostMachine,
} from '../../model/virtualbox/index.ts';
import { formatStateValue } from '../../model/state-name.ts';
import { snapshotActor, forkUnlessHooked } from '../chart-step.ts';
import type { ConformanceHooks } from '../family.ts';
import type { Violation } from '../property.ts';
import type { VboxProperty } from './property.ts';

type Pair = { guest: Actor<VboxGuestMachine>; host: Actor<VboxHostMachine> };

/** Which guards may govern an event, for the message when a chart refuses it. */
const GOVERNING: Record<string, { guest: readonly string[]; host: readonly string[] }> = {
  FETCH: { guest: ['fetchAccepted', 'fetchRefused'], host: [] },
  CHANGE: { guest: ['inflateDone', 'inflateQueued', 'inflateFailed', 'wantedDeflateDone', 'wantedDeflateQueued', 'wantedDeflateFailed', 'deflateDone', 'deflateQueued', 'deflateFailed'], host: ['doneInline', 'postedToEmt', 'failedArmed'] },
  HOSTILE: { guest: [], host: ['hostileRefused'] },
  APPLIED: { guest: ['ownApplied'], host: ['lastQueued'] },
  SIZE: { guest: ['sizeCounted'], host: [] },
  PUFF: { guest: ['short'], host: [] },
  CLOSED: { guest: ['balloonEmpty'], host: [] },
  DELIVER: { guest: [], host: ['eventPending'] },
};

export function vboxConformanceProperty(hooks: ConformanceHooks = {}): VboxProperty {
  return {
    name: 'conformance',
    kind: 'always',
    doc: 'every step of the implementation is a step the VirtualBox charts allow, and the observation matches them',
    refs: 'model/virtualbox (VBoxGuest.cpp vboxGuestSetBalloonSizeKernel, vboxGuestCloseMemBalloon; VMMDev.cpp; PGMPhys.cpp PGMR3PhysChangeMemBalloon); docs/families/virtualbox.md',
    monitor: (config) => vboxMonitor(config, hooks),
  };
}
/** Where a fork starts: per guest, the two charts' snapshots. */
type From = { guest: Snapshot<unknown>; host: Snapshot<unknown> }[];

function vboxMonitor(config: Parameters<VboxProperty['monitor']>[0], hooks: ConformanceHooks, from?: From): ReturnType<VboxProperty['monitor']> {
  const inspect = (chart: string) => (ev: { type: string; _transitions?: AnyTransitionDefinition[] }) => {
    if (ev.type === '@xstate.microstep' && ev._transitions?.length) hooks.onTransitions?.(chart, ev._transitions);
  };
  const pairs: Pair[] = config.guests.map((guest, i) => {
    const input = { system: config, guest };
    const f = from?.[i];
    const g = f ? snapshotActor(vboxGuestMachine, input, f.guest as never) : createActor(vboxGuestMachine, { input, ...(hooks.onTransitions ? { inspect: inspect('virtualbox-guest') as never } : {}) });
    const h = f ? snapshotActor(vboxHostMachine, input, f.host as never) : createActor(vboxHostMachine, { input, ...(hooks.onTransitions ? { inspect: inspect('virtualbox-host') as never } : {}) });
    g.start(); h.start();
    if (f) return { guest: g, host: h };
    hooks.onState?.('virtualbox-guest', g.getSnapshot().value as StateValue);
    hooks.onState?.('virtualbox-host', h.getSnapshot().value as StateValue);
    return { guest: g, host: h };
  });
  hooks.onCharts?.(pairs.flatMap((p, guest) => [
    { chart: 'virtualbox-guest', guest, state: () => p.guest.getSnapshot().value as StateValue },
    { chart: 'virtualbox-host', guest, state: () => p.host.getSnapshot().value as StateValue },
  ]));
  const fork = forkUnlessHooked(hooks, () => vboxMonitor(config, hooks, pairs.map((p) => ({ guest: p.guest.getSnapshot(), host: p.host.getSnapshot() }))));
  return {
    ...fork,
    step({ command, result, obs, index }) {
      const i = command.guest;
      const p = pairs[i];
      if (!p) return null;
      for (const e of vboxStepEvents(command, result)) {
        if (forVboxGuest(e)) { const v = send('guest', p.guest, GUEST_RULES, e, i, index); if (v) return v; }
        if (forVboxHost(e)) { const v = send('host', p.host, HOST_RULES, e, i, index); if (v) return v; }
      }
      const og = obs.guests[i];
      return og ? compare(i, og, p) : null;
    },
    audit(obs) {
      for (let i = 0; i < pairs.length; i++) { const og = obs.guests[i]; const v = og ? compare(i, og, pairs[i]) : null; if (v) return v; }
      return null;
    },
  };
}


function send(name: 'guest' | 'host', actor: Actor<VboxGuestMachine> | Actor<VboxHostMachine>, rules: Record<string, readonly Rule<never>[]>, e: VboxEvent, g: number, index: number): Violation | null {
  const before = actor.getSnapshot();
  (actor as Actor<VboxGuestMachine>).send(e);
  const after = actor.getSnapshot();
  if (after !== before || (actor.logic as unknown as { getTransitionData(s: unknown, e: unknown): unknown[] }).getTransitionData(before, e).length > 0) return null;
  let why: string | null = null;
  for (const n of (GOVERNING[e.type]?.[name] ?? [])) {
    why = brokenRule(rules[n] as readonly Rule<unknown>[], before.context, e);
    if (why) break;
  }
  return { guest: g, message: `guest ${g} diverged at step ${index}: the ${name} chart in [${formatStateValue(before.value as StateValue)}] does not take ${formatVboxEvent(e)}${why ? `: ${why}` : ''}` };
}

/** The chart state the observation describes. */
export function vboxGuestState(og: VboxGuestObservation): string {
  const d = og.virtualbox.driver;
  if (d.closing) return d.inFlight ? 'closing.waiting' : 'closing.deflating';
  if (d.maxChunks === 0) return 'unknown';
  return d.inFlight ? 'open.waiting' : 'open.ready';
}

function compare(g: number, og: VboxGuestObservation, p: Pair): Violation | null {
  const gs = p.guest.getSnapshot();
  const hs = p.host.getSnapshot();
  const { driver: d, host: h } = og.virtualbox;
  const diff: string[] = [];
  const hostState = hs.context.smp ? (h.queue.length > 0 ? 'async.queued' : 'async.idle') : 'sync';
  const want = (what: string, impl: unknown, model: unknown) => { if (impl !== model) diff.push(`${what}: implementation ${impl}, model ${model}`); };
  want('guest state', vboxGuestState(og), formatStateValue(gs.value as StateValue));
  want('chunks', d.chunks, gs.context.chunks);
  want('wanted', d.wanted, gs.context.wanted);
  want('host state', hostState, formatStateValue(hs.value as StateValue));
  want('ballooned', h.ballooned, hs.context.ballooned);
  want('queued', h.queue.length, hs.context.queued);
  want('event pending', h.eventPending, hs.context.eventPending);
  if (diff.length === 0) return null;
  return { guest: g, message: `guest ${g}: the observation differs from the VirtualBox charts: ${diff.join('; ')}` };
}
