import { PageState, UNBACKED } from '../../../core/index.ts';
import type { XenGuestObservation, XenObservation } from '../../../core/xen/index.ts';
import type { XenProperty, XenViolation } from '../property.ts';

/**
 * docs/INVARIANTS.md invariant 6 in Xen's words: balloon_stats equal the sets they count, after
 * every step, error paths included. current_pages is what the hypervisor holds for the domain
 * (frames mapped plus PoD entries); balloon_low + lent pages are the ballooned gpfns; every gpfn
 * the guest counts as ballooned is held by Xen as given back. Linux balloon.c: current_pages moves
 * by the count the hypercall did (increase_reservation: rc; decrease_reservation: nr_pages).
 */
export const xenCountersMatch: XenProperty = {
  name: 'xen-counters-match',
  kind: 'always',
  doc: 'current_pages = frames + PoD entries the domain holds; the PoD entry count = entries in the p2m; ballooned list + lent = ballooned gpfns, all given back',
  refs: 'docs/INVARIANTS.md invariant 6; Linux drivers/xen/balloon.c increase_reservation, decrease_reservation, balloon_append; xen/arch/x86/mm/p2m-pod.c (entry_count)',
  monitor: () => ({
    audit(obs: XenObservation) {
      for (let i = 0; i < obs.guests.length; i++) { const v = auditGuest(obs.guests[i], i); if (v) return v; }
      return null;
    },
  }),
};

function auditGuest(g: XenGuestObservation, i: number): XenViolation | null {
  const x = g.xen;
  if (x.thread.inHypercall) return null; // a hypercall in flight: the driver has not accounted it yet
  let held = 0, ballooned = 0, pod = 0;
  for (let n = 0; n < g.p2m.length; n++) {
    if (g.p2m[n] !== UNBACKED || x.pod[n]) held++;
    if (x.pod[n]) pod++;
    const b = g.pageState[n] === PageState.Ballooned;
    if (b) ballooned++;
    if (b !== (g.hostBallooned[n] === 1)) {
      return { message: `gpfn ${n} of guest ${i} is ${b ? '' : 'not '}ballooned as the guest sees it, but Xen ${g.hostBallooned[n] ? 'holds it as given back' : 'still backs it'}`, guest: i, gpfn: n };
    }
  }
  // p2m-pod.c: entry_count counts the PoD entries in the p2m.
  if (x.podEntries !== pod) return { message: `guest ${i} counts ${x.podEntries} PoD entries, its p2m holds ${pod}`, guest: i };
  if (g.actual !== x.currentPages) return { message: `guest ${i} reports actual ${g.actual} but current_pages ${x.currentPages}`, guest: i };
  if (held !== x.currentPages) return { message: `guest ${i} counts current_pages = ${x.currentPages}, but Xen holds ${held} pages for it (frames and PoD entries)`, guest: i };
  if (x.balloonLow + x.balloonHigh + x.lent !== ballooned) return { message: `guest ${i} counts ${x.balloonLow} ballooned + ${x.lent} lent pages, but ${ballooned} gpfns are ballooned`, guest: i };
  if (g.counts.ballooned !== ballooned) return { message: `guest ${i} counts ${g.counts.ballooned} ballooned gpfns, ${ballooned} are`, guest: i };
  return null;
}
