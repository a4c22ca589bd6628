/**
 * Conformance, lockstep: the implementation and the VMware charts (model/vmware: the guest's
 * driver and the host side) run side by side, one pair per guest. After every step its effects
 * become chart events (model/vmware/events.ts); an event a chart does not accept is a divergence,
 * named by guest, chart state, event and the first rule it breaks. Then what the observation says
 * of the driver and the host must equal what the charts hold.
 */
import { createActor, type Actor, type AnyTransitionDefinition, type Snapshot, type StateValue } from 'xstate';
import type { VmwGuestObservation } from '../../core/vmware/index.ts';
import {
  brokenRule, DRIVER_RULES, formatVmwEvent, HOST_RULES, vmwDriverMachine, vmwHostMachine, vmwStepEvents,
  type Rule, type VmwDriverMachine, type VmwEvent, type VmwHostMachine,
} from '../../model/vmware/index.ts';
import { formatStateValue } from '../../model/state-name.ts';
import { snapshotActor, forkUnlessHooked } from '../chart-step.ts';
import type { ConformanceHooks } from '../family.ts';
import type { Violation } from '../property.ts';
import type { VmwProperty } from './property.ts';

type Pair = { driver: Actor<VmwDriverMachine>; host: Actor<VmwHostMachine> };

/** Which guards may govern an event, for the message when a chart refuses it. */
const GOVERNING: Record<string, { driver: readonly string[]; host: readonly string[] }> = {
  START: { driver: ['startedLarge', 'startedSmall', 'startFailed'], host: ['startGranted'] },
    PAGES: { driver: ['pagesWellFormed'], host: ['hostileRefused', 'driverPages', 'nothingDone'] },
  SIZE: { driver: ['sizeAccounted'], host: [] },
  WORK: { driver: ['roundClean'], host: [] },
};

/** Does the host chart take this event? It sees the backdoor, not the driver's bookkeeping. */
const forHost = (e: VmwEvent) => e.type === 'FORGET' || e.type === 'PAGES' || e.type === 'DOORBELL' || e.type === 'REPLY_RESET' || (e.type === 'START' && e.ok);
const forDriver = (e: VmwEvent) => e.type !== 'FORGET' && !(e.type === 'PAGES' && e.origin === 'hostile');

export function vmwConformanceProperty(hooks: ConformanceHooks = {}): VmwProperty {
  return {
    name: 'conformance',
    kind: 'always',
    doc: 'every step of the implementation is a step the VMware charts allow, and the observation matches them',
    refs: 'model/vmware (Linux vmw_balloon.c vmballoon_work, vmballoon_reset, vmballoon_send_start, vmballoon_inflate, vmballoon_deflate); docs/families/vmware.md',
    monitor: (config) => vmwMonitor(config, hooks),
  };
}
/** Where a fork starts: per guest, the two charts' snapshots. */
type From = { driver: Snapshot<unknown>; host: Snapshot<unknown> }[];

function vmwMonitor(config: Parameters<VmwProperty['monitor']>[0], hooks: ConformanceHooks, from?: From): ReturnType<VmwProperty['monitor']> {
  const inspect = (chart: string) => (ev: { type: string; _transitions?: AnyTransitionDefinition[] }) => {
    if (ev.type === '@xstate.microstep' && ev._transitions?.length) hooks.onTransitions?.(chart, ev._transitions);
  };
  const pairs: Pair[] = config.guests.map((guest, i) => {
    const input = { system: config, guest };
    const f = from?.[i];
    const driver = f ? snapshotActor(vmwDriverMachine, input, f.driver as never) : createActor(vmwDriverMachine, { input, ...(hooks.onTransitions ? { inspect: inspect('vmware-driver') as never } : {}) });
    const host = f ? snapshotActor(vmwHostMachine, input, f.host as never) : createActor(vmwHostMachine, { input, ...(hooks.onTransitions ? { inspect: inspect('vmware-host') as never } : {}) });
    driver.start(); host.start();
    if (f) return { driver, host };
    hooks.onState?.('vmware-driver', driver.getSnapshot().value as StateValue);
    hooks.onState?.('vmware-host', host.getSnapshot().value as StateValue);
    return { driver, host };
  });
  hooks.onCharts?.(pairs.flatMap((p, guest) => [
    { chart: 'vmware-driver', guest, state: () => p.driver.getSnapshot().value as StateValue },
    { chart: 'vmware-host', guest, state: () => p.host.getSnapshot().value as StateValue },
  ]));
  const fork = forkUnlessHooked(hooks, () => vmwMonitor(config, hooks, pairs.map((p) => ({ driver: p.driver.getSnapshot(), host: p.host.getSnapshot() }))));
  return {
    ...fork,
    step({ command, result, obs, index }) {
      const g = command.guest;
      const p = pairs[g];
      if (!p) return null;
      const og = obs.guests[g];
      for (const e of vmwStepEvents(result, og)) {
        if (forDriver(e)) { const v = send('driver', p.driver, DRIVER_RULES, e, g, index); if (v) return v; }
        if (forHost(e)) { const v = send('host', p.host, HOST_RULES, e, g, index); if (v) return v; }
      }
      return og ? compare(g, og, p) : null;
    },
    audit(obs) {
      for (let g = 0; g < pairs.length; g++) { const og = obs.guests[g]; const v = og ? compare(g, og, pairs[g]) : null; if (v) return v; }
      return null;
    },
  };
}


function send(name: string, actor: Actor<VmwDriverMachine> | Actor<VmwHostMachine>, rules: Record<string, readonly Rule<never>[]>, e: VmwEvent, g: number, index: number): Violation | null {
  const before = actor.getSnapshot();
  (actor as Actor<VmwDriverMachine>).send(e);
  const after = actor.getSnapshot();
  if (after !== before || (actor.logic as unknown as { getTransitionData(s: unknown, e: unknown): unknown[] }).getTransitionData(before, e).length > 0) return null;
  let why: string | null = null;
  for (const n of (GOVERNING[e.type]?.[name === 'driver' ? 'driver' : 'host'] ?? [])) {
    why = brokenRule(rules[n] as readonly Rule<unknown>[], before.context, e);
    if (why) break;
  }
  return { guest: g, message: `guest ${g} diverged at step ${index}: the ${name} chart in [${formatStateValue(before.value as StateValue)}] does not take ${formatVmwEvent(e)}${why ? `: ${why}` : ''}` };
}

function compare(g: number, og: VmwGuestObservation, p: Pair): Violation | null {
  const d = p.driver.getSnapshot();
  const h = p.host.getSnapshot();
  const { driver: od, host: oh } = og.vmware;
  const diff: string[] = [];
  const driverState = od.resetRequired ? 'resetting' : od.large ? 'running.large' : 'running.small';
  const hostState = oh.forgot ? 'forgot' : oh.caps ? 'session' : 'unstarted';
  const want = (what: string, impl: unknown, model: unknown) => { if (impl !== model) diff.push(`${what}: implementation ${impl}, model ${model}`); };
  want('driver state', driverState, formatStateValue(d.value as StateValue));
  want('size', od.size, d.context.size);
  want('driver doorbell', od.doorbell, d.context.doorbell);
  want('host state', hostState, formatStateValue(h.value as StateValue));
  want('locked', oh.locked, h.context.locked);
  want('host doorbell', oh.doorbell, h.context.doorbell);
  if (diff.length === 0) return null;
  return { guest: g, message: `guest ${g}: the observation differs from the VMware charts: ${diff.join('; ')}` };
}
