import { PageState, rangeLength, touchedRanges, type WorldGuestObservation as GuestObservation, type WorldObservation } from '../../core/index.ts';
import { stateless, type FamilyWorld } from '../property.ts';
import type { Property, Violation } from '../property.ts';
import { at } from '../words.ts';

/**
 * Invariant 6: `actual` equals the balloon it describes when the driver writes it (VIRTIO
 * 5.5.6.1: after the acknowledgement, counting pages in the balloon and pages on their way out),
 * the driver's counters equal its page states, and once nothing is in flight the host and the
 * guest agree on which gpfns are ballooned (a double inflate counted twice shows here). A driver
 * may batch several changes into one update of `actual` (5.5.6.1), so `actual` must equal the
 * balloon only once the driver has come to rest: at the end of a run, after the fair drain.
 */
export const countersMatch: Property = {
  name: 'counters-match',
  kind: 'always',
  doc: 'actual equals the acknowledged balloon when written; host and guest agree on the ballooned gpfns once idle',
  refs: 'docs/INVARIANTS.md invariant 6; VIRTIO 5.5.6.1 statements 18 and 19 (docs/virtio-spec.md)',
  monitor: (config, world) => {
    const lead = world.actualMayLead?.(config) ?? false;
    return stateless({
      interests: ['actual-written'],
      step({ result, obs }) {
        for (const e of result.effects) {
          if (e.kind !== 'actual-written') continue;
          const g = obs.guests[e.guest];
          const size = g.counts.ballooned + g.counts.deflating;
          // A profile that lets actual lead (virtio spec: 5.5.6.1 forbids no early write) bounds it
          // by the acknowledged balloon below and the balloon once its requests are through above.
          const ok = lead ? e.actual >= g.counts.ballooned && e.actual <= size + g.counts.inflating : e.actual === size;
          if (!ok) return { message: `guest ${e.guest} wrote actual = ${e.actual}, but its balloon holds ${size} acknowledged gpfns`, guest: e.guest };
          if (g.actual !== e.actual) return { message: `guest ${e.guest} wrote actual = ${e.actual}, but the device reads ${g.actual}`, guest: e.guest };
        }
        return null;
      },
      audit(obs) {
        for (let i = 0; i < obs.guests.length; i++) {
          const v = auditGuest(obs, obs.guests[i], i, world);
          if (v) return v;
        }
        return null;
      },
      end({ obs, quiescent }) {
        if (!quiescent) return null; // progress reports a drain that never came to rest
        for (let i = 0; i < obs.guests.length; i++) {
          const g = obs.guests[i];
          if (world.pending(obs, i) !== null) continue;
          if (g.actual !== g.counts.ballooned) return { message: `guest ${i} came to rest with actual = ${g.actual}, but ${g.counts.ballooned} gpfns are ballooned`, guest: i };
        }
        return null;
      },
    });
  },
};

function auditGuest(obs: WorldObservation, g: GuestObservation, guest: number, world: FamilyWorld): Violation | null {
  // Outside the touched ranges a paged pageState reads Free (core/paged.ts, impl/guest-memory.ts).
  const touched = touchedRanges(g.pageState);
  const n = { free: g.pageState.length - rangeLength(touched), used: 0, inflating: 0, ballooned: 0, deflating: 0 };
  for (const [lo, hi] of touched) for (let i = lo; i < hi; i++) {
    switch (g.pageState[i]) {
      case PageState.Free: n.free++; break;
      case PageState.Used: n.used++; break;
      case PageState.Inflating: n.inflating++; break;
      case PageState.Ballooned: n.ballooned++; break;
      case PageState.Deflating: n.deflating++; break;
    }
  }
  for (const k of Object.keys(n) as (keyof typeof n)[]) {
    if (n[k] !== g.counts[k]) return { message: `guest ${guest} counts ${g.counts[k]} ${k} gpfns, but ${n[k]} are ${k}`, guest };
  }
  if (world.pending(obs, guest) !== null) return null;
  for (const [lo, hi] of touchedRanges(g.pageState, g.hostBallooned)) for (let i = lo; i < hi; i++) {
    const guestSays = g.pageState[i] === PageState.Ballooned;
    if (guestSays !== (g.hostBallooned[i] === 1)) {
      return { message: `${at(guest, i)}: the ${guestSays ? 'guest' : 'host'} says it is ballooned, the ${guestSays ? 'host' : 'guest'} does not`, guest, gpfn: i };
    }
  }
  return null;
}
