import { PageState, UNBACKED } from '../../../core/index.ts';
import type { XenGuestObservation, XenObservation } from '../../../core/xen/index.ts';
import type { XenProperty, XenStepContext, XenViolation } from '../property.ts';
import { stateless } from '../../property.ts';

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
  doc: 'current_pages = frames + PoD entries the domain holds; the PoD entry count = entries in the p2m; ballooned list + lent = ballooned gpfns, all given back; the PoD cache follows what the step gave back',
  refs: 'docs/INVARIANTS.md invariant 6; Linux drivers/xen/balloon.c increase_reservation, decrease_reservation, balloon_append; xen/arch/x86/mm/p2m-pod.c (entry_count, p2m_pod_decrease_reservation, p2m_pod_set_mem_target)',
  monitor: () => stateless({
    audit(obs: XenObservation) {
      for (let i = 0; i < obs.guests.length; i++) { const v = auditGuest(obs.guests[i], i); if (v) return v; }
      return null;
    },
    step: podCacheStep,
  }),
};

/**
 * The PoD cache across one step (xen/arch/x86/mm/p2m-pod.c). Xen keeps the cache no larger than
 * the outstanding entries, and the gap between them (entries not yet covered by a cache frame)
 * closes by one for every page the domain gives back: a PoD entry dropped by decrease_reservation
 * shrinks the entries, and a backed page given back while entries outnumber the cache is stolen
 * into it instead of going to the host (p2m_pod_decrease_reservation, `steal_for_cache`); a cache
 * left larger than the entries is cut down to them (its `out_entry_check`). Per extent and over a
 * whole hypercall that leaves entries - cache = max(0, gap - pages given back), whatever the
 * order of the pages. A touch that backs an entry (p2m_pod_demand_populate) takes the entry and a
 * cache frame together and leaves the gap; alloc is the only command that touches a PoD entry
 * (core/xen/commands.ts). A toolstack target may grow the cache (p2m_pod_set_mem_target) but never
 * shrinks it; a rebuilt domain starts over (conformance's RESET).
 */
function podCacheStep({ command, result, obs, before }: XenStepContext): XenViolation | null {
  const i = command.guest;
  const g = obs.guests[i];
  if (!g || command.kind === 'reset') return null;
  const { podEntries: entries, podCache: cache } = g.xen;
  if (cache < 0) return { message: `guest ${i} counts ${cache} frames in its PoD cache`, guest: i };
  if (command.kind === 'set-target') {
    return cache >= before.podCache ? null : { message: `setting a target moved guest ${i}'s PoD cache from ${before.podCache} down to ${cache}; p2m_pod_set_mem_target never shrinks it`, guest: i };
  }
  const gap = before.podEntries - before.podCache;
  // Only a toolstack's cache resize could leave more cache than entries; that is not judged here.
  if (gap < 0) return null;
  const dropped = command.kind === 'alloc' ? 0 : before.podEntries - entries;
  let backed = 0;
  for (const e of result.effects) if (e.kind === 'frame-released' && e.guest === i) backed++;
  const want = Math.max(0, gap - dropped - backed);
  if (entries - cache === want) return null;
  return {
    message: `guest ${i} gave back ${dropped} PoD entries and ${backed} backed page(s) with ${before.podEntries} entries and ${before.podCache} cache frames; `
      + `p2m_pod_decrease_reservation leaves ${want} more entries than cache frames, but the step left ${entries} entries and ${cache} cache frames`,
    guest: i,
  };
}

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
