/**
 * Hand-made states for the invariant tests: a real reference system driven to a known state,
 * then a copy of its observation or a step's effects doctored to be bad in one way.
 */
import { virtioWorld } from '../../properties/virtio/runner.ts';
import {
  guestConfig, guestId, systemConfig, type Command, type Effect, type GuestConfig, type Observation, type StepResult, type SystemConfig,
} from '../../core/virtio/index.ts';
import { createReferenceSystem } from '../../impl/virtio/index.ts';
import type { AnyProperty as Property } from '../../properties/property.ts';
import type { GuestSummary, VirtioStepContext as StepContext } from '../../properties/virtio/property.ts';
import { summary as runnerSummary } from '../../properties/virtio/runner.ts';
import { asTyped } from '../../core/index.ts';

export const g0 = guestId(0);
export const g1 = guestId(1);

export const twoGuests: SystemConfig = systemConfig({
  hostFrames: 200,
  guests: [guestConfig({ ramPages: 32, floorPages: 4 }), guestConfig({ ramPages: 32, floorPages: 4 })],
});

/** Run commands on a fresh reference system; return it and a deep copy of its observation. */
export function driven(commands: Command[], config = twoGuests) {
  const sys = createReferenceSystem(config);
  for (const c of commands) {
    const r = sys.apply(c);
    if (r.outcome === 'refused') throw new Error(`fixture command refused: ${r.code}`);
  }
  return { sys, config, obs: clone(sys.observe()) };
}

export function clone(o: Observation): Observation {
  return {
    host: { ...o.host, owner: o.host.owner.slice(), ownerGpfn: o.host.ownerGpfn.slice() },
    guests: o.guests.map((g) => ({
      ...g, p2m: asTyped(g.p2m).slice(), dmaView: g.dmaView ? asTyped(g.dmaView).slice() : null, pageState: asTyped(g.pageState).slice(),
      hostBallooned: asTyped(g.hostBallooned).slice(), inflight: g.inflight.map((b) => ({ ...b })), counts: { ...g.counts },
    })),
  };
}

export const accepted = (...effects: Effect[]): StepResult => ({ outcome: 'accepted', effects });

export function summary(obs: Observation, guest = 0): GuestSummary {
  return runnerSummary(obs, guest);
}

/** Call a property's step hook once with a doctored context. */
export function stepWith(p: Property, config: SystemConfig, c: Partial<StepContext> & { obs: Observation; command: Command }) {
  const m = p.monitor(config, virtioWorld);
  return m.step?.({ index: 0, result: accepted(), before: summary(c.obs, c.command.guest), draining: false, ...c }) ?? null;
}

/** A write of `n` pages' worth of tokens: alloc then write each. */
export function allocAndWrite(guest = g0, pages = 4): Command[] {
  const out: Command[] = [{ kind: 'alloc', guest, pages, pick: 0 }];
  for (let i = 0; i < pages; i++) out.push({ kind: 'write', guest, pick: i });
  return out;
}

/** Guest 0 with report order 2 (blocks of 4 guest pages) and PAGE_REPORTING; `over` changes the guest. */
export const orderedReporting = (over: Partial<GuestConfig> = {}): SystemConfig => systemConfig({
  guests: [guestConfig({ ramPages: 16, floorPages: 2, reportOrder: 2, features: { mustTellHost: true, statsVq: false, deflateOnOom: false, pageReporting: true }, ...over })],
  hostFrames: 24,
});
/** In orderedReporting: pages 1, 2 and 8 used, so blocks 0 and 2 are not free whole, blocks 4-7 and 12-15 are. */
export const fragmentedForReports: Command[] = [
  { kind: 'alloc', guest: g0, pages: 3, pick: 1 },
  { kind: 'free', guest: g0, pages: 1, pick: 2 },
  { kind: 'alloc', guest: g0, pages: 1, pick: 8 },
];

/** Inflate `target` pages of guest 0 all the way (driver, device, driver). */
export function inflated(target: number, guest = g0): Command[] {
  return [
    { kind: 'set-target', guest, pages: target },
    { kind: 'driver', guest }, { kind: 'device', guest, queue: 'inflate' }, { kind: 'driver', guest },
  ];
}
