import { guestId } from '../../../core/index.ts';
import { xenGuestConfig, xenSystemConfig, type XenCommand, type XenObservation, type XenSystemConfig } from '../../../core/xen/index.ts';

export const G0 = guestId(0);
export const G1 = guestId(1);

/** One PV guest of 64 pages, floor 8, on a host with room to spare. */
export function onePv(over: Partial<XenSystemConfig> = {}): XenSystemConfig {
  return xenSystemConfig({ hostFrames: 100, guests: [xenGuestConfig({ mode: 'pv' })], ...over });
}

/** A copy of everything a hostile request must leave alone. */
export function snapshot(o: XenObservation): string {
  return JSON.stringify({
    owner: Array.from(o.host.owner), free: o.host.freeFrames,
    guests: o.guests.map((g) => ({
      p2m: Array.from(g.p2m), ps: Array.from(g.pageState), hb: Array.from(g.hostBallooned), t: g.target, a: g.actual,
      pod: Array.from(g.xen.pod), e: g.xen.podEntries, c: g.xen.podCache, gp: g.xen.guestP2m ? Array.from(g.xen.guestP2m) : null,
    })),
  });
}

export const thread = (guest = G0, extra: Partial<Extract<XenCommand, { kind: 'thread' }>> = {}): XenCommand => ({ kind: 'thread', guest, ...extra });
export const tick = (seconds: number): XenCommand => ({ kind: 'tick', guest: G0, seconds });
